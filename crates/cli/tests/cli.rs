//! The `sigmaplay` binary, run on the fixtures in `tests/cli/` (small rules and events written for
//! these tests).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/cli")
}

fn sigmaplay(args: &[&str]) -> Output {
    sigmaplay_stdin(args, None)
}

fn sigmaplay_stdin(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sigmaplay"))
        .args(args)
        .current_dir(fixtures())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run sigmaplay");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// `text` holds `part`; the message shows the whole text.
#[track_caller]
fn assert_contains(text: &str, part: &str) {
    assert!(text.contains(part), "{part:?} not in:\n{text}");
}

fn json_lines(o: &Output) -> Vec<serde_json::Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// (event, rule title) pairs of an eval run.
fn hits(o: &Output) -> Vec<(u64, String)> {
    json_lines(o)
        .iter()
        .map(|v| {
            (
                v["event"].as_u64().unwrap(),
                v["title"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

const WHOAMI: &str = "Whoami Run With Privilege Flags";
const DNS: &str = "Long DNS Query To Test Domain";

#[test]
fn eval_prints_one_line_per_match() {
    let o = sigmaplay(&["eval", "rules", "--events", "events/mixed.jsonl"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let lines = json_lines(&o);
    let first = &lines[0];
    assert_eq!(first["event"], 0);
    assert_eq!(first["event_line"], 1);
    assert_eq!(first["rule_id"], "5e1b1c3a-0f7e-4c57-9a0b-2f0d6f3a9a01");
    assert_eq!(first["title"], WHOAMI);
    assert_eq!(first["level"], "medium");
    assert_eq!(
        first["matched"],
        serde_json::json!(["selection_img", "selection_flags"])
    );
    assert!(first["file"].as_str().unwrap().ends_with("whoami.yml"));
    let h = hits(&o);
    // Event 1 is filtered (admin tool parent), event 2 has no flag, event 4 a short query.
    assert!(h.contains(&(0, WHOAMI.into())));
    assert!(h.contains(&(3, DNS.into())));
    assert!(!h.iter().any(|(e, _)| [1, 2, 4].contains(e)), "{h:?}");
}

#[test]
fn eval_routes_by_log_source_unless_told_not_to() {
    // Events 3 (a DNS event) and 5 (a file event) carry a whoami command line: only a
    // process_creation event should fire the process_creation rule when routing is on.
    let routed = hits(&sigmaplay(&[
        "eval",
        "rules",
        "--events",
        "events/mixed.jsonl",
    ]));
    let unrouted = hits(&sigmaplay(&[
        "eval",
        "rules",
        "--events",
        "events/mixed.jsonl",
        "--no-logsource",
    ]));
    assert!(unrouted.contains(&(3, WHOAMI.into())), "{unrouted:?}");
    assert!(unrouted.contains(&(5, WHOAMI.into())), "{unrouted:?}");
    assert!(!routed.contains(&(3, WHOAMI.into())), "{routed:?}");
    assert!(!routed.contains(&(5, WHOAMI.into())), "{routed:?}");
    assert!(routed.contains(&(3, DNS.into())), "{routed:?}");
}

#[test]
fn eval_reads_mapped_fields_of_security_events() {
    // Security 4688 names the image NewProcessName and the parent ParentProcessName.
    let o = sigmaplay(&["eval", "rules", "--events", "events/security.jsonl"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(hits(&o), vec![(0, WHOAMI.to_string())]);
    assert_eq!(
        json_lines(&o)[0]["matched"],
        serde_json::json!(["selection_img", "selection_flags"])
    );
    let o = sigmaplay(&[
        "eval",
        "rules/whoami.yml",
        "--events",
        "events/security.jsonl",
        "--explain",
    ]);
    let lines = json_lines(&o);
    assert_eq!(lines.len(), 2);
    assert_eq!(
        lines[1]["fired"], false,
        "the admin tool parent is filtered"
    );
    let text = stdout(&o);
    assert_contains(&text, "NewProcessName");
}

#[test]
fn eval_exits_zero_without_matches() {
    let o = sigmaplay(&[
        "eval",
        "rules/keywords.yml",
        "--events",
        "events/mixed.jsonl",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
}

#[test]
fn eval_reads_events_from_stdin() {
    let events = std::fs::read_to_string(fixtures().join("events/mixed.jsonl")).unwrap();
    let o = sigmaplay_stdin(
        &[
            "eval",
            "rules/whoami.yml",
            "--events",
            "-",
            "--no-logsource",
        ],
        Some(&events),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(hits(&o).contains(&(0, WHOAMI.into())));
}

#[test]
fn eval_reads_rules_from_stdin() {
    let rule = std::fs::read_to_string(fixtures().join("rules/whoami.yml")).unwrap();
    let o = sigmaplay_stdin(
        &["eval", "-", "--events", "events/mixed.jsonl"],
        Some(&rule),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(json_lines(&o)[0]["file"], "<stdin>");
}

#[test]
fn bad_json_line_is_reported_and_the_rest_evaluates() {
    let o = sigmaplay(&[
        "eval",
        "rules/whoami.yml",
        "--events",
        "events/bad-line.jsonl",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert_contains(&err, "events/bad-line.jsonl:2:");
    // Lines 1 and 3 are events 0 and 2 (the bad line keeps its index).
    let h = hits(&o);
    assert_eq!(h, vec![(0, WHOAMI.to_string()), (2, WHOAMI.to_string())]);
}

#[test]
fn placeholders_from_the_command_line() {
    let o = sigmaplay(&[
        "eval",
        "placeholder.yml",
        "--events",
        "events/logons.json",
        "--placeholder",
        "Admins=alice",
        "-p",
        "%Admins%=bob",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(hits(&o), vec![(0, "Admin Accounts Logon".to_string())]);
    // Without a value (issue 8): evaluated with that item matching nothing, said once on
    // stderr with its location, exit 0; --strict makes it an error.
    let o = sigmaplay(&["eval", "placeholder.yml", "--events", "events/logons.json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(hits(&o).is_empty());
    let err = stderr(&o);
    assert_eq!(err.matches("%Admins% has no values").count(), 1, "{err}");
    assert_contains(&err, "placeholder.yml:13:");
    let o = sigmaplay(&[
        "eval",
        "placeholder.yml",
        "--events",
        "events/logons.json",
        "--strict",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_contains(&stderr(&o), "placeholder.yml:13:");
}

#[test]
fn placeholders_from_a_vars_file_and_a_pipeline() {
    let o = sigmaplay(&[
        "eval",
        "placeholder.yml",
        "--events",
        "events/logons.json",
        "--vars",
        "vars.yml",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(hits(&o), vec![(0, "Admin Accounts Logon".to_string())]);
    let o = sigmaplay(&[
        "eval",
        "placeholder.yml",
        "--events",
        "events/logons.json",
        "--pipeline",
        "pipelines/admins.yml",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(hits(&o), vec![(0, "Admin Accounts Logon".to_string())]);
    let o = sigmaplay(&["check", "placeholder.yml"]);
    assert!(o.status.success(), "{}", stdout(&o));
    assert_contains(
        &stdout(&o),
        "warning: %Admins% has no values: this item matches nothing until values are given",
    );
    let o = sigmaplay(&["check", "--strict", "placeholder.yml"]);
    assert_eq!(o.status.code(), Some(1));
}

/// `sigmaplay eval rules/whoami.yml --events EVENTS [--pipeline P] [more]`.
fn eval_whoami(events: &str, pipeline: Option<&str>, more: &[&str]) -> Output {
    let mut args = vec!["eval", "rules/whoami.yml", "--events", events];
    if let Some(p) = pipeline {
        args.extend(["--pipeline", p]);
    }
    args.extend(more);
    sigmaplay(&args)
}

#[test]
fn eval_through_pipelines() {
    // The Sysmon-named rule over Winlogbeat events, through ecs_windows.
    let o = eval_whoami("events/winlogbeat.jsonl", Some("ecs_windows"), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(hits(&o), vec![(0, WHOAMI.to_string())]);
    assert!(hits(&eval_whoami("events/winlogbeat.jsonl", None, &[])).is_empty());
    // And over the Security log, through windows_audit.
    let o = eval_whoami("events/security.jsonl", Some("windows_audit"), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(hits(&o), vec![(0, WHOAMI.to_string())]);
    let o = eval_whoami(
        "events/winlogbeat.jsonl",
        Some("ecs_windows"),
        &["--explain", "--format", "json"],
    );
    assert_contains(
        &stdout(&o),
        "Image → process.executable (ecs_windows: ecs_windows_field_mapping)",
    );
}

#[test]
fn bad_pipelines_are_located_errors() {
    for cmd in ["eval", "check"] {
        let mut args = vec![cmd, "rules/whoami.yml", "--pipeline", "pipelines/bad.yml"];
        if cmd == "eval" {
            args.extend(["--events", "events/mixed.jsonl"]);
        }
        let o = sigmaplay(&args);
        assert_eq!(o.status.code(), Some(1));
        let err = stderr(&o);
        assert_contains(&err, "pipelines/bad.yml:4:11: error: unknown transformation type 'field_name_maping'; did you mean 'field_name_mapping'?");
    }
    let o = sigmaplay(&["check", "rules/whoami.yml", "--pipeline", "ecs_window"]);
    assert_eq!(o.status.code(), Some(1));
    assert_contains(&stderr(&o), "no built-in pipeline 'ecs_window'");
}

#[test]
fn pipeline_lists_and_prints_rules_after_pipelines() {
    let o = sigmaplay(&["pipeline", "--list"]);
    assert!(o.status.success());
    let names: Vec<String> = stdout(&o)
        .lines()
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "sysmon",
            "windows_audit",
            "windows_logsource",
            "ecs_windows",
            "ecs_windows_old"
        ]
    );
    let o = sigmaplay(&[
        "pipeline",
        "-p",
        "sysmon",
        "--format",
        "json",
        "rules/whoami.yml",
        "rules/keywords.yml",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let lines = json_lines(&o);
    assert_eq!(lines.len(), 2);
    let w = &lines[0];
    assert_eq!(w["rule_id"], "5e1b1c3a-0f7e-4c57-9a0b-2f0d6f3a9a01");
    assert_eq!(w["file"], "rules/whoami.yml");
    assert_eq!(w["rule"]["logsource"]["service"], "sysmon");
    assert_eq!(w["rule"]["detection"]["_cond_1"]["EventID"], 1);
    assert_eq!(
        w["rule"]["detection"]["condition"],
        "_cond_1 and (all of selection_* and not 1 of filter_*)"
    );
    assert_eq!(
        w["applied"],
        serde_json::json!([
            "sysmon_process_creation_eventid",
            "sysmon_process_creation_logsource"
        ])
    );
    let o = sigmaplay(&[
        "pipeline",
        "-p",
        "windows_audit",
        "rules/whoami.yml",
        "rules/whoami.yml",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert_eq!(text.matches("\n---\n").count(), 1, "{text}");
    assert_contains(&text, "NewProcessName|endswith: \\whoami.exe");
    assert_contains(&text, "service: security");
    let o = sigmaplay(&["pipeline", "rules/whoami.yml"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn explain_json_for_a_single_rule_covers_every_event() {
    let o = sigmaplay(&[
        "eval",
        "rules/whoami.yml",
        "--events",
        "events/mixed.jsonl",
        "--explain",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let lines = json_lines(&o);
    assert_eq!(lines.len(), 6);
    assert_eq!(lines[0]["fired"], true);
    assert_eq!(lines[0]["trace"]["matched"], true);
    assert_eq!(lines[1]["fired"], false);
    let idents = lines[1]["trace"]["identifiers"].as_array().unwrap();
    assert!(idents
        .iter()
        .any(|i| i["name"] == "filter_admin_tools" && i["value"] == true));
    assert!(
        lines[0]["trace"]["condition"]["location"]["line"]
            .as_u64()
            .unwrap()
            > 0
    );
}

#[test]
fn explain_text_is_a_readable_tree() {
    let o = sigmaplay(&[
        "eval",
        "rules/whoami.yml",
        "--events",
        "events/mixed.jsonl",
        "--explain",
        "--format",
        "text",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert_contains(&text, "event 0 (line 1)");
    assert_contains(&text, "FIRED");
    assert_contains(&text, "filter_admin_tools");
    assert_contains(&text, "CommandLine|contains|windash");
    assert_contains(&text, "not fired");
}

#[test]
fn check_reports_located_errors() {
    let o = sigmaplay(&["check", "broken.yml", "rules"]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert_contains(&out, "broken.yml:7:");
    assert_contains(&out, ": error: ");
    assert_contains(&out, "endswith");
    assert!(
        out.lines()
            .all(|l| l.starts_with("broken.yml:") || l.starts_with("rules/")),
        "{out}"
    );
    let ok = sigmaplay(&["check", "rules"]);
    assert!(ok.status.success(), "{}{}", stdout(&ok), stderr(&ok));
}

#[test]
fn check_text_format_underlines_the_span() {
    let o = sigmaplay(&["check", "broken.yml", "--format", "text"]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("broken.yml:7:15: error: unknown modifier 'endwith'"))
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(lines[at + 1], "  |", "{out}");
    assert_eq!(
        lines[at + 2],
        "7 |         Image|endwith: '\\bad.exe'",
        "{out}"
    );
    assert_eq!(lines[at + 3], "  |               ^^^^^^^", "{out}");
    // The short format (the default off a terminal) is the first lines alone.
    let short = sigmaplay(&["check", "broken.yml", "--format", "short"]);
    let first_lines: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("broken.yml:"))
        .collect();
    assert_eq!(stdout(&short).lines().collect::<Vec<_>>(), first_lines);
    assert_eq!(stdout(&sigmaplay(&["check", "broken.yml"])), stdout(&short));
}

#[test]
fn missing_files_are_errors() {
    let o = sigmaplay(&["eval", "nope.yml", "--events", "events/mixed.jsonl"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("nope.yml"));
    let o = sigmaplay(&["eval", "rules", "--events", "nope.jsonl"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("nope.jsonl"));
    let o = sigmaplay(&["eval", "rules"]);
    assert_eq!(o.status.code(), Some(2), "usage error");
}

#[test]
fn test_command_runs_files_and_writes_junit() {
    let junit = std::env::temp_dir().join(format!("sigmaplay-junit-{}.xml", std::process::id()));
    let o = sigmaplay(&[
        "test",
        "tests/whoami.json",
        "tests/placeholders.json",
        "--junit",
        junit.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert_contains(&stdout(&o), "PASS tests/whoami.json");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert_contains(&xml, "<testsuites");
    assert_contains(&xml, "failures=\"0\"");

    let o = sigmaplay(&["test", "tests", "--junit", junit.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert_contains(&out, "FAIL tests/failing.json");
    assert_contains(&out, "event 2 (line 3): should fire, did not fire");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert_contains(&xml, "<failure");
    let _ = std::fs::remove_file(junit);

    // A rule file is a test only when it carries rsigma exemplars.
    let o = sigmaplay(&["test", "rules/whoami.yml"]);
    assert_eq!(o.status.code(), Some(1));
    assert_contains(
        &stdout(&o),
        "neither a rule test (JSON) nor a rule carrying rsigma.exemplars",
    );
}

#[test]
fn link_round_trip() {
    let o = sigmaplay(&[
        "link",
        "tests/whoami.json",
        "--base",
        "https://play.example/",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let link = stdout(&o).trim().to_string();
    assert!(link.starts_with("https://play.example/#v1."), "{link}");
    let o = sigmaplay(&["link", "--decode", &link]);
    assert!(o.status.success(), "{}", stderr(&o));
    let decoded: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let mut original: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("tests/whoami.json")).unwrap(),
    )
    .unwrap();
    // The file is format 1; a link carries the test in the current format, otherwise unchanged.
    assert_eq!(original["format"], "sigmaplay-test/1");
    original["format"] = "sigmaplay-test/2".into();
    assert_eq!(decoded, original);
    // From stdin too.
    let o = sigmaplay_stdin(&["link", "--decode", "-"], Some(&link));
    assert!(o.status.success());
    // A cut link: a clear message, exit 1.
    let o = sigmaplay(&["link", "--decode", &link[..link.len() - 10]]);
    assert_eq!(o.status.code(), Some(1));
    assert_contains(&stderr(&o), "incomplete");
    let o = sigmaplay(&["link", "--decode", "https://play.example/"]);
    assert_eq!(o.status.code(), Some(1));
    assert_contains(&stderr(&o), "not a Sigma Playground share link");
}

#[test]
fn help_documents_exit_codes() {
    let o = sigmaplay(&["eval", "--help"]);
    let text = stdout(&o);
    assert_contains(&text, "Exit status");
    assert_contains(&text, "JSON Lines");
}

#[test]
fn explain_several_rules_follows_the_routing() {
    let routed = sigmaplay(&[
        "eval",
        "rules",
        "--events",
        "events/mixed.jsonl",
        "--explain",
    ]);
    assert!(routed.status.success(), "{}", stderr(&routed));
    let pairs: Vec<(u64, String, bool)> = json_lines(&routed)
        .iter()
        .map(|v| {
            (
                v["event"].as_u64().unwrap(),
                v["title"].as_str().unwrap().to_string(),
                v["fired"].as_bool().unwrap(),
            )
        })
        .collect();
    // The keyword rule has no Windows log source: every event; the others only their own events.
    assert_eq!(pairs.len(), 6 + 3 + 2, "{pairs:?}");
    assert!(pairs.contains(&(0, WHOAMI.into(), true)));
    assert!(pairs.contains(&(3, DNS.into(), true)));
    assert!(
        !pairs.iter().any(|(e, t, _)| *e == 5 && t == WHOAMI),
        "{pairs:?}"
    );
    let all = sigmaplay(&[
        "eval",
        "rules",
        "--events",
        "events/mixed.jsonl",
        "--explain",
        "--no-logsource",
    ]);
    assert_eq!(json_lines(&all).len(), 3 * 6);
}

#[test]
fn eval_prints_correlation_alerts() {
    let o = sigmaplay(&[
        "eval",
        "correlations/brute.yml",
        "-e",
        "correlations/logons.jsonl",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let lines = json_lines(&o);
    // The referenced rule's own matches are not printed (no generate: true), the alert is.
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(
        lines[0],
        serde_json::json!({"event": 2, "rule_id": "6a1e7b52-0b7e-4c6e-9d7f-3a8e2b4c5d61",
            "title": "Brute force", "level": "high",
            "correlation": {"type": "event_count", "group": {"TargetUserName": "alice"},
                "window_start": "2026-03-01T08:57:00Z", "window_end": "2026-03-01T09:02:00Z",
                "value": 3, "events": [0, 1, 2],
                "rules": ["0e95725d-7320-415d-80f7-004da920fc11"]}})
    );
    assert_contains(&stderr(&o), "event 4 has no timestamp: none of @timestamp");
}

#[test]
fn eval_applies_filters_before_correlating() {
    let o = sigmaplay(&[
        "eval",
        "correlations/brute.yml",
        "-e",
        "correlations/logons.jsonl",
        "--filter",
        "correlations/admin-hosts.yml",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // ADM01's failure is filtered out: alice has 2 failures in 5 minutes, no alert.
    assert!(json_lines(&o).is_empty(), "{}", stdout(&o));
    let o = sigmaplay(&[
        "eval",
        "correlations/brute.yml",
        "-e",
        "correlations/logons.jsonl",
        "--filter",
        "correlations/admin-hosts.yml",
        "--explain",
        "--format",
        "text",
    ]);
    let text = stdout(&o);
    assert_contains(&text, "excluded by filter 'Admin hosts'");
    assert!(
        text.contains("Brute force: alice: 2 events within 5m (never ≥ 3), no alert")
            || text.contains("Brute force: alice: 1 to 2 events within 5m (never ≥ 3), no alert"),
        "{text}"
    );
}

#[test]
fn eval_reports_bad_correlations_with_their_place() {
    let o = sigmaplay_stdin(
        &["eval", "-", "-e", "correlations/logons.jsonl"],
        Some("title: Brute force\ncorrelation:\n  type: event_count\n  rules: [failed_logn]\n  timespan: 5m\n  condition: {gte: 3}\n"),
    );
    assert!(!o.status.success());
    let err = stderr(&o);
    assert_contains(&err, ":4:11: error: 'failed_logn' names no rule");
}

/// `tests/fixtures/evtx/new-user-security.evtx`: 4 Security records, the second a 4720.
fn evtx_fixture() -> PathBuf {
    fixtures().join("../fixtures/evtx/new-user-security.evtx")
}

#[test]
fn eval_reads_evtx_files() {
    let path = evtx_fixture();
    let o = sigmaplay(&["eval", "rules-evtx.yml", "--events", path.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let lines = json_lines(&o);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["event"], 1);
    assert_eq!(lines[0]["event_line"], serde_json::Value::Null);
    assert_eq!(lines[0]["title"], "User Account Created");
    let text = sigmaplay(&[
        "eval",
        "rules-evtx.yml",
        "--events",
        path.to_str().unwrap(),
        "--explain",
        "--format",
        "text",
    ]);
    let out = stdout(&text);
    assert_contains(&out, "event 1 · User Account Created");
    assert_contains(&out, "event 0 · User Account Created");
}

#[test]
fn eval_reports_where_a_cut_evtx_file_stops() {
    let bytes = std::fs::read(evtx_fixture()).unwrap();
    let cut = std::env::temp_dir().join(format!("sigmaplay-cut-{}.evtx", std::process::id()));
    std::fs::write(&cut, &bytes[..8000]).unwrap();
    let o = sigmaplay(&["eval", "rules-evtx.yml", "--events", cut.to_str().unwrap()]);
    std::fs::remove_file(&cut).unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("error: the file ends inside chunk 0 (file offset 0x1000)")
            && err.contains("cut short; the last record read before it is record 1"),
        "{err}"
    );
    // The record before the cut was still evaluated (the 4720 after it is lost).
    assert_contains(&err, "1 rule(s), 1 event(s): 0 match(es)");
}

#[test]
fn eval_refuses_evtx_on_stdin_with_a_reason() {
    let bytes = std::fs::read(evtx_fixture()).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_sigmaplay"))
        .args(["eval", "rules-evtx.yml", "--events", "-"])
        .current_dir(fixtures())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&bytes).unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert_contains(&stderr(&o), "a Windows event log (.evtx), not text");
}

#[test]
fn test_runs_regression_folders_with_junit() {
    let junit = std::env::temp_dir().join(format!("sigmaplay-reg-{}.xml", std::process::id()));
    let o = sigmaplay(&[
        "test",
        "regression",
        "--rules",
        "rules",
        "--junit",
        junit.to_str().unwrap(),
    ]);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}{}", stderr(&o));
    assert_contains(
        &out,
        "PASS regression/whoami_priv: 2 event(s), 2 fired, 0 not fired; 2/2",
    );
    assert_contains(&out, "1 test(s): 1 passed, 0 failed");
    let xml = std::fs::read_to_string(&junit).unwrap();
    std::fs::remove_file(&junit).unwrap();
    assert_contains(
        &xml,
        "<testsuite name=\"regression/whoami_priv\" tests=\"3\" failures=\"0\"",
    );
}

#[test]
fn test_fails_a_regression_folder_whose_rule_does_not_fire() {
    let o = sigmaplay(&[
        "test",
        "regression-failing",
        "regression",
        "--rules",
        "rules",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert_contains(&out, "FAIL regression-failing/whoami_filtered");
    assert_contains(&out, "event 0 (line 1): should fire, did not fire");
    assert_contains(&out, "PASS regression/whoami_priv");
    assert_contains(&out, "2 test(s): 1 passed, 1 failed");
    // Without --rules the rule cannot be found.
    let o = sigmaplay(&["test", "regression"]);
    assert_eq!(o.status.code(), Some(1));
    assert_contains(
        &stdout(&o),
        "rule 5e1b1c3a-0f7e-4c57-9a0b-2f0d6f3a9a01 not found",
    );
}

/// SigmaHQ's own regression folders (shared corpus; skipped where absent): every folder with a
/// runnable case passes, from its JSON and from its `.evtx`.
#[test]
fn test_runs_the_corpus_regression_folders() {
    let corpus = fixtures().join("../../../shared/corpus/sigmahq");
    if !corpus.join("regression_data").is_dir() {
        println!(
            "SKIPPED: the shared corpus ({}) is absent",
            corpus.display()
        );
        return;
    }
    let arg = |p: &str| corpus.join(p).to_str().unwrap().to_string();
    let (data, rules) = (arg("regression_data"), arg("rules"));
    let (et, th) = (arg("rules-emerging-threats"), arg("rules-threat-hunting"));
    let o = sigmaplay(&[
        "test", "-q", &data, "--rules", &rules, "--rules", &et, "--rules", &th,
    ]);
    let out = stdout(&o);
    println!("{out}");
    let summary = out.lines().last().unwrap_or_default().to_string();
    assert!(summary.starts_with("146 test(s): "), "{summary}");
    assert!(o.status.success(), "{out}");
}

#[test]
fn test_grades_correlation_groups_and_explains_filtered_events() {
    // The test expects what the rules alone would do; the filter among them removes ADM01's
    // failure, so event 1 no longer fires and alice stays below the threshold.
    let o = sigmaplay(&["test", "correlation-tests/brute.json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert_contains(&out, "FAIL correlation-tests/brute.json");
    assert_contains(&out, "2/4 expectation(s) met");
    assert_contains(
        &out,
        "event 1 (line 2): should fire, did not fire (excluded by filter 'Admin hosts' (line 22): ",
    );
    assert!(
        out.contains(
            r#"correlation 'Brute force' {"TargetUserName":"alice"}: should alert; alice: 1 to 2 events within 5m (never ≥ 3), no alert"#
        ),
        "{out}"
    );
}

#[test]
fn parallel_eval_writes_what_sequential_eval_writes_in_input_order() {
    // Enough events for several of the blocks evaluated in parallel (4,096 events each).
    let mixed = std::fs::read_to_string(fixtures().join("events/mixed.jsonl")).unwrap();
    let events = vec![mixed.trim_end(); 2000].join("\n");
    let run = |jobs: &str| {
        let o = sigmaplay_stdin(
            &["eval", "rules", "--events", "-", "--jobs", jobs],
            Some(&events),
        );
        assert!(o.status.success(), "{}", stderr(&o));
        o
    };
    let sequential = run("1");
    let parallel = run("2");
    assert_eq!(stdout(&sequential), stdout(&parallel));
    let h = hits(&parallel);
    assert!(h.len() >= 4000, "{} matches", h.len());
    assert!(h.windows(2).all(|w| w[0].0 <= w[1].0), "input order");
    assert_eq!(h.last().unwrap().0 as usize / mixed.lines().count(), 1999);
    assert!(
        !sigmaplay(&["eval", "rules", "--events", "-", "--jobs", "0"])
            .status
            .success()
    );
}

#[test]
fn rule_files_loaded_together_share_one_regex_limit() {
    // Four files that each fit: together their regexes cross the limit, and the file where it
    // happens says so at the value; the files before it still load.
    let dir = std::env::temp_dir().join(format!("sigmaplay-regex-budget-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let values: String = (0..300)
        .map(|i| format!("            - 'a{i}[0-9]+b\\w{{3}}'\n"))
        .collect();
    let rule = format!(
        "title: t\nlogsource: {{product: windows}}\ndetection:\n    sel:\n        CommandLine|re:\n{values}    condition: sel\n"
    );
    for n in 1..=4 {
        std::fs::write(dir.join(format!("r{n}.yml")), &rule).unwrap();
    }
    let one = sigmaplay(&["check", dir.join("r1.yml").to_str().unwrap()]);
    assert_eq!(one.status.code(), Some(0), "{}", stdout(&one));
    let o = sigmaplay(&["check", "--format", "short", dir.to_str().unwrap()]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let errors: Vec<&str> = out.lines().filter(|l| l.contains(": error: ")).collect();
    assert_eq!(errors.len(), 1, "{out}");
    assert_contains(errors[0], "r4.yml:67:15: error: with this value the regular expressions of this text and the 3 loaded before it would take more than the limit of");
}

/// The peak resident memory of a running process, in KB (Linux).
fn peak_rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
#[ignore = "writes ~200 MB of events; run with --ignored (best with --release)"]
fn large_json_lines_are_evaluated_in_constant_memory() {
    let mixed = std::fs::read_to_string(fixtures().join("events/mixed.jsonl")).unwrap();
    let dir = std::env::temp_dir().join(format!("sigmaplay-stream-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let events = dir.join("events.jsonl");
    let copies = 200_000_000 / mixed.len() + 1;
    {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&events).unwrap());
        for _ in 0..copies {
            w.write_all(mixed.as_bytes()).unwrap();
        }
    }
    let size = std::fs::metadata(&events).unwrap().len();
    let output = dir.join("out.jsonl");
    let mut child = Command::new(env!("CARGO_BIN_EXE_sigmaplay"))
        .args(["eval", "rules", "--jobs", "2", "--events"])
        .arg(&events)
        .current_dir(fixtures())
        .stdout(std::fs::File::create(&output).unwrap())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // VmHWM only grows: its last reading before the process exits is about its peak.
    let mut peak = 0;
    while child.try_wait().unwrap().is_none() {
        peak = peak_rss_kb(child.id()).unwrap_or(0).max(peak);
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let status = child.wait().unwrap();
    assert!(status.success());
    let per_copy = {
        let o = sigmaplay_stdin(&["eval", "rules", "--events", "-"], Some(&mixed));
        hits(&o).len()
    };
    let written = std::io::BufRead::lines(std::io::BufReader::new(
        std::fs::File::open(&output).unwrap(),
    ))
    .count();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(written, per_copy * copies);
    assert!(
        peak > 0 && peak < 150 * 1024,
        "{size} bytes of events read with a peak of {peak} KB"
    );
}

#[test]
fn test_grades_the_rsigma_exemplars_of_rule_files() {
    let o = sigmaplay(&["test", "exemplars"]);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}{}", stderr(&o));
    assert_contains(
        &out,
        "PASS exemplars/whoami.yml: Whoami With Privileges: 2 exemplar(s): 2 event(s), 1 fired, 1 not fired; 2/2",
    );
    assert_contains(
        &out,
        "PASS exemplars/burst.yml: Logon Burst: three failures in 40 seconds: 3 event(s), 3 fired",
    );
    assert_contains(
        &out,
        "PASS exemplars/burst.yml: Logon Burst: three failures over three minutes:",
    );
    assert_contains(&out, "3 test(s): 3 passed, 0 failed");

    // A wrong expectation fails, with the correlation's own sentence; a bad shape is located.
    let dir = std::env::temp_dir().join(format!("sigmaplay-exemplars-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let burst = std::fs::read_to_string(fixtures().join("exemplars/burst.yml")).unwrap();
    let wrong = dir.join("wrong.yml");
    std::fs::write(&wrong, burst.replace("expect: no-match", "expect: match")).unwrap();
    let bad = dir.join("bad.yml");
    std::fs::write(&bad, burst.replace("expect: no-match", "expect: nomatch")).unwrap();
    let o = sigmaplay(&["test", wrong.to_str().unwrap(), bad.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert_contains(&out, "three failures over three minutes: 3 event(s), 3 fired, 0 not fired; 0/1 expectation(s) met");
    assert_contains(
        &out,
        "should alert; alice: 1 event in every window (never ≥ 3), no alert",
    );
    assert_contains(
        &out,
        "bad.yml:26:5: error: rsigma.exemplars/1/expect: 'nomatch': expected 'match' or 'no-match'",
    );
    // A named rule file without exemplars is not a test, and says so.
    let o = sigmaplay(&["test", "rules/whoami.yml"]);
    assert_eq!(o.status.code(), Some(1));
    assert_contains(
        &stdout(&o),
        "neither a rule test (JSON) nor a rule carrying rsigma.exemplars",
    );
}
