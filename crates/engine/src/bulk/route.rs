//! Log source routing: rules indexed by the (channel, event id) pairs their log sources can have,
//! so an event is only offered to the rules it may fit.

use super::prefilter::ScanScope;
use crate::event::Event;
use crate::logsource::LogSourceMap;
use crate::rule::LogSource;
use rustc_hash::FxHashMap;
use std::borrow::Cow;
use std::collections::HashMap;

/// Rules indexed by the (channel, event id) pairs of their log sources: for one event,
/// [`RouteIndex::candidates`] gives the rules whose log source it can fit (a superset of those
/// for which [`LogSourceMap::fit`] is not `DoesNotFit`, in ascending order), without looking at the
/// others.
#[derive(Clone, Debug, Default)]
pub(crate) struct RouteIndex {
    len: usize,
    /// Rules with an unknown log source (`route_keys` = `None`) or a (None, None) pair.
    everywhere: Vec<usize>,
    /// lowercase channel → id → rules.
    channel_id: HashMap<String, HashMap<i64, Vec<usize>>>,
    /// lowercase channel → rules with (channel, None).
    channel_only: HashMap<String, Vec<usize>>,
    /// id → rules with (None, id).
    id_only: HashMap<i64, Vec<usize>>,
    /// id → rules with (any channel, id): for events without a Channel.
    id_any_channel: HashMap<i64, Vec<usize>>,
    /// Rules with some (channel, None) pair: for events without a Channel.
    some_channel_only: Vec<usize>,
}

impl RouteIndex {
    /// Indexes the log sources of rules `0..`, in order.
    pub fn new<'a>(
        map: &LogSourceMap,
        logsources: impl IntoIterator<Item = &'a LogSource>,
    ) -> RouteIndex {
        let mut ix = RouteIndex::default();
        for (rule, ls) in logsources.into_iter().enumerate() {
            ix.len = rule + 1;
            let Some(keys) = map.route_keys(ls) else {
                ix.everywhere.push(rule);
                continue;
            };
            for (channel, id) in keys {
                match (channel, id) {
                    (None, None) => ix.everywhere.push(rule),
                    (Some(c), Some(id)) => {
                        ix.channel_id
                            .entry(c.to_ascii_lowercase())
                            .or_default()
                            .entry(id)
                            .or_default()
                            .push(rule);
                        ix.id_any_channel.entry(id).or_default().push(rule);
                    }
                    (Some(c), None) => {
                        ix.channel_only
                            .entry(c.to_ascii_lowercase())
                            .or_default()
                            .push(rule);
                        ix.some_channel_only.push(rule);
                    }
                    (None, Some(id)) => {
                        ix.id_only.entry(id).or_default().push(rule);
                        ix.id_any_channel.entry(id).or_default().push(rule);
                    }
                }
            }
        }
        ix
    }

    /// Writes into `out` (cleared first) the rules `event` may fit, ascending, without duplicates.
    pub fn candidates(&self, event: &Event, out: &mut Vec<usize>) {
        out.clear();
        let (channel, id) = LogSourceMap::event_key(event);
        out.extend_from_slice(&self.everywhere);
        match (channel, id) {
            (None, None) => {
                out.clear();
                out.extend(0..self.len);
                return;
            }
            (Some(ch), id) => {
                let mut buf = [0u8; 128];
                let lower: std::borrow::Cow<'_, str> = if ch.len() <= buf.len() && ch.is_ascii() {
                    buf[..ch.len()].copy_from_slice(ch.as_bytes());
                    buf[..ch.len()].make_ascii_lowercase();
                    std::borrow::Cow::Borrowed(std::str::from_utf8(&buf[..ch.len()]).unwrap_or(ch))
                } else {
                    std::borrow::Cow::Owned(ch.to_ascii_lowercase())
                };
                if let Some(v) = self.channel_only.get(lower.as_ref()) {
                    out.extend_from_slice(v);
                }
                if let Some(id) = id {
                    if let Some(v) = self.channel_id.get(lower.as_ref()).and_then(|m| m.get(&id)) {
                        out.extend_from_slice(v);
                    }
                    if let Some(v) = self.id_only.get(&id) {
                        out.extend_from_slice(v);
                    }
                }
            }
            (None, Some(id)) => {
                out.extend_from_slice(&self.some_channel_only);
                if let Some(v) = self.id_any_channel.get(&id) {
                    out.extend_from_slice(v);
                }
            }
        }
        out.sort_unstable();
        out.dedup();
    }
}

/// Most events repeat a few dozen (channel, event id) keys: the rules [`RouteIndex::candidates`]
/// offers for a key are kept as a bitset, so routing an event costs one hash lookup and a bit test
/// per rule the prefilter let through, instead of gathering, sorting and deduplicating hundreds
/// of rules per event. Belongs to the rule set whose `owner` id it carries (a scratch space may be
/// used with several).
#[derive(Debug, Default)]
pub(crate) struct RouteCache {
    owner: u64,
    /// Hash of the key → the key and its rules.
    sets: FxHashMap<u64, Offered>,
    gathered: Vec<usize>,
}

/// The rules routing offers for one (channel, event id), and what the prefilter must scan for
/// them.
#[derive(Clone, Debug)]
pub(crate) struct Offered {
    channel: Option<Box<str>>,
    id: Option<i64>,
    /// One bit per rule.
    rules: Box<[u64]>,
    pub scope: ScanScope,
}

impl Offered {
    /// Appends to `out` the rules of `rules` (ascending) that are offered.
    pub fn keep(&self, rules: &[u32], out: &mut Vec<usize>) {
        let bits = &self.rules;
        out.extend(
            rules
                .iter()
                .map(|&r| r as usize)
                .filter(|r| bits.get(r / 64).is_some_and(|w| w & (1 << (r % 64)) != 0)),
        );
    }
}

/// Distinct keys kept at most (hostile input could otherwise grow the cache without bound).
const MAX_CACHED_KEYS: usize = 4096;

impl RouteCache {
    /// The rules `index` offers for `event`, with `scope` of them.
    pub fn offer(
        &mut self,
        index: &RouteIndex,
        owner: u64,
        event: &Event,
        scope: impl FnOnce(&[usize]) -> ScanScope,
    ) -> Cow<'_, Offered> {
        if self.owner != owner {
            self.sets.clear();
            self.owner = owner;
        }
        let (channel, id) = LogSourceMap::event_key(event);
        let hash = std::hash::BuildHasher::hash_one(&rustc_hash::FxBuildHasher, (channel, id));
        let cached = self
            .sets
            .get(&hash)
            .is_some_and(|o| o.channel.as_deref() == channel && o.id == id);
        if cached {
            return Cow::Borrowed(&self.sets[&hash]);
        }
        index.candidates(event, &mut self.gathered);
        let mut bits = vec![0u64; index.len.div_ceil(64)].into_boxed_slice();
        for &r in &self.gathered {
            bits[r / 64] |= 1 << (r % 64);
        }
        let offered = Offered {
            channel: channel.map(Into::into),
            id,
            rules: bits,
            scope: scope(&self.gathered),
        };
        if self.sets.contains_key(&hash) || self.sets.len() >= MAX_CACHED_KEYS {
            // A hash collision, or the cache is full: answered without caching.
            return Cow::Owned(offered);
        }
        Cow::Borrowed(self.sets.entry(hash).or_insert(offered))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logsource::FitCheck;
    use crate::testing::{event, ls, shared, svc, win, DEFENDER, SYSMON};
    use crate::{parse_events, LogSourceFit};
    use std::path::{Path, PathBuf};

    /// Whether an event with key `event` (from [`LogSourceMap::event_key`]) can fit a log source whose
    /// [`LogSourceMap::route_keys`] are `keys` (`None`: every event).
    fn route_matches(
        keys: Option<&[(Option<String>, Option<i64>)]>,
        event: (Option<&str>, Option<i64>),
    ) -> bool {
        let Some(keys) = keys else { return true };
        match event {
            (None, None) => true,
            (channel, id) => keys.iter().any(|(c, i)| {
                let channel_ok = match (c, channel) {
                    (Some(c), Some(ch)) => c.eq_ignore_ascii_case(ch),
                    _ => true,
                };
                channel_ok && i.is_none_or(|i| Some(i) == id)
            }),
        }
    }

    /// Every log source of the map (and some it does not know) against many events: whenever `fit`
    /// lets an event through, the routing keys and the route index offer the rule for it.
    #[test]
    fn routing_is_consistent_with_fit() {
        let map = LogSourceMap::builtin();
        let mut sources: Vec<LogSource> = vec![
            LogSource::default(),
            ls(None, Some("windows"), None),
            ls(Some("webserver"), None, None),
            ls(None, Some("linux"), Some("auth")),
            ls(Some("process_creation"), Some("windows"), Some("security")),
            svc("unknown-service"),
        ];
        for e in map.entries() {
            if let Some(c) = &e.category {
                sources.push(ls(Some(c), e.product.as_deref(), None));
            }
            if let Some(s) = &e.service {
                sources.push(svc(s));
            }
        }
        let mut events = vec![
            event(r#"{"a": 1}"#),
            event(r#"{"EventID": 1}"#),
            event(r#"{"EventID": "4688"}"#),
            event(r#"{"Channel": "Security"}"#),
            event(r#"{"EventID": 104, "System_Channel": "System", "Channel": "Security"}"#),
            win(SYSMON, 12, r#", "EventType": "DeleteValue""#),
            win("SECURITY", 4688, ""),
            win(DEFENDER, 1116, ""),
            win("Windows PowerShell", 400, ""),
        ];
        if let Some(shared) = shared() {
            let dir = shared.join("corpus/windows-samples/raw");
            let mut files = Vec::new();
            collect(&dir, &mut files);
            for f in files {
                let text = std::fs::read_to_string(&f).unwrap();
                // A few events per file keeps the test quick and still covers every channel.
                events.extend(
                    parse_events(&text)
                        .events
                        .into_iter()
                        .filter_map(Result::ok)
                        .take(5),
                );
            }
        }
        let index = RouteIndex::new(&map, &sources);
        let keys: Vec<_> = sources.iter().map(|s| map.route_keys(s)).collect();
        let (mut evaluated, mut pairs) = (0, 0);
        let mut candidates = Vec::new();
        for e in &events {
            index.candidates(e, &mut candidates);
            assert!(candidates.windows(2).all(|w| w[0] < w[1]));
            for (i, s) in sources.iter().enumerate() {
                pairs += 1;
                let fit = map.fit(s, e);
                let check = map.check(s, e);
                assert_eq!(!matches!(check, FitCheck::DoesNotFit), fit.is_evaluated());
                if let (FitCheck::Fits(a), LogSourceFit::Fits { field_mappings: b }) = (check, &fit)
                {
                    assert!(std::sync::Arc::ptr_eq(a, b));
                }
                let routed = route_matches(keys[i].as_deref(), LogSourceMap::event_key(e));
                if fit.is_evaluated() {
                    evaluated += 1;
                    assert!(
                        routed,
                        "{s:?} {:?}: {fit:?} but not routed",
                        LogSourceMap::event_key(e)
                    );
                    assert!(
                        candidates.contains(&i),
                        "{s:?} {:?}: {fit:?} but not a candidate",
                        LogSourceMap::event_key(e)
                    );
                }
                assert_eq!(
                    routed,
                    candidates.contains(&i),
                    "{s:?} {:?}",
                    LogSourceMap::event_key(e)
                );
            }
        }
        println!(
            "{pairs} (log source, event) pairs, {evaluated} evaluated, {} events",
            events.len()
        );
    }

    fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                collect(&p, out);
            } else {
                out.push(p);
            }
        }
    }
}
