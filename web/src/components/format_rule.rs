//! "Format rule": SigmaHQ's key order and indentation, comments kept. The formatting is done by
//! a YAML library that keeps comments (eemeli/yaml, loaded the first time the button is used, so
//! the page's first load does not carry it), with the engine's key orders ([`format_plan`]);
//! the result goes through the editor as one edit (undo takes it back).

use super::code_editor::{edit_rule, with_editor, EditorKind};
use crate::bindings;
use sigmaplay_engine::{format_plan, TextEdit};
use yew::prelude::*;

/// The one edit that turns `old` into `new`: the differing middle (common prefix and suffix
/// kept, on character boundaries), so the cursor and undo see only what changed.
pub fn minimal_edit(old: &str, new: &str) -> Option<TextEdit> {
    if old == new {
        return None;
    }
    let prefix = old
        .char_indices()
        .zip(new.chars())
        .find(|((_, a), b)| a != b)
        .map_or(old.len().min(new.len()), |((i, _), _)| i);
    let max_suffix = (old.len() - prefix).min(new.len() - prefix);
    let suffix = old[prefix..]
        .chars()
        .rev()
        .zip(new[prefix..].chars().rev())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a.len_utf8())
        .scan(0, |sum, n| {
            *sum += n;
            Some(*sum)
        })
        .take_while(|s| *s <= max_suffix)
        .last()
        .unwrap_or(0);
    Some(TextEdit {
        from: prefix,
        to: old.len() - suffix,
        insert: new[prefix..new.len() - suffix].to_string(),
    })
}

#[component]
pub fn FormatRuleButton() -> Html {
    let error = use_state(|| None::<String>);
    let onclick = {
        let error = error.clone();
        Callback::from(move |_: MouseEvent| {
            let Some(text) = with_editor(EditorKind::Rule, |e| e.get_text()) else {
                return;
            };
            let error = error.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match bindings::format_rule(&text, &format_plan()).await {
                    Ok(formatted) => {
                        error.set(None);
                        // Typing while the formatter loaded wins: the result is for the old text.
                        edit_rule(|now| (now == text).then(|| minimal_edit(now, &formatted))?);
                    }
                    Err(why) => error.set(Some(format!("Cannot format: {why}"))),
                }
            });
        })
    };
    html! {
        <>
            <button data-testid="format-rule" title="SigmaHQ's key order and indentation; comments are kept" {onclick}>
                {"Format rule"}
            </button>
            if let Some(why) = &*error {
                <span class="note error" data-testid="format-error">{ why.clone() }</span>
            }
        </>
    }
}

#[cfg(test)]
mod tests {
    use super::minimal_edit;

    #[test]
    fn the_edit_holds_only_what_changed() {
        let old = "title: x\nlevel: high\nstatus: test\n";
        let new = "title: x\nstatus: test\nlevel: high\n";
        let edit = minimal_edit(old, new).unwrap();
        assert_eq!(edit.apply(old), new);
        assert_eq!(edit.from, "title: x\n".len());
        assert!(minimal_edit(old, old).is_none());
    }

    #[test]
    fn multibyte_text_splits_on_character_boundaries() {
        for (old, new) in [
            ("é", "è"),
            ("aé", "a"),
            ("a", "aé"),
            ("日本", "日日本"),
            ("xx", "x"),
            ("", "ü"),
        ] {
            let edit = minimal_edit(old, new).unwrap();
            assert_eq!(edit.apply(old), new, "{old} → {new}");
        }
    }
}
