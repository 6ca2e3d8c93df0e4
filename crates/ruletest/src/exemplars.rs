//! rsigma's `rsigma.exemplars`: example events kept inside a rule as a custom attribute, each
//! with the verdict it should get (`expect: match` / `no-match`).
//!
//! A detection rule's exemplar is one `event` mapping; a correlation's is a sequence of
//! `events`, each with an `offset` from a fixed base time. The attribute sits under
//! `custom_attributes:` or at the top level (the nested one wins, as in rsigma).
//!
//! Grading follows rsigma's `rule test`: a detection exemplar is asserted against its own rule
//! only (with the text's filters), so every detection rule's exemplars become one
//! [`RuleTest`] of that rule's document; a correlation exemplar replays its events, timed from
//! [`EXEMPLAR_BASE_TIME`], through the whole text, and passes when the correlation alerts for
//! some group (`match`) or for none (`no-match`).

use crate::event_keys;
use crate::file::{AlertExpectation, Expectation, RuleTest, TestOptions};
use crate::report::{run_with_pipelines, AlertResult, TestReport};
use sigmaplay_engine::{
    compile_rules, parse_events, rfc3339, CompileOptions, Diagnostic, DiagnosticCode, Pipeline,
    SourceMap, Span, TextEdit, Timespan,
};
use std::collections::BTreeMap;

/// The custom attribute's key.
pub const EXEMPLARS_KEY: &str = "rsigma.exemplars";

/// Correlation exemplars' events are placed in time from here (2025-01-01T00:00:00Z) plus
/// their offsets, in the event field `@timestamp`.
pub const EXEMPLAR_BASE_TIME: i64 = 1_735_689_600_000;

/// What an exemplar is about: a detection rule's single event, or a correlation's sequence.
#[derive(Clone, Debug, PartialEq)]
pub enum ExemplarEvents {
    Event(serde_json::Value),
    /// (offset in milliseconds, event), offsets never decreasing.
    Sequence(Vec<(i64, serde_json::Value)>),
}

/// One exemplar as written.
#[derive(Clone, Debug, PartialEq)]
pub struct Exemplar {
    /// Its `name`, else its 0-based position.
    pub name: String,
    pub should_match: bool,
    pub events: ExemplarEvents,
}

/// The exemplars of one document of a rule text.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleExemplars {
    pub title: String,
    pub id: Option<String>,
    pub correlation: bool,
    /// The whole document in the text.
    pub document: Span,
    pub exemplars: Vec<Exemplar>,
}

/// One exemplar case ready to run: a rule test, and for correlations, the correlation whose
/// alerts decide.
#[derive(Clone, Debug, PartialEq)]
pub struct ExemplarCase {
    /// "Title: exemplar name".
    pub name: String,
    pub test: RuleTest,
    /// For a correlation exemplar: (the correlation's reference, whether it should alert).
    pub correlation: Option<(String, bool)>,
}

/// Reads every document's exemplars. Shape errors are located diagnostics (at the attribute's
/// key, with the path inside it); documents that do not compile are skipped (their own errors
/// are the compiler's to report).
pub fn read_exemplars(text: &str) -> (Vec<RuleExemplars>, Vec<Diagnostic>) {
    let compilation = compile_rules(text, &CompileOptions::default());
    let mut documents: Vec<(String, Option<String>, bool, Span)> = compilation
        .rules
        .iter()
        .map(|r| (r.title.clone(), r.id.clone(), false, r.span))
        .chain(
            compilation
                .correlations
                .iter()
                .map(|c| (c.title.clone(), c.id.clone(), true, c.span)),
        )
        .collect();
    documents.sort_by_key(|d| d.3.start);
    let mut found = Vec::new();
    let mut diagnostics = Vec::new();
    for (title, id, correlation, span) in documents {
        let Some(document) = text.get(span.start..span.end) else {
            continue;
        };
        // The document's span may take in the `---` around it: read its first mapping.
        let mapping = serde_yaml::Deserializer::from_str(document)
            .filter_map(|d| serde::Deserialize::deserialize(d).ok())
            .find(|v: &serde_yaml::Value| v.is_mapping());
        let Some(value) = mapping else {
            continue;
        };
        let Some((raw, key_at)) = attribute(&value, document) else {
            continue;
        };
        let at = Span::new(
            span.start + key_at,
            span.start + key_at + EXEMPLARS_KEY.len(),
        );
        let located = |message: String| {
            Diagnostic::error(DiagnosticCode::Structure, message, Some(at))
                .locate(&SourceMap::new(text))
        };
        match parse_list(raw, correlation) {
            Ok(exemplars) => found.push(RuleExemplars {
                title,
                id,
                correlation,
                document: span,
                exemplars,
            }),
            Err(errors) => diagnostics.extend(errors.into_iter().map(located)),
        }
    }
    (found, diagnostics)
}

/// The attribute's value (nested under `custom_attributes` first) and where its key is written
/// in the document.
fn attribute<'v>(
    value: &'v serde_yaml::Value,
    document: &str,
) -> Option<(&'v serde_yaml::Value, usize)> {
    let nested = value
        .get("custom_attributes")
        .and_then(|c| c.get(EXEMPLARS_KEY));
    let raw = nested.or_else(|| value.get(EXEMPLARS_KEY))?;
    let key_at = match nested {
        Some(_) => document
            .find("custom_attributes")
            .and_then(|c| document[c..].find(EXEMPLARS_KEY).map(|k| c + k)),
        None => document.find(EXEMPLARS_KEY),
    };
    Some((raw, key_at.unwrap_or(0)))
}

fn parse_list(raw: &serde_yaml::Value, correlation: bool) -> Result<Vec<Exemplar>, Vec<String>> {
    let path = EXEMPLARS_KEY;
    let Some(items) = raw.as_sequence() else {
        return Err(vec![format!(
            "{path}: must be a list of exemplars (each with 'expect' and 'event')"
        )]);
    };
    if items.is_empty() {
        return Err(vec![format!("{path}: the list is empty")]);
    }
    let mut errors = Vec::new();
    let mut exemplars = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match parse_entry(item, i, correlation, &names) {
            Ok(e) => {
                names.push(e.name.clone());
                exemplars.push(e);
            }
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(exemplars)
    } else {
        Err(errors)
    }
}

fn parse_entry(
    item: &serde_yaml::Value,
    index: usize,
    correlation: bool,
    names: &[String],
) -> Result<Exemplar, Vec<String>> {
    let path = format!("{EXEMPLARS_KEY}/{index}");
    let Some(map) = item.as_mapping() else {
        return Err(vec![format!(
            "{path}: an exemplar is a mapping with 'expect' and 'event'"
        )]);
    };
    let mut errors = Vec::new();
    for key in map.keys() {
        let key = key.as_str().unwrap_or("?");
        if !["name", "expect", "event", "events"].contains(&key) {
            errors.push(format!(
                "{path}: unknown key '{key}' (an exemplar has name, expect and event or events)"
            ));
        }
    }
    let name = match item.get("name") {
        None => index.to_string(),
        Some(serde_yaml::Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        Some(_) => {
            errors.push(format!("{path}/name: must be a text that is not blank"));
            index.to_string()
        }
    };
    if names.contains(&name) {
        errors.push(format!(
            "{path}/name: '{name}' names an earlier exemplar too"
        ));
    }
    let should_match = match item.get("expect").and_then(|e| e.as_str()) {
        Some("match") => true,
        Some("no-match") => false,
        Some(other) => {
            errors.push(format!(
                "{path}/expect: '{other}': expected 'match' or 'no-match'"
            ));
            true
        }
        None => {
            errors.push(format!("{path}/expect: missing ('match' or 'no-match')"));
            true
        }
    };
    let events = match (item.get("event"), item.get("events"), correlation) {
        (Some(_), Some(_), _) | (None, None, _) => {
            let want = if correlation { "events" } else { "event" };
            errors.push(format!(
                "{path}: needs exactly one of 'event' and 'events' ('{want}' here)"
            ));
            None
        }
        (Some(_), None, true) => {
            errors.push(format!("{path}/event: a correlation's exemplar is a list of 'events', each with an 'offset'"));
            None
        }
        (None, Some(_), false) => {
            errors.push(format!(
                "{path}/events: a detection rule's exemplar is one 'event'"
            ));
            None
        }
        (Some(event), None, false) => match to_json(event) {
            Some(v) if v.is_object() => Some(ExemplarEvents::Event(v)),
            _ => {
                errors.push(format!("{path}/event: must be a mapping of fields"));
                None
            }
        },
        (None, Some(events), true) => {
            sequence(events, &path, &mut errors).map(ExemplarEvents::Sequence)
        }
    };
    match events {
        Some(events) if errors.is_empty() => Ok(Exemplar {
            name,
            should_match,
            events,
        }),
        _ => Err(errors),
    }
}

fn sequence(
    events: &serde_yaml::Value,
    path: &str,
    errors: &mut Vec<String>,
) -> Option<Vec<(i64, serde_json::Value)>> {
    let Some(items) = events.as_sequence().filter(|s| !s.is_empty()) else {
        errors.push(format!("{path}/events: must be a list that is not empty"));
        return None;
    };
    let mut out = Vec::new();
    let mut last = 0;
    for (i, item) in items.iter().enumerate() {
        let at = format!("{path}/events/{i}");
        let offset = match item.get("offset") {
            Some(serde_yaml::Value::String(s)) => match Timespan::millis_of(s) {
                Some(Some(millis)) => Some(millis),
                _ => {
                    errors.push(format!(
                        "{at}/offset: '{s}' is not a time span such as 0s, 30s or 5m"
                    ));
                    None
                }
            },
            Some(serde_yaml::Value::Number(n)) if n.as_u64() == Some(0) => Some(0),
            _ => {
                errors.push(format!(
                    "{at}/offset: missing or not a time span such as 0s or 30s"
                ));
                None
            }
        };
        let event = item
            .get("event")
            .and_then(to_json)
            .filter(|v| v.is_object());
        if event.is_none() {
            errors.push(format!("{at}/event: must be a mapping of fields"));
        }
        if let (Some(offset), Some(event)) = (offset, event) {
            if offset < last {
                errors.push(format!("{at}/offset: offsets must not decrease"));
            }
            last = offset;
            out.push((offset, event));
        }
    }
    Some(out)
}

fn to_json(value: &serde_yaml::Value) -> Option<serde_json::Value> {
    serde_json::to_value(value).ok()
}

/// The text of the documents a detection exemplar runs against: the rule's own and the filter
/// documents (`filters`: their spans; filters apply to the rule they name).
fn detection_text(text: &str, document: Span, filters: &[Span]) -> String {
    let mut spans: Vec<Span> = std::iter::once(document)
        .chain(filters.iter().copied())
        .collect();
    spans.sort_by_key(|s| s.start);
    spans.dedup();
    let parts: Vec<&str> = spans
        .iter()
        .filter_map(|s| text.get(s.start..s.end))
        .map(|d| d.trim_start_matches("---").trim_matches('\n'))
        .collect();
    parts.join("\n---\n") + "\n"
}

/// Every exemplar of `text` as a case to run: one per detection rule (all its exemplars as the
/// events of one test), one per correlation exemplar.
pub fn exemplar_cases(text: &str, rules: &[RuleExemplars]) -> Vec<ExemplarCase> {
    let mut cases = Vec::new();
    // The filter documents, read once for every detection rule's test.
    let filters: Vec<Span> = if rules.iter().any(|r| !r.correlation) {
        let compilation = compile_rules(text, &CompileOptions::default());
        compilation
            .filters
            .iter()
            .map(|f| f.detection.span)
            .collect()
    } else {
        Vec::new()
    };
    for rule in rules {
        if !rule.correlation {
            let events: Vec<String> = rule
                .exemplars
                .iter()
                .filter_map(|e| match &e.events {
                    ExemplarEvents::Event(v) => Some(v.to_string()),
                    ExemplarEvents::Sequence(_) => None,
                })
                .collect();
            let mut test = RuleTest::new(
                detection_text(text, rule.document, &filters),
                events.join("\n") + "\n",
            );
            test.name = Some(format!("{} (exemplars)", rule.title));
            let keys = event_keys(&test.events, &parse_events(&test.events));
            test.expectations = rule
                .exemplars
                .iter()
                .enumerate()
                .map(|(i, e)| Expectation {
                    event: i,
                    should_fire: e.should_match,
                    key: keys.get(i).cloned(),
                })
                .collect();
            cases.push(ExemplarCase {
                name: format!("{}: {} exemplar(s)", rule.title, rule.exemplars.len()),
                test,
                correlation: None,
            });
            continue;
        }
        let reference = rule.id.clone().unwrap_or_else(|| rule.title.clone());
        for e in &rule.exemplars {
            let ExemplarEvents::Sequence(events) = &e.events else {
                continue;
            };
            let lines: Vec<String> = events
                .iter()
                .map(|(offset, event)| {
                    let mut event = event.clone();
                    if let Some(fields) = event.as_object_mut() {
                        let time = rfc3339(EXEMPLAR_BASE_TIME.saturating_add(*offset));
                        fields.insert("@timestamp".into(), time.into());
                    }
                    event.to_string()
                })
                .collect();
            let mut test = RuleTest::new(text, lines.join("\n") + "\n");
            test.name = Some(format!("{}: {}", rule.title, e.name));
            test.options = TestOptions {
                timestamp_field: Some("@timestamp".into()),
                ..TestOptions::default()
            };
            cases.push(ExemplarCase {
                name: format!("{}: {}", rule.title, e.name),
                test,
                correlation: Some((reference.clone(), e.should_match)),
            });
        }
    }
    cases
}

/// Runs a case (see [`with_alert_expectations`] for a correlation's).
pub fn run_case(case: &ExemplarCase, pipelines: &[Pipeline]) -> TestReport {
    let test = with_alert_expectations(case, pipelines);
    let mut report = run_with_pipelines(&test, pipelines);
    let unformed = test
        .alert_expectations
        .iter()
        .any(|e| e.should_alert && e.group.is_empty());
    if let (Some((reference, true)), true) = (&case.correlation, unformed) {
        if !report.alerts.iter().any(|a| about(a, reference)) {
            report.passed = false;
            report.problems.push(format!(
                "the exemplar's events form no group of '{reference}'"
            ));
        }
    }
    report
}

fn about(alert: &AlertResult, reference: &str) -> bool {
    alert.rule_id.as_deref() == Some(reference) || alert.correlation == reference
}

/// The case's rule test with what a correlation exemplar asserts as alert expectations: the
/// test is first run without them to see which groups the events form; then "should alert" is
/// expected of the group that alerted (or of the first one, which then fails), or "should not"
/// of every group. A detection case is returned as it is.
pub fn with_alert_expectations(case: &ExemplarCase, pipelines: &[Pipeline]) -> RuleTest {
    let mut test = case.test.clone();
    let Some((reference, should_alert)) = &case.correlation else {
        return test;
    };
    let first = run_with_pipelines(&case.test, pipelines);
    let groups: Vec<&AlertResult> = first
        .alerts
        .iter()
        .filter(|a| about(a, reference))
        .collect();
    let expect = |group: &BTreeMap<String, String>, should_alert| AlertExpectation {
        correlation: reference.clone(),
        group: group.clone(),
        should_alert,
    };
    test.alert_expectations = if *should_alert {
        let alerted = groups.iter().find(|g| g.alerted).or(groups.first());
        vec![expect(
            &alerted.map(|g| g.group.clone()).unwrap_or_default(),
            true,
        )]
    } else {
        groups.iter().map(|g| expect(&g.group, false)).collect()
    };
    test
}

/// The rule test the page opens for a rule text carrying exemplars: the whole text as the rule,
/// the first detection rule's exemplars as the events (else the first correlation exemplar's),
/// their expectations set.
pub fn open_exemplars(text: &str) -> Result<RuleTest, String> {
    let (rules, diagnostics) = read_exemplars(text);
    if let Some(d) = diagnostics.first() {
        let at = d.location.map(|l| format!("{l}: ")).unwrap_or_default();
        return Err(format!("{at}{}", d.message));
    }
    let cases = exemplar_cases(text, &rules);
    let case = cases
        .iter()
        .find(|c| c.correlation.is_none())
        .or(cases.first())
        .ok_or_else(|| format!("the rule carries no {EXEMPLARS_KEY}"))?;
    let mut test = with_alert_expectations(case, &[]);
    test.rule = text.to_string();
    Ok(test)
}

/// The edit that writes `test`'s events and their expectations back into its rule as
/// `rsigma.exemplars` of its first detection rule: replacing the attribute where the rule has
/// one, else adding it under `custom_attributes` (added at the document's end when absent).
/// Events without an expectation are left out; an unreadable event is refused.
pub fn exemplars_edit(test: &RuleTest) -> Result<TextEdit, String> {
    let text = &test.rule;
    let compilation = compile_rules(text, &CompileOptions::default());
    let rule = compilation
        .rules
        .first()
        .ok_or("the rule text holds no detection rule to carry exemplars")?;
    let input = parse_events(&test.events);
    let raw = raw_events(&test.events)
        .filter(|raw| raw.len() == input.events.len())
        .ok_or("only JSON Lines or a JSON array of events can be written as exemplars")?;
    // An expectation is about the event it is placed on (by its key); lost ones are about
    // events no longer there, and are no exemplars.
    let placement = crate::identity::place_on_events(test, &input);
    let mut entries = Vec::new();
    for (&event, e) in &placement.placed {
        let Some(Some(value)) = raw.get(event).map(|v| v.as_ref().filter(|v| v.is_object())) else {
            return Err(format!(
                "event {} cannot be written as an exemplar (only JSON objects can)",
                event + 1
            ));
        };
        entries.push((event, e.should_fire, value.clone()));
    }
    if entries.is_empty() {
        return Err(
            "no event has an expectation: mark events 'should fire' or 'should not' first".into(),
        );
    }
    let list = exemplar_yaml(&entries);
    let document = text.get(rule.span.start..rule.span.end).unwrap_or_default();
    let edit = |from: usize, to: usize, insert: String| TextEdit {
        from: rule.span.start + from,
        to: rule.span.start + to,
        insert,
    };
    if let Some((from, to)) = block_of(document, "    rsigma.exemplars:", 4) {
        return Ok(edit(
            from,
            to,
            format!("    {EXEMPLARS_KEY}:\n{}", indent(&list, 8)),
        ));
    }
    if let Some((from, to)) = block_of(document, "rsigma.exemplars:", 0) {
        return Ok(edit(
            from,
            to,
            format!("{EXEMPLARS_KEY}:\n{}", indent(&list, 4)),
        ));
    }
    let block = format!("    {EXEMPLARS_KEY}:\n{}", indent(&list, 8));
    if let Some(at) = line_start_of(document, "custom_attributes:") {
        let after = document[at..]
            .find('\n')
            .map_or(document.len(), |n| at + n + 1);
        return Ok(edit(after, after, block));
    }
    // After the document's last line (what follows it, a newline or `---`, stays).
    let end = document.trim_end().len();
    let insert = format!("\ncustom_attributes:\n{}", block.trim_end_matches('\n'));
    Ok(edit(end, end, insert))
}

/// The events of a JSON Lines text or a JSON array, as written (`None` for an unreadable one).
fn raw_events(text: &str) -> Option<Vec<Option<serde_json::Value>>> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('[') {
        let list: Vec<serde_json::Value> = serde_json::from_str(trimmed).ok()?;
        return Some(list.into_iter().map(Some).collect());
    }
    Some(
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l.trim_start_matches('\u{feff}')).ok())
            .collect(),
    )
}

/// One `- name/expect/event` item per entry, at indentation 0.
fn exemplar_yaml(entries: &[(usize, bool, serde_json::Value)]) -> String {
    let mut out = String::new();
    for (event, should_fire, value) in entries {
        let expect = if *should_fire { "match" } else { "no-match" };
        let fields = serde_yaml::to_string(value).unwrap_or_default();
        out.push_str(&format!(
            "- name: event {}\n  expect: {expect}\n  event:\n",
            event + 1
        ));
        out.push_str(&indent(&fields, 6));
    }
    out
}

fn indent(text: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    text.lines().map(|l| format!("{pad}{l}\n")).collect()
}

/// The byte offset of the line that starts with `prefix` (at column 0).
fn line_start_of(document: &str, prefix: &str) -> Option<usize> {
    let mut at = 0;
    for line in document.split_inclusive('\n') {
        if line.starts_with(prefix) {
            return Some(at);
        }
        at += line.len();
    }
    None
}

/// The lines of the block whose first line starts with `key` (written at `column` spaces): up
/// to the next line indented `column` or less that is not blank.
fn block_of(document: &str, key: &str, column: usize) -> Option<(usize, usize)> {
    let from = line_start_of(document, key)?;
    let mut to = from;
    for (i, line) in document[from..].split_inclusive('\n').enumerate() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let blank = line.trim().is_empty();
        if i > 0 && !blank && (indent <= column || line.trim_start().starts_with("---")) {
            break;
        }
        to += line.len();
    }
    Some((from, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    const WHOAMI: &str = "title: Whoami\nid: 11111111-2222-3333-4444-555555555555\nlogsource:\n    category: process_creation\n    product: windows\ndetection:\n    selection:\n        CommandLine|contains: whoami\n    condition: selection\ncustom_attributes:\n    rsigma.exemplars:\n        - name: whoami fires\n          expect: match\n          event:\n              CommandLine: whoami /all\n        - name: benign hostname\n          expect: no-match\n          event:\n              CommandLine: hostname\n";

    const BURST: &str = "title: Login\nname: login_rule\nlogsource:\n    category: auth\ndetection:\n    selection:\n        EventType: login\n    condition: selection\n---\ntitle: Burst\nid: 0b1f6a52-7d3e-4c1a-9f61-3f1e8a0c4d99\ncorrelation:\n    type: event_count\n    rules: [login_rule]\n    group-by: [User]\n    timespan: 1m\n    condition: { gte: 2 }\ncustom_attributes:\n    rsigma.exemplars:\n        - name: two logins in 30s\n          expect: match\n          events:\n              - offset: 0s\n                event: { EventType: login, User: alice }\n              - offset: 30s\n                event: { EventType: login, User: alice }\n        - name: two logins 2m apart\n          expect: no-match\n          events:\n              - offset: 0s\n                event: { EventType: login, User: alice }\n              - offset: 2m\n                event: { EventType: login, User: alice }\n";

    fn reports(text: &str) -> Vec<(String, TestReport)> {
        let (rules, diags) = read_exemplars(text);
        assert!(diags.is_empty(), "{diags:?}");
        exemplar_cases(text, &rules)
            .iter()
            .map(|c| (c.name.clone(), run_case(c, &[])))
            .collect()
    }

    #[test]
    fn detection_exemplars_are_graded_as_a_rule_test() {
        let got = reports(WHOAMI);
        assert_eq!(got.len(), 1);
        let (name, report) = &got[0];
        assert_eq!(name, "Whoami: 2 exemplar(s)");
        assert!(report.passed, "{report:?}");
        assert_eq!((report.counts.passed, report.counts.failed), (2, 0));
        // A wrong expectation fails.
        let wrong = WHOAMI.replace("expect: no-match", "expect: match");
        let got = reports(&wrong);
        assert!(!got[0].1.passed);
        assert_eq!(got[0].1.counts.failed, 1);
    }

    #[test]
    fn top_level_attribute_works_and_the_nested_one_wins() {
        let top = WHOAMI.replace("custom_attributes:\n    rsigma.exemplars:", "rsigma.exemplars:\n    - expect: match\n      event: {CommandLine: nothing}\ncustom_attributes:\n    rsigma.exemplars:");
        let (rules, _) = read_exemplars(&top);
        assert_eq!(rules[0].exemplars.len(), 2);
        assert_eq!(rules[0].exemplars[0].name, "whoami fires");
        let only_top = "title: T\nlogsource:\n    product: x\ndetection:\n    sel:\n        a: 1\n    condition: sel\nrsigma.exemplars:\n    - expect: match\n      event: {a: 1}\n";
        let got = reports(only_top);
        assert!(got[0].1.passed, "{:?}", got[0].1);
    }

    #[test]
    fn a_detection_exemplar_is_about_its_own_rule_only() {
        // The second rule fires on everything; the first rule's no-match exemplar still passes.
        let text = format!("{WHOAMI}---\ntitle: Everything\nlogsource:\n    category: process_creation\n    product: windows\ndetection:\n    sel:\n        CommandLine|contains: ''\n    condition: sel\n");
        let got = reports(&text);
        assert_eq!(got.len(), 1);
        assert!(got[0].1.passed, "{:?}", got[0].1);
    }

    #[test]
    fn correlation_exemplars_replay_their_offsets() {
        let got = reports(BURST);
        let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            ["Burst: two logins in 30s", "Burst: two logins 2m apart"]
        );
        assert!(got.iter().all(|(_, r)| r.passed), "{got:?}");
        // Swapped expectations fail both.
        let swapped = BURST
            .replace("expect: match", "expect: MATCH")
            .replace("expect: no-match", "expect: match")
            .replace("expect: MATCH", "expect: no-match");
        let got = reports(&swapped);
        assert!(got.iter().all(|(_, r)| !r.passed), "{got:?}");
    }

    #[test]
    fn a_rule_test_is_written_back_as_exemplars_and_opens_again() {
        let plain = WHOAMI[..WHOAMI.find("custom_attributes:").unwrap()].to_string();
        let events = "{\"CommandLine\": \"whoami /all\", \"User\": {\"Name\": \"bob\"}}\n{\"CommandLine\": \"hostname\"}\n{\"CommandLine\": \"unchecked\"}\n";
        let mut test = RuleTest::new(plain.clone(), events);
        test.set_expectation(0, Some(true));
        test.set_expectation(1, Some(false));
        let check = |rule: String| {
            let mut test = test.clone();
            test.rule = rule;
            let edit = exemplars_edit(&test).unwrap();
            let written = edit.apply(&test.rule);
            let (rules, diags) = read_exemplars(&written);
            assert!(diags.is_empty(), "{diags:?}\n{written}");
            let exemplars = &rules[0].exemplars;
            assert_eq!(exemplars.len(), 2, "{written}");
            assert_eq!(exemplars[0].name, "event 1");
            assert!(exemplars[0].should_match && !exemplars[1].should_match);
            assert_eq!(
                exemplars[0].events,
                ExemplarEvents::Event(
                    serde_json::json!({"CommandLine": "whoami /all", "User": {"Name": "bob"}})
                )
            );
            let opened = open_exemplars(&written).unwrap();
            assert_eq!(opened.rule, written);
            assert_eq!(opened.expectations.len(), 2);
            assert!(crate::run(&opened).passed, "{written}");
            written
        };
        // No attribute yet: added at the end; the rest of the text is kept as it was.
        let written = check(plain.clone());
        assert!(written.starts_with(&plain));
        // A second document after it stays a second document.
        let two = format!("{plain}---\ntitle: Other\nlogsource:\n    product: x\ndetection:\n    s:\n        a: 1\n    condition: s\n");
        let written = check(two);
        assert!(written.contains("title: Other"));
        // Existing exemplars are replaced; other custom attributes stay.
        let written = check(WHOAMI.replace(
            "custom_attributes:\n",
            "custom_attributes:\n    team: blue\n",
        ));
        assert!(written.contains("    team: blue\n"));
        assert!(!written.contains("benign hostname"));
        // Expectations of events no longer there are left out: one beyond the last event, and
        // one whose event was replaced by another at its place.
        let mut dangling = test.clone();
        dangling.set_expectation(7, Some(true));
        let keys = event_keys(&dangling.events, &parse_events(&dangling.events));
        dangling.expectations.push(Expectation {
            event: 2,
            should_fire: true,
            key: Some(keys[2].clone()),
        });
        dangling.events = dangling.events.replace("unchecked", "replaced");
        dangling.rule = plain.clone();
        let written = exemplars_edit(&dangling).unwrap().apply(&plain);
        assert_eq!(read_exemplars(&written).0[0].exemplars.len(), 2);
        // Without expectations nothing is written.
        let mut none = test.clone();
        none.expectations.clear();
        assert!(exemplars_edit(&none)
            .unwrap_err()
            .contains("no event has an expectation"));
    }

    #[test]
    fn bad_shapes_are_located_errors() {
        for (bad, message) in [
            ("rsigma.exemplars: []", "the list is empty"),
            ("rsigma.exemplars:\n    - expect: maybe\n      event: {a: 1}", "rsigma.exemplars/0/expect: 'maybe': expected 'match' or 'no-match'"),
            ("rsigma.exemplars:\n    - expect: match", "needs exactly one of 'event' and 'events'"),
            ("rsigma.exemplars:\n    - expect: match\n      events: [{offset: 0s, event: {a: 1}}]", "a detection rule's exemplar is one 'event'"),
            ("rsigma.exemplars:\n    - expect: match\n      event: {a: 1}\n      evnt: {}", "unknown key 'evnt'"),
        ] {
            let text = format!("title: T\nlogsource:\n    product: x\ndetection:\n    sel:\n        a: 1\n    condition: sel\n{bad}\n");
            let (rules, diags) = read_exemplars(&text);
            assert!(rules.is_empty(), "{bad}");
            assert_eq!(diags.len(), 1, "{bad}: {diags:?}");
            assert!(diags[0].message.contains(message), "{bad}: {}", diags[0].message);
            assert_eq!(diags[0].location.map(|l| l.line), Some(8), "{bad}");
        }
        let decreasing = BURST.replace("offset: 2m", "offset: -1s");
        let (_, diags) = read_exemplars(&decreasing);
        assert!(
            diags.iter().any(|d| d.message.contains("events/1/offset")),
            "{diags:?}"
        );
    }
}
