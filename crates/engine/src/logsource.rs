//! Log sources: which events a rule applies to (to be filled in).
use crate::event::Event;
use crate::rule::LogSource;
use serde::Serialize;

/// Whether an event belongs to a rule's log source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "fit", rename_all = "snake_case")]
pub enum LogSourceFit {
    /// The event belongs; `field_mappings` are renames to apply (rule field → event field).
    Fits { field_mappings: Vec<(String, String)> },
    /// The event does not belong, with a reason a user understands.
    DoesNotFit { reason: String },
    /// The mapping knows nothing about this log source or event; evaluated as is.
    Unknown,
}

#[derive(Clone, Debug, Default)]
pub struct LogSourceMap {}

impl LogSourceMap {
    pub fn builtin() -> LogSourceMap {
        LogSourceMap {}
    }

    pub fn fit(&self, _logsource: &LogSource, _event: &Event) -> LogSourceFit {
        LogSourceFit::Unknown
    }
}
