//! JSON Lines read from a stream a block of lines at a time, so that an events file of any size is
//! evaluated in constant memory: the caller holds one block's text and events, never the input.
//! Each block is parsed exactly as [`super::parse_events`] parses JSON Lines (the same line
//! parser); spans are offsets in the whole input and line numbers count from its first line.
use super::input::{looks_like_json_lines, parse_lines, skip_record_header, skip_ws, Sink};
use super::{Event, EventError, EventFormat};
use crate::limits::MAX_INPUT_BYTES;
use crate::source::Span;
use std::io::{self, BufRead, Read};

/// Whether `head`, the start of an input (at least its first line with content and the next
/// one, where there is one), is JSON Lines as [`super::parse_events`] decides it: an object that
/// fills the first line, and more lines after it.
pub fn is_json_lines(head: &str) -> bool {
    let bom = if head.starts_with('\u{feff}') { 3 } else { 0 };
    let start = skip_ws(head, bom);
    head.as_bytes().get(start) == Some(&b'{')
        && skip_record_header(head, start) == start
        && looks_like_json_lines(head, start)
}

/// A JSON Lines reader over any [`BufRead`] (a file, stdin, a decompressor).
/// An event (or why its line is not one) with its 0-based index in the whole input.
pub type NumberedEvent = (usize, Result<Event, EventError>);

pub struct JsonLines<R> {
    reader: R,
    /// Bytes of text per block (whole lines; a block holds at least one line).
    block_bytes: usize,
    /// Offset in the input of the next block, and its line number.
    offset: usize,
    line: usize,
    done: bool,
}

impl<R: BufRead> JsonLines<R> {
    /// Reads blocks of about `block_bytes` bytes of lines.
    pub fn new(reader: R, block_bytes: usize) -> JsonLines<R> {
        JsonLines {
            reader,
            block_bytes: block_bytes.max(1),
            offset: 0,
            line: 1,
            done: false,
        }
    }

    /// The events and errors of the next block of lines, in order, each with the line it starts
    /// on; `None` at the end of the input. A line that is not UTF-8, or longer than
    /// [`MAX_INPUT_BYTES`], is an error in its place; the lines after it are still read.
    pub fn next_block(&mut self) -> io::Result<Option<Vec<NumberedEvent>>> {
        Ok(self.next_lines()?.map(LinesBlock::parse))
    }

    /// The next block of lines, read but not parsed: [`LinesBlock::parse`] gives what
    /// [`JsonLines::next_block`] would have, on any thread (so blocks can be parsed in parallel,
    /// while the reading stays in order).
    pub fn next_lines(&mut self) -> io::Result<Option<LinesBlock>> {
        if self.done {
            return Ok(None);
        }
        let mut block = LinesBlock {
            buf: Vec::with_capacity(self.block_bytes.min(1 << 24) + 4096),
            offset: self.offset,
            line: self.line,
            errors: Vec::new(),
        };
        while block.buf.len() < self.block_bytes {
            let before = block.buf.len();
            let limit = MAX_INPUT_BYTES as u64 + 1;
            let n = self
                .reader
                .by_ref()
                .take(limit)
                .read_until(b'\n', &mut block.buf)?;
            if n == 0 {
                self.done = true;
                break;
            }
            if n as u64 == limit && block.buf.last() != Some(&b'\n') {
                block.buf.truncate(before);
                let line = block.line_of(before);
                block.errors.push(block.too_long(line, before));
                // A line too long to hold: its rest is skipped, not read.
                skip_line(&mut self.reader)?;
                block.buf.push(b'\n');
            }
        }
        if block.buf.is_empty() {
            return Ok(None);
        }
        self.line += memchr::memchr_iter(b'\n', &block.buf).count();
        self.offset += block.buf.len();
        Ok(Some(block))
    }
}

/// A block of lines read by [`JsonLines::next_lines`], not parsed yet.
#[derive(Debug)]
pub struct LinesBlock {
    buf: Vec<u8>,
    /// Offset in the input of the block, and its line number.
    offset: usize,
    line: usize,
    /// Lines too long to read, found while reading.
    errors: Vec<EventError>,
}

impl LinesBlock {
    /// The events and errors of the block, in order, each with the line it starts on.
    pub fn parse(mut self) -> Vec<NumberedEvent> {
        let mut errors = std::mem::take(&mut self.errors);
        self.blank_non_utf8_lines(&mut errors);
        let text = std::str::from_utf8(&self.buf).unwrap_or_default();
        let start = if self.offset == 0 {
            let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
            skip_ws(text, bom)
        } else {
            0
        };
        let mut sink = Sink::default();
        parse_lines(text, start, self.line, &mut sink);
        let mut events = sink.finish(EventFormat::JsonLines).events;
        for e in &mut events {
            match e {
                Ok(event) => event.span = shifted(event.span, self.offset),
                Err(error) => error.span = shifted(error.span, self.offset),
            }
        }
        events.extend(errors.into_iter().map(Err));
        let start_of = |e: &Result<Event, EventError>| match e {
            Ok(event) => event.span.start,
            Err(error) => error.span.start,
        };
        events.sort_by_key(start_of);
        // Line numbers, counted as the events go by.
        let mut line = self.line;
        let mut counted = 0;
        events
            .into_iter()
            .map(|e| {
                let at = (start_of(&e) - self.offset).min(self.buf.len());
                line += memchr::memchr_iter(b'\n', &self.buf[counted.min(at)..at]).count();
                counted = counted.max(at);
                let event_line = match &e {
                    Ok(_) => line,
                    Err(error) => error.line,
                };
                (event_line, e)
            })
            .collect()
    }

    fn line_of(&self, at: usize) -> usize {
        self.line + memchr::memchr_iter(b'\n', &self.buf[..at]).count()
    }

    fn too_long(&self, line: usize, at: usize) -> EventError {
        EventError {
            message: format!(
                "this line is over {} MB; at most {} MB of events can be read at once",
                MAX_INPUT_BYTES / (1024 * 1024),
                MAX_INPUT_BYTES / (1024 * 1024)
            ),
            line,
            column: 1,
            span: Span::point(self.offset + at),
        }
    }

    /// Replaces each line that is not UTF-8 with spaces (so offsets and line numbers stay) and
    /// records an error for it.
    fn blank_non_utf8_lines(&mut self, errors: &mut Vec<EventError>) {
        let mut from = 0;
        while let Err(e) = std::str::from_utf8(&self.buf[from..]) {
            let bad = from + e.valid_up_to();
            let line_start = memchr::memrchr(b'\n', &self.buf[..bad]).map_or(0, |i| i + 1);
            let line_end =
                memchr::memchr(b'\n', &self.buf[bad..]).map_or(self.buf.len(), |i| bad + i);
            let column = std::str::from_utf8(&self.buf[line_start..bad])
                .map_or(1, |s| s.chars().count() + 1);
            errors.push(EventError {
                message: format!("not UTF-8 text: byte 0x{:02X}", self.buf[bad]),
                line: self.line_of(line_start),
                column,
                span: Span::point(self.offset + bad),
            });
            self.buf[line_start..line_end].fill(b' ');
            from = line_end;
        }
    }
}

fn shifted(span: Span, by: usize) -> Span {
    Span::new(span.start + by, span.end + by)
}

/// Reads and drops the rest of the current line.
fn skip_line(reader: &mut impl BufRead) -> io::Result<()> {
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok(());
        }
        match memchr::memchr(b'\n', buf) {
            Some(i) => {
                reader.consume(i + 1);
                return Ok(());
            }
            None => {
                let n = buf.len();
                reader.consume(n);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::parse_events;

    /// Generates `n` JSON lines on the fly: the reader never holds the input.
    struct Generated {
        next: usize,
        n: usize,
        pending: Vec<u8>,
    }

    impl Read for Generated {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            if self.pending.is_empty() && self.next < self.n {
                self.pending = format!(
                    "{{\"EventID\": {}, \"Image\": \"C:\\\\Windows\\\\cmd{}.exe\"}}\n",
                    self.next % 7,
                    self.next
                )
                .into_bytes();
                self.next += 1;
            }
            let k = self.pending.len().min(out.len());
            out[..k].copy_from_slice(&self.pending[..k]);
            self.pending.drain(..k);
            Ok(k)
        }
    }

    fn all_blocks(text: &[u8], block: usize) -> Vec<(usize, Result<Event, EventError>)> {
        let mut lines = JsonLines::new(io::BufReader::new(text), block);
        let mut out = Vec::new();
        while let Some(b) = lines.next_block().expect("reads") {
            out.extend(b);
        }
        out
    }

    #[test]
    fn blocks_read_what_parse_events_reads() {
        let text = "\u{feff}\n{\"a\": 1}\n\n{\"b\": \"X\"}\n{bad\n{\"c\": [1, 2]}\n{\"d\": 4}";
        assert!(is_json_lines(text));
        let whole = parse_events(text);
        for block in [1, 7, 1 << 20] {
            let streamed = all_blocks(text.as_bytes(), block);
            assert_eq!(streamed.len(), whole.events.len());
            for ((line, s), w) in streamed.iter().zip(&whole.events) {
                match (s, w) {
                    (Ok(s), Ok(w)) => {
                        assert_eq!(s.span, w.span);
                        assert_eq!(s.to_json(), w.to_json());
                        let expected = text[..w.span.start].matches('\n').count() + 1;
                        assert_eq!(*line, expected);
                    }
                    (Err(s), Err(w)) => {
                        assert_eq!(s, w);
                        assert_eq!(*line, w.line);
                    }
                    other => panic!("block size {block}: {other:?}"),
                }
            }
        }
    }

    #[test]
    fn a_line_that_is_not_utf8_is_an_error_in_its_place() {
        let text = b"{\"a\": 1}\n{\"b\": \"\xff\"}\n{\"c\": 3}\n";
        let streamed = all_blocks(text, 1 << 20);
        assert_eq!(streamed.len(), 3);
        assert!(streamed[0].1.is_ok() && streamed[2].1.is_ok());
        let Err(e) = &streamed[1].1 else {
            panic!("{:?}", streamed[1])
        };
        assert_eq!((e.line, e.column), (2, 8));
        assert!(e.message.contains("0xFF"), "{}", e.message);
        assert_eq!(streamed[2].0, 3);
    }

    #[test]
    fn reads_a_generated_stream_a_block_at_a_time() {
        let n = 50_000;
        let reader = io::BufReader::new(Generated {
            next: 0,
            n,
            pending: Vec::new(),
        });
        let mut lines = JsonLines::new(reader, 64 * 1024);
        let (mut events, mut blocks, mut largest) = (0, 0, 0);
        while let Some(block) = lines.next_block().expect("reads") {
            blocks += 1;
            largest = largest.max(block.len());
            for (line, e) in block {
                let e = e.expect("parses");
                assert_eq!(line, events + 1);
                assert!(e.get("Image").is_some());
                events += 1;
            }
        }
        assert_eq!(events, n);
        assert!(blocks > 10, "{blocks} blocks");
        assert!(largest < n / 10, "a block held {largest} events");
    }

    #[test]
    fn pretty_printed_or_single_objects_are_not_json_lines() {
        assert!(!is_json_lines("{\n  \"a\": 1\n}\n"));
        assert!(!is_json_lines("{\"a\": 1}\n"));
        assert!(!is_json_lines("[{\"a\": 1},\n{\"b\": 2}]\n"));
        assert!(!is_json_lines("Record 1\n{\"a\": 1}\n{\"b\": 2}\n"));
        assert!(is_json_lines("  {\"a\": 1}\n{\"b\": 2}"));
    }
}
