//! Running rule tests through the engine.

use sigmaplay_ruletest::*;

const RULE: &str = r#"title: Cmd Echo
id: 11111111-2222-4333-8444-555555555555
status: test
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\cmd.exe'
        CommandLine|contains: 'echo'
    filter:
        User: 'SYSTEM'
    condition: selection and not filter
level: low
"#;

const EVENTS: &str = r#"{"Image": "C:\\Windows\\System32\\cmd.exe", "CommandLine": "cmd /c echo hi", "User": "alice"}
{"Image": "C:\\Windows\\System32\\cmd.exe", "CommandLine": "cmd /c echo hi", "User": "SYSTEM"}
{"Image": "C:\\Windows\\System32\\cmd.exe", "CommandLine": "cmd /c dir"}
"#;

fn test_with(expect: &[(usize, bool)]) -> RuleTest {
    let mut t = RuleTest::new(RULE, EVENTS);
    for &(i, f) in expect {
        t.set_expectation(i, Some(f));
    }
    t
}

#[test]
fn passes_when_every_expectation_holds() {
    let r = run(&test_with(&[(0, true), (1, false), (2, false)]));
    assert!(r.passed, "{r:#?}");
    assert_eq!(r.rules.len(), 1);
    assert_eq!(r.rules[0].title, "Cmd Echo");
    let verdicts: Vec<Verdict> = r.events.iter().map(|e| e.verdict).collect();
    assert_eq!(
        verdicts,
        [Verdict::Fired, Verdict::NotFired, Verdict::NotFired]
    );
    assert_eq!(r.events[0].matched, ["selection"]);
    assert_eq!(
        r.events.iter().map(|e| e.line).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(
        r.counts,
        TestCounts {
            events: 3,
            fired: 1,
            not_fired: 2,
            errors: 0,
            passed: 3,
            failed: 0,
            unchecked: 0
        }
    );
}

#[test]
fn fails_on_a_wrong_expectation() {
    let r = run(&test_with(&[(0, true), (1, true)]));
    assert!(!r.passed);
    assert_eq!(r.events[1].outcome, Outcome::Fail);
    assert_eq!(r.events[2].outcome, Outcome::Unchecked);
    assert_eq!(r.counts.failed, 1);
    let xml = junit_xml([("t.json", &r)]);
    assert!(xml.contains("failures=\"1\""), "{xml}");
}

#[test]
fn no_expectations_passes_vacuously() {
    let r = run(&test_with(&[]));
    assert!(r.passed);
    assert_eq!(r.counts.unchecked, 3);
}

#[test]
fn rule_errors_fail_the_test_with_located_diagnostics() {
    let mut t = test_with(&[(0, true)]);
    t.rule = t.rule.replace("endswith", "endwith");
    let r = run(&t);
    assert!(!r.passed);
    let err = r.rule_errors().next().expect("an error");
    assert!(err.message.contains("endswith"), "{}", err.message);
    assert_eq!(err.location.map(|l| l.line), Some(9));
    assert!(r.events.iter().all(|e| e.verdict == Verdict::Error));
}

#[test]
fn unreadable_events_and_missing_events_fail() {
    let mut t = test_with(&[(0, true)]);
    t.events = format!("{}{{\"Image\": oops}}\n", EVENTS);
    let r = run(&t);
    assert!(!r.passed);
    assert_eq!(r.events.len(), 4);
    assert_eq!(r.events[3].verdict, Verdict::Error);
    assert_eq!(r.events[3].line, 4);

    let r = run(&test_with(&[(0, true), (7, false)]));
    assert!(!r.passed);
    assert!(r.problems[0].contains("event 7"), "{:?}", r.problems);
}

#[test]
fn empty_rule_text_is_a_problem() {
    let r = run(&RuleTest::new("", EVENTS));
    assert!(!r.passed);
    assert!(!r.problems.is_empty() || r.rule_errors().next().is_some());
}

#[test]
fn placeholders_are_used() {
    let rule = RULE.replace("User: 'SYSTEM'", "User|expand: '%Service%'");
    let mut t = RuleTest::new(rule, EVENTS);
    t.placeholders
        .insert("Service".into(), vec!["alice".into()]);
    t.set_expectation(0, Some(false));
    t.set_expectation(1, Some(true));
    let r = run(&t);
    assert!(r.passed, "{r:#?}");
}

#[test]
fn report_serializes() {
    let r = run(&test_with(&[(0, true)]));
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["events"][0]["verdict"], "fired");
    assert_eq!(v["events"][0]["outcome"], "pass");
    assert_eq!(v["events"][1]["outcome"], "unchecked");
}

#[test]
fn logsource_check_and_field_mappings() {
    // A Sysmon file event (11) carrying the rule's fields, and a Security 4688 event whose
    // process image is in NewProcessName (mapped to Image for process_creation rules).
    let events = r#"{"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 11, "Image": "C:\\Windows\\System32\\cmd.exe", "CommandLine": "cmd /c echo hi"}
{"Channel": "Security", "EventID": 4688, "NewProcessName": "C:\\Windows\\System32\\cmd.exe", "CommandLine": "cmd /c echo hi"}
{"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 1, "Image": "C:\\Windows\\System32\\cmd.exe", "CommandLine": "cmd /c echo hi"}
"#;
    let mut t = RuleTest::new(RULE, events);
    let r = run(&t);
    assert_eq!(r.events[0].verdict, Verdict::Fired, "{r:#?}");
    assert!(
        r.events[0]
            .message
            .as_deref()
            .unwrap_or("")
            .contains("log source"),
        "{r:#?}"
    );
    assert_eq!(
        r.events[1].verdict,
        Verdict::Fired,
        "4688 via NewProcessName: {r:#?}"
    );
    assert_eq!(r.events[2].verdict, Verdict::Fired);
    assert_eq!(r.events[2].message, None);

    t.options.logsource_check = true;
    let r = run(&t);
    assert_eq!(r.events[0].verdict, Verdict::NotFired, "{r:#?}");
    assert_eq!(r.events[1].verdict, Verdict::Fired);
    assert_eq!(r.events[2].verdict, Verdict::Fired);
}

const ECS_EVENTS: &str = r#"{"ecs": {"version": "1.12.0"}, "winlog": {"channel": "Microsoft-Windows-Sysmon/Operational", "event_id": 1}, "event": {"code": "1"}, "process": {"executable": "C:\\Windows\\System32\\cmd.exe", "command_line": "cmd /c echo hi"}}
{"ecs": {"version": "1.12.0"}, "winlog": {"channel": "Microsoft-Windows-Sysmon/Operational", "event_id": 1}, "event": {"code": "1"}, "process": {"executable": "C:\\Windows\\System32\\cmd.exe", "command_line": "cmd /c dir"}}
"#;

#[test]
fn the_tests_own_pipeline_applies() {
    let mut t = RuleTest::new(RULE, ECS_EVENTS);
    t.set_expectation(0, Some(true));
    t.set_expectation(1, Some(false));
    let without = run(&t);
    assert!(
        !without.passed,
        "ECS events need the pipeline: {without:#?}"
    );
    t.pipeline = Some(PipelineChoice::Builtin("ecs_windows".into()));
    let with = run(&t);
    assert!(with.passed, "{with:#?}");
    assert!(!with.pipeline_failed);
    // Named on the command line too: applied once, same result.
    let ecs = sigmaplay_engine::builtin_pipeline("ecs_windows").unwrap();
    assert_eq!(run_with_pipelines(&t, &[ecs]), with);
}

#[test]
fn a_custom_pipeline_applies_and_its_errors_fail_the_test() {
    let mut t = RuleTest::new(RULE, ECS_EVENTS);
    t.set_expectation(0, Some(true));
    t.pipeline = Some(PipelineChoice::Custom(
        "name: mine\ntransformations:\n  - id: ecs\n    type: field_name_mapping\n    mapping:\n      Image: process.executable\n      CommandLine: process.command_line\n      User: user.name\n".into(),
    ));
    let r = run(&t);
    assert!(r.passed, "{r:#?}");
    t.pipeline = Some(PipelineChoice::Custom(
        "transformations:\n  - id: x\n    type: no_such_type\n".into(),
    ));
    let r = run(&t);
    assert!(!r.passed);
    assert!(
        r.problems
            .iter()
            .any(|p| p.contains("custom pipeline") && p.contains("3:")),
        "{:?}",
        r.problems
    );
    assert!(r.pipeline_failed);
    assert!(r.pipeline_failed);
    assert!(r.events.iter().all(|e| e.verdict == Verdict::Error));
    t.pipeline = Some(PipelineChoice::Builtin("no_such".into()));
    let r = run(&t);
    assert!(r
        .problems
        .iter()
        .any(|p| p.contains("no built-in pipeline 'no_such'")));
}

#[test]
fn keyed_expectations_follow_their_events_in_files() {
    // Keys are what the page writes: the expectation is about event 0's content.
    let keys = event_keys(EVENTS, &sigmaplay_engine::parse_events(EVENTS));
    let mut t = RuleTest::new(RULE, EVENTS);
    t.expectations = vec![Expectation {
        event: 0,
        should_fire: true,
        key: Some(keys[0].clone()),
    }];
    assert!(run(&t).passed);
    // The events reordered in the file: the expectation still grades its own event.
    let lines: Vec<&str> = EVENTS.lines().collect();
    t.events = format!("{}\n{}\n{}\n", lines[2], lines[1], lines[0]);
    let report = run(&t);
    assert!(report.passed, "{:?}", report.problems);
    assert_eq!(report.events[2].expected, Some(true));
    assert_eq!(report.events[0].expected, None);
    // Replaced by another event: not graded on it, a problem that says why.
    t.events = format!("{}\n", lines[2]);
    let report = run(&t);
    assert!(!report.passed);
    assert_eq!(report.events[0].expected, None);
    assert!(
        report.problems[0].contains("was set on an event that is no longer in the events text"),
        "{:?}",
        report.problems
    );
    // Through the file format and back, keys are kept.
    let back = RuleTest::from_json(&t.to_json()).unwrap();
    assert_eq!(back.expectations[0].key, Some(keys[0].clone()));
}
