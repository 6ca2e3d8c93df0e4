//! The work on screen: the rule, the events, the expectations and the options, exactly what a
//! rule test file and a share link carry, and the reducer's edits of it.

use super::{AppState, NewNotice};
use sigmaplay_engine::AuthoringHints;
use sigmaplay_ruletest::{
    place, EventKey, Expectation, PipelineChoice, RuleTest, CUSTOM_PIPELINE_ORIGIN,
};
use sigmaplay_wasm::regression::EvtxRead;
use sigmaplay_wasm::EventsSummary;
use std::collections::BTreeMap;
use std::rc::Rc;

/// Events text larger than this (characters) is kept outside the editor (a read-only preview is
/// shown): CodeMirror copes, but every keystroke would then touch tens of megabytes.
pub const LARGE_EVENTS_CHARS: usize = 8 * 1024 * 1024;

/// Lines of a large events input shown read-only in the events editor.
pub const PREVIEW_LINES: usize = 200;

/// Events held outside the editor (too large to edit comfortably).
#[derive(Clone, Debug, PartialEq)]
pub struct LargeEvents {
    /// Where they came from: a file name or "pasted text".
    pub source: String,
    pub bytes: usize,
    pub preview: Rc<str>,
    /// Set for the records of an `.evtx` file: the editor shows what was read, not the records.
    pub evtx_records: Option<usize>,
}

impl LargeEvents {
    fn of(text: &str, source: String) -> LargeEvents {
        LargeEvents {
            preview: preview(text, &source),
            source,
            bytes: text.len(),
            evtx_records: None,
        }
    }
}

/// What the user works on: exactly what a rule test file and a share link carry.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Workspace {
    pub rule: Rc<str>,
    pub events: Rc<str>,
    pub expectations: BTreeMap<usize, bool>,
    /// The content key of the event each expectation was set on: expectations follow their
    /// events by it (ruletest's `place`). An expectation set before its event's key was known
    /// has none until the next events summary.
    pub expectation_keys: BTreeMap<usize, EventKey>,
    /// Expectations whose event is no longer in the events text (dangling: shown, kept in the
    /// test until dropped, placed again if the event comes back).
    pub lost_expectations: Vec<Expectation>,
    pub placeholders: BTreeMap<String, Vec<String>>,
    pub logsource_check: bool,
    pub name: Option<String>,
    pub pipeline: Option<PipelineChoice>,
    /// Per correlation group: should it alert.
    pub alert_expectations: Vec<sigmaplay_ruletest::AlertExpectation>,
    /// The event field correlations read the time from (`None`: the engine's default fields).
    pub timestamp_field: Option<String>,
    /// At least this many events must fire (a SigmaHQ regression test whose `match_count` is
    /// fewer than its events: which ones is not said).
    pub min_fired: Option<usize>,
}

impl Workspace {
    pub fn from_test(test: RuleTest) -> Workspace {
        Workspace {
            expectations: test
                .expectations
                .iter()
                .map(|e| (e.event, e.should_fire))
                .collect(),
            expectation_keys: test
                .expectations
                .iter()
                .filter_map(|e| Some((e.event, e.key.clone()?)))
                .collect(),
            lost_expectations: Vec::new(),
            rule: test.rule.into(),
            events: test.events.into(),
            placeholders: test.placeholders,
            logsource_check: test.options.logsource_check,
            name: test.name,
            pipeline: test.pipeline,
            alert_expectations: test.alert_expectations,
            timestamp_field: test.options.timestamp_field,
            min_fired: test.min_fired,
        }
    }

    pub fn to_test(&self) -> RuleTest {
        let mut test = RuleTest::new(self.rule.to_string(), self.events.to_string());
        test.name = self.name.clone();
        test.expectations = self.all_expectations();
        test.placeholders = self.placeholders.clone();
        test.options.logsource_check = self.logsource_check;
        test.pipeline = self.pipeline.clone();
        test.alert_expectations = self.alert_expectations.clone();
        test.options.timestamp_field = self.timestamp_field.clone();
        test.min_fired = self.min_fired;
        test
    }
}

impl Workspace {
    /// The placed expectations with their keys, then the lost ones.
    fn all_expectations(&self) -> Vec<Expectation> {
        let placed = self
            .expectations
            .iter()
            .map(|(&event, &should_fire)| Expectation {
                event,
                should_fire,
                key: self.expectation_keys.get(&event).cloned(),
            });
        placed
            .chain(self.lost_expectations.iter().cloned())
            .collect()
    }
}

/// `name: v1, v2` per line → placeholder map (blank lines and lines without `:` are ignored).
pub fn parse_placeholders(text: &str) -> BTreeMap<String, Vec<String>> {
    let mut map = BTreeMap::new();
    for line in text.lines() {
        let Some((name, values)) = line.split_once(':') else {
            continue;
        };
        let name = name.trim().trim_matches('%').to_string();
        if name.is_empty() {
            continue;
        }
        let values: Vec<String> = values
            .split(',')
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect();
        map.insert(name, values);
    }
    map
}

pub fn format_placeholders(map: &BTreeMap<String, Vec<String>>) -> String {
    map.iter()
        .map(|(k, v)| format!("{k}: {}", v.join(", ")))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A preview of the first lines of a large text.
pub fn preview(text: &str, source: &str) -> Rc<str> {
    let mut end = 0;
    for (n, (i, _)) in text.match_indices('\n').enumerate() {
        end = i;
        if n + 1 >= PREVIEW_LINES {
            break;
        }
    }
    if end == 0 {
        end = text.len().min(64 * 1024);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
    }
    format!(
        "# {} of events from {source}: all are evaluated; only the first {PREVIEW_LINES} lines are\n# shown here, read-only. \"Clear events\" starts over with an empty editor.\n{}",
        human_bytes(text.len()),
        &text[..end]
    )
    .into()
}

pub fn human_bytes(n: usize) -> String {
    if n >= 1024 * 1024 {
        format!("{:.1} MB", n as f64 / (1024.0 * 1024.0))
    } else if n >= 1024 {
        format!("{:.1} KB", n as f64 / 1024.0)
    } else {
        format!("{n} bytes")
    }
}

/// The reducer's edits of the workspace. Each returns whether anything changed (when nothing
/// did, the reducer keeps the old state).
impl AppState {
    /// The text shown in the events editor: the events, or a preview of large ones.
    pub fn events_editor_text(&self) -> Rc<str> {
        match &self.large_events {
            Some(large) => large.preview.clone(),
            None => self.workspace.events.clone(),
        }
    }

    pub(super) fn load(&mut self, workspace: Workspace, notice: Option<NewNotice>) -> bool {
        let large = workspace.events.len() > LARGE_EVENTS_CHARS;
        self.large_events = large.then(|| LargeEvents::of(&workspace.events, "saved work".into()));
        self.placeholders_text = format_placeholders(&workspace.placeholders);
        if let Some(PipelineChoice::Custom(text)) = &workspace.pipeline {
            self.custom_pipeline_text = text.as_str().into();
        }
        self.workspace = workspace;
        self.placed_keys = None;
        self.placed_on = None;
        self.editor_sync += 1;
        self.loaded = true;
        self.results = None;
        self.compile = None;
        self.selected = None;
        self.share = None;
        self.events_changed();
        if let Some(notice) = notice {
            self.notify(notice);
        }
        true
    }

    pub(super) fn rule_edited(&mut self, rule: Rc<str>) -> bool {
        if *rule == *self.workspace.rule {
            return false;
        }
        self.workspace.rule = rule;
        self.share = None;
        true
    }

    pub(super) fn events_edited(&mut self, events: Rc<str>) -> bool {
        if self.large_events.is_none() && *events == *self.workspace.events {
            return false;
        }
        self.large_events = None;
        self.workspace.events = events;
        self.share = None;
        self.events_changed();
        true
    }

    /// New events from outside the editor; `large` when they are held outside it.
    pub(super) fn events_replaced(&mut self, events: Rc<str>, large: Option<LargeEvents>) -> bool {
        self.large_events = large;
        self.workspace.events = events;
        self.workspace.expectations.clear();
        self.workspace.expectation_keys.clear();
        self.workspace.lost_expectations.clear();
        self.editor_sync += 1;
        self.share = None;
        self.events_changed();
        true
    }

    pub(super) fn large_events_loaded(&mut self, source: String, text: Rc<str>) -> bool {
        let large = LargeEvents::of(&text, source);
        self.events_replaced(text, Some(large))
    }

    /// The records of an `.evtx` file: evaluated as events, held outside the editor (which shows
    /// what was read, not the records); where reading stopped is an error notice. A file with
    /// no readable record leaves the events as they were.
    pub(super) fn evtx_loaded(&mut self, read: EvtxRead) -> bool {
        for error in read.errors.iter().take(3) {
            self.notify(NewNotice::error(format!("{}: {error}", read.name)));
        }
        if read.records == 0 {
            if read.errors.is_empty() {
                self.notify(NewNotice::error(format!("{} holds no records.", read.name)));
            }
            return true;
        }
        let unread = match read.errors.len() {
            0 => String::new(),
            n => format!(" {n} part(s) of the file could not be read (see the notices)."),
        };
        let summary = format!(
            "# {records} record(s) read from {name} ({size} as evtx_dump JSON): all are evaluated.{unread}\n# The records are not shown here: select one in the verdict list to see its fields.\n# \"Clear events\" starts over with an empty editor.\n",
            records = read.records,
            name = read.name,
            size = human_bytes(read.text.len()),
        );
        let large = LargeEvents {
            source: read.name,
            bytes: read.text.len(),
            preview: summary.into(),
            evtx_records: Some(read.records),
        };
        self.events_replaced(read.text.into(), Some(large))
    }

    pub(super) fn placeholders_edited(&mut self, text: String) -> bool {
        self.workspace.placeholders = parse_placeholders(&text);
        self.placeholders_text = text;
        self.share = None;
        true
    }

    /// The pipeline picker's value: `""` for none, [`CUSTOM_PIPELINE_ORIGIN`] for the custom
    /// text (kept while a built-in is picked), else a built-in's name.
    pub(super) fn select_pipeline(&mut self, value: &str) -> bool {
        let pipeline = match value {
            "" => None,
            CUSTOM_PIPELINE_ORIGIN => Some(PipelineChoice::Custom(
                self.custom_pipeline_text.to_string(),
            )),
            name => Some(PipelineChoice::Builtin(name.to_string())),
        };
        if pipeline == self.workspace.pipeline {
            return false;
        }
        self.workspace.pipeline = pipeline;
        self.share = None;
        true
    }

    pub(super) fn pipeline_edited(&mut self, text: Rc<str>) -> bool {
        let pipeline = Some(PipelineChoice::Custom(text.to_string()));
        if pipeline == self.workspace.pipeline {
            return false;
        }
        self.custom_pipeline_text = text;
        self.workspace.pipeline = pipeline;
        self.share = None;
        true
    }

    /// The picker's value for the workspace's pipeline (see [`Self::select_pipeline`]).
    pub fn pipeline_value(&self) -> &str {
        self.workspace
            .pipeline
            .as_ref()
            .map(PipelineChoice::name)
            .unwrap_or_default()
    }

    pub(super) fn toggle_logsource_check(&mut self) -> bool {
        self.workspace.logsource_check = !self.workspace.logsource_check;
        self.share = None;
        true
    }

    pub(super) fn set_expectation(&mut self, index: usize, expectation: Option<bool>) -> bool {
        let key = self
            .current_event_keys()
            .and_then(|keys| keys.get(index).cloned());
        let workspace = &mut self.workspace;
        match expectation {
            Some(should_fire) => {
                workspace.expectations.insert(index, should_fire);
                match key {
                    Some(key) => workspace.expectation_keys.insert(index, key),
                    None => workspace.expectation_keys.remove(&index),
                };
            }
            None => {
                workspace.expectations.remove(&index);
                workspace.expectation_keys.remove(&index);
            }
        }
        true
    }

    pub(super) fn drop_dangling_expectations(&mut self) -> bool {
        let count = self.event_count();
        self.workspace.expectations.retain(|&i, _| i < count);
        self.workspace.expectation_keys.retain(|&i, _| i < count);
        self.workspace.lost_expectations.clear();
        true
    }

    /// The keys of the events on screen, when the summary is of the current events text.
    fn current_event_keys(&self) -> Option<&[EventKey]> {
        let summary = self.events_summary.as_ref()?;
        let current = self.placed_on == Some(self.events_revision);
        (current && summary.keys.len() == summary.count).then_some(&summary.keys[..])
    }

    /// Places the expectations on the events of a new summary: they follow their events by key
    /// (an edit of one event keeps its expectation), and those whose event is gone are lost.
    pub(super) fn place_expectations(&mut self, revision: u64) {
        let Some(summary) = self.events_summary.clone() else {
            return;
        };
        if summary.keys.len() != summary.count {
            return;
        }
        let previous = self.placed_keys.take();
        let placement = place(
            &self.workspace.all_expectations(),
            &summary.keys,
            previous.as_deref(),
        );
        let workspace = &mut self.workspace;
        workspace.expectations = placement
            .placed
            .iter()
            .map(|(&i, e)| (i, e.should_fire))
            .collect();
        workspace.expectation_keys = placement
            .placed
            .into_iter()
            .filter_map(|(i, e)| Some((i, e.key?)))
            .collect();
        workspace.lost_expectations = placement.lost;
        self.placed_keys = Some(summary.keys.clone().into());
        self.placed_on = Some(revision);
    }

    fn events_changed(&mut self) {
        self.events_revision += 1;
        self.explanation = None;
        if let (Some(sel), Some(summary)) = (self.selected, &self.events_summary) {
            if sel >= summary.count {
                self.selected = None;
            }
        }
    }
}

/// What the rule editor's completion and hover know: the events' fields and the placeholder
/// names of the page.
pub fn authoring_hints(
    summary: Option<&EventsSummary>,
    placeholders: &BTreeMap<String, Vec<String>>,
) -> AuthoringHints {
    AuthoringHints {
        event_fields: summary.map(|s| s.fields.clone()).unwrap_or_default(),
        placeholders: placeholders.keys().cloned().collect(),
    }
}
