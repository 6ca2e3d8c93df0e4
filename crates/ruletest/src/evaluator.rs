//! One rule text over pasted events: the verdict per event as the playground and `sigmaplay test`
//! both take it (so the page and the CLI never disagree).

use crate::report::Verdict;
use sigmaplay_engine::logsource::FieldMappings;
use sigmaplay_engine::{CompiledRule, Event, LogSourceFit, LogSourceMap, MatchTrace};
use std::sync::Arc;

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
/// `Image`) are always used where the event fits; with `logsource_check`, an event whose log source
/// does not fit cannot fire, otherwise the misfit is only noted.
pub struct Evaluator {
    rules: Vec<CompiledRule>,
    map: LogSourceMap,
    logsource_check: bool,
    /// Per rule: the rule with each field mapping met so far (few distinct ones exist).
    mapped: Vec<Vec<(FieldMappings, CompiledRule)>>,
}

impl Evaluator {
    pub fn new(rules: Vec<CompiledRule>, logsource_check: bool) -> Evaluator {
        Evaluator::with_map(rules, LogSourceMap::builtin(), logsource_check)
    }

    pub fn with_map(
        rules: Vec<CompiledRule>,
        map: LogSourceMap,
        logsource_check: bool,
    ) -> Evaluator {
        let mapped = vec![Vec::new(); rules.len()];
        Evaluator {
            rules,
            map,
            logsource_check,
            mapped,
        }
    }

    pub fn rules(&self) -> &[CompiledRule] {
        &self.rules
    }

    pub fn logsource_map(&self) -> &LogSourceMap {
        &self.map
    }

    /// The verdict for one event.
    pub fn evaluate(&mut self, event: &Event) -> EventVerdict {
        let mut note = None;
        for i in 0..self.rules.len() {
            let fit = self.map.fit(&self.rules[i].logsource, event);
            if let LogSourceFit::DoesNotFit { reason } = &fit {
                if i == 0 {
                    note = Some(format!("log source does not fit: {reason}"));
                }
                if self.logsource_check {
                    continue;
                }
            }
            let rule = self.rule_for(i, &fit);
            if rule.matches(event) {
                let matched = rule.matched_identifiers(event);
                return EventVerdict {
                    verdict: Verdict::Fired,
                    rule: Some(i),
                    matched,
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
        let fit = self.map.fit(&self.rules[rule].logsource, event);
        self.rules[rule].explain_with(event, &fit)
    }

    fn rule_for(&mut self, i: usize, fit: &LogSourceFit) -> &CompiledRule {
        let LogSourceFit::Fits { field_mappings } = fit else {
            return &self.rules[i];
        };
        if field_mappings.is_empty() {
            return &self.rules[i];
        }
        let cache = &mut self.mapped[i];
        let pos = match cache
            .iter()
            .position(|(m, _)| Arc::ptr_eq(m, field_mappings) || **m == **field_mappings)
        {
            Some(pos) => pos,
            None => {
                cache.push((
                    field_mappings.clone(),
                    self.rules[i].with_field_mappings(field_mappings),
                ));
                cache.len() - 1
            }
        };
        &cache[pos].1
    }
}
