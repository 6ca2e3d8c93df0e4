//! The correlations' side of the state: the worker's run over the events (which rules fired on
//! each event, every correlation's groups and alerts), the alert the user selected, the
//! expectations per correlation group (graded as ruletest grades them) and the timestamp field.

use super::AppState;
use sigmaplay_engine::GroupTrace;
use sigmaplay_ruletest::{AlertExpectation, Outcome};
use sigmaplay_wasm::correlation::{CorrelationReport, CorrelationView, FiredRules};
use std::rc::Rc;

/// What the worker sent after the verdicts of job `job`.
#[derive(Clone, Debug, PartialEq)]
pub struct Correlated {
    pub job: u64,
    pub rules: FiredRules,
    /// `None` when the rule text holds no correlation.
    pub report: Option<Rc<CorrelationReport>>,
}

/// A group's expectation and how its alert (or none) grades against it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GroupGrade {
    pub expected: Option<bool>,
    pub outcome: Outcome,
}

/// The grades of every correlation group (`groups[c][g]`), and the expectations about groups
/// the events do not form (graded as not alerting, as `sigmaplay test` does).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AlertGrades {
    pub groups: Vec<Vec<GroupGrade>>,
    pub unformed: Vec<(AlertExpectation, Outcome)>,
}

impl AlertGrades {
    /// (passed, failed) over every graded group.
    pub fn counts(&self) -> (usize, usize) {
        let outcomes = self
            .groups
            .iter()
            .flatten()
            .map(|g| g.outcome)
            .chain(self.unformed.iter().map(|(_, o)| *o));
        outcomes.fold((0, 0), |(pass, fail), o| match o {
            Outcome::Pass => (pass + 1, fail),
            Outcome::Fail => (pass, fail + 1),
            Outcome::Unchecked => (pass, fail),
        })
    }
}

fn is_about(expectation: &AlertExpectation, view: &CorrelationView, group: &GroupTrace) -> bool {
    let names = [view.id.as_deref(), view.name.as_deref(), Some(&view.title)];
    names.contains(&Some(expectation.correlation.as_str()))
        && group.is_group(
            expectation
                .group
                .iter()
                .map(|(f, v)| (f.as_str(), v.as_str())),
        )
}

impl AppState {
    /// The correlations' run for the results shown (none before the first results).
    pub fn correlation_report(&self) -> Option<&CorrelationReport> {
        self.results.as_ref()?;
        self.correlated.as_ref()?.report.as_deref()
    }

    /// The report for the panel (shared, not copied, on every render).
    pub fn correlation_report_rc(&self) -> Option<Rc<CorrelationReport>> {
        self.results.as_ref()?;
        self.correlated.as_ref()?.report.clone()
    }

    /// The rules that fired on each event of the results shown.
    pub fn correlated_shown(&self) -> Option<Rc<Correlated>> {
        self.results.as_ref()?;
        self.correlated.clone()
    }

    pub fn alert_grades(&self) -> AlertGrades {
        let Some(report) = self.correlation_report() else {
            return AlertGrades::default();
        };
        let expectations = &self.workspace.alert_expectations;
        let mut used = vec![false; expectations.len()];
        let groups = report
            .correlations
            .iter()
            .map(|view| {
                view.groups
                    .iter()
                    .map(|g| {
                        let found = expectations
                            .iter()
                            .position(|e| is_about(e, view, &g.trace));
                        if let Some(e) = found {
                            used[e] = true;
                        }
                        let expected = found.map(|e| expectations[e].should_alert);
                        GroupGrade {
                            expected,
                            outcome: Outcome::grade_alert(g.alerted, expected),
                        }
                    })
                    .collect()
            })
            .collect();
        let unformed = expectations
            .iter()
            .zip(&used)
            .filter(|(_, used)| !**used)
            .map(|(e, _)| (e.clone(), Outcome::grade_alert(false, Some(e.should_alert))))
            .collect();
        AlertGrades { groups, unformed }
    }

    pub(super) fn correlated(&mut self, correlated: Correlated) {
        let keeps_selection = self.selected_alert.is_some_and(|(c, a)| {
            correlated
                .report
                .as_ref()
                .and_then(|r| r.correlations.get(c))
                .is_some_and(|v| a < v.alerts.len())
        });
        if !keeps_selection {
            self.selected_alert = None;
        }
        self.correlated = Some(Rc::new(correlated));
    }

    pub(super) fn select_alert(&mut self, alert: Option<(usize, usize)>) -> bool {
        if self.selected_alert == alert {
            return false;
        }
        self.selected_alert = alert;
        true
    }

    /// Sets (or, with `None`, clears) the expectation of group `group` of correlation
    /// `correlation` of the report shown.
    pub(super) fn set_alert_expectation(
        &mut self,
        correlation: usize,
        group: usize,
        should_alert: Option<bool>,
    ) -> bool {
        let Some(view) = self
            .correlation_report()
            .and_then(|r| r.correlations.get(correlation))
            .cloned()
        else {
            return false;
        };
        let Some(trace) = view.groups.get(group).map(|g| &g.trace) else {
            return false;
        };
        let expectations = &mut self.workspace.alert_expectations;
        expectations.retain(|e| !is_about(e, &view, trace));
        if let Some(should_alert) = should_alert {
            expectations.push(AlertExpectation {
                correlation: view.reference().to_string(),
                group: trace.group.iter().cloned().collect(),
                should_alert,
            });
        }
        self.share = None;
        true
    }

    pub(super) fn timestamp_field_edited(&mut self, text: &str) -> bool {
        let field = Some(text.trim().to_string()).filter(|f| !f.is_empty());
        if field == self.workspace.timestamp_field {
            return false;
        }
        self.workspace.timestamp_field = field;
        self.share = None;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{Action, Workspace};
    use sigmaplay_wasm::protocol::{Verdicts, WorkerResponse};
    use sigmaplay_wasm::Session;
    use yew::Reducible;

    const LESSON: &str = "brute-force";

    /// The brute-force lesson evaluated by a real session, its answers fed to the reducer.
    fn evaluated(workspace: Workspace) -> Rc<AppState> {
        let mut state = Rc::new(AppState::default()).reduce(Action::Load {
            workspace,
            notice: None,
        });
        let mut session = Session::new();
        let summary = session.set_events(&state.workspace.events).clone();
        let report = session.set_rule(&state.workspace.rule, &state.rule_options());
        let verdicts = session.evaluate_chunk(0, usize::MAX);
        let job = 1;
        let revision = state.events_revision;
        for action in [
            Action::EvaluationSent(job),
            Action::Worker(WorkerResponse::EventsParsed { revision, summary }),
            Action::Worker(WorkerResponse::Compiled { job, report }),
            Action::Worker(WorkerResponse::Evaluated {
                job,
                events_revision: revision,
                verdicts: Verdicts::from_kinds(&verdicts),
                elapsed_ms: 1.0,
            }),
            Action::Worker(WorkerResponse::Correlated {
                job,
                rules: session.fired_rules(),
                report: session.correlate(),
            }),
        ] {
            state = state.reduce(action);
        }
        state
    }

    fn lesson() -> Workspace {
        crate::lessons::find(LESSON).unwrap().workspace()
    }

    #[test]
    fn groups_are_graded_against_their_expectations() {
        let state = evaluated(lesson());
        let report = state.correlation_report().expect("a correlation ran");
        let groups = &report.correlations[0].groups;
        let grades = state.alert_grades();
        let alice = groups
            .iter()
            .position(|g| g.trace.label() == "alice")
            .unwrap();
        assert!(groups[alice].alerted);
        assert_eq!(grades.groups[0][alice].expected, Some(true));
        assert_eq!(grades.groups[0][alice].outcome, Outcome::Pass);
        assert!(grades.unformed.is_empty());
        // Two event expectations and two group expectations, all passing.
        assert_eq!((state.tally().passed, state.tally().failed), (4, 0));
        assert_eq!(state.correlated_shown().unwrap().rules.of(0), &[0]);
    }

    #[test]
    fn setting_a_group_expectation_replaces_the_old_one_and_travels_in_the_link() {
        let state = evaluated(lesson());
        let groups = &state.correlation_report().unwrap().correlations[0].groups;
        let alice = groups
            .iter()
            .position(|g| g.trace.label() == "alice")
            .unwrap();
        let state = state.reduce(Action::SetAlertExpectation {
            correlation: 0,
            group: alice,
            should_alert: Some(false),
        });
        assert_eq!(state.workspace.alert_expectations.len(), 2);
        assert_eq!(state.alert_grades().groups[0][alice].outcome, Outcome::Fail);
        assert_eq!(state.tally().failed, 1);
        let state = state.reduce(Action::TimestampFieldEdited(" @timestamp ".into()));
        let test = state.workspace.to_test();
        let link = sigmaplay_ruletest::encode_link(&test, "http://localhost/").unwrap();
        let back = Workspace::from_test(sigmaplay_ruletest::decode_link(&link).unwrap());
        assert_eq!(back, state.workspace);
        assert_eq!(back.timestamp_field.as_deref(), Some("@timestamp"));
        let cleared = state.reduce(Action::SetAlertExpectation {
            correlation: 0,
            group: alice,
            should_alert: None,
        });
        assert_eq!(cleared.workspace.alert_expectations.len(), 1);
        assert_eq!(cleared.alert_grades().groups[0][alice].expected, None);
    }

    #[test]
    fn an_expectation_for_a_group_the_events_do_not_form_fails_when_it_should_alert() {
        let mut workspace = lesson();
        workspace.alert_expectations.push(AlertExpectation {
            correlation: "Brute force against one account".into(),
            group: [("TargetUserName".to_string(), "mallory".to_string())].into(),
            should_alert: true,
        });
        let state = evaluated(workspace);
        let grades = state.alert_grades();
        assert_eq!(grades.unformed.len(), 1);
        assert_eq!(grades.unformed[0].1, Outcome::Fail);
        assert_eq!(state.tally().failed, 1);
    }

    #[test]
    fn an_alert_is_selected_and_an_older_job_is_ignored() {
        let state = evaluated(lesson());
        let state = state.reduce(Action::SelectAlert(Some((0, 0))));
        assert_eq!(state.selected_alert, Some((0, 0)));
        let before = state.correlated.clone();
        let state = state.reduce(Action::Worker(WorkerResponse::Correlated {
            job: 0,
            rules: FiredRules::default(),
            report: None,
        }));
        assert_eq!(state.correlated, before);
    }
}
