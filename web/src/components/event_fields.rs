//! Drafting from an explained event: its evaluated fields, each with "add to selection" (under a
//! chosen search identifier, compared exactly or as contains / startswith / endswith) and
//! "exclude events like this", and "new rule from this event" with the fields ticked (drafted in
//! the files worker: the log-source table it needs is not in the page's wasm). Every change is
//! an edit of the rule through its editor (the engine's drafting edits), so undo takes it back
//! and the verdicts follow.

use super::code_editor::edit_rule;
use sigmaplay_engine::{add_to_selection, exclude_like, DraftMatch, TextEdit};
use std::collections::BTreeSet;
use std::rc::Rc;
use yew::prelude::*;

/// The value as the rule would compare it (strings as they are, others as JSON).
pub fn field_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

const MATCHES: [(DraftMatch, &str); 4] = [
    (DraftMatch::Exact, "exact"),
    (DraftMatch::Contains, "contains"),
    (DraftMatch::StartsWith, "startswith"),
    (DraftMatch::EndsWith, "endswith"),
];

/// The identifiers "add to selection" offers: the rule's selections (filters are for
/// "exclude"), and `selection` when the rule has none.
pub fn draft_identifiers(written: &[String]) -> Vec<String> {
    let mut names: Vec<String> = written
        .iter()
        .filter(|n| !n.starts_with("filter"))
        .cloned()
        .collect();
    if names.is_empty() {
        names.push("selection".into());
    }
    names
}

#[derive(Properties, PartialEq)]
pub struct EventFieldsProps {
    /// The event's flattened fields, `[name, value]` in input order.
    pub fields: Rc<[(String, serde_json::Value)]>,
    /// The rule's search identifiers, as the explanation names them.
    pub identifiers: Rc<[String]>,
    /// "New rule from this event": drafted off the page, then put in with [`replace_rule`].
    pub on_new_rule: Callback<NewRuleFrom>,
}

/// What "new rule from this event" drafts from: the event's fields and the ticked ones.
#[derive(Clone, Debug, PartialEq)]
pub struct NewRuleFrom {
    pub fields: Vec<(String, serde_json::Value)>,
    pub chosen: Vec<String>,
}

/// Puts a drafted rule in the editor in place of the rule, as one edit (undo brings it back).
pub fn replace_rule(rule: String) {
    edit_rule(|text| {
        Some(TextEdit {
            from: 0,
            to: text.len(),
            insert: rule,
        })
    });
}

#[component]
pub fn EventFields(props: &EventFieldsProps) -> Html {
    let identifiers = draft_identifiers(&props.identifiers);
    let chosen_identifier = use_state(|| None::<String>);
    let identifier = chosen_identifier
        .as_ref()
        .filter(|c| identifiers.contains(c))
        .cloned()
        .unwrap_or_else(|| identifiers[0].clone());
    let how = use_state(|| DraftMatch::Exact);
    let ticked = use_state(BTreeSet::<String>::new);

    let on_identifier = {
        let chosen = chosen_identifier.clone();
        Callback::from(move |e: Event| {
            if let Some(s) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
                chosen.set(Some(s.value()));
            }
        })
    };
    let on_how = {
        let how = how.clone();
        Callback::from(move |e: Event| {
            if let Some(s) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
                if let Some((m, _)) = MATCHES.iter().find(|(_, n)| *n == s.value()) {
                    how.set(*m);
                }
            }
        })
    };
    let on_new_rule = {
        let (fields, ticked, on_new_rule) = (
            props.fields.clone(),
            ticked.clone(),
            props.on_new_rule.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            on_new_rule.emit(NewRuleFrom {
                fields: fields.to_vec(),
                chosen: ticked.iter().cloned().collect(),
            })
        })
    };
    let how_now = *how;
    html! {
        <details class="fields" data-testid="event-fields">
            <summary>{ format!("Evaluated fields ({})", props.fields.len()) }</summary>
            <div class="draft-controls">
                <label>{"Add to "}
                    <select data-testid="draft-identifier" onchange={on_identifier}>
                        { for identifiers.iter().map(|n| html! { <option value={n.clone()} selected={*n == identifier}>{ n.clone() }</option> }) }
                    </select>
                </label>
                <label>{" as "}
                    <select data-testid="draft-match" onchange={on_how}>
                        { for MATCHES.iter().map(|(m, n)| html! { <option value={*n} selected={*m == how_now}>{ *n }</option> }) }
                    </select>
                </label>
                <button data-testid="new-rule-from-event" disabled={ticked.is_empty()} onclick={on_new_rule}
                    title="Replace the rule with a new one: this event's log source and the ticked fields (undo brings the old rule back)">
                    {"New rule from this event"}
                </button>
            </div>
            <table>
                <tbody>
                { for props.fields.iter().map(|(name, value)| field_row(name, value, &identifier, how_now, &ticked)) }
                </tbody>
            </table>
        </details>
    }
}

fn field_row(
    name: &str,
    value: &serde_json::Value,
    identifier: &str,
    how: DraftMatch,
    ticked: &UseStateHandle<BTreeSet<String>>,
) -> Html {
    let text = field_text(value);
    let on_add = {
        let (identifier, name, text) = (identifier.to_string(), name.to_string(), text.clone());
        Callback::from(move |_: MouseEvent| {
            edit_rule(|rule| add_to_selection(rule, &identifier, &name, &text, how));
        })
    };
    let on_exclude = {
        let (name, text) = (name.to_string(), text.clone());
        Callback::from(move |_: MouseEvent| edit_rule(|rule| exclude_like(rule, &name, &text)))
    };
    let on_tick = {
        let (ticked, name) = (ticked.clone(), name.to_string());
        Callback::from(move |_: Event| {
            let mut set = (*ticked).clone();
            if !set.remove(&name) {
                set.insert(name.clone());
            }
            ticked.set(set);
        })
    };
    html! {
        <tr data-testid="event-field" data-field={name.to_string()}>
            <td><input type="checkbox" data-testid="choose-field" checked={ticked.contains(name)} onchange={on_tick}
                aria-label={format!("Use {name} in a new rule")} /></td>
            <th>{ name.to_string() }</th>
            <td><code>{ text }</code></td>
            <td class="draft">
                <button data-testid="add-to-selection" onclick={on_add} title={format!("Add {name} to {identifier}")}>{"+ selection"}</button>
                <button data-testid="exclude-like-this" onclick={on_exclude} title="Add a filter_main_ selection with this value and exclude it in the condition">{"exclude"}</button>
            </td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_not_offered_for_adding_and_selection_is_the_fallback() {
        let names: Vec<String> = ["selection_img", "filter_main_x", "selection_cli"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            draft_identifiers(&names),
            vec!["selection_img".to_string(), "selection_cli".into()]
        );
        assert_eq!(draft_identifiers(&[]), vec!["selection".to_string()]);
    }

    #[test]
    fn values_are_drafted_as_the_rule_compares_them() {
        assert_eq!(field_text(&serde_json::json!("C:\\x.exe")), "C:\\x.exe");
        assert_eq!(field_text(&serde_json::json!(4688)), "4688");
    }
}
