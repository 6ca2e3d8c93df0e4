//! Sigma detection rules: parse → compile → evaluate → explain.
//!
//! The layers, each a private module with one job (a module only uses the ones above it):
//! - `source`: spans, line/column positions, diagnostics, YAML read with positions, case folding;
//! - `event`: events in every supported shape (JSON, JSON Lines, evtx_dump, Event Viewer XML,
//!   `.evtx` files);
//! - `rule`: the rule model as written, its metadata checks, modifiers, values, conditions, lint;
//! - `pipeline`: processing pipelines (pySigma's YAML format) that rewrite a rule's model before
//!   it compiles ([`Pipeline`], [`process_rules`]), and the built-in ones;
//! - `compile`: the driver ([`compile_rules`]) and the compiled program the next two run;
//! - `eval`: the fast path ([`CompiledRule::matches`]);
//! - `explain`: the same evaluation with a full trace ([`MatchTrace`]) and its words;
//! - `logsource`: the Sigma taxonomy for Windows, which events fit a rule ([`LogSourceFit`]),
//!   and the policy for those that do not ([`LogSourcePolicy`]);
//! - `bulk`: many rules over many events ([`RuleSet`]): routing, a literal prefilter, field ids;
//! - `correlation`: correlation rules and filters over an event stream ([`Correlations`]);
//! - `authoring`: completion and hover help while a rule is written ([`complete`], [`hover`]).
//!
//! [`limits`] holds every bound the engine puts on user input.
//!
//! No web dependency lives here.

mod authoring;
mod bulk;
mod compile;
mod correlation;
mod eval;
mod event;
mod explain;
pub mod limits;
mod logsource;
mod pipeline;
mod rule;
mod source;
#[cfg(test)]
mod testing;

pub use authoring::{
    add_to_selection, complete, event_fields, exclude_like, format_plan, hover, quick_fixes,
    rule_from_event, sigma_literal, AuthoringHints, Completion, CompletionKind, CompletionList,
    DraftMatch, FieldHint, FormatPlan, Hover, QuickFix, TextEdit,
};
pub use bulk::{RuleHit, RuleSet, Scratch};
pub use compile::{
    compile_rules, compile_rules_within, Compilation, CompileOptions, CompiledRule, RegexBudget,
};
pub use correlation::{
    rfc3339, Alert, Alias, BaseRule, Condition, ConditionOp, CorrelationRule, CorrelationSet,
    CorrelationType, Correlations, Counted, CountedVia, Exclusion, Filter, FilterRule, FilterSet,
    FilterTargets, GroupBy, GroupTrace, Located, MatchRecord, MissingTime, Outcome, RuleRef, Run,
    RunOptions, Threshold, Timespan, TimestampField, UntimedEvent, WindowTrace, TIMESTAMP_FIELDS,
};
pub use event::{
    evtx_to_json, flatten_windows, is_evtx, is_json_lines, parse_events, parse_evtx, read_evtx,
    Event, EventError, EventFormat, EventInput, EvtxJson, FieldValue, JsonLines, LinesBlock,
    EVTX_MAGIC,
};
pub use explain::{
    ConditionKind, ConditionTrace, IdentifierTrace, ItemTrace, Linking, MatchTrace, Reason,
    SearchTrace, ValueTrace,
};
pub use limits::{MAX_INPUT_BYTES, MAX_RULE_BYTES};
pub use logsource::{
    FieldMappings, LogSourceDecision, LogSourceEntry, LogSourceFit, LogSourceMap, LogSourcePolicy,
};
pub use pipeline::{
    builtin_pipeline, parse_pipeline, parse_vars, process_rules, Pipeline, ProcessedRule,
    BUILTIN_PIPELINES,
};
pub use rule::modifier::Modifier;
pub use rule::{AppliedItem, LogSource};
pub use source::{
    utf8_text, Diagnostic, DiagnosticCode, Location, NotUtf8, Severity, SourceMap, Span,
};
