use super::*;
use crate::event::parse_events;

/// The text with `|` marking the cursor, and the cursor's byte offset.
fn at(marked: &str) -> (String, usize) {
    let offset = marked.find('┃').expect("a cursor mark");
    (marked.replacen('┃', "", 1), offset)
}

fn labels(marked: &str, hints: &AuthoringHints) -> Vec<String> {
    let (text, offset) = at(marked);
    complete(&text, offset, hints)
        .items
        .into_iter()
        .map(|i| i.label)
        .collect()
}

const RULE: &str = "title: t\nlogsource:\n    category: process_creation\n    product: windows\ndetection:\n    selection_img:\n        Image|endswith: '\\cmd.exe'\n    selection_cli:\n        CommandLine|contains: whoami\n    filter_main_system:\n        User: SYSTEM\n    condition: ";

#[test]
fn top_level_keys_in_sigmahq_order_without_those_written() {
    let got = labels("title: x\n┃", &AuthoringHints::default());
    assert_eq!(got.first().map(String::as_str), Some("id"));
    assert!(!got.contains(&"title".to_string()));
    let s = labels("title: x\nst┃", &AuthoringHints::default());
    assert_eq!(s, ["status"]);
}

#[test]
fn enumerated_values() {
    let h = AuthoringHints::default();
    assert_eq!(labels("status: te┃", &h), ["test"]);
    assert_eq!(labels("level: ┃", &h).len(), 5);
    let categories = labels("logsource:\n    category: process_c┃", &h);
    assert_eq!(categories, ["process_creation"]);
    assert!(labels("logsource:\n    product: ┃", &h).contains(&"windows".to_string()));
}

#[test]
fn modifiers_only_those_the_chain_accepts() {
    let h = AuthoringHints::default();
    let text = "detection:\n    selection:\n        Image|┃";
    let all = labels(text, &h);
    assert!(all.contains(&"endswith".to_string()) && all.contains(&"re".to_string()));
    // After `re`: its flags, and what pySigma accepts on a regex (contains anchors nothing);
    // no encoding, no windash, no second `re`.
    let after_re = labels("detection:\n    selection:\n        CommandLine|re|┃", &h);
    assert!(after_re.contains(&"ignorecase".to_string()), "{after_re:?}");
    for refused in ["base64", "windash", "cidr", "wide"] {
        assert!(
            !after_re.contains(&refused.to_string()),
            "{refused}: {after_re:?}"
        );
    }
    assert!(!after_re.contains(&"re".to_string()));
    // `cidr` must come first: not offered after `contains`.
    let after_contains = labels("detection:\n    sel:\n        - CommandLine|contains|┃", &h);
    assert!(!after_contains.contains(&"cidr".to_string()));
    assert!(after_contains.contains(&"windash".to_string()));
    // Typed prefix; the replacement starts after the last `|`.
    let (text, offset) = at("detection:\n    sel:\n        Image|ends┃");
    let list = complete(&text, offset, &h);
    assert_eq!(list.items[0].label, "endswith");
    assert_eq!(&text[list.from..offset], "ends");
    assert!(list.items[0].info.contains("ends with"));
}

#[test]
fn fields_from_the_events_then_from_the_log_source() {
    let events = parse_events(
        r#"{"Image": "C:\\x\\cmd.exe", "CommandLine": "cmd /c whoami"}
{"Image": "C:\\x\\ping.exe"}"#,
    );
    let ok: Vec<_> = events
        .events
        .iter()
        .filter_map(|e| e.as_ref().ok())
        .collect();
    let hints = AuthoringHints {
        event_fields: event_fields(ok.iter().copied()),
        placeholders: vec![],
    };
    let text = "logsource:\n    category: process_creation\ndetection:\n    selection:\n        ┃";
    let got = labels(text, &hints);
    assert_eq!(&got[..2], ["Image", "CommandLine"], "most frequent first");
    assert!(
        got.contains(&"ParentImage".to_string()),
        "known process_creation fields follow"
    );
    let (t, o) = at(text);
    let first = &complete(&t, o, &hints).items[0];
    assert_eq!(first.detail, "C:\\x\\cmd.exe");
}

#[test]
fn condition_identifiers_patterns_and_words() {
    let text = format!("{RULE}┃");
    let got = labels(&text, &AuthoringHints::default());
    for want in [
        "selection_img",
        "filter_main_system",
        "selection_*",
        "not",
        "1 of",
        "them",
    ] {
        assert!(got.contains(&want.to_string()), "{want} in {got:?}");
    }
    let got = labels(
        &format!("{RULE}selection_img and not fil┃"),
        &AuthoringHints::default(),
    );
    assert_eq!(got, ["filter_main_system", "filter_main_*"]);
}

#[test]
fn broken_yaml_still_completes() {
    // An unclosed quote above and a tab: the lines still say where the cursor is.
    let got = labels(
        "title: 'unclosed\ndetection:\n    sel:\n        Image|┃\n\tbroken: [",
        &AuthoringHints::default(),
    );
    assert!(got.contains(&"contains".to_string()));
}

fn hover_at(marked: &str) -> Option<String> {
    let (text, offset) = at(marked);
    hover(&text, offset, &AuthoringHints::default()).map(|h| h.text)
}

#[test]
fn hover_on_keys_modifiers_and_condition_words() {
    assert!(hover_at("lev┃el: high")
        .unwrap()
        .starts_with("level: Severity"));
    let m =
        hover_at("detection:\n    sel:\n        CommandLine|wind┃ash|contains: ' -e '").unwrap();
    assert!(m.starts_with("|windash: Also matches"), "{m}");
    let bad = hover_at("detection:\n    sel:\n        CommandLine|contians┃: x").unwrap();
    assert!(bad.contains("did you mean 'contains'"), "{bad}");
    let id = hover_at(&format!("{RULE}selection_i┃mg and not 1 of filter_main_*")).unwrap();
    assert!(id.contains("defined at line 6"), "{id}");
    let pattern = hover_at(&format!("{RULE}selection_img and not 1 of filter_ma┃in_*")).unwrap();
    assert_eq!(pattern, "filter_main_*: the identifiers filter_main_system");
}

#[test]
fn hover_on_a_value_lists_what_it_is_compared_as() {
    let h =
        hover_at("detection:\n    sel:\n        CommandLine|windash|contains: ' -e┃nc '").unwrap();
    assert!(h.contains("compares 5 pattern(s)"), "{h}");
    assert!(h.contains("/enc"), "{h}");
    let b = hover_at(
        "detection:\n    sel:\n        CommandLine|base64offset|contains:\n            - 'ht┃tp'",
    )
    .unwrap();
    assert!(b.contains("compares 3 pattern(s)"), "{b}");
    assert!(hover_at("detection:\n    sel:\n        Image: 'x┃'").is_none());
}

mod drafting {
    use super::super::*;
    use crate::compile::{compile_rules, CompileOptions};
    use crate::event::{parse_events, Event};
    use crate::logsource::LogSourceMap;

    const EVENT: &str = r#"{"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 1, "Image": "C:\\Windows\\System32\\cmd.exe", "CommandLine": "cmd /c echo *done?\\*", "User": "CORP\\bob"}"#;
    const OTHER: &str = r#"{"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 1, "Image": "C:\\Windows\\System32\\cmd.exe", "CommandLine": "cmd /c echo done", "User": "CORP\\bob"}"#;

    fn event(json: &str) -> Event {
        parse_events(json).events.remove(0).unwrap()
    }

    fn fires(rule: &str, json: &str) -> bool {
        let c = compile_rules(rule, &CompileOptions::default());
        assert!(!c.has_errors(), "{rule}\n{:?}", c.diagnostics);
        c.rules[0].matches(&event(json))
    }

    const RULE: &str = "title: t\n# kept\nlogsource:\n    category: process_creation\n    product: windows\ndetection:\n    selection:\n        Image|endswith: '\\cmd.exe'\n    condition: selection\nlevel: low\n";

    #[test]
    fn literals_match_themselves_exactly() {
        let value = r"cmd /c echo *done?\*";
        let text = add_to_selection(RULE, "selection", "CommandLine", value, DraftMatch::Exact)
            .unwrap()
            .apply(RULE);
        assert!(text.contains("# kept"), "{text}");
        assert!(
            text.contains("        CommandLine: 'cmd /c echo \\*done\\?\\\\\\*'\n    condition"),
            "{text}"
        );
        assert!(fires(&text, EVENT));
        assert!(!fires(&text, OTHER), "wildcards are literal");
        assert_eq!(sigma_literal("it's"), "'it''s'");
    }

    #[test]
    fn add_to_a_new_selection_and_by_modifier() {
        let edit =
            add_to_selection(RULE, "selection_user", "User", "bob", DraftMatch::EndsWith).unwrap();
        let text = edit.apply(RULE);
        assert!(
            text.contains(
                "    selection_user:\n        User|endswith: 'bob'\n    condition: selection\n"
            ),
            "{text}"
        );
        let c = compile_rules(&text, &CompileOptions::default());
        assert!(!c.has_errors(), "{:?}", c.diagnostics);
        assert!(add_to_selection("title: x\n", "selection", "a", "b", DraftMatch::Exact).is_none());
    }

    #[test]
    fn exclude_like_adds_a_filter_and_the_condition() {
        let text = exclude_like(RULE, "CommandLine", "cmd /c echo done")
            .unwrap()
            .apply(RULE);
        assert!(
            text.contains("    filter_main_commandline:\n        CommandLine: 'cmd /c echo done'\n    condition: selection and not 1 of filter_main_*\n"),
            "{text}"
        );
        assert!(fires(&text, EVENT));
        assert!(!fires(&text, OTHER), "the excluded event no longer fires");
        // A second exclusion of the same field: a new name, the condition already says it.
        let again = exclude_like(&text, "CommandLine", "x")
            .unwrap()
            .apply(&text);
        assert!(again.contains("filter_main_commandline_2:"), "{again}");
        assert_eq!(
            again.matches("not 1 of filter_main_*").count(),
            1,
            "{again}"
        );
    }

    #[test]
    fn a_new_rule_from_an_event_fits_its_log_source_and_fires_on_it() {
        let e = event(EVENT);
        let text = rule_from_event(&e, &["Image", "User"], &LogSourceMap::builtin());
        assert!(
            text.contains("    category: process_creation\n    product: windows\n"),
            "{text}"
        );
        assert!(fires(&text, EVENT));
        let c = compile_rules(&text, &CompileOptions::default());
        assert!(c.diagnostics.iter().all(|d| !d.is_error()));
    }
}

mod fixing {
    use super::super::*;
    use crate::compile::{compile_rules, CompileOptions};

    fn fixed(text: &str) -> (Vec<String>, String) {
        let fixes = quick_fixes(text);
        let titles = fixes.iter().map(|f| f.title.clone()).collect();
        // Apply from the end so earlier offsets stay valid.
        let mut out = text.to_string();
        let mut edits: Vec<_> = fixes.iter().map(|f| f.edit.clone()).collect();
        edits.sort_by_key(|e| std::cmp::Reverse(e.from));
        for e in edits {
            out = e.apply(&out);
        }
        (titles, out)
    }

    #[test]
    fn every_did_you_mean_has_a_fix_and_the_result_compiles() {
        let text = "title: t\nstatus: Experimantal\nlogsource:\n    product: windows\ndetection:\n    selection:\n        CommandLine|contians: whoami\n        Image: '*\\cmd.exe'\n    filter:\n        User: '*admin*'\n    condition: selectoin and not filter\nlevel: hihg\n";
        let before = compile_rules(text, &CompileOptions::default());
        assert!(before.has_errors());
        let (titles, after) = fixed(text);
        assert_eq!(
            titles,
            [
                "Change to 'experimental'",
                "Change to 'contains'",
                "Use |endswith",
                "Use |contains",
                "Change to 'selection'",
                "Change to 'high'"
            ]
        );
        assert!(after.contains("CommandLine|contains: whoami"), "{after}");
        assert!(after.contains("Image|endswith: '\\cmd.exe'"), "{after}");
        assert!(after.contains("User|contains: 'admin'"), "{after}");
        let c = compile_rules(&after, &CompileOptions::default());
        assert!(!c.has_errors(), "{after}\n{:?}", c.diagnostics);
        // Each fix spans the text its diagnostic points at.
        for d in before.diagnostics.iter().filter(|d| d.is_error()) {
            let span = d.span.unwrap();
            assert!(
                quick_fixes(text)
                    .iter()
                    .any(|f| f.from < span.end.max(span.start + 1) && span.start < f.to),
                "no fix for {d:?}"
            );
        }
    }

    #[test]
    fn all_of_them_written_out() {
        let text =
            "detection:\n    a:\n        x: 1\n    b:\n        y: 2\n    condition: all of them\n";
        let (titles, after) = fixed(text);
        assert_eq!(titles, ["Write it out: a and b"]);
        assert!(after.ends_with("    condition: a and b\n"), "{after}");
        assert!(quick_fixes("detection:\n    a:\n        x: '*y*z*'\n").is_empty());
    }
}

#[test]
fn help_at_every_offset_of_a_list_item_never_panics() {
    let (text, _) = at("detection:\n    sel:\n        - Image|endswith: x┃");
    for offset in 0..=text.len() {
        let _ = hover(&text, offset, &AuthoringHints::default());
        let _ = complete(&text, offset, &AuthoringHints::default());
    }
}

#[test]
fn the_format_plan_orders_keys_as_completion_offers_them() {
    let plan = format_plan();
    assert_eq!(plan.top.first(), Some(&"title"));
    assert_eq!(plan.top.last(), Some(&"level"));
    let offered = labels("┃", &AuthoringHints::default());
    assert_eq!(
        offered,
        plan.top.iter().map(|k| k.to_string()).collect::<Vec<_>>()
    );
    assert_eq!(plan.detection_last, ["condition", "timeframe"]);
}
