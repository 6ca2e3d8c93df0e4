//! The hits over time, one lane per level: an SVG the app draws (bars per time bucket).

use crate::state::{Timeline, LEVELS};
use sigmaplay_engine::rfc3339;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct HitTimelineProps {
    pub timeline: Option<Timeline>,
}

const WIDTH: f64 = 960.0;
const LEFT: f64 = 110.0;
const LANE: f64 = 26.0;

#[component]
pub fn HitTimeline(props: &HitTimelineProps) -> Html {
    let Some(t) = &props.timeline else {
        return html! { <p class="muted">{"No hit has a readable time: no timeline."}</p> };
    };
    let lanes = LEVELS.len() + 1;
    let height = LANE * lanes as f64 + 24.0;
    let step = (WIDTH - LEFT - 10.0) / t.counts.len() as f64;
    let max = t
        .counts
        .iter()
        .flat_map(|c| c.iter())
        .copied()
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let label = |i: usize| LEVELS.get(i).copied().unwrap_or("other");
    html! {
        <svg class="timeline ruleset-timeline" data-testid="ruleset-timeline" viewBox={format!("0 0 {WIDTH} {height}")}
            role="img" aria-label="Hits over time by level">
            { for (0..lanes).map(|lane| {
                let y = LANE * lane as f64 + 4.0;
                let total: usize = t.counts.iter().map(|c| c[lane]).sum();
                html! {
                    <g class={classes!("lane", label(lane))} data-level={label(lane)} data-hits={total.to_string()}>
                        <text class="lane-label" x="4" y={format!("{:.1}", y + 16.0)}>{format!("{} ({total})", label(lane))}</text>
                        <line class="lane-base" x1={LEFT.to_string()} x2={(WIDTH - 10.0).to_string()}
                            y1={format!("{:.1}", y + LANE - 4.0)} y2={format!("{:.1}", y + LANE - 4.0)} />
                        { for t.counts.iter().enumerate().filter(|(_, c)| c[lane] > 0).map(|(b, c)| {
                            let h = (LANE - 6.0) * (c[lane] as f64 / max).sqrt();
                            html! {
                                <rect class={classes!("hit-bar", label(lane))} x={format!("{:.1}", LEFT + step * b as f64)}
                                    y={format!("{:.1}", y + LANE - 4.0 - h)} width={format!("{:.1}", step.max(1.0))} height={format!("{h:.1}")}>
                                    <title>{format!("{} {} hit(s)", c[lane], label(lane))}</title>
                                </rect>
                            }
                        }) }
                    </g>
                }
            }) }
            <text x={LEFT.to_string()} y={format!("{:.1}", height - 4.0)}>{rfc3339(t.start)}</text>
            <text x={(WIDTH - 10.0).to_string()} y={format!("{:.1}", height - 4.0)} text-anchor="end">{rfc3339(t.end)}</text>
        </svg>
    }
}
