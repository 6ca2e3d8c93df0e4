//! The JavaScript-facing API of the Sigma engine, and the plain Rust functions the playground's
//! Web Worker calls.
//!
//! Three operations, each a thin layer over `sigmaplay-engine`:
//! - [`compile`]: a rule text → diagnostics (errors and lint warnings, located) and rule summaries;
//! - [`Session::evaluate_chunk`]: parsed events → one verdict per event (fired / not fired / error);
//! - [`explain`]: one event → the full trace of every rule, the event's flattened fields and
//!   the log source note.
//!
//! What crosses the worker boundary is the engine's own types ([`Diagnostic`], [`MatchTrace`]) and
//! ruletest's [`Verdict`], all `Serialize + Deserialize`: the page reads them back typed and never
//! parses text the engine wrote.
//! [`protocol`] is the message set between the page and its worker. [`js`] exports the same
//! operations to JavaScript with wasm-bindgen for other pages (feature `js-api`).

#[cfg(feature = "js-api")]
pub mod js;
pub mod protocol;

use serde::{Deserialize, Serialize};
use sigmaplay_engine::{
    compile_rules, event_fields, parse_events, CompileOptions, CompiledRule, Diagnostic, Event,
    EventFormat, FieldHint, LogSourcePolicy, MatchTrace, SourceMap,
};
use sigmaplay_ruletest::Evaluator;
pub use sigmaplay_ruletest::Verdict;
use std::collections::BTreeMap;

/// Options a user sets for a rule: placeholder values for `|expand` and whether lint runs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleOptions {
    /// Placeholder name (without `%`) → values.
    #[serde(default)]
    pub placeholders: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub lint: bool,
    /// An event whose log source does not fit the rule's does not fire (as `sigmaplay eval`
    /// with routing); off by default in the playground, where a misfit is only noted.
    #[serde(default)]
    pub logsource_check: bool,
}

impl RuleOptions {
    pub fn with_lint() -> RuleOptions {
        RuleOptions {
            placeholders: BTreeMap::new(),
            lint: true,
            logsource_check: false,
        }
    }

    fn to_engine(&self) -> CompileOptions {
        CompileOptions {
            placeholders: self.placeholders.clone(),
            lint: self.lint,
            ..Default::default()
        }
    }
}

/// `line:column` of a located diagnostic for lists, empty when it has no position.
pub fn position_label(d: &Diagnostic) -> String {
    d.location
        .map(|l| format!("{}:{}", l.line, l.column))
        .unwrap_or_default()
}

/// What the UI shows about a compiled rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleSummary {
    pub title: String,
    pub id: Option<String>,
    pub level: Option<String>,
    pub status: Option<String>,
    /// The engine's words for the rule's log source (`product: windows, category: ...`).
    pub logsource: String,
}

impl RuleSummary {
    fn from_rule(rule: &CompiledRule) -> RuleSummary {
        RuleSummary {
            title: rule.title.clone(),
            id: rule.id.clone(),
            level: rule.level.clone(),
            status: rule.status.clone(),
            logsource: rule.logsource.to_string(),
        }
    }
}

/// The result of compiling a rule text.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CompileReport {
    /// Located ([`Diagnostic::locate`]): the page needs no source map.
    pub diagnostics: Vec<Diagnostic>,
    pub rules: Vec<RuleSummary>,
    pub has_errors: bool,
}

/// Compiles a rule text; returns the compiled rules (for evaluation) and the report (for the UI).
pub fn compile(text: &str, options: &RuleOptions) -> (Vec<CompiledRule>, CompileReport) {
    let compilation = compile_rules(text, &options.to_engine());
    let diagnostics: Vec<Diagnostic> = compilation
        .diagnostics
        .iter()
        .map(|d| d.clone().locate(&compilation.source))
        .collect();
    let has_errors = diagnostics.iter().any(Diagnostic::is_error);
    let rules_summary = compilation
        .rules
        .iter()
        .map(RuleSummary::from_rule)
        .collect();
    (
        compilation.rules,
        CompileReport {
            diagnostics,
            rules: rules_summary,
            has_errors,
        },
    )
}

/// The label the UI and the tests show for a detected event format.
pub fn format_label(format: Option<EventFormat>) -> &'static str {
    match format {
        None | Some(EventFormat::Empty) => "empty",
        Some(EventFormat::JsonObject) => "JSON object",
        Some(EventFormat::JsonArray) => "JSON array",
        Some(EventFormat::JsonLines) => "JSON Lines",
        Some(EventFormat::JsonStream) => "JSON objects",
        Some(EventFormat::EvtxJson) => "Windows event JSON (evtx_dump)",
        Some(EventFormat::EventXml) => "Event Viewer XML",
        Some(EventFormat::Evtx) => "Windows event log (.evtx)",
    }
}

/// An event that could not be read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventErrorView {
    pub index: usize,
    pub message: String,
    pub line: usize,
    pub column: usize,
}

/// What the UI needs to know about parsed events, before any rule runs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventsSummary {
    pub format: String,
    pub count: usize,
    /// 1-based line where each event starts (to jump there and to label the verdict list).
    pub lines: Vec<u32>,
    pub errors: Vec<EventErrorView>,
    /// The events' fields, most frequent first (at most [`MAX_FIELD_HINTS`]), for completion.
    #[serde(default)]
    pub fields: Vec<FieldHint>,
}

/// Completion offers at most this many of the events' fields.
pub const MAX_FIELD_HINTS: usize = 300;

/// Parsed events kept by the worker between evaluations, with their compiled rules.
///
/// Verdicts come from `sigmaplay_ruletest::Evaluator`, the code `sigmaplay test` uses too, so the
/// page and the CLI never disagree (log source field mappings, optional log source check).
pub struct Session {
    events: Vec<Result<Event, String>>,
    summary: EventsSummary,
    evaluator: Evaluator,
}

impl Default for Session {
    fn default() -> Session {
        Session::new()
    }
}

impl Session {
    pub fn new() -> Session {
        Session {
            events: Vec::new(),
            summary: EventsSummary::default(),
            evaluator: Evaluator::new(Vec::new(), LogSourcePolicy::Note),
        }
    }

    /// Parses an events text (any supported shape) and keeps the events.
    pub fn set_events(&mut self, text: &str) -> &EventsSummary {
        let input = parse_events(text);
        let map = SourceMap::new(text);
        let mut lines = Vec::with_capacity(input.events.len());
        let mut errors = Vec::new();
        let mut events = Vec::with_capacity(input.events.len());
        for (index, parsed) in input.events.into_iter().enumerate() {
            match parsed {
                Ok(event) => {
                    lines.push(map.location(event.span.start).line as u32);
                    events.push(Ok(event));
                }
                Err(e) => {
                    lines.push(e.line as u32);
                    errors.push(EventErrorView {
                        index,
                        message: e.message.clone(),
                        line: e.line,
                        column: e.column,
                    });
                    events.push(Err(e.message));
                }
            }
        }
        let mut fields = event_fields(events.iter().filter_map(|e| e.as_ref().ok()));
        fields.truncate(MAX_FIELD_HINTS);
        self.summary = EventsSummary {
            format: format_label(input.format).to_string(),
            count: events.len(),
            lines,
            errors,
            fields,
        };
        self.events = events;
        &self.summary
    }

    pub fn events_summary(&self) -> &EventsSummary {
        &self.summary
    }

    pub fn event_count(&self) -> usize {
        self.events.len()
    }

    /// Compiles the rule text; the compiled rules replace the previous ones only when they
    /// compiled without error (so the last good results can be kept while the text is broken).
    pub fn set_rule(&mut self, text: &str, options: &RuleOptions) -> CompileReport {
        let (rules, report) = compile(text, options);
        if !report.has_errors {
            self.evaluator =
                Evaluator::new(rules, LogSourcePolicy::checked(options.logsource_check));
        }
        report
    }

    pub fn rules(&self) -> &[CompiledRule] {
        self.evaluator.rules()
    }

    /// Verdicts of events `start..end` (clamped), one per event. An event fires when any rule does.
    pub fn evaluate_chunk(&mut self, start: usize, end: usize) -> Vec<Verdict> {
        let end = end.min(self.events.len());
        let start = start.min(end);
        let evaluator = &self.evaluator;
        self.events[start..end]
            .iter()
            .map(|e| match e {
                Err(_) => Verdict::Error,
                Ok(event) => evaluator.evaluate(event).verdict,
            })
            .collect()
    }

    /// The full explanation of one event.
    pub fn explain(&self, index: usize) -> ExplainReport {
        match self.events.get(index) {
            None => ExplainReport::error(index, format!("there is no event #{}", index + 1)),
            Some(Err(message)) => {
                ExplainReport::error(index, format!("the event could not be read: {message}"))
            }
            Some(Ok(event)) => explain_event(&self.evaluator, event, index),
        }
    }
}

/// The explanation of one event against every rule of the text.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ExplainReport {
    pub event_index: usize,
    /// The event's flattened fields, in input order, as `[name, value]` pairs.
    pub fields: Vec<(String, serde_json::Value)>,
    pub traces: Vec<MatchTrace>,
    /// Set when the event itself could not be read or explained.
    pub error: Option<String>,
}

impl ExplainReport {
    fn error(event_index: usize, message: String) -> ExplainReport {
        ExplainReport {
            event_index,
            error: Some(message),
            ..ExplainReport::default()
        }
    }
}

/// Explains one event against every rule, with each rule's log source note and field mappings.
pub fn explain_event(evaluator: &Evaluator, event: &Event, index: usize) -> ExplainReport {
    let fields = event
        .fields()
        .map(|(name, value)| (name.to_string(), value.to_json()))
        .collect();
    let traces = (0..evaluator.rules().len())
        .map(|rule| evaluator.explain(rule, event))
        .collect();
    ExplainReport {
        event_index: index,
        fields,
        traces,
        error: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: &str = "title: T\nlogsource:\n    category: network_connection\n    product: windows\ndetection:\n    selection:\n        Image|endswith: '\\cmstp.exe'\n        Initiated: 'true'\n    condition: selection\n";
    const EVENTS: &str = "{\"Image\": \"C:\\\\Windows\\\\System32\\\\cmstp.exe\", \"Initiated\": \"true\"}\n{\"Image\": \"C:\\\\x.exe\", \"Initiated\": \"true\"}\n{not json\n";

    #[test]
    fn session_evaluates_and_explains() {
        let mut session = Session::new();
        let report = session.set_rule(RULE, &RuleOptions::with_lint());
        assert!(!report.has_errors, "{:?}", report.diagnostics);
        let summary = session.set_events(EVENTS).clone();
        assert_eq!(summary.count, 3);
        assert_eq!(summary.lines, vec![1, 2, 3]);
        assert_eq!(summary.errors.len(), 1);
        assert_eq!(
            session.evaluate_chunk(0, 10),
            vec![Verdict::Fired, Verdict::NotFired, Verdict::Error]
        );
        let explained = session.explain(0);
        assert_eq!(explained.error, None);
        assert!(explained.traces[0].matched);
        assert!(explained.fields.iter().any(|(k, _)| k == "Image"));
        let not_fired = session.explain(1);
        assert!(!not_fired.traces[0].matched);
        assert!(session.explain(2).error.is_some());
        assert!(session.explain(9).error.is_some());
    }

    #[test]
    fn explain_report_crosses_json_unchanged() {
        let mut session = Session::new();
        session.set_rule(RULE, &RuleOptions::with_lint());
        session.set_events(EVENTS);
        for index in 0..2 {
            let report = session.explain(index);
            let json = serde_json::to_string(&report).unwrap();
            let back: ExplainReport = serde_json::from_str(&json).unwrap();
            assert_eq!(back, report);
        }
    }

    #[test]
    fn broken_rule_keeps_last_good_rules() {
        let mut session = Session::new();
        let good = session.set_rule(RULE, &RuleOptions::default());
        assert!(!good.has_errors);
        let bad = session.set_rule(
            "title: T\ndetection:\n    condition: nothing\n  bad: [\n",
            &RuleOptions::default(),
        );
        assert!(bad.has_errors);
        let located = bad.diagnostics.iter().find(|d| d.is_error()).unwrap();
        assert!(located.location.is_some());
        assert_eq!(session.rules().len(), 1);
    }

    #[test]
    fn diagnostic_positions_are_labelled() {
        let mut d = Diagnostic::error(sigmaplay_engine::DiagnosticCode::Yaml, "m", None);
        assert_eq!(position_label(&d), "");
        d.location = Some(sigmaplay_engine::Location { line: 3, column: 7 });
        assert_eq!(position_label(&d), "3:7");
    }
}
