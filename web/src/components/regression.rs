//! SigmaHQ regression tests and rsigma exemplars: open one (its `info.yml` with its events `.json`, or a `.zip` of the
//! folder) as the rule test, and export the rule test as one (a `.zip` of the folder).

use super::file_button::{read_picked_files, use_file_picker, NamedFile};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct RegressionButtonsProps {
    /// The picked files, read.
    pub on_import: Callback<Vec<NamedFile>>,
    pub on_export: Callback<()>,
    pub on_open_exemplars: Callback<()>,
    pub on_write_exemplars: Callback<()>,
}

#[component]
pub fn RegressionButtons(props: &RegressionButtonsProps) -> Html {
    let (input_ref, onclick) = use_file_picker();
    let onchange = {
        let on_import = props.on_import.clone();
        Callback::from(move |e: Event| {
            if let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                read_picked_files(&input, on_import.clone());
            }
        })
    };
    let on_export = props.on_export.reform(|_: MouseEvent| ());
    let on_open_exemplars = props.on_open_exemplars.reform(|_: MouseEvent| ());
    let on_write_exemplars = props.on_write_exemplars.reform(|_: MouseEvent| ());
    html! {
        <div class="regression">
            <button data-testid="open-regression" {onclick}
                title="Open a SigmaHQ regression test: its info.yml with its events .json (pick both), or a .zip of the folder; the rule under test is the one in the editor">
                {"Open SigmaHQ test…"}
            </button>
            <input ref={input_ref} data-testid="import-regression" type="file" multiple=true class="hidden-input"
                accept=".yml,.yaml,.json,.zip,.evtx" {onchange} />
            <button data-testid="export-regression" onclick={on_export}
                title="Download this rule test as a SigmaHQ regression folder (.zip: info.yml and the events that should fire)">
                {"Export SigmaHQ test"}
            </button>
            <button data-testid="open-exemplars" onclick={on_open_exemplars}
                title="Open the example events the rule carries (rsigma.exemplars) as the events, with their expected verdicts">
                {"Open exemplars"}
            </button>
            <button data-testid="write-exemplars" onclick={on_write_exemplars}
                title="Write the events marked 'should fire' or 'should not' into the rule as rsigma.exemplars">
                {"Write as exemplars"}
            </button>
        </div>
    }
}
