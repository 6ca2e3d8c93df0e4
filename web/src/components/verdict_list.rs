//! The verdicts pane: counts, the test summary, progress, and the (virtualized) list of events
//! with their verdicts and expectation toggles.

use crate::state::{grade, Correlated, Results, TestTally};
use sigmaplay_ruletest::Outcome;
use sigmaplay_ruletest::Verdict;
use sigmaplay_wasm::RuleSummary;
use std::collections::BTreeMap;
use std::rc::Rc;
use yew::prelude::*;

/// Row height of the verdict list (px); the list renders only the rows in view.
const ROW_HEIGHT: f64 = 30.0;
const ROWS_AROUND: usize = 40;

#[derive(Properties, PartialEq)]
pub struct VerdictListProps {
    pub results: Option<Results>,
    pub expectations: BTreeMap<usize, bool>,
    pub selected: Option<usize>,
    /// The results are those of the last rule that compiled (the rule on screen has errors).
    pub stale: bool,
    /// `Some((done, total))` while a long evaluation runs.
    pub progress: Option<(usize, usize)>,
    pub evaluating: bool,
    pub tally: TestTally,
    /// Expectations for events the text no longer has.
    pub dangling: usize,
    pub on_select: Callback<Option<usize>>,
    /// Event index and its new expectation (`None` clears it).
    pub on_expect: Callback<(usize, Option<bool>)>,
    pub on_drop_dangling: Callback<()>,
    /// The rules that fired on each event, and the text's rules (to name them).
    #[prop_or_default]
    pub fired: Option<Rc<Correlated>>,
    #[prop_or_default]
    pub rules: Rc<Vec<RuleSummary>>,
}

#[component]
pub fn VerdictList(props: &VerdictListProps) -> Html {
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
    let count = props.results.as_ref().map_or(0, |r| r.verdicts.len());
    let first = ((*scroll_top / ROW_HEIGHT) as usize).saturating_sub(ROWS_AROUND / 2);
    let last = (first + ROWS_AROUND * 2).min(count);
    let onkeydown = keyboard_selection(
        count,
        props.selected,
        list_ref.clone(),
        props.on_select.clone(),
    );
    html! {
        <div class={classes!("verdicts", props.stale.then_some("stale"))}>
            { head(props, count) }
            { status(props) }
            <div class="verdict-list" ref={list_ref} {onscroll} {onkeydown} role="listbox" aria-label="Events and verdicts" data-testid="verdict-list">
                <div style={format!("height:{}px;position:relative", count as f64 * ROW_HEIGHT)}>
                    { for (first..last).map(|i| row(props, i)) }
                </div>
            </div>
        </div>
    }
}

/// Arrow keys move the selection; Home/End jump. The row keeps the focus and stays in view.
fn keyboard_selection(
    count: usize,
    selected: Option<usize>,
    list_ref: NodeRef,
    on_select: Callback<Option<usize>>,
) -> Callback<KeyboardEvent> {
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
}

/// The title line: counts, expectations for missing events, the test summary.
fn head(props: &VerdictListProps, count: usize) -> Html {
    let (fired, not_fired, errors) = props
        .results
        .as_ref()
        .map_or((0, 0, 0), |r| r.verdicts.counts());
    let (tally, dangling) = (props.tally, props.dangling);
    html! {
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
    }
}

/// What is under the title: the stale banner, progress, timing.
fn status(props: &VerdictListProps) -> Html {
    html! {
        <>
            if props.stale {
                <p class="stale-banner" data-testid="stale-banner" role="status">
                    {"The rule or its pipeline has errors: these are the results of the last version that compiled."}
                </p>
            }
            if let Some((done, total)) = props.progress {
                <div class="progress" data-testid="progress" role="status">
                    <progress max={total.to_string()} value={done.to_string()}></progress>
                    { format!(" Evaluating… {done} of {total} events") }
                </div>
            } else if props.evaluating {
                <div class="progress subtle" data-testid="evaluating">{"Evaluating…"}</div>
            }
            if let Some(r) = &props.results {
                <div class="timing muted" data-testid="timing">{ format!("evaluated in {:.0} ms", r.elapsed_ms) }</div>
            }
        </>
    }
}

fn verdict_name(v: Option<Verdict>) -> &'static str {
    match v {
        Some(Verdict::Fired) => "fired",
        Some(Verdict::NotFired) => "not_fired",
        Some(Verdict::Error) => "error",
        None => "pending",
    }
}

fn verdict_label(v: Option<Verdict>) -> &'static str {
    match v {
        Some(Verdict::Fired) => "fired",
        Some(Verdict::NotFired) => "not fired",
        Some(Verdict::Error) => "error",
        None => "…",
    }
}

/// The rules that fired on event `i`, by title (their ids on hover).
fn fired_rules(props: &VerdictListProps, i: usize) -> Html {
    let Some(fired) = &props.fired else {
        return Html::default();
    };
    let rules: Vec<&RuleSummary> = fired
        .rules
        .of(i)
        .iter()
        .filter_map(|&r| props.rules.get(r))
        .collect();
    if rules.is_empty() {
        return Html::default();
    }
    let titles: Vec<&str> = rules.iter().map(|r| r.title.as_str()).collect();
    let ids: Vec<&str> = rules.iter().filter_map(|r| r.id.as_deref()).collect();
    html! {
        <span class="fired-rules muted" data-testid="verdict-rules" title={ids.join(", ")}>{ titles.join(", ") }</span>
    }
}

/// The row of event `i`: its verdict, its expectation toggles and the outcome.
fn row(props: &VerdictListProps, i: usize) -> Html {
    let results = props.results.as_ref();
    let verdict = results.and_then(|r| r.verdicts.get(i));
    let line = results.and_then(|r| r.events.lines.get(i).copied());
    let expectation = props.expectations.get(&i).copied();
    let outcome = grade(verdict, expectation);
    let selected = props.selected == Some(i);
    let onclick = props.on_select.reform(move |_: MouseEvent| Some(i));
    let toggle = |want: bool| {
        let on_expect = props.on_expect.clone();
        Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            on_expect.emit((
                i,
                if expectation == Some(want) {
                    None
                } else {
                    Some(want)
                },
            ));
        })
    };
    let outcome_name = match outcome {
        Outcome::Pass => "pass",
        Outcome::Fail => "fail",
        _ => "unchecked",
    };
    let tabindex = if selected || (props.selected.is_none() && i == 0) {
        "0"
    } else {
        "-1"
    };
    html! {
        <div class={classes!("verdict-row", selected.then_some("selected"))} key={i}
            style={format!("position:absolute;top:{}px;left:0;right:0;height:{}px", i as f64 * ROW_HEIGHT, ROW_HEIGHT)}
            data-testid={format!("verdict-{i}")} data-verdict={verdict_name(verdict)} data-index={i.to_string()}
            role="option" aria-selected={selected.to_string()} {tabindex} {onclick}>
            <span class="idx">{ format!("#{}", i + 1) }</span>
            <span class="line muted">{ line.map(|l| format!("line {l}")).unwrap_or_default() }</span>
            <span class={classes!("verdict", verdict_name(verdict))}>{ verdict_label(verdict) }</span>
            { fired_rules(props, i) }
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
}
