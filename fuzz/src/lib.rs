//! The invariants the fuzz targets check, shared by all of them. A target fails (libFuzzer records
//! the input as a crash) on a panic anywhere, and on any of these:
//!
//! - every error diagnostic is located: it has a span, its span lies in the text on character
//!   boundaries, and its line and column are 1-based and inside the text ([`check_diagnostics`]);
//! - the fast path and the explain path agree: `matches_with(fit)` is `explain_with(fit).matched`,
//!   the identifiers each reports true are the same, and the plain `matches`/`explain` pair agrees
//!   ([`check_agreement`]);
//! - a [`RuleSet`] (literal prefilter, interned fields, log source routing) fires exactly the rules
//!   that fire one by one ([`check_rule_set`]);
//! - events read from text keep their order and their spans and error positions point into the
//!   text ([`check_event_input`]).
//!
//! Known findings that are not fixed yet are excluded in [`known`], each with the number, so
//! the fuzzers keep looking for new ones; delete an exclusion with the fix of its finding.

use sigmaplay_engine::{
    compile_rules, Compilation, CompileOptions, CompiledRule, Diagnostic, Event, EventInput,
    LogSourceMap, RuleSet,
};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// Known findings of issue 11 that the engine does not fix yet (none today: add an exclusion
/// here, with its reproducer in `fuzz/artifacts-found/`, when a finding cannot be fixed at once).
pub mod known {}

/// Compiles with lint on, as the page and `sigmaplay check` do.
pub fn compile(text: &str) -> Compilation {
    compile_with(text, &BTreeMap::new())
}

/// [`compile`] with values for `|expand` placeholders.
pub fn compile_with(text: &str, placeholders: &BTreeMap<String, Vec<String>>) -> Compilation {
    compile_rules(
        text,
        &CompileOptions {
            lint: true,
            placeholders: placeholders.clone(),
            ..CompileOptions::default()
        },
    )
}

/// Number of lines of `text` as editors (and YAML) count them: `\n`, `\r\n` and a lone `\r` end
/// a line, and a final line break opens an empty last line.
fn line_count(text: &str) -> usize {
    text.replace("\r\n", "\n")
        .bytes()
        .filter(|&b| b == b'\n' || b == b'\r')
        .count()
        + 1
}

/// A 1-based (line, column) that exists in `text`.
pub fn check_position(text: &str, line: usize, column: usize, what: &dyn std::fmt::Display) {
    assert!(
        line >= 1 && column >= 1,
        "{what}: position {line}:{column} is not 1-based"
    );
    assert!(
        line <= line_count(text),
        "{what}: line {line} is past the end of the text ({} lines)",
        line_count(text)
    );
}

/// A byte span that lies in `text`, on character boundaries.
pub fn check_span(text: &str, start: usize, end: usize, what: &dyn std::fmt::Display) {
    assert!(
        start <= end && end <= text.len(),
        "{what}: span {start}..{end} is outside the text ({} bytes)",
        text.len()
    );
    assert!(
        text.is_char_boundary(start) && text.is_char_boundary(end),
        "{what}: span {start}..{end} cuts a character"
    );
}

/// Every diagnostic with a span is located inside `text`; every error has a span.
pub fn check_diagnostics(text: &str, diagnostics: &[Diagnostic]) {
    for d in diagnostics {
        let what = format!("diagnostic [{}] {:?}", d.code, d.message);
        match d.span {
            Some(span) => {
                check_span(text, span.start, span.end, &what);
                let start = d
                    .location
                    .unwrap_or_else(|| panic!("{what}: span without location"));
                check_position(text, start.line, start.column, &what);
                if let Some(end) = d.end_location {
                    check_position(text, end.line, end.column, &what);
                }
            }
            // Only a text over the size limit is refused as a whole, without a position.
            None => assert!(
                !d.is_error() || d.code == "limit",
                "{what}: an error without a position"
            ),
        }
    }
}

/// The fast path and the explain path agree on `event`, under the built-in log source map.
pub fn check_agreement(rule: &CompiledRule, event: &Event) {
    let fit = builtin_map().fit(&rule.logsource, event);
    let fast = rule.matches_with(event, &fit);
    let trace = rule.explain_with(event, &fit);
    assert_eq!(
        fast,
        trace.matched,
        "matches_with and explain_with disagree for rule {:?} on event {}",
        rule.title,
        event.to_json()
    );
    assert_eq!(
        trace.condition.value, trace.matched,
        "the explained condition's value is not the verdict"
    );
    let explained: Vec<&str> = trace
        .identifiers
        .iter()
        .filter(|i| i.value)
        .map(|i| i.name.as_str())
        .collect();
    assert_eq!(
        rule.matched_identifiers_with(event, &fit),
        explained,
        "the fast path and the explain path find different identifiers true"
    );
    assert_eq!(
        rule.matches(event),
        rule.explain(event).matched,
        "matches and explain disagree for rule {:?} on event {}",
        rule.title,
        event.to_json()
    );
}

/// The built-in log source map, built once per process.
pub fn builtin_map() -> &'static LogSourceMap {
    static MAP: OnceLock<LogSourceMap> = OnceLock::new();
    MAP.get_or_init(LogSourceMap::builtin)
}

/// Two rule sets over the same rules: log source routing on, and off.
pub struct RuleSets {
    routed: RuleSet,
    unrouted: RuleSet,
}

impl RuleSets {
    pub fn new(rules: &[CompiledRule]) -> RuleSets {
        let routed = RuleSet::new(rules.to_vec(), builtin_map().clone());
        let mut unrouted = RuleSet::new(rules.to_vec(), builtin_map().clone());
        unrouted.set_routing(false);
        RuleSets { routed, unrouted }
    }
}

/// A rule set fires exactly the rules that fire one by one: without routing every rule as is;
/// with routing the rules whose log source the event may belong to, under its field mappings.
pub fn check_rule_set(sets: &RuleSets, event: &Event) {
    let rules = sets.unrouted.rules();
    let one_by_one: Vec<usize> = (0..rules.len())
        .filter(|&i| rules[i].matches(event))
        .collect();
    assert_eq!(
        sets.unrouted.matching(event),
        one_by_one,
        "the rule set without routing fires other rules than each rule alone on {}",
        event.to_json()
    );
    let routed: Vec<usize> = (0..rules.len())
        .filter(|&i| {
            let fit = builtin_map().fit(&rules[i].logsource, event);
            fit.is_evaluated() && rules[i].matches_with(event, &fit)
        })
        .collect();
    assert_eq!(
        sets.routed.matching(event),
        routed,
        "the routed rule set fires other rules than each rule under its log source on {}",
        event.to_json()
    );
}

/// Events read from `text` are in input order, spans and error positions point into it.
pub fn check_event_input(text: &str, input: &EventInput) {
    // One byte-order mark, then JSON's white space (RFC 8259 §2): a form feed or a Unicode
    // space before `{` makes the text neither JSON nor XML, and it is refused as such.
    let first = text
        .strip_prefix('\u{feff}')
        .unwrap_or(text)
        .trim_start_matches([' ', '\t', '\n', '\r'])
        .bytes()
        .next();
    if matches!(first, Some(b'{' | b'[' | b'<')) {
        assert!(input.format.is_some(), "JSON or XML refused as a whole");
    }
    let mut last_start = 0;
    for (i, parsed) in input.events.iter().enumerate() {
        let what = format!("event {i}");
        let span = match parsed {
            Ok(event) => event.span,
            Err(e) => {
                check_position(text, e.line, e.column, &format!("{what}: {}", e.message));
                e.span
            }
        };
        check_span(text, span.start, span.end, &what);
        assert!(
            span.start >= last_start,
            "{what} starts before the one before it"
        );
        last_start = span.start;
    }
}

/// Events that exercise rules: a few fixed ones (Sysmon process creation, Security 4688, a flat
/// object), and events whose fields are the rules' fields set to values written in `text`, so
/// fuzzed rules also fire, not only fail.
pub fn events_for(rules: &[CompiledRule], text: &str) -> Vec<Event> {
    let mut events: Vec<Event> = fixed_events().to_vec();
    let values = written_values(text);
    if values.is_empty() {
        return events;
    }
    let mut fields: Vec<&str> = Vec::new();
    for f in rules.iter().flat_map(|r| r.fields()) {
        if !fields.contains(&f) && fields.len() < 64 {
            fields.push(f);
        }
    }
    for shift in 0..values.len().min(8) {
        let object: serde_json::Map<String, serde_json::Value> = fields
            .iter()
            .enumerate()
            .map(|(j, f)| {
                let v = &values[(shift + j) % values.len()];
                (f.to_string(), serde_json::Value::String(v.clone()))
            })
            .collect();
        events.push(Event::from_json(&serde_json::Value::Object(object)));
    }
    events
}

/// Values written in a YAML text: what follows `- ` or `: ` on a line, unquoted (at most 16).
fn written_values(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        let rest = match (line.find(": "), line.trim_start().strip_prefix("- ")) {
            (_, Some(item)) => item,
            (Some(i), None) => &line[i + 2..],
            (None, None) => continue,
        };
        let value = rest.trim().trim_matches(|c| c == '\'' || c == '"');
        if !value.is_empty() && !out.iter().any(|v| v == value) {
            out.push(value.chars().take(256).collect());
            if out.len() == 16 {
                break;
            }
        }
    }
    out
}

fn fixed_events() -> &'static [Event] {
    static EVENTS: OnceLock<Vec<Event>> = OnceLock::new();
    EVENTS.get_or_init(|| {
        [
            serde_json::json!({
                "Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 1,
                "Image": "C:\\Windows\\System32\\cmd.exe", "CommandLine": "cmd.exe /c whoami /priv",
                "ParentImage": "C:\\Windows\\explorer.exe", "User": "CORP\\alice"
            }),
            serde_json::json!({
                "Channel": "Security", "EventID": 4688,
                "NewProcessName": "C:\\Windows\\System32\\whoami.exe",
                "CommandLine": "whoami -all", "ParentProcessName": "C:\\Windows\\cmd.exe"
            }),
            serde_json::json!({
                "CommandLine": "powershell -enc SQBFAFgA", "DestinationIp": "10.1.2.3",
                "Initiated": "true", "Image": "C:\\Windows\\System32\\cmstp.exe", "Count": 7,
                "Flag": true, "Empty": "", "Nothing": null
            }),
        ]
        .iter()
        .map(Event::from_json)
        .collect()
    })
}

/// Largest rule or events text a rule-test target runs (compiling and evaluating is what the rule
/// and events targets fuzz; here the point is the file and link handling around them).
const MAX_RUN_TEXT: usize = 16 * 1024;

/// A rule test that was read: it survives its own file format and share link unchanged, and its
/// report is consistent (counts add up, a pass has no failure) and agrees with the engine.
pub fn check_rule_test(test: &sigmaplay_ruletest::RuleTest) {
    use sigmaplay_ruletest::{decode_link, encode_fragment, RuleTest, FORMAT};
    // Writing sorts the expectations (reading keeps the file's order) and writes the current
    // format (a version 1 file is migrated): compare with that.
    let mut written = test.clone();
    written.expectations.sort();
    written.format = FORMAT.to_string();
    let json = test.to_json();
    match RuleTest::from_json(&json) {
        Ok(again) => assert_eq!(
            again, written,
            "the test file does not read back as written"
        ),
        Err(e) => panic!("a written test file does not read back: {e}\n{json}"),
    }
    if let Ok(fragment) = encode_fragment(test) {
        match decode_link(&fragment) {
            Ok(again) => assert_eq!(again, written, "the share link does not read back"),
            Err(e) => panic!("a share link made here does not read back: {e}"),
        }
    }
    if test.rule.len() > MAX_RUN_TEXT || test.events.len() > MAX_RUN_TEXT {
        return;
    }
    check_report(test, &sigmaplay_ruletest::run(test));
}

fn check_report(test: &sigmaplay_ruletest::RuleTest, report: &sigmaplay_ruletest::TestReport) {
    use sigmaplay_ruletest::{Outcome, Verdict};
    check_diagnostics(&test.rule, &report.diagnostics);
    let c = report.counts;
    assert_eq!(c.events, report.events.len());
    assert_eq!(c.fired + c.not_fired + c.errors, c.events, "{c:?}");
    assert_eq!(c.passed + c.failed + c.unchecked, c.events, "{c:?}");
    if report.passed {
        assert!(
            c.failed == 0 && c.errors == 0 && report.problems.is_empty(),
            "{report:?}"
        );
        assert!(
            report.rule_errors().next().is_none(),
            "passed with rule errors"
        );
    }
    for (i, e) in report.events.iter().enumerate() {
        assert_eq!(e.index, i);
        check_position(&test.events, e.line, 1, &format!("event {i}"));
        assert_eq!(e.expected, test.expectation(i));
        assert_eq!(e.outcome, Outcome::grade(e.verdict, e.expected));
    }
    // The verdicts are the engine's: an event fires when any rule fires on it (under its log
    // source's field mappings; with logsource_check, only events of the rule's log source).
    let compilation = compile_with(&test.rule, &test.placeholders);
    if compilation.has_errors() {
        assert!(report.events.iter().all(|e| e.verdict == Verdict::Error));
        return;
    }
    let input = sigmaplay_engine::parse_events(&test.events);
    for (result, parsed) in report.events.iter().zip(&input.events) {
        let Ok(event) = parsed else {
            assert_eq!(result.verdict, Verdict::Error);
            continue;
        };
        let fires = compilation.rules.iter().any(|rule| {
            let fit = builtin_map().fit(&rule.logsource, event);
            (fit.is_evaluated() || !test.options.logsource_check) && rule.matches_with(event, &fit)
        });
        let expected = if fires {
            Verdict::Fired
        } else {
            Verdict::NotFired
        };
        assert_eq!(result.verdict, expected, "event {}", result.index);
        compilation
            .rules
            .iter()
            .for_each(|rule| check_agreement(rule, event));
    }
}
