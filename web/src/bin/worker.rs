//! Entry point of the evaluation Web Worker (Trunk: `data-type="worker"`).
use gloo_worker::Registrable;
use sigmaplay_web::worker::{install_panic_hook, EngineWorker, JsCodec};

fn main() {
    install_panic_hook();
    EngineWorker::registrar().encoding::<JsCodec>().register();
}
