//! Sigma Playground: the Yew web app. `main.rs` mounts [`app::App`]; `bin/worker.rs` runs
//! [`worker::EngineWorker`] in a Web Worker. Only wasm32 builds run it; the state, examples and
//! protocol are tested natively.

pub mod app;
pub mod editor;
pub mod examples;
pub mod state;
pub mod views;
pub mod worker;
