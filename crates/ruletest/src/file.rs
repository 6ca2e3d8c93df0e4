//! The rule-test file format (`"format": "sigmaplay-test/2"`).
//!
//! ```json
//! {
//!   "format": "sigmaplay-test/2",
//!   "name": "cmstp outbound connections",
//!   "rule": "title: ...\nlogsource: ...\ndetection: ...",
//!   "events": "{\"Image\": \"C:\\\\Windows\\\\System32\\\\cmstp.exe\", ...}\n...",
//!   "expectations": [{"event": 0, "should_fire": true}, {"event": 1, "should_fire": false}],
//!   "min_fired": 1,
//!   "alert_expectations": [{"correlation": "Brute force", "group": {"User": "alice"}, "should_alert": true}],
//!   "placeholders": {"Admins": ["alice", "bob"]},
//!   "options": {"logsource_check": false, "timestamp_field": "UtcTime"},
//!   "pipeline": {"builtin": "ecs_windows"}
//! }
//! ```
//!
//! `events` is the events text exactly as pasted (any shape the engine reads: JSON object, array,
//! JSON Lines, evtx_dump JSON, Event Viewer XML). `expectations[].event` is a 0-based index into
//! the events the engine reads from that text, counting unreadable entries too (so a bad JSON Lines
//! line keeps the indices of the lines after it). Events without an expectation are unchecked.
//! `pipeline` (optional; absent in older files) is the processing pipeline the rule goes through
//! before it compiles: `{"builtin": NAME}` or `{"custom": YAML}` ([`PipelineChoice`]).
//! `min_fired` (optional) asks that at least that many events fire, whichever they are.
//! `alert_expectations` (optional) grade the correlation rules of the rule text per group: the
//! correlation by id, name or title, the group as group-by field → value (compared
//! case-insensitively, as groups are formed; `{}` for a correlation without group-by).
//!
//! Compatibility: fields this version does not know are ignored, missing optional fields take their
//! defaults, so files gain fields without a new format number. A change that old readers would
//! misread gets a new number; files of older formats are migrated in [`RuleTest::from_value`].
//! Version 2 added `alert_expectations` and `pipeline` (a version 1 reader would ignore them and
//! run another test: one without the pipeline, or one that passes what should fail); a version 1
//! file reads unchanged.

use crate::event_key::EventKey;
use crate::pipeline::PipelineChoice;
use serde::{Deserialize, Serialize};
use sigmaplay_engine::{CorrelationRule, GroupTrace, LogSourcePolicy, TimestampField};
use std::collections::BTreeMap;
use std::fmt;

/// The format tag this version writes.
pub const FORMAT: &str = "sigmaplay-test/2";
/// The format tag's prefix; the number after it is [`FORMAT_VERSION`].
pub const FORMAT_PREFIX: &str = "sigmaplay-test/";
/// The newest file format version this version reads (and the one it writes).
pub const FORMAT_VERSION: u32 = 2;

/// One rule test: a rule, events and what each event should do. See the module documentation for
/// the JSON shape. Construct with [`RuleTest::new`] or `RuleTest { .., ..Default::default() }`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleTest {
    /// Always [`FORMAT`] for a test made by this version.
    pub format: String,
    /// A name for reports (JUnit test suite); the CLI falls back to the file name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The rule text (YAML; several documents allowed: an event fires when any rule fires).
    pub rule: String,
    /// The events text exactly as pasted.
    #[serde(default)]
    pub events: String,
    /// At most one expectation per event, kept sorted by event index.
    #[serde(default)]
    pub expectations: Vec<Expectation>,
    /// At least this many events must fire (SigmaHQ's `match_count`, for a regression test whose
    /// events do not all fire); `None`: no such requirement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_fired: Option<usize>,
    /// At most one expectation per (correlation, group), in the order written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alert_expectations: Vec<AlertExpectation>,
    /// Values for `|expand` placeholders, by name without `%`.
    #[serde(default)]
    pub placeholders: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub options: TestOptions,
    /// The processing pipeline the rule goes through; `None`: today's log-source taxonomy only.
    /// Left out of the JSON when `None`, so tests without one read and link as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline: Option<PipelineChoice>,
}

impl Default for RuleTest {
    fn default() -> RuleTest {
        RuleTest {
            format: FORMAT.to_string(),
            name: None,
            rule: String::new(),
            events: String::new(),
            expectations: Vec::new(),
            min_fired: None,
            alert_expectations: Vec::new(),
            placeholders: BTreeMap::new(),
            options: TestOptions::default(),
            pipeline: None,
        }
    }
}

/// "Event `event` should (not) fire."
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Expectation {
    /// 0-based index into the events read from [`RuleTest::events`].
    pub event: usize,
    pub should_fire: bool,
    /// The content of the event it was set for ([`crate::place`] finds it by this when events
    /// move). Absent in files written before keys: then the position alone decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<EventKey>,
}

/// "Correlation `correlation` should (not) alert for group `group`."
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AlertExpectation {
    /// The correlation rule's id, name or title.
    pub correlation: String,
    /// Group-by field → value; empty for a correlation without group-by.
    #[serde(default)]
    pub group: BTreeMap<String, String>,
    pub should_alert: bool,
}

impl AlertExpectation {
    /// Whether this expectation is about `correlation`'s group `group`.
    pub fn is_about(&self, correlation: &CorrelationRule, group: &GroupTrace) -> bool {
        correlation.answers_to(&self.correlation)
            && group.is_group(self.group.iter().map(|(f, v)| (f.as_str(), v.as_str())))
    }
}

/// Options of a test. Add fields with `#[serde(default)]` only; construct with
/// `TestOptions { logsource_check: true, ..Default::default() }`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TestOptions {
    /// When true, an event whose log source does not fit the rule's (a file event for a
    /// process_creation rule) does not fire, as when many rules run with routing (`sigmaplay eval`).
    /// When false (the default, as in the playground), every event is evaluated and a misfit is only
    /// noted.
    pub logsource_check: bool,
    /// The event field correlations read the time from; by default the first present of
    /// `@timestamp`, `timestamp`, `TimeCreated_SystemTime`, `UtcTime`, `EventTime`, `time`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp_field: Option<String>,
}

impl TestOptions {
    /// The log-source policy the options ask for.
    pub fn policy(&self) -> LogSourcePolicy {
        LogSourcePolicy::checked(self.logsource_check)
    }

    /// Where correlations read each event's time.
    pub fn timestamp(&self) -> TimestampField {
        self.timestamp_field
            .as_ref()
            .map_or_else(Default::default, |f| TimestampField::Named(f.clone()))
    }
}

/// Why a test file could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TestFileError {
    /// Not JSON at all (with the position of the problem).
    Json {
        message: String,
        line: usize,
        column: usize,
    },
    /// JSON, but not a rule test (no `format` field, or another one).
    NotATestFile(String),
    /// A `sigmaplay-test/N` this version cannot read; `newer` when N > [`FORMAT_VERSION`].
    UnsupportedVersion { found: String, newer: bool },
    /// A rule test with a bad field (wrong type, missing rule, duplicate expectation...).
    Invalid(String),
}

impl fmt::Display for TestFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TestFileError::Json {
                message,
                line,
                column,
            } => {
                write!(
                    f,
                    "not valid JSON at line {line}, column {column}: {message}"
                )
            }
            TestFileError::NotATestFile(why) => {
                write!(f, "not a Sigma Playground test file: {why}")
            }
            TestFileError::UnsupportedVersion { found, newer: true } => write!(
                f,
                "this test was made by a newer version of Sigma Playground (format \"{found}\"; \
                 this version reads up to \"{FORMAT}\"): update sigmaplay to open it"
            ),
            TestFileError::UnsupportedVersion {
                found,
                newer: false,
            } => write!(
                f,
                "unsupported test format \"{found}\" (this version reads \"{FORMAT}\")"
            ),
            TestFileError::Invalid(why) => write!(f, "invalid test file: {why}"),
        }
    }
}

impl std::error::Error for TestFileError {}

impl RuleTest {
    /// A test of `rule` over `events`, with no expectations yet.
    pub fn new(rule: impl Into<String>, events: impl Into<String>) -> RuleTest {
        RuleTest {
            rule: rule.into(),
            events: events.into(),
            ..RuleTest::default()
        }
    }

    /// Reads a test file's text.
    pub fn from_json(text: &str) -> Result<RuleTest, TestFileError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| TestFileError::Json {
                message: strip_position(&e.to_string()),
                line: e.line(),
                // serde_json says column 0 right after a newline (or for the empty text): the
                // position before the line's first character, which is column 1.
                column: e.column().max(1),
            })?;
        RuleTest::from_value(value)
    }

    /// Reads a test from parsed JSON: checks the format tag, migrates older formats, validates.
    pub fn from_value(value: serde_json::Value) -> Result<RuleTest, TestFileError> {
        let serde_json::Value::Object(map) = &value else {
            return Err(TestFileError::NotATestFile(format!(
                "expected a JSON object, found {}",
                json_type(&value)
            )));
        };
        let format = match map.get("format") {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(other) => {
                return Err(TestFileError::NotATestFile(format!(
                    "\"format\" should be \"{FORMAT}\", found {}",
                    json_type(other)
                )))
            }
            None => {
                return Err(TestFileError::NotATestFile(format!(
                    "no \"format\": \"{FORMAT}\" field"
                )))
            }
        };
        let Some(number) = format.strip_prefix(FORMAT_PREFIX) else {
            return Err(TestFileError::NotATestFile(format!(
                "\"format\" is \"{format}\", expected \"{FORMAT}\""
            )));
        };
        match number.parse::<u32>() {
            // Version 1 is version 2 without alert expectations: it reads as is.
            Ok(1) | Ok(FORMAT_VERSION) => {}
            Ok(n) => {
                return Err(TestFileError::UnsupportedVersion {
                    found: format,
                    newer: n > FORMAT_VERSION,
                })
            }
            Err(_) => {
                return Err(TestFileError::UnsupportedVersion {
                    found: format,
                    newer: false,
                })
            }
        }
        let test: RuleTest =
            serde_json::from_value(value).map_err(|e| TestFileError::Invalid(e.to_string()))?;
        test.validate()?;
        Ok(test)
    }

    /// The test file's text (pretty JSON, format [`FORMAT`], expectations sorted).
    pub fn to_json(&self) -> String {
        let mut test = self.clone();
        test.format = FORMAT.to_string();
        test.expectations.sort();
        serde_json::to_string_pretty(&test).expect("a rule test always serializes")
    }

    /// The compact JSON carried by share links.
    pub(crate) fn to_json_compact(&self) -> String {
        let mut test = self.clone();
        test.format = FORMAT.to_string();
        test.expectations.sort();
        serde_json::to_string(&test).expect("a rule test always serializes")
    }

    fn validate(&self) -> Result<(), TestFileError> {
        let mut seen = std::collections::BTreeSet::new();
        for e in &self.expectations {
            if !seen.insert(e.event) {
                return Err(TestFileError::Invalid(format!(
                    "event {} has more than one expectation",
                    e.event
                )));
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for e in &self.alert_expectations {
            if !seen.insert((&e.correlation, &e.group)) {
                return Err(TestFileError::Invalid(format!(
                    "correlation '{}' has more than one expectation for the group {:?}",
                    e.correlation, e.group
                )));
            }
        }
        Ok(())
    }

    /// The expectation for event `event`: `Some(true)` should fire, `Some(false)` should not.
    pub fn expectation(&self, event: usize) -> Option<bool> {
        self.expectations
            .iter()
            .find(|e| e.event == event)
            .map(|e| e.should_fire)
    }

    /// Sets (or with `None` clears) the expectation for event `event`, keeping the list sorted.
    pub fn set_expectation(&mut self, event: usize, should_fire: Option<bool>) {
        self.expectations.retain(|e| e.event != event);
        if let Some(should_fire) = should_fire {
            self.expectations.push(Expectation {
                event,
                should_fire,
                key: None,
            });
            self.expectations.sort();
        }
    }
}

fn json_type(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// serde_json appends " at line L column C"; the error carries them separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_round_trip_and_defaults() {
        let mut t = RuleTest::new("title: x", "{}");
        t.set_expectation(3, Some(true));
        t.set_expectation(1, Some(false));
        t.set_expectation(3, Some(false));
        assert_eq!(
            t.expectations,
            vec![
                Expectation {
                    event: 1,
                    should_fire: false,
                    key: None
                },
                Expectation {
                    event: 3,
                    should_fire: false,
                    key: None
                }
            ]
        );
        let back = RuleTest::from_json(&t.to_json()).unwrap();
        assert_eq!(back, t);
        // Minimal file: defaults; unknown fields ignored.
        let t =
            RuleTest::from_json(r#"{"format":"sigmaplay-test/1","rule":"r","future":1}"#).unwrap();
        assert_eq!(t.events, "");
        assert!(!t.options.logsource_check);
        assert_eq!(t.pipeline, None);
    }

    #[test]
    fn pipeline_round_trips_and_stays_out_when_unset() {
        let plain = RuleTest::new("title: x", "{}");
        assert!(!plain.to_json().contains("pipeline"));
        for choice in [
            PipelineChoice::Builtin("ecs_windows".into()),
            PipelineChoice::Custom("name: mine\ntransformations: []\n".into()),
        ] {
            let t = RuleTest {
                pipeline: Some(choice.clone()),
                ..RuleTest::new("title: x", "{}")
            };
            let back = RuleTest::from_json(&t.to_json()).unwrap();
            assert_eq!(back.pipeline, Some(choice));
        }
        let t = RuleTest::from_json(
            r#"{"format":"sigmaplay-test/1","rule":"r","pipeline":{"builtin":"sysmon"}}"#,
        )
        .unwrap();
        assert_eq!(t.pipeline, Some(PipelineChoice::Builtin("sysmon".into())));
        let bad = r#"{"format":"sigmaplay-test/1","rule":"r","pipeline":"sysmon"}"#;
        assert!(matches!(
            RuleTest::from_json(bad),
            Err(TestFileError::Invalid(_))
        ));
    }

    #[test]
    fn file_errors() {
        assert!(matches!(
            RuleTest::from_json("{"),
            Err(TestFileError::Json { line: 1, .. })
        ));
        // serde_json's column 0 (at the end of a text that ends with a newline, or of the empty
        // text) is column 1 (found by fuzz/).
        for (text, line) in [("", 1), ("{\n", 2)] {
            assert!(
                matches!(
                    RuleTest::from_json(text),
                    Err(TestFileError::Json { line: l, column: 1, .. }) if l == line
                ),
                "{text:?}"
            );
        }
        assert!(matches!(
            RuleTest::from_json("[]"),
            Err(TestFileError::NotATestFile(_))
        ));
        assert!(matches!(
            RuleTest::from_json(r#"{"rule":"x"}"#),
            Err(TestFileError::NotATestFile(_))
        ));
        let newer = RuleTest::from_json(r#"{"format":"sigmaplay-test/3","rule":"x"}"#).unwrap_err();
        assert!(newer.to_string().contains("newer version"), "{newer}");
        let old = RuleTest::from_json(r#"{"format":"sigmaplay-test/0","rule":"x"}"#).unwrap_err();
        assert!(matches!(
            old,
            TestFileError::UnsupportedVersion { newer: false, .. }
        ));
        let dup = r#"{"format":"sigmaplay-test/1","rule":"x","expectations":[{"event":0,"should_fire":true},{"event":0,"should_fire":false}]}"#;
        assert!(matches!(
            RuleTest::from_json(dup),
            Err(TestFileError::Invalid(_))
        ));
        let bad = r#"{"format":"sigmaplay-test/1","rule":5}"#;
        assert!(matches!(
            RuleTest::from_json(bad),
            Err(TestFileError::Invalid(_))
        ));
    }
}
