//! Lowering: the rule model → the compiled program. Regexes are built, windash/base64offset/
//! placeholder variants expanded, CIDRs parsed, patterns case-folded and classified (exact /
//! prefix / suffix / substring / glob), condition patterns resolved to identifier indices.

use super::program::{
    CBody, CExpr, CItem, CSearch, CValue, CVariant, CompiledRule, Matcher, RuleBody, StrKind,
    TextShape,
};
use super::CompileOptions;
use crate::pipeline::placeholders_in;
use crate::rule::condition::{self, Expr, Quantifier};
use crate::rule::modifier::{self, Modifier, Scalar, Variant};
use crate::rule::unicode_class::{unsupported_unicode_class, RegexFlavor};
use crate::rule::value::{Part, Pattern, SigmaString};
use crate::rule::{DetectionItem, Rule, SearchBody, WrittenValue};
use crate::source::text::fold;
use crate::source::DiagnosticCode as Code;
use crate::source::{Diagnostic, SourceMap};
use memchr::memmem;
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::limits::{MAX_REGEX_MEMORY, MAX_REGEX_SIZE};

/// The regex memory the rules compiled so far have used, against [`MAX_REGEX_MEMORY`]: one
/// text's ([`crate::compile_rules`]), or a whole rule set's when its texts compile against one
/// budget ([`crate::compile_rules_within`]), so a pack of files cannot take what one text may
/// not. The `regex` crate does not report a regex's memory, so each is estimated from its
/// Thompson NFA (what `size_limit` bounds), measured before the regex is built: the engines built
/// from the NFA and their search caches take about [`NFA_TO_REGEX`] times the NFA's bytes, plus
/// [`REGEX_OVERHEAD`] per regex (measured with regex 1.13 on `|re` values and globs).
#[derive(Debug, Default)]
pub struct RegexBudget {
    used: usize,
    /// Texts compiled against this budget before the current one (said in the message).
    texts: usize,
}

const NFA_TO_REGEX: usize = 5;
const REGEX_OVERHEAD: usize = 12 << 10;

/// Why a pattern did not compile.
enum PatternError {
    Invalid(String),
    /// Past the text's regex budget (said once per rule).
    OverBudget(String),
}

impl RegexBudget {
    /// The next text compiles against what the ones before it used.
    pub(super) fn next_text(&mut self) {
        self.texts += 1;
    }

    /// Counts the regex `pattern` would take, or refuses it past the budget. A pattern the NFA
    /// compiler refuses costs nothing here: building it reports the error.
    fn charge(
        &mut self,
        pattern: &str,
        syntax: regex_automata::util::syntax::Config,
    ) -> Result<(), PatternError> {
        use regex_automata::nfa::thompson;
        let nfa = thompson::Compiler::new()
            .syntax(syntax)
            .configure(
                thompson::Config::new()
                    .nfa_size_limit(Some(MAX_REGEX_SIZE))
                    .which_captures(thompson::WhichCaptures::None),
            )
            .build(pattern);
        let Ok(nfa) = nfa else { return Ok(()) };
        let cost = nfa
            .memory_usage()
            .saturating_mul(NFA_TO_REGEX)
            .saturating_add(REGEX_OVERHEAD);
        let used = self.used.saturating_add(cost);
        if used > MAX_REGEX_MEMORY {
            let whose = match self.texts {
                0 => "this text".to_string(),
                1 => "this text and the one loaded before it".to_string(),
                n => format!("this text and the {n} loaded before it"),
            };
            return Err(PatternError::OverBudget(format!(
                "with this value the regular expressions of {whose} would take more than the limit of {} MB (this value needs about {} KB; wildcard patterns other than prefix, suffix or substring count as regular expressions)",
                MAX_REGEX_MEMORY >> 20,
                cost.div_ceil(1 << 10)
            )));
        }
        self.used = used;
        Ok(())
    }
}

/// What lowering one rule collects on the way: its errors and the fields its items read.
struct Lowering<'a> {
    options: &'a CompileOptions,
    budget: &'a mut RegexBudget,
    /// Whether this rule has said it is past the regex budget.
    over_budget: bool,
    errors: Vec<Diagnostic>,
    /// Placeholders without values: the item matches nothing.
    warnings: Vec<Diagnostic>,
    fields: Vec<String>,
}

impl Lowering<'_> {
    /// The rule-local id of a field ([`RuleBody::fields`] index).
    fn field_id(&mut self, name: &str) -> u32 {
        let at = self
            .fields
            .iter()
            .position(|f| f == name)
            .unwrap_or_else(|| {
                self.fields.push(name.to_string());
                self.fields.len() - 1
            });
        at as u32
    }
}

pub(super) fn compile_rule(
    rule: &Rule,
    options: &CompileOptions,
    source: &Arc<SourceMap>,
    budget: &mut RegexBudget,
) -> Result<(CompiledRule, Vec<Diagnostic>), Vec<Diagnostic>> {
    let mut cx = Lowering {
        options,
        budget,
        over_budget: false,
        errors: Vec::new(),
        warnings: Vec::new(),
        fields: Vec::new(),
    };
    let mut searches = Vec::new();
    for s in &rule.detection.searches {
        if let Some(body) = compile_body(&s.body, &mut cx) {
            searches.push(CSearch {
                name: s.name.clone(),
                span: s.span,
                body,
            });
        }
    }
    if !cx.errors.is_empty() {
        cx.errors.append(&mut cx.warnings);
        return Err(cx.errors);
    }
    let names = rule.detection.names();
    let conditions = rule
        .detection
        .conditions
        .iter()
        .map(|c| resolve(c, &names))
        .collect();
    Ok((
        CompiledRule {
            title: rule.title.clone(),
            id: rule.id.clone(),
            name: rule.name.clone(),
            level: rule.level.clone(),
            status: rule.status.clone(),
            logsource: rule.logsource.clone(),
            tags: rule.tags.iter().map(|t| t.0.clone()).collect(),
            span: rule.span,
            body: Arc::new(RuleBody {
                searches,
                conditions,
                fields: cx.fields,
                source: Arc::clone(source),
            }),
            mappings: Arc::new(Vec::new()),
            pipeline_items: Arc::new(Vec::new()),
        },
        cx.warnings,
    ))
}

fn resolve(e: &Expr, names: &[String]) -> CExpr {
    let index = |n: &str| names.iter().position(|x| x == n).unwrap_or(0);
    match e {
        Expr::Or(v, s) => CExpr::Or(v.iter().map(|x| resolve(x, names)).collect(), *s),
        Expr::And(v, s) => CExpr::And(v.iter().map(|x| resolve(x, names)).collect(), *s),
        Expr::Not(b, s) => CExpr::Not(Box::new(resolve(b, names)), *s),
        Expr::Ident(n, s) => CExpr::Search(index(n), *s),
        Expr::Of {
            quantifier,
            pattern,
            span,
        } => CExpr::Of {
            all: *quantifier == Quantifier::All,
            members: condition::select(pattern, names)
                .into_iter()
                .map(index)
                .collect(),
            span: *span,
        },
    }
}

fn compile_body(body: &SearchBody, cx: &mut Lowering) -> Option<CBody> {
    match body {
        SearchBody::Map { items, span } => {
            let c: Vec<CBody> = items.iter().filter_map(|i| compile_fields(i, cx)).collect();
            Some(CBody::All(c, *span))
        }
        SearchBody::List { alternatives, span } => {
            let c: Vec<CBody> = alternatives
                .iter()
                .filter_map(|a| compile_body(a, cx))
                .collect();
            Some(CBody::Any(c, *span))
        }
        SearchBody::Keywords(item) => compile_item(item, cx).map(CBody::Item),
    }
}

/// An item, or after a one-to-many field mapping the OR of one item per field.
fn compile_fields(item: &DetectionItem, cx: &mut Lowering) -> Option<CBody> {
    if item.processing.also_fields.is_empty() {
        return compile_item(item, cx).map(CBody::Item);
    }
    let fields = item.field.iter().chain(&item.processing.also_fields);
    let per_field: Vec<CBody> = fields
        .filter_map(|f| {
            let mut one = item.clone();
            one.field = Some(f.clone());
            one.processing.also_fields.clear();
            compile_item(&one, cx).map(CBody::Item)
        })
        .collect();
    Some(CBody::Any(per_field, item.span))
}

/// The values of `item`'s `|expand` placeholders: the pipeline's, then the caller's.
fn placeholders_of<'a>(
    item: &DetectionItem,
    cx: &'a Lowering,
) -> std::borrow::Cow<'a, BTreeMap<String, Vec<String>>> {
    if item.processing.placeholders.is_empty() {
        return std::borrow::Cow::Borrowed(&cx.options.placeholders);
    }
    let mut all = cx.options.placeholders.clone();
    all.extend(item.processing.placeholders.clone());
    std::borrow::Cow::Owned(all)
}

/// The variants of one value: a pipeline's replacement, or the modifiers applied. A placeholder
/// without values is a warning and the value matches nothing.
fn variants_of(
    item: &DetectionItem,
    v: &WrittenValue,
    placeholders: &BTreeMap<String, Vec<String>>,
    cx: &mut Lowering,
) -> Result<Vec<Variant>, modifier::ModifierError> {
    if let Some(replaced) = &v.replaced {
        return Ok(replaced.clone());
    }
    if item.has(Modifier::Expand) {
        if let Scalar::Str(text) = &v.scalar {
            let missing: Vec<String> = placeholders_in(text)
                .into_iter()
                .filter(|n| placeholders.get(n).is_none_or(|vals| vals.is_empty()))
                .collect();
            if !missing.is_empty() {
                for name in missing {
                    cx.warnings.push(Diagnostic::warning(
                        Code::Placeholder,
                        format!("%{name}% has no values: this item matches nothing until values are given"),
                        Some(v.span),
                    ));
                }
                return Ok(Vec::new());
            }
        }
    }
    modifier::apply(
        &item.modifiers,
        &v.scalar,
        item.field.is_none(),
        placeholders,
    )
}

fn compile_item(item: &DetectionItem, cx: &mut Lowering) -> Option<CItem> {
    let keyword = item.field.is_none();
    let placeholders = placeholders_of(item, cx).into_owned();
    let mut values = Vec::new();
    for v in &item.values {
        if cx.over_budget {
            // The rule has failed; measuring more regexes would only take time.
            return None;
        }
        let variants = match variants_of(item, v, &placeholders, cx) {
            Ok(vs) => vs,
            Err(e) => {
                let at = match e.modifier {
                    Some(i) => item.modifier_spans.get(i).copied().unwrap_or(item.key_span),
                    None => v.span,
                };
                cx.errors
                    .push(Diagnostic::error(Code::Modifier, e.message, Some(at)));
                continue;
            }
        };
        let mut compiled = Vec::with_capacity(variants.len());
        for (pattern, label) in variants {
            // A keyword is looked for anywhere in a value, as a full-text search would.
            let pattern = match pattern {
                Pattern::Str { mut s, cased } if keyword => {
                    if !s.ends_with_any() {
                        s.parts.push(Part::AnyMany);
                    }
                    if !s.starts_with_any() {
                        s.parts.insert(0, Part::AnyMany);
                    }
                    Pattern::Str { s, cased }
                }
                p => p,
            };
            let expected = pattern.display();
            let shape = match &pattern {
                Pattern::Str { s, cased } => Some(text_shape(s, *cased)),
                _ => None,
            };
            let literal = match &pattern {
                Pattern::Str { s, cased: false } => s
                    .parts
                    .iter()
                    .filter_map(|p| match p {
                        Part::Lit(l) => Some(fold(l).into_owned()),
                        _ => None,
                    })
                    .max_by_key(|l| l.len()),
                _ => None,
            };
            match compile_pattern(pattern, cx.budget) {
                Ok(matcher) => compiled.push(CVariant {
                    matcher,
                    expected,
                    label,
                    literal,
                    shape,
                }),
                Err(PatternError::Invalid(msg)) => {
                    cx.errors
                        .push(Diagnostic::error(Code::Value, msg, Some(v.span)))
                }
                Err(PatternError::OverBudget(msg)) => {
                    if !std::mem::replace(&mut cx.over_budget, true) {
                        cx.errors
                            .push(Diagnostic::error(Code::Limit, msg, Some(v.span)));
                    }
                    // The rule fails: this value has no variant.
                    compiled.clear();
                    break;
                }
            }
        }
        values.push(CValue {
            written: v.scalar.display(),
            span: v.span,
            variants: compiled,
        });
    }
    if values.len() != item.values.len() {
        return None;
    }
    let field = item.field.as_deref().map(|f| event_field(item, f));
    Some(CItem {
        field_id: field.map_or(u32::MAX, |f| cx.field_id(f)),
        field: field.map(str::to_string),
        modifiers: item.modifiers.clone(),
        all: item.has(Modifier::All),
        negated: item.has(Modifier::Neq),
        values,
        span: item.span,
        renamed_from: item.processing.renamed_from.clone(),
        pipeline_items: item.processing.applied.clone(),
    })
}

/// The event field an item reads. `ecs_windows` maps to `*.caseless`, Elasticsearch's
/// lower-cased multi-field of a keyword, which an index has but the events people paste (the
/// documents' source) do not; this engine compares case-insensitively anyway, so such an item
/// reads the field itself.
fn event_field<'a>(item: &DetectionItem, field: &'a str) -> &'a str {
    match (
        &item.processing.renamed_from,
        field.strip_suffix(".caseless"),
    ) {
        (Some(_), Some(base)) if !base.is_empty() => base,
        _ => field,
    }
}

fn text_shape(s: &SigmaString, cased: bool) -> TextShape {
    let is_any = |p: &&Part| matches!(p, Part::AnyMany);
    let start = s.parts.iter().take_while(is_any).count();
    let end = s.parts.len() - s.parts[start..].iter().rev().take_while(is_any).count();
    let core = SigmaString {
        parts: s.parts[start..end].to_vec(),
        bytes: s.bytes,
    }
    .display();
    TextShape {
        open_start: start > 0,
        open_end: end < s.parts.len(),
        any: matches!(s.parts.as_slice(), [Part::AnyMany]),
        core: if cased {
            format!("{core} (case-sensitive)")
        } else {
            core
        },
    }
}

fn compile_pattern(p: Pattern, budget: &mut RegexBudget) -> Result<Matcher, PatternError> {
    Ok(match p {
        Pattern::Str { s, cased } => Matcher::Str {
            kind: compile_str(&s, cased, budget)?,
            cased,
        },
        Pattern::Regex { pattern, flags } => {
            if let Some(why) = unsupported_unicode_class(&pattern, RegexFlavor::Re2) {
                return Err(PatternError::Invalid(format!(
                    "invalid regular expression: {why}"
                )));
            }
            budget.charge(
                &pattern,
                regex_automata::util::syntax::Config::new()
                    .case_insensitive(flags.ignore_case)
                    .multi_line(flags.multi_line)
                    .dot_matches_new_line(flags.dot_all),
            )?;
            let re = regex::RegexBuilder::new(&pattern)
                .case_insensitive(flags.ignore_case)
                .multi_line(flags.multi_line)
                .dot_matches_new_line(flags.dot_all)
                .size_limit(MAX_REGEX_SIZE)
                .build()
                .map_err(|e| PatternError::Invalid(regex_error(&pattern, e)))?;
            Matcher::Regex(re)
        }
        Pattern::Cidr(n) => Matcher::Cidr(n),
        Pattern::Number(n) => Matcher::Number(n),
        Pattern::Bool(b) => Matcher::Bool(b),
        Pattern::Null => Matcher::Null,
        Pattern::Exists(b) => Matcher::Exists(b),
        Pattern::Compare { op, value, part } => Matcher::Compare {
            op,
            value: value.as_f64(),
            part,
        },
        Pattern::TimePartEq { part, value } => Matcher::TimeEq {
            part,
            value: value.as_f64(),
        },
        Pattern::FieldRef { field, anchors } => Matcher::FieldRef { field, anchors },
    })
}

fn regex_error(pattern: &str, e: regex::Error) -> String {
    match e {
        regex::Error::CompiledTooBig(n) => {
            format!("the regular expression is too big to compile (over {n} bytes)")
        }
        regex::Error::Syntax(s) => {
            let lookaround = ["(?=", "(?!", "(?<=", "(?<!"]
                .iter()
                .any(|l| pattern.contains(l));
            let hint = if lookaround {
                "\nlook-around and back-references are not supported (Sigma regexes follow RE2, as pySigma 2 does)"
            } else {
                ""
            };
            format!("invalid regular expression:\n{s}{hint}")
        }
        other => format!("invalid regular expression: {other}"),
    }
}

fn compile_str(
    s: &SigmaString,
    cased: bool,
    budget: &mut RegexBudget,
) -> Result<StrKind, PatternError> {
    let f = |t: &str| -> Box<str> {
        if cased {
            t.into()
        } else {
            fold(t).into_owned().into_boxed_str()
        }
    };
    let parts = &s.normalized_ref();
    use Part::*;
    Ok(match parts.as_slice() {
        [] => StrKind::Exact("".into()),
        [Lit(a)] => StrKind::Exact(f(a)),
        [Lit(a), AnyMany] => StrKind::Prefix(f(a)),
        [AnyMany, Lit(a)] => StrKind::Suffix(f(a)),
        [AnyMany, Lit(a), AnyMany] => {
            StrKind::Contains(Box::new(memmem::Finder::new(f(a).as_bytes()).into_owned()))
        }
        [AnyMany] | [AnyMany, AnyMany] => StrKind::Any,
        parts => {
            let mut re = String::from("(?s)^");
            for p in parts {
                match p {
                    Lit(a) => re.push_str(&regex::escape(&f(a))),
                    AnyMany => re.push_str(".*"),
                    AnyOne => re.push('.'),
                    Placeholder(n) => {
                        return Err(PatternError::Invalid(format!(
                            "placeholder %{n}% is not resolved"
                        )))
                    }
                }
            }
            re.push('$');
            budget.charge(&re, regex_automata::util::syntax::Config::new())?;
            StrKind::Glob(
                regex::RegexBuilder::new(&re)
                    .size_limit(MAX_REGEX_SIZE)
                    .build()
                    .map_err(|e| {
                        PatternError::Invalid(format!("this wildcard pattern is too complex: {e}"))
                    })?,
            )
        }
    })
}

impl SigmaString {
    /// Parts with runs of `*` collapsed and empty literals dropped.
    fn normalized_ref(&self) -> Vec<Part> {
        let mut out: Vec<Part> = Vec::new();
        for p in self.parts.iter().cloned() {
            match (&p, out.last_mut()) {
                (Part::AnyMany, Some(Part::AnyMany)) => {}
                (Part::Lit(b), Some(Part::Lit(a))) => a.push_str(b),
                (Part::Lit(b), _) if b.is_empty() => {}
                _ => out.push(p),
            }
        }
        out
    }
}
