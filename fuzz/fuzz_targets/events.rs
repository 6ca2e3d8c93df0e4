//! Event texts in every format `parse_events` reads. The first byte chooses how the rest becomes
//! the events text:
//!
//! 0. as is (the seeds hold JSON objects, arrays, JSON Lines, evtx_dump JSON and Event Viewer XML);
//! 1. JSON-escaped into the fields of an evtx_dump record (Security 4688 or Sysmon 1);
//! 2. XML-escaped into the `<Data>` of an Event Viewer event;
//! 3. as is inside an Event Viewer event's `<EventData>`;
//! 4. one JSON Lines record per line, the line as its `CommandLine`.
//!
//! The events read keep input order, spans and error positions point into the text, and every
//! event goes through a fixed set of rules: the fast and explain paths agree, rule sets agree.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sigmaplay_engine::{parse_events, CompiledRule};
use sigmaplay_fuzz::{check_agreement, check_event_input, check_rule_set, compile, RuleSets};
use std::sync::OnceLock;

/// Rules that read the fields the wrappers write, with the modifiers whose matchers differ.
const RULES: &str = r#"title: process creation
logsource: {category: process_creation, product: windows}
detection:
    selection:
        Image|endswith: ['\cmd.exe', '\whoami.exe', '\powershell.exe']
        CommandLine|contains|windash: ['/priv', ' -enc ']
    filter:
        ParentImage|startswith: 'C:\Program Files\'
    condition: selection and not filter
---
title: security logon
logsource: {product: windows, service: security}
detection:
    selection:
        EventID: [4624, 4688]
        LogonType|lt: 10
    keywords: ['mimikatz', 'sekurlsa*']
    condition: selection or keywords
---
title: modifiers
logsource: {product: windows}
detection:
    re:
        CommandLine|re|i: '^(cmd|pwsh)\b.*\s/c\s'
    b64:
        CommandLine|base64offset|contains: 'http'
    wide:
        CommandLine|wide|base64|contains: 'IEX'
    ip:
        DestinationIp|cidr: ['10.0.0.0/8', 'fe80::/10']
    cased:
        User|cased|contains: 'SYSTEM'
    exists:
        TargetFilename|exists: true
    empty:
        Description: ''
    nothing:
        Company: null
    condition: 1 of re* or b64 or wide or (ip and not cased) or all of e* or nothing
"#;

fn rules() -> &'static (Vec<CompiledRule>, RuleSets) {
    static RULE_SET: OnceLock<(Vec<CompiledRule>, RuleSets)> = OnceLock::new();
    RULE_SET.get_or_init(|| {
        let compilation = compile(RULES);
        assert!(!compilation.has_errors(), "{:?}", compilation.diagnostics);
        let sets = RuleSets::new(&compilation.rules);
        (compilation.rules, sets)
    })
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes")
}

fn xml_escaped(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn xml_event(event_id: u32, event_data: &str) -> String {
    format!(
        "<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\"><System>\
         <EventID>{event_id}</EventID><Channel>Security</Channel></System>\
         <EventData>{event_data}</EventData></Event>"
    )
}

fn events_text(data: &[u8]) -> Option<String> {
    let (&mode, rest) = data.split_first()?;
    let rest = std::str::from_utf8(rest).ok()?;
    Some(match mode % 5 {
        0 => rest.to_string(),
        1 => {
            let (channel, id, image) = if mode & 0x80 == 0 {
                ("Security", 4688, "NewProcessName")
            } else {
                ("Microsoft-Windows-Sysmon/Operational", 1, "Image")
            };
            let v = json_string(rest);
            format!(
                "{{\"Event\":{{\"System\":{{\"Channel\":\"{channel}\",\"EventID\":{id}}},\
                 \"EventData\":{{\"{image}\":{v},\"CommandLine\":{v},\"User\":{v}}}}}}}"
            )
        }
        2 => xml_event(
            4688,
            &format!(
                "<Data Name=\"NewProcessName\">{0}</Data><Data Name=\"CommandLine\">{0}</Data>",
                xml_escaped(rest)
            ),
        ),
        3 => xml_event(4624, rest),
        _ => rest
            .lines()
            .map(|l| format!("{{\"EventID\":1,\"CommandLine\":{}}}\n", json_string(l)))
            .collect(),
    })
}

const MAX_EXPLAINED_EVENTS: usize = 32;

fuzz_target!(|data: &[u8]| {
    let Some(text) = events_text(data) else {
        return;
    };
    let input = parse_events(&text);
    check_event_input(&text, &input);
    let (rules, sets) = rules();
    // Explaining is the slow path: the first events show what all of them would.
    for (i, event) in input.ok_events().enumerate() {
        if i < MAX_EXPLAINED_EVENTS {
            for rule in rules {
                check_agreement(rule, event);
            }
        }
        check_rule_set(sets, event);
    }
});
