//! `sigmaplay eval`: rules over events, one JSON line per match, or explanations.

use crate::check::compile_files;
use crate::{inputs, tree, EvalArgs, OutputFormat, Status};
use serde_json::json;
use sigmaplay_engine::{
    parse_events, read_evtx, CompileOptions, CompiledRule, Event, LogSourceMap, LogSourcePolicy,
    RuleSet, SourceMap,
};
use std::io::{self, IsTerminal, Write};

pub fn run(args: &EvalArgs) -> io::Result<Status> {
    let placeholders = match inputs::placeholders(&args.placeholders) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("sigmaplay: {e}");
            return Ok(Status::Errors);
        }
    };
    if args.events.as_os_str() == "-" && args.rules.iter().any(|r| r.as_os_str() == "-") {
        eprintln!("sigmaplay: rules and events cannot both be read from stdin");
        return Ok(Status::Errors);
    }
    let options = CompileOptions {
        placeholders,
        lint: false,
    };
    let (rules, mut errors) = load_rules(args, &options);
    let source = match inputs::read_events(&args.events) {
        Ok(source) => source,
        Err(e) => {
            eprintln!("{e}");
            return Ok(Status::Errors);
        }
    };

    let format = args
        .format
        .unwrap_or(if args.explain && io::stdout().is_terminal() {
            OutputFormat::Text
        } else {
            OutputFormat::Json
        });
    let mut set = RuleSet::new(rules.rules, LogSourceMap::builtin());
    set.set_policy(if args.no_logsource {
        LogSourcePolicy::Ignore
    } else {
        LogSourcePolicy::Route
    });
    let run = Run {
        set: &set,
        files: &rules.files,
        format,
        explain: args.explain,
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut tally = Tally::default();
    match &source {
        inputs::Events::Text(input) => {
            let parsed = parse_events(&input.text);
            let lines = SourceMap::new(&input.text);
            for (index, event) in parsed.events.iter().enumerate() {
                match event {
                    Ok(event) => {
                        let line = lines.location(event.span.start).line;
                        tally.matches += run.event(&mut out, index, Some(line), event)?;
                        tally.events += 1;
                    }
                    Err(e) => {
                        eprintln!(
                            "{}:{}:{}: error: {}",
                            input.name, e.line, e.column, e.message
                        );
                        errors += 1;
                    }
                }
            }
        }
        inputs::Events::Evtx { name, path } => {
            errors += run.evtx(&mut out, name, path, &mut tally)?;
        }
    }
    out.flush()?;
    if io::stderr().is_terminal() || errors > 0 {
        eprintln!(
            "{} rule(s), {} event(s): {} match(es){}",
            set.rules().len(),
            tally.events,
            tally.matches,
            if errors > 0 {
                format!(", {errors} error(s)")
            } else {
                String::new()
            }
        );
    }
    Ok(if errors > 0 {
        Status::Errors
    } else {
        Status::Ok
    })
}

/// Events read and matches written.
#[derive(Default)]
struct Tally {
    events: usize,
    matches: usize,
}

/// The rules of every file, and per rule the file it came from.
struct LoadedRules {
    rules: Vec<CompiledRule>,
    /// `files[i]`: the name of the file rule `i` came from.
    files: Vec<String>,
}

/// Compiles every rule file; errors are reported on stderr and counted, the good rules kept.
fn load_rules(args: &EvalArgs, options: &CompileOptions) -> (LoadedRules, usize) {
    let (files, read_errors) = compile_files(&args.rules, options);
    let mut errors = 0;
    for e in &read_errors {
        eprintln!("{e}");
        errors += 1;
    }
    let mut loaded = LoadedRules {
        rules: Vec::new(),
        files: Vec::new(),
    };
    for file in files {
        for d in file.diagnostics().filter(|d| d.is_error()) {
            eprintln!("{}", d.render(&file.name));
            errors += 1;
        }
        let n = file.compilation.rules.len();
        loaded
            .files
            .extend(std::iter::repeat_n(file.name.clone(), n));
        loaded.rules.extend(file.compilation.rules);
    }
    (loaded, errors)
}

/// One evaluation of a rule set over events, and where it writes.
struct Run<'a> {
    set: &'a RuleSet,
    files: &'a [String],
    format: OutputFormat,
    explain: bool,
}

impl Run<'_> {
    fn file(&self, rule: usize) -> Option<&str> {
        self.files.get(rule).map(String::as_str)
    }

    /// Streams the records of an `.evtx` file through [`Run::event`] (one chunk in memory at a
    /// time); returns the number of records that could not be read (reported on stderr).
    fn evtx(
        &self,
        out: &mut impl Write,
        name: &str,
        path: &std::path::Path,
        tally: &mut Tally,
    ) -> io::Result<usize> {
        let file = match std::fs::File::open(path) {
            Ok(f) => io::BufReader::new(f),
            Err(e) => {
                eprintln!("{name}: cannot read: {e}");
                return Ok(1);
            }
        };
        let mut errors = 0;
        let mut write_error = None;
        let mut index = 0;
        let read = read_evtx(file, |event| {
            if write_error.is_some() {
                return;
            }
            match event {
                Ok(event) => match self.event(out, index, None, &event) {
                    Ok(n) => {
                        tally.matches += n;
                        tally.events += 1;
                    }
                    Err(e) => write_error = Some(e),
                },
                Err(e) => {
                    eprintln!("{name}: error: {}", e.message);
                    errors += 1;
                }
            }
            index += 1;
        });
        if let Some(e) = write_error {
            return Err(e);
        }
        if let Err(e) = read {
            eprintln!("{name}: error: {}", e.message);
            errors += 1;
        }
        Ok(errors)
    }

    /// Evaluates one event: a line per match, or with `--explain` the explanation of every pair
    /// the policy evaluates. `line` is where the event starts in a text input (none for `.evtx`
    /// records). Returns the number of matches.
    fn event(
        &self,
        out: &mut impl Write,
        index: usize,
        line: Option<usize>,
        event: &Event,
    ) -> io::Result<usize> {
        if self.explain {
            self.explain_event(out, index, line, event)
        } else {
            self.matches(out, index, line, event)
        }
    }

    /// One line per (event, rule) match; returns the number of matches.
    fn matches(
        &self,
        out: &mut impl Write,
        index: usize,
        line: Option<usize>,
        event: &Event,
    ) -> io::Result<usize> {
        let mut matches = 0;
        for hit in self.set.hits(event) {
            matches += 1;
            let rule = &self.set.rules()[hit.rule];
            match self.format {
                OutputFormat::Json => {
                    let v = json!({
                        "event": index,
                        "event_line": line,
                        "rule_id": rule.id,
                        "title": rule.title,
                        "level": rule.level,
                        "matched": hit.identifiers,
                        "file": self.file(hit.rule),
                    });
                    writeln!(out, "{v}")?;
                }
                OutputFormat::Text => writeln!(
                    out,
                    "event {index}{}: {} [{}] {}: {}",
                    tree::where_(line),
                    rule.title,
                    rule.id.as_deref().unwrap_or("no id"),
                    rule.level.as_deref().unwrap_or("no level"),
                    hit.identifiers.join(", ")
                )?,
            }
        }
        Ok(matches)
    }

    /// The explanation of every (event, rule) pair the policy evaluates; returns the number of
    /// matches.
    fn explain_event(
        &self,
        out: &mut impl Write,
        index: usize,
        line: Option<usize>,
        event: &Event,
    ) -> io::Result<usize> {
        // A single rule sees every event (its trace notes a log source misfit); several rules
        // only the events of their log source.
        let policy = match self.set.policy() {
            LogSourcePolicy::Route if self.set.rules().len() == 1 => LogSourcePolicy::Note,
            policy => policy,
        };
        let hits = self.set.matching(event);
        for (ri, rule) in self.set.rules().iter().enumerate() {
            let decision = policy.decide(self.set.logsource_map(), rule, event);
            if decision.evaluate {
                let fired = hits.contains(&ri);
                self.explain_one(out, (index, line), ri, event, fired, &decision.fit)?;
            }
        }
        Ok(hits.len())
    }

    fn explain_one(
        &self,
        out: &mut impl Write,
        (index, line): (usize, Option<usize>),
        ri: usize,
        event: &Event,
        fired: bool,
        fit: &sigmaplay_engine::LogSourceFit,
    ) -> io::Result<()> {
        let rule = &self.set.rules()[ri];
        let trace = rule.explain_with(event, fit);
        match self.format {
            OutputFormat::Json => {
                let v = json!({
                    "event": index,
                    "event_line": line,
                    "rule_id": rule.id,
                    "title": rule.title,
                    "file": self.file(ri),
                    "fired": fired,
                    "trace": trace,
                });
                writeln!(out, "{v}")
            }
            OutputFormat::Text => tree::write_trace(out, index, line, self.file(ri), fired, &trace),
        }
    }
}
