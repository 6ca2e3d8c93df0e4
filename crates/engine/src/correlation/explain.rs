//! One sentence per group: what the metric reached and why the group did or did not alert.

use super::set::GroupTrace;
use super::time::rfc3339;
use crate::rule::correlation::{Condition, CorrelationRule, CorrelationType, Timespan};

impl std::fmt::Display for Timespan {
    /// In the largest unit that divides it (`90s`, `5m`, `2d`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let seconds = self.millis / 1000;
        let (unit, size) = Timespan::UNITS
            .iter()
            .rev()
            .find(|(_, s)| seconds % s == 0)
            .copied()
            .unwrap_or(('s', 1));
        write!(f, "{}{unit}", seconds / size)
    }
}

fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{:.3}", x).trim_end_matches('0').to_string()
    }
}

/// What the metric measures, after its number: "failed logons", "distinct User", ...
fn measure(rule: &CorrelationRule) -> String {
    let field = match &rule.condition {
        Condition::Threshold(t) => t.field.clone().unwrap_or_default(),
        Condition::Extended { .. } => String::new(),
    };
    match rule.kind {
        CorrelationType::EventCount => "events".into(),
        CorrelationType::ValueCount => format!("distinct {field}"),
        CorrelationType::Temporal | CorrelationType::TemporalOrdered => {
            format!("of {} rules", rule.rules.len().max(1))
        }
        CorrelationType::ValueSum => format!("(sum of {field})"),
        CorrelationType::ValueAvg => format!("(average {field})"),
        CorrelationType::ValueMedian => format!("(median {field})"),
        CorrelationType::ValuePercentile => format!("(percentile of {field})"),
    }
}

impl GroupTrace {
    /// Whether this is the group `group` (group-by field → value; values compare
    /// case-insensitively, as groups are formed). Fields the correlation does not group by do
    /// not match.
    pub fn is_group<'a>(&self, group: impl IntoIterator<Item = (&'a str, &'a str)>) -> bool {
        let wanted: Vec<(&str, &str)> = group.into_iter().collect();
        wanted.len() == self.group.len()
            && wanted.iter().all(|(field, value)| {
                self.group
                    .iter()
                    .any(|(f, v)| f == field && *v == crate::source::text::fold(value))
            })
    }

    /// The group as people read it: `alice`, `alice, WS1`, or `all events` without group-by.
    pub fn label(&self) -> String {
        if self.group.is_empty() {
            return "all events".into();
        }
        let values: Vec<&str> = self.group.iter().map(|(_, v)| v.as_str()).collect();
        values.join(", ")
    }

    fn counts_only_alerts(&self) -> bool {
        !self.counted.is_empty()
            && self
                .counted
                .iter()
                .all(|c| matches!(c.via, super::set::CountedVia::Alert { .. }))
    }

    /// "alice: 3 events within 5m (≥ 3) → alert at 2026-03-01T09:01:00Z", or why not.
    pub fn sentence(&self, rule: &CorrelationRule) -> String {
        let label = self.label();
        let what = match measure(rule) {
            // A chain counts its child correlations' alerts, not events.
            m if m == "events" && self.counts_only_alerts() => "alerts".to_string(),
            m => m,
        };
        let within = format!("within {}", rule.timespan);
        let test = match &rule.condition {
            Condition::Threshold(t) => format!("{} {}", t.op.symbol(), number(t.value)),
            Condition::Extended { expr, .. } => format!("{expr} held"),
        };
        if let Some(w) = self.windows.iter().find(|w| w.alerted) {
            let value = w.value.map_or_else(|| "no value".into(), number);
            let more = self.windows.iter().filter(|w| w.alerted).count() - 1;
            let again = match more {
                0 => String::new(),
                1 => ", and 1 later window".into(),
                n => format!(", and {n} later windows"),
            };
            let what = w.value.map_or(what.clone(), |v| singular_if_one(&what, v));
            return format!(
                "{label}: {value} {what} {within} ({test}) → alert at {}{again}",
                rfc3339(w.window_end)
            );
        }
        let values: Vec<f64> = self.windows.iter().filter_map(|w| w.value).collect();
        let range = match (
            values.iter().copied().reduce(f64::min),
            values.iter().copied().reduce(f64::max),
        ) {
            (Some(lo), Some(hi)) if lo == hi => {
                format!(
                    "{} {} in every window",
                    number(hi),
                    singular_if_one(&what, hi)
                )
            }
            (Some(lo), Some(hi)) => format!("{} to {} {what} {within}", number(lo), number(hi)),
            _ => format!("no number {within}"),
        };
        let never = match &rule.condition {
            Condition::Threshold(_) => format!("never {test}"),
            Condition::Extended { expr, .. } => format!("{expr} never held"),
        };
        format!("{label}: {range} ({never}), no alert")
    }
}

/// "1 event", not "1 events" (the other measures read right with any number).
fn singular_if_one(what: &str, value: f64) -> String {
    match what {
        "events" if value == 1.0 => "event".into(),
        "alerts" if value == 1.0 => "alert".into(),
        _ => what.to_string(),
    }
}
