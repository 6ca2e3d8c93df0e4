//! Correlations and filters for `sigmaplay eval`: resolved across every rule file, fed with each
//! event's matches, and their alerts printed after the matches.

use crate::check::RuleFile;
use crate::OutputFormat;
use serde_json::json;
use sigmaplay_engine::{
    CompiledRule, CorrelationRule, Correlations, Diagnostic, Filter, Outcome, Run, SourceMap,
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

    /// Resolves references across the files; errors are printed and counted, warnings printed.
    pub fn resolve(self, rules: &[CompiledRule]) -> (Correlations, usize) {
        let (correlations, corr_files): (Vec<_>, Vec<_>) = self.correlations.into_iter().unzip();
        let (filters, filter_files): (Vec<_>, Vec<_>) = self.filters.into_iter().unzip();
        let (resolved, diags, warnings) = Correlations::resolve(correlations, filters, rules);
        let mut errors = 0;
        for (i, d) in diags {
            errors += usize::from(d.is_error());
            eprintln!("{}", report(&self.files, corr_files[i], d));
        }
        for (i, d) in warnings {
            eprintln!("{}", report(&self.files, filter_files[i], d));
        }
        (resolved, errors)
    }
}

fn report(files: &[(String, Arc<SourceMap>)], file: usize, d: Diagnostic) -> String {
    let (name, source) = &files[file];
    d.locate(source).render(name)
}

/// The correlation feed of `eval`: `--timestamp-field` or the default fields.
pub fn start<'c>(correlations: &'c Correlations, timestamp_field: Option<&str>) -> Run<'c> {
    correlations.start(timestamp_field.map_or_else(Default::default, |f| {
        sigmaplay_engine::TimestampField::Named(f.to_string())
    }))
}

/// Events without a time, the limits reached, then one line per alert.
pub fn write_outcome(
    correlations: &Correlations,
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
        let v = correlations.set.alert_json(a);
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
        write_groups(correlations, out, outcome, format)?;
    }
    Ok(alerts.len())
}

/// `--explain`: per correlation and group, the metric over time and why it alerted or not.
fn write_groups(
    correlations: &Correlations,
    out: &mut impl Write,
    outcome: &Outcome,
    format: OutputFormat,
) -> io::Result<()> {
    for (c, rule) in correlations.set.correlations() {
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
