//! Reading events from text: one JSON object, a JSON array, JSON Lines, a stream of (pretty-printed)
//! JSON objects as evtx_dump writes them, or Event Viewer XML. The shape is detected from the text:
//!
//! - empty or white space only → [`EventFormat::Empty`];
//! - starts with `<` → [`EventFormat::EventXml`] (one `<Event>`, several, or `<Events>…</Events>`);
//! - starts with `[` → [`EventFormat::JsonArray`];
//! - starts with `{`: when the first line is a whole object (`{…}`) and more lines follow →
//!   [`EventFormat::JsonLines`] (a malformed line gives an error in its place, the other lines still
//!   parse); otherwise the objects are read one after another ([`EventFormat::JsonStream`], or
//!   [`EventFormat::JsonObject`] when there is exactly one). After a malformed object of a stream,
//!   reading resumes at the next line that starts with `{`. The `Record <n>` lines `evtx_dump -o json`
//!   writes before each object are skipped.
//!
//! When every event read is evtx_dump shaped (`{"Event":{"System":…}}`), the input is reported as
//! [`EventFormat::EvtxJson`] whatever the container (stream, array, lines or a single object); each
//! event's own `format` says `EvtxJson` for evtx_dump records and the container shape otherwise.
//!
//! Every event gets its byte span in the input; every error a 1-based line and column (characters).
//! A UTF-8 byte order mark is skipped. Nothing here panics on any input: serde_json stops at nesting
//! depth 128 and the XML reader at 64, and work is linear in the input size.
use super::flat::FlatReader;
use super::windows::{flatten_windows_json, generic_event, Json};
use super::{xml, Event, Names};
use crate::source::{SourceMap, Span};
use serde::Serialize;

use crate::limits::MAX_INPUT_BYTES;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventFormat {
    Empty,
    JsonObject,
    JsonArray,
    JsonLines,
    JsonStream,
    EvtxJson,
    EventXml,
    /// A Windows event log file (`.evtx`), read by [`super::parse_evtx`].
    Evtx,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventError {
    pub message: String,
    /// 1-based line in the events text; 0 for binary input (`.evtx`), whose message names the
    /// chunk, file offset and last record read instead.
    pub line: usize,
    pub column: usize,
    pub span: Span,
}

#[derive(Debug, Default)]
pub struct EventInput {
    /// `None` only when the input was refused as a whole (too large, or neither JSON nor XML).
    pub format: Option<EventFormat>,
    /// Events and errors in input order.
    pub events: Vec<Result<Event, EventError>>,
}

impl EventInput {
    /// The events that parsed, in order.
    pub fn ok_events(&self) -> impl Iterator<Item = &Event> {
        self.events.iter().filter_map(|e| e.as_ref().ok())
    }

    /// The errors, in order.
    pub fn errors(&self) -> impl Iterator<Item = &EventError> {
        self.events.iter().filter_map(|e| e.as_ref().err())
    }
}

/// Reads events from `text`, detecting the shape (see the module documentation).
pub fn parse_events(text: &str) -> EventInput {
    if text.len() > MAX_INPUT_BYTES {
        return refused_as_too_large("input", text.len(), 1);
    }
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let start = skip_ws(text, bom);
    // `evtx_dump -o json` writes "Record <n>" before each object.
    let after_header = skip_record_header(text, start);
    let first_byte = text.as_bytes().get(after_header).copied();
    let Some(first) = first_byte else {
        return EventInput {
            format: Some(EventFormat::Empty),
            events: Vec::new(),
        };
    };
    let mut pos = Positions::new(text);
    let mut sink = Sink::default();
    let container = match first {
        b'<' => return xml::parse_xml(text, after_header),
        b'[' => {
            parse_array(text, after_header, &mut pos, &mut sink);
            EventFormat::JsonArray
        }
        b'{' if after_header == start && looks_like_json_lines(text, start) => {
            parse_lines(text, start, 1, &mut sink);
            EventFormat::JsonLines
        }
        b'{' => {
            if parse_stream(text, start, &mut pos, &mut sink) == 1 {
                EventFormat::JsonObject
            } else {
                EventFormat::JsonStream
            }
        }
        _ => {
            let message = "this is neither JSON nor XML: events start with '{' (a JSON object), \
                           '[' (a JSON array) or '<' (Event Viewer XML)"
                .to_string();
            return EventInput {
                format: None,
                events: vec![Err(pos.error(message, start))],
            };
        }
    };
    sink.finish(container)
}

/// The answer for an input over [`MAX_INPUT_BYTES`]: one error (at `line`, 0 for binary input).
pub(super) fn refused_as_too_large(what: &str, len: usize, line: usize) -> EventInput {
    let message = format!(
        "the {what} is {} MB; at most {} MB of events can be read at once",
        len.div_ceil(1024 * 1024),
        MAX_INPUT_BYTES / (1024 * 1024)
    );
    EventInput {
        format: None,
        events: vec![Err(EventError {
            message,
            line,
            column: line.min(1),
            span: Span::point(0),
        })],
    }
}

/// Collects events as they are read: each JSON value becomes an event right away (no tree of
/// values for the whole input), evtx_dump records through the Windows flattening.
#[derive(Default)]
pub(super) struct Sink {
    events: Vec<Result<Event, EventError>>,
    any: bool,
    all_evtx: bool,
    names: Names,
    flat: FlatReader,
}

impl Sink {
    /// Takes `text` as one event when it is a flat JSON object (see [`FlatReader`]); `false`
    /// (nothing taken) otherwise.
    fn flat(&mut self, text: &str, span: Span) -> bool {
        let Some(mut event) = self.flat.read(text, &mut self.names) else {
            return false;
        };
        event.span = span;
        if !self.any {
            self.any = true;
            self.all_evtx = true;
        }
        self.all_evtx = false;
        self.events.push(Ok(event));
        true
    }

    fn value(&mut self, json: Json<'_>, span: Span) {
        let evtx = json.is_evtx();
        let event = if evtx {
            flatten_windows_json(&json, &mut self.names)
        } else {
            None
        };
        let mut event = event.unwrap_or_else(|| generic_event(json, &mut self.names));
        event.span = span;
        // Non-evtx events get the container format in `finish`.
        event.format = evtx.then_some(EventFormat::EvtxJson);
        if !self.any {
            self.any = true;
            self.all_evtx = true;
        }
        self.all_evtx &= evtx;
        self.events.push(Ok(event));
    }

    fn error(&mut self, e: EventError) {
        self.events.push(Err(e));
    }

    /// Settles the formats: `EvtxJson` when every event is an evtx_dump record.
    pub(super) fn finish(mut self, container: EventFormat) -> EventInput {
        for event in self.events.iter_mut().flatten() {
            event.format.get_or_insert(container);
        }
        let format = if self.any && self.all_evtx {
            EventFormat::EvtxJson
        } else {
            container
        };
        EventInput {
            format: Some(format),
            events: self.events,
        }
    }
}

/// Skips a `Record 12` line (evtx_dump's separator) and the white space after it.
pub(super) fn skip_record_header(text: &str, at: usize) -> usize {
    let rest = &text.as_bytes()[at..];
    let Some(digits) = rest.strip_prefix(b"Record ") else {
        return at;
    };
    let n = digits.iter().take_while(|b| b.is_ascii_digit()).count();
    match digits.get(n) {
        Some(b'\r' | b'\n') | None if n > 0 => skip_ws(text, at + 7 + n),
        _ => at,
    }
}

pub(super) fn skip_ws(text: &str, mut at: usize) -> usize {
    let bytes = text.as_bytes();
    while at < bytes.len() && matches!(bytes[at], b' ' | b'\t' | b'\n' | b'\r') {
        at += 1;
    }
    at
}

/// JSON Lines when the first line holds a whole object (`{…}`) and another non-blank line follows.
/// Pretty-printed objects open with a line that ends in `{` or `[` or `,`, never in `}`.
pub(super) fn looks_like_json_lines(text: &str, start: usize) -> bool {
    let rest = &text[start..];
    let Some(nl) = memchr::memchr(b'\n', rest.as_bytes()) else {
        return false;
    };
    let first = rest[..nl].trim_end();
    first.ends_with('}') && !rest[nl..].trim().is_empty()
}

/// Byte offsets → line/column, built only when the first error needs it.
pub(super) struct Positions<'a> {
    text: &'a str,
    map: Option<SourceMap>,
}

impl<'a> Positions<'a> {
    pub(super) fn new(text: &'a str) -> Positions<'a> {
        Positions { text, map: None }
    }

    pub(super) fn error(&mut self, message: String, offset: usize) -> EventError {
        let offset = floor_char_boundary(self.text, offset.min(self.text.len()));
        let map = self.map.get_or_insert_with(|| SourceMap::new(self.text));
        let loc = map.location(offset);
        EventError {
            message,
            line: loc.line,
            column: loc.column,
            span: char_span(self.text, offset),
        }
    }
}

/// The span of the character at `offset` (empty at the end of the text).
fn char_span(text: &str, offset: usize) -> Span {
    let len = text[offset..].chars().next().map_or(0, char::len_utf8);
    Span::new(offset, offset + len)
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// serde_json's message without its " at line L column C" suffix (positions are reported apart).
fn json_message(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let bare = match full.rfind(" at line ") {
        Some(i) => &full[..i],
        None => &full,
    };
    match e.classify() {
        serde_json::error::Category::Eof => format!("{bare} (the JSON is cut short)"),
        _ => bare.to_string(),
    }
}

/// Byte offset (relative to the parsed slice) of a serde_json error position.
fn json_error_offset(slice: &str, e: &serde_json::Error) -> usize {
    let line_start = if e.line() <= 1 {
        0
    } else {
        match memchr::memchr_iter(b'\n', slice.as_bytes()).nth(e.line() - 2) {
            Some(nl) => nl + 1,
            None => return slice.len(),
        }
    };
    (line_start + e.column().saturating_sub(1)).min(slice.len())
}

/// Parses one JSON value at `at`; returns it with its end offset.
fn parse_value_at(text: &str, at: usize) -> Result<(Json<'_>, usize), (String, usize)> {
    let slice = &text[at..];
    let mut stream = serde_json::Deserializer::from_str(slice).into_iter::<Json<'_>>();
    match stream.next() {
        Some(Ok(value)) => Ok((value, at + stream.byte_offset())),
        Some(Err(e)) => Err((json_message(&e), at + json_error_offset(slice, &e))),
        None => Err(("expected a JSON value".into(), text.len())),
    }
}

/// Objects one after another, separated by white space (evtx_dump's output, or one single object).
/// Returns how many objects were started (1 for a single object, even a malformed one).
fn parse_stream(text: &str, start: usize, pos: &mut Positions<'_>, sink: &mut Sink) -> usize {
    let mut objects = 0;
    let mut at = start;
    loop {
        at = skip_ws(text, skip_record_header(text, skip_ws(text, at)));
        if at >= text.len() {
            break;
        }
        let err_at = if text.as_bytes()[at] != b'{' {
            let message = if objects == 0 {
                "expected '{' (the start of an event)"
            } else {
                "unexpected text after an event: expected '{' starting the next event, or the end of the input"
            };
            sink.error(pos.error(message.to_string(), at));
            at
        } else {
            objects += 1;
            match parse_value_at(text, at) {
                Ok((value, end)) => {
                    sink.value(value, Span::new(at, end));
                    at = end;
                    continue;
                }
                Err((message, err_at)) => {
                    sink.error(pos.error(message, err_at));
                    err_at
                }
            }
        };
        // Resume at the next line that opens an object (pretty-printed events start in column 1).
        let from = err_at.max(at);
        match memchr::memmem::find(&text.as_bytes()[from..], b"\n{") {
            Some(i) => at = from + i + 1,
            None => break,
        }
    }
    objects
}

fn parse_array(text: &str, start: usize, pos: &mut Positions<'_>, sink: &mut Sink) {
    const NOT_CLOSED: &str = "the array is not closed: expected ']' (the JSON is cut short)";
    let bytes = text.as_bytes();
    let mut at = skip_ws(text, start + 1);
    if bytes.get(at) == Some(&b']') {
        at += 1;
    } else {
        loop {
            if at >= text.len() {
                sink.error(pos.error(NOT_CLOSED.into(), at));
                return;
            }
            match parse_value_at(text, at) {
                Ok((value, end)) => {
                    sink.value(value, Span::new(at, end));
                    at = skip_ws(text, end);
                }
                Err((message, err_at)) => {
                    sink.error(pos.error(message, err_at));
                    return;
                }
            }
            match bytes.get(at) {
                Some(b',') => at = skip_ws(text, at + 1),
                Some(b']') => {
                    at += 1;
                    break;
                }
                Some(_) => {
                    sink.error(pos.error("expected ',' or ']' after an array element".into(), at));
                    return;
                }
                None => {
                    sink.error(pos.error(NOT_CLOSED.into(), at));
                    return;
                }
            }
        }
    }
    let rest = skip_ws(text, at);
    if rest < text.len() {
        sink.error(pos.error("unexpected text after the JSON array".into(), rest));
    }
}

/// One JSON value per line; `text` starts on line `first_line` (a block of a longer stream).
/// Line numbers are counted as the lines go by (no rescanning).
pub(super) fn parse_lines(text: &str, start: usize, first_line: usize, sink: &mut Sink) {
    let bytes = text.as_bytes();
    // Line number of `start` (only white space and perhaps a BOM precede it).
    let mut line_no = first_line + memchr::memchr_iter(b'\n', &bytes[..start]).count();
    let mut line_start = match memchr::memrchr(b'\n', &bytes[..start]) {
        Some(nl) => nl + 1,
        None => 0,
    };
    let mut at = start;
    while line_start < text.len() {
        let line_end =
            memchr::memchr(b'\n', &bytes[line_start..]).map_or(text.len(), |i| line_start + i);
        let from = at.max(line_start);
        let line = &text[from..line_end];
        let trimmed_start = line.len() - line.trim_start().len();
        let content = line.trim();
        let s = from + trimmed_start;
        let span = Span::new(s, s + content.len());
        // Flat objects are read straight into their event; the rest as a tree first.
        if !content.is_empty() && !sink.flat(content, span) {
            match serde_json::from_str::<Json<'_>>(content) {
                Ok(value) => sink.value(value, span),
                Err(e) => {
                    let offset = floor_char_boundary(text, s + json_error_offset(content, &e));
                    let column = text[line_start..offset].chars().count() + 1;
                    sink.error(EventError {
                        message: json_message(&e),
                        line: line_no,
                        column,
                        span: char_span(text, offset),
                    });
                }
            }
        }
        line_no += 1;
        line_start = line_end + 1;
        at = line_start;
    }
}
