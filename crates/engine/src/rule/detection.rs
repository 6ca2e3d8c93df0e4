//! Reading the `detection` section: search identifiers, their items (field, modifiers, values)
//! and the condition.

use super::condition::{self};
use super::model::{Detection, DetectionItem, ItemProcessing, Search, SearchBody, WrittenValue};
use super::modifier::{Modifier, Scalar};
use super::value::Number;
use crate::source::yaml::Node;
use crate::source::DiagnosticCode as Code;
use crate::source::{Diagnostic, ScalarMap, Span};
use serde_yaml::Value;

/// `skip`: keys that are not search identifiers (a filter's `rules`).
pub(crate) fn parse_detection(
    key_span: Span,
    node: &Node,
    source: &str,
    skip: &[&str],
    diags: &mut Vec<Diagnostic>,
) -> Option<Detection> {
    if !node.value.is_mapping() {
        diags.push(Diagnostic::error(
            Code::Detection,
            "'detection' must be a mapping of search identifiers and a condition",
            Some(node.span()),
        ));
        return None;
    }
    let before = diags.len();
    let mut searches = Vec::new();
    let mut condition_node = None;
    for (k, v) in node.entries() {
        let Some(name) = k.value.as_str() else {
            diags.push(Diagnostic::error(
                Code::Detection,
                "search identifiers must be names (strings)",
                Some(k.span()),
            ));
            continue;
        };
        if name == "condition" {
            condition_node = Some((k, v));
            continue;
        }
        if skip.contains(&name) {
            continue;
        }
        if name == "timeframe" {
            diags.push(Diagnostic::error(
                Code::Unsupported,
                "'timeframe' belongs to the old aggregation syntax; Sigma 2 writes it as a correlation rule (a separate document with correlation: type, rules, timespan, condition)",
                Some(k.span()),
            ));
            continue;
        }
        if let Some(body) = parse_search_body(&v, diags) {
            searches.push(Search {
                name: name.to_string(),
                span: k.span(),
                body,
            });
        }
    }
    if searches.is_empty() && diags.len() == before {
        diags.push(Diagnostic::error(
            Code::Detection,
            "the detection has no search identifier (like 'selection')",
            Some(node.span()),
        ));
    }
    let names: Vec<String> = searches.iter().map(|s| s.name.clone()).collect();
    let mut conditions = Vec::new();
    match condition_node {
        None => diags.push(Diagnostic::error(
            Code::Condition,
            "the detection has no 'condition'",
            Some(key_span),
        )),
        Some((_, v)) => {
            for t in v.one_or_many() {
                let Some(text) = t.value.as_str() else {
                    diags.push(Diagnostic::error(
                        Code::Condition,
                        "the condition must be a string (or a list of strings)",
                        Some(t.span()),
                    ));
                    continue;
                };
                let at = ScalarMap::locate(source, t.span(), text);
                match condition::parse(text, &at) {
                    Ok(expr) => {
                        for e in condition::check(&expr, &names) {
                            diags.push(Diagnostic::error(Code::Condition, e.message, Some(e.span)));
                        }
                        conditions.push(expr);
                    }
                    Err(e) => {
                        diags.push(Diagnostic::error(Code::Condition, e.message, Some(e.span)))
                    }
                }
            }
        }
    }
    if diags[before..].iter().any(|d| d.is_error()) {
        return None;
    }
    Some(Detection {
        searches,
        conditions,
    })
}

fn parse_search_body(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<SearchBody> {
    match node.value {
        Value::Mapping(m) => {
            if m.is_empty() {
                diags.push(Diagnostic::error(
                    Code::Detection,
                    "this search identifier is empty",
                    Some(node.span()),
                ));
                return None;
            }
            let mut items = Vec::new();
            for (k, v) in node.entries() {
                if let Some(item) = parse_item(&k, &v, diags) {
                    items.push(item);
                }
            }
            Some(SearchBody::Map {
                items,
                span: node.span(),
            })
        }
        Value::Sequence(seq) => {
            if seq.is_empty() {
                diags.push(Diagnostic::error(
                    Code::Detection,
                    "this search identifier is an empty list",
                    Some(node.span()),
                ));
                return None;
            }
            if seq.iter().all(|v| !v.is_mapping() && !v.is_sequence()) {
                let values = node
                    .items()
                    .iter()
                    .filter_map(|v| written(v, diags))
                    .collect();
                return Some(SearchBody::Keywords(DetectionItem {
                    field: None,
                    modifiers: Vec::new(),
                    modifier_spans: Vec::new(),
                    values,
                    key_span: node.span(),
                    span: node.span(),
                    processing: ItemProcessing::default(),
                }));
            }
            let alternatives = node
                .items()
                .iter()
                .filter_map(|i| parse_search_body(i, diags))
                .collect();
            Some(SearchBody::List {
                alternatives,
                span: node.span(),
            })
        }
        _ => {
            let values = written(node, diags).into_iter().collect();
            Some(SearchBody::Keywords(DetectionItem {
                field: None,
                modifiers: Vec::new(),
                modifier_spans: Vec::new(),
                values,
                key_span: node.span(),
                span: node.span(),
                processing: ItemProcessing::default(),
            }))
        }
    }
}

fn written(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<WrittenValue> {
    let scalar = match node.value {
        Value::String(s) => Scalar::Str(s.clone()),
        Value::Bool(b) => Scalar::Bool(*b),
        Value::Null => Scalar::Null,
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Scalar::Number(Number::Int(i)),
            (None, Some(f)) if f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e15 => {
                Scalar::Number(Number::Int(f as i64))
            }
            (None, Some(f)) if f.is_finite() => Scalar::Number(Number::Float(f)),
            _ => {
                diags.push(Diagnostic::error(
                    Code::Value,
                    format!("the number {n} cannot be compared (not finite)"),
                    Some(node.span()),
                ));
                return None;
            }
        },
        Value::Tagged(t) => {
            diags.push(Diagnostic::error(
                Code::Value,
                format!("YAML tags ({}) are not Sigma values", t.tag),
                Some(node.span()),
            ));
            return None;
        }
        Value::Mapping(_) | Value::Sequence(_) => {
            diags.push(Diagnostic::error(
                Code::Value,
                "a value list holds plain values (strings, numbers, booleans, null), not nested lists or maps",
                Some(node.span()),
            ));
            return None;
        }
    };
    Some(WrittenValue::new(scalar, node.span(), node.quoted()))
}

fn parse_item(key: &Node, value: &Node, diags: &mut Vec<Diagnostic>) -> Option<DetectionItem> {
    let Some(k) = key.value.as_str() else {
        diags.push(Diagnostic::error(
            Code::Detection,
            "field names must be strings",
            Some(key.span()),
        ));
        return None;
    };
    let mut pieces = k.split('|');
    let field = pieces.next().unwrap_or("");
    let field = if field.is_empty() {
        None
    } else {
        Some(field.to_string())
    };
    let mut modifiers = Vec::new();
    let mut modifier_spans = Vec::new();
    // Offsets of each modifier inside the key as written (quotes shift them by one).
    let quote = usize::from(key.quoted());
    let mut offset = key.span().start + quote + k.find('|').unwrap_or(k.len());
    let mut ok = true;
    for name in k.split('|').skip(1) {
        let span = Span::new(offset + 1, offset + 1 + name.len());
        offset += 1 + name.len();
        match Modifier::parse(name) {
            Ok(m) => {
                modifiers.push(m);
                modifier_spans.push(span);
            }
            Err(msg) => {
                diags.push(Diagnostic::error(Code::Modifier, msg, Some(span)));
                ok = false;
            }
        }
    }
    if !ok {
        return None;
    }
    let values: Vec<WrittenValue> = match value.value {
        Value::Sequence(s) if s.is_empty() => {
            vec![WrittenValue::new(Scalar::Null, value.span(), false)]
        }
        Value::Sequence(_) => value
            .items()
            .iter()
            .filter_map(|v| written(v, diags))
            .collect(),
        _ => written(value, diags).into_iter().collect(),
    };
    if field.is_none() && values.iter().any(|v| v.scalar == Scalar::Null) {
        diags.push(Diagnostic::error(
            Code::Value,
            "a keyword search cannot look for null: name a field",
            Some(value.span()),
        ));
        return None;
    }
    Some(DetectionItem {
        field,
        modifiers,
        modifier_spans,
        values,
        key_span: key.span(),
        span: key.span().join(value.span()),
        processing: ItemProcessing::default(),
    })
}
