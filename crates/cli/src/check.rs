//! `sigmaplay check`, and compiling rule files for `eval`.

use crate::diagnostics::{self, DiagnosticFormat};
use crate::{inputs, pipeline};
use crate::{CheckArgs, Status};
use sigmaplay_engine::{
    compile_rules_within, Compilation, CompileOptions, Diagnostic, RegexBudget, Severity,
};
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

pub const RULE_EXTENSIONS: &[&str] = &["yml", "yaml"];

/// One compiled rule file.
pub struct RuleFile {
    pub name: String,
    pub compilation: Compilation,
}

impl RuleFile {
    /// Diagnostics with their line/column filled in.
    pub fn diagnostics(&self) -> impl Iterator<Item = Diagnostic> + '_ {
        self.compilation
            .diagnostics
            .iter()
            .map(|d| d.clone().locate(&self.compilation.source))
    }
}

/// Compiles every rule file named by `args`. Files that cannot be read are returned as messages.
/// With `strict`, a placeholder without values is an error (see [`pipeline::make_strict`]).
/// The files make one rule set with whatever else compiled against `regexes`: their regexes
/// share its one memory limit.
pub fn compile_files(
    args: &[PathBuf],
    options: &CompileOptions,
    strict: bool,
    regexes: &mut RegexBudget,
) -> (Vec<RuleFile>, Vec<String>) {
    let (paths, mut errors) = inputs::expand(args, RULE_EXTENSIONS);
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
        match inputs::read(&path) {
            Ok(input) => {
                let mut compilation = compile_rules_within(&input.text, options, regexes);
                if strict {
                    pipeline::make_strict(&mut compilation);
                }
                files.push(RuleFile {
                    name: input.name,
                    compilation,
                });
            }
            Err(e) => errors.push(e),
        }
    }
    (files, errors)
}

pub fn run(args: &CheckArgs) -> io::Result<Status> {
    let Some(options) =
        pipeline::compile_options(&args.placeholders, &args.rule_options, !args.no_lint)
    else {
        return Ok(Status::Errors);
    };
    let (files, read_errors) = compile_files(
        &args.rules,
        &options,
        args.rule_options.strict,
        &mut RegexBudget::default(),
    );
    let format = args.format.unwrap_or(if io::stdout().is_terminal() {
        DiagnosticFormat::Text
    } else {
        DiagnosticFormat::Short
    });
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let (mut errors, mut warnings, mut rules) = (read_errors.len(), 0, 0);
    for e in &read_errors {
        writeln!(out, "{e}: error: cannot read [io]")?;
    }
    for file in &files {
        rules += file.compilation.rules.len();
        for d in file.diagnostics() {
            match d.severity {
                Severity::Error => errors += 1,
                Severity::Warning => warnings += 1,
                Severity::Info => {}
            }
            let shown = diagnostics::render(&d, &file.name, &file.compilation.source, format);
            writeln!(out, "{shown}")?;
        }
    }
    out.flush()?;
    eprintln!(
        "checked {} file(s), {rules} rule(s) compiled: {errors} error(s), {warnings} warning(s)",
        files.len()
    );
    Ok(if errors > 0 {
        Status::Errors
    } else {
        Status::Ok
    })
}
