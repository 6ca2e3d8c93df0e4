//! The files worker: SigmaHQ regression folders (zip in and out) and `.evtx` files, read and
//! written off the main thread by [`sigmaplay_wasm::regression::run_task`]. A worker of its
//! own (`src/bin/files_worker.rs`), started per task and only when one comes: the zip and evtx
//! code is fetched when a file is first opened, not with the page.

use crate::worker::{note_handler, report_panics_as};
use gloo_worker::{HandlerId, Worker, WorkerScope};
use sigmaplay_wasm::regression::{run_task, FileTask, FileTaskAnswer};
use sigmaplay_wasm::ruleset::RuleSetWorker;

/// The rule set a rule-set task loaded (the other tasks need no state).
#[derive(Default)]
pub struct FilesWorker {
    ruleset: RuleSetWorker,
}

/// A panic becomes a [`FileTaskAnswer::Failed`], so the page says so instead of waiting.
pub fn install_panic_hook() {
    report_panics_as(|info| FileTaskAnswer::Failed {
        message: format!("the file could not be handled (internal error: {info})"),
    });
}

impl Worker for FilesWorker {
    type Message = ();
    type Input = FileTask;
    type Output = FileTaskAnswer;

    fn create(_scope: &WorkerScope<Self>) -> Self {
        FilesWorker::default()
    }

    fn update(&mut self, _scope: &WorkerScope<Self>, _msg: ()) {}

    fn received(&mut self, scope: &WorkerScope<Self>, task: FileTask, id: HandlerId) {
        note_handler(id);
        scope.respond(id, run_task(task, &mut self.ruleset));
    }
}
