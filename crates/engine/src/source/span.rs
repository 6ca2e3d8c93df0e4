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
        let mut line_starts = vec![0];
        line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
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
        let line_end = rest.find('\n').unwrap_or(rest.len());
        rest[..line_end]
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(start + line_end, |(i, _)| start + i)
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }
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
}
