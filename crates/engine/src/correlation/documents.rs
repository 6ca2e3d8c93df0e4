//! What happens to detection matches after a rule's own condition: the filters that remove
//! some, and the correlations that count them. One type for the CLI, rule tests and the page.

use super::filter::FilterSet;
use super::resolve::{BaseRule, Located};
use super::set::{CorrelationSet, Run, RunOptions};
use super::time::TimestampField;
use crate::compile::CompiledRule;
use crate::compile::Filter;
use crate::event::Event;
use crate::logsource::{FitCheck, LogSourceMap};
use crate::rule::correlation::CorrelationRule;
use crate::source::Diagnostic;

/// The correlation and filter documents of a rule set, resolved against its detection rules
/// (their positions are the rule indices every method takes).
#[derive(Clone, Debug)]
pub struct Correlations {
    pub set: CorrelationSet,
    pub filters: FilterSet,
}

/// Why a filter removed an event from a rule's matches.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Exclusion {
    /// The filter's title.
    pub filter: String,
    /// 1-based line where the filter document starts in its text.
    pub line: usize,
    /// Why the filter's condition is false on the event ("filter is false: Computer 'ADM01'
    /// starts with 'ADM'..."), as the explanation words it.
    pub why: String,
}

impl std::fmt::Display for Exclusion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "excluded by filter '{}' (line {}): {}",
            self.filter, self.line, self.why
        )
    }
}

impl Correlations {
    /// Resolves `correlations` and `filters` against `rules`. Returns the correlation
    /// diagnostics (errors leave their correlation out) and the filter warnings (names no rule
    /// answers to), each with the position of its document in its list.
    pub fn resolve(
        correlations: Vec<CorrelationRule>,
        filters: Vec<Filter>,
        rules: &[CompiledRule],
    ) -> (Correlations, Vec<Located>, Vec<(usize, Diagnostic)>) {
        let base: Vec<BaseRule> = rules.iter().map(BaseRule::from).collect();
        let (set, correlation_diags) = CorrelationSet::new(correlations, &base);
        let (filters, filter_warnings) = FilterSet::new(filters, &base);
        (
            Correlations { set, filters },
            correlation_diags,
            filter_warnings,
        )
    }

    /// A run over an event stream, recording every group's windows for explanations.
    pub fn start(&self, timestamp: TimestampField) -> Run<'_> {
        self.set.start(RunOptions {
            timestamp,
            trace: true,
            ..RunOptions::default()
        })
    }

    /// Whether a filter removes `event` from rule `rule`'s matches (the fast check; see
    /// [`Correlations::exclusion`] for the explanation).
    pub fn excludes(
        &self,
        rule: usize,
        compiled: &CompiledRule,
        event: &Event,
        map: &LogSourceMap,
    ) -> bool {
        self.excluding(rule, compiled, event, map).is_some()
    }

    /// The filter that removes `event` from rule `rule`'s matches, if one does, and why. The
    /// filter reads the event through the rule's log source renames, as the rule does.
    pub fn exclusion(
        &self,
        rule: usize,
        compiled: &CompiledRule,
        event: &Event,
        map: &LogSourceMap,
    ) -> Option<Exclusion> {
        let (filter, mappings) = self.excluding(rule, compiled, event, map)?;
        let trace = crate::explain::explain(&filter.detection, event, mappings, None);
        Some(Exclusion {
            filter: filter.rule.title.clone(),
            line: first_content_line(&filter.detection.body.source, filter.rule.span.start),
            why: trace.why,
        })
    }

    fn excluding<'a>(
        &'a self,
        rule: usize,
        compiled: &CompiledRule,
        event: &Event,
        map: &'a LogSourceMap,
    ) -> Option<(&'a Filter, &'a [(String, String)])> {
        if self.filters.applying_to(rule).is_empty() {
            return None;
        }
        let mappings: &[(String, String)] = match map.check(&compiled.logsource, event) {
            FitCheck::Fits(m) => m.as_slice(),
            _ => &[],
        };
        Some((self.filters.excluding(rule, event, mappings)?, mappings))
    }
}

/// The line of a document's first key: its span opens at the `---` that separates it, and
/// comments or blank lines may follow, but people read the filter as starting at its `title`.
fn first_content_line(source: &crate::source::SourceMap, start: usize) -> usize {
    let rest = source.text().get(start..).unwrap_or_default();
    let mut offset = start;
    for line in rest.split_inclusive('\n') {
        let t = line.trim();
        let marker = t == "---" || t.starts_with("--- ") || t.starts_with("---\t");
        if !(t.is_empty() || t.starts_with('#') || marker) {
            break;
        }
        offset += line.len();
    }
    source.location(offset.min(source.text().len())).line
}
