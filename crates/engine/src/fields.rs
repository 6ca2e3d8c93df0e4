//! Field names interned to small integers, process-wide. Compiled rules store the id of every
//! field they read; a rule set then looks an event's ~20 field names up once per event and reads
//! fields by id (an array index) in every rule, instead of hashing names thousands of times.

use crate::event::{Event, FieldValue};
use rustc_hash::FxHashMap;
use std::sync::{Mutex, OnceLock};

fn table() -> &'static Mutex<FxHashMap<Box<str>, u32>> {
    static TABLE: OnceLock<Mutex<FxHashMap<Box<str>, u32>>> = OnceLock::new();
    TABLE.get_or_init(|| Mutex::new(FxHashMap::default()))
}

/// The id of a field name, assigning the next one on first sight.
pub fn intern(name: &str) -> u32 {
    let mut t = table().lock().unwrap_or_else(|e| e.into_inner());
    if let Some(&id) = t.get(name) {
        return id;
    }
    let id = t.len() as u32;
    t.insert(name.into(), id);
    id
}

/// A snapshot of the interner for fast lookups without the lock (ids never change).
#[derive(Clone, Debug, Default)]
pub struct FieldIds {
    ids: FxHashMap<Box<str>, u32>,
    len: usize,
}

impl FieldIds {
    pub fn snapshot() -> FieldIds {
        let t = table().lock().unwrap_or_else(|e| e.into_inner());
        FieldIds {
            ids: t.clone(),
            len: t.len(),
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// An event's fields indexed by id: `slots[id]` is 1 + the field's position, 0 when absent.
/// Reused across events: [`Slots::load`] fills it, [`Slots::clear`] empties only what was set.
#[derive(Debug, Default)]
pub struct Slots {
    slots: Vec<u32>,
    set: Vec<u32>,
}

impl Slots {
    pub fn new(ids: &FieldIds) -> Slots {
        Slots {
            slots: vec![0; ids.len()],
            set: Vec::new(),
        }
    }

    /// Grows the table to hold every id of `ids`.
    pub fn ensure(&mut self, ids: &FieldIds) {
        if self.slots.len() < ids.len() {
            self.slots.resize(ids.len(), 0);
        }
    }

    pub fn load(&mut self, ids: &FieldIds, event: &Event) {
        self.clear();
        for (pos, (name, _)) in event.fields().enumerate() {
            if let Some(&id) = ids.ids.get(name) {
                if let Some(s) = self.slots.get_mut(id as usize) {
                    *s = pos as u32 + 1;
                    self.set.push(id);
                }
            }
        }
    }

    pub fn clear(&mut self) {
        for &id in &self.set {
            self.slots[id as usize] = 0;
        }
        self.set.clear();
    }

    #[inline]
    pub fn get<'e>(&self, event: &'e Event, id: u32) -> Option<&'e FieldValue> {
        match self.slots.get(id as usize) {
            Some(&p) if p > 0 => event.field_at(p as usize - 1),
            _ => None,
        }
    }
}
