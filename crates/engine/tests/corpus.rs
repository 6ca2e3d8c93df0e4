//! Corpus tests over ../shared (SigmaHQ rules and regression data). They skip, saying so, where
//! the shared folder is absent, so a fresh clone elsewhere still passes.

use sigmaplay_engine::{compile_rules, CompileOptions};
use std::path::{Path, PathBuf};

fn shared() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    if p.join("corpus/sigmahq").is_dir() {
        Some(p)
    } else {
        eprintln!("SKIPPED: ../shared/corpus is absent; corpus tests need it (see README)");
        None
    }
}

/// Files under `dir` (recursively, sorted) that `keep` accepts.
fn files_under(dir: &Path, keep: &dyn Fn(&Path) -> bool, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files_under(&p, keep, out);
        } else if keep(&p) {
            out.push(p);
        }
    }
}

fn with_extension(ext: &'static str) -> impl Fn(&Path) -> bool {
    move |p: &Path| p.extension().is_some_and(|x| x == ext)
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let yaml = |p: &Path| matches!(p.extension().and_then(|e| e.to_str()), Some("yml" | "yaml"));
    files_under(dir, &yaml, out);
}

const ACTIVE: &[&str] = &[
    "rules",
    "rules-emerging-threats",
    "rules-threat-hunting",
    "rules-placeholder",
    "rules-compliance",
];

/// Placeholder values for the rules-placeholder folder (written for this test).
fn placeholders() -> CompileOptions {
    let mut o = CompileOptions::default();
    for name in [
        "Administrators",
        "JumpServers",
        "Workstations",
        "Servers",
        "DomainControllers",
    ] {
        o.placeholders
            .insert(name.into(), vec![format!("example-{name}")]);
    }
    o
}

/// Every active rule, compiled (placeholders filled in).
fn active_rules(shared: &Path) -> Vec<sigmaplay_engine::CompiledRule> {
    let mut files = Vec::new();
    for f in ACTIVE {
        yaml_files(&shared.join("corpus/sigmahq").join(f), &mut files);
    }
    let mut rules = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        rules.extend(compile_rules(&text, &options_for(&text)).rules);
    }
    rules
}

/// Placeholder rules name their own placeholders: give every one a value.
fn options_for(text: &str) -> CompileOptions {
    let mut opts = placeholders();
    for cap in text.split('%').skip(1).step_by(2) {
        if !cap.is_empty() && cap.len() < 64 && !cap.contains(char::is_whitespace) {
            opts.placeholders
                .entry(cap.to_string())
                .or_insert_with(|| vec!["example".into()]);
        }
    }
    opts
}

#[test]
fn every_active_rule_loads() {
    let Some(shared) = shared() else { return };
    let mut files = Vec::new();
    for f in ACTIVE {
        yaml_files(&shared.join("corpus/sigmahq").join(f), &mut files);
    }
    let mut failures = Vec::new();
    let mut rules = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let c = compile_rules(&text, &options_for(&text));
        rules += c.rules.len();
        if c.rules.len() != 1 {
            failures.push(format!("{}: {} rules", f.display(), c.rules.len()));
        }
        for d in c.diagnostics.iter().filter(|d| d.is_error()) {
            failures.push(d.render(&f.display().to_string()));
        }
    }
    println!("{} files, {rules} rules compiled", files.len());
    assert!(
        failures.is_empty(),
        "{} errors:\n{}",
        failures.len(),
        failures
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert_eq!(files.len(), 3780);
    assert_eq!(rules, 3780);
}

#[test]
fn deprecated_and_unsupported_never_panic() {
    let Some(shared) = shared() else { return };
    let mut files = Vec::new();
    for f in ["deprecated", "unsupported"] {
        yaml_files(&shared.join("corpus/sigmahq").join(f), &mut files);
    }
    let (mut ok, mut failed) = (0, 0);
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let c = compile_rules(
            &text,
            &CompileOptions {
                lint: true,
                ..Default::default()
            },
        );
        if c.has_errors() {
            failed += 1;
            for d in c.diagnostics.iter().filter(|d| d.is_error()) {
                assert!(
                    d.location.is_some() || d.code == "limit",
                    "{}: diagnostic without location: {}",
                    f.display(),
                    d.message
                );
                assert!(!d.message.is_empty());
            }
        } else {
            ok += 1;
        }
    }
    println!("deprecated/unsupported: {ok} load, {failed} rejected with a located diagnostic");
    assert!(files.len() > 200);
}

/// Every rule of the corpus by id.
fn rules_by_id(shared: &Path) -> std::collections::HashMap<String, (PathBuf, String)> {
    let mut files = Vec::new();
    for f in ACTIVE {
        yaml_files(&shared.join("corpus/sigmahq").join(f), &mut files);
    }
    let mut out = std::collections::HashMap::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let c = compile_rules(&text, &options_for(&text));
        for r in &c.rules {
            if let Some(id) = &r.id {
                out.insert(id.clone(), (f.clone(), text.clone()));
            }
        }
    }
    out
}

#[test]
fn regression_data_fires() {
    use sigmaplay_engine::{parse_events, LogSourceFit, LogSourceMap};
    let Some(shared) = shared() else { return };
    let mut infos = Vec::new();
    files_under(
        &shared.join("corpus/sigmahq/regression_data"),
        &|p| p.file_name().is_some_and(|n| n == "info.yml"),
        &mut infos,
    );
    let by_id = rules_by_id(&shared);
    let map = LogSourceMap::builtin();
    let (mut passed, mut failed, mut skipped) = (0, Vec::new(), 0);
    for info in &infos {
        let text = std::fs::read_to_string(info).unwrap();
        let v: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
        let id = v["rule_metadata"][0]["id"].as_str().unwrap().to_string();
        let tests = v["regression_tests_info"]
            .as_sequence()
            .cloned()
            .unwrap_or_default();
        if tests.is_empty() {
            skipped += 1;
            continue;
        }
        let min = tests[0]["match_count"].as_u64().unwrap_or(1) as usize;
        let json = info.with_file_name(format!("{id}.json"));
        let Ok(events_text) = std::fs::read_to_string(&json) else {
            skipped += 1;
            continue;
        };
        let Some((rule_path, rule_text)) = by_id.get(&id) else {
            failed.push(format!("{}: rule {id} not found", info.display()));
            continue;
        };
        let rule = compile_rules(rule_text, &options_for(rule_text))
            .rules
            .into_iter()
            .find(|r| r.id.as_deref() == Some(&id))
            .unwrap();
        let input = parse_events(&events_text);
        let mut hits = 0;
        let mut notes = Vec::new();
        for ev in input.events.iter().filter_map(|e| e.as_ref().ok()) {
            let fit = map.fit(&rule.logsource, ev);
            let fired = match &fit {
                LogSourceFit::DoesNotFit { reason } => {
                    notes.push(reason.clone());
                    false
                }
                LogSourceFit::Fits { field_mappings } => rule
                    .with_field_mappings(field_mappings.as_slice())
                    .matches(ev),
                LogSourceFit::Unknown => rule.matches(ev),
            };
            if fit.is_evaluated() {
                assert_eq!(
                    fired,
                    rule.explain_with(ev, &fit).matched,
                    "paths disagree on {}",
                    json.display()
                );
            }
            hits += usize::from(fired);
        }
        if hits >= min {
            passed += 1;
        } else {
            failed.push(format!(
                "{}: {hits} of {} events fired, {min} expected; {}",
                rule_path.display(),
                input.events.len(),
                notes.join("; ")
            ));
        }
    }
    println!(
        "regression data: {passed} passed, {} failed, {skipped} without a runnable test",
        failed.len()
    );
    assert!(failed.is_empty(), "{}", failed.join("\n"));
    assert!(passed >= 140, "only {passed} regression cases ran");
}

/// The fast path and the explain path agree on every (rule, event) pair: every active rule
/// against every regression event, with and without the log source field mappings.
#[test]
fn fast_and_explain_paths_agree() {
    use sigmaplay_engine::{parse_events, LogSourceMap};
    let Some(shared) = shared() else { return };
    let rules = active_rules(&shared);
    let mut events = Vec::new();
    let mut jsons = Vec::new();
    files_under(
        &shared.join("corpus/sigmahq/regression_data"),
        &with_extension("json"),
        &mut jsons,
    );
    for j in &jsons {
        let input = parse_events(&std::fs::read_to_string(j).unwrap());
        events.extend(input.events.into_iter().filter_map(Result::ok));
    }
    let map = LogSourceMap::builtin();
    let (mut pairs, mut fired) = (0usize, 0usize);
    for r in &rules {
        for ev in &events {
            let fit = map.fit(&r.logsource, ev);
            let mapped = match &fit {
                sigmaplay_engine::LogSourceFit::Fits { field_mappings } => {
                    r.with_field_mappings(field_mappings.as_slice())
                }
                _ => r.clone(),
            };
            let fast = mapped.matches(ev);
            let trace = r.explain_with(ev, &fit);
            assert_eq!(
                fast, trace.matched,
                "rule '{}' disagrees on an event: {}",
                r.title, trace.summary
            );
            // The identifiers the fast path reports true are those the trace shows true.
            let ids: Vec<String> = trace
                .identifiers
                .iter()
                .filter(|i| i.value)
                .map(|i| i.name.clone())
                .collect();
            assert_eq!(mapped.matched_identifiers(ev), ids, "rule '{}'", r.title);
            pairs += 1;
            fired += usize::from(fast);
        }
    }
    println!(
        "{} rules x {} events = {pairs} pairs agree ({fired} fire)",
        rules.len(),
        events.len()
    );
    assert!(pairs > 500_000);
}

/// A rule set (routing index, interned field slots) finds exactly what rule-by-rule evaluation
/// finds, with routing on (log source checked) and off, over the Windows sample events.
#[test]
fn ruleset_equals_rule_by_rule() {
    use sigmaplay_engine::{parse_events, LogSourceFit, LogSourceMap, RuleSet};
    let Some(shared) = shared() else { return };
    let rules = active_rules(&shared);
    let mut jsonl = Vec::new();
    files_under(
        &shared.join("corpus/windows-samples/flat"),
        &with_extension("jsonl"),
        &mut jsonl,
    );
    // Every 7th file keeps the test quick while covering every source collection.
    let mut events = Vec::new();
    for f in jsonl.iter().step_by(7) {
        events.extend(
            parse_events(&std::fs::read_to_string(f).unwrap())
                .events
                .into_iter()
                .filter_map(Result::ok),
        );
    }
    let map = LogSourceMap::builtin();
    let mut set = RuleSet::new(rules.clone(), map.clone());
    let (mut routed, mut unrouted) = (0, 0);
    for ev in &events {
        let expected: Vec<usize> = (0..rules.len())
            .filter(|&i| match map.fit(&rules[i].logsource, ev) {
                LogSourceFit::DoesNotFit { .. } => false,
                LogSourceFit::Fits { field_mappings } => rules[i]
                    .with_field_mappings(field_mappings.as_slice())
                    .matches(ev),
                LogSourceFit::Unknown => rules[i].matches(ev),
            })
            .collect();
        set.set_routing(true);
        assert_eq!(set.matching(ev), expected);
        routed += expected.len();
        set.set_routing(false);
        let all: Vec<usize> = (0..rules.len()).filter(|&i| rules[i].matches(ev)).collect();
        assert_eq!(set.matching(ev), all);
        unrouted += all.len();
    }
    println!(
        "{} events: {routed} matches with routing, {unrouted} without",
        events.len()
    );
    assert!(routed > 0);
}
