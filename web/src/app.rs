//! The page: one reducer ([`crate::state`]) holds the state; components get props and send
//! actions up. Side effects (worker messages, timers, storage, editors) live in this module's
//! effects, never in the reducer.

use crate::editor::{self, CodeEditor, EditorKind};
use crate::examples::{self, EXAMPLES};
use crate::state::{Action, AppState, NoticeLevel, ShareOutcome, Theme, Workspace};
use crate::views::{DiagnosticsList, EventErrors, ExplanationPanel, NoticeBar, VerdictList};
use crate::worker::{EngineWorker, JsCodec};
use gloo_timers::callback::Timeout;
use gloo_worker::{Spawnable, WorkerBridge};
use serde::Serialize;
use sigmaplay_ruletest::{decode_link, encode_link, LinkError, RuleTest};
use sigmaplay_wasm::protocol::{WorkerRequest, WorkerResponse};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{spawn_local, JsFuture};
use yew::prelude::*;

/// IndexedDB keys.
const SAVE_KEY: &str = "current";
/// The work that was there before a link, an example or an import replaced it.
const PREVIOUS_KEY: &str = "previous";
const THEME_KEY: &str = "sigmaplay-theme";

/// Typing pauses this long before the rule is evaluated.
const RULE_DEBOUNCE_MS: u32 = 120;
/// The events text is pulled from the editor after this pause (it may be large).
const EVENTS_DEBOUNCE_MS: u32 = 250;
const AUTOSAVE_DEBOUNCE_MS: u32 = 300;

/// Everything the page keeps outside the reducer: the worker and the pending timers.
#[derive(Default)]
struct Runtime {
    bridge: Option<WorkerBridge<EngineWorker>>,
    /// Set when the worker reported a failure: it is replaced before the next request.
    failed: Rc<Cell<bool>>,
    /// The events revision the worker holds.
    sent_events_revision: Option<u64>,
    next_job: u64,
    eval_timer: Option<Timeout>,
    events_timer: Option<Timeout>,
    save_timer: Option<Timeout>,
}

impl Runtime {
    fn bridge(&mut self, dispatch: &UseReducerDispatcher<AppState>) -> &WorkerBridge<EngineWorker> {
        if self.failed.get() || self.bridge.is_none() {
            let dispatch = dispatch.clone();
            let failed = self.failed.clone();
            failed.set(false);
            let bridge = EngineWorker::spawner()
                .callback(move |response: WorkerResponse| {
                    if matches!(response, WorkerResponse::Failed { .. }) {
                        failed.set(true);
                    }
                    dispatch.dispatch(Action::Worker(response));
                })
                .encoding::<JsCodec>()
                .spawn("./sigmaplay-worker.js");
            self.bridge = Some(bridge);
            self.sent_events_revision = None;
        }
        self.bridge.as_ref().expect("bridge was just set")
    }

    fn job(&mut self) -> u64 {
        self.next_job += 1;
        self.next_job
    }
}

fn window() -> web_sys::Window {
    web_sys::window().expect("a page has a window")
}

fn local_storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

fn initial_theme() -> Theme {
    if let Some(saved) = local_storage().and_then(|s| s.get_item(THEME_KEY).ok().flatten()) {
        return if saved == "dark" {
            Theme::Dark
        } else {
            Theme::Light
        };
    }
    let dark = window()
        .match_media("(prefers-color-scheme: dark)")
        .ok()
        .flatten()
        .is_some_and(|m| m.matches());
    if dark {
        Theme::Dark
    } else {
        Theme::Light
    }
}

async fn load_saved(key: &str) -> Option<RuleTest> {
    let value = JsFuture::from(editor::idb_load(key)).await.ok()?;
    let text = value.as_string()?;
    RuleTest::from_json(&text).ok()
}

async fn save(key: &str, test: &RuleTest) -> Result<(), String> {
    JsFuture::from(editor::idb_save(key, &JsValue::from_str(&test.to_json())))
        .await
        .map(|_| ())
        .map_err(|e| e.as_string().unwrap_or_else(|| format!("{e:?}")))
}

fn current_href() -> String {
    window().location().href().unwrap_or_default()
}

/// Drops the fragment from the address bar: after a link is opened, a reload restores the
/// autosaved work rather than opening the link again over later edits.
fn clear_fragment() {
    let location = window().location();
    let clean = format!(
        "{}{}",
        location.pathname().unwrap_or_default(),
        location.search().unwrap_or_default()
    );
    if let Ok(history) = window().history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&clean));
    }
}

/// First load: a shared link, else the saved work, else the default example.
async fn initial_load(dispatch: UseReducerDispatcher<AppState>) {
    if !open_link_in_location(&dispatch, None).await {
        let saved = load_saved(SAVE_KEY).await;
        let workspace = saved.map_or_else(
            || examples::default_example().workspace(),
            Workspace::from_test,
        );
        dispatch.dispatch(Action::Load {
            workspace,
            notice: None,
        });
    }
}

/// Opens the share link in the address bar, if there is one (at load, or when a link is pasted
/// into the address bar of the open page, with `shown` the work on screen). The work it replaces
/// is kept as "previous"; a bad link only adds a message (at first load, the saved work is loaded
/// with it). Returns whether the address had a fragment.
async fn open_link_in_location(
    dispatch: &UseReducerDispatcher<AppState>,
    shown: Option<Workspace>,
) -> bool {
    let href = current_href();
    let has_fragment = href.split_once('#').is_some_and(|(_, f)| !f.is_empty());
    if !has_fragment {
        return false;
    }
    clear_fragment();
    let first_load = shown.is_none();
    let saved = match shown {
        Some(shown) => Some(shown.to_test()),
        None => load_saved(SAVE_KEY).await,
    };
    match decode_link(&href) {
        Ok(test) => {
            let shared = Workspace::from_test(test);
            let notice = match saved {
                Some(saved) if Workspace::from_test(saved.clone()) != shared => {
                    // Keep the work that was here; the notice offers it back.
                    let _ = save(PREVIOUS_KEY, &saved).await;
                    (
                        NoticeLevel::Info,
                        "Opened a shared link. Your previous work was kept: restore it any time."
                            .to_string(),
                        true,
                    )
                }
                _ => (
                    NoticeLevel::Info,
                    "Opened a shared link.".to_string(),
                    false,
                ),
            };
            dispatch.dispatch(Action::Load {
                workspace: shared,
                notice: Some(notice),
            });
        }
        Err(error) => {
            let what = if saved.is_some() || !first_load {
                "your work is unchanged"
            } else {
                "showing the example instead"
            };
            let text = link_error_text(&error, what);
            if first_load {
                let workspace = saved.map_or_else(
                    || examples::default_example().workspace(),
                    Workspace::from_test,
                );
                dispatch.dispatch(Action::Load {
                    workspace,
                    notice: Some((NoticeLevel::Error, text, false)),
                });
            } else {
                dispatch.dispatch(Action::Notify(NoticeLevel::Error, text));
            }
        }
    }
    true
}

fn link_error_text(error: &LinkError, what: &str) -> String {
    format!("This link could not be opened: {error}. Nothing was lost: {what}.")
}

/// Replaces the workspace (example, imported file) after keeping the current one as "previous".
fn replace_workspace(
    state: &AppState,
    dispatch: &UseReducerDispatcher<AppState>,
    workspace: Workspace,
    what: String,
) {
    let previous = state.workspace.to_test();
    let unchanged = state.workspace == workspace;
    let dispatch = dispatch.clone();
    spawn_local(async move {
        let kept = !unchanged && save(PREVIOUS_KEY, &previous).await.is_ok();
        let text = if kept {
            format!("{what} Your previous work was kept: restore it any time.")
        } else {
            what
        };
        dispatch.dispatch(Action::Load {
            workspace,
            notice: Some((NoticeLevel::Info, text, kept)),
        });
    });
}

#[component]
pub fn App() -> Html {
    let state = use_reducer(|| AppState {
        theme: initial_theme(),
        ..AppState::default()
    });
    let runtime = use_mut_ref(Runtime::default);
    let dispatch = state.dispatcher();

    // The work on screen, for handlers that outlive a render (a link opened into the page).
    let shown_workspace = use_mut_ref(|| None::<Workspace>);
    if state.loaded {
        *shown_workspace.borrow_mut() = Some(state.workspace.clone());
    }

    // First load, then links pasted into the address bar of the open page.
    {
        let dispatch = dispatch.clone();
        let shown_workspace = shown_workspace.clone();
        use_effect_with((), move |_| {
            spawn_local(initial_load(dispatch.clone()));
            let on_hash = Closure::<dyn Fn()>::new(move || {
                let dispatch = dispatch.clone();
                let shown = shown_workspace.borrow().clone();
                spawn_local(async move {
                    open_link_in_location(&dispatch, Some(shown.unwrap_or_default())).await;
                });
            });
            let _ = window()
                .add_event_listener_with_callback("hashchange", on_hash.as_ref().unchecked_ref());
            move || {
                let _ = window().remove_event_listener_with_callback(
                    "hashchange",
                    on_hash.as_ref().unchecked_ref(),
                );
            }
        });
    }

    // Theme on <html data-theme>, remembered.
    use_effect_with(state.theme, |theme| {
        let name = if *theme == Theme::Dark {
            "dark"
        } else {
            "light"
        };
        if let Some(root) = window().document().and_then(|d| d.document_element()) {
            let _ = root.set_attribute("data-theme", name);
        }
        if let Some(storage) = local_storage() {
            let _ = storage.set_item(THEME_KEY, name);
        }
    });

    // Evaluate (debounced) whenever what the verdicts depend on changes.
    {
        let runtime = runtime.clone();
        let dispatch = dispatch.clone();
        let deps = (
            state.loaded,
            state.workspace.rule.clone(),
            state.events_revision,
            state.workspace.placeholders.clone(),
            state.workspace.logsource_check,
        );
        let events = state.workspace.events.clone();
        let options = state.rule_options();
        use_effect_with(deps, move |(loaded, rule, revision, _, _)| {
            if *loaded {
                let rule = rule.to_string();
                let revision = *revision;
                let timer_runtime = runtime.clone();
                let timer = Timeout::new(RULE_DEBOUNCE_MS, move || {
                    let mut rt = timer_runtime.borrow_mut();
                    let job = rt.job();
                    // (Re)starting the worker forgets which events it had, so decide after.
                    let bridge_ready = rt.bridge.is_some() && !rt.failed.get();
                    let send_events = !bridge_ready || rt.sent_events_revision != Some(revision);
                    let bridge = rt.bridge(&dispatch);
                    if send_events {
                        bridge.send(WorkerRequest::SetEvents {
                            revision,
                            text: events.to_string(),
                        });
                    }
                    bridge.send(WorkerRequest::Evaluate { job, rule, options });
                    rt.sent_events_revision = Some(revision);
                    drop(rt);
                    dispatch.dispatch(Action::EvaluationSent(job));
                });
                runtime.borrow_mut().eval_timer = Some(timer);
            }
        });
    }

    // Explain the selected event with the results shown.
    {
        let runtime = runtime.clone();
        let dispatch = dispatch.clone();
        let deps = (state.selected, state.results.as_ref().map(|r| r.job));
        use_effect_with(deps, move |(selected, job)| {
            if let (Some(index), Some(_)) = (selected, job) {
                let mut rt = runtime.borrow_mut();
                let job = rt.job();
                rt.bridge(&dispatch).send(WorkerRequest::Explain {
                    job,
                    event_index: *index,
                });
                drop(rt);
                dispatch.dispatch(Action::ExplainSent(job));
            }
        });
    }

    // Autosave (debounced) after every change of the workspace.
    {
        let runtime = runtime.clone();
        let deps = (state.loaded, state.workspace_revision);
        let workspace = state.workspace.clone();
        let dispatch = dispatch.clone();
        use_effect_with(deps, move |(loaded, revision)| {
            if *loaded {
                let revision = *revision;
                let timer = Timeout::new(AUTOSAVE_DEBOUNCE_MS, move || {
                    let test = workspace.to_test();
                    spawn_local(async move {
                        let result = save(SAVE_KEY, &test).await;
                        dispatch.dispatch(Action::Saved(revision, result));
                    });
                });
                runtime.borrow_mut().save_timer = Some(timer);
            }
        });
    }

    // Rule diagnostics → underlines in the rule editor.
    {
        let compile = state.compile.clone();
        use_effect_with(compile, |compile| {
            let list = js_sys::Array::new();
            if let Some(report) = compile {
                for d in &report.diagnostics {
                    if let Ok(v) = d.serialize(&serde_wasm_bindgen::Serializer::json_compatible()) {
                        list.push(&camel_diag(&v));
                    }
                }
            }
            editor::with_editor(EditorKind::Rule, |e| e.set_diagnostics(&list));
        });
    }
    // Unreadable events → underlines in the events editor.
    {
        let summary = state.events_summary.clone();
        use_effect_with(summary, |summary| {
            let list = js_sys::Array::new();
            if let Some(summary) = summary {
                for e in summary.errors.iter().take(500) {
                    let o = js_sys::Object::new();
                    set(&o, "line", &JsValue::from_f64(e.line as f64));
                    set(&o, "column", &JsValue::from_f64(e.column as f64));
                    set(&o, "severity", &JsValue::from_str("error"));
                    set(&o, "message", &JsValue::from_str(&e.message));
                    list.push(&o);
                }
            }
            editor::with_editor(EditorKind::Events, |e| e.set_diagnostics(&list));
        });
    }

    // --- callbacks ---
    let on_rule_change = {
        let dispatch = dispatch.clone();
        Callback::from(move |text: Option<String>| {
            if let Some(text) = text {
                dispatch.dispatch(Action::RuleEdited(text.into()));
            }
        })
    };
    let on_events_change = {
        let dispatch = dispatch.clone();
        let runtime = runtime.clone();
        Callback::from(move |_: Option<String>| {
            let dispatch = dispatch.clone();
            let timer = Timeout::new(EVENTS_DEBOUNCE_MS, move || {
                if let Some(text) = editor::with_editor(EditorKind::Events, |e| e.get_text()) {
                    dispatch.dispatch(Action::EventsEdited(text.into()));
                }
            });
            runtime.borrow_mut().events_timer = Some(timer);
        })
    };
    let on_large_input = {
        let dispatch = dispatch.clone();
        Callback::from(move |(text, source): (String, String)| {
            dispatch.dispatch(Action::LargeEventsLoaded {
                source,
                text: text.into(),
            });
        })
    };
    let on_example = {
        let state = state.clone();
        let dispatch = dispatch.clone();
        Callback::from(move |e: Event| {
            let Some(select) = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
            else {
                return;
            };
            let id = select.value();
            select.set_value("");
            if let Some(example) = examples::find(&id) {
                replace_workspace(
                    &state,
                    &dispatch,
                    example.workspace(),
                    format!(
                        "Lesson \u{201c}{}\u{201d}: {}",
                        example.title, example.lesson
                    ),
                );
            }
        })
    };
    let on_share = {
        let state = state.clone();
        let dispatch = dispatch.clone();
        Callback::from(move |_| {
            let test = state.workspace.to_test();
            match encode_link(&test, &current_href()) {
                Ok(link) => {
                    let _ = editor::copy_text(&link);
                    dispatch.dispatch(Action::Shared(ShareOutcome::Link(link)));
                }
                Err(error @ (LinkError::TooLong { .. } | LinkError::TooBig { .. })) => {
                    dispatch.dispatch(Action::Shared(ShareOutcome::TooBig(format!(
                        "Too big to share as a link: {error}."
                    ))));
                }
                Err(error) => dispatch.dispatch(Action::Notify(
                    NoticeLevel::Error,
                    format!("Could not make a link: {error}"),
                )),
            }
        })
    };
    let on_export = {
        let state = state.clone();
        Callback::from(move |_| {
            let test = state.workspace.to_test();
            editor::download("sigma-test.json", &test.to_json(), "application/json");
        })
    };
    let import_input = use_node_ref();
    let on_import_click = {
        let import_input = import_input.clone();
        Callback::from(move |_| {
            if let Some(input) = import_input.cast::<web_sys::HtmlInputElement>() {
                input.click();
            }
        })
    };
    let on_import_file = {
        let state = state.clone();
        let dispatch = dispatch.clone();
        Callback::from(move |e: Event| {
            let Some(input) = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            else {
                return;
            };
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            input.set_value("");
            let state = state.clone();
            let dispatch = dispatch.clone();
            spawn_local(async move {
                let name = file.name();
                let text = JsFuture::from(editor::read_file(&file))
                    .await
                    .ok()
                    .and_then(|v| v.as_string())
                    .unwrap_or_default();
                match RuleTest::from_json(&text) {
                    Ok(test) => replace_workspace(
                        &state,
                        &dispatch,
                        Workspace::from_test(test),
                        format!("Imported {name}."),
                    ),
                    Err(error) => dispatch.dispatch(Action::Notify(
                        NoticeLevel::Error,
                        format!("{name} could not be imported: {error}"),
                    )),
                }
            });
        })
    };
    let on_theme = {
        let dispatch = dispatch.clone();
        let theme = state.theme;
        Callback::from(move |_| {
            dispatch.dispatch(Action::SetTheme(if theme == Theme::Dark {
                Theme::Light
            } else {
                Theme::Dark
            }))
        })
    };
    let on_restore = {
        let dispatch = dispatch.clone();
        let state = state.clone();
        Callback::from(move |_| {
            let dispatch = dispatch.clone();
            let current = state.workspace.to_test();
            spawn_local(async move {
                match load_saved(PREVIOUS_KEY).await {
                    Some(previous) => {
                        // Swap: what is shown now becomes the "previous" work.
                        let _ = save(PREVIOUS_KEY, &current).await;
                        dispatch.dispatch(Action::Load {
                            workspace: Workspace::from_test(previous),
                            notice: Some((NoticeLevel::Info, "Restored your previous work; what was shown is kept as previous work.".into(), true)),
                        });
                    }
                    None => dispatch.dispatch(Action::Notify(
                        NoticeLevel::Error,
                        "There is no previous work to restore.".into(),
                    )),
                }
            });
        })
    };
    let on_dismiss = {
        let dispatch = dispatch.clone();
        Callback::from(move |id| dispatch.dispatch(Action::Dismiss(id)))
    };
    let on_placeholders = {
        let dispatch = dispatch.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(t) = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlTextAreaElement>().ok())
            {
                dispatch.dispatch(Action::PlaceholdersEdited(t.value()));
            }
        })
    };
    let on_logsource = {
        let dispatch = dispatch.clone();
        Callback::from(move |_| dispatch.dispatch(Action::ToggleLogsourceCheck))
    };
    let on_clear_events = {
        let dispatch = dispatch.clone();
        Callback::from(move |_| {
            dispatch.dispatch(Action::LoadEvents(Rc::from("")));
        })
    };
    let on_open_events = {
        let dispatch = dispatch.clone();
        Callback::from(move |e: Event| {
            let Some(input) = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            else {
                return;
            };
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            input.set_value("");
            let dispatch = dispatch.clone();
            spawn_local(async move {
                let name = file.name();
                let text = JsFuture::from(editor::read_file(&file))
                    .await
                    .ok()
                    .and_then(|v| v.as_string())
                    .unwrap_or_default();
                if text.len() > editor::LARGE_EVENTS_CHARS {
                    dispatch.dispatch(Action::LargeEventsLoaded {
                        source: name,
                        text: text.into(),
                    });
                } else {
                    dispatch.dispatch(Action::LoadEvents(text.into()));
                }
            });
        })
    };
    let events_file_input = use_node_ref();
    let on_open_events_click = {
        let r = events_file_input.clone();
        Callback::from(move |_| {
            if let Some(input) = r.cast::<web_sys::HtmlInputElement>() {
                input.click();
            }
        })
    };
    let on_select = {
        let dispatch = dispatch.clone();
        Callback::from(move |index: Option<usize>| dispatch.dispatch(Action::Select(index)))
    };
    let on_expect = {
        let dispatch = dispatch.clone();
        Callback::from(move |(index, expectation): (usize, Option<bool>)| {
            dispatch.dispatch(Action::SetExpectation(index, expectation))
        })
    };
    let on_drop_dangling = {
        let dispatch = dispatch.clone();
        Callback::from(move |_| dispatch.dispatch(Action::DropDanglingExpectations))
    };
    let on_close_share = {
        let dispatch = dispatch.clone();
        Callback::from(move |_| dispatch.dispatch(Action::CloseShare))
    };

    let format_label = state
        .events_summary
        .as_ref()
        .map(|s| s.format.clone())
        .unwrap_or_else(|| "…".into());
    let rule_sync = state.editor_sync;
    let rule_text: AttrValue = AttrValue::from(state.workspace.rule.to_string());
    let events_text: AttrValue = AttrValue::from(state.events_editor_text().to_string());

    html! {
        <div class="app">
            <header class="topbar">
                <h1 class="brand">{"Sigma Playground"}</h1>
                <label class="examples">
                    <span class="sr-only">{"Examples"}</span>
                    <select data-testid="examples" aria-label="Examples" onchange={on_example}>
                        <option value="" selected=true>{"Examples…"}</option>
                        { for EXAMPLES.iter().map(|e| html! { <option value={e.id}>{e.title}</option> }) }
                    </select>
                </label>
                <div class="spacer"></div>
                <SaveStatus loaded={state.loaded} revision={state.workspace_revision} saved={state.saved_revision} error={state.save_error.clone()} />
                <button data-testid="share-button" class="primary" onclick={on_share} title="Copy a link that carries the rule, events, expectations and options">{"Share"}</button>
                <button data-testid="export-button" onclick={on_export} title="Download the rule test file (sigmaplay test FILE)">{"Export test"}</button>
                <button data-testid="import-button" onclick={on_import_click} title="Open a rule test file">{"Import test"}</button>
                <input ref={import_input} data-testid="import-file" type="file" accept=".json,application/json" class="hidden-input" onchange={on_import_file} />
                <button data-testid="theme-toggle" onclick={on_theme} aria-label="Switch light or dark theme">
                    { if state.theme == Theme::Dark { "☀ Light" } else { "☾ Dark" } }
                </button>
            </header>
            <NoticeBar notices={state.notices.clone()} on_dismiss={on_dismiss} on_restore={on_restore} />
            { share_panel(&state, on_close_share, { let s = state.clone(); Callback::from(move |_| {
                editor::download("sigma-test.json", &s.workspace.to_test().to_json(), "application/json");
            }) }) }
            <main class="workspace">
                <section class="pane rule-pane" aria-label="Rule">
                    <div class="pane-head">
                        <h2>{"Rule"}</h2>
                        <span class="muted">{ rule_title(&state) }</span>
                    </div>
                    <CodeEditor kind={EditorKind::Rule} text={rule_text} sync={rule_sync} read_only=false
                        label="Sigma rule (YAML)" testid="rule-editor" on_change={on_rule_change} />
                    <details class="options">
                        <summary>{"Placeholders and options"}</summary>
                        <label class="block">
                            {"Placeholder values for "}<code>{"|expand"}</code>{", one per line: "}<code>{"Name: value1, value2"}</code>
                            <textarea data-testid="placeholders" rows="3" value={state.placeholders_text.clone()} oninput={on_placeholders} />
                        </label>
                        <label class="check">
                            <input type="checkbox" data-testid="logsource-check" checked={state.workspace.logsource_check} onchange={on_logsource} />
                            {" Only events of the rule's log source can fire (as when many rules run)"}
                        </label>
                    </details>
                    <DiagnosticsList compile={state.compile.clone()} />
                </section>
                <section class="pane events-pane" aria-label="Events">
                    <div class="pane-head">
                        <h2>{"Events"}</h2>
                        <span class="badge" data-testid="events-format" title="Detected input format">{ format_label }</span>
                        <div class="spacer"></div>
                        if state.large_events.is_some() {
                            <button data-testid="clear-events" onclick={on_clear_events}>{"Clear events"}</button>
                        }
                        <button data-testid="open-events" onclick={on_open_events_click} title="Open an events file (JSON, JSON Lines, evtx_dump JSON, Event Viewer XML); dropping a file on the editor works too">{"Open file…"}</button>
                        <input ref={events_file_input} type="file" class="hidden-input" onchange={on_open_events} data-testid="events-file" />
                    </div>
                    if let Some(large) = &state.large_events {
                        <p class="note" data-testid="large-events-note">
                            { format!("{} of events from {}: all are evaluated; the editor shows the first lines, read-only.", crate::state::human_bytes(large.bytes), large.source) }
                        </p>
                    }
                    <CodeEditor kind={EditorKind::Events} text={events_text} sync={state.editor_sync} read_only={state.large_events.is_some()}
                        label="Events" testid="events-editor" on_change={on_events_change} on_large_input={Some(on_large_input)} />
                    <EventErrors summary={state.events_summary.clone()} />
                </section>
                <section class="pane verdicts-pane" aria-label="Verdicts">
                    <VerdictList state={state.clone()} on_select={on_select} on_expect={on_expect} on_drop_dangling={on_drop_dangling} />
                </section>
                <section class="pane explain-pane" aria-label="Explanation">
                    <ExplanationPanel state={state.clone()} />
                </section>
            </main>
        </div>
    }
}

fn rule_title(state: &AppState) -> String {
    match state.compile.as_ref().and_then(|c| c.rules.first()) {
        Some(rule) => {
            let level = rule
                .level
                .as_deref()
                .map(|l| format!(" · {l}"))
                .unwrap_or_default();
            let ls = if rule.logsource.is_empty() {
                String::new()
            } else {
                format!(" · {}", rule.logsource)
            };
            format!("{}{level}{ls}", rule.title)
        }
        None => String::new(),
    }
}

fn share_panel(
    state: &AppState,
    on_close: Callback<MouseEvent>,
    on_export: Callback<MouseEvent>,
) -> Html {
    match &state.share {
        None => html! {},
        Some(ShareOutcome::Link(link)) => html! {
            <div class="share-panel" role="dialog" aria-label="Share link" data-testid="share-panel">
                <p>{"Link copied to the clipboard. It carries the whole state in its fragment; nothing is sent to a server."}</p>
                <input class="share-link" data-testid="share-link" readonly=true value={link.clone()}
                    onfocus={Callback::from(|e: FocusEvent| {
                        if let Some(i) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) { i.select(); }
                    })} />
                <button onclick={on_close}>{"Close"}</button>
            </div>
        },
        Some(ShareOutcome::TooBig(message)) => html! {
            <div class="share-panel error" role="alertdialog" aria-label="Share" data-testid="share-too-big">
                <p>{ message.clone() }</p>
                <button class="primary" onclick={on_export}>{"Export test file"}</button>
                <button onclick={on_close}>{"Close"}</button>
            </div>
        },
    }
}

fn set(o: &js_sys::Object, k: &str, v: &JsValue) {
    let _ = js_sys::Reflect::set(o, &JsValue::from_str(k), v);
}

/// `{line, column, end_line, end_column, severity, message}` → the editor's camelCase keys.
fn camel_diag(v: &JsValue) -> JsValue {
    let o = js_sys::Object::new();
    for (from, to) in [
        ("line", "line"),
        ("column", "column"),
        ("end_line", "endLine"),
        ("end_column", "endColumn"),
        ("severity", "severity"),
        ("message", "message"),
    ] {
        if let Ok(x) = js_sys::Reflect::get(v, &JsValue::from_str(from)) {
            set(&o, to, &x);
        }
    }
    o.into()
}

#[derive(Properties, PartialEq)]
struct SaveStatusProps {
    loaded: bool,
    revision: u64,
    saved: Option<u64>,
    error: Option<String>,
}

/// "Saved" once the autosave has stored the latest change; "Not saved" says why on hover.
#[component]
fn SaveStatus(props: &SaveStatusProps) -> Html {
    let (text, class, title) = match (&props.error, props.saved) {
        _ if !props.loaded => ("", "save-status", String::new()),
        (Some(why), _) => (
            "Not saved",
            "save-status bad",
            format!("Autosave failed: {why}"),
        ),
        (None, Some(saved)) if saved == props.revision => (
            "Saved",
            "save-status ok",
            "Your work is saved in this browser (IndexedDB)".to_string(),
        ),
        _ => ("Saving…", "save-status", String::new()),
    };
    html! {
        <span class={class} data-testid="save-status" title={title} aria-live="polite"
            data-revision={props.revision.to_string()} data-saved-revision={props.saved.map(|s| s.to_string()).unwrap_or_default()}>
            { text }
        </span>
    }
}
