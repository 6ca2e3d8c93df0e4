//! The CodeMirror editors as a component. CodeMirror owns their DOM, outside Yew's tree; the
//! other components reach an editor through [`move_cursor`] and [`mark_rule_lines`].

use super::file_button::{NamedFile, NamedText};
use crate::bindings::{self, EditorHandle, EditorMark};
use crate::state::LARGE_EVENTS_CHARS;
use sigmaplay_engine::{AuthoringHints, TextEdit};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use web_sys::HtmlElement;
use yew::prelude::*;

/// Which editor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EditorKind {
    Rule,
    Events,
    /// The custom processing pipeline (YAML).
    Pipeline,
}

thread_local! {
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

/// Edits the rule through its editor (a transaction, so undo takes it back and the verdicts
/// follow): `edit` is made from the editor's text as it is now, in byte offsets.
pub fn edit_rule(edit: impl FnOnce(&str) -> Option<TextEdit>) {
    with_editor(EditorKind::Rule, |e| {
        let text = e.get_text();
        if let Some(edit) = edit(&text) {
            let (from, to) = (
                byte_to_utf16(&text, edit.from),
                byte_to_utf16(&text, edit.to),
            );
            e.apply_edit(from, to, &edit.insert);
        }
    });
}

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
    /// The underlines (rule diagnostics, unreadable events).
    pub marks: Rc<[EditorMark]>,
    /// The rule editor passes its text; the events editor passes `None` (the pane pulls it).
    /// Both callbacks are taken once, when the editor is made: give ones that stay valid.
    pub on_change: Callback<Option<String>>,
    /// A paste or a dropped file too large for the editor (the events editor only).
    #[prop_or_default]
    pub on_large_input: Option<Callback<NamedText>>,
    /// A dropped Windows event log (`.evtx`), as bytes (the events editor only).
    #[prop_or_default]
    pub on_evtx: Option<Callback<NamedFile>>,
    /// Completion and hover help (the rule editor only), from what the page knows now.
    #[prop_or_default]
    pub hints: Option<Rc<AuthoringHints>>,
}

#[component]
pub fn CodeEditor(props: &CodeEditorProps) -> Html {
    let host = use_node_ref();
    let kind = props.kind;
    // The editor's help closures are made once; they read the hints through this cell.
    let hints = use_mut_ref(AuthoringHints::default);
    {
        let hints = hints.clone();
        use_effect_with(props.hints.clone(), move |new| {
            if let Some(new) = new {
                *hints.borrow_mut() = (**new).clone();
            }
        });
    }
    {
        let host = host.clone();
        let options = EditorOptions {
            kind,
            text: props.text.clone(),
            label: props.label.clone(),
            testid: props.testid.clone(),
            read_only: props.read_only,
            on_change: props.on_change.clone(),
            on_large_input: props.on_large_input.clone(),
            on_evtx: props.on_evtx.clone(),
            hints: props.hints.is_some().then(|| hints.clone()),
        };
        use_effect_with((), move |_| {
            let mut closures = Vec::new();
            if let Some(parent) = host.cast::<HtmlElement>() {
                let handle = bindings::create_editor(&parent, &options.to_js(&mut closures));
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
    use_effect_with(props.marks.clone(), move |marks| {
        with_editor(kind, |e| e.set_marks(marks));
    });
    html! { <div class="editor-host" ref={host} data-testid={props.testid.clone()}></div> }
}

/// What `createEditor` is given when the editor is made.
struct EditorOptions {
    kind: EditorKind,
    text: AttrValue,
    label: AttrValue,
    testid: AttrValue,
    read_only: bool,
    on_change: Callback<Option<String>>,
    on_large_input: Option<Callback<NamedText>>,
    on_evtx: Option<Callback<NamedFile>>,
    hints: Option<Rc<RefCell<AuthoringHints>>>,
}

impl EditorOptions {
    /// The options object; the closures it holds go to `closures`, kept as long as the editor.
    fn to_js(&self, closures: &mut Vec<JsValue>) -> JsValue {
        let options = js_sys::Object::new();
        let set = |k: &str, v: &JsValue| {
            let _ = js_sys::Reflect::set(&options, &JsValue::from_str(k), v);
        };
        let language = match self.kind {
            EditorKind::Rule | EditorKind::Pipeline => "yaml",
            EditorKind::Events => "events",
        };
        set("kind", &JsValue::from_str(language));
        set("doc", &JsValue::from_str(&self.text));
        set("label", &JsValue::from_str(&self.label));
        set("testid", &JsValue::from_str(&self.testid));
        set("readOnly", &JsValue::from_bool(self.read_only));
        let on_change = self.on_change.clone();
        let change =
            Closure::<dyn Fn(JsValue)>::new(move |v: JsValue| on_change.emit(v.as_string()));
        set("onChange", change.as_ref());
        closures.push(change.into_js_value());
        if let Some(on_large) = self.on_large_input.clone() {
            set(
                "largeThreshold",
                &JsValue::from_f64(LARGE_EVENTS_CHARS as f64),
            );
            let large =
                Closure::<dyn Fn(JsValue, JsValue)>::new(move |text: JsValue, name: JsValue| {
                    on_large.emit(NamedText {
                        name: name.as_string().unwrap_or_default(),
                        text: text.as_string().unwrap_or_default(),
                    })
                });
            set("onLargeInput", large.as_ref());
            closures.push(large.into_js_value());
        }
        if let Some(on_evtx) = self.on_evtx.clone() {
            let evtx =
                Closure::<dyn Fn(JsValue, JsValue)>::new(move |name: JsValue, bytes: JsValue| {
                    on_evtx.emit(NamedFile {
                        name: name.as_string().unwrap_or_default(),
                        bytes: js_sys::Uint8Array::new(&bytes).to_vec(),
                    })
                });
            set("onEvtx", evtx.as_ref());
            closures.push(evtx.into_js_value());
        }
        if let Some(hints) = &self.hints {
            let for_complete = hints.clone();
            let complete =
                Closure::<dyn Fn(String, f64) -> JsValue>::new(move |text: String, pos: f64| {
                    let offset = utf16_to_byte(&text, pos as usize);
                    let mut list =
                        sigmaplay_engine::complete(&text, offset, &for_complete.borrow());
                    list.from = byte_to_utf16(&text, list.from);
                    serde_wasm_bindgen::to_value(&list).unwrap_or(JsValue::NULL)
                });
            set("complete", complete.as_ref());
            closures.push(complete.into_js_value());
            let for_hover = hints.clone();
            let hover =
                Closure::<dyn Fn(String, f64) -> JsValue>::new(move |text: String, pos: f64| {
                    let offset = utf16_to_byte(&text, pos as usize);
                    match sigmaplay_engine::hover(&text, offset, &for_hover.borrow()) {
                        Some(mut h) => {
                            h.from = byte_to_utf16(&text, h.from);
                            h.to = byte_to_utf16(&text, h.to);
                            serde_wasm_bindgen::to_value(&h).unwrap_or(JsValue::NULL)
                        }
                        None => JsValue::NULL,
                    }
                });
            set("hover", hover.as_ref());
            closures.push(hover.into_js_value());
            let quick_fix = Closure::<dyn Fn(String, f64) -> JsValue>::new(quick_fix_at);
            set("quickFix", quick_fix.as_ref());
            closures.push(quick_fix.into_js_value());
        }
        options.into()
    }
}

/// Ctrl+. in the rule editor: the edit of the quick fix at the cursor (UTF-16), or null.
fn quick_fix_at(text: String, pos: f64) -> JsValue {
    let offset = utf16_to_byte(&text, pos as usize);
    let fixes = sigmaplay_engine::quick_fixes(&text);
    let Some(fix) = fixes.iter().find(|f| f.from <= offset && offset <= f.to) else {
        return JsValue::NULL;
    };
    let edit = TextEdit {
        from: byte_to_utf16(&text, fix.edit.from),
        to: byte_to_utf16(&text, fix.edit.to),
        insert: fix.edit.insert.clone(),
    };
    serde_wasm_bindgen::to_value(&edit).unwrap_or(JsValue::NULL)
}

/// The byte offset of a JavaScript (UTF-16) position in `text`.
fn utf16_to_byte(text: &str, pos: usize) -> usize {
    let mut units = 0;
    for (i, c) in text.char_indices() {
        if units >= pos {
            return i;
        }
        units += c.len_utf16();
    }
    text.len()
}

/// The JavaScript (UTF-16) position of a byte offset in `text`.
fn byte_to_utf16(text: &str, offset: usize) -> usize {
    text.char_indices()
        .take_while(|(i, _)| *i < offset)
        .map(|(_, c)| c.len_utf16())
        .sum()
}
