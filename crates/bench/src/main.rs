//! Benchmark: sigmaplay against rsigma-eval 0.21 and sigma-rust 0.7 on SigmaHQ's Windows rules
//! and the 24,661 sample events of `../shared/corpus/windows-samples/flat/`.
//!
//! ```text
//! cargo run --release -p sigmaplay-bench -- [--sample N] [--corpus DIR] [--engines a,b,c]
//!     [--one-rule FILE] [--diff] [--json]
//! ```
//!
//! Each engine runs in its own child process (this binary with `--child ENGINE`), one after the
//! other, on one core, so its peak memory (VmHWM of /proc/self/status) is its own and timings do
//! not compete for the cores. Each child loads the same rule files and the same events, and reports:
//!
//! - rules loaded / failed, compile time (YAML text → ready engine);
//! - per configuration, two passes over all events (sigma-rust: every `--sample`th event, default
//!   50, since it needs ~29 ms per event): **end to end** (the events' JSON text → verdicts, each
//!   engine paying its own parsing, flattening and case folding) and **evaluation only** (events
//!   parsed beforehand into the engine's event type), events/s and matches of each.
//!   sigmaplay: `routing on` and `routing off` (log source routing by channel and event id).
//!   rsigma-eval: rules loaded in one batch (`add_rules`, one index build), then each of its
//!   options (bloom prefilter, the cross-rule Aho-Corasick of `daachorse-index`, the log-source
//!   extractor), and the `add_rule`-one-at-a-time loading, which leaves rules in an
//!   always-evaluated fallback. Ratios are against rsigma-eval's fastest configuration.
//! - the playground loop: one rule compiled (average of 50 compilations) and run over all events.
//!
//! Rules: every file of SigmaHQ's active folders (`rules*/`) that holds a YAML document with
//! `logsource.product: windows` (2,872 files at SigmaHQ 8eaafff1, one rule each).

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const ACTIVE_FOLDERS: &[&str] = &[
    "rules",
    "rules-emerging-threats",
    "rules-threat-hunting",
    "rules-placeholder",
    "rules-compliance",
];
const DEFAULT_ONE_RULE: &str =
    "rules/windows/process_creation/proc_creation_win_whoami_all_execution.yml";
const ENGINES: &[&str] = &["sigmaplay", "rsigma-eval", "sigma-rust"];
const ONE_RULE_COMPILES: u32 = 50;

struct Args {
    sample: usize,
    corpus: PathBuf,
    engines: Vec<String>,
    one_rule: String,
    child: Option<String>,
    /// Compare the (event, rule) matches of sigmaplay (routing off) and rsigma-eval.
    diff: bool,
    /// Child: write its (event, rule id, title) matches here, tab-separated.
    dump: Option<PathBuf>,
    /// Print `{"engines": [the children's reports]}` instead of the tables.
    json: bool,
}

fn usage() -> ! {
    eprintln!(
        "usage: sigmaplay-bench [--sample N] [--corpus DIR] [--engines {}] [--one-rule FILE] \
         [--diff] [--json]\n\
         \n  --sample N      sigma-rust evaluates every Nth event (default 50)\
         \n  --corpus DIR    the corpus folder (default ../shared/corpus from the project root)\
         \n  --one-rule FILE the rule of the one-rule scenario, relative to the SigmaHQ folder\
         \n                  (default {DEFAULT_ONE_RULE})\
         \n  --diff          list the (event, rule) matches on which sigmaplay (routing off) and\
         \n                  rsigma-eval disagree\
         \n  --json          print one JSON object {{\"engines\": [per-engine reports]}}",
        ENGINES.join(",")
    );
    std::process::exit(2)
}

fn parse_args() -> Args {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut args = Args {
        sample: 50,
        corpus: root.join("../shared/corpus"),
        engines: ENGINES.iter().map(|s| s.to_string()).collect(),
        one_rule: DEFAULT_ONE_RULE.to_string(),
        child: None,
        diff: false,
        dump: None,
        json: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "--sample" => {
                args.sample = value()
                    .parse()
                    .ok()
                    .filter(|&n| n > 0)
                    .unwrap_or_else(|| usage())
            }
            "--corpus" => args.corpus = PathBuf::from(value()),
            "--engines" => {
                args.engines = value().split(',').map(|s| s.trim().to_string()).collect()
            }
            "--one-rule" => args.one_rule = value(),
            "--child" => args.child = Some(value()),
            "--diff" => args.diff = true,
            "--json" => args.json = true,
            "--dump" => args.dump = Some(PathBuf::from(value())),
            "-h" | "--help" => usage(),
            _ => usage(),
        }
    }
    for e in &args.engines {
        if !ENGINES.contains(&e.as_str()) {
            eprintln!("unknown engine {e:?}");
            usage();
        }
    }
    args
}

fn main() {
    let args = parse_args();
    let sigmahq = args.corpus.join("sigmahq");
    let flat = args.corpus.join("windows-samples/flat");
    if !sigmahq.is_dir() || !flat.is_dir() {
        println!(
            "SKIPPED: the corpus is not there ({} and {} are needed; pass --corpus DIR)",
            sigmahq.display(),
            flat.display()
        );
        return;
    }
    if let Some(engine) = &args.child {
        let result = child(engine, &args, &sigmahq, &flat);
        println!("{result}");
        return;
    }
    parent(&args);
}

// ---------------------------------------------------------------------------------------------
// Parent: run each engine in a child process, print the table.

fn parent(args: &Args) {
    let exe = std::env::current_exe().expect("own path");
    if cfg!(debug_assertions) {
        eprintln!("WARNING: a debug build; run with --release for meaningful figures");
    }
    let mut results: Vec<Value> = Vec::new();
    for engine in &args.engines {
        eprintln!("running {engine}...");
        let out = Command::new(&exe)
            .args([
                "--child",
                engine,
                "--sample",
                &args.sample.to_string(),
                "--one-rule",
                &args.one_rule,
            ])
            .arg("--corpus")
            .arg(&args.corpus)
            .args(if args.diff {
                vec![
                    "--dump".to_string(),
                    dump_path(engine).display().to_string(),
                ]
            } else {
                vec![]
            })
            .output()
            .expect("run child");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let Some(v) = stdout
            .lines()
            .rev()
            .find_map(|l| serde_json::from_str::<Value>(l).ok())
        else {
            eprintln!(
                "{engine}: no result (status {}):\n{}\n{}",
                out.status,
                stdout,
                String::from_utf8_lossy(&out.stderr)
            );
            continue;
        };
        eprint!("{}", String::from_utf8_lossy(&out.stderr));
        results.push(v);
    }
    if args.json {
        println!("{}", json!({ "engines": results }));
    } else {
        print_table(&results, args.sample);
    }
    if args.diff {
        print_diff(args.sample);
    }
}

fn dump_path(engine: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "sigmaplay-bench-{}-{engine}.tsv",
        std::process::id()
    ))
}

/// (event, rule id) → title, from a child's dump.
fn read_dump(engine: &str) -> Dump {
    let text = std::fs::read_to_string(dump_path(engine)).unwrap_or_default();
    let _ = std::fs::remove_file(dump_path(engine));
    text.lines()
        .filter_map(|l| {
            let mut parts = l.splitn(3, '\t');
            let event = parts.next()?.parse().ok()?;
            let id = parts.next()?.to_string();
            Some(((event, id), parts.next().unwrap_or("").to_string()))
        })
        .collect()
}

fn print_diff(sample: usize) {
    let ours = read_dump("sigmaplay");
    let peers = ["rsigma-eval", "sigma-rust"].map(|peer| (peer, read_dump(peer)));
    if ours.is_empty() || peers.iter().all(|(_, d)| d.is_empty()) {
        println!("\n--diff needs sigmaplay and a peer in --engines");
        return;
    }
    for (peer, theirs) in peers.iter().filter(|(_, d)| !d.is_empty()) {
        // sigma-rust evaluates every `sample`th event only: compare on those.
        let ours: std::collections::BTreeMap<_, _> = ours
            .iter()
            .filter(|((event, _), _)| *peer != "sigma-rust" || event.is_multiple_of(sample))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        print_disagreements(peer, &ours, theirs);
    }
}

type Dump = std::collections::BTreeMap<(usize, String), String>;

fn print_disagreements(peer: &str, ours: &Dump, theirs: &Dump) {
    let common = ours.keys().filter(|k| theirs.contains_key(*k)).count();
    println!(
        "\nMatches compared with {peer} (no routing): {common} in both, {} only sigmaplay, {} only {peer}",
        ours.len() - common,
        theirs.len() - common
    );
    let only_theirs = format!("only {peer}");
    for (label, a, b) in [
        ("only sigmaplay", ours, theirs),
        (only_theirs.as_str(), theirs, ours),
    ] {
        let mut by_rule: std::collections::BTreeMap<(&str, &str), Vec<usize>> = Default::default();
        for ((event, id), title) in a.iter().filter(|(k, _)| !b.contains_key(*k)) {
            by_rule
                .entry((id.as_str(), title.as_str()))
                .or_default()
                .push(*event);
        }
        let mut rows: Vec<_> = by_rule.into_iter().collect();
        rows.sort_by_key(|r| std::cmp::Reverse(r.1.len()));
        if !rows.is_empty() {
            println!("  {label}, by rule ({} rules):", rows.len());
        }
        for ((id, title), events) in rows.iter().take(40) {
            let shown: Vec<String> = events.iter().take(5).map(|e| e.to_string()).collect();
            println!(
                "    {:>5}  {id}  {title}  (events {}{})",
                events.len(),
                shown.join(", "),
                if events.len() > 5 { ", ..." } else { "" }
            );
        }
    }
}

fn write_dump(path: &Path, lines: &[String]) {
    if let Err(e) = std::fs::write(path, lines.join("\n")) {
        eprintln!("{}: {e}", path.display());
    }
}

fn f(v: &Value, k: &str) -> f64 {
    v[k].as_f64().unwrap_or(f64::NAN)
}

fn ratio(a: f64, b: f64) -> String {
    if a.is_finite() && b.is_finite() && b > 0.0 {
        // Three decimals below 0.1×, so that sigma-rust's ratio does not read 0.00×.
        let digits = if a / b < 0.1 { 3 } else { 2 };
        format!("{:.digits$}×", a / b)
    } else {
        "-".into()
    }
}

/// rsigma-eval's fastest run in `mode` (`end_to_end` or `evaluation_only`): the reference.
fn rsigma_best<'a>(results: &'a [Value], mode: &str) -> Option<&'a Value> {
    results
        .iter()
        .filter(|v| v["engine"] == "rsigma-eval")
        .flat_map(|v| v["runs"].as_array().into_iter().flatten())
        .max_by(|a, b| f(&a[mode], "events_per_s").total_cmp(&f(&b[mode], "events_per_s")))
}

fn runs(results: &[Value]) -> impl Iterator<Item = (String, &Value, &Value)> {
    results.iter().flat_map(|v| {
        v["runs"].as_array().into_iter().flatten().map(move |run| {
            let name = format!(
                "{} {}",
                v["engine"].as_str().unwrap_or("?"),
                run["label"].as_str().unwrap_or("")
            );
            (name, v, run)
        })
    })
}

fn print_table(results: &[Value], sample: usize) {
    let first = results.first();
    if let Some(v) = first {
        println!(
            "\nWorkload: {} SigmaHQ Windows rule files, {} events ({} events in the 1-in-{sample} sample)\n",
            v["rule_files"], v["events"], v["sample_events"]
        );
    }
    for v in results {
        println!(
            "{:<12} rules {:>5} loaded, {:>3} failed; compile {:>5.0} ms, parse (eval-only input) {:>5.0} ms, peak RSS {:>4.0} MB",
            v["engine"].as_str().unwrap_or("?"),
            v["rules_loaded"],
            v["rules_failed"],
            f(v, "compile_ms"),
            f(v, "parse_ms"),
            f(v, "peak_rss_kb") / 1024.0,
        );
    }
    let best_e2e = rsigma_best(results, "end_to_end");
    let best_eval = rsigma_best(results, "evaluation_only");
    println!(
        "\n{:<50} {:>12} {:>9} {:>7} {:>12} {:>9} {:>7}",
        "engine, configuration",
        "end to end/s",
        "matches",
        "ratio",
        "eval only/s",
        "matches",
        "ratio"
    );
    let events_per_s = |run: &Value, mode: &str| f(&run[mode], "events_per_s");
    let best = |best: Option<&Value>, mode: &str| best.map_or(f64::NAN, |b| events_per_s(b, mode));
    for (name, _, run) in runs(results) {
        let matches = |mode: &str| match run["matches"].as_u64() {
            Some(_) => run[mode]["matches"].to_string(),
            None => "-".into(),
        };
        println!(
            "{:<50} {:>12.0} {:>9} {:>7} {:>12.0} {:>9} {:>7}",
            name,
            events_per_s(run, "end_to_end"),
            matches("end_to_end"),
            ratio(
                events_per_s(run, "end_to_end"),
                best(best_e2e, "end_to_end")
            ),
            events_per_s(run, "evaluation_only"),
            matches("evaluation_only"),
            ratio(
                events_per_s(run, "evaluation_only"),
                best(best_eval, "evaluation_only")
            ),
        );
    }
    for (mode, b) in [("end to end", best_e2e), ("evaluation only", best_eval)] {
        if let Some(b) = b {
            println!(
                "ratio ({mode}): events/s ÷ rsigma-eval's best, \"{}\"",
                b["label"].as_str().unwrap_or("")
            );
        }
    }
    println!("\nMatches on the 1-in-{sample} sample (the events sigma-rust evaluates):");
    for (name, _, run) in runs(results) {
        println!("  {name:<50} {}", run["sample_matches"]);
    }
    let rsigma = results.iter().find(|v| v["engine"] == "rsigma-eval");
    println!(
        "\nThe playground loop: one rule ({}), compiled then run over every event:",
        first.map_or(String::new(), |v| v["one_rule"]["file"]
            .as_str()
            .unwrap_or("")
            .to_string())
    );
    println!(
        "{:<30} {:>12} {:>10} {:>12} {:>9}",
        "engine", "compile", "eval", "events/s", "matches"
    );
    for v in results {
        let o = &v["one_rule"];
        println!(
            "{:<30} {:>10.1}µs {:>8.1}ms {:>12.0} {:>9}",
            v["engine"].as_str().unwrap_or("?"),
            f(o, "compile_us"),
            f(o, "eval_ms"),
            f(o, "events_per_s"),
            o["matches"]
        );
    }
    if let Some(r) = rsigma {
        for v in results.iter().filter(|v| v["engine"] != "rsigma-eval") {
            let (o, ro) = (&v["one_rule"], &r["one_rule"]);
            println!(
                "  {} vs rsigma-eval: compile {}, events/s {}",
                v["engine"].as_str().unwrap_or("?"),
                ratio(f(ro, "compile_us"), f(o, "compile_us")),
                ratio(f(o, "events_per_s"), f(ro, "events_per_s")),
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Child: one engine.

struct Corpus {
    rule_files: Vec<(String, String)>,
    /// One text per events file (JSON Lines).
    event_files: Vec<String>,
    one_rule: (String, String),
}

fn load_corpus(sigmahq: &Path, flat: &Path, one_rule: &str) -> Corpus {
    let mut paths = Vec::new();
    for folder in ACTIVE_FOLDERS {
        walk(&sigmahq.join(folder), &mut |p| {
            if p.extension().is_some_and(|e| e == "yml" || e == "yaml") {
                paths.push(p.to_path_buf());
            }
        });
    }
    paths.sort();
    let mut rule_files = Vec::new();
    for p in paths {
        let Ok(text) = std::fs::read_to_string(&p) else {
            continue;
        };
        if is_windows_rule(&text) {
            let name = p.strip_prefix(sigmahq).unwrap_or(&p).display().to_string();
            rule_files.push((name, text));
        }
    }
    let mut event_paths = Vec::new();
    walk(flat, &mut |p| event_paths.push(p.to_path_buf()));
    event_paths.sort();
    let event_files = event_paths
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect();
    let one_text = std::fs::read_to_string(sigmahq.join(one_rule)).unwrap_or_else(|e| {
        eprintln!("{one_rule}: {e}");
        std::process::exit(1)
    });
    Corpus {
        rule_files,
        event_files,
        one_rule: (one_rule.to_string(), one_text),
    }
}

fn walk(dir: &Path, f: &mut dyn FnMut(&Path)) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, f);
        } else {
            f(&p);
        }
    }
}

/// Any document with `logsource.product: windows`.
fn is_windows_rule(text: &str) -> bool {
    use serde::Deserialize;
    serde_yaml::Deserializer::from_str(text).any(|doc| {
        serde_yaml::Value::deserialize(doc).ok().is_some_and(|v| {
            v.get("logsource")
                .and_then(|l| l.get("product"))
                .and_then(|p| p.as_str())
                .is_some_and(|p| p.eq_ignore_ascii_case("windows"))
        })
    })
}

fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// What every engine's child reports, whatever the engine.
struct ChildReport {
    loaded: usize,
    failed: usize,
    compile: Duration,
    parse: Duration,
    parse_errors: usize,
    events: usize,
    sample: usize,
    runs: Vec<Value>,
    /// The playground loop: one rule's compile time, evaluation time and matches.
    one_compile: Duration,
    one_eval: Duration,
    one_matches: usize,
}

impl ChildReport {
    fn json(self) -> Value {
        json!({
            "rules_loaded": self.loaded,
            "rules_failed": self.failed,
            "compile_ms": ms(self.compile),
            "parse_ms": ms(self.parse),
            "parse_errors": self.parse_errors,
            "events": self.events,
            "sample_events": self.events.div_ceil(self.sample),
            "runs": self.runs,
            "one_rule": {
                "compile_us": self.one_compile.as_secs_f64() * 1e6,
                "eval_ms": ms(self.one_eval),
                "events_per_s": self.events as f64 / self.one_eval.as_secs_f64(),
                "matches": self.one_matches,
            },
        })
    }
}

/// Time this thread has spent on a CPU (Linux: the first field of /proc/thread-self/schedstat,
/// in ns). The machine the benchmark runs on is shared, so wall time also counts the time other
/// processes held the core; events/s are per second on one core, from this clock where it exists.
fn on_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(Duration::from_nanos(
        text.split_whitespace().next()?.parse().ok()?,
    ))
}

/// Both clocks, started together.
struct Stopwatch {
    wall: Instant,
    cpu: Option<Duration>,
}

impl Stopwatch {
    fn start() -> Stopwatch {
        Stopwatch {
            wall: Instant::now(),
            cpu: on_cpu(),
        }
    }
}

/// One pass of an engine over the events: how many it evaluated, what fired, how long it took.
#[derive(Default)]
struct Pass {
    events: usize,
    matches: usize,
    /// Matches on every `sample`th event (the events sigma-rust evaluates).
    sample_matches: usize,
    /// On one core: CPU time where the OS reports it, else wall time.
    elapsed: Duration,
    wall: Duration,
}

impl Pass {
    fn count(&mut self, event: usize, sample: usize, matches: usize) {
        self.events += 1;
        self.matches += matches;
        if event.is_multiple_of(sample) {
            self.sample_matches += matches;
        }
    }

    fn stop(&mut self, watch: Stopwatch) {
        self.wall = watch.wall.elapsed();
        self.elapsed = match (watch.cpu, on_cpu()) {
            (Some(start), Some(end)) => end.saturating_sub(start),
            _ => self.wall,
        };
    }

    fn events_per_s(&self) -> f64 {
        self.events as f64 / self.elapsed.as_secs_f64()
    }

    fn json(&self) -> Value {
        json!({
            "events_evaluated": self.events,
            "ms": ms(self.elapsed),
            "wall_ms": ms(self.wall),
            "events_per_s": self.events_per_s(),
            "matches": self.matches,
            "sample_matches": self.sample_matches,
        })
    }
}

/// One configuration's figures: `events_per_s` and `matches` are the end-to-end ones (event text
/// → verdicts), `evaluation_only` the same over pre-parsed events. `exact` is false where only a
/// sample of the events was evaluated (then `matches` is null: a total cannot be compared).
fn run_json(label: &str, end_to_end: &Pass, evaluation_only: &Pass, exact: bool) -> Value {
    json!({
        "label": label,
        "events_per_s": end_to_end.events_per_s(),
        "matches": exact.then_some(end_to_end.matches),
        "sample_matches": end_to_end.sample_matches,
        "end_to_end": end_to_end.json(),
        "evaluation_only": evaluation_only.json(),
    })
}

fn child(engine: &str, args: &Args, sigmahq: &Path, flat: &Path) -> Value {
    let corpus = load_corpus(sigmahq, flat, &args.one_rule);
    let mut result = match engine {
        "sigmaplay" => sigmaplay_child(&corpus, args.sample, args.dump.as_deref()),
        "rsigma-eval" => rsigma_child(&corpus, args.sample, args.dump.as_deref()),
        "sigma-rust" => sigma_rust_child(&corpus, args.sample, args.dump.as_deref()),
        _ => unreachable!(),
    };
    result["engine"] = json!(engine);
    result["rule_files"] = json!(corpus.rule_files.len());
    result["peak_rss_kb"] = json!(peak_rss_kb());
    result["one_rule"]["file"] = json!(corpus.one_rule.0);
    result
}

fn sigmaplay_child(corpus: &Corpus, sample: usize, dump: Option<&Path>) -> Value {
    use sigmaplay_engine::{compile_rules, parse_events, CompileOptions, LogSourceMap, RuleSet};
    let options = CompileOptions::default();
    // `|expand` placeholders need values from the caller. The peers leave `%name%` as literal
    // text, so give each placeholder its own `%name%` text as value: same verdicts, same work.
    let placeholder_options = |text: &str| {
        let mut o = options.clone();
        for name in text.split('%').skip(1).step_by(2) {
            if !name.is_empty() && name.len() < 64 && !name.contains(['\\', ' ', '\'', '\n']) {
                o.placeholders
                    .insert(name.to_string(), vec![format!("%{name}%")]);
            }
        }
        o
    };

    let t = Instant::now();
    let mut rules = Vec::new();
    let mut failed = 0;
    for (name, text) in &corpus.rule_files {
        let c = if text.contains("|expand") {
            compile_rules(text, &placeholder_options(text))
        } else {
            compile_rules(text, &options)
        };
        if c.has_errors() {
            failed += 1;
            if std::env::var_os("BENCH_VERBOSE").is_some() {
                for d in c.diagnostics.iter().filter(|d| d.is_error()) {
                    eprintln!("{}", d.render(name));
                }
            }
        }
        rules.extend(c.rules);
    }
    let compile = t.elapsed();
    let loaded = rules.len();

    let t = Instant::now();
    let mut events = Vec::new();
    let mut parse_errors = 0;
    for text in &corpus.event_files {
        for e in parse_events(text).events {
            match e {
                Ok(e) => events.push(e),
                Err(_) => parse_errors += 1,
            }
        }
    }
    let parse = t.elapsed();

    let t = Instant::now();
    let mut set = RuleSet::new(rules, LogSourceMap::builtin());
    let build = t.elapsed();
    // Untimed: the first pass over the events pays the page faults of the rule set's tables
    // (the prefilter's automata), which would count against whichever mode is measured first.
    for e in &events {
        set.matching(e);
    }
    let mut runs = Vec::new();
    for (label, routing) in [("routing on", true), ("routing off", false)] {
        set.set_routing(routing);
        // End to end: the events' text → verdicts, parsing (flattening, case folding) included.
        let mut end_to_end = Pass::default();
        let watch = Stopwatch::start();
        for text in &corpus.event_files {
            for e in parse_events(text).events.iter().flatten() {
                end_to_end.count(end_to_end.events, sample, set.matching(e).len());
            }
        }
        end_to_end.stop(watch);

        let mut evaluation_only = Pass::default();
        let mut pairs: Vec<(usize, usize)> = Vec::new();
        let watch = Stopwatch::start();
        for (i, e) in events.iter().enumerate() {
            let hits = set.matching(e);
            evaluation_only.count(i, sample, hits.len());
            if dump.is_some() && !routing {
                pairs.extend(hits.into_iter().map(|r| (i, r)));
            }
        }
        evaluation_only.stop(watch);
        if let (Some(path), false) = (dump, routing) {
            let lines: Vec<String> = pairs
                .iter()
                .map(|&(i, r)| {
                    let rule = &set.rules()[r];
                    format!("{i}\t{}\t{}", rule.id.as_deref().unwrap_or(""), rule.title)
                })
                .collect();
            write_dump(path, &lines);
        }
        runs.push(run_json(label, &end_to_end, &evaluation_only, true));
    }

    // The playground loop.
    let t = Instant::now();
    let mut one = None;
    for _ in 0..ONE_RULE_COMPILES {
        one = compile_rules(&corpus.one_rule.1, &options)
            .rules
            .into_iter()
            .next();
    }
    let compile_one = t.elapsed() / ONE_RULE_COMPILES;
    let one = one.expect("the one rule compiles");
    let t = Instant::now();
    let one_matches = events.iter().filter(|e| one.matches(e)).count();
    let one_eval = t.elapsed();

    ChildReport {
        loaded,
        failed,
        compile: compile + build,
        parse,
        parse_errors,
        events: events.len(),
        sample,
        runs,
        one_compile: compile_one,
        one_eval,
        one_matches,
    }
    .json()
}

fn json_events(corpus: &Corpus) -> (Vec<Value>, usize, Duration) {
    let t = Instant::now();
    let mut events = Vec::new();
    let mut errors = 0;
    for text in &corpus.event_files {
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            match serde_json::from_str::<Value>(line) {
                Ok(v) => events.push(v),
                Err(_) => errors += 1,
            }
        }
    }
    (events, errors, t.elapsed())
}

/// The events' lines (JSON Lines), for the peers' end-to-end passes.
fn event_lines(corpus: &Corpus) -> impl Iterator<Item = &str> {
    corpus
        .event_files
        .iter()
        .flat_map(|text| text.lines())
        .filter(|l| !l.trim().is_empty())
}

/// Every rule of every file, parsed by rsigma-parser; files with a parse error count as failed.
fn rsigma_parse(corpus: &Corpus) -> (Vec<rsigma_parser::SigmaRule>, usize) {
    let mut rules = Vec::new();
    let mut failed = 0;
    for (_, text) in &corpus.rule_files {
        match rsigma_parser::parse_sigma_yaml(text) {
            Ok(collection) => {
                // Unknown modifiers land in `errors` silently: such a file did not load whole.
                failed += usize::from(!collection.errors.is_empty());
                if !collection.filters.is_empty() {
                    eprintln!(
                        "rsigma-eval: filters in a rule file are not applied by the benchmark"
                    );
                }
                rules.extend(collection.rules);
            }
            Err(_) => failed += 1,
        }
    }
    (rules, failed)
}

/// rsigma-eval's configurations, measured one after the other on one batch-loaded engine (each
/// option is a runtime switch), then the one-`add_rule`-at-a-time loading the benchmark used to do.
const RSIGMA_CONFIGS: &[&str] = &[
    "batch, candidate index",
    "batch + bloom prefilter",
    "batch + cross-rule AC",
    "batch + log-source extractor",
    "add_rule one at a time",
];

fn rsigma_configure(engine: &mut rsigma_eval::Engine, config: &str) {
    use rsigma_eval::LogSourceExtractor;
    engine.set_bloom_prefilter(config == "batch + bloom prefilter");
    engine.set_cross_rule_ac(config == "batch + cross-rule AC");
    // The events carry no product/service/category field; the extractor's static default tags
    // them `product: windows`, which is all it can know of them.
    engine.set_logsource_extractor((config == "batch + log-source extractor").then(|| {
        LogSourceExtractor::new().with_defaults(rsigma_parser::LogSource {
            product: Some("windows".into()),
            ..Default::default()
        })
    }));
}

fn rsigma_child(corpus: &Corpus, sample: usize, dump: Option<&Path>) -> Value {
    use rsigma_eval::{Engine, JsonEvent};
    let t = Instant::now();
    let (rules, parse_failed) = rsigma_parse(corpus);
    let mut engine = Engine::new();
    let errors = engine.add_rules(rules.iter());
    let compile = t.elapsed();
    let failed = parse_failed + errors.len();

    let (events, parse_errors, parse) = json_events(corpus);

    let mut one_at_a_time = Engine::new();
    for rule in &rules {
        let _ = one_at_a_time.add_rule(rule);
    }
    // Untimed, as for sigmaplay: the first pass's page faults and cold caches.
    for v in &events {
        engine.evaluate(&JsonEvent::borrow(v));
    }
    let mut runs = Vec::new();
    for &config in RSIGMA_CONFIGS {
        let configured = if config == "add_rule one at a time" {
            &one_at_a_time
        } else {
            rsigma_configure(&mut engine, config);
            &engine
        };
        let mut end_to_end = Pass::default();
        let watch = Stopwatch::start();
        for line in event_lines(corpus) {
            let n = serde_json::from_str::<Value>(line)
                .map_or(0, |v| configured.evaluate(&JsonEvent::borrow(&v)).len());
            end_to_end.count(end_to_end.events, sample, n);
        }
        end_to_end.stop(watch);

        let mut evaluation_only = Pass::default();
        let mut lines = Vec::new();
        let watch = Stopwatch::start();
        for (i, v) in events.iter().enumerate() {
            let results = configured.evaluate(&JsonEvent::borrow(v));
            evaluation_only.count(i, sample, results.len());
            if dump.is_some() && config == RSIGMA_CONFIGS[0] {
                for r in &results {
                    let h = &r.header;
                    lines.push(format!(
                        "{i}\t{}\t{}",
                        h.rule_id.as_deref().unwrap_or(""),
                        h.rule_title
                    ));
                }
            }
        }
        evaluation_only.stop(watch);
        if let (Some(path), true) = (dump, config == RSIGMA_CONFIGS[0]) {
            write_dump(path, &lines);
        }
        runs.push(run_json(config, &end_to_end, &evaluation_only, true));
    }

    let t = Instant::now();
    let mut one = Engine::new();
    for _ in 0..ONE_RULE_COMPILES {
        one = Engine::new();
        if let Ok(c) = rsigma_parser::parse_sigma_yaml(&corpus.one_rule.1) {
            one.add_rules(c.rules.iter());
        }
    }
    let compile_one = t.elapsed() / ONE_RULE_COMPILES;
    let t = Instant::now();
    let one_matches: usize = events
        .iter()
        .map(|v| one.evaluate(&JsonEvent::borrow(v)).len())
        .sum();
    let one_eval = t.elapsed();

    ChildReport {
        loaded: engine.rule_count(),
        failed,
        compile,
        parse,
        parse_errors,
        events: events.len(),
        sample,
        runs,
        one_compile: compile_one,
        one_eval,
        one_matches,
    }
    .json()
}

fn sigma_rust_child(corpus: &Corpus, sample: usize, dump: Option<&Path>) -> Value {
    let t = Instant::now();
    let mut rules = Vec::new();
    let mut failed = 0;
    for (_, text) in &corpus.rule_files {
        match sigma_rust::rule_from_yaml(text) {
            Ok(r) => rules.push(r),
            Err(_) => failed += 1,
        }
    }
    let compile = t.elapsed();

    let (values, _, json_parse) = json_events(corpus);
    let t = Instant::now();
    let mut events = Vec::with_capacity(values.len());
    let mut parse_errors = 0;
    for v in values {
        match sigma_rust::Event::try_from(v) {
            Ok(e) => events.push(e),
            Err(_) => parse_errors += 1,
        }
    }
    let parse = json_parse + t.elapsed();

    // ~29 ms per event: every `sample`th event only, end to end and on the pre-parsed events.
    let mut end_to_end = Pass::default();
    let watch = Stopwatch::start();
    for (i, line) in event_lines(corpus).enumerate().step_by(sample) {
        let event = serde_json::from_str::<Value>(line)
            .ok()
            .and_then(|v| sigma_rust::Event::try_from(v).ok());
        let n = event.map_or(0, |e| rules.iter().filter(|r| r.is_match(&e)).count());
        end_to_end.count(i, sample, n);
    }
    end_to_end.stop(watch);
    let mut evaluation_only = Pass::default();
    let watch = Stopwatch::start();
    let mut lines = Vec::new();
    for (i, e) in events.iter().enumerate().step_by(sample) {
        // Collecting the hits costs nothing next to the ~29 ms evaluation of the event.
        let hits: Vec<_> = rules.iter().filter(|r| r.is_match(e)).collect();
        evaluation_only.count(i, sample, hits.len());
        if dump.is_some() {
            lines.extend(
                hits.iter()
                    .map(|r| format!("{i}\t{}\t{}", r.id.as_deref().unwrap_or(""), r.title)),
            );
        }
    }
    evaluation_only.stop(watch);
    if let Some(path) = dump {
        write_dump(path, &lines);
    }
    let label = format!("(1 in {sample} events)");
    let runs = vec![run_json(&label, &end_to_end, &evaluation_only, false)];

    let t = Instant::now();
    let mut one = None;
    for _ in 0..ONE_RULE_COMPILES {
        one = sigma_rust::rule_from_yaml(&corpus.one_rule.1).ok();
    }
    let compile_one = t.elapsed() / ONE_RULE_COMPILES;
    let one = one.expect("sigma-rust loads the one rule");
    let t = Instant::now();
    let one_matches = events.iter().filter(|e| one.is_match(e)).count();
    let one_eval = t.elapsed();

    ChildReport {
        loaded: rules.len(),
        failed,
        compile,
        parse,
        parse_errors,
        events: events.len(),
        sample,
        runs,
        one_compile: compile_one,
        one_eval,
        one_matches,
    }
    .json()
}
