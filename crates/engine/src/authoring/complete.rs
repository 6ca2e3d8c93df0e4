//! Completion in a rule text: what may be written at the cursor, in context.

use super::catalog::{self, modifier_help};
use super::cursor::{identifiers, top_value, Cursor};
use super::fields::{known_fields, FieldHint};
use crate::logsource::LogSourceMap;
use crate::rule::modifier::{apply, Modifier, Scalar, NAMES};
use std::collections::BTreeMap;

/// What the page knows besides the rule text: the events' fields and the placeholder names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthoringHints {
    pub event_fields: Vec<FieldHint>,
    pub placeholders: Vec<String>,
}

/// What kind of thing a completion inserts (the editor shows an icon for it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CompletionKind {
    Key,
    Value,
    Field,
    Modifier,
    Identifier,
    Keyword,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Completion {
    pub label: String,
    pub kind: CompletionKind,
    /// A short note shown beside the label (an example value, "in 3 events").
    pub detail: String,
    /// A longer explanation shown when the item is selected.
    pub info: String,
    /// The text inserted, when it is not the label (`title: `).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apply: Option<String>,
}

/// The completions at the cursor: they replace the text from byte `from` to the cursor.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct CompletionList {
    pub from: usize,
    pub items: Vec<Completion>,
}

fn item(label: &str, kind: CompletionKind, detail: &str, info: &str) -> Completion {
    Completion {
        label: label.to_string(),
        kind,
        detail: detail.to_string(),
        info: info.to_string(),
        apply: None,
    }
}

/// Completions at byte `offset` of the rule `text`.
pub fn complete(text: &str, offset: usize, hints: &AuthoringHints) -> CompletionList {
    let cursor = Cursor::at(text, offset);
    let before = cursor.before();
    let word_start = before
        .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.' || c == '-' || c == '*'))
        .map_or(0, |i| {
            i + before[i..].chars().next().map_or(1, char::len_utf8)
        });
    let word_start = word_start.max(cursor.line.indent.min(before.len()));
    let partial = &before[word_start..];
    let mut list = CompletionList {
        from: cursor.offset(word_start),
        items: Vec::new(),
    };
    let path: Vec<&str> = cursor.path.clone();
    if cursor.at_key() {
        match path.as_slice() {
            [] => list.items = top_keys(text),
            ["logsource"] => {
                for (k, what) in [
                    ("product", "The product: windows, linux, macos, aws, ..."),
                    (
                        "category",
                        "The kind of event: process_creation, network_connection, ...",
                    ),
                    (
                        "service",
                        "The log: security, sysmon, powershell, system, ...",
                    ),
                    (
                        "definition",
                        "How the events must be collected (a note for people)",
                    ),
                ] {
                    list.items.push(Completion {
                        apply: Some(format!("{k}: ")),
                        ..item(k, CompletionKind::Key, "", what)
                    });
                }
            }
            ["detection"] => list.items = detection_keys(text),
            ["detection", ..] => {
                if let Some(bar) = before[cursor.line.indent.min(before.len())..].rfind('|') {
                    let key_start = cursor.line.indent;
                    let chain = &before[key_start..key_start + bar];
                    list.from = cursor.offset(key_start + bar + 1);
                    list.items = modifiers_after(chain);
                } else {
                    list.items = fields(text, hints);
                }
            }
            ["related"] => {
                list.items
                    .push(item("id", CompletionKind::Key, "", "The related rule's id"));
                list.items
                    .push(item("type", CompletionKind::Key, "", "How it is related"));
            }
            _ => {}
        }
    } else {
        let key = cursor.line.key.unwrap_or_default();
        let value_start = cursor.line.value_at.unwrap_or(0);
        let value = before.get(value_start..).unwrap_or("");
        list.items = match (path.as_slice(), key) {
            ([], "status") => values(catalog::STATUS),
            ([], "level") => values(catalog::LEVELS),
            (["related"], "type") => values(catalog::RELATION_TYPES),
            (["logsource"], "product" | "category" | "service") => logsource_values(key),
            (["detection"], "condition") => {
                // The condition is one line of words: complete the word at the cursor.
                condition_words(text)
            }
            (["detection", ..], _) if value.contains('%') => placeholders(hints),
            _ => Vec::new(),
        };
    }
    let lower = partial.to_lowercase();
    if list.from == cursor.offset(word_start) && !lower.is_empty() {
        list.items
            .retain(|i| i.label.to_lowercase().starts_with(&lower));
    }
    list
}

fn top_keys(text: &str) -> Vec<Completion> {
    let present: Vec<&str> = super::cursor::lines(text)
        .iter()
        .filter(|l| l.indent == 0)
        .filter_map(|l| l.key)
        .collect();
    catalog::TOP_KEYS
        .iter()
        .filter(|(k, _)| !present.contains(k))
        .map(|(k, what)| {
            let apply = if matches!(*k, "logsource" | "detection" | "related") {
                format!("{k}:\n    ")
            } else {
                format!("{k}: ")
            };
            Completion {
                apply: Some(apply),
                ..item(k, CompletionKind::Key, "", what)
            }
        })
        .collect()
}

fn detection_keys(text: &str) -> Vec<Completion> {
    let ids = identifiers(text);
    let has = |name: &str| ids.iter().any(|(n, _)| *n == name);
    let mut out = Vec::new();
    for (name, what) in [
        ("selection", "What the events must contain"),
        (
            "filter_main_",
            "A known benign case to exclude (and not 1 of filter_main_*)",
        ),
        ("filter_optional_", "A benign case some environments have"),
    ] {
        if !has(name) {
            out.push(item(
                name,
                CompletionKind::Identifier,
                "search identifier",
                what,
            ));
        }
    }
    let condition_written = super::cursor::lines(text)
        .iter()
        .any(|l| l.key == Some("condition"));
    if !condition_written {
        out.push(Completion {
            apply: Some("condition: ".into()),
            ..item(
                "condition",
                CompletionKind::Key,
                "",
                "How the search identifiers combine: selection and not 1 of filter_*",
            )
        });
    }
    out
}

fn values(table: &[(&str, &str)]) -> Vec<Completion> {
    table
        .iter()
        .map(|(v, what)| item(v, CompletionKind::Value, "", what))
        .collect()
}

fn logsource_values(key: &str) -> Vec<Completion> {
    let map = LogSourceMap::builtin();
    let mut seen = std::collections::BTreeSet::new();
    for e in map.entries() {
        let v = match key {
            "product" => e.product.as_deref(),
            "category" => e.category.as_deref(),
            _ => e.service.as_deref(),
        };
        if let Some(v) = v {
            seen.insert(v.to_string());
        }
    }
    seen.iter()
        .map(|v| item(v, CompletionKind::Value, "", "from the Sigma taxonomy"))
        .collect()
}

/// The modifiers that may follow `chain` (`Image|endswith`): those the rule layer accepts after
/// it for some value, each once.
fn modifiers_after(chain: &str) -> Vec<Completion> {
    let written: Vec<Modifier> = chain
        .split('|')
        .skip(1)
        .filter_map(|m| Modifier::parse(m).ok())
        .collect();
    let samples = [
        Scalar::Str("abc".into()),
        Scalar::Number(crate::rule::value::Number::Int(5)),
        Scalar::Str("10.0.0.0/8".into()),
        Scalar::Str("%p%".into()),
        Scalar::Bool(true),
    ];
    let placeholders = BTreeMap::from([("p".to_string(), vec!["x".to_string()])]);
    let mut out = Vec::new();
    let mut offered = Vec::new();
    for (name, m) in NAMES {
        // One spelling each: the long one (`ignorecase`, not `i`) unless only one exists.
        if written.contains(m) || offered.contains(m) || (name.len() == 1 && *m != Modifier::Re) {
            continue;
        }
        let mut next = written.clone();
        next.push(*m);
        let fits = samples
            .iter()
            .any(|s| apply(&next, s, false, &placeholders).is_ok());
        if fits {
            offered.push(*m);
            let help = modifier_help(*m);
            out.push(item(
                name,
                CompletionKind::Modifier,
                help.example,
                help.summary,
            ));
        }
    }
    out
}

fn fields(text: &str, hints: &AuthoringHints) -> Vec<Completion> {
    let mut out: Vec<Completion> = hints
        .event_fields
        .iter()
        .map(|h| {
            item(
                &h.name,
                CompletionKind::Field,
                &h.example,
                &format!("in {} of the events, e.g. {}", h.count, h.example),
            )
        })
        .collect();
    let category = top_value(text, "logsource", "category");
    let service = top_value(text, "logsource", "service");
    for f in known_fields(category, service) {
        if !out.iter().any(|c| c.label == *f) {
            let from = category.or(service).unwrap_or_default();
            out.push(item(
                f,
                CompletionKind::Field,
                "",
                &format!("a field of {from} events"),
            ));
        }
    }
    out
}

fn condition_words(text: &str) -> Vec<Completion> {
    let ids = identifiers(text);
    let mut out: Vec<Completion> = ids
        .iter()
        .map(|(name, line)| {
            item(
                name,
                CompletionKind::Identifier,
                "search identifier",
                &format!("defined at line {line}"),
            )
        })
        .collect();
    // `selection_*` for identifiers sharing a prefix before `_`.
    let mut prefixes = std::collections::BTreeMap::<&str, usize>::new();
    for (name, _) in &ids {
        if let Some(i) = name.rfind('_') {
            *prefixes.entry(&name[..=i]).or_default() += 1;
        }
    }
    for (prefix, n) in prefixes {
        let pattern = format!("{prefix}*");
        out.push(item(
            &pattern,
            CompletionKind::Identifier,
            "pattern",
            &format!("the {n} identifier(s) starting with {prefix}"),
        ));
    }
    for (word, what) in catalog::CONDITION_WORDS {
        out.push(Completion {
            apply: Some(format!("{word} ")),
            ..item(word, CompletionKind::Keyword, "", what)
        });
    }
    out
}

/// After a `%` in a value: the placeholder names the page knows (the word after `%` is replaced).
fn placeholders(hints: &AuthoringHints) -> Vec<Completion> {
    hints
        .placeholders
        .iter()
        .map(|p| Completion {
            apply: Some(format!("{p}%")),
            ..item(
                p,
                CompletionKind::Value,
                "placeholder",
                "values from the page or a pipeline",
            )
        })
        .collect()
}
