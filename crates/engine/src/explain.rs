//! The explain path: evaluates every node of a compiled rule without short-circuiting and
//! records why each part is true or false, with source locations. Serialized as JSON for the
//! CLI (`--explain`) and the web app; the shapes below are the contract with both.

use crate::compile::{CBody, CExpr, CItem, CValue, CompiledRule, Matcher, RuleBody, StrKind};
use crate::diag::did_you_mean;
use crate::eval::{lookup, scalar_ip, scalar_number, scalar_text, str_find, test_value, time_part};
use crate::event::{Event, FieldValue};
use crate::logsource::{LogSourceFit, LogSourceMap};
use crate::span::{Location, Span};
use serde::Serialize;

/// Everything about one (rule, event) evaluation.
#[derive(Clone, Debug, Serialize)]
pub struct MatchTrace {
    /// The verdict: did the rule fire on this event? Same as the fast path's answer.
    pub matched: bool,
    pub title: String,
    pub rule_id: Option<String>,
    /// A plain-language sentence about the verdict ("fired: selection is true and ...").
    pub summary: String,
    /// Set when the event's log source does not fit the rule's (or cannot be told).
    pub logsource_note: Option<String>,
    /// The condition tree, each node with its value.
    pub condition: ConditionTrace,
    /// Every search identifier of the detection, in rule order.
    pub identifiers: Vec<IdentifierTrace>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConditionKind {
    /// The OR of a condition list.
    AnyCondition,
    Or,
    And,
    Not,
    Identifier,
    /// `1 of pattern` / `any of pattern`
    OneOf,
    /// `all of pattern`
    AllOf,
}

#[derive(Clone, Debug, Serialize)]
pub struct ConditionTrace {
    pub kind: ConditionKind,
    /// The source text of this node (`not 1 of filter_main_*`).
    pub text: String,
    pub value: bool,
    pub span: Span,
    pub location: Location,
    /// Operands; for `1 of`/`all of`, the identifiers the pattern selected.
    pub children: Vec<ConditionTrace>,
}

#[derive(Clone, Debug, Serialize)]
pub struct IdentifierTrace {
    pub name: String,
    pub value: bool,
    /// Span of the identifier's key in the detection section.
    pub span: Span,
    pub location: Location,
    /// Plain-language reason ("selection is false: Initiated is 'false', the rule wants 'true'").
    pub explanation: String,
    pub search: SearchTrace,
}

/// A search identifier's body: a map (all items), a list of maps (any alternative), keywords.
// Traces are built for one event at a time (the explain path), so variant size does not matter,
// and an unboxed item keeps pattern matching simple for the web app.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SearchTrace {
    AllOf {
        value: bool,
        span: Span,
        location: Location,
        children: Vec<SearchTrace>,
    },
    AnyOf {
        value: bool,
        span: Span,
        location: Location,
        children: Vec<SearchTrace>,
    },
    Item(ItemTrace),
}

impl SearchTrace {
    pub fn value(&self) -> bool {
        match self {
            SearchTrace::AllOf { value, .. } | SearchTrace::AnyOf { value, .. } => *value,
            SearchTrace::Item(i) => i.value,
        }
    }
}

/// One `field|modifiers: values` entry (or a keyword list when `field` is `None`).
#[derive(Clone, Debug, Serialize)]
pub struct ItemTrace {
    pub value: bool,
    pub field: Option<String>,
    pub modifiers: Vec<String>,
    /// `any` (values OR-ed) or `all` (`|all`).
    pub linking: &'static str,
    /// `|neq`: the item is the negation of its values.
    pub negated: bool,
    pub span: Span,
    pub location: Location,
    /// The event's value of `field` (absent: `None`). Keyword items: `None`.
    pub event_value: Option<serde_json::Value>,
    /// A close field name the event has, when `field` is absent ("did you mean CommandLine?").
    pub field_suggestion: Option<String>,
    /// Field renamed by the log source mapping (e.g. `Image` read from `NewProcessName`).
    pub read_from: Option<String>,
    pub values: Vec<ValueTrace>,
    /// Plain-language reason for the item's value.
    pub explanation: String,
    /// The semantic rules that decided this item, for newcomers ("a regular expression matches
    /// anywhere in the value", "null matches a missing field", ...). See ARCHITECTURE.md.
    pub notes: Vec<String>,
}

/// One expected value after modifiers, and how it fared against the event.
#[derive(Clone, Debug, Serialize)]
pub struct ValueTrace {
    /// The value as written in the rule.
    pub written: String,
    /// What is compared after modifiers (`*\cmstp.exe`, `/(?i)foo/`, `10.0.0.0/8`, `< 5`).
    pub expected: String,
    /// For expansions (windash, base64offset, placeholders): which variant this is.
    pub variant: Option<String>,
    pub matched: bool,
    /// The event field that matched (keywords: any field; fieldref: the referenced field).
    pub matched_field: Option<String>,
    /// The event value this was compared with (for lists, the element that matched or the first).
    pub actual: Option<String>,
    /// Byte range of the matched part inside `actual`.
    pub matched_range: Option<[usize; 2]>,
    pub reason: Reason,
    /// How many other variants this written value expanded into (not shown one by one).
    pub other_variants: usize,
    pub span: Span,
    pub location: Location,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    Matched,
    FieldAbsent,
    FieldNull,
    ValueDiffers,
    DiffersOnlyInCase,
    WrongType,
    OutsideRange,
    NotAnIp,
    NoTimestamp,
    ReferencedFieldAbsent,
    NoFieldMatched,
}

struct Ctx<'a> {
    body: &'a RuleBody,
    event: &'a Event,
    maps: &'a [(String, String)],
}

impl Ctx<'_> {
    fn loc(&self, span: Span) -> Location {
        self.body.source.location(span.start)
    }

    fn text(&self, span: Span) -> String {
        self.body
            .source
            .text()
            .get(span.start..span.end)
            .unwrap_or("")
            .to_string()
    }
}

pub(crate) fn explain(
    rule: &CompiledRule,
    event: &Event,
    fit: Option<&LogSourceFit>,
) -> MatchTrace {
    let computed;
    let fit = match fit {
        Some(f) => f,
        None => {
            computed = LogSourceMap::builtin().fit(&rule.logsource, event);
            &computed
        }
    };
    let (maps, logsource_note): (&[(String, String)], Option<String>) = match fit {
        LogSourceFit::Fits { field_mappings } if !field_mappings.is_empty() => {
            let read: Vec<String> = field_mappings.iter().map(|(a, b)| format!("{a} from {b}")).collect();
            (field_mappings, Some(format!("Fields renamed by the log source mapping: {}.", read.join(", "))))
        }
        LogSourceFit::DoesNotFit { reason } => (
            &rule.mappings,
            Some(format!("This event is outside the rule's log source ({}): {reason}. It is evaluated anyway.", rule.logsource)),
        ),
        _ => (&rule.mappings, None),
    };
    let ctx = Ctx {
        body: &rule.body,
        event,
        maps,
    };
    let identifiers: Vec<IdentifierTrace> = rule
        .body
        .searches
        .iter()
        .map(|s| {
            let search = body_trace(&ctx, &s.body);
            let value = search.value();
            let explanation = format!("{} is {}: {}", s.name, value, body_reason(&search, value));
            IdentifierTrace {
                name: s.name.clone(),
                value,
                span: s.span,
                location: ctx.loc(s.span),
                explanation,
                search,
            }
        })
        .collect();
    let mut conds: Vec<ConditionTrace> = rule
        .body
        .conditions
        .iter()
        .map(|c| cond_trace(&ctx, c, &identifiers))
        .collect();
    let condition = if conds.len() == 1 {
        conds.pop().unwrap_or_else(|| empty_condition(&ctx))
    } else {
        let value = conds.iter().any(|c| c.value);
        let span = conds
            .iter()
            .map(|c| c.span)
            .reduce(Span::join)
            .unwrap_or_default();
        ConditionTrace {
            kind: ConditionKind::AnyCondition,
            text: "any of the conditions".into(),
            value,
            span,
            location: ctx.loc(span),
            children: conds,
        }
    };
    let matched = condition.value;
    let summary = format!(
        "{}: {}.",
        if matched { "Fired" } else { "Not fired" },
        why(&condition, &identifiers)
    );
    MatchTrace {
        matched,
        title: rule.title.clone(),
        rule_id: rule.id.clone(),
        summary,
        logsource_note,
        condition,
        identifiers,
    }
}

fn empty_condition(ctx: &Ctx) -> ConditionTrace {
    ConditionTrace {
        kind: ConditionKind::AnyCondition,
        text: String::new(),
        value: false,
        span: Span::default(),
        location: ctx.loc(Span::default()),
        children: Vec::new(),
    }
}

fn cond_trace(ctx: &Ctx, e: &CExpr, ids: &[IdentifierTrace]) -> ConditionTrace {
    let span = e.span();
    let node = |kind, value, children| ConditionTrace {
        kind,
        text: ctx.text(span),
        value,
        span,
        location: ctx.loc(span),
        children,
    };
    match e {
        CExpr::Or(v, _) => {
            let c: Vec<_> = v.iter().map(|x| cond_trace(ctx, x, ids)).collect();
            node(ConditionKind::Or, c.iter().any(|x| x.value), c)
        }
        CExpr::And(v, _) => {
            let c: Vec<_> = v.iter().map(|x| cond_trace(ctx, x, ids)).collect();
            node(ConditionKind::And, c.iter().all(|x| x.value), c)
        }
        CExpr::Not(b, _) => {
            let c = cond_trace(ctx, b, ids);
            node(ConditionKind::Not, !c.value, vec![c])
        }
        CExpr::Search(i, _) => node(ConditionKind::Identifier, ids[*i].value, Vec::new()),
        CExpr::Of { all, members, .. } => {
            let c: Vec<ConditionTrace> = members
                .iter()
                .map(|&i| ConditionTrace {
                    kind: ConditionKind::Identifier,
                    text: ids[i].name.clone(),
                    value: ids[i].value,
                    span: ids[i].span,
                    location: ids[i].location,
                    children: Vec::new(),
                })
                .collect();
            let value = if *all {
                c.iter().all(|x| x.value)
            } else {
                c.iter().any(|x| x.value)
            };
            node(
                if *all {
                    ConditionKind::AllOf
                } else {
                    ConditionKind::OneOf
                },
                value,
                c,
            )
        }
    }
}

/// Why a condition node has its value, in words, following only the decisive operands.
fn why(n: &ConditionTrace, ids: &[IdentifierTrace]) -> String {
    let ident = |name: &str| -> String {
        ids.iter()
            .find(|i| i.name == name)
            .map_or_else(|| name.to_string(), |i| i.explanation.clone())
    };
    match n.kind {
        ConditionKind::Identifier => ident(n.text.trim()),
        ConditionKind::Not => format!(
            "`{}` is {} because {}",
            n.text,
            n.value,
            why(&n.children[0], ids)
        ),
        ConditionKind::And | ConditionKind::AllOf if !n.value => {
            let first = n.children.iter().find(|c| !c.value);
            first.map_or_else(String::new, |c| why(c, ids))
        }
        ConditionKind::Or | ConditionKind::OneOf | ConditionKind::AnyCondition if n.value => {
            let first = n.children.iter().find(|c| c.value);
            first.map_or_else(String::new, |c| why(c, ids))
        }
        ConditionKind::OneOf => format!(
            "none of `{}` is true ({})",
            n.text,
            n.children
                .iter()
                .map(|c| why(c, ids))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        _ => n
            .children
            .iter()
            .map(|c| why(c, ids))
            .collect::<Vec<_>>()
            .join("; and "),
    }
}

fn body_trace(ctx: &Ctx, b: &CBody) -> SearchTrace {
    match b {
        CBody::All(v, span) => {
            let children: Vec<SearchTrace> = v.iter().map(|x| body_trace(ctx, x)).collect();
            SearchTrace::AllOf {
                value: children.iter().all(|c| c.value()),
                span: *span,
                location: ctx.loc(*span),
                children,
            }
        }
        CBody::Any(v, span) => {
            let children: Vec<SearchTrace> = v.iter().map(|x| body_trace(ctx, x)).collect();
            SearchTrace::AnyOf {
                value: children.iter().any(|c| c.value()),
                span: *span,
                location: ctx.loc(*span),
                children,
            }
        }
        CBody::Item(i) => SearchTrace::Item(item_trace(ctx, i)),
    }
}

fn body_reason(t: &SearchTrace, value: bool) -> String {
    match t {
        SearchTrace::Item(i) => i.explanation.clone(),
        SearchTrace::AllOf { children, .. } => {
            if value {
                let parts: Vec<String> = children.iter().map(|c| body_reason(c, true)).collect();
                parts.join("; ")
            } else {
                children
                    .iter()
                    .find(|c| !c.value())
                    .map_or_else(String::new, |c| body_reason(c, false))
            }
        }
        SearchTrace::AnyOf { children, .. } => {
            if value {
                children
                    .iter()
                    .find(|c| c.value())
                    .map_or_else(String::new, |c| body_reason(c, true))
            } else {
                let parts: Vec<String> = children.iter().map(|c| body_reason(c, false)).collect();
                format!("no alternative holds ({})", parts.join("; "))
            }
        }
    }
}

/// One comparison's outcome, with what it saw.
struct Outcome {
    matched: bool,
    reason: Reason,
    actual: Option<String>,
    range: Option<[usize; 2]>,
}

fn outcome(m: &Matcher, v: Option<&FieldValue>, event: &Event) -> Outcome {
    let matched = test_value(m, v, event);
    let miss = |reason, actual: Option<String>| Outcome {
        matched: false,
        reason,
        actual,
        range: None,
    };
    match (m, v) {
        (Matcher::Exists(_), _) | (Matcher::Null, _) => {
            let reason = match (matched, v) {
                (true, _) => Reason::Matched,
                (false, None) => Reason::FieldAbsent,
                (false, Some(_)) => Reason::ValueDiffers,
            };
            Outcome {
                matched,
                reason,
                actual: v.map(FieldValue::display),
                range: None,
            }
        }
        (_, None) => miss(Reason::FieldAbsent, None),
        (_, Some(FieldValue::Null)) => miss(Reason::FieldNull, Some("null".into())),
        (_, Some(FieldValue::List(items))) => {
            // Report the element that matched (or the first element's outcome).
            for x in items {
                let o = outcome(m, Some(x), event);
                if o.matched {
                    return o;
                }
            }
            let first = items.first().map(|x| outcome(m, Some(x), event));
            Outcome {
                matched: false,
                reason: first.map_or(Reason::ValueDiffers, |o| o.reason),
                actual: Some(FieldValue::List(items.clone()).display()),
                range: None,
            }
        }
        (_, Some(v)) => {
            let actual = Some(v.display());
            if matched {
                return Outcome {
                    matched,
                    reason: Reason::Matched,
                    actual,
                    range: matched_range(m, v),
                };
            }
            let reason = match m {
                Matcher::Str { kind, cased: true } => match v {
                    FieldValue::Str(t) if str_find(&fold_kind(kind), t.folded()).is_some() => {
                        Reason::DiffersOnlyInCase
                    }
                    _ => Reason::ValueDiffers,
                },
                Matcher::Cidr(_) if scalar_ip(v).is_none() => Reason::NotAnIp,
                Matcher::Cidr(_) => Reason::OutsideRange,
                Matcher::Number(_) if scalar_number(v).is_none() => Reason::WrongType,
                Matcher::Bool(_) if !matches!(v, FieldValue::Bool(_) | FieldValue::Str(_)) => {
                    Reason::WrongType
                }
                Matcher::Compare { part: None, .. } if scalar_number(v).is_none() => {
                    Reason::WrongType
                }
                Matcher::Compare { part: None, .. } => Reason::OutsideRange,
                Matcher::Compare { part: Some(p), .. } | Matcher::TimeEq { part: p, .. }
                    if time_part(v, *p).is_none() =>
                {
                    Reason::NoTimestamp
                }
                Matcher::Compare { .. } => Reason::OutsideRange,
                Matcher::FieldRef { field, .. } if event.get(field).is_none() => {
                    Reason::ReferencedFieldAbsent
                }
                _ => Reason::ValueDiffers,
            };
            miss(reason, actual)
        }
    }
}

/// A case-insensitive twin of a case-sensitive string matcher, to tell "differs only in case".
fn fold_kind(k: &StrKind) -> StrKind {
    use crate::text::fold;
    match k {
        StrKind::Exact(p) => StrKind::Exact(fold(p).into_owned().into()),
        StrKind::Prefix(p) => StrKind::Prefix(fold(p).into_owned().into()),
        StrKind::Suffix(p) => StrKind::Suffix(fold(p).into_owned().into()),
        StrKind::Contains(f) => {
            let needle = String::from_utf8_lossy(f.needle()).into_owned();
            StrKind::Contains(Box::new(
                memchr::memmem::Finder::new(fold(&needle).as_bytes()).into_owned(),
            ))
        }
        StrKind::Any => StrKind::Any,
        StrKind::Glob(re) => {
            regex::Regex::new(&format!("(?i){}", re.as_str())).map_or(StrKind::Any, StrKind::Glob)
        }
    }
}

fn matched_range(m: &Matcher, v: &FieldValue) -> Option<[usize; 2]> {
    match (m, v) {
        (Matcher::Str { kind, cased }, FieldValue::Str(t)) => {
            let (s, e) = str_find(kind, if *cased { t.raw() } else { t.folded() })?;
            let (s, e) = if *cased { (s, e) } else { t.raw_range(s, e) };
            Some([s, e])
        }
        (Matcher::Str { kind, .. }, other) => scalar_text(other)
            .and_then(|s| str_find(kind, &s))
            .map(|(a, b)| [a, b]),
        (Matcher::Regex(re), FieldValue::Str(t)) => re.find(t.raw()).map(|m| [m.start(), m.end()]),
        (Matcher::Regex(re), other) => {
            scalar_text(other).and_then(|s| re.find(&s).map(|m| [m.start(), m.end()]))
        }
        (_, other) => Some([0, other.display().len()]),
    }
}

fn item_trace(ctx: &Ctx, i: &CItem) -> ItemTrace {
    let linking = if i.all { "all" } else { "any" };
    match &i.field {
        Some(field) => {
            let (v, read) = lookup(ctx.event, field, ctx.maps);
            let read_from = (read != field.as_str() && v.is_some()).then(|| read.to_string());
            let values: Vec<ValueTrace> = i
                .values
                .iter()
                .map(|c| value_trace(ctx, c, v, None))
                .collect();
            let raw = if i.all {
                values.iter().all(|x| x.matched)
            } else {
                values.iter().any(|x| x.matched)
            };
            let value = raw != i.negated;
            let field_suggestion = if v.is_none() {
                did_you_mean(field, ctx.event.fields().map(|(n, _)| n)).map(str::to_string)
            } else {
                None
            };
            let explanation = item_explanation(
                i,
                field,
                v,
                &values,
                raw,
                value,
                field_suggestion.as_deref(),
            );
            let notes = item_notes(
                i,
                &values,
                field,
                v,
                raw,
                field_suggestion.as_deref(),
                read_from.as_deref(),
            );
            ItemTrace {
                notes,
                value,
                field: Some(field.clone()),
                modifiers: i.modifiers.iter().map(|m| m.to_string()).collect(),
                linking,
                negated: i.negated,
                span: i.span,
                location: ctx.loc(i.span),
                event_value: v.map(FieldValue::to_json),
                field_suggestion,
                read_from,
                values,
                explanation,
            }
        }
        None => {
            let values: Vec<ValueTrace> = i.values.iter().map(|c| keyword_trace(ctx, c)).collect();
            let raw = if i.all {
                values.iter().all(|x| x.matched)
            } else {
                values.iter().any(|x| x.matched)
            };
            let value = raw != i.negated;
            let explanation = match values.iter().find(|x| x.matched == raw) {
                Some(x) if x.matched => format!(
                    "the keyword '{}' occurs in field {}",
                    x.written,
                    x.matched_field.as_deref().unwrap_or("?")
                ),
                Some(x) => format!("no field of the event contains the keyword '{}'", x.written),
                None => "no keyword".into(),
            };
            let mut notes = vec!["A keyword (a value without a field) matches when it occurs anywhere in any field value of the event.".to_string()];
            if i.all {
                notes.push("With 'all', every keyword must occur.".into());
            }
            ItemTrace {
                notes,
                value,
                field: None,
                modifiers: i.modifiers.iter().map(|m| m.to_string()).collect(),
                linking,
                negated: i.negated,
                span: i.span,
                location: ctx.loc(i.span),
                event_value: None,
                field_suggestion: None,
                read_from: None,
                values,
                explanation,
            }
        }
    }
}

fn value_trace(ctx: &Ctx, c: &CValue, v: Option<&FieldValue>, field: Option<&str>) -> ValueTrace {
    let mut chosen = None;
    for var in &c.variants {
        let o = outcome(&var.matcher, v, ctx.event);
        if o.matched {
            chosen = Some((var, o));
            break;
        }
        if chosen.is_none() {
            chosen = Some((var, o));
        }
    }
    let other_variants = c.variants.len().saturating_sub(1);
    match chosen {
        Some((var, o)) => ValueTrace {
            written: c.written.clone(),
            expected: var.expected.clone(),
            variant: if o.matched { var.label.clone() } else { None },
            matched: o.matched,
            matched_field: field.map(str::to_string),
            actual: o.actual,
            matched_range: o.range,
            reason: o.reason,
            span: c.span,
            location: ctx.loc(c.span),
            other_variants,
        },
        None => ValueTrace {
            written: c.written.clone(),
            expected: String::new(),
            variant: None,
            matched: false,
            matched_field: None,
            actual: None,
            matched_range: None,
            reason: Reason::ValueDiffers,
            span: c.span,
            location: ctx.loc(c.span),
            other_variants: 0,
        },
    }
}

fn keyword_trace(ctx: &Ctx, c: &CValue) -> ValueTrace {
    for var in &c.variants {
        for (name, v) in ctx.event.fields() {
            let o = outcome(&var.matcher, Some(v), ctx.event);
            if o.matched {
                return ValueTrace {
                    written: c.written.clone(),
                    expected: var.expected.clone(),
                    variant: var.label.clone(),
                    matched: true,
                    matched_field: Some(name.to_string()),
                    actual: o.actual,
                    matched_range: o.range,
                    reason: Reason::Matched,
                    span: c.span,
                    location: ctx.loc(c.span),
                    other_variants: c.variants.len().saturating_sub(1),
                };
            }
        }
    }
    ValueTrace {
        written: c.written.clone(),
        expected: c
            .variants
            .first()
            .map(|v| v.expected.clone())
            .unwrap_or_default(),
        variant: None,
        matched: false,
        matched_field: None,
        actual: None,
        matched_range: None,
        reason: Reason::NoFieldMatched,
        span: c.span,
        location: ctx.loc(c.span),
        other_variants: c.variants.len().saturating_sub(1),
    }
}

/// "the rule wants it to end with '\cmstp.exe'" — the verb for what a value requires.
fn wants(m_expected: &str, modifiers: &[&str]) -> String {
    let has = |m: &str| modifiers.contains(&m);
    if has("cidr") {
        format!("to be inside {m_expected}")
    } else if has("re") {
        format!("to match {m_expected}")
    } else if has("exists") {
        if m_expected.ends_with("true") {
            "to exist".into()
        } else {
            "to be absent".into()
        }
    } else if modifiers
        .iter()
        .any(|m| matches!(*m, "lt" | "lte" | "gt" | "gte"))
    {
        format!("to be {m_expected}")
    } else if has("fieldref") {
        format!(
            "to {}",
            m_expected
                .replace("contains", "contain")
                .replace("starts with", "start with")
                .replace("ends with", "end with")
        )
    } else if has("contains")
        || (m_expected.starts_with('*') && m_expected.ends_with('*') && m_expected.len() > 1)
    {
        format!("to contain '{}'", m_expected.trim_matches('*'))
    } else if has("endswith") || (m_expected.starts_with('*') && !m_expected.ends_with('*')) {
        format!("to end with '{}'", m_expected.trim_start_matches('*'))
    } else if has("startswith") || (m_expected.ends_with('*') && !m_expected.starts_with('*')) {
        format!("to start with '{}'", m_expected.trim_end_matches('*'))
    } else if m_expected == "null" {
        "to be null or absent".into()
    } else {
        format!("to be '{m_expected}'")
    }
}

/// "ends with '\cmstp.exe'" — what a value that held does, in the third person.
fn holds(expected: &str, modifiers: &[&str]) -> String {
    let w = wants(expected, modifiers);
    let w = w.strip_prefix("to ").unwrap_or(&w).to_string();
    for (a, b) in [
        ("be ", "is "),
        ("contain ", "contains "),
        ("end with", "ends with"),
        ("start with", "starts with"),
        ("match ", "matches "),
        ("exist", "exists"),
        ("equal", "equals"),
    ] {
        if let Some(rest) = w.strip_prefix(a) {
            return format!("{b}{rest}");
        }
    }
    w
}

fn item_explanation(
    i: &CItem,
    field: &str,
    v: Option<&FieldValue>,
    values: &[ValueTrace],
    raw: bool,
    value: bool,
    suggestion: Option<&str>,
) -> String {
    let expected: Vec<String> = values.iter().map(|x| x.expected.clone()).collect();
    let want_one = |x: &ValueTrace| wants(&x.expected, &i.modifiers);
    let actual = match v {
        None => None,
        Some(FieldValue::Str(t)) => Some(format!("'{}'", t.raw())),
        Some(other) => Some(other.display()),
    };
    let subject = match &actual {
        Some(a) => format!("{field} is {a}"),
        None => {
            let hint = suggestion
                .map(|s| format!(" (did you mean {s}?)"))
                .unwrap_or_default();
            format!("the event has no field {field}{hint}")
        }
    };
    let core = if raw {
        // The values held (before any neq).
        if i.all && values.len() > 1 {
            format!("{subject}, which satisfies all {} values", values.len())
        } else {
            let x = values.iter().find(|x| x.matched);
            match x {
                Some(x) => {
                    let variant = x
                        .variant
                        .as_ref()
                        .map(|l| format!(" ({l})"))
                        .unwrap_or_default();
                    let verb = holds(&x.expected, &i.modifiers);
                    match &actual {
                        Some(a) if verb.starts_with("is '") => {
                            let want = &verb[3..];
                            if want
                                .trim_matches('\'')
                                .eq_ignore_ascii_case(a.trim_matches('\''))
                            {
                                format!("{field} is {a}{variant}")
                            } else {
                                format!("{field} is {a}, matching {want}{variant}")
                            }
                        }
                        Some(a) => format!("{field} {a} {verb}{variant}"),
                        None => format!("{field} {verb}{variant}"),
                    }
                }
                None => subject.clone(),
            }
        }
    } else if values.len() == 1 {
        let w = want_one(&values[0]);
        // Numbers and booleans are shown as written, without the quotes of text.
        let typed = i.values[0]
            .variants
            .first()
            .is_some_and(|v| matches!(v.matcher, Matcher::Number(_) | Matcher::Bool(_)));
        match w.strip_prefix("to be '") {
            Some(_) if typed => format!("{subject}, the rule wants {}", values[0].expected),
            Some(rest) => format!("{subject}, the rule wants '{rest}"),
            None => format!("{subject}, the rule wants it {w}"),
        }
    } else if i.all {
        let failing = values.iter().find(|x| !x.matched);
        let f = failing.map(want_one).unwrap_or_default();
        format!(
            "{subject}; the rule wants all {} values, and it fails {f}",
            values.len()
        )
    } else {
        let shown: Vec<String> = expected.iter().take(4).map(|e| format!("'{e}'")).collect();
        let more = if expected.len() > 4 {
            format!(" and {} more", expected.len() - 4)
        } else {
            String::new()
        };
        format!(
            "{subject}, which matches none of {}{more}",
            shown.join(", ")
        )
    };
    if i.negated {
        format!("{core}; with neq the item is {value}")
    } else {
        core
    }
}

/// The semantic choices that applied to an item, in words (shown under the item).
fn item_notes(
    i: &CItem,
    values: &[ValueTrace],
    field: &str,
    v: Option<&FieldValue>,
    matched: bool,
    suggestion: Option<&str>,
    read_from: Option<&str>,
) -> Vec<String> {
    let mut notes = Vec::new();
    let matchers = || {
        i.values
            .iter()
            .flat_map(|c| c.variants.iter().map(|x| &x.matcher))
    };
    if let Some(from) = read_from {
        notes.push(format!(
            "The log source mapping reads {field} from the event's {from}."
        ));
    }
    if v.is_none() {
        if let Some(s) = suggestion {
            if s.eq_ignore_ascii_case(field) {
                notes.push(format!(
                    "Field names are case-sensitive: the event has {s}, the rule asks for {field}."
                ));
            }
        }
    }
    if matchers().any(|m| matches!(m, Matcher::Null)) {
        notes.push("null matches when the field is missing or holds JSON null; '' matches an empty string.".into());
    }
    if matchers().any(|m| matches!(m, Matcher::Exists(_))) {
        notes.push(
            "exists only checks that the field is present, whatever its value (even null).".into(),
        );
    }
    if matchers().any(|m| matches!(m, Matcher::Regex(_))) {
        notes.push("A regular expression matches anywhere in the value (a search); anchor it with ^ and $ to match the whole value. It is case-sensitive unless |i is given.".into());
    }
    // Only where case made a difference: the matched part of the event's text has capitals.
    let case_mattered = values.iter().any(|x| match (&x.actual, x.matched_range) {
        (Some(a), Some([s, e])) if x.matched => {
            a.get(s..e).is_some_and(|m| crate::text::fold(m) != m)
        }
        _ => false,
    });
    if case_mattered
        && matched
        && matchers().any(|m| matches!(m, Matcher::Str { cased: false, .. }))
    {
        notes.push("Text compares case-insensitively (use |cased for an exact case).".into());
    }
    match v {
        Some(FieldValue::List(_)) => notes.push(format!("{field} holds a list: the item matches when any element matches.")),
        Some(FieldValue::Int(_) | FieldValue::UInt(_) | FieldValue::Float(_)) if matchers().any(|m| matches!(m, Matcher::Str { .. })) => {
            notes.push(format!("{field} is a number in the event; the rule gives text, so the number is compared as text."))
        }
        Some(FieldValue::Str(_)) if matchers().any(|m| matches!(m, Matcher::Number(_) | Matcher::Compare { part: None, .. })) => {
            notes.push(format!("{field} is text in the event; the rule gives a number, so the text is read as a number."))
        }
        Some(FieldValue::Bool(_)) if matchers().any(|m| matches!(m, Matcher::Str { .. })) => {
            notes.push(format!("{field} is a boolean in the event; it is compared as the text 'true' or 'false'."))
        }
        _ => {}
    }
    if i.all && i.values.len() > 1 {
        notes.push(
            "With 'all', every value must match (without it, any one value is enough).".into(),
        );
    }
    if i.negated {
        notes.push("neq: the item is true when the field equals none of the values (also when it is missing).".into());
    }
    if i.values.iter().any(|c| c.variants.len() > 1) {
        notes.push(
            "A modifier expanded a value into several variants; any variant matching is enough."
                .into(),
        );
    }
    notes
}
