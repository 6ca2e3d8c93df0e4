//! Value modifiers: their names, their chaining rules, and how they turn a written value into the
//! patterns that are compared (pySigma 2.0.1 semantics, §4 of the reference).

use crate::rule::value::{
    Anchors, CompareOp, Number, Part, Pattern, RegexFlags, SigmaString, TimePart,
};
use crate::source::did_you_mean;
use base64::Engine as _;
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Modifier {
    Contains,
    StartsWith,
    EndsWith,
    All,
    Base64,
    Base64Offset,
    Utf16,
    Utf16Le,
    Utf16Be,
    Wide,
    Windash,
    Re,
    IgnoreCase,
    MultiLine,
    DotAll,
    Cidr,
    Lt,
    Lte,
    Gt,
    Gte,
    Exists,
    Cased,
    Neq,
    FieldRef,
    Expand,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
}

/// Every accepted spelling (pySigma's 33 identifiers plus the spec's `utf16le`).
pub const NAMES: &[(&str, Modifier)] = &[
    ("contains", Modifier::Contains),
    ("startswith", Modifier::StartsWith),
    ("endswith", Modifier::EndsWith),
    ("all", Modifier::All),
    ("base64", Modifier::Base64),
    ("base64offset", Modifier::Base64Offset),
    ("utf16", Modifier::Utf16),
    ("utf16le", Modifier::Utf16Le),
    ("utf16be", Modifier::Utf16Be),
    ("wide", Modifier::Wide),
    ("windash", Modifier::Windash),
    ("re", Modifier::Re),
    ("i", Modifier::IgnoreCase),
    ("ignorecase", Modifier::IgnoreCase),
    ("m", Modifier::MultiLine),
    ("multiline", Modifier::MultiLine),
    ("s", Modifier::DotAll),
    ("dotall", Modifier::DotAll),
    ("cidr", Modifier::Cidr),
    ("lt", Modifier::Lt),
    ("lte", Modifier::Lte),
    ("gt", Modifier::Gt),
    ("gte", Modifier::Gte),
    ("exists", Modifier::Exists),
    ("cased", Modifier::Cased),
    ("neq", Modifier::Neq),
    ("fieldref", Modifier::FieldRef),
    ("expand", Modifier::Expand),
    ("minute", Modifier::Minute),
    ("hour", Modifier::Hour),
    ("day", Modifier::Day),
    ("week", Modifier::Week),
    ("month", Modifier::Month),
    ("year", Modifier::Year),
];

impl Modifier {
    pub fn parse(name: &str) -> Result<Modifier, String> {
        NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, m)| *m)
            .ok_or_else(|| {
                let hint =
                    did_you_mean(name, NAMES.iter().map(|(n, _)| *n).filter(|n| n.len() > 1))
                        .map(|s| format!("; did you mean '{s}'?"))
                        .unwrap_or_default();
                format!("unknown modifier '{name}'{hint}")
            })
    }

    pub fn name(self) -> &'static str {
        NAMES
            .iter()
            .find(|(_, m)| *m == self)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }

    /// Modifiers that act on the whole item (how values combine), not on each value.
    pub fn is_list_modifier(self) -> bool {
        matches!(self, Modifier::All | Modifier::Neq)
    }

    fn time_part(self) -> Option<TimePart> {
        Some(match self {
            Modifier::Minute => TimePart::Minute,
            Modifier::Hour => TimePart::Hour,
            Modifier::Day => TimePart::Day,
            Modifier::Week => TimePart::Week,
            Modifier::Month => TimePart::Month,
            Modifier::Year => TimePart::Year,
            _ => return None,
        })
    }
}

/// Written as its name (`endswith`), as in the rule.
impl serde::Serialize for Modifier {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for Modifier {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Modifier, D::Error> {
        let name = String::deserialize(d)?;
        Modifier::parse(&name).map_err(serde::de::Error::custom)
    }
}

/// A written scalar as YAML typed it.
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar {
    Str(String),
    Number(Number),
    Bool(bool),
    Null,
}

impl Scalar {
    pub fn display(&self) -> String {
        match self {
            Scalar::Str(s) => s.clone(),
            Scalar::Number(n) => n.to_string(),
            Scalar::Bool(b) => b.to_string(),
            Scalar::Null => "null".into(),
        }
    }
}

/// One compared pattern and, for expansions, which variant it is.
pub type Variant = (Pattern, Option<String>);

/// Upper bound on the patterns one value may expand into (windash × placeholders × offsets).
pub const MAX_VARIANTS: usize = 1000;
/// pySigma 2.0.1's cap on values inserted by one placeholder expansion.
pub const MAX_PLACEHOLDER_VALUES: usize = 200;

/// Why a chain of modifiers cannot apply to a value, and where to point: `modifier` is the index
/// (in the item's modifier list) of the modifier to underline; `None` points at the value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModifierError {
    pub message: String,
    pub modifier: Option<usize>,
}

/// An error of one step of the chain, before it knows which modifier to blame.
struct StepError {
    message: String,
    /// The modifier the error is about (the earlier one of a pair that cannot follow each other).
    culprit: Option<Modifier>,
}

impl StepError {
    fn about(culprit: Modifier, message: String) -> StepError {
        StepError {
            message,
            culprit: Some(culprit),
        }
    }

    fn value(message: String) -> StepError {
        StepError {
            message,
            culprit: None,
        }
    }
}

/// Applies the value modifiers, in order, to one written value.
pub fn apply(
    modifiers: &[Modifier],
    value: &Scalar,
    keyword: bool,
    placeholders: &BTreeMap<String, Vec<String>>,
) -> Result<Vec<Variant>, ModifierError> {
    apply_chain(modifiers, value, keyword, placeholders).map_err(|e| ModifierError {
        message: e.message,
        modifier: e
            .culprit
            .and_then(|c| modifiers.iter().position(|m| *m == c)),
    })
}

fn apply_chain(
    modifiers: &[Modifier],
    value: &Scalar,
    keyword: bool,
    placeholders: &BTreeMap<String, Vec<String>>,
) -> Result<Vec<Variant>, StepError> {
    // The pipeline starts from the value as written: strings get Sigma's wildcard escaping,
    // except under `re` (raw regex) and `cidr`/`fieldref` (plain text).
    let first = modifiers.first().copied();
    let mut cur: Vec<(Pattern, Option<String>)> = vec![(initial(value, first), None)];
    let mut prev: Option<Modifier> = None;
    for (i, &m) in modifiers.iter().enumerate() {
        if matches!(m, Modifier::Re | Modifier::Cidr | Modifier::Exists) && i > 0 {
            let before = modifiers[..i]
                .iter()
                .map(|m| m.name())
                .collect::<Vec<_>>()
                .join("|");
            // The modifier it follows is underlined when there is one; after several, the
            // misplaced one.
            return Err(StepError::about(
                if i == 1 { modifiers[0] } else { m },
                format!(
                    "modifier '{}' must come first, but it follows '{before}'; write '{}' first",
                    m.name(),
                    m.name()
                ),
            ));
        }
        if m == Modifier::Exists && keyword {
            return Err(StepError::about(
                m,
                "modifier 'exists' needs a field: a keyword search cannot test existence".into(),
            ));
        }
        if m.is_list_modifier() {
            continue;
        }
        let mut next = Vec::with_capacity(cur.len());
        for (p, label) in cur {
            for (q, l2) in apply_one(m, prev, p, placeholders)? {
                let label = match (&label, l2) {
                    (Some(a), Some(b)) => Some(format!("{a}, {b}")),
                    (a, b) => b.or_else(|| a.clone()),
                };
                next.push((q, label));
            }
        }
        if next.len() > MAX_VARIANTS {
            return Err(StepError::value(format!(
                "this value expands into more than {MAX_VARIANTS} variants"
            )));
        }
        cur = next;
        prev = Some(m);
    }
    Ok(cur)
}

fn initial(value: &Scalar, first: Option<Modifier>) -> Pattern {
    match value {
        Scalar::Str(s) => match first {
            Some(Modifier::Re) => Pattern::Regex {
                pattern: s.clone(),
                flags: RegexFlags::default(),
            },
            _ => Pattern::Str {
                s: SigmaString::parse(s),
                cased: false,
            },
        },
        Scalar::Number(n) => Pattern::Number(*n),
        Scalar::Bool(b) => Pattern::Bool(*b),
        Scalar::Null => Pattern::Null,
    }
}

fn type_of(p: &Pattern) -> &'static str {
    match p {
        Pattern::Str { .. } => "a string",
        Pattern::Regex { .. } => "a regular expression",
        Pattern::Cidr(_) => "a CIDR network",
        Pattern::Number(_) => "a number",
        Pattern::Bool(_) => "a boolean",
        Pattern::Null => "null",
        Pattern::Exists(_) => "an existence test",
        Pattern::Compare { .. } => "a comparison",
        Pattern::TimePartEq { .. } => "a time part",
        Pattern::FieldRef { .. } => "a field reference",
    }
}

fn incompatible(m: Modifier, prev: Option<Modifier>, p: &Pattern, wants: &str) -> StepError {
    let after = prev
        .map(|x| format!(" after '{}'", x.name()))
        .unwrap_or_default();
    let hint = match (m, p) {
        (
            Modifier::Contains | Modifier::StartsWith | Modifier::EndsWith | Modifier::Windash,
            Pattern::Number(n),
        ) => {
            format!("; quote the value ('{n}') to treat it as text")
        }
        (Modifier::Lt | Modifier::Lte | Modifier::Gt | Modifier::Gte, Pattern::Str { .. }) => {
            "; write the number without quotes".to_string()
        }
        _ => String::new(),
    };
    StepError::about(
        prev.unwrap_or(m),
        format!(
            "modifier '{}'{after} needs {wants}, but the value is {}{hint}",
            m.name(),
            type_of(p)
        ),
    )
}

fn apply_one(
    m: Modifier,
    prev: Option<Modifier>,
    p: Pattern,
    placeholders: &BTreeMap<String, Vec<String>>,
) -> Result<Vec<Variant>, StepError> {
    use Modifier as M;
    let one = |p: Pattern| Ok(vec![(p, None)]);
    match m {
        M::Contains | M::StartsWith | M::EndsWith => {
            let (sw, ew) = (m != M::EndsWith, m != M::StartsWith);
            match p {
                Pattern::Str { mut s, cased } => {
                    if sw && !s.ends_with_any() {
                        s.parts.push(Part::AnyMany);
                    }
                    if ew && !s.starts_with_any() {
                        s.parts.insert(0, Part::AnyMany);
                    }
                    one(Pattern::Str { s, cased })
                }
                // Regexes match as substring searches (see ARCHITECTURE.md), so anchoring them
                // to "contains" changes nothing.
                Pattern::Regex { .. } => one(p),
                Pattern::FieldRef { field, mut anchors } => {
                    anchors.starts_with |= sw;
                    anchors.ends_with |= ew;
                    one(Pattern::FieldRef { field, anchors })
                }
                p => Err(incompatible(m, prev, &p, "a string")),
            }
        }
        M::Base64 | M::Base64Offset => base64_encode(m, prev, p),
        M::Utf16 | M::Utf16Le | M::Utf16Be | M::Wide => utf16_encode(m, prev, p),
        M::Windash => match p {
            Pattern::Str { s, cased } => windash(s, cased).map_err(|e| StepError::about(m, e)),
            p => Err(incompatible(m, prev, &p, "a string")),
        },
        M::Re => one(p),
        M::IgnoreCase | M::MultiLine | M::DotAll => match p {
            Pattern::Regex { pattern, mut flags } => {
                match m {
                    M::IgnoreCase => flags.ignore_case = true,
                    M::MultiLine => flags.multi_line = true,
                    _ => flags.dot_all = true,
                }
                one(Pattern::Regex { pattern, flags })
            }
            p => Err(StepError::about(m, format!(
                "modifier '{}' is a regular expression flag: it only works after 're' (write 're|{}'), but the value is {}",
                m.name(),
                m.name(),
                type_of(&p)
            ))),
        },
        M::Cidr => match p {
            Pattern::Str { s, .. } => {
                let text = s.plain().unwrap_or_else(|| s.display());
                let net: ipnet::IpNet = text
                    .trim()
                    .parse()
                    .or_else(|_| text.trim().parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| StepError::value(format!("'{text}' is not a CIDR network (like 10.0.0.0/8 or fe80::/10)")))?;
                if net.trunc() != net {
                    return Err(StepError::value(format!(
                        "'{text}' has host bits set; the network is {} (Sigma requires the network address)",
                        net.trunc()
                    )));
                }
                one(Pattern::Cidr(net))
            }
            p => Err(incompatible(m, prev, &p, "a string (a CIDR network)")),
        },
        M::Lt | M::Lte | M::Gt | M::Gte => {
            let op = match m {
                M::Lt => CompareOp::Lt,
                M::Lte => CompareOp::Lte,
                M::Gt => CompareOp::Gt,
                _ => CompareOp::Gte,
            };
            match p {
                Pattern::Number(n) => one(Pattern::Compare { op, value: n, part: None }),
                Pattern::TimePartEq { part, value } => one(Pattern::Compare { op, value, part: Some(part) }),
                p => Err(incompatible(m, prev, &p, "a number")),
            }
        }
        M::Minute | M::Hour | M::Day | M::Week | M::Month | M::Year => {
            let part = m.time_part().unwrap_or(TimePart::Hour);
            match p {
                Pattern::Number(n) => one(Pattern::TimePartEq { part, value: n }),
                p => Err(incompatible(m, prev, &p, "a number")),
            }
        }
        M::Exists => match p {
            Pattern::Bool(b) => one(Pattern::Exists(b)),
            p => Err(incompatible(m, prev, &p, "true or false")),
        },
        M::Cased => match p {
            Pattern::Str { s, .. } => one(Pattern::Str { s, cased: true }),
            p => Err(incompatible(m, prev, &p, "a string")),
        },
        M::FieldRef => match p {
            Pattern::Str { s, .. } => match s.plain() {
                Some(field) => one(Pattern::FieldRef { field, anchors: Anchors::default() }),
                None => Err(StepError::about(m, "modifier 'fieldref' needs a field name without wildcards".into())),
            },
            p => Err(incompatible(m, prev, &p, "a field name")),
        },
        M::Expand => match p {
            Pattern::Str { s, cased } => {
                expand_string(s, cased, placeholders).map_err(StepError::value)
            }
            Pattern::Regex { pattern, flags } => {
                expand_regex(&pattern, flags, placeholders).map_err(StepError::value)
            }
            p => Err(incompatible(m, prev, &p, "a string")),
        },
        M::All | M::Neq => one(p),
    }
}

/// `base64` / `base64offset` of a wildcard-free string.
fn base64_encode(
    m: Modifier,
    prev: Option<Modifier>,
    p: Pattern,
) -> Result<Vec<Variant>, StepError> {
    use Modifier as M;
    let one = |p: Pattern| Ok(vec![(p, None)]);
    match &p {
        Pattern::Str { s, .. } if !s.has_wildcards() && s.plain().is_some() => {
            let bytes = s.to_bytes().unwrap_or_default();
            let b64 = base64::engine::general_purpose::STANDARD;
            if m == M::Base64 {
                one(Pattern::Str { s: SigmaString::literal(b64.encode(&bytes)), cased: false })
            } else {
                let start = [0usize, 2, 3];
                let end = [0usize, 3, 2];
                let mut out = Vec::new();
                for i in 0..3 {
                    let mut data = vec![b' '; i];
                    data.extend_from_slice(&bytes);
                    let enc = b64.encode(&data);
                    let cut = end[(bytes.len() + i) % 3];
                    let e = enc.len().saturating_sub(cut);
                    let v = enc.get(start[i]..e).unwrap_or("").to_string();
                    out.push((
                        Pattern::Str { s: SigmaString::literal(v), cased: false },
                        Some(format!("base64 offset {i}")),
                    ));
                }
                Ok(out)
            }
        }
        Pattern::Str { .. } => Err(StepError::about(prev.unwrap_or(m), format!(
            "modifier '{}'{} cannot encode a value with wildcards; put '{}' before contains/startswith/endswith",
            m.name(),
            prev.map(|x| format!(" after '{}'", x.name())).unwrap_or_default(),
            m.name()
        ))),
        _ => Err(incompatible(m, prev, &p, "a string")),
    }
}

/// `utf16` / `utf16le` / `utf16be` / `wide` of an ASCII string.
fn utf16_encode(
    m: Modifier,
    prev: Option<Modifier>,
    p: Pattern,
) -> Result<Vec<Variant>, StepError> {
    use Modifier as M;
    match p {
        Pattern::Str { s, cased } => {
            let mut parts = Vec::new();
            let mut bom = m == M::Utf16;
            for part in s.parts {
                match part {
                    Part::Lit(l) => {
                        if !l.is_ascii() && !s.bytes {
                            return Err(StepError::about(
                                m,
                                format!(
                                    "modifier '{}' only encodes ASCII text, and '{l}' is not ASCII",
                                    m.name()
                                ),
                            ));
                        }
                        let mut enc = String::new();
                        if bom {
                            enc.push('\u{ff}');
                            enc.push('\u{fe}');
                            bom = false;
                        }
                        for c in l.chars() {
                            if m == M::Utf16Be {
                                enc.push('\0');
                                enc.push(c);
                            } else {
                                enc.push(c);
                                enc.push('\0');
                            }
                        }
                        parts.push(Part::Lit(enc));
                    }
                    other => parts.push(other),
                }
            }
            Ok(vec![(
                Pattern::Str {
                    s: SigmaString { parts, bytes: true },
                    cased,
                },
                None,
            )])
        }
        p => Err(incompatible(m, prev, &p, "a string")),
    }
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `windash`: every `-` or `/` that matches `\B[-/]\b` inside a literal part (a dash or slash
/// after a non-word character or at the start, before a word character) is replaced by each of
/// `-`, `/`, en dash, em dash, horizontal bar; at most three such characters (pySigma 2.0.1).
fn windash(s: SigmaString, cased: bool) -> Result<Vec<Variant>, String> {
    const DASHES: [char; 5] = ['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];
    // (part index, char index) of each expandable character.
    let mut sites = Vec::new();
    for (pi, part) in s.parts.iter().enumerate() {
        if let Part::Lit(l) = part {
            let chars: Vec<char> = l.chars().collect();
            for (ci, &c) in chars.iter().enumerate() {
                let before_is_word = ci > 0 && is_word(chars[ci - 1]);
                let after_is_word = chars.get(ci + 1).is_some_and(|&n| is_word(n));
                if (c == '-' || c == '/') && !before_is_word && after_is_word {
                    sites.push((pi, ci));
                }
            }
        }
    }
    if sites.len() > 3 {
        return Err(format!(
            "modifier 'windash' expands at most three dashes or slashes, and this value has {} ({} variants)",
            sites.len(),
            5usize.pow(sites.len() as u32)
        ));
    }
    let total = 5usize.pow(sites.len() as u32);
    let mut out = Vec::with_capacity(total);
    for n in 0..total {
        let mut parts = s.parts.clone();
        let mut k = n;
        let mut choice = vec![0; sites.len()];
        for j in (0..sites.len()).rev() {
            choice[j] = k % 5;
            k /= 5;
        }
        for (j, &(pi, ci)) in sites.iter().enumerate() {
            if let Part::Lit(l) = &mut parts[pi] {
                *l = l
                    .chars()
                    .enumerate()
                    .map(|(i, c)| if i == ci { DASHES[choice[j]] } else { c })
                    .collect();
            }
        }
        let label = if total > 1 {
            Some(format!("windash variant {} of {total}", n + 1))
        } else {
            None
        };
        out.push((
            Pattern::Str {
                s: SigmaString {
                    parts,
                    bytes: s.bytes,
                },
                cased,
            },
            label,
        ));
    }
    Ok(out)
}

/// Splits literal parts at `%name%` (pySigma 2.0.1: a backslash is always literal; a name is
/// non-empty and holds neither `\` nor `%`).
fn split_placeholders(s: SigmaString) -> SigmaString {
    let mut parts = Vec::new();
    for part in s.parts {
        let Part::Lit(l) = part else {
            parts.push(part);
            continue;
        };
        let mut rest = l.as_str();
        while let Some(a) = rest.find('%') {
            let after = &rest[a + 1..];
            match after.find('%') {
                Some(b) if b > 0 && !after[..b].contains('\\') => {
                    parts.push(Part::Lit(rest[..a].to_string()));
                    parts.push(Part::Placeholder(after[..b].to_string()));
                    rest = &after[b + 1..];
                }
                _ => {
                    parts.push(Part::Lit(rest[..=a].to_string()));
                    rest = after;
                }
            }
        }
        parts.push(Part::Lit(rest.to_string()));
    }
    SigmaString {
        parts,
        bytes: s.bytes,
    }
    .normalized()
}

fn placeholder_values<'a>(
    name: &str,
    placeholders: &'a BTreeMap<String, Vec<String>>,
) -> Result<&'a [String], String> {
    match placeholders.get(name) {
        Some(v) if !v.is_empty() => {
            if v.len() > MAX_PLACEHOLDER_VALUES {
                return Err(format!(
                    "placeholder %{name}% has {} values; at most {MAX_PLACEHOLDER_VALUES} are allowed",
                    v.len()
                ));
            }
            Ok(v)
        }
        _ => Err(format!(
            "placeholder %{name}% has no values: supply them (placeholder values in the playground, --placeholder {name}=VALUE in the CLI)"
        )),
    }
}

fn expand_string(
    s: SigmaString,
    cased: bool,
    placeholders: &BTreeMap<String, Vec<String>>,
) -> Result<Vec<Variant>, String> {
    let s = split_placeholders(s);
    let mut out: Vec<(Vec<Part>, Vec<String>)> = vec![(Vec::new(), Vec::new())];
    for part in s.parts {
        match part {
            Part::Placeholder(name) => {
                let values = placeholder_values(&name, placeholders)?;
                let mut next = Vec::new();
                for (parts, labels) in &out {
                    for v in values {
                        let mut p = parts.clone();
                        p.extend(SigmaString::parse(v).parts);
                        let mut l = labels.clone();
                        l.push(format!("%{name}% = {v}"));
                        next.push((p, l));
                    }
                }
                if next.len() > MAX_VARIANTS {
                    return Err(format!(
                        "placeholders expand into more than {MAX_VARIANTS} values"
                    ));
                }
                out = next;
            }
            other => out.iter_mut().for_each(|(p, _)| p.push(other.clone())),
        }
    }
    Ok(out
        .into_iter()
        .map(|(parts, labels)| {
            let label = if labels.is_empty() {
                None
            } else {
                Some(labels.join(", "))
            };
            (
                Pattern::Str {
                    s: SigmaString {
                        parts,
                        bytes: s.bytes,
                    }
                    .normalized(),
                    cased,
                },
                label,
            )
        })
        .collect())
}

fn expand_regex(
    pattern: &str,
    flags: RegexFlags,
    placeholders: &BTreeMap<String, Vec<String>>,
) -> Result<Vec<Variant>, String> {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(a) = rest.find('%') {
        let after = &rest[a + 1..];
        match after.find('%') {
            Some(b) if b > 0 && !after[..b].contains('\\') => {
                let values = placeholder_values(&after[..b], placeholders)?;
                out.push_str(&rest[..a]);
                let alts: Vec<String> = values.iter().map(|v| regex::escape(v)).collect();
                out.push_str(&format!("(?:{})", alts.join("|")));
                rest = &after[b + 1..];
            }
            _ => {
                out.push_str(&rest[..=a]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Ok(vec![(
        Pattern::Regex {
            pattern: out,
            flags,
        },
        None,
    )])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strs(mods: &[Modifier], v: &str) -> Vec<String> {
        apply(mods, &Scalar::Str(v.into()), false, &BTreeMap::new())
            .unwrap()
            .into_iter()
            .map(|(p, _)| match p {
                Pattern::Str { s, .. } => s.display(),
                other => other.display(),
            })
            .collect()
    }

    #[test]
    fn base64offset_vectors() {
        use Modifier::*;
        assert_eq!(
            strs(&[Base64Offset, Contains], "foobar"),
            ["*Zm9vYmFy*", "*Zvb2Jhc*", "*mb29iYX*"]
        );
        assert_eq!(
            strs(&[Wide, Base64Offset, Contains], "ping"),
            ["*cABpAG4AZw*", "*AAaQBuAGcA*", "*wAGkAbgBnA*"]
        );
        assert_eq!(
            strs(&[Utf16, Base64Offset, Contains], "ab"),
            ["*//5hAGIA*", "*/+YQBiA*", "*//mEAYg*"]
        );
        assert_eq!(
            strs(&[Base64Offset, Contains], "é1"),
            ["*w6kx*", "*OpM*", "*DqT*"]
        );
        assert_eq!(strs(&[Base64], r"a\*b"), ["YSpi"]);
    }

    #[test]
    fn windash_expands_only_option_dashes() {
        let v = strs(&[Modifier::Windash], "a-b /c x-/y");
        assert_eq!(v.len(), 25);
        assert_eq!(v[0], "a-b -c x--y");
        assert!(v.contains(&"a-b \u{2015}c x-\u{2014}y".to_string()));
        let err = apply(
            &[Modifier::Windash],
            &Scalar::Str("-a -b -c -d".into()),
            false,
            &BTreeMap::new(),
        )
        .unwrap_err()
        .message;
        assert!(err.contains("at most three"), "{err}");
    }

    #[test]
    fn unknown_modifier_suggests() {
        assert_eq!(
            Modifier::parse("contians").unwrap_err(),
            "unknown modifier 'contians'; did you mean 'contains'?"
        );
        assert_eq!(Modifier::parse("utf16le"), Ok(Modifier::Utf16Le));
    }

    #[test]
    fn chain_errors_name_both_modifiers() {
        let e = apply(
            &[Modifier::Contains, Modifier::Re],
            &Scalar::Str("a".into()),
            false,
            &BTreeMap::new(),
        )
        .unwrap_err()
        .message;
        assert!(e.contains("'re'") && e.contains("'contains'"), "{e}");
        let e = apply(
            &[Modifier::Contains, Modifier::Base64],
            &Scalar::Str("a".into()),
            false,
            &BTreeMap::new(),
        )
        .unwrap_err()
        .message;
        assert!(e.contains("'base64'") && e.contains("'contains'"), "{e}");
        let e = apply(
            &[Modifier::Gt],
            &Scalar::Str("5".into()),
            false,
            &BTreeMap::new(),
        )
        .unwrap_err()
        .message;
        assert!(e.contains("'gt'"), "{e}");
        let e = apply(
            &[Modifier::Cidr],
            &Scalar::Str("10.0.0.1/8".into()),
            false,
            &BTreeMap::new(),
        )
        .unwrap_err()
        .message;
        assert!(e.contains("host bits"), "{e}");
    }

    #[test]
    fn expand_placeholders() {
        let mut ph = BTreeMap::new();
        ph.insert(
            "Admins".to_string(),
            vec!["alice".to_string(), "bob*".to_string()],
        );
        let v = apply(
            &[Modifier::Expand],
            &Scalar::Str(r"x\%Admins%".into()),
            false,
            &ph,
        )
        .unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(v[1].0.display(), r"x\bob*");
        let e = apply(
            &[Modifier::Expand],
            &Scalar::Str("%Servers%".into()),
            false,
            &ph,
        )
        .unwrap_err()
        .message;
        assert!(e.contains("%Servers%"), "{e}");
    }
}
