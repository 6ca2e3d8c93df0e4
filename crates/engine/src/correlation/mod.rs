//! Sigma correlation rules: parse → resolve → evaluate over an event stream.
//!
//! See `README.md` in this folder for the semantics and the decisions the specification leaves open.

mod documents;
mod explain;
mod filter;
mod model;
mod parse;
mod resolve;
mod set;
mod time;
mod value;
mod window;

pub use documents::{Correlations, Exclusion};
pub(crate) use filter::parse_filter;
pub use filter::{Filter, FilterRule, FilterSet, FilterTargets};
pub use model::{
    Alias, Condition, ConditionOp, CorrelationRule, CorrelationType, GroupBy, RuleRef, Threshold,
    Timespan,
};
pub(crate) use parse::parse_correlation;
pub use resolve::{BaseRule, Located};
pub use set::{
    Alert, CorrelationSet, GroupTrace, Outcome, Run, RunOptions, UntimedEvent, WindowTrace,
};
pub use time::{rfc3339, MissingTime, TimestampField, TIMESTAMP_FIELDS};

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod tests;
