//! Rule model → compiled matchers. Everything that can be decided once per rule is decided here:
//! regexes are built, windash/base64offset/placeholder variants expanded, CIDRs parsed, patterns
//! case-folded and classified (exact / prefix / suffix / substring / glob), condition patterns
//! resolved to identifier indices. Evaluating an event then only compares.

use crate::condition::{self, Expr, Quantifier};
use crate::diag::Diagnostic;
use crate::event::Event;
use crate::lint;
use crate::modifier::{self, Modifier, Scalar};
use crate::rule::{self, DetectionItem, DocumentKind, LogSource, Rule, SearchBody};
use crate::span::{SourceMap, Span};
use crate::text::fold;
use crate::value::{Anchors, CompareOp, Number, Part, Pattern, SigmaString, TimePart};
use crate::yaml;
use ipnet::IpNet;
use memchr::memmem;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Compiled regexes may not grow beyond this (bytes of compiled program); bigger is an error.
pub const MAX_REGEX_SIZE: usize = 16 << 20;
/// Rule texts beyond this are refused.
pub const MAX_RULE_BYTES: usize = 4 * 1024 * 1024;

#[derive(Clone, Debug, Default)]
pub struct CompileOptions {
    /// Values for `|expand` placeholders, by name without `%` (`Administrators` → values).
    pub placeholders: BTreeMap<String, Vec<String>>,
    /// Run the lint validators (warnings) too.
    pub lint: bool,
}

/// The result of compiling one YAML text (possibly several documents).
#[derive(Debug)]
pub struct Compilation {
    /// Detection rules that compiled without error, in document order.
    pub rules: Vec<CompiledRule>,
    /// Errors and warnings, located (line/column filled in), in source order.
    pub diagnostics: Vec<Diagnostic>,
    pub source: SourceMap,
}

impl Compilation {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.is_error())
    }
}

/// A rule ready to evaluate events: cheap to clone (the compiled body is shared).
#[derive(Clone, Debug)]
pub struct CompiledRule {
    pub title: String,
    pub id: Option<String>,
    pub level: Option<String>,
    pub status: Option<String>,
    pub logsource: LogSource,
    pub tags: Vec<String>,
    /// Span of the whole YAML document in the source text.
    pub span: Span,
    pub(crate) body: Arc<RuleBody>,
    /// Log source field mappings in force (rule field → event field).
    pub(crate) mappings: Arc<Vec<(String, String)>>,
}

#[derive(Debug)]
pub(crate) struct RuleBody {
    pub searches: Vec<CSearch>,
    /// The condition list (OR-ed); almost always one.
    pub conditions: Vec<CExpr>,
    pub source: SourceMap,
}

#[derive(Debug)]
pub(crate) struct CSearch {
    pub name: String,
    pub span: Span,
    pub body: CBody,
}

#[derive(Debug)]
pub(crate) enum CBody {
    All(Vec<CBody>, Span),
    Any(Vec<CBody>, Span),
    Item(CItem),
}

#[derive(Debug)]
pub(crate) struct CItem {
    /// `None` for keywords.
    pub field: Option<String>,
    /// The field's id in the process-wide [`crate::fields`] interner (`u32::MAX` for keywords).
    pub field_id: u32,
    pub modifiers: Vec<&'static str>,
    pub all: bool,
    pub negated: bool,
    pub values: Vec<CValue>,
    pub span: Span,
}

/// One written value: OR of its variants.
#[derive(Debug)]
pub(crate) struct CValue {
    pub written: String,
    pub span: Span,
    pub variants: Vec<CVariant>,
}

#[derive(Debug)]
pub(crate) struct CVariant {
    pub matcher: Matcher,
    pub expected: String,
    pub label: Option<String>,
    /// For glob patterns: the longest literal part, folded (what the prefilter can look for).
    pub literal: Option<String>,
}

#[derive(Debug)]
pub(crate) enum CExpr {
    Or(Vec<CExpr>, Span),
    And(Vec<CExpr>, Span),
    Not(Box<CExpr>, Span),
    Search(usize, Span),
    Of {
        all: bool,
        members: Vec<usize>,
        span: Span,
    },
}

impl CExpr {
    pub fn span(&self) -> Span {
        match self {
            CExpr::Or(_, s) | CExpr::And(_, s) | CExpr::Not(_, s) | CExpr::Search(_, s) => *s,
            CExpr::Of { span, .. } => *span,
        }
    }
}

/// A string comparison, pattern pre-folded unless case-sensitive.
#[derive(Debug)]
pub(crate) enum StrKind {
    Exact(Box<str>),
    Prefix(Box<str>),
    Suffix(Box<str>),
    Contains(Box<memmem::Finder<'static>>),
    /// `*`: any string value.
    Any,
    Glob(regex::Regex),
}

#[derive(Debug)]
pub(crate) enum Matcher {
    Str {
        kind: StrKind,
        cased: bool,
    },
    Regex(regex::Regex),
    Cidr(IpNet),
    Number(Number),
    Bool(bool),
    Null,
    Exists(bool),
    Compare {
        op: CompareOp,
        value: f64,
        part: Option<TimePart>,
    },
    TimeEq {
        part: TimePart,
        value: f64,
    },
    FieldRef {
        field: String,
        anchors: Anchors,
    },
}

/// Compiles every document of `text`. Never panics; every problem is a located diagnostic.
pub fn compile_rules(text: &str, options: &CompileOptions) -> Compilation {
    let source = SourceMap::new(text);
    let mut diagnostics = Vec::new();
    let mut rules = Vec::new();
    if text.len() > MAX_RULE_BYTES {
        diagnostics.push(Diagnostic::error(
            "limit",
            format!(
                "the rule text is {} bytes; at most {MAX_RULE_BYTES} are accepted",
                text.len()
            ),
            None,
        ));
        return Compilation {
            rules,
            diagnostics,
            source,
        };
    }
    let (docs, yaml_diags) = yaml::load(text, &source);
    diagnostics.extend(yaml_diags);
    for doc in &docs {
        let root = doc.root();
        if doc.value.is_null() {
            continue;
        }
        let doc_span = doc.span;
        match rule::kind_of(&root) {
            DocumentKind::Detection => {
                let before = diagnostics.len();
                if let Some(r) = rule::parse_rule(&root, doc_span, text, &mut diagnostics) {
                    let lint_diags = if options.lint { lint::check_rule(&r, text) } else { Vec::new() };
                    match compile_rule(&r, options, &source) {
                        Ok(c) => rules.push(c),
                        Err(errs) => diagnostics.extend(errs),
                    }
                    if !diagnostics[before..].iter().any(|d| d.is_error()) {
                        diagnostics.extend(lint_diags);
                    }
                }
            }
            DocumentKind::Correlation => diagnostics.push(Diagnostic::error(
                "unsupported",
                "correlation rules are recognised but not supported yet",
                Some(root.get("correlation").map_or(doc_span, |(k, _)| k.span())),
            )),
            DocumentKind::Filter => diagnostics.push(Diagnostic::error(
                "unsupported",
                "filter documents are recognised but not supported yet",
                Some(root.get("filter").map_or(doc_span, |(k, _)| k.span())),
            )),
            DocumentKind::Action => diagnostics.push(Diagnostic::error(
                "unsupported",
                "'action' collections (global/reset/repeat) are Sigma 1 syntax and are not supported; write each rule in full",
                Some(root.get("action").map_or(doc_span, |(k, _)| k.span())),
            )),
            DocumentKind::Unknown => {
                if root.value.is_mapping() {
                    diagnostics.push(Diagnostic::error(
                        "structure",
                        "this document is not a Sigma rule: it has no 'detection' (nor 'correlation' or 'filter')",
                        Some(Span::point(doc_span.start)),
                    ));
                } else {
                    diagnostics.push(Diagnostic::error(
                        "structure",
                        "this document is not a Sigma rule: a rule is a mapping with title, logsource and detection",
                        Some(root.span()),
                    ));
                }
            }
        }
    }
    if docs.is_empty() && diagnostics.is_empty() {
        diagnostics.push(Diagnostic::error(
            "structure",
            "the text holds no rule",
            Some(Span::point(0)),
        ));
    }
    let mut diagnostics: Vec<Diagnostic> =
        diagnostics.into_iter().map(|d| d.locate(&source)).collect();
    diagnostics.sort_by_key(|d| (d.span.map_or(usize::MAX, |s| s.start), d.severity));
    Compilation {
        rules,
        diagnostics,
        source,
    }
}

fn compile_rule(
    rule: &Rule,
    options: &CompileOptions,
    source: &SourceMap,
) -> Result<CompiledRule, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut searches = Vec::new();
    for s in &rule.detection.searches {
        if let Some(body) = compile_body(&s.body, options, &mut errors) {
            searches.push(CSearch {
                name: s.name.clone(),
                span: s.span,
                body,
            });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let names = rule.detection.names();
    let conditions = rule
        .detection
        .conditions
        .iter()
        .map(|c| resolve(&c.expr, &names))
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

fn compile_body(
    body: &SearchBody,
    options: &CompileOptions,
    errors: &mut Vec<Diagnostic>,
) -> Option<CBody> {
    match body {
        SearchBody::Map { items, span } => {
            let c: Vec<CBody> = items
                .iter()
                .filter_map(|i| compile_item(i, options, errors).map(CBody::Item))
                .collect();
            Some(CBody::All(c, *span))
        }
        SearchBody::List { alternatives, span } => {
            let c: Vec<CBody> = alternatives
                .iter()
                .filter_map(|a| compile_body(a, options, errors))
                .collect();
            Some(CBody::Any(c, *span))
        }
        SearchBody::Keywords(item) => compile_item(item, options, errors).map(CBody::Item),
    }
}

fn compile_item(
    item: &DetectionItem,
    options: &CompileOptions,
    errors: &mut Vec<Diagnostic>,
) -> Option<CItem> {
    let keyword = item.field.is_none();
    let mut values = Vec::new();
    let err_span = |i: usize| item.modifier_spans.get(i).copied().unwrap_or(item.key_span);
    for v in &item.values {
        let variants =
            match modifier::apply(&item.modifiers, &v.scalar, keyword, &options.placeholders) {
                Ok(vs) => vs,
                Err(msg) => {
                    // Point at the modifier the message names first, else at the value.
                    let at = item
                        .modifiers
                        .iter()
                        .position(|m| msg.contains(&format!("'{}'", m.name())))
                        .map_or(v.span, err_span);
                    errors.push(Diagnostic::error("modifier", msg, Some(at)));
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
                }),
                Err(msg) => errors.push(Diagnostic::error("value", msg, Some(v.span))),
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
        field_id: item
            .field
            .as_deref()
            .map_or(u32::MAX, crate::fields::intern),
        field: item.field.clone(),
        modifiers: item.modifiers.iter().map(|m| m.name()).collect(),
        all: item.has(Modifier::All),
        negated: item.has(Modifier::Neq),
        values,
        span: item.span,
    })
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

impl CompiledRule {
    /// The fast boolean path.
    #[inline]
    pub fn matches(&self, event: &Event) -> bool {
        crate::eval::matches(self, event)
    }

    /// Names of the search identifiers that are true for this event, in rule order.
    pub fn matched_identifiers(&self, event: &Event) -> Vec<String> {
        self.identifiers_under(event, &self.mappings)
    }

    /// The fast path under a log source verdict: its field mappings apply (the verdict itself is
    /// not checked: callers decide whether a non-fitting event is evaluated).
    pub fn matches_with(&self, event: &Event, fit: &crate::logsource::LogSourceFit) -> bool {
        crate::eval::matches_mapped(self, event, Self::mappings_of(fit, &self.mappings))
    }

    /// [`CompiledRule::matched_identifiers`] under a log source verdict's field mappings.
    pub fn matched_identifiers_with(
        &self,
        event: &Event,
        fit: &crate::logsource::LogSourceFit,
    ) -> Vec<String> {
        self.identifiers_under(event, Self::mappings_of(fit, &self.mappings))
    }

    fn mappings_of<'a>(
        fit: &'a crate::logsource::LogSourceFit,
        own: &'a [(String, String)],
    ) -> &'a [(String, String)] {
        match fit {
            crate::logsource::LogSourceFit::Fits { field_mappings }
                if !field_mappings.is_empty() =>
            {
                field_mappings.as_slice()
            }
            _ => own,
        }
    }

    fn identifiers_under(&self, event: &Event, maps: &[(String, String)]) -> Vec<String> {
        self.body
            .searches
            .iter()
            .filter(|s| crate::eval::search(&s.body, event, maps))
            .map(|s| s.name.clone())
            .collect()
    }

    /// The explain path: every node evaluated, with reasons and locations.
    pub fn explain(&self, event: &Event) -> crate::explain::MatchTrace {
        crate::explain::explain(self, event, None)
    }

    /// Explains with a log source verdict (its note and field mappings).
    pub fn explain_with(
        &self,
        event: &Event,
        fit: &crate::logsource::LogSourceFit,
    ) -> crate::explain::MatchTrace {
        crate::explain::explain(self, event, Some(fit))
    }

    /// The same rule reading some fields under other names (log source field mappings:
    /// rule field → event field).
    pub fn with_field_mappings(&self, mappings: &[(String, String)]) -> CompiledRule {
        let mut r = self.clone();
        r.mappings = Arc::new(mappings.to_vec());
        r
    }

    /// Field mappings in force.
    pub fn field_mappings(&self) -> &[(String, String)] {
        &self.mappings
    }

    /// Search identifier names, in rule order.
    pub fn identifiers(&self) -> Vec<&str> {
        self.body.searches.iter().map(|s| s.name.as_str()).collect()
    }

    /// The fields the rule reads (for indexes and for the UI).
    pub fn fields(&self) -> Vec<&str> {
        fn walk<'a>(b: &'a CBody, out: &mut Vec<&'a str>) {
            match b {
                CBody::All(v, _) | CBody::Any(v, _) => v.iter().for_each(|x| walk(x, out)),
                CBody::Item(i) => {
                    if let Some(f) = &i.field {
                        if !out.contains(&f.as_str()) {
                            out.push(f);
                        }
                    }
                }
            }
        }
        let mut out = Vec::new();
        self.body
            .searches
            .iter()
            .for_each(|s| walk(&s.body, &mut out));
        out
    }
}

/// Reads a scalar as Sigma reads a written value (used by tests and tools).
pub fn scalar_of(v: &serde_json::Value) -> Scalar {
    match v {
        serde_json::Value::Bool(b) => Scalar::Bool(*b),
        serde_json::Value::Number(n) => n.as_i64().map_or(
            Scalar::Number(Number::Float(n.as_f64().unwrap_or(0.0))),
            |i| Scalar::Number(Number::Int(i)),
        ),
        serde_json::Value::Null => Scalar::Null,
        other => Scalar::Str(
            other
                .as_str()
                .map_or_else(|| other.to_string(), str::to_string),
        ),
    }
}
