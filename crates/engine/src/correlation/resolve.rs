//! Resolving references: which rule each `rules` entry, alias and condition name means, the
//! evaluation order of chains, and the refusal of cycles.

use crate::rule::condition::Expr;
use crate::rule::correlation::{Condition, CorrelationRule, CorrelationType, RuleRef};
use crate::source::Span;
use crate::source::{did_you_mean, Diagnostic, DiagnosticCode};

const CODE: DiagnosticCode = DiagnosticCode::Correlation;
/// `temporal_ordered` with `gte: k` tries every k of its rules in list order; more choices than
/// this are refused rather than evaluated.
pub const MAX_BRANCHES: usize = 4096;

/// How a detection rule can be named: what the correlation layer needs to know of it.
#[derive(Clone, Copy, Debug)]
pub struct BaseRule<'a> {
    pub id: Option<&'a str>,
    pub name: Option<&'a str>,
    /// What filters compare; correlations do not read it.
    pub logsource: Option<&'a crate::rule::LogSource>,
}

impl<'a> From<&'a crate::CompiledRule> for BaseRule<'a> {
    fn from(rule: &'a crate::CompiledRule) -> BaseRule<'a> {
        BaseRule {
            id: rule.id.as_deref(),
            name: rule.name.as_deref(),
            logsource: Some(&rule.logsource),
        }
    }
}

/// What a referenced name stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    /// A detection rule: its index among the base rules.
    Rule(usize),
    /// Another correlation: its index in the set.
    Correlation(usize),
}

/// One referenced rule of a correlation, with the fields it is read under.
#[derive(Clone, Debug)]
pub struct Slot {
    pub input: Input,
    /// Every name the rule answers to here: as written in `rules`, its `name` and its `id`.
    pub names: Vec<String>,
    /// The event field for each group-by name (aliases applied).
    pub group_fields: Vec<String>,
    /// The event field of `condition.field` (aliases applied).
    pub value_field: Option<String>,
}

/// One way an extended condition (or a partial `temporal_ordered` threshold) can hold.
#[derive(Clone, Debug, PartialEq)]
pub struct Branch {
    pub present: Vec<usize>,
    pub absent: Vec<usize>,
}

#[derive(Clone, Debug)]
pub struct Resolved {
    pub rule: CorrelationRule,
    pub slots: Vec<Slot>,
    /// Extended conditions and `temporal_ordered` with gt/gte: the alternatives; otherwise one
    /// branch with nothing required.
    pub branches: Vec<Branch>,
    /// Whether `branches` came from a boolean expression (no threshold applies).
    pub extended: bool,
    /// `temporal_ordered` with gt/gte: each branch is a subset of the rules to order.
    pub partial: bool,
}

/// A diagnostic about the correlation at this position (its span is in that document's text).
pub type Located = (usize, Diagnostic);

/// Resolves every correlation against the base rules and each other. Correlations with errors
/// (and those that depend on them) are dropped; `order` lists the others children first.
pub fn resolve(
    rules: Vec<CorrelationRule>,
    base: &[BaseRule],
    diags: &mut Vec<Located>,
) -> (Vec<Option<Resolved>>, Vec<usize>) {
    let names = Names::new(&rules, base);
    let mut resolved = Vec::with_capacity(rules.len());
    for (i, r) in rules.iter().enumerate() {
        let mut found = Vec::new();
        resolved.push(resolve_one(r, &names, base, &rules, &mut found));
        diags.extend(found.into_iter().map(|d| (i, d)));
    }
    let order = order(&rules, &mut resolved, diags);
    (resolved, order)
}

struct Names<'a> {
    /// (reference, what it names), in document order: base rules, then correlations.
    entries: Vec<(&'a str, Input)>,
}

impl<'a> Names<'a> {
    fn new(rules: &'a [CorrelationRule], base: &'a [BaseRule<'a>]) -> Names<'a> {
        let mut entries = Vec::new();
        for (i, b) in base.iter().enumerate() {
            for n in [b.name, b.id].into_iter().flatten() {
                entries.push((n, Input::Rule(i)));
            }
        }
        for (i, r) in rules.iter().enumerate() {
            for n in [r.name.as_deref(), r.id.as_deref()].into_iter().flatten() {
                entries.push((n, Input::Correlation(i)));
            }
        }
        Names { entries }
    }

    fn find(&self, name: &str) -> Option<Input> {
        self.entries
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, i)| *i)
    }

    fn unknown(&self, what: &str, r: &RuleRef) -> Diagnostic {
        let hint = did_you_mean(&r.name, self.entries.iter().map(|(n, _)| *n))
            .map(|s| format!("; did you mean '{s}'?"))
            .unwrap_or_else(|| {
                if self.entries.is_empty() {
                    "; no rule has a name or id".to_string()
                } else {
                    String::new()
                }
            });
        Diagnostic::error(
            CODE,
            format!("{what}'{}' names no rule (by name or id){hint}", r.name),
            Some(r.span),
        )
    }
}

fn identifiers(expr: &Expr, out: &mut Vec<(String, Span)>) {
    match expr {
        Expr::Ident(n, s) => {
            if !out.iter().any(|(m, _)| m == n) {
                out.push((n.clone(), *s));
            }
        }
        Expr::Or(v, _) | Expr::And(v, _) => v.iter().for_each(|e| identifiers(e, out)),
        Expr::Not(e, _) => identifiers(e, out),
        Expr::Of { .. } => {}
    }
}

fn resolve_one(
    rule: &CorrelationRule,
    names: &Names,
    base: &[BaseRule],
    all: &[CorrelationRule],
    diags: &mut Vec<Diagnostic>,
) -> Option<Resolved> {
    let before = diags.len();
    let mut refs = rule.rules.clone();
    let mut idents = Vec::new();
    if let Condition::Extended { expr, .. } = &rule.condition {
        identifiers(expr, &mut idents);
        if refs.is_empty() {
            refs = idents
                .iter()
                .map(|(n, s)| RuleRef {
                    name: n.clone(),
                    span: *s,
                })
                .collect();
        }
    }
    let inputs: Vec<Option<Input>> = refs
        .iter()
        .map(|r| {
            let found = names.find(&r.name);
            if found.is_none() {
                diags.push(names.unknown("", r));
            }
            found
        })
        .collect();
    // Every name an input answers to: the reference written, and the rule's own name and id.
    let aka = |input: Input| -> Vec<&str> {
        match input {
            Input::Rule(i) => [base[i].name, base[i].id].into_iter().flatten().collect(),
            Input::Correlation(i) => [all[i].name.as_deref(), all[i].id.as_deref()]
                .into_iter()
                .flatten()
                .collect(),
        }
    };
    for alias in &rule.aliases {
        for (r, _) in &alias.fields {
            let known = refs.iter().zip(&inputs).any(|(written, input)| {
                written.name == r.name || input.is_some_and(|i| aka(i).contains(&r.name.as_str()))
            });
            if !known {
                let mut d = names.unknown(&format!("alias '{}': ", alias.name), r);
                if names.find(&r.name).is_some() {
                    d.message = format!(
                        "alias '{}' names rule '{}', which this correlation does not reference",
                        alias.name, r.name
                    );
                }
                diags.push(d);
            }
        }
    }
    let slot_of = |name: &str| {
        refs.iter().zip(&inputs).position(|(written, input)| {
            written.name == name || input.is_some_and(|i| aka(i).contains(&name))
        })
    };
    let (branches, extended, partial) = branches_of(rule, refs.len(), &idents, &slot_of, diags);
    if diags[before..].iter().any(Diagnostic::is_error) {
        return None;
    }
    let value_field = match &rule.condition {
        Condition::Threshold(t) => t.field.clone(),
        Condition::Extended { .. } => None,
    };
    let slots = refs
        .iter()
        .zip(inputs)
        .map(|(written, input)| {
            let input = input.unwrap_or(Input::Rule(0));
            let mut names: Vec<String> = aka(input).into_iter().map(String::from).collect();
            names.push(written.name.clone());
            let mut slot = Slot {
                input,
                names,
                group_fields: Vec::new(),
                value_field: None,
            };
            slot.group_fields = rule
                .group_by
                .0
                .iter()
                .map(|f| field_for(rule, &slot, f))
                .collect();
            slot.value_field = value_field.as_deref().map(|f| field_for(rule, &slot, f));
            slot
        })
        .collect();
    Some(Resolved {
        rule: rule.clone(),
        slots,
        branches,
        extended,
        partial,
    })
}

/// The alternatives of an extended condition, or the choices of a partial `temporal_ordered`
/// threshold; `(branches, extended, partial)`.
fn branches_of(
    rule: &CorrelationRule,
    count: usize,
    idents: &[(String, Span)],
    slot_of: &dyn Fn(&str) -> Option<usize>,
    diags: &mut Vec<Diagnostic>,
) -> (Vec<Branch>, bool, bool) {
    let mut branches = vec![Branch {
        present: Vec::new(),
        absent: Vec::new(),
    }];
    let (mut extended, mut partial) = (false, false);
    match &rule.condition {
        Condition::Extended { expr, .. } => {
            extended = true;
            let unlisted: Vec<&(String, Span)> = idents
                .iter()
                .filter(|(n, _)| slot_of(n).is_none())
                .collect();
            for (n, s) in &unlisted {
                diags.push(Diagnostic::error(
                    CODE,
                    format!("the condition names '{n}', which is not in this correlation's rules"),
                    Some(*s),
                ));
            }
            if unlisted.is_empty() {
                match dnf(expr, false, &|n| slot_of(n).unwrap_or(0)) {
                    Some(b) => branches = b,
                    None => diags.push(Diagnostic::error(
                        CODE,
                        format!(
                            "the condition has more than {MAX_BRANCHES} alternatives once expanded"
                        ),
                        Some(expr.span()),
                    )),
                }
            }
        }
        Condition::Threshold(t) if rule.kind == CorrelationType::TemporalOrdered => {
            use crate::rule::correlation::ConditionOp::{Gt, Gte};
            if matches!(t.op, Gt | Gte) {
                partial = true;
                let need = if t.op == Gt {
                    t.value.floor() + 1.0
                } else {
                    t.value.ceil()
                };
                let need = need.clamp(0.0, count as f64 + 1.0) as usize;
                match combinations(count, need) {
                    Some(c) => branches = c,
                    None => diags.push(Diagnostic::error(
                        CODE,
                        format!(
                            "ordering {need} of {} rules has more than {MAX_BRANCHES} choices",
                            count
                        ),
                        Some(t.span),
                    )),
                }
            }
        }
        Condition::Threshold(_) => {}
    }
    (branches, extended, partial)
}

/// The event field `name` (a group-by name or the value field) stands for in `slot`'s rule:
/// an alias's field for that rule, else the name itself.
pub fn field_for(rule: &CorrelationRule, slot: &Slot, name: &str) -> String {
    rule.aliases
        .iter()
        .filter(|a| a.name == name)
        .flat_map(|a| &a.fields)
        .find(|(r, _)| slot.names.contains(&r.name))
        .map_or_else(|| name.to_string(), |(_, field)| field.clone())
}

/// Disjunctive normal form: each branch lists the slots that must be present and absent. A
/// branch that needs a slot both ways can never hold and is left out. `None`: too many.
fn dnf(expr: &Expr, negated: bool, slot: &dyn Fn(&str) -> usize) -> Option<Vec<Branch>> {
    let combine = |parts: Vec<Vec<Branch>>, conjunction: bool| -> Option<Vec<Branch>> {
        if !conjunction {
            let all: Vec<Branch> = parts.into_iter().flatten().collect();
            return (all.len() <= MAX_BRANCHES).then_some(all);
        }
        let mut acc = vec![Branch {
            present: Vec::new(),
            absent: Vec::new(),
        }];
        for part in parts {
            let mut next = Vec::new();
            for a in &acc {
                for b in &part {
                    let mut present = a.present.clone();
                    present.extend(&b.present);
                    let mut absent = a.absent.clone();
                    absent.extend(&b.absent);
                    present.sort_unstable();
                    present.dedup();
                    absent.sort_unstable();
                    absent.dedup();
                    if present.iter().any(|p| absent.contains(p)) {
                        continue;
                    }
                    next.push(Branch { present, absent });
                    if next.len() > MAX_BRANCHES {
                        return None;
                    }
                }
            }
            acc = next;
        }
        Some(acc)
    };
    match expr {
        Expr::Ident(n, _) => {
            let s = slot(n);
            Some(vec![if negated {
                Branch {
                    present: Vec::new(),
                    absent: vec![s],
                }
            } else {
                Branch {
                    present: vec![s],
                    absent: Vec::new(),
                }
            }])
        }
        Expr::Not(e, _) => dnf(e, !negated, slot),
        Expr::And(v, _) | Expr::Or(v, _) => {
            let parts = v
                .iter()
                .map(|e| dnf(e, negated, slot))
                .collect::<Option<Vec<_>>>()?;
            // De Morgan: a negated `and` is an `or` of negations.
            combine(parts, matches!(expr, Expr::And(..)) != negated)
        }
        Expr::Of { .. } => Some(Vec::new()),
    }
}

/// Every `k` of `n` slots in ascending order (itertools.combinations), or `None` when too many.
fn combinations(n: usize, k: usize) -> Option<Vec<Branch>> {
    if k > n {
        return Some(Vec::new());
    }
    let mut out = Vec::new();
    let mut pick: Vec<usize> = (0..k).collect();
    loop {
        out.push(Branch {
            present: pick.clone(),
            absent: Vec::new(),
        });
        if out.len() > MAX_BRANCHES {
            return None;
        }
        let Some(i) = (0..k).rev().find(|&i| pick[i] != i + n - k) else {
            return Some(out);
        };
        pick[i] += 1;
        for j in i + 1..k {
            pick[j] = pick[j - 1] + 1;
        }
    }
}

/// Children before parents; correlations in a cycle, or over a dropped one, are dropped.
fn order(
    rules: &[CorrelationRule],
    resolved: &mut [Option<Resolved>],
    diags: &mut Vec<Located>,
) -> Vec<usize> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Active,
        Done(bool),
    }
    fn visit(
        i: usize,
        resolved: &[Option<Resolved>],
        marks: &mut [Mark],
        out: &mut Vec<usize>,
        cyclic: &mut Vec<usize>,
    ) -> bool {
        match marks[i] {
            Mark::Done(ok) => return ok,
            Mark::Active => {
                cyclic.push(i);
                return false;
            }
            Mark::New => {}
        }
        marks[i] = Mark::Active;
        let mut ok = resolved[i].is_some();
        if let Some(r) = &resolved[i] {
            for s in &r.slots {
                if let Input::Correlation(c) = s.input {
                    ok &= visit(c, resolved, marks, out, cyclic);
                }
            }
        }
        marks[i] = Mark::Done(ok);
        if ok {
            out.push(i);
        }
        ok
    }
    let mut marks = vec![Mark::New; rules.len()];
    let mut out = Vec::new();
    let mut cyclic = Vec::new();
    for i in 0..rules.len() {
        visit(i, resolved, &mut marks, &mut out, &mut cyclic);
    }
    cyclic.sort_unstable();
    cyclic.dedup();
    for &i in &cyclic {
        diags.push((
            i,
            Diagnostic::error(
                CODE,
                format!(
                    "correlation '{}' refers back to itself through its rules (a cycle)",
                    rules[i].label()
                ),
                Some(rules[i].rules_span),
            ),
        ));
    }
    for i in 0..resolved.len() {
        if out.contains(&i) {
            continue;
        }
        let bad_child = resolved[i].as_ref().and_then(|r| {
            r.slots.iter().find_map(|s| match s.input {
                Input::Correlation(k) if !out.contains(&k) && k != i => Some(k),
                _ => None,
            })
        });
        if let (Some(k), false) = (bad_child, cyclic.contains(&i)) {
            diags.push((
                i,
                Diagnostic::error(
                    CODE,
                    format!(
                        "correlation '{}' is left out: it correlates '{}', which has errors",
                        rules[i].label(),
                        rules[k].label()
                    ),
                    Some(rules[i].rules_span),
                ),
            ));
        }
        resolved[i] = None;
    }
    out
}
