//! Issue 11's hostile inputs, each bounded by a limit of `sigmaplay_engine::limits` and answered
//! with a located error (or a bounded result) instead of an abort, a hang or a blow-up.

use sigmaplay_engine::limits::MAX_CONDITION_DEPTH;
use sigmaplay_engine::{compile_rules, Compilation, CompileOptions, Diagnostic};

fn compile(text: &str) -> Compilation {
    compile_rules(text, &CompileOptions::default())
}

fn rule_with_condition(condition: &str) -> String {
    format!("title: t\nlogsource: {{product: windows}}\ndetection:\n    sel1: {{a: x}}\n    condition: {condition}\n")
}

/// The first error, which must be located.
fn first_error(c: &Compilation) -> &Diagnostic {
    let d = c
        .diagnostics
        .iter()
        .find(|d| d.is_error())
        .unwrap_or_else(|| panic!("no error in {:#?}", c.diagnostics));
    assert!(d.span.is_some() && d.location.is_some(), "unlocated: {d:?}");
    d
}

#[test]
fn deeply_nested_conditions_are_a_located_error() {
    let deep = 10_000;
    for condition in [
        format!("{}sel1{}", "(".repeat(deep), ")".repeat(deep)),
        format!("{}sel1", "(".repeat(deep)),
        format!("{}sel1", "not ".repeat(deep)),
    ] {
        let c = compile(&rule_with_condition(&condition));
        let d = first_error(&c);
        assert!(
            d.message
                .contains(&format!("nested more than {MAX_CONDITION_DEPTH} levels")),
            "{}",
            d.message
        );
        // Points at the opening token of the level past the limit, on the condition's line.
        let at = d.location.unwrap();
        assert_eq!(at.line, 5);
        let opener = if condition.starts_with('n') { 4 } else { 1 };
        assert_eq!(at.column, 16 + opener * MAX_CONDITION_DEPTH);
    }
    // Up to the limit, nesting compiles and evaluates.
    let ok = format!(
        "{}sel1{}",
        "(".repeat(MAX_CONDITION_DEPTH),
        ")".repeat(MAX_CONDITION_DEPTH)
    );
    assert!(!compile(&rule_with_condition(&ok)).has_errors());
}

#[test]
fn deeply_nested_yaml_is_a_located_error() {
    for open in ["[", "{a: ", "- "] {
        let text = format!("title: t\ndetection:\n    sel: {}", open.repeat(10_000));
        let c = compile(&text);
        first_error(&c);
    }
}

#[test]
fn windash_with_many_dashes_counts_its_variants_without_overflow() {
    let value = " -a".repeat(28);
    let text = format!(
        "title: t\nlogsource: {{product: windows}}\ndetection:\n    sel:\n        CommandLine|windash|contains:\n            - x\n            - '{value}'\n    condition: sel\n"
    );
    let c = compile(&text);
    let d = first_error(&c);
    assert!(
        d.message.contains("this value has 28 (5^28 variants)"),
        "{}",
        d.message
    );
    // Points at the value in the list, not at the key.
    assert_eq!(d.location.unwrap().line, 7, "{d:?}");
}

#[test]
fn plain_matches_and_explain_agree_on_an_event_the_log_source_map_would_rename() {
    // Finding 7: a process_creation rule on a Security 4688 event. The built-in map reads `Image`
    // from `NewProcessName`; the plain pair reads the event as is, the `_with(fit)` pair under
    // the map's verdict, and each pair agrees with itself.
    let text = "title: t\nlogsource: {category: process_creation, product: windows}\ndetection:\n    sel: {Image|endswith: '\\whoami.exe'}\n    condition: sel\n";
    let c = compile(text);
    let rule = &c.rules[0];
    let event = sigmaplay_engine::Event::from_json(&serde_json::json!({
        "Channel": "Security", "EventID": 4688,
        "NewProcessName": "C:\\Windows\\System32\\whoami.exe"
    }));
    assert!(!rule.matches(&event));
    let plain = rule.explain(&event);
    assert!(!plain.matched);
    assert_eq!(plain.logsource_note, None);
    let fit = sigmaplay_engine::LogSourceMap::builtin().fit(&rule.logsource, &event);
    assert!(rule.matches_with(&event, &fit));
    assert!(rule.explain_with(&event, &fit).matched);
}

/// The reproducers kept by the fuzz targets (`fuzz/artifacts-found/`).
fn fuzz_artifact(name: &str) -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz/artifacts-found/");
    std::fs::read_to_string(format!("{path}{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn explain_is_linear_in_the_depth_of_a_nested_list() {
    // It took about 4^depth steps (24 levels: 19 s); serde_json reads up to 128 levels.
    let rule = "title: t\nlogsource: {product: windows}\ndetection:\n    sel: {Image|endswith: cmd.exe}\n    condition: sel\n";
    let c = compile(rule);
    for (text, fires) in [
        fuzz_artifact("explain-nested-list-exponential.json"),
        format!("{{\"Image\": {}\"x\"{}}}", "[".repeat(120), "]".repeat(120)),
        format!(
            "{{\"Image\": {}\"a\", \"b\\\\cmd.exe\"{}}}",
            "[".repeat(120),
            "]".repeat(120)
        ),
    ]
    .into_iter()
    .zip([false, false, true])
    {
        let input = sigmaplay_engine::parse_events(&text);
        let event = input.events[0].as_ref().expect("an event");
        let started = std::time::Instant::now();
        let trace = c.rules[0].explain(event);
        assert!(started.elapsed().as_secs() < 2, "{:?}", started.elapsed());
        assert_eq!(trace.matched, fires);
        assert_eq!(trace.matched, c.rules[0].matches(event));
    }
}

#[test]
fn explanations_grow_linearly_with_the_condition_and_the_event() {
    // Finding 3: every `not` level quoted its whole sub-condition (in the node and the summary),
    // and a false `or` repeated its operand's explanation, long event value included, per use.
    use sigmaplay_engine::limits::MAX_EXPLAIN_QUOTE;
    let or = vec!["sel1"; 20_000].join(" or ");
    let condition = format!("{}({or})", "not ".repeat(MAX_CONDITION_DEPTH - 1));
    let text = rule_with_condition(&condition);
    let c = compile(&text);
    assert!(!c.has_errors(), "{:#?}", c.diagnostics);
    let long = "y".repeat(100_000);
    let event = sigmaplay_engine::Event::from_json(&serde_json::json!({ "a": long }));
    let trace = c.rules[0].explain(&event);
    assert!(trace.matched, "63 nots of a false search");
    let json = serde_json::to_string(&trace).unwrap();
    assert!(
        json.len() < 40 * text.len() + 3 * long.len(),
        "{} bytes of trace",
        json.len()
    );
    let per_level = MAX_EXPLAIN_QUOTE + 40;
    assert!(
        trace.summary.chars().count() < MAX_CONDITION_DEPTH * per_level + 1000,
        "{} characters of summary",
        trace.summary.chars().count()
    );
    // The event's value is quoted, cut, in the words; the trace's fields keep it whole.
    assert!(trace
        .summary
        .contains(&format!("'{}…'", "y".repeat(MAX_EXPLAIN_QUOTE))));
    use sigmaplay_engine::SearchTrace;
    let search = &trace.identifiers[0].search;
    let SearchTrace::AllOf { children, .. } = search else {
        panic!("{search:?}")
    };
    let [SearchTrace::Item(item)] = children.as_slice() else {
        panic!("{children:?}")
    };
    assert_eq!(item.values[0].actual.as_deref(), Some(long.as_str()));
}

fn rule_with_values(modifier: &str, values: &[String]) -> String {
    let list: String = values
        .iter()
        .map(|v| format!("            - '{v}'\n"))
        .collect();
    format!("title: t\nlogsource: {{product: windows}}\ndetection:\n    sel:\n        CommandLine{modifier}:\n{list}    condition: sel\n")
}

#[test]
fn regexes_and_globs_share_one_memory_budget_per_text() {
    // Finding 5: 140,000 `|re` values (under the 4 MB text limit) grew to 24 GB, 100,000 globs
    // to 1.9 GB. Past the budget, one located error at the first value over it.
    use sigmaplay_engine::limits::MAX_REGEX_MEMORY;
    for (modifier, value) in [("|re", "a{}[0-9]+b\\w{{3}}"), ("", "*a{}?b*")] {
        let values: Vec<String> = (0..20_000)
            .map(|i| value.replace("{}", &i.to_string()).replace("{{3}}", "{3}"))
            .collect();
        let text = rule_with_values(modifier, &values);
        let c = compile(&text);
        let over: Vec<&Diagnostic> = c.diagnostics.iter().filter(|d| d.code == "limit").collect();
        assert_eq!(over.len(), 1, "{modifier}: {:#?}", c.diagnostics.first());
        let d = first_error(&c);
        assert!(
            d.message.contains(&format!(
                "more than the limit of {} MB",
                MAX_REGEX_MEMORY >> 20
            )),
            "{}",
            d.message
        );
        // At a value of the list, past the first one.
        let line = d.location.unwrap().line;
        assert!(line > 6 && line < 6 + values.len(), "{d:?}");
        assert!(c.rules.is_empty());
    }
    // The budget is for the whole text: rules that each fit, together do not.
    let values: Vec<String> = (0..300).map(|i| format!("a{i}[0-9]+b\\w{{3}}")).collect();
    let one = rule_with_values("|re", &values);
    assert!(!compile(&one).has_errors());
    let many = vec![one; 4].join("---\n");
    let c = compile(&many);
    assert!(c.has_errors());
    assert!(!c.rules.is_empty(), "the first rules fit");
}

#[test]
fn the_texts_of_one_rule_set_share_one_regex_budget() {
    // A rule pack cannot take as files what one text may not: texts that each fit, compiled as
    // one rule set, refuse the value that crosses the limit, in the text where it stands.
    use sigmaplay_engine::{compile_rules_within, RegexBudget};
    let values: Vec<String> = (0..300).map(|i| format!("a{i}[0-9]+b\\w{{3}}")).collect();
    let one = rule_with_values("|re", &values);
    let mut budget = RegexBudget::default();
    let options = CompileOptions::default();
    let texts: Vec<_> = (0..4)
        .map(|_| compile_rules_within(&one, &options, &mut budget))
        .collect();
    assert!(!texts[0].has_errors());
    let failed = texts
        .iter()
        .position(|c| c.has_errors())
        .expect("over the budget");
    assert!(failed > 0);
    let d = first_error(&texts[failed]);
    let whose = match failed {
        1 => "this text and the one loaded before it".to_string(),
        n => format!("this text and the {n} loaded before it"),
    };
    assert!(d.message.contains(&whose), "{}", d.message);
    assert!(d.location.is_some(), "{d:?}");
    // Each alone still fits.
    assert!(!compile(&one).has_errors());
}

/// Every diagnostic with a span lies in the text on character boundaries, at a line that exists.
fn assert_located_inside(text: &str, c: &Compilation) {
    let lines = text.replace("\r\n", "\n").matches(['\n', '\r']).count() + 1;
    for d in &c.diagnostics {
        let span = d.span.unwrap_or_else(|| panic!("unlocated: {d:?}"));
        assert!(span.end <= text.len(), "{d:?} ends past the text");
        assert!(
            text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
            "{d:?}"
        );
        let at = d.location.unwrap();
        assert!(at.line >= 1 && at.line <= lines && at.column >= 1, "{d:?}");
    }
}

#[test]
fn condition_errors_inside_an_escaped_scalar_point_at_their_character() {
    let text = fuzz_artifact("condition-escaped-scalar-span.yml");
    let c = compile(&text);
    assert_located_inside(&text, &c);
    // `،el2` is not an identifier: the error is at the `،`, column 26 of line 5.
    let d = first_error(&c);
    let at = d.location.unwrap();
    assert_eq!((at.line, at.column), (5, 26), "{d:?}");
    let span = d.span.unwrap();
    assert_eq!(&text[span.start..span.end], "،", "{d:?}");
}

#[test]
fn a_lone_carriage_return_counts_as_a_line_break() {
    let text = fuzz_artifact("lone-cr-span-past-end.yml");
    let c = compile(&text);
    assert!(c.has_errors());
    assert_located_inside(&text, &c);
}

#[test]
fn yaml_errors_without_a_position_get_one() {
    // Finding 8: an alias bomb ("repetition limit exceeded") had no line.
    let mut text = String::from(
        "title: t\nlogsource: {product: windows}\na0: &a0 [x, x, x, x, x, x, x, x, x]\n",
    );
    for i in 1..9 {
        let p = i - 1;
        text.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    text.push_str("detection:\n    sel: {a: x}\n    condition: sel\n");
    let c = compile(&text);
    let d = first_error(&c);
    assert!(d.message.contains("alias"), "{}", d.message);
    assert!(d.location.unwrap().line >= 4, "{d:?}");
    // 5,000 chained modifiers: YAML's limit on a key's length is said in words.
    let key = format!("CommandLine{}", "|contains".repeat(5_000));
    let text = format!("title: t\nlogsource: {{product: windows}}\ndetection:\n    sel:\n        {key}: x\n    condition: sel\n");
    let c = compile(&text);
    let d = first_error(&c);
    assert!(d.message.contains("at most 1024"), "{}", d.message);
    assert_eq!(d.location.unwrap().line, 5, "{d:?}");
}
