//! Sigma correlation rules and filters over an event stream: resolve → evaluate → explain. What the
//! documents say is read by the rule layer (`crate::rule::correlation`).
//!
//! See `README.md` in this folder for the semantics and the decisions the specification leaves open.

mod documents;
mod explain;
mod filter;
mod matches;
mod resolve;
mod set;
mod time;
mod value;
mod window;

pub use crate::compile::Filter;
pub use crate::rule::correlation::{
    Alias, Condition, ConditionOp, CorrelationRule, CorrelationType, FilterRule, FilterTargets,
    GroupBy, RuleRef, Threshold, Timespan,
};
pub use documents::{Correlations, Exclusion};
pub use filter::FilterSet;
pub use matches::MatchRecord;
pub use resolve::{BaseRule, Located};
pub use set::{
    Alert, CorrelationSet, Counted, CountedVia, GroupTrace, Outcome, Run, RunOptions, UntimedEvent,
    WindowTrace,
};
pub use time::{rfc3339, MissingTime, TimestampField, TIMESTAMP_FIELDS};

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod tests;
