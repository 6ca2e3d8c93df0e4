//! SigmaHQ regression tests (a rule's `regression_tests_path`) as rule tests, and back.
//!
//! A regression folder holds `info.yml` and the events of its test cases:
//!
//! ```yaml
//! id: 63b16abe-2d5c-4a2f-b0ae-f1bc4580e40c        # the test's own id
//! description: N/A
//! date: 2025-11-27
//! author: ...
//! rule_metadata:
//!     - id: 8a2f4b1c-3d5e-4f7a-9b2c-1e4f6d8a9c2b   # the rule under test
//!       title: WerFaultSecure Loading DbgCore or DbgHelp - EDR-Freeze
//! regression_tests_info:
//!     - name: Positive Detection Test
//!       type: evtx
//!       provider: Microsoft-Windows-Sysmon
//!       match_count: 1                           # optional
//!       path: regression_data/.../<rule-id>.evtx
//! ```
//!
//! beside `<rule-id>.evtx` and `<rule-id>.json` (the same records as evtx_dump JSON, objects one
//! after another). Every test is a true positive: the rule must fire on its events, at least
//! `match_count` times (1 when absent). [`import_regression`] makes that a [`RuleTest`]: when
//! `match_count` covers every event, each event "should fire"; when it is fewer (which events is
//! not said), the test asks for [`RuleTest::min_fired`] instead. [`export_regression`] goes the
//! other way: the events that should fire become the events file, `match_count` their number.
//! No file system here (the web app uses this too): callers read and write the files.

use crate::file::RuleTest;
use crate::identity::place_on_events;
use serde::Deserialize;
use sigmaplay_engine::{compile_rules, parse_events, CompileOptions, EventFormat};
use std::fmt;
use std::fmt::Write as _;

/// `info.yml`, as far as a regression test needs it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct RegressionInfo {
    /// The test's own id.
    pub id: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub author: Option<String>,
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub rule_metadata: Vec<RuleMetadata>,
    /// `None` when the folder's cases are all commented out (the folder is then not runnable).
    #[serde(default)]
    pub regression_tests_info: Option<Vec<RegressionCase>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct RuleMetadata {
    pub id: String,
    #[serde(default)]
    pub title: Option<String>,
}

/// One entry of `regression_tests_info`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct RegressionCase {
    #[serde(default)]
    pub name: Option<String>,
    /// `evtx` (the only kind SigmaHQ runs).
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub provider: Option<String>,
    /// The least number of events that must fire.
    #[serde(default)]
    pub match_count: Option<usize>,
    /// The events file, relative to the SigmaHQ repository root.
    #[serde(default)]
    pub path: Option<String>,
}

impl RegressionInfo {
    /// Reads `info.yml`.
    pub fn from_yaml(text: &str) -> Result<RegressionInfo, RegressionError> {
        let info: RegressionInfo =
            serde_yaml::from_str(text).map_err(|e| RegressionError(format!("info.yml: {e}")))?;
        if info.rule_metadata.is_empty() {
            return Err(RegressionError(
                "info.yml: no rule_metadata (the id of the rule under test)".into(),
            ));
        }
        Ok(info)
    }

    /// The id of the rule under test (`rule_metadata[0].id`).
    pub fn rule_id(&self) -> &str {
        &self.rule_metadata[0].id
    }

    /// The cases that can run here (`type: evtx`).
    pub fn evtx_cases(&self) -> impl Iterator<Item = &RegressionCase> {
        self.regression_tests_info.iter().flatten().filter(|c| {
            c.kind
                .as_deref()
                .is_none_or(|k| k.eq_ignore_ascii_case("evtx"))
        })
    }

    /// The least number of events that must fire: the largest `match_count` of the cases, 1 when
    /// none says.
    pub fn match_count(&self) -> usize {
        self.evtx_cases()
            .filter_map(|c| c.match_count)
            .max()
            .unwrap_or(1)
    }

    /// The events JSON's file name: the evtx case's file with `.json`, else `<rule-id>.json`.
    pub fn events_json_name(&self) -> String {
        let from_case = self.evtx_cases().find_map(|c| {
            let path = c.path.as_deref()?;
            let file = path.rsplit(['/', '\\']).next()?;
            let stem = file.strip_suffix(".evtx").unwrap_or(file);
            (!stem.is_empty()).then(|| format!("{stem}.json"))
        });
        from_case.unwrap_or_else(|| format!("{}.json", self.rule_id()))
    }
}

/// Why a regression folder could not be imported or a rule test exported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegressionError(pub String);

impl fmt::Display for RegressionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RegressionError {}

/// A rule test from a regression folder: `info_yml` (its `info.yml`), `events` (its events JSON,
/// or any events text the engine reads) and `rule` (the text of the rule under test, found by the
/// caller from `rule_metadata[0].id`). Options: log sources are checked, as SigmaHQ's runner only
/// lets a rule see the events of its log source.
pub fn import_regression(
    info_yml: &str,
    events: &str,
    rule: &str,
) -> Result<RuleTest, RegressionError> {
    let info = RegressionInfo::from_yaml(info_yml)?;
    if info.evtx_cases().next().is_none() {
        return Err(RegressionError(
            "info.yml: no regression_tests_info entry of type evtx (nothing to run)".into(),
        ));
    }
    let count = parse_events(events).events.len();
    let wanted = info.match_count();
    let mut test = RuleTest::new(rule, events);
    test.name = Some(
        info.rule_metadata[0]
            .title
            .clone()
            .unwrap_or_else(|| info.rule_id().to_string()),
    );
    test.options.logsource_check = true;
    if wanted >= count {
        for event in 0..count {
            test.set_expectation(event, Some(true));
        }
        // More wanted than there are events: the test says so when it runs.
        if wanted > count {
            test.min_fired = Some(wanted);
        }
    } else {
        test.min_fired = Some(wanted);
    }
    Ok(test)
}

/// A regression folder's files, made by [`export_regression`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegressionFolder {
    pub info_yml: String,
    /// `<rule-id>.json`.
    pub events_name: String,
    /// The events that should fire, as pretty-printed JSON objects one after another.
    pub events_json: String,
    /// Events of the test left out (they are not expected to fire: a regression test only holds
    /// true positives), by index.
    pub left_out: Vec<usize>,
}

/// Where the folder goes in a SigmaHQ checkout, and who wrote it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExportOptions {
    /// The folder, relative to the repository root (`regression_data/rules/windows/...`); the
    /// `path` of the test case is `<folder>/<rule-id>.evtx`.
    pub folder: String,
    /// `info.yml`'s own `id`; by default one derived from the rule id and the events.
    pub id: Option<String>,
    pub author: Option<String>,
    /// `YYYY-MM-DD`.
    pub date: Option<String>,
}

/// Exports a rule test as a regression folder: the events that should fire (their JSON as read:
/// evtx_dump records stay as they are; Event Viewer XML becomes its flattened fields), and an
/// `info.yml` naming the rule (its id and title) with `match_count` = their number. The events
/// file SigmaHQ runs is the `.evtx` beside the JSON, which only Windows can write: the `path`
/// names it as SigmaHQ's layout does.
pub fn export_regression(
    test: &RuleTest,
    options: &ExportOptions,
) -> Result<RegressionFolder, RegressionError> {
    let compilation = compile_rules(&test.rule, &CompileOptions::default());
    let Some(rule) = compilation.rules.first() else {
        return Err(RegressionError(
            "the rule has errors or holds no detection rule: fix it before exporting".into(),
        ));
    };
    let Some(rule_id) = rule.id.clone() else {
        return Err(RegressionError(
            "the rule has no id: SigmaHQ regression tests name the rule by its id".into(),
        ));
    };
    let input = parse_events(&test.events);
    let placement = place_on_events(test, &input);
    let mut events_json = String::new();
    let mut left_out = Vec::new();
    let mut count = 0;
    for (index, event) in input.events.iter().enumerate() {
        if placement.placed.get(&index).map(|e| e.should_fire) != Some(true) {
            left_out.push(index);
            continue;
        }
        let event = event.as_ref().map_err(|e| {
            RegressionError(format!(
                "event {index} should fire but cannot be read ({}:{}: {})",
                e.line, e.column, e.message
            ))
        })?;
        let value = match event.format {
            Some(EventFormat::EventXml) | None => event.to_json(),
            Some(_) => test
                .events
                .get(event.span.start..event.span.end)
                .and_then(|text| serde_json::from_str(text).ok())
                .unwrap_or_else(|| event.to_json()),
        };
        let pretty = serde_json::to_string_pretty(&value).expect("JSON values serialize");
        events_json.push_str(&pretty);
        events_json.push('\n');
        count += 1;
    }
    if count == 0 {
        return Err(RegressionError(
            "no event is expected to fire: a SigmaHQ regression test needs at least one".into(),
        ));
    }
    let match_count = count;
    let id = options
        .id
        .clone()
        .unwrap_or_else(|| derived_id(&rule_id, &events_json));
    let folder = options.folder.trim_end_matches('/');
    let evtx_path = if folder.is_empty() {
        format!("{rule_id}.evtx")
    } else {
        format!("{folder}/{rule_id}.evtx")
    };
    let provider = input
        .ok_events()
        .find_map(|e| match e.get("Provider_Name") {
            Some(sigmaplay_engine::FieldValue::Str(t)) => Some(t.raw().to_string()),
            _ => None,
        });
    let mut info = String::new();
    let _ = writeln!(info, "id: {}", yaml_scalar(&id));
    let _ = writeln!(info, "description: N/A");
    let _ = writeln!(
        info,
        "date: {}",
        yaml_scalar(options.date.as_deref().unwrap_or("N/A"))
    );
    let _ = writeln!(
        info,
        "author: {}",
        yaml_scalar(options.author.as_deref().unwrap_or("N/A"))
    );
    let _ = writeln!(info, "rule_metadata:");
    let _ = writeln!(info, "    - id: {}", yaml_scalar(&rule_id));
    let _ = writeln!(info, "      title: {}", yaml_scalar(&rule.title));
    let _ = writeln!(info, "regression_tests_info:");
    let _ = writeln!(info, "    - name: Positive Detection Test");
    let _ = writeln!(info, "      type: evtx");
    if let Some(provider) = provider {
        let _ = writeln!(info, "      provider: {}", yaml_scalar(&provider));
    }
    let _ = writeln!(info, "      match_count: {match_count}");
    let _ = writeln!(info, "      path: {}", yaml_scalar(&evtx_path));
    Ok(RegressionFolder {
        info_yml: info,
        events_name: format!("{rule_id}.json"),
        events_json,
        left_out,
    })
}

/// A plain YAML scalar where that reads back as the same string, else a double-quoted one (JSON
/// string syntax is YAML's double-quoted syntax).
fn yaml_scalar(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars().all(|c| {
            c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.' | '/' | '(' | ')' | ',')
        })
        && !s.starts_with([' ', '-'])
        && !s.ends_with(' ')
        && matches!(
            serde_yaml::from_str::<serde_yaml::Value>(s),
            Ok(serde_yaml::Value::String(ref back)) if back == s
        );
    if plain {
        s.to_string()
    } else {
        serde_json::Value::String(s.to_string()).to_string()
    }
}

/// A stable UUID (version 8, RFC 9562's custom layout) from the rule id and the events: exporting
/// the same test twice gives the same `info.yml`.
fn derived_id(rule_id: &str, events: &str) -> String {
    // FNV-1a, 128 bits: a fingerprint, not a secret.
    let mut hash: u128 = 0x6c62272e07bb014262b821756295c58d;
    for b in rule_id.bytes().chain([0]).chain(events.bytes()) {
        hash ^= u128::from(b);
        hash = hash.wrapping_mul(0x0000000001000000000000000000013b);
    }
    let mut bytes = hash.to_be_bytes();
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}
