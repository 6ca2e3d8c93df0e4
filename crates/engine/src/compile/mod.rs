//! Compiling rule texts: the driver. It reads every YAML document, reads the rule model
//! ([`crate::rule`]), runs lint when asked, and lowers each rule ([`lower`]) into the compiled
//! program ([`program`]). Evaluating an event then only compares.

mod lower;
mod program;

pub use lower::RegexBudget;
pub use program::CompiledRule;
pub(crate) use program::{CBody, CExpr, CItem, CValue, CVariant, Matcher, RuleBody, StrKind};

use crate::pipeline::{self, Pipeline};
use crate::rule::correlation::{self, CorrelationRule, FilterRule};
use crate::rule::{self, lint, DocumentKind, Rule};
use crate::source::DiagnosticCode as Code;
use crate::source::{yaml, Diagnostic, SourceMap, Span};
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::limits::MAX_RULE_BYTES;

#[derive(Clone, Debug, Default)]
pub struct CompileOptions {
    /// Values for `|expand` placeholders, by name without `%` (`Administrators` → values).
    pub placeholders: BTreeMap<String, Vec<String>>,
    /// Run the lint validators (warnings) too.
    pub lint: bool,
    /// Processing pipelines to rewrite each rule with before it compiles (by ascending priority).
    pub pipelines: Vec<Pipeline>,
}

/// The result of compiling one YAML text (possibly several documents).
#[derive(Debug)]
pub struct Compilation {
    /// Detection rules that compiled without error, in document order.
    pub rules: Vec<CompiledRule>,
    /// Correlation rules that read without error, in document order. Their references are
    /// resolved across texts by [`crate::CorrelationSet::new`].
    pub correlations: Vec<CorrelationRule>,
    /// Filter documents that compiled without error, in document order ([`crate::FilterSet`]).
    pub filters: Vec<Filter>,
    /// Errors and warnings, located (line/column filled in), in source order.
    pub diagnostics: Vec<Diagnostic>,
    /// The text's line table, shared with every rule compiled from it.
    pub source: Arc<SourceMap>,
}

impl Compilation {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.is_error())
    }
}

/// A filter document: what it applies to, and its selections and condition compiled as a
/// detection (a field the event lacks makes a selection false, so `not selection` keeps it).
#[derive(Clone, Debug)]
pub struct Filter {
    pub rule: FilterRule,
    pub detection: CompiledRule,
}

/// Compiles every document of `text`. Never panics; every problem is a located diagnostic.
pub fn compile_rules(text: &str, options: &CompileOptions) -> Compilation {
    compile_rules_within(text, options, &mut RegexBudget::default())
}

/// [`compile_rules`] for one of several texts that make one rule set: the regexes of all of them
/// count against `budget`'s one limit.
pub fn compile_rules_within(
    text: &str,
    options: &CompileOptions,
    budget: &mut RegexBudget,
) -> Compilation {
    let compilation = compile_text(text, options, budget);
    budget.next_text();
    compilation
}

fn compile_text(text: &str, options: &CompileOptions, regexes: &mut RegexBudget) -> Compilation {
    let source = Arc::new(SourceMap::new(text));
    let mut diagnostics = Vec::new();
    let mut rules = Vec::new();
    let mut correlations = Vec::new();
    let mut filters = Vec::new();
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
            correlations,
            filters,
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
                if let Some(mut r) = rule::parse_rule(&root, doc_span, text, &mut diagnostics) {
                    let lint_diags = if options.lint { lint::check_rule(&r) } else { Vec::new() };
                    match pipeline::apply_pipelines(&options.pipelines, &mut r) {
                        Ok(applied) => match lower::compile_rule(&r, options, &source, regexes) {
                            Ok((mut c, warnings)) => {
                                c.pipeline_items = std::sync::Arc::new(applied.applied);
                                rules.push(c);
                                diagnostics.extend(warnings);
                            }
                            Err(errs) => diagnostics.extend(errs),
                        },
                        Err(failure) => diagnostics.push(*failure),
                    }
                    if !diagnostics[before..].iter().any(|d| d.is_error()) {
                        diagnostics.extend(lint_diags);
                    }
                }
            }
            DocumentKind::Correlation => {
                correlations.extend(correlation::parse_correlation(
                    &root,
                    doc_span,
                    &mut diagnostics,
                ));
            }
            DocumentKind::Filter => {
                let compiled =
                    compile_filter(&root, doc_span, text, options, &source, regexes);
                match compiled {
                    Ok(f) => filters.push(f),
                    Err(errs) => diagnostics.extend(errs),
                }
            }
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
        correlations,
        filters,
        diagnostics,
        source,
    }
}

/// A filter document: its targets, and its selections and condition compiled as a detection.
fn compile_filter(
    root: &yaml::Node,
    doc_span: Span,
    text: &str,
    options: &CompileOptions,
    source: &Arc<SourceMap>,
    regexes: &mut RegexBudget,
) -> Result<Filter, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let header = correlation::parse_filter(root, doc_span, &mut diags);
    let detection = root
        .get("filter")
        .and_then(|(k, body)| rule::parse_detection(k.span(), &body, text, &["rules"], &mut diags));
    let (Some(header), Some(detection)) = (header, detection) else {
        return Err(diags);
    };
    if diags.iter().any(Diagnostic::is_error) {
        return Err(diags);
    }
    let mut as_rule = Rule {
        title: header.title.clone(),
        title_span: Span::point(doc_span.start),
        id: header.id.clone(),
        name: None,
        status: None,
        level: None,
        tags: Vec::new(),
        references: Vec::new(),
        logsource: header.logsource.clone(),
        logsource_span: root.get("logsource").map_or(doc_span, |(k, _)| k.span()),
        logsource_extra: Vec::new(),
        custom_keys: Vec::new(),
        detection,
        span: doc_span,
    };
    // pySigma merges a filter into its rules before the pipelines run, so its fields are
    // mapped like the rule's own.
    let applied =
        pipeline::apply_pipelines(&options.pipelines, &mut as_rule).map_err(|f| vec![*f])?;
    let (mut detection, warnings) = lower::compile_rule(&as_rule, options, source, regexes)?;
    detection.pipeline_items = Arc::new(applied.applied);
    diags.extend(warnings);
    Ok(Filter {
        rule: header,
        detection,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_of_one_text_share_its_source_map() {
        let doc = "title: t\nlogsource: {product: windows}\ndetection:\n    sel: {a: x}\n    condition: sel\n";
        let text = vec![doc; 1000].join("---\n");
        let c = compile_rules(&text, &CompileOptions::default());
        assert_eq!(c.rules.len(), 1000, "{:?}", c.diagnostics.first());
        assert!(c
            .rules
            .iter()
            .all(|r| Arc::ptr_eq(&r.body.source, &c.source)));
        // The compilation and its 1000 rules hold one line table between them.
        assert_eq!(Arc::strong_count(&c.source), 1001);
    }
}
