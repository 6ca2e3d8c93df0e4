//! `sigmaplay eval`: rules over events, one JSON line per match, or explanations.

use crate::check::compile_files;
use crate::{inputs, tree, EvalArgs, OutputFormat, Status};
use serde_json::json;
use sigmaplay_engine::{
    parse_events, CompileOptions, CompiledRule, Event, EventInput, LogSourceMap, LogSourcePolicy,
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
    let events_input = match inputs::read(&args.events) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("{e}");
            return Ok(Status::Errors);
        }
    };
    let parsed = parse_events(&events_input.text);
    for e in parsed.errors() {
        eprintln!(
            "{}:{}:{}: error: {}",
            events_input.name, e.line, e.column, e.message
        );
        errors += 1;
    }

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
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let matches = if args.explain {
        run.explain_all(&mut out, &parsed, &events_input.text)?
    } else {
        run.matches(&mut out, &parsed, &events_input.text)?
    };
    out.flush()?;
    if io::stderr().is_terminal() || errors > 0 {
        eprintln!(
            "{} rule(s), {} event(s): {matches} match(es){}",
            set.rules().len(),
            parsed.events.iter().filter(|e| e.is_ok()).count(),
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

/// One evaluation of a rule set over parsed events, and where it writes.
struct Run<'a> {
    set: &'a RuleSet,
    files: &'a [String],
    format: OutputFormat,
}

impl Run<'_> {
    fn file(&self, rule: usize) -> Option<&str> {
        self.files.get(rule).map(String::as_str)
    }

    /// One line per (event, rule) match; returns the number of matches.
    fn matches(&self, out: &mut impl Write, parsed: &EventInput, text: &str) -> io::Result<usize> {
        let source = SourceMap::new(text);
        let mut matches = 0;
        for (index, event) in parsed.events.iter().enumerate() {
            let Ok(event) = event else { continue };
            let line = source.location(event.span.start).line;
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
                        "event {index} (line {line}): {} [{}] {}: {}",
                        rule.title,
                        rule.id.as_deref().unwrap_or("no id"),
                        rule.level.as_deref().unwrap_or("no level"),
                        hit.identifiers.join(", ")
                    )?,
                }
            }
        }
        Ok(matches)
    }

    /// The explanation of every (event, rule) pair the policy evaluates; returns the number of
    /// matches.
    fn explain_all(
        &self,
        out: &mut impl Write,
        parsed: &EventInput,
        text: &str,
    ) -> io::Result<usize> {
        let source = SourceMap::new(text);
        // A single rule sees every event (its trace notes a log source misfit); several rules
        // only the events of their log source.
        let policy = match self.set.policy() {
            LogSourcePolicy::Route if self.set.rules().len() == 1 => LogSourcePolicy::Note,
            policy => policy,
        };
        let mut matches = 0;
        for (index, event) in parsed.events.iter().enumerate() {
            let Ok(event) = event else { continue };
            let line = source.location(event.span.start).line;
            let hits = self.set.matching(event);
            matches += hits.len();
            for (ri, rule) in self.set.rules().iter().enumerate() {
                let decision = policy.decide(self.set.logsource_map(), rule, event);
                if decision.evaluate {
                    let fired = hits.contains(&ri);
                    self.explain_one(out, (index, line), ri, event, fired, &decision.fit)?;
                }
            }
        }
        Ok(matches)
    }

    fn explain_one(
        &self,
        out: &mut impl Write,
        (index, line): (usize, usize),
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
