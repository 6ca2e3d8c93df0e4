//! Diagnostics printed as compilers print them: the first line is `path:line:col: severity:
//! message [code]` (editors and grep read it); the `text` format adds the source line and a caret
//! line under the span.

use clap::ValueEnum;
use sigmaplay_engine::{Diagnostic, SourceMap};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DiagnosticFormat {
    /// The first line only.
    Short,
    /// The first line, then the source line with the span underlined.
    Text,
}

/// A located diagnostic in `format`, without a trailing newline.
pub fn render(d: &Diagnostic, path: &str, source: &SourceMap, format: DiagnosticFormat) -> String {
    let head = d.render(path);
    match (format, snippet(d, source)) {
        (DiagnosticFormat::Text, Some(snippet)) => format!("{head}\n{snippet}"),
        _ => head,
    }
}

/// The source line of the diagnostic's start and a `^` line under its span (to the end of the
/// line when the span goes on), gutter with the line number as rustc does.
fn snippet(d: &Diagnostic, source: &SourceMap) -> Option<String> {
    let start = d.location?;
    let text = source.text();
    let line_start = source.offset(start.line, 1);
    let line = text
        .get(line_start..)?
        .split('\n')
        .next()?
        .trim_end_matches('\r');
    let width = line.chars().count();
    let from = start.column.saturating_sub(1).min(width);
    let to = match d.end_location {
        Some(end) if end.line == start.line => end.column.saturating_sub(1).min(width),
        Some(_) => width,
        None => from,
    };
    // Tabs before the span stay tabs, so the carets line up however the terminal shows them.
    let pad: String = line
        .chars()
        .take(from)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let carets = "^".repeat(to.saturating_sub(from).max(1));
    let number = start.line.to_string();
    let gutter = " ".repeat(number.len());
    Some(format!(
        "{gutter} |\n{number} | {line}\n{gutter} | {pad}{carets}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sigmaplay_engine::{compile_rules, CompileOptions};

    const RULE: &str = "title: T\nlogsource:\n    product: windows\ndetection:\n    sel:\n        Image|endwith: x\n    condition: sel\n";

    fn first_error(text: &str) -> (Diagnostic, SourceMap) {
        let c = compile_rules(text, &CompileOptions::default());
        let d = c.diagnostics.iter().find(|d| d.is_error()).unwrap().clone();
        (d, c.source)
    }

    #[test]
    fn text_underlines_the_span() {
        let (d, source) = first_error(RULE);
        let shown = render(&d, "r.yml", &source, DiagnosticFormat::Text);
        let lines: Vec<&str> = shown.lines().collect();
        assert_eq!(lines[0], d.render("r.yml"));
        assert!(lines[0].starts_with("r.yml:6:15: error: unknown modifier 'endwith'"));
        assert_eq!(lines[1], "  |");
        assert_eq!(lines[2], "6 |         Image|endwith: x");
        assert_eq!(lines[3], "  |               ^^^^^^^");
        assert_eq!(lines.len(), 4);
    }

    #[test]
    fn short_is_the_first_line() {
        let (d, source) = first_error(RULE);
        assert_eq!(
            render(&d, "r.yml", &source, DiagnosticFormat::Short),
            d.render("r.yml")
        );
    }

    #[test]
    fn a_span_over_lines_is_underlined_to_the_end_of_its_first_line() {
        let (d, source) = first_error("title: T\nlogsource: [a,\n  b]\ndetection:\n    sel:\n        a: 1\n    condition: sel\n");
        let shown = render(&d, "r.yml", &source, DiagnosticFormat::Text);
        let lines: Vec<&str> = shown.lines().collect();
        assert_eq!(lines[2], "2 | logsource: [a,");
        assert_eq!(lines[3], "  |            ^^^");
    }

    #[test]
    fn unlocated_diagnostics_have_no_snippet() {
        let d = Diagnostic::error(sigmaplay_engine::DiagnosticCode::Limit, "too big", None);
        let source = SourceMap::new("");
        assert_eq!(
            render(&d, "r.yml", &source, DiagnosticFormat::Text),
            "r.yml: error: too big [limit]"
        );
    }
}
