//! Reading events from text (to be filled in: JSON, JSON array, JSON Lines, evtx_dump, XML).
use super::Event;
use crate::span::Span;
use serde::Serialize;

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
    pub format: Option<EventFormat>,
    pub events: Vec<Result<Event, EventError>>,
}

pub fn parse_events(_text: &str) -> EventInput {
    EventInput::default()
}
