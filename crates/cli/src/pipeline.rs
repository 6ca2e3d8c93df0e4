//! Processing pipelines on the command line: `--pipeline NAME|FILE` for eval/check/test,
//! `--vars FILE`, and `sigmaplay pipeline` (list the built-ins, or print rules after pipelines).

use crate::check::RULE_EXTENSIONS;
use crate::{inputs, PipelineArgs, PipelineFormat, RuleOptions, Status};
use sigmaplay_engine::{
    builtin_pipeline, parse_pipeline, parse_vars, process_rules, Compilation, CompileOptions,
    Diagnostic, DiagnosticCode, Pipeline, Severity, BUILTIN_PIPELINES,
};
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

fn render(d: &Diagnostic, name: &str) -> String {
    let loc = d
        .location
        .map(|l| format!("{}:{}:", l.line, l.column))
        .unwrap_or_default();
    format!("{name}:{loc} {}: {} [{}]", d.severity, d.message, d.code)
}

/// The pipelines named on the command line: a built-in's name, or a pipeline YAML file. Errors
/// are printed (`file:line:col: error: ...`); `None` when any.
pub fn load(specs: &[String]) -> Option<Vec<Pipeline>> {
    let mut pipelines = Vec::new();
    let mut ok = true;
    for spec in specs {
        if let Some(p) = builtin_pipeline(spec) {
            pipelines.push(p);
            continue;
        }
        let path = Path::new(spec);
        if !path.exists() && !spec.contains(['/', '.']) {
            let names: Vec<&str> = BUILTIN_PIPELINES.iter().map(|(n, _, _)| *n).collect();
            eprintln!(
                "sigmaplay: no built-in pipeline '{spec}' and no such file (built-ins: {})",
                names.join(", ")
            );
            ok = false;
            continue;
        }
        match inputs::read(path) {
            Ok(input) => match parse_pipeline(&input.text, &input.name) {
                Ok(p) => pipelines.push(p),
                Err(diags) => {
                    for d in &diags {
                        eprintln!("{}", render(d, &input.name));
                    }
                    ok = false;
                }
            },
            Err(e) => {
                eprintln!("{e}");
                ok = false;
            }
        }
    }
    ok.then_some(pipelines)
}

/// Placeholder values from `--vars FILE` and `--placeholder NAME=VALUE` (these add to the file's).
pub fn placeholders(
    vars: Option<&Path>,
    given: &[String],
) -> Option<BTreeMap<String, Vec<String>>> {
    let mut values = BTreeMap::new();
    if let Some(path) = vars {
        let input = match inputs::read(path) {
            Ok(i) => i,
            Err(e) => {
                eprintln!("{e}");
                return None;
            }
        };
        match parse_vars(&input.text) {
            Ok(v) => values = v,
            Err(diags) => {
                for d in &diags {
                    eprintln!("{}", render(d, &input.name));
                }
                return None;
            }
        }
    }
    match inputs::placeholders(given) {
        Ok(more) => {
            for (name, v) in more {
                values.entry(name).or_insert_with(Vec::new).extend(v);
            }
            Some(values)
        }
        Err(e) => {
            eprintln!("sigmaplay: {e}");
            None
        }
    }
}

/// The compile options of eval and check: placeholder values, pipelines. `None` (after printing
/// why) when a pipeline or a vars file cannot be read.
pub fn compile_options(
    given: &[String],
    options: &RuleOptions,
    lint: bool,
) -> Option<CompileOptions> {
    let placeholders = placeholders(options.vars.as_deref(), given)?;
    let pipelines = load(&options.pipelines)?;
    Some(CompileOptions {
        placeholders,
        lint,
        pipelines,
    })
}

/// `--strict`: a placeholder without values is an error, and its rule is not evaluated.
pub fn make_strict(compilation: &mut Compilation) {
    let mut failed = Vec::new();
    for d in &mut compilation.diagnostics {
        if d.code == DiagnosticCode::Placeholder && d.severity == Severity::Warning {
            d.severity = Severity::Error;
            failed.extend(d.span);
        }
    }
    compilation.rules.retain(|r| {
        !failed
            .iter()
            .any(|s| r.span.start <= s.start && s.end <= r.span.end)
    });
}

pub fn run(args: &PipelineArgs) -> io::Result<Status> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    if args.list {
        for (name, about, _) in BUILTIN_PIPELINES {
            writeln!(out, "{name:<18} {about}")?;
        }
        out.flush()?;
        return Ok(Status::Ok);
    }
    let Some(pipelines) = load(&args.pipelines) else {
        return Ok(Status::Errors);
    };
    let (paths, read_errors) = inputs::expand(&args.rules, RULE_EXTENSIONS);
    let mut errors = read_errors.len();
    for e in &read_errors {
        eprintln!("{e}");
    }
    let mut first = true;
    for path in paths {
        let input = match inputs::read(&path) {
            Ok(i) => i,
            Err(e) => {
                eprintln!("{e}");
                errors += 1;
                continue;
            }
        };
        let (rules, diags) = process_rules(&input.text, &pipelines);
        for d in diags.iter().filter(|d| d.is_error()) {
            eprintln!("{}", render(d, &input.name));
            errors += 1;
        }
        for r in rules {
            match args.format {
                PipelineFormat::Json => {
                    let line = serde_json::json!({
                        "rule_id": r.rule_id,
                        "file": input.name,
                        "rule": r.rule,
                        "applied": r.applied,
                    });
                    writeln!(out, "{line}")?;
                }
                PipelineFormat::Yaml => {
                    if !first {
                        writeln!(out, "---")?;
                    }
                    let text = serde_yaml::to_string(&r.rule).map_err(io::Error::other)?;
                    write!(out, "{text}")?;
                }
            }
            first = false;
        }
    }
    out.flush()?;
    Ok(if errors > 0 {
        Status::Errors
    } else {
        Status::Ok
    })
}
