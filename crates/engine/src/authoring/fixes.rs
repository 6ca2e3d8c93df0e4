//! Quick fixes: mechanical corrections of what a rule's diagnostics point at (a misspelt
//! modifier, identifier, status or level; a `'*x*'` value that means `|contains`; `all of them`).
//! Found on the lines as written, each with the span it fixes, so the page attaches it to the
//! diagnostic at that place.

use super::catalog;
use super::cursor::{identifiers, lines, Line};
use super::draft::TextEdit;
use crate::rule::modifier::{Modifier, NAMES};
use crate::source::did_you_mean;

/// One fix: its title (the button's words) and the edit; `from..to` is the text it fixes.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct QuickFix {
    pub title: String,
    pub from: usize,
    pub to: usize,
    pub edit: TextEdit,
}

fn replace(title: String, from: usize, to: usize, insert: String) -> QuickFix {
    QuickFix {
        title,
        from,
        to,
        edit: TextEdit { from, to, insert },
    }
}

/// Every quick fix the rule text offers.
pub fn quick_fixes(text: &str) -> Vec<QuickFix> {
    let all = lines(text);
    let ids = identifiers(text);
    let mut fixes = Vec::new();
    let mut in_detection = false;
    for l in &all {
        if l.is_blank_or_comment() {
            continue;
        }
        if l.indent == 0 {
            in_detection = l.key == Some("detection");
            match l.key {
                Some("status") => enumerated(l, catalog::STATUS, &mut fixes),
                Some("level") => enumerated(l, catalog::LEVELS, &mut fixes),
                _ => {}
            }
            continue;
        }
        if !in_detection {
            continue;
        }
        match l.key {
            Some("condition") => condition(l, &ids, &mut fixes),
            Some(key) if key.contains('|') => modifiers(l, key, &mut fixes),
            _ => {}
        }
        wildcard_value(l, &mut fixes);
    }
    fixes
}

/// The value of a `key: value` line, with its byte range in the text (unquoted).
fn value_of<'t>(l: &Line<'t>) -> Option<(&'t str, usize, usize)> {
    let at = l.value_at?;
    let raw = &l.text[at..];
    let start = at + (raw.len() - raw.trim_start().len());
    let value = l.text[start..].trim_end();
    (!value.is_empty()).then(|| (value, l.start + start, l.start + start + value.len()))
}

fn enumerated(l: &Line, table: &[(&str, &str)], fixes: &mut Vec<QuickFix>) {
    let Some((value, from, to)) = value_of(l) else {
        return;
    };
    let bare = value.trim_matches(|c| c == '\'' || c == '"');
    if table.iter().any(|(v, _)| *v == bare) {
        return;
    }
    let lower = bare.to_lowercase();
    let suggestion = table
        .iter()
        .find(|(v, _)| *v == lower)
        .map(|(v, _)| *v)
        .or_else(|| did_you_mean(bare, table.iter().map(|(v, _)| *v)));
    if let Some(s) = suggestion {
        fixes.push(replace(format!("Change to '{s}'"), from, to, s.to_string()));
    }
}

fn modifiers(l: &Line, key: &str, fixes: &mut Vec<QuickFix>) {
    let key_start = l.start + l.indent;
    let mut pos = 0;
    for (i, part) in key.split('|').enumerate() {
        if i > 0 && Modifier::parse(part).is_err() {
            let names = NAMES.iter().map(|(n, _)| *n).filter(|n| n.len() > 1);
            if let Some(s) = did_you_mean(part, names) {
                let from = key_start + pos;
                fixes.push(replace(
                    format!("Change to '{s}'"),
                    from,
                    from + part.len(),
                    s.to_string(),
                ));
            }
        }
        pos += part.len() + 1;
    }
}

fn condition(l: &Line, ids: &[(&str, usize)], fixes: &mut Vec<QuickFix>) {
    let Some((value, from, _)) = value_of(l) else {
        return;
    };
    if value.trim() == "all of them" && ids.len() > 1 {
        let explicit: Vec<&str> = ids.iter().map(|(n, _)| *n).collect();
        fixes.push(replace(
            format!("Write it out: {}", explicit.join(" and ")),
            from,
            from + value.len(),
            explicit.join(" and "),
        ));
    }
    let words = ["and", "or", "not", "of", "all", "them", "1", "any"];
    let mut i = 0;
    let bytes = value.as_bytes();
    while i < bytes.len() {
        let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'*' || b == b'-';
        if !is_word(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && is_word(bytes[i]) {
            i += 1;
        }
        let word = &value[start..i];
        if words.contains(&word) || word.contains('*') || ids.iter().any(|(n, _)| *n == word) {
            continue;
        }
        if let Some(s) = did_you_mean(word, ids.iter().map(|(n, _)| *n)) {
            fixes.push(replace(
                format!("Change to '{s}'"),
                from + start,
                from + i,
                s.to_string(),
            ));
        }
    }
}

/// `Field: '*x*'` (or a list item `- '*x*'`) written as wildcards: the modifier says it plainly.
fn wildcard_value(l: &Line, fixes: &mut Vec<QuickFix>) {
    let Some(key) = l.key.filter(|k| !k.contains('|') && *k != "condition") else {
        return;
    };
    let Some((value, _, _)) = value_of(l) else {
        return;
    };
    let Some(inner) = value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) else {
        return;
    };
    // Without wildcards a backslash is literal (it escapes only `*`, `?` and itself).
    let plain = |s: &str| !s.is_empty() && !s.contains(['*', '?']) && !s.contains("\\\\");
    let (modifier, core) = match (inner.strip_prefix('*'), inner.strip_suffix('*')) {
        (Some(rest), _) if rest.ends_with('*') && plain(&rest[..rest.len() - 1]) => {
            ("contains", &rest[..rest.len() - 1])
        }
        (Some(rest), _) if plain(rest) => ("endswith", rest),
        (None, Some(rest)) if plain(rest) => ("startswith", rest),
        _ => return,
    };
    let from = l.start + l.indent;
    let to = l.start + l.text.trim_end().len();
    fixes.push(replace(
        format!("Use |{modifier}"),
        from,
        to,
        format!("{key}|{modifier}: '{core}'"),
    ));
}
