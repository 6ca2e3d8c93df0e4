//! The time of an event, in milliseconds since the Unix epoch.

use crate::eval::parse_timestamp;
use crate::event::{Event, FieldValue};

/// The fields read for an event's time by default, the first present one wins.
pub const TIMESTAMP_FIELDS: [&str; 6] = [
    "@timestamp",
    "timestamp",
    "TimeCreated_SystemTime",
    "UtcTime",
    "EventTime",
    "time",
];

/// Where an event's time is read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum TimestampField {
    /// The first of [`TIMESTAMP_FIELDS`] the event has.
    #[default]
    Default,
    /// This field only (`--timestamp-field`).
    Named(String),
}

/// Why an event has no time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MissingTime {
    /// None of the fields is present.
    Absent(TimestampField),
    /// The field is there but holds no time the time modifiers read.
    Unreadable { field: String, value: String },
}

impl std::fmt::Display for MissingTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MissingTime::Absent(TimestampField::Default) => write!(
                f,
                "none of {} is present",
                TIMESTAMP_FIELDS.join(", ")
            ),
            MissingTime::Absent(TimestampField::Named(n)) => write!(f, "'{n}' is not present"),
            MissingTime::Unreadable { field, value } => write!(
                f,
                "'{field}' is '{value}', not a time (RFC 3339, a date, or Unix seconds or milliseconds)"
            ),
        }
    }
}

impl TimestampField {
    /// The event's time: the first present field decides, even when unreadable, so that which
    /// field is read never depends on its content.
    pub fn read(&self, event: &Event) -> Result<i64, MissingTime> {
        let found = match self {
            TimestampField::Default => TIMESTAMP_FIELDS
                .iter()
                .find_map(|n| event.get(n).map(|v| (*n, v))),
            TimestampField::Named(n) => event.get(n).map(|v| (n.as_str(), v)),
        };
        let Some((field, value)) = found else {
            return Err(MissingTime::Absent(self.clone()));
        };
        millis(value).ok_or_else(|| MissingTime::Unreadable {
            field: field.to_string(),
            value: value.display(),
        })
    }
}

/// Rounded to the millisecond, as the reference does (`ROUND(... * 86400000)`).
fn millis(value: &FieldValue) -> Option<i64> {
    let t = parse_timestamp(value)?;
    let sub = i64::from(t.timestamp_subsec_nanos());
    t.timestamp()
        .checked_mul(1000)?
        .checked_add((sub + 500_000) / 1_000_000)
}

/// RFC 3339 in UTC, with milliseconds only when there are some (`2026-03-01T09:00:00.250Z`).
pub fn rfc3339(millis: i64) -> String {
    chrono::DateTime::from_timestamp_millis(millis).map_or_else(
        || millis.to_string(),
        |t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
    )
}
