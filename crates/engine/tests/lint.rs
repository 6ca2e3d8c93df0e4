use sigmaplay_engine::{compile_rules, CompileOptions};

fn codes(rule: &str) -> Vec<(String, usize)> {
    let c = compile_rules(
        rule,
        &CompileOptions {
            lint: true,
            ..Default::default()
        },
    );
    assert!(!c.has_errors(), "{:#?}", c.diagnostics);
    c.diagnostics
        .iter()
        .map(|d| {
            (
                d.code.as_str().to_string(),
                d.location.map_or(0, |l| l.line),
            )
        })
        .collect()
}

#[test]
fn validators_fire_with_locations() {
    let rule = "title: t
logsource:
    product: windows
    foo: bar
tags:
    - attack.t1059
    - attack.t1059
    - Attack.Bad
    - custom.x
references:
    - https://a
    - https://a
realted: x
detection:
    selection:
        Image: '*\\cmd.exe'
        CommandLine|all: ['a', 'b']
        EventID: '4688'
        Payload|base64offset: 'x'
        Name: \"a\\tb\"
        P: 'a**b'
        Q: 'a\\*b'
        R|contains|contains: 'x'
    unused:
        X: 1
    condition: all of them
";
    let got = codes(rule);
    let has = |code: &str, line: usize| got.iter().any(|(c, l)| c == code && *l == line);
    assert!(has("fieldname_logsource", 4), "{got:?}");
    assert!(has("duplicate_tag", 7), "{got:?}");
    assert!(has("tag_format", 8), "{got:?}");
    assert!(has("namespace_tag", 9), "{got:?}");
    assert!(has("duplicate_references", 12), "{got:?}");
    assert!(has("custom_attributes", 13), "{got:?}");
    assert!(has("wildcards_instead_of_modifiers", 16), "{got:?}");
    assert!(has("invalid_modifier_combinations", 17), "{got:?}");
    assert!(has("number_as_string", 18), "{got:?}");
    assert!(has("invalid_modifier_combinations", 19), "{got:?}");
    assert!(has("control_character", 20), "{got:?}");
    assert!(has("double_wildcard", 21), "{got:?}");
    assert!(has("escaped_wildcard", 22), "{got:?}");
    assert!(has("invalid_modifier_combinations", 23), "{got:?}");
    assert!(has("all_of_them_condition", 26), "{got:?}");
    assert!(has("identifier_existence", 1), "{got:?}");
    let rule = "title: t\nid: 929a690e-bef0-4204-a928-ef5e620d6fcc\nlogsource: {product: windows}\ndetection:\n    sel: {a: 1}\n    other: {b: 2}\n    condition: sel\n";
    assert!(codes(rule)
        .iter()
        .any(|(c, l)| c == "dangling_detection" && *l == 6));
    let rule = "title: t\nid: 929a690e-bef0-4204-a928-ef5e620d6fcc\nlogsource: {product: windows}\ndetection:\n    sel: {a: 1}\n    condition: 1 of them\n";
    assert!(codes(rule)
        .iter()
        .any(|(c, _)| c == "them_condition_with_single_detection"));
}
