//! Many rules over many events (to be filled in: routing by log source, literal prefilter).
use crate::compile::CompiledRule;
use crate::event::Event;
use crate::logsource::LogSourceMap;

pub struct RuleSet {
    rules: Vec<CompiledRule>,
    map: LogSourceMap,
    routing: bool,
}

impl RuleSet {
    /// Log source routing is on by default: a rule only sees events of its log source.
    pub fn new(rules: Vec<CompiledRule>, map: LogSourceMap) -> RuleSet {
        RuleSet { rules, map, routing: true }
    }

    pub fn set_routing(&mut self, on: bool) {
        self.routing = on;
    }

    pub fn rules(&self) -> &[CompiledRule] {
        &self.rules
    }

    /// Indices (into [`RuleSet::rules`]) of the rules that fire on `event`, ascending.
    pub fn matching(&self, event: &Event) -> Vec<usize> {
        let _ = (&self.map, self.routing);
        (0..self.rules.len()).filter(|&i| self.rules[i].matches(event)).collect()
    }
}
