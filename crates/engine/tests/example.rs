use sigmaplay_engine::{compile_rules, CompileOptions, Event};

fn ev(json: &str) -> Event {
    Event::from_json(&serde_json::from_str(json).unwrap())
}

#[test]
fn default_example_rule() {
    let text = include_str!("data/cmstp.yml");
    let c = compile_rules(
        text,
        &CompileOptions {
            lint: true,
            ..Default::default()
        },
    );
    assert!(!c.has_errors(), "{:#?}", c.diagnostics);
    let rule = &c.rules[0];
    let fire = ev(
        r#"{"EventID": 3, "Image": "C:\\Windows\\System32\\CMSTP.exe", "Initiated": true, "DestinationIp": "93.184.216.34"}"#,
    );
    let local = ev(
        r#"{"EventID": 3, "Image": "C:\\Windows\\System32\\cmstp.exe", "Initiated": "true", "DestinationIp": "10.1.2.3"}"#,
    );
    let ll6 = ev(
        r#"{"EventID": 3, "Image": "C:\\Windows\\System32\\cmstp.exe", "Initiated": "true", "DestinationIp": "fe80::1c2a:3bff:fe4d:5e6f"}"#,
    );
    let other = ev(
        r#"{"EventID": 3, "Image": "C:\\Windows\\System32\\cmstp.exe", "Initiated": "false", "DestinationIp": "93.184.216.34"}"#,
    );
    assert!(rule.matches(&fire));
    assert!(!rule.matches(&local));
    assert!(!rule.matches(&ll6));
    assert!(!rule.matches(&other));
    for e in [&fire, &local, &ll6, &other] {
        assert_eq!(rule.explain(e).matched, rule.matches(e));
    }
    let t = rule.explain(&local);
    println!("{}", serde_json::to_string_pretty(&t).unwrap());
    assert!(t.summary.contains("10.1.2.3"), "{}", t.summary);
    let t = rule.explain(&other);
    println!("{}", t.summary);
    assert!(t.summary.contains("Initiated is 'false'"), "{}", t.summary);
    let t = rule.explain(&fire);
    println!("{}", t.summary);
    let sel = &t.identifiers[0];
    println!("{}", serde_json::to_string_pretty(sel).unwrap());
}
