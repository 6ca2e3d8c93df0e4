//! Events: the values a rule is evaluated against.
//!
//! An [`Event`] is a flat list of named fields. Input in any supported shape (JSON object, array,
//! JSON Lines, evtx_dump JSON, Event Viewer XML) is parsed by [`parse_events`] and flattened here,
//! once, so the evaluator only ever sees flat names (`Image`, `Provider_Name`, `a.b.c`).
//! Nested JSON objects become dotted names; lists stay lists (a list matches when any element does).

mod evtx;
mod input;
mod stream;
mod windows;
mod xml;

pub use evtx::{evtx_to_json, is_evtx, parse_evtx, read_evtx, EvtxJson, EVTX_MAGIC};
pub use input::{parse_events, EventError, EventFormat, EventInput};
pub use stream::{is_json_lines, JsonLines};
pub use windows::flatten_windows;

use crate::source::text::Text;
use crate::source::Span;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;
use std::sync::Arc;

/// One value of an event field.
#[derive(Clone, Debug, PartialEq)]
pub enum FieldValue {
    Null,
    Bool(bool),
    Int(i64),
    /// Integers above `i64::MAX` (evtx_dump writes `18446744073709551615` for BITS sizes).
    UInt(u64),
    Float(f64),
    Str(Text),
    List(Vec<FieldValue>),
}

impl FieldValue {
    /// The value as Sigma compares it when a string is expected (`true`, `4688`, the text itself).
    pub fn display(&self) -> String {
        match self {
            FieldValue::Null => "null".into(),
            FieldValue::Bool(b) => b.to_string(),
            FieldValue::Int(i) => i.to_string(),
            FieldValue::UInt(u) => u.to_string(),
            FieldValue::Float(f) => f.to_string(),
            FieldValue::Str(t) => t.raw().to_string(),
            FieldValue::List(l) => {
                let items: Vec<String> = l.iter().map(|v| v.display()).collect();
                format!("[{}]", items.join(", "))
            }
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            FieldValue::Null => "null",
            FieldValue::Bool(_) => "boolean",
            FieldValue::Int(_) | FieldValue::UInt(_) | FieldValue::Float(_) => "number",
            FieldValue::Str(_) => "string",
            FieldValue::List(_) => "list",
        }
    }

    /// Converts a JSON value (already flat: objects inside lists are kept as their JSON text).
    pub fn from_json(v: &serde_json::Value) -> FieldValue {
        match v {
            serde_json::Value::Null => FieldValue::Null,
            serde_json::Value::Bool(b) => FieldValue::Bool(*b),
            serde_json::Value::Number(n) => match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => FieldValue::Int(i),
                (None, Some(u)) => FieldValue::UInt(u),
                (None, None) => n
                    .as_f64()
                    .map(FieldValue::Float)
                    .unwrap_or_else(|| FieldValue::Str(Text::new(n.to_string()))),
            },
            serde_json::Value::String(s) => FieldValue::Str(Text::new(s.as_str())),
            serde_json::Value::Array(a) => {
                FieldValue::List(a.iter().map(FieldValue::from_json).collect())
            }
            serde_json::Value::Object(_) => FieldValue::Str(Text::new(v.to_string())),
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        match self {
            FieldValue::Null => serde_json::Value::Null,
            FieldValue::Bool(b) => (*b).into(),
            FieldValue::Int(i) => (*i).into(),
            FieldValue::UInt(u) => (*u).into(),
            FieldValue::Float(f) => {
                serde_json::Number::from_f64(*f).map_or(serde_json::Value::Null, Into::into)
            }
            FieldValue::Str(t) => t.raw().into(),
            FieldValue::List(l) => l.iter().map(FieldValue::to_json).collect(),
        }
    }
}

/// A flattened event. Field order is the input order (the UI shows it as is).
#[derive(Clone, Debug, Default)]
pub struct Event {
    /// Names are shared between the events of one input (see [`Names`]).
    fields: Vec<(Arc<str>, FieldValue)>,
    /// Hash of a name → its position; the names themselves live in `fields` only (a second copy
    /// of every name was an allocation per field per event). Fx hashing: names are short.
    index: FxHashMap<u64, u32>,
    /// Positions of fields whose name's hash another name took first (checked one by one).
    collided: Vec<u32>,
    /// Where the event stands in the input text.
    pub span: Span,
    /// The shape it was read from.
    pub format: Option<EventFormat>,
}

impl Event {
    pub fn new() -> Event {
        Event::default()
    }

    /// An event with room for `fields` fields.
    pub(crate) fn with_capacity(fields: usize) -> Event {
        Event {
            fields: Vec::with_capacity(fields),
            index: FxHashMap::with_capacity_and_hasher(fields, Default::default()),
            ..Event::default()
        }
    }

    /// Sets a field; a later value for the same name replaces the earlier one.
    pub fn insert(&mut self, name: impl Into<Arc<str>>, value: FieldValue) {
        self.insert_shared(name.into(), value)
    }

    /// [`Event::insert`] with a name from [`Names`]: no allocation for the name.
    pub(crate) fn insert_shared(&mut self, name: Arc<str>, value: FieldValue) {
        let pos = self.fields.len() as u32;
        match self.index.entry(name_hash(&name)) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(pos);
            }
            std::collections::hash_map::Entry::Occupied(o) => {
                let first = *o.get() as usize;
                let same = std::iter::once(first)
                    .chain(self.collided.iter().map(|&i| i as usize))
                    .find(|&i| self.fields[i].0 == name);
                match same {
                    Some(i) => {
                        self.fields[i].1 = value;
                        return;
                    }
                    None => self.collided.push(pos),
                }
            }
        }
        self.fields.push((name, value));
    }

    #[inline]
    fn position(&self, name: &str) -> Option<usize> {
        let &i = self.index.get(&name_hash(name))?;
        if *self.fields[i as usize].0 == *name {
            return Some(i as usize);
        }
        self.collided
            .iter()
            .map(|&i| i as usize)
            .find(|&i| *self.fields[i].0 == *name)
    }

    #[inline]
    pub fn get(&self, name: &str) -> Option<&FieldValue> {
        self.position(name).map(|i| &self.fields[i].1)
    }

    /// The value of the field at position `pos` (input order).
    #[inline]
    pub fn field_at(&self, pos: usize) -> Option<&FieldValue> {
        self.fields.get(pos).map(|(_, v)| v)
    }

    pub fn fields(&self) -> impl Iterator<Item = (&str, &FieldValue)> {
        self.fields.iter().map(|(n, v)| (&**n, v))
    }

    pub fn len(&self) -> usize {
        self.fields.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Builds an event from one JSON value: evtx_dump shape (`{"Event": {"System": ...}}`) is
    /// flattened as Windows events are; any other object is flattened with dotted names.
    pub fn from_json(value: &serde_json::Value) -> Event {
        if let Some(ev) = flatten_windows(value) {
            return ev;
        }
        let mut event = Event::new();
        if let serde_json::Value::Object(map) = value {
            for (k, v) in map {
                flatten_into(&mut event, k, v);
            }
        } else {
            // A bare scalar or list: only keyword searches can see it.
            event.insert("_raw", FieldValue::from_json(value));
        }
        event
    }

    /// The Windows channel, where the event has one (`System_Channel` wins: event 104 has its own).
    pub fn channel(&self) -> Option<&str> {
        for name in ["System_Channel", "Channel"] {
            if let Some(FieldValue::Str(t)) = self.get(name) {
                return Some(t.raw());
            }
        }
        None
    }

    /// The Windows event id as a number, where the event has one.
    pub fn event_id(&self) -> Option<i64> {
        for name in ["System_EventID", "EventID"] {
            match self.get(name) {
                Some(FieldValue::Int(i)) => return Some(*i),
                Some(FieldValue::Str(t)) => {
                    if let Ok(i) = t.raw().trim().parse() {
                        return Some(i);
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// The fields as a flat JSON object (what the UI shows as "evaluated fields").
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Object(
            self.fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_json()))
                .collect(),
        )
    }
}

impl Serialize for Event {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(s)
    }
}

/// Field names shared across the events of one input: events repeat the same few dozen names,
/// and one `Arc<str>` per distinct name replaces an allocation (and a free) per field per event.
#[derive(Debug, Default)]
pub(crate) struct Names {
    set: FxHashSet<Arc<str>>,
}

/// Distinct names kept at most (beyond them, names are allocated per field as before).
const MAX_SHARED_NAMES: usize = 65_536;

impl Names {
    pub(crate) fn get(&mut self, name: &str) -> Arc<str> {
        if let Some(n) = self.set.get(name) {
            return n.clone();
        }
        let n: Arc<str> = name.into();
        if self.set.len() < MAX_SHARED_NAMES {
            self.set.insert(n.clone());
        }
        n
    }
}

#[inline]
fn name_hash(name: &str) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = rustc_hash::FxBuildHasher.build_hasher();
    h.write(name.as_bytes());
    h.finish()
}

/// Flattens nested objects into dotted names (`{"a":{"b":1}}` → `a.b = 1`); lists of objects
/// contribute a list per dotted name.
pub(crate) fn flatten_into(event: &mut Event, prefix: &str, value: &serde_json::Value) {
    match value {
        serde_json::Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                flatten_into(event, &format!("{prefix}.{k}"), v);
            }
        }
        serde_json::Value::Array(items) if items.iter().any(|i| i.is_object()) => {
            let mut sub: Vec<(String, Vec<FieldValue>)> = Vec::new();
            for item in items {
                let mut tmp = Event::new();
                flatten_into(&mut tmp, prefix, item);
                for (k, v) in tmp.fields {
                    match sub.iter_mut().find(|(n, _)| **n == *k) {
                        Some((_, list)) => list.push(v),
                        None => sub.push((k.to_string(), vec![v])),
                    }
                }
            }
            for (k, v) in sub {
                event.insert(k, FieldValue::List(v));
            }
        }
        other => event.insert(prefix, FieldValue::from_json(other)),
    }
}
