//! A literal prefilter across rules (the "fast pattern" idea of IDS engines, and the literal
//! prefilters of the `regex` crate): for each rule, a *necessary* condition is extracted from its
//! compiled form — "one of these literals occurs in that field" — and all literals of all rules
//! are searched at once, per event field, with one Aho-Corasick automaton. Only rules whose
//! literal occurred (or that have no usable literal) are evaluated; the rest cannot match.
//!
//! Soundness: a literal is taken only from string matchers (exact / prefix / suffix / substring /
//! glob literal parts), which cannot match unless their folded literal occurs in the folded text
//! of the field's value; `not`, `neq`, keywords, regexes and non-string matchers give no literal,
//! so rules built only from them are always evaluated. `tests/corpus.rs` checks that a rule set
//! with the prefilter finds exactly what rule-by-rule evaluation finds.

use crate::compile::{CBody, CExpr, CItem, CValue, CompiledRule, Matcher, RuleBody, StrKind};
use crate::event::{Event, FieldValue};
use aho_corasick::{AhoCorasick, MatchKind};
use rustc_hash::FxHashMap;

/// Shorter literals match too often to be worth indexing.
const MIN_LITERAL: usize = 3;

/// A disjunction of (field id, field name, folded literal): the rule needs one of them.
type Need = Vec<(u32, String, String)>;

/// While building: per field, the literals, the rules owning each, and literal → index.
type FieldLiterals = (Vec<String>, Vec<Vec<u32>>, FxHashMap<String, usize>);

#[derive(Debug, Default)]
pub(crate) struct Prefilter {
    /// Field name → automaton over the literals wanted in that field.
    fields: FxHashMap<Box<str>, FieldAutomaton>,
    /// Per rule: `true` when the rule is indexed (it may be skipped unless marked).
    indexed: Vec<bool>,
    /// Log source renames (rule field, event field): a rule's literals for `Image` are also
    /// looked for in `NewProcessName`, so rules evaluated under a mapping can be skipped too.
    renames: Vec<(String, String)>,
}

#[derive(Debug)]
struct FieldAutomaton {
    ac: AhoCorasick,
    /// Pattern id → rules needing it.
    rules: Vec<Vec<u32>>,
}

impl Prefilter {
    pub fn new(rules: &[CompiledRule], renames: Vec<(String, String)>) -> Prefilter {
        let mut per_field: FxHashMap<String, FieldLiterals> = FxHashMap::default();
        let mut indexed = vec![false; rules.len()];
        for (r, rule) in rules.iter().enumerate() {
            if !rule.mappings.is_empty() {
                continue;
            }
            let Some(need) = rule_need(&rule.body) else {
                continue;
            };
            indexed[r] = true;
            for (_, field, lit) in need {
                let (pats, owners, seen) = per_field.entry(field).or_default();
                let p = *seen.entry(lit.clone()).or_insert_with(|| {
                    pats.push(lit);
                    owners.push(Vec::new());
                    pats.len() - 1
                });
                if owners[p].last() != Some(&(r as u32)) {
                    owners[p].push(r as u32);
                }
            }
        }
        let mut fields = FxHashMap::default();
        for (field, (pats, owners, _)) in per_field {
            match AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(&pats)
            {
                Ok(ac) => {
                    fields.insert(field.into_boxed_str(), FieldAutomaton { ac, rules: owners });
                }
                Err(_) => {
                    // Too big to build: evaluate those rules directly.
                    for o in owners.iter().flatten() {
                        indexed[*o as usize] = false;
                    }
                }
            }
        }
        Prefilter {
            fields,
            indexed,
            renames,
        }
    }

    /// Marks, in `marks` (stamped with `stamp`), every indexed rule whose literal occurs in `event`.
    pub fn mark(&self, event: &Event, marks: &mut Vec<u32>, stamp: u32) {
        if marks.len() < self.indexed.len() {
            marks.resize(self.indexed.len(), 0);
        }
        for (name, value) in event.fields() {
            let Some(fa) = self.fields.get(name) else {
                continue;
            };
            scan(fa, value, marks, stamp);
        }
        for (from, to) in &self.renames {
            if let (Some(fa), Some(value)) = (self.fields.get(from.as_str()), event.get(to)) {
                scan(fa, value, marks, stamp);
            }
        }
    }

    /// Whether rule `r` can be skipped for the event marked with `stamp`.
    #[inline]
    pub fn skip(&self, r: usize, marks: &[u32], stamp: u32) -> bool {
        self.indexed.get(r).copied().unwrap_or(false) && marks.get(r) != Some(&stamp)
    }

    pub fn indexed_rules(&self) -> usize {
        self.indexed.iter().filter(|x| **x).count()
    }
}

fn scan(fa: &FieldAutomaton, value: &FieldValue, marks: &mut [u32], stamp: u32) {
    let mut hit = |text: &str| {
        for m in fa.ac.find_overlapping_iter(text) {
            for &r in &fa.rules[m.pattern().as_usize()] {
                marks[r as usize] = stamp;
            }
        }
    };
    match value {
        FieldValue::Str(t) => hit(t.folded()),
        FieldValue::List(items) => items.iter().for_each(|i| scan(fa, i, marks, stamp)),
        FieldValue::Null => {}
        other => {
            if let Some(text) = crate::eval::scalar_text(other) {
                hit(&text);
            }
        }
    }
}

/// The best necessary disjunction of a rule (the OR of its condition list).
fn rule_need(body: &RuleBody) -> Option<Need> {
    let mut all = Vec::new();
    for c in &body.conditions {
        all.extend(expr_need(c, body)?);
    }
    Some(all)
}

/// Lower is better: fewer alternatives, longer literals.
fn cost(n: &Need) -> usize {
    let shortest = n.iter().map(|(_, _, l)| l.len()).min().unwrap_or(0);
    n.len() * 64 / shortest.clamp(1, 64)
}

fn best(cands: impl Iterator<Item = Option<Need>>) -> Option<Need> {
    cands.flatten().min_by_key(cost)
}

fn union(parts: impl Iterator<Item = Option<Need>>) -> Option<Need> {
    let mut out = Vec::new();
    for p in parts {
        out.extend(p?);
    }
    if out.is_empty() {
        None
    } else {
        Some(out)
    }
}

fn expr_need(e: &CExpr, body: &RuleBody) -> Option<Need> {
    match e {
        CExpr::Or(v, _) => union(v.iter().map(|x| expr_need(x, body))),
        CExpr::And(v, _) => best(v.iter().map(|x| expr_need(x, body))),
        CExpr::Not(..) => None,
        CExpr::Search(i, _) => body_need(&body.searches[*i].body),
        CExpr::Of {
            all: true, members, ..
        } => best(members.iter().map(|&i| body_need(&body.searches[i].body))),
        CExpr::Of {
            all: false,
            members,
            ..
        } => union(members.iter().map(|&i| body_need(&body.searches[i].body))),
    }
}

fn body_need(b: &CBody) -> Option<Need> {
    match b {
        CBody::All(v, _) => best(v.iter().map(body_need)),
        CBody::Any(v, _) => union(v.iter().map(body_need)),
        CBody::Item(i) => item_need(i),
    }
}

fn item_need(i: &CItem) -> Option<Need> {
    let field = i.field.as_ref()?;
    if i.negated {
        return None;
    }
    let value_need = |c: &CValue| -> Option<Need> {
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
            out.push((i.field_id, field.clone(), lit));
        }
        Some(out)
    };
    if i.all {
        best(i.values.iter().map(value_need))
    } else {
        union(i.values.iter().map(value_need))
    }
}
