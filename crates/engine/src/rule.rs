//! The rule model: what a Sigma document says, with the position of every part, before
//! compilation. Reading a document also checks its metadata (§1 of the reference).

use crate::condition::{self, Expr};
use crate::diag::{did_you_mean, Diagnostic};
use crate::modifier::{Modifier, Scalar};
use crate::span::Span;
use crate::value::Number;
use crate::yaml::Node;
use serde::Serialize;
use serde_yaml::Value;

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct LogSource {
    pub category: Option<String>,
    pub product: Option<String>,
    pub service: Option<String>,
    pub definition: Option<String>,
}

impl std::fmt::Display for LogSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = [
            ("product", &self.product),
            ("category", &self.category),
            ("service", &self.service),
        ]
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}: {v}")))
        .collect();
        f.write_str(&parts.join(", "))
    }
}

/// What kind of Sigma document a YAML document is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    Detection,
    Correlation,
    Filter,
    /// Legacy `action: global/reset/repeat` collections.
    Action,
    Unknown,
}

#[derive(Clone, Debug)]
pub struct Rule {
    pub title: String,
    pub title_span: Span,
    pub id: Option<String>,
    pub id_span: Option<Span>,
    pub name: Option<String>,
    pub status: Option<String>,
    pub level: Option<String>,
    pub description: Option<String>,
    pub author: Option<String>,
    pub date: Option<String>,
    pub modified: Option<String>,
    pub tags: Vec<(String, Span)>,
    pub references: Vec<(String, Span)>,
    pub falsepositives: Vec<String>,
    pub fields: Vec<String>,
    pub logsource: LogSource,
    pub logsource_span: Span,
    /// Keys of `logsource` other than category/product/service/definition.
    pub logsource_extra: Vec<(String, Span)>,
    /// Top-level keys that are not Sigma's (allowed; kept for lint).
    pub custom_keys: Vec<(String, Span)>,
    pub detection: Detection,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Detection {
    pub searches: Vec<Search>,
    pub conditions: Vec<ConditionSource>,
    pub span: Span,
}

impl Detection {
    pub fn names(&self) -> Vec<String> {
        self.searches.iter().map(|s| s.name.clone()).collect()
    }
}

#[derive(Clone, Debug)]
pub struct ConditionSource {
    pub text: String,
    pub span: Span,
    pub expr: Expr,
}

/// A search identifier (`selection`, `filter_main_*`, `keywords`...) and its body.
#[derive(Clone, Debug)]
pub struct Search {
    pub name: String,
    pub span: Span,
    pub body: SearchBody,
}

#[derive(Clone, Debug)]
pub enum SearchBody {
    /// A map: all items must hold.
    Map {
        items: Vec<DetectionItem>,
        span: Span,
    },
    /// A list of maps (or mixed): any alternative holds.
    List {
        alternatives: Vec<SearchBody>,
        span: Span,
    },
    /// A list of plain values (or one): keywords, searched in every field.
    Keywords(DetectionItem),
}

impl SearchBody {
    pub fn span(&self) -> Span {
        match self {
            SearchBody::Map { span, .. } | SearchBody::List { span, .. } => *span,
            SearchBody::Keywords(i) => i.span,
        }
    }

    pub fn items(&self) -> Vec<&DetectionItem> {
        match self {
            SearchBody::Map { items, .. } => items.iter().collect(),
            SearchBody::List { alternatives, .. } => {
                alternatives.iter().flat_map(|a| a.items()).collect()
            }
            SearchBody::Keywords(i) => vec![i],
        }
    }
}

/// `field|mod|mod: value(s)`, or a keyword list (`field` is `None`).
#[derive(Clone, Debug)]
pub struct DetectionItem {
    pub field: Option<String>,
    pub modifiers: Vec<Modifier>,
    pub modifier_spans: Vec<Span>,
    pub values: Vec<WrittenValue>,
    /// The value was written as a list (`[a, b]` or `- a`).
    pub value_is_list: bool,
    pub key_span: Span,
    pub span: Span,
}

impl DetectionItem {
    pub fn has(&self, m: Modifier) -> bool {
        self.modifiers.contains(&m)
    }
}

#[derive(Clone, Debug)]
pub struct WrittenValue {
    pub scalar: Scalar,
    pub span: Span,
    pub quoted: bool,
}

const KNOWN_KEYS: &[&str] = &[
    "title",
    "id",
    "name",
    "related",
    "taxonomy",
    "status",
    "description",
    "license",
    "author",
    "references",
    "date",
    "modified",
    "logsource",
    "detection",
    "fields",
    "falsepositives",
    "level",
    "tags",
    "scope",
];

/// Tells what a document is without reading it fully.
pub fn kind_of(root: &Node) -> DocumentKind {
    if root.get("action").is_some() {
        DocumentKind::Action
    } else if root.get("correlation").is_some() {
        DocumentKind::Correlation
    } else if root.get("filter").is_some() {
        DocumentKind::Filter
    } else if root.get("detection").is_some() {
        DocumentKind::Detection
    } else {
        DocumentKind::Unknown
    }
}

/// Reads a detection rule. Errors go to `diags`; `None` when the rule cannot be evaluated.
pub fn parse_rule(
    root: &Node,
    doc_span: Span,
    source: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Rule> {
    let err = |diags: &mut Vec<Diagnostic>, code: &str, msg: String, span: Span| {
        diags.push(Diagnostic::error(code, msg, Some(span)));
    };
    if !root.value.is_mapping() {
        err(
            diags,
            "structure",
            "a Sigma rule is a YAML mapping (title, logsource, detection, ...)".into(),
            root.span(),
        );
        return None;
    }
    let before = diags.len();
    let mut custom_keys = Vec::new();
    for (k, _) in root.entries() {
        match k.value.as_str() {
            Some(key) if KNOWN_KEYS.contains(&key) => {}
            Some(key) => custom_keys.push((key.to_string(), k.span())),
            None => err(
                diags,
                "structure",
                "top-level keys must be strings".into(),
                k.span(),
            ),
        }
    }
    let string = |diags: &mut Vec<Diagnostic>, key: &str| -> Option<(String, Span)> {
        let (_, v) = root.get(key)?;
        match v.value {
            Value::String(s) => Some((s.clone(), v.span())),
            Value::Null => None,
            // YAML typed it (a date, a number); Sigma wants text, so read it back as written.
            Value::Number(n) => Some((n.to_string(), v.span())),
            _ => {
                err(
                    diags,
                    "metadata",
                    format!("'{key}' must be a string"),
                    v.span(),
                );
                None
            }
        }
    };
    let string_list = |diags: &mut Vec<Diagnostic>, key: &str| -> Vec<(String, Span)> {
        let Some((_, v)) = root.get(key) else {
            return Vec::new();
        };
        match v.value {
            Value::Sequence(_) => v
                .items()
                .into_iter()
                .filter_map(|i| match i.value {
                    Value::String(s) => Some((s.clone(), i.span())),
                    Value::Number(n) => Some((n.to_string(), i.span())),
                    Value::Bool(b) => Some((b.to_string(), i.span())),
                    _ => {
                        err(
                            diags,
                            "metadata",
                            format!("'{key}' must be a list of strings"),
                            i.span(),
                        );
                        None
                    }
                })
                .collect(),
            Value::Null => Vec::new(),
            _ => {
                err(
                    diags,
                    "metadata",
                    format!("'{key}' must be a list"),
                    v.span(),
                );
                Vec::new()
            }
        }
    };

    let (title, title_span) = match string(diags, "title") {
        Some((t, s)) if t.chars().count() > 256 => {
            err(
                diags,
                "metadata",
                format!(
                    "the title is {} characters long; at most 256 are allowed",
                    t.chars().count()
                ),
                s,
            );
            (t, s)
        }
        Some(t) => t,
        None => {
            err(
                diags,
                "metadata",
                "the rule has no 'title' (it is mandatory)".into(),
                Span::point(doc_span.start),
            );
            (String::new(), Span::point(doc_span.start))
        }
    };
    let id = string(diags, "id");
    if let Some((id, span)) = &id {
        if uuid::Uuid::parse_str(id.trim_start_matches("urn:uuid:")).is_err() {
            err(
                diags,
                "metadata",
                format!(
                    "'id' must be a UUID (like 929a690e-bef0-4204-a928-ef5e620d6fcc), not '{id}'"
                ),
                *span,
            );
        }
    }
    let name = string(diags, "name").map(|n| n.0);
    let enum_value = |diags: &mut Vec<Diagnostic>, key: &str, allowed: &[&str]| -> Option<String> {
        let (v, span) = string(diags, key)?;
        let lower = v.to_lowercase();
        if !allowed.contains(&lower.as_str()) {
            let hint = did_you_mean(&lower, allowed.iter().copied())
                .map(|s| format!("; did you mean '{s}'?"))
                .unwrap_or_default();
            err(
                diags,
                "metadata",
                format!(
                    "'{key}' must be one of {}, not '{v}'{hint}",
                    allowed.join(", ")
                ),
                span,
            );
        }
        Some(lower)
    };
    let status = enum_value(
        diags,
        "status",
        &[
            "stable",
            "test",
            "experimental",
            "deprecated",
            "unsupported",
        ],
    );
    let level = enum_value(
        diags,
        "level",
        &["informational", "low", "medium", "high", "critical"],
    );
    let date_field = |diags: &mut Vec<Diagnostic>, key: &str| -> Option<String> {
        let (v, span) = string(diags, key)?;
        if !valid_date(&v) {
            err(
                diags,
                "metadata",
                format!("'{key}' must be a date written YYYY-MM-DD, not '{v}'"),
                span,
            );
        }
        Some(v)
    };
    let date = date_field(diags, "date");
    let modified = date_field(diags, "modified");
    let description = string(diags, "description").map(|d| d.0);
    let author = string(diags, "author").map(|d| d.0);
    let tags = string_list(diags, "tags");
    for (t, span) in &tags {
        if !t.contains('.') {
            err(diags, "metadata", format!("the tag '{t}' has no namespace: tags are written namespace.name (attack.t1059)"), *span);
        }
    }
    let references = string_list(diags, "references");
    let falsepositives = string_list(diags, "falsepositives")
        .into_iter()
        .map(|f| f.0)
        .collect();
    let fields = string_list(diags, "fields")
        .into_iter()
        .map(|f| f.0)
        .collect();
    let _ = string_list(diags, "scope");
    if let Some((_, rel)) = root.get("related") {
        for r in rel.items() {
            if let Some((_, t)) = r.get("type") {
                let ty = t.value.as_str().unwrap_or("").to_lowercase();
                if ![
                    "derived",
                    "obsolete",
                    "merged",
                    "renamed",
                    "similar",
                    "correlation",
                ]
                .contains(&ty.as_str())
                {
                    err(diags, "metadata", format!("related type must be derived, obsolete, merged, renamed or similar, not '{ty}'"), t.span());
                }
            }
        }
    }

    // logsource
    let mut logsource = LogSource::default();
    let mut logsource_extra = Vec::new();
    let logsource_span = match root.get("logsource") {
        None => {
            err(
                diags,
                "logsource",
                "the rule has no 'logsource' (it is mandatory)".into(),
                Span::point(doc_span.start),
            );
            Span::point(doc_span.start)
        }
        Some((k, v)) if !v.value.is_mapping() => {
            err(
                diags,
                "logsource",
                "'logsource' must be a mapping (category, product, service)".into(),
                v.span(),
            );
            k.span()
        }
        Some((k, v)) => {
            for (lk, lv) in v.entries() {
                let key = lk.value.as_str().unwrap_or("");
                let text = match lv.value {
                    Value::String(s) => Some(s.clone()),
                    Value::Null => None,
                    _ => {
                        err(
                            diags,
                            "logsource",
                            format!("logsource '{key}' must be a string"),
                            lv.span(),
                        );
                        None
                    }
                };
                match key {
                    "category" => logsource.category = text,
                    "product" => logsource.product = text,
                    "service" => logsource.service = text,
                    "definition" => logsource.definition = text,
                    _ => logsource_extra.push((key.to_string(), lk.span())),
                }
            }
            if logsource.category.is_none()
                && logsource.product.is_none()
                && logsource.service.is_none()
            {
                err(
                    diags,
                    "logsource",
                    "the logsource names none of category, product, service".into(),
                    v.span(),
                );
            }
            k.span().join(v.span())
        }
    };

    let detection = match root.get("detection") {
        Some((k, v)) => parse_detection(k.span(), &v, source, diags),
        None => {
            err(
                diags,
                "detection",
                "the rule has no 'detection' (it is mandatory)".into(),
                Span::point(doc_span.start),
            );
            None
        }
    };
    let detection = detection?;
    if diags[before..].iter().any(|d| d.is_error()) {
        return None;
    }
    Some(Rule {
        title,
        title_span,
        id_span: id.as_ref().map(|i| i.1),
        id: id.map(|i| i.0),
        name,
        status,
        level,
        description,
        author,
        date,
        modified,
        tags,
        references,
        falsepositives,
        fields,
        logsource,
        logsource_span,
        logsource_extra,
        custom_keys,
        detection,
        span: doc_span,
    })
}

/// `YYYY-MM-DD` (pySigma also accepts the legacy `YYYY/MM/DD`).
fn valid_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split(['-', '/']).collect();
    if parts.len() != 3
        || !parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    {
        return false;
    }
    let (y, m, d) = (
        parts[0].parse::<u32>(),
        parts[1].parse::<u32>(),
        parts[2].parse::<u32>(),
    );
    matches!((y, m, d), (Ok(y), Ok(m), Ok(d)) if (1000..=3999).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d))
        && parts[0].len() == 4
}

fn parse_detection(
    key_span: Span,
    node: &Node,
    source: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Detection> {
    if !node.value.is_mapping() {
        diags.push(Diagnostic::error(
            "detection",
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
                "detection",
                "search identifiers must be names (strings)",
                Some(k.span()),
            ));
            continue;
        };
        if name == "condition" {
            condition_node = Some((k, v));
            continue;
        }
        if name == "timeframe" {
            diags.push(Diagnostic::error(
                "unsupported",
                "'timeframe' belongs to the old aggregation syntax; Sigma 2 uses correlation rules, which are not supported yet",
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
            "detection",
            "the detection has no search identifier (like 'selection')",
            Some(node.span()),
        ));
    }
    let names: Vec<String> = searches.iter().map(|s| s.name.clone()).collect();
    let mut conditions = Vec::new();
    match condition_node {
        None => diags.push(Diagnostic::error(
            "condition",
            "the detection has no 'condition'",
            Some(key_span),
        )),
        Some((_, v)) => {
            let texts: Vec<Node> = match v.value {
                Value::Sequence(_) => v.items(),
                _ => vec![v],
            };
            for t in texts {
                let Some(text) = t.value.as_str() else {
                    diags.push(Diagnostic::error(
                        "condition",
                        "the condition must be a string (or a list of strings)",
                        Some(t.span()),
                    ));
                    continue;
                };
                let base = locate_condition(source, t.span(), text);
                match condition::parse(text, base) {
                    Ok(expr) => {
                        for e in condition::check(&expr, &names) {
                            diags.push(Diagnostic::error("condition", e.message, Some(e.span)));
                        }
                        conditions.push(ConditionSource {
                            text: text.to_string(),
                            span: t.span(),
                            expr,
                        });
                    }
                    Err(e) => diags.push(Diagnostic::error("condition", e.message, Some(e.span))),
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
        span: key_span.join(node.span()),
    })
}

/// Where the condition's first character stands in the source: found inside the scalar's span
/// (after a quote, say); a block scalar that does not hold it verbatim falls back to the start.
pub fn locate_condition(source: &str, span: Span, text: &str) -> usize {
    source
        .get(span.start..span.end)
        .and_then(|s| s.find(text))
        .map_or(span.start, |o| span.start + o)
}

fn parse_search_body(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<SearchBody> {
    match node.value {
        Value::Mapping(m) => {
            if m.is_empty() {
                diags.push(Diagnostic::error(
                    "detection",
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
                    "detection",
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
                    value_is_list: true,
                    key_span: node.span(),
                    span: node.span(),
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
                value_is_list: false,
                key_span: node.span(),
                span: node.span(),
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
                    "value",
                    format!("the number {n} cannot be compared (not finite)"),
                    Some(node.span()),
                ));
                return None;
            }
        },
        Value::Tagged(t) => {
            diags.push(Diagnostic::error(
                "value",
                format!("YAML tags ({}) are not Sigma values", t.tag),
                Some(node.span()),
            ));
            return None;
        }
        Value::Mapping(_) | Value::Sequence(_) => {
            diags.push(Diagnostic::error(
                "value",
                "a value list holds plain values (strings, numbers, booleans, null), not nested lists or maps",
                Some(node.span()),
            ));
            return None;
        }
    };
    Some(WrittenValue {
        scalar,
        span: node.span(),
        quoted: node.quoted(),
    })
}

fn parse_item(key: &Node, value: &Node, diags: &mut Vec<Diagnostic>) -> Option<DetectionItem> {
    let Some(k) = key.value.as_str() else {
        diags.push(Diagnostic::error(
            "detection",
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
                diags.push(Diagnostic::error("modifier", msg, Some(span)));
                ok = false;
            }
        }
    }
    if !ok {
        return None;
    }
    let (values, value_is_list) = match value.value {
        Value::Sequence(s) if s.is_empty() => (
            vec![WrittenValue {
                scalar: Scalar::Null,
                span: value.span(),
                quoted: false,
            }],
            false,
        ),
        Value::Sequence(_) => (
            value
                .items()
                .iter()
                .filter_map(|v| written(v, diags))
                .collect(),
            true,
        ),
        _ => (written(value, diags).into_iter().collect(), false),
    };
    if field.is_none() && values.iter().any(|v| v.scalar == Scalar::Null) {
        diags.push(Diagnostic::error(
            "value",
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
        value_is_list,
        key_span: key.span(),
        span: key.span().join(value.span()),
    })
}
