//! File tasks (opening a regression folder, packing one, reading an `.evtx` file): each runs in
//! a files worker of its own ([`FilesWorker`]), started for it and dropped when it has answered.
//! That worker's wasm is fetched the first time a file needs it, so the first load carries
//! none of it, and a large file never waits behind an evaluation.

use crate::files_worker::FilesWorker;
use crate::worker::JsCodec;
use gloo_worker::{Spawnable, WorkerBridge};
use sigmaplay_wasm::regression::{FileTask, FileTaskAnswer};
use std::cell::RefCell;
use std::rc::Rc;

/// Sends `task` to a new files worker; `done` gets its one answer.
pub fn run_in_worker(task: FileTask, done: impl FnOnce(FileTaskAnswer) + 'static) {
    let bridge_slot: Rc<RefCell<Option<WorkerBridge<FilesWorker>>>> = Rc::default();
    let done = RefCell::new(Some(done));
    let slot = bridge_slot.clone();
    let bridge = FilesWorker::spawner()
        .callback(move |answer: FileTaskAnswer| {
            if let Some(done) = done.borrow_mut().take() {
                done(answer);
            }
            // Dropping the bridge ends the worker; not from inside its own callback.
            let slot = slot.clone();
            wasm_bindgen_futures::spawn_local(async move {
                slot.borrow_mut().take();
            });
        })
        .encoding::<JsCodec>()
        .spawn("./sigmaplay-files.js");
    bridge.send(task);
    *bridge_slot.borrow_mut() = Some(bridge);
}
