//! What a correlation or filter document says, with the position of every part that an error can
//! point at (read by `parse.rs` and `filter.rs`); evaluating them is `crate::correlation`'s job.

mod filter;
mod parse;

pub(crate) use filter::parse_filter;
pub use filter::{FilterRule, FilterTargets};
pub(crate) use parse::parse_correlation;

use crate::rule::condition::Expr;
use crate::source::Span;
use serde::Serialize;

/// A Sigma correlation rule (v2.1, with pySigma's `value_median` and extended conditions).
#[derive(Clone, Debug)]
pub struct CorrelationRule {
    pub title: String,
    pub id: Option<String>,
    pub name: Option<String>,
    pub level: Option<String>,
    pub status: Option<String>,
    pub kind: CorrelationType,
    /// The referenced rules, in the order `temporal_ordered` requires.
    pub rules: Vec<RuleRef>,
    pub aliases: Vec<Alias>,
    pub group_by: GroupBy,
    pub timespan: Timespan,
    pub condition: Condition,
    /// Whether the referenced rules' own matches are reported too.
    pub generate: bool,
    /// The whole YAML document.
    pub span: Span,
    /// Where `rules` (or, without it, `correlation`) is written: cycle errors point here.
    pub rules_span: Span,
}

impl CorrelationRule {
    /// How other documents may name this one: its `name`, else its `id`, else its title.
    pub fn label(&self) -> &str {
        self.name
            .as_deref()
            .or(self.id.as_deref())
            .unwrap_or(&self.title)
    }

    /// Whether `name` names this correlation: its id, its name or its title (as rule tests
    /// refer to one).
    pub fn answers_to(&self, name: &str) -> bool {
        self.id.as_deref() == Some(name) || self.name.as_deref() == Some(name) || self.title == name
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrelationType {
    EventCount,
    ValueCount,
    Temporal,
    TemporalOrdered,
    ValueSum,
    ValueAvg,
    ValuePercentile,
    ValueMedian,
}

impl CorrelationType {
    pub const ALL: [CorrelationType; 8] = [
        CorrelationType::EventCount,
        CorrelationType::ValueCount,
        CorrelationType::Temporal,
        CorrelationType::TemporalOrdered,
        CorrelationType::ValueSum,
        CorrelationType::ValueAvg,
        CorrelationType::ValuePercentile,
        CorrelationType::ValueMedian,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CorrelationType::EventCount => "event_count",
            CorrelationType::ValueCount => "value_count",
            CorrelationType::Temporal => "temporal",
            CorrelationType::TemporalOrdered => "temporal_ordered",
            CorrelationType::ValueSum => "value_sum",
            CorrelationType::ValueAvg => "value_avg",
            CorrelationType::ValuePercentile => "value_percentile",
            CorrelationType::ValueMedian => "value_median",
        }
    }

    pub fn from_name(name: &str) -> Option<CorrelationType> {
        CorrelationType::ALL
            .into_iter()
            .find(|t| t.as_str() == name)
    }

    pub fn is_temporal(self) -> bool {
        matches!(
            self,
            CorrelationType::Temporal | CorrelationType::TemporalOrdered
        )
    }

    /// The types that read `condition.field`.
    pub fn needs_field(self) -> bool {
        !matches!(
            self,
            CorrelationType::EventCount
                | CorrelationType::Temporal
                | CorrelationType::TemporalOrdered
        )
    }

    /// The types whose field is read as a number (the others count).
    pub fn is_numeric(self) -> bool {
        self.needs_field() && self != CorrelationType::ValueCount
    }
}

impl std::fmt::Display for CorrelationType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rule named in `rules`, `aliases` or an extended condition: its `name` or `id`.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleRef {
    pub name: String,
    pub span: Span,
}

/// One `aliases` entry: the group-by name `name` reads field `fields[i].1` in rule `fields[i].0`.
#[derive(Clone, Debug)]
pub struct Alias {
    pub name: String,
    pub span: Span,
    pub fields: Vec<(RuleRef, String)>,
}

/// The `group-by` fields (or aliases); empty: one series over all events.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GroupBy(pub Vec<String>);

/// A `timespan`, in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timespan {
    pub millis: i64,
    pub span: Span,
}

impl Timespan {
    /// Seconds per unit letter: Sigma's `s m h d`, and pySigma's `w`, `M` (1/12 of a Gregorian
    /// year) and `y` (a Gregorian year).
    pub const UNITS: [(char, i64); 7] = [
        ('s', 1),
        ('m', 60),
        ('h', 3600),
        ('d', 86_400),
        ('w', 604_800),
        ('M', 2_629_746),
        ('y', 31_556_952),
    ];

    /// The milliseconds of `5m`-style text (digits, then one unit letter of [`Self::UNITS`]):
    /// `None` when it is not so written, `Some(None)` when it overflows. Zero is allowed here
    /// (an offset); a correlation's timespan refuses it.
    pub fn millis_of(raw: &str) -> Option<Option<i64>> {
        raw.char_indices().last().and_then(|(i, unit)| {
            let seconds = Timespan::UNITS.iter().find(|(c, _)| *c == unit)?.1;
            let digits = &raw[..i];
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            Some(
                digits
                    .parse::<i64>()
                    .ok()
                    .and_then(|n| n.checked_mul(seconds * 1000)),
            )
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ConditionOp {
    Gt,
    Gte,
    Lt,
    Lte,
    Eq,
    Neq,
}

impl ConditionOp {
    pub const ALL: [ConditionOp; 6] = [
        ConditionOp::Gt,
        ConditionOp::Gte,
        ConditionOp::Lt,
        ConditionOp::Lte,
        ConditionOp::Eq,
        ConditionOp::Neq,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ConditionOp::Gt => "gt",
            ConditionOp::Gte => "gte",
            ConditionOp::Lt => "lt",
            ConditionOp::Lte => "lte",
            ConditionOp::Eq => "eq",
            ConditionOp::Neq => "neq",
        }
    }

    /// The sign the explanation writes (`≥ 3`).
    pub fn symbol(self) -> &'static str {
        match self {
            ConditionOp::Gt => ">",
            ConditionOp::Gte => "≥",
            ConditionOp::Lt => "<",
            ConditionOp::Lte => "≤",
            ConditionOp::Eq => "=",
            ConditionOp::Neq => "≠",
        }
    }

    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            ConditionOp::Gt => value > threshold,
            ConditionOp::Gte => value >= threshold,
            ConditionOp::Lt => value < threshold,
            ConditionOp::Lte => value <= threshold,
            ConditionOp::Eq => value == threshold,
            ConditionOp::Neq => value != threshold,
        }
    }
}

/// `condition`: a comparison of the metric, or (temporal types) a boolean expression over the
/// referenced rules' names.
#[derive(Clone, Debug)]
pub enum Condition {
    Threshold(Threshold),
    Extended { expr: Expr, span: Span },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Threshold {
    pub op: ConditionOp,
    pub value: f64,
    /// The field the value types read (an alias name or a field name).
    pub field: Option<String>,
    /// `value_percentile`: 0 to 100.
    pub percentile: Option<u8>,
    pub span: Span,
}
