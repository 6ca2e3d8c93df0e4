//! Sigma values: strings with wildcards (Sigma's escaping algorithm), and the typed values that
//! modifiers turn them into before compilation.

use ipnet::IpNet;
use serde::Serialize;

/// One piece of a Sigma string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    Lit(String),
    /// `*`
    AnyMany,
    /// `?`
    AnyOne,
    /// `%name%` under `|expand`
    Placeholder(String),
}

/// A Sigma string: literal text and wildcards, after the escaping rules of the spec (§3.2 of the
/// reference; pySigma's `SigmaString`).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SigmaString {
    pub parts: Vec<Part>,
    /// Literal characters stand for bytes (after `wide`/`utf16*`): each char is < 256.
    pub bytes: bool,
}

impl SigmaString {
    /// Parses wildcards and escapes: `\*`, `\?`, `\\` escape; any other `\x` is two literal chars;
    /// a trailing `\` is literal.
    pub fn parse(s: &str) -> SigmaString {
        let mut parts = Vec::new();
        let mut lit = String::new();
        let mut escaped = false;
        for c in s.chars() {
            if escaped {
                if !matches!(c, '*' | '?' | '\\') {
                    lit.push('\\');
                }
                lit.push(c);
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '*' || c == '?' {
                if !lit.is_empty() {
                    parts.push(Part::Lit(std::mem::take(&mut lit)));
                }
                parts.push(if c == '*' {
                    Part::AnyMany
                } else {
                    Part::AnyOne
                });
            } else {
                lit.push(c);
            }
        }
        if escaped {
            lit.push('\\');
        }
        if !lit.is_empty() {
            parts.push(Part::Lit(lit));
        }
        SigmaString {
            parts,
            bytes: false,
        }
    }

    pub fn literal(s: impl Into<String>) -> SigmaString {
        let s = s.into();
        SigmaString {
            parts: if s.is_empty() {
                vec![]
            } else {
                vec![Part::Lit(s)]
            },
            bytes: false,
        }
    }

    pub fn has_wildcards(&self) -> bool {
        self.parts
            .iter()
            .any(|p| matches!(p, Part::AnyMany | Part::AnyOne))
    }

    pub fn starts_with_any(&self) -> bool {
        matches!(self.parts.first(), Some(Part::AnyMany))
    }

    pub fn ends_with_any(&self) -> bool {
        matches!(self.parts.last(), Some(Part::AnyMany))
    }

    /// The plain text when there are no wildcards or placeholders.
    pub fn plain(&self) -> Option<String> {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                Part::Lit(s) => out.push_str(s),
                _ => return None,
            }
        }
        Some(out)
    }

    /// Normalizes adjacent literals.
    pub fn normalized(mut self) -> SigmaString {
        let mut parts: Vec<Part> = Vec::with_capacity(self.parts.len());
        for p in self.parts.drain(..) {
            match (parts.last_mut(), p) {
                (Some(Part::Lit(a)), Part::Lit(b)) => a.push_str(&b),
                (_, Part::Lit(b)) if b.is_empty() => {}
                (_, p) => parts.push(p),
            }
        }
        self.parts = parts;
        self
    }

    /// Rendered back with Sigma escapes (what the explanation shows as "expected").
    pub fn display(&self) -> String {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                Part::Lit(s) => {
                    for c in s.chars() {
                        match c {
                            '*' | '?' => {
                                out.push('\\');
                                out.push(c);
                            }
                            '\0' => out.push_str("\\0"),
                            c if self.bytes && (c as u32) >= 0x7f => {
                                out.push_str(&format!("\\x{:02x}", c as u32))
                            }
                            c => out.push(c),
                        }
                    }
                }
                Part::AnyMany => out.push('*'),
                Part::AnyOne => out.push('?'),
                Part::Placeholder(n) => {
                    out.push('%');
                    out.push_str(n);
                    out.push('%');
                }
            }
        }
        out
    }

    /// The literal bytes (UTF-8, or the byte values for byte strings). Only for wildcard-free strings.
    pub fn to_bytes(&self) -> Option<Vec<u8>> {
        let plain = self.plain()?;
        Some(if self.bytes {
            plain.chars().map(|c| c as u32 as u8).collect()
        } else {
            plain.into_bytes()
        })
    }
}

/// A Sigma number: integers stay exact, floats compare as floats.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Number {
    Int(i64),
    Float(f64),
}

impl Number {
    pub fn as_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }
}

impl std::fmt::Display for Number {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Number::Int(i) => write!(f, "{i}"),
            Number::Float(x) => write!(f, "{x}"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CompareOp {
    Lt,
    Lte,
    Gt,
    Gte,
}

impl CompareOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CompareOp::Lt => "<",
            CompareOp::Lte => "<=",
            CompareOp::Gt => ">",
            CompareOp::Gte => ">=",
        }
    }

    pub fn holds(self, a: f64, b: f64) -> bool {
        match self {
            CompareOp::Lt => a < b,
            CompareOp::Lte => a <= b,
            CompareOp::Gt => a > b,
            CompareOp::Gte => a >= b,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TimePart {
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
}

impl TimePart {
    pub fn name(self) -> &'static str {
        match self {
            TimePart::Minute => "minute",
            TimePart::Hour => "hour",
            TimePart::Day => "day",
            TimePart::Week => "week",
            TimePart::Month => "month",
            TimePart::Year => "year",
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RegexFlags {
    pub ignore_case: bool,
    pub multi_line: bool,
    pub dot_all: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Anchors {
    pub starts_with: bool,
    pub ends_with: bool,
}

/// A value after all value modifiers: what one comparison against the event checks.
#[derive(Clone, Debug, PartialEq)]
pub enum Pattern {
    Str {
        s: SigmaString,
        cased: bool,
    },
    Regex {
        pattern: String,
        flags: RegexFlags,
    },
    Cidr(IpNet),
    Number(Number),
    Bool(bool),
    Null,
    Exists(bool),
    Compare {
        op: CompareOp,
        value: Number,
        part: Option<TimePart>,
    },
    TimePartEq {
        part: TimePart,
        value: Number,
    },
    FieldRef {
        field: String,
        anchors: Anchors,
    },
}

impl Pattern {
    /// How the explanation shows what is compared.
    pub fn display(&self) -> String {
        match self {
            Pattern::Str { s, cased } => {
                let d = s.display();
                if *cased {
                    format!("{d} (case-sensitive)")
                } else {
                    d
                }
            }
            Pattern::Regex { pattern, flags } => {
                let mut f = String::new();
                if flags.ignore_case {
                    f.push('i');
                }
                if flags.multi_line {
                    f.push('m');
                }
                if flags.dot_all {
                    f.push('s');
                }
                format!("/{pattern}/{f}")
            }
            Pattern::Cidr(net) => net.to_string(),
            Pattern::Number(n) => n.to_string(),
            Pattern::Bool(b) => b.to_string(),
            Pattern::Null => "null".into(),
            Pattern::Exists(b) => format!("exists: {b}"),
            Pattern::Compare { op, value, part } => match part {
                Some(p) => format!("{} {} {value}", p.name(), op.symbol()),
                None => format!("{} {value}", op.symbol()),
            },
            Pattern::TimePartEq { part, value } => format!("{} = {value}", part.name()),
            Pattern::FieldRef { field, anchors } => {
                let how = match (anchors.starts_with, anchors.ends_with) {
                    (true, true) => "contains",
                    (true, false) => "starts with",
                    (false, true) => "ends with",
                    (false, false) => "equals",
                };
                format!("{how} the value of field {field}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> Part {
        Part::Lit(s.into())
    }

    #[test]
    fn escaping_vectors_of_the_reference() {
        assert_eq!(
            SigmaString::parse(r"escaped\*\?\\*?").parts,
            vec![lit(r"escaped*?\"), Part::AnyMany, Part::AnyOne]
        );
        assert_eq!(
            SigmaString::parse(r"escaped\nonspecial").parts,
            vec![lit(r"escaped\nonspecial")]
        );
        assert_eq!(
            SigmaString::parse(r"finalescape\").parts,
            vec![lit(r"finalescape\")]
        );
        assert_eq!(
            SigmaString::parse("wild*cards?contained").parts,
            vec![
                lit("wild"),
                Part::AnyMany,
                lit("cards"),
                Part::AnyOne,
                lit("contained")
            ]
        );
        assert_eq!(
            SigmaString::parse(r"a\\*b").parts,
            vec![lit(r"a\"), Part::AnyMany, lit("b")]
        );
        assert_eq!(
            SigmaString::parse(r"C:\\Windows\\*").parts,
            vec![lit(r"C:\Windows\"), Part::AnyMany]
        );
        assert_eq!(
            SigmaString::parse(r"x\\\\\\*").parts,
            vec![lit(r"x\\\"), Part::AnyMany]
        );
        assert_eq!(SigmaString::parse(r"a\*b").parts, vec![lit("a*b")]);
        assert_eq!(
            SigmaString::parse(r"C:\Windows\*").parts,
            vec![lit(r"C:\Windows*")]
        );
    }
}
