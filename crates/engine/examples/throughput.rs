//! Quick throughput check while tuning (the real benchmark, with peers, is crates/bench):
//! `cargo run --release -p sigmaplay-engine --example throughput [on|off] [eval|e2e] [passes]`
//! (`e2e`: each pass parses the events' text again, as the benchmark's end-to-end pass does).
use sigmaplay_engine::{compile_rules, parse_events, CompileOptions, LogSourceMap, RuleSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// This thread's time on a CPU (the machine is shared: wall time counts the other processes).
fn on_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

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
    let args: Vec<String> = std::env::args().collect();
    let routing = args.get(1).map(String::as_str) != Some("off");
    let end_to_end = args.get(2).map(String::as_str) == Some("e2e");
    let passes: usize = args.get(3).and_then(|p| p.parse().ok()).unwrap_or(1);
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
    let texts: Vec<String> = event_files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap_or_default())
        .collect();
    let mut events = Vec::new();
    for text in &texts {
        events.extend(parse_events(text).events.into_iter().filter_map(Result::ok));
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
    let cpu = on_cpu();
    let mut matches = 0;
    for _ in 0..passes {
        if end_to_end {
            for text in &texts {
                for e in parse_events(text).events.iter().flatten() {
                    set.matching_into(e, &mut scratch, &mut out);
                    matches += out.len();
                }
            }
        } else {
            for e in &events {
                set.matching_into(e, &mut scratch, &mut out);
                matches += out.len();
            }
        }
    }
    let el = match (cpu, on_cpu()) {
        (Some(a), Some(b)) => b - a,
        _ => t.elapsed(),
    } / passes as u32;
    let matches = matches / passes;
    println!(
        "{n_rules} rules compiled in {compile:?}; {} events, routing {}, {}: {el:?} on a CPU, {:.1} µs/event, {matches} matches",
        events.len(),
        if routing { "on" } else { "off" },
        if end_to_end { "end to end" } else { "evaluation only" },
        el.as_secs_f64() * 1e6 / events.len() as f64
    );
}
