//! Rule tests over correlation rules and filters: alerts graded per group, filtered events
//! explained.

use sigmaplay_ruletest::*;
use std::collections::BTreeMap;

const RULES: &str = include_str!("../../../tests/cli/correlations/brute.yml");
const FILTER: &str = include_str!("../../../tests/cli/correlations/admin-hosts.yml");
const EVENTS: &str = include_str!("../../../tests/cli/correlations/logons.jsonl");

fn expect(group_user: &str, should_alert: bool) -> AlertExpectation {
    AlertExpectation {
        correlation: "Brute force".into(),
        group: BTreeMap::from([("TargetUserName".to_string(), group_user.to_string())]),
        should_alert,
    }
}

#[test]
fn correlation_groups_are_graded() {
    let mut test = RuleTest::new(RULES, EVENTS);
    // Group values compare case-insensitively: "ALICE" is the group of "alice" and "Alice".
    test.alert_expectations = vec![expect("ALICE", true), expect("bob", false)];
    let report = run(&test);
    assert!(report.passed, "{report:#?}");
    let alice = report
        .alerts
        .iter()
        .find(|a| a.group["TargetUserName"] == "alice")
        .unwrap();
    assert!(alice.alerted);
    assert_eq!(alice.outcome, Outcome::Pass);
    assert!(
        alice.summary.contains("alert at 2026-03-01T09:02:00Z"),
        "{}",
        alice.summary
    );
    // Event 4 has no timestamp: said on the event (never silently dropped), not a failure.
    let note = report.events[4].message.as_deref().unwrap_or_default();
    assert!(
        note.contains("correlations skip it: none of @timestamp"),
        "{note}"
    );

    // The wrong expectation fails, with the reason.
    test.alert_expectations = vec![expect("bob", true)];
    let report = run(&test);
    assert!(!report.passed);
    let bob = report.alerts.iter().find(|a| a.expected.is_some()).unwrap();
    assert_eq!(bob.outcome, Outcome::Fail);
    assert!(bob.summary.starts_with("bob: 1 "), "{}", bob.summary);
    let xml = junit_xml([("t.json", &report)]);
    assert!(
        xml.contains(r#"Brute force {&quot;TargetUserName&quot;:&quot;bob&quot;} should alert"#),
        "{xml}"
    );
    assert!(xml.contains("failures=\"1\""), "{xml}");
}

#[test]
fn expectations_for_groups_the_events_never_formed() {
    let mut test = RuleTest::new(RULES, EVENTS);
    test.alert_expectations = vec![expect("carol", false)];
    let report = run(&test);
    let carol = report.alerts.iter().find(|a| a.expected.is_some()).unwrap();
    assert!(!carol.alerted);
    assert_eq!(carol.outcome, Outcome::Pass);

    test.alert_expectations = vec![AlertExpectation {
        correlation: "Brute forse".into(),
        group: BTreeMap::new(),
        should_alert: true,
    }];
    let report = run(&test);
    assert!(!report.passed);
    assert!(
        report.problems.iter().any(|p| p.contains("'Brute forse'")),
        "{:?}",
        report.problems
    );
}

#[test]
fn a_filter_removes_events_and_says_why() {
    let text = format!("{RULES}\n---\n{FILTER}");
    let mut test = RuleTest::new(text, EVENTS);
    test.alert_expectations = vec![expect("alice", false)];
    let report = run(&test);
    // ADM01's failure is filtered out: alice has 2 failures in the window, below 3.
    assert!(report.passed, "{report:#?}");
    let adm = &report.events[1];
    assert_eq!(adm.verdict, Verdict::NotFired);
    let excluded = adm.excluded.as_ref().expect("the filter removed event 1");
    let said = excluded.to_string();
    assert!(
        said.starts_with("excluded by filter 'Admin hosts' (line "),
        "{said}"
    );
    assert!(said.contains("ADM"), "{said}");
    assert_eq!(report.events[0].verdict, Verdict::Fired);
    assert!(report.events[0].excluded.is_none());
}

#[test]
fn alert_expectations_round_trip_and_raise_the_format() {
    let mut test = RuleTest::new(RULES, EVENTS);
    test.alert_expectations = vec![expect("alice", true)];
    test.options.timestamp_field = Some("@timestamp".into());
    let json = test.to_json();
    assert!(json.contains("\"format\": \"sigmaplay-test/2\""), "{json}");
    assert_eq!(RuleTest::from_json(&json).unwrap(), test);
    let link = encode_link(&test, "https://x/").unwrap();
    assert_eq!(decode_link(&link).unwrap(), test);
    // A version 1 file still opens.
    let v1 = r#"{"format":"sigmaplay-test/1","rule":"title: x","expectations":[{"event":0,"should_fire":true}]}"#;
    assert_eq!(RuleTest::from_json(v1).unwrap().expectations.len(), 1);
}
