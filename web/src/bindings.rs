//! Every JavaScript function the page calls. The bundle `web/js/editor.js` exposes them as
//! `window.SigmaPlay`: the CodeMirror editors, IndexedDB, download, clipboard and file reading.
//! The rest of the page calls the Rust wrappers below, never the bundle directly.

use serde::Serialize;
use sigmaplay_engine::Severity;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlElement;

#[wasm_bindgen]
extern "C" {
    /// One CodeMirror view.
    pub type EditorHandle;

    #[wasm_bindgen(js_namespace = SigmaPlay, js_name = createEditor)]
    pub fn create_editor(parent: &HtmlElement, options: &JsValue) -> EditorHandle;

    #[wasm_bindgen(method, js_name = getText)]
    pub fn get_text(this: &EditorHandle) -> String;
    #[wasm_bindgen(method, js_name = setText)]
    pub fn set_text(this: &EditorHandle, text: &str);
    #[wasm_bindgen(method, js_name = setReadOnly)]
    pub fn set_read_only(this: &EditorHandle, on: bool);
    #[wasm_bindgen(method, js_name = setDiagnostics)]
    fn set_diagnostics(this: &EditorHandle, list: &JsValue);
    #[wasm_bindgen(method, js_name = markLines)]
    pub fn mark_lines(this: &EditorHandle, from_line: usize, to_line: usize);
    #[wasm_bindgen(method, js_name = moveCursor)]
    pub fn move_cursor(this: &EditorHandle, line: usize, column: usize);
    #[wasm_bindgen(method)]
    pub fn destroy(this: &EditorHandle);
    /// Replaces `from..to` (UTF-16 positions) as a transaction: undo takes it back.
    #[wasm_bindgen(method, js_name = applyEdit)]
    pub fn apply_edit(this: &EditorHandle, from: usize, to: usize, insert: &str);

    /// IndexedDB: resolves when stored.
    #[wasm_bindgen(js_namespace = SigmaPlay, js_name = save)]
    fn idb_save(key: &str, value: &JsValue) -> js_sys::Promise;
    /// IndexedDB: resolves to the value or null.
    #[wasm_bindgen(js_namespace = SigmaPlay, js_name = load)]
    fn idb_load(key: &str) -> js_sys::Promise;
    #[wasm_bindgen(js_namespace = SigmaPlay, js_name = download)]
    fn js_download(name: &str, text: &str, mime: &str);
    #[wasm_bindgen(js_namespace = SigmaPlay, js_name = readFile)]
    fn js_read_file(file: &web_sys::File) -> js_sys::Promise;
    #[wasm_bindgen(js_namespace = SigmaPlay, js_name = copyText)]
    fn js_copy_text(text: &str) -> js_sys::Promise;
    #[wasm_bindgen(js_namespace = SigmaPlay, js_name = readFileBytes)]
    fn js_read_file_bytes(file: &web_sys::File) -> js_sys::Promise;
    #[wasm_bindgen(js_namespace = SigmaPlay, js_name = downloadBytes)]
    fn js_download_bytes(name: &str, bytes: &[u8], mime: &str);
    /// Loads the formatter on first use; resolves to the formatted text, rejects with why not.
    #[wasm_bindgen(js_namespace = SigmaPlay, js_name = formatRule)]
    fn js_format_rule(text: &str, plan: &JsValue) -> js_sys::Promise;
}

/// One underline in an editor, in the shape `setDiagnostics` reads.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EditorMark {
    /// 1-based; `None` (no position) marks the start of the text.
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub end_line: Option<usize>,
    pub end_column: Option<usize>,
    pub severity: Severity,
    pub message: String,
}

impl EditorHandle {
    pub fn set_marks(&self, marks: &[EditorMark]) {
        let list = marks
            .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
            .unwrap_or_else(|_| js_sys::Array::new().into());
        self.set_diagnostics(&list);
    }
}

/// The text stored under `key` in IndexedDB, if any.
pub async fn load(key: &str) -> Option<String> {
    JsFuture::from(idb_load(key)).await.ok()?.as_string()
}

/// Stores `text` under `key` in IndexedDB; `Err` says why it failed (quota, private mode...).
pub async fn store(key: &str, text: &str) -> Result<(), String> {
    JsFuture::from(idb_save(key, &JsValue::from_str(text)))
        .await
        .map(|_| ())
        .map_err(|e| error_text(&e))
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The text under `key` in localStorage (synchronous: usable while the page closes).
pub fn local_get(key: &str) -> Option<String> {
    local_storage()?.get_item(key).ok().flatten()
}

/// Stores `text` under `key` in localStorage; `Err` says why not (full, private mode).
pub fn local_set(key: &str, text: &str) -> Result<(), String> {
    let storage = local_storage().ok_or("this browser gives the page no local storage")?;
    storage.set_item(key, text).map_err(|e| error_text(&e))
}

pub fn local_remove(key: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.remove_item(key);
    }
}

/// Calls `f` when the page is hidden (another tab, a minimised window) or closed: the last moment
/// a page can be sure to run code. The listeners stay while the returned value lives.
pub fn on_page_hidden(f: impl Fn() + 'static) -> Vec<gloo_events::EventListener> {
    let Some(window) = web_sys::window() else {
        return Vec::new();
    };
    let Some(document) = window.document() else {
        return Vec::new();
    };
    let on_hide = std::rc::Rc::new(f);
    let on_visibility = on_hide.clone();
    let hidden_document = document.clone();
    vec![
        gloo_events::EventListener::new(&window, "pagehide", move |_| on_hide()),
        gloo_events::EventListener::new(&document, "visibilitychange", move |_| {
            if hidden_document.hidden() {
                on_visibility();
            }
        }),
    ]
}

/// A readable reason from a JavaScript error (a DOMException's message, a string).
fn error_text(e: &JsValue) -> String {
    if let Some(s) = e.as_string() {
        return s;
    }
    js_sys::Reflect::get(e, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| format!("{e:?}"))
}

/// Offers `text` as a file download named `name`.
pub fn download(name: &str, text: &str, mime: &str) {
    js_download(name, text, mime);
}

/// The text of a file the user picked or dropped (empty when it cannot be read).
pub async fn read_file(file: &web_sys::File) -> String {
    JsFuture::from(js_read_file(file))
        .await
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// Copies `text` to the clipboard, when the browser allows it (the page shows the text anyway).
pub fn copy_text(text: &str) {
    let _ = js_copy_text(text);
}

/// The bytes of a file the user picked or dropped (`None` when it cannot be read).
pub async fn read_file_bytes(file: &web_sys::File) -> Option<Vec<u8>> {
    let value = JsFuture::from(js_read_file_bytes(file)).await.ok()?;
    Some(js_sys::Uint8Array::new(&value).to_vec())
}

/// Offers `bytes` as a file download named `name`.
pub fn download_bytes(name: &str, bytes: &[u8], mime: &str) {
    js_download_bytes(name, bytes, mime);
}

/// The rule text formatted (SigmaHQ's key order and indentation, comments kept) by the lazily
/// loaded YAML formatter; `plan` says the key orders. `Err` says why it could not be formatted.
pub async fn format_rule(text: &str, plan: &impl Serialize) -> Result<String, String> {
    let plan = plan
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| e.to_string())?;
    match JsFuture::from(js_format_rule(text, &plan)).await {
        Ok(v) => v
            .as_string()
            .ok_or_else(|| "the formatter gave no text".into()),
        Err(e) => Err(e.as_string().unwrap_or_else(|| format!("{e:?}"))),
    }
}

/// Bytes `start..end` of a file (`File.slice`: the rest of the file is not read); `None` when it
/// cannot be read.
pub async fn read_slice(file: &web_sys::File, start: f64, end: f64) -> Option<Vec<u8>> {
    let blob = file.slice_with_f64_and_f64(start, end).ok()?;
    let value = JsFuture::from(blob.array_buffer()).await.ok()?;
    Some(js_sys::Uint8Array::new(&value).to_vec())
}

/// Milliseconds since the page started (`performance.now()`).
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// The logical processors the browser reports (`navigator.hardwareConcurrency`), at least 1.
pub fn hardware_concurrency() -> usize {
    web_sys::window()
        .map_or(1, |w| w.navigator().hardware_concurrency() as usize)
        .max(1)
}
