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

pub async fn load(slot: Slot) -> Option<RuleTest> {
    let text = bindings::load(slot.key()).await?;
    RuleTest::from_json(&text).ok()
}

pub async fn save(slot: Slot, test: &RuleTest) -> Result<(), String> {
    bindings::store(slot.key(), &test.to_json()).await
}

/// Saves the work (debounced) after every change of it, once the first load is in.
#[hook]
pub fn use_autosave(state: &AppState, dispatch: UseReducerDispatcher<AppState>) {
    let pending = use_mut_ref(|| None::<Timeout>);
    let workspace = state.workspace.clone();
    use_effect_with(
        (state.loaded, state.workspace_revision),
        move |&(loaded, revision)| {
            if loaded {
                let timer = Timeout::new(AUTOSAVE_DEBOUNCE_MS, move || {
                    let test = workspace.to_test();
                    spawn_local(async move {
                        let result = save(Slot::Current, &test).await;
                        dispatch.dispatch(Action::Saved(revision, result));
                    });
                });
                *pending.borrow_mut() = Some(timer);
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
