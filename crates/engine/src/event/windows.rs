//! Windows event flattening: evtx_dump JSON (`{"Event":{"System":…,"EventData":…}}`) → the flat
//! field names Sigma rules use (see `docs/windows-events.md` in the shared folder).
//!
//! | source | flat field |
//! |---|---|
//! | `System.EventID` (or `EventID.#text` + `#attributes.Qualifiers`) | `EventID`, `Qualifiers` |
//! | `System.<Child>` scalar (`Version`, `Level`, `Channel`, …) | `<Child>` |
//! | `System.<Child>.#attributes.<Attr>` (`Provider`, `TimeCreated`, `Execution`, …) | `<Child>_<Attr>` |
//! | `EventData.<Name>` | `<Name>` without white space (`Threat Name` → `ThreatName`) |
//! | unnamed `EventData.Data.#text` (one or several) | `Data` (a string or a list) |
//! | `UserData.<Element>.<Leaf>` (nested elements are walked, `#attributes` dropped) | `<Leaf>` |
//!
//! Values keep their JSON type (evtx_dump writes `EventID: 1` but some exporters `"1"`; both stay as
//! they are). `null` System children (`Correlation: null`) produce no field; `null` EventData values do.
//! When an EventData/UserData name equals a System field name, the event data keeps the plain name and
//! the System value becomes `System_<name>` (event 104 "log cleared" carries its own `Channel`).
//!
//! The python-evtx / xmltodict rendering (`"@Name"` attribute keys, `EventData.Data` as a list of
//! `{"@Name": …, "#text": …}`) is accepted as well and gives the same names.
use super::{Event, FieldValue, Names};
use crate::source::text::Text;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};
use std::borrow::Cow;
use std::fmt;

/// Flattens one evtx_dump record; `None` when `value` is not shaped `{"Event":{"System":{…}}}`.
pub fn flatten_windows(value: &Value) -> Option<Event> {
    if !value
        .get("Event")
        .and_then(|e| e.get("System"))
        .is_some_and(Value::is_object)
    {
        return None;
    }
    flatten_windows_json(&Json::from_value(value), &mut Names::default())
}

/// A parsed JSON value that borrows its strings from the input where it can and keeps object
/// members in order. Reading events into this rather than into `serde_json::Value` saves most
/// allocations (no map, no key strings): parsing is dominated by allocation.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Json<'a> {
    Null,
    Bool(bool),
    Num(Number),
    Str(Cow<'a, str>),
    Arr(Vec<Json<'a>>),
    Obj(Vec<(Cow<'a, str>, Json<'a>)>),
}

type Members<'a> = [(Cow<'a, str>, Json<'a>)];

impl<'a> Json<'a> {
    pub(super) fn from_value(v: &'a Value) -> Json<'a> {
        match v {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Number(n) => Json::Num(n.clone()),
            Value::String(s) => Json::Str(Cow::Borrowed(s)),
            Value::Array(a) => Json::Arr(a.iter().map(Json::from_value).collect()),
            Value::Object(m) => Json::Obj(
                m.iter()
                    .map(|(k, v)| (Cow::Borrowed(k.as_str()), Json::from_value(v)))
                    .collect(),
            ),
        }
    }

    pub(super) fn to_value(&self) -> Value {
        match self {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Num(n) => Value::Number(n.clone()),
            Json::Str(s) => Value::String(s.to_string()),
            Json::Arr(a) => Value::Array(a.iter().map(Json::to_value).collect()),
            Json::Obj(m) => Value::Object(
                m.iter()
                    .map(|(k, v)| (k.to_string(), v.to_value()))
                    .collect(),
            ),
        }
    }

    fn as_obj(&self) -> Option<&Members<'a>> {
        match self {
            Json::Obj(m) => Some(m),
            _ => None,
        }
    }

    /// A member by name (the last one, as serde_json keeps the last of duplicate keys).
    pub(super) fn get(&self, key: &str) -> Option<&Json<'a>> {
        get(self.as_obj()?, key)
    }

    /// The value as a field, exactly as [`FieldValue::from_json`] converts the same JSON.
    pub(super) fn field_value(&self) -> FieldValue {
        match self {
            Json::Null => FieldValue::Null,
            Json::Bool(b) => FieldValue::Bool(*b),
            Json::Num(n) => FieldValue::from_json(&Value::Number(n.clone())),
            Json::Str(s) => FieldValue::Str(Text::new(s.as_ref())),
            Json::Arr(items) => FieldValue::List(items.iter().map(Json::field_value).collect()),
            Json::Obj(_) => FieldValue::from_json(&self.to_value()),
        }
    }

    /// [`Json::field_value`], moving strings the parser had to unescape instead of copying them.
    fn into_field_value(self) -> FieldValue {
        match self {
            Json::Str(Cow::Owned(s)) => FieldValue::Str(Text::from(s)),
            Json::Arr(items) => {
                FieldValue::List(items.into_iter().map(Json::into_field_value).collect())
            }
            other => other.field_value(),
        }
    }

    /// `{"Event":{"System":{…}}}`.
    pub(super) fn is_evtx(&self) -> bool {
        self.get("Event")
            .and_then(|e| e.get("System"))
            .is_some_and(|s| matches!(s, Json::Obj(_)))
    }
}

fn get<'m, 'a>(members: &'m Members<'a>, key: &str) -> Option<&'m Json<'a>> {
    members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
}

impl<'de> Deserialize<'de> for Json<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Json<'de>, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Json<'de>, E> {
        Ok(Json::Null)
    }
    fn visit_none<E>(self) -> Result<Json<'de>, E> {
        Ok(Json::Null)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Json<'de>, E> {
        Ok(Json::Bool(b))
    }
    fn visit_i64<E>(self, i: i64) -> Result<Json<'de>, E> {
        Ok(Json::Num(i.into()))
    }
    fn visit_u64<E>(self, u: u64) -> Result<Json<'de>, E> {
        Ok(Json::Num(u.into()))
    }
    fn visit_f64<E>(self, f: f64) -> Result<Json<'de>, E> {
        Ok(Number::from_f64(f).map_or(Json::Null, Json::Num))
    }
    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Json<'de>, E> {
        Ok(Json::Str(Cow::Borrowed(s)))
    }
    fn visit_str<E>(self, s: &str) -> Result<Json<'de>, E> {
        Ok(Json::Str(Cow::Owned(s.to_owned())))
    }
    fn visit_string<E>(self, s: String) -> Result<Json<'de>, E> {
        Ok(Json::Str(Cow::Owned(s)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json<'de>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(4).min(64));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Arr(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json<'de>, A::Error> {
        // serde_json gives no size hint; events have a few dozen members.
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(32).min(64));
        while let Some(Key(k)) = map.next_key()? {
            members.push((k, map.next_value()?));
        }
        Ok(Json::Obj(members))
    }
}

/// An object key, borrowed from the input unless it has escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Key<'de>, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E>(self, s: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s)))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

/// A non-Windows JSON value as an event: the same as [`Event::from_json`], without building a
/// `serde_json::Value` for the common flat objects.
pub(super) fn generic_event(json: Json<'_>, names: &mut Names) -> Event {
    match json {
        Json::Obj(members)
            if members.iter().all(|(_, v)| match v {
                Json::Obj(_) => false,
                Json::Arr(items) => !items.iter().any(|i| matches!(i, Json::Obj(_))),
                _ => true,
            }) =>
        {
            let mut event = Event::with_capacity(members.len());
            for (k, v) in members {
                event.insert_shared(names.get(&k), v.into_field_value());
            }
            event
        }
        // Nested objects (dotted names) and bare values: the shared flattening.
        other => Event::from_json(&other.to_value()),
    }
}

/// Flattens one evtx_dump record; `None` when not shaped `{"Event":{"System":{…}}}`.
pub(super) fn flatten_windows_json(value: &Json<'_>, names: &mut Names) -> Option<Event> {
    let event = value.get("Event")?.as_obj()?;
    let system = get(event, "System")?.as_obj()?;

    let mut sys: Vec<(Cow<'_, str>, FieldValue)> = Vec::with_capacity(16);
    flatten_system(system, &mut sys);

    let mut data: Vec<(Cow<'_, str>, FieldValue)> = Vec::with_capacity(32);
    if let Some(Json::Obj(ed)) = get(event, "EventData") {
        flatten_event_data(ed, &mut data);
    }
    if let Some(Json::Obj(ud)) = get(event, "UserData") {
        for (_, body) in ud.iter() {
            if let Json::Obj(body) = body {
                flatten_user_data(body, &mut data, 0);
            }
        }
    }

    let mut out = Event::with_capacity(sys.len() + data.len());
    for (name, value) in sys {
        if data.iter().any(|(n, _)| *n == name) {
            out.insert_shared(names.get(&format!("System_{name}")), value);
        } else {
            out.insert_shared(names.get(&name), value);
        }
    }
    for (name, value) in data {
        out.insert_shared(names.get(&name), value);
    }
    Some(out)
}

/// XML attributes of an element: evtx_dump's `#attributes` object or xmltodict's `@Name` keys.
fn attributes<'m, 'a>(obj: &'m Members<'a>) -> impl Iterator<Item = (&'m str, &'m Json<'a>)> {
    let nested = match get(obj, "#attributes") {
        Some(Json::Obj(a)) => Some(a.iter().map(|(k, v)| (k.as_ref(), v))),
        _ => None,
    };
    let at = obj
        .iter()
        .filter_map(|(k, v)| k.strip_prefix('@').map(|k| (k, v)));
    nested.into_iter().flatten().chain(at)
}

fn is_xmlns(name: &str) -> bool {
    name == "xmlns" || name.starts_with("xmlns:")
}

fn flatten_system<'a>(system: &'a Members<'_>, out: &mut Vec<(Cow<'a, str>, FieldValue)>) {
    for (key, value) in system {
        match value {
            Json::Null => {}
            Json::Obj(obj) => {
                if let Some(text) = get(obj, "#text") {
                    if *text != Json::Null {
                        out.push((Cow::Borrowed(key.as_ref()), text.field_value()));
                    }
                }
                for (attr, v) in attributes(obj) {
                    if is_xmlns(attr) || *v == Json::Null {
                        continue;
                    }
                    let name = if key == "EventID" && attr == "Qualifiers" {
                        Cow::Borrowed("Qualifiers")
                    } else {
                        Cow::Owned(format!("{key}_{attr}"))
                    };
                    out.push((name, v.field_value()));
                }
            }
            other => out.push((Cow::Borrowed(key.as_ref()), other.field_value())),
        }
    }
}

/// Removes white space from an EventData name (`Threat Name` → `ThreatName`).
fn field_name(name: &str) -> Cow<'_, str> {
    if name.contains(char::is_whitespace) {
        Cow::Owned(name.split_whitespace().collect())
    } else {
        Cow::Borrowed(name)
    }
}

/// The value of an element: a scalar as is, `{"#text": v}` as `v`, an element with only
/// attributes as null, anything else as its JSON text.
fn element_value(v: &Json<'_>) -> FieldValue {
    match v {
        Json::Obj(obj) => match get(obj, "#text") {
            Some(text) => text.field_value(),
            None if obj
                .iter()
                .all(|(k, _)| k.starts_with('@') || k == "#attributes") =>
            {
                FieldValue::Null
            }
            None => v.field_value(),
        },
        other => other.field_value(),
    }
}

fn flatten_event_data<'a>(ed: &'a Members<'_>, out: &mut Vec<(Cow<'a, str>, FieldValue)>) {
    for (key, value) in ed {
        if key == "#attributes" || key.starts_with('@') {
            continue;
        }
        if key == "Data" || key == "#text" {
            match value {
                // evtx_dump: unnamed <Data> elements → {"#text": "…"} or {"#text": ["…", …]}.
                Json::Obj(obj) if get(obj, "#text").is_some() || get(obj, "@Name").is_some() => {
                    push_data_element(obj, out);
                    continue;
                }
                // xmltodict: a list of {"@Name": …, "#text": …} (or plain strings).
                Json::Arr(items) if items.iter().any(|i| i.get("@Name").is_some()) => {
                    let mut unnamed = Vec::new();
                    for item in items {
                        match item {
                            Json::Obj(obj) if get(obj, "@Name").is_some() => {
                                push_data_element(obj, out)
                            }
                            other => unnamed.push(element_value(other)),
                        }
                    }
                    match unnamed.len() {
                        0 => {}
                        1 => out.push((Cow::Borrowed("Data"), unnamed.remove(0))),
                        _ => out.push((Cow::Borrowed("Data"), FieldValue::List(unnamed))),
                    }
                    continue;
                }
                _ => {}
            }
            out.push((Cow::Borrowed("Data"), element_value(value)));
            continue;
        }
        out.push((field_name(key), element_value(value)));
    }
}

/// One `Data` element object: named (`@Name`, xmltodict) or the unnamed `#text` collection.
fn push_data_element<'a>(obj: &'a Members<'_>, out: &mut Vec<(Cow<'a, str>, FieldValue)>) {
    match get(obj, "@Name") {
        Some(Json::Str(name)) => {
            let v = get(obj, "#text").map_or(FieldValue::Str(Text::new("")), Json::field_value);
            out.push((field_name(name), v));
        }
        _ => out.push((
            Cow::Borrowed("Data"),
            get(obj, "#text").map_or(FieldValue::Null, Json::field_value),
        )),
    }
}

/// `UserData.<Element>`: leaves become fields; nested elements are walked (their own attributes are
/// not fields, as in the reference flattening).
fn flatten_user_data<'a>(
    body: &'a Members<'_>,
    out: &mut Vec<(Cow<'a, str>, FieldValue)>,
    depth: usize,
) {
    for (key, value) in body {
        if key == "#attributes" || key.starts_with('@') {
            continue;
        }
        match value {
            Json::Obj(obj) if get(obj, "#text").is_none() => {
                if depth < 32 {
                    flatten_user_data(obj, out, depth + 1);
                }
            }
            other => out.push((field_name(key), element_value(other))),
        }
    }
}
