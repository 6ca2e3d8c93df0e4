//! Case folding, decided once for the whole engine: Sigma strings compare case-insensitively using
//! Unicode *simple* lowercase mapping, one character to one character (`char::to_lowercase` where it
//! yields a single char; otherwise the character is kept). This keeps byte offsets of ASCII text
//! unchanged, so a match found in the folded value maps back to the original for highlighting.

use std::borrow::Cow;
use std::sync::Arc;

/// Folds one character (simple case folding).
#[inline]
pub fn fold_char(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// Folds a string; borrows when nothing changes (the common case for lowercase ASCII).
pub fn fold(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(s.to_ascii_lowercase())
        } else {
            Cow::Borrowed(s)
        }
    } else if s.chars().all(|c| fold_char(c) == c) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.chars().map(fold_char).collect())
    }
}

/// An event's string value together with its case-folded form, computed once per event so that
/// thousands of case-insensitive comparisons per event never fold again. Both are a range of one
/// buffer (the raw text, then the folded text when folding changes it), which the texts of one
/// event share ([`TextBuffer`]): parsing an event was dominated by allocating and freeing a buffer
/// per string.
#[derive(Clone)]
pub struct Text {
    buf: Arc<str>,
    start: usize,
    /// Where the raw text ends in `buf`; the folded text follows it up to `folded_end`, unless
    /// the two are equal (folding changes nothing).
    raw_end: usize,
    folded_end: usize,
}

impl Text {
    /// A text of its own (the texts of a parsed event share one buffer instead).
    pub fn new(raw: impl AsRef<str>) -> Text {
        let raw = raw.as_ref();
        let n = raw.len();
        let folds_ascii = raw.is_ascii() && raw.bytes().any(|b| b.is_ascii_uppercase());
        if !folds_ascii && (raw.is_ascii() || raw.chars().all(|c| fold_char(c) == c)) {
            return Text::whole(Arc::from(raw), n);
        }
        if folds_ascii && n <= 128 {
            // Built on the stack: one allocation, as when the text needs no folding.
            let mut both = [0u8; 256];
            both[..n].copy_from_slice(raw.as_bytes());
            both[n..2 * n].copy_from_slice(raw.as_bytes());
            both[n..2 * n].make_ascii_lowercase();
            let both = std::str::from_utf8(&both[..2 * n]).unwrap_or_default();
            return Text::whole(Arc::from(both), n);
        }
        let mut buf = TextBuffer::default();
        let range = buf.push(raw);
        buf.finish().text(range)
    }

    /// The text that fills `buf`: raw up to `raw_end`, then its folded text (if any).
    fn whole(buf: Arc<str>, raw_end: usize) -> Text {
        Text {
            start: 0,
            raw_end,
            folded_end: buf.len(),
            buf,
        }
    }

    #[inline]
    pub fn raw(&self) -> &str {
        &self.buf[self.start..self.raw_end]
    }

    #[inline]
    pub fn folded(&self) -> &str {
        if self.folded_end == self.raw_end {
            self.raw()
        } else {
            &self.buf[self.raw_end..self.folded_end]
        }
    }

    /// Maps a byte range in `folded()` back to `raw()`. Simple folding maps each char to one
    /// char, so the n-th char corresponds; byte lengths may differ for non-ASCII.
    pub fn raw_range(&self, start: usize, end: usize) -> (usize, usize) {
        let (raw, f) = (self.raw(), self.folded());
        if f.len() == raw.len() {
            return (start, end);
        }
        let cs = f[..start.min(f.len())].chars().count();
        let ce = f[..end.min(f.len())].chars().count();
        let mut idx = raw
            .char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(raw.len()));
        let s = idx.clone().nth(cs).unwrap_or(raw.len());
        let e = idx.nth(ce).unwrap_or(raw.len());
        (s, e)
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.raw() == other.raw() && self.folded() == other.folded()
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Text")
            .field("raw", &self.raw())
            .field("folded", &self.folded())
            .finish()
    }
}

impl From<String> for Text {
    fn from(raw: String) -> Text {
        Text::new(raw)
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text::new(s)
    }
}

/// Where one text stands in a [`TextBuffer`]: raw `start..raw_end`, folded `raw_end..folded_end`
/// (none when they are equal).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TextRange {
    start: usize,
    raw_end: usize,
    folded_end: usize,
}

/// The texts of one event, raw and folded, gathered into one buffer (reused from event to
/// event) and then frozen into the one allocation they share.
#[derive(Debug, Default)]
pub(crate) struct TextBuffer {
    buf: String,
}

impl TextBuffer {
    /// Appends `raw` and, when folding changes it, its folded text.
    pub(crate) fn push(&mut self, raw: &str) -> TextRange {
        let start = self.buf.len();
        self.buf.push_str(raw);
        let raw_end = self.buf.len();
        if raw.is_ascii() {
            if raw.bytes().any(|b| b.is_ascii_uppercase()) {
                self.buf.push_str(raw);
                self.buf[raw_end..].make_ascii_lowercase();
            }
        } else if !raw.chars().all(|c| fold_char(c) == c) {
            self.buf.extend(raw.chars().map(fold_char));
        }
        TextRange {
            start,
            raw_end,
            folded_end: self.buf.len(),
        }
    }

    /// Forgets the texts pushed since the last [`TextBuffer::finish`].
    pub(crate) fn discard(&mut self) {
        self.buf.clear();
    }

    /// The buffer's texts in their shared allocation; the buffer is empty again.
    pub(crate) fn finish(&mut self) -> SharedTexts {
        let buf: Arc<str> = Arc::from(self.buf.as_str());
        self.buf.clear();
        SharedTexts { buf }
    }
}

/// The frozen texts of a [`TextBuffer`].
pub(crate) struct SharedTexts {
    buf: Arc<str>,
}

impl SharedTexts {
    pub(crate) fn text(&self, r: TextRange) -> Text {
        Text {
            buf: self.buf.clone(),
            start: r.start,
            raw_end: r.raw_end,
            folded_end: r.folded_end,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_unicode_simply() {
        assert_eq!(fold("CMD.EXE"), "cmd.exe");
        assert_eq!(fold("ÄÖÜ"), "äöü");
        assert!(matches!(fold("already lower"), Cow::Borrowed(_)));
        // U+0130 (İ) lowercases to two chars; simple folding keeps it as is.
        assert_eq!(fold("İ"), "İ");
        let t = Text::new("ÀB");
        assert_eq!(t.folded(), "àb");
        assert_eq!(t.raw(), "ÀB");
        assert_eq!(t.raw_range(2, 3), (2, 3));
        let t = Text::new("Cmd.EXE");
        assert_eq!((t.raw(), t.folded()), ("Cmd.EXE", "cmd.exe"));
        let t = Text::new("plain");
        assert_eq!((t.raw(), t.folded()), ("plain", "plain"));
        let t = Text::new("");
        assert_eq!((t.raw(), t.folded()), ("", ""));
        for raw in ["C:\\Windows\\CMD.exe", "plain", "", "ÀB", "İx"] {
            assert_eq!(Text::from(raw.to_string()), Text::new(raw), "{raw}");
        }
    }
}
