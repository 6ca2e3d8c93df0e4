//! One rule's trace: the verdict sentence, the condition tree, and each search identifier down
//! to its items and values. Hovering a part marks its rule line; clicking moves the cursor there.

use crate::components::code_editor::{mark_rule_lines, move_cursor, EditorKind};
use sigmaplay_engine::{
    ConditionKind, ConditionTrace, IdentifierTrace, ItemTrace, MatchTrace, SearchTrace, ValueTrace,
};
use yew::prelude::*;

pub fn trace_view(trace: &MatchTrace) -> Html {
    html! {
        <div class="trace">
            <p class={classes!("summary", if trace.matched { "fired" } else { "not_fired" })} data-testid="explain-summary">
                <strong>{ trace.verdict_label() }</strong>
                if !trace.why.is_empty() { { format!(": {}", trace.why) } }
            </p>
            if let Some(note) = &trace.logsource_note {
                <p class="note" data-testid="logsource-note">{ note.clone() }</p>
            }
            <h3>{"Condition"}</h3>
            <ul class="cond-tree" data-testid="explain-condition">{ condition_view(&trace.condition) }</ul>
            <h3>{"Search identifiers"}</h3>
            { for trace.identifiers.iter().map(identifier_view) }
        </div>
    }
}

/// The kind as the trace's JSON spells it (`one_of`, ...): the test contract's `data-kind`.
fn kind_name(kind: ConditionKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn bool_badge(v: bool) -> Html {
    html! { <span class={classes!("tv", if v { "t" } else { "f" })}>{ if v { "true" } else { "false" } }</span> }
}

/// Hover marks the line in the rule editor; click also moves the cursor there.
fn line_handlers(
    line: usize,
    column: usize,
) -> (
    Callback<MouseEvent>,
    Callback<MouseEvent>,
    Callback<MouseEvent>,
) {
    (
        Callback::from(move |_: MouseEvent| mark_rule_lines(line, line)),
        Callback::from(move |_: MouseEvent| mark_rule_lines(0, 0)),
        Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            mark_rule_lines(line, line);
            move_cursor(EditorKind::Rule, line, column);
        }),
    )
}

fn condition_view(node: &ConditionTrace) -> Html {
    let (enter, leave, click) = line_handlers(node.location.line, node.location.column);
    html! {
        <li data-testid="explain-node" data-kind={kind_name(node.kind)} data-value={node.value.to_string()}>
            <button class="node" onmouseenter={enter} onmouseleave={leave} onclick={click} onfocus={Callback::from({
                let line = node.location.line; move |_: FocusEvent| mark_rule_lines(line, line) })}>
                { bool_badge(node.value) }<code>{ node.text.clone() }</code>
            </button>
            if !node.children.is_empty() {
                <ul>{ for node.children.iter().map(condition_view) }</ul>
            }
        </li>
    }
}

fn identifier_view(ident: &IdentifierTrace) -> Html {
    let (enter, leave, click) = line_handlers(ident.location.line, ident.location.column);
    html! {
        <div class={classes!("ident", if ident.value { "t" } else { "f" })} data-testid={format!("explain-identifier-{}", ident.name)}
            data-value={ident.value.to_string()}>
            <button class="ident-head" onmouseenter={enter} onmouseleave={leave} onclick={click}>
                { bool_badge(ident.value) }<code class="name">{ ident.name.clone() }</code>
            </button>
            <p class="why">{ ident.explanation.clone() }</p>
            { search_view(&ident.search) }
        </div>
    }
}

fn search_view(search: &SearchTrace) -> Html {
    match search {
        SearchTrace::Item(item) => item_view(item),
        SearchTrace::AllOf {
            value, children, ..
        }
        | SearchTrace::AnyOf {
            value, children, ..
        } => {
            let label = if matches!(search, SearchTrace::AllOf { .. }) {
                "all of:"
            } else {
                "any of:"
            };
            if children.len() == 1 {
                return search_view(&children[0]);
            }
            html! {
                <div class="group" data-testid="explain-group" data-value={value.to_string()}>
                    <span class="muted">{ label }</span>
                    { for children.iter().map(search_view) }
                </div>
            }
        }
    }
}

/// "Image → process.executable (ecs_windows: ecs_windows_field_mapping)".
fn mapped_label(from: &str, item: &ItemTrace) -> String {
    let by: Vec<String> = item.pipeline_items.iter().map(|a| a.to_string()).collect();
    let to = item.field.as_deref().unwrap_or("keywords");
    if by.is_empty() {
        format!("{from} → {to}")
    } else {
        format!("{from} → {to} ({})", by.join(", "))
    }
}

fn item_view(item: &ItemTrace) -> Html {
    let (enter, leave, click) = line_handlers(item.location.line, item.location.column);
    let mods: String = item
        .modifiers
        .iter()
        .map(|m| format!("|{}", m.name()))
        .collect();
    let head = format!("{}{mods}", item.field.as_deref().unwrap_or("keywords"));
    html! {
        <div class={classes!("item", if item.value { "t" } else { "f" })} data-testid="explain-item" data-value={item.value.to_string()}
            onmouseenter={enter} onmouseleave={leave} onclick={click} tabindex="0"
            title="Click to show this item in the rule">
            <div class="item-head">
                { bool_badge(item.value) }
                <code>{ head }</code>
                if item.negated { <span class="muted">{" (negated)"}</span> }
                if item.values.len() > 1 { <span class="muted">{ format!(" {}", item.linking.label()) }</span> }
                if let Some(from) = &item.read_from { <span class="muted">{ format!(" read from {from}") }</span> }
            </div>
            if let Some(from) = &item.renamed_from {
                <p class="mapped" data-testid="explain-mapped">{ mapped_label(from, item) }</p>
            }
            <p class="why" data-testid="explain-reason">{ item.explanation.clone() }</p>
            if let Some(s) = &item.field_suggestion { <p class="hint">{ format!("The event has no such field; did you mean {s}?") }</p> }
            <ul class="values">{ for item.values.iter().map(value_view) }</ul>
            if !item.notes.is_empty() {
                <ul class="notes" data-testid="explain-notes">
                    { for item.notes.iter().map(|n| html! { <li>{ n.clone() }</li> }) }
                </ul>
            }
        </div>
    }
}

fn value_view(value: &ValueTrace) -> Html {
    let actual = match value.highlighted_actual() {
        Some((before, matched, after)) => {
            html! { <code class="actual">{ before }<mark data-testid="matched-part">{ matched }</mark>{ after }</code> }
        }
        None => match &value.actual {
            Some(a) => html! { <code class="actual">{ a.clone() }</code> },
            None => html! { <span class="muted">{"(no value)"}</span> },
        },
    };
    html! {
        <li class={classes!("value", if value.matched { "t" } else { "f" })} data-testid="explain-value" data-matched={value.matched.to_string()}>
            { bool_badge(value.matched) }
            <span class="expected" title={format!("written in the rule: {}", value.written)}><code>{ value.expected.clone() }</code></span>
            if let Some(v) = &value.variant { <span class="muted">{ format!(" ({v})") }</span> }
            <span class="muted">{" vs "}</span>
            if let Some(f) = &value.matched_field { <span class="muted">{ format!("{f} = ") }</span> }
            { actual }
            if !value.matched { <span class="reason">{ format!(" — {}", value.reason.label()) }</span> }
        </li>
    }
}
