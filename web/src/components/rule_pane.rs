//! The rule pane: the rule editor with its underlines, the placeholders and options, and the
//! list of the rule's diagnostics.

use super::code_editor::{move_cursor, CodeEditor, EditorKind};
use super::format_rule::FormatRuleButton;
use super::quick_fix::QuickFixButtons;
use crate::bindings::EditorMark;
use sigmaplay_engine::{quick_fixes, AuthoringHints, Diagnostic, Location, QuickFix};
use sigmaplay_wasm::{position_label, CompileReport};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct RulePaneProps {
    pub rule: AttrValue,
    /// Bumped when the editor must take `rule` (a load); see [`CodeEditor`].
    pub sync: u64,
    pub compile: Option<CompileReport>,
    pub placeholders_text: String,
    pub logsource_check: bool,
    pub on_edit: Callback<Rc<str>>,
    pub on_placeholders: Callback<String>,
    pub on_logsource_check: Callback<()>,
    /// What completion and hover know besides the rule text.
    pub hints: Rc<AuthoringHints>,
}

#[component]
pub fn RulePane(props: &RulePaneProps) -> Html {
    let on_change = {
        let on_edit = props.on_edit.clone();
        Callback::from(move |text: Option<String>| {
            if let Some(text) = text {
                on_edit.emit(text.into());
            }
        })
    };
    let on_placeholders = {
        let on_placeholders = props.on_placeholders.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(t) = e.target_dyn_into::<web_sys::HtmlTextAreaElement>() {
                on_placeholders.emit(t.value());
            }
        })
    };
    let on_logsource_check = props.on_logsource_check.reform(|_: Event| ());
    let diagnostics: Rc<[Diagnostic]> = props
        .compile
        .iter()
        .flat_map(|report| report.diagnostics.iter().cloned())
        .collect();
    let marks = editor_marks(&diagnostics);
    let fixes = use_memo(props.rule.clone(), |rule| {
        Rc::<[QuickFix]>::from(quick_fixes(rule))
    });
    html! {
        <>
            <div class="pane-head">
                <h2>{"Rule"}</h2>
                <span class="muted">{ rule_title(props.compile.as_ref()) }</span>
                <div class="spacer"></div>
                <FormatRuleButton />
            </div>
            <CodeEditor kind={EditorKind::Rule} text={props.rule.clone()} sync={props.sync} read_only=false {marks}
                label="Sigma rule (YAML)" testid="rule-editor" {on_change} hints={Some(props.hints.clone())} />
            <details class="options">
                <summary>{"Placeholders and options"}</summary>
                <label class="block">
                    {"Placeholder values for "}<code>{"|expand"}</code>{", one per line: "}<code>{"Name: value1, value2"}</code>
                    <textarea data-testid="placeholders" rows="3" value={props.placeholders_text.clone()} oninput={on_placeholders} />
                </label>
                <label class="check">
                    <input type="checkbox" data-testid="logsource-check" checked={props.logsource_check} onchange={on_logsource_check} />
                    {" Only events of the rule's log source can fire (as when many rules run)"}
                </label>
            </details>
            <DiagnosticsList {diagnostics} editor={EditorKind::Rule} testid="diagnostics" item_testid="diagnostic"
                label="Rule diagnostics" fixes={Some((*fixes).clone())} />
        </>
    }
}

/// "Title · level · log source" of the first rule that compiled.
fn rule_title(compile: Option<&CompileReport>) -> String {
    match compile.and_then(|c| c.rules.first()) {
        Some(rule) => {
            let level = rule
                .level
                .as_deref()
                .map(|l| format!(" · {l}"))
                .unwrap_or_default();
            let ls = if rule.logsource.is_empty() {
                String::new()
            } else {
                format!(" · {}", rule.logsource)
            };
            format!("{}{level}{ls}", rule.title)
        }
        None => String::new(),
    }
}

/// The underlines of located diagnostics in their editor.
pub fn editor_marks(diagnostics: &[Diagnostic]) -> Rc<[EditorMark]> {
    diagnostics
        .iter()
        .map(|d| EditorMark {
            line: d.location.map(|l| l.line),
            column: d.location.map(|l| l.column),
            end_line: d.end_location.map(|l| l.line),
            end_column: d.end_location.map(|l| l.column),
            severity: d.severity,
            message: d.message.clone(),
        })
        .collect()
}

#[derive(Properties, PartialEq)]
pub struct DiagnosticsListProps {
    pub diagnostics: Rc<[Diagnostic]>,
    /// The editor whose text the diagnostics are located in (a click moves its cursor there).
    pub editor: EditorKind,
    pub testid: AttrValue,
    pub item_testid: AttrValue,
    pub label: AttrValue,
    /// The quick fixes of the text (the rule's): each diagnostic shows those about it.
    #[prop_or_default]
    pub fixes: Option<Rc<[QuickFix]>>,
}

/// A list of located diagnostics; clicking one moves its editor's cursor there.
#[component]
pub fn DiagnosticsList(props: &DiagnosticsListProps) -> Html {
    let editor = props.editor;
    html! {
        <ul class="diagnostics" data-testid={props.testid.clone()} aria-label={props.label.clone()}>
            { for props.diagnostics.iter().map(|d| {
                let at = d.location.unwrap_or(Location { line: 1, column: 1 });
                let (line, column) = (at.line, at.column);
                let onclick = Callback::from(move |_: MouseEvent| move_cursor(editor, line, column));
                let sev = d.severity.to_string();
                html! {
                    <li>
                        <button class={classes!("diag", sev.clone())} data-testid={props.item_testid.clone()} data-severity={sev.clone()} {onclick}
                            title="Move the cursor there">
                            <span class="pos">{ position_label(d) }</span>
                            <span class="sev">{ sev }</span>
                            <span class="msg">{ d.message.clone() }</span>
                            <span class="code">{ format!("[{}]", d.code) }</span>
                        </button>
                        if let Some(fixes) = &props.fixes {
                            <QuickFixButtons diagnostic={d.clone()} fixes={fixes.clone()} />
                        }
                    </li>
                }
            }) }
        </ul>
    }
}
