//! The work kept in this browser (IndexedDB): the autosave of the current work, and the
//! previous work that a link, a lesson or an import replaced (offered back by a notice).

use crate::bindings;
use crate::state::{Action, AppState, NewNotice, Workspace};
use gloo_timers::callback::Timeout;
use sigmaplay_ruletest::RuleTest;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

const AUTOSAVE_DEBOUNCE_MS: u32 = 300;

/// Where a rule test is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// The work on screen (autosaved).
    Current,
    /// The work a link, a lesson or an import replaced.
    Previous,
}

impl Slot {
    fn key(self) -> &'static str {
        match self {
            Slot::Current => "current",
            Slot::Previous => "previous",
        }
    }
}

/// The localStorage key of work that changed after the last IndexedDB save when the page was
/// hidden or closed. IndexedDB writes are asynchronous and a closing tab does not wait for them;
/// localStorage writes are synchronous, so the last keystrokes survive. Written only then, so it
/// is always newer than the IndexedDB copy, and removed once IndexedDB holds the work again.
const UNSAVED_KEY: &str = "sigmaplay:unsaved";

pub async fn load(slot: Slot) -> Option<RuleTest> {
    if slot == Slot::Current {
        if let Some(test) =
            bindings::local_get(UNSAVED_KEY).and_then(|t| RuleTest::from_json(&t).ok())
        {
            return Some(test);
        }
    }
    let text = bindings::load(slot.key()).await?;
    RuleTest::from_json(&text).ok()
}

pub async fn save(slot: Slot, test: &RuleTest) -> Result<(), String> {
    bindings::store(slot.key(), &test.to_json()).await
}

/// Saves `test` as the current work; a successful save makes the hide-time copy stale.
fn save_current(test: RuleTest, revision: u64, dispatch: UseReducerDispatcher<AppState>) {
    spawn_local(async move {
        let result = save(Slot::Current, &test).await;
        if result.is_ok() {
            bindings::local_remove(UNSAVED_KEY);
        }
        dispatch.dispatch(Action::Saved(revision, result));
    });
}

/// Work changed since the last save, waiting for the debounce. The rule test is made only when
/// it is saved, not on every keystroke (its text is a copy of the events).
struct Pending {
    _timer: Timeout,
    workspace: Workspace,
    revision: u64,
}

/// Saves the work (debounced) after every change of it, once the first load is in. When the page
/// is hidden or closed before the debounce fires, the work is written at once: synchronously to
/// localStorage (a closing tab keeps it) and to IndexedDB.
#[hook]
pub fn use_autosave(state: &AppState, dispatch: UseReducerDispatcher<AppState>) {
    let pending = use_mut_ref(|| None::<Pending>);
    {
        let pending = pending.clone();
        let dispatch = dispatch.clone();
        use_effect_with((), move |_| {
            let flush = move || {
                let Some(p) = pending.borrow_mut().take() else {
                    return;
                };
                let test = p.workspace.to_test();
                if let Err(why) = bindings::local_set(UNSAVED_KEY, &test.to_json()) {
                    dispatch.dispatch(Action::Saved(p.revision, Err(why)));
                }
                save_current(test, p.revision, dispatch.clone());
            };
            let listeners = bindings::on_page_hidden(flush);
            move || drop(listeners)
        });
    }
    let workspace = state.workspace.clone();
    use_effect_with(
        (state.loaded, state.workspace_revision),
        move |&(loaded, revision)| {
            if loaded {
                let slot = pending.clone();
                let timer = Timeout::new(AUTOSAVE_DEBOUNCE_MS, move || {
                    if let Some(p) = slot.borrow_mut().take() {
                        save_current(p.workspace.to_test(), p.revision, dispatch);
                    }
                });
                *pending.borrow_mut() = Some(Pending {
                    _timer: timer,
                    workspace,
                    revision,
                });
            }
        },
    );
}

/// Replaces the work on screen (`shown`) with `workspace` (a lesson, an imported file) after
/// keeping it as the previous work; `what` says what was opened.
pub fn replace_workspace(
    shown: &Workspace,
    dispatch: &UseReducerDispatcher<AppState>,
    workspace: Workspace,
    what: String,
) {
    replace_workspace_then(shown, dispatch, workspace, what, None);
}

/// [`replace_workspace`], then `then` (an action about the new work: an exercise starts once its
/// work is in, a rule-set hit is selected).
pub fn replace_workspace_then(
    shown: &Workspace,
    dispatch: &UseReducerDispatcher<AppState>,
    workspace: Workspace,
    what: String,
    then: Option<Action>,
) {
    let previous = shown.to_test();
    let unchanged = *shown == workspace;
    let dispatch = dispatch.clone();
    spawn_local(async move {
        let kept = !unchanged && save(Slot::Previous, &previous).await.is_ok();
        let text = if kept {
            format!("{what} Your previous work was kept: restore it any time.")
        } else {
            what
        };
        dispatch.dispatch(Action::Load {
            workspace,
            notice: Some(NewNotice::info(text).offering_restore(kept)),
        });
        if let Some(then) = then {
            dispatch.dispatch(then);
        }
    });
}

/// Brings back the previous work; what is shown becomes the previous work (a swap).
pub fn restore_previous(shown: &Workspace, dispatch: &UseReducerDispatcher<AppState>) {
    let dispatch = dispatch.clone();
    let current = shown.to_test();
    spawn_local(async move {
        match load(Slot::Previous).await {
            Some(previous) => {
                let _ = save(Slot::Previous, &current).await;
                let text = "Restored your previous work; what was shown is kept as previous work.";
                dispatch.dispatch(Action::Load {
                    workspace: Workspace::from_test(previous),
                    notice: Some(NewNotice::info(text).offering_restore(true)),
                });
            }
            None => dispatch.dispatch(Action::Notify(NewNotice::error(
                "There is no previous work to restore.",
            ))),
        }
    });
}
