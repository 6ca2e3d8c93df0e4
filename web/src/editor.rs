//! The CodeMirror editors (bundled JS in `web/js/editor.js`, exposed as `window.SigmaPlay`) and
//! the page's storage/file helpers from the same bundle.

use std::cell::RefCell;
use std::collections::HashMap;
use wasm_bindgen::prelude::*;
use web_sys::HtmlElement;
use yew::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// One CodeMirror view.
    pub type EditorHandle;

    #[wasm_bindgen(js_namespace = SigmaPlay, js_name = createEditor)]
    fn create_editor(parent: &HtmlElement, options: &JsValue) -> EditorHandle;

    #[wasm_bindgen(method, js_name = getText)]
    pub fn get_text(this: &EditorHandle) -> String;
    #[wasm_bindgen(method, js_name = setText)]
    pub fn set_text(this: &EditorHandle, text: &str);
    #[wasm_bindgen(method, js_name = setReadOnly)]
    pub fn set_read_only(this: &EditorHandle, on: bool);
    #[wasm_bindgen(method, js_name = setDiagnostics)]
    pub fn set_diagnostics(this: &EditorHandle, list: &JsValue);
    #[wasm_bindgen(method, js_name = markLines)]
    pub fn mark_lines(this: &EditorHandle, from_line: usize, to_line: usize);
    #[wasm_bindgen(method, js_name = moveCursor)]
    pub fn move_cursor(this: &EditorHandle, line: usize, column: usize);
    #[wasm_bindgen(method)]
    pub fn focus(this: &EditorHandle);
    #[wasm_bindgen(method)]
    pub fn destroy(this: &EditorHandle);

    /// IndexedDB: resolves when stored.
    #[wasm_bindgen(js_namespace = SigmaPlay, js_name = save)]
    pub fn idb_save(key: &str, value: &JsValue) -> js_sys::Promise;
    /// IndexedDB: resolves to the value or null.
    #[wasm_bindgen(js_namespace = SigmaPlay, js_name = load)]
    pub fn idb_load(key: &str) -> js_sys::Promise;
    #[wasm_bindgen(js_namespace = SigmaPlay, js_name = download)]
    pub fn download(name: &str, text: &str, mime: &str);
    #[wasm_bindgen(js_namespace = SigmaPlay, js_name = readFile)]
    pub fn read_file(file: &web_sys::File) -> js_sys::Promise;
    #[wasm_bindgen(js_namespace = SigmaPlay, js_name = copyText)]
    pub fn copy_text(text: &str) -> js_sys::Promise;
}

/// Which editor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EditorKind {
    Rule,
    Events,
}

thread_local! {
    // The editors live outside Yew's tree (CodeMirror owns their DOM); components reach them here.
    static EDITORS: RefCell<HashMap<EditorKind, EditorHandle>> = RefCell::new(HashMap::new());
}

/// Runs `f` on an editor if it exists.
pub fn with_editor<R>(kind: EditorKind, f: impl FnOnce(&EditorHandle) -> R) -> Option<R> {
    EDITORS.with(|e| e.borrow().get(&kind).map(f))
}

/// Marks rule lines (hovering an explanation item) or clears the mark (`0`).
pub fn mark_rule_lines(from_line: usize, to_line: usize) {
    with_editor(EditorKind::Rule, |e| e.mark_lines(from_line, to_line));
}

pub fn move_cursor(kind: EditorKind, line: usize, column: usize) {
    with_editor(kind, |e| e.move_cursor(line, column));
}

/// Events text larger than this (characters) is kept outside the editor (a read-only preview is
/// shown): CodeMirror copes, but every keystroke would then touch tens of megabytes.
pub const LARGE_EVENTS_CHARS: usize = 8 * 1024 * 1024;

#[derive(Properties, PartialEq)]
pub struct CodeEditorProps {
    pub kind: EditorKind,
    /// The text to show; applied to the editor only when `sync` changes (so typing is never
    /// fought by a re-render).
    pub text: AttrValue,
    pub sync: u64,
    pub read_only: bool,
    pub label: AttrValue,
    pub testid: AttrValue,
    /// The rule editor passes its text; the events editor passes `None` (the app pulls it).
    pub on_change: Callback<Option<String>>,
    /// Large paste or file: (text, source name).
    #[prop_or_default]
    pub on_large_input: Option<Callback<(String, String)>>,
}

#[component]
pub fn CodeEditor(props: &CodeEditorProps) -> Html {
    let host = use_node_ref();
    let kind = props.kind;
    {
        let host = host.clone();
        let text = props.text.clone();
        let on_change = props.on_change.clone();
        let on_large = props.on_large_input.clone();
        let label = props.label.clone();
        let testid = props.testid.clone();
        let read_only = props.read_only;
        use_effect_with((), move |_| {
            let mut closures: Vec<JsValue> = Vec::new();
            if let Some(parent) = host.cast::<HtmlElement>() {
                let options = js_sys::Object::new();
                let set = |k: &str, v: &JsValue| {
                    let _ = js_sys::Reflect::set(&options, &JsValue::from_str(k), v);
                };
                set(
                    "kind",
                    &JsValue::from_str(if kind == EditorKind::Rule {
                        "yaml"
                    } else {
                        "events"
                    }),
                );
                set("doc", &JsValue::from_str(&text));
                set("label", &JsValue::from_str(&label));
                set("testid", &JsValue::from_str(&testid));
                set("readOnly", &JsValue::from_bool(read_only));
                let change = Closure::<dyn Fn(JsValue)>::new(move |v: JsValue| {
                    on_change.emit(v.as_string())
                });
                set("onChange", change.as_ref());
                closures.push(change.into_js_value());
                if let Some(on_large) = on_large {
                    set(
                        "largeThreshold",
                        &JsValue::from_f64(LARGE_EVENTS_CHARS as f64),
                    );
                    let large = Closure::<dyn Fn(JsValue, JsValue)>::new(
                        move |text: JsValue, name: JsValue| {
                            on_large.emit((
                                text.as_string().unwrap_or_default(),
                                name.as_string().unwrap_or_default(),
                            ))
                        },
                    );
                    set("onLargeInput", large.as_ref());
                    closures.push(large.into_js_value());
                }
                let handle = create_editor(&parent, &options);
                EDITORS.with(|e| e.borrow_mut().insert(kind, handle));
            }
            move || {
                drop(closures);
                EDITORS.with(|e| {
                    if let Some(h) = e.borrow_mut().remove(&kind) {
                        h.destroy();
                    }
                });
            }
        });
    }
    {
        let text = props.text.clone();
        use_effect_with(props.sync, move |_| {
            with_editor(kind, |e| {
                if e.get_text() != *text {
                    e.set_text(&text);
                }
            });
        });
    }
    use_effect_with(props.read_only, move |ro| {
        with_editor(kind, |e| e.set_read_only(*ro));
    });
    html! { <div class="editor-host" ref={host} data-testid={props.testid.clone()}></div> }
}
