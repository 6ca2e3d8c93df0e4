//! The log-source policy: what a rule does with an event of another log source. One type for the
//! rule set, the rule-test evaluator, the CLI and the playground's worker, so they never disagree.

use super::{LogSourceFit, LogSourceMap};
use crate::compile::CompiledRule;
use crate::eval::{identifiers_under, matches_mapped};
use crate::event::Event;
use crate::explain::{explain, MatchTrace};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogSourcePolicy {
    /// An event outside the rule's log source is skipped; the others are read under the map's
    /// field mappings (`sigmaplay eval`, the rule-test log source check).
    #[default]
    Route,
    /// Every event is evaluated, under the field mappings where it fits; a misfit is only noted
    /// (the playground's default).
    Note,
    /// The map is not consulted: every event is evaluated as is (`--no-logsource`).
    Ignore,
}

/// The policy's answer for one (rule, event).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogSourceDecision {
    /// Whether the rule is evaluated on the event.
    pub evaluate: bool,
    /// The map's verdict (`Unknown` under [`LogSourcePolicy::Ignore`]).
    pub fit: LogSourceFit,
}

impl LogSourcePolicy {
    /// The policy of a log source check that is on (`Route`) or off (`Note`): the rule-test
    /// option and the playground's checkbox.
    pub fn checked(check: bool) -> LogSourcePolicy {
        if check {
            LogSourcePolicy::Route
        } else {
            LogSourcePolicy::Note
        }
    }

    pub fn decide(
        self,
        map: &LogSourceMap,
        rule: &CompiledRule,
        event: &Event,
    ) -> LogSourceDecision {
        let fit = match self {
            LogSourcePolicy::Ignore => LogSourceFit::Unknown,
            LogSourcePolicy::Route | LogSourcePolicy::Note => map.fit(&rule.logsource, event),
        };
        LogSourceDecision {
            evaluate: self != LogSourcePolicy::Route || fit.is_evaluated(),
            fit,
        }
    }
}

impl LogSourceDecision {
    /// Why the event is outside the rule's log source, when it is.
    pub fn misfit(&self) -> Option<&str> {
        match &self.fit {
            LogSourceFit::DoesNotFit { reason } => Some(reason),
            _ => None,
        }
    }
}

/// The field mappings a rule reads an event with under a verdict: the log source's renames
/// where it has some, else the rule's own.
fn mappings_of<'a>(fit: &'a LogSourceFit, rule: &'a CompiledRule) -> &'a [(String, String)] {
    match fit {
        LogSourceFit::Fits { field_mappings } if !field_mappings.is_empty() => {
            field_mappings.as_slice()
        }
        _ => &rule.mappings,
    }
}

/// The sentence an explanation shows about the log source, if any.
fn note_of(fit: &LogSourceFit, rule: &CompiledRule) -> Option<String> {
    match fit {
        LogSourceFit::Fits { field_mappings } if !field_mappings.is_empty() => {
            let read: Vec<String> = field_mappings
                .iter()
                .map(|(a, b)| format!("{a} from {b}"))
                .collect();
            Some(format!(
                "Fields renamed by the log source mapping: {}.",
                read.join(", ")
            ))
        }
        LogSourceFit::DoesNotFit { reason } => Some(format!(
            "This event is outside the rule's log source ({}): {reason}. It is evaluated anyway.",
            rule.logsource
        )),
        _ => None,
    }
}

impl CompiledRule {
    /// The fast path under a log source verdict: its field mappings apply (the verdict itself is
    /// not checked: callers decide whether a non-fitting event is evaluated).
    pub fn matches_with(&self, event: &Event, fit: &LogSourceFit) -> bool {
        matches_mapped(self, event, mappings_of(fit, self))
    }

    /// [`CompiledRule::matched_identifiers`] under a log source verdict's field mappings.
    pub fn matched_identifiers_with(&self, event: &Event, fit: &LogSourceFit) -> Vec<String> {
        identifiers_under(self, event, mappings_of(fit, self))
    }

    /// Explains with a log source verdict (its note and field mappings).
    pub fn explain_with(&self, event: &Event, fit: &LogSourceFit) -> MatchTrace {
        explain(self, event, mappings_of(fit, self), note_of(fit, self))
    }
}
