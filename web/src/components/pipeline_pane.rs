//! The processing pipeline: the picker (none, the built-ins, custom YAML), the custom pipeline's
//! editor with its diagnostics, and the rule after the pipeline (a diff) with the processing
//! items that fired.

use super::code_editor::{CodeEditor, EditorKind};
use super::rule_pane::{editor_marks, DiagnosticsList};
use sigmaplay_engine::{AppliedItem, Diagnostic, BUILTIN_PIPELINES};
use sigmaplay_ruletest::CUSTOM_PIPELINE_ORIGIN;
use sigmaplay_wasm::pipeline::ProcessedView;
use sigmaplay_wasm::CompileReport;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct PipelinePaneProps {
    /// The picker's value: `""`, a built-in's name or `custom`.
    pub value: AttrValue,
    pub custom_text: AttrValue,
    /// Bumped when the editor must take `custom_text`; see [`CodeEditor`].
    pub sync: u64,
    pub compile: Option<CompileReport>,
    pub on_select: Callback<String>,
    pub on_edit: Callback<Rc<str>>,
}

#[component]
pub fn PipelinePane(props: &PipelinePaneProps) -> Html {
    let on_select = {
        let on_select = props.on_select.clone();
        Callback::from(move |e: Event| {
            if let Some(select) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
                on_select.emit(select.value());
            }
        })
    };
    let on_change = {
        let on_edit = props.on_edit.clone();
        Callback::from(move |text: Option<String>| {
            if let Some(text) = text {
                on_edit.emit(text.into());
            }
        })
    };
    let custom = props.value == CUSTOM_PIPELINE_ORIGIN;
    let diagnostics: Rc<[Diagnostic]> = props
        .compile
        .iter()
        .flat_map(|c| c.pipeline_diagnostics.iter().cloned())
        .collect();
    let option = |value: &str, label: String, title: &str| {
        html! {
            <option value={value.to_string()} selected={props.value == value} title={title.to_string()}>{ label }</option>
        }
    };
    html! {
        <div class="pipeline">
            <label class="pipeline-pick">
                {"Processing pipeline "}
                <select data-testid="pipeline-select" onchange={on_select}
                    title="Rewrites the rule before it compiles, for events with other field names (pySigma's pipelines)">
                    { option("", "none (the Windows log-source taxonomy)".into(), "") }
                    { for BUILTIN_PIPELINES.iter().map(|(name, about, _)| option(name, name.to_string(), about)) }
                    { option(CUSTOM_PIPELINE_ORIGIN, "custom (YAML)…".into(), "Your own pipeline in pySigma's YAML format") }
                </select>
            </label>
            if custom {
                <CodeEditor kind={EditorKind::Pipeline} text={props.custom_text.clone()} sync={props.sync} read_only=false
                    marks={editor_marks(&diagnostics)} label="Custom processing pipeline (YAML)" testid="pipeline-editor" {on_change} />
            }
            <DiagnosticsList diagnostics={diagnostics.clone()} editor={EditorKind::Pipeline} testid="pipeline-diagnostics"
                item_testid="pipeline-diagnostic" label="Pipeline diagnostics" />
            { processed_view(props.compile.as_ref().map(|c| c.processed.as_slice()).unwrap_or_default()) }
        </div>
    }
}

/// The processing items that fired (each once) and the rule after the pipeline.
fn processed_view(rules: &[ProcessedView]) -> Html {
    if rules.is_empty() {
        return html! {};
    }
    let mut applied: Vec<&AppliedItem> = Vec::new();
    for item in rules.iter().flat_map(|r| &r.applied) {
        if !applied.contains(&item) {
            applied.push(item);
        }
    }
    html! {
        <details class="pipeline-result" open=true>
            <summary>{ format!("Rule after the pipeline · {} processing item(s) applied", applied.len()) }</summary>
            <ul class="applied" data-testid="pipeline-applied" aria-label="Processing items that applied">
                { for applied.iter().map(|a| html! {
                    <li data-item-id={a.item.clone()} data-pipeline={a.pipeline.clone()} title={a.to_string()}><code>{ a.item.clone() }</code></li>
                }) }
                if applied.is_empty() { <li class="muted">{"No processing item applied to this rule."}</li> }
            </ul>
            <pre class="diff" data-testid="pipeline-diff" aria-label="The rule as written and after the pipeline">
                { for rules.iter().flat_map(|r| &r.diff).map(|line| {
                    let change = line.change.label();
                    html! { <span class={classes!("diff-line", change)} data-change={change}>{ format!("{} {}\n", line.change.mark(), line.text) }</span> }
                }) }
            </pre>
        </details>
    }
}
