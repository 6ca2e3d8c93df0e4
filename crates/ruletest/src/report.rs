//! Running a rule test: a verdict per event, graded against the expectations.

use crate::evaluator::{Evaluator, Verdict};
use crate::file::{Expectation, RuleTest};
use crate::identity::{place_on_events, Placement};
use crate::pipeline::PipelineChoice;
use serde::Serialize;
use sigmaplay_engine::{
    compile_rules, parse_events, Compilation, CompileOptions, Correlations, Diagnostic, Event,
    EventInput, Exclusion, Pipeline, SourceMap,
};
use std::collections::BTreeMap;

/// An event's verdict against its expectation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    Fail,
    /// No expectation for this event.
    Unchecked,
}

impl Outcome {
    /// The grading rule, shared by [`run`] and the web app: an expectation passes when the verdict
    /// is exactly what it says; an error never passes.
    pub fn grade(verdict: Verdict, should_fire: Option<bool>) -> Outcome {
        match (should_fire, verdict) {
            (None, _) => Outcome::Unchecked,
            (Some(true), Verdict::Fired) | (Some(false), Verdict::NotFired) => Outcome::Pass,
            (Some(_), _) => Outcome::Fail,
        }
    }

    /// The same for a correlation group: passes when it alerted exactly as expected.
    pub fn grade_alert(alerted: bool, should_alert: Option<bool>) -> Outcome {
        match should_alert {
            None => Outcome::Unchecked,
            Some(expected) if expected == alerted => Outcome::Pass,
            Some(_) => Outcome::Fail,
        }
    }
}

/// One event's result.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventResult {
    /// 0-based index (the expectations' numbering).
    pub index: usize,
    /// 1-based line where the event starts in the events text.
    pub line: usize,
    pub verdict: Verdict,
    /// The expectation: should fire (`true`) / should not (`false`) / none.
    pub expected: Option<bool>,
    pub outcome: Outcome,
    /// Search identifiers that were true, for the rule that fired (the first one when several do).
    pub matched: Vec<String>,
    /// The error (unreadable event) or a note (log source does not fit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// A rule matched, but a filter removed the event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excluded: Option<Exclusion>,
}

/// One group of one correlation rule: whether it alerted, against its expectation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AlertResult {
    /// The correlation's title.
    pub correlation: String,
    pub rule_id: Option<String>,
    /// Group-by field → value (as the events wrote it for an expectation's group, folded for
    /// groups the events formed).
    pub group: BTreeMap<String, String>,
    pub alerted: bool,
    /// The expectation: should alert (`true`) / should not (`false`) / none.
    pub expected: Option<bool>,
    pub outcome: Outcome,
    /// Why it did or did not alert ("alice: 3 events within 5m (≥ 3) → alert at ...").
    pub summary: String,
}

/// A detection rule found in the test's rule text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleInfo {
    pub title: String,
    pub id: Option<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TestCounts {
    pub events: usize,
    pub fired: usize,
    pub not_fired: usize,
    pub errors: usize,
    pub passed: usize,
    pub failed: usize,
    pub unchecked: usize,
}

/// The result of [`run`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TestReport {
    pub name: Option<String>,
    /// True when the rule compiled, every event was read, and every expectation held.
    pub passed: bool,
    pub rules: Vec<RuleInfo>,
    /// The rule's errors and lint warnings (located in the rule text). Warnings do not fail a test.
    pub diagnostics: Vec<Diagnostic>,
    pub events: Vec<EventResult>,
    /// Per correlation rule of the text, per group: the groups the events formed, and the
    /// groups an expectation names that they did not form.
    pub alerts: Vec<AlertResult>,
    /// Problems that are not about one event: no rule in the text, an expectation for an event that
    /// does not exist, a file that could not be read...
    pub problems: Vec<String>,
    /// The test's own pipeline could not be read (the reason is in `problems`): no event was
    /// evaluated.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub pipeline_failed: bool,
    pub counts: TestCounts,
}

impl TestReport {
    /// A failed report for a test that could not even be loaded (unreadable file, bad JSON).
    pub fn failed_to_load(name: Option<String>, problem: impl Into<String>) -> TestReport {
        TestReport {
            name,
            passed: false,
            rules: Vec::new(),
            diagnostics: Vec::new(),
            events: Vec::new(),
            alerts: Vec::new(),
            problems: vec![problem.into()],
            pipeline_failed: false,
            counts: TestCounts::default(),
        }
    }

    pub fn rule_errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }
}

/// Runs a rule test: compiles the rule (with lint, placeholders), reads the events, takes each
/// event's verdict (fired when any rule of the text fires; with `options.logsource_check`, only
/// events of the rule's log source can fire) and grades it against its expectation.
pub fn run(test: &RuleTest) -> TestReport {
    run_with_pipelines(test, &[])
}

/// [`run`], with processing pipelines rewriting the rule before it compiles: `pipelines` (the
/// CLI's `--pipeline`) and the test's own [`RuleTest::pipeline`] (a built-in named both ways
/// applies once). A test whose own pipeline cannot be read fails with the reason as a problem.
pub fn run_with_pipelines(test: &RuleTest, pipelines: &[Pipeline]) -> TestReport {
    let mut problems = Vec::new();
    let all = test_pipelines(test, pipelines, &mut problems);
    let pipeline_failed = all.is_none();
    let compilation = compile_rules(
        &test.rule,
        &CompileOptions {
            placeholders: test.placeholders.clone(),
            lint: true,
            pipelines: all.unwrap_or_default(),
        },
    );
    let no_verdicts = if compilation.has_errors() {
        Some("the rule has errors")
    } else if pipeline_failed {
        Some("the pipeline has errors")
    } else {
        None
    };
    let rule_failed = no_verdicts.is_some();
    if !compilation.has_errors() && compilation.rules.is_empty() {
        problems.push("the rule text holds no detection rule".to_string());
    }
    let rules: Vec<RuleInfo> = compilation
        .rules
        .iter()
        .map(|r| RuleInfo {
            title: r.title.clone(),
            id: r.id.clone(),
        })
        .collect();
    let (evaluator, diagnostics, resolve_failed) = evaluator_for(test, compilation, rule_failed);

    let input = parse_events(&test.events);
    let placement = place_on_events(test, &input);
    let (mut events, fired) = event_results(test, &input, &placement, &evaluator, no_verdicts);
    let alerts = if rule_failed || resolve_failed {
        Vec::new()
    } else {
        let correlations = evaluator.correlations();
        grade_alerts(test, correlations, &fired, &mut events, &mut problems)
    };
    for e in &placement.lost {
        problems.push(lost_expectation(e, events.len()));
    }
    let counts = TestCounts::of(&events);
    if let Some(min) = test.min_fired {
        if !rule_failed && counts.fired < min {
            problems.push(format!(
                "{} event(s) fired; at least {min} should (min_fired)",
                counts.fired
            ));
        }
    }
    let alerts_failed = alerts.iter().any(|a| a.outcome == Outcome::Fail);
    let passed = !rule_failed
        && !resolve_failed
        && problems.is_empty()
        && counts.failed == 0
        && counts.errors == 0
        && !alerts_failed;
    TestReport {
        name: test.name.clone(),
        passed,
        rules,
        diagnostics,
        events,
        alerts,
        problems,
        pipeline_failed,
        counts,
    }
}

/// The pipelines the test runs through: `pipelines`, then the test's own (unless a built-in
/// named both ways). `None` when the test's own cannot be read (the reason goes to `problems`).
fn test_pipelines(
    test: &RuleTest,
    pipelines: &[Pipeline],
    problems: &mut Vec<String>,
) -> Option<Vec<Pipeline>> {
    let mut all = pipelines.to_vec();
    if let Some(choice) = &test.pipeline {
        match choice.load() {
            Ok(own) => {
                let named_already = matches!(choice, PipelineChoice::Builtin(_))
                    && all.iter().any(|p| p.origin == own.origin);
                if !named_already {
                    all.push(own);
                }
            }
            Err(e) => {
                problems.push(e.to_string());
                return None;
            }
        }
    }
    Some(all)
}

/// The evaluator of the compiled rules with the text's filters and correlations, the
/// compilation's diagnostics with those of resolving them, and whether resolving failed.
fn evaluator_for(
    test: &RuleTest,
    compilation: Compilation,
    rule_failed: bool,
) -> (Evaluator, Vec<Diagnostic>, bool) {
    let (compiled, correlations, filters) = if rule_failed {
        (Vec::new(), Vec::new(), Vec::new())
    } else {
        (
            compilation.rules,
            compilation.correlations,
            compilation.filters,
        )
    };
    let (correlations, correlation_diags, filter_warnings) =
        Correlations::resolve(correlations, filters, &compiled);
    let resolve_failed = correlation_diags.iter().any(|(_, d)| d.is_error());
    let mut diagnostics = compilation.diagnostics;
    diagnostics.extend(
        correlation_diags
            .into_iter()
            .chain(filter_warnings)
            .map(|(_, d)| d.locate(&compilation.source)),
    );
    let evaluator = Evaluator::new(compiled, test.options.policy()).with_correlations(correlations);
    (evaluator, diagnostics, resolve_failed)
}

/// Why an expectation has no event to grade.
fn lost_expectation(e: &Expectation, events: usize) -> String {
    let should = if e.should_fire {
        "should fire"
    } else {
        "should not fire"
    };
    match e.key {
        None => format!(
            "an expectation is set for event {} but the events text holds {events} event(s)",
            e.event
        ),
        Some(_) => format!(
            "the expectation for event {} ({should}) was set on an event that is no longer in the events text (edited, removed or replaced): set it again, or delete its \"key\" to keep it by position",
            e.event
        ),
    }
}

/// The rules that fired on one event, for the correlations: (event index, event, rules).
type Fired<'e> = (usize, &'e Event, Vec<usize>);

/// Every event's result graded against its expectation, and what fired on each readable one.
/// `no_verdicts`: why no event gets a verdict (the rule or its pipeline has errors).
fn event_results<'e>(
    test: &RuleTest,
    input: &'e EventInput,
    placement: &Placement,
    evaluator: &Evaluator,
    no_verdicts: Option<&str>,
) -> (Vec<EventResult>, Vec<Fired<'e>>) {
    let source = SourceMap::new(&test.events);
    let mut fired_per_event = Vec::new();
    let mut events = Vec::with_capacity(input.events.len());
    for (index, parsed) in input.events.iter().enumerate() {
        let expected = placement.placed.get(&index).map(|e| e.should_fire);
        let mut excluded = None;
        let (line, verdict, matched, message) = match parsed {
            Err(e) => (
                e.line,
                Verdict::Error,
                Vec::new(),
                Some(format!("{}:{}: {}", e.line, e.column, e.message)),
            ),
            Ok(event) => {
                let line = source.location(event.span.start).line;
                if let Some(why) = no_verdicts {
                    (line, Verdict::Error, Vec::new(), Some(why.to_string()))
                } else {
                    let (v, fired) = evaluator.evaluate_all(event);
                    fired_per_event.push((index, event, fired));
                    excluded = v.excluded_rule.and_then(|r| evaluator.exclusion(r, event));
                    (line, v.verdict, v.matched, v.note)
                }
            }
        };
        events.push(EventResult {
            index,
            line,
            verdict,
            expected,
            outcome: Outcome::grade(verdict, expected),
            matched,
            message,
            excluded,
        });
    }
    (events, fired_per_event)
}

impl TestCounts {
    fn of(events: &[EventResult]) -> TestCounts {
        let mut counts = TestCounts {
            events: events.len(),
            ..TestCounts::default()
        };
        for e in events {
            match e.verdict {
                Verdict::Fired => counts.fired += 1,
                Verdict::NotFired => counts.not_fired += 1,
                Verdict::Error => counts.errors += 1,
            }
            match e.outcome {
                Outcome::Pass => counts.passed += 1,
                Outcome::Fail => counts.failed += 1,
                Outcome::Unchecked => counts.unchecked += 1,
            }
        }
        counts
    }
}

/// Runs the correlations over the events that fired (in input order) and grades every group
/// against the alert expectations. An event the correlations cannot place in time gets a note,
/// not a failure.
fn grade_alerts(
    test: &RuleTest,
    correlations: &Correlations,
    fired: &[Fired],
    events: &mut [EventResult],
    problems: &mut Vec<String>,
) -> Vec<AlertResult> {
    let mut run = correlations.start(test.options.timestamp());
    for (index, event, rules) in fired {
        run.push(*index, event, rules);
    }
    let outcome = run.finish();
    for u in &outcome.untimed {
        if let Some(e) = events.get_mut(u.event) {
            let note = format!("correlations skip it: {}", u.reason);
            e.message = Some(match e.message.take() {
                Some(m) => format!("{m}; {note}"),
                None => note,
            });
        }
    }
    let mut results = Vec::new();
    let mut used = vec![false; test.alert_expectations.len()];
    for (c, rule) in correlations.set.correlations() {
        for group in &outcome.traces[c] {
            let expectation = test
                .alert_expectations
                .iter()
                .position(|e| e.is_about(rule, group));
            if let Some(e) = expectation {
                used[e] = true;
            }
            let alerted = group.windows.iter().any(|w| w.alerted);
            let expected = expectation.map(|e| test.alert_expectations[e].should_alert);
            results.push(AlertResult {
                correlation: rule.title.clone(),
                rule_id: rule.id.clone(),
                group: group.group.iter().cloned().collect(),
                alerted,
                expected,
                outcome: Outcome::grade_alert(alerted, expected),
                summary: group.sentence(rule),
            });
        }
    }
    for (e, _) in used.iter().enumerate().filter(|(_, used)| !**used) {
        let expectation = &test.alert_expectations[e];
        let Some((_, rule)) = correlations
            .set
            .correlations()
            .find(|(_, r)| r.answers_to(&expectation.correlation))
        else {
            problems.push(format!(
                "an alert expectation names correlation '{}', which the rule text does not hold",
                expectation.correlation
            ));
            continue;
        };
        // No event of that group reached the correlation: it did not alert.
        results.push(AlertResult {
            correlation: rule.title.clone(),
            rule_id: rule.id.clone(),
            group: expectation.group.clone(),
            alerted: false,
            expected: Some(expectation.should_alert),
            outcome: Outcome::grade_alert(false, Some(expectation.should_alert)),
            summary: "no event of this group matched a rule the correlation counts".into(),
        });
    }
    results
}
