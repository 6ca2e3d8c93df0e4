//! Reading a detection document: its metadata, checked as pySigma does (§1 of the reference),
//! and its log source; the detection itself is [`super::detection`]'s.

use super::detection::parse_detection;
use super::model::{LogSource, Rule};
use crate::source::yaml::Node;
use crate::source::DiagnosticCode as Code;
use crate::source::{did_you_mean, Diagnostic, Span};
use serde_yaml::Value;

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

/// Reads a detection rule. Errors go to `diags`; `None` when the rule cannot be evaluated.
pub fn parse_rule(
    root: &Node,
    doc_span: Span,
    source: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Rule> {
    if !root.value.is_mapping() {
        diags.push(Diagnostic::error(
            Code::Structure,
            "a Sigma rule is a YAML mapping (title, logsource, detection, ...)",
            Some(root.span()),
        ));
        return None;
    }
    let before = diags.len();
    let mut r = Reader { root, diags };
    let custom_keys = r.custom_keys();
    let (title, title_span) = r.title(doc_span);
    let id = r.id();
    let _ = r.string("name");
    let status = r.one_of(
        "status",
        &[
            "stable",
            "test",
            "experimental",
            "deprecated",
            "unsupported",
        ],
    );
    let level = r.one_of(
        "level",
        &["informational", "low", "medium", "high", "critical"],
    );
    r.date("date");
    r.date("modified");
    let _ = r.string("description");
    let _ = r.string("author");
    let tags = r.tags();
    let references = r.string_list("references");
    for key in ["falsepositives", "fields", "scope"] {
        let _ = r.string_list(key);
    }
    r.related();
    let (logsource, logsource_extra) = r.logsource(doc_span);
    let detection = match root.get("detection") {
        Some((k, v)) => parse_detection(k.span(), &v, source, diags),
        None => {
            diags.push(Diagnostic::error(
                Code::Detection,
                "the rule has no 'detection' (it is mandatory)",
                Some(Span::point(doc_span.start)),
            ));
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
        id,
        status,
        level,
        tags,
        references,
        logsource,
        logsource_extra,
        custom_keys,
        detection,
        span: doc_span,
    })
}

/// Reads the top-level fields of one document, reporting what is wrong.
struct Reader<'a, 'n> {
    root: &'a Node<'n>,
    diags: &'a mut Vec<Diagnostic>,
}

impl Reader<'_, '_> {
    fn error(&mut self, code: Code, message: String, span: Span) {
        self.diags
            .push(Diagnostic::error(code, message, Some(span)));
    }

    /// Top-level keys that are not Sigma's.
    fn custom_keys(&mut self) -> Vec<(String, Span)> {
        let mut custom_keys = Vec::new();
        for (k, _) in self.root.entries() {
            match k.value.as_str() {
                Some(key) if KNOWN_KEYS.contains(&key) => {}
                Some(key) => custom_keys.push((key.to_string(), k.span())),
                None => self.error(
                    Code::Structure,
                    "top-level keys must be strings".into(),
                    k.span(),
                ),
            }
        }
        custom_keys
    }

    fn string(&mut self, key: &str) -> Option<(String, Span)> {
        let (_, v) = self.root.get(key)?;
        match v.value {
            Value::String(s) => Some((s.clone(), v.span())),
            Value::Null => None,
            // YAML typed it (a date, a number); Sigma wants text, so read it back as written.
            Value::Number(n) => Some((n.to_string(), v.span())),
            _ => {
                self.error(
                    Code::Metadata,
                    format!("'{key}' must be a string"),
                    v.span(),
                );
                None
            }
        }
    }

    fn string_list(&mut self, key: &str) -> Vec<(String, Span)> {
        let Some((_, v)) = self.root.get(key) else {
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
                        self.error(
                            Code::Metadata,
                            format!("'{key}' must be a list of strings"),
                            i.span(),
                        );
                        None
                    }
                })
                .collect(),
            Value::Null => Vec::new(),
            _ => {
                self.error(Code::Metadata, format!("'{key}' must be a list"), v.span());
                Vec::new()
            }
        }
    }

    fn title(&mut self, doc_span: Span) -> (String, Span) {
        match self.string("title") {
            Some((t, s)) if t.chars().count() > 256 => {
                self.error(
                    Code::Metadata,
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
                self.error(
                    Code::Metadata,
                    "the rule has no 'title' (it is mandatory)".into(),
                    Span::point(doc_span.start),
                );
                (String::new(), Span::point(doc_span.start))
            }
        }
    }

    fn id(&mut self) -> Option<String> {
        let (id, span) = self.string("id")?;
        if uuid::Uuid::parse_str(id.trim_start_matches("urn:uuid:")).is_err() {
            self.error(
                Code::Metadata,
                format!(
                    "'id' must be a UUID (like 929a690e-bef0-4204-a928-ef5e620d6fcc), not '{id}'"
                ),
                span,
            );
        }
        Some(id)
    }

    /// A value from a fixed list, lowercased.
    fn one_of(&mut self, key: &str, allowed: &[&str]) -> Option<String> {
        let (v, span) = self.string(key)?;
        let lower = v.to_lowercase();
        if !allowed.contains(&lower.as_str()) {
            let hint = did_you_mean(&lower, allowed.iter().copied())
                .map(|s| format!("; did you mean '{s}'?"))
                .unwrap_or_default();
            self.error(
                Code::Metadata,
                format!(
                    "'{key}' must be one of {}, not '{v}'{hint}",
                    allowed.join(", ")
                ),
                span,
            );
        }
        Some(lower)
    }

    fn date(&mut self, key: &str) {
        let Some((v, span)) = self.string(key) else {
            return;
        };
        if !valid_date(&v) {
            self.error(
                Code::Metadata,
                format!("'{key}' must be a date written YYYY-MM-DD, not '{v}'"),
                span,
            );
        }
    }

    fn tags(&mut self) -> Vec<(String, Span)> {
        let tags = self.string_list("tags");
        for (t, span) in &tags {
            if !t.contains('.') {
                self.error(Code::Metadata, format!("the tag '{t}' has no namespace: tags are written namespace.name (attack.t1059)"), *span);
            }
        }
        tags
    }

    fn related(&mut self) {
        let Some((_, rel)) = self.root.get("related") else {
            return;
        };
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
                    self.error(Code::Metadata, format!("related type must be derived, obsolete, merged, renamed or similar, not '{ty}'"), t.span());
                }
            }
        }
    }

    /// The log source, and its keys other than category/product/service/definition.
    fn logsource(&mut self, doc_span: Span) -> (LogSource, Vec<(String, Span)>) {
        let mut logsource = LogSource::default();
        let mut extra = Vec::new();
        let v = match self.root.get("logsource") {
            None => {
                self.error(
                    Code::Logsource,
                    "the rule has no 'logsource' (it is mandatory)".into(),
                    Span::point(doc_span.start),
                );
                return (logsource, extra);
            }
            Some((_, v)) if !v.value.is_mapping() => {
                self.error(
                    Code::Logsource,
                    "'logsource' must be a mapping (category, product, service)".into(),
                    v.span(),
                );
                return (logsource, extra);
            }
            Some((_, v)) => v,
        };
        for (lk, lv) in v.entries() {
            let key = lk.value.as_str().unwrap_or("");
            let text = match lv.value {
                Value::String(s) => Some(s.clone()),
                Value::Null => None,
                _ => {
                    self.error(
                        Code::Logsource,
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
                _ => extra.push((key.to_string(), lk.span())),
            }
        }
        if logsource.category.is_none()
            && logsource.product.is_none()
            && logsource.service.is_none()
        {
            self.error(
                Code::Logsource,
                "the logsource names none of category, product, service".into(),
                v.span(),
            );
        }
        (logsource, extra)
    }
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
