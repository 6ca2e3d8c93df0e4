//! Log source mapping: the built-in Windows taxonomy against SigmaHQ's thor.yml, `fit` verdicts and
//! reasons, routing keys and the route index.
use sigmaplay_engine::{parse_events, Event, LogSource, LogSourceFit, LogSourceMap};
use std::collections::BTreeSet;

fn ls(category: Option<&str>, product: Option<&str>, service: Option<&str>) -> LogSource {
    LogSource {
        category: category.map(str::to_string),
        product: product.map(str::to_string),
        service: service.map(str::to_string),
        definition: None,
    }
}

fn cat(c: &str) -> LogSource {
    ls(Some(c), Some("windows"), None)
}

fn svc(s: &str) -> LogSource {
    ls(None, Some("windows"), Some(s))
}

fn event(json: &str) -> Event {
    let input = parse_events(json);
    input.events.into_iter().next().unwrap().unwrap()
}

fn win(channel: &str, id: i64, extra: &str) -> Event {
    event(&format!(
        r#"{{"EventID": {id}, "Channel": "{channel}"{extra}}}"#
    ))
}

const SYSMON: &str = "Microsoft-Windows-Sysmon/Operational";
const DEFENDER: &str = "Microsoft-Windows-Windows Defender/Operational";

fn mappings(fit: &LogSourceFit) -> Vec<(String, String)> {
    match fit {
        LogSourceFit::Fits { field_mappings } => field_mappings.to_vec(),
        other => panic!("expected Fits, got {other:?}"),
    }
}

fn reason(fit: &LogSourceFit) -> &str {
    match fit {
        LogSourceFit::DoesNotFit { reason } => reason,
        other => panic!("expected DoesNotFit, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// fit()

#[test]
fn process_creation() {
    let map = LogSourceMap::builtin();
    let rule = cat("process_creation");
    assert!(mappings(&map.fit(&rule, &win(SYSMON, 1, r#", "Image": "C:\\x.exe""#))).is_empty());
    let m = mappings(&map.fit(
        &rule,
        &win("Security", 4688, r#", "NewProcessName": "C:\\x.exe""#),
    ));
    assert_eq!(
        m,
        [
            ("Image".to_string(), "NewProcessName".to_string()),
            ("ParentImage".to_string(), "ParentProcessName".to_string())
        ]
    );
    let fit = map.fit(&rule, &win(SYSMON, 11, ""));
    assert_eq!(
        reason(&fit),
        "the rule is for process_creation (Sysmon event 1 or Security event 4688); this event is Sysmon event 11"
    );
    // Right id, wrong channel.
    let fit = map.fit(&rule, &win("Security", 1, ""));
    assert_eq!(reason(&fit), "the rule is for process_creation (Sysmon event 1 or Security event 4688); this event is Security event 1");
    // Without product, or with another case.
    assert!(map
        .fit(
            &ls(Some("process_creation"), None, None),
            &win(SYSMON, 1, "")
        )
        .is_evaluated());
    assert!(matches!(
        map.fit(
            &ls(Some("Process_Creation"), Some("Windows"), None),
            &win(SYSMON, 1, "")
        ),
        LogSourceFit::Fits { .. }
    ));
    // Serializes with its tag.
    let json = serde_json::to_value(map.fit(&rule, &win("Security", 4688, ""))).unwrap();
    assert_eq!(json["fit"], "fits");
    assert_eq!(json["field_mappings"][0][1], "NewProcessName");
}

#[test]
fn events_without_channel() {
    let map = LogSourceMap::builtin();
    // Pasted Sysmon-like JSON: EventID but no Channel.
    let pasted = event(r#"{"EventID": 1, "Image": "C:\\Windows\\System32\\cmd.exe"}"#);
    assert!(matches!(
        map.fit(&cat("process_creation"), &pasted),
        LogSourceFit::Fits { .. }
    ));
    let fit = map.fit(&cat("file_event"), &pasted);
    assert_eq!(
        reason(&fit),
        "the rule is for file_event (Sysmon event 11); this event is event 1 (it has no Channel)"
    );
    // Services need a channel to tell.
    assert_eq!(map.fit(&svc("security"), &pasted), LogSourceFit::Unknown);
    // Neither channel nor id: the map knows nothing about the event.
    let plain = event(r#"{"Image": "x"}"#);
    assert_eq!(
        map.fit(&cat("process_creation"), &plain),
        LogSourceFit::Unknown
    );
    assert_eq!(map.fit(&svc("security"), &plain), LogSourceFit::Unknown);
    // A channel without an id does not satisfy a category.
    let fit = map.fit(
        &cat("process_creation"),
        &event(r#"{"Channel": "Security"}"#),
    );
    assert!(
        reason(&fit).ends_with("this event is from channel Security and has no EventID"),
        "{fit:?}"
    );
}

#[test]
fn service_security() {
    let map = LogSourceMap::builtin();
    assert!(mappings(&map.fit(&svc("security"), &win("Security", 4624, ""))).is_empty());
    assert!(matches!(
        map.fit(&svc("security"), &win("security", 4624, "")),
        LogSourceFit::Fits { .. }
    ));
    let fit = map.fit(&svc("security"), &win(SYSMON, 1, ""));
    assert_eq!(
        reason(&fit),
        "the rule is for service security (channel Security); this event is Sysmon event 1 (channel Microsoft-Windows-Sysmon/Operational)"
    );
    let fit = map.fit(&svc("powershell"), &win("Application", 1000, ""));
    assert_eq!(
        reason(&fit),
        "the rule is for service powershell (channels Microsoft-Windows-PowerShell/Operational or PowerShellCore/Operational); this event is event 1000 from channel Application"
    );
    // Event 104 names the cleared log as `Channel`; its own channel is System_Channel.
    let cleared = event(r#"{"EventID": 104, "System_Channel": "System", "Channel": "Security"}"#);
    assert!(matches!(
        map.fit(&svc("system"), &cleared),
        LogSourceFit::Fits { .. }
    ));
    assert!(!map.fit(&svc("security"), &cleared).is_evaluated());
}

#[test]
fn antivirus() {
    let map = LogSourceMap::builtin();
    let rule = ls(Some("antivirus"), None, None);
    let m = mappings(&map.fit(
        &rule,
        &win(
            DEFENDER,
            1116,
            r#", "ThreatName": "HackTool:Win64/Mikatz!dha""#,
        ),
    ));
    assert_eq!(
        m,
        [
            ("Signature".to_string(), "ThreatName".to_string()),
            ("Filename".to_string(), "Path".to_string())
        ]
    );
    let fit = map.fit(&rule, &win(DEFENDER, 5001, ""));
    assert_eq!(
        reason(&fit),
        "the rule is for antivirus (Defender event 1006, 1007, 1008, 1009, 1010, 1011, 1012, 1017, 1018, 1019, 1115 or 1116); this event is Defender event 5001"
    );
    assert!(matches!(
        map.fit(
            &ls(Some("antivirus"), Some("windows"), None),
            &win(DEFENDER, 1006, "")
        ),
        LogSourceFit::Fits { .. }
    ));
}

#[test]
fn registry_conditions() {
    let map = LogSourceMap::builtin();
    let create = win(SYSMON, 12, r#", "EventType": "CreateKey""#);
    let set = win(SYSMON, 13, r#", "EventType": "SetValue""#);
    assert!(matches!(
        map.fit(&cat("registry_add"), &create),
        LogSourceFit::Fits { .. }
    ));
    assert!(matches!(
        map.fit(&cat("registry_event"), &create),
        LogSourceFit::Fits { .. }
    ));
    assert!(matches!(
        map.fit(&cat("registry_set"), &set),
        LogSourceFit::Fits { .. }
    ));
    let fit = map.fit(&cat("registry_delete"), &create);
    assert_eq!(
        reason(&fit),
        "the rule is for registry_delete (Sysmon event 12 with EventType DeleteKey or Sysmon event 12 with EventType DeleteValue); this event is Sysmon event 12 with EventType CreateKey"
    );
    let fit = map.fit(&cat("registry_add"), &win(SYSMON, 12, ""));
    assert!(
        reason(&fit).ends_with("this event is Sysmon event 12 without EventType"),
        "{fit:?}"
    );
}

#[test]
fn unknown_log_sources() {
    let map = LogSourceMap::builtin();
    let e = win(SYSMON, 1, "");
    // Another product never fits a Windows event (one with a channel)...
    assert_eq!(
        reason(&map.fit(&ls(Some("process_creation"), Some("linux"), None), &e)),
        "the rule is for product linux; this is a Windows event (channel Microsoft-Windows-Sysmon/Operational)"
    );
    // ...and is unknown on any other event.
    assert_eq!(
        map.fit(
            &ls(Some("process_creation"), Some("linux"), None),
            &event(r#"{"a": 1}"#)
        ),
        LogSourceFit::Unknown
    );
    assert_eq!(
        map.fit(&ls(Some("webserver"), None, None), &e),
        LogSourceFit::Unknown
    );
    assert_eq!(map.fit(&svc("no-such-service"), &e), LogSourceFit::Unknown);
    assert!(!map
        .fit(&ls(None, Some("linux"), Some("auth")), &e)
        .is_evaluated());
    assert_eq!(map.fit(&LogSource::default(), &e), LogSourceFit::Unknown);
    // Product only.
    assert!(matches!(
        map.fit(&ls(None, Some("windows"), None), &e),
        LogSourceFit::Fits { .. }
    ));
    assert_eq!(
        map.fit(&ls(None, Some("windows"), None), &event(r#"{"a": 1}"#)),
        LogSourceFit::Unknown
    );
    assert_eq!(map.route_keys(&ls(None, Some("windows"), None)), None);
    assert_eq!(map.route_keys(&ls(Some("webserver"), None, None)), None);
}

// ---------------------------------------------------------------------------------------------
// Routing

#[test]
fn route_keys() {
    let map = LogSourceMap::builtin();
    let keys: BTreeSet<_> = map
        .route_keys(&cat("process_creation"))
        .unwrap()
        .into_iter()
        .collect();
    let want: BTreeSet<_> = [
        (Some(SYSMON.to_string()), Some(1)),
        (Some("Security".to_string()), Some(4688)),
    ]
    .into_iter()
    .collect();
    assert_eq!(keys, want);
    assert_eq!(
        map.route_keys(&svc("security")),
        Some(vec![(Some("Security".to_string()), None)])
    );
    assert_eq!(
        map.route_keys(&ls(Some("process_creation"), Some("linux"), None)),
        None
    );
    assert_eq!(map.route_keys(&cat("registry_event")).unwrap().len(), 3);
    assert_eq!(
        LogSourceMap::event_key(&win(SYSMON, 3, "")),
        (Some(SYSMON), Some(3))
    );
}

#[test]
fn builtin_is_shared() {
    // builtin() is built once; clones share the tables.
    let a = LogSourceMap::builtin();
    let b = LogSourceMap::builtin();
    assert!(std::ptr::eq(a.entries().as_ptr(), b.entries().as_ptr()));
}
