//! Diagnostics: errors and lint warnings, each with a stable code and a location.

use crate::span::{Location, SourceMap, Span};
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        })
    }
}

/// One finding about a rule text. `code` is stable (pySigma validator names for lint warnings,
/// e.g. `dangling_detection`; `yaml`, `modifier`, `condition`, ... for errors) so tools can filter on it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: String,
    pub message: String,
    pub span: Option<Span>,
    /// Filled from `span` by [`Diagnostic::locate`]; kept so callers need no source map.
    pub location: Option<Location>,
    pub end_location: Option<Location>,
}

impl Diagnostic {
    pub fn error(code: &str, message: impl Into<String>, span: Option<Span>) -> Diagnostic {
        Diagnostic::new(Severity::Error, code, message, span)
    }

    pub fn warning(code: &str, message: impl Into<String>, span: Option<Span>) -> Diagnostic {
        Diagnostic::new(Severity::Warning, code, message, span)
    }

    pub fn new(
        severity: Severity,
        code: &str,
        message: impl Into<String>,
        span: Option<Span>,
    ) -> Diagnostic {
        Diagnostic {
            severity,
            code: code.to_string(),
            message: message.into(),
            span,
            location: None,
            end_location: None,
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Fills `location`/`end_location` from `span`.
    pub fn locate(mut self, map: &SourceMap) -> Diagnostic {
        if let Some(span) = self.span {
            if self.location.is_none() {
                self.location = Some(map.location(span.start));
            }
            self.end_location = Some(map.location(span.end));
        }
        self
    }

    /// `path:line:col: severity: message`, the format of compilers and of `sigmaplay check`.
    pub fn render(&self, path: &str) -> String {
        let loc = self
            .location
            .map(|l| format!("{}:{}:", l.line, l.column))
            .unwrap_or_default();
        format!(
            "{path}:{loc} {}: {} [{}]",
            self.severity, self.message, self.code
        )
    }
}

/// Suggests the closest candidate for a misspelt name ("did you mean ...").
pub fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let input_l = input.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (edit_distance(&input_l, &c.to_lowercase()), c))
        .filter(|(d, c)| {
            *d <= (c.chars().count().max(3) / 3).max(1) || (*d <= 2 && input.len() > 3)
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let mods = ["contains", "startswith", "endswith", "windash"];
        assert_eq!(did_you_mean("contians", mods), Some("contains"));
        assert_eq!(did_you_mean("endwith", mods), Some("endswith"));
        assert_eq!(did_you_mean("zzz", mods), None);
    }
}
