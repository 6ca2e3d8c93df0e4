//! The windowing evaluator: for every correlation, its entries (one per referenced rule and
//! input row), grouped, sorted by time, and swept with a window whose both ends only move
//! forward, so each group costs O(n log n) however long its windows are.

use super::resolve::{field_for, Branch, Input, Resolved, Slot};
use super::set::{
    Alert, CorrelationSet, Counted, CountedVia, GroupTrace, Run, WindowTrace, MAX_ALERTS,
    MAX_CHAIN_ROWS, MAX_EVIDENCE,
};
use super::value::{folded_text, number};
use crate::event::FieldValue;
use crate::rule::correlation::{Condition, CorrelationType};
use std::collections::{BTreeMap, HashMap};

/// The limits reached in a run, shared by all its correlations.
#[derive(Debug, Default)]
pub(super) struct Budget {
    evidence: usize,
    chain_rows: usize,
    pub notices: Vec<String>,
}

impl Budget {
    fn notice(&mut self, text: String) {
        if !self.notices.contains(&text) {
            self.notices.push(text);
        }
    }
}

/// One input of a correlation: a kept event of a base rule, or one evidence event of a child
/// alert (the child alert is the "event"; the evidence event lends its other fields).
#[derive(Clone, Copy, Debug)]
struct Row {
    ts: i64,
    /// Distinct per counted thing: the event, or the child alert.
    eid: u64,
    /// Position among the run's kept events.
    event: u32,
    child: Option<(u32, u32)>,
    /// The input event whose time closes a window ending at this row.
    closer: usize,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Val {
    Absent,
    Text(u32),
    Num(f64),
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    ts: i64,
    slot: u32,
    row: u32,
    group: u32,
    value: Val,
}

/// Where a slot reads a field of its rows.
#[derive(Clone, Copy, Debug)]
enum Source {
    /// The child alert's group value at this position.
    Group(usize),
    Metric,
    Event(usize),
    Nowhere,
}

struct Context<'r, 's> {
    run: &'r Run<'s>,
    done: &'r [Vec<Alert>],
    resolved: &'r Resolved,
    rows: Vec<Row>,
    groups: Vec<Vec<String>>,
    group_ids: HashMap<Vec<String>, u32>,
    texts: HashMap<String, u32>,
}

/// Rules before child alerts, each by index, so equal things sort next to each other.
fn via_order(via: CountedVia) -> (usize, usize, usize) {
    match via {
        CountedVia::Rule(r) => (0, r, 0),
        CountedVia::Alert { correlation, alert } => (1, correlation, alert),
    }
}

/// The field lists a purely negative condition reads from every event, through chains.
pub(super) fn context_fields(set: &CorrelationSet, c: usize) -> Vec<Vec<String>> {
    let Some(r) = &set.resolved[c] else {
        return Vec::new();
    };
    if !r
        .branches
        .iter()
        .any(|b| b.present.is_empty() && !b.absent.is_empty())
    {
        return Vec::new();
    }
    let mut out = Vec::new();
    leaves(set, c, &r.rule.group_by.0, &mut out, 0);
    out
}

fn leaves(
    set: &CorrelationSet,
    c: usize,
    names: &[String],
    out: &mut Vec<Vec<String>>,
    depth: usize,
) {
    let Some(r) = &set.resolved[c] else { return };
    if depth > set.resolved.len() {
        return;
    }
    for slot in &r.slots {
        let mapped: Vec<String> = names.iter().map(|n| field_for(&r.rule, slot, n)).collect();
        match slot.input {
            Input::Rule(_) => {
                if !out.contains(&mapped) {
                    out.push(mapped);
                }
            }
            Input::Correlation(k) => leaves(set, k, &mapped, out, depth + 1),
        }
    }
}

/// The alerts of correlation `c`; its children's are in `done`.
pub(super) fn evaluate(
    run: &Run,
    c: usize,
    done: &[Vec<Alert>],
    budget: &mut Budget,
) -> (Vec<Alert>, Vec<GroupTrace>) {
    let Some(resolved) = &run.set.resolved[c] else {
        return (Vec::new(), Vec::new());
    };
    let mut cx = Context {
        run,
        done,
        resolved,
        rows: Vec::new(),
        groups: Vec::new(),
        group_ids: HashMap::new(),
        texts: HashMap::new(),
    };
    let mut entries = Vec::new();
    for (s, slot) in resolved.slots.iter().enumerate() {
        cx.slot_entries(s, slot, &mut entries, budget);
    }
    let contexts = cx.contexts(c);
    entries.sort_by_key(|e| (e.group, e.ts));
    let mut sink = Sink {
        found: Founds::new(),
        budget,
        windows: Vec::new(),
        traces: Vec::new(),
        tracing: run.options.trace,
    };
    let (mut start, mut ctx_start) = (0, 0);
    for id in 0..cx.groups.len() as u32 {
        let end = start + entries[start..].partition_point(|e| e.group == id);
        let ctx_end = ctx_start + contexts[ctx_start..].partition_point(|(g, _, _)| *g == id);
        let group = GroupSweep {
            id,
            data: GroupData::new(&cx, &entries[start..end]),
            contexts: contexts[ctx_start..ctx_end]
                .iter()
                .map(|(_, t, i)| (*t, *i))
                .collect(),
        };
        cx.sweep_group(&group, &mut sink);
        if sink.tracing {
            let mut windows = std::mem::take(&mut sink.windows);
            windows.sort_by_key(|w| (w.window_end, w.window_start));
            sink.traces.push(GroupTrace {
                group: cx.group_names(id),
                windows,
                counted: cx.counted(&entries[start..end]),
            });
        }
        (start, ctx_start) = (end, ctx_end);
    }
    let traces = std::mem::take(&mut sink.traces);
    (cx.finish(c, sink.found), traces)
}

/// Where a sweep puts what it finds.
struct Sink<'b> {
    found: Founds,
    budget: &'b mut Budget,
    /// With [`super::RunOptions::trace`]: every window of the current group.
    windows: Vec<WindowTrace>,
    traces: Vec<GroupTrace>,
    tracing: bool,
}

/// The windows that met the condition, by (start, end, group).
type Founds = BTreeMap<(i64, i64, u32), Found>;

/// One group's entries, and for purely negative conditions the (time, input index) of every
/// event of the group, ascending.
struct GroupSweep<'e> {
    id: u32,
    data: GroupData<'e>,
    contexts: Vec<(i64, usize)>,
}

/// A window that met a condition, before it becomes an [`Alert`].
#[derive(Debug, Default)]
struct Found {
    metric: Option<f64>,
    events: Vec<usize>,
    children: Vec<(u32, u32)>,
    closer: usize,
}

impl Context<'_, '_> {
    fn source(&self, slot: &Slot, name: &str) -> Source {
        if let Input::Correlation(k) = slot.input {
            if let Some(child) = &self.run.set.resolved[k] {
                if let Some(p) = child.rule.group_by.0.iter().position(|g| g == name) {
                    return Source::Group(p);
                }
                if name == child.rule.kind.as_str() || name == "sigma_metric" {
                    return Source::Metric;
                }
            }
        }
        self.run
            .set
            .fields
            .get(name)
            .map_or(Source::Nowhere, |&i| Source::Event(i))
    }

    fn read(&self, row: &Row, source: Source) -> Option<FieldValue> {
        let child = row
            .child
            .map(|(k, a)| (&self.done[k as usize][a as usize], k as usize));
        match (source, child) {
            (Source::Group(p), Some((alert, _))) => alert
                .group
                .get(p)
                .map(|(_, v)| FieldValue::Str(v.as_str().into())),
            (Source::Metric, Some((alert, k))) => {
                let counts = self.run.set.resolved[k]
                    .as_ref()
                    .is_some_and(|r| r.rule.kind.counts());
                Some(if counts {
                    FieldValue::Int(alert.value as i64)
                } else {
                    FieldValue::Float(alert.value)
                })
            }
            (Source::Event(i), _) => self.run.events[row.event as usize].values[i].clone(),
            _ => None,
        }
        .filter(|v| *v != FieldValue::Null)
    }

    fn slot_entries(&mut self, s: usize, slot: &Slot, out: &mut Vec<Entry>, budget: &mut Budget) {
        let group_sources: Vec<Source> = slot
            .group_fields
            .iter()
            .map(|f| self.source(slot, f))
            .collect();
        let value_source = slot.value_field.as_deref().map(|f| self.source(slot, f));
        let kind = self.resolved.rule.kind;
        let rows = self.slot_rows(slot, budget);
        for row in rows {
            let mut key = Vec::with_capacity(group_sources.len());
            for &src in &group_sources {
                match self.read(&row, src).as_ref().and_then(folded_text) {
                    Some(v) => key.push(v),
                    None => break,
                }
            }
            if key.len() < group_sources.len() {
                continue;
            }
            let group = self.group_id(key);
            let value = match value_source.and_then(|src| self.read(&row, src)) {
                Some(v) if kind.is_numeric() => {
                    number(&v).map_or(Val::Absent, |x| Val::Num(x + 0.0))
                }
                Some(v) => folded_text(&v).map_or(Val::Absent, |t| {
                    let n = self.texts.len() as u32;
                    Val::Text(*self.texts.entry(t).or_insert(n))
                }),
                None => Val::Absent,
            };
            out.push(Entry {
                ts: row.ts,
                slot: s as u32,
                row: self.rows.len() as u32,
                group,
                value,
            });
            self.rows.push(row);
        }
    }

    fn group_id(&mut self, key: Vec<String>) -> u32 {
        if let Some(&g) = self.group_ids.get(&key) {
            return g;
        }
        let g = self.groups.len() as u32;
        self.groups.push(key.clone());
        self.group_ids.insert(key, g);
        g
    }

    fn slot_rows(&self, slot: &Slot, budget: &mut Budget) -> Vec<Row> {
        let run = self.run;
        match slot.input {
            Input::Rule(r) => run
                .events
                .iter()
                .enumerate()
                .filter(|(_, e)| e.matched.contains(&(r as u32)))
                .map(|(i, e)| Row {
                    ts: e.ts,
                    eid: i as u64,
                    event: i as u32,
                    child: None,
                    closer: e.index,
                })
                .collect(),
            Input::Correlation(k) => {
                let mut rows = Vec::new();
                for (a, alert) in self.done[k].iter().enumerate() {
                    if budget.chain_rows + alert.events.len() > MAX_CHAIN_ROWS {
                        budget.notice(format!(
                            "a chain stopped reading child alerts after {MAX_CHAIN_ROWS} rows"
                        ));
                        break;
                    }
                    budget.chain_rows += alert.events.len();
                    for &ev in &alert.events {
                        let Ok(kept) = run.events.binary_search_by_key(&ev, |e| e.index) else {
                            continue;
                        };
                        rows.push(Row {
                            ts: alert.window_end,
                            eid: (1 << 63) | ((k as u64) << 32) | a as u64,
                            event: kept as u32,
                            child: Some((k as u32, a as u32)),
                            closer: alert.closing_event,
                        });
                    }
                }
                rows
            }
        }
    }

    /// (group, time, input index) of every event a purely negative branch starts a window at.
    fn contexts(&mut self, c: usize) -> Vec<(u32, i64, usize)> {
        let lists = context_fields(self.run.set, c);
        let mut out = Vec::new();
        for e in &self.run.events {
            for list in &lists {
                let key: Option<Vec<String>> = list
                    .iter()
                    .map(|f| {
                        let i = *self.run.set.fields.get(f)?;
                        e.values[i].as_ref().and_then(folded_text)
                    })
                    .collect();
                if let Some(key) = key {
                    let g = self.group_id(key);
                    out.push((g, e.ts, e.index));
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    fn sweep_group(&self, group: &GroupSweep, sink: &mut Sink) {
        let r = self.resolved;
        let data = &group.data;
        let backward: Vec<&Branch> = r.branches.iter().filter(|b| b.absent.is_empty()).collect();
        if !backward.is_empty() {
            let anchors = distinct(data.entries.iter().map(|e| e.ts));
            self.sweep(group, &anchors, false, &backward, sink);
        }
        for b in r.branches.iter().filter(|b| !b.absent.is_empty()) {
            let anchors = if b.present.is_empty() {
                distinct(group.contexts.iter().map(|(t, _)| *t))
            } else {
                distinct(
                    data.entries
                        .iter()
                        .filter(|e| b.present.contains(&(e.slot as usize)))
                        .map(|e| e.ts),
                )
            };
            self.sweep(group, &anchors, true, &[b], sink);
        }
    }

    fn sweep(
        &self,
        group: &GroupSweep,
        anchors: &[i64],
        forward: bool,
        branches: &[&Branch],
        sink: &mut Sink,
    ) {
        let rule = &self.resolved.rule;
        let data = &group.data;
        let span = rule.timespan.millis;
        let horizon = self
            .run
            .options
            .observation_end
            .or_else(|| self.run.times.last().map(|t| t.0));
        let mut window = Window::new(self.resolved.slots.len(), data);
        for &t in anchors {
            let (start, end) = if forward {
                (t, t.saturating_add(span))
            } else {
                (t.saturating_sub(span), t)
            };
            if forward && horizon.is_none_or(|h| end > h) {
                break;
            }
            window.advance(data, start, end);
            let metric = window.metric(rule.kind, percentile(&rule.condition), data);
            let mut alerted = false;
            for branch in branches {
                let Some(stages) = self.holds(data, &window, branch, metric, start, end) else {
                    continue;
                };
                alerted = true;
                let (found, budget) = (&mut sink.found, &mut *sink.budget);
                let key = (start, end, group.id);
                if !found.contains_key(&key) && found.len() >= MAX_ALERTS {
                    budget.notice(format!(
                        "correlation '{}' stopped after {MAX_ALERTS} alerts",
                        rule.title
                    ));
                    return;
                }
                let closer = self.closer(data, &window, forward, end);
                let f = found.entry(key).or_default();
                f.metric = match (f.metric, metric) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    (a, b) => a.or(b),
                };
                f.closer = closer;
                if budget.evidence + (window.hi - window.lo) > MAX_EVIDENCE {
                    budget.notice(format!(
                        "contributing events are listed for the first {MAX_EVIDENCE} entries only"
                    ));
                    continue;
                }
                budget.evidence += window.hi - window.lo;
                self.evidence(group, &window, branch, stages.as_deref(), start, f);
            }
            if sink.tracing {
                sink.windows.push(WindowTrace {
                    window_start: start,
                    window_end: end,
                    value: metric,
                    alerted,
                });
            }
        }
    }

    /// A group's entries as the trace shows them: a child alert once however many evidence
    /// rows it lent, an event once per rule.
    fn counted(&self, entries: &[Entry]) -> Vec<Counted> {
        let mut counted: Vec<Counted> = entries
            .iter()
            .filter_map(|e| {
                let row = &self.rows[e.row as usize];
                let via = match (row.child, self.resolved.slots[e.slot as usize].input) {
                    (Some((k, a)), _) => CountedVia::Alert {
                        correlation: k as usize,
                        alert: a as usize,
                    },
                    (None, Input::Rule(r)) => CountedVia::Rule(r),
                    (None, Input::Correlation(_)) => return None,
                };
                let event = match row.child {
                    Some(_) => row.closer,
                    None => self.run.events[row.event as usize].index,
                };
                Some(Counted {
                    event,
                    time: row.ts,
                    via,
                })
            })
            .collect();
        counted.sort_unstable_by_key(|c| (c.time, c.event, via_order(c.via)));
        counted.dedup();
        counted
    }

    fn group_names(&self, g: u32) -> Vec<(String, String)> {
        self.resolved
            .rule
            .group_by
            .0
            .iter()
            .cloned()
            .zip(self.groups[g as usize].iter().cloned())
            .collect()
    }

    /// The event whose time closes the window: the latest input at its end, or for a forward
    /// window the first event at or after its end.
    fn closer(&self, data: &GroupData, window: &Window, forward: bool, end: i64) -> usize {
        if forward {
            let times = &self.run.times;
            let i = times.partition_point(|(ts, _)| *ts < end);
            return times.get(i).or(times.last()).map_or(0, |t| t.1);
        }
        data.entries[window.lo..window.hi]
            .iter()
            .rev()
            .take_while(|e| e.ts == end)
            .map(|e| self.rows[e.row as usize].closer)
            .max()
            .unwrap_or(0)
    }

    /// Whether `branch` holds in the window; `Some(stages)` (temporal_ordered: the chosen
    /// (slot, time) of each stage) when it does.
    fn holds(
        &self,
        data: &GroupData,
        window: &Window,
        branch: &Branch,
        metric: Option<f64>,
        start: i64,
        end: i64,
    ) -> Option<Option<Vec<(usize, i64)>>> {
        let r = self.resolved;
        if branch.present.iter().any(|&s| window.slot_counts[s] == 0)
            || branch.absent.iter().any(|&s| window.slot_counts[s] > 0)
        {
            return None;
        }
        let mut chosen = None;
        if r.rule.kind == CorrelationType::TemporalOrdered {
            let slots: Vec<usize> = if r.extended || r.partial {
                branch.present.clone()
            } else {
                (0..r.slots.len()).collect()
            };
            let stages = data.stages(&slots, start, end);
            // Every required stage must be placed; with lt/lte/eq/neq, every rule present.
            let unplaced = slots.iter().zip(&stages).any(|(&s, t)| {
                t.is_none() && (r.extended || r.partial || window.slot_counts[s] > 0)
            });
            if unplaced {
                return None;
            }
            chosen = Some(
                slots
                    .into_iter()
                    .zip(stages)
                    .filter_map(|(s, t)| Some((s, t?)))
                    .collect(),
            );
        }
        if let Condition::Threshold(t) = &r.rule.condition {
            if !metric.is_some_and(|m| t.op.holds(m, t.value)) {
                return None;
            }
        }
        Some(chosen)
    }

    /// Adds the window's contributing events for `branch` to `f`.
    fn evidence(
        &self,
        group: &GroupSweep,
        window: &Window,
        branch: &Branch,
        stages: Option<&[(usize, i64)]>,
        start: i64,
        f: &mut Found,
    ) {
        let r = self.resolved;
        if branch.present.is_empty() && !branch.absent.is_empty() {
            // A window nothing started: the events at its start.
            let at = group.contexts.partition_point(|(t, _)| *t < start);
            let n = group.contexts[at..].partition_point(|(t, _)| *t == start);
            f.events
                .extend(group.contexts[at..at + n].iter().map(|(_, i)| *i));
            return;
        }
        let kept = group.data.entries[window.lo..window.hi]
            .iter()
            .filter(|e| !r.extended || branch.present.contains(&(e.slot as usize)))
            .filter(|e| stages.is_none_or(|c| c.contains(&(e.slot as usize, e.ts))))
            .filter(|e| !r.rule.kind.is_numeric() || matches!(e.value, Val::Num(_)));
        for e in kept {
            let row = &self.rows[e.row as usize];
            match row.child {
                Some(child) => f.children.push(child),
                None => f.events.push(self.run.events[row.event as usize].index),
            }
        }
    }

    fn finish(&self, c: usize, found: Founds) -> Vec<Alert> {
        let mut alerts: Vec<Alert> = found
            .into_iter()
            .map(|((start, end, g), mut f)| {
                let mut events = f.events;
                f.children.sort_unstable();
                f.children.dedup();
                for &(k, a) in &f.children {
                    events.extend(&self.done[k as usize][a as usize].events);
                }
                events.sort_unstable();
                events.dedup();
                Alert {
                    correlation: c,
                    group: self.group_names(g),
                    window_start: start,
                    window_end: end,
                    value: f.metric.unwrap_or(0.0),
                    events,
                    child_alerts: f
                        .children
                        .iter()
                        .map(|&(k, a)| (k as usize, a as usize))
                        .collect(),
                    closing_event: f.closer,
                }
            })
            .collect();
        alerts.sort_by(|a, b| {
            (a.window_end, &a.group, a.window_start).cmp(&(b.window_end, &b.group, b.window_start))
        });
        alerts
    }
}

fn percentile(condition: &Condition) -> f64 {
    match condition {
        Condition::Threshold(t) => t.percentile.map_or(50.0, f64::from),
        Condition::Extended { .. } => 50.0,
    }
}

fn distinct(times: impl Iterator<Item = i64>) -> Vec<i64> {
    let mut v: Vec<i64> = times.collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// One group's entries, sorted by time, with what the window needs precomputed.
struct GroupData<'e> {
    entries: &'e [Entry],
    /// Whether the entry is the first of its counted thing (event or child alert) in the group.
    first_of_eid: Vec<bool>,
    /// Numeric types: whether the entry is the first with its (eid, number) pair.
    first_of_number: Vec<bool>,
    /// Numeric types: the rank of the entry's number among the group's distinct numbers.
    rank: Vec<u32>,
    numbers: Vec<f64>,
    /// Per slot, the times of its entries (ascending).
    times: Vec<Vec<i64>>,
}

impl<'e> GroupData<'e> {
    fn new(cx: &Context, entries: &'e [Entry]) -> GroupData<'e> {
        let mut seen = std::collections::HashSet::new();
        let first_of_eid = entries
            .iter()
            .map(|e| seen.insert(cx.rows[e.row as usize].eid))
            .collect();
        let mut seen_numbers = std::collections::HashSet::new();
        let first_of_number = entries
            .iter()
            .map(|e| match e.value {
                Val::Num(x) => seen_numbers.insert((cx.rows[e.row as usize].eid, x.to_bits())),
                _ => false,
            })
            .collect();
        let mut numbers: Vec<f64> = entries
            .iter()
            .filter_map(|e| match e.value {
                Val::Num(x) => Some(x),
                _ => None,
            })
            .collect();
        numbers.sort_by(f64::total_cmp);
        numbers.dedup();
        let rank = entries
            .iter()
            .map(|e| match e.value {
                Val::Num(x) => numbers.partition_point(|n| n.total_cmp(&x).is_lt()) as u32,
                _ => 0,
            })
            .collect();
        let mut times = vec![Vec::new(); cx.resolved.slots.len()];
        for e in entries {
            times[e.slot as usize].push(e.ts);
        }
        GroupData {
            entries,
            first_of_eid,
            first_of_number,
            rank,
            numbers,
            times,
        }
    }

    /// temporal_ordered: per stage, the earliest time in the window strictly after the previous
    /// stage's (equal times are not in order).
    fn stages(&self, slots: &[usize], start: i64, end: i64) -> Vec<Option<i64>> {
        let mut previous: Option<i64> = None;
        slots
            .iter()
            .map(|&s| {
                let lower = previous.map_or(start, |p| start.max(p.saturating_add(1)));
                let list = &self.times[s];
                let t = list
                    .get(list.partition_point(|&t| t < lower))
                    .copied()
                    .filter(|&t| t <= end);
                if t.is_some() {
                    previous = t;
                }
                t
            })
            .collect()
    }
}

/// The entries `lo..hi` of a group, with their metric kept up to date as the ends move.
struct Window {
    lo: usize,
    hi: usize,
    slot_counts: Vec<u32>,
    slots_present: usize,
    events: usize,
    texts: HashMap<u32, u32>,
    numbers: usize,
    sum: f64,
    /// Fenwick tree of number counts by rank.
    tree: Vec<u32>,
}

impl Window {
    fn new(slots: usize, data: &GroupData) -> Window {
        Window {
            lo: 0,
            hi: 0,
            slot_counts: vec![0; slots],
            slots_present: 0,
            events: 0,
            texts: HashMap::new(),
            numbers: 0,
            sum: 0.0,
            tree: vec![0; data.numbers.len() + 1],
        }
    }

    fn advance(&mut self, data: &GroupData, start: i64, end: i64) {
        while self.hi < data.entries.len() && data.entries[self.hi].ts <= end {
            self.change(data, self.hi, true);
            self.hi += 1;
        }
        while self.lo < self.hi && data.entries[self.lo].ts < start {
            self.change(data, self.lo, false);
            self.lo += 1;
        }
    }

    fn change(&mut self, data: &GroupData, i: usize, add: bool) {
        let e = &data.entries[i];
        let count = &mut self.slot_counts[e.slot as usize];
        if add {
            *count += 1;
            self.slots_present += usize::from(*count == 1);
        } else {
            *count -= 1;
            self.slots_present -= usize::from(*count == 0);
        }
        let step = |n: &mut usize| if add { *n += 1 } else { *n -= 1 };
        if data.first_of_eid[i] {
            step(&mut self.events);
        }
        match e.value {
            Val::Text(t) => {
                let n = self.texts.entry(t).or_insert(0);
                if add {
                    *n += 1;
                } else {
                    *n -= 1;
                    if *n == 0 {
                        self.texts.remove(&t);
                    }
                }
            }
            Val::Num(x) if data.first_of_number[i] => {
                step(&mut self.numbers);
                // Added and taken away in time order, as SQLite's window SUM does.
                self.sum = if self.numbers == 0 {
                    0.0
                } else if add {
                    self.sum + x
                } else {
                    self.sum - x
                };
                let mut r = data.rank[i] as usize + 1;
                while r < self.tree.len() {
                    if add {
                        self.tree[r] += 1;
                    } else {
                        self.tree[r] -= 1;
                    }
                    r += r & r.wrapping_neg();
                }
            }
            _ => {}
        }
    }

    /// The k-th smallest number (0-based) of the window.
    fn nth(&self, data: &GroupData, k: usize) -> f64 {
        let mut pos = 0;
        let mut rest = k as u32;
        let mut step = (self.tree.len()).next_power_of_two();
        while step > 0 {
            let next = pos + step;
            if next < self.tree.len() && self.tree[next] <= rest {
                pos = next;
                rest -= self.tree[next];
            }
            step /= 2;
        }
        data.numbers.get(pos).copied().unwrap_or(f64::NAN)
    }

    fn metric(&self, kind: CorrelationType, percentile: f64, data: &GroupData) -> Option<f64> {
        use CorrelationType::*;
        Some(match kind {
            EventCount => self.events as f64,
            ValueCount => self.texts.len() as f64,
            Temporal | TemporalOrdered => self.slots_present as f64,
            _ if self.numbers == 0 => return None,
            ValueSum => self.sum,
            ValueAvg => self.sum / self.numbers as f64,
            ValuePercentile | ValueMedian => {
                // Linear interpolation between the closest ranks (numpy's default).
                let position = (self.numbers - 1) as f64 * (percentile / 100.0);
                let low = position.floor() as usize;
                let fraction = position - low as f64;
                let mut v = self.nth(data, low) * (1.0 - fraction);
                if low + 1 < self.numbers {
                    v += self.nth(data, low + 1) * fraction;
                }
                v
            }
        })
    }
}
