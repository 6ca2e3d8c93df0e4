//! Rules as written: the model of a Sigma document with the position of every part ([`model`]),
//! read from YAML with its metadata checked ([`metadata`]) and its detection parsed
//! ([`detection`], [`condition`], [`modifier`], [`value`]); [`lint`] warns about rules that load
//! but are probably not what the author meant.

pub(crate) mod condition;
pub(crate) mod correlation;
mod detection;
pub(crate) mod lint;
mod metadata;
mod model;
pub(crate) mod modifier;
pub(crate) mod unicode_class;
pub(crate) mod value;

pub(crate) use detection::parse_detection;
pub(crate) use metadata::parse_rule;
pub use model::AppliedItem;
pub use model::LogSource;
pub(crate) use model::{
    kind_of, DetectionItem, DocumentKind, Rule, Search, SearchBody, WrittenValue,
};
