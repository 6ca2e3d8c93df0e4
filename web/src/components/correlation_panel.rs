//! The Correlations panel: per correlation rule of the text, a timeline drawn here (SVG: a time
//! axis, one lane per group with its events coloured by the rule they matched, each alert's
//! window as a band, the metric against the condition's threshold), then per group the engine's
//! sentence, its alerts and its expectation; the selected alert lists its events, each of which
//! opens its own explanation.

use crate::state::{AlertGrades, GroupGrade};
use sigmaplay_engine::{rfc3339, Counted, CountedVia};
use sigmaplay_ruletest::Outcome;
use sigmaplay_wasm::correlation::{CorrelationReport, CorrelationView, GroupView};
use sigmaplay_wasm::{EventsSummary, RuleSummary};
use std::rc::Rc;
use yew::prelude::*;

/// The SVG's user units: width, left column for the group labels, lane height, axis height.
const WIDTH: f64 = 760.0;
const LABEL_WIDTH: f64 = 120.0;
const LANE: f64 = 44.0;
const AXIS: f64 = 26.0;
/// Tick steps (ms) of the time axis: the first that makes at most this many ticks is used.
const MAX_TICKS: i64 = 7;
/// At most this many lanes are drawn (alerting groups first); every group is still listed.
const MAX_LANES: usize = 30;
const TICK_STEPS: [i64; 14] = [
    1_000,
    5_000,
    10_000,
    30_000,
    60_000,
    120_000,
    300_000,
    600_000,
    1_800_000,
    3_600_000,
    10_800_000,
    21_600_000,
    86_400_000,
    604_800_000,
];

#[derive(Properties, PartialEq)]
pub struct CorrelationPanelProps {
    pub report: Rc<CorrelationReport>,
    /// The text's detection rules (what an event's mark colour stands for).
    pub rules: Vec<RuleSummary>,
    pub grades: Rc<AlertGrades>,
    /// (correlation, alert) whose events are listed.
    pub selected_alert: Option<(usize, usize)>,
    /// The event whose explanation is shown (its marks are drawn larger).
    pub selected_event: Option<usize>,
    /// The field correlations read the time from, as typed (empty: the default fields).
    pub timestamp_field: AttrValue,
    /// The events' start lines label the listed events.
    pub events: Rc<EventsSummary>,
    pub on_select_alert: Callback<Option<(usize, usize)>>,
    /// (correlation, group, should alert; `None` clears it).
    pub on_expect: Callback<(usize, usize, Option<bool>)>,
    pub on_select_event: Callback<Option<usize>>,
    pub on_timestamp_field: Callback<String>,
}

#[component]
pub fn CorrelationPanel(props: &CorrelationPanelProps) -> Html {
    // What is typed is kept here until it is committed (Enter or leaving the field): a render
    // in between (an autosave, a progress report) must not put the old value back.
    let draft = use_state(|| props.timestamp_field.clone());
    {
        let draft = draft.clone();
        use_effect_with(props.timestamp_field.clone(), move |field| {
            draft.set(field.clone())
        });
    }
    let on_draft = {
        let draft = draft.clone();
        Callback::from(move |e: InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            draft.set(input.value().into());
        })
    };
    let on_timestamp = props.on_timestamp_field.reform(|e: Event| {
        let input: web_sys::HtmlInputElement = e.target_unchecked_into();
        input.value()
    });
    html! {
        <div class="correlations" data-testid="correlation-panel">
            <div class="pane-head">
                <h2>{"Correlations"}</h2>
                <span class="spacer"></span>
                <label class="timestamp-field">{"Timestamp field "}
                    <input type="text" data-testid="timestamp-field" placeholder="@timestamp, timestamp, … (default)"
                        value={(*draft).clone()} oninput={on_draft} onchange={on_timestamp} />
                </label>
            </div>
            { legend(&props.rules, &props.report) }
            { for props.report.correlations.iter().enumerate().map(|(c, view)| correlation_view(props, c, view)) }
            if !props.report.untimed.is_empty() {
                <ul class="untimed" data-testid="correlation-untimed">
                    { for props.report.untimed.iter().map(|u| html! { <li>{ u.clone() }</li> }) }
                </ul>
            }
            { for props.report.notices.iter().map(|n| html! { <p class="note">{ n.clone() }</p> }) }
            { unformed(props) }
        </div>
    }
}

fn colour(rule: usize) -> String {
    format!("var(--rule-{})", rule % 6)
}

/// The rules' colours, and (for chains) the colours of the correlations whose alerts a chain
/// counts.
fn legend(rules: &[RuleSummary], report: &CorrelationReport) -> Html {
    let counted_by_a_chain = |view: &CorrelationView| {
        report.correlations.iter().any(|v| {
            v.groups.iter().any(|g| {
                g.trace.counted.iter().any(|c| {
                    matches!(c.via, CountedVia::Alert { correlation, .. } if correlation == view.index)
                })
            })
        })
    };
    let children = report
        .correlations
        .iter()
        .enumerate()
        .filter(|(_, v)| counted_by_a_chain(v));
    html! {
        <p class="legend muted">
            { for rules.iter().enumerate().map(|(i, r)| html! {
                <span class="legend-item"><svg width="10" height="10" aria-hidden="true"><circle cx="5" cy="5" r="4" fill={colour(i)} /></svg>
                    { format!(" {} ", r.title) }</span>
            }) }
            { for children.map(|(i, v)| html! {
                <span class="legend-item"><svg width="10" height="10" aria-hidden="true"><polygon points="0,5 5,0 10,5 5,10" fill={colour(rules.len() + i)} /></svg>
                    { format!(" alerts of {} ", v.title) }</span>
            }) }
        </p>
    }
}

/// One correlation: its title, the timeline, the groups.
fn correlation_view(props: &CorrelationPanelProps, c: usize, view: &CorrelationView) -> Html {
    let grades = props.grades.groups.get(c);
    html! {
        <section class="correlation" aria-label={view.title.clone()}>
            <h3>{ view.title.clone() }</h3>
            { timeline(props, c, view) }
            <ul class="groups">
                { for view.groups.iter().enumerate().map(|(g, group)| {
                    let grade = grades.and_then(|gs| gs.get(g)).copied()
                        .unwrap_or(GroupGrade { expected: None, outcome: Outcome::Unchecked });
                    group_view(props, c, view, g, group, grade)
                }) }
            </ul>
            if let Some((_, a)) = props.selected_alert.filter(|(sc, _)| *sc == c) {
                { alert_events(props, view, a) }
            }
        </section>
    }
}

/// The time range the timeline shows: every counted event and every alert window.
fn time_range(view: &CorrelationView) -> (i64, i64) {
    let times = view
        .groups
        .iter()
        .flat_map(|g| g.trace.counted.iter().map(|e| e.time))
        .chain(
            view.alerts
                .iter()
                .flat_map(|a| [a.window_start, a.window_end]),
        );
    let (lo, hi) = times.fold((i64::MAX, i64::MIN), |(lo, hi), t| (lo.min(t), hi.max(t)));
    if lo > hi {
        return (0, view.timespan_ms.max(1));
    }
    let pad = ((hi - lo) / 20).max(1000);
    (lo - pad, hi + pad)
}

/// The time of day of a moment, as the engine writes it (`09:01:00`).
fn clock(millis: i64) -> String {
    let text = rfc3339(millis);
    text.get(11..19).map_or(text.clone(), str::to_string)
}

fn timeline(props: &CorrelationPanelProps, c: usize, view: &CorrelationView) -> Html {
    let (lo, hi) = time_range(view);
    let span = (hi - lo).max(1) as f64;
    let x = move |t: i64| LABEL_WIDTH + (t - lo) as f64 / span * (WIDTH - LABEL_WIDTH - 10.0);
    let alerting = view.groups.iter().filter(|g| g.alerted);
    let quiet = view.groups.iter().filter(|g| !g.alerted);
    let drawn: Vec<&GroupView> = alerting.chain(quiet).take(MAX_LANES).collect();
    let hidden = view.groups.len() - drawn.len();
    let height = AXIS + LANE * drawn.len().max(1) as f64;
    let step = TICK_STEPS
        .iter()
        .copied()
        .find(|s| (hi - lo) / s < MAX_TICKS)
        .unwrap_or(TICK_STEPS[TICK_STEPS.len() - 1]);
    let ticks = (lo.div_euclid(step) + 1..=hi.div_euclid(step)).map(move |k| k * step);
    html! {
        <>
        <svg class="timeline" data-testid="correlation-timeline" viewBox={format!("0 0 {WIDTH} {height}")}
            role="img" aria-label={format!("Timeline of {}", view.title)}>
            { for ticks.map(|t| html! {
                <g class="tick">
                    <line x1={x(t).to_string()} x2={x(t).to_string()} y1={(AXIS - 4.0).to_string()} y2={height.to_string()} />
                    <text x={x(t).to_string()} y="12" text-anchor="middle">{ clock(t) }</text>
                </g>
            }) }
            { for drawn.iter().enumerate().map(|(row, group)| lane(props, c, view, row, group, &x)) }
        </svg>
        if hidden > 0 {
            <p class="muted">{ format!("{hidden} more groups are listed below but not drawn.") }</p>
        }
        </>
    }
}

/// One group's lane: its alert bands, the metric over its windows with the threshold, its events.
fn lane(
    props: &CorrelationPanelProps,
    c: usize,
    view: &CorrelationView,
    row: usize,
    group: &GroupView,
    x: &dyn Fn(i64) -> f64,
) -> Html {
    let top = AXIS + LANE * row as f64;
    let mid = top + LANE / 2.0;
    let highest = group
        .trace
        .windows
        .iter()
        .filter_map(|w| w.value)
        .chain(view.threshold)
        .fold(1.0f64, f64::max);
    // The metric runs from the lane's bottom (0) to near its top (the highest value).
    let y = |v: f64| top + LANE - 4.0 - v / highest * (LANE - 12.0);
    let points: Vec<String> = group
        .trace
        .windows
        .iter()
        .filter_map(|w| Some(format!("{:.1},{:.1}", x(w.window_end), y(w.value?))))
        .collect();
    let bands = view
        .alerts
        .iter()
        .enumerate()
        .filter(|(_, a)| a.group == group.trace.group);
    html! {
        <g class={classes!("lane", group.alerted.then_some("alerted"))}>
            <text class="lane-label" x="4" y={(mid + 4.0).to_string()}>{ group.trace.label() }</text>
            <line class="lane-base" x1={LABEL_WIDTH.to_string()} x2={(WIDTH - 10.0).to_string()}
                y1={(top + LANE - 4.0).to_string()} y2={(top + LANE - 4.0).to_string()} />
            { for bands.map(|(a, alert)| {
                let on_select = props.on_select_alert.clone();
                let selected = props.selected_alert == Some((c, a));
                html! {
                    <rect class={classes!("alert-band", selected.then_some("selected"))} data-testid="correlation-band"
                        x={x(alert.window_start).to_string()} y={(top + 2.0).to_string()}
                        width={(x(alert.window_end) - x(alert.window_start)).max(2.0).to_string()} height={(LANE - 6.0).to_string()}
                        onclick={Callback::from(move |_: MouseEvent| on_select.emit(Some((c, a))))}>
                        <title>{ format!("{} – {}", rfc3339(alert.window_start), rfc3339(alert.window_end)) }</title>
                    </rect>
                }
            }) }
            if let Some(condition) = &view.extended {
                <text class="threshold-label" x={(WIDTH - 12.0).to_string()} y={(top + 10.0).to_string()} text-anchor="end"
                    data-testid="correlation-condition">{ format!("alerts when {condition}") }</text>
            }
            if let (Some(threshold), Some(op)) = (view.threshold, view.operator.as_ref()) {
                <line class="threshold" x1={LABEL_WIDTH.to_string()} x2={(WIDTH - 10.0).to_string()}
                    y1={y(threshold).to_string()} y2={y(threshold).to_string()} />
                <text class="threshold-label" x={(WIDTH - 12.0).to_string()} y={(y(threshold) - 2.0).to_string()} text-anchor="end">
                    { format!("{op} {threshold}") }</text>
            }
            <polyline class="metric" points={points.join(" ")} />
            { for group.trace.counted.iter().map(|counted| mark(props, counted, mid, x)) }
        </g>
    }
}

/// One counted thing on a lane: an event (a dot in its rule's colour; it opens the event's
/// explanation), or for a chain a child correlation's alert (a diamond; it selects that alert).
fn mark(
    props: &CorrelationPanelProps,
    counted: &Counted,
    mid: f64,
    x: &dyn Fn(i64) -> f64,
) -> Html {
    let cx = x(counted.time);
    match counted.via {
        CountedVia::Rule(rule) => {
            let on_select_event = props.on_select_event.clone();
            let event = counted.event;
            let selected = props.selected_event == Some(event);
            html! {
                <circle class={classes!("mark", selected.then_some("selected"))} data-testid="correlation-mark" data-event={event.to_string()}
                    cx={cx.to_string()} cy={mid.to_string()} r={if selected { "7" } else { "5" }} fill={colour(rule)}
                    onclick={Callback::from(move |_: MouseEvent| on_select_event.emit(Some(event)))}>
                    <title>{ format!("event #{} · {}", event + 1, rfc3339(counted.time)) }</title>
                </circle>
            }
        }
        CountedVia::Alert { correlation, alert } => {
            let correlations = &props.report.correlations;
            let Some(child) = correlations.iter().position(|v| v.index == correlation) else {
                return Html::default();
            };
            let selected = props.selected_alert == Some((child, alert));
            let on_select = props.on_select_alert.clone();
            let size = if selected { 7.0 } else { 5.0 };
            let points = format!(
                "{},{mid} {cx},{} {},{mid} {cx},{}",
                cx - size,
                mid - size,
                cx + size,
                mid + size
            );
            html! {
                <polygon class={classes!("mark", "chain-mark", selected.then_some("selected"))} data-testid="correlation-chain-mark"
                    data-correlation={correlations[child].reference().to_string()} data-alert-index={alert.to_string()}
                    points={points} fill={colour(props.rules.len() + child)}
                    onclick={Callback::from(move |_: MouseEvent| on_select.emit(Some((child, alert))))}>
                    <title>{ format!("alert of '{}' · {}", correlations[child].title, rfc3339(counted.time)) }</title>
                </polygon>
            }
        }
    }
}

/// Enter and Space act as a click on a focusable element that is not a button (not when they
/// reach it from a button inside, which acts itself).
fn on_activate(callback: Callback<()>) -> Callback<KeyboardEvent> {
    Callback::from(move |e: KeyboardEvent| {
        let from_button = e
            .target_dyn_into::<web_sys::Element>()
            .is_some_and(|el| el.tag_name().eq_ignore_ascii_case("button"));
        if !from_button && (e.key() == "Enter" || e.key() == " ") {
            e.prevent_default();
            callback.emit(());
        }
    })
}

fn group_view(
    props: &CorrelationPanelProps,
    c: usize,
    view: &CorrelationView,
    g: usize,
    group: &GroupView,
    grade: GroupGrade,
) -> Html {
    let group_json: serde_json::Map<String, serde_json::Value> = group
        .trace
        .group
        .iter()
        .map(|(k, v)| (k.clone(), v.clone().into()))
        .collect();
    let alerts: Vec<(usize, &sigmaplay_engine::Alert)> = view
        .alerts
        .iter()
        .enumerate()
        .filter(|(_, a)| a.group == group.trace.group)
        .collect();
    let first_alert = alerts.first().map(|(a, _)| (c, *a));
    let select_first = props.on_select_alert.reform(move |()| first_alert);
    let toggle = |want: bool| {
        let on_expect = props.on_expect.clone();
        let next = (grade.expected != Some(want)).then_some(want);
        Callback::from(move |_: MouseEvent| on_expect.emit((c, g, next)))
    };
    let outcome = match grade.outcome {
        Outcome::Pass => "pass",
        Outcome::Fail => "fail",
        Outcome::Unchecked => "unchecked",
    };
    html! {
        <li class={classes!("group", group.alerted.then_some("alerted"))} data-testid="correlation-group"
            data-rule-id={view.reference().to_string()} data-group={serde_json::Value::Object(group_json).to_string()}
            data-alert={group.alerted.to_string()} tabindex="0" onkeydown={on_activate(select_first)}>
            <span class="sentence">{ group.sentence.clone() }</span>
            <span class="alerts">
                { for alerts.iter().map(|(a, alert)| {
                    let a = *a;
                    let selected = props.selected_alert == Some((c, a));
                    let next = (!selected).then_some((c, a));
                    html! {
                        <button class={classes!("chip", selected.then_some("on"))} data-testid="correlation-alert"
                            aria-pressed={selected.to_string()} onclick={props.on_select_alert.reform(move |_: MouseEvent| next)}>
                            { format!("{} · {}", clock(alert.window_end), alert.events.len()) }
                        </button>
                    }
                }) }
            </span>
            <span class="expect" role="group" aria-label={format!("Expectation for {}", group.trace.label())}>
                <button class={classes!("chip", (grade.expected == Some(true)).then_some("on"))} data-testid="expect-alert"
                    aria-pressed={(grade.expected == Some(true)).to_string()} onclick={toggle(true)}>{"should alert"}</button>
                <button class={classes!("chip", (grade.expected == Some(false)).then_some("on"))} data-testid="expect-no-alert"
                    aria-pressed={(grade.expected == Some(false)).to_string()} onclick={toggle(false)}>{"should not"}</button>
            </span>
            <span class={classes!("outcome", outcome)} data-testid="alert-outcome" data-outcome={outcome}>
                { match grade.outcome { Outcome::Pass => "✓ pass", Outcome::Fail => "✗ fail", Outcome::Unchecked => "" } }
            </span>
        </li>
    }
}

/// The events of the selected alert; each opens its explanation.
fn alert_events(props: &CorrelationPanelProps, view: &CorrelationView, a: usize) -> Html {
    let Some(alert) = view.alerts.get(a) else {
        return Html::default();
    };
    html! {
        <div class="alert-events" data-testid="alert-events">
            <h4>{ format!("{} – {}", rfc3339(alert.window_start), rfc3339(alert.window_end)) }</h4>
            <ul>
                { for alert.events.iter().map(|&event| {
                    let line = props.events.lines.get(event).map(|l| format!(" (line {l})")).unwrap_or_default();
                    html! {
                        <li><button class="link" data-testid="alert-event" data-event={event.to_string()}
                            onclick={props.on_select_event.reform(move |_: MouseEvent| Some(event))}>
                            { format!("#{}{line}", event + 1) }</button></li>
                    }
                }) }
            </ul>
        </div>
    }
}

/// Expectations about groups the events do not form: graded as not alerting.
fn unformed(props: &CorrelationPanelProps) -> Html {
    if props.grades.unformed.is_empty() {
        return Html::default();
    }
    html! {
        <ul class="unformed" data-testid="unformed-alert-expectations">
            { for props.grades.unformed.iter().map(|(e, outcome)| {
                let group = serde_json::to_string(&e.group).unwrap_or_default();
                let passed = *outcome == Outcome::Pass;
                html! {
                    <li data-outcome={if passed { "pass" } else { "fail" }}>
                        { format!("{} {group}: ", e.correlation) }
                        <span class="muted">{ if e.should_alert { "should alert" } else { "should not alert" } }</span>
                        { if passed { " ✓" } else { " ✗" } }
                    </li>
                }
            }) }
        </ul>
    }
}
