//! What the worker answered: the compile report, the verdicts, the explanation, and the grading
//! of the expectations against the verdicts. Answers to jobs older than the newest are ignored.

use super::{AppState, NewNotice};
use sigmaplay_ruletest::{Outcome, Verdict};
use sigmaplay_wasm::protocol::{Verdicts, WorkerResponse};
use sigmaplay_wasm::EventsSummary;
use std::rc::Rc;

/// The results of the last evaluation that completed with a rule that compiled.
#[derive(Clone, Debug, PartialEq)]
pub struct Results {
    pub job: u64,
    pub verdicts: Rc<Verdicts>,
    pub events: Rc<EventsSummary>,
    pub elapsed_ms: f64,
}

/// Pass/fail of the expectations against the current verdicts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TestTally {
    pub passed: usize,
    pub failed: usize,
}

impl TestTally {
    pub fn total(&self) -> usize {
        self.passed + self.failed
    }
}

/// Outcome of an event's verdict against its expectation (ruletest's grading, as the CLI does).
pub fn grade(verdict: Option<Verdict>, should_fire: Option<bool>) -> Outcome {
    Outcome::grade(verdict.unwrap_or(Verdict::Error), should_fire)
}

impl AppState {
    /// The rule has errors: the results shown are those of the last rule that compiled.
    pub fn stale(&self) -> bool {
        self.compile.as_ref().is_some_and(|c| c.has_errors) && self.results.is_some()
    }

    pub fn verdict(&self, index: usize) -> Option<Verdict> {
        self.results.as_ref().and_then(|r| r.verdicts.get(index))
    }

    /// Outcome of event `index` against its expectation.
    pub fn outcome(&self, index: usize) -> Outcome {
        let should_fire = self.workspace.expectations.get(&index).copied();
        grade(self.verdict(index), should_fire)
    }

    /// Number of events in the results shown (0 before the first results).
    pub fn event_count(&self) -> usize {
        self.results.as_ref().map_or(0, |r| r.verdicts.len())
    }

    /// Expectations for events that the events text no longer has (kept while the text is being
    /// edited; the user can drop them).
    pub fn dangling_expectations(&self) -> usize {
        match &self.results {
            Some(_) => {
                let beyond = self.workspace.expectations.range(self.event_count()..);
                beyond.count() + self.workspace.lost_expectations.len()
            }
            None => 0,
        }
    }

    pub fn tally(&self) -> TestTally {
        let mut tally = TestTally::default();
        let count = self.event_count();
        for &index in self
            .workspace
            .expectations
            .keys()
            .take_while(|&&i| i < count)
        {
            match self.outcome(index) {
                Outcome::Pass => tally.passed += 1,
                Outcome::Fail => tally.failed += 1,
                _ => {}
            }
        }
        let (passed, failed) = self.alert_grades().counts();
        tally.passed += passed;
        tally.failed += failed;
        // "At least N fire" is one more check, once verdicts are in (as `sigmaplay test` grades it).
        if let (Some(min), Some(results)) = (self.workspace.min_fired, &self.results) {
            if results.verdicts.counts().0 >= min {
                tally.passed += 1;
            } else {
                tally.failed += 1;
            }
        }
        tally
    }

    pub(super) fn evaluation_sent(&mut self, job: u64) -> bool {
        self.latest_job = job;
        self.evaluating = true;
        self.progress = None;
        true
    }

    pub(super) fn select(&mut self, index: Option<usize>) -> bool {
        if self.selected == index {
            return false;
        }
        self.selected = index;
        self.explanation = None;
        true
    }

    /// Takes in an answer of the worker; returns whether it changed anything.
    pub(super) fn worker_answered(&mut self, response: WorkerResponse) -> bool {
        match response {
            WorkerResponse::EventsParsed { revision, summary } => {
                if revision == self.events_revision {
                    self.events_summary = Some(Rc::new(summary));
                    self.place_expectations(revision);
                }
            }
            WorkerResponse::Compiled { job, report } => {
                if job != self.latest_job {
                    return false;
                }
                if report.has_errors {
                    // No verdicts follow: the last good ones stay, marked stale.
                    self.evaluating = false;
                    self.progress = None;
                }
                self.compile = Some(report);
            }
            WorkerResponse::Progress { job, done, total } => {
                if job != self.latest_job {
                    return false;
                }
                self.progress = Some((done, total));
            }
            WorkerResponse::Evaluated {
                job,
                events_revision,
                verdicts,
                elapsed_ms,
            } => {
                if job != self.latest_job {
                    return false;
                }
                self.evaluated(job, events_revision, verdicts, elapsed_ms);
            }
            WorkerResponse::Explained { job, report } => {
                if job != self.explain_job {
                    return false;
                }
                self.explanation = Some(Rc::new(report));
            }
            WorkerResponse::Correlated { job, rules, report } => {
                if job != self.latest_job {
                    return false;
                }
                self.correlated(super::Correlated {
                    job,
                    rules,
                    report: report.map(Rc::new),
                });
            }
            WorkerResponse::Failed { message } => {
                self.evaluating = false;
                self.progress = None;
                // Run the work once more on a new worker; a failure of that retry too stays
                // with the notice until the next change (no restart loop on a repeatable bug).
                self.retrying = !self.retrying;
                if self.retrying {
                    self.engine_restarts += 1;
                }
                self.notify(NewNotice::error(message));
            }
        }
        true
    }

    fn evaluated(&mut self, job: u64, events_revision: u64, verdicts: Verdicts, elapsed_ms: f64) {
        self.evaluating = false;
        self.retrying = false;
        self.progress = None;
        let events = match &self.events_summary {
            Some(summary) if events_revision == self.events_revision => summary.clone(),
            _ => Rc::new(EventsSummary::default()),
        };
        if let Some(sel) = self.selected {
            if sel >= verdicts.len() {
                self.selected = None;
            }
        }
        self.results = Some(Results {
            job,
            verdicts: Rc::new(verdicts),
            events,
            elapsed_ms,
        });
    }
}
