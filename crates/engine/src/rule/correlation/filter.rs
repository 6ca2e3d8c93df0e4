//! Reading a filter document (Sigma v2.1 meta filters): its title, log source and the rules it
//! names. The selections and the condition are read by the detection parser.

use super::parse::{metadata, title};
use super::RuleRef;
use crate::rule::LogSource;
use crate::source::yaml::Node;
use crate::source::Span;
use crate::source::{Diagnostic, DiagnosticCode};
use serde_yaml::Value;

const CODE: DiagnosticCode = DiagnosticCode::Filter;

/// The rules a filter names.
#[derive(Clone, Debug, PartialEq)]
pub enum FilterTargets {
    /// `rules: any` or `rules: []`: every rule whose log source fits.
    Any,
    Rules(Vec<RuleRef>),
}

/// A filter document without its detection part.
#[derive(Clone, Debug)]
pub struct FilterRule {
    pub title: String,
    pub id: Option<String>,
    pub logsource: LogSource,
    pub targets: FilterTargets,
    /// The whole YAML document.
    pub span: Span,
}

/// Reads a filter document's title, id, log source and `filter.rules`; the selections and the
/// condition are read by the detection parser.
pub(crate) fn parse_filter(
    root: &Node,
    doc_span: Span,
    diags: &mut Vec<Diagnostic>,
) -> Option<FilterRule> {
    let before = diags.len();
    let text = |key: &str| metadata(root, key);
    let title = title(root, doc_span, CODE, diags);
    let logsource = match root.get("logsource") {
        Some((_, v)) if v.value.is_mapping() => {
            let part = |key: &str| {
                v.get(key)
                    .and_then(|(_, x)| x.value.as_str().map(String::from))
            };
            LogSource {
                category: part("category"),
                product: part("product"),
                service: part("service"),
                definition: None,
            }
        }
        Some((_, v)) => {
            diags.push(Diagnostic::error(
                CODE,
                "'logsource' is a mapping (category, product, service)",
                Some(v.span()),
            ));
            LogSource::default()
        }
        None => {
            diags.push(Diagnostic::error(
                CODE,
                "a filter needs a 'logsource'",
                Some(Span::point(doc_span.start)),
            ));
            LogSource::default()
        }
    };
    let (filter_key, body) = root.get("filter")?;
    let targets = match body.get("rules") {
        None => {
            diags.push(Diagnostic::error(
                CODE,
                "a filter needs 'rules': the names or ids of the rules it applies to, or 'any'",
                Some(filter_key.span()),
            ));
            FilterTargets::Any
        }
        Some((_, v)) => match v.value {
            Value::String(s) if s == "any" => FilterTargets::Any,
            Value::String(s) => FilterTargets::Rules(vec![RuleRef {
                name: s.clone(),
                span: v.span(),
            }]),
            Value::Sequence(items) if items.is_empty() => FilterTargets::Any,
            Value::Sequence(_) => FilterTargets::Rules(
                v.items()
                    .into_iter()
                    .filter_map(|i| match i.value.as_str() {
                        Some(s) => Some(RuleRef {
                            name: s.to_string(),
                            span: i.span(),
                        }),
                        None => {
                            diags.push(Diagnostic::error(
                                CODE,
                                "'rules' holds rule names or ids (strings)",
                                Some(i.span()),
                            ));
                            None
                        }
                    })
                    .collect(),
            ),
            _ => {
                diags.push(Diagnostic::error(
                    CODE,
                    "'rules' is a list of rule names or ids, or 'any'",
                    Some(v.span()),
                ));
                FilterTargets::Any
            }
        },
    };
    if diags[before..].iter().any(Diagnostic::is_error) {
        return None;
    }
    Some(FilterRule {
        title: title?,
        id: text("id"),
        logsource,
        targets,
        span: doc_span,
    })
}
