//! A literal prefilter across rules (the "fast pattern" idea of IDS engines, and the literal
//! prefilters of the `regex` crate): for each rule, *necessary* conditions are extracted from its
//! compiled form — up to [`MAX_NEEDS`] of "one of these literals occurs in that field" (a
//! keyword's: in any field), every one of which must hold — and all literals of all rules are
//! searched at once, per event field, with one Aho-Corasick automaton (keywords' with one more,
//! over every field). Only rules whose needs were all met (or that have no usable literal) are
//! evaluated; the rest cannot match.
//!
//! Soundness: a literal is taken only from string matchers (exact / prefix / suffix / substring /
//! glob literal parts), which cannot match unless their folded literal occurs in the folded text
//! of the field's value (for a keyword, of some field's value); `not`, `neq`, regexes and
//! non-string matchers give no literal, so rules built only from them are always evaluated. Each
//! AND branch's needs are necessary for the AND; an OR needs one of its branches' needs.
//! `tests/corpus.rs` checks that a rule set with the prefilter finds exactly what rule-by-rule
//! evaluation finds.

use crate::compile::{CBody, CExpr, CItem, CValue, CompiledRule, Matcher, RuleBody, StrKind};
use crate::event::{Event, FieldValue};
use crate::limits::MAX_PREFILTER_LITERAL;
use aho_corasick::{AhoCorasick, MatchKind};
use rustc_hash::FxHashMap;

/// Shorter literals match too often to be worth indexing.
const MIN_LITERAL: usize = 3;

/// A disjunction of (field id, field name, folded literal): the rule needs one of them. No field
/// name: a keyword's literal, which may occur in any field.
type Need = Vec<(u32, Option<String>, String)>;

/// A conjunction of [`Need`]s: the rule needs every one (never empty).
type Needs = Vec<Need>;

/// At most this many needs per rule (the cheapest): each costs a mark per event it occurs in.
const MAX_NEEDS: usize = 6;

/// While building: per field, the literals, the needs owning each, and literal → index.
type FieldLiterals = (Vec<String>, Vec<Vec<u32>>, FxHashMap<String, usize>);

#[derive(Debug, Default)]
pub(crate) struct Prefilter {
    /// Field name → automaton over the literals wanted in that field.
    fields: FxHashMap<Box<str>, FieldAutomaton>,
    /// Keywords' literals, looked for in every field (a keyword matches in any field value).
    keywords: Option<FieldAutomaton>,
    /// Per rule: `true` when the rule is indexed (it may be skipped unless marked).
    indexed: Vec<bool>,
    /// Per rule: how many needs it has (all must be met).
    need_count: Vec<u8>,
    /// Per need: the rule it belongs to.
    need_rule: Vec<u32>,
    /// The rules not indexed, ascending: every event is a candidate for them.
    always: Vec<u32>,
    /// Log source renames (rule field, event field): a rule's literals for `Image` are also
    /// looked for in `NewProcessName`, so rules evaluated under a mapping can be skipped too.
    renames: Vec<(String, String)>,
}

#[derive(Debug)]
struct FieldAutomaton {
    ac: AhoCorasick,
    /// Pattern id → needs it meets.
    needs: Vec<Vec<u32>>,
}

/// Per-event marks, stamped so that they never need clearing (see [`Marks::reset`]).
#[derive(Debug, Default)]
pub(crate) struct Marks {
    /// Per rule: the stamp of the last event that met all its needs.
    rules: Vec<u32>,
    /// Per need: the stamp of the last event that met it.
    needs: Vec<u32>,
    /// Per rule: (stamp, needs met in that event).
    met: Vec<(u32, u8)>,
}

impl Marks {
    /// Forgets every stamp (when the stamp counter wraps around).
    pub fn reset(&mut self) {
        self.rules.iter_mut().for_each(|m| *m = 0);
        self.needs.iter_mut().for_each(|m| *m = 0);
        self.met.iter_mut().for_each(|m| m.0 = 0);
    }
}

impl Prefilter {
    pub fn new(rules: &[CompiledRule], renames: Vec<(String, String)>) -> Prefilter {
        let mut per_field: FxHashMap<String, FieldLiterals> = FxHashMap::default();
        let mut indexed = vec![false; rules.len()];
        let mut need_count = vec![0u8; rules.len()];
        let mut need_rule = Vec::new();
        let mut keyword_literals = FieldLiterals::default();
        for (r, rule) in rules.iter().enumerate() {
            if !rule.mappings.is_empty() {
                continue;
            }
            let Some(needs) = rule_needs(&rule.body) else {
                continue;
            };
            indexed[r] = true;
            need_count[r] = needs.len() as u8;
            for need in needs {
                let n = need_rule.len() as u32;
                need_rule.push(r as u32);
                for (_, field, lit) in need {
                    let (pats, owners, seen) = match field {
                        Some(field) => per_field.entry(field).or_default(),
                        None => &mut keyword_literals,
                    };
                    let p = *seen.entry(lit.clone()).or_insert_with(|| {
                        pats.push(lit);
                        owners.push(Vec::new());
                        pats.len() - 1
                    });
                    if owners[p].last() != Some(&n) {
                        owners[p].push(n);
                    }
                }
            }
        }
        let mut fields = FxHashMap::default();
        let mut keywords = None;
        let keyword_literals = (!keyword_literals.0.is_empty()).then_some((None, keyword_literals));
        let per_field = per_field.into_iter().map(|(f, l)| (Some(f), l));
        for (field, (pats, owners, _)) in per_field.chain(keyword_literals) {
            match AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(&pats)
            {
                Ok(ac) => {
                    let automaton = FieldAutomaton { ac, needs: owners };
                    match field {
                        Some(field) => {
                            fields.insert(field.into_boxed_str(), automaton);
                        }
                        None => keywords = Some(automaton),
                    }
                }
                Err(_) => {
                    // Too big to build: evaluate those rules directly.
                    for n in owners.iter().flatten() {
                        indexed[need_rule[*n as usize] as usize] = false;
                    }
                }
            }
        }
        let always = (0..rules.len() as u32)
            .filter(|&r| !indexed[r as usize])
            .collect();
        Prefilter {
            fields,
            keywords,
            indexed,
            need_count,
            need_rule,
            always,
            renames,
        }
    }

    /// Marks, in `marks` (stamped with `stamp`), every indexed rule whose needs `event` meets.
    #[cfg(test)]
    pub fn mark(&self, event: &Event, marks: &mut Marks, stamp: u32) {
        self.candidates(event, marks, stamp, &mut Vec::new());
    }

    /// Marks, in `marks` (stamped with `stamp`), every indexed rule whose needs `event` meets,
    /// and writes into `out` (cleared first) the rules that cannot be skipped, ascending: the
    /// marked ones and those not indexed. A rule set walks this list instead of every rule: most
    /// rules are not candidates, and even looking at them cost a cache miss each.
    pub fn candidates(&self, event: &Event, marks: &mut Marks, stamp: u32, out: &mut Vec<u32>) {
        if marks.rules.len() < self.indexed.len() {
            marks.rules.resize(self.indexed.len(), 0);
            marks.met.resize(self.indexed.len(), (0, 0));
        }
        if marks.needs.len() < self.need_rule.len() {
            marks.needs.resize(self.need_rule.len(), 0);
        }
        out.clear();
        let mut scan = |fa: &FieldAutomaton, value: &FieldValue| {
            for_each_text(value, &mut |text| {
                for m in fa.ac.find_overlapping_iter(text) {
                    for &n in &fa.needs[m.pattern().as_usize()] {
                        self.meet(n, marks, stamp, out);
                    }
                }
            })
        };
        for (name, value) in event.fields() {
            if let Some(fa) = self.fields.get(name) {
                scan(fa, value);
            }
            if let Some(fa) = &self.keywords {
                scan(fa, value);
            }
        }
        for (from, to) in &self.renames {
            if let (Some(fa), Some(value)) = (self.fields.get(from.as_str()), event.get(to)) {
                scan(fa, value);
            }
        }
        out.extend_from_slice(&self.always);
        out.sort_unstable();
    }

    /// Need `n` is met in the current event: its rule is marked once all its needs are.
    #[inline]
    fn meet(&self, n: u32, marks: &mut Marks, stamp: u32, out: &mut Vec<u32>) {
        let need = &mut marks.needs[n as usize];
        if *need == stamp {
            return;
        }
        *need = stamp;
        let r = self.need_rule[n as usize] as usize;
        let met = &mut marks.met[r];
        if met.0 != stamp {
            *met = (stamp, 0);
        }
        met.1 += 1;
        if met.1 == self.need_count[r] {
            marks.rules[r] = stamp;
            out.push(r as u32);
        }
    }

    /// Whether rule `r` can be skipped for the event marked with `stamp`.
    #[inline]
    pub fn skip(&self, r: usize, marks: &Marks, stamp: u32) -> bool {
        self.indexed.get(r).copied().unwrap_or(false) && marks.rules.get(r) != Some(&stamp)
    }

    pub fn indexed_rules(&self) -> usize {
        self.indexed.iter().filter(|x| **x).count()
    }
}

/// Calls `f` with the folded text of every scalar in `value` (list elements one by one).
fn for_each_text(value: &FieldValue, f: &mut dyn FnMut(&str)) {
    match value {
        FieldValue::Str(t) => f(t.folded()),
        FieldValue::List(items) => items.iter().for_each(|i| for_each_text(i, f)),
        FieldValue::Null => {}
        other => {
            if let Some(text) = crate::eval::scalar_text(other) {
                f(&text);
            }
        }
    }
}

/// The needs of a rule: its condition list is OR-ed, so with several conditions the rule needs
/// one best need of each.
fn rule_needs(body: &RuleBody) -> Option<Needs> {
    match body.conditions.as_slice() {
        [one] => expr_needs(one, body),
        many => any_of(many.iter().map(|c| expr_needs(c, body))),
    }
}

/// Lower is better: fewer alternatives, longer literals.
fn cost(n: &Need) -> usize {
    let shortest = n.iter().map(|(_, _, l)| l.len()).min().unwrap_or(0);
    n.len() * 64 / shortest.clamp(1, 64)
}

/// AND: every part's needs (parts without any add nothing); the cheapest [`MAX_NEEDS`] kept.
fn all_of(parts: impl Iterator<Item = Option<Needs>>) -> Option<Needs> {
    let mut out: Needs = parts
        .flatten()
        .flatten()
        .filter(|n| !n.is_empty())
        .collect();
    if out.is_empty() {
        return None;
    }
    out.sort_by_key(cost);
    out.dedup();
    out.truncate(MAX_NEEDS);
    Some(out)
}

/// OR: one need, the union of each part's cheapest need (none if a part has none).
fn any_of(parts: impl Iterator<Item = Option<Needs>>) -> Option<Needs> {
    let mut out = Vec::new();
    for p in parts {
        out.extend(p?.into_iter().min_by_key(cost)?);
    }
    if out.is_empty() {
        None
    } else {
        Some(vec![out])
    }
}

fn expr_needs(e: &CExpr, body: &RuleBody) -> Option<Needs> {
    match e {
        CExpr::Or(v, _) => any_of(v.iter().map(|x| expr_needs(x, body))),
        CExpr::And(v, _) => all_of(v.iter().map(|x| expr_needs(x, body))),
        CExpr::Not(..) => None,
        CExpr::Search(i, _) => body_needs(&body.searches[*i].body),
        CExpr::Of {
            all: true, members, ..
        } => all_of(members.iter().map(|&i| body_needs(&body.searches[i].body))),
        CExpr::Of {
            all: false,
            members,
            ..
        } => any_of(members.iter().map(|&i| body_needs(&body.searches[i].body))),
    }
}

fn body_needs(b: &CBody) -> Option<Needs> {
    match b {
        CBody::All(v, _) => all_of(v.iter().map(body_needs)),
        CBody::Any(v, _) => any_of(v.iter().map(body_needs)),
        CBody::Item(i) => item_needs(i),
    }
}

fn item_needs(i: &CItem) -> Option<Needs> {
    if i.negated {
        return None;
    }
    let value_need = |c: &CValue| -> Option<Needs> {
        let mut out = Vec::new();
        for v in &c.variants {
            let lit = match &v.matcher {
                Matcher::Str { kind, cased: false } => match kind {
                    StrKind::Exact(p) | StrKind::Prefix(p) | StrKind::Suffix(p) => p.to_string(),
                    StrKind::Contains(f) => String::from_utf8(f.needle().to_vec()).ok()?,
                    StrKind::Glob(_) => v.literal.clone()?,
                    StrKind::Any => return None,
                },
                _ => return None,
            };
            if lit.len() < MIN_LITERAL {
                return None;
            }
            out.push((i.field_id, i.field.clone(), bounded(lit)));
        }
        // No variants: the value cannot match; claim nothing rather than an unmeetable need.
        (!out.is_empty()).then(|| vec![out])
    };
    if i.all {
        all_of(i.values.iter().map(value_need))
    } else {
        any_of(i.values.iter().map(value_need))
    }
}

/// The first [`MAX_PREFILTER_LITERAL`] bytes of `lit` (on a character boundary): the automaton's
/// size and build time grow with the literals' total length, and a prefix of a needed literal
/// is needed too.
fn bounded(mut lit: String) -> String {
    if lit.len() > MAX_PREFILTER_LITERAL {
        let mut end = MAX_PREFILTER_LITERAL;
        while !lit.is_char_boundary(end) {
            end -= 1;
        }
        lit.truncate(end);
    }
    lit
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::event;
    use crate::{compile_rules, CompileOptions};

    fn rule(value: &str) -> Vec<CompiledRule> {
        let text = format!("title: t\nlogsource: {{product: windows}}\ndetection:\n    sel:\n        CommandLine|base64offset|contains: '{value}'\n    other:\n        CommandLine|contains: '{value}'\n    condition: sel or other\n");
        let c = compile_rules(&text, &CompileOptions::default());
        assert!(!c.has_errors(), "{:?}", c.diagnostics);
        c.rules
    }

    #[test]
    fn long_literals_are_indexed_by_a_bounded_prefix() {
        let long = format!("é{}", "A".repeat(100_000));
        let rules = rule(&long);
        let needs = rule_needs(&rules[0].body).expect("a literal");
        assert_eq!(needs.len(), 1);
        let need = &needs[0];
        assert_eq!(need.len(), 4, "three base64 offsets and the plain literal");
        for (_, _, lit) in need {
            assert!(lit.len() <= MAX_PREFILTER_LITERAL && lit.len() >= MAX_PREFILTER_LITERAL - 1);
        }
        let prefilter = Prefilter::new(&rules, Vec::new());
        assert_eq!(prefilter.indexed_rules(), 1);
        let mut marks = Marks::default();
        let hit = event(&format!(r#"{{"CommandLine": "x {long} y"}}"#));
        prefilter.mark(&hit, &mut marks, 1);
        assert!(!prefilter.skip(0, &marks, 1));
        let miss = event(r#"{"CommandLine": "AAAA"}"#);
        prefilter.mark(&miss, &mut marks, 2);
        assert!(prefilter.skip(0, &marks, 2));
    }
}
