//! Share links: the whole rule test in the address's fragment, never sent to a server. Opening
//! one (at first load, or pasted into the address bar of the open page) and making one.

use super::autosave::{self, Slot};
use super::window;
use crate::bindings;
use crate::lessons;
use crate::state::{Action, AppState, NewNotice, ShareOutcome, Workspace};
use sigmaplay_ruletest::{decode_link, encode_link, LinkError};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

/// First load (a shared link, else the saved work, else the default lesson), then the links
/// pasted into the address bar of the open page.
#[hook]
pub fn use_share_link(state: &AppState, dispatch: UseReducerDispatcher<AppState>) {
    // The work on screen, for the listener, which outlives a render.
    let shown_workspace = use_mut_ref(|| None::<Workspace>);
    if state.loaded {
        *shown_workspace.borrow_mut() = Some(state.workspace.clone());
    }
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

/// Makes a link of the work and copies it; too big for a link, the panel offers the file.
pub fn share(workspace: &Workspace, dispatch: &UseReducerDispatcher<AppState>) {
    match encode_link(&workspace.to_test(), &current_href()) {
        Ok(link) => {
            bindings::copy_text(&link);
            dispatch.dispatch(Action::Shared(ShareOutcome::Link(link)));
        }
        Err(error @ (LinkError::TooLong { .. } | LinkError::TooBig { .. })) => {
            dispatch.dispatch(Action::Shared(ShareOutcome::TooBig(format!(
                "Too big to share as a link: {error}."
            ))));
        }
        Err(error) => dispatch.dispatch(Action::Notify(NewNotice::error(format!(
            "Could not make a link: {error}"
        )))),
    }
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

/// The saved work, else the default lesson.
fn saved_or_default(saved: Option<sigmaplay_ruletest::RuleTest>) -> Workspace {
    saved.map_or_else(
        || lessons::default_lesson().workspace(),
        Workspace::from_test,
    )
}

async fn initial_load(dispatch: UseReducerDispatcher<AppState>) {
    if !open_link_in_location(&dispatch, None).await {
        let saved = autosave::load(Slot::Current).await;
        dispatch.dispatch(Action::Load {
            workspace: saved_or_default(saved),
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
        None => autosave::load(Slot::Current).await,
    };
    match decode_link(&href) {
        Ok(test) => {
            let shared = Workspace::from_test(test);
            let notice = match saved {
                Some(saved) if Workspace::from_test(saved.clone()) != shared => {
                    // Keep the work that was here; the notice offers it back.
                    let _ = autosave::save(Slot::Previous, &saved).await;
                    NewNotice::info(
                        "Opened a shared link. Your previous work was kept: restore it any time.",
                    )
                    .offering_restore(true)
                }
                _ => NewNotice::info("Opened a shared link."),
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
            let notice = NewNotice::error(format!(
                "This link could not be opened: {error}. Nothing was lost: {what}."
            ));
            if first_load {
                dispatch.dispatch(Action::Load {
                    workspace: saved_or_default(saved),
                    notice: Some(notice),
                });
            } else {
                dispatch.dispatch(Action::Notify(notice));
            }
        }
    }
    true
}
