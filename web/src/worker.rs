//! The Web Worker that compiles rules and evaluates events off the main thread (gloo-worker,
//! built by Trunk as its own wasm from `src/bin/worker.rs`), and the codec of its messages.

use gloo_worker::{Codec, HandlerId, Worker, WorkerScope};
use serde::{Deserialize, Serialize};
use sigmaplay_wasm::protocol::{Verdicts, WorkerRequest, WorkerResponse, CHUNK_SIZE};
use sigmaplay_wasm::Session;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};

/// Messages as plain JS values (structured clone) rather than gloo's default bincode: the
/// explanation carries `serde_json::Value`s, which bincode cannot read back.
pub struct JsCodec;

impl Codec for JsCodec {
    fn encode<I: Serialize>(input: I) -> JsValue {
        input
            .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
            .unwrap_or_else(|e| JsValue::from_str(&format!("unencodable worker message: {e}")))
    }

    fn decode<O: for<'de> Deserialize<'de>>(input: JsValue) -> O {
        match serde_wasm_bindgen::from_value(input) {
            Ok(value) => value,
            // Both ends are built from this crate; a mismatch is a build error, not user input.
            Err(e) => wasm_bindgen::throw_str(&format!("undecodable worker message: {e}")),
        }
    }
}

struct WorkerState {
    session: Session,
    events_revision: u64,
    /// The newest evaluation job; a running one stops when it sees a newer number.
    current_job: u64,
}

pub struct EngineWorker {
    state: Rc<RefCell<WorkerState>>,
}

thread_local! {
    // The last page connection, so the panic hook can say what happened instead of dying silently.
    static LAST_HANDLER: Cell<Option<HandlerId>> = const { Cell::new(None) };
}

/// The shape gloo-worker wraps outputs in (`FromWorker::ProcessOutput`), for the panic hook.
#[derive(Serialize)]
enum FromWorkerMirror<T> {
    #[allow(dead_code)]
    WorkerLoaded,
    ProcessOutput(HandlerId, T),
}

/// Remembers the page connection a panic is reported to (the one of the message in hand).
pub fn note_handler(id: HandlerId) {
    LAST_HANDLER.with(|h| h.set(Some(id)));
}

/// Installs a panic hook that sends the page `failed(panic's words)` as a worker output, so a
/// panic is an answer in words rather than a silent death.
pub fn report_panics_as<T: Serialize + 'static>(failed: fn(String) -> T) {
    std::panic::set_hook(Box::new(move |info| {
        let Some(id) = LAST_HANDLER.with(Cell::get) else {
            return;
        };
        let packet = JsCodec::encode(FromWorkerMirror::ProcessOutput(
            id,
            failed(info.to_string()),
        ));
        if let Ok(scope) = js_sys::global().dyn_into::<web_sys::DedicatedWorkerGlobalScope>() {
            let _ = scope.post_message(&packet);
            // The wasm instance is unusable after a panic (it traps), so gloo's Destroy message
            // would never be handled: the worker ends itself, with the memory it holds.
            scope.close();
        }
    }));
}

/// Installs a panic hook that reports the panic to the page as [`WorkerResponse::Failed`]
/// (the page then starts a new worker).
pub fn install_panic_hook() {
    report_panics_as(|info| WorkerResponse::Failed {
        message: format!(
            "The engine stopped on an internal error and was restarted; your work is kept ({info})."
        ),
    });
}

impl Worker for EngineWorker {
    type Message = ();
    type Input = WorkerRequest;
    type Output = WorkerResponse;

    fn create(_scope: &WorkerScope<Self>) -> Self {
        EngineWorker {
            state: Rc::new(RefCell::new(WorkerState {
                session: Session::new(),
                events_revision: 0,
                current_job: 0,
            })),
        }
    }

    fn update(&mut self, _scope: &WorkerScope<Self>, _msg: ()) {}

    fn received(&mut self, scope: &WorkerScope<Self>, msg: WorkerRequest, id: HandlerId) {
        note_handler(id);
        match msg {
            WorkerRequest::SetEvents { revision, text } => {
                let mut state = self.state.borrow_mut();
                state.events_revision = revision;
                let summary = state.session.set_events(&text).clone();
                drop(state);
                scope.respond(id, WorkerResponse::EventsParsed { revision, summary });
            }
            WorkerRequest::Evaluate { job, rule, options } => {
                let report = {
                    let mut state = self.state.borrow_mut();
                    state.current_job = job;
                    state.session.set_rule(&rule, &options)
                };
                let has_errors = report.has_errors;
                scope.respond(id, WorkerResponse::Compiled { job, report });
                if !has_errors {
                    wasm_bindgen_futures::spawn_local(evaluate(
                        self.state.clone(),
                        scope.clone(),
                        id,
                        job,
                    ));
                }
            }
            WorkerRequest::Explain { job, event_index } => {
                let report = self.state.borrow().session.explain(event_index);
                scope.respond(id, WorkerResponse::Explained { job, report });
            }
        }
    }
}

/// Evaluates all events in chunks, yielding between chunks so newer requests get in.
async fn evaluate(
    state: Rc<RefCell<WorkerState>>,
    scope: WorkerScope<EngineWorker>,
    id: HandlerId,
    job: u64,
) {
    let started = now_ms();
    let (total, events_revision) = {
        let s = state.borrow();
        (s.session.event_count(), s.events_revision)
    };
    let mut verdicts = Verdicts(Vec::with_capacity(total));
    let mut done = 0;
    let mut last_report = started;
    loop {
        {
            let mut s = state.borrow_mut();
            if s.current_job != job || s.events_revision != events_revision {
                return; // superseded
            }
            let end = (done + CHUNK_SIZE).min(total);
            verdicts.extend(&s.session.evaluate_chunk(done, end));
            done = end;
        }
        if done >= total {
            break;
        }
        // Progress at most every 100 ms: long runs show it, short ones are not slowed by it.
        if now_ms() - last_report > 100.0 {
            last_report = now_ms();
            scope.respond(id, WorkerResponse::Progress { job, done, total });
        }
        gloo_timers::future::TimeoutFuture::new(0).await;
    }
    let elapsed_ms = now_ms() - started;
    scope.respond(
        id,
        WorkerResponse::Evaluated {
            job,
            events_revision,
            verdicts,
            elapsed_ms,
        },
    );
    let (rules, report) = {
        let s = state.borrow();
        (s.session.fired_rules(), s.session.correlate())
    };
    scope.respond(id, WorkerResponse::Correlated { job, rules, report });
}

fn now_ms() -> f64 {
    js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("performance"))
        .ok()
        .and_then(|p| p.dyn_into::<web_sys::Performance>().ok())
        .map_or_else(js_sys::Date::now, |p| p.now())
}
