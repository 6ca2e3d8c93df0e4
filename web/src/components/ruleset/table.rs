//! The table of the rules that fired (sortable by each column, filtered by level, title and tag)
//! and the hits of the chosen rule.

use crate::state::{Row, RowFilter, Sort, SortColumn, LEVELS};
use sigmaplay_engine::rfc3339;
use sigmaplay_wasm::ruleset::{ChunkHit, EventPlace, PackAlert, PackRule, ALERT_EVENTS_SHOWN};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ResultsTableProps {
    pub rows: Vec<Row>,
    pub sort: Sort,
    pub filter: RowFilter,
    pub selected: Option<u32>,
    pub on_sort: Callback<SortColumn>,
    pub on_filter: Callback<RowFilter>,
    pub on_select: Callback<Option<u32>>,
}

fn time(t: Option<i64>) -> String {
    t.map(rfc3339).unwrap_or_else(|| "—".into())
}

#[component]
pub fn ResultsTable(props: &ResultsTableProps) -> Html {
    let header = |column: SortColumn, label: &str| {
        let sorted = props.sort.column == column;
        let aria = match (sorted, props.sort.descending) {
            (false, _) => "none",
            (true, true) => "descending",
            (true, false) => "ascending",
        };
        let arrow = match aria {
            "descending" => " ▼",
            "ascending" => " ▲",
            _ => "",
        };
        let key = format!("{column:?}").to_lowercase();
        html! {
            <th aria-sort={aria}>
                <button class="link" data-testid="ruleset-sort" data-column={key}
                    onclick={props.on_sort.reform(move |_: MouseEvent| column)}>{format!("{label}{arrow}")}</button>
            </th>
        }
    };
    let filter = props.filter.clone();
    let on_level = {
        let (filter, on_filter) = (filter.clone(), props.on_filter.clone());
        Callback::from(move |e: Event| {
            let Some(select) = e.target_dyn_into::<web_sys::HtmlSelectElement>() else {
                return;
            };
            let value = select.value();
            on_filter.emit(RowFilter {
                level: (!value.is_empty()).then_some(value),
                ..filter.clone()
            });
        })
    };
    let text_input = |set: fn(&mut RowFilter, String)| {
        let (filter, on_filter) = (filter.clone(), props.on_filter.clone());
        Callback::from(move |e: InputEvent| {
            let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() else {
                return;
            };
            let mut next = filter.clone();
            set(&mut next, input.value());
            on_filter.emit(next);
        })
    };
    let level = props.filter.level.clone().unwrap_or_default();
    html! {
        <div class="ruleset-table">
            <div class="ruleset-filters">
                <label>{"Level "}
                    <select data-testid="ruleset-filter-level" onchange={on_level}>
                        <option value="" selected={level.is_empty()}>{"any"}</option>
                        { for LEVELS.iter().map(|l| html! { <option value={*l} selected={level == *l}>{*l}</option> }) }
                    </select>
                </label>
                <label>{"Title "}<input data-testid="ruleset-filter-title" value={props.filter.title.clone()}
                    oninput={text_input(|f, v| f.title = v)} /></label>
                <label>{"Tag "}<input data-testid="ruleset-filter-tag" value={props.filter.tag.clone()}
                    oninput={text_input(|f, v| f.tag = v)} /></label>
                <span class="muted">{format!("{} rule(s)", props.rows.len())}</span>
            </div>
            <table data-testid="ruleset-results">
                <thead><tr>
                    {header(SortColumn::Level, "Level")}{header(SortColumn::Title, "Title")}{header(SortColumn::Hits, "Hits")}
                    {header(SortColumn::First, "First")}{header(SortColumn::Last, "Last")}
                </tr></thead>
                <tbody>
                    { for props.rows.iter().map(|row| {
                        let rule = row.rule;
                        let chosen = props.selected == Some(rule);
                        let onclick = props.on_select.reform(move |_: MouseEvent| (!chosen).then_some(rule));
                        let level = row.info.level.clone().unwrap_or_default();
                        html! {
                            <tr data-testid="ruleset-row" data-rule-id={row.info.id.clone().unwrap_or_default()}
                                data-hits={row.tally.hits.to_string()} data-level={level.clone()}
                                data-kind={if row.correlation { "correlation" } else { "rule" }}
                                class={classes!(chosen.then_some("selected"))} {onclick} title={row.info.file.clone()}>
                                <td><span class={classes!("level", level.clone())}>{level}</span></td>
                                <td>{row.info.title.clone()}{row.correlation.then(|| html! { <span class="muted">{" (correlation: hits are alerts)"}</span> })}</td>
                                <td class="num">{row.tally.hits}</td>
                                <td><code>{time(row.tally.first)}</code></td>
                                <td><code>{time(row.tally.last)}</code></td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct HitListProps {
    pub hits: Vec<ChunkHit>,
    pub rule: PackRule,
    pub on_open: Callback<(PackRule, EventPlace)>,
}

/// The chosen rule's hits: each opens the playground with the rule and that event, explained.
#[component]
pub fn HitList(props: &HitListProps) -> Html {
    html! {
        <div class="ruleset-hits" data-testid="ruleset-hits">
            <h3>{format!("Hits of '{}' (the first {}): open one in the playground, explained", props.rule.title, props.hits.len())}</h3>
            <ul>
                { for props.hits.iter().map(|hit| {
                    let open = (props.rule.clone(), hit.place.clone());
                    let onclick = props.on_open.reform(move |_: MouseEvent| open.clone());
                    let line = hit.line.map(|l| format!(", line {l}")).unwrap_or_default();
                    html! {
                        <li><button class="link" data-testid="ruleset-hit" data-event={hit.event.to_string()} {onclick}>
                            {format!("event {}{line}", hit.event)}
                        </button>{" "}<code>{time(hit.time)}</code></li>
                    }
                }) }
            </ul>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct AlertListProps {
    /// Each alert with what the playground opens for it (the correlation and its rules).
    pub alerts: Vec<(PackRule, PackAlert)>,
    pub correlation: PackRule,
    pub on_open: Callback<(PackRule, EventPlace)>,
}

/// The chosen correlation's alerts: each opens the playground with the correlation, the rules
/// it counts and the alert's events.
#[component]
pub fn AlertList(props: &AlertListProps) -> Html {
    html! {
        <div class="ruleset-hits" data-testid="ruleset-hits">
            <h3>{format!("Alerts of '{}' (the first {}): open one in the playground with its events", props.correlation.title, props.alerts.len())}</h3>
            <ul>
                { for props.alerts.iter().map(|(rule, a)| {
                    let open = (rule.clone(), EventPlace::Events(a.places.clone()));
                    let onclick = props.on_open.reform(move |_: MouseEvent| open.clone());
                    let group: Vec<String> = a.alert.group.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    let more = a.alert.events.len().saturating_sub(ALERT_EVENTS_SHOWN);
                    let more = if more > 0 { format!(" (the first {ALERT_EVENTS_SHOWN} open)") } else { String::new() };
                    html! {
                        <li><button class="link" data-testid="ruleset-hit" data-event={a.alert.closing_event.to_string()}
                            data-events={a.alert.events.len().to_string()} {onclick}>
                            {format!("{} · {} event(s){more}", group.join(" "), a.alert.events.len())}
                        </button>{" "}<code>{format!("{} .. {}", rfc3339(a.alert.window_start), rfc3339(a.alert.window_end))}</code></li>
                    }
                }) }
            </ul>
        </div>
    }
}
