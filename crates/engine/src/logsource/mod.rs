//! Log sources: which events a rule applies to.
//!
//! A Sigma rule names its events abstractly (`product: windows`, `category: process_creation`,
//! `service: security`). For Windows the mapping to concrete events is the Sigma taxonomy, as SigmaHQ's
//! `tests/thor.yml` writes it down and the regression tests apply it:
//!
//! - a **category** means one or more condition sets (`EventID`, sometimes another field such as
//!   `EventType: CreateKey`) rewritten to a service, e.g. `process_creation` = Sysmon event 1, or
//!   Security event 4688 read with `Image ← NewProcessName`, `ParentImage ← ParentProcessName`;
//! - a **service** means a list of channels (`security` → `Security`, `sysmon` →
//!   `Microsoft-Windows-Sysmon/Operational`, …).
//!
//! [`LogSourceMap::fit`] decides for one rule and one event:
//! - the rule's `product` must be `windows` or absent, else the map knows nothing: `Unknown`;
//! - an event with neither a Channel nor an EventID (a pasted generic JSON object) is `Unknown`: the
//!   map cannot tell, and the rule is evaluated as is;
//! - category: the event must satisfy one of the category's condition sets, and, when it has a
//!   Channel, be in a channel of the rewritten service. An event **without** a Channel that satisfies
//!   the conditions fits: Sysmon events pasted as flat JSON often carry `EventID` but no `Channel`.
//!   A category the map does not know (`webserver`, …) is `Unknown`. When the rule also names a
//!   service, the event's Channel must belong to it too;
//! - service only: the event's Channel must be one of the service's channels (case-insensitive); an
//!   event without a Channel is `Unknown`; a service the map does not know is `Unknown`;
//! - `product: windows` alone fits any event with a Channel or an EventID.
//!
//! An event's channel is [`Event::channel`] (`System_Channel` wins over `Channel`), its id
//! [`Event::event_id`].
//!
//! For bulk evaluation, [`LogSourceMap::route_keys`] and [`LogSourceMap::event_key`] let a rule set
//! index rules by (channel, event id), as the rule set's route index does, consistently with `fit`.
//! `fit` allocates only the reason of `DoesNotFit` (the mappings are a shared `Arc`);
//! [`LogSourceMap::check`] gives the verdict without the reason and borrows the mappings.

mod policy;
mod reasons;
mod taxonomy;
#[cfg(test)]
mod thor;

pub use policy::{LogSourceDecision, LogSourcePolicy};

use crate::event::{Event, FieldValue};
use crate::rule::LogSource;
use serde::{Serialize, Serializer};
use std::collections::HashMap;
use std::sync::Arc;

/// Field renames a log source applies (rule field → event field). Shared: cloning is a reference
/// count increment, so [`LogSourceMap::fit`] does not allocate when an event fits.
pub type FieldMappings = Arc<Vec<(String, String)>>;

/// Whether an event belongs to a rule's log source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "fit", rename_all = "snake_case")]
pub enum LogSourceFit {
    /// The event belongs; `field_mappings` are renames to apply (rule field → event field).
    Fits {
        #[serde(serialize_with = "serialize_mappings")]
        field_mappings: FieldMappings,
    },
    /// The event does not belong, with a reason a user understands.
    DoesNotFit { reason: String },
    /// The mapping knows nothing about this log source or event; evaluated as is.
    Unknown,
}

/// The verdict of [`LogSourceMap::check`]: [`LogSourceFit`] without the reason, mappings borrowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FitCheck<'m> {
    Fits(&'m FieldMappings),
    DoesNotFit,
    Unknown,
}

fn serialize_mappings<S: Serializer>(m: &FieldMappings, s: S) -> Result<S::Ok, S::Error> {
    m.as_slice().serialize(s)
}

impl LogSourceFit {
    /// True unless the event does not belong (`Fits` and `Unknown` are both evaluated).
    pub fn is_evaluated(&self) -> bool {
        !matches!(self, LogSourceFit::DoesNotFit { .. })
    }
}

/// One entry of the mapping, as in thor.yml: a category (conditions, rewritten to a service) or a
/// service (its channels).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogSourceEntry {
    /// The entry's key in thor.yml (`process_creation_2`, `windows-security`, …).
    pub name: String,
    pub category: Option<String>,
    pub product: Option<String>,
    pub service: Option<String>,
    /// `conditions.EventID`: the event must have one of these ids (empty: any).
    pub event_ids: Vec<i64>,
    /// Other conditions: the event field must equal one of the values (ASCII case-insensitive).
    pub conditions: Vec<(String, Vec<String>)>,
    /// `rewrite.service`: the service whose channels the events come from.
    pub rewrite_service: Option<String>,
    /// `sources` (`WinEventLog:` removed): the channels of a service entry.
    pub channels: Vec<String>,
    pub field_mappings: FieldMappings,
}

/// The log source mapping: [`LogSourceMap::builtin`] (the Sigma taxonomy for Windows) or one read
/// from a thor.yml-style file ([`LogSourceMap::from_thor_yaml`]).
///
/// Cloning is cheap (the tables are shared), and [`LogSourceMap::builtin`] is built once.
#[derive(Clone, Debug, Default)]
pub struct LogSourceMap {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    entries: Vec<LogSourceEntry>,
    /// Per entry: the channels its events must come from (`None`: any channel).
    channels: Vec<Option<Arc<[String]>>>,
    /// Lowercase category → (entry indices, description for messages).
    categories: HashMap<String, (Vec<usize>, String)>,
    /// Lowercase service → entry index.
    services: HashMap<String, usize>,
    /// Lowercase channel → how messages name it (`Sysmon`, `Security`, …).
    channel_labels: HashMap<String, String>,
    empty: FieldMappings,
}

impl LogSourceMap {
    /// The Sigma taxonomy for Windows (the content of SigmaHQ's `tests/thor.yml` for Windows).
    pub fn builtin() -> LogSourceMap {
        static BUILTIN: std::sync::OnceLock<LogSourceMap> = std::sync::OnceLock::new();
        BUILTIN.get_or_init(LogSourceMap::build_builtin).clone()
    }

    fn build_builtin() -> LogSourceMap {
        LogSourceMap::from_entries(taxonomy::entries())
    }

    /// Builds the lookup tables.
    pub(super) fn from_entries(entries: Vec<LogSourceEntry>) -> LogSourceMap {
        let mut services = HashMap::new();
        let mut categories: HashMap<String, (Vec<usize>, String)> = HashMap::new();
        let mut channel_labels = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            if let (Some(service), None) = (&e.service, &e.category) {
                let key = service.to_ascii_lowercase();
                services.entry(key.clone()).or_insert(i);
                let label = taxonomy::service_label(&key).map(str::to_string);
                for ch in &e.channels {
                    channel_labels
                        .entry(ch.to_ascii_lowercase())
                        .or_insert_with(|| label.clone().unwrap_or(ch.clone()));
                }
            }
        }
        let mut channels = Vec::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            let own: Option<Arc<[String]>> = if e.category.is_some() && !e.channels.is_empty() {
                Some(e.channels.clone().into())
            } else if e.category.is_some() {
                e.rewrite_service
                    .as_ref()
                    .and_then(|s| services.get(&s.to_ascii_lowercase()))
                    .map(|&j: &usize| entries[j].channels.clone().into())
            } else {
                Some(e.channels.clone().into())
            };
            channels.push(own);
            if let Some(cat) = &e.category {
                categories
                    .entry(cat.to_ascii_lowercase())
                    .or_default()
                    .0
                    .push(i);
            }
        }
        let mut map = Inner {
            entries,
            channels,
            categories,
            services,
            channel_labels,
            empty: Arc::default(),
        };
        let descriptions: Vec<(String, String)> = map
            .categories
            .iter()
            .map(|(cat, (idx, _))| (cat.clone(), map.describe_entries(idx)))
            .collect();
        for (cat, d) in descriptions {
            if let Some(c) = map.categories.get_mut(&cat) {
                c.1 = d;
            }
        }
        LogSourceMap {
            inner: Arc::new(map),
        }
    }

    /// The entries (Windows only), in file order.
    pub fn entries(&self) -> &[LogSourceEntry] {
        &self.inner.entries
    }

    /// The (channel, event id) of an event, as routing and [`LogSourceMap::fit`] see it.
    pub fn event_key(event: &Event) -> (Option<&str>, Option<i64>) {
        (event.channel(), event.event_id())
    }

    /// Whether `event` belongs to the log source `ls` (see the module documentation). Allocates
    /// only for the reason of `DoesNotFit`.
    pub fn fit(&self, ls: &LogSource, event: &Event) -> LogSourceFit {
        match self.inner.check(ls, event) {
            FitCheck::Fits(m) => LogSourceFit::Fits {
                field_mappings: m.clone(),
            },
            FitCheck::Unknown => LogSourceFit::Unknown,
            FitCheck::DoesNotFit => LogSourceFit::DoesNotFit {
                reason: self.inner.reason(ls, event),
            },
        }
    }

    /// [`LogSourceMap::fit`] without the reason and without touching a reference count (the
    /// mappings are borrowed from the map): for loops over many (rule, event) pairs.
    pub(crate) fn check(&self, ls: &LogSource, event: &Event) -> FitCheck<'_> {
        self.inner.check(ls, event)
    }

    /// The (channel, event id) pairs events of `ls` can have; `None` = unknown log source, evaluate
    /// the rule against every event. A `None` inside a pair is a wildcard (any channel / any id).
    ///
    /// To be consistent with [`LogSourceMap::fit`], an event matches a pair when its channel equals
    /// the pair's (ASCII case-insensitively) or either is `None`, and its id equals the pair's or
    /// the pair's is `None`; an event with neither channel nor id matches every rule (see
    /// [`route_matches`]). The pairs are necessary, not sufficient: `fit` still checks other
    /// conditions (`EventType`) and gives the field mappings.
    pub fn route_keys(&self, ls: &LogSource) -> Option<Vec<(Option<String>, Option<i64>)>> {
        self.inner.route_keys(ls)
    }
}

impl Inner {
    /// Whether the product lets this (Windows) mapping apply.
    fn windows_product(ls: &LogSource) -> bool {
        ls.product
            .as_deref()
            .is_none_or(|p| p.eq_ignore_ascii_case("windows"))
    }

    fn category(&self, cat: &str) -> Option<&(Vec<usize>, String)> {
        match self.categories.get(cat) {
            Some(c) => Some(c),
            None if cat.bytes().any(|b| b.is_ascii_uppercase()) => {
                self.categories.get(&cat.to_ascii_lowercase())
            }
            None => None,
        }
    }

    fn service(&self, service: &str) -> Option<usize> {
        match self.services.get(service) {
            Some(&i) => Some(i),
            None if service.bytes().any(|b| b.is_ascii_uppercase()) => {
                self.services.get(&service.to_ascii_lowercase()).copied()
            }
            None => None,
        }
    }

    fn check(&self, ls: &LogSource, event: &Event) -> FitCheck<'_> {
        let (channel, id) = LogSourceMap::event_key(event);
        if !Self::windows_product(ls) {
            // A Linux or cloud rule cannot fire on a Windows event (one with a channel); on any
            // other event the map knows nothing.
            return if channel.is_some() {
                FitCheck::DoesNotFit
            } else {
                FitCheck::Unknown
            };
        }
        match (&ls.category, &ls.service) {
            (Some(cat), service) => {
                let Some((idx, _)) = self.category(cat) else {
                    return FitCheck::Unknown;
                };
                if channel.is_none() && id.is_none() {
                    return FitCheck::Unknown;
                }
                let service_channels = service
                    .as_deref()
                    .and_then(|s| self.service(s))
                    .and_then(|i| self.channels[i].as_deref());
                for &i in idx {
                    if self.entry_fits(i, event, channel, id)
                        && channel
                            .is_none_or(|ch| service_channels.is_none_or(|chs| contains(chs, ch)))
                    {
                        return FitCheck::Fits(&self.entries[i].field_mappings);
                    }
                }
                FitCheck::DoesNotFit
            }
            (None, Some(service)) => {
                let Some(i) = self.service(service) else {
                    return FitCheck::Unknown;
                };
                let Some(ch) = channel else {
                    return FitCheck::Unknown;
                };
                match self.channels[i].as_deref() {
                    Some(chs) if !contains(chs, ch) => FitCheck::DoesNotFit,
                    _ => FitCheck::Fits(&self.empty),
                }
            }
            (None, None) => {
                if ls.product.is_some() && (channel.is_some() || id.is_some()) {
                    FitCheck::Fits(&self.empty)
                } else {
                    FitCheck::Unknown
                }
            }
        }
    }

    fn entry_fits(&self, i: usize, event: &Event, channel: Option<&str>, id: Option<i64>) -> bool {
        let e = &self.entries[i];
        if !e.event_ids.is_empty() && !id.is_some_and(|id| e.event_ids.contains(&id)) {
            return false;
        }
        if !e.conditions.iter().all(|(field, values)| {
            event
                .get(field)
                .is_some_and(|v| values.iter().any(|x| equals(v, x)))
        }) {
            return false;
        }
        match (channel, &self.channels[i]) {
            (Some(ch), Some(chs)) => contains(chs, ch),
            _ => true,
        }
    }

    fn route_keys(&self, ls: &LogSource) -> Option<Vec<(Option<String>, Option<i64>)>> {
        if !Self::windows_product(ls) {
            return None;
        }
        let mut keys: Vec<(Option<String>, Option<i64>)> = Vec::new();
        let mut push = |k: (Option<String>, Option<i64>)| {
            if !keys.contains(&k) {
                keys.push(k);
            }
        };
        match (&ls.category, &ls.service) {
            (Some(cat), _) => {
                let (idx, _) = self.category(cat)?;
                for &i in idx {
                    let e = &self.entries[i];
                    let chans: Vec<Option<String>> = match &self.channels[i] {
                        Some(chs) if !chs.is_empty() => {
                            chs.iter().map(|c| Some(c.clone())).collect()
                        }
                        _ => vec![None],
                    };
                    let ids: Vec<Option<i64>> = if e.event_ids.is_empty() {
                        vec![None]
                    } else {
                        e.event_ids.iter().map(|&i| Some(i)).collect()
                    };
                    for c in &chans {
                        for id in &ids {
                            push((c.clone(), *id));
                        }
                    }
                }
            }
            (None, Some(service)) => {
                let i = self.service(service)?;
                for c in self.channels[i].as_deref().unwrap_or(&[]) {
                    push((Some(c.clone()), None));
                }
                if keys.is_empty() {
                    return None;
                }
            }
            (None, None) => return None,
        }
        Some(keys)
    }
}

fn contains(channels: &[String], channel: &str) -> bool {
    channels.iter().any(|c| c.eq_ignore_ascii_case(channel))
}

/// An event value equals a condition value (ASCII case-insensitive; numbers by value).
fn equals(v: &FieldValue, want: &str) -> bool {
    match v {
        FieldValue::Str(t) => t.raw().eq_ignore_ascii_case(want),
        FieldValue::Int(i) => want.trim().parse::<i64>() == Ok(*i),
        FieldValue::UInt(u) => want.trim().parse::<u64>() == Ok(*u),
        FieldValue::Float(f) => want.trim().parse::<f64>() == Ok(*f),
        FieldValue::Bool(b) => want.eq_ignore_ascii_case(if *b { "true" } else { "false" }),
        FieldValue::List(items) => items.iter().any(|i| equals(i, want)),
        FieldValue::Null => false,
    }
}
