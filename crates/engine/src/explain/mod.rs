//! The explain path: evaluates every node of a compiled rule without short-circuiting and
//! records why each part is true or false, with source locations ([`trace`]). The comparisons are
//! the fast path's ([`crate::eval`]), so both agree; [`outcome`] tells why one failed and
//! [`words`] says it in plain language. Explain never reads a log source map: the caller passes
//! the field mappings and the note.

mod outcome;
mod trace;
mod words;

pub use trace::{
    ConditionKind, ConditionTrace, IdentifierTrace, ItemTrace, Linking, MatchTrace, Reason,
    SearchTrace, ValueTrace,
};

use crate::compile::{CBody, CExpr, CItem, CValue, CompiledRule, RuleBody};
use crate::eval::lookup;
use crate::event::{Event, FieldValue};
use crate::rule::modifier::Modifier;
use crate::source::{did_you_mean, Location, Span};
use outcome::outcome;
use words::Requirement;

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

impl CompiledRule {
    /// The explain path of [`CompiledRule::matches`]: every node evaluated, with reasons and
    /// locations, on the event as is (no log source map, like `matches`: the two always agree).
    /// [`CompiledRule::explain_with`] reads the event under a log source verdict.
    pub fn explain(&self, event: &Event) -> MatchTrace {
        explain(self, event, &self.mappings, None)
    }
}

/// Explains `rule` on `event`, reading fields under `maps` (rule field → event field); the log
/// source's sentence about the event, if any, is the caller's (`logsource_note`).
pub(crate) fn explain(
    rule: &CompiledRule,
    event: &Event,
    maps: &[(String, String)],
    logsource_note: Option<String>,
) -> MatchTrace {
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
            let explanation = format!(
                "{} is {}: {}",
                s.name,
                value,
                words::body_reason(&search, value)
            );
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
    let why = words::why(&condition, &identifiers);
    let mut trace = MatchTrace {
        matched: condition.value,
        title: rule.title.clone(),
        rule_id: rule.id.clone(),
        summary: String::new(),
        why,
        logsource_note,
        condition,
        identifiers,
    };
    trace.summary = format!("{}: {}.", trace.verdict_label(), trace.why);
    trace
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
    // A compound node's text is its whole sub-condition: quoted in full at every level, a deep
    // condition's trace would grow with the square of its length.
    let node = |kind, value, children| ConditionTrace {
        text: match kind {
            ConditionKind::Identifier => ctx.text(span),
            _ => words::quote(&ctx.text(span)).into_owned(),
        },
        kind,
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

fn item_trace(ctx: &Ctx, i: &CItem) -> ItemTrace {
    match &i.field {
        Some(field) => field_item_trace(ctx, i, field),
        None => keyword_item_trace(ctx, i),
    }
}

/// Whether an item's values held (before `neq`): all of them or any.
fn values_hold(i: &CItem, values: &[ValueTrace]) -> bool {
    if i.all {
        values.iter().all(|x| x.matched)
    } else {
        values.iter().any(|x| x.matched)
    }
}

fn linking(i: &CItem) -> Linking {
    if i.all {
        Linking::All
    } else {
        Linking::Any
    }
}

fn field_item_trace(ctx: &Ctx, i: &CItem, field: &str) -> ItemTrace {
    let (v, read) = lookup(ctx.event, field, ctx.maps);
    let read_from = (read != field && v.is_some()).then(|| read.to_string());
    let (values, wants): (Vec<ValueTrace>, Vec<Requirement>) = i
        .values
        .iter()
        .map(|c| value_trace(ctx, c, v, &i.modifiers))
        .unzip();
    let raw = values_hold(i, &values);
    let value = raw != i.negated;
    let field_suggestion = if v.is_none() {
        did_you_mean(field, ctx.event.fields().map(|(n, _)| n)).map(str::to_string)
    } else {
        None
    };
    let seen = words::Seen {
        field,
        value: v,
        suggestion: field_suggestion.as_deref(),
        read_from: read_from.as_deref(),
    };
    let explanation = words::item_explanation(i, &seen, &values, &wants, raw, value);
    let notes = words::item_notes(i, &seen, &values, raw);
    ItemTrace {
        notes,
        value,
        field: Some(field.to_string()),
        modifiers: i.modifiers.clone(),
        linking: linking(i),
        negated: i.negated,
        span: i.span,
        location: ctx.loc(i.span),
        event_value: v.map(FieldValue::to_json),
        field_suggestion,
        read_from,
        renamed_from: i.renamed_from.clone(),
        pipeline_items: i.pipeline_items.clone(),
        values,
        explanation,
    }
}

fn keyword_item_trace(ctx: &Ctx, i: &CItem) -> ItemTrace {
    let values: Vec<ValueTrace> = i.values.iter().map(|c| keyword_trace(ctx, c)).collect();
    let raw = values_hold(i, &values);
    ItemTrace {
        notes: words::keyword_notes(i),
        value: raw != i.negated,
        field: None,
        modifiers: i.modifiers.clone(),
        linking: linking(i),
        negated: i.negated,
        span: i.span,
        location: ctx.loc(i.span),
        event_value: None,
        field_suggestion: None,
        read_from: None,
        renamed_from: None,
        pipeline_items: i.pipeline_items.clone(),
        explanation: words::keyword_explanation(&values, raw),
        values,
    }
}

/// A written value against a field's value: the variant that matched (or the first), and what
/// that variant requires, for the words.
fn value_trace(
    ctx: &Ctx,
    c: &CValue,
    v: Option<&FieldValue>,
    modifiers: &[Modifier],
) -> (ValueTrace, Requirement) {
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
        Some((var, o)) => (
            ValueTrace {
                written: c.written.clone(),
                expected: var.expected.clone(),
                variant: if o.matched { var.label.clone() } else { None },
                matched: o.matched,
                matched_field: None,
                actual: o.actual,
                matched_range: o.range,
                reason: o.reason,
                span: c.span,
                location: ctx.loc(c.span),
                other_variants,
            },
            Requirement::of(var, modifiers),
        ),
        None => (
            ValueTrace {
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
            Requirement::nothing(),
        ),
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
