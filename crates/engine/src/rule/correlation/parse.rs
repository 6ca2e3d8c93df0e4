//! Reading a correlation document. Every refusal is a located diagnostic (code `correlation`);
//! the checks are pySigma 2.0.1's (`sigma/correlations.py`) plus the SQLite backend's refusal of
//! a field list, so the engine refuses what the reference refuses.

use super::{
    Alias, Condition, ConditionOp, CorrelationRule, CorrelationType, GroupBy, RuleRef, Threshold,
    Timespan,
};
use crate::rule::condition;
use crate::source::yaml::Node;
use crate::source::{did_you_mean, Diagnostic, DiagnosticCode};
use crate::source::{ScalarMap, Span};
use serde_yaml::Value;

const CODE: DiagnosticCode = DiagnosticCode::Correlation;
const CORRELATION_KEYS: [&str; 7] = [
    "type",
    "rules",
    "aliases",
    "group-by",
    "timespan",
    "condition",
    "generate",
];

fn error(diags: &mut Vec<Diagnostic>, message: String, span: Span) {
    diags.push(Diagnostic::error(CODE, message, Some(span)));
}

/// A metadata string (`title`, `id`, `name`, `level`...); a number is read as written.
pub(super) fn metadata(root: &Node, key: &str) -> Option<String> {
    root.get(key).and_then(|(_, v)| match v.value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// The document's `title`, which both correlations and filters must have.
pub(super) fn title(
    root: &Node,
    doc_span: Span,
    code: DiagnosticCode,
    diags: &mut Vec<Diagnostic>,
) -> Option<String> {
    let title = metadata(root, "title");
    if title.is_none() {
        diags.push(Diagnostic::error(
            code,
            format!("a {code} needs a 'title'"),
            Some(Span::point(doc_span.start)),
        ));
    }
    title
}

/// Reads one correlation document; `None` (with errors in `diags`) when it cannot be evaluated.
pub fn parse_correlation(
    root: &Node,
    doc_span: Span,
    diags: &mut Vec<Diagnostic>,
) -> Option<CorrelationRule> {
    let before = diags.len();
    let text = |key: &str| metadata(root, key);
    let title = title(root, doc_span, CODE, diags);
    let (corr_key, body) = root.get("correlation")?;
    if !body.value.is_mapping() {
        error(
            diags,
            "'correlation' must be a mapping (type, rules, group-by, timespan, condition)".into(),
            body.span(),
        );
        return None;
    }
    for (k, _) in body.entries() {
        let key = k.value.as_str().unwrap_or("");
        if !CORRELATION_KEYS.contains(&key) {
            let hint = did_you_mean(key, CORRELATION_KEYS)
                .map(|s| format!("; did you mean '{s}'?"))
                .unwrap_or_default();
            error(
                diags,
                format!("unknown correlation key '{key}'{hint}"),
                k.span(),
            );
        }
    }
    let kind = parse_type(&body, corr_key.span(), diags);
    let (rules, rules_span) = match body.get("rules") {
        Some((k, v)) => (rule_refs(&v, diags), k.span()),
        None => (Vec::new(), corr_key.span()),
    };
    let aliases = body
        .get("aliases")
        .map(|(_, v)| parse_aliases(&v, diags))
        .unwrap_or_default();
    let group_by = body
        .get("group-by")
        .map(|(_, v)| {
            GroupBy(
                strings(&v, "group-by", diags)
                    .into_iter()
                    .map(|(s, _)| s)
                    .collect(),
            )
        })
        .unwrap_or_default();
    let timespan = match body.get("timespan") {
        Some((_, v)) => parse_timespan(&v, diags),
        None => {
            error(
                diags,
                "a correlation rule needs a 'timespan' (e.g. 5m)".into(),
                corr_key.span(),
            );
            None
        }
    };
    let kind = kind?;
    let condition = parse_condition(&body, kind, &rules, corr_key.span(), diags);
    if rules.is_empty() && !matches!(condition, Some(Condition::Extended { .. })) {
        error(
            diags,
            "a correlation rule needs 'rules': the names or ids of the rules it correlates".into(),
            corr_key.span(),
        );
    }
    let generate = [root.get("generate"), body.get("generate")]
        .into_iter()
        .flatten()
        .any(|(_, v)| v.value.as_bool() == Some(true));
    if diags[before..].iter().any(Diagnostic::is_error) {
        return None;
    }
    Some(CorrelationRule {
        title: title?,
        id: text("id"),
        name: text("name"),
        level: text("level"),
        status: text("status"),
        kind,
        rules,
        aliases,
        group_by,
        timespan: timespan?,
        condition: condition?,
        generate,
        span: doc_span,
        rules_span,
    })
}

fn parse_type(body: &Node, at: Span, diags: &mut Vec<Diagnostic>) -> Option<CorrelationType> {
    let Some((_, v)) = body.get("type") else {
        error(diags, "a correlation rule needs a 'type'".into(), at);
        return None;
    };
    let name = v.value.as_str().unwrap_or("");
    let kind = CorrelationType::from_name(name);
    if kind.is_none() {
        let names = CorrelationType::ALL.map(CorrelationType::as_str);
        let hint = match did_you_mean(name, names) {
            Some(s) => format!("did you mean '{s}'?"),
            None => format!("one of {}", names.join(", ")),
        };
        error(
            diags,
            format!("'{name}' is not a correlation type; {hint}"),
            v.span(),
        );
    }
    kind
}

/// A string or a list of strings.
fn strings(node: &Node, key: &str, diags: &mut Vec<Diagnostic>) -> Vec<(String, Span)> {
    let one = |n: &Node, diags: &mut Vec<Diagnostic>| match n.value {
        Value::String(s) => Some((s.clone(), n.span())),
        Value::Number(x) => Some((x.to_string(), n.span())),
        _ => {
            error(diags, format!("'{key}' holds names (strings)"), n.span());
            None
        }
    };
    match node.value {
        Value::Sequence(_) => node.items().iter().filter_map(|i| one(i, diags)).collect(),
        Value::Null => Vec::new(),
        _ => one(node, diags).into_iter().collect(),
    }
}

fn rule_refs(node: &Node, diags: &mut Vec<Diagnostic>) -> Vec<RuleRef> {
    strings(node, "rules", diags)
        .into_iter()
        .map(|(name, span)| RuleRef { name, span })
        .collect()
}

fn parse_aliases(node: &Node, diags: &mut Vec<Diagnostic>) -> Vec<Alias> {
    if !node.value.is_mapping() {
        error(
            diags,
            "'aliases' maps a name to {rule: field} for each rule".into(),
            node.span(),
        );
        return Vec::new();
    }
    let mut out = Vec::new();
    for (k, v) in node.entries() {
        let Some(name) = k.value.as_str() else {
            error(diags, "an alias name is a string".into(), k.span());
            continue;
        };
        if !v.value.is_mapping() {
            error(
                diags,
                format!("alias '{name}' maps each rule (name or id) to its field"),
                v.span(),
            );
            continue;
        }
        let fields = v
            .entries()
            .into_iter()
            .filter_map(|(rk, rv)| match (rk.value.as_str(), rv.value.as_str()) {
                (Some(rule), Some(field)) => Some((
                    RuleRef {
                        name: rule.to_string(),
                        span: rk.span(),
                    },
                    field.to_string(),
                )),
                _ => {
                    error(
                        diags,
                        format!("alias '{name}': write 'rule: field', both strings"),
                        rk.span(),
                    );
                    None
                }
            })
            .collect();
        out.push(Alias {
            name: name.to_string(),
            span: k.span(),
            fields,
        });
    }
    out
}

/// `<number><unit>`, unit one of s m h d w M y; greater than zero.
fn parse_timespan(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<Timespan> {
    let raw = match node.value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    let units: String = Timespan::UNITS.iter().map(|(c, _)| *c).collect();
    let parsed = Timespan::millis_of(&raw);
    match parsed {
        Some(Some(0)) => error(
            diags,
            format!("timespan '{raw}' must be greater than zero"),
            node.span(),
        ),
        Some(Some(millis)) => {
            return Some(Timespan {
                millis,
                span: node.span(),
            })
        }
        Some(None) => error(diags, format!("timespan '{raw}' is too long"), node.span()),
        None => error(
            diags,
            format!("timespan '{raw}' is not a number followed by one unit letter of '{units}' (e.g. 5m, 1h, 2d)"),
            node.span(),
        ),
    }
    None
}

fn parse_condition(
    body: &Node,
    kind: CorrelationType,
    rules: &[RuleRef],
    at: Span,
    diags: &mut Vec<Diagnostic>,
) -> Option<Condition> {
    let Some((key, node)) = body.get("condition") else {
        if kind.is_temporal() {
            // pySigma: all referenced rules must occur.
            return Some(Condition::Threshold(Threshold {
                op: ConditionOp::Gte,
                value: rules.len() as f64,
                field: None,
                percentile: None,
                span: at,
            }));
        }
        error(
            diags,
            format!("this {kind} correlation needs a 'condition' (e.g. {{gte: 10}})"),
            at,
        );
        return None;
    };
    match node.value {
        Value::String(text) => parse_extended(text, &node, kind, diags),
        Value::Mapping(_) => parse_threshold(&node, kind, key.span(), diags),
        _ => {
            error(
                diags,
                "'condition' is a mapping such as {gte: 10}".into(),
                node.span(),
            );
            None
        }
    }
}

fn parse_extended(
    text: &str,
    node: &Node,
    kind: CorrelationType,
    diags: &mut Vec<Diagnostic>,
) -> Option<Condition> {
    if !kind.is_temporal() {
        error(
            diags,
            format!("a condition written as an expression is for temporal and temporal_ordered correlations; this {kind} correlation compares its metric, e.g. {{gte: 10}}"),
            node.span(),
        );
        return None;
    }
    // The text stands after the opening quote when quoted; plain scalars start at the span.
    let base = node.span().start + usize::from(node.quoted());
    match condition::parse(text, &ScalarMap::verbatim(base)) {
        Ok(expr) => {
            if let Some(span) = first_quantifier(&expr) {
                error(
                    diags,
                    "a correlation condition combines rule names with and, or, not; 'of' is not allowed".into(),
                    span,
                );
                return None;
            }
            Some(Condition::Extended {
                expr,
                span: node.span(),
            })
        }
        Err(e) => {
            error(diags, format!("condition: {}", e.message), e.span);
            None
        }
    }
}

fn first_quantifier(expr: &condition::Expr) -> Option<Span> {
    use condition::Expr;
    match expr {
        Expr::Of { span, .. } => Some(*span),
        Expr::Or(v, _) | Expr::And(v, _) => v.iter().find_map(first_quantifier),
        Expr::Not(e, _) => first_quantifier(e),
        Expr::Ident(..) => None,
    }
}

fn parse_threshold(
    node: &Node,
    kind: CorrelationType,
    at: Span,
    diags: &mut Vec<Diagnostic>,
) -> Option<Condition> {
    let mut comparisons = Vec::new();
    let mut field = None;
    let mut percentile = None;
    let op_names = ConditionOp::ALL.map(ConditionOp::as_str);
    for (k, v) in node.entries() {
        let key = k.value.as_str().unwrap_or("");
        if let Some(op) = ConditionOp::ALL.into_iter().find(|o| o.as_str() == key) {
            match v.value.as_f64() {
                Some(x) if x.is_finite() => comparisons.push((op, x, k.span())),
                _ => error(diags, format!("'{key}' compares with a number"), v.span()),
            }
            continue;
        }
        match key {
            "field" => field = Some(v),
            "percentile" => percentile = Some(v),
            _ => {
                let candidates = op_names.iter().copied().chain(["field", "percentile"]);
                let hint = did_you_mean(key, candidates)
                    .map(|s| format!("did you mean '{s}'?"))
                    .unwrap_or_else(|| format!("use one of {}, with field", op_names.join(", ")));
                error(
                    diags,
                    format!("unknown condition key '{key}'; {hint}"),
                    k.span(),
                );
            }
        }
    }
    let (op, value, op_span) = match comparisons.as_slice() {
        [one] => *one,
        [] => {
            error(
                diags,
                format!(
                    "the condition needs one comparison: {}",
                    op_names.join(", ")
                ),
                at,
            );
            return None;
        }
        [_, second, ..] => {
            error(
                diags,
                "the condition has exactly one comparison (pySigma refuses ranges such as gt + lte)"
                    .into(),
                second.2,
            );
            return None;
        }
    };
    let field = read_field(field, kind, at, diags)?;
    let percentile = read_percentile(percentile, kind, at, diags)?;
    Some(Condition::Threshold(Threshold {
        op,
        value,
        field,
        percentile,
        span: op_span,
    }))
}

/// `Some(None)`: no field, and none needed.
fn read_field(
    node: Option<Node>,
    kind: CorrelationType,
    at: Span,
    diags: &mut Vec<Diagnostic>,
) -> Option<Option<String>> {
    match node {
        None if kind.needs_field() => {
            error(
                diags,
                format!("this {kind} correlation needs 'field' in its condition: the field whose values it reads"),
                at,
            );
            None
        }
        None => Some(None),
        Some(n) => match n.value {
            Value::String(s) => Some(Some(s.clone())),
            Value::Sequence(_) => {
                error(
                    diags,
                    "one field only: the reference (pySigma's SQLite backend) refuses a list of fields"
                        .into(),
                    n.span(),
                );
                None
            }
            _ => {
                error(diags, "'field' is a field name".into(), n.span());
                None
            }
        },
    }
}

/// `Some(None)`: no percentile, and none needed.
fn read_percentile(
    node: Option<Node>,
    kind: CorrelationType,
    at: Span,
    diags: &mut Vec<Diagnostic>,
) -> Option<Option<u8>> {
    let wanted = kind == CorrelationType::ValuePercentile;
    let value = node.map(|n| (n.value.as_f64(), n.span()));
    match value {
        None if wanted => {
            error(
                diags,
                "a value_percentile correlation needs 'percentile' in its condition: 0 to 100"
                    .into(),
                at,
            );
            None
        }
        None => Some(None),
        // pySigma reads it with int(): 90.5 is 90.
        Some((Some(p), _)) if wanted && (0.0..101.0).contains(&p) => Some(Some(p as u8)),
        Some((_, span)) if wanted => {
            error(diags, "'percentile' is a number from 0 to 100".into(), span);
            None
        }
        Some((_, span)) => {
            error(
                diags,
                format!("'percentile' is for value_percentile correlations, not {kind}"),
                span,
            );
            None
        }
    }
}
