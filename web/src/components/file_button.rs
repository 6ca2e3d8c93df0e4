//! A button that opens a file picker and hands up the picked file's name and text (the test
//! import and the events file use it), or its bytes for a Windows event log.

use crate::bindings;
use sigmaplay_engine::is_evtx;
pub use sigmaplay_wasm::regression::NamedFile;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

/// A text and where it came from: a file's name, or "pasted text".
#[derive(Clone, Debug, PartialEq)]
pub struct NamedText {
    pub name: String,
    pub text: String,
}

#[derive(Properties, PartialEq)]
pub struct FileButtonProps {
    pub label: AttrValue,
    pub title: AttrValue,
    /// `data-testid` of the button and of the (hidden) file input.
    pub button_testid: AttrValue,
    pub input_testid: AttrValue,
    #[prop_or_default]
    pub accept: Option<AttrValue>,
    pub on_file: Callback<NamedText>,
    /// Set to take Windows event logs (`.evtx`, binary): they come here as bytes, not text.
    #[prop_or_default]
    pub on_evtx: Option<Callback<NamedFile>>,
}

/// A (hidden) file input's ref and the click that opens its picker.
#[hook]
pub fn use_file_picker() -> (NodeRef, Callback<MouseEvent>) {
    let input_ref = use_node_ref();
    let onclick = {
        let input_ref = input_ref.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(input) = input_ref.cast::<web_sys::HtmlInputElement>() {
                input.click();
            }
        })
    };
    (input_ref, onclick)
}

/// The files a (multiple) file input holds, read as bytes and handed to `done` (not when none
/// is picked); the input is cleared, so picking the same files again is a change too.
pub fn read_picked_files(input: &web_sys::HtmlInputElement, done: Callback<Vec<NamedFile>>) {
    let Some(list) = input.files() else {
        return;
    };
    let files: Vec<web_sys::File> = (0..list.length()).filter_map(|i| list.get(i)).collect();
    input.set_value("");
    spawn_local(async move {
        let mut read = Vec::with_capacity(files.len());
        for file in files {
            let bytes = bindings::read_file_bytes(&file).await.unwrap_or_default();
            read.push(NamedFile {
                name: file.name(),
                bytes,
            });
        }
        if !read.is_empty() {
            done.emit(read);
        }
    });
}

#[component]
pub fn FileButton(props: &FileButtonProps) -> Html {
    let (input_ref, onclick) = use_file_picker();
    let onchange = {
        let on_file = props.on_file.clone();
        let on_evtx = props.on_evtx.clone();
        Callback::from(move |e: Event| {
            let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() else {
                return;
            };
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            // Picking the same file again is a change too.
            input.set_value("");
            let on_file = on_file.clone();
            let on_evtx = on_evtx.clone();
            spawn_local(async move {
                if let Some(on_evtx) = on_evtx {
                    let bytes = bindings::read_file_bytes(&file).await.unwrap_or_default();
                    if is_evtx(&bytes) {
                        on_evtx.emit(NamedFile {
                            name: file.name(),
                            bytes,
                        });
                        return;
                    }
                }
                let text = bindings::read_file(&file).await;
                on_file.emit(NamedText {
                    name: file.name(),
                    text,
                });
            });
        })
    };
    html! {
        <>
            <button data-testid={props.button_testid.clone()} {onclick} title={props.title.clone()}>{ props.label.clone() }</button>
            <input ref={input_ref} data-testid={props.input_testid.clone()} type="file" accept={props.accept.clone()}
                class="hidden-input" {onchange} />
        </>
    }
}
