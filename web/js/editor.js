// The code editors of Sigma Playground: CodeMirror 6 with a lean setup (the full `basicSetup`
// weighs ~142 KB gzip), plus the page's IndexedDB autosave and file helpers. Bundled by esbuild
// into one IIFE that exposes `window.SigmaPlay` for the Rust/Yew side (web/src/bindings.rs).
import { EditorState, Compartment, StateEffect, StateField, RangeSetBuilder } from '@codemirror/state';
import {
  EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter,
  highlightSpecialChars, drawSelection, Decoration,
} from '@codemirror/view';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import {
  syntaxHighlighting, HighlightStyle, indentOnInput, bracketMatching, foldGutter, foldKeymap,
} from '@codemirror/language';
import { searchKeymap, highlightSelectionMatches } from '@codemirror/search';
import { lintGutter, setDiagnostics } from '@codemirror/lint';
import { autocompletion } from '@codemirror/autocomplete';
import { hoverTooltip } from '@codemirror/view';
import { yaml } from '@codemirror/lang-yaml';
import { json } from '@codemirror/lang-json';
import { tags } from '@lezer/highlight';

// Colours come from CSS variables so the light/dark theme switch needs no editor reconfiguration.
const highlightStyle = HighlightStyle.define([
  { tag: [tags.propertyName, tags.definition(tags.propertyName)], color: 'var(--code-key)' },
  { tag: [tags.string, tags.special(tags.string)], color: 'var(--code-string)' },
  { tag: [tags.number, tags.bool, tags.null, tags.atom], color: 'var(--code-atom)' },
  { tag: [tags.comment, tags.lineComment, tags.blockComment], color: 'var(--code-comment)', fontStyle: 'italic' },
  { tag: [tags.keyword, tags.meta, tags.typeName], color: 'var(--code-keyword)' },
  { tag: [tags.punctuation, tags.separator, tags.bracket], color: 'var(--code-punct)' },
]);

const baseTheme = EditorView.theme({
  '&': { height: '100%', fontSize: '13px', backgroundColor: 'var(--editor-bg)', color: 'var(--fg)' },
  '.cm-scroller': { fontFamily: 'var(--mono)', lineHeight: '1.45' },
  '.cm-gutters': { backgroundColor: 'var(--editor-gutter)', color: 'var(--muted)', border: 'none' },
  '.cm-activeLine': { backgroundColor: 'var(--editor-active)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--editor-active)' },
  '&.cm-focused .cm-cursor': { borderLeftColor: 'var(--fg)' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection': { backgroundColor: 'var(--editor-selection) !important' },
  '.cm-sp-linemark': { backgroundColor: 'var(--mark-bg)', boxShadow: 'inset 3px 0 0 var(--accent)' },
  '.cm-panels': { backgroundColor: 'var(--panel)', color: 'var(--fg)' },
  '.cm-tooltip': { backgroundColor: 'var(--panel)', color: 'var(--fg)', border: '1px solid var(--border)' },
  '.cm-sp-hover': { padding: '4px 8px', maxWidth: '36em', whiteSpace: 'pre-wrap', fontSize: '12px' },
  '.cm-completionDetail': { color: 'var(--muted)', marginLeft: '0.8em', fontStyle: 'normal' },
  '.cm-tooltip-autocomplete ul li[aria-selected] .cm-completionDetail': { color: 'inherit', opacity: '0.85' },
});

// Help while writing a rule: the engine answers (opts.complete / opts.hover, in Rust) from the
// text, the cursor and what the page knows; this only shows the answers.
const completionTypes = { key: 'property', value: 'enum', field: 'variable', modifier: 'function', identifier: 'variable', keyword: 'keyword' };
function ruleHelp(opts) {
  if (!opts.complete) return [];
  const source = (ctx) => {
    const list = opts.complete(ctx.state.doc.toString(), ctx.pos);
    if (!list || !list.items.length) return null;
    return {
      from: list.from,
      options: list.items.map((i, rank) => ({
        label: i.label, detail: i.detail || undefined, info: i.info || undefined,
        apply: i.apply || i.label, type: completionTypes[i.kind], boost: -rank / 1000,
      })),
      validFor: /^[\w.*-]*$/,
    };
  };
  const hover = hoverTooltip((view, pos) => {
    const h = opts.hover(view.state.doc.toString(), pos);
    if (!h) return null;
    return {
      pos: h.from, end: h.to, above: true,
      create() {
        const dom = document.createElement('div');
        dom.className = 'cm-sp-hover';
        dom.setAttribute('data-testid', 'hover-help');
        dom.textContent = h.text;
        return { dom };
      },
    };
  });
  // Ctrl+. (Cmd+. on a Mac) applies the quick fix at the cursor, as a transaction (undo works).
  const quickFix = keymap.of([{
    key: 'Mod-.',
    run(view) {
      const edit = opts.quickFix && opts.quickFix(view.state.doc.toString(), view.state.selection.main.head);
      if (!edit) return false;
      view.dispatch({ changes: { from: edit.from, to: edit.to, insert: edit.insert }, userEvent: 'input.quickfix' });
      return true;
    },
  }]);
  // autocompletion() brings its keymap (arrows, Enter, Escape) ahead of the editor's own.
  // The list opens as soon as a key is typed (CodeMirror waits 100 ms by default), so it is
  // there in the next frame.
  return [autocompletion({ override: [source], icons: false, activateOnTypingDelay: 0 }), hover, quickFix];
}

// Lines marked from outside (hovering an explanation item marks its rule line).
const setLineMarks = StateEffect.define();
const lineMarks = StateField.define({
  create: () => Decoration.none,
  update(marks, tr) {
    marks = marks.map(tr.changes);
    for (const e of tr.effects) if (e.is(setLineMarks)) marks = e.value;
    return marks;
  },
  provide: (f) => EditorView.decorations.from(f),
});
const lineMark = Decoration.line({ class: 'cm-sp-linemark' });

function languageFor(kind, text) {
  if (kind === 'yaml') return yaml();
  // Events: JSON highlighting unless the text is XML (Event Viewer export).
  return /^\s*</.test(text || '') ? [] : json();
}

// Editor position from a 1-based line and 1-based character column, clamped to the document.
function offsetOf(doc, line, column) {
  const l = doc.line(Math.min(Math.max(1, line || 1), doc.lines));
  return Math.min(l.to, l.from + Math.max(0, (column || 1) - 1));
}

class Editor {
  constructor(parent, opts) {
    this.kind = opts.kind;
    this.onChange = opts.onChange;
    this.onLargeInput = opts.onLargeInput;
    this.onEvtx = opts.onEvtx;
    this.largeThreshold = opts.largeThreshold || Infinity;
    this.silent = false;
    this.language = new Compartment();
    this.readOnly = new Compartment();
    const self = this;
    const largeInputGuard = EditorView.domEventHandlers({
      // Pasting or dropping tens of megabytes goes to the app, not into the editor's document.
      paste(event) {
        const text = event.clipboardData && event.clipboardData.getData('text/plain');
        if (text && text.length > self.largeThreshold && self.onLargeInput) {
          event.preventDefault();
          self.onLargeInput(text, 'pasted text');
          return true;
        }
        return false;
      },
      drop(event) {
        const files = event.dataTransfer && event.dataTransfer.files;
        if (files && files.length > 0) {
          event.preventDefault();
          self.loadFile(files[0]);
          return true;
        }
        return false;
      },
    });
    const state = EditorState.create({
      doc: opts.doc || '',
      extensions: [
        lineNumbers(), highlightActiveLineGutter(), highlightSpecialChars(), history(), foldGutter(),
        drawSelection(), indentOnInput(), bracketMatching(), highlightActiveLine(), highlightSelectionMatches(),
        syntaxHighlighting(highlightStyle), lintGutter(), lineMarks, baseTheme, largeInputGuard,
        EditorView.lineWrapping,
        EditorState.tabSize.of(4),
        ruleHelp(opts),
        keymap.of([...defaultKeymap, ...searchKeymap, ...historyKeymap, ...foldKeymap, indentWithTab]),
        this.language.of(languageFor(opts.kind, opts.doc)),
        this.readOnly.of(EditorState.readOnly.of(!!opts.readOnly)),
        EditorView.contentAttributes.of({ 'aria-label': opts.label || 'editor', 'data-testid': opts.testid + '-input' }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged && !self.silent && self.onChange) {
            // The rule is small: hand over its text. The events may be huge: the app pulls the
            // text itself once typing pauses.
            self.onChange(self.kind === 'yaml' ? update.state.doc.toString() : null);
          }
        }),
      ],
    });
    this.view = new EditorView({ state, parent });
  }
  // A dropped or opened file: small ones go into the editor, large ones to the app.
  async loadFile(file) {
    // A Windows event log is binary: its bytes go to the app (the worker reads it), never here.
    if (this.onEvtx) {
      const head = new Uint8Array(await file.slice(0, 8).arrayBuffer());
      if (String.fromCharCode(...head) === 'ElfFile\0') {
        this.onEvtx(file.name, new Uint8Array(await file.arrayBuffer()));
        return;
      }
    }
    const text = await file.text();
    if (text.length > this.largeThreshold && this.onLargeInput) {
      this.onLargeInput(text, file.name);
    } else {
      this.setText(text);
      if (this.onChange) this.onChange(this.kind === 'yaml' ? text : null);
    }
  }
  getText() { return this.view.state.doc.toString(); }
  setText(text) {
    this.silent = true;
    try {
      this.view.dispatch({
        changes: { from: 0, to: this.view.state.doc.length, insert: text },
        effects: this.language.reconfigure(languageFor(this.kind, text)),
      });
    } finally { this.silent = false; }
  }
  setReadOnly(on) { this.view.dispatch({ effects: this.readOnly.reconfigure(EditorState.readOnly.of(!!on)) }); }
  // [{line, column, endLine, endColumn, severity, message}]
  setDiagnostics(list) {
    const doc = this.view.state.doc;
    const diagnostics = (list || []).map((d) => {
      const from = offsetOf(doc, d.line, d.column);
      let to = d.endLine ? offsetOf(doc, d.endLine, d.endColumn) : from;
      if (to <= from) to = Math.min(doc.lineAt(from).to, from + 1);
      if (to <= from) to = from;
      return { from, to, severity: d.severity === 'error' ? 'error' : d.severity === 'warning' ? 'warning' : 'info', message: d.message };
    });
    this.view.dispatch(setDiagnostics(this.view.state, diagnostics));
  }
  markLines(fromLine, toLine) {
    const doc = this.view.state.doc;
    const builder = new RangeSetBuilder();
    if (fromLine) {
      const last = Math.min(toLine || fromLine, doc.lines);
      for (let n = Math.max(1, fromLine); n <= last; n++) builder.add(doc.line(n).from, doc.line(n).from, lineMark);
    }
    const effects = [setLineMarks.of(builder.finish())];
    if (fromLine && fromLine <= doc.lines) effects.push(EditorView.scrollIntoView(doc.line(fromLine).from, { y: 'nearest' }));
    this.view.dispatch({ effects });
  }
  moveCursor(line, column) {
    const at = offsetOf(this.view.state.doc, line, column);
    this.view.dispatch({ selection: { anchor: at }, effects: EditorView.scrollIntoView(at, { y: 'center' }) });
    this.view.focus();
  }
  // An edit made for the user (a quick fix, a draft from an event, formatting): a transaction
  // like typing, so undo takes it back and the app hears of the change.
  applyEdit(from, to, insert) {
    const len = this.view.state.doc.length;
    from = Math.min(Math.max(0, from), len);
    to = Math.min(Math.max(from, to), len);
    this.view.dispatch({
      changes: { from, to, insert }, userEvent: 'input.edit',
      selection: { anchor: from + insert.length },
      effects: EditorView.scrollIntoView(from, { y: 'nearest' }),
    });
  }
  focus() { this.view.focus(); }
  destroy() { this.view.destroy(); }
}

// ---- Autosave: IndexedDB (event sets exceed localStorage's ~5 MB) ----
const DB_NAME = 'sigmaplay';
const STORE = 'workspace';
function openDb() {
  return new Promise((resolve, reject) => {
    if (typeof indexedDB === 'undefined' || !indexedDB) {
      reject(new Error('this browser gives the page no IndexedDB (private browsing?)'));
      return;
    }
    let req;
    try { req = indexedDB.open(DB_NAME, 1); } catch (e) { reject(e); return; }
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}
async function idbPut(key, value) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, 'readwrite');
    tx.objectStore(STORE).put(value, key);
    tx.oncomplete = () => { db.close(); resolve(true); };
    tx.onerror = () => { db.close(); reject(tx.error); };
  });
}
async function idbGet(key) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, 'readonly');
    const req = tx.objectStore(STORE).get(key);
    req.onsuccess = () => { db.close(); resolve(req.result === undefined ? null : req.result); };
    req.onerror = () => { db.close(); reject(req.error); };
  });
}

function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type: type || 'application/json' }));
  const a = document.createElement('a');
  a.href = url; a.download = name; document.body.appendChild(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function downloadBytes(name, bytes, type) {
  const url = URL.createObjectURL(new Blob([bytes], { type: type || 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url; a.download = name; document.body.appendChild(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// The formatter (web/js/format.js with the YAML library) is a script of its own, fetched the
// first time "Format rule" is used: the first load stays as it was.
let formatter = null;
function loadFormatter() {
  if (!formatter) {
    formatter = new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = new URL('format.js', document.baseURI).href;
      script.onload = () => (window.SigmaPlayFormat ? resolve(window.SigmaPlayFormat) : reject(new Error('the formatter did not load')));
      script.onerror = () => { formatter = null; reject(new Error('the formatter could not be loaded')); };
      document.head.appendChild(script);
    });
  }
  return formatter;
}
async function formatRule(text, plan) {
  const f = await loadFormatter();
  return f.formatRule(text, plan);
}

window.SigmaPlay = {
  createEditor(parent, opts) { return new Editor(parent, opts); },
  save(key, value) { return idbPut(key, value); },
  load(key) { return idbGet(key); },
  download,
  readFile(file) { return file.text(); },
  readFileBytes(file) { return file.arrayBuffer().then((b) => new Uint8Array(b)); },
  downloadBytes,
  formatRule(text, plan) { return formatRule(text, plan).catch((e) => Promise.reject(String(e && e.message || e))); },
  copyText(text) { return navigator.clipboard ? navigator.clipboard.writeText(text).then(() => true, () => false) : Promise.resolve(false); },
};
