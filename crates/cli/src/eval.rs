//! `sigmaplay eval`: rules over events, one JSON line per match, or explanations.

use crate::check::compile_files;
use crate::correlate::{self, Documents};
use crate::{inputs, pipeline, tree, EvalArgs, OutputFormat, Status};
use serde_json::json;
use sigmaplay_engine::{
    parse_events, read_evtx, CompileOptions, CompiledRule, Correlations, DiagnosticCode, Event,
    LogSourceMap, LogSourcePolicy, MatchRecord, RegexBudget, RuleSet, SourceMap,
};
use std::io::{self, IsTerminal, Write};

/// The correlation feed: every event that matched, in input order.
type Feed<'a> = sigmaplay_engine::Run<'a>;

pub fn run(args: &EvalArgs) -> io::Result<Status> {
    if args.events.as_os_str() == "-" && args.rules.iter().any(|r| r.as_os_str() == "-") {
        eprintln!("sigmaplay: rules and events cannot both be read from stdin");
        return Ok(Status::Errors);
    }
    let Some(options) = pipeline::compile_options(&args.placeholders, &args.rule_options, false)
    else {
        return Ok(Status::Errors);
    };
    let (rules, documents, mut errors) = load_rules(args, &options);
    let (correlations, correlation_errors) = documents.resolve(&rules.rules);
    errors += correlation_errors;
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
    // A pipeline is the log source mapping (it adds the conditions that select the events of a
    // log source, as pySigma's do): the built-in taxonomy only routes rules without one.
    set.set_policy(if args.no_logsource || !options.pipelines.is_empty() {
        LogSourcePolicy::Ignore
    } else {
        LogSourcePolicy::Route
    });
    let run = Run {
        set: &set,
        files: &rules.files,
        format,
        correlations: &correlations,
        explain: args.explain,
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut feed = correlate::start(&correlations, args.timestamp_field.as_deref());
    let pool = match jobs(args) {
        Some(n) => thread_pool(n),
        None => None,
    };
    let mut reading = Reading {
        pool: pool.as_ref(),
        tally: Tally::default(),
        errors: 0,
    };
    let events_name = match source {
        inputs::Events::Lines { name, mut lines } => {
            reading.lines(&run, &mut out, &name, &mut lines, &mut feed)?;
            name
        }
        inputs::Events::Text(input) => {
            let parsed = parse_events(&input.text);
            let lines = SourceMap::new(&input.text);
            let block: Vec<_> = parsed
                .events
                .into_iter()
                .map(|e| match &e {
                    Ok(event) => (lines.location(event.span.start).line, e),
                    Err(error) => (error.line, e),
                })
                .collect();
            reading.block(&run, &mut out, &input.name, &block, &mut feed)?;
            input.name
        }
        inputs::Events::Evtx { name, path } => {
            reading.errors += run.evtx(&mut out, &name, &path, &mut reading.tally, &mut feed)?;
            name
        }
    };
    let Reading { tally, .. } = reading;
    errors += reading.errors;
    let outcome = feed.finish();
    let alerts = correlate::write_outcome(
        &correlations,
        &mut out,
        &outcome,
        &events_name,
        format,
        args.explain,
    )?;
    out.flush()?;
    if io::stderr().is_terminal() || errors > 0 {
        eprintln!(
            "{} rule(s), {} event(s): {} match(es){}{}",
            set.rules().len(),
            tally.events,
            tally.matches,
            if correlations.set.is_empty() {
                String::new()
            } else {
                format!(", {alerts} correlation alert(s)")
            },
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

/// How many threads evaluate: `None` for the sequential path (`--jobs 1`, `--explain`, or a
/// single core).
fn jobs(args: &EvalArgs) -> Option<usize> {
    let n = match args.jobs {
        Some(n) => usize::from(n),
        None => std::thread::available_parallelism().map_or(1, usize::from),
    };
    (n > 1 && !args.explain).then_some(n)
}

fn thread_pool(threads: usize) -> Option<rayon::ThreadPool> {
    match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => Some(pool),
        Err(e) => {
            eprintln!("sigmaplay: evaluating on one thread ({e})");
            None
        }
    }
}

/// Events read and matches written.
#[derive(Default)]
struct Tally {
    events: usize,
    matches: usize,
}

/// Text events as they are read: the threads that evaluate, what was counted so far.
struct Reading<'p> {
    pool: Option<&'p rayon::ThreadPool>,
    tally: Tally,
    errors: usize,
}

/// The rules an event fired, filters applied ([`Run::fired`]); `None` for an unreadable event.
type Fired = Option<Vec<(usize, Vec<String>)>>;

impl Reading<'_> {
    /// Reads, parses and evaluates JSON Lines a block at a time. With a pool, each thread
    /// parses and evaluates blocks of its own (reading stays on this thread, in order), and the
    /// results are written in input order.
    fn lines(
        &mut self,
        run: &Run,
        out: &mut impl Write,
        name: &str,
        lines: &mut sigmaplay_engine::JsonLines<Box<dyn io::BufRead>>,
        feed: &mut Feed,
    ) -> io::Result<()> {
        let per_round = self.pool.map_or(1, |p| p.current_num_threads());
        let mut done = false;
        while !done {
            let mut blocks = Vec::with_capacity(per_round);
            while blocks.len() < per_round {
                match lines.next_lines() {
                    Ok(Some(block)) => blocks.push(block),
                    Ok(None) => {
                        done = true;
                        break;
                    }
                    Err(e) => {
                        eprintln!("{name}: cannot read: {e}");
                        self.errors += 1;
                        done = true;
                        break;
                    }
                }
            }
            let parsed: Vec<_> = match self.pool {
                Some(pool) => {
                    use rayon::prelude::*;
                    pool.install(|| {
                        blocks
                            .into_par_iter()
                            .map(|block| {
                                let events = block.parse();
                                let fired = events.iter().map(|(_, e)| fire(run, e)).collect();
                                (events, Some(fired))
                            })
                            .collect()
                    })
                }
                None => blocks.into_iter().map(|b| (b.parse(), None)).collect(),
            };
            for (events, fired) in parsed {
                self.write(run, out, name, &events, fired, feed)?;
            }
        }
        Ok(())
    }

    /// Evaluates a block of events (each with the line it starts on), in parallel when there is
    /// a pool, and writes the results in input order; unreadable events are reported on stderr.
    fn block(
        &mut self,
        run: &Run,
        out: &mut impl Write,
        name: &str,
        block: &[(usize, Result<Event, sigmaplay_engine::EventError>)],
        feed: &mut Feed,
    ) -> io::Result<()> {
        // With a pool, a part of the block is evaluated in parallel, then written in order.
        let part = if self.pool.is_some() { 4096 } else { 1 };
        for events in block.chunks(part) {
            let fired = self.pool.map(|pool| {
                use rayon::prelude::*;
                pool.install(|| events.par_iter().map(|(_, e)| fire(run, e)).collect())
            });
            self.write(run, out, name, events, fired, feed)?;
        }
        Ok(())
    }

    /// Writes the results of `events` in order: `fired[i]` where it was computed already, else
    /// evaluated here.
    fn write(
        &mut self,
        run: &Run,
        out: &mut impl Write,
        name: &str,
        events: &[(usize, Result<Event, sigmaplay_engine::EventError>)],
        mut fired: Option<Vec<Fired>>,
        feed: &mut Feed,
    ) -> io::Result<()> {
        for (i, (line, event)) in events.iter().enumerate() {
            let index = self.tally.events + self.errors;
            match event {
                Ok(event) => {
                    let fired = fired.as_mut().and_then(|f| f[i].take());
                    let at = (index, Some(*line));
                    self.tally.matches += run.event(out, at, event, fired, feed)?;
                    self.tally.events += 1;
                }
                Err(e) => {
                    eprintln!("{name}:{}:{}: error: {}", e.line, e.column, e.message);
                    self.errors += 1;
                }
            }
        }
        Ok(())
    }
}

fn fire(run: &Run, event: &Result<Event, sigmaplay_engine::EventError>) -> Fired {
    event.as_ref().ok().map(|e| run.fired(e))
}

/// The rules of every file, and per rule the file it came from.
struct LoadedRules {
    rules: Vec<CompiledRule>,
    /// `files[i]`: the name of the file rule `i` came from.
    files: Vec<String>,
}

/// Compiles every rule file (and `--filter` file); errors are reported on stderr and counted,
/// the good rules kept.
fn load_rules(args: &EvalArgs, options: &CompileOptions) -> (LoadedRules, Documents, usize) {
    let mut regexes = RegexBudget::default();
    let strict = args.rule_options.strict;
    let (mut files, mut read_errors) = compile_files(&args.rules, options, strict, &mut regexes);
    let (filter_files, filter_errors) = compile_files(&args.filters, options, strict, &mut regexes);
    read_errors.extend(filter_errors);
    let mut documents = Documents::default();
    for mut file in filter_files {
        for d in file.diagnostics().filter(|d| d.is_error()) {
            eprintln!("{}", d.render(&file.name));
        }
        documents.take(&mut file);
    }
    let mut errors = 0;
    for e in &read_errors {
        eprintln!("{e}");
        errors += 1;
    }
    let mut loaded = LoadedRules {
        rules: Vec::new(),
        files: Vec::new(),
    };
    for file in &mut files {
        for d in file.diagnostics() {
            if d.is_error() {
                eprintln!("{}", d.render(&file.name));
                errors += 1;
            } else if d.code == DiagnosticCode::Placeholder {
                // The rule is evaluated with that item matching nothing: say so, once.
                eprintln!("{}", d.render(&file.name));
            }
        }
        documents.take(file);
        let n = file.compilation.rules.len();
        loaded
            .files
            .extend(std::iter::repeat_n(file.name.clone(), n));
        loaded.rules.append(&mut file.compilation.rules);
    }
    (loaded, documents, errors)
}

/// One evaluation of a rule set over events, and where it writes.
struct Run<'a> {
    set: &'a RuleSet,
    files: &'a [String],
    format: OutputFormat,
    correlations: &'a Correlations,
    explain: bool,
}

impl Run<'_> {
    fn file(&self, rule: usize) -> Option<&str> {
        self.files.get(rule).map(String::as_str)
    }

    /// What every JSON line about an (event, rule) pair starts with.
    fn line_head(&self, (index, line): (usize, Option<usize>), ri: usize) -> serde_json::Value {
        let rule = &self.set.rules()[ri];
        json!({
            "event": index,
            "event_line": line,
            "rule_id": rule.id,
            "title": rule.title,
            "file": self.file(ri),
        })
    }

    /// Streams the records of an `.evtx` file through [`Run::event`] (one chunk in memory at a
    /// time); returns the number of records that could not be read (reported on stderr).
    fn evtx(
        &self,
        out: &mut impl Write,
        name: &str,
        path: &std::path::Path,
        tally: &mut Tally,
        feed: &mut Feed,
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
                Ok(event) => match self.event(out, (index, None), &event, None, feed) {
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

    /// Evaluates one event (filters applied) and feeds the correlations: a line per match, or
    /// with `--explain` the explanation of every pair the policy evaluates. `at` is the event's
    /// index and the line it starts on in a text input (none for `.evtx` records). Returns the
    /// number of matches. `fired` is [`Run::fired`] of the event where it was computed already.
    fn event(
        &self,
        out: &mut impl Write,
        at: (usize, Option<usize>),
        event: &Event,
        fired: Option<Vec<(usize, Vec<String>)>>,
        feed: &mut Feed,
    ) -> io::Result<usize> {
        let fired = fired.unwrap_or_else(|| self.fired(event));
        let matched: Vec<usize> = fired.iter().map(|(r, _)| *r).collect();
        feed.push(at.0, event, &matched);
        if self.explain {
            self.explain_event(out, at, event, &matched)?;
            Ok(matched.len())
        } else {
            self.matches(out, at, fired)
        }
    }

    /// The rules `event` fired, filters applied: (rule, true search identifiers).
    fn fired(&self, event: &Event) -> Vec<(usize, Vec<String>)> {
        self.correlations
            .fired(self.set, event)
            .into_iter()
            .map(|h| (h.rule, h.identifiers))
            .collect()
    }

    /// One line per (event, rule) match a correlation does not hide; returns their number.
    fn matches(
        &self,
        out: &mut impl Write,
        (index, line): (usize, Option<usize>),
        fired: Vec<(usize, Vec<String>)>,
    ) -> io::Result<usize> {
        let mut matches = 0;
        for (ri, identifiers) in fired {
            if !self.correlations.set.reports_matches_of(ri) {
                continue;
            }
            matches += 1;
            let rule = &self.set.rules()[ri];
            match self.format {
                OutputFormat::Json => {
                    let record = MatchRecord {
                        event: index,
                        event_line: line,
                        rule_id: rule.id.clone(),
                        title: rule.title.clone(),
                        file: self.file(ri).map(str::to_string),
                        level: rule.level.clone(),
                        matched: identifiers,
                    };
                    writeln!(out, "{}", json!(record))?;
                }
                OutputFormat::Text => writeln!(
                    out,
                    "event {index}{}: {} [{}] {}: {}",
                    tree::where_(line),
                    rule.title,
                    rule.id.as_deref().unwrap_or("no id"),
                    rule.level.as_deref().unwrap_or("no level"),
                    identifiers.join(", ")
                )?,
            }
        }
        Ok(matches)
    }

    /// The explanation of every (event, rule) pair the policy evaluates.
    fn explain_event(
        &self,
        out: &mut impl Write,
        at: (usize, Option<usize>),
        event: &Event,
        hits: &[usize],
    ) -> io::Result<()> {
        // A single rule sees every event (its trace notes a log source misfit); several rules
        // only the events of their log source.
        let policy = match self.set.policy() {
            LogSourcePolicy::Route if self.set.rules().len() == 1 => LogSourcePolicy::Note,
            policy => policy,
        };
        for (ri, rule) in self.set.rules().iter().enumerate() {
            let decision = policy.decide(self.set.logsource_map(), rule, event);
            if decision.evaluate {
                let fired = hits.contains(&ri);
                self.explain_one(out, at, ri, event, fired, &decision.fit)?;
            }
        }
        Ok(())
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
        let excluded_by = self
            .correlations
            .exclusion(ri, rule, event, self.set.logsource_map());
        match self.format {
            OutputFormat::Json => {
                let mut v = self.line_head((index, line), ri);
                v["fired"] = json!(fired);
                v["excluded_by"] = json!(excluded_by);
                v["trace"] = json!(trace);
                writeln!(out, "{v}")
            }
            OutputFormat::Text => {
                tree::write_trace(out, index, line, self.file(ri), fired, &trace)?;
                match excluded_by {
                    Some(e) => writeln!(out, "  {e}"),
                    None => Ok(()),
                }
            }
        }
    }
}
