//! The rule test file (`sigmaplay test FILE` runs it): export downloads the work as one, import
//! opens one in place of the work (kept as the previous work).

use super::autosave::replace_workspace;
use crate::bindings;
use crate::components::file_button::NamedText;
use crate::state::{Action, AppState, NewNotice, Workspace};
use sigmaplay_ruletest::RuleTest;
use yew::prelude::*;

pub fn export(workspace: &Workspace) {
    let test = workspace.to_test();
    bindings::download("sigma-test.json", &test.to_json(), "application/json");
}

pub fn import(shown: &Workspace, dispatch: &UseReducerDispatcher<AppState>, file: NamedText) {
    let NamedText { name, text } = file;
    match RuleTest::from_json(&text) {
        Ok(test) => replace_workspace(
            shown,
            dispatch,
            Workspace::from_test(test),
            format!("Imported {name}."),
        ),
        Err(error) => dispatch.dispatch(Action::Notify(NewNotice::error(format!(
            "{name} could not be imported: {error}"
        )))),
    }
}
