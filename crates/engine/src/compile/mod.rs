//! Compiling rule texts: the driver. It reads every YAML document, reads the rule model
//! ([`crate::rule`]), runs lint when asked, and lowers each rule ([`lower`]) into the compiled
//! program ([`program`]). Evaluating an event then only compares.

mod lower;
mod program;

pub use program::CompiledRule;
pub(crate) use program::{CBody, CExpr, CItem, CValue, CVariant, Matcher, RuleBody, StrKind};

use crate::rule::{self, lint, DocumentKind};
use crate::source::DiagnosticCode as Code;
use crate::source::{yaml, Diagnostic, SourceMap, Span};
use std::collections::BTreeMap;

/// Rule texts beyond this are refused.
pub const MAX_RULE_BYTES: usize = 4 * 1024 * 1024;

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
    /// Errors and warnings, located (line/column filled in), in source order.
    pub diagnostics: Vec<Diagnostic>,
    pub source: SourceMap,
}

impl Compilation {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.is_error())
    }
}

/// Compiles every document of `text`. Never panics; every problem is a located diagnostic.
pub fn compile_rules(text: &str, options: &CompileOptions) -> Compilation {
    let source = SourceMap::new(text);
    let mut diagnostics = Vec::new();
    let mut rules = Vec::new();
    if text.len() > MAX_RULE_BYTES {
        diagnostics.push(Diagnostic::error(
            Code::Limit,
            format!(
                "the rule text is {} bytes; at most {MAX_RULE_BYTES} are accepted",
                text.len()
            ),
            None,
        ));
        return Compilation {
            rules,
            diagnostics,
            source,
        };
    }
    let (docs, yaml_diags) = yaml::load(text, &source);
    diagnostics.extend(yaml_diags);
    for doc in &docs {
        let root = doc.root();
        if doc.value.is_null() {
            continue;
        }
        let doc_span = doc.span;
        match rule::kind_of(&root) {
            DocumentKind::Detection => {
                let before = diagnostics.len();
                if let Some(r) = rule::parse_rule(&root, doc_span, text, &mut diagnostics) {
                    let lint_diags = if options.lint { lint::check_rule(&r) } else { Vec::new() };
                    match lower::compile_rule(&r, options, &source) {
                        Ok(c) => rules.push(c),
                        Err(errs) => diagnostics.extend(errs),
                    }
                    if !diagnostics[before..].iter().any(|d| d.is_error()) {
                        diagnostics.extend(lint_diags);
                    }
                }
            }
            DocumentKind::Correlation => diagnostics.push(Diagnostic::error(
                Code::Unsupported,
                "correlation rules are recognised but not supported yet",
                Some(root.get("correlation").map_or(doc_span, |(k, _)| k.span())),
            )),
            DocumentKind::Filter => diagnostics.push(Diagnostic::error(
                Code::Unsupported,
                "filter documents are recognised but not supported yet",
                Some(root.get("filter").map_or(doc_span, |(k, _)| k.span())),
            )),
            DocumentKind::Action => diagnostics.push(Diagnostic::error(
                Code::Unsupported,
                "'action' collections (global/reset/repeat) are Sigma 1 syntax and are not supported; write each rule in full",
                Some(root.get("action").map_or(doc_span, |(k, _)| k.span())),
            )),
            DocumentKind::Unknown => {
                if root.value.is_mapping() {
                    diagnostics.push(Diagnostic::error(
                        Code::Structure,
                        "this document is not a Sigma rule: it has no 'detection' (nor 'correlation' or 'filter')",
                        Some(Span::point(doc_span.start)),
                    ));
                } else {
                    diagnostics.push(Diagnostic::error(
                        Code::Structure,
                        "this document is not a Sigma rule: a rule is a mapping with title, logsource and detection",
                        Some(root.span()),
                    ));
                }
            }
        }
    }
    if docs.is_empty() && diagnostics.is_empty() {
        diagnostics.push(Diagnostic::error(
            Code::Structure,
            "the text holds no rule",
            Some(Span::point(0)),
        ));
    }
    let mut diagnostics: Vec<Diagnostic> =
        diagnostics.into_iter().map(|d| d.locate(&source)).collect();
    diagnostics.sort_by_key(|d| (d.span.map_or(usize::MAX, |s| s.start), d.severity));
    Compilation {
        rules,
        diagnostics,
        source,
    }
}
