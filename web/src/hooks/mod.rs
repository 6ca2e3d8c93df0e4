//! The page's side effects, never in the reducer: hooks that run them after a render (worker
//! requests, autosave, the address bar, the theme) and the commands the callbacks start
//! (storing, sharing, files). They talk to the browser through [`crate::bindings`] and web-sys.

pub mod autosave;
pub mod regression;
pub mod ruleset;
pub mod share_link;
pub mod test_file;
pub mod theme;
pub mod worker;
pub mod worker_task;

fn window() -> web_sys::Window {
    web_sys::window().expect("a page has a window")
}
