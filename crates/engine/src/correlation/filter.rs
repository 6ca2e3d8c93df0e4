//! Filter documents (Sigma v2.1 meta filters): which rules a filter applies to. The filter's own
//! selections and condition compile as a detection does; a rule it applies to fires only where
//! its condition AND every applying filter's condition hold (pySigma: `(rule) and (filter)`).

use super::resolve::BaseRule;
use crate::compile::Filter;
use crate::rule::correlation::{FilterRule, FilterTargets};
use crate::source::{did_you_mean, Diagnostic, DiagnosticCode};

const CODE: DiagnosticCode = DiagnosticCode::Filter;

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
