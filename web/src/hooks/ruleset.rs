//! The rule-set view's workers: a pool of files workers (one per logical processor, 1 to
//! [`MAX_WORKERS`]), each loading the rule pack once; the events file is read a chunk at a time
//! (`File.slice`: never whole for JSON Lines, never in an editor) and each chunk goes to an idle
//! worker. The answers go to the reducer, which merges them in input order; what the pack's
//! correlations need of each chunk is kept here, and once every chunk is in, one worker runs
//! the correlations over all of it in input order. Cancelling, or a worker that fails (a panic
//! it reports, or an `error` event: a trap, out of memory), ends the workers; the results so
//! far stay.

use super::autosave::replace_workspace_then;
use crate::bindings;
use crate::components::ruleset::ExportFormat;
use crate::files_worker::FilesWorker;
use crate::state::{Action, AppState, RuleSetAction, RuleSetState, RunEnd, View, Workspace};
use crate::worker::JsCodec;
use gloo_events::EventListener;
use gloo_worker::{Spawnable, WorkerBridge};
use sigmaplay_engine::{is_evtx, is_json_lines, MAX_INPUT_BYTES};
use sigmaplay_wasm::regression::{FileTask, FileTaskAnswer, NamedFile};
use sigmaplay_wasm::ruleset::{
    chunk_end, ChunkFormat, CorrelationInput, EventChunk, EventPlace, PackRule, RulePack,
    RuleSetAnswer, RuleSetTask, CHUNK_BYTES,
};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

pub const MAX_WORKERS: usize = 8;

/// Bytes read to tell the events file's format.
const HEAD_BYTES: f64 = 64.0 * 1024.0;

type Dispatch = UseReducerDispatcher<AppState>;

/// The pool, shared by the callbacks of the view and of the workers.
pub type SharedPool = Rc<RefCell<Pool>>;

#[derive(Default)]
pub struct Pool {
    /// The rule files (or zip) last chosen.
    pack: Option<Rc<Vec<NamedFile>>>,
    pack_ready: bool,
    events: Option<web_sys::File>,
    /// The worker that loads a pack to list its rules and errors before a run.
    loader: Option<WorkerBridge<FilesWorker>>,
    run: Option<RunWorkers>,
    /// Bumped per run and per pack: answers of older workers are ignored.
    generation: u64,
}

struct RunWorkers {
    generation: u64,
    workers: Vec<WorkerBridge<FilesWorker>>,
    /// Each worker's `error` listener (removed when the run ends).
    _errors: Vec<Option<EventListener>>,
    /// Whether the pack has correlations to run once every chunk is in.
    correlates: bool,
    /// Per chunk: its events and unreadable events, and what the correlations need of them.
    feed: BTreeMap<usize, (usize, Vec<CorrelationInput>)>,
    ready: usize,
    idle: Vec<usize>,
    /// `None` while a chunk is being read.
    reader: Option<Reader>,
    in_flight: usize,
}

/// Reads the events file a chunk at a time.
struct Reader {
    file: web_sys::File,
    size: f64,
    format: ChunkFormat,
    /// Where the next read starts.
    offset: f64,
    /// Bytes read that belong to the next chunk, and where they start in the file.
    carry: Vec<u8>,
    carry_start: u64,
    line: usize,
    next_index: usize,
    done: bool,
}

impl Reader {
    async fn open(file: web_sys::File) -> Result<Reader, String> {
        let size = file.size();
        let head = bindings::read_slice(&file, 0.0, size.min(HEAD_BYTES))
            .await
            .ok_or_else(|| format!("{} could not be read", file.name()))?;
        let text = String::from_utf8_lossy(&head);
        let start = text.trim_start_matches('\u{feff}').trim_start();
        let format = if is_evtx(&head) {
            ChunkFormat::Evtx
        } else if is_json_lines(&text) {
            ChunkFormat::JsonLines
        } else if start.starts_with("Record ") || start.starts_with('{') {
            ChunkFormat::JsonStream
        } else {
            ChunkFormat::Text
        };
        let whole = matches!(format, ChunkFormat::Text | ChunkFormat::Evtx);
        if whole && size > MAX_INPUT_BYTES as f64 {
            return Err(format!(
                "{} is over {} MB and read whole: only JSON Lines and evtx_dump JSON are read in parts",
                file.name(),
                MAX_INPUT_BYTES / (1024 * 1024)
            ));
        }
        Ok(Reader {
            file,
            size,
            format,
            offset: 0.0,
            carry: Vec::new(),
            carry_start: 0,
            line: 1,
            next_index: 0,
            done: false,
        })
    }

    /// The next chunk: whole lines of JSON Lines, whole records of an evtx_dump JSON stream,
    /// or the whole file in another format.
    async fn next_chunk(&mut self) -> Result<Option<EventChunk>, String> {
        while !self.done {
            let step = match self.format {
                ChunkFormat::JsonLines | ChunkFormat::JsonStream => CHUNK_BYTES as f64,
                ChunkFormat::Text | ChunkFormat::Evtx => self.size,
            };
            let end = (self.offset + step).min(self.size);
            let bytes = bindings::read_slice(&self.file, self.offset, end)
                .await
                .ok_or_else(|| format!("{} could not be read", self.file.name()))?;
            self.offset = end;
            self.carry.extend_from_slice(&bytes);
            self.done = self.offset >= self.size;
            let cut = if self.done {
                Some(self.carry.len())
            } else {
                chunk_end(self.format, &self.carry)
            };
            // A line (or record) longer than a chunk: read on until it ends.
            let Some(cut) = cut.filter(|c| *c > 0) else {
                continue;
            };
            let rest = self.carry.split_off(cut);
            let bytes = std::mem::replace(&mut self.carry, rest);
            let chunk = EventChunk {
                index: self.next_index,
                offset: self.carry_start,
                first_line: self.line,
                format: self.format,
                bytes,
            };
            self.line += chunk.bytes.iter().filter(|b| **b == b'\n').count();
            self.carry_start += chunk.bytes.len() as u64;
            self.next_index += 1;
            return Ok(Some(chunk));
        }
        Ok(None)
    }
}

fn rule_set(dispatch: &Dispatch, action: RuleSetAction) {
    dispatch.dispatch(Action::RuleSet(action));
}

fn pack_task(files: &Rc<Vec<NamedFile>>, state: &AppState, with_texts: bool) -> FileTask {
    FileTask::RuleSet(RuleSetTask::Load(Box::new(RulePack {
        files: (**files).clone(),
        page_text: state.workspace.rule.to_string(),
        options: state.rule_options(),
        with_texts,
    })))
}

fn spawn(on_answer: impl Fn(FileTaskAnswer) + 'static) -> WorkerBridge<FilesWorker> {
    FilesWorker::spawner()
        .callback(on_answer)
        .encoding::<JsCodec>()
        .spawn("./sigmaplay-files.js")
}

/// [`spawn`], listening to the worker's `error` event. A worker that dies without panicking (a
/// wasm trap, out of memory) raises only that event, on the `Worker` object, which gloo keeps
/// to itself; without it the page would wait for the worker's answer forever. The object is
/// caught as gloo constructs it: `Worker` is a proxy for the length of the call.
fn spawn_watched(
    on_answer: impl Fn(FileTaskAnswer) + 'static,
    on_error: impl Fn(String) + 'static,
) -> (WorkerBridge<FilesWorker>, Option<EventListener>) {
    use js_sys::{Array, Function, Object, Proxy, Reflect};
    let global = js_sys::global();
    let name = JsValue::from_str("Worker");
    let Ok(original) = Reflect::get(&global, &name) else {
        return (spawn(on_answer), None);
    };
    let created: Rc<RefCell<Option<JsValue>>> = Rc::default();
    let construct = {
        let created = created.clone();
        Closure::<dyn FnMut(JsValue, Array) -> Result<JsValue, JsValue>>::new(
            move |target: JsValue, args: Array| {
                let worker = Reflect::construct(target.unchecked_ref::<Function>(), &args)?;
                *created.borrow_mut() = Some(worker.clone());
                Ok(worker)
            },
        )
    };
    let traps = Object::new();
    let proxied = Reflect::set(&traps, &"construct".into(), construct.as_ref())
        .and_then(|_| {
            let proxy = Proxy::new(&original, &traps);
            Reflect::set(&global, &name, &proxy)
        })
        .unwrap_or(false);
    let bridge = spawn(on_answer);
    if proxied {
        let _ = Reflect::set(&global, &name, &original);
    }
    let listener = created.borrow_mut().take().map(|worker| {
        let target: web_sys::EventTarget = worker.unchecked_into();
        EventListener::new(&target, "error", move |event| {
            let message = Reflect::get(event, &"message".into())
                .ok()
                .and_then(|m| m.as_string())
                .unwrap_or_default();
            on_error(message);
        })
    });
    (bridge, listener)
}

/// Loads a rule pack (a zip or `.yml` files) to list its rules and errors; runs it over the
/// events file when one was chosen.
pub fn load_rules(pool: &SharedPool, state: &AppState, dispatch: &Dispatch, files: Vec<NamedFile>) {
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    rule_set(dispatch, RuleSetAction::PackLoading(names.join(", ")));
    let files = Rc::new(files);
    let mut p = pool.borrow_mut();
    p.generation += 1;
    p.pack = Some(files.clone());
    p.pack_ready = false;
    let generation = p.generation;
    let (shared, dispatch) = (pool.clone(), dispatch.clone());
    let state_then = state.clone();
    let loader = spawn(move |answer| {
        let mut p = shared.borrow_mut();
        if p.generation != generation {
            return;
        }
        // Not dropped inside its own callback.
        let loader = p.loader.take();
        spawn_local(async move { drop(loader) });
        match answer {
            FileTaskAnswer::RuleSet(RuleSetAnswer::Loaded(loaded)) => {
                p.pack_ready = true;
                rule_set(&dispatch, RuleSetAction::PackLoaded(loaded));
                let run_now = p.events.is_some();
                drop(p);
                if run_now {
                    start_run(&shared, &state_then, &dispatch);
                }
            }
            FileTaskAnswer::RuleSet(RuleSetAnswer::Refused(why))
            | FileTaskAnswer::Failed { message: why } => {
                rule_set(&dispatch, RuleSetAction::PackRefused(why))
            }
            _ => {}
        }
    });
    loader.send(pack_task(&files, state, true));
    p.loader = Some(loader);
}

/// Takes the events file; runs the pack over it when the pack is loaded.
pub fn open_events(pool: &SharedPool, state: &AppState, dispatch: &Dispatch, file: web_sys::File) {
    let ready = {
        let mut p = pool.borrow_mut();
        p.events = Some(file);
        p.pack_ready
    };
    if ready {
        start_run(pool, state, dispatch);
    }
}

/// Starts the workers, each loading the pack, and feeds them the events file's chunks.
pub fn start_run(pool: &SharedPool, state: &AppState, dispatch: &Dispatch) {
    let mut p = pool.borrow_mut();
    let (Some(pack), Some(file)) = (p.pack.clone(), p.events.clone()) else {
        return;
    };
    p.generation += 1;
    let generation = p.generation;
    let count = bindings::hardware_concurrency().clamp(1, MAX_WORKERS);
    let (workers, errors): (Vec<_>, Vec<_>) = (0..count)
        .map(|i| {
            let (shared, dispatch) = (pool.clone(), dispatch.clone());
            let (failed, failed_dispatch) = (pool.clone(), dispatch.clone());
            let (worker, errors) = spawn_watched(
                move |answer| answered(&shared, &dispatch, generation, i, answer),
                move |message| died(&failed, &failed_dispatch, generation, &message),
            );
            worker.send(pack_task(&pack, state, i == 0));
            (worker, errors)
        })
        .unzip();
    p.run = Some(RunWorkers {
        generation,
        workers,
        _errors: errors,
        correlates: false,
        feed: BTreeMap::new(),
        ready: 0,
        idle: (0..count).collect(),
        reader: None,
        in_flight: 0,
    });
    drop(p);
    rule_set(
        dispatch,
        RuleSetAction::RunStarted {
            file: file.name(),
            total_bytes: file.size() as u64,
            workers: count,
            now_ms: bindings::now_ms(),
        },
    );
    let (pool, dispatch) = (pool.clone(), dispatch.clone());
    spawn_local(async move {
        let reader = Reader::open(file).await;
        let mut p = pool.borrow_mut();
        let Some(run) = p.run.as_mut().filter(|r| r.generation == generation) else {
            return;
        };
        match reader {
            Ok(reader) => {
                run.reader = Some(reader);
                drop(p);
                pump(&pool, &dispatch);
            }
            Err(why) => {
                drop(p);
                end_run(&pool, &dispatch, RunEnd::Failed(why));
            }
        }
    });
}

/// A worker's answer during a run.
fn answered(
    pool: &SharedPool,
    dispatch: &Dispatch,
    generation: u64,
    worker: usize,
    answer: FileTaskAnswer,
) {
    let mut p = pool.borrow_mut();
    let Some(run) = p.run.as_mut().filter(|r| r.generation == generation) else {
        return;
    };
    match answer {
        FileTaskAnswer::RuleSet(RuleSetAnswer::Loaded(loaded)) => {
            run.ready += 1;
            run.correlates = !loaded.correlations.is_empty();
            let all_ready = run.ready == run.workers.len();
            drop(p);
            if worker == 0 {
                rule_set(dispatch, RuleSetAction::PackLoaded(loaded));
            }
            if all_ready {
                let now_ms = bindings::now_ms();
                rule_set(dispatch, RuleSetAction::WorkersReady { now_ms });
            }
        }
        FileTaskAnswer::RuleSet(RuleSetAnswer::Evaluated(mut result)) => {
            run.in_flight -= 1;
            run.idle.push(worker);
            let feed = std::mem::take(&mut result.feed);
            run.feed.insert(result.index, (result.items, feed));
            let finished = run.in_flight == 0 && run.reader.as_ref().is_some_and(|r| r.done);
            drop(p);
            let now_ms = bindings::now_ms();
            let evaluated = RuleSetAction::Evaluated {
                result,
                worker,
                now_ms,
            };
            rule_set(dispatch, evaluated);
            if finished {
                finish(pool, dispatch);
            } else {
                pump(pool, dispatch);
            }
        }
        FileTaskAnswer::RuleSet(RuleSetAnswer::Correlated(outcome)) => {
            drop(p);
            rule_set(dispatch, RuleSetAction::Correlated(outcome));
            end_run(pool, dispatch, RunEnd::Done);
        }
        FileTaskAnswer::RuleSet(RuleSetAnswer::Refused(why)) => {
            drop(p);
            end_run(pool, dispatch, RunEnd::Failed(why));
        }
        FileTaskAnswer::Failed { message } => {
            drop(p);
            let why = format!("a worker stopped ({message}); the results so far are kept");
            end_run(pool, dispatch, RunEnd::Failed(why));
        }
        _ => {}
    }
}

/// Reads the next chunk for an idle worker, unless one is being read or the file is done.
fn pump(pool: &SharedPool, dispatch: &Dispatch) {
    let mut p = pool.borrow_mut();
    let Some(run) = p.run.as_mut() else {
        return;
    };
    if run.idle.is_empty() || run.reader.as_ref().is_none_or(|r| r.done) {
        return;
    }
    let Some(mut reader) = run.reader.take() else {
        return;
    };
    let generation = run.generation;
    drop(p);
    let (pool, dispatch) = (pool.clone(), dispatch.clone());
    spawn_local(async move {
        let chunk = reader.next_chunk().await;
        let bytes = reader.offset as u64;
        let mut p = pool.borrow_mut();
        let Some(run) = p.run.as_mut().filter(|r| r.generation == generation) else {
            return;
        };
        let done = reader.done;
        run.reader = Some(reader);
        let outcome = match chunk {
            Ok(Some(chunk)) => {
                let worker = run.idle.pop().unwrap_or(0);
                run.workers[worker].send(FileTask::RuleSet(RuleSetTask::Evaluate(chunk)));
                run.in_flight += 1;
                None
            }
            Ok(None) => (run.in_flight == 0).then_some(RunEnd::Done),
            Err(why) => Some(RunEnd::Failed(why)),
        };
        drop(p);
        rule_set(&dispatch, RuleSetAction::Read { bytes });
        match outcome {
            Some(RunEnd::Done) => finish(&pool, &dispatch),
            Some(end) => end_run(&pool, &dispatch, end),
            None if !done => pump(&pool, &dispatch),
            None => {}
        }
    });
}

/// Every chunk is in: the run is done, once its correlations, if any, ran over the whole feed
/// (event indices made the file's, chunks in input order) in the first worker.
fn finish(pool: &SharedPool, dispatch: &Dispatch) {
    let mut p = pool.borrow_mut();
    let Some(run) = p.run.as_mut().filter(|r| r.correlates) else {
        drop(p);
        return end_run(pool, dispatch, RunEnd::Done);
    };
    let mut feed = Vec::new();
    let mut base = 0;
    for (items, inputs) in std::mem::take(&mut run.feed).into_values() {
        feed.extend(inputs.into_iter().map(|mut input| {
            input.event += base;
            input
        }));
        base += items;
    }
    run.workers[0].send(FileTask::RuleSet(RuleSetTask::Correlate(feed)));
    drop(p);
    rule_set(dispatch, RuleSetAction::Correlating);
}

/// A worker raised an `error` event: it is gone without an answer.
fn died(pool: &SharedPool, dispatch: &Dispatch, generation: u64, message: &str) {
    let current = pool
        .borrow()
        .run
        .as_ref()
        .is_some_and(|r| r.generation == generation);
    if !current {
        return;
    }
    let message = if message.is_empty() {
        "no message".to_string()
    } else {
        message.to_string()
    };
    let why = format!(
        "a worker died without an answer ({message}: out of memory or a crash); the results so far are kept"
    );
    end_run(pool, dispatch, RunEnd::Failed(why));
}

/// Ends the run's workers (the results so far stay).
fn end_run(pool: &SharedPool, dispatch: &Dispatch, end: RunEnd) {
    let run = pool.borrow_mut().run.take();
    rule_set(dispatch, RuleSetAction::Ended(end));
    // Dropping the bridges ends the workers; not from inside one of their callbacks.
    spawn_local(async move { drop(run) });
}

/// The cancel button: the workers are ended at once.
pub fn cancel(pool: &SharedPool, dispatch: &Dispatch) {
    end_run(pool, dispatch, RunEnd::Cancelled);
}

/// Opens a hit in the playground: the rule's file and the event, explained.
pub fn open_hit(
    pool: &SharedPool,
    shown: &Workspace,
    dispatch: &Dispatch,
    rule: PackRule,
    place: EventPlace,
) {
    let file = pool.borrow().events.clone();
    let (shown, dispatch) = (shown.clone(), dispatch.clone());
    spawn_local(async move {
        let places = match place {
            EventPlace::Events(places) => places,
            place => vec![place],
        };
        let mut events = String::new();
        for place in places {
            match place {
                EventPlace::Json(json) => events.push_str(&json),
                EventPlace::Bytes { start, end } => {
                    let Some(file) = &file else { return };
                    let bytes = bindings::read_slice(file, start as f64, end as f64).await;
                    events.push_str(&String::from_utf8_lossy(&bytes.unwrap_or_default()));
                }
                EventPlace::Events(_) => continue,
            }
            events.push('\n');
        }
        // The playground's options go along; its expectations were about other events.
        let workspace = Workspace {
            rule: rule.text.unwrap_or_default().into(),
            events: events.into(),
            name: Some(rule.title.clone()),
            placeholders: shown.placeholders.clone(),
            pipeline: shown.pipeline.clone(),
            timestamp_field: shown.timestamp_field.clone(),
            logsource_check: true,
            ..Workspace::default()
        };
        dispatch.dispatch(Action::RuleSet(RuleSetAction::Show(View::Playground)));
        let what = format!("Opened a hit of '{}' from the rule set.", rule.title);
        replace_workspace_then(
            &shown,
            &dispatch,
            workspace,
            what,
            Some(Action::Select(Some(0))),
        );
    });
}

/// Downloads the run's matches: JSON Lines as `sigmaplay eval` writes them, or CSV.
pub fn export(ruleset: &RuleSetState, format: ExportFormat) {
    let stem = ruleset
        .run
        .as_ref()
        .map_or("events", |r| {
            r.file.rsplit_once('.').map_or(&r.file, |(stem, _)| stem)
        })
        .to_string();
    match format {
        ExportFormat::JsonLines => bindings::download(
            &format!("{stem}.matches.jsonl"),
            &ruleset.export_json_lines(),
            "application/x-ndjson",
        ),
        ExportFormat::Csv => bindings::download(
            &format!("{stem}.matches.csv"),
            &ruleset.export_csv(),
            "text/csv",
        ),
    }
}

/// The pool, kept for the page's life.
#[hook]
pub fn use_ruleset_pool() -> SharedPool {
    use_mut_ref(Pool::default)
}
