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
use super::{Event, FieldValue};
use crate::text::Text;
use serde_json::{Map, Value};
use std::borrow::Cow;

/// Flattens one evtx_dump record; `None` when `value` is not shaped `{"Event":{"System":{…}}}`.
pub fn flatten_windows(value: &Value) -> Option<Event> {
    let event = value.as_object()?.get("Event")?.as_object()?;
    let system = event.get("System")?.as_object()?;

    let mut sys: Vec<(Cow<'_, str>, FieldValue)> = Vec::with_capacity(16);
    flatten_system(system, &mut sys);

    let mut data: Vec<(Cow<'_, str>, FieldValue)> = Vec::with_capacity(32);
    if let Some(Value::Object(ed)) = event.get("EventData") {
        flatten_event_data(ed, &mut data);
    }
    if let Some(Value::Object(ud)) = event.get("UserData") {
        for body in ud.values() {
            if let Value::Object(body) = body {
                flatten_user_data(body, &mut data, 0);
            }
        }
    }

    let mut out = Event::new();
    for (name, value) in sys {
        if data.iter().any(|(n, _)| *n == name) {
            out.insert(format!("System_{name}"), value);
        } else {
            out.insert(name, value);
        }
    }
    for (name, value) in data {
        out.insert(name, value);
    }
    Some(out)
}

/// True for a key that holds XML attributes: evtx_dump's `#attributes` or xmltodict's `@Name`.
fn attributes(obj: &Map<String, Value>) -> impl Iterator<Item = (&str, &Value)> {
    let nested = match obj.get("#attributes") {
        Some(Value::Object(a)) => Some(a.iter().map(|(k, v)| (k.as_str(), v))),
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

fn flatten_system<'a>(system: &'a Map<String, Value>, out: &mut Vec<(Cow<'a, str>, FieldValue)>) {
    for (key, value) in system {
        match value {
            Value::Null => {}
            Value::Object(obj) => {
                if let Some(text) = obj.get("#text") {
                    if !text.is_null() {
                        out.push((Cow::Borrowed(key.as_str()), FieldValue::from_json(text)));
                    }
                }
                for (attr, v) in attributes(obj) {
                    if is_xmlns(attr) || v.is_null() {
                        continue;
                    }
                    let name = if key == "EventID" && attr == "Qualifiers" {
                        Cow::Borrowed("Qualifiers")
                    } else {
                        Cow::Owned(format!("{key}_{attr}"))
                    };
                    out.push((name, FieldValue::from_json(v)));
                }
            }
            other => out.push((Cow::Borrowed(key.as_str()), FieldValue::from_json(other))),
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

/// The value of an element: a scalar as is, `{"#text": v}` as `v`, anything else as JSON text.
fn element_value(v: &Value) -> FieldValue {
    match v {
        Value::Object(obj) => match obj.get("#text") {
            Some(text) => FieldValue::from_json(text),
            None if obj.keys().all(|k| k.starts_with('@') || k == "#attributes") => {
                FieldValue::Null
            }
            None => FieldValue::from_json(v),
        },
        other => FieldValue::from_json(other),
    }
}

fn flatten_event_data<'a>(ed: &'a Map<String, Value>, out: &mut Vec<(Cow<'a, str>, FieldValue)>) {
    for (key, value) in ed {
        if key == "#attributes" || key.starts_with('@') {
            continue;
        }
        if key == "Data" || key == "#text" {
            match value {
                // evtx_dump: unnamed <Data> elements → {"#text": "…"} or {"#text": ["…", …]}.
                Value::Object(obj) if obj.contains_key("#text") || obj.contains_key("@Name") => {
                    push_data_element(obj, out);
                    continue;
                }
                // xmltodict: a list of {"@Name": …, "#text": …} (or plain strings).
                Value::Array(items) if items.iter().any(|i| i.get("@Name").is_some()) => {
                    let mut unnamed = Vec::new();
                    for item in items {
                        match item {
                            Value::Object(obj) if obj.contains_key("@Name") => {
                                push_data_element(obj, out)
                            }
                            other => unnamed.push(element_value(other)),
                        }
                    }
                    if !unnamed.is_empty() {
                        let v = if unnamed.len() == 1 {
                            unnamed.pop().unwrap()
                        } else {
                            FieldValue::List(unnamed)
                        };
                        out.push((Cow::Borrowed("Data"), v));
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
fn push_data_element<'a>(obj: &'a Map<String, Value>, out: &mut Vec<(Cow<'a, str>, FieldValue)>) {
    match obj.get("@Name").and_then(Value::as_str) {
        Some(name) => {
            let v = obj
                .get("#text")
                .map_or(FieldValue::Str(Text::new("")), FieldValue::from_json);
            out.push((field_name(name), v));
        }
        None => out.push((
            Cow::Borrowed("Data"),
            obj.get("#text")
                .map_or(FieldValue::Null, FieldValue::from_json),
        )),
    }
}

/// `UserData.<Element>`: leaves become fields; nested elements are walked (their own attributes are
/// not fields, as in the reference flattening).
fn flatten_user_data<'a>(
    body: &'a Map<String, Value>,
    out: &mut Vec<(Cow<'a, str>, FieldValue)>,
    depth: usize,
) {
    for (key, value) in body {
        if key == "#attributes" || key.starts_with('@') {
            continue;
        }
        match value {
            Value::Object(obj) if !obj.contains_key("#text") => {
                if depth < 32 {
                    flatten_user_data(obj, out, depth + 1);
                }
            }
            other => out.push((field_name(key), element_value(other))),
        }
    }
}
