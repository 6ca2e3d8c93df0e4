//! Sigma Playground: the Yew web app. `main.rs` mounts [`app::App`]; `bin/worker.rs` runs
//! [`worker::EngineWorker`] in a Web Worker, `bin/files_worker.rs` [`files_worker::FilesWorker`]
//! (regression folders, `.evtx`) in another, started when a file needs it. Only wasm32 builds
//! run it; the state, the lessons and the protocol are tested natively.
//!
//! The page: [`app`] lays it out and calls the hooks; `components` draw it from props and send
//! callbacks up; `state` is the one reducer; `hooks` run the side effects; `bindings` are the
//! JavaScript functions it calls; `lessons` are the examples menu (data in `web/lessons/`).

pub mod app;
mod bindings;
mod components;
pub mod files_worker;
mod hooks;
mod lessons;
mod state;
pub mod worker;
