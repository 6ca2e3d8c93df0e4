//! Windows event log files (`.evtx`, the binary "ElfFile" format) as events.
//!
//! The `evtx` crate decodes each record's binary XML and renders it as evtx_dump JSON (it is the
//! library behind `evtx_dump`); that JSON then goes through the same flattening as pasted
//! evtx_dump JSON ([`flatten_windows_json`]), so a record gives exactly the event its evtx_dump
//! JSON gives. Records are read one chunk (64 KiB) at a time: memory stays bounded whatever the
//! file size when reading from a file ([`read_evtx`]).
//!
//! A damaged file is read as far as it can be: a record or a chunk that cannot be decoded becomes
//! an [`EventError`] in its place (naming the chunk, the file offset and the last record read
//! before it) and reading goes on with the next record or chunk. A file cut short inside a chunk
//! (a copy that stopped early) still gives the records before the cut, then an error saying where
//! the file ends. EVTX errors have no line and column (`line` and `column` are 0); their `span` is
//! empty.
use super::input::refused_as_too_large;
use super::windows::{flatten_windows_json, generic_event, Json};
use super::{Event, EventError, EventFormat, EventInput, Names};
use crate::limits::MAX_INPUT_BYTES;
use crate::source::Span;
use evtx::{EvtxChunkData, EvtxParser, ParserSettings};
use std::io::{Cursor, Read, Seek, SeekFrom};
use std::sync::Arc;

/// The first 8 bytes of every `.evtx` file.
pub const EVTX_MAGIC: &[u8; 8] = b"ElfFile\0";
const FILE_HEADER_SIZE: u64 = 4096;
const CHUNK_SIZE: u64 = 65536;

/// True when `bytes` start like a Windows event log file.
pub fn is_evtx(bytes: &[u8]) -> bool {
    bytes.starts_with(EVTX_MAGIC)
}

/// Reads every record of an `.evtx` file from memory (the web worker's case). Records become
/// events in file order, each with `format` [`EventFormat::Evtx`]; damaged records and chunks
/// become errors in their place. A file that is not an event log at all gives one error and
/// `format: None`.
pub fn parse_evtx(bytes: &[u8]) -> EventInput {
    if bytes.len() > MAX_INPUT_BYTES {
        return refused_as_too_large("file", bytes.len(), 0);
    }
    let mut events = Vec::new();
    match read_evtx(Cursor::new(bytes), |e| events.push(e)) {
        Ok(()) => EventInput {
            format: Some(EventFormat::Evtx),
            events,
        },
        Err(e) => EventInput {
            format: None,
            events: vec![Err(e)],
        },
    }
}

/// Streams the records of an `.evtx` file to `each`, one at a time (events and errors in file
/// order). Fails as a whole only when the input is not an event log (bad magic, no file header)
/// or cannot be read at all.
pub fn read_evtx<R: Read + Seek>(
    reader: R,
    mut each: impl FnMut(Result<Event, EventError>),
) -> Result<(), EventError> {
    let mut names = Names::default();
    for_each_record(reader, false, |record| {
        each(record.and_then(|json| json_record_event(&json, &mut names)))
    })
}

/// The records of an `.evtx` file as evtx_dump JSON text: pretty-printed objects one after
/// another, as in SigmaHQ's regression data. This is what a rule test keeps of an `.evtx` file
/// (its events are text); [`crate::parse_events`] reads it back into the same events
/// [`parse_evtx`] gives. The errors are those [`parse_evtx`] reports.
pub fn evtx_to_json(bytes: &[u8]) -> Result<EvtxJson, EventError> {
    let mut out = EvtxJson::default();
    let mut too_large = false;
    for_each_record(Cursor::new(bytes), true, |record| match record {
        Ok(_) if too_large => {}
        Ok(json) if out.text.len() + json.len() + 1 > MAX_INPUT_BYTES => {
            too_large = true;
            out.errors.push(evtx_error(format!(
                "the records' JSON would exceed {} MB: records from {} on are left out",
                MAX_INPUT_BYTES / (1024 * 1024),
                out.records + 1
            )));
        }
        Ok(json) => {
            out.text.push_str(json.trim_end());
            out.text.push('\n');
            out.records += 1;
        }
        Err(e) => out.errors.push(e),
    })?;
    Ok(out)
}

/// [`evtx_to_json`]'s result.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EvtxJson {
    /// The records' JSON, one pretty-printed object after another.
    pub text: String,
    /// How many records `text` holds.
    pub records: usize,
    /// The records and chunks that could not be read, in file order.
    pub errors: Vec<EventError>,
}

/// One record's evtx_dump JSON as an event (flattened as pasted evtx_dump JSON is).
fn json_record_event(json: &str, names: &mut Names) -> Result<Event, EventError> {
    let value: Json<'_> = serde_json::from_str(json)
        .map_err(|e| evtx_error(format!("the record's JSON could not be read: {e}")))?;
    let mut event =
        flatten_windows_json(&value, names).unwrap_or_else(|| generic_event(value, names));
    event.format = Some(EventFormat::Evtx);
    Ok(event)
}

/// Calls `each` with every record's JSON text or error, in file order, then reads the
/// records of a partial last chunk.
fn for_each_record<R: Read + Seek>(
    mut reader: R,
    indent: bool,
    mut each: impl FnMut(Result<String, EventError>),
) -> Result<(), EventError> {
    let len = reader
        .seek(SeekFrom::End(0))
        .and_then(|len| reader.rewind().map(|()| len))
        .map_err(|e| evtx_error(format!("the file cannot be read: {e}")))?;
    let mut magic = [0u8; 8];
    let got = read_up_to(&mut reader, &mut magic)
        .map_err(|e| evtx_error(format!("the file cannot be read: {e}")))?;
    if got < magic.len() || magic != *EVTX_MAGIC || len < FILE_HEADER_SIZE {
        return Err(evtx_error(not_evtx_message(&magic[..got], len)));
    }
    reader
        .rewind()
        .map_err(|e| evtx_error(format!("the file cannot be read: {e}")))?;

    let settings = ParserSettings::new().indent(indent).num_threads(1);
    let mut last_record: Option<u64> = None;
    let chunks_named = {
        let mut parser = EvtxParser::from_read_seek(&mut reader)
            .map_err(|e| evtx_error(format!("not a readable .evtx file: {}", chain(&e))))?
            .with_configuration(settings.clone());
        let chunks_named = u64::from(parser.header().chunk_count);
        for record in parser.records_json() {
            match record {
                Ok(r) => {
                    last_record = Some(r.event_record_id);
                    each(Ok(r.data));
                }
                Err(e) => each(Err(record_error(&e, chunks_named, last_record))),
            }
        }
        chunks_named
    };

    // The parser reads whole chunks only: a file cut inside a chunk would lose it silently.
    let whole_chunks = (len - FILE_HEADER_SIZE) / CHUNK_SIZE;
    let tail = (len - FILE_HEADER_SIZE) % CHUNK_SIZE;
    let offset = FILE_HEADER_SIZE + whole_chunks * CHUNK_SIZE;
    if tail > 0 {
        let mut data = vec![0u8; CHUNK_SIZE as usize];
        let read = reader
            .seek(SeekFrom::Start(offset))
            .and_then(|_| read_up_to(&mut reader, &mut data[..tail as usize]));
        if read.is_ok() && data[..tail as usize].iter().any(|&b| b != 0) {
            read_partial_chunk(data, &settings, &mut last_record, &mut each);
            each(Err(evtx_error(format!(
                "the file ends inside chunk {whole_chunks} (file offset {offset:#x}), {tail} of its \
                 {CHUNK_SIZE} bytes present: the file is cut short; {}",
                after(last_record)
            ))));
            return Ok(());
        }
    }
    if whole_chunks < chunks_named {
        each(Err(evtx_error(format!(
            "the file header names {chunks_named} chunk(s) but the file ends after {whole_chunks} \
             (at file offset {offset:#x}): the file is cut short; {}",
            after(last_record)
        ))));
    }
    Ok(())
}

/// The records of a chunk the file cuts short (zero-filled past the cut): those wholly before
/// the cut still decode; the first one past it reads as the chunk's free space.
fn read_partial_chunk(
    data: Vec<u8>,
    settings: &ParserSettings,
    last_record: &mut Option<u64>,
    each: &mut impl FnMut(Result<String, EventError>),
) {
    let Ok(mut chunk_data) = EvtxChunkData::new(data, false) else {
        return;
    };
    let Ok(mut chunk) = chunk_data.parse(Arc::new(settings.clone())) else {
        return;
    };
    for record in chunk.iter() {
        // Past the cut, the records are zeros or half-written: stop at the first that fails.
        let Ok(record) = record.and_then(|r| r.into_json()) else {
            break;
        };
        *last_record = Some(record.event_record_id);
        each(Ok(record.data));
    }
}

/// Fills `buf` as far as the reader has bytes; returns how many were read.
fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

fn not_evtx_message(start: &[u8], len: u64) -> String {
    if start.len() >= EVTX_MAGIC.len() && start == EVTX_MAGIC {
        return format!(
            "the file is cut short: {len} bytes, less than the {FILE_HEADER_SIZE}-byte header of \
             an .evtx file"
        );
    }
    if !start.is_empty() && EVTX_MAGIC.starts_with(start) {
        return format!("the file is cut short: {len} bytes, inside the .evtx file header");
    }
    let shown: String = start
        .iter()
        .map(|&b| match b {
            0x20..=0x7e => char::from(b).to_string(),
            _ => format!("\\x{b:02x}"),
        })
        .collect();
    format!("not a Windows event log (.evtx): the file starts with \"{shown}\", not \"ElfFile\\0\"")
}

/// An error of one record or chunk, with where reading was.
fn record_error(
    e: &evtx::err::EvtxError,
    chunks_named: u64,
    last_record: Option<u64>,
) -> EventError {
    let what = match e {
        // A log not closed cleanly has chunks past those its header names: records, or leftovers.
        evtx::err::EvtxError::FailedToParseChunk { chunk_id, .. } if *chunk_id >= chunks_named => {
            format!(
                "chunk {chunk_id} (file offset {:#x}), past the {chunks_named} chunk(s) the file \
                 header names (a log not closed cleanly), skipped",
                FILE_HEADER_SIZE + chunk_id * CHUNK_SIZE
            )
        }
        evtx::err::EvtxError::FailedToParseChunk { chunk_id, .. } => format!(
            "chunk {chunk_id} (file offset {:#x}) skipped",
            FILE_HEADER_SIZE + chunk_id * CHUNK_SIZE
        ),
        _ => "a record skipped".to_string(),
    };
    evtx_error(format!("{what}: {}; {}", chain(e), after(last_record)))
}

fn after(last_record: Option<u64>) -> String {
    match last_record {
        Some(id) => format!("the last record read before it is record {id}"),
        None => "no record was read before it".to_string(),
    }
}

/// An error and its causes, "outer: inner: innermost" (the crate's outer messages alone say
/// little: "Failed to parse chunk number 3").
fn chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

fn evtx_error(message: String) -> EventError {
    EventError {
        message,
        line: 0,
        column: 0,
        span: Span::point(0),
    }
}
