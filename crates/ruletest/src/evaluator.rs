//! One rule text over pasted events: the verdict per event as the playground and `sigmaplay test`
//! both take it (so the page and the CLI never disagree).

use crate::report::Verdict;
use sigmaplay_engine::{CompiledRule, Event, LogSourceMap, LogSourcePolicy, MatchTrace};

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
}

/// Evaluates compiled rules event by event: an event fires when any rule fires. The log source
/// mapping is applied to each event: its field renames (Security 4688's `NewProcessName` read as
/// `Image`) are always used where the event fits; under [`LogSourcePolicy::Route`] an event whose
/// log source does not fit cannot fire, under [`LogSourcePolicy::Note`] the misfit is only noted.
pub struct Evaluator {
    rules: Vec<CompiledRule>,
    map: LogSourceMap,
    policy: LogSourcePolicy,
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
        Evaluator { rules, map, policy }
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

    /// The verdict for one event.
    pub fn evaluate(&self, event: &Event) -> EventVerdict {
        let mut note = None;
        for (i, rule) in self.rules.iter().enumerate() {
            let decision = self.policy.decide(&self.map, rule, event);
            if i == 0 {
                note = decision
                    .misfit()
                    .map(|reason| format!("log source does not fit: {reason}"));
            }
            if decision.evaluate && rule.matches_with(event, &decision.fit) {
                return EventVerdict {
                    verdict: Verdict::Fired,
                    rule: Some(i),
                    matched: rule.matched_identifiers_with(event, &decision.fit),
                    note,
                };
            }
        }
        EventVerdict {
            verdict: Verdict::NotFired,
            rule: None,
            matched: Vec::new(),
            note,
        }
    }

    /// The full explanation of rule `rule` (index into [`Evaluator::rules`]) for one event,
    /// with its log source note and field mappings.
    pub fn explain(&self, rule: usize, event: &Event) -> MatchTrace {
        let rule = &self.rules[rule];
        let decision = self.policy.decide(&self.map, rule, event);
        rule.explain_with(event, &decision.fit)
    }
}
