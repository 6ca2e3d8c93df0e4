//! Source positions. Every diagnostic and every explained item points back into the text the user
//! typed, so positions are kept as byte spans and turned into line/column only for display.

use serde::{Deserialize, Serialize};

/// A byte range in a source text. `start..end`, `end` exclusive.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start,
            end: end.max(start),
        }
    }

    pub fn point(at: usize) -> Span {
        Span { start: at, end: at }
    }

    /// The smallest span covering both.
    pub fn join(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// A sub-span given relative to this one (e.g. a token inside a condition string).
    pub fn sub(self, rel_start: usize, rel_end: usize) -> Span {
        Span::new(
            self.start + rel_start,
            (self.start + rel_end).min(self.end.max(self.start + rel_end)),
        )
    }
}

/// A 1-based line and column (column counted in characters, as editors show it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// Maps byte offsets to line/column and back for one source text.
#[derive(Clone, Debug)]
pub struct SourceMap {
    line_starts: Vec<usize>,
    text: std::sync::Arc<str>,
}

impl SourceMap {
    pub fn new(text: &str) -> SourceMap {
        // A line ends at `\n`, `\r\n` or a lone `\r`, as YAML (and the editors) count lines.
        let bytes = text.as_bytes();
        let mut line_starts = vec![0];
        line_starts.extend(
            memchr::memchr2_iter(b'\n', b'\r', bytes)
                .filter(|&i| bytes[i] == b'\n' || bytes.get(i + 1) != Some(&b'\n'))
                .map(|i| i + 1),
        );
        SourceMap {
            line_starts,
            text: text.into(),
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn location(&self, offset: usize) -> Location {
        let offset = offset.min(self.text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line];
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count())
            + 1;
        Location {
            line: line + 1,
            column,
        }
    }

    /// Byte offset of a 1-based line and 1-based character column (clamped to the text).
    pub fn offset(&self, line: usize, column: usize) -> usize {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else {
            return self.text.len();
        };
        let rest = &self.text[start..];
        let line_end = rest.find(['\n', '\r']).unwrap_or(rest.len());
        rest[..line_end]
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(start + line_end, |(i, _)| start + i)
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }
}

/// Bytes that are not UTF-8 text: where the first invalid byte stands, as a line and a column of
/// the valid text before it (a byte offset means nothing in an editor).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotUtf8 {
    pub location: Location,
    pub byte: u8,
}

impl std::fmt::Display for NotUtf8 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "not UTF-8 text: byte 0x{:02X} at line {}, column {}",
            self.byte, self.location.line, self.location.column
        )
    }
}

/// Reads `bytes` as UTF-8 text.
pub fn utf8_text(bytes: Vec<u8>) -> Result<String, NotUtf8> {
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let bytes = e.into_bytes();
        let before = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
        NotUtf8 {
            location: SourceMap::new(before).location(valid),
            byte: bytes[valid],
        }
    })
}

/// Where each byte of a scalar's value stands in the rule text. A value written verbatim (plain,
/// or quoted without escapes) is the text's bytes from one offset on; otherwise (escapes, `''`,
/// folded lines) each character is found where it is written, so that positions inside the value
/// land on the right character, on character boundaries, inside the scalar.
pub struct ScalarMap {
    base: usize,
    /// Source offset of each byte of the value, and of its end; `None` when verbatim.
    table: Option<Vec<usize>>,
}

impl ScalarMap {
    /// The map of `value`, the scalar written at `span` of `source`.
    pub fn locate(source: &str, span: Span, value: &str) -> ScalarMap {
        let raw = source.get(span.start..span.end).unwrap_or("");
        if let Some(o) = raw.find(value) {
            return ScalarMap {
                base: span.start + o,
                table: None,
            };
        }
        let double = raw.starts_with('"');
        let mut r = usize::from(double || raw.starts_with('\''));
        let mut table = Vec::with_capacity(value.len() + 1);
        for c in value.chars() {
            let at = if double && raw[r..].starts_with('\\') {
                let escape = match raw.as_bytes().get(r + 1) {
                    Some(b'x') => 4,
                    Some(b'u') => 6,
                    Some(b'U') => 10,
                    _ => 2,
                };
                let at = r;
                r = boundary_at_or_before(raw, (r + escape).min(raw.len()));
                at
            } else {
                match raw[r..].find(c) {
                    Some(k) => {
                        r += k + c.len_utf8();
                        r - c.len_utf8()
                    }
                    None => r,
                }
            };
            table.extend(std::iter::repeat_n(span.start + at, c.len_utf8()));
        }
        table.push(span.start + r);
        ScalarMap {
            base: span.start,
            table: Some(table),
        }
    }

    /// A value that stands verbatim at `base`.
    pub fn verbatim(base: usize) -> ScalarMap {
        ScalarMap { base, table: None }
    }

    /// The source offset of byte `i` of the value (`i` = its length: the end).
    pub fn at(&self, i: usize) -> usize {
        match &self.table {
            None => self.base + i,
            Some(t) => t.get(i).or(t.last()).copied().unwrap_or(self.base),
        }
    }

    /// The source span of bytes `start..end` of the value.
    pub fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.at(start), self.at(end))
    }
}

fn boundary_at_or_before(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_locations_round_trip() {
        let map = SourceMap::new("ab\nçd\n\nx");
        assert_eq!(map.location(0), Location { line: 1, column: 1 });
        assert_eq!(map.location(3), Location { line: 2, column: 1 });
        assert_eq!(map.location(5), Location { line: 2, column: 2 });
        assert_eq!(map.offset(2, 2), 5);
        assert_eq!(map.offset(4, 1), 8);
        assert_eq!(
            map.location(map.offset(3, 1)),
            Location { line: 3, column: 1 }
        );
    }

    #[test]
    fn invalid_utf8_is_located_by_line_and_column() {
        let e = utf8_text(b"ab\nc\xc3\xa9d\xffe".to_vec()).unwrap_err();
        assert_eq!(e.location, Location { line: 2, column: 4 });
        assert_eq!(
            e.to_string(),
            "not UTF-8 text: byte 0xFF at line 2, column 4"
        );
        assert_eq!(utf8_text(b"ok".to_vec()).unwrap(), "ok");
    }

    #[test]
    fn a_lone_carriage_return_ends_a_line() {
        let map = SourceMap::new("a\rb\r\nc\nd");
        assert_eq!(map.line_count(), 4);
        assert_eq!(map.location(2), Location { line: 2, column: 1 });
        assert_eq!(map.location(5), Location { line: 3, column: 1 });
        assert_eq!(map.offset(2, 2), 3);
    }

    #[test]
    fn positions_inside_an_escaped_scalar_land_on_their_character() {
        let source = "c: \"a \\u000f ،b\"";
        let value = "a \u{f} ،b";
        let span = Span::new(3, source.len());
        let map = ScalarMap::locate(source, span, value);
        let b = value.find('b').unwrap();
        assert_eq!(&source[map.at(b)..map.at(b + 1)], "b");
        let arabic = value.find('،').unwrap();
        assert_eq!(&source[map.at(arabic)..map.at(arabic + 2)], "،");
        assert_eq!(map.at(value.len()), source.len() - 1);
        assert_eq!(ScalarMap::locate("x: ab", Span::new(3, 5), "ab").at(1), 4);
    }
}
