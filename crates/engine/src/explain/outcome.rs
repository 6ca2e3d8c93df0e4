//! One comparison's outcome for the trace: whether it held, the event value it saw, where the
//! match is, and if it failed, the [`Reason`].

use super::trace::Reason;
use crate::compile::{Matcher, StrKind};
use crate::eval::{scalar_ip, scalar_number, scalar_text, str_find, test_value, time_part};
use crate::event::{Event, FieldValue};
use crate::source::text::fold;

/// One comparison's outcome, with what it saw.
pub(super) struct Outcome {
    pub matched: bool,
    pub reason: Reason,
    pub actual: Option<String>,
    pub range: Option<[usize; 2]>,
}

pub(super) fn outcome(m: &Matcher, v: Option<&FieldValue>, event: &Event) -> Outcome {
    // A list is judged by its elements' outcomes, each found once: testing the whole list as
    // well, or an element twice, makes explain exponential in the list's depth.
    if let Some(list @ FieldValue::List(items)) = v {
        if !matches!(m, Matcher::Exists(_) | Matcher::Null) {
            return list_outcome(m, list, items, event);
        }
    }
    let matched = test_value(m, v, event);
    let miss = |reason, actual: Option<String>| Outcome {
        matched: false,
        reason,
        actual,
        range: None,
    };
    match (m, v) {
        (Matcher::Exists(_), _) | (Matcher::Null, _) => {
            let reason = match (matched, v) {
                (true, _) => Reason::Matched,
                (false, None) => Reason::FieldAbsent,
                (false, Some(_)) => Reason::ValueDiffers,
            };
            Outcome {
                matched,
                reason,
                actual: v.map(FieldValue::display),
                range: None,
            }
        }
        (_, None) => miss(Reason::FieldAbsent, None),
        (_, Some(FieldValue::Null)) => miss(Reason::FieldNull, Some("null".into())),
        (_, Some(v)) => {
            let actual = Some(v.display());
            if matched {
                return Outcome {
                    matched,
                    reason: Reason::Matched,
                    actual,
                    range: matched_range(m, v),
                };
            }
            let reason = match m {
                Matcher::Str { kind, cased: true } => match v {
                    FieldValue::Str(t) if str_find(&fold_kind(kind), t.folded()).is_some() => {
                        Reason::DiffersOnlyInCase
                    }
                    _ => Reason::ValueDiffers,
                },
                Matcher::Cidr(_) if scalar_ip(v).is_none() => Reason::NotAnIp,
                Matcher::Cidr(_) => Reason::OutsideRange,
                Matcher::Number(_) if scalar_number(v).is_none() => Reason::WrongType,
                Matcher::Bool(_) if !matches!(v, FieldValue::Bool(_) | FieldValue::Str(_)) => {
                    Reason::WrongType
                }
                Matcher::Compare { part: None, .. } if scalar_number(v).is_none() => {
                    Reason::WrongType
                }
                Matcher::Compare { part: None, .. } => Reason::OutsideRange,
                Matcher::Compare { part: Some(p), .. } | Matcher::TimeEq { part: p, .. }
                    if time_part(v, *p).is_none() =>
                {
                    Reason::NoTimestamp
                }
                Matcher::Compare { .. } => Reason::OutsideRange,
                Matcher::FieldRef { field, .. } if event.get(field).is_none() => {
                    Reason::ReferencedFieldAbsent
                }
                _ => Reason::ValueDiffers,
            };
            miss(reason, actual)
        }
    }
}

/// The element that matched, or the first element's reason with the whole list as seen.
fn list_outcome(m: &Matcher, list: &FieldValue, items: &[FieldValue], event: &Event) -> Outcome {
    let mut first_reason = None;
    for x in items {
        let o = outcome(m, Some(x), event);
        if o.matched {
            return o;
        }
        first_reason.get_or_insert(o.reason);
    }
    Outcome {
        matched: false,
        reason: first_reason.unwrap_or(Reason::ValueDiffers),
        actual: Some(list.display()),
        range: None,
    }
}

/// A case-insensitive twin of a case-sensitive string matcher, to tell "differs only in case".
fn fold_kind(k: &StrKind) -> StrKind {
    match k {
        StrKind::Exact(p) => StrKind::Exact(fold(p).into_owned().into()),
        StrKind::Prefix(p) => StrKind::Prefix(fold(p).into_owned().into()),
        StrKind::Suffix(p) => StrKind::Suffix(fold(p).into_owned().into()),
        StrKind::Contains(f) => {
            let needle = String::from_utf8_lossy(f.needle()).into_owned();
            StrKind::Contains(Box::new(
                memchr::memmem::Finder::new(fold(&needle).as_bytes()).into_owned(),
            ))
        }
        StrKind::Any => StrKind::Any,
        StrKind::Glob(re) => {
            regex::Regex::new(&format!("(?i){}", re.as_str())).map_or(StrKind::Any, StrKind::Glob)
        }
    }
}

fn matched_range(m: &Matcher, v: &FieldValue) -> Option<[usize; 2]> {
    match (m, v) {
        (Matcher::Str { kind, cased }, FieldValue::Str(t)) => {
            let (s, e) = str_find(kind, if *cased { t.raw() } else { t.folded() })?;
            let (s, e) = if *cased { (s, e) } else { t.raw_range(s, e) };
            Some([s, e])
        }
        (Matcher::Str { kind, .. }, other) => scalar_text(other)
            .and_then(|s| str_find(kind, &s))
            .map(|(a, b)| [a, b]),
        (Matcher::Regex(re), FieldValue::Str(t)) => re.find(t.raw()).map(|m| [m.start(), m.end()]),
        (Matcher::Regex(re), other) => {
            scalar_text(other).and_then(|s| re.find(&s).map(|m| [m.start(), m.end()]))
        }
        (_, other) => Some([0, other.display().len()]),
    }
}
