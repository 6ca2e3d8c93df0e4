//! `sigmaplay eval`: rules over events, one JSON line per match, or explanations.

use crate::check::compile_files;
use crate::{inputs, tree, EvalArgs, OutputFormat, Status};
use serde_json::json;
use sigmaplay_engine::{
    parse_events, CompileOptions, CompiledRule, LogSourceMap, RuleSet, SourceMap,
};
use std::io::{self, IsTerminal, Write};

pub fn run(args: &EvalArgs) -> io::Result<Status> {
    let mut errors = 0usize;
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

    // Rules: every file compiled; errors reported, the good rules kept.
    let options = CompileOptions {
        placeholders,
        lint: false,
    };
    let (files, read_errors) = compile_files(&args.rules, &options);
    for e in &read_errors {
        eprintln!("{e}");
        errors += 1;
    }
    let mut rules: Vec<CompiledRule> = Vec::new();
    let mut rule_files: Vec<usize> = Vec::new();
    let mut file_names: Vec<String> = Vec::new();
    for file in files {
        for d in file.diagnostics().filter(|d| d.is_error()) {
            eprintln!("{}", d.render(&file.name));
            errors += 1;
        }
        rule_files.extend(std::iter::repeat_n(
            file_names.len(),
            file.compilation.rules.len(),
        ));
        file_names.push(file.name);
        rules.extend(file.compilation.rules);
    }

    // Events.
    let events_input = match inputs::read(&args.events) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("{e}");
            return Ok(Status::Errors);
        }
    };
    let parsed = parse_events(&events_input.text);
    let source = SourceMap::new(&events_input.text);
    for e in parsed.events.iter().filter_map(|e| e.as_ref().err()) {
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
    let map = LogSourceMap::builtin();
    let mut set = RuleSet::new(rules, map.clone());
    set.set_routing(!args.no_logsource);
    let rule_file = |ri: usize| {
        rule_files
            .get(ri)
            .and_then(|&fi| file_names.get(fi))
            .map(String::as_str)
    };

    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let single = set.rules().len() == 1;
    let mut matches = 0usize;
    for (index, event) in parsed.events.iter().enumerate() {
        let Ok(event) = event else { continue };
        let line = source.location(event.span.start).line;
        let hits = set.matching(event);
        matches += hits.len();
        if !args.explain {
            for &ri in &hits {
                let rule = &set.rules()[ri];
                // Fields read under their mapped names (Security 4688: Image ← NewProcessName).
                let matched =
                    rule.matched_identifiers_with(event, &map.fit(&rule.logsource, event));
                match format {
                    OutputFormat::Json => {
                        let v = json!({
                            "event": index,
                            "event_line": line,
                            "rule_id": rule.id,
                            "title": rule.title,
                            "level": rule.level,
                            "matched": matched,
                            "file": rule_file(ri),
                        });
                        writeln!(out, "{v}")?;
                    }
                    OutputFormat::Text => writeln!(
                        out,
                        "event {index} (line {line}): {} [{}] {}: {}",
                        rule.title,
                        rule.id.as_deref().unwrap_or("no id"),
                        rule.level.as_deref().unwrap_or("no level"),
                        matched.join(", ")
                    )?,
                }
            }
            continue;
        }
        for (ri, rule) in set.rules().iter().enumerate() {
            // What the routing evaluates: a single rule sees every event (its trace notes a
            // log source misfit); several rules only the events of their log source.
            let fit = map.fit(&rule.logsource, event);
            if !single && !args.no_logsource && !fit.is_evaluated() {
                continue;
            }
            let fired = hits.contains(&ri);
            let trace = rule.explain_with(event, &fit);
            match format {
                OutputFormat::Json => {
                    let v = json!({
                        "event": index,
                        "event_line": line,
                        "rule_id": rule.id,
                        "title": rule.title,
                        "file": rule_file(ri),
                        "fired": fired,
                        "trace": trace,
                    });
                    writeln!(out, "{v}")?;
                }
                OutputFormat::Text => {
                    tree::write_trace(&mut out, index, line, rule_file(ri), fired, &trace)?;
                }
            }
        }
    }
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
