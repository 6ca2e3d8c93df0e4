//! Rule + event + expected verdict, per modifier and per edge case of the reference
//! (../shared/docs/sigma-semantics.md), and error cases with their locations.

use sigmaplay_engine::{compile_rules, CompileOptions, Event};
use std::collections::BTreeMap;

fn rule_with(detection: &str) -> String {
    format!("title: t\nid: 929a690e-bef0-4204-a928-ef5e620d6fcc\nlogsource:\n    product: test\ndetection:\n{detection}")
}

fn fires_opts(detection: &str, event: &str, opts: &CompileOptions) -> bool {
    let text = rule_with(detection);
    let c = compile_rules(&text, opts);
    assert!(!c.has_errors(), "{text}\n{:#?}", c.diagnostics);
    let ev = Event::from_json(&serde_json::from_str(event).unwrap());
    let r = &c.rules[0];
    let fast = r.matches(&ev);
    assert_eq!(
        fast,
        r.explain(&ev).matched,
        "paths disagree: {detection} on {event}"
    );
    fast
}

fn fires(detection: &str, event: &str) -> bool {
    fires_opts(detection, event, &CompileOptions::default())
}

/// The first error: (line, column, message).
fn error(detection: &str) -> (usize, usize, String) {
    let text = rule_with(detection);
    let c = compile_rules(&text, &CompileOptions::default());
    let d = c
        .diagnostics
        .iter()
        .find(|d| d.is_error())
        .unwrap_or_else(|| panic!("no error for {detection}"));
    let l = d.location.expect("located");
    (l.line, l.column, d.message.clone())
}

#[test]
fn maps_and_lists() {
    let d = "    sel:\n        a: 1\n        b: [x, y]\n    condition: sel\n";
    assert!(fires(d, r#"{"a": 1, "b": "Y"}"#));
    assert!(!fires(d, r#"{"a": 2, "b": "y"}"#));
    assert!(!fires(d, r#"{"a": 1, "b": "z"}"#));
    let d = "    sel:\n        - a: 1\n          b: 2\n        - c: 3\n    condition: sel\n";
    assert!(fires(d, r#"{"c": 3}"#));
    assert!(fires(d, r#"{"a": 1, "b": 2}"#));
    assert!(!fires(d, r#"{"a": 1}"#));
    let d = "    sel:\n        f|contains|all: [ab, cd]\n    condition: sel\n";
    assert!(fires(d, r#"{"f": "xxABxxCD"}"#));
    assert!(!fires(d, r#"{"f": "xxABxx"}"#));
}

#[test]
fn glob_case_and_escaping() {
    // `\\*` is a backslash then a wildcard; `\W` stays two characters.
    let d = "    sel:\n        f: 'C:\\Windows\\\\*\\cmd.exe'\n    condition: sel\n";
    assert!(fires(d, r#"{"f": "c:\\windows\\system32\\CMD.EXE"}"#));
    assert!(!fires(d, r#"{"f": "c:\\windows\\cmd.exe.bak"}"#));
    let d = "    sel:\n        f: 'a?c'\n    condition: sel\n";
    assert!(fires(d, r#"{"f": "abc"}"#));
    assert!(!fires(d, r#"{"f": "ac"}"#));
    let d = "    sel:\n        f: 'a\\*c'\n    condition: sel\n";
    assert!(fires(d, r#"{"f": "a*c"}"#));
    assert!(!fires(d, r#"{"f": "abc"}"#));
    let d = "    sel:\n        f: 'a\\\\*'\n    condition: sel\n";
    assert!(fires(d, r#"{"f": "a\\anything"}"#));
    let d = "    sel:\n        f: 'ÄRGER'\n    condition: sel\n";
    assert!(fires(d, r#"{"f": "ärger"}"#), "Unicode simple case folding");
    let d = "    sel:\n        f|cased: 'Abc'\n    condition: sel\n";
    assert!(fires(d, r#"{"f": "Abc"}"#));
    assert!(!fires(d, r#"{"f": "abc"}"#));
    let d = "    sel:\n        f: '*'\n    condition: sel\n";
    assert!(fires(d, r#"{"f": ""}"#));
    assert!(!fires(d, r#"{"g": "x"}"#));
}

#[test]
fn null_empty_exists() {
    let null = "    sel:\n        f: null\n    condition: sel\n";
    assert!(fires(null, r#"{"g": 1}"#), "null matches an absent field");
    assert!(fires(null, r#"{"f": null}"#), "null matches JSON null");
    assert!(!fires(null, r#"{"f": ""}"#));
    let empty = "    sel:\n        f: ''\n    condition: sel\n";
    assert!(fires(empty, r#"{"f": ""}"#));
    assert!(!fires(empty, r#"{"g": 1}"#));
    let list = "    sel:\n        f: []\n    condition: sel\n";
    assert!(fires(list, r#"{"g": 1}"#), "an empty list is null");
    let exists = "    sel:\n        f|exists: true\n    condition: sel\n";
    assert!(fires(exists, r#"{"f": null}"#));
    assert!(!fires(exists, r#"{"g": 1}"#));
    let absent = "    sel:\n        f|exists: false\n    condition: sel\n";
    assert!(fires(absent, r#"{"g": 1}"#));
}

#[test]
fn numbers_booleans_lists() {
    let d = "    sel:\n        EventID: 4688\n    condition: sel\n";
    assert!(fires(d, r#"{"EventID": 4688}"#));
    assert!(fires(d, r#"{"EventID": "4688"}"#));
    assert!(!fires(d, r#"{"EventID": 46880}"#));
    let d = "    sel:\n        EventID: '4688'\n    condition: sel\n";
    assert!(fires(d, r#"{"EventID": 4688}"#));
    let d = "    sel:\n        EventID: '46*'\n    condition: sel\n";
    assert!(fires(d, r#"{"EventID": 4688}"#));
    let d = "    sel:\n        Initiated: 'true'\n    condition: sel\n";
    assert!(fires(d, r#"{"Initiated": true}"#));
    let d = "    sel:\n        Signed: true\n    condition: sel\n";
    assert!(fires(d, r#"{"Signed": "TRUE"}"#));
    assert!(!fires(d, r#"{"Signed": false}"#));
    let d = "    sel:\n        Data|contains: secret\n    condition: sel\n";
    assert!(
        fires(d, r#"{"Data": ["a", "my secret"]}"#),
        "a list matches when any element does"
    );
    let d = "    sel:\n        a.b: 1\n    condition: sel\n";
    assert!(
        fires(d, r#"{"a": {"b": 1}}"#),
        "dotted names reach nested objects"
    );
    assert!(fires(d, r#"{"a.b": 1}"#));
}

#[test]
fn keywords() {
    let d = "    keywords:\n        - 'mimikatz'\n        - 'sekurlsa'\n    condition: keywords\n";
    assert!(fires(d, r#"{"CommandLine": "run MIMIKATZ.exe now"}"#));
    assert!(!fires(d, r#"{"CommandLine": "notepad"}"#));
    let d = "    keywords:\n        '|all':\n            - 'a1'\n            - 'b2'\n    condition: keywords\n";
    assert!(fires(d, r#"{"x": "a1", "y": "b2"}"#));
    assert!(!fires(d, r#"{"x": "a1"}"#));
}

#[test]
fn string_modifiers() {
    let d = "    sel:\n        f|startswith: 'abc'\n    condition: sel\n";
    assert!(fires(d, r#"{"f": "ABCdef"}"#));
    assert!(!fires(d, r#"{"f": "xabc"}"#));
    let d = "    sel:\n        f|endswith: '.exe'\n    condition: sel\n";
    assert!(fires(d, r#"{"f": "a.EXE"}"#));
    let d = "    sel:\n        f|startswith|endswith: 'a'\n    condition: sel\n";
    assert!(
        fires(d, r#"{"f": "xax"}"#),
        "startswith|endswith is contains (pySigma)"
    );
}

#[test]
fn windash_variants() {
    let d = "    sel:\n        CommandLine|windash|contains: '-exec bypass'\n    condition: sel\n";
    for dash in ["-", "/", "\u{2013}", "\u{2014}", "\u{2015}"] {
        assert!(
            fires(
                d,
                &format!(r#"{{"CommandLine": "powershell {dash}exec bypass"}}"#)
            ),
            "{dash}"
        );
    }
    assert!(!fires(d, r#"{"CommandLine": "powershell exec bypass"}"#));
    let (line, col, msg) =
        error("    sel:\n        f|windash: '-a -b -c -d'\n    condition: sel\n");
    assert_eq!(
        (line, msg.contains("at most three")),
        (7, true),
        "{col} {msg}"
    );
}

#[test]
fn base64_and_utf16() {
    let d = "    sel:\n        CommandLine|base64offset|contains: 'http://'\n    condition: sel\n";
    for enc in ["aHR0cDovL", "h0dHA6Ly", "odHRwOi8v"] {
        assert!(
            fires(
                d,
                &format!(r#"{{"CommandLine": "powershell -enc x{enc}yz"}}"#)
            ),
            "{enc}"
        );
    }
    let d = "    sel:\n        CommandLine|base64: 'abc'\n    condition: sel\n";
    assert!(fires(d, r#"{"CommandLine": "YWJj"}"#));
    let d =
        "    sel:\n        CommandLine|wide|base64offset|contains: 'ping'\n    condition: sel\n";
    assert!(fires(
        d,
        r#"{"CommandLine": "-e cABpAG4AZwAgADEAMAAuADAA"}"#
    ));
}

#[test]
fn regex_and_flags() {
    let d = "    sel:\n        f|re: 'APT\\d'\n    condition: sel\n";
    assert!(
        fires(d, r#"{"f": "group APT1 here"}"#),
        "regex is a substring search"
    );
    assert!(!fires(d, r#"{"f": "apt1"}"#), "regex is case-sensitive");
    let d = "    sel:\n        f|re|i: '^apt\\d$'\n    condition: sel\n";
    assert!(fires(d, r#"{"f": "APT1"}"#));
    let d = "    sel:\n        f|re|m: '^b$'\n    condition: sel\n";
    assert!(fires(d, r#"{"f": "a\nb\nc"}"#));
    let d = "    sel:\n        f|re|s: 'a.b'\n    condition: sel\n";
    assert!(fires(d, r#"{"f": "a\nb"}"#));
    let (line, _, msg) = error("    sel:\n        f|re: '(?<=a)b'\n    condition: sel\n");
    assert!(line == 7 && msg.contains("look-around"), "{msg}");
    let (_, _, msg) = error("    sel:\n        f|re: 'a(b'\n    condition: sel\n");
    assert!(msg.contains("invalid regular expression"), "{msg}");
}

/// RE2's Unicode classes (what pySigma 2 validates with): general categories and scripts, in
/// every build; binary properties, ages and long names are refused where they are written.
#[test]
fn regex_unicode_classes_are_re2s() {
    let d = "    sel:\n        f|re: '^\\p{Greek}+\\pN$'\n    condition: sel\n";
    assert!(fires(d, r#"{"f": "αβγ7"}"#));
    assert!(!fires(d, r#"{"f": "abc7"}"#));
    let d = "    sel:\n        f|re|i: '^\\p{Lu}ber$'\n    condition: sel\n";
    assert!(fires(d, r#"{"f": "über"}"#), "case folding is Unicode");
    let (line, col, msg) =
        error("    sel:\n        f|re: 'x\\p{Alphabetic}'\n    condition: sel\n");
    assert!(
        line == 7 && col == 15 && msg.contains(r"\p{Alphabetic}") && msg.contains("RE2"),
        "{line}:{col} {msg}"
    );
}

#[test]
fn cidr() {
    let d = "    sel:\n        ip|cidr: ['10.0.0.0/8', 'fe80::/10']\n    condition: sel\n";
    assert!(fires(d, r#"{"ip": "10.1.2.3"}"#));
    assert!(fires(d, r#"{"ip": "FE80::1%12"}"#));
    assert!(!fires(d, r#"{"ip": "11.0.0.1"}"#));
    assert!(!fires(d, r#"{"ip": "not an ip"}"#));
    let (line, col, msg) = error("    sel:\n        ip|cidr: '10.0.0.1/8'\n    condition: sel\n");
    assert!(
        line == 7 && col == 18 && msg.contains("host bits"),
        "{line}:{col} {msg}"
    );
}

#[test]
fn comparisons_and_time() {
    let d = "    sel:\n        n|gt: 5\n    condition: sel\n";
    assert!(fires(d, r#"{"n": 6}"#));
    assert!(fires(d, r#"{"n": "7"}"#));
    assert!(!fires(d, r#"{"n": 5}"#));
    let d = "    sel:\n        n|lte: 5\n    condition: sel\n";
    assert!(fires(d, r#"{"n": 5}"#));
    let d = "    sel:\n        t|hour|gte: 20\n    condition: sel\n";
    assert!(fires(d, r#"{"t": "2024-05-31T21:10:00Z"}"#));
    assert!(!fires(d, r#"{"t": "2024-05-31T08:10:00Z"}"#));
    assert!(
        fires(d, r#"{"t": "2024-05-31T23:30:00+02:00"}"#),
        "offsets convert to UTC"
    );
    let d = "    sel:\n        t|month: 5\n    condition: sel\n";
    assert!(fires(d, r#"{"t": "2024-05-31 08:10:00"}"#));
    let d = "    sel:\n        t|week: 22\n    condition: sel\n";
    assert!(fires(d, r#"{"t": "2024-05-31"}"#), "ISO week");
    let (_, _, msg) = error("    sel:\n        n|gt: '5'\n    condition: sel\n");
    assert!(msg.contains("'gt'"), "{msg}");
}

#[test]
fn neq_fieldref_expand() {
    let d = "    sel:\n        f|neq: [a, b]\n    condition: sel\n";
    assert!(fires(d, r#"{"f": "c"}"#));
    assert!(!fires(d, r#"{"f": "a"}"#));
    assert!(!fires(d, r#"{"f": "B"}"#));
    let d = "    sel:\n        TargetUser|fieldref: SubjectUser\n    condition: sel\n";
    assert!(fires(d, r#"{"TargetUser": "Bob", "SubjectUser": "bob"}"#));
    assert!(!fires(
        d,
        r#"{"TargetUser": "Bob", "SubjectUser": "alice"}"#
    ));
    let d = "    sel:\n        Cmd|fieldref|contains: User\n    condition: sel\n";
    assert!(fires(d, r#"{"Cmd": "runas bob x", "User": "bob"}"#));
    let d = "    sel:\n        User|expand: '%Admins%'\n    condition: sel\n";
    let opts = CompileOptions {
        placeholders: BTreeMap::from([(
            "Admins".to_string(),
            vec!["alice".to_string(), "adm_*".to_string()],
        )]),
        ..Default::default()
    };
    assert!(fires_opts(d, r#"{"User": "adm_bob"}"#, &opts));
    assert!(!fires_opts(d, r#"{"User": "bob"}"#, &opts));
    // Without values (issue 8): a located warning, and the item matches nothing.
    let c = compile_rules(&rule_with(d), &CompileOptions::default());
    assert!(!c.has_errors(), "{:#?}", c.diagnostics);
    let w = &c.diagnostics[0];
    assert_eq!(w.location.map(|l| l.line), Some(7));
    assert_eq!(
        w.message,
        "%Admins% has no values: this item matches nothing until values are given"
    );
    assert!(!fires(d, r#"{"User": "%Admins%"}"#));
}

#[test]
fn conditions() {
    let d = "    a:\n        x: 1\n    b:\n        y: 1\n    c:\n        z: 1\n    condition: a or b and not c\n";
    assert!(fires(d, r#"{"x": 1, "z": 1}"#));
    assert!(!fires(d, r#"{"y": 1, "z": 1}"#));
    assert!(fires(d, r#"{"y": 1}"#));
    let d = "    sel_a:\n        x: 1\n    sel_b:\n        y: 1\n    _hidden:\n        z: 1\n    condition: all of sel_* and not 1 of them\n";
    assert!(!fires(d, r#"{"x": 1, "y": 1}"#));
    let d = "    sel_a:\n        x: 1\n    _hidden:\n        z: 1\n    condition: 1 of them\n";
    assert!(
        !fires(d, r#"{"z": 1}"#),
        "'them' leaves out identifiers starting with _"
    );
    let d =
        "    a:\n        x: 1\n    b:\n        y: 1\n    condition:\n        - a\n        - b\n";
    assert!(fires(d, r#"{"y": 1}"#), "a condition list is an OR");
}

#[test]
fn errors_are_located() {
    let (line, col, msg) = error("    sel:\n        f|contians: x\n    condition: sel\n");
    assert_eq!((line, col), (7, 11));
    assert!(msg.contains("did you mean 'contains'"), "{msg}");
    let (line, col, msg) = error("    selection:\n        f: x\n    condition: selction\n");
    assert_eq!((line, col), (8, 16));
    assert!(msg.contains("did you mean 'selection'"), "{msg}");
    let (line, _, msg) = error("    sel:\n        f: x\n    condition: sel and 1 of filter_*\n");
    assert!(
        line == 8 && msg.contains("matches no search identifier"),
        "{msg}"
    );
    let (line, _, msg) = error("    sel:\n        f|contains|re: x\n    condition: sel\n");
    assert!(
        line == 7 && msg.contains("'re'") && msg.contains("'contains'"),
        "{msg}"
    );
    let (line, col, msg) = error("    sel:\n        f: [x\n    condition: sel\n");
    assert!(line >= 7 && msg.starts_with("YAML"), "{line}:{col} {msg}");
    let (_, _, msg) = error("    sel:\n        f: x\n    condition: sel | count() > 5\n");
    assert!(msg.contains("pipe"), "{msg}");
}

#[test]
fn never_panics_on_garbage() {
    for text in [
        "",
        "---",
        "- a\n- b",
        "title: [",
        "detection: 5",
        "\u{0}\u{1}",
        "a: *x",
        "title: t\ndetection:\n  condition: (((",
        &"[".repeat(5000),
    ] {
        let _ = compile_rules(
            text,
            &CompileOptions {
                lint: true,
                ..Default::default()
            },
        );
    }
    let c = compile_rules("title: t\nlogsource: {product: x}\ndetection:\n  s: {a: 1}\n  condition: s\n---\ntitle: c\ncorrelation: {type: event_count}\n", &CompileOptions::default());
    assert_eq!(c.rules.len(), 1);
    let d = c
        .diagnostics
        .iter()
        .find(|d| d.code == "correlation")
        .unwrap();
    assert_eq!(d.location.unwrap().line, 8);
}
