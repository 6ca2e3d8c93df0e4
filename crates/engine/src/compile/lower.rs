//! Lowering: the rule model → the compiled program. Regexes are built, windash/base64offset/
//! placeholder variants expanded, CIDRs parsed, patterns case-folded and classified (exact /
//! prefix / suffix / substring / glob), condition patterns resolved to identifier indices.

use super::program::{
    CBody, CExpr, CItem, CSearch, CValue, CVariant, CompiledRule, Matcher, RuleBody, StrKind,
    TextShape,
};
use super::CompileOptions;
use crate::rule::condition::{self, Expr, Quantifier};
use crate::rule::modifier::{self, Modifier};
use crate::rule::value::{Part, Pattern, SigmaString};
use crate::rule::{DetectionItem, Rule, SearchBody};
use crate::source::text::fold;
use crate::source::DiagnosticCode as Code;
use crate::source::{Diagnostic, SourceMap};
use memchr::memmem;
use std::sync::Arc;

/// Compiled regexes may not grow beyond this (bytes of compiled program); bigger is an error.
pub const MAX_REGEX_SIZE: usize = 16 << 20;

/// What lowering one rule collects on the way: its errors and the fields its items read.
struct Lowering<'a> {
    options: &'a CompileOptions,
    errors: Vec<Diagnostic>,
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
    source: &SourceMap,
) -> Result<CompiledRule, Vec<Diagnostic>> {
    let mut cx = Lowering {
        options,
        errors: Vec::new(),
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
        return Err(cx.errors);
    }
    let names = rule.detection.names();
    let conditions = rule
        .detection
        .conditions
        .iter()
        .map(|c| resolve(c, &names))
        .collect();
    Ok(CompiledRule {
        title: rule.title.clone(),
        id: rule.id.clone(),
        level: rule.level.clone(),
        status: rule.status.clone(),
        logsource: rule.logsource.clone(),
        tags: rule.tags.iter().map(|t| t.0.clone()).collect(),
        span: rule.span,
        body: Arc::new(RuleBody {
            searches,
            conditions,
            fields: cx.fields,
            source: source.clone(),
        }),
        mappings: Arc::new(Vec::new()),
    })
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
            let c: Vec<CBody> = items
                .iter()
                .filter_map(|i| compile_item(i, cx).map(CBody::Item))
                .collect();
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

fn compile_item(item: &DetectionItem, cx: &mut Lowering) -> Option<CItem> {
    let keyword = item.field.is_none();
    let mut values = Vec::new();
    for v in &item.values {
        let variants = match modifier::apply(
            &item.modifiers,
            &v.scalar,
            keyword,
            &cx.options.placeholders,
        ) {
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
            match compile_pattern(pattern) {
                Ok(matcher) => compiled.push(CVariant {
                    matcher,
                    expected,
                    label,
                    literal,
                    shape,
                }),
                Err(msg) => cx
                    .errors
                    .push(Diagnostic::error(Code::Value, msg, Some(v.span))),
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
    Some(CItem {
        field_id: item.field.as_deref().map_or(u32::MAX, |f| cx.field_id(f)),
        field: item.field.clone(),
        modifiers: item.modifiers.clone(),
        all: item.has(Modifier::All),
        negated: item.has(Modifier::Neq),
        values,
        span: item.span,
    })
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

fn compile_pattern(p: Pattern) -> Result<Matcher, String> {
    Ok(match p {
        Pattern::Str { s, cased } => Matcher::Str {
            kind: compile_str(&s, cased)?,
            cased,
        },
        Pattern::Regex { pattern, flags } => {
            let re = regex::RegexBuilder::new(&pattern)
                .case_insensitive(flags.ignore_case)
                .multi_line(flags.multi_line)
                .dot_matches_new_line(flags.dot_all)
                .size_limit(MAX_REGEX_SIZE)
                .build()
                .map_err(|e| regex_error(&pattern, e))?;
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

fn compile_str(s: &SigmaString, cased: bool) -> Result<StrKind, String> {
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
                    Placeholder(n) => return Err(format!("placeholder %{n}% is not resolved")),
                }
            }
            re.push('$');
            StrKind::Glob(
                regex::RegexBuilder::new(&re)
                    .size_limit(MAX_REGEX_SIZE)
                    .build()
                    .map_err(|e| format!("this wildcard pattern is too complex: {e}"))?,
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
