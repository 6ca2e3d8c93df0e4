//! A literal prefilter across rules (the "fast pattern" idea of IDS engines, and the literal
//! prefilters of the `regex` crate): for each rule, *necessary* conditions are extracted from its
//! compiled form — up to [`MAX_NEEDS`] of "one of these literals occurs in that field" (a
//! keyword's: in any field), every one of which must hold — and all literals of all rules are
//! searched at once, per event field, with one Aho-Corasick automaton (keywords' with one more,
//! over every field). Integer values (`EventID: 4720`) are needs too, looked up per field in a
//! hash map: without them the rules that only test event ids (Defender, CodeIntegrity, Firewall,
//! most Security rules) were evaluated on every event. Only rules whose needs were all met (or
//! that have no usable need) are evaluated; the rest cannot match.
//!
//! Soundness: a literal is taken only from string matchers (exact / prefix / suffix / substring /
//! glob literal parts), which cannot match unless their folded literal occurs in the folded text
//! of the field's value (for a keyword, of some field's value); an integer only from an integer
//! matcher, which cannot match a value that is neither that integer nor a number text other than
//! an integer's (such values meet every integer need of the field). `not`, `neq`, regexes and
//! other matchers give no need. A rule without any such need, that is false on an event without
//! any of its fields (`not Image: null`, `CommandLine|re: …`), needs one of its fields to be
//! present; only the rest (keyword rules without literals, rules true on the empty event) are
//! always evaluated. Each AND branch's needs are necessary for the AND; an OR needs one of its
//! branches' needs.
//! `tests/corpus.rs` checks that a rule set with the prefilter finds exactly what rule-by-rule
//! evaluation finds.

use crate::compile::{CBody, CExpr, CItem, CValue, CompiledRule, Matcher, RuleBody, StrKind};
use crate::event::{Event, FieldValue};
use crate::limits::MAX_PREFILTER_LITERAL;
use crate::rule::value::Number;
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use rustc_hash::FxHashMap;

/// Shorter literals match too often to be worth indexing.
const MIN_LITERAL: usize = 3;

/// What one alternative of a need looks for in a field's value.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Wanted {
    /// A folded literal that occurs in the value's folded text.
    Literal(String),
    /// An integer the value equals, as an integer matcher compares (`4720` or `"4720"`).
    Integer(i64),
    /// The field is present, whatever its value (see [`presence_needs`]).
    Present,
}

/// A disjunction of (field id, field name, wanted): the rule needs one of them. No field name: a
/// keyword's literal, which may occur in any field.
type Need = Vec<(u32, Option<String>, Wanted)>;

/// A conjunction of [`Need`]s: the rule needs every one (never empty).
type Needs = Vec<Need>;

/// At most this many needs per rule (the cheapest): each costs a mark per event it occurs in.
const MAX_NEEDS: usize = 6;

/// While building: per field, the literals, the needs owning each, and literal → index.
type FieldLiterals = (Vec<String>, Vec<Vec<u32>>, FxHashMap<String, usize>);

#[derive(Debug, Default)]
pub(crate) struct Prefilter {
    /// Field name → what is wanted in that field.
    fields: FxHashMap<Box<str>, FieldIndex>,
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
    /// Per rule: the [`FieldIndex::slot`]s of the fields its needs look at.
    rule_fields: Vec<Box<[u32]>>,
    /// Per rule: some need of it is a keyword's.
    rule_keywords: Vec<bool>,
}

/// Which scans one event needs (see [`Prefilter::scope`]): with routing, an event is only
/// offered to the rules of its log source, so the fields none of them looks at are not scanned.
#[derive(Clone, Debug, Default)]
pub(crate) struct ScanScope {
    /// One bit per [`FieldIndex::slot`].
    fields: Box<[u64]>,
    keywords: bool,
}

impl ScanScope {
    #[inline]
    fn has(&self, slot: u32) -> bool {
        self.fields
            .get(slot as usize / 64)
            .is_some_and(|w| w & (1 << (slot % 64)) != 0)
    }
}

/// The needs of one field: its literals' automaton and its integers.
#[derive(Debug, Default)]
struct FieldIndex {
    literals: Option<FieldAutomaton>,
    /// Integer → needs it meets.
    integers: FxHashMap<i64, Vec<u32>>,
    /// Every need with an integer of this field: met by a number that is not an exact integer
    /// (`4720.0`, a float, a `u64` above `i64::MAX`), which the lookup cannot decide.
    integer_needs: Vec<u32>,
    /// Needs met by the field's presence.
    present: Vec<u32>,
    /// `literals` holds the keywords' literals too: the field's text is scanned once, not twice.
    with_keywords: bool,
    /// This field's number among the indexed fields (for [`ScanScope`]).
    slot: u32,
}

#[derive(Debug)]
struct FieldAutomaton {
    ac: AhoCorasick,
    /// Pattern id → needs it meets.
    needs: Vec<Vec<u32>>,
    /// Some literal could occur in the text of a number or a boolean (see [`SCALAR_BYTES`]):
    /// if none can, such values are not scanned (most fields of an event are numbers, and the
    /// keywords' automaton looks at every field).
    in_scalars: bool,
}

/// Every byte the text of a number or a boolean can hold (`-12`, `0.5`, `inf`, `NaN`, `true`,
/// `false`): a literal with another byte cannot occur in one.
const SCALAR_BYTES: &[u8] = b"0123456789+-.eEinfNatrusl";

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
        let mut fields: FxHashMap<Box<str>, FieldIndex> = FxHashMap::default();
        let mut indexed = vec![false; rules.len()];
        let mut need_count = vec![0u8; rules.len()];
        let mut need_rule = Vec::new();
        let mut keyword_literals = FieldLiterals::default();
        let mut field_names: Vec<Vec<String>> = vec![Vec::new(); rules.len()];
        let mut rule_keywords = vec![false; rules.len()];
        for (r, rule) in rules.iter().enumerate() {
            if !rule.mappings.is_empty() {
                continue;
            }
            let Some(needs) = rule_needs(&rule.body).or_else(|| presence_needs(rule)) else {
                continue;
            };
            indexed[r] = true;
            need_count[r] = needs.len() as u8;
            for need in needs {
                let n = need_rule.len() as u32;
                need_rule.push(r as u32);
                for (_, field, wanted) in need {
                    match &field {
                        Some(f) => field_names[r].push(f.clone()),
                        None => rule_keywords[r] = true,
                    }
                    let lit = match (wanted, &field) {
                        (Wanted::Literal(lit), _) => lit,
                        (Wanted::Present, Some(field)) => {
                            let index = fields.entry(field.as_str().into()).or_default();
                            if index.present.last() != Some(&n) {
                                index.present.push(n);
                            }
                            continue;
                        }
                        (Wanted::Integer(i), Some(field)) => {
                            let index = fields.entry(field.as_str().into()).or_default();
                            let owners = index.integers.entry(i).or_default();
                            if owners.last() != Some(&n) {
                                owners.push(n);
                            }
                            if index.integer_needs.last() != Some(&n) {
                                index.integer_needs.push(n);
                            }
                            continue;
                        }
                        // Keywords are given literals only; were it otherwise, the rule would be
                        // evaluated on every event rather than missed.
                        (Wanted::Integer(_) | Wanted::Present, None) => {
                            indexed[r] = false;
                            continue;
                        }
                    };
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
        let with_keywords = merge_keywords(&mut per_field, &keyword_literals);
        let mut keywords = None;
        let keyword_literals = (!keyword_literals.0.is_empty()).then_some((None, keyword_literals));
        let per_field = per_field.into_iter().map(|(f, l)| (Some(f), l));
        for (field, (pats, owners, _)) in per_field.chain(keyword_literals) {
            match build_automaton(&pats) {
                Ok(ac) => {
                    let in_scalars = pats
                        .iter()
                        .any(|p| p.bytes().all(|b| SCALAR_BYTES.contains(&b)));
                    let automaton = FieldAutomaton {
                        ac,
                        needs: owners,
                        in_scalars,
                    };
                    match field {
                        Some(field) => {
                            let merged = with_keywords.contains(&field);
                            let index = fields.entry(field.into_boxed_str()).or_default();
                            index.literals = Some(automaton);
                            index.with_keywords = merged;
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
        for (slot, index) in fields.values_mut().enumerate() {
            index.slot = slot as u32;
        }
        let rule_fields = field_names
            .into_iter()
            .map(|names| {
                let mut slots: Vec<u32> = names
                    .iter()
                    .filter_map(|n| fields.get(n.as_str()).map(|f| f.slot))
                    .collect();
                slots.sort_unstable();
                slots.dedup();
                slots.into_boxed_slice()
            })
            .collect();
        Prefilter {
            rule_fields,
            rule_keywords,
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
        self.candidates(event, marks, stamp, None, &mut Vec::new());
    }

    /// What an event offered only to `rules` needs scanned: the fields their needs look at, and
    /// the keywords' automaton if one of them has a keyword need. Needs of the other rules may
    /// then go unmet, which is right for rules the event is not offered to.
    pub fn scope(&self, rules: &[usize]) -> ScanScope {
        let mut fields = vec![0u64; self.fields.len().div_ceil(64)].into_boxed_slice();
        let mut keywords = false;
        for &r in rules {
            for &slot in self.rule_fields.get(r).map_or(&[][..], |f| f) {
                fields[slot as usize / 64] |= 1 << (slot % 64);
            }
            keywords |= self.rule_keywords.get(r).copied().unwrap_or(false);
        }
        ScanScope { fields, keywords }
    }

    /// Marks, in `marks` (stamped with `stamp`), every indexed rule whose needs `event` meets,
    /// and writes into `out` (cleared first) the rules that cannot be skipped, ascending: the
    /// marked ones and those not indexed. A rule set walks this list instead of every rule: most
    /// rules are not candidates, and even looking at them cost a cache miss each. With a
    /// `scope`, only what it names is scanned (so only its rules are marked soundly).
    pub fn candidates(
        &self,
        event: &Event,
        marks: &mut Marks,
        stamp: u32,
        scope: Option<&ScanScope>,
        out: &mut Vec<u32>,
    ) {
        if marks.rules.len() < self.indexed.len() {
            marks.rules.resize(self.indexed.len(), 0);
            marks.met.resize(self.indexed.len(), (0, 0));
        }
        if marks.needs.len() < self.need_rule.len() {
            marks.needs.resize(self.need_rule.len(), 0);
        }
        out.clear();
        let keywords = scope.is_none_or(|s| s.keywords);
        let wanted = |fi: &FieldIndex| {
            scope.is_none_or(|s| s.has(fi.slot) || (s.keywords && fi.with_keywords))
        };
        for (name, value) in event.fields() {
            let fi = self.fields.get(name);
            if let Some(fi) = fi.filter(|fi| wanted(fi)) {
                self.scan_field(fi, value, marks, stamp, out);
            }
            if let (Some(fa), true, false) = (
                &self.keywords,
                keywords,
                fi.is_some_and(|f| f.with_keywords),
            ) {
                self.scan_literals(fa, value, marks, stamp, out);
            }
        }
        for (from, to) in &self.renames {
            let Some(fi) = self.fields.get(from.as_str()).filter(|fi| wanted(fi)) else {
                continue;
            };
            if let Some(value) = event.get(to) {
                self.scan_field(fi, value, marks, stamp, out);
            }
        }
        out.extend_from_slice(&self.always);
        out.sort_unstable();
    }

    fn scan_field(
        &self,
        fi: &FieldIndex,
        value: &FieldValue,
        marks: &mut Marks,
        stamp: u32,
        out: &mut Vec<u32>,
    ) {
        for &n in &fi.present {
            self.meet(n, marks, stamp, out);
        }
        if let Some(fa) = &fi.literals {
            self.scan_literals(fa, value, marks, stamp, out);
        }
        if !fi.integers.is_empty() {
            for_each_integer(value, &mut |i| {
                let needs = match i {
                    Some(i) => fi.integers.get(&i).map_or(&[][..], Vec::as_slice),
                    None => &fi.integer_needs,
                };
                for &n in needs {
                    self.meet(n, marks, stamp, out);
                }
            })
        }
    }

    fn scan_literals(
        &self,
        fa: &FieldAutomaton,
        value: &FieldValue,
        marks: &mut Marks,
        stamp: u32,
        out: &mut Vec<u32>,
    ) {
        for_each_text(value, fa.in_scalars, &mut |text| {
            for m in fa.ac.find_overlapping_iter(text) {
                for &n in &fa.needs[m.pattern().as_usize()] {
                    self.meet(n, marks, stamp, out);
                }
            }
        })
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
    #[cfg(test)]
    #[inline]
    pub fn skip(&self, r: usize, marks: &Marks, stamp: u32) -> bool {
        self.indexed.get(r).copied().unwrap_or(false) && marks.rules.get(r) != Some(&stamp)
    }

    pub fn indexed_rules(&self) -> usize {
        self.indexed.iter().filter(|x| **x).count()
    }
}

/// Calls `f` with the folded text of every scalar in `value` (list elements one by one); of
/// numbers and booleans only if `scalars`.
fn for_each_text(value: &FieldValue, scalars: bool, f: &mut dyn FnMut(&str)) {
    match value {
        FieldValue::Str(t) => f(t.folded()),
        FieldValue::List(items) => items.iter().for_each(|i| for_each_text(i, scalars, f)),
        FieldValue::Null => {}
        _ if !scalars => {}
        other => {
            if let Some(text) = crate::eval::scalar_text(other) {
                f(&text);
            }
        }
    }
}

/// Calls `f` with the integer every scalar in `value` equals for an integer matcher (see
/// `eval::number_eq`): `Some` for an integer or an integer's text, `None` for a number that may
/// equal an integer without being one (a float, `4720.0`, a `u64` beyond `i64`); values no integer
/// matcher accepts (other text, booleans, null) give nothing.
fn for_each_integer(value: &FieldValue, f: &mut dyn FnMut(Option<i64>)) {
    match value {
        FieldValue::Int(i) => f(Some(*i)),
        FieldValue::UInt(_) | FieldValue::Float(_) => f(None),
        FieldValue::Str(t) => {
            let s = t.raw().trim();
            match s.parse::<i64>() {
                Ok(i) => f(Some(i)),
                Err(_) if s.parse::<f64>().is_ok() => f(None),
                Err(_) => {}
            }
        }
        FieldValue::List(items) => items.iter().for_each(|i| for_each_integer(i, f)),
        FieldValue::Null | FieldValue::Bool(_) => {}
    }
}

/// A DFA scans several times faster than the default (contiguous NFA) on the long texts, but
/// its tables grow with the literals: the few automata above this size (thousands of command
/// line literals) stay NFAs, which keeps a rule set's memory what it was (the browser runs one
/// rule set per worker).
const MAX_DFA_BYTES: usize = 4 << 20;

fn build_automaton(pats: &[String]) -> Result<AhoCorasick, aho_corasick::BuildError> {
    let build = |kind| {
        AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .kind(kind)
            .build(pats)
    };
    // About a state per literal byte (shared prefixes aside), 64 bytes of table per state at
    // the least: far past the limit, not worth building to find out.
    let bytes: usize = pats.iter().map(String::len).sum();
    if bytes.saturating_mul(64) > MAX_DFA_BYTES {
        return build(None);
    }
    match build(Some(AhoCorasickKind::DFA)) {
        Ok(dfa) if dfa.memory_usage() <= MAX_DFA_BYTES => Ok(dfa),
        _ => build(None),
    }
}

/// Fields with at least this many literals get the keywords' literals in their own automaton.
const MERGE_KEYWORDS_FROM: usize = 64;

/// Adds the keywords' literals to the automata of the fields with many literals (the long text
/// fields: command lines, script blocks, paths), which are then scanned once per event instead
/// of once for their literals and once for the keywords'. A keyword literal found in such a
/// field occurs in a field, which is all its need says. Returns the fields merged.
fn merge_keywords(
    per_field: &mut FxHashMap<String, FieldLiterals>,
    keywords: &FieldLiterals,
) -> rustc_hash::FxHashSet<String> {
    let mut merged = rustc_hash::FxHashSet::default();
    if keywords.0.is_empty() {
        return merged;
    }
    for (field, (pats, owners, seen)) in per_field.iter_mut() {
        if pats.len() < MERGE_KEYWORDS_FROM {
            continue;
        }
        for (lit, needs) in keywords.0.iter().zip(&keywords.1) {
            let p = *seen.entry(lit.clone()).or_insert_with(|| {
                pats.push(lit.clone());
                owners.push(Vec::new());
                pats.len() - 1
            });
            owners[p].extend_from_slice(needs);
        }
        merged.insert(field.clone());
    }
    merged
}

/// The needs of a rule: its condition list is OR-ed, so with several conditions the rule needs
/// one best need of each.
fn rule_needs(body: &RuleBody) -> Option<Needs> {
    match body.conditions.as_slice() {
        [one] => expr_needs(one, body),
        many => any_of(many.iter().map(|c| expr_needs(c, body))),
    }
}

/// The need of a rule without literal or integer needs (regexes, `not`, `null` tests) that is
/// false on an event without any of its fields: one of those fields must be present. Sound
/// because a rule reads nothing but its fields (keywords aside: rules with keywords give none),
/// so on every event that has none of them each of its items is what it is on the empty event.
fn presence_needs(rule: &CompiledRule) -> Option<Needs> {
    let body = &rule.body;
    if body.fields.is_empty() || has_keywords(body) || rule.matches(&Event::new()) {
        return None;
    }
    let need = body
        .fields
        .iter()
        .enumerate()
        .map(|(id, f)| (id as u32, Some(f.clone()), Wanted::Present))
        .collect();
    Some(vec![need])
}

fn has_keywords(body: &RuleBody) -> bool {
    fn any_keyword(b: &CBody) -> bool {
        match b {
            CBody::All(v, _) | CBody::Any(v, _) => v.iter().any(any_keyword),
            CBody::Item(i) => i.field.is_none(),
        }
    }
    body.searches.iter().any(|s| any_keyword(&s.body))
}

/// How selective an integer is, in literal bytes: event ids repeat more than long literals.
const INTEGER_COST_BYTES: usize = 8;

/// Lower is better: fewer alternatives, longer literals.
fn cost(n: &Need) -> usize {
    let len = |w: &Wanted| match w {
        Wanted::Literal(l) => l.len(),
        Wanted::Integer(_) => INTEGER_COST_BYTES,
        Wanted::Present => 1,
    };
    let shortest = n.iter().map(|(_, _, w)| len(w)).min().unwrap_or(0);
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
            if let Matcher::Number(n) = v.matcher {
                // Keywords are looked for as literals only.
                let (Number::Int(n), Some(_)) = (n, &i.field) else {
                    return None;
                };
                out.push((i.field_id, i.field.clone(), Wanted::Integer(n)));
                continue;
            }
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
            out.push((i.field_id, i.field.clone(), Wanted::Literal(bounded(lit))));
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
        for (_, _, wanted) in need {
            let Wanted::Literal(lit) = wanted else {
                panic!("a literal, not {wanted:?}")
            };
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

    #[test]
    fn rules_without_literals_need_one_of_their_fields() {
        let text = "title: not only\nlogsource: {product: windows}\ndetection:\n    filter_null:\n        Image: null\n    filter_known:\n        Image: 'System'\n    condition: not 1 of filter_*\n---\ntitle: regex only\nlogsource: {product: windows}\ndetection:\n    sel:\n        CommandLine|re: 'a.*b'\n    condition: sel\n---\ntitle: true without fields\nlogsource: {product: windows}\ndetection:\n    sel:\n        Image: null\n    condition: sel\n";
        let c = compile_rules(text, &CompileOptions::default());
        assert!(!c.has_errors(), "{:?}", c.diagnostics);
        let prefilter = Prefilter::new(&c.rules, Vec::new());
        assert_eq!(
            prefilter.indexed_rules(),
            2,
            "the third rule fits events without Image"
        );
        let mut marks = Marks::default();
        let mut out = Vec::new();
        let cases = [
            (r#"{"Other": "x"}"#, vec![2]),
            (r#"{"Image": "C:\\x.exe"}"#, vec![0, 2]),
            (r#"{"Image": null, "CommandLine": "ab"}"#, vec![0, 1, 2]),
        ];
        for (stamp, (json, want)) in cases.into_iter().enumerate() {
            let e = event(json);
            prefilter.candidates(&e, &mut marks, stamp as u32 + 1, None, &mut out);
            assert_eq!(out, want, "{json}");
            for r in 0..3 {
                if !want.contains(&(r as u32)) {
                    assert!(!c.rules[r].matches(&e), "skipped rule {r} matches {json}");
                }
            }
        }
    }
}
