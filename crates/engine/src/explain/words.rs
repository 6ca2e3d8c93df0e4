//! The explanation's words: why a condition, a search and an item have their value, and the
//! semantic notes shown under an item. Built from typed data only: the compiled matchers, the
//! modifiers, the outcome of each comparison.

use super::trace::{ConditionKind, ConditionTrace, IdentifierTrace, SearchTrace, ValueTrace};
use crate::compile::{CItem, CVariant, Matcher};
use crate::event::FieldValue;
use crate::limits::MAX_EXPLAIN_QUOTE;
use crate::rule::modifier::Modifier;
use crate::source::text::fold;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

/// Rule or event text as quoted in a sentence: at most [`MAX_EXPLAIN_QUOTE`] characters, the
/// rest cut with `…`, so that sentences stay short however long the values (the trace's own
/// fields keep the whole text).
pub(super) fn quote(text: &str) -> Cow<'_, str> {
    match text.char_indices().nth(MAX_EXPLAIN_QUOTE) {
        Some((cut, _)) => Cow::Owned(format!("{}…", &text[..cut])),
        None => Cow::Borrowed(text),
    }
}

/// What an item saw of the event.
#[derive(Clone, Copy)]
pub(super) struct Seen<'a> {
    pub field: &'a str,
    /// The field's value (`None`: absent).
    pub value: Option<&'a FieldValue>,
    /// A close field name the event has, when the field is absent.
    pub suggestion: Option<&'a str>,
    /// The event field read instead, under a log source mapping.
    pub read_from: Option<&'a str>,
}

/// Why a condition node has its value, in words, following only the decisive operands. Each
/// identifier's explanation is given once; later mentions name it only, and a list of reasons
/// says each reason once, so the words grow linearly with the condition.
pub(super) fn why(n: &ConditionTrace, ids: &[IdentifierTrace]) -> String {
    Teller {
        ids,
        by_name: ids
            .iter()
            .enumerate()
            .map(|(k, i)| (i.name.as_str(), k))
            .collect(),
        told: vec![false; ids.len()],
    }
    .why(n)
}

/// The identifiers, and which of them were explained already.
struct Teller<'a> {
    ids: &'a [IdentifierTrace],
    by_name: HashMap<&'a str, usize>,
    told: Vec<bool>,
}

impl Teller<'_> {
    fn why(&mut self, n: &ConditionTrace) -> String {
        match n.kind {
            ConditionKind::Identifier => self.identifier(n.text.trim()),
            ConditionKind::Not => format!(
                "`{}` is {} because {}",
                n.text,
                n.value,
                self.why(&n.children[0])
            ),
            ConditionKind::And | ConditionKind::AllOf if !n.value => {
                let first = n.children.iter().find(|c| !c.value);
                first.map_or_else(String::new, |c| self.why(c))
            }
            ConditionKind::Or | ConditionKind::OneOf | ConditionKind::AnyCondition if n.value => {
                let first = n.children.iter().find(|c| c.value);
                first.map_or_else(String::new, |c| self.why(c))
            }
            ConditionKind::OneOf => format!(
                "none of `{}` is true ({})",
                n.text,
                self.distinct(&n.children).join("; ")
            ),
            _ => self.distinct(&n.children).join("; and "),
        }
    }

    /// The identifier's explanation the first time, its name and value after.
    fn identifier(&mut self, name: &str) -> String {
        match self.by_name.get(name) {
            Some(&k) if self.told[k] => format!("{} is {}", self.ids[k].name, self.ids[k].value),
            Some(&k) => {
                self.told[k] = true;
                self.ids[k].explanation.clone()
            }
            None => name.to_string(),
        }
    }

    /// Each child's reason, each distinct reason once, in order.
    fn distinct(&mut self, children: &[ConditionTrace]) -> Vec<String> {
        let mut seen = HashSet::new();
        let mut parts = Vec::new();
        for c in children {
            let part = self.why(c);
            if seen.insert(part.clone()) {
                parts.push(part);
            }
        }
        parts
    }
}

pub(super) fn body_reason(t: &SearchTrace, value: bool) -> String {
    match t {
        SearchTrace::Item(i) => i.explanation.clone(),
        SearchTrace::AllOf { children, .. } => {
            if value {
                let parts: Vec<String> = children.iter().map(|c| body_reason(c, true)).collect();
                parts.join("; ")
            } else {
                children
                    .iter()
                    .find(|c| !c.value())
                    .map_or_else(String::new, |c| body_reason(c, false))
            }
        }
        SearchTrace::AnyOf { children, .. } => {
            if value {
                children
                    .iter()
                    .find(|c| c.value())
                    .map_or_else(String::new, |c| body_reason(c, true))
            } else {
                let parts: Vec<String> = children.iter().map(|c| body_reason(c, false)).collect();
                format!("no alternative holds ({})", parts.join("; "))
            }
        }
    }
}

/// What a compared value requires, as a verb and its object: "to end with '\\cmstp.exe'" when
/// wanted, "ends with '\\cmstp.exe'" when it held.
pub(super) struct Requirement {
    verb: Verb,
    /// The object as shown (quoted for text); empty for verbs without one (`exist`).
    object: String,
    /// For [`Verb::Be`] with a quoted text: the text without quotes.
    text: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Verb {
    Be,
    BeInside,
    BeAbsent,
    Match,
    Exist,
    Contain,
    StartWith,
    EndWith,
    Equal,
}

impl Verb {
    fn infinitive(self) -> &'static str {
        match self {
            Verb::Be => "be",
            Verb::BeInside => "be inside",
            Verb::BeAbsent => "be absent",
            Verb::Match => "match",
            Verb::Exist => "exist",
            Verb::Contain => "contain",
            Verb::StartWith => "start with",
            Verb::EndWith => "end with",
            Verb::Equal => "equal",
        }
    }

    fn third_person(self) -> &'static str {
        match self {
            Verb::Be => "is",
            Verb::BeInside => "is inside",
            Verb::BeAbsent => "is absent",
            Verb::Match => "matches",
            Verb::Exist => "exists",
            Verb::Contain => "contains",
            Verb::StartWith => "starts with",
            Verb::EndWith => "ends with",
            Verb::Equal => "equals",
        }
    }
}

impl Requirement {
    /// `object` is as shown: rule text in it is quoted already.
    fn new(verb: Verb, object: &str) -> Requirement {
        Requirement {
            verb,
            object: object.to_string(),
            text: None,
        }
    }

    /// `to be '<text>'`.
    fn text(text: &str) -> Requirement {
        Requirement {
            verb: Verb::Be,
            object: format!("'{}'", quote(text)),
            text: Some(text.to_string()),
        }
    }

    /// For a value that compiled to no variant (it cannot happen in a rule that compiled).
    pub fn nothing() -> Requirement {
        Requirement::text("")
    }

    /// What variant `var` of an item with `modifiers` requires.
    pub fn of(var: &CVariant, modifiers: &[Modifier]) -> Requirement {
        let has = |m: Modifier| modifiers.contains(&m);
        let expected = var.expected.as_str();
        let shown = quote(expected);
        match &var.matcher {
            Matcher::Cidr(_) => Requirement::new(Verb::BeInside, &shown),
            Matcher::Regex(_) => Requirement::new(Verb::Match, &shown),
            Matcher::Exists(true) => Requirement::new(Verb::Exist, ""),
            Matcher::Exists(false) => Requirement::new(Verb::BeAbsent, ""),
            Matcher::Compare { .. } => Requirement::new(Verb::Be, &shown),
            Matcher::Null => Requirement::new(Verb::Be, "null or absent"),
            Matcher::FieldRef { field, anchors } => {
                let verb = match (anchors.starts_with, anchors.ends_with) {
                    (true, true) => Verb::Contain,
                    (true, false) => Verb::StartWith,
                    (false, true) => Verb::EndWith,
                    (false, false) => Verb::Equal,
                };
                Requirement::new(verb, &format!("the value of field {field}"))
            }
            Matcher::Str { .. } => match &var.shape {
                Some(shape) => {
                    let open = (shape.open_start, shape.open_end);
                    let verb = if has(Modifier::Contains) || (open == (true, true) && !shape.any) {
                        Verb::Contain
                    } else if has(Modifier::EndsWith) || open == (true, false) {
                        Verb::EndWith
                    } else if has(Modifier::StartsWith) || open == (false, true) {
                        Verb::StartWith
                    } else {
                        return Requirement::text(expected);
                    };
                    Requirement::new(verb, &format!("'{}'", quote(&shape.core)))
                }
                None => Requirement::text(expected),
            },
            Matcher::Number(_) | Matcher::Bool(_) | Matcher::TimeEq { .. } => {
                Requirement::text(expected)
            }
        }
    }

    /// "to end with '\\cmstp.exe'".
    fn wanted(&self) -> String {
        join(&["to", self.verb.infinitive(), &self.object])
    }

    /// "ends with '\\cmstp.exe'".
    fn held(&self) -> String {
        join(&[self.verb.third_person(), &self.object])
    }
}

fn join(words: &[&str]) -> String {
    words
        .iter()
        .filter(|w| !w.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The explanation of a keyword item.
pub(super) fn keyword_explanation(values: &[ValueTrace], raw: bool) -> String {
    match values.iter().find(|x| x.matched == raw) {
        Some(x) if x.matched => format!(
            "the keyword '{}' occurs in field {}",
            quote(&x.written),
            x.matched_field.as_deref().unwrap_or("?")
        ),
        Some(x) => format!(
            "no field of the event contains the keyword '{}'",
            quote(&x.written)
        ),
        None => "no keyword".into(),
    }
}

pub(super) fn keyword_notes(i: &CItem) -> Vec<String> {
    let mut notes = vec!["A keyword (a value without a field) matches when it occurs anywhere in any field value of the event.".to_string()];
    if i.all {
        notes.push("With 'all', every keyword must occur.".into());
    }
    notes
}

/// The explanation of a field item: what the event has, and what the rule wanted or found.
/// `wants[k]` is what `values[k]` requires.
pub(super) fn item_explanation(
    i: &CItem,
    seen: &Seen,
    values: &[ValueTrace],
    wants: &[Requirement],
    raw: bool,
    value: bool,
) -> String {
    let field = seen.field;
    let actual = match seen.value {
        None => None,
        Some(FieldValue::Str(t)) => Some((format!("'{}'", quote(t.raw())), t.raw().to_string())),
        Some(other) => {
            let shown = other.display();
            Some((quote(&shown).into_owned(), shown))
        }
    };
    let subject = match &actual {
        Some((a, _)) => format!("{field} is {a}"),
        None => {
            let hint = seen
                .suggestion
                .map(|s| format!(" (did you mean {s}?)"))
                .unwrap_or_default();
            format!("the event has no field {field}{hint}")
        }
    };
    let core = if raw {
        held_explanation(i, field, values, wants, actual.as_ref(), subject)
    } else if values.len() == 1 {
        let w = &wants[0];
        // Numbers and booleans are shown as written, without the quotes of text.
        let typed = i.values[0]
            .variants
            .first()
            .is_some_and(|v| matches!(v.matcher, Matcher::Number(_) | Matcher::Bool(_)));
        match &w.text {
            Some(_) if typed => format!("{subject}, the rule wants {}", values[0].expected),
            Some(_) => format!("{subject}, the rule wants {}", w.object),
            None => format!("{subject}, the rule wants it {}", w.wanted()),
        }
    } else if i.all {
        let f = values
            .iter()
            .position(|x| !x.matched)
            .map(|k| wants[k].wanted())
            .unwrap_or_default();
        format!(
            "{subject}; the rule wants all {} values, and it fails {f}",
            values.len()
        )
    } else {
        let shown: Vec<String> = values
            .iter()
            .take(4)
            .map(|x| format!("'{}'", quote(&x.expected)))
            .collect();
        let more = if values.len() > 4 {
            format!(" and {} more", values.len() - 4)
        } else {
            String::new()
        };
        format!(
            "{subject}, which matches none of {}{more}",
            shown.join(", ")
        )
    };
    if i.negated {
        format!("{core}; with neq the item is {value}")
    } else {
        core
    }
}

/// The explanation when the values held (before any `neq`). `actual`: the event's value as
/// shown (quoted for text) and as is.
fn held_explanation(
    i: &CItem,
    field: &str,
    values: &[ValueTrace],
    wants: &[Requirement],
    actual: Option<&(String, String)>,
    subject: String,
) -> String {
    if i.all && values.len() > 1 {
        return format!("{subject}, which satisfies all {} values", values.len());
    }
    let Some(k) = values.iter().position(|x| x.matched) else {
        return subject;
    };
    let variant = values[k]
        .variant
        .as_ref()
        .map(|l| format!(" ({l})"))
        .unwrap_or_default();
    let want = &wants[k];
    match (actual, &want.text) {
        (Some((shown, raw)), Some(text)) => {
            if text.eq_ignore_ascii_case(raw) {
                format!("{field} is {shown}{variant}")
            } else {
                format!("{field} is {shown}, matching {}{variant}", want.object)
            }
        }
        (Some((shown, _)), None) => format!("{field} {shown} {}{variant}", want.held()),
        (None, _) => format!("{field} {}{variant}", want.held()),
    }
}

/// The semantic choices that applied to an item, in words (shown under the item).
pub(super) fn item_notes(
    i: &CItem,
    seen: &Seen,
    values: &[ValueTrace],
    matched: bool,
) -> Vec<String> {
    let Seen {
        field,
        value: v,
        suggestion,
        read_from,
    } = *seen;
    let mut notes = Vec::new();
    let matchers = || {
        i.values
            .iter()
            .flat_map(|c| c.variants.iter().map(|x| &x.matcher))
    };
    if !i.pipeline_items.is_empty() {
        let items: Vec<String> = i.pipeline_items.iter().map(|a| a.to_string()).collect();
        notes.push(match &i.renamed_from {
            Some(from) => format!("{from} → {field} ({})", items.join(", ")),
            None => format!("Changed by the pipeline ({})", items.join(", ")),
        });
    }
    if let Some(from) = read_from {
        notes.push(format!(
            "The log source mapping reads {field} from the event's {from}."
        ));
    }
    if v.is_none() {
        if let Some(s) = suggestion {
            if s.eq_ignore_ascii_case(field) {
                notes.push(format!(
                    "Field names are case-sensitive: the event has {s}, the rule asks for {field}."
                ));
            }
        }
    }
    if matchers().any(|m| matches!(m, Matcher::Null)) {
        notes.push("null matches when the field is missing or holds JSON null; '' matches an empty string.".into());
    }
    if matchers().any(|m| matches!(m, Matcher::Exists(_))) {
        notes.push(
            "exists only checks that the field is present, whatever its value (even null).".into(),
        );
    }
    if matchers().any(|m| matches!(m, Matcher::Regex(_))) {
        notes.push("A regular expression matches anywhere in the value (a search); anchor it with ^ and $ to match the whole value. It is case-sensitive unless |i is given.".into());
    }
    // Only where case made a difference: the matched part of the event's text has capitals.
    let case_mattered = values.iter().any(|x| match (&x.actual, x.matched_range) {
        (Some(a), Some([s, e])) if x.matched => a.get(s..e).is_some_and(|m| fold(m) != m),
        _ => false,
    });
    if case_mattered
        && matched
        && matchers().any(|m| matches!(m, Matcher::Str { cased: false, .. }))
    {
        notes.push("Text compares case-insensitively (use |cased for an exact case).".into());
    }
    match v {
        Some(FieldValue::List(_)) => notes.push(format!("{field} holds a list: the item matches when any element matches.")),
        Some(FieldValue::Int(_) | FieldValue::UInt(_) | FieldValue::Float(_)) if matchers().any(|m| matches!(m, Matcher::Str { .. })) => {
            notes.push(format!("{field} is a number in the event; the rule gives text, so the number is compared as text."))
        }
        Some(FieldValue::Str(_)) if matchers().any(|m| matches!(m, Matcher::Number(_) | Matcher::Compare { part: None, .. })) => {
            notes.push(format!("{field} is text in the event; the rule gives a number, so the text is read as a number."))
        }
        Some(FieldValue::Bool(_)) if matchers().any(|m| matches!(m, Matcher::Str { .. })) => {
            notes.push(format!("{field} is a boolean in the event; it is compared as the text 'true' or 'false'."))
        }
        _ => {}
    }
    if i.all && i.values.len() > 1 {
        notes.push(
            "With 'all', every value must match (without it, any one value is enough).".into(),
        );
    }
    if i.negated {
        notes.push("neq: the item is true when the field equals none of the values (also when it is missing).".into());
    }
    if i.values.iter().any(|c| c.variants.len() > 1) {
        notes.push(
            "A modifier expanded a value into several variants; any variant matching is enough."
                .into(),
        );
    }
    notes
}
