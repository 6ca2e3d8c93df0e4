//! The explain path: reasons, matched spans, locations and notes as a newcomer reads them.

use sigmaplay_engine::{
    compile_rules, CompileOptions, Event, ItemTrace, MatchTrace, Reason, SearchTrace,
};

fn trace(detection: &str, event: &str) -> (MatchTrace, String) {
    let text = format!("title: t\nlogsource:\n    product: test\ndetection:\n{detection}");
    let c = compile_rules(&text, &CompileOptions::default());
    assert!(!c.has_errors(), "{:#?}", c.diagnostics);
    let ev = Event::from_json(&serde_json::from_str(event).unwrap());
    (c.rules[0].explain(&ev), text)
}

fn first_item(t: &MatchTrace) -> &ItemTrace {
    fn find(s: &SearchTrace) -> Option<&ItemTrace> {
        match s {
            SearchTrace::Item(i) => Some(i),
            SearchTrace::AllOf { children, .. } | SearchTrace::AnyOf { children, .. } => {
                children.iter().find_map(find)
            }
        }
    }
    find(&t.identifiers[0].search).unwrap()
}

#[test]
fn matched_part_is_located_in_the_original_value() {
    let (t, text) = trace(
        "    sel:\n        Image|endswith: '\\CMD.exe'\n    condition: sel\n",
        r#"{"Image": "C:\\Windows\\System32\\cmd.EXE"}"#,
    );
    let item = first_item(&t);
    let v = &item.values[0];
    let actual = v.actual.as_deref().unwrap();
    let [a, b] = v.matched_range.unwrap();
    assert_eq!(&actual[a..b], "\\cmd.EXE");
    // The item and its value point into the rule text.
    assert_eq!(
        &text[item.span.start..item.span.start + 14],
        "Image|endswith"
    );
    assert_eq!(item.location.line, 6);
    assert_eq!(v.location.line, 6);
    assert_eq!(t.condition.location.line, 7);
}

#[test]
fn absent_field_suggests_a_close_name() {
    let (t, _) = trace(
        "    sel:\n        commandline|contains: whoami\n    condition: sel\n",
        r#"{"CommandLine": "whoami /all"}"#,
    );
    let item = first_item(&t);
    assert_eq!(item.values[0].reason, Reason::FieldAbsent);
    assert_eq!(item.field_suggestion.as_deref(), Some("CommandLine"));
    assert!(
        item.explanation
            .contains("no field commandline (did you mean CommandLine?)"),
        "{}",
        item.explanation
    );
    assert!(
        item.notes.iter().any(|n| n.contains("case-sensitive")),
        "{:?}",
        item.notes
    );
}

#[test]
fn reasons_in_plain_words() {
    let (t, _) = trace(
        "    sel:\n        Initiated: 'true'\n    condition: sel\n",
        r#"{"Initiated": "false"}"#,
    );
    assert_eq!(
        first_item(&t).explanation,
        "Initiated is 'false', the rule wants 'true'"
    );
    assert!(
        t.summary.starts_with("Not fired: selection is false")
            || t.summary.contains("sel is false"),
        "{}",
        t.summary
    );

    let (t, _) = trace(
        "    sel:\n        User|cased: Admin\n    condition: sel\n",
        r#"{"User": "admin"}"#,
    );
    assert_eq!(first_item(&t).values[0].reason, Reason::DiffersOnlyInCase);

    let (t, _) = trace(
        "    sel:\n        ip|cidr: 10.0.0.0/8\n    condition: sel\n",
        r#"{"ip": "nope"}"#,
    );
    assert_eq!(first_item(&t).values[0].reason, Reason::NotAnIp);
    let (t, _) = trace(
        "    sel:\n        ip|cidr: 10.0.0.0/8\n    condition: sel\n",
        r#"{"ip": "11.1.1.1"}"#,
    );
    assert_eq!(first_item(&t).values[0].reason, Reason::OutsideRange);
    let (t, _) = trace(
        "    sel:\n        n|gt: 5\n    condition: sel\n",
        r#"{"n": "abc"}"#,
    );
    assert_eq!(first_item(&t).values[0].reason, Reason::WrongType);
    let (t, _) = trace(
        "    sel:\n        f|re: 'a+b'\n    condition: sel\n",
        r#"{"f": "xaab"}"#,
    );
    assert!(first_item(&t)
        .notes
        .iter()
        .any(|n| n.contains("anywhere in the value")));
}

#[test]
fn filter_summary_names_the_decisive_value() {
    let d = "    selection:\n        Image|endswith: '\\cmstp.exe'\n    filter_main_local:\n        DestinationIp|cidr: ['10.0.0.0/8', '192.168.0.0/16']\n    condition: selection and not 1 of filter_main_*\n";
    let (t, _) = trace(
        d,
        r#"{"Image": "C:\\x\\cmstp.exe", "DestinationIp": "10.1.2.3"}"#,
    );
    assert!(!t.matched);
    assert!(
        t.summary
            .contains("`not 1 of filter_main_*` is false because filter_main_local is true"),
        "{}",
        t.summary
    );
    assert!(
        t.summary
            .contains("DestinationIp '10.1.2.3' is inside 10.0.0.0/8"),
        "{}",
        t.summary
    );
}

#[test]
fn windash_and_keyword_variants_are_named() {
    let (t, _) = trace(
        "    sel:\n        CommandLine|windash|contains: '-enc'\n    condition: sel\n",
        r#"{"CommandLine": "powershell /enc abc"}"#,
    );
    let v = &first_item(&t).values[0];
    assert!(v.matched);
    assert_eq!(v.variant.as_deref(), Some("windash variant 2 of 5"));
    assert_eq!(v.expected, "*/enc*");
    let (t, _) = trace(
        "    keywords:\n        - mimikatz\n    condition: keywords\n",
        r#"{"a": "x", "Cmd": "run mimikatz"}"#,
    );
    let item = first_item(&t);
    assert_eq!(item.values[0].matched_field.as_deref(), Some("Cmd"));
    assert!(
        item.explanation.contains("occurs in field Cmd"),
        "{}",
        item.explanation
    );
}

#[test]
fn case_note_only_where_case_made_a_difference() {
    let d = "    sel:\n        Image|endswith: '\\whoami.exe'\n    condition: sel\n";
    let (t, _) = trace(d, r#"{"Image": "C:\\Windows\\whoami.exe"}"#);
    assert!(
        !first_item(&t)
            .notes
            .iter()
            .any(|n| n.contains("case-insensitively")),
        "{:?}",
        first_item(&t).notes
    );
    let (t, _) = trace(d, r#"{"Image": "C:\\Windows\\WHOAMI.exe"}"#);
    assert!(
        first_item(&t)
            .notes
            .iter()
            .any(|n| n.contains("case-insensitively")),
        "{:?}",
        first_item(&t).notes
    );
}
