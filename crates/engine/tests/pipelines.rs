//! Rules compiled through processing pipelines evaluate events in the pipelines' shape, and the
//! explanation says what the pipeline changed.

use sigmaplay_engine::{builtin_pipeline, compile_rules, parse_pipeline, CompileOptions, Event};

const RULE: &str = r#"
title: cmd
logsource: {category: process_creation, product: windows}
detection:
  sel:
    Image|endswith: '\cmd.exe'
  condition: sel
"#;

fn options(names: &[&str]) -> CompileOptions {
    CompileOptions {
        pipelines: names.iter().map(|n| builtin_pipeline(n).unwrap()).collect(),
        ..Default::default()
    }
}

/// Compiles `rule` through one pipeline given as YAML.
fn through(rule: &str, pipeline: &str) -> sigmaplay_engine::Compilation {
    let p = parse_pipeline(pipeline, "mine.yml").unwrap();
    compile_rules(
        rule,
        &CompileOptions {
            pipelines: vec![p],
            ..Default::default()
        },
    )
}

fn event(json: &str) -> Event {
    Event::from_json(&serde_json::from_str(json).unwrap())
}

#[test]
fn windows_audit_reads_the_security_log() {
    let c = compile_rules(RULE, &options(&["windows_audit"]));
    assert!(!c.has_errors(), "{:#?}", c.diagnostics);
    let r = &c.rules[0];
    let security =
        event(r#"{"EventID": 4688, "NewProcessName": "C:\\Windows\\System32\\cmd.exe"}"#);
    assert!(r.matches(&security));
    assert!(r.explain(&security).matched);
    assert!(!r.matches(&event(
        r#"{"EventID": 1, "NewProcessName": "C:\\Windows\\System32\\cmd.exe"}"#
    )));
    assert!(!r.matches(&event(
        r#"{"EventID": 4688, "Image": "C:\\Windows\\System32\\cmd.exe"}"#
    )));
    assert_eq!(r.logsource.service.as_deref(), Some("security"));
    let ids: Vec<String> = r.pipeline_items.iter().map(|a| a.to_string()).collect();
    assert!(
        ids.contains(&"windows_audit: windows_audit_fieldmappings".to_string()),
        "{ids:?}"
    );
    let trace = serde_json::to_string(&r.explain(&security)).unwrap();
    assert!(
        trace.contains("Image → NewProcessName (windows_audit: windows_audit_fieldmappings)"),
        "{trace}"
    );
}

#[test]
fn without_pipelines_nothing_changes() {
    let c = compile_rules(RULE, &CompileOptions::default());
    let r = &c.rules[0];
    assert!(r.pipeline_items.is_empty());
    assert!(r.matches(&event(r#"{"Image": "C:\\Windows\\System32\\cmd.exe"}"#)));
    let trace = serde_json::to_value(r.explain(&event("{}"))).unwrap();
    assert!(!trace.to_string().contains("pipeline_items"));
}

#[test]
fn a_pipeline_failure_is_a_located_error() {
    let c = through(RULE, "transformations:\n  - id: no\n    type: detection_item_failure\n    message: Image is not available\n    field_name_conditions:\n      - {type: include_fields, fields: [Image]}\n");
    assert!(c.rules.is_empty());
    let d = &c.diagnostics[0];
    assert_eq!(d.message, "mine.yml: no: Image is not available");
    assert_eq!(d.location.map(|l| l.line), Some(6));
}

#[test]
fn one_to_many_mappings_match_any_field() {
    let c = through(
        RULE,
        "transformations:\n  - type: field_name_mapping\n    mapping:\n      Image: [a, b]\n",
    );
    let r = &c.rules[0];
    assert!(r.matches(&event(r#"{"b": "x\\cmd.exe"}"#)));
    assert!(r.matches(&event(r#"{"a": "x\\cmd.exe"}"#)));
    assert!(!r.matches(&event(r#"{"Image": "x\\cmd.exe"}"#)));
    assert!(r.explain(&event(r#"{"b": "x\\cmd.exe"}"#)).matched);
}

#[test]
fn pipeline_placeholders_fill_expand() {
    let rule = "title: t\nlogsource: {product: windows}\ndetection:\n  sel:\n    User|expand: '%Admins%'\n  condition: sel\n";
    let c = through(
        rule,
        "vars:\n  Admins: [alice, 'adm_*']\ntransformations:\n  - type: value_placeholders\n",
    );
    assert!(c.diagnostics.is_empty(), "{:#?}", c.diagnostics);
    assert!(c.rules[0].matches(&event(r#"{"User": "adm_bob"}"#)));
    assert!(!c.rules[0].matches(&event(r#"{"User": "bob"}"#)));
}

#[test]
fn ecs_windows_reads_winlogbeat_events() {
    let rule = "title: cmstp\nlogsource: {category: process_creation, product: windows}\ndetection:\n  selection:\n    ParentImage|endswith: '\\cmstp.exe'\n    IntegrityLevel: High\n  condition: selection\n";
    let c = compile_rules(rule, &options(&["ecs_windows"]));
    assert!(!c.has_errors(), "{:#?}", c.diagnostics);
    let r = &c.rules[0];
    let winlogbeat = event(
        r#"{"ecs": {"version": "8.0.0"}, "event": {"code": "1"}, "winlog": {"channel": "Microsoft-Windows-Sysmon/Operational", "event_data": {"IntegrityLevel": "High"}}, "process": {"parent": {"executable": "C:\\Windows\\System32\\CMSTP.EXE"}}}"#,
    );
    assert!(r.matches(&winlogbeat));
    let trace = r.explain(&winlogbeat);
    assert!(trace.matched);
    let text = serde_json::to_string(&trace).unwrap();
    assert!(
        text.contains(
            "ParentImage → process.parent.executable (ecs_windows: ecs_windows_field_mapping)"
        ),
        "{text}"
    );
    assert!(text.contains("IntegrityLevel → winlog.event_data.IntegrityLevel (ecs_windows: ecs_windows_winlog_eventdata_prefix)"), "{text}");
    let sysmon =
        event(r#"{"ParentImage": "C:\\Windows\\System32\\cmstp.exe", "IntegrityLevel": "High"}"#);
    assert!(!r.matches(&sysmon));
}

/// The Winlogbeat shape of a flat Sysmon process-creation event, as `ecs_windows` names its
/// fields: each field renamed the way the pipeline renames it in a process_creation rule (read
/// off the pipeline itself, through a rule testing every field of the event).
fn to_winlogbeat(event: &serde_json::Map<String, serde_json::Value>) -> serde_json::Value {
    let mut rule = String::from(
        "title: fields\nlogsource: {category: process_creation, product: windows}\ndetection:\n  sel:\n",
    );
    let names: Vec<&String> = event.keys().filter(|k| !k.contains('.')).collect();
    for name in &names {
        rule.push_str(&format!("    '{name}|exists': true\n"));
    }
    rule.push_str("  condition: sel\n");
    let (processed, diags) =
        sigmaplay_engine::process_rules(&rule, &[builtin_pipeline("ecs_windows").unwrap()]);
    assert!(diags.is_empty(), "{diags:?}");
    let sel = &processed[0].rule["detection"]["sel"];
    let mut out = serde_json::Map::new();
    for (name, key) in names.iter().zip(sel.as_object().unwrap().keys()) {
        let target = key
            .trim_end_matches("|exists")
            .trim_end_matches(".caseless");
        out.insert(target.to_string(), event[name.as_str()].clone());
    }
    out.insert("ecs.version".into(), "8.11.0".into());
    serde_json::Value::Object(out)
}

#[test]
fn sysmon_events_and_their_winlogbeat_shape_fire_the_same_rules() {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    let rules_dir = corpus.join("sigmahq/rules/windows/process_creation");
    let samples = corpus.join("windows-samples/flat");
    if !rules_dir.is_dir() || !samples.is_dir() {
        eprintln!("SKIPPED: the shared corpus is not at {}", corpus.display());
        return;
    }
    let mut events = Vec::new();
    let mut dirs = vec![samples];
    while let Some(dir) = dirs.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                dirs.push(p);
            } else if let Ok(text) = std::fs::read_to_string(&p) {
                for line in text.lines() {
                    if let Ok(serde_json::Value::Object(m)) = serde_json::from_str(line) {
                        let sysmon = m.get("Channel").and_then(|c| c.as_str())
                            == Some("Microsoft-Windows-Sysmon/Operational");
                        if sysmon
                            && m.get("EventID") == Some(&serde_json::json!(1))
                            && events.len() < 300
                        {
                            events.push(m);
                        }
                    }
                }
            }
        }
    }
    assert!(
        events.len() >= 100,
        "{} process creation events",
        events.len()
    );
    let native: Vec<Event> = events
        .iter()
        .map(|m| Event::from_json(&serde_json::Value::Object(m.clone())))
        .collect();
    let shaped: Vec<Event> = events
        .iter()
        .map(|m| Event::from_json(&to_winlogbeat(m)))
        .collect();
    // The shape really is Winlogbeat's: Sysmon's names are gone.
    assert!(shaped[0].get("process.executable").is_some() && shaped[0].get("Image").is_none());
    assert!(shaped[0].get("winlog.event_data.IntegrityLevel").is_some());
    let ecs = options(&["ecs_windows"]);
    let (mut rules, mut fired, mut differ) = (0, 0, Vec::new());
    let mut paths: Vec<_> = std::fs::read_dir(&rules_dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    paths.sort();
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap();
        let plain = compile_rules(&text, &CompileOptions::default());
        let mapped = compile_rules(&text, &ecs);
        let (Some(a), Some(b)) = (plain.rules.first(), mapped.rules.first()) else {
            continue;
        };
        rules += 1;
        for (i, (n, s)) in native.iter().zip(&shaped).enumerate() {
            let (x, y) = (a.matches(n), b.matches(s));
            fired += usize::from(x);
            if x != y {
                differ.push(format!(
                    "{} on event {i}: native {x}, winlogbeat {y}",
                    path.display()
                ));
            }
        }
    }
    eprintln!(
        "{rules} rules × {} events: {fired} firings, {} differ",
        events.len(),
        differ.len()
    );
    assert!(fired > 0);
    assert!(differ.is_empty(), "{:#?}", &differ[..differ.len().min(10)]);
}
