//! Hover help in a rule text: what a key, modifier or condition word means, and what a value
//! is compared as once its modifiers apply (the windash, base64 and UTF-16 variants).

use super::catalog::{self, modifier_help};
use super::complete::AuthoringHints;
use super::cursor::{identifiers, Cursor};
use crate::rule::modifier::{apply, Modifier, Scalar};
use std::collections::BTreeMap;

/// Help for the word under the cursor: it spans bytes `from..to` of the text.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Hover {
    pub from: usize,
    pub to: usize,
    pub text: String,
}

/// At most this many variants are listed for a value.
const MAX_SHOWN_VARIANTS: usize = 12;

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '*' | '@')
}

/// Help for byte `offset` of the rule `text`, if there is something to say.
pub fn hover(text: &str, offset: usize, hints: &AuthoringHints) -> Option<Hover> {
    let cursor = Cursor::at(text, offset);
    let line = cursor.line.text;
    let col = cursor.column;
    let start = line[..col]
        .rfind(|c: char| !is_word(c))
        .map_or(0, |i| i + 1);
    let end = line[col..]
        .find(|c: char| !is_word(c))
        .map_or(line.len(), |i| col + i);
    let word = &line[start..end];
    let span = |text: String| {
        Some(Hover {
            from: cursor.offset(start),
            to: cursor.offset(end),
            text,
        })
    };
    if cursor.at_key() && cursor.line.key.is_none() {
        return list_value_help(&cursor, hints);
    }
    if cursor.at_key() {
        let key = cursor.line.key?;
        if cursor.path.is_empty() {
            let (_, what) = catalog::TOP_KEYS.iter().find(|(k, _)| *k == key)?;
            return span(format!("{key}: {what}"));
        }
        if cursor.path.first() == Some(&"detection") && cursor.path.len() >= 2 {
            return key_help(key, start.saturating_sub(cursor.line.indent), hints).and_then(span);
        }
        return None;
    }
    let key = cursor.line.key.unwrap_or_default();
    match (cursor.path.as_slice(), key) {
        ([], "status") => table_help(catalog::STATUS, word).and_then(span),
        ([], "level") => table_help(catalog::LEVELS, word).and_then(span),
        (["detection"], "condition") => condition_help(text, word).and_then(span),
        (["detection", ..], _) => {
            let value = line[cursor.line.value_at?..].trim();
            variants_help(key, value, hints).and_then(|t| {
                Some(Hover {
                    from: cursor.offset(cursor.line.value_at?),
                    to: cursor.offset(line.len()),
                    text: t,
                })
            })
        }
        _ => None,
    }
}

/// A detection key `Field|mod|mod`: the field, or the modifier under the cursor (`at`: the
/// cursor's byte position in the key).
fn key_help(key: &str, at: usize, hints: &AuthoringHints) -> Option<String> {
    let parts: Vec<&str> = key.split('|').collect();
    let mut pos = 0;
    for (i, part) in parts.iter().enumerate() {
        if at <= pos + part.len() {
            if i == 0 {
                let hint = hints.event_fields.iter().find(|h| h.name == *part);
                return Some(match hint {
                    Some(h) => format!(
                        "{part}: a field of {} of the pasted events, e.g. {}",
                        h.count, h.example
                    ),
                    None => format!("{part}: no pasted event has this field"),
                });
            }
            return Some(match Modifier::parse(part) {
                Ok(m) => {
                    let help = modifier_help(m);
                    format!("|{}: {}\nExample: {}", m.name(), help.summary, help.example)
                }
                Err(e) => e,
            });
        }
        pos += part.len() + 1;
    }
    None
}

fn table_help(table: &[(&str, &str)], word: &str) -> Option<String> {
    let (v, what) = table.iter().find(|(v, _)| *v == word)?;
    Some(format!("{v}: {what}"))
}

fn condition_help(text: &str, word: &str) -> Option<String> {
    if let Some((name, line)) = identifiers(text).into_iter().find(|(n, _)| *n == word) {
        return Some(format!(
            "{name}: a search identifier, defined at line {line}"
        ));
    }
    if let Some(prefix) = word.strip_suffix('*') {
        let matching: Vec<&str> = identifiers(text)
            .into_iter()
            .map(|(n, _)| n)
            .filter(|n| n.starts_with(prefix))
            .collect();
        return Some(format!(
            "{word}: the identifiers {}",
            if matching.is_empty() {
                "(none matches)".to_string()
            } else {
                matching.join(", ")
            }
        ));
    }
    let (w, what) = catalog::CONDITION_WORDS
        .iter()
        .find(|(w, _)| *w == word || w.ends_with(&format!(" {word}")))?;
    Some(format!("{w}: {what}"))
}

/// A value under a key with modifiers: the patterns it is compared as.
fn variants_help(key: &str, value: &str, hints: &AuthoringHints) -> Option<String> {
    let mut parts = key.split('|');
    let field = parts.next()?;
    let modifiers: Vec<Modifier> = parts.map(Modifier::parse).collect::<Result<_, _>>().ok()?;
    if modifiers.is_empty() || value.is_empty() || value.starts_with('[') {
        return None;
    }
    let unquoted = value
        .strip_prefix('\'')
        .and_then(|v| v.strip_suffix('\''))
        .map(|v| v.replace("''", "'"))
        .or_else(|| {
            value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .map(str::to_string)
        })
        .unwrap_or_else(|| value.to_string());
    let placeholders: BTreeMap<String, Vec<String>> = hints
        .placeholders
        .iter()
        .map(|p| (p.clone(), vec![format!("<{p}>")]))
        .collect();
    let scalar = match unquoted.parse::<i64>() {
        Ok(n) if !value.starts_with(['\'', '"']) => {
            Scalar::Number(crate::rule::value::Number::Int(n))
        }
        _ => Scalar::Str(unquoted),
    };
    let chain: Vec<&str> = modifiers.iter().map(|m| m.name()).collect();
    match apply(&modifiers, &scalar, false, &placeholders) {
        Err(e) => Some(e.message),
        Ok(variants) => {
            let mut out = format!(
                "{field}|{} compares {} pattern(s):",
                chain.join("|"),
                variants.len()
            );
            for (p, label) in variants.iter().take(MAX_SHOWN_VARIANTS) {
                out.push_str(&format!("\n  {}", p.display()));
                if let Some(l) = label {
                    out.push_str(&format!("  ({l})"));
                }
            }
            if variants.len() > MAX_SHOWN_VARIANTS {
                out.push_str(&format!(
                    "\n  … and {} more",
                    variants.len() - MAX_SHOWN_VARIANTS
                ));
            }
            Some(out)
        }
    }
}

/// `- value` under `Field|mods:`: the value's variants.
fn list_value_help(cursor: &Cursor, hints: &AuthoringHints) -> Option<Hover> {
    let line = cursor.line.text;
    let item = line.trim_start().strip_prefix("- ")?;
    if cursor.path.first() != Some(&"detection") || cursor.path.len() < 3 {
        return None;
    }
    let key = cursor.path.last()?;
    let text = variants_help(key, item.trim(), hints)?;
    Some(Hover {
        from: cursor.offset(line.len() - item.len()),
        to: cursor.offset(line.len()),
        text,
    })
}
