//! What the page shows about processing pipelines: the rule after the chosen pipeline next to
//! the rule as written (a line diff of their Sigma YAML), the processing items that fired, the
//! Winlogbeat/ECS shape of pasted events, and which built-in would map a rule's absent fields to
//! the names an event has.

use serde::{Deserialize, Serialize};
use sigmaplay_engine::{
    builtin_pipeline, compile_rules, process_rules, AppliedItem, CompileOptions, Event,
    LogSourcePolicy, Pipeline, SearchTrace, BUILTIN_PIPELINES,
};
use sigmaplay_ruletest::Evaluator;

/// One line of the diff between the rule as written and after the pipeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffLine {
    pub change: LineChange,
    pub text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineChange {
    Same,
    /// Only in the rule after the pipeline.
    Added,
    /// Only in the rule as written.
    Removed,
}

impl LineChange {
    /// Its name, as serialized (`same`, `added`, `removed`).
    pub fn label(self) -> &'static str {
        match self {
            LineChange::Same => "same",
            LineChange::Added => "added",
            LineChange::Removed => "removed",
        }
    }

    /// The diff gutter mark.
    pub fn mark(self) -> &'static str {
        match self {
            LineChange::Same => " ",
            LineChange::Added => "+",
            LineChange::Removed => "-",
        }
    }
}

/// One rule of the text after the pipeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessedView {
    pub title: String,
    /// The processing items that changed the rule, each once, in the order they applied.
    pub applied: Vec<AppliedItem>,
    /// The rule as written (reshaped as the pipeline output is) against the rule after it.
    pub diff: Vec<DiffLine>,
}

/// Rules longer than this (lines) are diffed as a whole block replaced (the LCS is quadratic).
const MAX_DIFF_LINES: usize = 2_000;

/// The rules of `text` before and after `pipeline`, for the "rule after the pipeline" view.
pub fn processed_views(text: &str, pipeline: &Pipeline) -> Vec<ProcessedView> {
    let (before, _) = process_rules(text, &[]);
    let (after, _) = process_rules(text, std::slice::from_ref(pipeline));
    after
        .into_iter()
        .map(|rule| {
            let written = before
                .iter()
                .find(|b| b.title == rule.title && b.rule_id == rule.rule_id)
                .map(|b| yaml_text(&b.rule))
                .unwrap_or_default();
            let mut applied: Vec<AppliedItem> = Vec::new();
            for a in rule.applied_items {
                if !applied.contains(&a) {
                    applied.push(a);
                }
            }
            ProcessedView {
                title: rule.title,
                applied,
                diff: line_diff(&written, &yaml_text(&rule.rule)),
            }
        })
        .collect()
}

fn yaml_text(rule: &serde_json::Value) -> String {
    serde_yaml::to_string(rule).unwrap_or_default()
}

/// A line diff (longest common subsequence), removed lines before added ones at each change.
pub fn line_diff(before: &str, after: &str) -> Vec<DiffLine> {
    let a: Vec<&str> = before.lines().collect();
    let b: Vec<&str> = after.lines().collect();
    let line = |change, text: &str| DiffLine {
        change,
        text: text.to_string(),
    };
    if a.len() > MAX_DIFF_LINES || b.len() > MAX_DIFF_LINES {
        let removed = a.iter().map(|t| line(LineChange::Removed, t));
        return removed
            .chain(b.iter().map(|t| line(LineChange::Added, t)))
            .collect();
    }
    // common[i][j]: length of the LCS of a[i..] and b[j..].
    let mut common = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            common[i][j] = if a[i] == b[j] {
                common[i + 1][j + 1] + 1
            } else {
                common[i + 1][j].max(common[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::with_capacity(a.len().max(b.len())));
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            out.push(line(LineChange::Same, a[i]));
            (i, j) = (i + 1, j + 1);
        } else if i < a.len() && (j == b.len() || common[i + 1][j] >= common[i][j + 1]) {
            out.push(line(LineChange::Removed, a[i]));
            i += 1;
        } else {
            out.push(line(LineChange::Added, b[j]));
            j += 1;
        }
    }
    out
}

/// Where pasted events come from, when their shape says so.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventSource {
    /// Winlogbeat 7+ (Elastic Common Schema): `ecs.version`, `winlog.*`.
    WinlogbeatEcs,
    /// Winlogbeat up to 6: `event_data.*`, `log_name`.
    WinlogbeatLegacy,
}

impl EventSource {
    /// Recognises the shape from the flattened field names of an event.
    pub fn of(event: &Event) -> Option<EventSource> {
        let names = || event.fields().map(|(name, _)| name);
        if names().any(|n| n == "ecs.version" || n.starts_with("winlog.")) {
            Some(EventSource::WinlogbeatEcs)
        } else if names().any(|n| n.starts_with("event_data."))
            && names().any(|n| n == "log_name" || n.starts_with("beat."))
        {
            Some(EventSource::WinlogbeatLegacy)
        } else {
            None
        }
    }

    /// The badge's words, before the input format.
    pub fn label(self) -> &'static str {
        match self {
            EventSource::WinlogbeatEcs => "Winlogbeat/ECS",
            EventSource::WinlogbeatLegacy => "Winlogbeat 6",
        }
    }

    /// The built-in pipeline for events of this shape.
    pub fn pipeline(self) -> &'static str {
        match self {
            EventSource::WinlogbeatEcs => "ecs_windows",
            EventSource::WinlogbeatLegacy => "ecs_windows_old",
        }
    }
}

/// "`ecs_windows` maps `Image` (absent here) to `process.executable`, which this event has."
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PipelineSuggestion {
    pub pipeline: String,
    /// The rule's field the event lacks.
    pub field: String,
    /// The name the pipeline gives it, present in the event.
    pub mapped_to: String,
    /// How many of the rule's absent fields the pipeline would find, this one included.
    pub fields_found: usize,
}

/// The built-ins (other than `chosen`) that would map fields the rule reads and `event` lacks to
/// names `event` has, best first. Compiles the rule once per built-in: called for one event, on
/// demand.
pub fn suggest_pipelines(
    rule: &str,
    options: &CompileOptions,
    chosen: Option<&str>,
    event: &Event,
) -> Vec<PipelineSuggestion> {
    let mut out = Vec::new();
    for (name, _, _) in BUILTIN_PIPELINES {
        if Some(*name) == chosen {
            continue;
        }
        let Some(pipeline) = builtin_pipeline(name) else {
            continue;
        };
        let compilation = compile_rules(
            rule,
            &CompileOptions {
                pipelines: vec![pipeline],
                ..options.clone()
            },
        );
        if compilation.has_errors() {
            continue;
        }
        let evaluator = Evaluator::new(compilation.rules, LogSourcePolicy::Note);
        let mut found: Vec<(String, String)> = Vec::new();
        for index in 0..evaluator.rules().len() {
            let trace = evaluator.explain(index, event);
            for identifier in &trace.identifiers {
                collect_found(&identifier.search, event, &mut found);
            }
        }
        if let Some((field, mapped_to)) = found.first().cloned() {
            out.push(PipelineSuggestion {
                pipeline: name.to_string(),
                field,
                mapped_to,
                fields_found: found.len(),
            });
        }
    }
    out.sort_by_key(|s| std::cmp::Reverse(s.fields_found));
    out
}

/// Items the pipeline renamed from a field the event lacks to one it has.
fn collect_found(search: &SearchTrace, event: &Event, found: &mut Vec<(String, String)>) {
    match search {
        SearchTrace::AllOf { children, .. } | SearchTrace::AnyOf { children, .. } => {
            for child in children {
                collect_found(child, event, found);
            }
        }
        SearchTrace::Item(item) => {
            if let (Some(written), Some(field), Some(_)) =
                (&item.renamed_from, &item.field, &item.event_value)
            {
                let pair = (written.clone(), field.clone());
                if event.get(written).is_none() && !found.contains(&pair) {
                    found.push(pair);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_marks_what_changed() {
        let d = line_diff("a\nb\nc\n", "a\nx\nc\nd\n");
        let marks: Vec<(LineChange, &str)> =
            d.iter().map(|l| (l.change, l.text.as_str())).collect();
        assert_eq!(
            marks,
            [
                (LineChange::Same, "a"),
                (LineChange::Removed, "b"),
                (LineChange::Added, "x"),
                (LineChange::Same, "c"),
                (LineChange::Added, "d"),
            ]
        );
        assert!(line_diff("a\n", "a\n")
            .iter()
            .all(|l| l.change == LineChange::Same));
    }
}
