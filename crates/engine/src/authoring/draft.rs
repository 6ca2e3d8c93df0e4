//! Drafting a rule from events: "add this field to a selection", "exclude events like this",
//! "a new rule from this event". Each is a text edit of the rule (the editor applies it, so undo
//! works), made on the lines as written: comments and the author's layout stay.

use super::cursor::{identifiers, lines, Line};
use crate::event::Event;
use crate::logsource::{LogSourceFit, LogSourceMap};
use crate::rule::LogSource;

/// How a drafted item compares the event's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DraftMatch {
    Exact,
    Contains,
    StartsWith,
    EndsWith,
}

impl DraftMatch {
    fn modifier(self) -> &'static str {
        match self {
            DraftMatch::Exact => "",
            DraftMatch::Contains => "|contains",
            DraftMatch::StartsWith => "|startswith",
            DraftMatch::EndsWith => "|endswith",
        }
    }
}

/// Replace bytes `from..to` of the rule text with `insert`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TextEdit {
    pub from: usize,
    pub to: usize,
    pub insert: String,
}

impl TextEdit {
    /// The text after the edit.
    pub fn apply(&self, text: &str) -> String {
        format!("{}{}{}", &text[..self.from], self.insert, &text[self.to..])
    }
}

/// A value as a single-quoted YAML scalar holding a Sigma string that matches it literally
/// (wildcards escaped, and a backslash before a wildcard or a backslash).
pub fn sigma_literal(value: &str) -> String {
    let mut out = String::from("'");
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' | '?' => {
                out.push('\\');
                out.push(c);
            }
            '\\' if matches!(chars.peek(), Some('*' | '?' | '\\')) => out.push_str("\\\\"),
            '\'' => out.push_str("''"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

fn item_line(indent: usize, field: &str, how: DraftMatch, value: &str) -> String {
    format!(
        "{}{field}{}: {}\n",
        " ".repeat(indent),
        how.modifier(),
        sigma_literal(value)
    )
}

/// The detection's block: its line index, the indent of its children, where it ends.
struct DetectionBlock {
    /// Index (in `lines`) of the `detection:` line.
    at: usize,
    child_indent: usize,
}

fn detection(all: &[Line]) -> Option<DetectionBlock> {
    let at = all
        .iter()
        .position(|l| l.indent == 0 && l.key == Some("detection"))?;
    let child_indent = all[at + 1..]
        .iter()
        .find(|l| !l.is_blank_or_comment())
        .filter(|l| l.indent > 0)
        .map_or(4, |l| l.indent);
    Some(DetectionBlock { at, child_indent })
}

/// The byte offset just after the last non-blank line of the block that starts at line `at`
/// (its lines are those indented deeper than `indent`).
fn block_end(all: &[Line], at: usize, indent: usize, text: &str) -> usize {
    let mut end = all[at].start + all[at].text.len();
    for l in &all[at + 1..] {
        if l.is_blank_or_comment() {
            continue;
        }
        if l.indent <= indent {
            break;
        }
        end = l.start + l.text.len();
    }
    // After the line's newline, when there is one.
    if text[end..].starts_with("\r\n") {
        end + 2
    } else if text[end..].starts_with('\n') {
        end + 1
    } else {
        end
    }
}

/// Adds `field: value` to the search identifier `identifier` (made when absent, before the
/// condition). `None` when the text has no `detection`.
pub fn add_to_selection(
    text: &str,
    identifier: &str,
    field: &str,
    value: &str,
    how: DraftMatch,
) -> Option<TextEdit> {
    let all = lines(text);
    let block = detection(&all)?;
    let ind = block.child_indent;
    let existing = all
        .iter()
        .enumerate()
        .skip(block.at + 1)
        .find(|(_, l)| l.indent == ind && l.key == Some(identifier));
    if let Some((at, line)) = existing {
        // Items go at the indent of the identifier's first item, or one level deeper.
        let item_indent = all[at + 1..]
            .iter()
            .find(|l| !l.is_blank_or_comment())
            .filter(|l| l.indent > line.indent)
            .map_or(ind * 2, |l| l.indent);
        let end = block_end(&all, at, line.indent, text);
        let newline = if text[..end].ends_with('\n') {
            ""
        } else {
            "\n"
        };
        return Some(TextEdit {
            from: end,
            to: end,
            insert: format!("{newline}{}", item_line(item_indent, field, how, value)),
        });
    }
    let block_text = format!(
        "{}{identifier}:\n{}",
        " ".repeat(ind),
        item_line(ind * 2, field, how, value)
    );
    Some(insert_identifier(text, &all, &block, block_text, |_| None))
}

/// Inserts a new search identifier's lines before the condition (or at the end of the
/// detection); `rewrite_condition` may give the condition line a new value.
fn insert_identifier(
    text: &str,
    all: &[Line],
    block: &DetectionBlock,
    block_text: String,
    rewrite_condition: impl Fn(&str) -> Option<String>,
) -> TextEdit {
    let condition = all
        .iter()
        .skip(block.at + 1)
        .take_while(|l| l.is_blank_or_comment() || l.indent > 0)
        .find(|l| l.indent == block.child_indent && l.key == Some("condition"));
    match condition {
        Some(c) => {
            let mut insert = block_text;
            let mut to = c.start;
            let value = c.value_at.map(|at| c.text[at..].trim());
            if let Some(new) = value.and_then(&rewrite_condition) {
                insert.push_str(&format!(
                    "{}condition: {new}",
                    " ".repeat(block.child_indent)
                ));
                to = c.start + c.text.len();
            }
            TextEdit {
                from: c.start,
                to,
                insert,
            }
        }
        None => {
            let end = block_end(all, block.at, 0, text);
            let newline = if text[..end].ends_with('\n') || end == 0 {
                ""
            } else {
                "\n"
            };
            TextEdit {
                from: end,
                to: end,
                insert: format!("{newline}{block_text}"),
            }
        }
    }
}

/// "Exclude events like this": a `filter_main_*` identifier with `field: value`, and
/// `and not 1 of filter_main_*` added to the condition when it does not say so yet.
pub fn exclude_like(text: &str, field: &str, value: &str) -> Option<TextEdit> {
    let all = lines(text);
    let block = detection(&all)?;
    let taken: Vec<&str> = identifiers(text).into_iter().map(|(n, _)| n).collect();
    let base = format!("filter_main_{}", slug(field));
    let name = std::iter::once(base.clone())
        .chain((2..).map(|n| format!("{base}_{n}")))
        .find(|n| !taken.contains(&n.as_str()))?;
    let ind = block.child_indent;
    let block_text = format!(
        "{}{name}:\n{}",
        " ".repeat(ind),
        item_line(ind * 2, field, DraftMatch::Exact, value)
    );
    let rewrite = |condition: &str| {
        (!condition.contains("filter_main_*"))
            .then(|| format!("{condition} and not 1 of filter_main_*"))
    };
    Some(insert_identifier(text, &all, &block, block_text, rewrite))
}

fn slug(field: &str) -> String {
    field
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// A new rule from `event`: its log source (the taxonomy entry the event fits, most specific
/// first) and a selection of the chosen fields, each compared exactly.
pub fn rule_from_event(event: &Event, fields: &[&str], map: &LogSourceMap) -> String {
    let logsource = logsource_of(event, map);
    let mut out = String::from("title: New rule from an event\nstatus: experimental\n");
    out.push_str("description: Drafted from an event in Sigma Playground\nlogsource:\n");
    for (k, v) in [
        ("category", &logsource.category),
        ("product", &logsource.product),
        ("service", &logsource.service),
    ] {
        if let Some(v) = v {
            out.push_str(&format!("    {k}: {v}\n"));
        }
    }
    out.push_str("detection:\n    selection:\n");
    for f in fields {
        if let Some(v) = event.get(f) {
            out.push_str(&item_line(8, f, DraftMatch::Exact, &v.display()));
        }
    }
    out.push_str("    condition: selection\nlevel: medium\n");
    out
}

fn logsource_of(event: &Event, map: &LogSourceMap) -> LogSource {
    let fits = |ls: &LogSource| matches!(map.fit(ls, event), LogSourceFit::Fits { .. });
    let candidates = map.entries().iter().map(|e| LogSource {
        category: e.category.clone(),
        product: e.product.clone().or_else(|| Some("windows".into())),
        service: if e.category.is_some() {
            None
        } else {
            e.service.clone()
        },
        definition: None,
    });
    let mut best: Option<LogSource> = None;
    for ls in candidates {
        if !fits(&ls) {
            continue;
        }
        // A category says more than a service alone.
        let better = match &best {
            None => true,
            Some(b) => b.category.is_none() && ls.category.is_some(),
        };
        if better {
            best = Some(ls);
        }
    }
    best.unwrap_or(LogSource {
        category: None,
        product: Some("windows".into()),
        service: None,
        definition: None,
    })
}
