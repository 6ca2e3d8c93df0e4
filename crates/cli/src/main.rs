//! `sigmaplay`: evaluate, explain, check and test Sigma rules from the command line.

mod check;
mod correlate;
mod diagnostics;
mod eval;
mod inputs;
mod link;
mod pipeline;
mod regression;
mod test;
mod tree;

use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

const EXIT_CODES: &str = "\
Exit status:
  0  success, whether or not any rule matched (eval), every test passed (test)
  1  an error in the input: a file that cannot be read, a rule with errors,
     an event that cannot be read, a failed test. What could be read was still
     processed and printed: in JSON Lines a bad line is reported on stderr
     (path:line:col) and the other lines are evaluated; a rule file with errors
     does not stop the other rules
  2  bad command-line usage";

#[derive(Parser)]
#[command(
    name = "sigmaplay",
    version,
    about = "Evaluate, explain, check and test Sigma detection rules",
    after_help = EXIT_CODES
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Evaluate rules over events: one JSON object a line per (event, rule) match.
    ///
    /// Each line has `event` (0-based index of the event in the input, unreadable entries counted),
    /// `event_line`, `rule_id`, `title`, `level`, `file` (the rule file) and `matched` (the search
    /// identifiers that were true). Events are read as a JSON object, a JSON array, JSON Lines,
    /// evtx_dump JSON (one record a line or pretty-printed one after another), Event Viewer XML
    /// or a Windows event log file (`.evtx`, read a chunk at a time; its events have `event_line`
    /// null and `event` counts records, unreadable ones included);
    /// the shape is detected.
    ///
    /// Correlation rules among the rules print one line per alert after the matches:
    /// `{"event", "rule_id", "title", "level", "correlation": {"type", "group", "window_start",
    /// "window_end", "value", "events", "rules"}}`, `event` being the event that closed the
    /// window. Rules a correlation references print their own matches only with `generate: true`.
    /// Filter documents remove the events their condition rejects from the rules they name.
    #[command(after_help = EXIT_CODES)]
    Eval(EvalArgs),
    /// Check rules: errors and lint warnings as `path:line:col: severity: message [code]`.
    #[command(after_help = EXIT_CODES)]
    Check(CheckArgs),
    /// Run rule-test files (made by the playground's export, format `sigmaplay-test/2`; version 1
    /// files read too) and SigmaHQ regression test folders (`info.yml` with the events JSON or
    /// `.evtx`), and the rsigma exemplars (`rsigma.exemplars`) of rule files. Filters among a
    /// test's rules apply; correlation groups are graded against the test's alert expectations.
    #[command(after_help = EXIT_CODES)]
    Test(TestArgs),
    /// Print the share link of a rule-test file, or with --decode the test file of a link.
    #[command(after_help = EXIT_CODES)]
    Link(LinkArgs),
    /// List the built-in processing pipelines, or print rules after pipelines (as Sigma YAML, or
    /// with --format json one object a line: rule_id, file, rule, applied).
    #[command(after_help = EXIT_CODES)]
    Pipeline(PipelineArgs),
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// One JSON object a line.
    Json,
    /// Readable text (an indented tree for --explain).
    Text,
}

#[derive(clap::Args)]
pub struct EvalArgs {
    /// Rule files or folders (searched recursively for .yml and .yaml); `-` reads stdin.
    #[arg(required = true, value_name = "RULES")]
    pub rules: Vec<PathBuf>,
    /// The events file; `-` reads stdin.
    #[arg(long, short = 'e', value_name = "FILE")]
    pub events: PathBuf,
    /// Evaluate every rule on every event, ignoring log sources (by default a rule only sees the
    /// events of its log source, e.g. a process_creation rule never fires on a file event).
    #[arg(long)]
    pub no_logsource: bool,
    /// Print the full explanation of each (event, rule) pair evaluated, with its verdict (`fired`):
    /// for a single rule every event; for several rules every pair the log source routing lets
    /// through (every pair with --no-logsource, which can be a lot).
    #[arg(long)]
    pub explain: bool,
    /// Output format; by default `text` when --explain writes to a terminal, `json` otherwise.
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// A value for an `|expand` placeholder (`%NAME%`); repeat for several values or names.
    #[arg(long = "placeholder", short = 'p', value_name = "NAME=VALUE")]
    pub placeholders: Vec<String>,
    /// Filter documents (files or folders) to apply besides those among the rules: each adds
    /// AND (its condition) to every rule it names.
    #[arg(long = "filter", value_name = "PATH")]
    pub filters: Vec<PathBuf>,
    /// The event field correlations read the time from (by default the first present of
    /// @timestamp, timestamp, TimeCreated_SystemTime, UtcTime, EventTime, time).
    #[arg(long, value_name = "NAME")]
    pub timestamp_field: Option<String>,
    /// Evaluate on N threads (by default one per core); the output stays in input order. 1 is
    /// the sequential path. `--explain` and `.evtx` input are evaluated on one thread.
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    #[command(flatten)]
    pub rule_options: RuleOptions,
}

/// How rules are read: pipelines, placeholder values, strictness (eval, check, test).
#[derive(clap::Args)]
pub struct RuleOptions {
    /// A processing pipeline that rewrites every rule before it compiles: a built-in's name
    /// (`sigmaplay pipeline --list`) or a pySigma pipeline YAML file. Repeat for several; they
    /// apply by ascending priority. With a pipeline, eval routes no events by the built-in log
    /// source taxonomy: the pipeline's conditions select them.
    #[arg(long = "pipeline", value_name = "NAME|FILE")]
    pub pipelines: Vec<String>,
    /// Placeholder values from a YAML file: name → value or list of values.
    #[arg(long, value_name = "FILE")]
    pub vars: Option<PathBuf>,
    /// Treat a placeholder without values as an error (by default a warning: the item matches
    /// nothing).
    #[arg(long)]
    pub strict: bool,
}

#[derive(clap::Args)]
pub struct CheckArgs {
    /// Rule files or folders (searched recursively for .yml and .yaml); `-` reads stdin.
    #[arg(required = true, value_name = "RULES")]
    pub rules: Vec<PathBuf>,
    /// Report errors only, no lint warnings.
    #[arg(long)]
    pub no_lint: bool,
    /// `short`: one line per diagnostic; `text`: also the source line, the span underlined. By
    /// default `text` on a terminal, `short` otherwise.
    #[arg(long, value_enum)]
    pub format: Option<diagnostics::DiagnosticFormat>,
    /// A value for an `|expand` placeholder (`%NAME%`); repeat for several values or names.
    #[arg(long = "placeholder", short = 'p', value_name = "NAME=VALUE")]
    pub placeholders: Vec<String>,
    #[command(flatten)]
    pub rule_options: RuleOptions,
}

#[derive(clap::Args)]
pub struct TestArgs {
    /// Rule-test files, or folders searched recursively for them (.json files), for SigmaHQ
    /// regression folders (a folder with an `info.yml`: one test each) and for rule files (.yml,
    /// .yaml) carrying `rsigma.exemplars` (each detection rule's exemplars one test, each
    /// correlation exemplar one test).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Where the rules of regression folders are (files or folders, searched recursively for
    /// .yml); each folder's rule is found by its id (`rule_metadata[0].id`). A rule file inside
    /// the regression folder itself is found too.
    #[arg(long = "rules", value_name = "RULES")]
    pub rules: Vec<PathBuf>,
    /// Also write the results as JUnit XML to this file.
    #[arg(long, value_name = "OUT.xml")]
    pub junit: Option<PathBuf>,
    /// Print only failures and the summary.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// A processing pipeline applied to each test's rule (a built-in's name or a pipeline YAML
    /// file); repeat for several.
    #[arg(long = "pipeline", value_name = "NAME|FILE")]
    pub pipelines: Vec<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PipelineFormat {
    /// Sigma YAML, documents separated by `---`.
    Yaml,
    /// One JSON object a line: `rule_id`, `file`, `rule` (shaped as its Sigma YAML), `applied`.
    Json,
}

#[derive(clap::Args)]
#[command(group = clap::ArgGroup::new("what").required(true).args(["list", "pipelines"]))]
pub struct PipelineArgs {
    /// List the built-in pipelines.
    #[arg(long, conflicts_with_all = ["pipelines", "rules"])]
    pub list: bool,
    /// The pipeline to apply: a built-in's name or a pipeline YAML file; repeat for several.
    #[arg(long = "pipeline", short = 'p', value_name = "NAME|FILE")]
    pub pipelines: Vec<String>,
    #[arg(long, value_enum, default_value = "yaml")]
    pub format: PipelineFormat,
    /// Rule files or folders (searched recursively for .yml and .yaml); `-` reads stdin.
    #[arg(value_name = "RULES", required_unless_present = "list")]
    pub rules: Vec<PathBuf>,
}

#[derive(clap::Args)]
#[command(group = clap::ArgGroup::new("what").required(true).args(["file", "decode"]))]
pub struct LinkArgs {
    /// The rule-test file to share; `-` reads stdin.
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// The playground's address the link opens.
    #[arg(
        long,
        default_value = "http://localhost:8080/",
        conflicts_with = "decode"
    )]
    pub base: String,
    /// Decode a share link (a full URL or its fragment; `-` reads stdin) and print its test file.
    #[arg(long, value_name = "URL")]
    pub decode: Option<String>,
}

/// What a command reports back to `main`.
pub enum Status {
    Ok,
    /// Errors were reported on stderr; exit 1.
    Errors,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Eval(args) => eval::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Test(args) => test::run(&args),
        Command::Link(args) => link::run(&args),
        Command::Pipeline(args) => pipeline::run(&args),
    };
    match result {
        Ok(Status::Ok) => ExitCode::SUCCESS,
        Ok(Status::Errors) => ExitCode::from(1),
        // The reader of stdout went away (`sigmaplay eval ... | head`): not an error of ours.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "sigmaplay: {e}");
            ExitCode::from(1)
        }
    }
}
