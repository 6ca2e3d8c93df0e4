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
/// thousands of case-insensitive comparisons per event never fold again. Both live in one
/// allocation (the raw text, then the folded text when folding changes it): parsing an event is
/// dominated by allocation, and most values have capitals to fold.
#[derive(Clone, Debug, PartialEq)]
pub struct Text {
    buf: Box<str>,
    /// Where the raw text ends in `buf`; the folded text follows it, unless `buf` ends there
    /// (folding changes nothing).
    raw_len: usize,
}

impl Text {
    pub fn new(raw: impl AsRef<str>) -> Text {
        let raw = raw.as_ref();
        let buf: Box<str> = if raw.is_ascii() {
            if raw.bytes().any(|b| b.is_ascii_uppercase()) {
                let mut buf = String::with_capacity(2 * raw.len());
                buf.push_str(raw);
                buf.push_str(raw);
                buf[raw.len()..].make_ascii_lowercase();
                buf.into_boxed_str()
            } else {
                raw.into()
            }
        } else if raw.chars().all(|c| fold_char(c) == c) {
            raw.into()
        } else {
            let mut buf = String::with_capacity(2 * raw.len());
            buf.push_str(raw);
            buf.extend(raw.chars().map(fold_char));
            buf.into_boxed_str()
        };
        Text {
            buf,
            raw_len: raw.len(),
        }
    }

    #[inline]
    pub fn raw(&self) -> &str {
        &self.buf[..self.raw_len]
    }

    #[inline]
    pub fn folded(&self) -> &str {
        if self.buf.len() == self.raw_len {
            &self.buf
        } else {
            &self.buf[self.raw_len..]
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

impl From<String> for Text {
    /// Keeps the string's own allocation: as is when folding changes nothing, grown to hold the
    /// folded text after the raw one otherwise (strings the JSON parser had to unescape, such as
    /// every Windows path, arrive here).
    fn from(mut raw: String) -> Text {
        let raw_len = raw.len();
        if raw.is_ascii() {
            if raw.bytes().any(|b| b.is_ascii_uppercase()) {
                raw.reserve_exact(raw_len);
                for i in 0..raw_len {
                    let lower = raw.as_bytes()[i].to_ascii_lowercase();
                    raw.push(char::from(lower));
                }
            }
        } else if !matches!(fold(&raw), Cow::Borrowed(_)) {
            return Text::new(raw);
        }
        Text {
            buf: raw.into_boxed_str(),
            raw_len,
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
