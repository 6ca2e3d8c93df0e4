//! The app's state and its one reducer: every change the page makes goes through [`Action`], so
//! the rules of the page (stale results, job ordering, expectations...) are tested without a
//! browser. The reducer's parts live by concern: [`workspace`] (the work and its edits),
//! [`results`] (the worker's answers and the grading), [`notices`].

mod correlations;
mod exercise;
mod notices;
mod results;
mod ruleset;
#[cfg(test)]
mod tests;
mod workspace;

pub use correlations::{AlertGrades, Correlated, GroupGrade};
pub use exercise::{ExerciseGrade, ExerciseState};
pub use notices::{NewNotice, Notice, NoticeLevel};
pub use results::{grade, Results, TestTally};
pub use ruleset::{
    Row, RowFilter, RuleSetAction, RuleSetState, Run, RunEnd, Sort, SortColumn, Timeline, View,
    LEVELS,
};
pub use workspace::{authoring_hints, human_bytes, LargeEvents, Workspace, LARGE_EVENTS_CHARS};

use sigmaplay_ruletest::EventKey;
use sigmaplay_wasm::protocol::WorkerResponse;
use sigmaplay_wasm::{CompileReport, EventsSummary, ExplainReport, RuleOptions};
use std::rc::Rc;
use yew::Reducible;

/// What the custom pipeline editor starts with: a one-item pipeline to adapt.
pub const DEFAULT_CUSTOM_PIPELINE: &str = "name: my field names\npriority: 30\ntransformations:\n  - id: my_fields\n    type: field_name_mapping\n    mapping:\n      Image: process.executable\n      CommandLine: process.command_line\n";

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

impl Theme {
    pub fn other(self) -> Theme {
        match self {
            Theme::Light => Theme::Dark,
            Theme::Dark => Theme::Light,
        }
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
    /// The event keys the expectations were last placed on, and the events revision they are
    /// of (`None` after a load: a file's expectations are placed by their own keys alone).
    pub placed_keys: Option<Rc<[EventKey]>>,
    pub placed_on: Option<u64>,
    pub results: Option<Results>,
    /// `Some((done, total))` while an evaluation runs.
    pub progress: Option<(usize, usize)>,
    pub evaluating: bool,
    /// Bumped when the worker failed and the evaluation is run again on a new one (once per
    /// change: a failure the retry meets too is left to the notice).
    pub engine_restarts: u64,
    /// Set while that retry is out.
    pub retrying: bool,
    pub selected: Option<usize>,
    pub explain_job: u64,
    pub explanation: Option<Rc<ExplainReport>>,
    pub notices: Vec<Notice>,
    pub next_notice: u64,
    pub share: Option<ShareOutcome>,
    pub theme: Theme,
    pub placeholders_text: String,
    /// The custom pipeline editor's text, kept while a built-in (or none) is picked.
    pub custom_pipeline_text: Rc<str>,
    /// The rules that fired per event and the correlations' run of the newest evaluation.
    pub correlated: Option<Rc<Correlated>>,
    /// The alert whose events are listed: (correlation, alert) in the correlation report.
    pub selected_alert: Option<(usize, usize)>,
    pub view: View,
    pub ruleset: RuleSetState,
    /// The exercise being done, if any (opening other work ends it).
    pub exercise: Option<ExerciseState>,
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
            placed_keys: None,
            placed_on: None,
            results: None,
            progress: None,
            evaluating: false,
            engine_restarts: 0,
            retrying: false,
            selected: None,
            explain_job: 0,
            explanation: None,
            notices: Vec::new(),
            next_notice: 1,
            share: None,
            theme: Theme::Light,
            placeholders_text: String::new(),
            custom_pipeline_text: Rc::from(DEFAULT_CUSTOM_PIPELINE),
            correlated: None,
            selected_alert: None,
            view: View::Playground,
            ruleset: RuleSetState::default(),
            exercise: None,
        }
    }
}

pub enum Action {
    /// Saved work, a link, an example or an imported file replaces the workspace.
    Load {
        workspace: Workspace,
        notice: Option<NewNotice>,
    },
    RuleEdited(Rc<str>),
    EventsEdited(Rc<str>),
    /// New events from outside the editor (a file, "Clear events").
    LoadEvents(Rc<str>),
    LargeEventsLoaded {
        source: String,
        text: Rc<str>,
    },
    /// An `.evtx` file the worker read: its records become the events (held outside the editor).
    EvtxLoaded(sigmaplay_wasm::regression::EvtxRead),
    PlaceholdersEdited(String),
    ToggleLogsourceCheck,
    /// The pipeline picker's value (see [`AppState::select_pipeline`]).
    SelectPipeline(String),
    /// The custom pipeline's text was edited.
    PipelineEdited(Rc<str>),
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
    Notify(NewNotice),
    Dismiss(u64),
    SetTheme(Theme),
    /// Autosave of a workspace revision finished: `Err(reason)` when it failed.
    Saved(u64, Result<(), String>),
    /// (correlation, alert) of the correlation report, or none.
    SelectAlert(Option<(usize, usize)>),
    /// Group `group` of correlation `correlation` should (not) alert; `None` clears it.
    SetAlertExpectation {
        correlation: usize,
        group: usize,
        should_alert: Option<bool>,
    },
    TimestampFieldEdited(String),
    RuleSet(RuleSetAction),
    /// The lesson (by id) whose exercise was just loaded.
    StartExercise(&'static str),
    ShowHint,
    /// The solution was put in the editor.
    SolutionShown,
    EndExercise,
}

impl Action {
    /// The actions that change the work (and so bump the revision the autosave follows).
    fn edits_workspace(&self) -> bool {
        matches!(
            self,
            Action::Load { .. }
                | Action::RuleEdited(_)
                | Action::EventsEdited(_)
                | Action::LoadEvents(_)
                | Action::LargeEventsLoaded { .. }
                | Action::EvtxLoaded(_)
                | Action::PlaceholdersEdited(_)
                | Action::ToggleLogsourceCheck
                | Action::SelectPipeline(_)
                | Action::PipelineEdited(_)
                | Action::SetExpectation(..)
                | Action::DropDanglingExpectations
                | Action::SetAlertExpectation { .. }
                | Action::TimestampFieldEdited(_)
        )
    }
}

impl AppState {
    pub fn rule_options(&self) -> RuleOptions {
        RuleOptions {
            placeholders: self.workspace.placeholders.clone(),
            lint: true,
            logsource_check: self.workspace.logsource_check,
            pipeline: self.workspace.pipeline.clone(),
            timestamp_field: self.workspace.timestamp_field.clone(),
        }
    }
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        let edits_workspace = action.edits_workspace();
        let changed = match action {
            Action::Load { workspace, notice } => {
                s.exercise = None;
                s.load(workspace, notice)
            }
            Action::StartExercise(lesson) => s.start_exercise(lesson),
            Action::ShowHint => s.show_hint(),
            Action::SolutionShown => s.solution_shown(),
            Action::EndExercise => s.exercise.take().is_some(),
            Action::RuleEdited(rule) => s.rule_edited(rule),
            Action::EventsEdited(events) => s.events_edited(events),
            Action::LoadEvents(events) => s.events_replaced(events, None),
            Action::LargeEventsLoaded { source, text } => s.large_events_loaded(source, text),
            Action::EvtxLoaded(read) => s.evtx_loaded(read),
            Action::PlaceholdersEdited(text) => s.placeholders_edited(text),
            Action::ToggleLogsourceCheck => s.toggle_logsource_check(),
            Action::SelectPipeline(value) => s.select_pipeline(&value),
            Action::PipelineEdited(text) => s.pipeline_edited(text),
            Action::SetExpectation(index, expectation) => s.set_expectation(index, expectation),
            Action::DropDanglingExpectations => s.drop_dangling_expectations(),
            Action::EvaluationSent(job) => s.evaluation_sent(job),
            Action::ExplainSent(job) => {
                s.explain_job = job;
                true
            }
            Action::Worker(response) => s.worker_answered(response),
            Action::Select(index) => s.select(index),
            Action::Shared(outcome) => {
                s.share = Some(outcome);
                true
            }
            Action::CloseShare => {
                s.share = None;
                true
            }
            Action::Notify(notice) => {
                s.notify(notice);
                true
            }
            Action::Dismiss(id) => {
                s.notices.retain(|n| n.id != id);
                true
            }
            Action::SetTheme(theme) => {
                s.theme = theme;
                true
            }
            Action::Saved(revision, Ok(())) => {
                s.saved_revision = Some(revision);
                s.save_error = None;
                true
            }
            Action::Saved(_, Err(why)) => {
                s.save_error = Some(why);
                true
            }
            Action::SelectAlert(alert) => s.select_alert(alert),
            Action::SetAlertExpectation {
                correlation,
                group,
                should_alert,
            } => s.set_alert_expectation(correlation, group, should_alert),
            Action::TimestampFieldEdited(text) => s.timestamp_field_edited(&text),
            Action::RuleSet(action) => s.ruleset_action(action),
        };
        if !changed {
            return self;
        }
        if edits_workspace {
            s.workspace_revision += 1;
        }
        Rc::new(s)
    }
}
