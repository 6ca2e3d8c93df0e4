//! Diagnostics: errors and lint warnings, each with a stable code and a location.

use crate::source::{Location, SourceMap, Span};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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

/// What a diagnostic is about: a stable code tools can filter on. Errors have short codes
/// (`yaml`, `modifier`, `condition`, ...); lint warnings are named after pySigma's validators
/// (`dangling_detection`, ...). Serialized as [`DiagnosticCode::as_str`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DiagnosticCode {
    /// The text is not valid YAML.
    Yaml,
    /// The document is not shaped like a Sigma rule.
    Structure,
    /// The text is beyond a size limit.
    Limit,
    /// A Sigma feature the engine does not support yet.
    Unsupported,
    /// A metadata field (title, id, status, level, date, tags, ...) is invalid.
    Metadata,
    /// The logsource section is missing or invalid.
    Logsource,
    /// The detection section is missing or invalid.
    Detection,
    /// The condition cannot be read or names no search identifier.
    Condition,
    /// A modifier is unknown or cannot apply to its value.
    Modifier,
    /// A value cannot be compared (a bad regex, a nested list, ...).
    Value,
    // Lint warnings (pySigma validators).
    AllOfThemCondition,
    ThemConditionWithSingleDetection,
    DanglingDetection,
    InvalidModifierCombinations,
    AllWithSingleValue,
    ControlCharacter,
    DoubleWildcard,
    EscapedWildcard,
    NumberAsString,
    WildcardsInsteadOfModifiers,
    IdentifierExistence,
    DuplicateTag,
    DuplicateReferences,
    TagFormat,
    NamespaceTag,
    FieldnameLogsource,
    CustomAttributes,
}

impl DiagnosticCode {
    /// Every code, errors first, then the validators in a stable order.
    pub const ALL: &'static [DiagnosticCode] = &[
        DiagnosticCode::Yaml,
        DiagnosticCode::Structure,
        DiagnosticCode::Limit,
        DiagnosticCode::Unsupported,
        DiagnosticCode::Metadata,
        DiagnosticCode::Logsource,
        DiagnosticCode::Detection,
        DiagnosticCode::Condition,
        DiagnosticCode::Modifier,
        DiagnosticCode::Value,
        DiagnosticCode::AllOfThemCondition,
        DiagnosticCode::ThemConditionWithSingleDetection,
        DiagnosticCode::DanglingDetection,
        DiagnosticCode::InvalidModifierCombinations,
        DiagnosticCode::AllWithSingleValue,
        DiagnosticCode::ControlCharacter,
        DiagnosticCode::DoubleWildcard,
        DiagnosticCode::EscapedWildcard,
        DiagnosticCode::NumberAsString,
        DiagnosticCode::WildcardsInsteadOfModifiers,
        DiagnosticCode::IdentifierExistence,
        DiagnosticCode::DuplicateTag,
        DiagnosticCode::DuplicateReferences,
        DiagnosticCode::TagFormat,
        DiagnosticCode::NamespaceTag,
        DiagnosticCode::FieldnameLogsource,
        DiagnosticCode::CustomAttributes,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DiagnosticCode::Yaml => "yaml",
            DiagnosticCode::Structure => "structure",
            DiagnosticCode::Limit => "limit",
            DiagnosticCode::Unsupported => "unsupported",
            DiagnosticCode::Metadata => "metadata",
            DiagnosticCode::Logsource => "logsource",
            DiagnosticCode::Detection => "detection",
            DiagnosticCode::Condition => "condition",
            DiagnosticCode::Modifier => "modifier",
            DiagnosticCode::Value => "value",
            DiagnosticCode::AllOfThemCondition => "all_of_them_condition",
            DiagnosticCode::ThemConditionWithSingleDetection => {
                "them_condition_with_single_detection"
            }
            DiagnosticCode::DanglingDetection => "dangling_detection",
            DiagnosticCode::InvalidModifierCombinations => "invalid_modifier_combinations",
            DiagnosticCode::AllWithSingleValue => "all_with_single_value",
            DiagnosticCode::ControlCharacter => "control_character",
            DiagnosticCode::DoubleWildcard => "double_wildcard",
            DiagnosticCode::EscapedWildcard => "escaped_wildcard",
            DiagnosticCode::NumberAsString => "number_as_string",
            DiagnosticCode::WildcardsInsteadOfModifiers => "wildcards_instead_of_modifiers",
            DiagnosticCode::IdentifierExistence => "identifier_existence",
            DiagnosticCode::DuplicateTag => "duplicate_tag",
            DiagnosticCode::DuplicateReferences => "duplicate_references",
            DiagnosticCode::TagFormat => "tag_format",
            DiagnosticCode::NamespaceTag => "namespace_tag",
            DiagnosticCode::FieldnameLogsource => "fieldname_logsource",
            DiagnosticCode::CustomAttributes => "custom_attributes",
        }
    }

    /// What the code is about, in a few words (the list of `sigmaplay check`'s codes).
    pub fn description(self) -> &'static str {
        match self {
            DiagnosticCode::Yaml => "the text is not valid YAML",
            DiagnosticCode::Structure => "the document is not shaped like a Sigma rule",
            DiagnosticCode::Limit => "the text is beyond a size limit",
            DiagnosticCode::Unsupported => "a Sigma feature the engine does not support yet",
            DiagnosticCode::Metadata => {
                "a metadata field (title, id, status, level, date, tags, ...) is invalid"
            }
            DiagnosticCode::Logsource => "the logsource section is missing or invalid",
            DiagnosticCode::Detection => "the detection section is missing or invalid",
            DiagnosticCode::Condition => {
                "the condition cannot be read or names no search identifier"
            }
            DiagnosticCode::Modifier => "a modifier is unknown or cannot apply to its value",
            DiagnosticCode::Value => "a value cannot be compared (a bad regex, a nested list, ...)",
            DiagnosticCode::AllOfThemCondition => "the condition uses 'all of them'",
            DiagnosticCode::ThemConditionWithSingleDetection => {
                "'1 of them' / 'all of them' with a single search identifier"
            }
            DiagnosticCode::DanglingDetection => "a search identifier the condition never uses",
            DiagnosticCode::InvalidModifierCombinations => "modifiers that cannot work together",
            DiagnosticCode::AllWithSingleValue => "'all' on a single value",
            DiagnosticCode::ControlCharacter => "control characters in values",
            DiagnosticCode::DoubleWildcard => "'**' in values",
            DiagnosticCode::EscapedWildcard => "escaped wildcards in values",
            DiagnosticCode::NumberAsString => "numbers written as strings",
            DiagnosticCode::WildcardsInsteadOfModifiers => "'*x*' instead of |contains (and so on)",
            DiagnosticCode::IdentifierExistence => "the rule has no id",
            DiagnosticCode::DuplicateTag => "a tag given twice",
            DiagnosticCode::DuplicateReferences => "a reference given twice",
            DiagnosticCode::TagFormat => "a tag not written namespace.name in lowercase",
            DiagnosticCode::NamespaceTag => "a tag namespace Sigma does not define",
            DiagnosticCode::FieldnameLogsource => "unknown keys in logsource",
            DiagnosticCode::CustomAttributes => "misspelt attribute names (realted, reference...)",
        }
    }

    /// Whether the code is a lint validator's (a warning) rather than an error's.
    pub fn is_lint(self) -> bool {
        self >= DiagnosticCode::AllOfThemCondition
    }

    pub fn parse(code: &str) -> Option<DiagnosticCode> {
        DiagnosticCode::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == code)
    }
}

impl std::fmt::Display for DiagnosticCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for DiagnosticCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Serialize for DiagnosticCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for DiagnosticCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<DiagnosticCode, D::Error> {
        let code = String::deserialize(d)?;
        DiagnosticCode::parse(&code)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown diagnostic code '{code}'")))
    }
}

/// One finding about a rule text, with its stable [`DiagnosticCode`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: DiagnosticCode,
    pub message: String,
    pub span: Option<Span>,
    /// Filled from `span` by [`Diagnostic::locate`]; kept so callers need no source map.
    pub location: Option<Location>,
    pub end_location: Option<Location>,
}

impl Diagnostic {
    pub fn error(
        code: DiagnosticCode,
        message: impl Into<String>,
        span: Option<Span>,
    ) -> Diagnostic {
        Diagnostic::new(Severity::Error, code, message, span)
    }

    pub fn warning(
        code: DiagnosticCode,
        message: impl Into<String>,
        span: Option<Span>,
    ) -> Diagnostic {
        Diagnostic::new(Severity::Warning, code, message, span)
    }

    pub fn new(
        severity: Severity,
        code: DiagnosticCode,
        message: impl Into<String>,
        span: Option<Span>,
    ) -> Diagnostic {
        Diagnostic {
            severity,
            code,
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
