//! The trace survives JSON unchanged: traces of real rules on real events serialize and read back
//! equal, so the worker can send the engine's own type and the page read it.

use sigmaplay_engine::{compile_rules, parse_events, CompileOptions, MatchTrace};

const RULES: &[&str] = &[
    include_str!("../../../tests/cli/rules/whoami.yml"),
    include_str!("../../../tests/cli/rules/keywords.yml"),
    include_str!("../../../tests/cli/placeholder.yml"),
    include_str!("data/cmstp.yml"),
];
const EVENTS: &[&str] = &[
    include_str!("../../../tests/cli/events/mixed.jsonl"),
    include_str!("../../../tests/cli/events/security.jsonl"),
];

#[test]
fn traces_round_trip_through_json() {
    let mut options = CompileOptions::default();
    options
        .placeholders
        .insert("Admins".into(), vec!["alice".into(), "bob*".into()]);
    let mut traces = 0;
    for rule_text in RULES {
        let compiled = compile_rules(rule_text, &options);
        for rule in &compiled.rules {
            for events_text in EVENTS {
                for event in parse_events(events_text).events.iter().flatten() {
                    let trace = rule.explain(event);
                    let json = serde_json::to_string(&trace).unwrap();
                    let back: MatchTrace = serde_json::from_str(&json).unwrap();
                    assert_eq!(back, trace, "{json}");
                    traces += 1;
                }
            }
        }
    }
    assert!(traces >= 12, "only {traces} traces");
}
