//! What the unit tests share: the shared corpus folder and small log sources and events.

use crate::{parse_events, Event, LogSource};
use std::path::PathBuf;

pub const SYSMON: &str = "Microsoft-Windows-Sysmon/Operational";
pub const DEFENDER: &str = "Microsoft-Windows-Windows Defender/Operational";

/// `../shared` when its corpus is there; otherwise says the test is skipped.
pub fn shared() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared"));
    if dir.join("corpus").is_dir() {
        Some(dir)
    } else {
        println!("SKIPPED: the shared corpus ({}) is absent", dir.display());
        None
    }
}

pub fn ls(category: Option<&str>, product: Option<&str>, service: Option<&str>) -> LogSource {
    LogSource {
        category: category.map(str::to_string),
        product: product.map(str::to_string),
        service: service.map(str::to_string),
        definition: None,
    }
}

pub fn cat(c: &str) -> LogSource {
    ls(Some(c), Some("windows"), None)
}

pub fn svc(s: &str) -> LogSource {
    ls(None, Some("windows"), Some(s))
}

pub fn event(json: &str) -> Event {
    let input = parse_events(json);
    input.events.into_iter().next().unwrap().unwrap()
}

pub fn win(channel: &str, id: i64, extra: &str) -> Event {
    event(&format!(
        r#"{{"EventID": {id}, "Channel": "{channel}"{extra}}}"#
    ))
}
