//! Event Viewer XML ("Details" → "XML View", `wevtutil qe /f:xml`, `Get-WinEvent | % ToXml`): one
//! `<Event>`, several in a row, or several inside `<Events>…</Events>`.
//!
//! Each `<Event>` is turned into the JSON shape evtx_dump writes and flattened by
//! [`flatten_windows`](super::flatten_windows), so XML and evtx_dump JSON give the same field names.
//!
//! Types. XML has none, evtx_dump takes them from the event's binary template. We give:
//! - `EventID`, `Qualifiers`, `Version`, `Level`, `Task`, `Opcode`, `EventRecordID`,
//!   `Execution_ProcessID`, `Execution_ThreadID`: integers (as evtx_dump does for every event);
//! - EventData values: strings, except the Sysmon fields evtx_dump renders as numbers
//!   (`ProcessId`, `ParentProcessId`, `TerminalSessionId`, `SourcePort`, `DestinationPort`,
//!   `SourceProcessId`, `TargetProcessId`, `SourceThreadId`, `NewThreadId`) or booleans (`Initiated`,
//!   `SourceIsIpv6`, `DestinationIsIpv6`, `IsExecutable`), and Security's `LogonType` and
//!   `KeyLength` (numbers in evtx_dump) — only when the text is a plain decimal number / `true` or
//!   `false`. A table per provider rather than "anything that looks like a number": for other
//!   providers evtx_dump mixes both (Security's `IpPort` is the string `"0"`, its `LogonType` the
//!   number `3`), and rule values match numbers and numeric strings alike, so guessing would only make
//!   the shown types disagree with evtx_dump more often;
//! - an empty `<Data Name="X"/>` is the empty string; other empty elements are `null`;
//! - UserData leaves stay strings; repeated child names get `_1`, `_2`, … as in evtx_dump.
//!
//! An empty `Qualifiers=""` attribute is dropped. XML syntax errors stop reading (events before them
//! are kept) and are reported with line and column; an `<Event>` without `<System>` is an error in
//! its place and reading goes on.
use super::input::Positions;
use super::{flatten_windows, Event, EventError, EventFormat, EventInput};
use crate::source::Span;
use quick_xml::events::{BytesStart, Event as XmlEvent};
use quick_xml::Reader;
use serde_json::{Map, Value};

/// Deeper element nesting than this is refused (Windows events are 4–6 levels deep).
const MAX_DEPTH: usize = 64;

/// One element, kept only while its `<Event>` is being read.
#[derive(Debug, Default)]
struct Node {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<Node>,
    text: String,
    start: usize,
}

impl Node {
    fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn plain_attrs(&self) -> impl Iterator<Item = &(String, String)> {
        self.attrs
            .iter()
            .filter(|(k, _)| k != "xmlns" && !k.starts_with("xmlns:"))
    }
}

pub(super) fn parse_xml(text: &str, start: usize) -> EventInput {
    let mut pos = Positions::new(text);
    let mut out: Vec<Result<Event, EventError>> = Vec::new();
    let mut reader = Reader::from_str(&text[start..]);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Node> = Vec::new();
    // Depth of the `<Events>` wrapper (0 or 1): elements closing at this depth are events.
    let mut base = 0usize;
    let mut wrapper_seen = false;

    loop {
        let before = start + reader.buffer_position() as usize;
        let ev = match reader.read_event() {
            Ok(ev) => ev,
            Err(e) => {
                let at = start + reader.error_position() as usize;
                out.push(Err(pos.error(format!("XML error: {e}"), at)));
                break;
            }
        };
        let result: Result<(), (String, usize)> = match ev {
            XmlEvent::Start(e) => {
                if stack.len() == base && base == 0 && !wrapper_seen && local(&e) == "Events" {
                    base = 1;
                    wrapper_seen = true;
                    stack.push(Node {
                        name: "Events".into(),
                        start: before,
                        ..Node::default()
                    });
                    Ok(())
                } else if stack.len() >= MAX_DEPTH {
                    Err(("the XML is nested too deeply".into(), before))
                } else {
                    new_node(&e, before).map(|n| stack.push(n))
                }
            }
            XmlEvent::Empty(e) => new_node(&e, before).map(|n| {
                let end = start + reader.buffer_position() as usize;
                close(n, end, &mut stack, base, &mut out, &mut pos);
            }),
            XmlEvent::End(_) => {
                let end = start + reader.buffer_position() as usize;
                match stack.pop() {
                    Some(n) if base == 1 && stack.is_empty() => {
                        base = 0;
                        drop(n);
                        Ok(())
                    }
                    Some(n) => {
                        close(n, end, &mut stack, base, &mut out, &mut pos);
                        Ok(())
                    }
                    None => Err(("a closing tag without an opening one".into(), before)),
                }
            }
            XmlEvent::Text(t) => match t.unescape() {
                Ok(s) => {
                    if stack.len() > base {
                        if let Some(n) = stack.last_mut() {
                            n.text.push_str(&s);
                        }
                        Ok(())
                    } else if s.trim().is_empty() {
                        Ok(())
                    } else {
                        Err((
                            "text outside of an <Event> element".into(),
                            before + (s.len() - s.trim_start().len()),
                        ))
                    }
                }
                Err(e) => Err((format!("XML error: {e}"), before)),
            },
            XmlEvent::CData(c) => {
                if stack.len() > base {
                    if let Some(n) = stack.last_mut() {
                        n.text.push_str(&String::from_utf8_lossy(&c));
                    }
                }
                Ok(())
            }
            XmlEvent::Eof => {
                if let Some(open) = stack.last() {
                    let msg = format!("<{}> is not closed (the XML is cut short)", open.name);
                    out.push(Err(pos.error(msg, text.len())));
                }
                break;
            }
            // Declarations, comments, processing instructions, DOCTYPE.
            _ => Ok(()),
        };
        if let Err((message, at)) = result {
            out.push(Err(pos.error(message, at)));
            break;
        }
    }
    EventInput {
        format: Some(EventFormat::EventXml),
        events: out,
    }
}

fn local(e: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(e.local_name().as_ref()).into_owned()
}

fn new_node(e: &BytesStart<'_>, start: usize) -> Result<Node, (String, usize)> {
    let mut attrs = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|err| (format!("XML error: {err}"), start))?;
        let value = a
            .unescape_value()
            .map_err(|err| (format!("XML error: {err}"), start))?;
        attrs.push((
            String::from_utf8_lossy(a.key.as_ref()).into_owned(),
            value.into_owned(),
        ));
    }
    Ok(Node {
        name: local(e),
        attrs,
        start,
        ..Node::default()
    })
}

/// An element is complete: attach it to its parent, or, at the top, turn it into an event.
fn close(
    node: Node,
    end: usize,
    stack: &mut [Node],
    base: usize,
    out: &mut Vec<Result<Event, EventError>>,
    pos: &mut Positions<'_>,
) {
    if stack.len() > base {
        if let Some(parent) = stack.last_mut() {
            parent.children.push(node);
        }
        return;
    }
    if node.name != "Event" {
        let msg = format!("expected an <Event> element, found <{}>", node.name);
        out.push(Err(pos.error(msg, node.start)));
        return;
    }
    match event_json(&node).as_ref().and_then(flatten_windows) {
        Some(mut event) => {
            event.span = Span::new(node.start, end);
            event.format = Some(EventFormat::EventXml);
            out.push(Ok(event));
        }
        None => out.push(Err(
            pos.error("this <Event> has no <System> element".into(), node.start)
        )),
    }
}

/// The evtx_dump JSON of one `<Event>`.
fn event_json(node: &Node) -> Option<Value> {
    let system = node.child("System")?;
    let provider = system
        .child("Provider")
        .and_then(|p| p.attr("Name"))
        .unwrap_or("");
    let mut ev = Map::new();
    let attrs: Map<String, Value> = node
        .attrs
        .iter()
        .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
        .collect();
    if !attrs.is_empty() {
        ev.insert("#attributes".into(), Value::Object(attrs));
    }
    ev.insert("System".into(), system_json(system));
    for child in &node.children {
        match child.name.as_str() {
            "System" => {}
            "EventData" => {
                ev.insert("EventData".into(), event_data_json(child, provider));
            }
            _ => {
                ev.insert(child.name.clone(), generic_json(child, 0));
            }
        }
    }
    let mut root = Map::new();
    root.insert("Event".into(), Value::Object(ev));
    Some(Value::Object(root))
}

/// A decimal integer as evtx_dump writes it; anything else stays a string.
fn int_or_str(s: &str) -> Value {
    let t = s.trim();
    match t.parse::<i64>() {
        Ok(i)
            if !t.starts_with('+') && (t == "0" || !t.trim_start_matches('-').starts_with('0')) =>
        {
            Value::from(i)
        }
        _ => Value::from(s),
    }
}

fn system_json(system: &Node) -> Value {
    let mut map = Map::new();
    for c in &system.children {
        let text = c.text.trim();
        let value = match c.name.as_str() {
            "EventID" => {
                let id = int_or_str(text);
                match c.attr("Qualifiers").filter(|q| !q.trim().is_empty()) {
                    Some(q) => {
                        let mut attrs = Map::new();
                        attrs.insert("Qualifiers".into(), int_or_str(q));
                        let mut m = Map::new();
                        m.insert("#attributes".into(), Value::Object(attrs));
                        m.insert("#text".into(), id);
                        Value::Object(m)
                    }
                    None => id,
                }
            }
            name => {
                let attrs: Map<String, Value> = c
                    .plain_attrs()
                    .map(|(k, v)| {
                        let typed = match (name, k.as_str()) {
                            ("Execution", "ProcessID" | "ThreadID") => int_or_str(v),
                            _ => Value::from(v.as_str()),
                        };
                        (k.clone(), typed)
                    })
                    .collect();
                if !attrs.is_empty() {
                    let mut m = Map::new();
                    m.insert("#attributes".into(), Value::Object(attrs));
                    if !text.is_empty() {
                        m.insert("#text".into(), Value::from(text));
                    }
                    Value::Object(m)
                } else if text.is_empty() {
                    Value::Null
                } else if matches!(
                    name,
                    "Version" | "Level" | "Task" | "Opcode" | "EventRecordID"
                ) {
                    int_or_str(text)
                } else {
                    Value::from(text)
                }
            }
        };
        map.insert(c.name.clone(), value);
    }
    Value::Object(map)
}

/// EventData fields evtx_dump renders as numbers (`Some(false)`) or booleans (`Some(true)`).
fn typed_field(provider: &str, name: &str) -> Option<bool> {
    match provider {
        "Microsoft-Windows-Sysmon" => match name {
            "ProcessId" | "ParentProcessId" | "TerminalSessionId" | "SourcePort"
            | "DestinationPort" | "SourceProcessId" | "TargetProcessId" | "SourceThreadId"
            | "NewThreadId" => Some(false),
            "Initiated" | "SourceIsIpv6" | "DestinationIsIpv6" | "IsExecutable" => Some(true),
            _ => None,
        },
        "Microsoft-Windows-Security-Auditing" => match name {
            "LogonType" | "KeyLength" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

fn data_value(provider: &str, name: &str, text: &str) -> Value {
    match typed_field(provider, name) {
        Some(false) => int_or_str(text),
        Some(true) if text == "true" => Value::Bool(true),
        Some(true) if text == "false" => Value::Bool(false),
        _ => Value::from(text),
    }
}

fn event_data_json(node: &Node, provider: &str) -> Value {
    let mut map = Map::new();
    let attrs: Map<String, Value> = node
        .plain_attrs()
        .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
        .collect();
    if !attrs.is_empty() {
        map.insert("#attributes".into(), Value::Object(attrs));
    }
    let mut unnamed: Vec<Value> = Vec::new();
    for c in &node.children {
        if c.name == "Data" {
            match c.attr("Name") {
                Some(name) => {
                    map.insert(name.to_string(), data_value(provider, name, &c.text));
                }
                None => unnamed.push(Value::from(c.text.as_str())),
            }
        } else {
            let v = if c.text.is_empty() {
                Value::Null
            } else {
                Value::from(c.text.as_str())
            };
            map.insert(c.name.clone(), v);
        }
    }
    if !unnamed.is_empty() {
        let text = if unnamed.len() == 1 {
            unnamed.pop().unwrap_or(Value::Null)
        } else {
            Value::Array(unnamed)
        };
        let mut m = Map::new();
        m.insert("#text".into(), text);
        map.insert("Data".into(), Value::Object(m));
    }
    Value::Object(map)
}

/// Any other element (UserData and what is inside): children by name (`_1`, `_2` for repeats),
/// attributes under `#attributes`, text as `#text` or as the value itself.
fn generic_json(node: &Node, depth: usize) -> Value {
    let attrs: Map<String, Value> = node
        .attrs
        .iter()
        .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
        .collect();
    if node.children.is_empty() && attrs.is_empty() {
        return if node.text.is_empty() {
            Value::Null
        } else {
            Value::from(node.text.as_str())
        };
    }
    let mut map = Map::new();
    if !attrs.is_empty() {
        map.insert("#attributes".into(), Value::Object(attrs));
    }
    if node.children.is_empty() {
        if !node.text.is_empty() {
            map.insert("#text".into(), Value::from(node.text.as_str()));
        }
        return Value::Object(map);
    }
    for c in &node.children {
        let mut name = c.name.clone();
        let mut n = 0;
        while map.contains_key(&name) {
            n += 1;
            name = format!("{}_{n}", c.name);
        }
        map.insert(
            name,
            if depth < MAX_DEPTH {
                generic_json(c, depth + 1)
            } else {
                Value::Null
            },
        );
    }
    Value::Object(map)
}
