//! Entry point of the files Web Worker (Trunk: `data-type="worker"`), started on demand.
use gloo_worker::Registrable;
use sigmaplay_web::files_worker::{install_panic_hook, FilesWorker};
use sigmaplay_web::worker::JsCodec;

fn main() {
    install_panic_hook();
    FilesWorker::registrar().encoding::<JsCodec>().register();
}
