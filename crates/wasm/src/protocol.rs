//! Messages between the playground page and its Web Worker.
//!
//! The page sends the events text only when it changed ([`WorkerRequest::SetEvents`]; 50 MB must
//! not cross the boundary on every keystroke), then evaluation requests numbered by `job`. The
//! worker evaluates in chunks, reports [`WorkerResponse::Progress`] between them, and drops a job
//! as soon as a newer one arrives, so typing never waits for an old run.

use crate::correlation::{CorrelationReport, FiredRules};
use crate::{CompileReport, EventsSummary, ExplainReport, RuleOptions, Verdict};
use serde::{Deserialize, Serialize};

/// Page → worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum WorkerRequest {
    /// Replace the events (parsed once here, kept for every later evaluation).
    SetEvents { revision: u64, text: String },
    /// Compile the rule and evaluate the current events.
    Evaluate {
        job: u64,
        rule: String,
        options: RuleOptions,
    },
    /// Explain one event with the last rules that compiled.
    Explain { job: u64, event_index: usize },
}

/// Worker → page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum WorkerResponse {
    EventsParsed {
        revision: u64,
        summary: EventsSummary,
    },
    /// Sent first for every `Evaluate`; when the rule has errors no verdicts follow (the page
    /// keeps the last good ones, marked stale).
    Compiled {
        job: u64,
        report: CompileReport,
    },
    Progress {
        job: u64,
        done: usize,
        total: usize,
    },
    Evaluated {
        job: u64,
        events_revision: u64,
        verdicts: Verdicts,
        elapsed_ms: f64,
    },
    Explained {
        job: u64,
        report: ExplainReport,
    },
    /// Sent after `Evaluated`: the rules that fired on each event and the correlations' run
    /// (`None` when the text holds no correlation).
    Correlated {
        job: u64,
        rules: FiredRules,
        report: Option<CorrelationReport>,
    },
    /// Something went wrong inside the worker; said in words, never a raw panic.
    Failed {
        message: String,
    },
}

/// One verdict per event, one byte each (100,000 events cross the boundary cheaply).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdicts(pub Vec<u8>);

impl Verdicts {
    pub fn from_kinds(kinds: &[Verdict]) -> Verdicts {
        Verdicts(kinds.iter().map(|k| Verdicts::code(*k)).collect())
    }

    pub fn extend(&mut self, kinds: &[Verdict]) {
        self.0.extend(kinds.iter().map(|k| Verdicts::code(*k)));
    }

    fn code(kind: Verdict) -> u8 {
        match kind {
            Verdict::NotFired => 0,
            Verdict::Fired => 1,
            Verdict::Error => 2,
        }
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, index: usize) -> Option<Verdict> {
        self.0.get(index).map(|c| match c {
            1 => Verdict::Fired,
            2 => Verdict::Error,
            _ => Verdict::NotFired,
        })
    }

    pub fn iter(&self) -> impl Iterator<Item = Verdict> + '_ {
        (0..self.0.len()).filter_map(|i| self.get(i))
    }

    /// (fired, not fired, error)
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut counts = (0, 0, 0);
        for c in &self.0 {
            match c {
                1 => counts.0 += 1,
                2 => counts.2 += 1,
                _ => counts.1 += 1,
            }
        }
        counts
    }
}

/// Events evaluated between two progress reports (and two chances to notice a newer job).
pub const CHUNK_SIZE: usize = 2_000;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EventErrorView;
    use sigmaplay_engine::{Diagnostic, DiagnosticCode, Location, Span};

    fn round_trip<T: Serialize + for<'de> Deserialize<'de> + PartialEq + std::fmt::Debug>(
        value: T,
    ) {
        let json = serde_json::to_string(&value).unwrap();
        let back: T = serde_json::from_str(&json).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn correlation_reports_cross_json_unchanged() {
        let session = crate::correlation::tests::session();
        round_trip(WorkerResponse::Correlated {
            job: 3,
            rules: session.fired_rules(),
            report: session.correlate(),
        });
    }

    #[test]
    fn requests_round_trip() {
        round_trip(WorkerRequest::SetEvents {
            revision: 3,
            text: "{\"a\": 1}\n".into(),
        });
        let mut options = RuleOptions::with_lint();
        options
            .placeholders
            .insert("Admins".into(), vec!["root".into(), "admin".into()]);
        options.pipeline = Some(sigmaplay_ruletest::PipelineChoice::Custom(
            "name: x\n".into(),
        ));
        round_trip(WorkerRequest::Evaluate {
            job: 9,
            rule: "title: x".into(),
            options,
        });
        round_trip(WorkerRequest::Explain {
            job: 10,
            event_index: 4,
        });
    }

    #[test]
    fn responses_round_trip() {
        round_trip(WorkerResponse::EventsParsed {
            revision: 1,
            summary: EventsSummary {
                format: "JSON Lines".into(),
                suggested_pipeline: Some("ecs_windows".into()),
                count: 2,
                lines: vec![1, 2],
                errors: vec![EventErrorView {
                    index: 1,
                    message: "expected value".into(),
                    line: 2,
                    column: 1,
                }],
                fields: vec![sigmaplay_engine::FieldHint {
                    name: "Image".into(),
                    count: 1,
                    example: "C:\\x\\cmd.exe".into(),
                }],
                keys: Vec::new(),
            },
        });
        round_trip(WorkerResponse::Compiled {
            job: 1,
            report: CompileReport {
                diagnostics: vec![Diagnostic {
                    location: Some(Location { line: 4, column: 5 }),
                    end_location: Some(Location { line: 4, column: 9 }),
                    ..Diagnostic::warning(
                        DiagnosticCode::Structure,
                        "unused",
                        Some(Span { start: 30, end: 34 }),
                    )
                }],
                rules: vec![],
                has_errors: false,
                ..CompileReport::default()
            },
        });
        round_trip(WorkerResponse::Progress {
            job: 1,
            done: 2000,
            total: 10000,
        });
        round_trip(WorkerResponse::Evaluated {
            job: 1,
            events_revision: 1,
            verdicts: Verdicts::from_kinds(&[Verdict::Fired, Verdict::Error]),
            elapsed_ms: 1.5,
        });
        round_trip(WorkerResponse::Explained {
            job: 2,
            report: ExplainReport::default(),
        });
        round_trip(WorkerResponse::Failed {
            message: "x".into(),
        });
    }

    #[test]
    fn verdicts_count_and_decode() {
        let mut v = Verdicts::from_kinds(&[Verdict::Fired, Verdict::NotFired]);
        v.extend(&[Verdict::Error, Verdict::Fired]);
        assert_eq!(v.counts(), (2, 1, 1));
        assert_eq!(v.get(2), Some(Verdict::Error));
        assert_eq!(v.iter().count(), 4);
        assert_eq!(v.get(4), None);
    }
}
