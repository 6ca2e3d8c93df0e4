//! Many rules over many events. Three filters run before any rule is evaluated:
//! 1. log source routing: a [`RouteIndex`] maps an event's (channel, event id) to the rules whose
//!    log source it can fit; the others are never looked at. [`LogSourceMap::check`] then
//!    confirms the fit and gives field mappings (Security 4688: `Image` ← `NewProcessName`);
//! 2. the literal [`Prefilter`]: one Aho-Corasick scan per event field tells which rules' required
//!    literals occur; rules whose literal is absent cannot match;
//! 3. interned field ids: the rules left read fields by slot ([`Slots`]), not by hashing names.

use crate::compile::CompiledRule;
use crate::eval::{matches_in, View};
use crate::event::Event;
use crate::fields::{FieldIds, Slots};
use crate::logsource::{FitCheck, LogSourceFit, LogSourceMap, RouteIndex};
use crate::prefilter::Prefilter;

pub struct RuleSet {
    rules: Vec<CompiledRule>,
    map: LogSourceMap,
    index: RouteIndex,
    routing: bool,
    ids: FieldIds,
    prefilter: Prefilter,
    /// Per rule, the index of its log source among the distinct ones: rules share a few dozen
    /// log sources, so the fit is decided once per (log source, event), not per rule.
    logsource_of: Vec<u32>,
    logsources: usize,
}

/// Scratch space for [`RuleSet::matching_into`], reused across events.
#[derive(Debug, Default)]
pub struct Scratch {
    candidates: Vec<usize>,
    slots: Slots,
    /// Prefilter marks, stamped per event so they never need clearing.
    marks: Vec<u32>,
    stamp: u32,
    /// Per distinct log source: (stamp, fit) decided for the current event.
    fits: Vec<(u32, Fit)>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Fit {
    #[default]
    Evaluate,
    /// Fits with field mappings (rare: Security 4688, Defender): asked again for the mappings.
    Mapped,
    Skip,
}

impl RuleSet {
    /// Log source routing is on by default: a rule only sees events of its log source.
    pub fn new(rules: Vec<CompiledRule>, map: LogSourceMap) -> RuleSet {
        let index = RouteIndex::new(&map, rules.iter().map(|r| &r.logsource));
        let ids = FieldIds::snapshot();
        // Every rename the map can apply: the prefilter also looks for a field's literals in the
        // event field it may be read from (Security 4688 `NewProcessName` for `Image`).
        let mut renames: Vec<(String, String)> = map
            .entries()
            .iter()
            .flat_map(|e| e.field_mappings.iter().cloned())
            .collect();
        renames.sort();
        renames.dedup();
        let prefilter = Prefilter::new(&rules, renames);
        let mut distinct: Vec<&crate::rule::LogSource> = Vec::new();
        let logsource_of = rules
            .iter()
            .map(|r| match distinct.iter().position(|l| **l == r.logsource) {
                Some(p) => p as u32,
                None => {
                    distinct.push(&r.logsource);
                    distinct.len() as u32 - 1
                }
            })
            .collect();
        let logsources = distinct.len();
        RuleSet {
            rules,
            map,
            index,
            routing: true,
            ids,
            prefilter,
            logsource_of,
            logsources,
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

    /// How many rules the literal prefilter indexes (the others are always evaluated).
    pub fn prefiltered_rules(&self) -> usize {
        self.prefilter.indexed_rules()
    }

    /// Indices (into [`RuleSet::rules`]) of the rules that fire on `event`, ascending.
    pub fn matching(&self, event: &Event) -> Vec<usize> {
        thread_local! {
            static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
        }
        SCRATCH.with(|s| {
            let mut s = s.borrow_mut();
            let mut out = Vec::new();
            self.matching_into(event, &mut s, &mut out);
            out
        })
    }

    /// Scratch space sized for this rule set.
    pub fn scratch(&self) -> Scratch {
        Scratch {
            slots: Slots::new(&self.ids),
            ..Scratch::default()
        }
    }

    /// [`RuleSet::matching`] without allocating: `scratch` and `out` are reused across events.
    pub fn matching_into(&self, event: &Event, scratch: &mut Scratch, out: &mut Vec<usize>) {
        out.clear();
        let Scratch {
            candidates,
            slots,
            marks,
            stamp,
            fits,
        } = scratch;
        if fits.len() < self.logsources {
            fits.resize(self.logsources, (0, Fit::Evaluate));
        }
        slots.ensure(&self.ids);
        slots.load(&self.ids, event);
        *stamp = stamp.wrapping_add(1);
        if *stamp == 0 {
            marks.iter_mut().for_each(|m| *m = 0);
            fits.iter_mut().for_each(|f| f.0 = 0);
            *stamp = 1;
        }
        let stamp = *stamp;
        self.prefilter.mark(event, marks, stamp);
        let view = View {
            event,
            slots: Some(slots),
            maps: &[],
        };
        let eval = |i: usize| {
            let rule = &self.rules[i];
            if !rule.mappings.is_empty() {
                rule.matches(event)
            } else {
                !self.prefilter.skip(i, marks, stamp) && matches_in(rule, &view)
            }
        };
        if !self.routing {
            out.extend((0..self.rules.len()).filter(|&i| eval(i)));
            return;
        }
        self.index.candidates(event, candidates);
        for &i in candidates.iter() {
            let ls = self.logsource_of[i] as usize;
            if fits[ls].0 != stamp {
                let fit = match self.map.check(&self.rules[i].logsource, event) {
                    FitCheck::DoesNotFit => Fit::Skip,
                    FitCheck::Fits(m) if !m.is_empty() => Fit::Mapped,
                    _ => Fit::Evaluate,
                };
                fits[ls] = (stamp, fit);
            }
            let fired = match fits[ls].1 {
                Fit::Skip => false,
                Fit::Evaluate => eval(i),
                Fit::Mapped => match self.map.check(&self.rules[i].logsource, event) {
                    FitCheck::DoesNotFit => false,
                    FitCheck::Fits(m) if !m.is_empty() => {
                        !self.prefilter.skip(i, marks, stamp)
                            && crate::eval::matches_mapped(&self.rules[i], event, m.as_slice())
                    }
                    _ => eval(i),
                },
            };
            if fired {
                out.push(i);
            }
        }
    }

    /// The log source verdict for one rule and event (what routing decided), with its reason.
    pub fn fit(&self, rule: usize, event: &Event) -> LogSourceFit {
        self.map.fit(&self.rules[rule].logsource, event)
    }
}
