//! The rule model: what a Sigma document says, with the position of every part, before
//! compilation.

use super::condition::Expr;
use super::modifier::{Modifier, Scalar, Variant};
use crate::source::yaml::Node;
use crate::source::Span;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct LogSource {
    pub category: Option<String>,
    pub product: Option<String>,
    pub service: Option<String>,
    pub definition: Option<String>,
}

impl std::fmt::Display for LogSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = [
            ("product", &self.product),
            ("category", &self.category),
            ("service", &self.service),
        ]
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}: {v}")))
        .collect();
        f.write_str(&parts.join(", "))
    }
}

/// What kind of Sigma document a YAML document is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    Detection,
    Correlation,
    Filter,
    /// Legacy `action: global/reset/repeat` collections.
    Action,
    Unknown,
}

#[derive(Clone, Debug)]
pub struct Rule {
    pub title: String,
    pub title_span: Span,
    pub id: Option<String>,
    /// How correlations and filters may name the rule, besides its id.
    pub name: Option<String>,
    pub status: Option<String>,
    pub level: Option<String>,
    pub tags: Vec<(String, Span)>,
    pub references: Vec<(String, Span)>,
    pub logsource: LogSource,
    /// The `logsource` key and its value (where a pipeline's added conditions point).
    pub logsource_span: Span,
    /// Keys of `logsource` other than category/product/service/definition.
    pub logsource_extra: Vec<(String, Span)>,
    /// Top-level keys that are not Sigma's (allowed; kept for lint).
    pub custom_keys: Vec<(String, Span)>,
    pub detection: Detection,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Detection {
    pub searches: Vec<Search>,
    /// The condition list (OR-ed); almost always one.
    pub conditions: Vec<Expr>,
}

impl Detection {
    pub fn names(&self) -> Vec<String> {
        self.searches.iter().map(|s| s.name.clone()).collect()
    }
}

/// A search identifier (`selection`, `filter_main_*`, `keywords`...) and its body.
#[derive(Clone, Debug)]
pub struct Search {
    pub name: String,
    pub span: Span,
    pub body: SearchBody,
}

#[derive(Clone, Debug)]
pub enum SearchBody {
    /// A map: all items must hold.
    Map {
        items: Vec<DetectionItem>,
        span: Span,
    },
    /// A list of maps (or mixed): any alternative holds.
    List {
        alternatives: Vec<SearchBody>,
        span: Span,
    },
    /// A list of plain values (or one): keywords, searched in every field.
    Keywords(DetectionItem),
}

impl SearchBody {
    pub fn items(&self) -> Vec<&DetectionItem> {
        match self {
            SearchBody::Map { items, .. } => items.iter().collect(),
            SearchBody::List { alternatives, .. } => {
                alternatives.iter().flat_map(|a| a.items()).collect()
            }
            SearchBody::Keywords(i) => vec![i],
        }
    }
}

/// `field|mod|mod: value(s)`, or a keyword list (`field` is `None`).
#[derive(Clone, Debug)]
pub struct DetectionItem {
    pub field: Option<String>,
    pub modifiers: Vec<Modifier>,
    pub modifier_spans: Vec<Span>,
    pub values: Vec<WrittenValue>,
    pub key_span: Span,
    pub span: Span,
    /// What processing pipelines did to the item (nothing for a rule as written).
    pub processing: ItemProcessing,
}

/// A processing item, named by its pipeline and its id (`#N`, its position, when it has none).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AppliedItem {
    pub pipeline: String,
    pub item: String,
}

impl std::fmt::Display for AppliedItem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.pipeline, self.item)
    }
}

/// The changes pipelines made to a detection item; its spans stay those of the rule text.
#[derive(Clone, Debug, Default)]
pub struct ItemProcessing {
    /// The field as written, when a pipeline renamed it.
    pub renamed_from: Option<String>,
    /// More fields the item tests after a one-to-many mapping: it holds when it holds on any.
    pub also_fields: Vec<String>,
    /// The processing items that changed the item, in the order they ran.
    pub applied: Vec<AppliedItem>,
    /// Values a pipeline gave the item's `|expand` placeholders (`value_placeholders`,
    /// `wildcard_placeholders`); they take precedence over the caller's.
    pub placeholders: BTreeMap<String, Vec<String>>,
}

impl DetectionItem {
    pub fn has(&self, m: Modifier) -> bool {
        self.modifiers.contains(&m)
    }
}

#[derive(Clone, Debug)]
pub struct WrittenValue {
    pub scalar: Scalar,
    pub span: Span,
    pub quoted: bool,
    /// The patterns a pipeline's value transformation put in place of what the modifiers
    /// would make of `scalar` (pySigma transforms values after their modifiers).
    pub replaced: Option<Vec<Variant>>,
}

impl WrittenValue {
    /// A value as written at `span`, not (yet) touched by a pipeline.
    pub fn new(scalar: Scalar, span: Span, quoted: bool) -> WrittenValue {
        WrittenValue {
            scalar,
            span,
            quoted,
            replaced: None,
        }
    }
}

/// Tells what a document is without reading it fully.
pub fn kind_of(root: &Node) -> DocumentKind {
    if root.get("action").is_some() {
        DocumentKind::Action
    } else if root.get("correlation").is_some() {
        DocumentKind::Correlation
    } else if root.get("filter").is_some() {
        DocumentKind::Filter
    } else if root.get("detection").is_some() {
        DocumentKind::Detection
    } else {
        DocumentKind::Unknown
    }
}
