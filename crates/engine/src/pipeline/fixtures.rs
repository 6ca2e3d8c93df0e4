//! The built-ins against pySigma's own output (`tests/fixtures/pipelines`, made by
//! `scripts/oracle/pipelines.py`): the 20 synthetic rules always, every SigmaHQ Windows rule when
//! the shared corpus is present.

use super::apply::apply_pipelines;
use super::values::{sigma_text, view, ValueView};
use crate::rule::modifier::Modifier;
use crate::rule::value::{Pattern, RegexFlags};
use crate::rule::{DetectionItem, Rule, SearchBody};
use crate::source::SourceMap;
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

const PIPELINES: [&str; 5] = [
    "sysmon",
    "windows_audit",
    "windows_logsource",
    "ecs_windows",
    "ecs_windows_old",
];

fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn modifier_name(m: Modifier) -> &'static str {
    // pySigma's last name for a modifier with two.
    match m {
        Modifier::IgnoreCase => "ignorecase",
        Modifier::MultiLine => "multiline",
        Modifier::DotAll => "dotall",
        m => m.name(),
    }
}

fn pattern_json(p: &Pattern) -> Value {
    match p {
        Pattern::Str { s, .. } => json!(sigma_text(s)),
        Pattern::Number(n) => serde_json::to_value(n).unwrap_or(Value::Null),
        Pattern::Bool(b) => json!(b),
        Pattern::Null => Value::Null,
        Pattern::Regex { pattern, flags } => {
            let RegexFlags {
                ignore_case,
                multi_line,
                dot_all,
            } = *flags;
            let mut names = Vec::new();
            if dot_all {
                names.push("dotall");
            }
            if ignore_case {
                names.push("ignorecase");
            }
            if multi_line {
                names.push("multiline");
            }
            if names.is_empty() {
                json!({ "re": pattern })
            } else {
                json!({ "re": pattern, "flags": names })
            }
        }
        Pattern::Cidr(net) => json!({ "cidr": net.to_string() }),
        Pattern::Compare {
            op,
            value,
            part: None,
        } => {
            json!({ "compare": op, "number": serde_json::to_value(value).unwrap_or(Value::Null) })
        }
        Pattern::FieldRef { field, anchors } => {
            let mut m = Map::new();
            m.insert("fieldref".into(), json!(field));
            if anchors.starts_with {
                m.insert("starts_with".into(), json!(true));
            }
            if anchors.ends_with {
                m.insert("ends_with".into(), json!(true));
            }
            Value::Object(m)
        }
        Pattern::Exists(b) => json!({ "exists": b }),
        other => json!({ "other": other.display() }),
    }
}

fn item_json(item: &DetectionItem, field: Option<&str>, order: &[String]) -> Value {
    let values: Vec<Value> = item
        .values
        .iter()
        .map(|v| match view(item, v) {
            ValueView::One(p) => pattern_json(&p),
            ValueView::Expansion(ps) => {
                json!({ "expansion": ps.iter().map(pattern_json).collect::<Vec<_>>() })
            }
            ValueView::Invalid => json!({ "invalid": v.scalar.display() }),
        })
        .collect();
    let mut m = Map::new();
    m.insert("field".into(), json!(field));
    m.insert(
        "modifiers".into(),
        json!(item
            .modifiers
            .iter()
            .map(|m| modifier_name(*m))
            .collect::<Vec<_>>()),
    );
    m.insert("values".into(), Value::Array(values));
    let mut by: Vec<&str> = item
        .processing
        .applied
        .iter()
        .map(|a| a.item.as_str())
        .collect();
    by.sort_by_key(|id| order.iter().position(|o| o == id).unwrap_or(usize::MAX));
    by.dedup();
    if !by.is_empty() {
        m.insert("by".into(), json!(by));
    }
    Value::Object(m)
}

fn body_json(body: &SearchBody, order: &[String]) -> Value {
    let item = |i: &DetectionItem| {
        if i.processing.also_fields.is_empty() {
            item_json(i, i.field.as_deref(), order)
        } else {
            let fields = i.field.iter().chain(i.processing.also_fields.iter());
            json!({ "or": fields.map(|f| item_json(i, Some(f), order)).collect::<Vec<_>>() })
        }
    };
    match body {
        SearchBody::Map { items, .. } => {
            json!({ "and": items.iter().map(item).collect::<Vec<_>>() })
        }
        SearchBody::List { alternatives, .. } => {
            json!({ "or": alternatives.iter().map(|a| body_json(a, order)).collect::<Vec<_>>() })
        }
        SearchBody::Keywords(i) => json!({ "and": [item(i)] }),
    }
}

/// pySigma's output for one rule in the fixtures' shape (see their README).
fn record(rule: &Rule, pipeline: &str, conditions: &[String]) -> Value {
    let p = super::builtin_pipeline(pipeline).expect("built-in");
    let order: Vec<String> = p.items.iter().filter_map(|i| i.id.clone()).collect();
    let own: Vec<String> = rule.detection.names();
    let mut processed = rule.clone();
    let outcome = apply_pipelines(std::slice::from_ref(&p), &mut processed);
    let (application, error) = match outcome {
        Ok(a) => (a, None),
        Err(d) => (Default::default(), Some(d.message)),
    };
    let mut applied: Vec<String> = Vec::new();
    for a in &application.applied {
        if !applied.contains(&a.item) {
            applied.push(a.item.clone());
        }
    }
    if let Some(message) = error {
        return json!({ "error": message });
    }
    let mut logsource = Map::new();
    for (k, v) in [
        ("category", &processed.logsource.category),
        ("product", &processed.logsource.product),
        ("service", &processed.logsource.service),
    ] {
        if let Some(v) = v {
            logsource.insert(k.into(), json!(v));
        }
    }
    let mut detection = Map::new();
    let mut added = Vec::new();
    for s in &processed.detection.searches {
        if own.contains(&s.name) {
            detection.insert(s.name.clone(), body_json(&s.body, &order));
        } else {
            added.push(json!({ "name": s.name, "detection": body_json(&s.body, &order) }));
        }
    }
    let condition: Vec<String> = conditions
        .iter()
        .map(|c| {
            application
                .added_searches
                .iter()
                .fold(c.clone(), |c, name| format!("{name} and ({c})"))
        })
        .collect();
    json!({
        "applied": applied,
        "logsource": logsource,
        "detection": detection,
        "conditions_added": added,
        "condition": condition,
    })
}

fn redact(values: &Value) -> Value {
    let Value::Array(vs) = values else {
        return values.clone();
    };
    let kept: Vec<Value> = vs
        .iter()
        .filter(|v| match v {
            Value::Null | Value::Bool(_) | Value::Number(_) => true,
            Value::String(s) => !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()),
            _ => false,
        })
        .cloned()
        .collect();
    if kept.len() == vs.len() {
        return values.clone();
    }
    json!({ "kept": kept, "strings": vs.len() - kept.len() })
}

/// The fixtures' redaction of the rules' own strings (`pipelines.py`'s `redact_item`).
fn redact_item(v: &Value) -> Value {
    match v {
        Value::Object(m) if m.contains_key("values") => {
            let by_set_value = m.get("by").and_then(Value::as_array).is_some_and(|by| {
                by.iter().any(|b| {
                    matches!(
                        b.as_str(),
                        Some("network_direction_egress" | "network_direction_ingress")
                    )
                })
            });
            let mut m = m.clone();
            if !by_set_value {
                m["values"] = redact(&m["values"]);
            }
            Value::Object(m)
        }
        Value::Object(m) => {
            Value::Object(m.iter().map(|(k, v)| (k.clone(), redact_item(v))).collect())
        }
        Value::Array(a) => Value::Array(a.iter().map(redact_item).collect()),
        v => v.clone(),
    }
}

/// Numbers compare by value (YAML's `1.0` is an integer in the rule model, a float in pySigma).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        (a, b) => a == b,
    }
}

/// The rule documents of a file, with their condition texts.
fn rules_of(path: &Path) -> Vec<(Rule, Vec<String>)> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    let map = SourceMap::new(&text);
    let (docs, _) = crate::source::yaml::load(&text, &map);
    let mut out = Vec::new();
    for doc in &docs {
        let mut diags = Vec::new();
        let root = doc.root();
        if let Some(rule) = crate::rule::parse_rule(&root, doc.span, &text, &mut diags) {
            let conditions = match root.get("detection").and_then(|(_, d)| d.get("condition")) {
                Some((_, c)) => match c.value {
                    serde_yaml::Value::Sequence(s) => s
                        .iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect(),
                    v => v.as_str().map(str::to_string).into_iter().collect(),
                },
                None => Vec::new(),
            };
            out.push((rule, conditions));
        }
    }
    out
}

/// Compares one fixture file; returns (agreeing, total) and prints the first differences.
fn compare(fixture: &Path, rule_root: &Path, redacted: bool, pipeline: &str) -> (usize, usize) {
    let text = std::fs::read_to_string(fixture).expect("fixture");
    let (mut agree, mut total, mut shown) = (0, 0, 0);
    for line in text.lines() {
        let expected: Value = serde_json::from_str(line).expect("fixture line");
        total += 1;
        let path = rule_root.join(expected["path"].as_str().unwrap_or(""));
        let id = expected["id"].as_str();
        let rules = rules_of(&path);
        let found = rules
            .iter()
            .find(|(r, _)| r.id.as_deref() == id)
            .or(rules.first());
        let mut actual = match found {
            Some((rule, conditions)) => record(rule, pipeline, conditions),
            None => json!({ "error": "the rule does not load" }),
        };
        let mut expected = expected.clone();
        let obj = expected.as_object_mut().expect("object");
        obj.remove("id");
        obj.remove("path");
        if obj.contains_key("error") {
            // Which items applied before the failure is pySigma's bookkeeping; the failure is what counts.
            obj.remove("applied");
            obj.insert("error".into(), json!(true));
            if let Some(a) = actual.as_object_mut() {
                let failed = a.contains_key("error");
                a.clear();
                a.insert("error".into(), json!(failed));
            }
        } else if redacted {
            actual["detection"] = redact_item(&actual["detection"]);
        }
        if same(&actual, &expected) {
            agree += 1;
        } else if shown < 3 {
            shown += 1;
            eprintln!(
                "{pipeline}: {}\n  expected {expected}\n  actual   {actual}",
                path.display()
            );
        }
    }
    (agree, total)
}

#[test]
fn builtins_agree_with_pysigma_on_synthetic_rules() {
    let dir = project_root().join("tests/fixtures/pipelines/synthetic");
    let mut failures = Vec::new();
    for name in PIPELINES {
        let (agree, total) = compare(
            &dir.join(format!("{name}.jsonl")),
            &project_root(),
            false,
            name,
        );
        eprintln!("synthetic {name}: {agree}/{total} agree with pySigma");
        assert!(total >= 20);
        if agree != total {
            failures.push(format!("{name} {agree}/{total}"));
        }
    }
    assert!(failures.is_empty(), "{failures:?}");
}

#[test]
fn builtins_agree_with_pysigma_on_sigmahq_windows_rules() {
    let corpus = project_root().join("../shared/corpus/sigmahq");
    if !corpus.is_dir() {
        eprintln!("SKIPPED: the SigmaHQ corpus is not at {}", corpus.display());
        return;
    }
    let dir = project_root().join("tests/fixtures/pipelines");
    let mut failures = Vec::new();
    for name in PIPELINES {
        let (agree, total) = compare(&dir.join(format!("{name}.jsonl")), &corpus, true, name);
        eprintln!("SigmaHQ {name}: {agree}/{total} agree with pySigma");
        if agree != total {
            failures.push(format!("{name} {agree}/{total}"));
        }
    }
    assert!(failures.is_empty(), "{failures:?}");
}
