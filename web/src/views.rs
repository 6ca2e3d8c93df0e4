//! The page's panels: notices, diagnostics, verdict list, explanation. Props down, callbacks up.

use crate::editor::{self, EditorKind};
use crate::state::{AppState, Notice, NoticeLevel};
use sigmaplay_ruletest::Outcome;
use sigmaplay_wasm::trace::{
    reason_label, ConditionTraceView, IdentifierTraceView, ItemTraceView, MatchTraceView,
    SearchTraceView, ValueTraceView,
};
use sigmaplay_wasm::{CompileReport, EventsSummary, VerdictKind};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct NoticeBarProps {
    pub notices: Vec<Notice>,
    pub on_dismiss: Callback<u64>,
    pub on_restore: Callback<()>,
}

#[component]
pub fn NoticeBar(props: &NoticeBarProps) -> Html {
    if props.notices.is_empty() {
        return html! {};
    }
    html! {
        <div class="notices" aria-live="polite">
            { for props.notices.iter().map(|n| {
                let id = n.id;
                let dismiss = props.on_dismiss.reform(move |_: MouseEvent| id);
                let restore = props.on_restore.reform(|_: MouseEvent| ());
                let class = if n.level == NoticeLevel::Error { "notice error" } else { "notice" };
                html! {
                    <div class={class} role={if n.level == NoticeLevel::Error { "alert" } else { "status" }}
                        data-testid={if n.level == NoticeLevel::Error { "notice-error" } else { "notice" }}>
                        <span>{ n.text.clone() }</span>
                        if n.offers_restore {
                            <button data-testid="restore-previous" onclick={restore}>{"Restore previous work"}</button>
                        }
                        <button class="dismiss" aria-label="Dismiss" onclick={dismiss}>{"✕"}</button>
                    </div>
                }
            }) }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct DiagnosticsListProps {
    pub compile: Option<CompileReport>,
}

#[component]
pub fn DiagnosticsList(props: &DiagnosticsListProps) -> Html {
    let Some(report) = &props.compile else {
        return html! { <ul class="diagnostics" data-testid="diagnostics"></ul> };
    };
    html! {
        <ul class="diagnostics" data-testid="diagnostics" aria-label="Rule diagnostics">
            { for report.diagnostics.iter().map(|d| {
                let (line, column) = (d.line.unwrap_or(1), d.column.unwrap_or(1));
                let onclick = Callback::from(move |_: MouseEvent| editor::move_cursor(EditorKind::Rule, line, column));
                let sev = format!("{:?}", d.severity).to_lowercase();
                html! {
                    <li>
                        <button class={classes!("diag", sev.clone())} data-testid="diagnostic" data-severity={sev.clone()} {onclick}
                            title="Move the cursor there">
                            <span class="pos">{ d.position_label() }</span>
                            <span class="sev">{ sev }</span>
                            <span class="msg">{ d.message.clone() }</span>
                            <span class="code">{ format!("[{}]", d.code) }</span>
                        </button>
                    </li>
                }
            }) }
        </ul>
    }
}

#[derive(Properties, PartialEq)]
pub struct EventErrorsProps {
    pub summary: Option<Rc<EventsSummary>>,
}

#[component]
pub fn EventErrors(props: &EventErrorsProps) -> Html {
    let Some(summary) = &props.summary else {
        return html! {};
    };
    if summary.errors.is_empty() {
        return html! {};
    }
    let more = summary.errors.len().saturating_sub(20);
    html! {
        <ul class="diagnostics" data-testid="event-errors" aria-label="Unreadable events">
            { for summary.errors.iter().take(20).map(|e| {
                let (line, column) = (e.line, e.column);
                let onclick = Callback::from(move |_: MouseEvent| editor::move_cursor(EditorKind::Events, line, column));
                html! {
                    <li><button class="diag error" {onclick}>
                        <span class="pos">{ format!("{line}:{column}") }</span>
                        <span class="sev">{"error"}</span>
                        <span class="msg">{ format!("event #{}: {}", e.index + 1, e.message) }</span>
                    </button></li>
                }
            }) }
            if more > 0 { <li class="muted">{ format!("… and {more} more") }</li> }
        </ul>
    }
}

/// Row height of the verdict list (px); the list renders only the rows in view.
const ROW_HEIGHT: f64 = 30.0;
const ROWS_AROUND: usize = 40;

#[derive(Properties, PartialEq)]
pub struct VerdictListProps {
    pub state: UseReducerHandle<AppState>,
    pub on_select: Callback<Option<usize>>,
    pub on_expect: Callback<(usize, Option<bool>)>,
    pub on_drop_dangling: Callback<()>,
}

fn verdict_name(v: Option<VerdictKind>) -> &'static str {
    match v {
        Some(VerdictKind::Fired) => "fired",
        Some(VerdictKind::NotFired) => "not_fired",
        Some(VerdictKind::Error) => "error",
        None => "pending",
    }
}

fn verdict_label(v: Option<VerdictKind>) -> &'static str {
    match v {
        Some(VerdictKind::Fired) => "fired",
        Some(VerdictKind::NotFired) => "not fired",
        Some(VerdictKind::Error) => "error",
        None => "…",
    }
}

#[component]
pub fn VerdictList(props: &VerdictListProps) -> Html {
    let state = &props.state;
    let scroll_top = use_state(|| 0.0f64);
    let list_ref = use_node_ref();
    let onscroll = {
        let scroll_top = scroll_top.clone();
        let list_ref = list_ref.clone();
        Callback::from(move |_: Event| {
            if let Some(el) = list_ref.cast::<web_sys::Element>() {
                scroll_top.set(el.scroll_top() as f64);
            }
        })
    };
    let count = state.results.as_ref().map_or(0, |r| r.verdicts.len());
    let (fired, not_fired, errors) = state
        .results
        .as_ref()
        .map_or((0, 0, 0), |r| r.verdicts.counts());
    let tally = state.tally();
    let dangling = state.dangling_expectations();
    let first = ((*scroll_top / ROW_HEIGHT) as usize).saturating_sub(ROWS_AROUND / 2);
    let last = (first + ROWS_AROUND * 2).min(count);
    let lines = state.results.as_ref().map(|r| r.events.clone());

    // Arrow keys move the selection; Home/End jump.
    let onkeydown = {
        let on_select = props.on_select.clone();
        let selected = state.selected;
        let list_ref = list_ref.clone();
        Callback::from(move |e: KeyboardEvent| {
            if count == 0 {
                return;
            }
            let next = match (e.key().as_str(), selected) {
                ("ArrowDown", Some(i)) => Some((i + 1).min(count - 1)),
                ("ArrowUp", Some(i)) => Some(i.saturating_sub(1)),
                ("ArrowDown" | "ArrowUp", None) | ("Home", _) => Some(0),
                ("End", _) => Some(count - 1),
                _ => return,
            };
            e.prevent_default();
            if let (Some(i), Some(el)) = (next, list_ref.cast::<web_sys::HtmlElement>()) {
                let top = i as f64 * ROW_HEIGHT;
                let view = el.client_height() as f64;
                let current = el.scroll_top() as f64;
                if top < current {
                    el.set_scroll_top(top as i32);
                } else if top + ROW_HEIGHT > current + view {
                    el.set_scroll_top((top + ROW_HEIGHT - view) as i32);
                }
                if let Ok(Some(row)) = el.query_selector(&format!("[data-index=\"{i}\"]")) {
                    if let Ok(row) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(row) {
                        let _ = row.focus();
                    }
                }
            }
            on_select.emit(next);
        })
    };

    html! {
        <div class={classes!("verdicts", state.stale().then_some("stale"))}>
            <div class="pane-head">
                <h2>{"Verdicts"}</h2>
                <span class="counts" data-testid="verdict-counts">
                    { format!("{count} events · {fired} fired · {not_fired} not fired") }
                    if errors > 0 { { format!(" · {errors} unreadable") } }
                </span>
                <div class="spacer"></div>
                if dangling > 0 {
                    <span class="dangling" data-testid="dangling-expectations">{ format!("{dangling} expectation(s) for missing events ") }
                        <button class="link" data-testid="drop-dangling" onclick={props.on_drop_dangling.reform(|_: MouseEvent| ())}>{"drop"}</button>
                    </span>
                }
                if tally.total() > 0 {
                    <span class={classes!("test-summary", if tally.failed == 0 { "pass" } else { "fail" })} data-testid="test-summary"
                        data-result={if tally.failed == 0 { "pass" } else { "fail" }}>
                        { if tally.failed == 0 { format!("Tests pass: {} of {}", tally.passed, tally.total()) }
                          else { format!("Tests fail: {} of {} failed", tally.failed, tally.total()) } }
                    </span>
                }
            </div>
            if state.stale() {
                <p class="stale-banner" data-testid="stale-banner" role="status">
                    {"The rule has errors: these are the results of the last version that compiled."}
                </p>
            }
            if let Some((done, total)) = state.progress {
                <div class="progress" data-testid="progress" role="status">
                    <progress max={total.to_string()} value={done.to_string()}></progress>
                    { format!(" Evaluating… {done} of {total} events") }
                </div>
            } else if state.evaluating {
                <div class="progress subtle" data-testid="evaluating">{"Evaluating…"}</div>
            }
            if let Some(r) = &state.results {
                <div class="timing muted" data-testid="timing">{ format!("evaluated in {:.0} ms", r.elapsed_ms) }</div>
            }
            <div class="verdict-list" ref={list_ref} {onscroll} {onkeydown} role="listbox" aria-label="Events and verdicts" data-testid="verdict-list">
                <div style={format!("height:{}px;position:relative", count as f64 * ROW_HEIGHT)}>
                { for (first..last).map(|i| {
                    let verdict = state.verdict(i);
                    let line = lines.as_ref().and_then(|l| l.lines.get(i).copied());
                    let expectation = state.workspace.expectations.get(&i).copied();
                    let outcome = state.outcome(i);
                    let selected = state.selected == Some(i);
                    let on_select = props.on_select.clone();
                    let onclick = Callback::from(move |_: MouseEvent| on_select.emit(Some(i)));
                    let toggle = |want: bool| {
                        let on_expect = props.on_expect.clone();
                        Callback::from(move |e: MouseEvent| {
                            e.stop_propagation();
                            on_expect.emit((i, if expectation == Some(want) { None } else { Some(want) }));
                        })
                    };
                    let outcome_name = match outcome { Outcome::Pass => "pass", Outcome::Fail => "fail", _ => "unchecked" };
                    html! {
                        <div class={classes!("verdict-row", selected.then_some("selected"))} key={i}
                            style={format!("position:absolute;top:{}px;left:0;right:0;height:{}px", i as f64 * ROW_HEIGHT, ROW_HEIGHT)}
                            data-testid={format!("verdict-{i}")} data-verdict={verdict_name(verdict)} data-index={i.to_string()}
                            role="option" aria-selected={selected.to_string()} tabindex={if selected || (state.selected.is_none() && i == 0) { "0" } else { "-1" }}
                            onclick={onclick}>
                            <span class="idx">{ format!("#{}", i + 1) }</span>
                            <span class="line muted">{ line.map(|l| format!("line {l}")).unwrap_or_default() }</span>
                            <span class={classes!("verdict", verdict_name(verdict))}>{ verdict_label(verdict) }</span>
                            <span class="spacer"></span>
                            <span class="expect" role="group" aria-label={format!("Expectation for event {}", i + 1)}>
                                <button class={classes!("chip", (expectation == Some(true)).then_some("on"))} aria-pressed={(expectation == Some(true)).to_string()}
                                    data-testid={format!("expect-fire-{i}")} title="This event should fire" onclick={toggle(true)}>{"should fire"}</button>
                                <button class={classes!("chip", (expectation == Some(false)).then_some("on"))} aria-pressed={(expectation == Some(false)).to_string()}
                                    data-testid={format!("expect-nofire-{i}")} title="This event should not fire" onclick={toggle(false)}>{"should not"}</button>
                            </span>
                            <span class={classes!("outcome", outcome_name)} data-testid={format!("outcome-{i}")} data-outcome={outcome_name}>
                                { match outcome { Outcome::Pass => "✓ pass", Outcome::Fail => "✗ fail", _ => "" } }
                            </span>
                        </div>
                    }
                }) }
                </div>
            </div>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct ExplanationProps {
    pub state: UseReducerHandle<AppState>,
}

#[component]
pub fn ExplanationPanel(props: &ExplanationProps) -> Html {
    let state = &props.state;
    let Some(index) = state.selected else {
        return html! {
            <div class="explanation empty" data-testid="explanation">
                <h2>{"Explanation"}</h2>
                <p class="muted">{"Select an event (click it, or use the arrow keys in the list) to see why the rule fired or not."}</p>
            </div>
        };
    };
    let Some(report) = &state.explanation else {
        return html! {
            <div class="explanation" data-testid="explanation"><h2>{ format!("Event #{}", index + 1) }</h2><p class="muted">{"Explaining…"}</p></div>
        };
    };
    let line = state
        .results
        .as_ref()
        .and_then(|r| r.events.lines.get(index).copied());
    let jump = line.map(|l| {
        Callback::from(move |_: MouseEvent| editor::move_cursor(EditorKind::Events, l as usize, 1))
    });
    html! {
        <div class="explanation" data-testid="explanation" data-event={index.to_string()}>
            <div class="pane-head">
                <h2>{ format!("Event #{}", index + 1) }</h2>
                if let (Some(l), Some(jump)) = (line, jump) {
                    <button class="link" onclick={jump} title="Show this event in the events editor">{ format!("line {l}") }</button>
                }
            </div>
            if let Some(error) = &report.error {
                <p class="notice error" data-testid="explain-error">{ error.clone() }</p>
            }
            { for report.traces.iter().map(trace_view) }
            <details class="fields" data-testid="event-fields">
                <summary>{ format!("Evaluated fields ({})", report.fields.len()) }</summary>
                <table>
                    <tbody>
                    { for report.fields.iter().map(|(k, v)| html! {
                        <tr><th>{ k.clone() }</th><td><code>{ display_json(v) }</code></td></tr>
                    }) }
                    </tbody>
                </table>
            </details>
        </div>
    }
}

fn display_json(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn trace_view(trace: &MatchTraceView) -> Html {
    html! {
        <div class="trace">
            <p class={classes!("summary", if trace.matched { "fired" } else { "not_fired" })} data-testid="explain-summary">
                // The engine's summary already opens with the verdict ("Fired: ..."); bold that part.
                {
                    match trace.summary.split_once(": ") {
                        Some((verdict, why)) => html! { <><strong>{ format!("{verdict}: ") }</strong>{ why.to_string() }</> },
                        None => html! { <strong>{ trace.summary.clone() }</strong> },
                    }
                }
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
        Callback::from(move |_: MouseEvent| editor::mark_rule_lines(line, line)),
        Callback::from(move |_: MouseEvent| editor::mark_rule_lines(0, 0)),
        Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            editor::mark_rule_lines(line, line);
            editor::move_cursor(EditorKind::Rule, line, column);
        }),
    )
}

fn condition_view(node: &ConditionTraceView) -> Html {
    let (enter, leave, click) = line_handlers(node.location.line, node.location.column);
    html! {
        <li data-testid="explain-node" data-kind={node.kind.clone()} data-value={node.value.to_string()}>
            <button class="node" onmouseenter={enter} onmouseleave={leave} onclick={click} onfocus={Callback::from({
                let line = node.location.line; move |_: FocusEvent| editor::mark_rule_lines(line, line) })}>
                { bool_badge(node.value) }<code>{ node.text.clone() }</code>
            </button>
            if !node.children.is_empty() {
                <ul>{ for node.children.iter().map(condition_view) }</ul>
            }
        </li>
    }
}

fn identifier_view(ident: &IdentifierTraceView) -> Html {
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

fn search_view(search: &SearchTraceView) -> Html {
    match search {
        SearchTraceView::Item(item) => item_view(item),
        SearchTraceView::AllOf {
            value, children, ..
        }
        | SearchTraceView::AnyOf {
            value, children, ..
        } => {
            let label = if matches!(search, SearchTraceView::AllOf { .. }) {
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

fn item_view(item: &ItemTraceView) -> Html {
    let (enter, leave, click) = line_handlers(item.location.line, item.location.column);
    let head = match &item.field {
        Some(field) => {
            let mods: String = item.modifiers.iter().map(|m| format!("|{m}")).collect();
            format!("{field}{mods}")
        }
        None => {
            let mods: String = item.modifiers.iter().map(|m| format!("|{m}")).collect();
            format!("keywords{mods}")
        }
    };
    html! {
        <div class={classes!("item", if item.value { "t" } else { "f" })} data-testid="explain-item" data-value={item.value.to_string()}
            onmouseenter={enter} onmouseleave={leave} onclick={click} tabindex="0"
            title="Click to show this item in the rule">
            <div class="item-head">
                { bool_badge(item.value) }
                <code>{ head }</code>
                if item.negated { <span class="muted">{" (negated)"}</span> }
                if item.values.len() > 1 { <span class="muted">{ if item.linking == "all" { " all of the values" } else { " any of the values" } }</span> }
                if let Some(from) = &item.read_from { <span class="muted">{ format!(" read from {from}") }</span> }
            </div>
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

fn value_view(value: &ValueTraceView) -> Html {
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
            if !value.matched { <span class="reason">{ format!(" — {}", reason_label(&value.reason)) }</span> }
        </li>
    }
}
