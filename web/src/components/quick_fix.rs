//! Quick fixes on the rule's diagnostics: the engine's mechanical corrections (`quick_fixes`)
//! shown as buttons beside the diagnostic they are about. A fix is applied through the editor
//! (undo takes it back); Ctrl+. in the editor applies the one at the cursor.

use super::code_editor::edit_rule;
use sigmaplay_engine::{quick_fixes, Diagnostic, QuickFix};
use std::rc::Rc;
use yew::prelude::*;

/// The fixes about the text a diagnostic points at (their spans overlap, or the fix contains
/// an empty span).
pub fn fixes_for<'f>(d: &Diagnostic, fixes: &'f [QuickFix]) -> Vec<&'f QuickFix> {
    let Some(span) = d.span else {
        return Vec::new();
    };
    fixes
        .iter()
        .filter(|f| {
            (f.from < span.end && span.start < f.to)
                || (span.start == span.end && f.from <= span.start && span.start <= f.to)
        })
        .collect()
}

/// Applies `fix` to the editor's text as it is now: the fix is found again in that text (by its
/// place and title), so a fix shown for an older text never edits the wrong place.
pub fn apply(fix: &QuickFix) {
    let wanted = fix.clone();
    edit_rule(move |text| {
        quick_fixes(text)
            .into_iter()
            .find(|f| f.from == wanted.from && f.title == wanted.title)
            .map(|f| f.edit)
    });
}

#[derive(Properties, PartialEq)]
pub struct QuickFixButtonsProps {
    pub diagnostic: Diagnostic,
    pub fixes: Rc<[QuickFix]>,
}

#[component]
pub fn QuickFixButtons(props: &QuickFixButtonsProps) -> Html {
    let fixes = fixes_for(&props.diagnostic, &props.fixes);
    if fixes.is_empty() {
        return html! {};
    }
    html! {
        <span class="quick-fixes">
            { for fixes.into_iter().map(|fix| {
                let onclick = { let fix = fix.clone(); Callback::from(move |_: MouseEvent| apply(&fix)) };
                html! {
                    <button class="quick-fix" data-testid="quick-fix" title="Apply this fix (Ctrl+. in the editor)" {onclick}>
                        { fix.title.clone() }
                    </button>
                }
            }) }
        </span>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sigmaplay_engine::{compile_rules, CompileOptions};

    fn diagnostics(text: &str) -> Vec<Diagnostic> {
        let options = CompileOptions {
            lint: true,
            ..CompileOptions::default()
        };
        compile_rules(text, &options).diagnostics
    }

    #[test]
    fn a_misspelt_modifier_has_its_fix_beside_its_error() {
        let rule = "title: t\nlogsource:\n    product: windows\ndetection:\n    selection:\n        Image|endswit: x\n    condition: selection\n";
        let fixes = quick_fixes(rule);
        let error = diagnostics(rule)
            .into_iter()
            .find(|d| d.severity == sigmaplay_engine::Severity::Error)
            .expect("the modifier is an error");
        let found = fixes_for(&error, &fixes);
        assert_eq!(found.len(), 1, "{error:?} {fixes:?}");
        let fixed = found[0].edit.apply(rule);
        assert!(fixed.contains("Image|endswith: x"));
        assert!(!diagnostics(&fixed)
            .iter()
            .any(|d| d.severity == sigmaplay_engine::Severity::Error));
    }

    #[test]
    fn a_diagnostic_elsewhere_gets_no_fix() {
        let rule = "title: t\nstatus: tset\nlogsource:\n    product: windows\ndetection:\n    selection:\n        Image: x\n    condition: selection\n";
        let fixes = quick_fixes(rule);
        assert!(!fixes.is_empty());
        for d in diagnostics(rule) {
            let mentions_status = d.message.contains("status") || d.message.contains("tset");
            assert_eq!(!fixes_for(&d, &fixes).is_empty(), mentions_status, "{d:?}");
        }
    }
}
