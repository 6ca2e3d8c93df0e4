//! Log source mapping: the built-in Windows taxonomy against SigmaHQ's thor.yml, `fit` verdicts and
//! reasons, routing keys and the route index.
use sigmaplay_engine::logsource::{route_matches, FitCheck, LogSourceEntry, RouteIndex};
use sigmaplay_engine::{parse_events, Event, LogSource, LogSourceFit, LogSourceMap};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn shared() -> Option<PathBuf> {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared"));
    if dir.join("corpus").is_dir() {
        Some(dir.to_path_buf())
    } else {
        println!("SKIPPED: the shared corpus ({}) is absent", dir.display());
        None
    }
}

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
// builtin() = thor.yml

/// One row per (entry, event id): merged and split entries compare equal.
fn canonical(entries: &[LogSourceEntry]) -> BTreeSet<String> {
    let mut rows = BTreeSet::new();
    for e in entries {
        let mut conds: Vec<String> = e
            .conditions
            .iter()
            .map(|(f, v)| format!("{f}={v:?}"))
            .collect();
        conds.sort();
        let mut maps: Vec<String> = e
            .field_mappings
            .iter()
            .map(|(a, b)| format!("{a}<-{b}"))
            .collect();
        maps.sort();
        let mut channels = e.channels.clone();
        channels.sort();
        let ids: Vec<String> = if e.event_ids.is_empty() {
            vec!["*".into()]
        } else {
            e.event_ids.iter().map(i64::to_string).collect()
        };
        for id in ids {
            rows.insert(format!(
                "category={:?} product={:?} service={:?} id={id} conditions={conds:?} rewrite={:?} channels={channels:?} mappings={maps:?}",
                e.category, e.product, e.service, e.rewrite_service
            ));
        }
    }
    rows
}

#[test]
fn builtin_agrees_with_thor_yml() {
    let Some(shared) = shared() else { return };
    let text = std::fs::read_to_string(shared.join("corpus/sigmahq/tests/thor.yml")).unwrap();
    let thor = LogSourceMap::from_thor_yaml(&text).unwrap();
    let builtin = LogSourceMap::builtin();
    let (a, b) = (canonical(thor.entries()), canonical(builtin.entries()));
    let only_thor: Vec<_> = a.difference(&b).collect();
    let only_builtin: Vec<_> = b.difference(&a).collect();
    assert!(
        only_thor.is_empty() && only_builtin.is_empty(),
        "only in thor.yml: {only_thor:#?}\nonly in builtin: {only_builtin:#?}"
    );
    // Every Windows entry of thor.yml was read (apache, linux and file entries are not Windows).
    let names: Vec<&str> = thor.entries().iter().map(|e| e.name.as_str()).collect();
    assert!(
        names.contains(&"process_creation_2")
            && names.contains(&"windows-defender-antivirus-mapping")
    );
    assert!(!names.iter().any(|n| [
        "apache",
        "linux-auth",
        "linux-syslog",
        "logfiles",
        "logfiles-appliances"
    ]
    .contains(n)));
    assert_eq!(names.len(), 86, "{names:?}");

    // And they behave the same: routing keys for every category and service.
    let mut sources: Vec<LogSource> = Vec::new();
    for e in thor.entries() {
        if let Some(c) = &e.category {
            sources.push(ls(Some(c), e.product.as_deref(), None));
            sources.push(ls(Some(c), None, None));
        }
        if let Some(s) = &e.service {
            sources.push(svc(s));
        }
    }
    for s in &sources {
        let norm = |k: Option<Vec<(Option<String>, Option<i64>)>>| {
            k.map(|v| v.into_iter().collect::<BTreeSet<_>>())
        };
        assert_eq!(
            norm(thor.route_keys(s)),
            norm(builtin.route_keys(s)),
            "{s:?}"
        );
    }
    println!("{} rows, {} log sources agree", a.len(), sources.len());
}

#[test]
fn from_thor_yaml_errors() {
    assert!(LogSourceMap::from_thor_yaml("a: [")
        .unwrap_err()
        .contains("YAML"));
    assert!(LogSourceMap::from_thor_yaml("title: x")
        .unwrap_err()
        .contains("logsources"));
    let bad = "logsources:\n  x:\n    category: c\n    product: windows\n    conditions:\n      EventID: one\n";
    assert!(LogSourceMap::from_thor_yaml(bad)
        .unwrap_err()
        .contains("EventID"));
    let small = "logsources:\n  pc:\n    category: process_creation\n    product: windows\n    conditions:\n      EventID: [1, 2]\n    rewrite:\n      product: windows\n      service: sysmon\n  s:\n    product: windows\n    service: sysmon\n    sources: ['WinEventLog:Microsoft-Windows-Sysmon/Operational']\n";
    let map = LogSourceMap::from_thor_yaml(small).unwrap();
    assert_eq!(map.entries().len(), 2);
    assert_eq!(
        map.fit(&cat("process_creation"), &win(SYSMON, 2, "")),
        LogSourceFit::Fits {
            field_mappings: Default::default()
        }
    );
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

/// Every log source of the map (and some it does not know) against many events: whenever `fit`
/// lets an event through, the routing keys and the route index offer the rule for it.
#[test]
fn routing_is_consistent_with_fit() {
    let map = LogSourceMap::builtin();
    let mut sources: Vec<LogSource> = vec![
        LogSource::default(),
        ls(None, Some("windows"), None),
        ls(Some("webserver"), None, None),
        ls(None, Some("linux"), Some("auth")),
        ls(Some("process_creation"), Some("windows"), Some("security")),
        svc("unknown-service"),
    ];
    for e in map.entries() {
        if let Some(c) = &e.category {
            sources.push(ls(Some(c), e.product.as_deref(), None));
        }
        if let Some(s) = &e.service {
            sources.push(svc(s));
        }
    }
    let mut events = vec![
        event(r#"{"a": 1}"#),
        event(r#"{"EventID": 1}"#),
        event(r#"{"EventID": "4688"}"#),
        event(r#"{"Channel": "Security"}"#),
        event(r#"{"EventID": 104, "System_Channel": "System", "Channel": "Security"}"#),
        win(SYSMON, 12, r#", "EventType": "DeleteValue""#),
        win("SECURITY", 4688, ""),
        win(DEFENDER, 1116, ""),
        win("Windows PowerShell", 400, ""),
    ];
    if let Some(shared) = shared() {
        let dir = shared.join("corpus/windows-samples/raw");
        let mut files = Vec::new();
        collect(&dir, &mut files);
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            // A few events per file keeps the test quick and still covers every channel.
            events.extend(
                parse_events(&text)
                    .events
                    .into_iter()
                    .filter_map(Result::ok)
                    .take(5),
            );
        }
    }
    let index = RouteIndex::new(&map, &sources);
    let keys: Vec<_> = sources.iter().map(|s| map.route_keys(s)).collect();
    let (mut evaluated, mut pairs) = (0, 0);
    let mut candidates = Vec::new();
    for e in &events {
        index.candidates(e, &mut candidates);
        assert!(candidates.windows(2).all(|w| w[0] < w[1]));
        for (i, s) in sources.iter().enumerate() {
            pairs += 1;
            let fit = map.fit(s, e);
            let check = map.check(s, e);
            assert_eq!(check.is_evaluated(), fit.is_evaluated());
            if let (FitCheck::Fits(a), LogSourceFit::Fits { field_mappings: b }) = (check, &fit) {
                assert!(std::sync::Arc::ptr_eq(a, b));
            }
            let routed = route_matches(keys[i].as_deref(), LogSourceMap::event_key(e));
            if fit.is_evaluated() {
                evaluated += 1;
                assert!(
                    routed,
                    "{s:?} {:?}: {fit:?} but not routed",
                    LogSourceMap::event_key(e)
                );
                assert!(
                    candidates.contains(&i),
                    "{s:?} {:?}: {fit:?} but not a candidate",
                    LogSourceMap::event_key(e)
                );
            }
            assert_eq!(
                routed,
                candidates.contains(&i),
                "{s:?} {:?}",
                LogSourceMap::event_key(e)
            );
        }
    }
    println!(
        "{pairs} (log source, event) pairs, {evaluated} evaluated, {} events",
        events.len()
    );
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            collect(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn builtin_is_shared() {
    // builtin() is built once; clones share the tables.
    let a = LogSourceMap::builtin();
    let b = LogSourceMap::builtin();
    assert!(std::ptr::eq(a.entries().as_ptr(), b.entries().as_ptr()));
}
