//! A rule after its pipelines, shaped as Sigma YAML (what `sigmaplay pipeline` prints): the
//! document as written with its log source and detection replaced by the processed ones; the
//! conditions `add_condition` adds appear as pySigma shows them (`_cond_1 and (selection)`).

use super::apply::apply_pipelines;
use super::model::Pipeline;
use super::values::{sigma_text, view, ValueView};
use crate::rule::modifier::Scalar;
use crate::rule::value::Pattern;
use crate::rule::{self, DetectionItem, DocumentKind, Rule, SearchBody};
use crate::source::Diagnostic;
use crate::source::SourceMap;
use serde_json::{json, Map, Value};

/// One rule document after the pipelines.
#[derive(Clone, Debug, PartialEq)]
pub struct ProcessedRule {
    pub rule_id: Option<String>,
    pub title: String,
    /// The rule as Sigma YAML keys, in the document's order.
    pub rule: Value,
    /// Ids of the processing items that applied (`pipeline: id` in [`Self::applied_items`]).
    pub applied: Vec<String>,
    pub applied_items: Vec<rule::AppliedItem>,
}

/// Applies `pipelines` to every detection rule of `text`. Rules that do not load, and pipeline
/// failures, come back as located diagnostics.
pub fn process_rules(text: &str, pipelines: &[Pipeline]) -> (Vec<ProcessedRule>, Vec<Diagnostic>) {
    let map = SourceMap::new(text);
    let (docs, mut diags) = crate::source::yaml::load(text, &map);
    let mut out = Vec::new();
    for doc in &docs {
        let root = doc.root();
        if doc.value.is_null() || rule::kind_of(&root) != DocumentKind::Detection {
            continue;
        }
        let Some(mut r) = rule::parse_rule(&root, doc.span, text, &mut diags) else {
            continue;
        };
        match apply_pipelines(pipelines, &mut r) {
            Ok(app) => {
                let mut applied: Vec<String> = Vec::new();
                for a in &app.applied {
                    if !applied.contains(&a.item) {
                        applied.push(a.item.clone());
                    }
                }
                out.push(ProcessedRule {
                    rule_id: r.id.clone(),
                    title: r.title.clone(),
                    rule: shape(&doc.value, &r, &app.added_searches),
                    applied,
                    applied_items: app.applied,
                });
            }
            Err(d) => diags.push(*d),
        }
    }
    let diags = diags.into_iter().map(|d| d.locate(&map)).collect();
    (out, diags)
}

fn shape(written: &serde_yaml::Value, r: &Rule, added: &[String]) -> Value {
    let mut doc: Map<String, Value> = match serde_json::to_value(written) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    let mut logsource = Map::new();
    for (k, v) in [
        ("category", &r.logsource.category),
        ("product", &r.logsource.product),
        ("service", &r.logsource.service),
        ("definition", &r.logsource.definition),
    ] {
        if let Some(v) = v {
            logsource.insert(k.into(), json!(v));
        }
    }
    doc.insert("logsource".into(), Value::Object(logsource));
    let written_conditions: Vec<String> =
        match written.get("detection").and_then(|d| d.get("condition")) {
            Some(serde_yaml::Value::Sequence(s)) => s
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            Some(v) => v.as_str().map(str::to_string).into_iter().collect(),
            None => Vec::new(),
        };
    let mut detection = Map::new();
    for s in &r.detection.searches {
        detection.insert(s.name.clone(), body(&s.body));
    }
    let conditions: Vec<Value> = written_conditions
        .into_iter()
        .map(|c| json!(added.iter().fold(c, |c, name| format!("{name} and ({c})"))))
        .collect();
    detection.insert(
        "condition".into(),
        match conditions.as_slice() {
            [one] => one.clone(),
            _ => Value::Array(conditions),
        },
    );
    doc.insert("detection".into(), Value::Object(detection));
    Value::Object(doc)
}

fn body(b: &SearchBody) -> Value {
    match b {
        SearchBody::Map { items, .. } => {
            // A one-to-many mapping is an OR of one item per field: as YAML, a list of maps.
            let mut alternatives: Vec<Map<String, Value>> = vec![Map::new()];
            for i in items {
                let fields: Vec<&str> = i
                    .field
                    .iter()
                    .chain(i.processing.also_fields.iter())
                    .map(String::as_str)
                    .collect();
                let mut next = Vec::new();
                for alt in &alternatives {
                    for f in &fields {
                        let mut m = alt.clone();
                        m.insert(key(i, Some(f)), values(i));
                        next.push(m);
                    }
                }
                alternatives = next;
            }
            match alternatives.len() {
                1 => Value::Object(alternatives.remove(0)),
                _ => Value::Array(alternatives.into_iter().map(Value::Object).collect()),
            }
        }
        SearchBody::List { alternatives, .. } => {
            Value::Array(alternatives.iter().map(body).collect())
        }
        SearchBody::Keywords(i) => values(i),
    }
}

fn key(i: &DetectionItem, field: Option<&str>) -> String {
    let mut k = field.unwrap_or("").to_string();
    for m in &i.modifiers {
        k.push('|');
        k.push_str(m.name());
    }
    k
}

fn values(i: &DetectionItem) -> Value {
    let vs: Vec<Value> = i
        .values
        .iter()
        .map(|v| match (&v.replaced, view(i, v)) {
            (Some(_), ValueView::One(p)) => pattern_value(&p),
            _ => scalar_value(&v.scalar),
        })
        .collect();
    match vs.as_slice() {
        [one] if i.values.len() == 1 && i.field.is_some() => one.clone(),
        _ => Value::Array(vs),
    }
}

fn scalar_value(s: &Scalar) -> Value {
    match s {
        Scalar::Str(s) => json!(s),
        Scalar::Number(n) => serde_json::to_value(n).unwrap_or(Value::Null),
        Scalar::Bool(b) => json!(b),
        Scalar::Null => Value::Null,
    }
}

fn pattern_value(p: &Pattern) -> Value {
    match p {
        Pattern::Str { s, .. } => json!(sigma_text(s)),
        Pattern::Number(n) => serde_json::to_value(n).unwrap_or(Value::Null),
        Pattern::Bool(b) => json!(b),
        Pattern::Null => Value::Null,
        other => json!(other.display()),
    }
}
