//! One rule text over pasted events: the verdict per event as the playground and `sigmaplay test`
//! both take it (so the page and the CLI never disagree).

use serde::{Deserialize, Serialize};
use sigmaplay_engine::{
    CompiledRule, Correlations, Event, Exclusion, LogSourceMap, LogSourcePolicy, MatchTrace,
};

/// What the rule did with one event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Fired,
    NotFired,
    /// The event could not be read, or the rule could not be compiled.
    Error,
}

/// An event's verdict with what explains it briefly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventVerdict {
    /// `Fired` or `NotFired` (errors are the caller's: unreadable events never get here).
    pub verdict: Verdict,
    /// Index (into [`Evaluator::rules`]) of the first rule that fired.
    pub rule: Option<usize>,
    /// The search identifiers that were true for that rule.
    pub matched: Vec<String>,
    /// Set when the event's log source does not fit the (first) rule's.
    pub note: Option<String>,
    /// Set when a rule matched but a filter removed the event: the first such rule (its
    /// filter and why: [`Evaluator::exclusion`]).
    pub excluded_rule: Option<usize>,
}

/// Evaluates compiled rules event by event: an event fires when any rule fires. The log source
/// mapping is applied to each event: its field renames (Security 4688's `NewProcessName` read as
/// `Image`) are always used where the event fits; under [`LogSourcePolicy::Route`] an event whose
/// log source does not fit cannot fire, under [`LogSourcePolicy::Note`] the misfit is only noted.
/// A rule a filter document applies to fires only where the filter's condition holds too.
pub struct Evaluator {
    rules: Vec<CompiledRule>,
    map: LogSourceMap,
    policy: LogSourcePolicy,
    correlations: Correlations,
}

impl Evaluator {
    pub fn new(rules: Vec<CompiledRule>, policy: LogSourcePolicy) -> Evaluator {
        Evaluator::with_map(rules, LogSourceMap::builtin(), policy)
    }

    pub fn with_map(
        rules: Vec<CompiledRule>,
        map: LogSourceMap,
        policy: LogSourcePolicy,
    ) -> Evaluator {
        let (correlations, _, _) = Correlations::resolve(Vec::new(), Vec::new(), &rules);
        Evaluator {
            rules,
            map,
            policy,
            correlations,
        }
    }

    /// The filters and correlations that apply after the rules (resolved against
    /// [`Evaluator::rules`]).
    pub fn with_correlations(mut self, correlations: Correlations) -> Evaluator {
        self.correlations = correlations;
        self
    }

    pub fn correlations(&self) -> &Correlations {
        &self.correlations
    }

    pub fn rules(&self) -> &[CompiledRule] {
        &self.rules
    }

    pub fn logsource_map(&self) -> &LogSourceMap {
        &self.map
    }

    pub fn policy(&self) -> LogSourcePolicy {
        self.policy
    }

    /// The verdict for one event (the rules after the first that fires are not evaluated).
    pub fn evaluate(&self, event: &Event) -> EventVerdict {
        self.verdict(event, false).0
    }

    /// The verdict for one event, and every rule that fired on it (filters applied), as
    /// correlations count them.
    pub fn evaluate_all(&self, event: &Event) -> (EventVerdict, Vec<usize>) {
        self.verdict(event, true)
    }

    fn verdict(&self, event: &Event, every_rule: bool) -> (EventVerdict, Vec<usize>) {
        let mut verdict = EventVerdict {
            verdict: Verdict::NotFired,
            rule: None,
            matched: Vec::new(),
            note: None,
            excluded_rule: None,
        };
        let mut fired = Vec::new();
        for (i, rule) in self.rules.iter().enumerate() {
            if !every_rule && !fired.is_empty() {
                break;
            }
            let decision = self.policy.decide(&self.map, rule, event);
            if i == 0 {
                verdict.note = decision
                    .misfit()
                    .map(|reason| format!("log source does not fit: {reason}"));
            }
            if !(decision.evaluate && rule.matches_with(event, &decision.fit)) {
                continue;
            }
            if self.correlations.excludes(i, rule, event, &self.map) {
                verdict.excluded_rule.get_or_insert(i);
                continue;
            }
            if fired.is_empty() {
                verdict.verdict = Verdict::Fired;
                verdict.rule = Some(i);
                verdict.matched = rule.matched_identifiers_with(event, &decision.fit);
            }
            fired.push(i);
        }
        (verdict, fired)
    }

    /// The filter that removes `event` from rule `rule`'s matches, if one does, and why.
    pub fn exclusion(&self, rule: usize, event: &Event) -> Option<Exclusion> {
        self.correlations
            .exclusion(rule, &self.rules[rule], event, &self.map)
    }

    /// The full explanation of rule `rule` (index into [`Evaluator::rules`]) for one event,
    /// with its log source note and field mappings.
    pub fn explain(&self, rule: usize, event: &Event) -> MatchTrace {
        let rule = &self.rules[rule];
        let decision = self.policy.decide(&self.map, rule, event);
        rule.explain_with(event, &decision.fit)
    }
}
