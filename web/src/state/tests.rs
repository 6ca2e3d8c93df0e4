//! The reducer's rules, tested natively.

use super::workspace::{format_placeholders, parse_placeholders};
use super::*;
use sigmaplay_engine::{Diagnostic, DiagnosticCode, Location};
use sigmaplay_ruletest::Outcome;
use sigmaplay_ruletest::Verdict;
use sigmaplay_wasm::protocol::Verdicts;

fn reduce(state: Rc<AppState>, action: Action) -> Rc<AppState> {
    state.reduce(action)
}

fn loaded() -> Rc<AppState> {
    let workspace = Workspace {
        rule: "title: r".into(),
        events: "{}\n{}\n".into(),
        ..Workspace::default()
    };
    reduce(
        Rc::new(AppState::default()),
        Action::Load {
            workspace,
            notice: None,
        },
    )
}

fn evaluated(state: Rc<AppState>, job: u64, kinds: &[Verdict]) -> Rc<AppState> {
    let rev = state.events_revision;
    let state = reduce(state, Action::EvaluationSent(job));
    let state = reduce(
        state,
        Action::Worker(WorkerResponse::EventsParsed {
            revision: rev,
            summary: EventsSummary {
                format: "JSON Lines".into(),
                count: kinds.len(),
                lines: vec![1; kinds.len()],
                errors: vec![],
                fields: vec![],
                suggested_pipeline: None,
                keys: vec![],
            },
        }),
    );
    let state = reduce(
        state,
        Action::Worker(WorkerResponse::Compiled {
            job,
            report: CompileReport::default(),
        }),
    );
    reduce(
        state,
        Action::Worker(WorkerResponse::Evaluated {
            job,
            events_revision: rev,
            verdicts: Verdicts::from_kinds(kinds),
            elapsed_ms: 1.0,
        }),
    )
}

fn error_report() -> CompileReport {
    CompileReport {
        diagnostics: vec![Diagnostic {
            location: Some(Location { line: 2, column: 3 }),
            ..Diagnostic::error(DiagnosticCode::Yaml, "bad", None)
        }],
        rules: vec![],
        has_errors: true,
        ..CompileReport::default()
    }
}

#[test]
fn load_marks_loaded_and_syncs_editors() {
    let state = loaded();
    assert!(state.loaded);
    assert_eq!(state.editor_sync, 1);
    assert_eq!(&*state.workspace.rule, "title: r");
}

#[test]
fn broken_rule_keeps_last_results_marked_stale() {
    let state = evaluated(loaded(), 1, &[Verdict::Fired, Verdict::NotFired]);
    assert!(!state.stale());
    let state = reduce(state, Action::RuleEdited("title: [".into()));
    let state = reduce(state, Action::EvaluationSent(2));
    let state = reduce(
        state,
        Action::Worker(WorkerResponse::Compiled {
            job: 2,
            report: error_report(),
        }),
    );
    assert!(state.stale());
    assert!(!state.evaluating);
    assert_eq!(state.verdict(0), Some(Verdict::Fired));
    // Fixed again: fresh results, no longer stale.
    let state = evaluated(state, 3, &[Verdict::NotFired, Verdict::NotFired]);
    assert!(!state.stale());
    assert_eq!(state.verdict(0), Some(Verdict::NotFired));
}

#[test]
fn answers_to_older_jobs_are_ignored() {
    let state = reduce(loaded(), Action::EvaluationSent(5));
    let stale_answer = WorkerResponse::Evaluated {
        job: 4,
        events_revision: state.events_revision,
        verdicts: Verdicts::from_kinds(&[Verdict::Fired]),
        elapsed_ms: 0.0,
    };
    let state = reduce(state, Action::Worker(stale_answer));
    assert!(state.results.is_none());
    assert!(state.evaluating);
    let state = reduce(
        state,
        Action::Worker(WorkerResponse::Progress {
            job: 5,
            done: 2000,
            total: 10000,
        }),
    );
    assert_eq!(state.progress, Some((2000, 10000)));
}

#[test]
fn expectations_grade_pass_and_fail() {
    let state = evaluated(loaded(), 1, &[Verdict::Fired, Verdict::NotFired]);
    let state = reduce(state, Action::SetExpectation(0, Some(true)));
    let state = reduce(state, Action::SetExpectation(1, Some(true)));
    assert_eq!(state.outcome(0), Outcome::Pass);
    assert_eq!(state.outcome(1), Outcome::Fail);
    assert_eq!(
        state.tally(),
        TestTally {
            passed: 1,
            failed: 1
        }
    );
    let state = reduce(state, Action::SetExpectation(1, None));
    assert_eq!(
        state.tally(),
        TestTally {
            passed: 1,
            failed: 0
        }
    );
    assert_eq!(state.outcome(1), Outcome::Unchecked);
}

#[test]
fn workspace_round_trips_through_a_rule_test_and_a_link() {
    let mut workspace = Workspace {
        rule: "title: x\n".into(),
        events: "{\"a\": 1}\n".into(),
        logsource_check: true,
        ..Workspace::default()
    };
    workspace.expectations.insert(0, true);
    workspace
        .placeholders
        .insert("Admins".into(), vec!["root".into()]);
    let test = workspace.to_test();
    assert_eq!(Workspace::from_test(test.clone()), workspace);
    let link = sigmaplay_ruletest::encode_link(&test, "http://localhost:8080/#old").unwrap();
    assert!(link.starts_with("http://localhost:8080/#"));
    let back = sigmaplay_ruletest::decode_link(&link).unwrap();
    assert_eq!(Workspace::from_test(back), workspace);
    // A truncated link is refused with a message, not read as something else.
    let truncated = &link[..link.len() - 10];
    let err = sigmaplay_ruletest::decode_link(truncated).unwrap_err();
    assert!(!err.to_string().is_empty());
}

#[test]
fn large_events_are_previewed_and_clear_expectations() {
    let state = reduce(loaded(), Action::SetExpectation(0, Some(true)));
    let text: String = (0..1000).map(|i| format!("{{\"n\": {i}}}\n")).collect();
    let state = reduce(
        state,
        Action::LargeEventsLoaded {
            source: "big.jsonl".into(),
            text: text.clone().into(),
        },
    );
    let large = state.large_events.as_ref().unwrap();
    assert_eq!(large.bytes, text.len());
    assert!(state.events_editor_text().lines().count() < 210);
    assert_eq!(&*state.workspace.events, text.as_str());
    assert!(state.workspace.expectations.is_empty());
    // Typing in the editor again replaces the large events.
    let state = reduce(state, Action::EventsEdited("{}".into()));
    assert!(state.large_events.is_none());
}

#[test]
fn placeholders_parse_and_format() {
    let map = parse_placeholders("Admins: root, admin\n\n%Users%: bob\nnonsense");
    assert_eq!(map["Admins"], vec!["root", "admin"]);
    assert_eq!(map["Users"], vec!["bob"]);
    assert_eq!(format_placeholders(&map), "Admins: root, admin\nUsers: bob");
}

#[test]
fn autosave_tracks_the_revision_it_stored() {
    let state = loaded();
    let revision = state.workspace_revision;
    let state = reduce(state, Action::RuleEdited("title: changed".into()));
    assert!(state.workspace_revision > revision);
    let state = reduce(state, Action::Saved(revision, Ok(())));
    assert_ne!(state.saved_revision, Some(state.workspace_revision));
    let latest = state.workspace_revision;
    let state = reduce(state, Action::Saved(latest, Err("quota".into())));
    assert_eq!(state.save_error.as_deref(), Some("quota"));
    let state = reduce(state, Action::Saved(latest, Ok(())));
    assert_eq!(state.saved_revision, Some(latest));
    assert_eq!(state.save_error, None);
    // Selecting an event is not a change of the work.
    let state = reduce(state, Action::Select(Some(0)));
    assert_eq!(state.workspace_revision, latest);
}

#[test]
fn one_restore_offer_at_a_time() {
    let mut state = loaded();
    for n in 0..3 {
        state = reduce(
            state,
            Action::Load {
                workspace: Workspace::default(),
                notice: Some(NewNotice::info(format!("loaded {n}")).offering_restore(true)),
            },
        );
    }
    assert_eq!(state.notices.iter().filter(|n| n.offers_restore).count(), 1);
    let id = state.notices[0].id;
    let state = reduce(state, Action::Dismiss(id));
    assert!(state.notices.is_empty());
}

#[test]
fn the_pipeline_picker_keeps_the_custom_text_and_the_test_carries_it() {
    use sigmaplay_ruletest::PipelineChoice;
    let state = loaded();
    assert_eq!(state.pipeline_value(), "");
    let revision = state.workspace_revision;
    let state = reduce(state, Action::SelectPipeline("ecs_windows".into()));
    assert_eq!(state.pipeline_value(), "ecs_windows");
    assert!(state.workspace_revision > revision);
    assert_eq!(
        state.rule_options().pipeline,
        Some(PipelineChoice::Builtin("ecs_windows".into()))
    );
    let state = reduce(state, Action::SelectPipeline("custom".into()));
    assert_eq!(
        state.workspace.pipeline,
        Some(PipelineChoice::Custom(DEFAULT_CUSTOM_PIPELINE.into()))
    );
    let state = reduce(state, Action::PipelineEdited("name: mine\n".into()));
    // Picking a built-in and coming back to custom keeps what was typed.
    let state = reduce(state, Action::SelectPipeline("sysmon".into()));
    let state = reduce(state, Action::SelectPipeline("custom".into()));
    assert_eq!(
        state.workspace.pipeline,
        Some(PipelineChoice::Custom("name: mine\n".into()))
    );
    let test = state.workspace.to_test();
    assert_eq!(Workspace::from_test(test.clone()), state.workspace);
    let link = sigmaplay_ruletest::encode_link(&test, "http://localhost:8080/").unwrap();
    let back = Workspace::from_test(sigmaplay_ruletest::decode_link(&link).unwrap());
    // Loading a test with a custom pipeline puts its text in the editor.
    let reloaded = reduce(
        Rc::new(AppState::default()),
        Action::Load {
            workspace: back,
            notice: None,
        },
    );
    assert_eq!(&*reloaded.custom_pipeline_text, "name: mine\n");
    assert_eq!(reloaded.pipeline_value(), "custom");
    let none = reduce(reloaded, Action::SelectPipeline(String::new()));
    assert_eq!(none.workspace.pipeline, None);
}

fn evtx(records: usize, errors: &[&str]) -> Action {
    Action::EvtxLoaded(sigmaplay_wasm::regression::EvtxRead {
        name: "log.evtx".into(),
        text: "{\"Event\": {}}\n".repeat(records),
        records,
        errors: errors.iter().map(|e| e.to_string()).collect(),
    })
}

#[test]
fn evtx_records_become_the_events_held_outside_the_editor() {
    let state = reduce(loaded(), Action::SetExpectation(0, Some(true)));
    let before = state.events_revision;
    let state = reduce(state, evtx(2, &[]));
    assert_eq!(
        &*state.workspace.events,
        "{\"Event\": {}}\n{\"Event\": {}}\n"
    );
    assert!(state.workspace.expectations.is_empty());
    assert!(state.events_revision > before);
    let large = state
        .large_events
        .as_ref()
        .expect("held outside the editor");
    assert_eq!(large.evtx_records, Some(2));
    // The editor shows what was read, never the records themselves.
    assert!(state
        .events_editor_text()
        .starts_with("# 2 record(s) read from log.evtx"));
    assert!(!state.events_editor_text().contains("Event\""));
    assert!(state.notices.is_empty());
}

#[test]
fn a_damaged_evtx_keeps_the_records_before_the_damage_and_says_where() {
    let state = reduce(
        loaded(),
        evtx(1, &["the file ends inside chunk 0: after record 1"]),
    );
    assert_eq!(state.large_events.as_ref().unwrap().evtx_records, Some(1));
    assert_eq!(state.notices.len(), 1);
    assert_eq!(state.notices[0].level, NoticeLevel::Error);
    assert!(state.notices[0]
        .text
        .contains("log.evtx: the file ends inside chunk 0"));
    // Nothing readable: the events stay as they were.
    let unreadable = reduce(loaded(), evtx(0, &["not a readable .evtx file"]));
    assert_eq!(&*unreadable.workspace.events, "{}\n{}\n");
    assert!(unreadable.large_events.is_none());
    assert_eq!(unreadable.notices.len(), 1);
}

#[test]
fn at_least_n_firing_is_one_more_check_and_travels_with_the_test() {
    let workspace = Workspace {
        rule: "title: r".into(),
        events: "{}\n{}\n".into(),
        min_fired: Some(1),
        ..Workspace::default()
    };
    assert_eq!(Workspace::from_test(workspace.to_test()), workspace);
    let state = reduce(
        Rc::new(AppState::default()),
        Action::Load {
            workspace,
            notice: None,
        },
    );
    assert_eq!(state.tally().total(), 0, "no verdicts yet");
    let one = evaluated(state.clone(), 1, &[Verdict::Fired, Verdict::NotFired]);
    assert_eq!((one.tally().passed, one.tally().failed), (1, 0));
    let none = evaluated(state, 2, &[Verdict::NotFired, Verdict::NotFired]);
    assert_eq!((none.tally().passed, none.tally().failed), (0, 1));
}

/// The summary the worker sends for `text` (its keys included).
fn parsed(state: Rc<AppState>, text: &str) -> Rc<AppState> {
    let state = reduce(state, Action::EventsEdited(text.into()));
    let mut session = sigmaplay_wasm::Session::new();
    let summary = session.set_events(text).clone();
    let revision = state.events_revision;
    reduce(
        state,
        Action::Worker(WorkerResponse::EventsParsed { revision, summary }),
    )
}

#[test]
fn expectations_follow_their_events_by_content() {
    let three = "{\"a\": 1}\n{\"a\": 2}\n{\"a\": 3}\n";
    let state = parsed(loaded(), three);
    let state = reduce(state, Action::SetExpectation(0, Some(true)));
    assert!(state.workspace.expectation_keys.contains_key(&0));
    // Reordered: the expectation moves with its event.
    let state = parsed(state, "{\"a\": 3}\n{\"a\": 2}\n{\"a\": 1}\n");
    assert_eq!(state.workspace.expectations.get(&2), Some(&true));
    assert_eq!(state.workspace.expectations.get(&0), None);
    // Replaced: it is lost (dangling), not given to the new event 0, and kept in the test.
    let state = parsed(state, "{\"b\": 1}\n");
    assert!(state.workspace.expectations.is_empty());
    assert_eq!(state.workspace.lost_expectations.len(), 1);
    let test = state.workspace.to_test();
    assert_eq!(test.expectations.len(), 1);
    assert!(test.expectations[0].key.is_some());
    // The event comes back: placed again.
    let state = parsed(state, three);
    assert_eq!(state.workspace.expectations.get(&0), Some(&true));
    assert!(state.workspace.lost_expectations.is_empty());
    // Dropping dangling expectations drops the lost ones too.
    let state = parsed(state, "{\"c\": 1}\n");
    let state = reduce(state, Action::DropDanglingExpectations);
    assert!(state.workspace.to_test().expectations.is_empty());
}

#[test]
fn a_failed_worker_is_retried_once_per_change() {
    let failed = || {
        Action::Worker(WorkerResponse::Failed {
            message: "The engine stopped".into(),
        })
    };
    let state = evaluated(loaded(), 1, &[Verdict::Fired]);
    let state = reduce(state, Action::EvaluationSent(2));
    let state = reduce(state, failed());
    assert_eq!(
        state.engine_restarts, 1,
        "the first failure runs the work again"
    );
    assert!(state
        .notices
        .iter()
        .any(|n| n.text.contains("engine stopped")));
    let state = reduce(state, Action::EvaluationSent(3));
    let state = reduce(state, failed());
    assert_eq!(
        state.engine_restarts, 1,
        "a retry that fails too is not retried"
    );
    // A change that evaluates again may be retried again, and a success ends the retry.
    let state = evaluated(state, 4, &[Verdict::Fired]);
    assert!(!state.retrying);
    let state = reduce(state, Action::EvaluationSent(5));
    let state = reduce(state, failed());
    assert_eq!(state.engine_restarts, 2);
    assert_eq!(
        state.workspace.rule.as_ref(),
        "title: r",
        "the work is kept"
    );
}
