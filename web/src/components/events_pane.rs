//! The events pane: the events editor (or the preview of large events), the detected format,
//! opening a file, and the list of unreadable events.

use super::code_editor::{move_cursor, with_editor, CodeEditor, EditorKind};
use super::file_button::{FileButton, NamedFile, NamedText};
use crate::bindings::EditorMark;
use crate::state::{human_bytes, LargeEvents, LARGE_EVENTS_CHARS};
use gloo_timers::callback::Timeout;
use sigmaplay_engine::Severity;
use sigmaplay_wasm::EventsSummary;
use std::rc::Rc;
use yew::prelude::*;

/// The events text is pulled from the editor after this pause in typing (it may be large).
const EVENTS_DEBOUNCE_MS: u32 = 250;
/// Unreadable events underlined in the editor, at the most.
const MARKED_ERRORS: usize = 500;
/// Unreadable events listed below the editor, at the most.
const LISTED_ERRORS: usize = 20;

#[derive(Properties, PartialEq)]
pub struct EventsPaneProps {
    /// The editor's text: the events, or the preview of large ones.
    pub text: AttrValue,
    /// Bumped when the editor must take `text`; see [`CodeEditor`].
    pub sync: u64,
    pub large_events: Option<LargeEvents>,
    pub summary: Option<Rc<EventsSummary>>,
    /// Typed in the editor.
    pub on_edit: Callback<Rc<str>>,
    /// New events from a file or "Clear events".
    pub on_replace: Callback<Rc<str>>,
    /// Events too large for the editor, from a paste or a file.
    pub on_large: Callback<NamedText>,
    /// The pipeline picker's value (the events' own pipeline is offered when it differs).
    pub pipeline: AttrValue,
    /// Picks the pipeline the events' source suggests.
    pub on_pipeline: Callback<String>,
    /// A Windows event log (`.evtx`) opened or dropped: its bytes, for the worker to read.
    #[prop_or_default]
    pub on_evtx: Option<Callback<NamedFile>>,
}

#[component]
pub fn EventsPane(props: &EventsPaneProps) -> Html {
    let typing_pause = use_mut_ref(|| None::<Timeout>);
    let on_change = {
        let on_edit = props.on_edit.clone();
        Callback::from(move |_: Option<String>| {
            let on_edit = on_edit.clone();
            let timer = Timeout::new(EVENTS_DEBOUNCE_MS, move || {
                if let Some(text) = with_editor(EditorKind::Events, |e| e.get_text()) {
                    on_edit.emit(text.into());
                }
            });
            *typing_pause.borrow_mut() = Some(timer);
        })
    };
    let on_file = {
        let (on_replace, on_large) = (props.on_replace.clone(), props.on_large.clone());
        Callback::from(move |file: NamedText| {
            if file.text.len() > LARGE_EVENTS_CHARS {
                on_large.emit(file);
            } else {
                on_replace.emit(file.text.into());
            }
        })
    };
    let on_clear = props.on_replace.reform(|_: MouseEvent| Rc::from(""));
    let format_label = props
        .summary
        .as_ref()
        .map(|s| s.format.clone())
        .unwrap_or_else(|| "…".into());
    let suggested = props
        .summary
        .as_ref()
        .and_then(|s| s.suggested_pipeline.clone());
    let marks: Rc<[EditorMark]> = props
        .summary
        .iter()
        .flat_map(|summary| summary.errors.iter().take(MARKED_ERRORS))
        .map(|e| EditorMark {
            line: Some(e.line),
            column: Some(e.column),
            end_line: None,
            end_column: None,
            severity: Severity::Error,
            message: e.message.clone(),
        })
        .collect();
    html! {
        <>
            <div class="pane-head">
                <h2>{"Events"}</h2>
                <span class="badge" data-testid="events-format" title="Detected input format">{ format_label }</span>
                if let Some(suggested) = suggested.filter(|s| *s != props.pipeline) {
                    <button class="suggest" data-testid="suggest-pipeline" data-pipeline={suggested.clone()}
                        title="Rewrite the rule's field names for these events"
                        onclick={props.on_pipeline.reform({ let s = suggested.clone(); move |_: MouseEvent| s.clone() })}>
                        { format!("Use the {suggested} pipeline") }
                    </button>
                }
                <div class="spacer"></div>
                if props.large_events.is_some() {
                    <button data-testid="clear-events" onclick={on_clear}>{"Clear events"}</button>
                }
                <FileButton label="Open file…" button_testid="open-events" input_testid="events-file" {on_file} on_evtx={props.on_evtx.clone()}
                    title="Open an events file (JSON, JSON Lines, evtx_dump JSON, Event Viewer XML, .evtx); dropping a file on the editor works too" />
            </div>
            if let Some(large) = &props.large_events {
                <p class="note" data-testid="large-events-note">
                    { match large.evtx_records {
                        Some(records) => format!("{records} record{} from {} ({} as evtx_dump JSON): all are evaluated; the editor shows what was read, not the records.",
                            if records == 1 { "" } else { "s" }, large.source, human_bytes(large.bytes)),
                        None => format!("{} of events from {}: all are evaluated; the editor shows the first lines, read-only.", human_bytes(large.bytes), large.source),
                    } }
                </p>
            }
            <CodeEditor kind={EditorKind::Events} text={props.text.clone()} sync={props.sync} read_only={props.large_events.is_some()} {marks}
                label="Events" testid="events-editor" {on_change} on_large_input={Some(props.on_large.clone())}
                on_evtx={props.on_evtx.clone()} />
            <EventErrors summary={props.summary.clone()} />
        </>
    }
}

#[derive(Properties, PartialEq)]
struct EventErrorsProps {
    summary: Option<Rc<EventsSummary>>,
}

#[component]
fn EventErrors(props: &EventErrorsProps) -> Html {
    let Some(summary) = &props.summary else {
        return html! {};
    };
    if summary.errors.is_empty() {
        return html! {};
    }
    let more = summary.errors.len().saturating_sub(LISTED_ERRORS);
    html! {
        <ul class="diagnostics" data-testid="event-errors" aria-label="Unreadable events">
            { for summary.errors.iter().take(LISTED_ERRORS).map(|e| {
                let (line, column) = (e.line, e.column);
                let onclick = Callback::from(move |_: MouseEvent| move_cursor(EditorKind::Events, line, column));
                html! {
                    <li><button class="diag error" {onclick}>
                        <span class="pos">{ format!("{line}:{column}") }</span>
                        <span class="sev">{"error"}</span>
                        <span class="msg">{ format!("event #{}: {}", e.index + 1, e.message) }</span>
                    </button></li>
                }
            }) }
            if more > 0 { <li class="muted">{ format!("… and {more} more") }</li> }
        </ul>
    }
}
