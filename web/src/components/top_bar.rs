//! The bar at the top: the lessons menu, the save status, share, export, import, the theme.

use super::file_button::{FileButton, NamedText};
use crate::lessons::{self, Lesson};
use crate::state::Theme;
use yew::prelude::*;

/// Where the autosave stands.
#[derive(Clone, Debug, PartialEq)]
pub struct SaveState {
    pub loaded: bool,
    pub revision: u64,
    /// The revision the last successful autosave stored.
    pub saved: Option<u64>,
    /// Why the last autosave failed.
    pub error: Option<String>,
}

#[derive(Properties, PartialEq)]
pub struct TopBarProps {
    pub save: SaveState,
    pub theme: Theme,
    pub on_lesson: Callback<&'static Lesson>,
    pub on_exercise: Callback<&'static Lesson>,
    pub on_share: Callback<()>,
    pub on_export: Callback<()>,
    pub on_import: Callback<NamedText>,
    pub on_theme: Callback<()>,
    /// Opens the rule-set view.
    pub on_ruleset: Callback<()>,
}

/// A menu of lessons that always shows its first entry ("Examples…"): choosing the same lesson
/// again reloads it.
fn lesson_menu(callback: &Callback<&'static Lesson>) -> Callback<Event> {
    let callback = callback.clone();
    Callback::from(move |e: Event| {
        let Some(select) = e.target_dyn_into::<web_sys::HtmlSelectElement>() else {
            return;
        };
        let id = select.value();
        select.set_value("");
        if let Some(lesson) = lessons::find(&id) {
            callback.emit(lesson);
        }
    })
}

#[component]
pub fn TopBar(props: &TopBarProps) -> Html {
    let on_lesson = lesson_menu(&props.on_lesson);
    let on_exercise = lesson_menu(&props.on_exercise);
    let exercises = lessons::all().iter().filter(|l| l.exercise.is_some());
    let clicked = |callback: &Callback<()>| callback.reform(|_: MouseEvent| ());
    html! {
        <header class="topbar">
            <h1 class="brand">{"Sigma Playground"}</h1>
            <label class="examples">
                <span class="sr-only">{"Examples"}</span>
                <select data-testid="examples" aria-label="Examples" onchange={on_lesson}>
                    <option value="" selected=true>{"Examples…"}</option>
                    { for lessons::all().iter().map(|l| html! { <option value={l.id}>{ l.title.clone() }</option> }) }
                </select>
            </label>
            <button data-testid="open-ruleset" onclick={clicked(&props.on_ruleset)}
                title="Run a whole rule pack (a SigmaHQ release zip) over an events file, in parallel, in this browser">{"Rule set"}</button>
            <label class="examples">
                <span class="sr-only">{"Exercises"}</span>
                <select data-testid="exercises" aria-label="Exercises" onchange={on_exercise}>
                    <option value="" selected=true>{"Exercises…"}</option>
                    { for exercises.map(|l| html! { <option value={l.id}>{ l.title.clone() }</option> }) }
                </select>
            </label>
            <div class="spacer"></div>
            <SaveStatus save={props.save.clone()} />
            <button data-testid="share-button" class="primary" onclick={clicked(&props.on_share)} title="Copy a link that carries the rule, events, expectations and options">{"Share"}</button>
            <button data-testid="export-button" onclick={clicked(&props.on_export)} title="Download the rule test file (sigmaplay test FILE)">{"Export test"}</button>
            <FileButton label="Import test" title="Open a rule test file" button_testid="import-button" input_testid="import-file"
                accept=".json,application/json" on_file={props.on_import.clone()} />
            <button data-testid="theme-toggle" onclick={clicked(&props.on_theme)} aria-label="Switch light or dark theme">
                { if props.theme == Theme::Dark { "☀ Light" } else { "☾ Dark" } }
            </button>
        </header>
    }
}

#[derive(Properties, PartialEq)]
struct SaveStatusProps {
    save: SaveState,
}

/// How much of a save error the top bar shows (all of it on hover).
const SHOWN_REASON_CHARS: usize = 60;

/// "Saved" once the autosave has stored the latest change; "Not saved: why" when it failed.
#[component]
fn SaveStatus(props: &SaveStatusProps) -> Html {
    let save = &props.save;
    let (text, class, title) = match (&save.error, save.saved) {
        _ if !save.loaded => (String::new(), "save-status", String::new()),
        (Some(why), _) => {
            let mut shown: String = why.chars().take(SHOWN_REASON_CHARS).collect();
            if shown.len() < why.len() {
                shown.push('…');
            }
            (
                format!("Not saved: {shown}"),
                "save-status bad",
                format!("Autosave failed: {why}. Export the test to keep your work."),
            )
        }
        (None, Some(saved)) if saved == save.revision => (
            "Saved".to_string(),
            "save-status ok",
            "Your work is saved in this browser (IndexedDB)".to_string(),
        ),
        _ => ("Saving…".to_string(), "save-status", String::new()),
    };
    html! {
        <span class={class} data-testid="save-status" title={title} aria-live="polite"
            data-revision={save.revision.to_string()} data-saved-revision={save.saved.map(|s| s.to_string()).unwrap_or_default()}>
            { text }
        </span>
    }
}
