//! Quick throughput check while tuning (the real benchmark, with peers, is crates/bench):
//! `cargo run --release -p sigmaplay-engine --example throughput [on|off]`
use sigmaplay_engine::{compile_rules, parse_events, CompileOptions, LogSourceMap, RuleSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.filter_map(Result::ok) {
        let p = e.path();
        if p.is_dir() {
            files(&p, ext, out);
        } else if p.extension().is_some_and(|x| x == ext) {
            out.push(p);
        }
    }
}

fn main() {
    let routing = std::env::args().nth(1).as_deref() != Some("off");
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    if !shared.is_dir() {
        println!("SKIPPED: ../shared/corpus is absent");
        return;
    }
    let mut rule_files = Vec::new();
    for d in [
        "rules",
        "rules-emerging-threats",
        "rules-threat-hunting",
        "rules-placeholder",
        "rules-compliance",
    ] {
        files(&shared.join("sigmahq").join(d), "yml", &mut rule_files);
    }
    let t = Instant::now();
    let mut rules = Vec::new();
    for f in &rule_files {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        if !text.contains("product: windows") {
            continue;
        }
        rules.extend(compile_rules(&text, &CompileOptions::default()).rules);
    }
    let compile = t.elapsed();
    let mut event_files = Vec::new();
    files(
        &shared.join("windows-samples/flat"),
        "jsonl",
        &mut event_files,
    );
    let mut events = Vec::new();
    for f in &event_files {
        events.extend(
            parse_events(&std::fs::read_to_string(f).unwrap_or_default())
                .events
                .into_iter()
                .filter_map(Result::ok),
        );
    }
    let n_rules = rules.len();
    let mut set = RuleSet::new(rules, LogSourceMap::builtin());
    println!(
        "{} of {n_rules} rules indexed by the literal prefilter",
        set.prefiltered_rules()
    );
    set.set_routing(routing);
    let mut scratch = set.scratch();
    let mut out = Vec::new();
    let t = Instant::now();
    let mut matches = 0;
    for e in &events {
        set.matching_into(e, &mut scratch, &mut out);
        matches += out.len();
    }
    let el = t.elapsed();
    println!(
        "{n_rules} rules compiled in {compile:?}; {} events, routing {}: {el:?}, {:.1} µs/event, {matches} matches",
        events.len(),
        if routing { "on" } else { "off" },
        el.as_secs_f64() * 1e6 / events.len() as f64
    );
}
