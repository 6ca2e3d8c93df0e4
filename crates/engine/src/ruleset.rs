//! Many rules over many events. Log source routing first: a [`RouteIndex`] maps an event's
//! (channel, event id) to the few rules whose log source it can fit, so most rules are never
//! looked at; those left are checked with [`LogSourceMap::fit`] (which also yields field
//! mappings such as Security 4688's `NewProcessName` for `Image`) and then evaluated.

use crate::compile::CompiledRule;
use crate::eval::{matches_in, View};
use crate::event::Event;
use crate::fields::{FieldIds, Slots};
use crate::logsource::{LogSourceFit, LogSourceMap, RouteIndex};

pub struct RuleSet {
    rules: Vec<CompiledRule>,
    map: LogSourceMap,
    index: RouteIndex,
    routing: bool,
    ids: FieldIds,
}

/// Per-thread scratch space for [`RuleSet::matching_into`], reused across events.
#[derive(Debug, Default)]
pub struct Scratch {
    candidates: Vec<usize>,
    slots: Slots,
}

impl RuleSet {
    /// Log source routing is on by default: a rule only sees events of its log source.
    pub fn new(rules: Vec<CompiledRule>, map: LogSourceMap) -> RuleSet {
        let index = RouteIndex::new(&map, rules.iter().map(|r| &r.logsource));
        RuleSet {
            rules,
            map,
            index,
            routing: true,
            ids: FieldIds::snapshot(),
        }
    }

    pub fn set_routing(&mut self, on: bool) {
        self.routing = on;
    }

    pub fn routing(&self) -> bool {
        self.routing
    }

    pub fn rules(&self) -> &[CompiledRule] {
        &self.rules
    }

    pub fn logsource_map(&self) -> &LogSourceMap {
        &self.map
    }

    /// Indices (into [`RuleSet::rules`]) of the rules that fire on `event`, ascending.
    pub fn matching(&self, event: &Event) -> Vec<usize> {
        thread_local! {
            static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
        }
        SCRATCH.with(|s| {
            let mut s = s.borrow_mut();
            s.slots.ensure(&self.ids);
            let mut out = Vec::new();
            self.matching_into(event, &mut s, &mut out);
            out
        })
    }

    /// Scratch space sized for this rule set.
    pub fn scratch(&self) -> Scratch {
        Scratch {
            candidates: Vec::new(),
            slots: Slots::new(&self.ids),
        }
    }

    /// [`RuleSet::matching`] without allocating: `scratch` and `out` are reused across events.
    pub fn matching_into(&self, event: &Event, scratch: &mut Scratch, out: &mut Vec<usize>) {
        out.clear();
        let Scratch { candidates, slots } = scratch;
        slots.ensure(&self.ids);
        slots.load(&self.ids, event);
        let view = View {
            event,
            slots: Some(slots),
            maps: &[],
        };
        if !self.routing {
            out.extend((0..self.rules.len()).filter(|&i| matches_in(&self.rules[i], &view)));
            return;
        }
        self.index.candidates(event, candidates);
        for &i in candidates.iter() {
            let rule = &self.rules[i];
            let fired = match self.map.fit(&rule.logsource, event) {
                LogSourceFit::DoesNotFit { .. } => false,
                LogSourceFit::Fits { field_mappings } if !field_mappings.is_empty() => {
                    crate::eval::matches_mapped(rule, event, field_mappings.as_slice())
                }
                _ if rule.mappings.is_empty() => matches_in(rule, &view),
                _ => rule.matches(event),
            };
            if fired {
                out.push(i);
            }
        }
    }

    /// The log source verdict for one rule and event (what routing decided).
    pub fn fit(&self, rule: usize, event: &Event) -> LogSourceFit {
        self.map.fit(&self.rules[rule].logsource, event)
    }
}
