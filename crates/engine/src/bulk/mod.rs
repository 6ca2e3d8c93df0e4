//! Many rules over many events. Three filters run before any rule is evaluated:
//! 1. log source routing: a [`RouteIndex`] maps an event's (channel, event id) to the rules whose
//!    log source it can fit; the others are never looked at. [`LogSourceMap::check`] then
//!    confirms the fit and gives field mappings (Security 4688: `Image` ← `NewProcessName`);
//! 2. the literal [`Prefilter`]: one Aho-Corasick scan per event field tells which rules' required
//!    literals occur; rules whose literal is absent cannot match;
//! 3. interned field ids: the rules left read fields by slot (the set's own field ids), not by
//!    hashing names.
//!
//! The log-source policy ([`LogSourcePolicy`]) decides what routing does: `Route` skips the
//! events outside a rule's log source, `Note` evaluates them too, `Ignore` skips the map.

mod fields;
mod prefilter;
mod route;

use crate::compile::CompiledRule;
use crate::eval::{identifiers_under, matches_in, matches_mapped, Slots, View};
use crate::event::Event;
use crate::logsource::{FitCheck, LogSourceDecision, LogSourceMap, LogSourcePolicy};
use crate::rule::LogSource;
use fields::FieldIds;
use prefilter::{Marks, Prefilter};
use route::{RouteCache, RouteIndex};

pub struct RuleSet {
    rules: Vec<CompiledRule>,
    map: LogSourceMap,
    index: RouteIndex,
    policy: LogSourcePolicy,
    ids: FieldIds,
    prefilter: Prefilter,
    /// Per rule, the index of its log source among the distinct ones: rules share a few dozen
    /// log sources, so the fit is decided once per (log source, event), not per rule.
    logsource_of: Vec<u32>,
    logsources: usize,
    /// Per rule: it carries its own field mappings (read by name, not by slot). Kept apart from
    /// the rules so that the candidate loop touches one byte per rule, not a rule.
    mapped: Vec<bool>,
    /// Tells this rule set's route cache entries apart from another's in a shared [`Scratch`].
    id: u64,
}

/// A rule that fired on an event, with the search identifiers that were true (read under the
/// same field mappings as the verdict).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleHit {
    /// Index into [`RuleSet::rules`].
    pub rule: usize,
    pub identifiers: Vec<String>,
}

/// Scratch space for [`RuleSet::matching_into`], reused across events.
#[derive(Debug, Default)]
pub struct Scratch {
    candidates: Vec<usize>,
    /// The rules the literal prefilter lets through for the current event, ascending.
    passed: Vec<u32>,
    slots: Slots,
    /// Prefilter marks, stamped per event so they never need clearing.
    marks: Marks,
    stamp: u32,
    /// Per distinct log source: (stamp, fit) decided for the current event.
    fits: Vec<(u32, Fit)>,
    routes: RouteCache,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Fit {
    #[default]
    Evaluate,
    /// Fits with field mappings (rare: Security 4688, Defender): asked again for the mappings.
    Mapped,
    /// Outside the log source: skipped under [`LogSourcePolicy::Route`].
    Misfit,
}

impl RuleSet {
    /// The policy is [`LogSourcePolicy::Route`]: a rule only sees events of its log source.
    pub fn new(rules: Vec<CompiledRule>, map: LogSourceMap) -> RuleSet {
        let index = RouteIndex::new(&map, rules.iter().map(|r| &r.logsource));
        let ids = FieldIds::new(&rules);
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
        let mut distinct: Vec<&LogSource> = Vec::new();
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
        let mapped = rules.iter().map(|r| !r.mappings.is_empty()).collect();
        RuleSet {
            rules,
            map,
            index,
            policy: LogSourcePolicy::Route,
            ids,
            prefilter,
            logsource_of,
            logsources,
            mapped,
            id: {
                static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
                NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            },
        }
    }

    pub fn set_policy(&mut self, policy: LogSourcePolicy) {
        self.policy = policy;
    }

    pub fn policy(&self) -> LogSourcePolicy {
        self.policy
    }

    /// Routing on ([`LogSourcePolicy::Route`]) or off ([`LogSourcePolicy::Ignore`]).
    pub fn set_routing(&mut self, on: bool) {
        self.policy = if on {
            LogSourcePolicy::Route
        } else {
            LogSourcePolicy::Ignore
        };
    }

    pub fn routing(&self) -> bool {
        self.policy == LogSourcePolicy::Route
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
        let mut out = Vec::new();
        self.with_scratch(|set, scratch| set.matching_into(event, scratch, &mut out));
        out
    }

    /// The rules that fire on `event`, ascending, each with its true search identifiers.
    pub fn hits(&self, event: &Event) -> Vec<RuleHit> {
        let mut out = Vec::new();
        self.with_scratch(|set, scratch| {
            set.for_each_match(event, scratch, |rule, maps| {
                out.push(RuleHit {
                    rule,
                    identifiers: identifiers_under(&set.rules[rule], event, maps),
                })
            })
        });
        out
    }

    fn with_scratch(&self, f: impl FnOnce(&RuleSet, &mut Scratch)) {
        thread_local! {
            static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
        }
        SCRATCH.with(|s| f(self, &mut s.borrow_mut()));
    }

    /// Scratch space sized for this rule set.
    pub fn scratch(&self) -> Scratch {
        Scratch::default()
    }

    /// [`RuleSet::matching`] without allocating: `scratch` and `out` are reused across events.
    pub fn matching_into(&self, event: &Event, scratch: &mut Scratch, out: &mut Vec<usize>) {
        out.clear();
        self.for_each_match(event, scratch, |i, _| out.push(i));
    }

    /// The policy's verdict for one rule and event, with the log source's reason.
    pub fn decide(&self, rule: usize, event: &Event) -> LogSourceDecision {
        self.policy.decide(&self.map, &self.rules[rule], event)
    }

    /// Calls `fired(rule, field mappings)` for every rule that fires on `event`, ascending.
    fn for_each_match(
        &self,
        event: &Event,
        scratch: &mut Scratch,
        mut fired: impl FnMut(usize, &[(String, String)]),
    ) {
        let Scratch {
            candidates,
            passed,
            slots,
            marks,
            stamp,
            fits,
            routes,
        } = scratch;
        if fits.len() < self.logsources {
            fits.resize(self.logsources, (0, Fit::Evaluate));
        }
        slots.load(self.ids.len(), event, |name| self.ids.id(name));
        *stamp = stamp.wrapping_add(1);
        if *stamp == 0 {
            marks.reset();
            fits.iter_mut().for_each(|f| f.0 = 0);
            *stamp = 1;
        }
        let stamp = *stamp;
        // Only for rules the prefilter let through.
        let eval = |i: usize| {
            let rule = &self.rules[i];
            if self.mapped[i] {
                return rule.matches(event);
            }
            let view = View {
                event,
                slots: Some((slots, self.ids.of_rule(i))),
                maps: &[],
            };
            matches_in(rule, &view)
        };
        candidates.clear();
        if self.policy == LogSourcePolicy::Route {
            let offered = routes.offer(&self.index, self.id, event, |rules| {
                self.prefilter.scope(rules)
            });
            let scope = Some(&offered.scope);
            self.prefilter
                .candidates(event, marks, stamp, scope, passed);
            offered.keep(passed, candidates);
        } else {
            self.prefilter.candidates(event, marks, stamp, None, passed);
            candidates.extend(passed.iter().map(|&r| r as usize));
        }
        if self.policy == LogSourcePolicy::Ignore {
            for &i in candidates.iter() {
                if eval(i) {
                    fired(i, &self.rules[i].mappings);
                }
            }
            return;
        }
        for &i in candidates.iter() {
            let rule = &self.rules[i];
            let ls = self.logsource_of[i] as usize;
            if fits[ls].0 != stamp {
                let fit = match self.map.check(&rule.logsource, event) {
                    FitCheck::DoesNotFit => Fit::Misfit,
                    FitCheck::Fits(m) if !m.is_empty() => Fit::Mapped,
                    _ => Fit::Evaluate,
                };
                fits[ls] = (stamp, fit);
            }
            match fits[ls].1 {
                Fit::Misfit if self.policy == LogSourcePolicy::Route => {}
                Fit::Evaluate | Fit::Misfit => {
                    if eval(i) {
                        fired(i, &rule.mappings);
                    }
                }
                Fit::Mapped => match self.map.check(&rule.logsource, event) {
                    FitCheck::Fits(m) if !m.is_empty() => {
                        if matches_mapped(rule, event, m.as_slice()) {
                            fired(i, m.as_slice());
                        }
                    }
                    FitCheck::DoesNotFit => {}
                    _ => {
                        if eval(i) {
                            fired(i, &rule.mappings);
                        }
                    }
                },
            }
        }
    }
}
