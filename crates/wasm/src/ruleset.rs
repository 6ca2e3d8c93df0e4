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
    compile_rules_within, parse_events, parse_evtx, utf8_text, CompiledRule, Correlations,
    Diagnostic, DiagnosticCode, Event, EventError, JsonLines, LogSourceMap, LogSourcePolicy,
    RegexBudget, RuleSet, SourceMap, TimestampField,
};
use std::io::Cursor;

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
    /// A whole text file in any format the engine reads (evtx_dump JSON, Event Viewer XML...).
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
}

/// Where a hit's event can be read again: its bytes in the file, or (for `.evtx` records) its
/// fields as JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventPlace {
    Bytes { start: u64, end: u64 },
    Json(String),
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

/// The evaluation of one chunk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkResult {
    pub index: usize,
    /// Events and unreadable events in the chunk.
    pub items: usize,
    /// Unreadable events, as `line:column: message`.
    pub errors: Vec<String>,
    pub hits: Vec<ChunkHit>,
}

/// A rule-set worker → page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum RuleSetAnswer {
    Loaded(Box<PackLoaded>),
    /// The pack could not be read at all (not a zip, a zip bomb...).
    Refused(String),
    Evaluated(ChunkResult),
    /// An evaluation was asked before a pack loaded.
    NotLoaded,
}

/// A worker's loaded rule set.
pub struct RuleSetSession {
    set: RuleSet,
    correlations: Correlations,
    timestamp: TimestampField,
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

impl RuleSetSession {
    /// Compiles the pack (every file against one regex budget, as the CLI's files do).
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
        for file in files {
            let text = match utf8_text(file.bytes) {
                Ok(text) => text,
                Err(e) => {
                    let mut diagnostic =
                        Diagnostic::error(DiagnosticCode::Yaml, e.to_string(), None);
                    diagnostic.location = Some(e.location);
                    errors.push(RuleFileError {
                        file: file.name,
                        diagnostic,
                    });
                    continue;
                }
            };
            let compilation = compile_rules_within(&text, &engine_options, &mut budget);
            errors.extend(
                compilation
                    .diagnostics
                    .iter()
                    .filter(|d| d.is_error())
                    .map(|d| RuleFileError {
                        file: file.name.clone(),
                        diagnostic: d.clone(),
                    }),
            );
            for rule in &compilation.rules {
                summaries.push(PackRule {
                    title: rule.title.clone(),
                    id: rule.id.clone(),
                    level: rule.level.clone(),
                    tags: rule.tags.clone(),
                    file: file.name.clone(),
                    text: with_texts.then(|| text.clone()),
                });
            }
            rules.extend(compilation.rules);
        }
        let page = compile_rules_within(&page_text, &engine_options, &mut budget);
        let (correlations, diagnostics, warnings) =
            Correlations::resolve(page.correlations, page.filters, &rules);
        let page_errors = page.diagnostics.iter().filter(|d| d.is_error()).cloned();
        let resolve_errors = diagnostics
            .into_iter()
            .map(|(_, d)| d)
            .chain(warnings.into_iter().map(|(_, d)| d))
            .map(|d| d.locate(&page.source))
            .filter(|d| d.is_error());
        errors.extend(
            page_errors
                .chain(resolve_errors)
                .map(|diagnostic| RuleFileError {
                    file: PLAYGROUND_TEXT.into(),
                    diagnostic,
                }),
        );
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
        };
        let session = RuleSetSession {
            set,
            correlations,
            timestamp: options.timestamp(),
        };
        Ok((session, loaded))
    }

    /// Evaluates a chunk: the rules each event fires, filters applied, the matches of rules
    /// only non-generating correlations reference left out (as `sigmaplay eval` prints them).
    pub fn evaluate(&self, chunk: EventChunk) -> ChunkResult {
        let items = read_chunk(&chunk);
        let mut errors = Vec::new();
        let mut hits = Vec::new();
        for (position, item) in items.iter().enumerate() {
            match item {
                Err(e) => errors.push(format!("{}:{}: {}", e.line, e.column, e.message)),
                Ok((line, event)) => {
                    let rules: Vec<(u32, Vec<String>)> = self
                        .correlations
                        .fired(&self.set, event)
                        .into_iter()
                        .filter(|h| self.correlations.set.reports_matches_of(h.rule))
                        .map(|h| (h.rule as u32, h.identifiers))
                        .collect();
                    if rules.is_empty() {
                        continue;
                    }
                    let place = match chunk.format {
                        ChunkFormat::Evtx => EventPlace::Json(event.to_json().to_string()),
                        _ => EventPlace::Bytes {
                            start: chunk.offset + event.span.start as u64,
                            end: chunk.offset + event.span.end as u64,
                        },
                    };
                    hits.push(ChunkHit {
                        event: position,
                        line: *line,
                        place,
                        time: self.timestamp.read(event).ok(),
                        rules,
                    });
                }
            }
        }
        ChunkResult {
            index: chunk.index,
            items: items.len(),
            errors,
            hits,
        }
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
        ChunkFormat::Text => {
            let text = String::from_utf8_lossy(&chunk.bytes);
            let lines = SourceMap::new(&text);
            parse_events(&text)
                .events
                .into_iter()
                .map(|e| e.map(|event| (Some(lines.location(event.span.start).line), event)))
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
