//! Windows event flattening (to be filled in).
use super::Event;

pub fn flatten_windows(_value: &serde_json::Value) -> Option<Event> {
    None
}
