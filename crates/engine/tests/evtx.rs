//! `.evtx` input: records flatten exactly as their evtx_dump JSON does (the fixture here, and every
//! SigmaHQ regression `.evtx` against its `.json` in the shared corpus, skipped where absent);
//! damaged files give errors that say where reading stopped, never a panic.
use sigmaplay_engine::{
    evtx_to_json, parse_events, parse_evtx, read_evtx, EventFormat, EventInput,
};
mod common;

use common::{files_under, shared};

/// One chunk of Security events (a user created), from the `evtx` crate's repository samples
/// (omerbenamram/evtx, `samples/new-user-security.evtx`, MIT OR Apache-2.0).
const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/evtx/new-user-security.evtx"
);

fn fixture() -> Vec<u8> {
    std::fs::read(FIXTURE).expect("the fixture is in the repository")
}

fn events_json(input: &EventInput) -> Vec<serde_json::Value> {
    input.ok_events().map(|e| e.to_json()).collect()
}

fn error_messages(input: &EventInput) -> Vec<String> {
    input.errors().map(|e| e.message.clone()).collect()
}

#[test]
fn fixture_records_become_flat_windows_events() {
    let input = parse_evtx(&fixture());
    assert_eq!(input.format, Some(EventFormat::Evtx));
    assert!(
        error_messages(&input).is_empty(),
        "{:?}",
        error_messages(&input)
    );
    let events: Vec<_> = input.ok_events().collect();
    println!("{} records", events.len());
    assert!(events.len() >= 2, "{} records", events.len());
    for e in &events {
        assert_eq!(e.format, Some(EventFormat::Evtx));
        assert_eq!(e.channel(), Some("Security"), "{}", e.to_json());
        assert!(e.event_id().is_some(), "{}", e.to_json());
        assert!(e.get("Provider_Name").is_some(), "{}", e.to_json());
        assert!(e.get("TimeCreated_SystemTime").is_some(), "{}", e.to_json());
        assert!(e.get("EventRecordID").is_some(), "{}", e.to_json());
    }
    let ids: Vec<i64> = events.iter().filter_map(|e| e.event_id()).collect();
    assert!(ids.contains(&4720), "a user account was created: {ids:?}");
    let created = events.iter().find(|e| e.event_id() == Some(4720)).unwrap();
    assert!(
        created.get("TargetUserName").is_some(),
        "{}",
        created.to_json()
    );
}

#[test]
fn evtx_json_text_reads_back_into_the_same_events() {
    let bytes = fixture();
    let json = evtx_to_json(&bytes).unwrap();
    assert!(json.errors.is_empty(), "{:?}", json.errors);
    let from_text = parse_events(&json.text);
    assert_eq!(from_text.format, Some(EventFormat::EvtxJson));
    assert!(error_messages(&from_text).is_empty());
    let direct = parse_evtx(&bytes);
    assert_eq!(json.records, direct.ok_events().count());
    assert_eq!(events_json(&from_text), events_json(&direct));
}

#[test]
fn streaming_from_a_file_gives_the_same_events() {
    let file = std::fs::File::open(FIXTURE).unwrap();
    let mut streamed = Vec::new();
    read_evtx(std::io::BufReader::new(file), |e| {
        streamed.push(e.unwrap().to_json())
    })
    .unwrap();
    assert_eq!(streamed, events_json(&parse_evtx(&fixture())));
}

#[test]
fn not_an_evtx_file() {
    for (bytes, expected) in [
        (&b""[..], "not a Windows event log"),
        (&b"{\"Event\": 1}"[..], "starts with \"{\"Event\"\""),
        (&b"ElfFi"[..], "cut short"),
        (&b"ElfFile\0 and then nothing"[..], "cut short"),
        (&[0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0, 4][..], "\\x00"),
    ] {
        let input = parse_evtx(bytes);
        assert_eq!(input.format, None);
        let messages = error_messages(&input);
        assert_eq!(messages.len(), 1, "{messages:?}");
        assert!(messages[0].contains(expected), "{messages:?}");
        let e = input.errors().next().unwrap();
        assert_eq!((e.line, e.column), (0, 0));
    }
}

#[test]
fn a_truncated_file_keeps_the_records_before_the_cut() {
    let bytes = fixture();
    let full = events_json(&parse_evtx(&bytes));
    let mut seen_partial = false;
    // Cut inside the file header, right after it, and at many places inside the chunk.
    for cut in [100, 4096, 4096 + 600, 8000, 20000, 40000, bytes.len() - 1] {
        let input = parse_evtx(&bytes[..cut]);
        let events = events_json(&input);
        assert!(events.len() <= full.len());
        assert_eq!(events[..], full[..events.len()], "cut at {cut}");
        let messages = error_messages(&input);
        assert!(!messages.is_empty(), "cut at {cut}: no error");
        assert!(
            messages.iter().any(|m| m.contains("cut short")),
            "cut at {cut}: {messages:?}"
        );
        if cut > 4096 + 512 {
            assert_eq!(input.format, Some(EventFormat::Evtx));
            assert!(
                messages
                    .last()
                    .unwrap()
                    .contains("chunk 0 (file offset 0x1000)"),
                "{messages:?}"
            );
        }
        seen_partial |= !events.is_empty() && events.len() < full.len();
    }
    assert!(seen_partial, "some cut keeps some records and loses others");
}

#[test]
fn a_damaged_chunk_is_reported_and_skipped() {
    let mut bytes = fixture();
    bytes[4096..4104].copy_from_slice(b"Garbage!");
    let input = parse_evtx(&bytes);
    assert_eq!(input.format, Some(EventFormat::Evtx));
    assert_eq!(input.ok_events().count(), 0);
    let messages = error_messages(&input);
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].contains("chunk 0 (file offset 0x1000) skipped")
            && messages[0].contains("ElfChnk")
            && messages[0].contains("no record was read before it"),
        "{messages:?}"
    );
}

#[test]
fn damaged_record_bytes_never_panic() {
    let bytes = fixture();
    let full = parse_evtx(&bytes).ok_events().count();
    // Overwrite 16 bytes at offsets all over the chunk: every outcome is events and errors.
    let mut damaged_runs = 0;
    for offset in (4096 + 128..bytes.len() - 16).step_by(509) {
        let mut copy = bytes.clone();
        for (i, b) in copy[offset..offset + 16].iter_mut().enumerate() {
            *b = (i as u8).wrapping_mul(37) ^ 0xa5;
        }
        let input = parse_evtx(&copy);
        let read = input.ok_events().count();
        let errors = input.errors().count();
        if errors > 0 || read != full {
            damaged_runs += 1;
        }
        for e in input.errors() {
            assert!(
                e.message.contains("record") || e.message.contains("chunk"),
                "{}",
                e.message
            );
        }
    }
    assert!(damaged_runs > 0, "some damage is noticed");
}

/// How two renderings of one field differ, where they are not equal.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Rendering {
    /// `{54849625-5478-4994-a5ba-3e3b0328c30d}` (evtx 0.15, as Event Viewer shows it) and
    /// `54849625-5478-4994-A5BA-3E3B0328C30D` (the older evtx_dump SigmaHQ's JSON was made with).
    Guid,
    /// `…34.0722135Z` (100 ns, the FILETIME's precision) and `…34.072213Z` (microseconds).
    Timestamp,
    /// `"cmd.exe" ` and `"cmd.exe"`: the record's value ends in white space, which the older
    /// evtx_dump trimmed and evtx 0.15 keeps (`endswith` sees it, see windows-events.md).
    TrailingWhitespace,
}

fn rendering_difference(ours: &serde_json::Value, theirs: &serde_json::Value) -> Option<Rendering> {
    let (serde_json::Value::String(a), serde_json::Value::String(b)) = (ours, theirs) else {
        return None;
    };
    let is_guid = |s: &str| {
        s.len() == 36
            && s.char_indices().all(|(i, c)| match i {
                8 | 13 | 18 | 23 => c == '-',
                _ => c.is_ascii_hexdigit(),
            })
    };
    if let Some(inner) = a.strip_prefix('{').and_then(|a| a.strip_suffix('}')) {
        if is_guid(inner) && inner.eq_ignore_ascii_case(b) && !b.contains('{') {
            return Some(Rendering::Guid);
        }
    }
    if a.len() > b.len() && a.starts_with(b.as_str()) && a[b.len()..].trim().is_empty() {
        return Some(Rendering::TrailingWhitespace);
    }
    // 100 ns digits cut to microseconds (not rounded), or padded to nanoseconds.
    let (Some(a), Some(b)) = (a.strip_suffix('Z'), b.strip_suffix('Z')) else {
        return None;
    };
    let (Some((a_secs, a_frac)), Some((b_secs, b_frac))) = (a.rsplit_once('.'), b.rsplit_once('.'))
    else {
        return None;
    };
    let same_instant = if b_frac.len() > a_frac.len() {
        b_frac.starts_with(a_frac) && b_frac[a_frac.len()..].bytes().all(|d| d == b'0')
    } else {
        a_frac.starts_with(b_frac) && a_frac.len() - b_frac.len() <= 1
    };
    if a_secs == b_secs && same_instant {
        return Some(Rendering::Timestamp);
    }
    None
}

/// Where SigmaHQ's JSON was not made from its `.evtx` (the values differ in more than rendering):
/// (file stem, field). `Explorer.EXE` in the `.evtx`, `Explorer.exe` in the `.json`.
const DATA_DIFFERENCES: &[(&str, &str)] =
    &[("ad691d92-15f2-4181-9aa4-723c74f9ddc3", "ParentCommandLine")];

/// The test: every regression `.evtx` gives the same events as its `.json`: the same
/// fields in the same order with the same values, except where SigmaHQ's JSON was made by an older
/// evtx_dump that rendered GUIDs and timestamps differently ([`Rendering`], counted and printed).
#[test]
fn corpus_regression_evtx_equals_its_json() {
    let Some(shared) = shared() else { return };
    let mut files = Vec::new();
    files_under(
        &shared.join("corpus/sigmahq/regression_data"),
        "evtx",
        &mut files,
    );
    assert!(!files.is_empty());
    let (mut records, mut fields, mut bytes_read) = (0, 0, 0);
    let mut renderings = std::collections::BTreeMap::<(Rendering, String), usize>::new();
    let mut mismatches = Vec::new();
    let mut known = 0;
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        bytes_read += bytes.len();
        let from_evtx = parse_evtx(&bytes);
        assert_eq!(
            error_messages(&from_evtx),
            Vec::<String>::new(),
            "{}",
            path.display()
        );
        let json = std::fs::read_to_string(path.with_extension("json")).unwrap();
        let from_json = parse_events(&json);
        let (a, b) = (events_json(&from_evtx), events_json(&from_json));
        assert_eq!(a.len(), b.len(), "{}", path.display());
        for (i, (x, y)) in a.iter().zip(&b).enumerate() {
            let (x, y) = (x.as_object().unwrap(), y.as_object().unwrap());
            let names = |m: &serde_json::Map<String, serde_json::Value>| {
                m.keys().cloned().collect::<Vec<_>>()
            };
            if names(x) != names(y) {
                mismatches.push(format!(
                    "{} event {i}: fields {:?} vs {:?}",
                    path.display(),
                    names(x),
                    names(y)
                ));
                continue;
            }
            for (name, ours) in x {
                fields += 1;
                let theirs = &y[name];
                if ours == theirs {
                    continue;
                }
                let stem = path.file_stem().unwrap().to_string_lossy();
                if DATA_DIFFERENCES.contains(&(&*stem, name.as_str())) {
                    known += 1;
                    continue;
                }
                match rendering_difference(ours, theirs) {
                    Some(r) => *renderings.entry((r, name.clone())).or_default() += 1,
                    None => mismatches.push(format!(
                        "{} event {i} {name}: {ours} vs {theirs}",
                        path.display()
                    )),
                }
            }
        }
        records += a.len();
    }
    println!(
        "{} .evtx files ({} KB), {records} records, {fields} fields; rendering differences: {renderings:?}; {known} known data difference(s)",
        files.len(),
        bytes_read / 1024,
    );
    assert_eq!(known, DATA_DIFFERENCES.len());
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
