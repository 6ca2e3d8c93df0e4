//! The trace of one (rule, event) evaluation: the contract with the CLI (`--explain`, JSON and
//! the text tree) and the playground's page, which reads it back from JSON. Every kind, reason and
//! linking is an enum, with one label each; nothing here needs parsing.

use crate::rule::modifier::Modifier;
use crate::source::{Location, Span};
use serde::{Deserialize, Serialize};

/// Everything about one (rule, event) evaluation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MatchTrace {
    /// The verdict: did the rule fire on this event? Same as the fast path's answer.
    pub matched: bool,
    pub title: String,
    pub rule_id: Option<String>,
    /// A plain-language sentence about the verdict ("Fired: selection is true: ...."): the
    /// verdict's label ([`MatchTrace::verdict_label`]), then [`MatchTrace::why`].
    pub summary: String,
    /// Why the verdict holds, without the verdict ("selection is true: Image ends with ...").
    pub why: String,
    /// Set when the event's log source does not fit the rule's (or cannot be told).
    pub logsource_note: Option<String>,
    /// The condition tree, each node with its value.
    pub condition: ConditionTrace,
    /// Every search identifier of the detection, in rule order.
    pub identifiers: Vec<IdentifierTrace>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
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

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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
// Traces are built for one event at a time (the explain path), so variant size does not matter,
// and an unboxed item keeps pattern matching simple for the web app.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SearchTrace {
    AllOf {
        value: bool,
        span: Span,
        location: Location,
        children: Vec<SearchTrace>,
    },
    AnyOf {
        value: bool,
        span: Span,
        location: Location,
        children: Vec<SearchTrace>,
    },
    Item(ItemTrace),
}

impl SearchTrace {
    pub fn value(&self) -> bool {
        match self {
            SearchTrace::AllOf { value, .. } | SearchTrace::AnyOf { value, .. } => *value,
            SearchTrace::Item(i) => i.value,
        }
    }

    pub fn location(&self) -> Location {
        match self {
            SearchTrace::AllOf { location, .. } | SearchTrace::AnyOf { location, .. } => *location,
            SearchTrace::Item(i) => i.location,
        }
    }
}

/// One `field|modifiers: values` entry (or a keyword list when `field` is `None`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ItemTrace {
    pub value: bool,
    pub field: Option<String>,
    pub modifiers: Vec<Modifier>,
    /// How the values combine.
    pub linking: Linking,
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
    /// The semantic rules that decided this item, for newcomers ("a regular expression matches
    /// anywhere in the value", "null matches a missing field", ...). See ARCHITECTURE.md.
    pub notes: Vec<String>,
}

/// One expected value after modifiers, and how it fared against the event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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
    /// How many other variants this written value expanded into (not shown one by one).
    pub other_variants: usize,
    pub span: Span,
    pub location: Location,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
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

impl MatchTrace {
    /// "Fired" or "Not fired", the opening of the summary.
    pub fn verdict_label(&self) -> &'static str {
        if self.matched {
            "Fired"
        } else {
            "Not fired"
        }
    }
}

impl ConditionKind {
    /// How the kind reads in a tree ("all of", "not", ...).
    pub fn label(self) -> &'static str {
        match self {
            ConditionKind::AnyCondition => "any of the conditions",
            ConditionKind::Or => "or",
            ConditionKind::And => "and",
            ConditionKind::Not => "not",
            ConditionKind::Identifier => "identifier",
            ConditionKind::OneOf => "1 of",
            ConditionKind::AllOf => "all of",
        }
    }
}

/// How an item's values combine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Linking {
    /// Any value is enough (the default).
    Any,
    /// Every value must match (`|all`).
    All,
}

impl Linking {
    pub fn label(self) -> &'static str {
        match self {
            Linking::Any => "any of the values",
            Linking::All => "all of the values",
        }
    }
}

impl Reason {
    /// The words for a value's outcome (the item's explanation carries the specifics).
    pub fn label(self) -> &'static str {
        match self {
            Reason::Matched => "matched",
            Reason::FieldAbsent => "field absent",
            Reason::FieldNull => "field is null",
            Reason::ValueDiffers => "value differs",
            Reason::DiffersOnlyInCase => "differs only in case (|cased compares case)",
            Reason::WrongType => "wrong type",
            Reason::OutsideRange => "outside the range",
            Reason::NotAnIp => "not an IP address",
            Reason::NoTimestamp => "not a timestamp",
            Reason::ReferencedFieldAbsent => "referenced field absent",
            Reason::NoFieldMatched => "no field matched",
        }
    }
}

impl ValueTrace {
    /// `actual` cut at `matched_range` into (before, matched, after), on char boundaries; `None`
    /// when there is nothing to highlight.
    pub fn highlighted_actual(&self) -> Option<(&str, &str, &str)> {
        let actual = self.actual.as_deref()?;
        let [start, end] = self.matched_range?;
        Some((
            actual.get(..start)?,
            actual.get(start..end)?,
            actual.get(end..)?,
        ))
    }
}
