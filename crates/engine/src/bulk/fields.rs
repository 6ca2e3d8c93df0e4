//! Field names interned per rule set. Each compiled rule numbers the fields it reads (its own
//! ids); a rule set gives every distinct name one id across its rules and keeps, per rule, the
//! translation. An event's ~20 field names are then looked up once per event, and every rule
//! reads fields by id (an array index) instead of hashing names thousands of times.

use crate::compile::CompiledRule;
use rustc_hash::FxHashMap;

#[derive(Clone, Debug, Default)]
pub(crate) struct FieldIds {
    ids: FxHashMap<Box<str>, u32>,
    /// Per rule: rule-local field id → set-wide id.
    per_rule: Vec<Box<[u32]>>,
}

impl FieldIds {
    pub fn new(rules: &[CompiledRule]) -> FieldIds {
        let mut ids: FxHashMap<Box<str>, u32> = FxHashMap::default();
        let per_rule = rules
            .iter()
            .map(|rule| {
                rule.body
                    .fields
                    .iter()
                    .map(|name| {
                        let next = ids.len() as u32;
                        *ids.entry(name.as_str().into()).or_insert(next)
                    })
                    .collect()
            })
            .collect();
        FieldIds { ids, per_rule }
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    #[inline]
    pub fn id(&self, name: &str) -> Option<u32> {
        self.ids.get(name).copied()
    }

    /// Rule `rule`'s translation table (indexed by its local field ids).
    #[inline]
    pub fn of_rule(&self, rule: usize) -> &[u32] {
        self.per_rule.get(rule).map_or(&[], |t| t)
    }
}
