//! Event input: shape detection, errors with positions, robustness, Windows flattening against the
//! shared corpus (`../shared/corpus`, skipped with a message where absent), Event Viewer XML.
use serde_json::Value;
use sigmaplay_engine::{flatten_windows, parse_events, Event, EventFormat, EventInput, FieldValue};
mod common;

use common::{files_under, shared};
use std::path::Path;

fn ok_events(input: &EventInput) -> Vec<&Event> {
    input
        .events
        .iter()
        .filter_map(|e| e.as_ref().ok())
        .collect()
}

fn errors(input: &EventInput) -> Vec<(usize, usize, String)> {
    input
        .events
        .iter()
        .filter_map(|e| e.as_ref().err())
        .map(|e| (e.line, e.column, e.message.clone()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Shape detection

#[test]
fn empty_input() {
    for text in ["", "   \n\t\r\n ", "\u{feff}"] {
        let input = parse_events(text);
        assert_eq!(input.format, Some(EventFormat::Empty));
        assert!(input.events.is_empty());
    }
}

#[test]
fn single_object() {
    let text = "\n  {\"EventID\": 1, \"Image\": \"C:\\\\a.exe\", \"p\": {\"q\": [1, 2]}}\n";
    let input = parse_events(text);
    assert_eq!(input.format, Some(EventFormat::JsonObject));
    let events = ok_events(&input);
    assert_eq!(events.len(), 1);
    let e = events[0];
    assert_eq!(e.get("EventID"), Some(&FieldValue::Int(1)));
    assert_eq!(
        e.get("Image").map(FieldValue::display).as_deref(),
        Some("C:\\a.exe")
    );
    assert!(e.get("p.q").is_some());
    assert_eq!(&text[e.span.start..e.span.end], text.trim());
    assert_eq!(e.format, Some(EventFormat::JsonObject));
    // Field order is the input order.
    let names: Vec<&str> = e.fields().map(|(n, _)| n).collect();
    assert_eq!(names, ["EventID", "Image", "p.q"]);
}

#[test]
fn pretty_single_object() {
    let text = "{\n  \"a\": 1,\n  \"b\": \"x\"\n}\n";
    let input = parse_events(text);
    assert_eq!(input.format, Some(EventFormat::JsonObject));
    assert_eq!(ok_events(&input).len(), 1);
}

#[test]
fn json_array() {
    let text = "[ {\"a\": 1},\n {\"a\": 2} , {\"b\": true} ]";
    let input = parse_events(text);
    assert_eq!(input.format, Some(EventFormat::JsonArray));
    let events = ok_events(&input);
    assert_eq!(events.len(), 3);
    assert_eq!(
        &text[events[1].span.start..events[1].span.end],
        "{\"a\": 2}"
    );
    assert_eq!(events[2].get("b"), Some(&FieldValue::Bool(true)));
    assert!(parse_events("[]").events.is_empty());
    assert_eq!(parse_events("[]").format, Some(EventFormat::JsonArray));
}

#[test]
fn json_array_errors() {
    let input = parse_events("[{\"a\": 1}, {\"a\": }]");
    assert_eq!(ok_events(&input).len(), 1);
    let errs = errors(&input);
    assert_eq!(errs.len(), 1);
    assert_eq!((errs[0].0, errs[0].1), (1, 18));
    let input = parse_events("[{\"a\": 1},\n {\"a\": 2}");
    assert_eq!(ok_events(&input).len(), 2);
    assert!(
        errors(&input)[0].2.contains("not closed"),
        "{:?}",
        errors(&input)
    );
    let input = parse_events("[{\"a\": 1} {\"a\": 2}]");
    assert_eq!(
        errors(&input)[0].2,
        "expected ',' or ']' after an array element"
    );
    let input = parse_events("[{\"a\": 1}] x");
    assert_eq!(errors(&input)[0].2, "unexpected text after the JSON array");
}

#[test]
fn json_lines_with_bad_line() {
    let text =
        "{\"n\": 1}\n{\"n\": 2}\r\n\n  {\"n\": 3, \"x\": }\n{\"n\": 4}\n{\"é\": \"ü\", oops}\n";
    let input = parse_events(text);
    assert_eq!(input.format, Some(EventFormat::JsonLines));
    assert_eq!(input.events.len(), 5);
    assert!(input.events[0].is_ok() && input.events[1].is_ok() && input.events[3].is_ok());
    let e = input.events[2].as_ref().unwrap_err();
    assert_eq!((e.line, e.column), (4, 17), "{e:?}");
    assert_eq!(&text[e.span.start..e.span.end], "}");
    assert!(!e.message.contains("line"), "{}", e.message);
    // Columns count characters, not bytes.
    let e = input.events[4].as_ref().unwrap_err();
    assert_eq!((e.line, e.column), (6, 12), "{e:?}");
    let ev = input.events[3].as_ref().unwrap();
    assert_eq!(&text[ev.span.start..ev.span.end], "{\"n\": 4}");
    assert_eq!(ev.format, Some(EventFormat::JsonLines));
}

#[test]
fn json_stream_of_pretty_objects() {
    let text = "{\n  \"a\": 1\n}\n{\n  \"a\": 2\n}{\"a\":3}\n";
    let input = parse_events(text);
    assert_eq!(input.format, Some(EventFormat::JsonStream));
    let events = ok_events(&input);
    assert_eq!(events.len(), 3);
    assert_eq!(
        &text[events[1].span.start..events[1].span.end],
        "{\n  \"a\": 2\n}"
    );
}

#[test]
fn evtx_dump_record_headers_are_skipped() {
    let text = "Record 1\n{\n  \"a\": 1\n}\nRecord 2\r\n{\n  \"a\": 2\n}\n";
    let input = parse_events(text);
    assert_eq!(input.format, Some(EventFormat::JsonStream));
    assert_eq!(ok_events(&input).len(), 2, "{:?}", errors(&input));
    assert!(errors(&input).is_empty());
    let input = parse_events("Record x\n{}");
    assert_eq!(input.format, None);
}

#[test]
fn json_stream_error_and_resync() {
    let text = "{\n  \"a\": 1\n}\n{\n  \"a\": ,\n  \"b\": 2\n}\n{\n  \"a\": 3\n}\n";
    let input = parse_events(text);
    assert_eq!(input.format, Some(EventFormat::JsonStream));
    assert_eq!(input.events.len(), 3);
    let e = input.events[1].as_ref().unwrap_err();
    assert_eq!((e.line, e.column), (5, 8), "{e:?}");
    assert_eq!(
        input.events[2].as_ref().unwrap().get("a"),
        Some(&FieldValue::Int(3))
    );
    let input = parse_events("{\"a\": 1} trailing");
    assert_eq!(input.format, Some(EventFormat::JsonObject));
    assert_eq!(errors(&input)[0].0..errors(&input)[0].1, 1..10);
}

#[test]
fn truncated_json() {
    let input = parse_events("{\n  \"Event\": {\n    \"System\": {\"EventID\": 1");
    assert_eq!(input.format, Some(EventFormat::JsonObject));
    let errs = errors(&input);
    assert_eq!(errs.len(), 1);
    assert!(errs[0].2.contains("cut short"), "{errs:?}");
    assert_eq!(errs[0].0, 3);
}

#[test]
fn not_json_or_xml() {
    let input = parse_events("  hello");
    assert_eq!(input.format, None);
    let errs = errors(&input);
    assert_eq!((errs[0].0, errs[0].1), (1, 3));
}

#[test]
fn evtx_shapes_are_reported() {
    let one = r#"{"Event": {"System": {"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational"}, "EventData": {"Image": "x"}}}"#;
    let input = parse_events(one);
    assert_eq!(input.format, Some(EventFormat::EvtxJson));
    let e = ok_events(&input)[0];
    assert_eq!(e.format, Some(EventFormat::EvtxJson));
    assert_eq!(e.channel(), Some("Microsoft-Windows-Sysmon/Operational"));
    assert_eq!(e.event_id(), Some(1));
    let stream = format!("{one}\n{one}\n");
    assert_eq!(parse_events(&stream).format, Some(EventFormat::EvtxJson));
    let mixed = format!("{one}\n{{\"a\": 1}}\n");
    let input = parse_events(&mixed);
    assert_eq!(input.format, Some(EventFormat::JsonLines));
    assert_eq!(ok_events(&input)[0].format, Some(EventFormat::EvtxJson));
    assert_eq!(ok_events(&input)[1].format, Some(EventFormat::JsonLines));
}

#[test]
fn byte_order_mark_is_skipped() {
    let input = parse_events("\u{feff}{\"a\": 1}");
    assert_eq!(input.format, Some(EventFormat::JsonObject));
    assert_eq!(ok_events(&input)[0].span.start, 3);
}

#[test]
fn parsed_events_equal_event_from_json() {
    // parse_events reads values without serde_json::Value; the events must be those of Event::from_json.
    let cases = [
        r##"{"a": 1, "b": -2, "c": 1.5, "d": true, "e": null, "f": "x\\y\u00e9", "g": [1, "two", [3]], "h": 18446744073709551615}"##,
        r##"{"n": {"a": {"b": 1}, "c": []}, "e": {}, "l": [{"x": 1}, {"x": 2, "y": 3}], "m": [[{"z": 1}]]}"##,
        r##"{"a": 1, "a": 2, "b\"q": 3}"##,
        r##"{"Event": {"System": {"EventID": 1, "Channel": "c"}, "EventData": {"Data": {"#text": ["a", {"o": 1}]}, "X": {"k": "v"}}}}"##,
        r##"{"Event": {"System": {"EventID": {"#text": "5"}, "Provider": {"@Name": "P"}}, "UserData": {"U": {"A": {"B": "c"}, "D": null}}}}"##,
    ];
    for case in cases {
        let value: Value = serde_json::from_str(case).unwrap();
        let want = Event::from_json(&value);
        let input = parse_events(case);
        let got = ok_events(&input)[0];
        assert_eq!(got.to_json(), want.to_json(), "{case}");
        let names: Vec<&str> = got.fields().map(|(n, _)| n).collect();
        let want_names: Vec<&str> = want.fields().map(|(n, _)| n).collect();
        assert_eq!(names, want_names, "{case}");
        for (n, v) in want.fields() {
            assert_eq!(got.get(n), Some(v), "{case}: {n}");
        }
    }
    for case in ["[1, \"a\", [2]]", "[{\"a\": {\"b\": 1}}]"] {
        let value: Value = serde_json::from_str(case).unwrap();
        let input = parse_events(case);
        for (got, v) in ok_events(&input).iter().zip(value.as_array().unwrap()) {
            assert_eq!(got.to_json(), Event::from_json(v).to_json(), "{case}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Robustness: nothing panics, work stays linear.

#[test]
fn garbage_never_panics() {
    let mut cases: Vec<String> = vec![
        "{".into(),
        "[".into(),
        "<".into(),
        "{\"a\"".into(),
        "[{\"a\":1},".into(),
        "<Event><System>".into(),
        "<Event><System></Event>".into(),
        "<Events><Event></Events>".into(),
        "</Event>".into(),
        "<Event>&bogus;</Event>".into(),
        "<Event a='1' a='2'/>".into(),
        "<?xml version='1.0'?><!-- c --><Event><System><EventID>x</EventID></System></Event>".into(),
        "{\"a\":1}\n{\"b\":\n".into(),
        "\u{0}\u{1}\u{7f}\u{fffd}".into(),
        "{\"\u{0}\": \"\\ud800\"}".into(),
        "{\n\n\n".into(),
        "{}\n{}\n{".into(),
        "[1, \"two\", null, [3], {\"x\": {}}]".into(),
        "{\"a\": 1e999}".into(),
        "{\"a\": 18446744073709551615}".into(),
        "{\"a\": -9223372036854775809}".into(),
        "{\"Event\": {\"System\": null}}".into(),
        "{\"Event\": {\"System\": {\"EventID\": {\"#text\": null}}, \"EventData\": {\"Data\": {\"#text\": [1, {\"x\": 2}]}}}}".into(),
        "{\"Event\": {\"System\": {}, \"UserData\": {\"A\": {\"B\": {\"C\": {\"D\": 1}}}}, \"EventData\": [1]}}".into(),
    ];
    // Deep nesting: serde_json's recursion limit and the XML depth limit.
    cases.push("[".repeat(100_000));
    cases.push("{\"a\":".repeat(100_000));
    cases.push(format!("{}1{}", "[".repeat(5000), "]".repeat(5000)));
    cases.push(format!(
        "{{\"a\": {}1{}}}",
        "[".repeat(127),
        "]".repeat(127)
    ));
    cases.push("<a>".repeat(100_000));
    cases.push(format!(
        "<Event><System>{}</System></Event>",
        "<x>".repeat(1000)
    ));
    // Binary-looking text (every byte value that is valid UTF-8 as one char).
    let binary: String = (0u32..0x800)
        .filter_map(char::from_u32)
        .cycle()
        .take(50_000)
        .collect();
    cases.push(binary.clone());
    cases.push(format!("{{{binary}"));
    cases.push(format!("<{binary}"));
    cases.push(format!("[{binary}"));
    // Pseudo-random garbage built from JSON/XML punctuation.
    let alphabet: Vec<char> = "{}[]<>/\"':,=&;!?- \n\tabc012\\u".chars().collect();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for len in [1usize, 2, 3, 5, 8, 13, 40, 200, 2000] {
        for first in ['{', '[', '<', 'x'] {
            let mut s = String::from(first);
            for _ in 0..len {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                s.push(alphabet[(seed % alphabet.len() as u64) as usize]);
            }
            cases.push(s);
        }
    }
    // Huge lines.
    cases.push(format!("{{\"a\": \"{}\"}}", "x".repeat(5_000_000)));
    cases.push(format!("{{\"a\": \"{}", "y".repeat(5_000_000)));
    for text in &cases {
        let input = parse_events(text);
        for r in &input.events {
            match r {
                Ok(e) => assert!(e.span.end <= text.len() && e.span.start <= e.span.end),
                Err(err) => {
                    assert!(err.line >= 1 && err.column >= 1, "{err:?}");
                    assert!(
                        err.span.end <= text.len() && text.is_char_boundary(err.span.start),
                        "{err:?}"
                    );
                }
            }
        }
    }
    // A deeply nested document is an error, not a crash.
    let deep = parse_events(&"[".repeat(100_000));
    assert!(
        errors(&deep)[0].2.contains("recursion limit"),
        "{:?}",
        errors(&deep)
    );
    let deep = parse_events(&"<a>".repeat(100_000));
    assert!(
        errors(&deep)[0].2.contains("nested too deeply"),
        "{:?}",
        errors(&deep)
    );
}

#[test]
fn many_bad_lines_stay_linear() {
    // 200,000 malformed lines: positions are computed as lines go by, not from the start each time.
    let text = "{\"a\": oops}\n".repeat(200_000);
    let t = std::time::Instant::now();
    let input = parse_events(&text);
    assert_eq!(input.events.len(), 200_000);
    let last = input.events.last().unwrap().as_ref().unwrap_err();
    assert_eq!(last.line, 200_000);
    let mut stream = String::new();
    for _ in 0..20_000 {
        stream.push_str("{\n  \"a\": oops\n}\n");
    }
    let input = parse_events(&stream);
    assert_eq!(input.events.len(), 20_000);
    assert_eq!(
        input.events.last().unwrap().as_ref().unwrap_err().line,
        59_999
    );
    assert!(t.elapsed().as_secs() < 20, "took {:?}", t.elapsed());
}

// ---------------------------------------------------------------------------------------------
// Windows flattening

#[test]
fn flatten_windows_rules() {
    let v: Value = serde_json::from_str(
        r##"{"Event": {"#attributes": {"xmlns": "x"},
            "System": {"Provider": {"#attributes": {"Name": "P", "Guid": "{G}", "EventSourceName": "S"}},
                       "EventID": {"#attributes": {"Qualifiers": 16384}, "#text": 7045},
                       "Level": 4, "Channel": "System", "Correlation": {"#attributes": {"ActivityID": "{A}", "RelatedActivityID": "{R}"}},
                       "Security": null, "Execution": {"#attributes": {"ProcessID": 1, "ThreadID": 2}}},
            "EventData": {"Threat Name": "Mimikatz", "Data": {"#text": ["a", "b"]}, "Initiated": true, "Level": "x"}}}"##,
    )
    .unwrap();
    let e = flatten_windows(&v).unwrap();
    let j = e.to_json();
    assert_eq!(j["EventID"], 7045);
    assert_eq!(j["Qualifiers"], 16384);
    assert_eq!(j["Provider_Name"], "P");
    assert_eq!(j["Provider_EventSourceName"], "S");
    assert_eq!(j["Correlation_RelatedActivityID"], "{R}");
    assert_eq!(j["Execution_ThreadID"], 2);
    assert_eq!(j["ThreatName"], "Mimikatz");
    assert_eq!(j["Data"], serde_json::json!(["a", "b"]));
    assert_eq!(j["Initiated"], true);
    assert_eq!(j["Level"], "x");
    assert_eq!(j["System_Level"], 4);
    assert!(j.get("Security_UserID").is_none() && j.get("Security").is_none());
    assert!(flatten_windows(&serde_json::json!({"EventID": 1})).is_none());
    assert!(flatten_windows(&serde_json::json!({"Event": {"EventData": {}}})).is_none());
}

#[test]
fn flatten_python_evtx_shape() {
    let v = serde_json::json!({"Event": {"@xmlns": "x", "System": {
        "Provider": {"@Name": "Microsoft-Windows-Security-Auditing", "@Guid": "{54849625}"},
        "EventID": {"@Qualifiers": "", "#text": "4688"}, "Channel": "Security"},
        "EventData": {"Data": [{"@Name": "NewProcessName", "#text": "C:\\x.exe"}, {"@Name": "Empty"}]}}});
    let j = flatten_windows(&v).unwrap().to_json();
    assert_eq!(j["Provider_Name"], "Microsoft-Windows-Security-Auditing");
    assert_eq!(j["EventID"], "4688");
    assert_eq!(j["NewProcessName"], "C:\\x.exe");
    assert_eq!(j["Empty"], "");
}

/// Compares two flat events; returns the differences.
fn diff(got: &Value, want: &Value) -> Option<String> {
    if got == want {
        return None;
    }
    let (Value::Object(g), Value::Object(w)) = (got, want) else {
        return Some(format!("{got} vs {want}"));
    };
    let mut out = Vec::new();
    for (k, v) in w {
        match g.get(k) {
            None => out.push(format!("missing {k}={v}")),
            Some(x) if x != v => out.push(format!("{k}: got {x}, want {v}")),
            _ => {}
        }
    }
    for (k, v) in g {
        if !w.contains_key(k) {
            out.push(format!("extra {k}={v}"));
        }
    }
    Some(out.join("; "))
}

#[test]
fn windows_samples_flatten_like_reference() {
    let Some(shared) = shared() else { return };
    let raw_dir = shared.join("corpus/windows-samples/raw");
    let flat_dir = shared.join("corpus/windows-samples/flat");
    let mut files = Vec::new();
    files_under(&raw_dir, "jsonl", &mut files);
    assert!(
        !files.is_empty(),
        "no raw files under {}",
        raw_dir.display()
    );
    let (mut total, mut same, mut via_parse) = (0usize, 0usize, 0usize);
    let mut failures = Vec::new();
    for raw_path in &files {
        let flat_path = flat_dir.join(raw_path.strip_prefix(&raw_dir).unwrap());
        let raw = std::fs::read_to_string(raw_path).unwrap();
        let flat = std::fs::read_to_string(&flat_path).unwrap();
        let raw_lines: Vec<&str> = raw.lines().filter(|l| !l.trim().is_empty()).collect();
        let flat_lines: Vec<&str> = flat.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(raw_lines.len(), flat_lines.len(), "{}", raw_path.display());
        // The whole file through parse_events (JSON Lines, or one object).
        let input = parse_events(&raw);
        assert_eq!(
            input.format,
            Some(EventFormat::EvtxJson),
            "{}",
            raw_path.display()
        );
        assert_eq!(
            input.events.len(),
            raw_lines.len(),
            "{}",
            raw_path.display()
        );
        for (i, (r, f)) in raw_lines.iter().zip(&flat_lines).enumerate() {
            total += 1;
            let want: Value = serde_json::from_str(f).unwrap();
            let value: Value = serde_json::from_str(r).unwrap();
            let got = flatten_windows(&value).expect("evtx shaped").to_json();
            match diff(&got, &want) {
                None => same += 1,
                Some(d) => failures.push(format!("{}:{}: {d}", raw_path.display(), i + 1)),
            }
            if let Ok(e) = &input.events[i] {
                if e.to_json() == got && &raw[e.span.start..e.span.end] == r.trim() {
                    via_parse += 1;
                }
            }
        }
    }
    println!(
        "{same}/{total} raw events flatten identically ({via_parse} the same through parse_events)"
    );
    for f in failures.iter().take(20) {
        println!("  {f}");
    }
    assert!(
        failures.is_empty(),
        "{} of {total} events differ",
        failures.len()
    );
    assert_eq!(via_parse, total);
    assert_eq!(same, total);
    assert_eq!(total, 24_661);
}

#[test]
fn regression_data_streams_parse() {
    let Some(shared) = shared() else { return };
    let mut files = Vec::new();
    files_under(
        &shared.join("corpus/sigmahq/regression_data"),
        "json",
        &mut files,
    );
    assert!(!files.is_empty());
    let mut events = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let input = parse_events(&text);
        assert!(
            errors(&input).is_empty(),
            "{}: {:?}",
            path.display(),
            errors(&input)
        );
        assert_eq!(
            input.format,
            Some(EventFormat::EvtxJson),
            "{}",
            path.display()
        );
        for e in ok_events(&input) {
            events += 1;
            assert!(e.event_id().is_some(), "{}", path.display());
            assert!(e.channel().is_some(), "{}", path.display());
            // The span holds exactly that event.
            let again: Value = serde_json::from_str(&text[e.span.start..e.span.end]).unwrap();
            assert_eq!(Event::from_json(&again).to_json(), e.to_json());
        }
    }
    println!("{} regression files, {events} events", files.len());
}

// ---------------------------------------------------------------------------------------------
// Event Viewer XML

/// Sysmon 3 from windows-samples, written by hand the way Event Viewer shows it.
const SYSMON3_XML: &str = r#"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
  <System>
    <Provider Name="Microsoft-Windows-Sysmon" Guid="{5770385f-c22a-43e0-bf4c-06f5698ffbd9}" />
    <EventID>3</EventID>
    <Version>5</Version>
    <Level>4</Level>
    <Task>3</Task>
    <Opcode>0</Opcode>
    <Keywords>0x8000000000000000</Keywords>
    <TimeCreated SystemTime="2021-11-30T22:05:50.8649217Z" />
    <EventRecordID>48104</EventRecordID>
    <Correlation />
    <Execution ProcessID="1048" ThreadID="1680" />
    <Channel>Microsoft-Windows-Sysmon/Operational</Channel>
    <Computer>fs03vuln.offsec.lan</Computer>
    <Security UserID="S-1-5-18" />
  </System>
  <EventData>
    <Data Name="RuleName">technique_id=T1086,technique_name=PowerShell</Data>
    <Data Name="UtcTime">2021-11-30 22:05:44.846</Data>
    <Data Name="ProcessGuid">{a57649d1-a03b-61a6-2f23-8d0000000000}</Data>
    <Data Name="ProcessId">2668</Data>
    <Data Name="Image">C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe</Data>
    <Data Name="User">OFFSEC\admmig</Data>
    <Data Name="Protocol">tcp</Data>
    <Data Name="Initiated">true</Data>
    <Data Name="SourceIsIpv6">false</Data>
    <Data Name="SourceIp">10.23.42.38</Data>
    <Data Name="SourceHostname">-</Data>
    <Data Name="SourcePort">62095</Data>
    <Data Name="SourcePortName">-</Data>
    <Data Name="DestinationIsIpv6">false</Data>
    <Data Name="DestinationIp">10.23.123.11</Data>
    <Data Name="DestinationHostname">-</Data>
    <Data Name="DestinationPort">443</Data>
    <Data Name="DestinationPortName">-</Data>
  </EventData>
</Event>"#;

/// Event 104 (log cleared) with UserData whose `Channel` clashes with System's.
const LOG_CLEARED_XML: &str = r#"<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Eventlog' Guid='{fc65ddd8-d6ef-4962-83d5-6e5cfe9ce148}'/><EventID>104</EventID><Version>0</Version><Level>4</Level><Task>104</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime='2021-10-25T18:04:30.3344711Z'/><EventRecordID>5073</EventRecordID><Correlation/><Execution ProcessID='712' ThreadID='1912'/><Channel>System</Channel><Computer>FS03.offsec.lan</Computer><Security UserID='S-1-5-21-4230534742-2542757381-3142984815-1111'/></System><UserData><LogFileCleared xmlns='http://manifests.microsoft.com/win/2004/08/windows/eventlog'><SubjectUserName>admmig</SubjectUserName><SubjectDomainName>OFFSEC</SubjectDomainName><Channel>System</Channel><BackupPath></BackupPath></LogFileCleared></UserData></Event>"#;

fn flat_line(shared: &Path, rel: &str, line: usize) -> Value {
    let text =
        std::fs::read_to_string(shared.join("corpus/windows-samples/flat").join(rel)).unwrap();
    serde_json::from_str(text.lines().nth(line - 1).unwrap()).unwrap()
}

#[test]
fn xml_flattens_like_evtx_dump() {
    let input = parse_events(SYSMON3_XML);
    assert_eq!(input.format, Some(EventFormat::EventXml));
    let events = ok_events(&input);
    assert_eq!(events.len(), 1, "{:?}", errors(&input));
    let e = events[0];
    assert_eq!(e.span.start..e.span.end, 0..SYSMON3_XML.len());
    assert_eq!(e.get("Initiated"), Some(&FieldValue::Bool(true)));
    assert_eq!(e.get("DestinationPort"), Some(&FieldValue::Int(443)));
    assert_eq!(e.get("EventID"), Some(&FieldValue::Int(3)));
    assert_eq!(e.channel(), Some("Microsoft-Windows-Sysmon/Operational"));
    let cleared = parse_events(LOG_CLEARED_XML);
    let c = ok_events(&cleared)[0].to_json();
    assert_eq!(c["Channel"], "System");
    assert_eq!(c["System_Channel"], "System");
    assert_eq!(c["BackupPath"], Value::Null);

    let Some(shared) = shared() else { return };
    let want = flat_line(
        &shared,
        "EVTX-to-MITRE-Attack/TA0002-Execution/T1047-Windows Management Instrumentation/ID3-7-10-Suspicious DLL loaded (CME+Mimikatz).jsonl",
        3,
    );
    assert_eq!(diff(&e.to_json(), &want), None);
    let want = flat_line(
        &shared,
        "EVTX-to-MITRE-Attack/TA0005-Defense Evasion/T1070.001-Clear Windows event logs/ID104-1102-Event log cleared.jsonl",
        1,
    );
    assert_eq!(diff(&c, &want), None);
}

#[test]
fn xml_several_events_and_wrapper() {
    let two = format!("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Events>\n{SYSMON3_XML}\n{LOG_CLEARED_XML}\n</Events>\n");
    let input = parse_events(&two);
    assert_eq!(input.format, Some(EventFormat::EventXml));
    let events = ok_events(&input);
    assert_eq!(events.len(), 2, "{:?}", errors(&input));
    assert_eq!(
        &two[events[1].span.start..events[1].span.end],
        LOG_CLEARED_XML
    );
    let bare = format!("{SYSMON3_XML}\n{LOG_CLEARED_XML}");
    assert_eq!(ok_events(&parse_events(&bare)).len(), 2);
}

#[test]
fn xml_event_data_details() {
    let xml = r#"<Event><System><Provider Name="PowerShell"/><EventID Qualifiers="0">800</EventID><Channel>Windows PowerShell</Channel></System>
<EventData><Data>one</Data><Data>two &amp; &lt;three&gt;</Data><Data Name="Threat Name">X</Data><Data Name="E"/><Binary>00FF</Binary></EventData>
<RenderingInfo Culture="en-US"><Message>ignored</Message></RenderingInfo></Event>"#;
    let input = parse_events(xml);
    let e = ok_events(&input)[0].to_json();
    assert_eq!(e["EventID"], 800);
    assert_eq!(e["Qualifiers"], 0);
    assert_eq!(e["Data"], serde_json::json!(["one", "two & <three>"]));
    assert_eq!(e["ThreatName"], "X");
    assert_eq!(e["E"], "");
    assert_eq!(e["Binary"], "00FF");
    assert!(e.get("Message").is_none());
}

#[test]
fn xml_errors_have_positions() {
    let input =
        parse_events("<Event>\n  <System>\n    <EventID>1</EventId>\n  </System>\n</Event>");
    let errs = errors(&input);
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].0, 3, "{errs:?}");
    let input = parse_events("<Event>\n  <System>\n");
    assert!(
        errors(&input)[0].2.contains("not closed"),
        "{:?}",
        errors(&input)
    );
    let input = parse_events(
        "<Event><EventData/></Event>\n<Event><System><EventID>2</EventID></System></Event>",
    );
    assert_eq!(input.events.len(), 2);
    assert!(input.events[0]
        .as_ref()
        .unwrap_err()
        .message
        .contains("no <System>"));
    assert_eq!(input.events[1].as_ref().unwrap().event_id(), Some(2));
    let input = parse_events("<Foo/>");
    assert!(errors(&input)[0].2.contains("expected an <Event>"));
}

// ---------------------------------------------------------------------------------------------
// Throughput (run with `cargo test --release -p sigmaplay-engine --test events -- --ignored --nocapture`)

#[test]
#[ignore]
fn parse_throughput() {
    let Some(shared) = shared() else { return };
    let mut files = Vec::new();
    files_under(
        &shared.join("corpus/windows-samples/raw"),
        "jsonl",
        &mut files,
    );
    let mut lines = String::new();
    'outer: loop {
        for f in &files {
            for l in std::fs::read_to_string(f).unwrap().lines() {
                lines.push_str(l);
                lines.push('\n');
                if lines.len() > 50 << 20 {
                    break 'outer;
                }
            }
        }
    }
    let n = lines.lines().count();
    let t = std::time::Instant::now();
    let input = parse_events(&lines);
    let dt = t.elapsed();
    assert_eq!(input.events.len(), n);
    println!(
        "evtx JSON Lines: {n} events, {} MB in {dt:?} ({:.0} MB/s)",
        lines.len() >> 20,
        lines.len() as f64 / dt.as_secs_f64() / 1e6
    );

    let flat_dir = shared.join("corpus/windows-samples/flat");
    let mut flat = String::new();
    let mut fl = Vec::new();
    files_under(&flat_dir, "jsonl", &mut fl);
    while flat.len() < 50 << 20 {
        for f in &fl {
            flat.push_str(&std::fs::read_to_string(f).unwrap());
        }
    }
    let n = flat.lines().count();
    let t = std::time::Instant::now();
    let input = parse_events(&flat);
    let dt = t.elapsed();
    assert_eq!(input.events.len(), n);
    println!(
        "flat JSON Lines: {n} events, {} MB in {dt:?} ({:.0} MB/s)",
        flat.len() >> 20,
        flat.len() as f64 / dt.as_secs_f64() / 1e6
    );

    // Pretty-printed stream (evtx_dump style).
    let mut stream = String::new();
    for l in lines.lines().take(100_000) {
        let v: Value = serde_json::from_str(l).unwrap();
        stream.push_str(&serde_json::to_string_pretty(&v).unwrap());
        stream.push('\n');
    }
    let n = stream.matches("\n{").count() + 1;
    let t = std::time::Instant::now();
    let input = parse_events(&stream);
    let dt = t.elapsed();
    assert_eq!(input.events.len(), n);
    println!(
        "evtx stream: {n} events, {} MB in {dt:?} ({:.0} MB/s)",
        stream.len() >> 20,
        stream.len() as f64 / dt.as_secs_f64() / 1e6
    );

    let xml = format!("<Events>{}</Events>", SYSMON3_XML.repeat(20_000));
    let t = std::time::Instant::now();
    let input = parse_events(&xml);
    let dt = t.elapsed();
    assert_eq!(ok_events(&input).len(), 20_000);
    println!(
        "Event Viewer XML: 20000 events, {} MB in {dt:?}",
        xml.len() >> 20
    );
}
