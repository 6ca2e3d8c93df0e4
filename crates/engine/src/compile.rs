//! Rule model → compiled matchers (to be filled in).
use crate::diag::Diagnostic;
use crate::event::Event;
use crate::explain::MatchTrace;
use crate::rule::LogSource;
use crate::span::{SourceMap, Span};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default)]
pub struct CompileOptions {
    /// Values for `|expand` placeholders, by name without `%` (`Administrators` → values).
    pub placeholders: BTreeMap<String, Vec<String>>,
    /// Run the lint validators (warnings) too.
    pub lint: bool,
}

/// The result of compiling one YAML text (possibly several documents).
#[derive(Debug)]
pub struct Compilation {
    /// Detection rules that compiled without error, in document order.
    pub rules: Vec<CompiledRule>,
    /// Errors and warnings, located (line/column filled in).
    pub diagnostics: Vec<Diagnostic>,
    pub source: SourceMap,
}

impl Compilation {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.is_error())
    }
}

#[derive(Clone, Debug)]
pub struct CompiledRule {
    pub title: String,
    pub id: Option<String>,
    pub level: Option<String>,
    pub status: Option<String>,
    pub logsource: LogSource,
    pub tags: Vec<String>,
    /// Span of the whole YAML document in the source text.
    pub span: Span,
}

impl CompiledRule {
    /// The fast boolean path.
    pub fn matches(&self, _event: &Event) -> bool {
        false
    }

    /// Names of the search identifiers that are true for this event, in rule order.
    pub fn matched_identifiers(&self, _event: &Event) -> Vec<String> {
        Vec::new()
    }

    /// The explain path: full trace.
    pub fn explain(&self, _event: &Event) -> MatchTrace {
        unimplemented!()
    }

    /// The same rule reading some fields under other names (log source field mappings).
    pub fn with_field_mappings(&self, _mappings: &[(String, String)]) -> CompiledRule {
        self.clone()
    }
}

pub fn compile_rules(text: &str, _options: &CompileOptions) -> Compilation {
    Compilation { rules: Vec::new(), diagnostics: Vec::new(), source: SourceMap::new(text) }
}
