//! Correlations and filters for `sigmaplay eval`: resolved across every rule file, fed with each
//! event's matches, and their alerts printed after the matches.

use crate::check::RuleFile;
use crate::OutputFormat;
use serde_json::json;
use sigmaplay_engine::{
    BaseRule, CompiledRule, CorrelationRule, CorrelationSet, Diagnostic, Event, Filter, FilterSet,
    Outcome, Run, RunOptions, SourceMap,
};
use std::io::{self, Write};
use std::sync::Arc;

/// The correlation and filter documents of every rule file, with the file each came from.
#[derive(Default)]
pub struct Documents {
    correlations: Vec<(CorrelationRule, usize)>,
    filters: Vec<(Filter, usize)>,
    /// Per file: its name and text positions (cross-file errors are located with them).
    files: Vec<(String, Arc<SourceMap>)>,
}

impl Documents {
    /// Takes the correlations and filters out of `file`.
    pub fn take(&mut self, file: &mut RuleFile) {
        let at = self.files.len();
        let c = &mut file.compilation;
        self.correlations.extend(
            std::mem::take(&mut c.correlations)
                .into_iter()
                .map(|r| (r, at)),
        );
        self.filters
            .extend(std::mem::take(&mut c.filters).into_iter().map(|f| (f, at)));
        self.files.push((file.name.clone(), Arc::clone(&c.source)));
    }

    fn report(&self, file: usize, d: Diagnostic) -> String {
        let (name, source) = &self.files[file];
        d.locate(source).render(name)
    }

    /// Resolves references across the files; errors are printed and counted, warnings printed.
    pub fn resolve(self, rules: &[CompiledRule]) -> (Correlations, usize) {
        let base: Vec<BaseRule> = rules.iter().map(BaseRule::from).collect();
        let (correlations, corr_files): (Vec<_>, Vec<_>) =
            self.correlations.iter().cloned().unzip();
        let (filters, filter_files): (Vec<_>, Vec<_>) = self.filters.iter().cloned().unzip();
        let (set, diags) = CorrelationSet::new(correlations, &base);
        let (filters, warnings) = FilterSet::new(filters, &base);
        let mut errors = 0;
        for (i, d) in diags {
            errors += usize::from(d.is_error());
            eprintln!("{}", self.report(corr_files[i], d));
        }
        for (i, d) in warnings {
            eprintln!("{}", self.report(filter_files[i], d));
        }
        (Correlations { set, filters }, errors)
    }
}

/// The resolved correlations and filters of a rule set.
pub struct Correlations {
    pub set: CorrelationSet,
    pub filters: FilterSet,
}

impl Correlations {
    pub fn start(&self, timestamp_field: Option<&str>) -> Run<'_> {
        self.set.start(RunOptions {
            timestamp: timestamp_field.map_or_else(Default::default, |f| {
                sigmaplay_engine::TimestampField::Named(f.to_string())
            }),
            trace: true,
            ..RunOptions::default()
        })
    }

    /// The filter (its title) that removes `event` from `rule`'s matches, if one does.
    pub fn excluded_by(
        &self,
        rule: usize,
        compiled: &CompiledRule,
        event: &Event,
        map: &sigmaplay_engine::LogSourceMap,
    ) -> Option<&str> {
        if self.filters.applying_to(rule).is_empty() {
            return None;
        }
        let mappings = match map.fit(&compiled.logsource, event) {
            sigmaplay_engine::LogSourceFit::Fits { field_mappings } => field_mappings.to_vec(),
            _ => Vec::new(),
        };
        self.filters
            .excluding(rule, event, &mappings)
            .map(|f| f.rule.title.as_str())
    }

    /// Events without a time, the limits reached, then one line per alert.
    pub fn write_outcome(
        &self,
        out: &mut impl Write,
        outcome: &Outcome,
        events_name: &str,
        format: OutputFormat,
        explain: bool,
    ) -> io::Result<usize> {
        for u in &outcome.untimed {
            eprintln!("{events_name}: warning: {u}");
        }
        for n in &outcome.notices {
            eprintln!("{events_name}: warning: {n}");
        }
        let mut alerts: Vec<_> = outcome.alerts.iter().flatten().collect();
        alerts.sort_by_key(|a| (a.closing_event, a.window_end, a.correlation));
        for a in &alerts {
            let v = self.set.alert_json(a);
            match format {
                OutputFormat::Json => writeln!(out, "{v}")?,
                OutputFormat::Text => {
                    let c = &v["correlation"];
                    writeln!(
                        out,
                        "event {}: correlation {} [{}] {}: {} {} in {} .. {}, events {}",
                        a.closing_event,
                        v["title"].as_str().unwrap_or(""),
                        v["level"].as_str().unwrap_or("no level"),
                        c["group"],
                        c["type"].as_str().unwrap_or(""),
                        c["value"],
                        c["window_start"].as_str().unwrap_or(""),
                        c["window_end"].as_str().unwrap_or(""),
                        c["events"]
                    )?
                }
            }
        }
        if explain {
            self.write_groups(out, outcome, format)?;
        }
        Ok(alerts.len())
    }

    /// `--explain`: per correlation and group, the metric over time and why it alerted or not.
    fn write_groups(
        &self,
        out: &mut impl Write,
        outcome: &Outcome,
        format: OutputFormat,
    ) -> io::Result<()> {
        for (c, rule) in self.set.correlations() {
            for g in &outcome.traces[c] {
                let sentence = g.sentence(rule);
                match format {
                    OutputFormat::Text => writeln!(out, "{}: {sentence}", rule.title)?,
                    OutputFormat::Json => {
                        let group: serde_json::Map<String, serde_json::Value> = g
                            .group
                            .iter()
                            .map(|(k, v)| (k.clone(), v.clone().into()))
                            .collect();
                        let windows: Vec<serde_json::Value> = g
                            .windows
                            .iter()
                            .map(|w| {
                                json!({
                                    "window_start": sigmaplay_engine::rfc3339(w.window_start),
                                    "window_end": sigmaplay_engine::rfc3339(w.window_end),
                                    "value": w.value,
                                    "alerted": w.alerted,
                                })
                            })
                            .collect();
                        let v = json!({
                            "rule_id": rule.id,
                            "title": rule.title,
                            "group": group,
                            "alerted": g.windows.iter().any(|w| w.alerted),
                            "summary": sentence,
                            "windows": windows,
                        });
                        writeln!(out, "{v}")?;
                    }
                }
            }
        }
        Ok(())
    }
}
