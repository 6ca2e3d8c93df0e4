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
//!   reading resumes at the next line that starts with `{`.
//!
//! When every event read is evtx_dump shaped (`{"Event":{"System":…}}`), the input is reported as
//! [`EventFormat::EvtxJson`] whatever the container (stream, array, lines or a single object); each
//! event's own `format` says `EvtxJson` for evtx_dump records and the container shape otherwise.
//!
//! Every event gets its byte span in the input; every error a 1-based line and column (characters).
//! A UTF-8 byte order mark is skipped. Nothing here panics on any input: serde_json and the XML reader
//! stop at nesting depth 128, and work is linear in the input size.
use super::{xml, Event};
use crate::span::{SourceMap, Span};
use serde::Serialize;
use serde_json::Value;

/// Inputs larger than this are refused with a message rather than risking the tab or the process.
pub const MAX_INPUT_BYTES: usize = 512 * 1024 * 1024;

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
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventError {
    pub message: String,
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
        let message = format!(
            "the input is {} MB; at most {} MB of events can be read at once",
            text.len().div_ceil(1024 * 1024),
            MAX_INPUT_BYTES / (1024 * 1024)
        );
        return EventInput {
            format: None,
            events: vec![Err(EventError {
                message,
                line: 1,
                column: 1,
                span: Span::point(0),
            })],
        };
    }
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let start = skip_ws(text, bom);
    let Some(&first) = text.as_bytes().get(start) else {
        return EventInput {
            format: Some(EventFormat::Empty),
            events: Vec::new(),
        };
    };
    let mut pos = Positions::new(text);
    let (container, events) = match first {
        b'<' => return xml::parse_xml(text, start),
        b'[' => (EventFormat::JsonArray, parse_array(text, start, &mut pos)),
        b'{' if looks_like_json_lines(text, start) => {
            (EventFormat::JsonLines, parse_lines(text, start))
        }
        b'{' => {
            let (events, objects) = parse_stream(text, start, &mut pos);
            (
                if objects == 1 {
                    EventFormat::JsonObject
                } else {
                    EventFormat::JsonStream
                },
                events,
            )
        }
        _ => {
            let message = "this is neither JSON nor XML: events start with '{' (a JSON object), '[' (a JSON array) or '<' (Event Viewer XML)".to_string();
            return EventInput {
                format: None,
                events: vec![Err(pos.error(message, start))],
            };
        }
    };
    finish(container, events)
}

/// A parsed JSON value and where it stands.
type Parsed = Result<(Value, Span), EventError>;

/// Turns parsed values into events and settles the reported format.
fn finish(container: EventFormat, parsed: Vec<Parsed>) -> EventInput {
    let mut any = false;
    let mut all_evtx = true;
    let events: Vec<Result<Event, EventError>> = parsed
        .into_iter()
        .map(|p| {
            p.map(|(value, span)| {
                let evtx = is_evtx(&value);
                any = true;
                all_evtx &= evtx;
                let mut event = Event::from_json(&value);
                event.span = span;
                event.format = Some(if evtx {
                    EventFormat::EvtxJson
                } else {
                    container
                });
                event
            })
        })
        .collect();
    let format = if any && all_evtx {
        EventFormat::EvtxJson
    } else {
        container
    };
    EventInput {
        format: Some(format),
        events,
    }
}

fn is_evtx(value: &Value) -> bool {
    value
        .get("Event")
        .and_then(|e| e.get("System"))
        .is_some_and(Value::is_object)
}

fn skip_ws(text: &str, mut at: usize) -> usize {
    let bytes = text.as_bytes();
    while at < bytes.len() && matches!(bytes[at], b' ' | b'\t' | b'\n' | b'\r') {
        at += 1;
    }
    at
}

/// JSON Lines when the first line holds a whole object (`{…}`) and another non-blank line follows.
/// Pretty-printed objects open with a line that ends in `{` or `[` or `,`, never in `}`.
fn looks_like_json_lines(text: &str, start: usize) -> bool {
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
fn parse_value_at(text: &str, at: usize) -> Result<(Value, usize), (String, usize)> {
    let slice = &text[at..];
    let mut stream = serde_json::Deserializer::from_str(slice).into_iter::<Value>();
    match stream.next() {
        Some(Ok(value)) => Ok((value, at + stream.byte_offset())),
        Some(Err(e)) => Err((json_message(&e), at + json_error_offset(slice, &e))),
        None => Err(("expected a JSON value".into(), text.len())),
    }
}

/// Objects one after another, separated by white space (evtx_dump's output, or one single object).
/// Also returns how many objects were started (1 for a single object, even a malformed one).
fn parse_stream(text: &str, start: usize, pos: &mut Positions<'_>) -> (Vec<Parsed>, usize) {
    let mut out = Vec::new();
    let mut objects = 0;
    let mut at = start;
    loop {
        at = skip_ws(text, at);
        if at >= text.len() {
            break;
        }
        let err_at = if text.as_bytes()[at] != b'{' {
            let message = if out.is_empty() {
                "expected '{' (the start of an event)".to_string()
            } else {
                "unexpected text after an event: expected '{' starting the next event, or the end of the input"
                    .to_string()
            };
            out.push(Err(pos.error(message, at)));
            at
        } else {
            objects += 1;
            match parse_value_at(text, at) {
                Ok((value, end)) => {
                    out.push(Ok((value, Span::new(at, end))));
                    at = end;
                    continue;
                }
                Err((message, err_at)) => {
                    out.push(Err(pos.error(message, err_at)));
                    err_at
                }
            }
        };
        // Resume at the next line that opens an object (pretty-printed events start in column 1).
        match memchr::memmem::find(&text.as_bytes()[err_at.max(at)..], b"\n{") {
            Some(i) => at = err_at.max(at) + i + 1,
            None => break,
        }
    }
    (out, objects)
}

fn parse_array(text: &str, start: usize, pos: &mut Positions<'_>) -> Vec<Parsed> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut at = skip_ws(text, start + 1);
    if bytes.get(at) == Some(&b']') {
        at += 1;
    } else {
        loop {
            if at >= text.len() {
                out.push(Err(pos.error(
                    "the array is not closed: expected ']' (the JSON is cut short)".into(),
                    at,
                )));
                return out;
            }
            match parse_value_at(text, at) {
                Ok((value, end)) => {
                    out.push(Ok((value, Span::new(at, end))));
                    at = skip_ws(text, end);
                }
                Err((message, err_at)) => {
                    out.push(Err(pos.error(message, err_at)));
                    return out;
                }
            }
            match bytes.get(at) {
                Some(b',') => at = skip_ws(text, at + 1),
                Some(b']') => {
                    at += 1;
                    break;
                }
                Some(_) => {
                    out.push(Err(
                        pos.error("expected ',' or ']' after an array element".into(), at)
                    ));
                    return out;
                }
                None => {
                    out.push(Err(pos.error(
                        "the array is not closed: expected ']' (the JSON is cut short)".into(),
                        at,
                    )));
                    return out;
                }
            }
        }
    }
    let rest = skip_ws(text, at);
    if rest < text.len() {
        out.push(Err(
            pos.error("unexpected text after the JSON array".into(), rest)
        ));
    }
    out
}

/// One JSON value per line. Line numbers are counted as the lines go by (no rescanning).
fn parse_lines(text: &str, start: usize) -> Vec<Parsed> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    // Line number of `start` (only white space and perhaps a BOM precede it).
    let mut line_no = 1 + memchr::memchr_iter(b'\n', &bytes[..start]).count();
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
        if !content.is_empty() {
            let s = from + trimmed_start;
            match serde_json::from_str::<Value>(content) {
                Ok(value) => out.push(Ok((value, Span::new(s, s + content.len())))),
                Err(e) => {
                    let offset = s + json_error_offset(content, &e);
                    let offset = floor_char_boundary(text, offset);
                    let column = text[line_start..offset].chars().count() + 1;
                    out.push(Err(EventError {
                        message: json_message(&e),
                        line: line_no,
                        column,
                        span: char_span(text, offset),
                    }));
                }
            }
        }
        line_no += 1;
        line_start = line_end + 1;
        at = line_start;
    }
    out
}
