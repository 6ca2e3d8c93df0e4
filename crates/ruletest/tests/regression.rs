//! SigmaHQ regression folders ↔ rule tests: import (expectations from `match_count`), export
//! (info.yml + events JSON), the round trip, and SigmaHQ's own folders (shared corpus, skipped
//! where absent) run from their JSON and from their `.evtx`.
use sigmaplay_ruletest::{
    export_regression, import_regression, run, ExportOptions, RegressionInfo, RuleTest,
};
use std::path::{Path, PathBuf};

const RULE: &str = "title: Whoami
id: 5e1b1c3a-0f7e-4c57-9a0b-2f0d6f3a9a01
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\\whoami.exe'
    condition: selection
level: low
";

fn event(image: &str) -> String {
    format!(
        "{{\"Event\": {{\"System\": {{\"Provider\": {{\"#attributes\": {{\"Name\": \"Microsoft-Windows-Sysmon\"}}}}, \
         \"EventID\": 1, \"Channel\": \"Microsoft-Windows-Sysmon/Operational\"}}, \
         \"EventData\": {{\"Image\": \"{image}\"}}}}}}\n"
    )
}

fn info(match_count: Option<usize>) -> String {
    let mc = match_count
        .map(|n| format!("      match_count: {n}\n"))
        .unwrap_or_default();
    format!(
        "id: 0d4c9f0e-6a53-4b8e-8f7a-3c1e2b9d4a01\ndescription: N/A\nrule_metadata:\n    - id: 5e1b1c3a-0f7e-4c57-9a0b-2f0d6f3a9a01\n      title: Whoami\nregression_tests_info:\n    - name: Positive Detection Test\n      type: evtx\n{mc}      path: regression_data/x/5e1b1c3a-0f7e-4c57-9a0b-2f0d6f3a9a01.evtx\n"
    )
}

#[test]
fn import_expects_every_event_to_fire_when_match_count_covers_them() {
    let events = event("C:\\\\Windows\\\\whoami.exe") + &event("C:\\\\Windows\\\\whoami.exe");
    let test = import_regression(&info(Some(2)), &events, RULE).unwrap();
    assert_eq!(test.name.as_deref(), Some("Whoami"));
    assert_eq!(test.expectation(0), Some(true));
    assert_eq!(test.expectation(1), Some(true));
    assert_eq!(test.min_fired, None);
    assert!(test.options.logsource_check);
    assert!(run(&test).passed);
    // No match_count: 1, and one event here.
    let one = import_regression(&info(None), &event("C:\\\\whoami.exe"), RULE).unwrap();
    assert_eq!(one.expectations.len(), 1);
}

#[test]
fn import_asks_for_at_least_match_count_when_fewer_than_the_events() {
    let events = event("C:\\\\Windows\\\\whoami.exe") + &event("C:\\\\Windows\\\\cmd.exe");
    let test = import_regression(&info(Some(1)), &events, RULE).unwrap();
    assert!(test.expectations.is_empty());
    assert_eq!(test.min_fired, Some(1));
    assert!(run(&test).passed);
    // Both must fire: only one does.
    let both = RuleTest {
        min_fired: Some(2),
        ..test.clone()
    };
    let report = run(&both);
    assert!(!report.passed);
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains("1 event(s) fired; at least 2")),
        "{:?}",
        report.problems
    );
    // The field survives the file format.
    assert_eq!(RuleTest::from_json(&both.to_json()).unwrap(), both);
}

#[test]
fn import_errors() {
    assert!(import_regression("rule_metadata: []", "", RULE)
        .unwrap_err()
        .0
        .contains("no rule_metadata"));
    let commented = "id: x\nrule_metadata:\n    - id: y\n# regression_tests_info:\n";
    assert!(import_regression(commented, "", RULE)
        .unwrap_err()
        .0
        .contains("no regression_tests_info"));
    assert!(import_regression("[", "", RULE)
        .unwrap_err()
        .0
        .starts_with("info.yml:"));
}

#[test]
fn export_writes_the_events_that_should_fire_and_reads_back() {
    let events = event("C:\\\\Windows\\\\whoami.exe")
        + "{\"Image\": \"C:\\\\x\\\\whoami.exe\", \"EventID\": 1}\n"
        + &event("C:\\\\Windows\\\\cmd.exe");
    let mut test = RuleTest::new(RULE, events);
    test.set_expectation(0, Some(true));
    test.set_expectation(1, Some(true));
    test.set_expectation(2, Some(false));
    let options = ExportOptions {
        folder: "regression_data/rules/windows/process_creation/whoami/".into(),
        author: Some("Jane Doe".into()),
        date: Some("2026-12-01".into()),
        id: None,
    };
    let folder = export_regression(&test, &options).unwrap();
    assert_eq!(folder.left_out, vec![2]);
    assert_eq!(
        folder.events_name,
        "5e1b1c3a-0f7e-4c57-9a0b-2f0d6f3a9a01.json"
    );
    let info = RegressionInfo::from_yaml(&folder.info_yml).unwrap();
    assert_eq!(info.rule_id(), "5e1b1c3a-0f7e-4c57-9a0b-2f0d6f3a9a01");
    assert_eq!(info.rule_metadata[0].title.as_deref(), Some("Whoami"));
    assert_eq!(info.match_count(), 2);
    assert_eq!(info.author.as_deref(), Some("Jane Doe"));
    assert_eq!(info.events_json_name(), folder.events_name);
    let case = info.evtx_cases().next().unwrap();
    assert_eq!(case.provider.as_deref(), Some("Microsoft-Windows-Sysmon"));
    assert_eq!(
        case.path.as_deref(),
        Some("regression_data/rules/windows/process_creation/whoami/5e1b1c3a-0f7e-4c57-9a0b-2f0d6f3a9a01.evtx")
    );
    assert!(uuid_like(info.id.as_deref().unwrap()), "{:?}", info.id);
    // Stable: the same test gives the same files.
    assert_eq!(export_regression(&test, &options).unwrap(), folder);
    // The events file is evtx_dump objects one after another (the flat one kept as it was).
    assert!(
        folder.events_json.starts_with("{\n  \"Event\": {"),
        "{}",
        folder.events_json
    );
    let back = import_regression(&folder.info_yml, &folder.events_json, RULE).unwrap();
    assert_eq!(back.expectations.len(), 2);
    assert!(run(&back).passed);
}

#[test]
fn export_errors() {
    let no_id = RuleTest::new(
        RULE.replace("id: 5e1b1c3a-0f7e-4c57-9a0b-2f0d6f3a9a01\n", ""),
        event("x"),
    );
    let mut t = no_id.clone();
    t.set_expectation(0, Some(true));
    assert!(export_regression(&t, &ExportOptions::default())
        .unwrap_err()
        .0
        .contains("no id"));
    let nothing = RuleTest::new(RULE, event("x"));
    assert!(export_regression(&nothing, &ExportOptions::default())
        .unwrap_err()
        .0
        .contains("needs at least one"));
    let mut bad = RuleTest::new(RULE, "{\"a\": 1}\n{oops\n");
    bad.set_expectation(1, Some(true));
    assert!(export_regression(&bad, &ExportOptions::default())
        .unwrap_err()
        .0
        .contains("event 1 should fire but cannot be read"));
}

fn uuid_like(s: &str) -> bool {
    s.len() == 36 && s.split('-').map(str::len).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
}

/// Files under `dir` (recursively) that `wanted` accepts, sorted.
fn files_under(dir: &Path, wanted: &dyn Fn(&Path) -> bool, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, wanted, out);
        } else if wanted(&p) {
            out.push(p);
        }
    }
    out.sort();
}

/// Rule texts by their `id`.
fn rule_by_id(roots: &[PathBuf]) -> std::collections::HashMap<String, String> {
    let mut files = Vec::new();
    for r in roots {
        files_under(
            r,
            &|p| p.extension().is_some_and(|x| x == "yml"),
            &mut files,
        );
    }
    let mut out = std::collections::HashMap::new();
    for p in files {
        let text = std::fs::read_to_string(&p).unwrap();
        if let Some(line) = text.lines().find(|l| l.starts_with("id:")) {
            out.insert(line[3..].trim().to_string(), text);
        }
    }
    out
}

/// Every SigmaHQ regression folder with a runnable case passes from its JSON; from its `.evtx`
/// the verdicts are printed where they differ (the older evtx_dump of SigmaHQ's JSON trimmed
/// trailing white space, see the engine's evtx tests).
#[test]
fn corpus_regression_folders_pass() {
    let corpus = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus/sigmahq"
    ));
    if !corpus.is_dir() {
        println!(
            "SKIPPED: the shared corpus ({}) is absent",
            corpus.display()
        );
        return;
    }
    let rules = rule_by_id(&[
        corpus.join("rules"),
        corpus.join("rules-emerging-threats"),
        corpus.join("rules-threat-hunting"),
    ]);
    let mut infos = Vec::new();
    let is_info = |p: &Path| p.file_name().is_some_and(|n| n == "info.yml");
    files_under(&corpus.join("regression_data"), &is_info, &mut infos);
    let (mut ran, mut skipped, mut failed, mut evtx_differs) = (0, 0, Vec::new(), Vec::new());
    for path in &infos {
        let folder = path.parent().unwrap();
        let text = std::fs::read_to_string(path).unwrap();
        let info = RegressionInfo::from_yaml(&text).unwrap();
        if info.evtx_cases().next().is_none() {
            skipped += 1;
            continue;
        }
        let rule = &rules[info.rule_id()];
        let json = std::fs::read_to_string(folder.join(info.events_json_name())).unwrap();
        let test = import_regression(&text, &json, rule).unwrap();
        ran += 1;
        let report = run(&test);
        if !report.passed {
            failed.push(format!("{}: {:?}", folder.display(), report.problems));
        }
        let evtx =
            std::fs::read(folder.join(info.events_json_name()).with_extension("evtx")).unwrap();
        let from_evtx = sigmaplay_engine::evtx_to_json(&evtx).unwrap();
        let evtx_report = run(&import_regression(&text, &from_evtx.text, rule).unwrap());
        let verdicts = |r: &sigmaplay_ruletest::TestReport| {
            r.events.iter().map(|e| e.verdict).collect::<Vec<_>>()
        };
        if verdicts(&evtx_report) != verdicts(&report) {
            evtx_differs.push(folder.file_name().unwrap().to_string_lossy().to_string());
        }
    }
    println!(
        "{ran} regression folders run ({skipped} skipped: no evtx case), {} failed; from the .evtx, verdicts differ in {}: {evtx_differs:?}",
        failed.len(),
        evtx_differs.len()
    );
    assert_eq!(ran, 146);
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}
