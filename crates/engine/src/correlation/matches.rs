//! A rule set's matches after the filters, and the one record a match is reported as: the line
//! `sigmaplay eval` prints and the page's rule-set view exports.

use super::documents::Correlations;
use crate::bulk::{RuleHit, RuleSet};
use crate::event::Event;
use serde::{Deserialize, Serialize};

impl Correlations {
    /// The rules of `set` that fire on `event` and that no filter removes, ascending, with
    /// their true search identifiers (what the correlations are fed; [`MatchRecord`]s are the
    /// ones [`super::CorrelationSet::reports_matches_of`] also reports).
    pub fn fired(&self, set: &RuleSet, event: &Event) -> Vec<RuleHit> {
        let mut hits = set.hits(event);
        hits.retain(|h| !self.excludes(h.rule, &set.rules()[h.rule], event, set.logsource_map()));
        hits
    }
}

/// One reported match: a rule that fired on an event (one JSON line of `sigmaplay eval`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchRecord {
    /// 0-based position of the event in the input (unreadable events count).
    pub event: usize,
    /// The line the event starts on in a text input; none for `.evtx` records.
    pub event_line: Option<usize>,
    pub rule_id: Option<String>,
    pub title: String,
    /// The rule file the rule came from.
    pub file: Option<String>,
    pub level: Option<String>,
    /// The search identifiers that were true.
    pub matched: Vec<String>,
}
