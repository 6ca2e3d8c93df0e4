//! Which event an expectation is about. Kept by position alone, expectations passed to whatever
//! events a new text held at that position: a pasted pair of unrelated events inherited an
//! example's "should fire" and the test passed. So each expectation carries the key of its
//! event's content, and placing expectations on an events text finds each event by its key:
//! an expectation follows its event when events move, and is lost (dangling, reported) when its
//! event is gone. Expectations without a key (files written before keys) stay by position.

use crate::event_key::{event_keys, EventKey};
use crate::file::{Expectation, RuleTest};
use sigmaplay_engine::EventInput;
use std::collections::BTreeMap;

/// Expectations placed on the events of a text.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Placement {
    /// By event index, each with the key of the event it now stands at.
    pub placed: BTreeMap<usize, Expectation>,
    /// Expectations whose event is not in the text (kept as written: they are reported, and a
    /// text that brings the event back places them again).
    pub lost: Vec<Expectation>,
}

/// Places `expectations` on events whose keys are `keys`. A keyed expectation goes to an event
/// with its key (the one nearest its old position when several have it); a keyless one to its
/// position, taking that event's key. `previous`, the keys of the events the expectations were
/// placed on before (the page knows them while the user edits), lets an edit in progress keep
/// its expectations: when the events changed in exactly one place and nothing else moved, an
/// expectation of the changed event stays with it.
pub fn place(
    expectations: &[Expectation],
    keys: &[EventKey],
    previous: Option<&[EventKey]>,
) -> Placement {
    let mut at: BTreeMap<&EventKey, Vec<usize>> = BTreeMap::new();
    for (i, k) in keys.iter().enumerate() {
        at.entry(k).or_default().push(i);
    }
    let edited = previous.and_then(|prev| one_edit(prev, keys));
    let mut out = Placement::default();
    let mut ordered: Vec<&Expectation> = expectations.iter().collect();
    ordered.sort_by_key(|e| (e.key.is_none(), e.event));
    for e in ordered {
        let target = match &e.key {
            None => (e.event < keys.len()).then_some(e.event),
            Some(key) => nearest_free(at.get(key), e.event, &out.placed)
                .or_else(|| (edited == Some(e.event)).then_some(e.event)),
        };
        match target.filter(|t| !out.placed.contains_key(t)) {
            Some(t) => {
                let placed = Expectation {
                    event: t,
                    should_fire: e.should_fire,
                    key: Some(keys[t].clone()),
                };
                out.placed.insert(t, placed);
            }
            None => out.lost.push(e.clone()),
        }
    }
    out
}

/// The expectations of `test` placed on its events (`input` is what `parse_events` read from
/// them): how `sigmaplay test` grades and what an export takes as "should fire".
pub fn place_on_events(test: &RuleTest, input: &EventInput) -> Placement {
    place(&test.expectations, &event_keys(&test.events, input), None)
}

/// The index of the one event that changed between `before` and `after` (same length, every
/// other key the same), if that is all that changed.
fn one_edit(before: &[EventKey], after: &[EventKey]) -> Option<usize> {
    if before.len() != after.len() {
        return None;
    }
    let mut changed = before
        .iter()
        .zip(after)
        .enumerate()
        .filter(|(_, (b, a))| b != a);
    let (index, _) = changed.next()?;
    changed.next().is_none().then_some(index)
}

fn nearest_free(
    candidates: Option<&Vec<usize>>,
    old: usize,
    taken: &BTreeMap<usize, Expectation>,
) -> Option<usize> {
    candidates?
        .iter()
        .copied()
        .filter(|i| !taken.contains_key(i))
        .min_by_key(|&i| i.abs_diff(old))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event_key::{event_keys, EventKey};
    use sigmaplay_engine::parse_events;

    fn keys(text: &str) -> Vec<EventKey> {
        event_keys(text, &parse_events(text))
    }

    fn expect(event: usize, should_fire: bool, keys: &[EventKey]) -> Expectation {
        Expectation {
            event,
            should_fire,
            key: keys.get(event).cloned(),
        }
    }

    const THREE: &str = "{\"a\": 1}\n{\"a\": 2}\n{\"a\": 3}\n";

    #[test]
    fn keys_ignore_key_order_and_white_space_but_not_values() {
        let k = keys("{\"a\": 1, \"b\": \"x\"}\n{\"b\":\"x\",\"a\":1}\n{\"a\": 1, \"b\": \"y\"}\n");
        assert_eq!(k[0], k[1]);
        assert_ne!(k[0], k[2]);
        assert_eq!(k[0].as_str().len(), 16);
        // An unreadable event has a key too, from its text.
        let bad = keys("{\"a\": 1}\n{not json\n");
        assert_eq!(bad.len(), 2);
        assert_ne!(bad[0], bad[1]);
    }

    #[test]
    fn expectations_follow_moved_events_and_are_lost_with_replaced_ones() {
        let before = keys(THREE);
        let exps = vec![expect(0, true, &before), expect(2, false, &before)];
        // Reordered: each follows its event.
        let moved = keys("{\"a\": 3}\n{\"a\": 1}\n{\"a\": 2}\n");
        let p = place(&exps, &moved, Some(&before));
        assert_eq!(p.placed.keys().copied().collect::<Vec<_>>(), vec![0, 1]);
        assert!(!p.placed[&0].should_fire && p.placed[&1].should_fire);
        assert!(p.lost.is_empty());
        // Replaced by two unrelated events: nothing inherits the expectations.
        let other = keys("{\"b\": 1}\n{\"b\": 2}\n");
        let p = place(&exps, &other, Some(&before));
        assert!(p.placed.is_empty());
        assert_eq!(p.lost, exps);
        // The events come back: the lost expectations are placed again.
        let p = place(&p.lost, &before, None);
        assert_eq!(p.placed.len(), 2);
    }

    #[test]
    fn one_event_being_edited_keeps_its_expectation() {
        let before = keys(THREE);
        let exps = vec![expect(1, true, &before)];
        let edited = keys("{\"a\": 1}\n{\"a\": 22}\n{\"a\": 3}\n");
        let p = place(&exps, &edited, Some(&before));
        assert_eq!(p.placed[&1].key.as_ref(), Some(&edited[1]));
        // Without the previous keys (a file), the changed event is not the same event.
        let p = place(&exps, &edited, None);
        assert_eq!(p.lost.len(), 1);
        // Two events changed at once is a replacement, not an edit.
        let two = keys("{\"a\": 1}\n{\"a\": 22}\n{\"a\": 33}\n");
        assert_eq!(place(&exps, &two, Some(&before)).lost.len(), 1);
    }

    #[test]
    fn keyless_expectations_stay_by_position_and_duplicates_go_to_the_nearest() {
        let k = keys("{\"a\": 1}\n{\"a\": 1}\n{\"a\": 1}\n");
        let keyless = Expectation {
            event: 1,
            should_fire: true,
            key: None,
        };
        let p = place(std::slice::from_ref(&keyless), &k, None);
        assert_eq!(p.placed[&1].key.as_ref(), Some(&k[1]));
        let beyond = Expectation {
            event: 5,
            ..keyless.clone()
        };
        assert_eq!(place(&[beyond], &k, None).lost.len(), 1);
        // Two expectations on identical events keep their own events.
        let exps = vec![expect(0, true, &k), expect(2, false, &k)];
        let p = place(&exps, &k, None);
        assert!(p.placed[&0].should_fire && !p.placed[&2].should_fire);
    }
}
