//! Flat JSON objects (the usual line of JSON Lines: every value a scalar or a list of scalars)
//! read straight from the deserializer into an [`Event`]: no intermediate tree, names and
//! unescaped texts borrowed from the input until they are stored. Anything else (a nested object,
//! which evtx_dump records and dotted names need, a bare value, a syntax error) is refused, and
//! the caller reads the text the general way (`windows::Json`), which gives the event or the
//! located error exactly as before: this reader only ever answers with the event that way would
//! have built.
use super::{Event, FieldValue, Names};
use crate::source::text::{SharedTexts, TextBuffer, TextRange};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

/// Reads flat objects, keeping its buffers from one event to the next.
#[derive(Debug, Default)]
pub(super) struct FlatReader {
    fields: Vec<(Arc<str>, Pending)>,
    /// The event's texts, which all its string values share once it is read.
    texts: TextBuffer,
}

/// A value read, its texts still in the [`TextBuffer`].
#[derive(Debug)]
enum Pending {
    Scalar(FieldValue),
    Str(TextRange),
    List(Vec<Pending>),
}

impl Pending {
    fn value(self, texts: &SharedTexts) -> FieldValue {
        match self {
            Pending::Scalar(v) => v,
            Pending::Str(r) => FieldValue::Str(texts.text(r)),
            Pending::List(items) => {
                FieldValue::List(items.into_iter().map(|i| i.value(texts)).collect())
            }
        }
    }
}

impl FlatReader {
    /// The event `text` holds when it is one flat JSON object (white space around it allowed);
    /// `None` otherwise.
    pub(super) fn read(&mut self, text: &str, names: &mut Names) -> Option<Event> {
        self.fields.clear();
        let mut de = serde_json::Deserializer::from_str(text);
        let seed = ObjectSeed {
            names,
            fields: &mut self.fields,
            texts: &mut self.texts,
        };
        if seed.deserialize(&mut de).and_then(|()| de.end()).is_err() {
            self.texts.discard();
            return None;
        }
        let texts = self.texts.finish();
        // Sized once; a repeated name keeps its first place and its last value, as
        // `Event::insert` does on the general path.
        let mut event = Event::with_capacity(self.fields.len());
        for (name, value) in self.fields.drain(..) {
            event.insert_shared(name, value.value(&texts));
        }
        Some(event)
    }
}

/// The top-level object: its members go into `fields`.
struct ObjectSeed<'r> {
    names: &'r mut Names,
    fields: &'r mut Vec<(Arc<str>, Pending)>,
    texts: &'r mut TextBuffer,
}

/// Why a text is left to the general reader (never shown: the general reader says what it is).
const NOT_FLAT: &str = "not a flat object";

impl<'de> DeserializeSeed<'de> for ObjectSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ObjectSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let value = map.next_value_seed(ValueSeed(&mut *self.texts))?;
            self.fields.push((self.names.get(&key), value));
        }
        Ok(())
    }
}

/// An object key, borrowed from the input unless it has escapes.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Cow<'de, str>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(s))
    }
    fn visit_str<E>(self, s: &str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(s.to_owned()))
    }
    fn visit_string<E>(self, s: String) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(s))
    }
}

/// A member's value: a scalar, or a list of values without objects. The conversions are those
/// of `Json::into_field_value` for the same visits.
struct ValueSeed<'t>(&'t mut TextBuffer);

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Pending;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Pending, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = Pending;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Pending, E> {
        Ok(Pending::Scalar(FieldValue::Null))
    }
    fn visit_none<E>(self) -> Result<Pending, E> {
        Ok(Pending::Scalar(FieldValue::Null))
    }
    fn visit_bool<E>(self, b: bool) -> Result<Pending, E> {
        Ok(Pending::Scalar(FieldValue::Bool(b)))
    }
    fn visit_i64<E>(self, i: i64) -> Result<Pending, E> {
        Ok(Pending::Scalar(FieldValue::Int(i)))
    }
    fn visit_u64<E>(self, u: u64) -> Result<Pending, E> {
        Ok(Pending::Scalar(
            i64::try_from(u).map_or(FieldValue::UInt(u), FieldValue::Int),
        ))
    }
    fn visit_f64<E>(self, f: f64) -> Result<Pending, E> {
        // serde_json's `Number` refuses non-finite floats, which the tree reads as null.
        Ok(Pending::Scalar(if f.is_finite() {
            FieldValue::Float(f)
        } else {
            FieldValue::Null
        }))
    }
    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Pending, E> {
        Ok(Pending::Str(self.0.push(s)))
    }
    fn visit_str<E>(self, s: &str) -> Result<Pending, E> {
        Ok(Pending::Str(self.0.push(s)))
    }
    fn visit_string<E>(self, s: String) -> Result<Pending, E> {
        Ok(Pending::Str(self.0.push(&s)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Pending, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(4).min(64));
        while let Some(item) = seq.next_element_seed(ValueSeed(&mut *self.0))? {
            items.push(item);
        }
        Ok(Pending::List(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Pending, A::Error> {
        Err(de::Error::custom(NOT_FLAT))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::windows::{generic_event, Json};

    /// The event the general reader builds from the same text.
    fn by_tree(text: &str) -> Event {
        let json: Json<'_> = serde_json::from_str(text).expect("valid JSON");
        generic_event(json, &mut Names::default())
    }

    #[test]
    fn flat_objects_read_as_the_tree_reads_them() {
        let mut reader = FlatReader::default();
        let mut names = Names::default();
        for text in [
            r#"{"Image": "C:\\Windows\\System32\\CMD.EXE", "EventID": 1, "x": null}"#,
            r#"{"a": true, "b": -5, "c": 18446744073709551615, "d": 9223372036854775807, "e": 1.5, "f": 1e3}"#,
            r#"{"ÄÖÜ": "ÀB İx", "esc\"aped": "tab\there \u00C9", "": ""}"#,
            r#"{"dup": "first", "other": 1, "dup": "LAST"}"#,
            r#"{"list": ["A", 1, null, ["Nested", false]], "empty": []}"#,
            r#"  {"padded": "Value"}  "#,
            r#"{}"#,
        ] {
            let flat = reader.read(text, &mut names).expect(text);
            let tree = by_tree(text);
            let pairs = |e: &Event| -> Vec<(String, FieldValue)> {
                e.fields()
                    .map(|(n, v)| (n.to_string(), v.clone()))
                    .collect()
            };
            assert_eq!(pairs(&flat), pairs(&tree), "{text}");
            for (name, _) in tree.fields() {
                assert_eq!(flat.get(name), tree.get(name), "{text}: {name}");
            }
        }
    }

    #[test]
    fn other_texts_are_left_to_the_general_reader() {
        let mut reader = FlatReader::default();
        let mut names = Names::default();
        for text in [
            r#"{"Event": {"System": {"EventID": 1}}}"#,
            r#"{"a": {"b": 1}}"#,
            r#"{"a": {}}"#,
            r#"{"list": [{"b": 1}]}"#,
            r#"{"deep": [[{"b": 1}]]}"#,
            r#"[1, 2]"#,
            r#""text""#,
            r#"{"a": 1"#,
            r#"{"a": 1} {"b": 2}"#,
            r#"{"a": tru}"#,
        ] {
            assert!(reader.read(text, &mut names).is_none(), "{text}");
        }
        // The buffers hold nothing of a refused text.
        let e = reader.read(r#"{"k": "V"}"#, &mut names).expect("flat");
        assert_eq!(e.len(), 1);
    }

    #[test]
    fn large_events_index_their_names() {
        let members: Vec<String> = (0..100).map(|i| format!(r#""f{i}": "v{i}""#)).collect();
        let text = format!("{{{}, \"f7\": \"again\"}}", members.join(", "));
        let e = FlatReader::default()
            .read(&text, &mut Names::default())
            .expect("flat");
        assert_eq!(e.len(), 100);
        assert_eq!(e.get("f99"), Some(&FieldValue::Str("v99".into())));
        assert_eq!(e.get("f7"), Some(&FieldValue::Str("again".into())));
        assert_eq!(e.get("f100"), None);
    }
}
