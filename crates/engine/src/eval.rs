//! The fast path: does a compiled rule fire on an event? Short-circuits, allocates nothing for
//! string fields. The explain path ([`crate::explain`]) uses the same value tests, so both agree.

use crate::compile::{CBody, CExpr, CItem, CValue, CompiledRule, Matcher, RuleBody, StrKind};
use crate::event::{Event, FieldValue};
use crate::rule::value::{Number, TimePart};
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Timelike, Utc};
use std::net::IpAddr;

impl CompiledRule {
    /// The fast boolean path.
    #[inline]
    pub fn matches(&self, event: &Event) -> bool {
        matches_mapped(self, event, &self.mappings)
    }

    /// Names of the search identifiers that are true for this event, in rule order.
    pub fn matched_identifiers(&self, event: &Event) -> Vec<String> {
        identifiers_under(self, event, &self.mappings)
    }
}

/// Evaluates with explicit field mappings (rule field → event field), leaving the rule as is.
pub(crate) fn matches_mapped(
    rule: &CompiledRule,
    event: &Event,
    maps: &[(String, String)],
) -> bool {
    matches_in(
        rule,
        &View {
            event,
            slots: None,
            maps,
        },
    )
}

/// The search identifiers true for `event` under field mappings `maps`, in rule order.
pub(crate) fn identifiers_under(
    rule: &CompiledRule,
    event: &Event,
    maps: &[(String, String)],
) -> Vec<String> {
    let view = View {
        event,
        slots: None,
        maps,
    };
    rule.body
        .searches
        .iter()
        .filter(|s| search_in(&s.body, &view))
        .map(|s| s.name.clone())
        .collect()
}

/// How a rule reads an event's fields: by name, or through [`Slots`] by the ids a rule set gave
/// the rule's fields (`ids[local field id]`).
pub(crate) struct View<'e> {
    pub event: &'e Event,
    pub slots: Option<(&'e Slots, &'e [u32])>,
    pub maps: &'e [(String, String)],
}

impl<'e> View<'e> {
    #[inline]
    fn get(&self, id: u32, name: &str) -> Option<&'e FieldValue> {
        if !self.maps.is_empty() {
            return lookup(self.event, name, self.maps).0;
        }
        match self.slots {
            Some((slots, ids)) => ids
                .get(id as usize)
                .and_then(|&set_id| slots.get(self.event, set_id)),
            None => self.event.get(name),
        }
    }
}

/// An event's fields indexed by set-wide field id: `slots[id]` is 1 + the field's position, 0
/// when absent. Reused across events: [`Slots::load`] fills it, clearing only what was set.
#[derive(Debug, Default)]
pub(crate) struct Slots {
    slots: Vec<u32>,
    set: Vec<u32>,
}

impl Slots {
    /// Loads `event`'s fields; `id_of` gives a field name's id (below `len`), `None` when no rule
    /// reads it.
    pub fn load(&mut self, len: usize, event: &Event, id_of: impl Fn(&str) -> Option<u32>) {
        for &id in &self.set {
            self.slots[id as usize] = 0;
        }
        self.set.clear();
        if self.slots.len() < len {
            self.slots.resize(len, 0);
        }
        for (pos, (name, _)) in event.fields().enumerate() {
            if let Some(id) = id_of(name) {
                if let Some(s) = self.slots.get_mut(id as usize) {
                    *s = pos as u32 + 1;
                    self.set.push(id);
                }
            }
        }
    }

    #[inline]
    fn get<'e>(&self, event: &'e Event, id: u32) -> Option<&'e FieldValue> {
        match self.slots.get(id as usize) {
            Some(&p) if p > 0 => event.field_at(p as usize - 1),
            _ => None,
        }
    }
}

pub(crate) fn matches_in(rule: &CompiledRule, view: &View) -> bool {
    let body = &rule.body;
    body.conditions.iter().any(|c| condition(c, body, view))
}

fn condition(e: &CExpr, body: &RuleBody, view: &View) -> bool {
    match e {
        CExpr::Or(v, _) => v.iter().any(|x| condition(x, body, view)),
        CExpr::And(v, _) => v.iter().all(|x| condition(x, body, view)),
        CExpr::Not(b, _) => !condition(b, body, view),
        CExpr::Search(i, _) => search_in(&body.searches[*i].body, view),
        CExpr::Of {
            all: true, members, ..
        } => members
            .iter()
            .all(|&i| search_in(&body.searches[i].body, view)),
        CExpr::Of {
            all: false,
            members,
            ..
        } => members
            .iter()
            .any(|&i| search_in(&body.searches[i].body, view)),
    }
}

fn search_in(b: &CBody, view: &View) -> bool {
    match b {
        CBody::All(v, _) => v.iter().all(|x| search_in(x, view)),
        CBody::Any(v, _) => v.iter().any(|x| search_in(x, view)),
        CBody::Item(i) => item(i, view),
    }
}

/// The event field a rule field reads, after log source field mappings. Returns the name read too.
#[inline]
pub(crate) fn lookup<'e, 'n>(
    event: &'e Event,
    field: &'n str,
    maps: &'n [(String, String)],
) -> (Option<&'e FieldValue>, &'n str) {
    if !maps.is_empty() {
        if let Some((_, to)) = maps.iter().find(|(from, _)| from == field) {
            if let Some(v) = event.get(to) {
                return (Some(v), to);
            }
        }
    }
    (event.get(field), field)
}

fn item(i: &CItem, view: &View) -> bool {
    let event = view.event;
    let r = match &i.field {
        Some(f) => {
            let v = view.get(i.field_id, f);
            let test = |c: &CValue| c.variants.iter().any(|m| test_value(&m.matcher, v, event));
            if i.all {
                i.values.iter().all(test)
            } else {
                i.values.iter().any(test)
            }
        }
        None => {
            let test = |c: &CValue| {
                c.variants.iter().any(|m| {
                    event
                        .fields()
                        .any(|(_, v)| test_value(&m.matcher, Some(v), event))
                })
            };
            if i.all {
                i.values.iter().all(test)
            } else {
                i.values.iter().any(test)
            }
        }
    };
    r != i.negated
}

/// One comparison. `v` is `None` when the field is absent. Lists match when any element does.
pub(crate) fn test_value(m: &Matcher, v: Option<&FieldValue>, event: &Event) -> bool {
    match m {
        Matcher::Exists(want) => return v.is_some() == *want,
        Matcher::Null => return matches!(v, None | Some(FieldValue::Null)),
        _ => {}
    }
    match v {
        None | Some(FieldValue::Null) => false,
        Some(FieldValue::List(items)) => items.iter().any(|x| test_value(m, Some(x), event)),
        Some(v) => test_scalar(m, v, event),
    }
}

fn test_scalar(m: &Matcher, v: &FieldValue, event: &Event) -> bool {
    match m {
        Matcher::Str { kind, cased } => match v {
            FieldValue::Str(t) => {
                str_find(kind, if *cased { t.raw() } else { t.folded() }).is_some()
            }
            other => scalar_text(other).is_some_and(|s| str_find(kind, &s).is_some()),
        },
        Matcher::Regex(re) => match v {
            FieldValue::Str(t) => re.is_match(t.raw()),
            other => scalar_text(other).is_some_and(|s| re.is_match(&s)),
        },
        Matcher::Cidr(net) => scalar_ip(v).is_some_and(|ip| net.contains(&ip)),
        Matcher::Number(n) => number_eq(*n, v),
        Matcher::Bool(b) => match v {
            FieldValue::Bool(x) => x == b,
            FieldValue::Str(t) => t.folded().trim() == if *b { "true" } else { "false" },
            _ => false,
        },
        Matcher::Compare { op, value, part } => {
            let x = match part {
                Some(p) => time_part(v, *p),
                None => scalar_number(v),
            };
            x.is_some_and(|x| op.holds(x, *value))
        }
        Matcher::TimeEq { part, value } => time_part(v, *part) == Some(*value),
        Matcher::FieldRef { field, anchors } => {
            let Some(other) = event.get(field) else {
                return false;
            };
            fieldref_match(v, other, anchors.starts_with, anchors.ends_with)
        }
        Matcher::Exists(_) | Matcher::Null => false,
    }
}

/// Where a string pattern matches in an (already folded, unless cased) value: a byte range.
#[inline]
pub(crate) fn str_find(kind: &StrKind, s: &str) -> Option<(usize, usize)> {
    match kind {
        StrKind::Exact(p) => (s.len() == p.len() && s == &**p).then_some((0, s.len())),
        StrKind::Prefix(p) => s.starts_with(&**p).then_some((0, p.len())),
        StrKind::Suffix(p) => s.ends_with(&**p).then(|| (s.len() - p.len(), s.len())),
        StrKind::Contains(f) => f.find(s.as_bytes()).map(|i| (i, i + f.needle().len())),
        StrKind::Any => Some((0, s.len())),
        StrKind::Glob(re) => re.find(s).map(|m| (m.start(), m.end())),
    }
}

/// The text Sigma compares for a non-string scalar (`4688`, `true`). Folded already. Numbers are
/// formatted on the stack: string comparisons against number fields are frequent (keywords test
/// every field), and a `String` per comparison was a third of evaluation time.
pub(crate) fn scalar_text(v: &FieldValue) -> Option<ScalarText<'_>> {
    match v {
        FieldValue::Str(t) => Some(ScalarText::Borrowed(t.folded())),
        FieldValue::Int(i) => Some(ScalarText::integer(*i < 0, i.unsigned_abs())),
        FieldValue::UInt(u) => Some(ScalarText::integer(false, *u)),
        FieldValue::Float(f) => Some(ScalarText::format(f)),
        FieldValue::Bool(b) => Some(ScalarText::Borrowed(if *b { "true" } else { "false" })),
        FieldValue::Null | FieldValue::List(_) => None,
    }
}

/// A scalar's text: borrowed, or formatted into an inline buffer (a `String` only for the rare
/// number whose text is longer, such as `1e300` written out in full).
pub(crate) enum ScalarText<'a> {
    Borrowed(&'a str),
    Inline { buf: [u8; 40], len: u8 },
    Owned(String),
}

impl ScalarText<'_> {
    /// Decimal digits, as `Display` writes them, without its formatting machinery.
    fn integer(negative: bool, mut magnitude: u64) -> ScalarText<'static> {
        let mut buf = [0u8; 40];
        let mut start = buf.len();
        loop {
            start -= 1;
            buf[start] = b'0' + (magnitude % 10) as u8;
            magnitude /= 10;
            if magnitude == 0 {
                break;
            }
        }
        if negative {
            start -= 1;
            buf[start] = b'-';
        }
        let len = buf.len() - start;
        buf.copy_within(start.., 0);
        ScalarText::Inline {
            buf,
            len: len as u8,
        }
    }

    fn format(x: &dyn std::fmt::Display) -> ScalarText<'static> {
        struct Buf {
            buf: [u8; 40],
            len: usize,
        }
        impl std::fmt::Write for Buf {
            fn write_str(&mut self, s: &str) -> std::fmt::Result {
                let end = self.len + s.len();
                let dst = self.buf.get_mut(self.len..end).ok_or(std::fmt::Error)?;
                dst.copy_from_slice(s.as_bytes());
                self.len = end;
                Ok(())
            }
        }
        let mut b = Buf {
            buf: [0; 40],
            len: 0,
        };
        match std::fmt::write(&mut b, format_args!("{x}")) {
            Ok(()) => ScalarText::Inline {
                buf: b.buf,
                len: b.len as u8,
            },
            Err(_) => ScalarText::Owned(x.to_string()),
        }
    }
}

impl std::ops::Deref for ScalarText<'_> {
    type Target = str;
    #[inline]
    fn deref(&self) -> &str {
        match self {
            ScalarText::Borrowed(s) => s,
            // Only whole `str` pieces were copied in, so the bytes are UTF-8.
            ScalarText::Inline { buf, len } => {
                std::str::from_utf8(&buf[..*len as usize]).unwrap_or_default()
            }
            ScalarText::Owned(s) => s,
        }
    }
}

pub(crate) fn scalar_number(v: &FieldValue) -> Option<f64> {
    match v {
        FieldValue::Int(i) => Some(*i as f64),
        FieldValue::UInt(u) => Some(*u as f64),
        FieldValue::Float(f) => Some(*f),
        FieldValue::Str(t) => t.raw().trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    }
}

fn number_eq(n: Number, v: &FieldValue) -> bool {
    match (n, v) {
        (Number::Int(a), FieldValue::Int(b)) => a == *b,
        (Number::Int(a), FieldValue::Str(t)) => {
            let s = t.raw().trim();
            s.parse::<i64>()
                .map(|b| a == b)
                .unwrap_or_else(|_| s.parse::<f64>().is_ok_and(|f| f == a as f64))
        }
        (n, v) => scalar_number(v).is_some_and(|x| x == n.as_f64()),
    }
}

pub(crate) fn scalar_ip(v: &FieldValue) -> Option<IpAddr> {
    let FieldValue::Str(t) = v else { return None };
    let s = t.raw().trim();
    // IPv6 zone ids (`fe80::1%12`) and brackets (`[::1]`) are not part of the address.
    let s = s
        .split('%')
        .next()
        .unwrap_or(s)
        .trim_start_matches('[')
        .trim_end_matches(']');
    s.parse().ok()
}

fn fieldref_match(v: &FieldValue, other: &FieldValue, sw: bool, ew: bool) -> bool {
    if let FieldValue::List(items) = other {
        return items.iter().any(|o| fieldref_match(v, o, sw, ew));
    }
    let (Some(a), Some(b)) = (scalar_text(v), scalar_text(other)) else {
        return false;
    };
    match (sw, ew) {
        (true, true) => a.contains(&*b),
        (true, false) => a.starts_with(&*b),
        (false, true) => a.ends_with(&*b),
        (false, false) => *a == *b,
    }
}

/// Reads a timestamp: RFC 3339 / ISO 8601 (`2024-05-31T13:39:12.7319042Z`, with an offset or
/// without, `T` or space), a date alone (`2024-05-31`), or a Unix epoch number (seconds, or
/// milliseconds when above 10^11). Times without an offset are taken as UTC.
pub(crate) fn parse_timestamp(v: &FieldValue) -> Option<DateTime<Utc>> {
    match v {
        FieldValue::Int(i) => epoch(*i as f64),
        FieldValue::UInt(u) => epoch(*u as f64),
        FieldValue::Float(f) => epoch(*f),
        FieldValue::Str(t) => {
            let s = t.raw().trim();
            if let Ok(d) = DateTime::parse_from_rfc3339(s) {
                return Some(d.with_timezone(&Utc));
            }
            for fmt in [
                "%Y-%m-%dT%H:%M:%S%.f",
                "%Y-%m-%d %H:%M:%S%.f",
                "%Y-%m-%dT%H:%M:%S%.fZ",
                "%Y-%m-%d %H:%M:%S%.fZ",
            ] {
                if let Ok(n) = NaiveDateTime::parse_from_str(s, fmt) {
                    return Some(n.and_utc());
                }
            }
            if let Ok(d) = DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f %z") {
                return Some(d.with_timezone(&Utc));
            }
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|n| n.and_utc())
        }
        _ => None,
    }
}

fn epoch(x: f64) -> Option<DateTime<Utc>> {
    let secs = if x.abs() > 1e11 { x / 1000.0 } else { x };
    DateTime::from_timestamp(secs.trunc() as i64, ((secs.fract()) * 1e9) as u32)
}

pub(crate) fn time_part(v: &FieldValue, part: TimePart) -> Option<f64> {
    let t = parse_timestamp(v)?;
    Some(match part {
        TimePart::Minute => t.minute() as f64,
        TimePart::Hour => t.hour() as f64,
        TimePart::Day => t.day() as f64,
        TimePart::Week => t.iso_week().week() as f64,
        TimePart::Month => t.month() as f64,
        TimePart::Year => t.year() as f64,
    })
}
