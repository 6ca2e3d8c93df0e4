//! Running a rule test: a verdict per event, graded against the expectations.

use crate::evaluator::{Evaluator, Verdict};
use crate::file::RuleTest;
use crate::pipeline::PipelineChoice;
use serde::Serialize;
use sigmaplay_engine::{
    compile_rules, parse_events, CompileOptions, Diagnostic, Pipeline, SourceMap,
};

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
    let mut all = pipelines.to_vec();
    let mut pipeline_failed = false;
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
                pipeline_failed = true;
            }
        }
    }
    let compilation = compile_rules(
        &test.rule,
        &CompileOptions {
            placeholders: test.placeholders.clone(),
            lint: true,
            pipelines: all,
        },
    );
    let rule_failed = compilation.has_errors() || pipeline_failed;
    let why_no_verdicts = if compilation.has_errors() {
        "the rule has errors"
    } else {
        "the pipeline has errors"
    };
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
    let compiled = if rule_failed {
        Vec::new()
    } else {
        compilation.rules
    };
    let evaluator = Evaluator::new(compiled, test.options.policy());

    let input = parse_events(&test.events);
    let source = SourceMap::new(&test.events);
    let mut events = Vec::with_capacity(input.events.len());
    for (index, parsed) in input.events.iter().enumerate() {
        let expected = test.expectation(index);
        let (line, verdict, matched, message) = match parsed {
            Err(e) => (
                e.line,
                Verdict::Error,
                Vec::new(),
                Some(format!("{}:{}: {}", e.line, e.column, e.message)),
            ),
            Ok(event) => {
                let line = source.location(event.span.start).line;
                if rule_failed {
                    (
                        line,
                        Verdict::Error,
                        Vec::new(),
                        Some(why_no_verdicts.to_string()),
                    )
                } else {
                    let v = evaluator.evaluate(event);
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
        });
    }
    for e in &test.expectations {
        if e.event >= events.len() {
            problems.push(format!(
                "an expectation is set for event {} but the events text holds {} event(s)",
                e.event,
                events.len()
            ));
        }
    }

    let mut counts = TestCounts {
        events: events.len(),
        ..TestCounts::default()
    };
    for e in &events {
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
    if let Some(min) = test.min_fired {
        if !rule_failed && counts.fired < min {
            problems.push(format!(
                "{} event(s) fired; at least {min} should (min_fired)",
                counts.fired
            ));
        }
    }
    let passed = !rule_failed && problems.is_empty() && counts.failed == 0 && counts.errors == 0;
    TestReport {
        name: test.name.clone(),
        passed,
        rules,
        diagnostics: compilation.diagnostics,
        events,
        problems,
        pipeline_failed,
        counts,
    }
}
