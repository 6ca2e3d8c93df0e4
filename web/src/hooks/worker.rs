//! The engine's Web Worker, seen from the page: it is sent the events when they change and an
//! evaluation (debounced) when what the verdicts depend on changes, and an explanation request
//! for the selected event. Its answers go to the reducer as [`Action::Worker`].

use crate::state::{Action, AppState};
use crate::worker::{EngineWorker, JsCodec};
use gloo_timers::callback::Timeout;
use gloo_worker::{Spawnable, WorkerBridge};
use sigmaplay_wasm::protocol::{WorkerRequest, WorkerResponse};
use sigmaplay_wasm::RuleOptions;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use yew::prelude::*;

/// Typing pauses this long before the rule is evaluated.
const RULE_DEBOUNCE_MS: u32 = 120;

/// The connection to the worker and the pending evaluation.
#[derive(Default)]
struct Runtime {
    bridge: Option<WorkerBridge<EngineWorker>>,
    /// Set when the worker reported a failure: it is replaced before the next request.
    failed: Rc<Cell<bool>>,
    /// The events revision the worker holds.
    sent_events_revision: Option<u64>,
    next_job: u64,
    eval_timer: Option<Timeout>,
}

impl Runtime {
    fn bridge(&mut self, dispatch: &UseReducerDispatcher<AppState>) -> &WorkerBridge<EngineWorker> {
        if self.failed.get() || self.bridge.is_none() {
            let dispatch = dispatch.clone();
            let failed = self.failed.clone();
            failed.set(false);
            let bridge = EngineWorker::spawner()
                .callback(move |response: WorkerResponse| {
                    if matches!(response, WorkerResponse::Failed { .. }) {
                        failed.set(true);
                    }
                    dispatch.dispatch(Action::Worker(response));
                })
                .encoding::<JsCodec>()
                .spawn("./sigmaplay-worker.js");
            self.bridge = Some(bridge);
            self.sent_events_revision = None;
        }
        self.bridge.as_ref().expect("bridge was just set")
    }

    fn job(&mut self) -> u64 {
        self.next_job += 1;
        self.next_job
    }

    /// Sends the events (unless the worker holds them already) and the evaluation of `rule`;
    /// returns the evaluation's job number.
    fn evaluate(
        &mut self,
        dispatch: &UseReducerDispatcher<AppState>,
        events_revision: u64,
        events: &str,
        rule: String,
        options: RuleOptions,
    ) -> u64 {
        let job = self.job();
        // (Re)starting the worker forgets which events it had: decide before.
        let bridge_ready = self.bridge.is_some() && !self.failed.get();
        let send_events = !bridge_ready || self.sent_events_revision != Some(events_revision);
        let bridge = self.bridge(dispatch);
        if send_events {
            bridge.send(WorkerRequest::SetEvents {
                revision: events_revision,
                text: events.to_string(),
            });
        }
        bridge.send(WorkerRequest::Evaluate { job, rule, options });
        self.sent_events_revision = Some(events_revision);
        job
    }
}

#[hook]
pub fn use_engine_worker(state: &AppState, dispatch: UseReducerDispatcher<AppState>) {
    let runtime = use_mut_ref(Runtime::default);
    use_evaluation(state, dispatch.clone(), runtime.clone());
    use_explanation(state, dispatch, runtime);
}

/// Evaluates (debounced) whenever what the verdicts depend on changes.
#[hook]
fn use_evaluation(
    state: &AppState,
    dispatch: UseReducerDispatcher<AppState>,
    runtime: Rc<RefCell<Runtime>>,
) {
    let deps = (
        state.loaded,
        state.workspace.rule.clone(),
        state.events_revision,
        state.workspace.placeholders.clone(),
        state.workspace.logsource_check,
        state.workspace.pipeline.clone(),
        state.workspace.timestamp_field.clone(),
        state.engine_restarts,
    );
    let events = state.workspace.events.clone();
    let options = state.rule_options();
    use_effect_with(deps, move |(loaded, rule, revision, _, _, _, _, _)| {
        if *loaded {
            let rule = rule.to_string();
            let revision = *revision;
            let timer_runtime = runtime.clone();
            let timer = Timeout::new(RULE_DEBOUNCE_MS, move || {
                let job = timer_runtime
                    .borrow_mut()
                    .evaluate(&dispatch, revision, &events, rule, options);
                dispatch.dispatch(Action::EvaluationSent(job));
            });
            runtime.borrow_mut().eval_timer = Some(timer);
        }
    });
}

/// Asks for the explanation of the selected event with the results shown.
#[hook]
fn use_explanation(
    state: &AppState,
    dispatch: UseReducerDispatcher<AppState>,
    runtime: Rc<RefCell<Runtime>>,
) {
    let deps = (state.selected, state.results.as_ref().map(|r| r.job));
    use_effect_with(deps, move |(selected, job)| {
        if let (Some(index), Some(_)) = (selected, job) {
            let mut rt = runtime.borrow_mut();
            let job = rt.job();
            rt.bridge(&dispatch).send(WorkerRequest::Explain {
                job,
                event_index: *index,
            });
            drop(rt);
            dispatch.dispatch(Action::ExplainSent(job));
        }
    });
}
