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

pub mod archive;
pub mod correlation;
pub mod files;
#[cfg(feature = "js-api")]
pub mod js;
pub mod pipeline;
pub mod protocol;
pub mod regression;
pub mod ruleset;

use pipeline::{
    processed_views, suggest_pipelines, EventSource, PipelineSuggestion, ProcessedView,
};

use serde::{Deserialize, Serialize};
use sigmaplay_engine::{
    compile_rules, event_fields, parse_events, CompileOptions, CompiledRule, Correlations,
    Diagnostic, Event, EventFormat, Exclusion, FieldHint, LogSourcePolicy, MatchTrace, SourceMap,
    TimestampField,
};
pub use sigmaplay_ruletest::Verdict;
use sigmaplay_ruletest::{event_keys, Evaluator, EventKey, PipelineChoice, PipelineError};
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
    /// The processing pipeline the rule goes through before it compiles.
    #[serde(default)]
    pub pipeline: Option<PipelineChoice>,
    /// The event field correlations read the time from (`None`: the engine's default fields).
    #[serde(default)]
    pub timestamp_field: Option<String>,
}

impl RuleOptions {
    pub fn with_lint() -> RuleOptions {
        RuleOptions {
            placeholders: BTreeMap::new(),
            lint: true,
            logsource_check: false,
            pipeline: None,
            timestamp_field: None,
        }
    }

    /// Where correlations read each event's time.
    pub fn timestamp(&self) -> TimestampField {
        self.timestamp_field
            .as_ref()
            .map_or_else(Default::default, |f| TimestampField::Named(f.clone()))
    }

    /// The engine's options with the chosen pipeline loaded, and the pipeline's errors (located
    /// in a custom pipeline's text, or without a location for an unknown built-in).
    pub fn to_engine_with_pipeline(&self) -> (CompileOptions, Vec<Diagnostic>) {
        let mut engine_options = self.to_engine();
        let mut pipeline_diagnostics = Vec::new();
        match self.pipeline.as_ref().map(PipelineChoice::load) {
            None => {}
            Some(Ok(pipeline)) => engine_options.pipelines.push(pipeline),
            Some(Err(PipelineError::Invalid(diagnostics))) => pipeline_diagnostics = diagnostics,
            Some(Err(e @ PipelineError::UnknownBuiltin(_))) => {
                pipeline_diagnostics.push(Diagnostic::error(
                    sigmaplay_engine::DiagnosticCode::Pipeline,
                    e.to_string(),
                    None,
                ));
            }
        }
        (engine_options, pipeline_diagnostics)
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
    /// The chosen pipeline's errors: located in the custom pipeline's text, or without a
    /// location (an unknown built-in).
    #[serde(default)]
    pub pipeline_diagnostics: Vec<Diagnostic>,
    /// The rules after the pipeline (empty without one).
    #[serde(default)]
    pub processed: Vec<ProcessedView>,
}

/// Compiles a rule text; returns the compiled rules (for evaluation) and the report (for the UI).
pub fn compile(text: &str, options: &RuleOptions) -> (Vec<CompiledRule>, CompileReport) {
    let (rules, _, report) = compile_with_correlations(text, options);
    (rules, report)
}

/// [`compile`], with the text's correlations and filters resolved against its rules.
pub fn compile_with_correlations(
    text: &str,
    options: &RuleOptions,
) -> (Vec<CompiledRule>, Correlations, CompileReport) {
    let (engine_options, pipeline_diagnostics) = options.to_engine_with_pipeline();
    let mut compilation = compile_rules(text, &engine_options);
    let mut diagnostics: Vec<Diagnostic> = compilation
        .diagnostics
        .iter()
        .map(|d| d.clone().locate(&compilation.source))
        .collect();
    let correlations = correlation::resolve(&mut compilation, &mut diagnostics);
    let has_errors = diagnostics.iter().any(Diagnostic::is_error)
        || pipeline_diagnostics.iter().any(Diagnostic::is_error);
    let processed = match engine_options.pipelines.first() {
        Some(pipeline) if !has_errors => processed_views(text, pipeline),
        _ => Vec::new(),
    };
    let rules_summary = compilation
        .rules
        .iter()
        .map(RuleSummary::from_rule)
        .collect();
    (
        compilation.rules,
        correlations,
        CompileReport {
            diagnostics,
            rules: rules_summary,
            has_errors,
            pipeline_diagnostics,
            processed,
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
    /// The input format, named after the events' source when their shape tells it
    /// ("Winlogbeat/ECS · JSON Lines").
    pub format: String,
    /// The built-in pipeline that fits the events' source (`ecs_windows` for Winlogbeat/ECS).
    #[serde(default)]
    pub suggested_pipeline: Option<String>,
    pub count: usize,
    /// 1-based line where each event starts (to jump there and to label the verdict list).
    pub lines: Vec<u32>,
    pub errors: Vec<EventErrorView>,
    /// The events' fields, most frequent first (at most [`MAX_FIELD_HINTS`]), for completion.
    #[serde(default)]
    pub fields: Vec<FieldHint>,
    /// Each event's content key: expectations follow their events by it.
    #[serde(default)]
    pub keys: Vec<EventKey>,
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
    /// The rule text and options the evaluator's rules were compiled from (for suggestions).
    compiled_from: (String, RuleOptions),
    /// Per event of the last evaluation, the rules that fired (filters applied).
    fired: Vec<Vec<usize>>,
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
            compiled_from: (String::new(), RuleOptions::default()),
            fired: Vec::new(),
        }
    }

    /// Parses an events text (any supported shape) and keeps the events.
    pub fn set_events(&mut self, text: &str) -> &EventsSummary {
        let input = parse_events(text);
        let keys = event_keys(text, &input);
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
        let source = events
            .iter()
            .find_map(|e: &Result<Event, String>| e.as_ref().ok())
            .and_then(EventSource::of);
        let format = format_label(input.format);
        let mut fields = event_fields(events.iter().filter_map(|e| e.as_ref().ok()));
        fields.truncate(MAX_FIELD_HINTS);
        self.summary = EventsSummary {
            format: match source {
                Some(source) => format!("{} · {format}", source.label()),
                None => format.to_string(),
            },
            suggested_pipeline: source.map(|s| s.pipeline().to_string()),
            count: events.len(),
            lines,
            errors,
            fields,
            keys,
        };
        self.events = events;
        self.fired.clear();
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
        let (rules, correlations, report) = compile_with_correlations(text, options);
        if !report.has_errors {
            self.evaluator =
                Evaluator::new(rules, LogSourcePolicy::checked(options.logsource_check))
                    .with_correlations(correlations);
            self.compiled_from = (text.to_string(), options.clone());
        }
        report
    }

    pub fn rules(&self) -> &[CompiledRule] {
        self.evaluator.rules()
    }

    /// Verdicts of events `start..end` (clamped), one per event. An event fires when any rule
    /// does; every rule that fires is kept for [`Session::fired_rules`] and the correlations.
    pub fn evaluate_chunk(&mut self, start: usize, end: usize) -> Vec<Verdict> {
        let end = end.min(self.events.len());
        let start = start.min(end);
        let evaluator = &self.evaluator;
        self.fired.resize(self.events.len(), Vec::new());
        let fired = &mut self.fired[start..end];
        self.events[start..end]
            .iter()
            .zip(fired)
            .map(|(e, fired)| match e {
                Err(_) => {
                    fired.clear();
                    Verdict::Error
                }
                Ok(event) => {
                    let (verdict, rules) = evaluator.evaluate_all(event);
                    *fired = rules;
                    verdict.verdict
                }
            })
            .collect()
    }

    /// The rules that fired on each event of the last evaluation.
    pub fn fired_rules(&self) -> correlation::FiredRules {
        correlation::FiredRules(
            self.fired
                .iter()
                .take(self.events.len())
                .enumerate()
                .filter(|(_, rules)| !rules.is_empty())
                .map(|(i, rules)| (i, rules.clone()))
                .collect(),
        )
    }

    /// The text's correlations over the last evaluation's events (`None` without correlations).
    pub fn correlate(&self) -> Option<correlation::CorrelationReport> {
        let fired = &self.fired[..self.fired.len().min(self.events.len())];
        let events = &self.events[..fired.len()];
        correlation::run(
            self.evaluator.correlations(),
            events,
            fired,
            &self.compiled_from.1.timestamp(),
        )
    }

    /// The full explanation of one event.
    pub fn explain(&self, index: usize) -> ExplainReport {
        match self.events.get(index) {
            None => ExplainReport::error(index, format!("there is no event #{}", index + 1)),
            Some(Err(message)) => {
                ExplainReport::error(index, format!("the event could not be read: {message}"))
            }
            Some(Ok(event)) => {
                let mut report = explain_event(&self.evaluator, event, index);
                let (rule, options) = &self.compiled_from;
                let chosen = options.pipeline.as_ref().map(PipelineChoice::name);
                report.pipeline_suggestions =
                    suggest_pipelines(rule, &options.to_engine(), chosen, event);
                report
            }
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
    /// Built-in pipelines that would find fields the rule reads and this event lacks.
    #[serde(default)]
    pub pipeline_suggestions: Vec<PipelineSuggestion>,
    /// Per trace: the filter that removed the event from that rule's matches, and why.
    #[serde(default)]
    pub exclusions: Vec<Option<Exclusion>>,
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
    let traces: Vec<MatchTrace> = (0..evaluator.rules().len())
        .map(|rule| evaluator.explain(rule, event))
        .collect();
    let exclusions = traces
        .iter()
        .enumerate()
        .map(|(rule, trace)| {
            trace
                .matched
                .then(|| evaluator.exclusion(rule, event))
                .flatten()
        })
        .collect();
    ExplainReport {
        event_index: index,
        fields,
        traces,
        error: None,
        pipeline_suggestions: Vec::new(),
        exclusions,
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

    const ECS_EVENTS: &str = "{\"ecs\": {\"version\": \"8.0.0\"}, \"winlog\": {\"channel\": \"Microsoft-Windows-Sysmon/Operational\"}, \"event\": {\"code\": \"3\"}, \"process\": {\"executable\": \"C:\\\\Windows\\\\System32\\\\cmstp.exe\"}, \"winlog.event_data.Initiated\": \"true\"}\n";

    #[test]
    fn winlogbeat_events_are_named_and_get_their_pipeline_suggested() {
        let mut session = Session::new();
        let summary = session.set_events(ECS_EVENTS).clone();
        assert_eq!(summary.format, "Winlogbeat/ECS · JSON object");
        assert_eq!(summary.suggested_pipeline.as_deref(), Some("ecs_windows"));
        assert_eq!(session.set_events(EVENTS).suggested_pipeline, None);
        let legacy = session.set_events(
            "{\"log_name\": \"Security\", \"event_id\": 4688, \"event_data\": {\"NewProcessName\": \"x\"}}\n",
        );
        assert_eq!(legacy.format, "Winlogbeat 6 · JSON object");
        assert_eq!(
            legacy.suggested_pipeline.as_deref(),
            Some("ecs_windows_old")
        );
        session.set_events(ECS_EVENTS);
        session.set_rule(RULE, &RuleOptions::with_lint());
        assert_eq!(session.evaluate_chunk(0, 1), vec![Verdict::NotFired]);
        let explained = session.explain(0);
        let first = explained
            .pipeline_suggestions
            .first()
            .expect("a suggestion");
        assert_eq!(first.pipeline, "ecs_windows");
        assert_eq!(first.field, "Image");
        assert_eq!(first.mapped_to, "process.executable");
    }

    #[test]
    fn a_pipeline_rewrites_the_rule_and_reports_what_it_did() {
        let mut session = Session::new();
        let options = RuleOptions {
            pipeline: Some(PipelineChoice::Builtin("ecs_windows".into())),
            ..RuleOptions::with_lint()
        };
        let report = session.set_rule(RULE, &options);
        assert!(!report.has_errors, "{:?}", report.pipeline_diagnostics);
        let view = &report.processed[0];
        assert!(view
            .applied
            .iter()
            .any(|a| a.pipeline == "ecs_windows" && a.item == "ecs_windows_field_mapping"));
        let added: Vec<&str> = view
            .diff
            .iter()
            .filter(|l| l.change == pipeline::LineChange::Added)
            .map(|l| l.text.trim())
            .collect();
        assert!(
            added.contains(&"process.executable.caseless|endswith: \\cmstp.exe"),
            "{added:?}"
        );
        session.set_events(ECS_EVENTS);
        let item = match &session.explain(0).traces[0].identifiers[0].search {
            sigmaplay_engine::SearchTrace::AllOf { children, .. } => match &children[0] {
                sigmaplay_engine::SearchTrace::Item(item) => item.clone(),
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        };
        assert_eq!(item.renamed_from.as_deref(), Some("Image"));
        assert!(session.explain(0).pipeline_suggestions.is_empty());
    }

    #[test]
    fn a_broken_custom_pipeline_is_a_located_error() {
        let mut session = Session::new();
        let options = RuleOptions {
            pipeline: Some(PipelineChoice::Custom(
                "name: mine\ntransformations:\n  - id: x\n    type: no_such_type\n".into(),
            )),
            ..RuleOptions::with_lint()
        };
        let report = session.set_rule(RULE, &options);
        assert!(report.has_errors);
        assert!(!report.diagnostics.iter().any(Diagnostic::is_error));
        let d = &report.pipeline_diagnostics[0];
        assert_eq!(d.location.map(|l| l.line), Some(4), "{d:?}");
        assert!(d.message.contains("no_such_type"), "{}", d.message);
        assert!(report.processed.is_empty());
    }

    #[test]
    fn diagnostic_positions_are_labelled() {
        let mut d = Diagnostic::error(sigmaplay_engine::DiagnosticCode::Yaml, "m", None);
        assert_eq!(position_label(&d), "");
        d.location = Some(sigmaplay_engine::Location { line: 3, column: 7 });
        assert_eq!(position_label(&d), "3:7");
    }
}
