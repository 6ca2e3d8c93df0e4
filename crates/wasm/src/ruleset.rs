//! The rule-set view's work, done in a pool of files workers: each loads the same rule pack (a
//! SigmaHQ release zip or `.yml` files, with the page's pipeline, filters and correlations) into
//! one [`RuleSet`] once, then evaluates the chunks of an events file the page reads and sends it
//! (`File.slice`), log-source routing on, as `sigmaplay eval` does. The page merges the
//! [`ChunkResult`]s in input order; a match is reported as the CLI's [`MatchRecord`].

use crate::archive::{is_zip, unzip, ZipLimits};
use crate::files::NamedFile;
use crate::RuleOptions;
use serde::{Deserialize, Serialize};
use sigmaplay_engine::{
    compile_rules_within, parse_events, parse_evtx, utf8_text, Alert, Compilation, CompiledRule,
    CorrelationRule, Correlations, Diagnostic, DiagnosticCode, Event, EventError, Filter,
    JsonLines, LogSourceMap, LogSourcePolicy, RegexBudget, RuleSet, SourceMap, TimestampField,
    TIMESTAMP_FIELDS,
};
use std::io::Cursor;
use std::sync::Arc;

/// Bytes of JSON Lines the page reads and sends per chunk (whole lines).
pub const CHUNK_BYTES: usize = 2 * 1024 * 1024;

/// What the page's text is called in error lists.
pub const PLAYGROUND_TEXT: &str = "the playground's rule text";

/// The rule pack and what it is loaded with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RulePack {
    /// A zip (rules nested in folders; entries other than `.yml`/`.yaml` are skipped) or rule
    /// files.
    pub files: Vec<NamedFile>,
    /// The playground's text: its filters and correlations apply to the pack (its detection
    /// rules do not join it).
    pub page_text: String,
    /// The playground's pipeline and placeholders.
    pub options: RuleOptions,
    /// Whether the answer carries each rule file's text (one worker of the pool sends them).
    pub with_texts: bool,
}

/// How a chunk's bytes are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChunkFormat {
    /// Whole lines of JSON Lines.
    JsonLines,
    /// Whole records of a stream of (pretty-printed) JSON objects, as `evtx_dump -o json`
    /// writes them (`Record N` lines before each).
    JsonStream,
    /// A whole text file in any other format the engine reads (Event Viewer XML, a JSON
    /// array...).
    Text,
    /// A whole `.evtx` file.
    Evtx,
}

/// A part of the events file, in file order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventChunk {
    /// Its position among the chunks (results are merged in this order).
    pub index: usize,
    /// Byte offset of the chunk in the file.
    pub offset: u64,
    /// The line of the file the chunk starts on (1-based).
    pub first_line: usize,
    pub format: ChunkFormat,
    #[serde(with = "crate::files::bytes")]
    pub bytes: Vec<u8>,
}

/// Page → a rule-set worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum RuleSetTask {
    Load(Box<RulePack>),
    Evaluate(EventChunk),
    /// Every chunk's [`ChunkResult::feed`] merged in input order (event indices the file's):
    /// the pack's correlations run once over them.
    Correlate(Vec<CorrelationInput>),
}

/// A rule of the loaded set, as the results show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackRule {
    pub title: String,
    pub id: Option<String>,
    pub level: Option<String>,
    pub tags: Vec<String>,
    /// The file (its path in the zip) the rule came from.
    pub file: String,
    /// The file's text, when asked for ([`RulePack::with_texts`]).
    pub text: Option<String>,
}

/// A rule file (or the playground's text) with an error, and the error, located.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleFileError {
    pub file: String,
    pub diagnostic: Diagnostic,
}

/// What loading the pack gave.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PackLoaded {
    /// In rule-set order (a hit's `rule` indexes this).
    pub rules: Vec<PackRule>,
    pub errors: Vec<RuleFileError>,
    /// Archive entries that are not rule files.
    pub skipped: usize,
    /// Whether events are routed to the rules of their log source (off with a pipeline, which
    /// is the log-source mapping then, as in `sigmaplay eval`).
    pub routing: bool,
    /// The correlation rules of the pack's files and of the playground's text, by their
    /// position in the engine's set (an alert's `correlation` indexes this; those with errors
    /// are listed in `errors` and never alert).
    #[serde(default)]
    pub correlations: Vec<PackRule>,
}

/// Where a hit's event can be read again: its bytes in the file, or (for `.evtx` records) its
/// fields as JSON; for a correlation alert, the places of its events, in input order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventPlace {
    Bytes { start: u64, end: u64 },
    Json(String),
    Events(Vec<EventPlace>),
}

/// An event on which rules fired.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkHit {
    /// Its position in the chunk (unreadable events count, as the CLI counts them).
    pub event: usize,
    /// The line it starts on in a text file.
    pub line: Option<usize>,
    pub place: EventPlace,
    /// Its time (ms since the epoch) from the playground's timestamp field or the defaults.
    pub time: Option<i64>,
    /// The rules that fired and were not filtered out, ascending, with their true search
    /// identifiers.
    pub rules: Vec<(u32, Vec<String>)>,
}

/// What the correlations need of an event: one that matched a rule some correlation
/// references (or, when a correlation looks forward, any event with a time). The workers
/// evaluate chunks in parallel but a correlation counts in input order over the whole stream,
/// so they hand these on and one run of the engine's correlations reads them all at the end.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrelationInput {
    /// Its position in the chunk; in the file once merged.
    pub event: usize,
    /// Where to read it again (it may be among an alert's events); none when it matched no
    /// referenced rule.
    pub place: Option<EventPlace>,
    /// The fields the correlations read and the time fields, as the event has them (a flat
    /// JSON object the engine reads back into the same event fields).
    pub fields: serde_json::Value,
    /// The referenced rules it fired, filters applied, ascending.
    pub matched: Vec<u32>,
}

/// The evaluation of one chunk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkResult {
    pub index: usize,
    /// Events and unreadable events in the chunk.
    pub items: usize,
    /// Unreadable events, as `line:column: message`.
    pub errors: Vec<String>,
    pub hits: Vec<ChunkHit>,
    /// Empty when the pack has no correlation.
    #[serde(default)]
    pub feed: Vec<CorrelationInput>,
    /// The worker's wasm memory once the chunk was evaluated, in bytes (0 natively).
    #[serde(default)]
    pub worker_memory: u64,
}

/// Events of an alert the page can open in the playground at most (the rest are counted).
pub const ALERT_EVENTS_SHOWN: usize = 500;

/// An alert of a pack's correlation, and its line as `sigmaplay eval` prints it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PackAlert {
    pub alert: Alert,
    pub record: serde_json::Value,
    /// Where its first [`ALERT_EVENTS_SHOWN`] contributing events are, in input order.
    pub places: Vec<EventPlace>,
    /// The referenced rules those events matched, ascending (the playground shows them with
    /// the correlation).
    pub rules: Vec<u32>,
}

/// The correlations' run over the whole file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CorrelationOutcome {
    /// In `sigmaplay eval`'s order: closing event, window end, correlation.
    pub alerts: Vec<PackAlert>,
    /// Events a correlation could not place in time, in the engine's words.
    pub untimed: Vec<String>,
    /// Limits the run reached.
    pub notices: Vec<String>,
}

/// A rule-set worker → page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum RuleSetAnswer {
    Loaded(Box<PackLoaded>),
    /// The pack could not be read at all (not a zip, a zip bomb...).
    Refused(String),
    Evaluated(ChunkResult),
    Correlated(CorrelationOutcome),
    /// An evaluation was asked before a pack loaded.
    NotLoaded,
}

/// A worker's loaded rule set.
pub struct RuleSetSession {
    set: RuleSet,
    correlations: Correlations,
    timestamp: TimestampField,
    /// The fields a [`CorrelationInput`] keeps.
    kept_fields: Vec<String>,
}

fn is_rule_file(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".yml") || lower.ends_with(".yaml")
}

/// The rule files of the pack (zips unpacked within [`ZipLimits::rules`]) and how many entries
/// were skipped.
fn rule_files(files: Vec<NamedFile>) -> Result<(Vec<NamedFile>, usize), String> {
    let mut out = Vec::new();
    let mut skipped = 0;
    for file in files {
        if is_zip(&file) {
            let entries = unzip(&file, &ZipLimits::rules(), |_| true)?;
            let total = entries.len();
            let kept: Vec<NamedFile> = entries
                .into_iter()
                .filter(|e| is_rule_file(&e.name))
                .collect();
            skipped += total - kept.len();
            out.extend(kept);
        } else if is_rule_file(&file.name) {
            out.push(file);
        } else {
            skipped += 1;
        }
    }
    Ok((out, skipped))
}

/// The correlation and filter documents of every rule file and of the playground's text, each
/// with the file it came from (their diagnostics are located in that file's text).
#[derive(Default)]
struct PackDocuments {
    correlations: Vec<(CorrelationRule, usize)>,
    filters: Vec<(Filter, usize)>,
    /// Per file: its name, its text's positions, and its text when the answer carries texts.
    files: Vec<(String, Arc<SourceMap>, Option<String>)>,
}

impl PackDocuments {
    fn take(&mut self, name: &str, text: Option<&str>, compilation: &mut Compilation) {
        let at = self.files.len();
        let correlations = std::mem::take(&mut compilation.correlations);
        self.correlations
            .extend(correlations.into_iter().map(|c| (c, at)));
        let filters = std::mem::take(&mut compilation.filters);
        self.filters.extend(filters.into_iter().map(|f| (f, at)));
        self.files.push((
            name.to_string(),
            Arc::clone(&compilation.source),
            text.map(str::to_string),
        ));
    }

    /// Resolves references across the files: the correlations (with what the results show of
    /// each) and the errors, each in its file.
    fn resolve(self, rules: &[CompiledRule]) -> (Correlations, Vec<PackRule>, Vec<RuleFileError>) {
        let (correlations, of_correlation): (Vec<_>, Vec<_>) =
            self.correlations.into_iter().unzip();
        let (filters, of_filter): (Vec<_>, Vec<_>) = self.filters.into_iter().unzip();
        let shown: Vec<PackRule> = correlations
            .iter()
            .zip(&of_correlation)
            .map(|(c, &file)| PackRule {
                title: c.title.clone(),
                id: c.id.clone(),
                level: c.level.clone(),
                tags: Vec::new(),
                file: self.files[file].0.clone(),
                text: self.files[file].2.clone(),
            })
            .collect();
        let (resolved, diagnostics, warnings) = Correlations::resolve(correlations, filters, rules);
        let located = |(i, d): (usize, Diagnostic), of: &[usize]| {
            let (name, source, _) = &self.files[of[i]];
            RuleFileError {
                file: name.clone(),
                diagnostic: d.locate(source),
            }
        };
        let errors = diagnostics
            .into_iter()
            .map(|d| located(d, &of_correlation))
            .chain(warnings.into_iter().map(|d| located(d, &of_filter)))
            .filter(|e| e.diagnostic.is_error())
            .collect();
        (resolved, shown, errors)
    }
}

/// A rule file's text, or why it is not one, located.
fn file_text(file: NamedFile) -> Result<(String, String), Box<RuleFileError>> {
    utf8_text(file.bytes)
        .map(|text| (file.name.clone(), text))
        .map_err(|e| {
            let mut diagnostic = Diagnostic::error(DiagnosticCode::Yaml, e.to_string(), None);
            diagnostic.location = Some(e.location);
            Box::new(RuleFileError {
                file: file.name,
                diagnostic,
            })
        })
}

impl RuleSetSession {
    /// Compiles the pack (every file against one regex budget, as the CLI's files do), and
    /// resolves the correlations and filters of its files and of the playground's text across
    /// all of them, as `sigmaplay eval` does across its files.
    pub fn load(pack: RulePack) -> Result<(RuleSetSession, PackLoaded), String> {
        let RulePack {
            files,
            page_text,
            options,
            with_texts,
        } = pack;
        let (files, skipped) = rule_files(files)?;
        let (mut engine_options, pipeline_errors) = options.to_engine_with_pipeline();
        engine_options.lint = false;
        let mut errors: Vec<RuleFileError> = pipeline_errors
            .into_iter()
            .map(|diagnostic| RuleFileError {
                file: "the pipeline".into(),
                diagnostic,
            })
            .collect();
        let mut budget = RegexBudget::default();
        let mut rules: Vec<CompiledRule> = Vec::new();
        let mut summaries = Vec::new();
        let mut documents = PackDocuments::default();
        let texts = files.into_iter().map(file_text).chain(std::iter::once(Ok((
            PLAYGROUND_TEXT.to_string(),
            page_text,
        ))));
        for text in texts {
            let (name, text) = match text {
                Ok(text) => text,
                Err(error) => {
                    errors.push(*error);
                    continue;
                }
            };
            let mut compilation = compile_rules_within(&text, &engine_options, &mut budget);
            errors.extend(
                compilation
                    .diagnostics
                    .iter()
                    .filter(|d| d.is_error())
                    .map(|d| RuleFileError {
                        file: name.clone(),
                        diagnostic: d.clone(),
                    }),
            );
            documents.take(&name, with_texts.then_some(&text), &mut compilation);
            // The playground's detection rules do not join the pack.
            if name == PLAYGROUND_TEXT {
                continue;
            }
            for rule in &compilation.rules {
                summaries.push(PackRule {
                    title: rule.title.clone(),
                    id: rule.id.clone(),
                    level: rule.level.clone(),
                    tags: rule.tags.clone(),
                    file: name.clone(),
                    text: with_texts.then(|| text.clone()),
                });
            }
            rules.extend(compilation.rules);
        }
        let (correlations, correlation_rules, resolve_errors) = documents.resolve(&rules);
        errors.extend(resolve_errors);
        let mut set = RuleSet::new(rules, LogSourceMap::builtin());
        let routing = engine_options.pipelines.is_empty();
        set.set_policy(if routing {
            LogSourcePolicy::Route
        } else {
            LogSourcePolicy::Ignore
        });
        let loaded = PackLoaded {
            rules: summaries,
            errors,
            skipped,
            routing,
            correlations: correlation_rules,
        };
        let timestamp = options.timestamp();
        let mut kept_fields: Vec<String> = match &timestamp {
            TimestampField::Default => TIMESTAMP_FIELDS.iter().map(|f| f.to_string()).collect(),
            TimestampField::Named(name) => vec![name.clone()],
        };
        kept_fields.extend(correlations.set.fields_read().map(str::to_string));
        kept_fields.sort();
        kept_fields.dedup();
        let session = RuleSetSession {
            set,
            correlations,
            timestamp,
            kept_fields,
        };
        Ok((session, loaded))
    }

    /// Evaluates a chunk: the rules each event fires, filters applied, the matches of rules
    /// only non-generating correlations reference left out (as `sigmaplay eval` prints them),
    /// and what the correlations need of its events.
    pub fn evaluate(&self, chunk: EventChunk) -> ChunkResult {
        let items = read_chunk(&chunk);
        let mut errors = Vec::new();
        let mut hits = Vec::new();
        let mut feed = Vec::new();
        let correlating = !self.correlations.set.is_empty();
        let every_event = self.correlations.set.needs_every_event();
        for (position, item) in items.iter().enumerate() {
            let (line, event) = match item {
                Err(e) => {
                    errors.push(format!("{}:{}: {}", e.line, e.column, e.message));
                    continue;
                }
                Ok((line, event)) => (*line, event),
            };
            let fired = self.correlations.fired(&self.set, event);
            let place = || match chunk.format {
                ChunkFormat::Evtx => EventPlace::Json(event.to_json().to_string()),
                _ => EventPlace::Bytes {
                    start: chunk.offset + event.span.start as u64,
                    end: chunk.offset + event.span.end as u64,
                },
            };
            if correlating {
                let matched: Vec<u32> = fired
                    .iter()
                    .filter(|h| self.correlations.set.references(h.rule))
                    .map(|h| h.rule as u32)
                    .collect();
                let timed = || self.timestamp.read(event).is_ok();
                if !matched.is_empty() || (every_event && timed()) {
                    feed.push(CorrelationInput {
                        event: position,
                        place: (!matched.is_empty()).then(place),
                        fields: self.kept(event),
                        matched,
                    });
                }
            }
            let rules: Vec<(u32, Vec<String>)> = fired
                .into_iter()
                .filter(|h| self.correlations.set.reports_matches_of(h.rule))
                .map(|h| (h.rule as u32, h.identifiers))
                .collect();
            if rules.is_empty() {
                continue;
            }
            hits.push(ChunkHit {
                event: position,
                line,
                place: place(),
                time: self.timestamp.read(event).ok(),
                rules,
            });
        }
        ChunkResult {
            index: chunk.index,
            items: items.len(),
            errors,
            hits,
            feed,
            worker_memory: wasm_memory(),
        }
    }

    /// The fields of `event` a [`CorrelationInput`] keeps.
    fn kept(&self, event: &Event) -> serde_json::Value {
        let fields = self
            .kept_fields
            .iter()
            .filter_map(|name| Some((name.clone(), event.get(name)?.to_json())));
        serde_json::Value::Object(fields.collect())
    }

    /// Runs the pack's correlations once over the merged feed, in input order, as
    /// `sigmaplay eval` feeds them event by event.
    pub fn correlate(&self, feed: Vec<CorrelationInput>) -> CorrelationOutcome {
        let mut run = self.correlations.start(self.timestamp.clone());
        for input in &feed {
            let matched: Vec<usize> = input.matched.iter().map(|&r| r as usize).collect();
            run.push(input.event, &Event::from_json(&input.fields), &matched);
        }
        let outcome = run.finish();
        let mut alerts: Vec<Alert> = outcome.alerts.into_iter().flatten().collect();
        alerts.sort_by_key(|a| (a.closing_event, a.window_end, a.correlation));
        let input_of = |event: usize| {
            let i = feed
                .binary_search_by_key(&event, |input| input.event)
                .ok()?;
            let input = &feed[i];
            Some((input.place.clone()?, &input.matched))
        };
        CorrelationOutcome {
            alerts: alerts
                .into_iter()
                .map(|alert| {
                    let shown: Vec<_> = alert
                        .events
                        .iter()
                        .take(ALERT_EVENTS_SHOWN)
                        .filter_map(|&e| input_of(e))
                        .collect();
                    let mut rules: Vec<u32> =
                        shown.iter().flat_map(|(_, m)| m.iter().copied()).collect();
                    rules.sort_unstable();
                    rules.dedup();
                    PackAlert {
                        record: self.correlations.set.alert_json(&alert),
                        places: shown.into_iter().map(|(p, _)| p).collect(),
                        rules,
                        alert,
                    }
                })
                .collect(),
            untimed: outcome.untimed.iter().map(ToString::to_string).collect(),
            notices: outcome.notices,
        }
    }
}

/// The size of this worker's wasm memory (it only grows), for the page's memory figures.
fn wasm_memory() -> u64 {
    #[cfg(target_arch = "wasm32")]
    {
        (core::arch::wasm32::memory_size::<0>() as u64) * 65_536
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0
    }
}

/// Where a chunk of `format` may end in `bytes` (read so far, more to follow), so that no event
/// is cut: after the last whole line of JSON Lines; before the last line that opens a record of
/// a JSON stream (a `Record N` line, or a `{` at the start of a line: a record's own lines are
/// indented). `None` while `bytes` holds no such place yet (or for formats read whole).
pub fn chunk_end(format: ChunkFormat, bytes: &[u8]) -> Option<usize> {
    let cut = match format {
        ChunkFormat::JsonLines => bytes.iter().rposition(|b| *b == b'\n').map(|i| i + 1),
        ChunkFormat::JsonStream => {
            let opens = |line: &[u8]| line.starts_with(b"Record ") || line.starts_with(b"{");
            let mut found = None;
            for (i, _) in bytes.iter().enumerate().rev().filter(|(_, b)| **b == b'\n') {
                if opens(&bytes[i + 1..]) {
                    found = Some(i + 1);
                    break;
                }
            }
            // A `{` line right after a `Record N` line belongs to it.
            found.map(|at| record_start(bytes, at))
        }
        ChunkFormat::Text | ChunkFormat::Evtx => None,
    };
    cut.filter(|c| *c > 0)
}

/// The start of the `Record N` line just before `at`, if `at` is a `{` line that follows one.
fn record_start(bytes: &[u8], at: usize) -> usize {
    if at < 2 || !bytes[at..].starts_with(b"{") {
        return at;
    }
    let before = &bytes[..at - 1];
    let line = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    if bytes[line..].starts_with(b"Record ") {
        line
    } else {
        at
    }
}

/// A chunk's events (each with its line in the file, for text) and unreadable events, in order;
/// spans are offsets in the chunk.
fn read_chunk(chunk: &EventChunk) -> Vec<Result<(Option<usize>, Event), EventError>> {
    let shift = chunk.first_line.saturating_sub(1);
    match chunk.format {
        ChunkFormat::JsonLines => {
            let mut lines = JsonLines::new(Cursor::new(&chunk.bytes[..]), usize::MAX);
            // Reading from memory fails on nothing.
            let block = lines.next_block().ok().flatten().unwrap_or_default();
            block
                .into_iter()
                .map(|(line, e)| match e {
                    Ok(event) => Ok((Some(line + shift), event)),
                    Err(mut error) => {
                        error.line += shift;
                        Err(error)
                    }
                })
                .collect()
        }
        // A chunk starts at the start of a line: only lines shift, not columns.
        ChunkFormat::JsonStream | ChunkFormat::Text => {
            let text = String::from_utf8_lossy(&chunk.bytes);
            let lines = SourceMap::new(&text);
            parse_events(&text)
                .events
                .into_iter()
                .map(|e| match e {
                    Ok(event) => {
                        let line = lines.location(event.span.start).line + shift;
                        Ok((Some(line), event))
                    }
                    Err(mut error) => {
                        error.line += shift;
                        Err(error)
                    }
                })
                .collect()
        }
        ChunkFormat::Evtx => parse_evtx(&chunk.bytes)
            .events
            .into_iter()
            .map(|e| e.map(|event| (None, event)))
            .collect(),
    }
}

/// The worker's side: one session, loaded once, then chunks.
#[derive(Default)]
pub struct RuleSetWorker {
    session: Option<RuleSetSession>,
}

impl RuleSetWorker {
    pub fn handle(&mut self, task: RuleSetTask) -> RuleSetAnswer {
        match task {
            RuleSetTask::Load(pack) => match RuleSetSession::load(*pack) {
                Ok((session, loaded)) => {
                    self.session = Some(session);
                    RuleSetAnswer::Loaded(Box::new(loaded))
                }
                Err(why) => RuleSetAnswer::Refused(why),
            },
            RuleSetTask::Evaluate(chunk) => match &self.session {
                Some(session) => RuleSetAnswer::Evaluated(session.evaluate(chunk)),
                None => RuleSetAnswer::NotLoaded,
            },
            RuleSetTask::Correlate(feed) => match &self.session {
                Some(session) => RuleSetAnswer::Correlated(session.correlate(feed)),
                None => RuleSetAnswer::NotLoaded,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::tests::zip_of;

    const CMD: &str = "title: Cmd\nid: 5e0b1f3a-1b2c-4d5e-8f90-123456789abc\nlogsource:\n    product: windows\n    category: process_creation\ndetection:\n    selection:\n        Image|endswith: '\\cmd.exe'\n    condition: selection\nlevel: low\ntags:\n    - attack.execution\n";
    const BROKEN: &str = "title: Broken\nlogsource:\n    product: windows\ndetection:\n    selection:\n        Image|endswith: x\n    condition: selection and nothing\n";
    const SYSMON: &str = r#""Channel":"Microsoft-Windows-Sysmon/Operational","EventID":1"#;

    fn pack(page_text: &str) -> RulePack {
        let zip = zip_of(&[
            ("rules/windows/cmd.yml", CMD.as_bytes()),
            ("rules/windows/broken.yml", BROKEN.as_bytes()),
            ("rules/README.md", b"# rules"),
        ]);
        RulePack {
            files: vec![NamedFile {
                name: "sigma.zip".into(),
                bytes: zip,
            }],
            page_text: page_text.into(),
            options: RuleOptions::default(),
            with_texts: true,
        }
    }

    fn lines(images: &[&str]) -> Vec<u8> {
        let mut out = String::new();
        for image in images {
            let image = image.replace('\\', "\\\\");
            out.push_str(&format!(
                "{{{SYSMON},\"Image\":\"{image}\",\"UtcTime\":\"2026-01-02 03:04:05\"}}\n"
            ));
        }
        out.into_bytes()
    }

    #[test]
    fn a_zip_loads_its_rules_and_lists_the_broken_one_with_its_position() {
        let (_, loaded) = RuleSetSession::load(pack("")).unwrap();
        assert_eq!(loaded.rules.len(), 1);
        assert_eq!(loaded.rules[0].file, "rules/windows/cmd.yml");
        assert_eq!(loaded.rules[0].tags, ["attack.execution"]);
        assert_eq!(loaded.rules[0].text.as_deref(), Some(CMD));
        assert_eq!(loaded.skipped, 1);
        assert!(loaded.routing);
        let error = &loaded.errors[0];
        assert_eq!(error.file, "rules/windows/broken.yml");
        assert_eq!(error.diagnostic.location.map(|l| l.line), Some(7));
    }

    #[test]
    fn chunks_report_hits_with_their_place_in_the_file() {
        let (session, _) = RuleSetSession::load(pack("")).unwrap();
        let mut bytes = lines(&["C:\\x\\cmd.exe", "C:\\x\\notepad.exe"]);
        bytes.extend_from_slice(b"{not json\n");
        bytes.extend(lines(&["C:\\y\\cmd.exe"]));
        let result = session.evaluate(EventChunk {
            index: 3,
            offset: 1000,
            first_line: 11,
            format: ChunkFormat::JsonLines,
            bytes: bytes.clone(),
        });
        assert_eq!((result.index, result.items), (3, 4));
        assert_eq!(result.errors.len(), 1);
        assert!(result.errors[0].starts_with("13:"), "{:?}", result.errors);
        let events: Vec<_> = result.hits.iter().map(|h| (h.event, h.line)).collect();
        assert_eq!(events, [(0, Some(11)), (3, Some(14))]);
        assert_eq!(result.hits[0].rules, [(0, vec!["selection".to_string()])]);
        assert_eq!(result.hits[0].time, Some(1_767_323_045_000));
        let EventPlace::Bytes { start, end } = result.hits[1].place else {
            panic!("a text event has its bytes' place");
        };
        let text = &bytes[(start - 1000) as usize..(end - 1000) as usize];
        assert!(text.starts_with(b"{") && text.ends_with(b"}"));
        assert!(String::from_utf8_lossy(text).contains("y\\\\cmd.exe"));
    }

    #[test]
    fn the_playgrounds_filters_apply_to_the_pack() {
        let filter = "title: Not y\nlogsource:\n    product: windows\nfilter:\n    rules:\n        - 5e0b1f3a-1b2c-4d5e-8f90-123456789abc\n    selection:\n        Image|startswith: 'C:\\y\\'\n    condition: not selection\n";
        let (session, loaded) = RuleSetSession::load(pack(filter)).unwrap();
        assert!(
            loaded.errors.iter().all(|e| e.file != PLAYGROUND_TEXT),
            "{:?}",
            loaded.errors
        );
        let result = session.evaluate(EventChunk {
            index: 0,
            offset: 0,
            first_line: 1,
            format: ChunkFormat::JsonLines,
            bytes: lines(&["C:\\x\\cmd.exe", "C:\\y\\cmd.exe"]),
        });
        let events: Vec<_> = result.hits.iter().map(|h| h.event).collect();
        assert_eq!(events, [0]);
    }

    #[test]
    fn a_zip_bomb_and_an_evaluation_before_loading_are_answered_in_words() {
        let zeros = vec![b'a'; 5 * 1024 * 1024];
        let bomb = RulePack {
            files: vec![NamedFile {
                name: "bomb.zip".into(),
                bytes: zip_of(&[("a.yml", &zeros)]),
            }],
            ..pack("")
        };
        let mut worker = RuleSetWorker::default();
        let chunk = EventChunk {
            index: 0,
            offset: 0,
            first_line: 1,
            format: ChunkFormat::JsonLines,
            bytes: lines(&["C:\\x\\cmd.exe"]),
        };
        assert_eq!(
            worker.handle(RuleSetTask::Evaluate(chunk.clone())),
            RuleSetAnswer::NotLoaded
        );
        let RuleSetAnswer::Refused(why) = worker.handle(RuleSetTask::Load(Box::new(bomb))) else {
            panic!("refused");
        };
        assert!(why.contains("a.yml is larger than 4 MB"), "{why}");
        assert!(matches!(
            worker.handle(RuleSetTask::Load(Box::new(pack("")))),
            RuleSetAnswer::Loaded(_)
        ));
        let RuleSetAnswer::Evaluated(result) = worker.handle(RuleSetTask::Evaluate(chunk)) else {
            panic!("evaluated");
        };
        assert_eq!(result.hits.len(), 1);
    }

    const TWO_CMDS: &str = "title: Two cmd by one user\nid: 7e0b1f3a-1b2c-4d5e-8f90-123456789abc\ncorrelation:\n    type: event_count\n    rules:\n        - 5e0b1f3a-1b2c-4d5e-8f90-123456789abc\n    group-by:\n        - User\n    timespan: 5m\n    condition:\n        gte: 2\nlevel: high\n";

    /// `(image, user, second)` as JSON Lines.
    fn user_lines(events: &[(&str, &str, u32)]) -> Vec<u8> {
        let mut out = String::new();
        for (image, user, second) in events {
            let image = image.replace('\\', "\\\\");
            out.push_str(&format!(
                "{{{SYSMON},\"Image\":\"{image}\",\"User\":\"{user}\",\"UtcTime\":\"2026-01-02 03:04:{second:02}\"}}\n"
            ));
        }
        out.into_bytes()
    }

    fn chunk_of(index: usize, offset: u64, bytes: Vec<u8>) -> EventChunk {
        EventChunk {
            index,
            offset,
            first_line: 1,
            format: ChunkFormat::JsonLines,
            bytes,
        }
    }

    /// Chunks evaluated apart, their feeds merged in input order, one correlation run: the
    /// alerts are those of the whole file in one chunk (as `sigmaplay eval` feeds it).
    fn alerts_over(session: &RuleSetSession, chunks: Vec<Vec<u8>>) -> CorrelationOutcome {
        let mut feed = Vec::new();
        let (mut base, mut offset) = (0, 0);
        for (i, bytes) in chunks.into_iter().enumerate() {
            let size = bytes.len() as u64;
            let result = session.evaluate(chunk_of(i, offset, bytes));
            offset += size;
            feed.extend(result.feed.into_iter().map(|mut input| {
                input.event += base;
                input
            }));
            base += result.items;
        }
        session.correlate(feed)
    }

    #[test]
    fn a_packs_correlation_runs_over_every_chunks_matches_in_input_order() {
        let zip = zip_of(&[
            ("rules/windows/cmd.yml", CMD.as_bytes()),
            ("rules/correlations/two_cmds.yml", TWO_CMDS.as_bytes()),
        ]);
        let pack = RulePack {
            files: vec![NamedFile {
                name: "sigma.zip".into(),
                bytes: zip,
            }],
            ..pack("")
        };
        let (session, loaded) = RuleSetSession::load(pack).unwrap();
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        assert_eq!(loaded.correlations.len(), 1);
        assert_eq!(
            loaded.correlations[0].file,
            "rules/correlations/two_cmds.yml"
        );
        let first = user_lines(&[
            ("C:\\x\\cmd.exe", "alice", 1),
            ("C:\\x\\notepad.exe", "alice", 2),
            ("C:\\x\\cmd.exe", "bob", 3),
        ]);
        let second = user_lines(&[
            ("C:\\x\\cmd.exe", "alice", 9),
            ("C:\\x\\cmd.exe", "carol", 10),
        ]);
        let whole = alerts_over(&session, vec![[first.clone(), second.clone()].concat()]);
        let split = alerts_over(&session, vec![first, second]);
        assert_eq!(split, whole);
        let alerts: Vec<_> = split
            .alerts
            .iter()
            .map(|a| (&a.alert.group, &a.alert.events))
            .collect();
        assert_eq!(
            alerts,
            [(
                &vec![("User".to_string(), "alice".to_string())],
                &vec![0, 3]
            )]
        );
        let alert = &split.alerts[0];
        assert_eq!(
            alert.record["rule_id"],
            "7e0b1f3a-1b2c-4d5e-8f90-123456789abc"
        );
        assert_eq!(alert.record["event"], 3);
        assert_eq!(alert.rules, [0]);
        assert_eq!(alert.places.len(), 2);
        // Without `generate: true` the correlation hides its rule's own matches, as the CLI
        // does, but still counts them.
        let result = session.evaluate(chunk_of(0, 0, user_lines(&[("C:\\x\\cmd.exe", "a", 1)])));
        assert!(result.hits.is_empty());
        assert_eq!(result.feed.len(), 1);
    }

    /// An evtx_dump JSON stream of `n` records (pretty-printed, `Record N` lines), every third
    /// one a cmd.exe, the fifth one broken.
    fn evtx_dump_stream(n: usize) -> String {
        let mut out = String::new();
        for i in 0..n {
            let image = if i % 3 == 0 {
                "C:\\\\x\\\\cmd.exe"
            } else {
                "C:\\\\x\\\\app.exe"
            };
            let broken = if i == 4 { "," } else { "" };
            out.push_str(&format!(
                "Record {}\n{{\n  \"Event\": {{\n    \"System\": {{\"Channel\": \"Microsoft-Windows-Sysmon/Operational\", \"EventID\": 1{broken}}},\n    \"EventData\": {{\"Image\": \"{image}\", \"UtcTime\": \"2026-01-02 03:04:05\"}}\n  }}\n}}\n",
                i + 1
            ));
        }
        out
    }

    #[test]
    fn an_evtx_dump_stream_read_in_chunks_gives_the_whole_files_events_lines_and_errors() {
        let (session, _) = RuleSetSession::load(pack("")).unwrap();
        let text = evtx_dump_stream(40);
        let whole = session.evaluate(EventChunk {
            index: 0,
            offset: 0,
            first_line: 1,
            format: ChunkFormat::Text,
            bytes: text.clone().into_bytes(),
        });
        assert_eq!(
            (whole.items, whole.errors.len(), whole.hits.len()),
            (40, 1, 14)
        );
        // Chunks of at most 300 bytes, cut where the reader cuts them.
        let (mut chunks, mut rest, mut offset, mut line) = (Vec::new(), text.as_bytes(), 0, 1);
        while !rest.is_empty() {
            let window = &rest[..rest.len().min(300)];
            let cut = if window.len() == rest.len() {
                rest.len()
            } else {
                chunk_end(ChunkFormat::JsonStream, window)
                    .expect("a record starts within 300 bytes")
            };
            let bytes = rest[..cut].to_vec();
            assert!(
                bytes.starts_with(b"Record "),
                "{}",
                String::from_utf8_lossy(&bytes)
            );
            let chunk = EventChunk {
                index: chunks.len(),
                offset,
                first_line: line,
                format: ChunkFormat::JsonStream,
                bytes,
            };
            line += chunk.bytes.iter().filter(|b| **b == b'\n').count();
            offset += cut as u64;
            rest = &rest[cut..];
            chunks.push(session.evaluate(chunk));
        }
        assert!(chunks.len() > 10);
        let items: usize = chunks.iter().map(|c| c.items).sum();
        let errors: Vec<&String> = chunks.iter().flat_map(|c| &c.errors).collect();
        assert_eq!(items, whole.items);
        assert_eq!(errors, whole.errors.iter().collect::<Vec<_>>());
        let lines =
            |hits: &mut dyn Iterator<Item = &ChunkHit>| -> Vec<(Option<usize>, EventPlace)> {
                hits.map(|h| (h.line, h.place.clone())).collect()
            };
        assert_eq!(
            lines(&mut chunks.iter().flat_map(|c| &c.hits)),
            lines(&mut whole.hits.iter())
        );
    }

    #[test]
    fn tasks_and_answers_round_trip_through_json() {
        let task = RuleSetTask::Evaluate(EventChunk {
            index: 1,
            offset: 2,
            first_line: 3,
            format: ChunkFormat::Evtx,
            bytes: vec![0, 1, 255],
        });
        let json = serde_json::to_string(&task).unwrap();
        assert_eq!(serde_json::from_str::<RuleSetTask>(&json).unwrap(), task);
        let (session, loaded) = RuleSetSession::load(pack("")).unwrap();
        let answer = RuleSetAnswer::Loaded(Box::new(loaded));
        let json = serde_json::to_string(&answer).unwrap();
        assert_eq!(
            serde_json::from_str::<RuleSetAnswer>(&json).unwrap(),
            answer
        );
        let result = RuleSetAnswer::Evaluated(session.evaluate(EventChunk {
            index: 0,
            offset: 0,
            first_line: 1,
            format: ChunkFormat::JsonLines,
            bytes: lines(&["C:\\x\\cmd.exe"]),
        }));
        let json = serde_json::to_string(&result).unwrap();
        assert_eq!(
            serde_json::from_str::<RuleSetAnswer>(&json).unwrap(),
            result
        );
    }
}
