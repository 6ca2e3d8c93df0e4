//! Entry point of the evaluation Web Worker (Trunk: `data-type="worker"`).
use gloo_worker::Registrable;
use sigmaplay_web::worker::{install_panic_hook, EngineWorker, JsCodec};

fn main() {
    install_panic_hook();
    EngineWorker::registrar().encoding::<JsCodec>().register();
}

/// Panics in this worker on purpose. The browser test of the page's restart after a crash calls
/// it from the worker's own scope (`wasm_bindgen.panic_for_test()`), as no user input can make
/// the engine panic: a real panic is a bug that the engine's tests and fuzzing hunt.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn panic_for_test() {
    panic!("panic_for_test was called");
}
