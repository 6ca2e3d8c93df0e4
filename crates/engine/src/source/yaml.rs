//! YAML with positions.
//!
//! Values come from `serde_yaml` (YAML 1.2 core schema: `00050429` stays a string, duplicate keys
//! are errors, `yes` is a string), positions from `saphyr-parser`'s marked event stream over the
//! same text. The two are paired by structure: a [`Node`] walks both trees at once, so every value
//! the rule model reads also knows its span. If the position parser disagrees with serde_yaml (it
//! should not), values still load and spans fall back to the document's start.

use crate::source::Diagnostic;
use crate::source::DiagnosticCode as Code;
use crate::source::{SourceMap, Span};
use saphyr_parser::{Event as YEvent, Parser, ScalarStyle};
use serde::Deserialize;
use serde_yaml::Value;
use std::collections::HashMap;

/// Position tree of one YAML node.
#[derive(Clone, Debug)]
pub enum Pos {
    Scalar {
        span: Span,
        quoted: bool,
    },
    Seq {
        span: Span,
        items: Vec<Pos>,
    },
    Map {
        span: Span,
        entries: Vec<(Pos, Pos)>,
    },
}

impl Pos {
    pub fn span(&self) -> Span {
        match self {
            Pos::Scalar { span, .. } | Pos::Seq { span, .. } | Pos::Map { span, .. } => *span,
        }
    }
}

/// One YAML document: its value and where each part of it stands.
#[derive(Clone, Debug)]
pub struct YamlDocument {
    pub value: Value,
    pub pos: Option<Pos>,
    pub span: Span,
}

impl YamlDocument {
    pub fn root(&self) -> Node<'_> {
        Node {
            value: &self.value,
            pos: self.pos.as_ref(),
            fallback: Span::point(self.span.start),
        }
    }
}

/// A value with its position (when known).
#[derive(Clone, Copy, Debug)]
pub struct Node<'a> {
    pub value: &'a Value,
    pos: Option<&'a Pos>,
    fallback: Span,
}

impl<'a> Node<'a> {
    pub fn span(&self) -> Span {
        self.pos.map_or(self.fallback, Pos::span)
    }

    /// Whether a scalar was written in quotes (`'1'` is a string on purpose).
    pub fn quoted(&self) -> bool {
        matches!(self.pos, Some(Pos::Scalar { quoted: true, .. }))
    }

    /// Map entries as (key, value) node pairs, in source order.
    pub fn entries(&self) -> Vec<(Node<'a>, Node<'a>)> {
        let Value::Mapping(map) = self.value else {
            return Vec::new();
        };
        let pos_entries = match self.pos {
            Some(Pos::Map { entries, .. }) if entries.len() == map.len() => Some(entries),
            _ => None,
        };
        map.iter()
            .enumerate()
            .map(|(i, (k, v))| {
                let (kp, vp) = match pos_entries {
                    Some(e) => (Some(&e[i].0), Some(&e[i].1)),
                    None => (None, None),
                };
                (
                    Node {
                        value: k,
                        pos: kp,
                        fallback: self.span(),
                    },
                    Node {
                        value: v,
                        pos: vp,
                        fallback: self.span(),
                    },
                )
            })
            .collect()
    }

    /// The entry with a string key `key`.
    pub fn get(&self, key: &str) -> Option<(Node<'a>, Node<'a>)> {
        self.entries()
            .into_iter()
            .find(|(k, _)| k.value.as_str() == Some(key))
    }

    /// A list's items, or the node itself: Sigma's "a value or a list of values".
    pub fn one_or_many(&self) -> Vec<Node<'a>> {
        match self.value {
            Value::Sequence(_) => self.items(),
            _ => vec![*self],
        }
    }

    pub fn items(&self) -> Vec<Node<'a>> {
        let Value::Sequence(seq) = self.value else {
            return Vec::new();
        };
        let pos_items = match self.pos {
            Some(Pos::Seq { items, .. }) if items.len() == seq.len() => Some(items),
            _ => None,
        };
        seq.iter()
            .enumerate()
            .map(|(i, v)| Node {
                value: v,
                pos: pos_items.map(|p| &p[i]),
                fallback: self.span(),
            })
            .collect()
    }
}

/// Splits a text into YAML documents. Errors (syntax, duplicate keys) come with their location.
pub fn load(text: &str, map: &SourceMap) -> (Vec<YamlDocument>, Vec<Diagnostic>) {
    let mut docs = Vec::new();
    let mut diags = Vec::new();
    let (positions, alias_at) = positions(text, map);
    for (i, de) in serde_yaml::Deserializer::from_str(text).enumerate() {
        match Value::deserialize(de) {
            Ok(value) => {
                let (pos, span) = match positions.get(i) {
                    Some((p, s)) => (p.clone(), *s),
                    None => (None, Span::point(0)),
                };
                docs.push(YamlDocument { value, pos, span });
            }
            Err(e) => {
                let mut span = e
                    .location()
                    .map(|l| Span::point(map.offset(l.line(), l.column())));
                let msg = e.to_string();
                if msg.contains("duplicate entry") {
                    // serde_yaml points at the mapping; point at the second key instead.
                    if let Some(dup) = positions
                        .iter()
                        .filter_map(|(p, _)| p.as_ref())
                        .find_map(|p| duplicate_key(p, text))
                    {
                        span = Some(dup);
                    }
                }
                // serde_yaml appends " at line X column Y"; the location is carried separately.
                let mut msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
                if msg.contains("repetition limit") {
                    // serde_yaml gives no position: point at the alias where the copies pile up.
                    span = span.or(alias_at);
                    msg = format!("{msg}: the aliases (*name) repeat their anchors' contents too many times (an alias bomb?)");
                }
                if let Some(long) = span.and_then(|s| long_implicit_key(text, map, s.start, &msg)) {
                    msg = format!("{msg}: the key before ':' is {long} characters long, and YAML allows at most 1024 for a key written on one line (so many modifiers?)");
                }
                // Errors without a position point at their document.
                let span = span.or_else(|| positions.get(i).map(|(_, s)| Span::point(s.start)));
                let span = span.or(Some(Span::point(0)));
                diags.push(Diagnostic::error(Code::Yaml, format!("YAML: {msg}"), span));
                break;
            }
        }
    }
    (docs, diags)
}

/// A "mapping values are not allowed" error at `at` after a key longer than YAML's 1024
/// characters for an implicit key: that key's length.
fn long_implicit_key(text: &str, map: &SourceMap, at: usize, msg: &str) -> Option<usize> {
    if !msg.contains("mapping values are not allowed") {
        return None;
    }
    let line = map.location(at).line;
    let start = map.offset(line, 1);
    let key = text.get(start..at)?.trim_start().trim_start_matches("- ");
    let length = key.chars().count();
    (length > 1024).then_some(length)
}

/// The position trees of all documents, or as many as parse, and where aliases first expand
/// past [`MAX_ALIAS_NODES`] (or the first alias).
fn positions(text: &str, map: &SourceMap) -> (Vec<(Option<Pos>, Span)>, Option<Span>) {
    let mut parser = Parser::new_from_str(text);
    let mut out = Vec::new();
    let mut stack: Vec<Building> = Vec::new();
    let mut anchors: HashMap<usize, Pos> = HashMap::new();
    let mut doc_start = 0usize;
    let mut root: Option<Pos> = None;
    let mut alias_nodes = 0usize;
    let mut alias_at = None;
    let to_offset = |m: &saphyr_parser::Marker| map.offset(m.line(), m.col() + 1);
    while let Some(Ok((event, span))) = parser.next_event() {
        let start = to_offset(&span.start);
        let end = to_offset(&span.end);
        let finished: Option<(Pos, usize)> = match event {
            YEvent::DocumentStart(_) => {
                doc_start = start;
                root = None;
                None
            }
            YEvent::DocumentEnd => {
                out.push((root.take(), Span::new(doc_start, end.max(doc_start))));
                None
            }
            YEvent::Scalar(_, style, anchor, _) => {
                let quoted = matches!(style, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted);
                Some((
                    Pos::Scalar {
                        span: Span::new(start, end),
                        quoted,
                    },
                    anchor,
                ))
            }
            YEvent::Alias(id) => {
                // Aliases repeat subtrees; cap the copies so an alias bomb cannot blow up memory
                // (serde_yaml refuses such documents too; positions then fall back).
                let p = anchors.get(&id);
                alias_nodes += p.map_or(0, count_nodes);
                if alias_nodes > MAX_ALIAS_NODES || alias_at.is_none() {
                    alias_at = Some(Span::new(start, end));
                }
                if alias_nodes > MAX_ALIAS_NODES {
                    break;
                }
                p.cloned().map(|p| (p, 0))
            }
            YEvent::SequenceStart(anchor, _) => {
                stack.push(Building::Seq {
                    start,
                    anchor,
                    items: Vec::new(),
                });
                None
            }
            YEvent::MappingStart(anchor, _) => {
                stack.push(Building::Map {
                    start,
                    anchor,
                    entries: Vec::new(),
                    key: None,
                });
                None
            }
            YEvent::SequenceEnd => match stack.pop() {
                Some(Building::Seq {
                    start: s,
                    anchor,
                    items,
                }) => Some((
                    Pos::Seq {
                        span: Span::new(s, end),
                        items,
                    },
                    anchor,
                )),
                _ => break,
            },
            YEvent::MappingEnd => match stack.pop() {
                Some(Building::Map {
                    start: s,
                    anchor,
                    entries,
                    ..
                }) => Some((
                    Pos::Map {
                        span: Span::new(s, end),
                        entries,
                    },
                    anchor,
                )),
                _ => break,
            },
            _ => None,
        };
        if let Some((pos, anchor)) = finished {
            if anchor != 0 {
                anchors.insert(anchor, pos.clone());
            }
            match stack.last_mut() {
                Some(Building::Seq { items, .. }) => items.push(pos),
                Some(Building::Map { entries, key, .. }) => match key.take() {
                    Some(k) => entries.push((k, pos)),
                    None => *key = Some(pos),
                },
                None => root = Some(pos),
            }
        }
    }
    (out, alias_at)
}

/// The span of the first key that repeats an earlier key of the same mapping.
fn duplicate_key(pos: &Pos, text: &str) -> Option<Span> {
    match pos {
        Pos::Scalar { .. } => None,
        Pos::Seq { items, .. } => items.iter().find_map(|p| duplicate_key(p, text)),
        Pos::Map { entries, .. } => {
            let key_text = |p: &Pos| {
                let s = p.span();
                text.get(s.start..s.end)
                    .map(|t| t.trim_matches(|c| c == '\'' || c == '"').to_string())
            };
            for (i, (k, _)) in entries.iter().enumerate() {
                if matches!(k, Pos::Scalar { .. })
                    && entries[..i].iter().any(|(e, _)| key_text(e) == key_text(k))
                {
                    return Some(k.span());
                }
            }
            entries.iter().find_map(|(_, v)| duplicate_key(v, text))
        }
    }
}

/// pySigma 2.0.1 also rejects alias expansions beyond 10,000 nodes.
use crate::limits::MAX_ALIAS_NODES;

fn count_nodes(p: &Pos) -> usize {
    match p {
        Pos::Scalar { .. } => 1,
        Pos::Seq { items, .. } => 1 + items.iter().map(count_nodes).sum::<usize>(),
        Pos::Map { entries, .. } => {
            1 + entries
                .iter()
                .map(|(k, v)| count_nodes(k) + count_nodes(v))
                .sum::<usize>()
        }
    }
}

enum Building {
    Seq {
        start: usize,
        anchor: usize,
        items: Vec<Pos>,
    },
    Map {
        start: usize,
        anchor: usize,
        entries: Vec<(Pos, Pos)>,
        key: Option<Pos>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_values_with_spans() {
        let text = "title: t\ndetection:\n    sel:\n        Image|endswith: '\\cmd.exe'\n---\na: 00050429\n";
        let map = SourceMap::new(text);
        let (docs, diags) = load(text, &map);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(docs.len(), 2);
        let root = docs[0].root();
        let (_, det) = root.get("detection").unwrap();
        let (_, sel) = det.get("sel").unwrap();
        let (k, v) = sel.entries()[0];
        assert_eq!(&text[k.span().start..k.span().end], "Image|endswith");
        assert_eq!(&text[v.span().start..v.span().end], "'\\cmd.exe'");
        assert!(v.quoted());
        let (_, a) = docs[1].root().get("a").unwrap();
        assert_eq!(a.value.as_str(), Some("00050429"));
        assert_eq!(map.location(a.span().start).line, 6);
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..12 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("b{}", i - 1)
            };
            text.push_str(&format!("b{i}: &b{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        let map = SourceMap::new(&text);
        let (_, diags) = load(&text, &map);
        assert_eq!(diags.len(), 1, "{diags:?}");
    }

    #[test]
    fn duplicate_keys_and_syntax_errors_are_located() {
        let text = "a: 1\nb:\n  c: 1\n  c: 2\n";
        let map = SourceMap::new(text);
        let (_, diags) = load(text, &map);
        assert_eq!(diags.len(), 1);
        assert!(
            diags[0].message.contains("duplicate"),
            "{}",
            diags[0].message
        );
        let loc = map.location(diags[0].span.unwrap().start);
        assert_eq!(loc.line, 4);
        let text = "a: [1, 2\nb: 3\n";
        let map = SourceMap::new(text);
        let (_, diags) = load(text, &map);
        assert_eq!(diags.len(), 1);
    }
}
