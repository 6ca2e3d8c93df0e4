//! The rule-set view: a rule pack (a zip or `.yml` files) over an events file, evaluated by a
//! pool of workers; its progress, the rules that failed to load, the table of the rules that
//! fired, their timeline and the hits of the chosen rule, each opening in the playground.

mod table;
mod timeline;

use super::file_button::{read_picked_files, use_file_picker, NamedFile};
use crate::state::{RowFilter, RuleSetState, Run, RunEnd, SortColumn};
use sigmaplay_wasm::position_label;
use sigmaplay_wasm::ruleset::{EventPlace, PackLoaded, PackRule};
use table::{AlertList, HitList, ResultsTable};
use timeline::HitTimeline;
use yew::prelude::*;

/// The export formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    JsonLines,
    Csv,
}

#[derive(Properties, PartialEq)]
pub struct RuleSetViewProps {
    pub ruleset: RuleSetState,
    pub on_rules: Callback<Vec<NamedFile>>,
    pub on_events: Callback<web_sys::File>,
    pub on_cancel: Callback<()>,
    pub on_close: Callback<()>,
    pub on_sort: Callback<SortColumn>,
    pub on_filter: Callback<RowFilter>,
    pub on_select_rule: Callback<Option<u32>>,
    pub on_open_hit: Callback<(PackRule, EventPlace)>,
    pub on_export: Callback<ExportFormat>,
}

#[component]
pub fn RuleSetView(props: &RuleSetViewProps) -> Html {
    let (rules_ref, open_rules) = use_file_picker();
    let (events_ref, open_events) = use_file_picker();
    let on_rules_change = {
        let on_rules = props.on_rules.clone();
        Callback::from(move |e: Event| {
            if let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                read_picked_files(&input, on_rules.clone());
            }
        })
    };
    let on_events_change = {
        let on_events = props.on_events.clone();
        Callback::from(move |e: Event| {
            let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() else {
                return;
            };
            if let Some(file) = input.files().and_then(|f| f.get(0)) {
                input.set_value("");
                on_events.emit(file);
            }
        })
    };
    let s = &props.ruleset;
    let pack_status = match (&s.pack_name, s.loading, &s.pack, &s.refused) {
        (None, ..) => {
            html! { <span class="muted">{"No rules yet: a SigmaHQ release zip, or .yml files."}</span> }
        }
        (Some(name), true, ..) => {
            html! { <span data-testid="ruleset-pack">{format!("Loading {name}…")}</span> }
        }
        (Some(name), false, _, Some(why)) => {
            html! { <span data-testid="ruleset-pack" class="bad">{format!("{name}: {why}")}</span> }
        }
        (Some(name), false, Some(pack), None) => html! {
            <span data-testid="ruleset-pack" data-rules={pack.rules.len().to_string()}>
                {format!("{name}: {} rule(s), {} with errors, {} other file(s) skipped; log-source routing {}",
                    pack.rules.len(), pack.errors.len(), pack.skipped, if pack.routing { "on" } else { "off (a pipeline maps the log sources)" })}
            </span>
        },
        _ => html! {},
    };
    let close = props.on_close.reform(|_: MouseEvent| ());
    html! {
        <main class="ruleset-view" data-testid="ruleset-view" aria-label="Rule set">
            <section class="pane ruleset-inputs">
                <div class="pane-head">
                    <h2>{"Rule set"}</h2>
                    <button data-testid="ruleset-open-rules" onclick={open_rules}
                        title="A SigmaHQ release zip (rules in folders; other files are skipped) or several .yml rule files">{"Rules…"}</button>
                    <input ref={rules_ref} data-testid="ruleset-rules-file" type="file" multiple=true class="hidden-input"
                        accept=".zip,.yml,.yaml" onchange={on_rules_change} />
                    <button data-testid="ruleset-open-events" onclick={open_events}
                        title="JSON Lines (read in parts), evtx_dump JSON, Event Viewer XML or .evtx">{"Events…"}</button>
                    <input ref={events_ref} data-testid="ruleset-events-file" type="file" class="hidden-input"
                        accept=".jsonl,.ndjson,.json,.xml,.evtx,.log,.txt" onchange={on_events_change} />
                    <div class="spacer"></div>
                    <button data-testid="close-ruleset" onclick={close}>{"Back to the playground"}</button>
                </div>
                <p class="muted">{"The playground's pipeline, filters and correlations' rule choices apply. Nothing leaves this browser."}</p>
                {pack_status}
                if let Some(run) = &s.run {
                    <Progress run={run.clone()} on_cancel={props.on_cancel.clone()} />
                }
                if let Some(pack) = &s.pack {
                    <LoadErrors pack={pack.clone()} />
                }
            </section>
            if s.run.is_some() {
                <RunResults ruleset={s.clone()} on_sort={props.on_sort.clone()} on_filter={props.on_filter.clone()}
                    on_select_rule={props.on_select_rule.clone()} on_open_hit={props.on_open_hit.clone()}
                    on_export={props.on_export.clone()} />
            }
        </main>
    }
}

#[derive(Properties, PartialEq)]
struct ProgressProps {
    run: std::rc::Rc<Run>,
    on_cancel: Callback<()>,
}

#[component]
fn Progress(props: &ProgressProps) -> Html {
    let run = &props.run;
    let (state, said) = match &run.end {
        None if run.ready_ms.is_none() => (
            "loading",
            format!("{} worker(s) compiling the rules…", run.workers),
        ),
        None if run.correlating => ("correlating", "running the correlations…".to_string()),
        None => ("running", format!("{} worker(s)", run.workers)),
        Some(RunEnd::Done) => ("done", "done".to_string()),
        Some(RunEnd::Cancelled) => (
            "cancelled",
            "cancelled: the results so far are kept".to_string(),
        ),
        Some(RunEnd::Failed(why)) => ("failed", why.clone()),
    };
    let per_s = run.events_per_s();
    let compile_ms = run.ready_ms.map_or(0.0, |r| r - run.started_ms);
    let max = run.total_bytes.max(1).to_string();
    let cancel = props.on_cancel.reform(|_: MouseEvent| ());
    let memory: Vec<String> = run.worker_memory.iter().map(u64::to_string).collect();
    let alerts = run
        .correlated
        .as_ref()
        .map(|c| format!(", {} correlation alert(s)", c.alerts.len()))
        .unwrap_or_default();
    let peak_mb = run.worker_memory.iter().max().copied().unwrap_or(0) as f64 / 1048576.0;
    html! {
        <div class="ruleset-progress" data-testid="ruleset-progress" data-state={state} data-events={run.items.to_string()}
            data-matches={run.matches().to_string()} data-events-per-s={format!("{per_s:.0}")}
            data-compile-ms={format!("{compile_ms:.0}")} data-workers={run.workers.to_string()}
            data-alerts={run.alerts().len().to_string()} data-worker-memory={memory.join(",")}>
            <progress max={max} value={run.read_bytes.to_string()} aria-label="Events read"></progress>
            <span>{format!("{}: {} event(s), {} match(es){alerts}, {:.0} events/s, {peak_mb:.0} MB per worker at most — {said}", run.file, run.items, run.matches(), per_s)}</span>
            if run.error_count > 0 {
                <span class="bad" title={run.errors.join("\n")}>{format!(" {} unreadable event(s)", run.error_count)}</span>
            }
            if let Some(c) = run.correlated.as_ref().filter(|c| !c.untimed.is_empty() || !c.notices.is_empty()) {
                <span class="bad" data-testid="ruleset-correlation-notes" title={c.untimed.iter().chain(&c.notices).cloned().collect::<Vec<_>>().join("\n")}>
                    {format!(" {} event(s) without a time for the correlations, {} limit(s) reached", c.untimed.len(), c.notices.len())}
                </span>
            }
            if run.end.is_none() {
                <button data-testid="ruleset-cancel" onclick={cancel}>{"Cancel"}</button>
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct LoadErrorsProps {
    pack: std::rc::Rc<PackLoaded>,
}

#[component]
fn LoadErrors(props: &LoadErrorsProps) -> Html {
    if props.pack.errors.is_empty() {
        return html! {};
    }
    html! {
        <details class="ruleset-errors" data-testid="ruleset-errors" open=true>
            <summary>{format!("{} error(s) in the rules (those rules are left out)", props.pack.errors.len())}</summary>
            <ul>
                { for props.pack.errors.iter().map(|e| html! {
                    <li data-testid="ruleset-error" data-file={e.file.clone()}>
                        <code>{format!("{}:{}", e.file, position_label(&e.diagnostic))}</code>{" "}{e.diagnostic.message.clone()}
                    </li>
                }) }
            </ul>
        </details>
    }
}

#[derive(Properties, PartialEq)]
struct RunResultsProps {
    ruleset: RuleSetState,
    on_sort: Callback<SortColumn>,
    on_filter: Callback<RowFilter>,
    on_select_rule: Callback<Option<u32>>,
    on_open_hit: Callback<(PackRule, EventPlace)>,
    on_export: Callback<ExportFormat>,
}

#[component]
fn RunResults(props: &RunResultsProps) -> Html {
    let s = &props.ruleset;
    let export = |format: ExportFormat| props.on_export.reform(move |_: MouseEvent| format);
    let selected = s
        .selected_rule
        .and_then(|r| Some((r, s.correlation_of_row(r), s.row_info(r)?.clone())));
    html! {
        <section class="pane ruleset-results-pane">
            <div class="pane-head">
                <h2>{"Rules that fired"}</h2>
                <div class="spacer"></div>
                <button data-testid="ruleset-export" data-format="jsonl" onclick={export(ExportFormat::JsonLines)}
                    title="The matches as sigmaplay eval writes them (JSON Lines)">{"Export JSON Lines"}</button>
                <button data-testid="ruleset-export" data-format="csv" onclick={export(ExportFormat::Csv)}>{"Export CSV"}</button>
            </div>
            <HitTimeline timeline={s.timeline(120)} />
            <ResultsTable rows={s.rows()} sort={s.sort} filter={s.filter.clone()} selected={s.selected_rule}
                on_sort={props.on_sort.clone()} on_filter={props.on_filter.clone()} on_select={props.on_select_rule.clone()} />
            if let Some((rule, None, info)) = selected.clone() {
                <HitList hits={s.hits_of(rule, 200)} rule={info} on_open={props.on_open_hit.clone()} />
            }
            if let Some((_, Some(c), info)) = selected {
                <AlertList alerts={s.alerts_of(c, 200).into_iter().filter_map(|a| Some((s.alert_rule(c, &a)?, a))).collect::<Vec<_>>()}
                    correlation={info} on_open={props.on_open_hit.clone()} />
            }
        </section>
    }
}
