//! What "Format rule" does to the key order, as data: the page's formatter (a YAML library that
//! keeps comments) applies it, so the order lives beside completion's, in one place.

use super::catalog;

/// The key orders of SigmaHQ's rules.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FormatPlan {
    /// Top-level keys; keys not named keep their place after these, in written order.
    pub top: Vec<&'static str>,
    pub logsource: Vec<&'static str>,
    /// The keys of each `related` entry.
    pub related: Vec<&'static str>,
    /// Detection keys moved to the end (the search identifiers keep their written order).
    pub detection_last: Vec<&'static str>,
}

pub fn format_plan() -> FormatPlan {
    FormatPlan {
        top: catalog::TOP_KEYS.iter().map(|(k, _)| *k).collect(),
        logsource: vec!["category", "product", "service", "definition"],
        related: vec!["id", "type"],
        detection_last: vec!["condition", "timeframe"],
    }
}
