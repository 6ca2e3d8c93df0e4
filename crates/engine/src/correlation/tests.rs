//! Unit tests: each type, operator, boundary, absent group fields, aliases, chains, time.

use super::fixtures::load;
use super::*;
use crate::event::Event;
use serde_json::json;

const BASE: &str = "title: Failed logon
id: 0e95725d-7320-415d-80f7-004da920fc11
name: failed
logsource: {product: test}
detection:
  selection: {EventID: 4625}
  condition: selection
---
title: Successful logon
name: success
logsource: {product: test}
detection:
  selection: {EventID: 4624}
  condition: selection
---
title: Logoff
name: logoff
logsource: {product: test}
detection:
  selection: {EventID: 4634}
  condition: selection
";

fn correlation(body: &str) -> String {
    format!("{BASE}---\ntitle: Under test\nname: under_test\ncorrelation:\n{body}")
}

/// An event at 09:MM:SS (`at` = "MM:SS"), with extra fields.
fn ev(at: &str, id: i64, extra: serde_json::Value) -> serde_json::Value {
    let mut e = json!({"timestamp": format!("2026-03-01T09:{at}Z"), "EventID": id});
    if let (Some(m), Some(x)) = (e.as_object_mut(), extra.as_object()) {
        m.extend(x.clone());
    }
    e
}

fn outcome_of(text: &str, events: &[serde_json::Value], options: RunOptions) -> (Outcome, usize) {
    let loaded = load(text);
    let errors: Vec<_> = loaded.diags.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    let mut run = loaded.set.start(options);
    for (i, e) in events.iter().enumerate() {
        let e = Event::from_json(e);
        run.push(i, &e, &loaded.matched(&e));
    }
    let last = loaded.correlations.len() - 1;
    (run.finish(), last)
}

/// "group@MM:SS=value" for every alert of the last correlation.
fn alerts(text: &str, events: &[serde_json::Value]) -> Vec<String> {
    let (outcome, last) = outcome_of(text, events, RunOptions::default());
    outcome.alerts[last]
        .iter()
        .map(|a| {
            let g: Vec<&str> = a.group.iter().map(|(_, v)| v.as_str()).collect();
            let end = rfc3339(a.window_end);
            format!("{}@{}={}", g.join("+"), &end[14..19], a.value)
        })
        .collect()
}

fn errors_of(text: &str) -> Vec<String> {
    let loaded = load(text);
    let map = crate::source::SourceMap::new(text);
    loaded
        .diags
        .iter()
        .filter(|d| d.is_error())
        .map(|d| {
            format!(
                "{}: {}",
                map.location(d.span.map_or(0, |s| s.start)),
                d.message
            )
        })
        .collect()
}

fn failures(user: &str, times: &[&str]) -> Vec<serde_json::Value> {
    times
        .iter()
        .map(|t| ev(t, 4625, json!({"User": user})))
        .collect()
}

const BRUTE: &str = "  type: event_count\n  rules: [failed]\n  group-by: [User]\n  timespan: 1m\n";

#[test]
fn event_count_window_includes_both_ends() {
    let text = correlation(&format!("{BRUTE}  condition: {{gte: 2}}\n"));
    // 00:00 and 01:00 are exactly 1m apart: one window; 02:01 is 61 s after 01:00.
    let got = alerts(&text, &failures("alice", &["00:00", "01:00", "02:01"]));
    assert_eq!(got, ["alice@01:00=2"]);
}

#[test]
fn every_operator() {
    let stream = failures("alice", &["00:00", "00:10", "00:20"]);
    let cases = [
        ("gt: 2", vec!["alice@00:20=3"]),
        ("gte: 2", vec!["alice@00:10=2", "alice@00:20=3"]),
        ("lt: 2", vec!["alice@00:00=1"]),
        ("lte: 2", vec!["alice@00:00=1", "alice@00:10=2"]),
        ("eq: 2", vec!["alice@00:10=2"]),
        ("neq: 2", vec!["alice@00:00=1", "alice@00:20=3"]),
        ("lt: 1", vec![]),
    ];
    for (cond, want) in cases {
        let text = correlation(&format!("{BRUTE}  condition: {{{cond}}}\n"));
        assert_eq!(alerts(&text, &stream), want, "{cond}");
    }
}

#[test]
fn equal_timestamps_and_out_of_order_events() {
    let text = correlation(&format!("{BRUTE}  condition: {{gte: 3}}\n"));
    let got = alerts(&text, &failures("alice", &["00:30", "00:00", "00:30"]));
    assert_eq!(got, ["alice@00:30=3"]);
}

#[test]
fn absent_group_fields_do_not_count_and_case_folds() {
    let text = correlation(&format!("{BRUTE}  condition: {{gte: 2}}\n"));
    let mut events = failures("ALICE", &["00:00"]);
    events.push(ev("00:05", 4625, json!({})));
    events.push(ev("00:06", 4625, json!({"User": null})));
    events.push(ev("00:10", 4625, json!({"User": "alice"})));
    events.push(ev("00:11", 4625, json!({"User": "ÉMILE"})));
    events.push(ev("00:12", 4625, json!({"User": "émile"})));
    assert_eq!(alerts(&text, &events), ["alice@00:10=2", "émile@00:12=2"]);
}

#[test]
fn no_group_by_is_one_series() {
    let body =
        "  type: event_count\n  rules: [failed, success]\n  timespan: 1m\n  condition: {gte: 3}\n";
    let events = vec![
        ev("00:00", 4625, json!({"User": "a"})),
        ev("00:01", 4624, json!({})),
        ev("00:02", 4625, json!({"User": "b"})),
    ];
    assert_eq!(alerts(&correlation(body), &events), ["@00:02=3"]);
}

#[test]
fn value_count_counts_distinct_values_case_insensitively() {
    let body = "  type: value_count\n  rules: [failed]\n  group-by: [Host]\n  timespan: 5m\n  condition: {gte: 3, field: User}\n";
    let events: Vec<_> = [
        ("00:00", "a"),
        ("00:10", "A"),
        ("00:20", "b"),
        ("00:30", "c"),
    ]
    .iter()
    .map(|(t, u)| ev(t, 4625, json!({"Host": "h", "User": u})))
    .collect();
    assert_eq!(alerts(&correlation(body), &events), ["h@00:30=3"]);
}

#[test]
fn numeric_types() {
    let events: Vec<_> = [
        ("00:00", json!(10)),
        ("00:10", json!("20")),
        ("00:20", json!("x")),
        ("00:30", json!(40)),
    ]
    .into_iter()
    .map(|(t, b)| ev(t, 4625, json!({"User": "u", "Bytes": b})))
    .collect();
    let run = |kind: &str, cond: &str| {
        let body = format!("  type: {kind}\n  rules: [failed]\n  group-by: [User]\n  timespan: 5m\n  condition: {{{cond}, field: Bytes}}\n");
        alerts(&correlation(&body), &events)
    };
    assert_eq!(
        run("value_sum", "gte: 30"),
        ["u@00:10=30", "u@00:20=30", "u@00:30=70"]
    );
    assert_eq!(run("value_avg", "gt: 20"), ["u@00:30=23.333333333333332"]);
    assert_eq!(run("value_median", "eq: 15"), ["u@00:10=15", "u@00:20=15"]);
    // p90 of [10, 20, 40]: position 1.8 → 20 · 0.2 + 40 · 0.8 = 36.
    assert_eq!(
        run("value_percentile", "gte: 36, percentile: 90"),
        ["u@00:30=36"]
    );
    // A window without a number has no value, so even lt never holds there.
    let no_numbers = vec![ev("00:00", 4625, json!({"User": "u", "Bytes": "none"}))];
    let body = "  type: value_sum\n  rules: [failed]\n  group-by: [User]\n  timespan: 5m\n  condition: {lt: 100, field: Bytes}\n";
    assert!(alerts(&correlation(body), &no_numbers).is_empty());
}

#[test]
fn temporal_and_temporal_ordered() {
    let events = vec![
        ev("00:00", 4624, json!({"User": "u"})),
        ev("00:10", 4625, json!({"User": "u"})),
        ev("00:20", 4625, json!({"User": "v"})),
        ev("00:20", 4624, json!({"User": "v"})),
        ev("00:30", 4624, json!({"User": "v"})),
    ];
    let body = |kind: &str| {
        format!("  type: {kind}\n  rules: [failed, success]\n  group-by: [User]\n  timespan: 1m\n")
    };
    assert_eq!(
        alerts(&correlation(&body("temporal")), &events),
        ["u@00:10=2", "v@00:20=2", "v@00:30=2"]
    );
    // Ordered: u's success came first; v's success at the same instant is not after.
    assert_eq!(
        alerts(&correlation(&body("temporal_ordered")), &events),
        ["v@00:30=2"]
    );
}

#[test]
fn extended_conditions_look_forward_when_negated() {
    let body = "  type: temporal\n  rules: [failed, success]\n  group-by: [User]\n  timespan: 1m\n  condition: failed and not success\n";
    let events = vec![
        ev("00:00", 4625, json!({"User": "a"})),
        ev("00:30", 4624, json!({"User": "a"})),
        ev("01:00", 4625, json!({"User": "b"})),
        ev("03:00", 4634, json!({"User": "z"})),
        ev("02:50", 4625, json!({"User": "c"})),
    ];
    // a succeeded within the minute; b did not; c's minute is not over when the stream ends.
    let (outcome, last) = outcome_of(&correlation(body), &events, RunOptions::default());
    let got: Vec<_> = outcome.alerts[last]
        .iter()
        .map(|a| {
            (
                a.group[0].1.clone(),
                rfc3339(a.window_start),
                a.closing_event,
            )
        })
        .collect();
    assert_eq!(
        got,
        [("b".to_string(), "2026-03-01T09:01:00Z".to_string(), 4)]
    );
    // The sentences name the condition, not "the condition".
    let traced = RunOptions {
        trace: true,
        ..RunOptions::default()
    };
    let (outcome, last) = outcome_of(&correlation(body), &events, traced);
    let rule = &load(&correlation(body)).correlations[last];
    let sentences: Vec<String> = outcome.traces[last]
        .iter()
        .map(|g| g.sentence(rule))
        .collect();
    assert!(
        sentences
            .iter()
            .any(|s| s.starts_with("b: ") && s.contains("(failed and not success held) → alert")),
        "{sentences:?}"
    );
    assert!(
        sentences
            .iter()
            .any(|s| s.starts_with("a: ") && s.contains("failed and not success never held")),
        "{sentences:?}"
    );
}

#[test]
fn aliases_map_fields_per_rule() {
    let body = "  type: temporal\n  rules: [failed, success]\n  aliases:\n    user: {failed: TargetUserName, success: User}\n  group-by: [user]\n  timespan: 1m\n";
    let events = vec![
        ev(
            "00:00",
            4625,
            json!({"TargetUserName": "Alice", "User": "x"}),
        ),
        ev(
            "00:10",
            4624,
            json!({"User": "alice", "TargetUserName": "y"}),
        ),
    ];
    assert_eq!(alerts(&correlation(body), &events), ["alice@00:10=2"]);
    let bad = "  type: temporal\n  rules: [failed, success]\n  aliases:\n    user: {faild: TargetUserName}\n  group-by: [user]\n  timespan: 1m\n";
    let errs = errors_of(&correlation(bad));
    assert!(
        errs.iter().any(|e| e.contains("did you mean 'failed'")),
        "{errs:?}"
    );
}

#[test]
fn chains_count_child_alerts() {
    let text = format!(
        "{}---\ntitle: Bursts\ncorrelation:\n  type: event_count\n  rules: [under_test]\n  group-by: [User]\n  timespan: 10m\n  condition: {{gte: 2}}\n",
        correlation(&format!("{BRUTE}  condition: {{gte: 2}}\n"))
    );
    let (outcome, last) = outcome_of(
        &text,
        &failures("alice", &["00:00", "00:10", "00:20"]),
        RunOptions::default(),
    );
    let child = &outcome.alerts[last - 1];
    assert_eq!(child.len(), 2);
    let parent = &outcome.alerts[last];
    assert_eq!(parent.len(), 1);
    assert_eq!(parent[0].events, [0, 1, 2]);
    assert_eq!(parent[0].child_alerts, [(last - 1, 0), (last - 1, 1)]);
}

#[test]
fn cycles_and_unknown_references_are_located_errors() {
    let text = format!("{BASE}---\ntitle: A\nname: a\ncorrelation:\n  type: event_count\n  rules: [b]\n  timespan: 1m\n  condition: {{gte: 1}}\n---\ntitle: B\nname: b\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: 1m\n  condition: {{gte: 1}}\n");
    let errs = errors_of(&text);
    assert!(errs.iter().any(|e| e.contains("cycle")), "{errs:?}");
    let errs = errors_of(&correlation(
        "  type: event_count\n  rules: [sucess]\n  timespan: 1m\n  condition: {gte: 1}\n",
    ));
    assert_eq!(
        errs,
        ["27:11: 'sucess' names no rule (by name or id); did you mean 'success'?"]
    );
}

#[test]
fn bad_documents_are_refused_with_their_place() {
    let cases = [
        (
            "  type: event_cnt\n  rules: [failed]\n  timespan: 1m\n  condition: {gte: 1}\n",
            "did you mean 'event_count'",
        ),
        (
            "  type: event_count\n  rules: [failed]\n  timespan: 1m\n  condition: {gtee: 1}\n",
            "did you mean 'gte'",
        ),
        (
            "  type: event_count\n  rule: [failed]\n  timespan: 1m\n  condition: {gte: 1}\n",
            "did you mean 'rules'",
        ),
        (
            "  type: event_count\n  timespan: 1m\n  condition: {gte: 1}\n",
            "needs 'rules'",
        ),
        (
            "  type: event_count\n  rules: [failed]\n  condition: {gte: 1}\n",
            "needs a 'timespan'",
        ),
        (
            "  type: event_count\n  rules: [failed]\n  timespan: 1m\n",
            "needs a 'condition'",
        ),
        (
            "  type: value_sum\n  rules: [failed]\n  timespan: 1m\n  condition: {gte: 1}\n",
            "needs 'field'",
        ),
        (
            "  type: event_count\n  rules: [failed]\n  timespan: 1x\n  condition: {gte: 1}\n",
            "timespan '1x'",
        ),
        (
            "  type: event_count\n  rules: [failed]\n  timespan: 1m\n  condition: {gte: many}\n",
            "compares with a number",
        ),
        (
            "  type: temporal\n  rules: [failed]\n  timespan: 1m\n  condition: failed and (\n",
            "condition:",
        ),
        ("  - not a mapping\n", "must be a mapping"),
    ];
    for (body, want) in cases {
        let errs = errors_of(&correlation(body));
        assert!(
            errs.iter()
                .any(|e| e.contains(want) && !e.starts_with("1:1:")),
            "{body}: {errs:?}"
        );
    }
}

#[test]
fn timespan_units() {
    for (ts, millis) in [
        ("30s", 30_000),
        ("2m", 120_000),
        ("1h", 3_600_000),
        ("1d", 86_400_000),
        ("1w", 604_800_000),
        ("1M", 2_629_746_000),
        ("1y", 31_556_952_000),
    ] {
        let loaded = load(&correlation(&format!(
            "  type: event_count\n  rules: [failed]\n  timespan: {ts}\n  condition: {{gte: 1}}\n"
        )));
        assert_eq!(loaded.correlations[0].timespan.millis, millis, "{ts}");
    }
}

#[test]
fn untimed_events_are_reported_and_the_field_can_be_chosen() {
    let text = correlation(&format!("{BRUTE}  condition: {{gte: 1}}\n"));
    let events = vec![
        json!({"EventID": 4625, "User": "a", "timestamp": "yesterday"}),
        json!({"EventID": 4625, "User": "a"}),
        json!({"EventID": 4624, "User": "a"}),
        json!({"EventID": 4625, "User": "a", "@timestamp": "2026-03-01T09:00:00Z", "when": "2026-03-01T10:00:00+01:00"}),
    ];
    let (outcome, last) = outcome_of(&text, &events, RunOptions::default());
    let said: Vec<String> = outcome.untimed.iter().map(ToString::to_string).collect();
    assert_eq!(said.len(), 2, "the success event is no input: {said:?}");
    assert!(
        said[0].starts_with("event 0 has no timestamp: 'timestamp' is 'yesterday'"),
        "{said:?}"
    );
    assert!(
        said[1].starts_with("event 1 has no timestamp: none of @timestamp"),
        "{said:?}"
    );
    assert_eq!(outcome.alerts[last].len(), 1);
    let options = RunOptions {
        timestamp: TimestampField::Named("when".into()),
        ..RunOptions::default()
    };
    let (outcome, last) = outcome_of(&text, &events, options);
    assert_eq!(
        rfc3339(outcome.alerts[last][0].window_end),
        "2026-03-01T09:00:00Z"
    );
    assert_eq!(outcome.untimed.len(), 2);
}

#[test]
fn generate_decides_whether_referenced_rules_report() {
    for (generate, reports) in [("", false), ("  generate: true\n", true)] {
        let loaded = load(&correlation(&format!(
            "{BRUTE}  condition: {{gte: 1}}\n{generate}"
        )));
        assert_eq!(loaded.set.reports_matches_of(0), reports);
        assert!(
            loaded.set.reports_matches_of(1),
            "success is not referenced"
        );
    }
}

#[test]
fn long_bursts_stay_fast() {
    // One group, 50,000 events inside one window: every event alerts; the sweep is linear.
    let text = correlation(&format!("{BRUTE}  condition: {{gte: 1}}\n"));
    let loaded = load(&text);
    let mut run = loaded.set.start(RunOptions::default());
    let started = std::time::Instant::now();
    for i in 0..50_000 {
        let e = Event::from_json(
            &json!({"EventID": 4625, "User": "u", "timestamp": 1_772_355_600_000i64 + i}),
        );
        run.push(i as usize, &e, &[0]);
    }
    let outcome = run.finish();
    assert_eq!(outcome.alerts[0].len(), 50_000);
    assert_eq!(outcome.alerts[0][49_999].value, 50_000.0);
    assert!(
        !outcome.notices.is_empty(),
        "the evidence budget is reached and said"
    );
    assert!(started.elapsed().as_secs() < 60);
}

#[test]
fn each_group_is_explained_in_a_sentence() {
    let text = correlation(&format!("{BRUTE}  condition: {{gte: 2}}\n"));
    let mut events = failures("alice", &["00:00", "00:10", "00:20"]);
    events.extend(failures("bob", &["00:00", "05:00"]));
    let options = RunOptions {
        trace: true,
        ..RunOptions::default()
    };
    let (outcome, last) = outcome_of(&text, &events, options);
    let loaded = load(&text);
    let rule = &loaded.correlations[last];
    let said: Vec<String> = outcome.traces[last]
        .iter()
        .map(|g| g.sentence(rule))
        .collect();
    assert_eq!(
        said,
        [
            "alice: 2 events within 1m (≥ 2) → alert at 2026-03-01T09:00:10Z, and 1 later window",
            "bob: 1 event in every window (never ≥ 2), no alert",
        ]
    );
}

#[test]
fn alerts_print_as_the_cli_prints_them() {
    let text = correlation(&format!("{BRUTE}  condition: {{gte: 2}}\nlevel: high\n"));
    let loaded = load(&text);
    let (outcome, last) = outcome_of(
        &text,
        &failures("Alice", &["00:00", "00:30"]),
        RunOptions::default(),
    );
    let printed = loaded.set.alert_json(&outcome.alerts[last][0]);
    assert_eq!(
        printed,
        json!({"event": 1, "rule_id": null, "title": "Under test", "level": "high",
            "correlation": {"type": "event_count", "group": {"User": "alice"},
                "window_start": "2026-03-01T08:59:30Z", "window_end": "2026-03-01T09:00:30Z",
                "value": 2, "events": [0, 1], "rules": ["0e95725d-7320-415d-80f7-004da920fc11"]}})
    );
}

/// `cargo test -p sigmaplay-engine --lib correlation::tests::throughput -- --ignored --nocapture`
#[test]
#[ignore = "a measurement, not a check"]
fn throughput() {
    let text = correlation("  type: event_count\n  rules: [failed]\n  group-by: [User]\n  timespan: 5m\n  condition: {gte: 10}\n");
    let loaded = load(&text);
    let events: Vec<Event> = (0..1_000_000i64)
        .map(|i| {
            Event::from_json(
                &json!({"EventID": 4625, "User": format!("user{}", i % 10_000),
                "timestamp": 1_772_355_600_000i64 + i * 10}),
            )
        })
        .collect();
    let started = std::time::Instant::now();
    let mut run = loaded.set.start(RunOptions::default());
    for (i, e) in events.iter().enumerate() {
        run.push(i, e, &[0]);
    }
    let outcome = run.finish();
    let took = started.elapsed().as_secs_f64();
    eprintln!(
        "1,000,000 events, 10,000 groups: {:.0} events/s, {} alerts",
        1e6 / took,
        outcome.alerts[0].len()
    );
}

#[test]
fn traces_place_what_each_group_counted() {
    let text = format!(
        "{}---\ntitle: Bursts\ncorrelation:\n  type: event_count\n  rules: [under_test]\n  group-by: [User]\n  timespan: 10m\n  condition: {{gte: 2}}\n",
        correlation(&format!("{BRUTE}  condition: {{gte: 2}}\n"))
    );
    let options = RunOptions {
        trace: true,
        ..RunOptions::default()
    };
    let (outcome, last) = outcome_of(
        &text,
        &failures("alice", &["00:00", "00:10", "00:20"]),
        options,
    );
    // The child counts the three events, each through the one rule it matched.
    let child = &outcome.traces[last - 1][0];
    let events: Vec<usize> = child.counted.iter().map(|c| c.event).collect();
    assert_eq!(events, [0, 1, 2]);
    assert!(child
        .counted
        .iter()
        .all(|c| matches!(c.via, CountedVia::Rule(_))));
    // The chain counts each child alert once (not once per evidence event), at its window end.
    let parent = &outcome.traces[last][0];
    let child_alerts = &outcome.alerts[last - 1];
    let expected: Vec<(i64, CountedVia)> = (0..child_alerts.len())
        .map(|a| {
            let via = CountedVia::Alert {
                correlation: last - 1,
                alert: a,
            };
            (child_alerts[a].window_end, via)
        })
        .collect();
    let got: Vec<(i64, CountedVia)> = parent.counted.iter().map(|c| (c.time, c.via)).collect();
    assert_eq!(got, expected);
    assert_eq!(parent.counted[0].event, child_alerts[0].closing_event);
    let rule = &load(&text).correlations[last];
    assert!(
        parent
            .sentence(rule)
            .starts_with("alice: 2 alerts within 10m (≥ 2) → alert at"),
        "{}",
        parent.sentence(rule)
    );
}
