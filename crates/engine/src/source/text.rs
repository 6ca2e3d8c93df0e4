//! Case folding, decided once for the whole engine: Sigma strings compare case-insensitively using
//! Unicode *simple* lowercase mapping, one character to one character (`char::to_lowercase` where it
//! yields a single char; otherwise the character is kept). This keeps byte offsets of ASCII text
//! unchanged, so a match found in the folded value maps back to the original for highlighting.

use std::borrow::Cow;

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
/// thousands of case-insensitive comparisons per event never fold again.
#[derive(Clone, Debug, PartialEq)]
pub struct Text {
    raw: Box<str>,
    /// `None` when folding changes nothing.
    folded: Option<Box<str>>,
}

impl Text {
    pub fn new(raw: impl Into<Box<str>>) -> Text {
        let raw = raw.into();
        let folded = match fold(&raw) {
            Cow::Borrowed(_) => None,
            Cow::Owned(f) => Some(f.into_boxed_str()),
        };
        Text { raw, folded }
    }

    #[inline]
    pub fn raw(&self) -> &str {
        &self.raw
    }

    #[inline]
    pub fn folded(&self) -> &str {
        self.folded.as_deref().unwrap_or(&self.raw)
    }

    /// Maps a byte range in `folded()` back to `raw()`. Simple folding maps each char to one
    /// char, so the n-th char corresponds; byte lengths may differ for non-ASCII.
    pub fn raw_range(&self, start: usize, end: usize) -> (usize, usize) {
        match &self.folded {
            None => (start, end),
            Some(f) if f.len() == self.raw.len() => (start, end),
            Some(f) => {
                let cs = f[..start.min(f.len())].chars().count();
                let ce = f[..end.min(f.len())].chars().count();
                let mut idx = self
                    .raw
                    .char_indices()
                    .map(|(i, _)| i)
                    .chain(std::iter::once(self.raw.len()));
                let s = idx.clone().nth(cs).unwrap_or(self.raw.len());
                let e = idx.nth(ce).unwrap_or(self.raw.len());
                (s, e)
            }
        }
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text::new(s)
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
        assert_eq!(t.raw_range(2, 3), (2, 3));
    }
}
