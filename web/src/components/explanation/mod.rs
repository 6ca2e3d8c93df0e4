//! The explanation pane: why the selected event fired or not, and the fields it was read as.

mod trace;

use crate::components::code_editor::{move_cursor, EditorKind};
use crate::components::event_fields::{EventFields, NewRuleFrom};
use sigmaplay_wasm::ExplainReport;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ExplanationProps {
    pub selected: Option<usize>,
    /// The explanation of the selected event, once the worker sent it.
    pub explanation: Option<Rc<ExplainReport>>,
    /// The line where the selected event starts in the events text.
    pub line: Option<u32>,
    /// Picks a built-in pipeline the explanation suggests.
    pub on_pipeline: Callback<String>,
    /// "New rule from this event" (drafted by a worker).
    pub on_new_rule: Callback<NewRuleFrom>,
}

#[component]
pub fn ExplanationPanel(props: &ExplanationProps) -> Html {
    let Some(index) = props.selected else {
        return html! {
            <div class="explanation empty" data-testid="explanation">
                <h2>{"Explanation"}</h2>
                <p class="muted">{"Select an event (click it, or use the arrow keys in the list) to see why the rule fired or not."}</p>
            </div>
        };
    };
    let Some(report) = &props.explanation else {
        return html! {
            <div class="explanation" data-testid="explanation"><h2>{ format!("Event #{}", index + 1) }</h2><p class="muted">{"Explaining…"}</p></div>
        };
    };
    let fields: Rc<[(String, serde_json::Value)]> = report.fields.clone().into();
    let identifiers: Rc<[String]> = report
        .traces
        .first()
        .map(|t| t.identifiers.iter().map(|i| i.name.clone()).collect())
        .unwrap_or_default();
    html! {
        <div class="explanation" data-testid="explanation" data-event={index.to_string()}>
            <div class="pane-head">
                <h2>{ format!("Event #{}", index + 1) }</h2>
                if let Some(line) = props.line {
                    <button class="link" onclick={Callback::from(move |_: MouseEvent| move_cursor(EditorKind::Events, line as usize, 1))}
                        title="Show this event in the events editor">{ format!("line {line}") }</button>
                }
            </div>
            if let Some(error) = &report.error {
                <p class="notice error" data-testid="explain-error">{ error.clone() }</p>
            }
            { for report.exclusions.iter().flatten().map(|exclusion| html! {
                <p class="note filter-excluded" data-testid="filter-excluded">{ exclusion.to_string() }</p>
            }) }
            { for report.pipeline_suggestions.first().map(|s| {
                let pipeline = s.pipeline.clone();
                let onclick = props.on_pipeline.reform(move |_: MouseEvent| pipeline.clone());
                let more = match s.fields_found {
                    1 => String::new(),
                    n => format!(" (and {} more of the rule's fields)", n - 1),
                };
                html! {
                    <p class="hint suggestion" data-testid="pipeline-suggestion" data-pipeline={s.pipeline.clone()}>
                        { format!("The event has no {} but has {}: the {} pipeline maps one to the other{more}. ", s.field, s.mapped_to, s.pipeline) }
                        <button data-testid="use-suggested-pipeline" {onclick}>{ format!("Use {}", s.pipeline) }</button>
                    </p>
                }
            }) }
            { for report.traces.iter().map(trace::trace_view) }
            <EventFields fields={fields} identifiers={identifiers} on_new_rule={props.on_new_rule.clone()} />
        </div>
    }
}
