//! Filter documents (Sigma v2.1 meta filters): which rules a filter applies to. The filter's own
//! selections and condition compile as a detection does; a rule it applies to fires only where
//! its condition AND every applying filter's condition hold (pySigma: `(rule) and (filter)`).

use super::model::RuleRef;
use super::parse::{metadata, title};
use super::resolve::BaseRule;
use crate::rule::LogSource;
use crate::source::yaml::Node;
use crate::source::Span;
use crate::source::{did_you_mean, Diagnostic, DiagnosticCode};
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

impl FilterRule {
    /// Whether the filter applies to `rule`: every log source attribute the filter sets equals
    /// the rule's (case-sensitive, as pySigma compares), and the filter names the rule by name or
    /// id, or names any.
    pub fn applies_to(&self, rule: &BaseRule) -> bool {
        let fits = |mine: &Option<String>, theirs: Option<&Option<String>>| {
            mine.is_none() || theirs.is_some_and(|t| t == mine)
        };
        let ls = rule.logsource;
        let logsource_fits = fits(&self.logsource.category, ls.map(|l| &l.category))
            && fits(&self.logsource.product, ls.map(|l| &l.product))
            && fits(&self.logsource.service, ls.map(|l| &l.service));
        logsource_fits
            && match &self.targets {
                FilterTargets::Any => true,
                FilterTargets::Rules(refs) => refs.iter().any(|r| {
                    Some(r.name.as_str()) == rule.name || Some(r.name.as_str()) == rule.id
                }),
            }
    }

    /// A located warning for every named rule that no loaded rule answers to.
    pub fn unknown_targets(&self, base: &[BaseRule]) -> Vec<Diagnostic> {
        let FilterTargets::Rules(refs) = &self.targets else {
            return Vec::new();
        };
        let known: Vec<&str> = base.iter().flat_map(|b| [b.name, b.id]).flatten().collect();
        refs.iter()
            .filter(|r| !known.contains(&r.name.as_str()))
            .map(|r| {
                let hint = did_you_mean(&r.name, known.iter().copied())
                    .map(|s| format!("; did you mean '{s}'?"))
                    .unwrap_or_default();
                Diagnostic::warning(
                    CODE,
                    format!(
                        "filter '{}' names '{}', which is no loaded rule (by name or id){hint}",
                        self.title, r.name
                    ),
                    Some(r.span),
                )
            })
            .collect()
    }
}

/// Reads a filter document's title, id, log source and `filter.rules`; the selections and the
/// condition are read by the detection parser.
pub fn parse_filter(
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

/// A filter document: what it applies to, and its selections and condition compiled as a
/// detection (a field the event lacks makes a selection false, so `not selection` keeps it).
#[derive(Clone, Debug)]
pub struct Filter {
    pub rule: FilterRule,
    pub detection: crate::CompiledRule,
}

/// The filters of a rule set, resolved against its rules.
#[derive(Clone, Debug, Default)]
pub struct FilterSet {
    filters: Vec<Filter>,
    /// Per base rule, the filters that apply to it.
    applying: Vec<Vec<usize>>,
}

impl FilterSet {
    /// Which filters apply to which of `base`; warnings for names no rule answers to.
    pub fn new(filters: Vec<Filter>, base: &[BaseRule]) -> (FilterSet, Vec<(usize, Diagnostic)>) {
        let applying = base
            .iter()
            .map(|b| {
                (0..filters.len())
                    .filter(|&f| filters[f].rule.applies_to(b))
                    .collect()
            })
            .collect();
        let warnings = filters
            .iter()
            .enumerate()
            .flat_map(|(i, f)| {
                f.rule
                    .unknown_targets(base)
                    .into_iter()
                    .map(move |d| (i, d))
            })
            .collect();
        (FilterSet { filters, applying }, warnings)
    }

    pub fn filters(&self) -> &[Filter] {
        &self.filters
    }

    pub fn is_empty(&self) -> bool {
        self.filters.is_empty()
    }

    /// The filters that apply to base rule `rule`.
    pub fn applying_to(&self, rule: usize) -> &[usize] {
        self.applying.get(rule).map_or(&[], Vec::as_slice)
    }

    /// The first filter that removes `event` from base rule `rule`'s matches: its condition is
    /// false there (the rule's condition AND every filter's condition must hold).
    /// `mappings`: the log source's field renames in force for the rule on this event.
    pub fn excluding(
        &self,
        rule: usize,
        event: &crate::Event,
        mappings: &[(String, String)],
    ) -> Option<&Filter> {
        self.applying_to(rule)
            .iter()
            .map(|&f| &self.filters[f])
            .find(|f| !crate::eval::matches_mapped(&f.detection, event, mappings))
    }
}
