//! The rule-set view: the rule pack loaded, the run over an events file (chunk results merged in
//! input order however the workers finish), and the table's sorting and filters.

use super::AppState;
use sigmaplay_engine::MatchRecord;
use sigmaplay_wasm::ruleset::{
    ChunkHit, ChunkResult, CorrelationOutcome, PackAlert, PackLoaded, PackRule,
};
use std::collections::BTreeMap;
use std::rc::Rc;

/// Which view the page shows (the playground stays mounted behind the rule-set view).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum View {
    #[default]
    Playground,
    RuleSet,
}

/// The levels, most severe first (the table's order and the timeline's lanes).
pub const LEVELS: [&str; 5] = ["critical", "high", "medium", "low", "informational"];

/// Rank of a level for sorting: most severe first, unknown levels last.
pub fn level_rank(level: Option<&str>) -> usize {
    level
        .and_then(|l| LEVELS.iter().position(|x| *x == l))
        .unwrap_or(LEVELS.len())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortColumn {
    Level,
    Title,
    Hits,
    First,
    Last,
}

/// How the table is sorted: a column, descending or not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sort {
    pub column: SortColumn,
    pub descending: bool,
}

impl Default for Sort {
    fn default() -> Sort {
        Sort {
            column: SortColumn::Hits,
            descending: true,
        }
    }
}

/// The table's filters (empty: everything shown).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RowFilter {
    pub level: Option<String>,
    /// Part of the title, any case.
    pub title: String,
    /// Part of a tag, any case.
    pub tag: String,
}

/// How a run ended (its results are kept in every case).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunEnd {
    Done,
    Cancelled,
    /// A worker stopped or the pack could not be read; in words.
    Failed(String),
}

/// Hits of one rule in a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RuleTally {
    pub hits: usize,
    pub first: Option<i64>,
    pub last: Option<i64>,
}

impl RuleTally {
    fn add(&mut self, time: Option<i64>) {
        self.hits += 1;
        if let Some(t) = time {
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
        }
    }
}

/// One evaluation of the pack over an events file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Run {
    pub file: String,
    pub total_bytes: u64,
    pub read_bytes: u64,
    pub workers: usize,
    pub started_ms: f64,
    /// When every worker had compiled the pack (evaluation speed is counted from then).
    pub ready_ms: Option<f64>,
    pub now_ms: f64,
    /// Events and unreadable events merged so far.
    pub items: usize,
    pub error_count: usize,
    /// The first unreadable events, in words.
    pub errors: Vec<String>,
    /// The next chunk to merge, and those that came before it.
    pub next_chunk: usize,
    pub waiting: BTreeMap<usize, Rc<ChunkResult>>,
    /// The hits merged, per chunk, in input order (event indices are the input's).
    pub hits: Vec<Rc<[ChunkHit]>>,
    pub tallies: BTreeMap<u32, RuleTally>,
    /// Every chunk merged, the correlations run over the whole file.
    pub correlating: bool,
    pub correlated: Option<Rc<CorrelationOutcome>>,
    /// Per correlation (its position in the pack's set), its alerts by window end.
    pub alert_tallies: BTreeMap<u32, RuleTally>,
    /// Per worker, its wasm memory at its last chunk (bytes).
    pub worker_memory: Vec<u64>,
    /// `None` while it runs.
    pub end: Option<RunEnd>,
}

/// Unreadable events listed by their words (the rest are counted).
const LISTED_ERRORS: usize = 20;

impl Run {
    pub fn events_per_s(&self) -> f64 {
        let seconds = (self.now_ms - self.ready_ms.unwrap_or(self.started_ms)) / 1000.0;
        if seconds > 0.0 {
            self.items as f64 / seconds
        } else {
            0.0
        }
    }

    /// Rule matches (alerts are counted apart).
    pub fn matches(&self) -> usize {
        self.tallies.values().map(|t| t.hits).sum()
    }

    /// Every merged hit, in input order.
    pub fn all_hits(&self) -> impl Iterator<Item = &ChunkHit> {
        self.hits.iter().flat_map(|c| c.iter())
    }

    fn correlated(&mut self, outcome: CorrelationOutcome) {
        self.correlating = false;
        for a in &outcome.alerts {
            let tally = self.alert_tallies.entry(a.alert.correlation as u32);
            tally.or_default().add(Some(a.alert.window_end));
        }
        self.correlated = Some(Rc::new(outcome));
    }

    /// Every alert of the correlations, in `sigmaplay eval`'s order.
    pub fn alerts(&self) -> &[PackAlert] {
        self.correlated
            .as_ref()
            .map_or(&[], |c| c.alerts.as_slice())
    }

    /// Merges `result` and every waiting chunk that now follows in order.
    fn take(&mut self, result: ChunkResult) {
        self.waiting.insert(result.index, Rc::new(result));
        while let Some(next) = self.waiting.remove(&self.next_chunk) {
            let next = Rc::try_unwrap(next).unwrap_or_else(|rc| (*rc).clone());
            let base = self.items;
            self.items += next.items;
            self.error_count += next.errors.len();
            let room = LISTED_ERRORS.saturating_sub(self.errors.len());
            self.errors.extend(next.errors.into_iter().take(room));
            let mut hits = next.hits;
            for hit in &mut hits {
                hit.event += base;
                for (rule, _) in &hit.rules {
                    self.tallies.entry(*rule).or_default().add(hit.time);
                }
            }
            self.hits.push(hits.into());
            self.next_chunk += 1;
        }
    }
}

/// The rule-set view's state.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RuleSetState {
    /// The rules file(s) being loaded or loaded.
    pub pack_name: Option<String>,
    pub loading: bool,
    pub pack: Option<Rc<PackLoaded>>,
    /// Why the pack could not be read.
    pub refused: Option<String>,
    pub run: Option<Rc<Run>>,
    pub sort: Sort,
    pub filter: RowFilter,
    /// The rule whose hits are listed to choose one from.
    pub selected_rule: Option<u32>,
}

/// A row of the results table.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The pack's rules first, then its correlations ([`RuleSetState::row_of`]).
    pub rule: u32,
    pub info: PackRule,
    /// For a correlation, the hits are its alerts and the times their window ends.
    pub tally: RuleTally,
    pub correlation: bool,
}

/// What a row is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RowOf {
    /// A rule, by its position in [`PackLoaded::rules`].
    Rule(usize),
    /// A correlation, by its position in [`PackLoaded::correlations`].
    Correlation(usize),
}

/// Hits per level per time bucket.
#[derive(Clone, Debug, PartialEq)]
pub struct Timeline {
    pub start: i64,
    pub end: i64,
    /// `counts[bucket][level]`, levels as [`LEVELS`] and a last one for any other.
    pub counts: Vec<[usize; LEVELS.len() + 1]>,
    /// Hits without a readable time.
    pub untimed: usize,
}

pub enum RuleSetAction {
    Show(View),
    PackLoading(String),
    PackLoaded(Box<PackLoaded>),
    PackRefused(String),
    RunStarted {
        file: String,
        total_bytes: u64,
        workers: usize,
        now_ms: f64,
    },
    Read {
        bytes: u64,
    },
    WorkersReady {
        now_ms: f64,
    },
    Evaluated {
        result: ChunkResult,
        /// The worker that evaluated it (of `workers`).
        worker: usize,
        now_ms: f64,
    },
    /// Every chunk is in; the correlations run over the whole file.
    Correlating,
    Correlated(CorrelationOutcome),
    Ended(RunEnd),
    SortBy(SortColumn),
    Filter(RowFilter),
    SelectRule(Option<u32>),
}

impl RuleSetState {
    fn run_mut(&mut self) -> Option<&mut Run> {
        self.run.as_mut().map(Rc::make_mut)
    }

    /// The pack's correlations (none before a pack loads).
    fn correlations(&self) -> &[PackRule] {
        self.pack.as_ref().map_or(&[], |p| &p.correlations[..])
    }

    fn rule(&self, rule: u32) -> Option<&PackRule> {
        self.pack.as_ref()?.rules.get(rule as usize)
    }

    /// What a row key (a [`Row::rule`], [`RuleSetState::selected_rule`]) is about: the pack's
    /// rules first, then its correlations.
    fn row_of(&self, key: u32) -> Option<RowOf> {
        let pack = self.pack.as_ref()?;
        let key = key as usize;
        match key.checked_sub(pack.rules.len()) {
            None => Some(RowOf::Rule(key)),
            Some(c) if c < pack.correlations.len() => Some(RowOf::Correlation(c)),
            Some(_) => None,
        }
    }

    /// The correlation (its position in the pack's set) a row key is about, if it is one.
    pub fn correlation_of_row(&self, key: u32) -> Option<usize> {
        match self.row_of(key)? {
            RowOf::Correlation(c) => Some(c),
            RowOf::Rule(_) => None,
        }
    }

    /// The rule or correlation a row key is about.
    pub fn row_info(&self, key: u32) -> Option<&PackRule> {
        let pack = self.pack.as_ref()?;
        match self.row_of(key)? {
            RowOf::Rule(r) => pack.rules.get(r),
            RowOf::Correlation(c) => pack.correlations.get(c),
        }
    }

    /// The rules that fired and the correlations that alerted (hits: their alerts), filtered
    /// and sorted as the table shows them.
    pub fn rows(&self) -> Vec<Row> {
        let (Some(pack), Some(run)) = (&self.pack, &self.run) else {
            return Vec::new();
        };
        let title = self.filter.title.to_lowercase();
        let tag = self.filter.tag.to_lowercase();
        let correlations = run
            .alert_tallies
            .iter()
            .map(|(c, tally)| (c + pack.rules.len() as u32, tally));
        let mut rows: Vec<Row> = run
            .tallies
            .iter()
            .map(|(rule, tally)| (*rule, tally))
            .chain(correlations)
            .filter_map(|(rule, tally)| {
                Some(Row {
                    rule,
                    info: self.row_info(rule)?.clone(),
                    tally: *tally,
                    correlation: matches!(self.row_of(rule), Some(RowOf::Correlation(_))),
                })
            })
            .filter(|r| {
                self.filter
                    .level
                    .as_ref()
                    .is_none_or(|l| r.info.level.as_ref() == Some(l))
                    && r.info.title.to_lowercase().contains(&title)
                    && (tag.is_empty()
                        || r.info.tags.iter().any(|t| t.to_lowercase().contains(&tag)))
            })
            .collect();
        let Sort { column, descending } = self.sort;
        rows.sort_by(|a, b| {
            let order = match column {
                SortColumn::Level => level_rank(a.info.level.as_deref())
                    .cmp(&level_rank(b.info.level.as_deref()))
                    .reverse(),
                SortColumn::Title => a.info.title.cmp(&b.info.title),
                SortColumn::Hits => a.tally.hits.cmp(&b.tally.hits),
                SortColumn::First => a.tally.first.cmp(&b.tally.first),
                SortColumn::Last => a.tally.last.cmp(&b.tally.last),
            };
            let order = if descending { order.reverse() } else { order };
            order.then(a.rule.cmp(&b.rule))
        });
        rows
    }

    /// The alerts of correlation `correlation`, in `sigmaplay eval`'s order, at most `limit`.
    pub fn alerts_of(&self, correlation: usize, limit: usize) -> Vec<PackAlert> {
        let Some(run) = &self.run else {
            return Vec::new();
        };
        run.alerts()
            .iter()
            .filter(|a| a.alert.correlation == correlation)
            .take(limit)
            .cloned()
            .collect()
    }

    /// What the playground opens for an alert: the correlation's file with the files of the
    /// rules its events matched (one multi-document text), as a rule of the pack.
    pub fn alert_rule(&self, correlation: usize, alert: &PackAlert) -> Option<PackRule> {
        let pack = self.pack.as_ref()?;
        let mut rule = pack.correlations.get(correlation)?.clone();
        let mut files = vec![rule.file.clone()];
        let mut text = rule.text.clone().unwrap_or_default();
        for info in alert
            .rules
            .iter()
            .filter_map(|r| pack.rules.get(*r as usize))
        {
            if files.contains(&info.file) {
                continue;
            }
            files.push(info.file.clone());
            if !text.is_empty() && !text.ends_with('\n') {
                text.push('\n');
            }
            text.push_str("---\n");
            text.push_str(info.text.as_deref().unwrap_or_default());
        }
        rule.text = Some(text);
        Some(rule)
    }

    /// The hits of rule `rule`, in input order, at most `limit`.
    pub fn hits_of(&self, rule: u32, limit: usize) -> Vec<ChunkHit> {
        let Some(run) = &self.run else {
            return Vec::new();
        };
        run.all_hits()
            .filter(|h| h.rules.iter().any(|(r, _)| *r == rule))
            .take(limit)
            .cloned()
            .collect()
    }

    /// Every match as `sigmaplay eval` prints it, in its order (event, then rule).
    pub fn match_records(&self) -> Vec<MatchRecord> {
        let Some(run) = &self.run else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for hit in run.all_hits() {
            for (rule, identifiers) in &hit.rules {
                let Some(info) = self.rule(*rule) else {
                    continue;
                };
                out.push(MatchRecord {
                    event: hit.event,
                    event_line: hit.line,
                    rule_id: info.id.clone(),
                    title: info.title.clone(),
                    file: Some(info.file.clone()),
                    level: info.level.clone(),
                    matched: identifiers.clone(),
                });
            }
        }
        out
    }

    /// The matches as `sigmaplay eval` writes them: one JSON object a line, the correlations'
    /// alerts after them.
    pub fn export_json_lines(&self) -> String {
        let mut out = String::new();
        for record in self.match_records() {
            out.push_str(&serde_json::to_string(&record).unwrap_or_default());
            out.push('\n');
        }
        for alert in self.run.iter().flat_map(|r| r.alerts()) {
            out.push_str(&alert.record.to_string());
            out.push('\n');
        }
        out
    }

    /// The matches as CSV (RFC 4180 quoting), the time as RFC 3339 in UTC; the correlations'
    /// alerts after them (their closing event, no line, their window end, their group as
    /// `name=value` in `matched`).
    pub fn export_csv(&self) -> String {
        let mut out = String::from("event,event_line,time,rule_id,title,level,file,matched\r\n");
        let Some(run) = &self.run else {
            return out;
        };
        for hit in run.all_hits() {
            for (rule, identifiers) in &hit.rules {
                let Some(info) = self.rule(*rule) else {
                    continue;
                };
                let time = hit.time.map(sigmaplay_engine::rfc3339).unwrap_or_default();
                let at = [
                    hit.event.to_string(),
                    hit.line.map(|l| l.to_string()).unwrap_or_default(),
                    time,
                ];
                csv_row(&mut out, at, info, identifiers.join(" "));
            }
        }
        let correlations = self.correlations();
        for a in run.alerts() {
            let Some(info) = correlations.get(a.alert.correlation) else {
                continue;
            };
            let group: Vec<String> = a
                .alert
                .group
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            let time = sigmaplay_engine::rfc3339(a.alert.window_end);
            let at = [a.alert.closing_event.to_string(), String::new(), time];
            csv_row(&mut out, at, info, group.join(" "));
        }
        out
    }

    /// The hits per level in `buckets` equal spans of time between the first and last hit.
    pub fn timeline(&self, buckets: usize) -> Option<Timeline> {
        let run = self.run.as_ref()?;
        let alerts = run.alerts().iter().map(|a| a.alert.window_end);
        let times = run.all_hits().filter_map(|h| h.time).chain(alerts.clone());
        let (start, end) = times.fold(None, |acc: Option<(i64, i64)>, t| {
            Some(acc.map_or((t, t), |(s, e)| (s.min(t), e.max(t))))
        })?;
        let buckets = buckets.max(1);
        let span = (end - start).max(1) as f64;
        let mut counts = vec![[0usize; LEVELS.len() + 1]; buckets];
        let mut untimed = 0;
        let mut count = |t: i64, level: Option<&str>| {
            let bucket = (((t - start) as f64 / span) * buckets as f64) as usize;
            counts[bucket.min(buckets - 1)][level_rank(level)] += 1;
        };
        for hit in run.all_hits() {
            for (rule, _) in &hit.rules {
                match hit.time {
                    Some(t) => count(t, self.rule(*rule).and_then(|r| r.level.as_deref())),
                    None => untimed += 1,
                }
            }
        }
        let correlations = self.correlations();
        for a in run.alerts() {
            let level = correlations
                .get(a.alert.correlation)
                .and_then(|c| c.level.as_deref());
            count(a.alert.window_end, level);
        }
        Some(Timeline {
            start,
            end,
            counts,
            untimed,
        })
    }

    fn reduce(&mut self, action: RuleSetAction) {
        match action {
            RuleSetAction::Show(_) => {}
            RuleSetAction::PackLoading(name) => {
                self.pack_name = Some(name);
                self.loading = true;
                self.refused = None;
            }
            RuleSetAction::PackLoaded(pack) => {
                self.loading = false;
                self.pack = Some(Rc::from(pack));
            }
            RuleSetAction::PackRefused(why) => {
                self.loading = false;
                self.pack = None;
                self.refused = Some(why);
            }
            RuleSetAction::RunStarted {
                file,
                total_bytes,
                workers,
                now_ms,
            } => {
                self.selected_rule = None;
                self.run = Some(Rc::new(Run {
                    file,
                    total_bytes,
                    workers,
                    started_ms: now_ms,
                    now_ms,
                    ..Run::default()
                }));
            }
            RuleSetAction::Read { bytes } => {
                if let Some(run) = self.run_mut() {
                    run.read_bytes = bytes;
                }
            }
            RuleSetAction::WorkersReady { now_ms } => {
                if let Some(run) = self.run_mut() {
                    run.ready_ms = Some(now_ms);
                }
            }
            RuleSetAction::Evaluated {
                result,
                worker,
                now_ms,
            } => {
                if let Some(run) = self.run_mut().filter(|r| r.end.is_none()) {
                    run.now_ms = now_ms;
                    if run.worker_memory.len() <= worker {
                        run.worker_memory.resize(worker + 1, 0);
                    }
                    run.worker_memory[worker] = result.worker_memory;
                    run.take(result);
                }
            }
            RuleSetAction::Correlating => {
                if let Some(run) = self.run_mut().filter(|r| r.end.is_none()) {
                    run.correlating = true;
                }
            }
            RuleSetAction::Correlated(outcome) => {
                if let Some(run) = self.run_mut().filter(|r| r.end.is_none()) {
                    run.correlated(outcome);
                }
            }
            RuleSetAction::Ended(end) => {
                if let Some(run) = self.run_mut().filter(|r| r.end.is_none()) {
                    run.end = Some(end);
                }
            }
            RuleSetAction::SortBy(column) => {
                self.sort = if self.sort.column == column {
                    Sort {
                        column,
                        descending: !self.sort.descending,
                    }
                } else {
                    Sort {
                        column,
                        descending: matches!(
                            column,
                            SortColumn::Level | SortColumn::Hits | SortColumn::Last
                        ),
                    }
                };
            }
            RuleSetAction::Filter(filter) => self.filter = filter,
            RuleSetAction::SelectRule(rule) => self.selected_rule = rule,
        }
    }
}

/// One CSV row: where (event, line, time), what (the rule or correlation), and what matched.
fn csv_row(out: &mut String, at: [String; 3], info: &PackRule, matched: String) {
    fn field(text: &str) -> String {
        if text.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text.to_string()
        }
    }
    let what = [
        info.id.clone().unwrap_or_default(),
        info.title.clone(),
        info.level.clone().unwrap_or_default(),
        info.file.clone(),
        matched,
    ];
    let cells: Vec<String> = at.iter().chain(&what).map(|c| field(c)).collect();
    out.push_str(&cells.join(","));
    out.push_str("\r\n");
}

impl AppState {
    pub(super) fn ruleset_action(&mut self, action: RuleSetAction) -> bool {
        if let RuleSetAction::Show(view) = action {
            let changed = self.view != view;
            self.view = view;
            return changed;
        }
        self.ruleset.reduce(action);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sigmaplay_wasm::ruleset::EventPlace;

    fn rule(title: &str, level: &str, tag: &str) -> PackRule {
        PackRule {
            title: title.into(),
            id: Some(format!("id-{title}")),
            level: Some(level.into()),
            tags: vec![tag.into()],
            file: format!("rules/{title}.yml"),
            text: Some(format!("title: {title}\n")),
        }
    }

    fn alert(closing_event: usize, window_end: i64) -> PackAlert {
        PackAlert {
            alert: sigmaplay_engine::Alert {
                correlation: 0,
                group: vec![("User".into(), "alice".into())],
                window_start: window_end - 10,
                window_end,
                value: 2.0,
                events: vec![0, closing_event],
                child_alerts: Vec::new(),
                closing_event,
            },
            record: serde_json::json!({"event": closing_event, "rule_id": "id-Burst"}),
            places: vec![EventPlace::Bytes { start: 0, end: 1 }],
            rules: vec![0, 1],
        }
    }

    fn hit(event: usize, time: i64, rules: &[u32]) -> ChunkHit {
        ChunkHit {
            event,
            line: Some(event + 1),
            place: EventPlace::Bytes { start: 0, end: 1 },
            time: Some(time),
            rules: rules
                .iter()
                .map(|r| (*r, vec!["selection".into()]))
                .collect(),
        }
    }

    fn chunk(index: usize, items: usize, hits: Vec<ChunkHit>) -> RuleSetAction {
        RuleSetAction::Evaluated {
            result: ChunkResult {
                index,
                items,
                errors: Vec::new(),
                hits,
                feed: Vec::new(),
                worker_memory: 1 << 20,
            },
            worker: index % 2,
            now_ms: 2000.0,
        }
    }

    fn loaded() -> RuleSetState {
        let mut s = RuleSetState::default();
        s.reduce(RuleSetAction::PackLoaded(Box::new(PackLoaded {
            rules: vec![
                rule("Cmd", "low", "attack.execution"),
                rule("Mimikatz", "critical", "attack.credential-access"),
            ],
            errors: Vec::new(),
            skipped: 0,
            routing: true,
            correlations: vec![PackRule {
                text: Some("title: Burst\ncorrelation: {}\n".into()),
                file: "rules/burst.yml".into(),
                ..rule("Burst", "high", "")
            }],
        })));
        s.reduce(RuleSetAction::RunStarted {
            file: "events.jsonl".into(),
            total_bytes: 10,
            workers: 2,
            now_ms: 1000.0,
        });
        s
    }

    #[test]
    fn chunks_merge_in_input_order_whatever_order_they_finish_in() {
        let mut s = loaded();
        // Chunk 1 (events 3.. of the input) finishes first: it waits for chunk 0.
        s.reduce(chunk(1, 2, vec![hit(1, 50, &[0, 1])]));
        assert_eq!(s.run.as_ref().unwrap().items, 0);
        assert!(s.rows().is_empty());
        s.reduce(chunk(0, 3, vec![hit(0, 10, &[0])]));
        let run = s.run.clone().unwrap();
        assert_eq!((run.items, run.next_chunk), (5, 2));
        let events: Vec<usize> = run.all_hits().map(|h| h.event).collect();
        assert_eq!(events, [0, 4]);
        assert_eq!(run.events_per_s(), 5.0);
        let records = s.match_records();
        assert_eq!(records.len(), 3);
        assert_eq!(
            (records[2].event, records[2].title.as_str()),
            (4, "Mimikatz")
        );
        let rows = s.rows();
        assert_eq!(rows[0].info.title, "Cmd");
        assert_eq!(
            rows[0].tally,
            RuleTally {
                hits: 2,
                first: Some(10),
                last: Some(50)
            }
        );
    }

    #[test]
    fn exports_are_the_clis_json_lines_and_csv() {
        let mut s = loaded();
        s.reduce(chunk(0, 3, vec![hit(2, 0, &[0, 1])]));
        let lines = s.export_json_lines();
        assert_eq!(
            lines.lines().next().unwrap(),
            r#"{"event":2,"event_line":3,"rule_id":"id-Cmd","title":"Cmd","file":"rules/Cmd.yml","level":"low","matched":["selection"]}"#
        );
        let csv = s.export_csv();
        let rows: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(
            rows[1],
            "2,3,1970-01-01T00:00:00Z,id-Cmd,Cmd,low,rules/Cmd.yml,selection"
        );
        assert_eq!(rows.len(), 4);
    }

    #[test]
    fn rows_sort_by_each_column_and_filter_by_level_title_and_tag() {
        let mut s = loaded();
        s.reduce(chunk(0, 3, vec![hit(0, 10, &[0]), hit(1, 20, &[0, 1])]));
        let titles = |s: &RuleSetState| -> Vec<String> {
            s.rows().into_iter().map(|r| r.info.title).collect()
        };
        assert_eq!(titles(&s), ["Cmd", "Mimikatz"]);
        s.reduce(RuleSetAction::SortBy(SortColumn::Level));
        assert_eq!(titles(&s), ["Mimikatz", "Cmd"]);
        s.reduce(RuleSetAction::SortBy(SortColumn::Level));
        assert_eq!(titles(&s), ["Cmd", "Mimikatz"]);
        s.reduce(RuleSetAction::SortBy(SortColumn::First));
        assert_eq!(titles(&s), ["Cmd", "Mimikatz"]);
        s.reduce(RuleSetAction::SortBy(SortColumn::Title));
        assert_eq!(titles(&s), ["Cmd", "Mimikatz"]);
        s.reduce(RuleSetAction::Filter(RowFilter {
            tag: "CREDENTIAL".into(),
            ..RowFilter::default()
        }));
        assert_eq!(titles(&s), ["Mimikatz"]);
        s.reduce(RuleSetAction::Filter(RowFilter {
            level: Some("low".into()),
            title: "cm".into(),
            ..RowFilter::default()
        }));
        assert_eq!(titles(&s), ["Cmd"]);
        assert_eq!(s.hits_of(1, 10).len(), 1);
    }

    #[test]
    fn a_cancelled_run_keeps_its_results_and_takes_no_more() {
        let mut s = loaded();
        s.reduce(chunk(0, 3, vec![hit(0, 10, &[0])]));
        s.reduce(RuleSetAction::Ended(RunEnd::Cancelled));
        s.reduce(chunk(1, 3, vec![hit(0, 10, &[1])]));
        let run = s.run.clone().unwrap();
        assert_eq!(run.end, Some(RunEnd::Cancelled));
        assert_eq!((run.items, run.matches()), (3, 1));
    }

    #[test]
    fn alerts_are_rows_after_the_rules_and_export_lines_after_the_matches() {
        let mut s = loaded();
        s.reduce(chunk(0, 3, vec![hit(0, 10, &[0]), hit(2, 30, &[0])]));
        s.reduce(RuleSetAction::Correlating);
        assert!(s.run.as_ref().unwrap().correlating);
        s.reduce(RuleSetAction::Correlated(CorrelationOutcome {
            alerts: vec![alert(2, 30)],
            ..CorrelationOutcome::default()
        }));
        let run = s.run.clone().unwrap();
        assert!(!run.correlating);
        assert_eq!(run.matches(), 2);
        assert_eq!(run.worker_memory, [1 << 20]);
        let rows = s.rows();
        let burst = rows.iter().find(|r| r.correlation).unwrap();
        assert_eq!((burst.rule, burst.info.title.as_str()), (2, "Burst"));
        assert_eq!(burst.tally.hits, 1);
        assert_eq!(s.correlation_of_row(burst.rule), Some(0));
        assert_eq!(s.correlation_of_row(0), None);
        let lines: Vec<String> = s.export_json_lines().lines().map(String::from).collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[2], r#"{"event":2,"rule_id":"id-Burst"}"#);
        let csv = s.export_csv();
        assert!(csv.contains("\r\n2,,1970-01-01T00:00:00.030Z,id-Burst,Burst,high,rules/burst.yml,User=alice\r\n"), "{csv}");
        let alerts = s.alerts_of(0, 10);
        let opened = s.alert_rule(0, &alerts[0]).unwrap();
        assert_eq!(
            opened.text.as_deref(),
            Some("title: Burst\ncorrelation: {}\n---\ntitle: Cmd\n---\ntitle: Mimikatz\n")
        );
        let timeline = s.timeline(1).unwrap();
        assert_eq!(timeline.counts[0], [0, 1, 0, 2, 0, 0]);
    }

    #[test]
    fn the_timeline_counts_hits_per_level_over_time() {
        let mut s = loaded();
        s.reduce(chunk(
            0,
            3,
            vec![hit(0, 0, &[0]), hit(1, 50, &[1]), hit(2, 100, &[0, 1])],
        ));
        let t = s.timeline(2).unwrap();
        assert_eq!((t.start, t.end), (0, 100));
        assert_eq!(t.counts[0], [0, 0, 0, 1, 0, 0]);
        assert_eq!(t.counts[1], [2, 0, 0, 1, 0, 0]);
    }
}
