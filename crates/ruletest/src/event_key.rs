//! The identity of an event's content, which expectations are kept by (see `identity.rs`).

use serde::{Deserialize, Serialize};
use sigmaplay_engine::{Event, EventInput};

/// The identity of one event's content: 16 hex digits of a 64-bit FNV-1a hash over its fields
/// sorted by name (so the JSON's key order and white space do not matter), or over the raw
/// text of an event that could not be read.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EventKey(String);

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

fn fnv1a(hash: u64, bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(hash, |h, &b| (h ^ u64::from(b)).wrapping_mul(FNV_PRIME))
}

impl EventKey {
    pub fn of(event: &Event) -> EventKey {
        let mut fields: Vec<(&str, String)> = event
            .fields()
            .map(|(name, value)| (name, value.to_json().to_string()))
            .collect();
        fields.sort();
        let hash = fields.iter().fold(FNV_OFFSET, |h, (name, value)| {
            let h = fnv1a(h, name.as_bytes());
            let h = fnv1a(h, &[0x1f]);
            let h = fnv1a(h, value.as_bytes());
            fnv1a(h, &[0x1e])
        });
        EventKey(format!("{hash:016x}"))
    }

    /// The key of an event that could not be read: its text, trimmed.
    pub fn of_text(raw: &str) -> EventKey {
        EventKey(format!("{:016x}", fnv1a(FNV_OFFSET, raw.trim().as_bytes())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One key per event read from `text` (`input` is what `parse_events(text)` gave).
pub fn event_keys(text: &str, input: &EventInput) -> Vec<EventKey> {
    input
        .events
        .iter()
        .map(|parsed| match parsed {
            Ok(event) => EventKey::of(event),
            Err(e) => EventKey::of_text(text.get(e.span.start..e.span.end).unwrap_or_default()),
        })
        .collect()
}
