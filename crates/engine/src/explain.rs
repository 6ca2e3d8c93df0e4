//! The explain path: evaluates every node of a compiled rule without short-circuiting and
//! records why each part is true or false, with source locations. Serialized as JSON for the
//! CLI (`--explain`) and the web app; the shapes below are the contract with both.

use crate::span::{Location, Span};
use serde::Serialize;

/// Everything about one (rule, event) evaluation.
#[derive(Clone, Debug, Serialize)]
pub struct MatchTrace {
    /// The verdict: did the rule fire on this event? Same as the fast path's answer.
    pub matched: bool,
    pub title: String,
    pub rule_id: Option<String>,
    /// A plain-language sentence about the verdict ("fired: selection is true and ...").
    pub summary: String,
    /// Set when the event's log source does not fit the rule's (or cannot be told).
    pub logsource_note: Option<String>,
    /// The condition tree, each node with its value.
    pub condition: ConditionTrace,
    /// Every search identifier of the detection, in rule order.
    pub identifiers: Vec<IdentifierTrace>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConditionKind {
    /// The OR of a condition list.
    AnyCondition,
    Or,
    And,
    Not,
    Identifier,
    /// `1 of pattern` / `any of pattern`
    OneOf,
    /// `all of pattern`
    AllOf,
}

#[derive(Clone, Debug, Serialize)]
pub struct ConditionTrace {
    pub kind: ConditionKind,
    /// The source text of this node (`not 1 of filter_main_*`).
    pub text: String,
    pub value: bool,
    pub span: Span,
    pub location: Location,
    /// Operands; for `1 of`/`all of`, the identifiers the pattern selected.
    pub children: Vec<ConditionTrace>,
}

#[derive(Clone, Debug, Serialize)]
pub struct IdentifierTrace {
    pub name: String,
    pub value: bool,
    /// Span of the identifier's key in the detection section.
    pub span: Span,
    pub location: Location,
    /// Plain-language reason ("selection is false: Initiated is 'false', the rule wants 'true'").
    pub explanation: String,
    pub search: SearchTrace,
}

/// A search identifier's body: a map (all items), a list of maps (any alternative), keywords.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SearchTrace {
    AllOf { value: bool, span: Span, location: Location, children: Vec<SearchTrace> },
    AnyOf { value: bool, span: Span, location: Location, children: Vec<SearchTrace> },
    Item(ItemTrace),
}

impl SearchTrace {
    pub fn value(&self) -> bool {
        match self {
            SearchTrace::AllOf { value, .. } | SearchTrace::AnyOf { value, .. } => *value,
            SearchTrace::Item(i) => i.value,
        }
    }
}

/// One `field|modifiers: values` entry (or a keyword list when `field` is `None`).
#[derive(Clone, Debug, Serialize)]
pub struct ItemTrace {
    pub value: bool,
    pub field: Option<String>,
    pub modifiers: Vec<String>,
    /// `any` (values OR-ed) or `all` (`|all`).
    pub linking: &'static str,
    /// `|neq`: the item is the negation of its values.
    pub negated: bool,
    pub span: Span,
    pub location: Location,
    /// The event's value of `field` (absent: `None`). Keyword items: `None`.
    pub event_value: Option<serde_json::Value>,
    /// A close field name the event has, when `field` is absent ("did you mean CommandLine?").
    pub field_suggestion: Option<String>,
    /// Field renamed by the log source mapping (e.g. `Image` read from `NewProcessName`).
    pub read_from: Option<String>,
    pub values: Vec<ValueTrace>,
    /// Plain-language reason for the item's value.
    pub explanation: String,
}

/// One expected value after modifiers, and how it fared against the event.
#[derive(Clone, Debug, Serialize)]
pub struct ValueTrace {
    /// The value as written in the rule.
    pub written: String,
    /// What is compared after modifiers (`*\cmstp.exe`, `/(?i)foo/`, `10.0.0.0/8`, `< 5`).
    pub expected: String,
    /// For expansions (windash, base64offset, placeholders): which variant this is.
    pub variant: Option<String>,
    pub matched: bool,
    /// The event field that matched (keywords: any field; fieldref: the referenced field).
    pub matched_field: Option<String>,
    /// The event value this was compared with (for lists, the element that matched or the first).
    pub actual: Option<String>,
    /// Byte range of the matched part inside `actual`.
    pub matched_range: Option<[usize; 2]>,
    pub reason: Reason,
    pub span: Span,
    pub location: Location,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    Matched,
    FieldAbsent,
    FieldNull,
    ValueDiffers,
    DiffersOnlyInCase,
    WrongType,
    OutsideRange,
    NotAnIp,
    NoTimestamp,
    ReferencedFieldAbsent,
    NoFieldMatched,
}
