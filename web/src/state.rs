//! The app's state and its reducer: every change the page makes goes through [`Action`], so the
//! rules of the page (stale results, job ordering, expectations...) are tested without a browser.

use sigmaplay_ruletest::{Outcome, RuleTest, Verdict};
use sigmaplay_wasm::protocol::{Verdicts, WorkerResponse};
use sigmaplay_wasm::{CompileReport, EventsSummary, ExplainReport, RuleOptions, VerdictKind};
use std::collections::BTreeMap;
use std::rc::Rc;
use yew::Reducible;

/// Lines of a large events input shown read-only in the events editor.
pub const PREVIEW_LINES: usize = 200;

/// Events held outside the editor (too large to edit comfortably).
#[derive(Clone, Debug, PartialEq)]
pub struct LargeEvents {
    /// Where they came from: a file name or "pasted text".
    pub source: String,
    pub bytes: usize,
    pub preview: Rc<str>,
}

/// What the user works on: exactly what a rule test file and a share link carry.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Workspace {
    pub rule: Rc<str>,
    pub events: Rc<str>,
    pub expectations: BTreeMap<usize, bool>,
    pub placeholders: BTreeMap<String, Vec<String>>,
    pub logsource_check: bool,
    pub name: Option<String>,
}

impl Workspace {
    pub fn from_test(test: RuleTest) -> Workspace {
        Workspace {
            expectations: test
                .expectations
                .iter()
                .map(|e| (e.event, e.should_fire))
                .collect(),
            rule: test.rule.into(),
            events: test.events.into(),
            placeholders: test.placeholders,
            logsource_check: test.options.logsource_check,
            name: test.name,
        }
    }

    pub fn to_test(&self) -> RuleTest {
        let mut test = RuleTest::new(self.rule.to_string(), self.events.to_string());
        test.name = self.name.clone();
        for (&event, &should_fire) in &self.expectations {
            test.set_expectation(event, Some(should_fire));
        }
        test.placeholders = self.placeholders.clone();
        test.options.logsource_check = self.logsource_check;
        test
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

/// The results of the last evaluation that completed with a rule that compiled.
#[derive(Clone, Debug, PartialEq)]
pub struct Results {
    pub job: u64,
    pub verdicts: Rc<Verdicts>,
    pub events: Rc<EventsSummary>,
    pub elapsed_ms: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeLevel {
    Info,
    Error,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub id: u64,
    pub level: NoticeLevel,
    pub text: String,
    /// A notice about a replaced workspace offers to bring the previous one back.
    pub offers_restore: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ShareOutcome {
    Link(String),
    /// Too big for a link: the message, and the file export is offered instead.
    TooBig(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    Light,
    Dark,
}

/// Pass/fail of the expectations against the current verdicts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TestTally {
    pub passed: usize,
    pub failed: usize,
}

impl TestTally {
    pub fn total(&self) -> usize {
        self.passed + self.failed
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct AppState {
    pub workspace: Workspace,
    /// Bumped on every change of the workspace (autosave follows it).
    pub workspace_revision: u64,
    /// The workspace revision the last successful autosave stored.
    pub saved_revision: Option<u64>,
    /// Why the last autosave failed (cleared by the next success).
    pub save_error: Option<String>,
    /// Set when the events are held outside the editor.
    pub large_events: Option<LargeEvents>,
    /// Bumped when the editors must take their text from the state (load, example, import).
    pub editor_sync: u64,
    /// Bumped on every change of the events text.
    pub events_revision: u64,
    /// False until the saved work (or the link, or the first example) is in: nothing is
    /// evaluated or autosaved before, so a slow start never overwrites saved work.
    pub loaded: bool,
    /// The newest evaluation asked of the worker; older answers are ignored.
    pub latest_job: u64,
    pub compile: Option<CompileReport>,
    pub events_summary: Option<Rc<EventsSummary>>,
    pub results: Option<Results>,
    /// `Some((done, total))` while an evaluation runs.
    pub progress: Option<(usize, usize)>,
    pub evaluating: bool,
    pub selected: Option<usize>,
    pub explain_job: u64,
    pub explanation: Option<Rc<ExplainReport>>,
    pub notices: Vec<Notice>,
    pub next_notice: u64,
    pub share: Option<ShareOutcome>,
    pub theme: Theme,
    pub placeholders_text: String,
}

impl Default for AppState {
    fn default() -> AppState {
        AppState {
            workspace: Workspace::default(),
            workspace_revision: 0,
            saved_revision: None,
            save_error: None,
            large_events: None,
            editor_sync: 0,
            events_revision: 0,
            loaded: false,
            latest_job: 0,
            compile: None,
            events_summary: None,
            results: None,
            progress: None,
            evaluating: false,
            selected: None,
            explain_job: 0,
            explanation: None,
            notices: Vec::new(),
            next_notice: 1,
            share: None,
            theme: Theme::Light,
            placeholders_text: String::new(),
        }
    }
}

pub enum Action {
    /// Saved work, a link, an example or an imported file replaces the workspace.
    Load {
        workspace: Workspace,
        notice: Option<(NoticeLevel, String, bool)>,
    },
    RuleEdited(Rc<str>),
    EventsEdited(Rc<str>),
    /// New events from outside the editor (a file, "Clear events").
    LoadEvents(Rc<str>),
    LargeEventsLoaded {
        source: String,
        text: Rc<str>,
    },
    PlaceholdersEdited(String),
    ToggleLogsourceCheck,
    /// An evaluation was sent to the worker.
    EvaluationSent(u64),
    ExplainSent(u64),
    Worker(WorkerResponse),
    Select(Option<usize>),
    /// `None` clears the expectation.
    SetExpectation(usize, Option<bool>),
    /// Drops the expectations of events beyond the last one.
    DropDanglingExpectations,
    Shared(ShareOutcome),
    CloseShare,
    Notify(NoticeLevel, String),
    Dismiss(u64),
    SetTheme(Theme),
    /// Autosave of a workspace revision finished: `Err(reason)` when it failed.
    Saved(u64, Result<(), String>),
}

impl AppState {
    pub fn rule_options(&self) -> RuleOptions {
        RuleOptions {
            placeholders: self.workspace.placeholders.clone(),
            lint: true,
            logsource_check: self.workspace.logsource_check,
        }
    }

    /// The rule has errors: the results shown are those of the last rule that compiled.
    pub fn stale(&self) -> bool {
        self.compile.as_ref().is_some_and(|c| c.has_errors) && self.results.is_some()
    }

    pub fn verdict(&self, index: usize) -> Option<VerdictKind> {
        self.results.as_ref().and_then(|r| r.verdicts.get(index))
    }

    /// Outcome of event `index` against its expectation (ruletest's grading, as the CLI does).
    pub fn outcome(&self, index: usize) -> Outcome {
        let should_fire = self.workspace.expectations.get(&index).copied();
        let verdict = match self.verdict(index) {
            Some(VerdictKind::Fired) => Verdict::Fired,
            Some(VerdictKind::NotFired) => Verdict::NotFired,
            Some(VerdictKind::Error) | None => Verdict::Error,
        };
        Outcome::grade(verdict, should_fire)
    }

    /// Number of events in the results shown (0 before the first results).
    pub fn event_count(&self) -> usize {
        self.results.as_ref().map_or(0, |r| r.verdicts.len())
    }

    /// Expectations for events that the events text no longer has (kept while the text is being
    /// edited; the user can drop them).
    pub fn dangling_expectations(&self) -> usize {
        match &self.results {
            Some(_) => self
                .workspace
                .expectations
                .range(self.event_count()..)
                .count(),
            None => 0,
        }
    }

    pub fn tally(&self) -> TestTally {
        let mut tally = TestTally::default();
        let count = self.event_count();
        for &index in self
            .workspace
            .expectations
            .keys()
            .take_while(|&&i| i < count)
        {
            match self.outcome(index) {
                Outcome::Pass => tally.passed += 1,
                Outcome::Fail => tally.failed += 1,
                _ => {}
            }
        }
        tally
    }

    /// The text shown in the events editor: the events, or a preview of large ones.
    pub fn events_editor_text(&self) -> Rc<str> {
        match &self.large_events {
            Some(large) => large.preview.clone(),
            None => self.workspace.events.clone(),
        }
    }

    fn notify(&mut self, level: NoticeLevel, text: String, offers_restore: bool) {
        // One restore offer at a time: the newest replaced workspace is the one kept.
        if offers_restore {
            self.notices.retain(|n| !n.offers_restore);
        }
        self.notices.retain(|n| n.text != text);
        self.notices.push(Notice {
            id: self.next_notice,
            level,
            text,
            offers_restore,
        });
        self.next_notice += 1;
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

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        let changes_workspace = matches!(
            action,
            Action::Load { .. }
                | Action::RuleEdited(_)
                | Action::EventsEdited(_)
                | Action::LoadEvents(_)
                | Action::LargeEventsLoaded { .. }
                | Action::PlaceholdersEdited(_)
                | Action::ToggleLogsourceCheck
                | Action::SetExpectation(..)
                | Action::DropDanglingExpectations
        );
        if changes_workspace {
            s.workspace_revision += 1;
        }
        match action {
            Action::Load { workspace, notice } => {
                let large = workspace.events.len() > crate::editor::LARGE_EVENTS_CHARS;
                s.large_events = large.then(|| LargeEvents {
                    source: "saved work".into(),
                    bytes: workspace.events.len(),
                    preview: preview(&workspace.events, "saved work"),
                });
                s.placeholders_text = format_placeholders(&workspace.placeholders);
                s.workspace = workspace;
                s.editor_sync += 1;
                s.loaded = true;
                s.results = None;
                s.compile = None;
                s.selected = None;
                s.share = None;
                s.events_changed();
                if let Some((level, text, restore)) = notice {
                    s.notify(level, text, restore);
                }
            }
            Action::RuleEdited(rule) => {
                if *rule == *s.workspace.rule {
                    return self;
                }
                s.workspace.rule = rule;
                s.share = None;
            }
            Action::EventsEdited(events) => {
                if s.large_events.is_none() && *events == *s.workspace.events {
                    return self;
                }
                s.large_events = None;
                s.workspace.events = events;
                s.share = None;
                s.events_changed();
            }
            Action::LoadEvents(events) => {
                s.large_events = None;
                s.workspace.events = events;
                s.workspace.expectations.clear();
                s.editor_sync += 1;
                s.share = None;
                s.events_changed();
            }
            Action::LargeEventsLoaded { source, text } => {
                s.large_events = Some(LargeEvents {
                    preview: preview(&text, &source),
                    source,
                    bytes: text.len(),
                });
                s.workspace.events = text;
                s.workspace.expectations.clear();
                s.editor_sync += 1;
                s.share = None;
                s.events_changed();
            }
            Action::PlaceholdersEdited(text) => {
                s.workspace.placeholders = parse_placeholders(&text);
                s.placeholders_text = text;
                s.share = None;
            }
            Action::ToggleLogsourceCheck => {
                s.workspace.logsource_check = !s.workspace.logsource_check;
                s.share = None;
            }
            Action::EvaluationSent(job) => {
                s.latest_job = job;
                s.evaluating = true;
                s.progress = None;
            }
            Action::ExplainSent(job) => s.explain_job = job,
            Action::Worker(response) => match response {
                WorkerResponse::EventsParsed { revision, summary } => {
                    if revision == s.events_revision {
                        s.events_summary = Some(Rc::new(summary));
                    }
                }
                WorkerResponse::Compiled { job, report } => {
                    if job != s.latest_job {
                        return self;
                    }
                    if report.has_errors {
                        // No verdicts follow: the last good ones stay, marked stale.
                        s.evaluating = false;
                        s.progress = None;
                    }
                    s.compile = Some(report);
                }
                WorkerResponse::Progress { job, done, total } => {
                    if job != s.latest_job {
                        return self;
                    }
                    s.progress = Some((done, total));
                }
                WorkerResponse::Evaluated {
                    job,
                    events_revision,
                    verdicts,
                    elapsed_ms,
                } => {
                    if job != s.latest_job {
                        return self;
                    }
                    s.evaluating = false;
                    s.progress = None;
                    let events = match &s.events_summary {
                        Some(summary) if events_revision == s.events_revision => summary.clone(),
                        _ => Rc::new(EventsSummary::default()),
                    };
                    if let Some(sel) = s.selected {
                        if sel >= verdicts.len() {
                            s.selected = None;
                        }
                    }
                    s.results = Some(Results {
                        job,
                        verdicts: Rc::new(verdicts),
                        events,
                        elapsed_ms,
                    });
                }
                WorkerResponse::Explained { job, report } => {
                    if job != s.explain_job {
                        return self;
                    }
                    s.explanation = Some(Rc::new(report));
                }
                WorkerResponse::Failed { message } => {
                    s.evaluating = false;
                    s.progress = None;
                    s.notify(NoticeLevel::Error, message, false);
                }
            },
            Action::Select(index) => {
                if s.selected == index {
                    return self;
                }
                s.selected = index;
                s.explanation = None;
            }
            Action::SetExpectation(index, expectation) => match expectation {
                Some(should_fire) => {
                    s.workspace.expectations.insert(index, should_fire);
                }
                None => {
                    s.workspace.expectations.remove(&index);
                }
            },
            Action::DropDanglingExpectations => {
                let count = s.event_count();
                s.workspace.expectations.retain(|&i, _| i < count);
            }
            Action::Shared(outcome) => s.share = Some(outcome),
            Action::CloseShare => s.share = None,
            Action::Notify(level, text) => s.notify(level, text, false),
            Action::Dismiss(id) => s.notices.retain(|n| n.id != id),
            Action::SetTheme(theme) => s.theme = theme,
            Action::Saved(revision, Ok(())) => {
                s.saved_revision = Some(revision);
                s.save_error = None;
            }
            Action::Saved(_, Err(why)) => s.save_error = Some(why),
        }
        Rc::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sigmaplay_wasm::{DiagnosticSeverity, DiagnosticView};

    fn reduce(state: Rc<AppState>, action: Action) -> Rc<AppState> {
        state.reduce(action)
    }

    fn loaded() -> Rc<AppState> {
        let workspace = Workspace {
            rule: "title: r".into(),
            events: "{}\n{}\n".into(),
            ..Workspace::default()
        };
        reduce(
            Rc::new(AppState::default()),
            Action::Load {
                workspace,
                notice: None,
            },
        )
    }

    fn evaluated(state: Rc<AppState>, job: u64, kinds: &[VerdictKind]) -> Rc<AppState> {
        let rev = state.events_revision;
        let state = reduce(state, Action::EvaluationSent(job));
        let state = reduce(
            state,
            Action::Worker(WorkerResponse::EventsParsed {
                revision: rev,
                summary: EventsSummary {
                    format: "JSON Lines".into(),
                    count: kinds.len(),
                    lines: vec![1; kinds.len()],
                    errors: vec![],
                },
            }),
        );
        let state = reduce(
            state,
            Action::Worker(WorkerResponse::Compiled {
                job,
                report: CompileReport::default(),
            }),
        );
        reduce(
            state,
            Action::Worker(WorkerResponse::Evaluated {
                job,
                events_revision: rev,
                verdicts: Verdicts::from_kinds(kinds),
                elapsed_ms: 1.0,
            }),
        )
    }

    fn error_report() -> CompileReport {
        CompileReport {
            diagnostics: vec![DiagnosticView {
                severity: DiagnosticSeverity::Error,
                code: "yaml".into(),
                message: "bad".into(),
                line: Some(2),
                column: Some(3),
                end_line: None,
                end_column: None,
            }],
            rules: vec![],
            has_errors: true,
        }
    }

    #[test]
    fn load_marks_loaded_and_syncs_editors() {
        let state = loaded();
        assert!(state.loaded);
        assert_eq!(state.editor_sync, 1);
        assert_eq!(&*state.workspace.rule, "title: r");
    }

    #[test]
    fn broken_rule_keeps_last_results_marked_stale() {
        let state = evaluated(loaded(), 1, &[VerdictKind::Fired, VerdictKind::NotFired]);
        assert!(!state.stale());
        let state = reduce(state, Action::RuleEdited("title: [".into()));
        let state = reduce(state, Action::EvaluationSent(2));
        let state = reduce(
            state,
            Action::Worker(WorkerResponse::Compiled {
                job: 2,
                report: error_report(),
            }),
        );
        assert!(state.stale());
        assert!(!state.evaluating);
        assert_eq!(state.verdict(0), Some(VerdictKind::Fired));
        // Fixed again: fresh results, no longer stale.
        let state = evaluated(state, 3, &[VerdictKind::NotFired, VerdictKind::NotFired]);
        assert!(!state.stale());
        assert_eq!(state.verdict(0), Some(VerdictKind::NotFired));
    }

    #[test]
    fn answers_to_older_jobs_are_ignored() {
        let state = reduce(loaded(), Action::EvaluationSent(5));
        let stale_answer = WorkerResponse::Evaluated {
            job: 4,
            events_revision: state.events_revision,
            verdicts: Verdicts::from_kinds(&[VerdictKind::Fired]),
            elapsed_ms: 0.0,
        };
        let state = reduce(state, Action::Worker(stale_answer));
        assert!(state.results.is_none());
        assert!(state.evaluating);
        let state = reduce(
            state,
            Action::Worker(WorkerResponse::Progress {
                job: 5,
                done: 2000,
                total: 10000,
            }),
        );
        assert_eq!(state.progress, Some((2000, 10000)));
    }

    #[test]
    fn expectations_grade_pass_and_fail() {
        let state = evaluated(loaded(), 1, &[VerdictKind::Fired, VerdictKind::NotFired]);
        let state = reduce(state, Action::SetExpectation(0, Some(true)));
        let state = reduce(state, Action::SetExpectation(1, Some(true)));
        assert_eq!(state.outcome(0), Outcome::Pass);
        assert_eq!(state.outcome(1), Outcome::Fail);
        assert_eq!(
            state.tally(),
            TestTally {
                passed: 1,
                failed: 1
            }
        );
        let state = reduce(state, Action::SetExpectation(1, None));
        assert_eq!(
            state.tally(),
            TestTally {
                passed: 1,
                failed: 0
            }
        );
        assert_eq!(state.outcome(1), Outcome::Unchecked);
    }

    #[test]
    fn workspace_round_trips_through_a_rule_test_and_a_link() {
        let mut workspace = Workspace {
            rule: "title: x\n".into(),
            events: "{\"a\": 1}\n".into(),
            logsource_check: true,
            ..Workspace::default()
        };
        workspace.expectations.insert(0, true);
        workspace
            .placeholders
            .insert("Admins".into(), vec!["root".into()]);
        let test = workspace.to_test();
        assert_eq!(Workspace::from_test(test.clone()), workspace);
        let link = sigmaplay_ruletest::encode_link(&test, "http://localhost:8080/#old").unwrap();
        assert!(link.starts_with("http://localhost:8080/#"));
        let back = sigmaplay_ruletest::decode_link(&link).unwrap();
        assert_eq!(Workspace::from_test(back), workspace);
        // A truncated link is refused with a message, not read as something else.
        let truncated = &link[..link.len() - 10];
        let err = sigmaplay_ruletest::decode_link(truncated).unwrap_err();
        assert!(!err.to_string().is_empty());
    }

    #[test]
    fn large_events_are_previewed_and_clear_expectations() {
        let state = reduce(loaded(), Action::SetExpectation(0, Some(true)));
        let text: String = (0..1000).map(|i| format!("{{\"n\": {i}}}\n")).collect();
        let state = reduce(
            state,
            Action::LargeEventsLoaded {
                source: "big.jsonl".into(),
                text: text.clone().into(),
            },
        );
        let large = state.large_events.as_ref().unwrap();
        assert_eq!(large.bytes, text.len());
        assert!(state.events_editor_text().lines().count() < 210);
        assert_eq!(&*state.workspace.events, text.as_str());
        assert!(state.workspace.expectations.is_empty());
        // Typing in the editor again replaces the large events.
        let state = reduce(state, Action::EventsEdited("{}".into()));
        assert!(state.large_events.is_none());
    }

    #[test]
    fn placeholders_parse_and_format() {
        let map = parse_placeholders("Admins: root, admin\n\n%Users%: bob\nnonsense");
        assert_eq!(map["Admins"], vec!["root", "admin"]);
        assert_eq!(map["Users"], vec!["bob"]);
        assert_eq!(format_placeholders(&map), "Admins: root, admin\nUsers: bob");
    }

    #[test]
    fn autosave_tracks_the_revision_it_stored() {
        let state = loaded();
        let revision = state.workspace_revision;
        let state = reduce(state, Action::RuleEdited("title: changed".into()));
        assert!(state.workspace_revision > revision);
        let state = reduce(state, Action::Saved(revision, Ok(())));
        assert_ne!(state.saved_revision, Some(state.workspace_revision));
        let latest = state.workspace_revision;
        let state = reduce(state, Action::Saved(latest, Err("quota".into())));
        assert_eq!(state.save_error.as_deref(), Some("quota"));
        let state = reduce(state, Action::Saved(latest, Ok(())));
        assert_eq!(state.saved_revision, Some(latest));
        assert_eq!(state.save_error, None);
        // Selecting an event is not a change of the work.
        let state = reduce(state, Action::Select(Some(0)));
        assert_eq!(state.workspace_revision, latest);
    }

    #[test]
    fn one_restore_offer_at_a_time() {
        let mut state = loaded();
        for n in 0..3 {
            state = reduce(
                state,
                Action::Load {
                    workspace: Workspace::default(),
                    notice: Some((NoticeLevel::Info, format!("loaded {n}"), true)),
                },
            );
        }
        assert_eq!(state.notices.iter().filter(|n| n.offers_restore).count(), 1);
        let id = state.notices[0].id;
        let state = reduce(state, Action::Dismiss(id));
        assert!(state.notices.is_empty());
    }
}
