//! Events: the values a rule is evaluated against.
//!
//! An [`Event`] is a flat list of named fields. Input in any supported shape (JSON object, array,
//! JSON Lines, evtx_dump JSON, Event Viewer XML) is parsed by [`parse_events`] and flattened here,
//! once, so the evaluator only ever sees flat names (`Image`, `Provider_Name`, `a.b.c`).
//! Nested JSON objects become dotted names; lists stay lists (a list matches when any element does).

mod evtx;
mod flat;
mod input;
mod stream;
mod windows;
mod xml;

pub use evtx::{evtx_to_json, is_evtx, parse_evtx, read_evtx, EvtxJson, EVTX_MAGIC};
pub use input::{parse_events, EventError, EventFormat, EventInput};
pub use stream::{is_json_lines, JsonLines, LinesBlock};
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
    fields: Vec<Field>,
    /// Hash of a name → its position, only for events of more than [`SMALL_EVENT`] fields (the
    /// others are searched by hash, one field after the other: a map per event was an
    /// allocation and a free for every event).
    index: FxHashMap<u64, u32>,
    /// Positions of fields whose name's hash another name took first (checked one by one).
    collided: Vec<u32>,
    /// Where the event stands in the input text.
    pub span: Span,
    /// The shape it was read from.
    pub format: Option<EventFormat>,
}

/// Events with at most this many fields have no hash map of their names.
const SMALL_EVENT: usize = 32;

#[derive(Clone, Debug)]
struct Field {
    name: Arc<str>,
    /// [`name_hash`] of the name.
    hash: u64,
    value: FieldValue,
}

impl Event {
    pub fn new() -> Event {
        Event::default()
    }

    /// An event with room for `fields` fields.
    pub(crate) fn with_capacity(fields: usize) -> Event {
        Event {
            fields: Vec::with_capacity(fields),
            ..Event::default()
        }
    }

    /// Sets a field; a later value for the same name replaces the earlier one.
    pub fn insert(&mut self, name: impl Into<Arc<str>>, value: FieldValue) {
        self.insert_shared(name.into(), value)
    }

    /// [`Event::insert`] with a name from [`Names`]: no allocation for the name.
    pub(crate) fn insert_shared(&mut self, name: Arc<str>, value: FieldValue) {
        let hash = name_hash(&name);
        if let Some(i) = self.position_hashed(&name, hash) {
            self.fields[i].value = value;
            return;
        }
        let pos = self.fields.len() as u32;
        if self.fields.len() == SMALL_EVENT {
            // From now on, by the map.
            for i in 0..self.fields.len() {
                self.index_field(i as u32);
            }
        }
        self.fields.push(Field { name, hash, value });
        if self.fields.len() > SMALL_EVENT {
            self.index_field(pos);
        }
    }

    fn index_field(&mut self, pos: u32) {
        let hash = self.fields[pos as usize].hash;
        match self.index.entry(hash) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(pos);
            }
            std::collections::hash_map::Entry::Occupied(_) => self.collided.push(pos),
        }
    }

    #[inline]
    fn position(&self, name: &str) -> Option<usize> {
        self.position_hashed(name, name_hash(name))
    }

    #[inline]
    fn position_hashed(&self, name: &str, hash: u64) -> Option<usize> {
        if self.fields.len() <= SMALL_EVENT {
            return self
                .fields
                .iter()
                .position(|f| f.hash == hash && *f.name == *name);
        }
        let &i = self.index.get(&hash)?;
        if *self.fields[i as usize].name == *name {
            return Some(i as usize);
        }
        self.collided
            .iter()
            .map(|&i| i as usize)
            .find(|&i| *self.fields[i].name == *name)
    }

    #[inline]
    pub fn get(&self, name: &str) -> Option<&FieldValue> {
        self.position(name).map(|i| &self.fields[i].value)
    }

    /// The value of the field at position `pos` (input order).
    #[inline]
    pub fn field_at(&self, pos: usize) -> Option<&FieldValue> {
        self.fields.get(pos).map(|f| &f.value)
    }

    pub fn fields(&self) -> impl Iterator<Item = (&str, &FieldValue)> {
        self.fields.iter().map(|f| (&*f.name, &f.value))
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
                .map(|f| (f.name.to_string(), f.value.to_json()))
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
                for Field { name, value, .. } in tmp.fields {
                    match sub.iter_mut().find(|(n, _)| **n == *name) {
                        Some((_, list)) => list.push(value),
                        None => sub.push((name.to_string(), vec![value])),
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
