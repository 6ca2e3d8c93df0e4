//! Where the cursor is in a rule text, read from the lines themselves (indentation and `key:`),
//! so that help works while the YAML is half written and does not parse.

/// One line of the text as completion sees it.
#[derive(Clone, Copy, Debug)]
pub(super) struct Line<'t> {
    pub text: &'t str,
    /// Byte offset of the line's start in the text.
    pub start: usize,
    /// Column of the key (after any `- ` list markers).
    pub indent: usize,
    /// The key written at `indent`, if the line is `key:` or `key: value`.
    pub key: Option<&'t str>,
    /// Column just after `key:`, where the value starts.
    pub value_at: Option<usize>,
}

impl<'t> Line<'t> {
    pub fn read(text: &'t str, start: usize) -> Line<'t> {
        let mut indent = text.len() - text.trim_start_matches(' ').len();
        // `- ` list markers indent the item's keys further.
        while text[indent..].starts_with("- ") {
            indent += 2;
            indent += text[indent..].len() - text[indent..].trim_start_matches(' ').len();
        }
        let rest = &text[indent..];
        let (key, value_at) = match key_end(rest) {
            Some(end) => (Some(rest[..end].trim_end()), Some(indent + end + 1)),
            None => (None, None),
        };
        Line {
            text,
            start,
            indent,
            key,
            value_at,
        }
    }

    pub fn is_blank_or_comment(&self) -> bool {
        let t = self.text.trim_start();
        t.is_empty() || t.starts_with('#')
    }
}

/// Where `key:` ends in `rest` (the colon), if the line starts with a key: a colon followed by a
/// space or the end of the line, outside quotes, before any comment.
fn key_end(rest: &str) -> Option<usize> {
    if rest.starts_with('#') || rest.starts_with('\'') || rest.starts_with('"') {
        return None;
    }
    let bytes = rest.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b':' if bytes.get(i + 1).is_none_or(|&n| n == b' ' || n == b'\t') => {
                return (i > 0).then_some(i)
            }
            b'#' if i > 0 && bytes[i - 1] == b' ' => return None,
            _ => {}
        }
    }
    None
}

/// The lines of `text` with their byte offsets.
pub(super) fn lines(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    for raw in text.split_inclusive('\n') {
        let line = raw.trim_end_matches('\n').trim_end_matches('\r');
        out.push(Line::read(line, start));
        start += raw.len();
    }
    if text.is_empty() || text.ends_with('\n') {
        out.push(Line::read("", text.len()));
    }
    out
}

/// The cursor: its line, its column, and the keys of the mappings it is inside.
#[derive(Debug)]
pub(super) struct Cursor<'t> {
    pub line: Line<'t>,
    /// Byte column of the cursor in the line.
    pub column: usize,
    /// The enclosing keys, outermost first (`["detection", "selection"]`).
    pub path: Vec<&'t str>,
}

impl<'t> Cursor<'t> {
    /// The cursor at byte `offset` of `text` (clamped to the text and to a char boundary).
    pub fn at(text: &'t str, offset: usize) -> Cursor<'t> {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let all = lines(text);
        let here = all
            .iter()
            .rposition(|l| l.start <= offset)
            .unwrap_or_default();
        let line = all[here];
        let column = (offset - line.start).min(line.text.len());
        // A line being typed has its key's indent where its text starts, or at the cursor.
        let own_indent = if line.text[..column].trim().is_empty() {
            column
        } else {
            line.indent
        };
        let mut path = Vec::new();
        let mut limit = own_indent;
        for l in all[..here].iter().rev() {
            if limit == 0 {
                break;
            }
            if l.is_blank_or_comment() || l.indent >= limit {
                continue;
            }
            if let Some(key) = l.key {
                path.push(key);
            }
            limit = l.indent;
        }
        path.reverse();
        Cursor { line, column, path }
    }

    /// The text of the line before the cursor.
    pub fn before(&self) -> &'t str {
        &self.line.text[..self.column]
    }

    /// Whether the cursor is where a key is written (not after `key:`).
    pub fn at_key(&self) -> bool {
        self.line.value_at.is_none_or(|v| self.column < v)
    }

    /// The byte offset in the text of a column of the cursor's line.
    pub fn offset(&self, column: usize) -> usize {
        self.line.start + column
    }
}

/// The value of `key` under the top-level mapping `parent` (`logsource` → `category`).
pub(super) fn top_value<'t>(text: &'t str, parent: &str, key: &str) -> Option<&'t str> {
    let all = lines(text);
    let mut inside = false;
    for l in &all {
        if l.is_blank_or_comment() {
            continue;
        }
        if l.indent == 0 {
            inside = l.key == Some(parent);
            continue;
        }
        if inside && l.key == Some(key) {
            let v = l.text[l.value_at?..].trim();
            return Some(v.trim_matches(|c| c == '\'' || c == '"'));
        }
    }
    None
}

/// The search identifiers of the detection: its keys other than `condition` and `timeframe`,
/// with the line (1-based) each is written on.
pub(super) fn identifiers(text: &str) -> Vec<(&str, usize)> {
    let all = lines(text);
    let mut out = Vec::new();
    let mut child_indent = None;
    let mut inside = false;
    for (n, l) in all.iter().enumerate() {
        if l.is_blank_or_comment() {
            continue;
        }
        if l.indent == 0 {
            inside = l.key == Some("detection");
            child_indent = None;
            continue;
        }
        if !inside {
            continue;
        }
        let indent = *child_indent.get_or_insert(l.indent);
        if l.indent == indent {
            if let Some(k) = l.key.filter(|k| !matches!(*k, "condition" | "timeframe")) {
                out.push((k, n + 1));
            }
        }
    }
    out
}
