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
