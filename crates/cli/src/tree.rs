//! The readable explanation tree (`sigmaplay eval --explain --format text`).

use sigmaplay_engine::{ConditionTrace, ItemTrace, MatchTrace, Reason, SearchTrace, ValueTrace};
use std::io::{self, Write};

/// Values listed per item before "... and N more" (windash and base64offset expand to many).
const MAX_VALUES: usize = 12;

fn mark(value: bool) -> &'static str {
    if value {
        "✓ true "
    } else {
        "✗ false"
    }
}

/// " (line N)" for an event of a text input; nothing for an `.evtx` record.
pub fn where_(line: Option<usize>) -> String {
    line.map(|l| format!(" (line {l})")).unwrap_or_default()
}

pub fn write_trace(
    out: &mut impl Write,
    index: usize,
    line: Option<usize>,
    file: Option<&str>,
    fired: bool,
    trace: &MatchTrace,
) -> io::Result<()> {
    let verdict = if fired { "FIRED" } else { "not fired" };
    let id = trace
        .rule_id
        .as_deref()
        .map(|i| format!(" [{i}]"))
        .unwrap_or_default();
    let file = file.map(|f| format!(" ({f})")).unwrap_or_default();
    writeln!(
        out,
        "event {index}{} · {}{id}{file}: {verdict}",
        where_(line),
        trace.title
    )?;
    if !trace.summary.is_empty() {
        writeln!(out, "  {}", trace.summary)?;
    }
    if let Some(note) = &trace.logsource_note {
        writeln!(out, "  log source: {note}")?;
    }
    if fired != trace.matched {
        writeln!(
            out,
            "  (the detection alone is {}; the log source routing decides the verdict)",
            trace.matched
        )?;
    }
    writeln!(out, "  condition:")?;
    write_condition(out, &trace.condition, 4)?;
    for ident in &trace.identifiers {
        writeln!(
            out,
            "  {} {}  (line {})",
            mark(ident.value),
            ident.name,
            ident.location.line
        )?;
        if !ident.explanation.is_empty() {
            writeln!(out, "      {}", ident.explanation)?;
        }
        write_search(out, &ident.search, 6, &ident.explanation)?;
    }
    writeln!(out)
}

fn write_condition(out: &mut impl Write, node: &ConditionTrace, indent: usize) -> io::Result<()> {
    writeln!(
        out,
        "{:indent$}{} {}  ({}:{})",
        "",
        mark(node.value),
        node.text,
        node.location.line,
        node.location.column
    )?;
    for child in &node.children {
        write_condition(out, child, indent + 2)?;
    }
    Ok(())
}

/// `said`: the explanation already printed above (an item repeating it is not printed twice).
fn write_search(
    out: &mut impl Write,
    node: &SearchTrace,
    indent: usize,
    said: &str,
) -> io::Result<()> {
    match node {
        SearchTrace::AllOf {
            value, children, ..
        }
        | SearchTrace::AnyOf {
            value, children, ..
        } => {
            let what = if matches!(node, SearchTrace::AllOf { .. }) {
                "all of"
            } else {
                "any of"
            };
            // A one-child group adds nothing to read.
            if children.len() == 1 {
                return write_search(out, &children[0], indent, said);
            }
            writeln!(out, "{:indent$}{} {what}:", "", mark(*value))?;
            for child in children {
                write_search(out, child, indent + 2, said)?;
            }
            Ok(())
        }
        SearchTrace::Item(item) => write_item(out, item, indent, said),
    }
}

fn write_item(out: &mut impl Write, item: &ItemTrace, indent: usize, said: &str) -> io::Result<()> {
    let mut head = item.field.clone().unwrap_or_else(|| "keywords".to_string());
    for m in &item.modifiers {
        head.push('|');
        head.push_str(m.name());
    }
    let actual = match (&item.field, &item.event_value) {
        (None, _) => String::new(),
        (Some(_), None) => " — field absent".to_string(),
        (Some(_), Some(v)) => format!(" — event: {v}"),
    };
    writeln!(
        out,
        "{:indent$}{} {head}{actual}  (line {})",
        "",
        mark(item.value),
        item.location.line
    )?;
    let sub = indent + 4;
    if let Some(from) = &item.read_from {
        writeln!(
            out,
            "{:sub$}read from {from} (log source field mapping)",
            ""
        )?;
    }
    if let Some(s) = &item.field_suggestion {
        writeln!(out, "{:sub$}did you mean {s}?", "")?;
    }
    if !item.explanation.is_empty() && !said.ends_with(&item.explanation) {
        writeln!(out, "{:sub$}{}", "", item.explanation)?;
    }
    for v in item.values.iter().take(MAX_VALUES) {
        write_value(out, v, sub)?;
    }
    if item.values.len() > MAX_VALUES {
        let more = item.values.len() - MAX_VALUES;
        let matched = item.values[MAX_VALUES..]
            .iter()
            .filter(|v| v.matched)
            .count();
        writeln!(
            out,
            "{:sub$}... and {more} more value(s), {matched} of them matched",
            ""
        )?;
    }
    Ok(())
}

fn write_value(out: &mut impl Write, v: &ValueTrace, indent: usize) -> io::Result<()> {
    let mark = if v.matched { "✓" } else { "✗" };
    let mut text = format!("{mark} {}", v.expected);
    if v.written != v.expected {
        text.push_str(&format!(" (written {:?})", v.written));
    }
    if let Some(variant) = &v.variant {
        text.push_str(&format!(" [{variant}]"));
    }
    let reason = match v.reason {
        Reason::Matched => String::new(),
        other => format!(": {}", other.label()),
    };
    text.push_str(&reason);
    if let Some(field) = &v.matched_field {
        text.push_str(&format!(" in {field}"));
    }
    if v.matched {
        if let Some((a, m, b)) = v.highlighted_actual() {
            text.push_str(&format!(" — {a}[{m}]{b}"));
        }
    }
    writeln!(out, "{:indent$}{text}", "")
}
