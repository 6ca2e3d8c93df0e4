//! The page: its layout and the hooks that run its side effects. One reducer ([`crate::state`])
//! holds the state; the components get the values they show and callbacks that dispatch
//! actions or start commands ([`crate::hooks`]).

use crate::components::correlation_panel::CorrelationPanel;
use crate::components::events_pane::EventsPane;
use crate::components::exercise_panel::ExercisePanel;
use crate::components::explanation::ExplanationPanel;
use crate::components::file_button::NamedText;
use crate::components::notices::NoticeBar;
use crate::components::pipeline_pane::PipelinePane;
use crate::components::regression::RegressionButtons;
use crate::components::rule_pane::RulePane;
use crate::components::ruleset::RuleSetView;
use crate::components::share_panel::SharePanel;
use crate::components::top_bar::{SaveState, TopBar};
use crate::components::verdict_list::VerdictList;
use crate::hooks::autosave::{self, use_autosave};
use crate::hooks::regression;
use crate::hooks::ruleset::{self, use_ruleset_pool, SharedPool};
use crate::hooks::share_link::{self, use_share_link};
use crate::hooks::test_file;
use crate::hooks::theme::{initial_theme, use_theme};
use crate::hooks::worker::use_engine_worker;
use crate::lessons::Lesson;
use crate::state::{authoring_hints, Action, AppState, RuleSetAction, View};
use yew::prelude::*;

type Dispatch = UseReducerDispatcher<AppState>;

/// A callback that runs `command` with the state of this render.
fn command<T: 'static>(
    state: &UseReducerHandle<AppState>,
    command: impl Fn(&AppState, &Dispatch, T) + 'static,
) -> Callback<T> {
    let state = state.clone();
    Callback::from(move |input| command(&state, &state.dispatcher(), input))
}

/// A callback that dispatches the rule-set action `f` makes of its input.
fn ruleset_action<T: 'static>(
    actions: &Callback<Action>,
    f: fn(T) -> RuleSetAction,
) -> Callback<T> {
    actions.reform(move |x| Action::RuleSet(f(x)))
}

/// The rule-set view with its commands (each runs on the workers of `pool`).
fn ruleset_view(
    state: &UseReducerHandle<AppState>,
    actions: &Callback<Action>,
    pool: &SharedPool,
) -> Html {
    let on_rules = {
        let pool = pool.clone();
        command(state, move |s, d, files| {
            ruleset::load_rules(&pool, s, d, files)
        })
    };
    let on_events = {
        let pool = pool.clone();
        command(state, move |s, d, file| {
            ruleset::open_events(&pool, s, d, file)
        })
    };
    let on_cancel = {
        let pool = pool.clone();
        command(state, move |_, d, ()| ruleset::cancel(&pool, d))
    };
    let on_open_hit = {
        let pool = pool.clone();
        command(state, move |s, d, (rule, place)| {
            ruleset::open_hit(&pool, &s.workspace, d, rule, place)
        })
    };
    let on_export = command(state, |s, _, format| ruleset::export(&s.ruleset, format));
    let on_close = actions.reform(|()| Action::RuleSet(RuleSetAction::Show(View::Playground)));
    html! {
        <RuleSetView ruleset={state.ruleset.clone()} {on_rules} {on_events} {on_cancel} {on_close}
            on_sort={ruleset_action(actions, RuleSetAction::SortBy)} on_filter={ruleset_action(actions, RuleSetAction::Filter)}
            on_select_rule={ruleset_action(actions, RuleSetAction::SelectRule)} {on_open_hit} {on_export} />
    }
}

#[component]
pub fn App() -> Html {
    let state = use_reducer(|| AppState {
        theme: initial_theme(),
        ..AppState::default()
    });
    let dispatch = state.dispatcher();
    use_share_link(&state, dispatch.clone());
    use_theme(state.theme);
    use_engine_worker(&state, dispatch.clone());
    use_autosave(&state, dispatch.clone());

    // Rebuilt when the events or the placeholders change, not on every keystroke.
    let hints = use_memo(
        (
            state.events_summary.clone(),
            state.workspace.placeholders.clone(),
        ),
        |(summary, placeholders)| authoring_hints(summary.as_deref(), placeholders),
    );
    let actions = Callback::from(dispatch);
    let theme = state.theme;
    let on_theme = actions.reform(move |()| Action::SetTheme(theme.other()));
    let on_lesson = command(&state, |s, d, lesson: &'static Lesson| {
        autosave::replace_workspace(&s.workspace, d, lesson.workspace(), lesson.opened())
    });
    let on_exercise = command(&state, |s, d, lesson: &'static Lesson| {
        let Some(workspace) = lesson.exercise_workspace() else {
            return;
        };
        let what = format!(
            "Exercise \u{201c}{}\u{201d}: write the rule; the page grades each try.",
            lesson.title
        );
        let then = Some(Action::StartExercise(lesson.id));
        autosave::replace_workspace_then(&s.workspace, d, workspace, what, then)
    });
    let on_import = command(&state, |s, d, file| {
        test_file::import(&s.workspace, d, file)
    });
    let on_restore = command(&state, |s, d, ()| {
        autosave::restore_previous(&s.workspace, d)
    });
    let on_share = command(&state, |s, d, ()| share_link::share(&s.workspace, d));
    let on_export = command(&state, |s, _, ()| test_file::export(&s.workspace));
    let on_import_regression = command(&state, |s, d, files| {
        regression::import(&s.workspace, d, files)
    });
    let on_export_regression = command(&state, |s, d, ()| regression::export(&s.workspace, d));
    let on_open_exemplars = command(&state, |s, d, ()| {
        regression::open_exemplars(&s.workspace, d)
    });
    let on_write_exemplars = command(&state, |s, d, ()| {
        regression::write_exemplars(&s.workspace, d)
    });
    let on_evtx = command(&state, |_, d, file| regression::open_evtx(d, file));
    let on_new_rule = command(&state, |_, d, from| regression::draft_rule(d, from));
    let on_large_events = actions.reform(|file: NamedText| Action::LargeEventsLoaded {
        source: file.name,
        text: file.text.into(),
    });
    let pool = use_ruleset_pool();
    let on_ruleset = actions.reform(|()| Action::RuleSet(RuleSetAction::Show(View::RuleSet)));
    let save = SaveState {
        loaded: state.loaded,
        revision: state.workspace_revision,
        saved: state.saved_revision,
        error: state.save_error.clone(),
    };
    let rules = std::rc::Rc::new(
        state
            .compile
            .as_ref()
            .map(|c| c.rules.clone())
            .unwrap_or_default(),
    );
    let correlation_events = state
        .results
        .as_ref()
        .map(|r| r.events.clone())
        .unwrap_or_default();
    let selected_line = state.selected.and_then(|index| {
        let results = state.results.as_ref()?;
        results.events.lines.get(index).copied()
    });

    html! {
        <div class="app">
            <TopBar {save} {theme} {on_lesson} {on_exercise} {on_share} on_export={on_export.clone()} {on_import} {on_theme} {on_ruleset} />
            <NoticeBar notices={state.notices.clone()} on_dismiss={actions.reform(Action::Dismiss)} {on_restore} />
            if let Some(exercise) = state.exercise {
                <ExercisePanel {exercise} grade={state.exercise_grade()} on_hint={actions.reform(|()| Action::ShowHint)}
                    on_solution_shown={actions.reform(|()| Action::SolutionShown)} on_close={actions.reform(|()| Action::EndExercise)} />
            }
            <SharePanel share={state.share.clone()} on_close={actions.reform(|()| Action::CloseShare)} {on_export} />
            if state.view == View::RuleSet {
                { ruleset_view(&state, &actions, &pool) }
            }
            // Hidden, not unmounted, behind the rule-set view: its editors keep their state.
            <main class="workspace" hidden={state.view == View::RuleSet}>
                <section class="pane rule-pane" aria-label="Rule">
                    <RulePane rule={AttrValue::from(state.workspace.rule.clone())} sync={state.editor_sync}
                        compile={state.compile.clone()} placeholders_text={state.placeholders_text.clone()}
                        logsource_check={state.workspace.logsource_check} on_edit={actions.reform(Action::RuleEdited)}
                        on_placeholders={actions.reform(Action::PlaceholdersEdited)} hints={hints}
                        on_logsource_check={actions.reform(|()| Action::ToggleLogsourceCheck)} />
                    <PipelinePane value={AttrValue::from(state.pipeline_value().to_string())}
                        custom_text={AttrValue::from(state.custom_pipeline_text.clone())} sync={state.editor_sync}
                        compile={state.compile.clone()} on_select={actions.reform(Action::SelectPipeline)}
                        on_edit={actions.reform(Action::PipelineEdited)} />
                </section>
                <section class="pane events-pane" aria-label="Events">
                    <EventsPane text={AttrValue::from(state.events_editor_text())} sync={state.editor_sync}
                        large_events={state.large_events.clone()} summary={state.events_summary.clone()}
                        on_edit={actions.reform(Action::EventsEdited)} on_replace={actions.reform(Action::LoadEvents)}
                        on_large={on_large_events} pipeline={AttrValue::from(state.pipeline_value().to_string())}
                        on_pipeline={actions.reform(Action::SelectPipeline)} on_evtx={Some(on_evtx)} />
                </section>
                <section class="pane verdicts-pane" aria-label="Verdicts">
                    <RegressionButtons on_import={on_import_regression} on_export={on_export_regression}
                        {on_open_exemplars} {on_write_exemplars} />
                    <VerdictList results={state.results.clone()} expectations={state.workspace.expectations.clone()}
                        selected={state.selected} stale={state.stale()} progress={state.progress} evaluating={state.evaluating}
                        tally={state.tally()} dangling={state.dangling_expectations()}
                        on_select={actions.reform(Action::Select)}
                        on_expect={actions.reform(|(index, expectation)| Action::SetExpectation(index, expectation))}
                        on_drop_dangling={actions.reform(|()| Action::DropDanglingExpectations)}
                        fired={state.correlated_shown()} rules={rules.clone()} />
                </section>
                <section class="pane explain-pane" aria-label="Explanation">
                    <ExplanationPanel selected={state.selected} explanation={state.explanation.clone()} line={selected_line}
                        on_pipeline={actions.reform(Action::SelectPipeline)} {on_new_rule} />
                </section>
                if let Some(report) = state.correlation_report_rc() {
                    <section class="pane correlation-pane" aria-label="Correlations">
                        <CorrelationPanel {report} rules={(*rules).clone()} grades={std::rc::Rc::new(state.alert_grades())}
                            selected_alert={state.selected_alert} selected_event={state.selected} events={correlation_events}
                            timestamp_field={AttrValue::from(state.workspace.timestamp_field.clone().unwrap_or_default())}
                            on_select_alert={actions.reform(Action::SelectAlert)} on_select_event={actions.reform(Action::Select)}
                            on_expect={actions.reform(|(correlation, group, should_alert)| Action::SetAlertExpectation { correlation, group, should_alert })}
                            on_timestamp_field={actions.reform(Action::TimestampFieldEdited)} />
                    </section>
                }
            </main>
        </div>
    }
}
