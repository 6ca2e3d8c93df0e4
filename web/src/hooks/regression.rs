//! SigmaHQ regression tests, rsigma exemplars, `.evtx` files and drafted rules: the commands
//! behind `import-regression`, `export-regression`, `open-exemplars`, `write-exemplars`, opening
//! an `.evtx` file and `new-rule-from-event`. The files go to a files worker
//! ([`run_in_worker`]): the zip and evtx readers are in neither the page's wasm nor the
//! evaluation worker's.

use super::autosave::replace_workspace;
use super::worker_task::run_in_worker;
use crate::bindings;
use crate::components::code_editor::edit_rule;
use crate::components::event_fields::{replace_rule, NewRuleFrom};
use crate::state::{Action, AppState, NewNotice, Workspace};
use sigmaplay_wasm::regression::{FileTask, FileTaskAnswer, NamedFile};
use yew::prelude::*;

type Dispatch = UseReducerDispatcher<AppState>;

fn failed(dispatch: &Dispatch, what: &str, why: String) {
    dispatch.dispatch(Action::Notify(NewNotice::error(format!("{what}: {why}"))));
}

/// Opens a regression folder (its `info.yml` and events, or a zip of it) as the work; the rule
/// under test is the one in the editor unless the files hold one.
pub fn import(shown: &Workspace, dispatch: &Dispatch, files: Vec<NamedFile>) {
    let names: Vec<String> = files.iter().map(|f| f.name.clone()).collect();
    let what = format!("{} could not be opened", names.join(", "));
    let request = FileTask::OpenRegression {
        files,
        rule: shown.rule.to_string(),
    };
    let (shown, dispatch) = (shown.clone(), dispatch.clone());
    run_in_worker(request, move |response| match response {
        FileTaskAnswer::RegressionOpened { result: Ok(test) } => {
            let opened = format!(
                "Opened the SigmaHQ regression test {}.",
                test.name.as_deref().unwrap_or("")
            );
            replace_workspace(&shown, &dispatch, Workspace::from_test(*test), opened);
        }
        FileTaskAnswer::RegressionOpened { result: Err(why) }
        | FileTaskAnswer::Failed { message: why } => failed(&dispatch, &what, why),
        _ => {}
    });
}

/// Downloads the work as a SigmaHQ regression folder (a zip).
pub fn export(workspace: &Workspace, dispatch: &Dispatch) {
    let request = FileTask::ExportRegression {
        test: Box::new(workspace.to_test()),
    };
    let dispatch = dispatch.clone();
    let what = "The regression test could not be exported";
    run_in_worker(request, move |response| match response {
        FileTaskAnswer::RegressionExported { result: Ok(zip) } => {
            bindings::download_bytes(&zip.name, &zip.bytes, "application/zip");
            dispatch.dispatch(Action::Notify(NewNotice::info(format!(
                "Exported {}: info.yml and the events that should fire, as a SigmaHQ regression folder.",
                zip.name
            ))));
        }
        FileTaskAnswer::RegressionExported { result: Err(why) }
        | FileTaskAnswer::Failed { message: why } => failed(&dispatch, what, why),
        _ => {}
    });
}

/// Reads an `.evtx` file as the events (held outside the editor, summarised in the pane).
pub fn open_evtx(dispatch: &Dispatch, file: NamedFile) {
    let dispatch = dispatch.clone();
    let what = format!("{} could not be read", file.name);
    run_in_worker(
        FileTask::ReadEvtx { file },
        move |response| match response {
            FileTaskAnswer::EvtxRead { read } => dispatch.dispatch(Action::EvtxLoaded(read)),
            FileTaskAnswer::Failed { message } => failed(&dispatch, &what, message),
            _ => {}
        },
    );
}

/// Drafts a new rule from an event (in the files worker) and puts it in the editor.
pub fn draft_rule(dispatch: &Dispatch, from: NewRuleFrom) {
    let dispatch = dispatch.clone();
    let task = FileTask::DraftRule {
        fields: from.fields,
        chosen: from.chosen,
    };
    run_in_worker(task, move |answer| match answer {
        FileTaskAnswer::RuleDrafted { rule } => replace_rule(rule),
        FileTaskAnswer::Failed { message } => {
            failed(&dispatch, "No rule could be drafted", message)
        }
        _ => {}
    });
}

/// Opens the rsigma exemplars the rule carries as the work: the rule stays, the exemplars'
/// events and expectations come in.
pub fn open_exemplars(shown: &Workspace, dispatch: &Dispatch) {
    let request = FileTask::OpenExemplars {
        rule: shown.rule.to_string(),
    };
    let (shown, dispatch) = (shown.clone(), dispatch.clone());
    run_in_worker(request, move |answer| match answer {
        FileTaskAnswer::ExemplarsOpened { result: Ok(test) } => {
            let opened = format!(
                "Opened the rule's exemplars as the events ({}).",
                test.name.as_deref().unwrap_or_default()
            );
            replace_workspace(&shown, &dispatch, Workspace::from_test(*test), opened);
        }
        FileTaskAnswer::ExemplarsOpened { result: Err(why) }
        | FileTaskAnswer::Failed { message: why } => {
            failed(&dispatch, "The exemplars could not be opened", why)
        }
        _ => {}
    });
}

/// Writes the events with an expectation into the rule as rsigma exemplars, through the
/// editor (undo takes it back). Refused when the rule changed meanwhile.
pub fn write_exemplars(shown: &Workspace, dispatch: &Dispatch) {
    let rule = shown.rule.to_string();
    let request = FileTask::WriteExemplars {
        test: Box::new(shown.to_test()),
    };
    let dispatch = dispatch.clone();
    let what = "The exemplars could not be written";
    run_in_worker(request, move |answer| match answer {
        FileTaskAnswer::ExemplarsWritten { result: Ok(edit) } => {
            let mut applied = false;
            edit_rule(|text| {
                applied = text == rule;
                applied.then_some(edit)
            });
            let notice = if applied {
                NewNotice::info(
                    "Wrote the events with an expectation into the rule as rsigma.exemplars.",
                )
            } else {
                NewNotice::error(format!("{what}: the rule changed meanwhile; try again."))
            };
            dispatch.dispatch(Action::Notify(notice));
        }
        FileTaskAnswer::ExemplarsWritten { result: Err(why) }
        | FileTaskAnswer::Failed { message: why } => failed(&dispatch, what, why),
        _ => {}
    });
}
