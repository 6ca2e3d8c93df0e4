//! The correlations and filters of a rule text in the worker: resolved against its detection
//! rules when the text compiles, run over the events after every evaluation, and what the
//! page's Correlations panel draws (the engine's own alerts and group traces, with the events
//! each group counted placed in time).

use serde::{Deserialize, Serialize};
use sigmaplay_engine::{
    Alert, Compilation, Condition, Correlations, Diagnostic, Event, GroupTrace, TimestampField,
};

/// The rules that fired on each event that fired (or that a filter took back): (event, rule
/// indices into the compile report's `rules`). Sparse: events without a rule are left out.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FiredRules(pub Vec<(usize, Vec<usize>)>);

impl FiredRules {
    /// The rules that fired on event `event` (empty when none did).
    pub fn of(&self, event: usize) -> &[usize] {
        self.0
            .binary_search_by_key(&event, |(e, _)| *e)
            .map_or(&[], |i| self.0[i].1.as_slice())
    }
}

/// One group of a correlation: its metric over time and what it counted (the engine's trace),
/// and the engine's sentence about it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupView {
    pub trace: GroupTrace,
    pub alerted: bool,
    /// The engine's explanation ("alice: 3 events within 5m (≥ 3) → alert at ...").
    pub sentence: String,
}

/// One correlation rule of the text and what its run found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CorrelationView {
    /// Its position in the engine's set (what alerts and chains' counted alerts name).
    pub index: usize,
    pub title: String,
    pub id: Option<String>,
    pub name: Option<String>,
    pub timespan_ms: i64,
    /// The condition's threshold (none for an extended boolean condition).
    pub threshold: Option<f64>,
    /// The condition's operator as the explanation writes it (`≥`), with the threshold.
    pub operator: Option<String>,
    /// An extended condition as written back by the engine (`failed and not success`).
    pub extended: Option<String>,
    pub groups: Vec<GroupView>,
    /// The engine's alerts, by window end.
    pub alerts: Vec<Alert>,
}

impl CorrelationView {
    /// How a rule test names this correlation (its id, else its name, else its title).
    pub fn reference(&self) -> &str {
        self.id
            .as_deref()
            .or(self.name.as_deref())
            .unwrap_or(&self.title)
    }
}

/// The correlations' run over the events; `None` in the worker's `Correlated` response when the
/// text holds no correlation.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CorrelationReport {
    pub correlations: Vec<CorrelationView>,
    /// Events a correlation would have counted but could not place in time, in the engine's
    /// words ("event 12 has no timestamp: ...").
    pub untimed: Vec<String>,
    /// Limits the run reached.
    pub notices: Vec<String>,
}

/// Resolves the compilation's correlations and filters against its rules; their diagnostics
/// (located) join `diagnostics`.
pub fn resolve(compilation: &mut Compilation, diagnostics: &mut Vec<Diagnostic>) -> Correlations {
    let (correlations, correlation_diags, filter_warnings) = Correlations::resolve(
        std::mem::take(&mut compilation.correlations),
        std::mem::take(&mut compilation.filters),
        &compilation.rules,
    );
    diagnostics.extend(
        correlation_diags
            .into_iter()
            .chain(filter_warnings)
            .map(|(_, d)| d.locate(&compilation.source)),
    );
    correlations
}

/// Runs `correlations` over the readable events with the rules each fired (`fired[i]` for event
/// `i`); `None` when there is no correlation.
pub fn run(
    correlations: &Correlations,
    events: &[Result<Event, String>],
    fired: &[Vec<usize>],
    timestamp: &TimestampField,
) -> Option<CorrelationReport> {
    if correlations.set.is_empty() {
        return None;
    }
    let mut run = correlations.start(timestamp.clone());
    let readable = || {
        events
            .iter()
            .zip(fired)
            .enumerate()
            .filter_map(|(i, (e, f))| Some((i, e.as_ref().ok()?, f)))
    };
    for (index, event, rules) in readable() {
        run.push(index, event, rules);
    }
    let mut outcome = run.finish();
    let views = correlations
        .set
        .correlations()
        .map(|(c, rule)| {
            let traces = std::mem::take(&mut outcome.traces[c]);
            let groups: Vec<GroupView> = traces
                .into_iter()
                .map(|trace| GroupView {
                    alerted: trace.windows.iter().any(|w| w.alerted),
                    sentence: trace.sentence(rule),
                    trace,
                })
                .collect();
            let (threshold, operator, extended) = match &rule.condition {
                Condition::Threshold(t) => (Some(t.value), Some(t.op.symbol().to_string()), None),
                Condition::Extended { expr, .. } => (None, None, Some(expr.to_string())),
            };
            CorrelationView {
                index: c,
                title: rule.title.clone(),
                id: rule.id.clone(),
                name: rule.name.clone(),
                timespan_ms: rule.timespan.millis,
                threshold,
                operator,
                extended,
                groups,
                alerts: std::mem::take(&mut outcome.alerts[c]),
            }
        })
        .collect();
    Some(CorrelationReport {
        correlations: views,
        untimed: outcome.untimed.iter().map(ToString::to_string).collect(),
        notices: outcome.notices,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use crate::{RuleOptions, Session};

    pub const BRUTE_FORCE: &str = "title: Failed logon\nid: 5f2a6c6e-0000-4000-8000-000000000001\nname: failed_logon\nlogsource:\n    product: windows\n    service: security\ndetection:\n    selection:\n        EventID: 4625\n    condition: selection\n---\ntitle: Brute force\nid: 5f2a6c6e-0000-4000-8000-000000000002\ncorrelation:\n    type: event_count\n    rules:\n        - failed_logon\n    group-by:\n        - TargetUserName\n    timespan: 5m\n    condition:\n        gte: 3\n---\ntitle: Admin hosts\nlogsource:\n    product: windows\n    service: security\nfilter:\n    rules:\n        - failed_logon\n    selection:\n        Computer|startswith: 'ADM'\n    condition: not selection\n";

    pub const EVENTS: &str = concat!(
        "{\"EventID\": 4625, \"TargetUserName\": \"alice\", \"Computer\": \"WS1\", \"@timestamp\": \"2026-03-01T09:00:00Z\"}\n",
        "{\"EventID\": 4625, \"TargetUserName\": \"Alice\", \"Computer\": \"WS1\", \"@timestamp\": \"2026-03-01T09:00:30Z\"}\n",
        "{\"EventID\": 4625, \"TargetUserName\": \"alice\", \"Computer\": \"WS1\", \"@timestamp\": \"2026-03-01T09:01:00Z\"}\n",
        "{\"EventID\": 4625, \"TargetUserName\": \"bob\", \"Computer\": \"WS2\", \"@timestamp\": \"2026-03-01T09:02:00Z\"}\n",
        "{\"EventID\": 4625, \"TargetUserName\": \"bob\", \"Computer\": \"ADM01\", \"@timestamp\": \"2026-03-01T09:02:10Z\"}\n",
        "{\"EventID\": 4625, \"TargetUserName\": \"carol\", \"Computer\": \"WS3\"}\n",
    );

    pub(crate) fn session() -> Session {
        let mut session = Session::new();
        let report = session.set_rule(BRUTE_FORCE, &RuleOptions::with_lint());
        assert!(!report.has_errors, "{:?}", report.diagnostics);
        session.set_events(EVENTS);
        session.evaluate_chunk(0, 100);
        session
    }

    #[test]
    fn a_correlation_and_a_filter_compile_and_run() {
        let session = session();
        let report = session.correlate().expect("the text has a correlation");
        let view = &report.correlations[0];
        assert_eq!(view.title, "Brute force");
        assert_eq!(view.threshold, Some(3.0));
        assert_eq!(view.operator.as_deref(), Some("≥"));
        assert_eq!(view.timespan_ms, 300_000);
        let alice = view
            .groups
            .iter()
            .find(|g| g.trace.label() == "alice")
            .unwrap();
        assert!(alice.alerted);
        assert_eq!(
            alice.sentence,
            "alice: 3 events within 5m (≥ 3) → alert at 2026-03-01T09:01:00Z"
        );
        assert_eq!(
            alice
                .trace
                .counted
                .iter()
                .map(|e| e.event)
                .collect::<Vec<_>>(),
            [0, 1, 2]
        );
        let bob = view
            .groups
            .iter()
            .find(|g| g.trace.label() == "bob")
            .unwrap();
        // The filter took event 4 (ADM01) out of the rule's matches: bob has one event.
        assert!(!bob.alerted);
        assert_eq!(bob.trace.counted.len(), 1);
        assert_eq!(view.alerts.len(), 1);
        assert_eq!(view.alerts[0].events, vec![0, 1, 2]);
        assert_eq!(report.untimed.len(), 1);
        assert!(
            report.untimed[0].starts_with("event 5 has no timestamp"),
            "{:?}",
            report.untimed
        );
        assert_eq!(session.fired_rules().of(0), &[0]);
        assert!(session.fired_rules().of(4).is_empty());
    }

    #[test]
    fn an_excluded_event_says_which_filter_removed_it() {
        let session = session();
        let explained = session.explain(4);
        let exclusion = explained.exclusions[0].as_ref().expect("excluded");
        assert_eq!(exclusion.filter, "Admin hosts");
        assert!(
            exclusion
                .to_string()
                .starts_with("excluded by filter 'Admin hosts' (line 24): "),
            "{exclusion}"
        );
        assert!(session.explain(0).exclusions[0].is_none());
    }

    #[test]
    fn the_timestamp_field_is_the_users_choice() {
        let mut session = Session::new();
        let options = RuleOptions {
            timestamp_field: Some("When".into()),
            ..RuleOptions::with_lint()
        };
        session.set_rule(BRUTE_FORCE, &options);
        session.set_events(EVENTS);
        session.evaluate_chunk(0, 100);
        let report = session.correlate().unwrap();
        assert!(report.correlations[0].alerts.is_empty());
        assert!(report.untimed[0].contains("'When' is not present"));
    }
}
