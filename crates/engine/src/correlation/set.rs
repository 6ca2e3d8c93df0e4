//! A set of resolved correlations and one run of it over an event stream.

use super::resolve::{resolve, BaseRule, Input, Located, Resolved};
use super::time::{rfc3339, MissingTime, TimestampField};
use super::window;
use crate::event::{Event, FieldValue};
use crate::rule::correlation::{CorrelationRule, CorrelationType};
use std::collections::HashMap;

/// At most this many alerts per correlation; beyond it the run stops that correlation and says so.
pub const MAX_ALERTS: usize = 1_000_000;
/// At most this many contributing-event entries over all alerts of a run; later alerts keep their
/// metric but list no events (and say so), so a long burst cannot make the run quadratic.
pub const MAX_EVIDENCE: usize = 20_000_000;
/// At most this many input rows a chain builds from its child's alerts (one per evidence event).
pub const MAX_CHAIN_ROWS: usize = 10_000_000;

/// Correlations resolved against the detection rules they reference.
#[derive(Clone, Debug)]
pub struct CorrelationSet {
    pub(super) resolved: Vec<Option<Resolved>>,
    /// Children before parents.
    pub(super) order: Vec<usize>,
    /// Per base rule: referenced by some correlation (its events are kept).
    pub(super) referenced: Vec<bool>,
    /// Per base rule: referenced, and by no correlation with `generate: true`.
    suppressed: Vec<bool>,
    /// Every event field a correlation reads, and its position in a kept event's values.
    pub(super) fields: HashMap<String, usize>,
    /// A purely negative extended condition looks at every event of the stream.
    pub(super) keeps_all_events: bool,
    /// How each base rule is named in output: its id, else its name.
    base_labels: Vec<Option<String>>,
}

/// How a run reads its events.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    pub timestamp: TimestampField,
    /// Windows looking forward (negated extended conditions) are complete only up to here; by
    /// default the stream's latest time.
    pub observation_end: Option<i64>,
    /// Record every window of every group ([`Outcome::traces`]), for explanations.
    pub trace: bool,
}

/// One window of a group: the metric there and whether the condition held.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WindowTrace {
    pub window_start: i64,
    pub window_end: i64,
    /// `None`: a numeric type over a window without numbers.
    pub value: Option<f64>,
    pub alerted: bool,
}

/// The metric of one group over time.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GroupTrace {
    pub group: Vec<(String, String)>,
    /// By window end.
    pub windows: Vec<WindowTrace>,
    /// What the group counted, by time: each event once per referenced rule it matched, and
    /// (chains) each child alert once.
    #[serde(default)]
    pub counted: Vec<Counted>,
}

/// One thing a group counted, placed in time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Counted {
    /// The input index of the event; for a child alert, the event that closed its window.
    pub event: usize,
    /// Milliseconds since the Unix epoch: the event's time, or the child alert's window end.
    pub time: i64,
    pub via: CountedVia,
}

/// Why a group counted something.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CountedVia {
    /// The event matched this base rule (its index among the set's base rules).
    Rule(usize),
    /// A chain counted this alert of a child correlation (its index in the set, and the
    /// alert's index among that correlation's alerts).
    Alert { correlation: usize, alert: usize },
}

/// One alert: a group whose window met the condition.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Alert {
    /// The correlation's position among the set's correlations.
    pub correlation: usize,
    /// (group-by name, folded value), in group-by order.
    pub group: Vec<(String, String)>,
    pub window_start: i64,
    pub window_end: i64,
    /// The metric: a count, a distinct count, the number of rules present, or a number.
    pub value: f64,
    /// The contributing events (input indices, ascending).
    pub events: Vec<usize>,
    /// Chains: the child alerts counted, as (correlation, index into its alerts).
    pub child_alerts: Vec<(usize, usize)>,
    /// The event whose time closes the window.
    pub closing_event: usize,
}

/// An event a correlation would have read but that has no time.
#[derive(Clone, Debug, PartialEq)]
pub struct UntimedEvent {
    pub event: usize,
    pub reason: MissingTime,
}

impl std::fmt::Display for UntimedEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "event {} has no timestamp: {}", self.event, self.reason)
    }
}

/// What a run found.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// Per correlation (the set's positions), its alerts by window end, group, window start.
    pub alerts: Vec<Vec<Alert>>,
    pub untimed: Vec<UntimedEvent>,
    /// With [`RunOptions::trace`]: per correlation, every group's windows.
    pub traces: Vec<Vec<GroupTrace>>,
    /// Limits reached ("evidence lists stop after ..."), for the user to read.
    pub notices: Vec<String>,
}

impl CorrelationSet {
    /// Resolves `rules` against the detection rules `base` (their positions are the indices a
    /// run's `matched` lists use). Errors are located diagnostics; correlations with errors are
    /// left out of the set.
    pub fn new(rules: Vec<CorrelationRule>, base: &[BaseRule]) -> (CorrelationSet, Vec<Located>) {
        let mut diags = Vec::new();
        let (resolved, order) = resolve(rules, base, &mut diags);
        let mut referenced = vec![false; base.len()];
        let mut generated = vec![false; base.len()];
        let mut fields = HashMap::new();
        let mut keeps_all_events = false;
        for r in resolved.iter().flatten() {
            for s in &r.slots {
                if let Input::Rule(i) = s.input {
                    referenced[i] = true;
                    generated[i] |= r.rule.generate;
                }
                for f in s.group_fields.iter().chain(&s.value_field) {
                    let n = fields.len();
                    fields.entry(f.clone()).or_insert(n);
                }
            }
            keeps_all_events |= r
                .branches
                .iter()
                .any(|b| b.present.is_empty() && !b.absent.is_empty());
        }
        let set = CorrelationSet {
            suppressed: referenced
                .iter()
                .zip(&generated)
                .map(|(r, g)| *r && !g)
                .collect(),
            resolved,
            order,
            referenced,
            fields,
            keeps_all_events,
            base_labels: base
                .iter()
                .map(|b| b.id.or(b.name).map(String::from))
                .collect(),
        };
        let mut set = set;
        for i in 0..set.resolved.len() {
            for leaf in window::context_fields(&set, i) {
                for f in leaf {
                    let n = set.fields.len();
                    set.fields.entry(f).or_insert(n);
                }
            }
        }
        (set, diags)
    }

    /// The correlations that resolved, with their positions.
    pub fn correlations(&self) -> impl Iterator<Item = (usize, &CorrelationRule)> {
        self.resolved
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.as_ref().map(|r| (i, &r.rule)))
    }

    pub fn get(&self, index: usize) -> Option<&CorrelationRule> {
        self.resolved.get(index)?.as_ref().map(|r| &r.rule)
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Whether base rule `index`'s own matches are reported: not when only correlations
    /// without `generate: true` reference it.
    pub fn reports_matches_of(&self, index: usize) -> bool {
        !self.suppressed.get(index).copied().unwrap_or(false)
    }

    /// Whether a run needs the events base rule `index` matches.
    pub fn references(&self, index: usize) -> bool {
        self.referenced.get(index).copied().unwrap_or(false)
    }

    /// The event fields a run reads (group-by fields, value fields, an extended condition's
    /// context): with the time, all an event must keep to be pushed into a run elsewhere, as
    /// the page's workers do when they hand their matches to one run.
    pub fn fields_read(&self) -> impl Iterator<Item = &str> {
        self.fields.keys().map(String::as_str)
    }

    /// Whether a run needs every timed event rather than only those of referenced rules: a
    /// window looking forward (a negated extended condition) is complete only up to the
    /// stream's latest time and is closed by the first event after its end, whatever it matched.
    pub fn needs_every_event(&self) -> bool {
        self.resolved
            .iter()
            .flatten()
            .any(|r| r.branches.iter().any(|b| !b.absent.is_empty()))
    }

    /// The ids (else names) of the rules correlation `index` references, in `rules` order.
    pub fn referenced_ids(&self, index: usize) -> Vec<String> {
        let Some(Some(r)) = self.resolved.get(index) else {
            return Vec::new();
        };
        r.slots
            .iter()
            .filter_map(|s| match s.input {
                Input::Rule(i) => self.base_labels.get(i).cloned().flatten(),
                Input::Correlation(k) => self
                    .get(k)
                    .map(|c| c.id.clone().unwrap_or_else(|| c.label().to_string())),
            })
            .collect()
    }

    /// The group an event that base rule `rule` matched falls in for correlation `index`
    /// ((group-by name, folded value), as [`GroupTrace::group`]), read through that rule's
    /// aliases; `None` when the correlation does not reference the rule or the event lacks a
    /// group-by field.
    pub fn group_of(
        &self,
        index: usize,
        rule: usize,
        event: &Event,
    ) -> Option<Vec<(String, String)>> {
        let resolved = self.resolved.get(index)?.as_ref()?;
        let slot = resolved
            .slots
            .iter()
            .find(|s| s.input == Input::Rule(rule))?;
        resolved
            .rule
            .group_by
            .0
            .iter()
            .zip(&slot.group_fields)
            .map(|(name, field)| {
                let value = super::value::folded_text(event.get(field)?)?;
                Some((name.clone(), value))
            })
            .collect()
    }

    /// An alert as `sigmaplay eval` prints it: `{"event", "rule_id", "title", "level",
    /// "correlation": {"type", "group", "window_start", "window_end", "value", "events", "rules"}}`.
    pub fn alert_json(&self, alert: &Alert) -> serde_json::Value {
        let Some(rule) = self.get(alert.correlation) else {
            return serde_json::Value::Null;
        };
        let group: serde_json::Map<String, serde_json::Value> = alert
            .group
            .iter()
            .map(|(k, v)| (k.clone(), v.clone().into()))
            .collect();
        let value = if rule.kind.counts() {
            serde_json::json!(alert.value as i64)
        } else {
            serde_json::json!(alert.value)
        };
        serde_json::json!({
            "event": alert.closing_event,
            "rule_id": rule.id,
            "title": rule.title,
            "level": rule.level,
            "correlation": {
                "type": rule.kind,
                "group": group,
                "window_start": rfc3339(alert.window_start),
                "window_end": rfc3339(alert.window_end),
                "value": value,
                "events": alert.events,
                "rules": self.referenced_ids(alert.correlation),
            }
        })
    }

    pub fn start(&self, options: RunOptions) -> Run<'_> {
        Run {
            set: self,
            options,
            events: Vec::new(),
            times: Vec::new(),
            untimed: Vec::new(),
        }
    }
}

/// An event a run keeps: its time, the fields correlations read, the referenced rules it matched.
#[derive(Clone, Debug)]
pub(super) struct KeptEvent {
    pub index: usize,
    pub ts: i64,
    pub values: Box<[Option<FieldValue>]>,
    pub matched: Box<[u32]>,
}

/// One pass over a stream: [`Run::push`] every event with the base rules it matched, then
/// [`Run::finish`]. Events may come in any time order.
pub struct Run<'s> {
    pub(super) set: &'s CorrelationSet,
    pub(super) options: RunOptions,
    pub(super) events: Vec<KeptEvent>,
    /// (time, input index) of every timed event: the horizon and the closing events.
    pub(super) times: Vec<(i64, usize)>,
    untimed: Vec<UntimedEvent>,
}

impl Run<'_> {
    /// `matched`: the indices (into the set's base rules) of the rules `event` matched.
    pub fn push(&mut self, index: usize, event: &Event, matched: &[usize]) {
        let set = self.set;
        let relevant: Box<[u32]> = matched
            .iter()
            .filter(|&&r| set.references(r))
            .map(|&r| r as u32)
            .collect();
        let ts = match self.options.timestamp.read(event) {
            Ok(ts) => ts,
            Err(reason) => {
                if !relevant.is_empty() {
                    self.untimed.push(UntimedEvent {
                        event: index,
                        reason,
                    });
                }
                return;
            }
        };
        self.times.push((ts, index));
        if relevant.is_empty() && !set.keeps_all_events {
            return;
        }
        let mut values = vec![None; set.fields.len()];
        for (name, &i) in &set.fields {
            values[i] = event.get(name).cloned();
        }
        self.events.push(KeptEvent {
            index,
            ts,
            values: values.into(),
            matched: relevant,
        });
    }

    pub fn finish(mut self) -> Outcome {
        self.events.sort_by_key(|e| e.index);
        self.times.sort_unstable();
        let mut outcome = Outcome {
            alerts: vec![Vec::new(); self.set.resolved.len()],
            untimed: std::mem::take(&mut self.untimed),
            traces: vec![Vec::new(); self.set.resolved.len()],
            notices: Vec::new(),
        };
        let mut budget = window::Budget::default();
        for &c in &self.set.order {
            let (alerts, traces) = window::evaluate(&self, c, &outcome.alerts, &mut budget);
            outcome.alerts[c] = alerts;
            outcome.traces[c] = traces;
        }
        outcome.notices = budget.notices;
        outcome.untimed.sort_by_key(|u| u.event);
        outcome
    }
}

impl CorrelationType {
    /// Whether the metric is a count (printed as an integer).
    pub fn counts(self) -> bool {
        !self.is_numeric()
    }
}
