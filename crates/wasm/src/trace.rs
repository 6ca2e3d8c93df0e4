//! Typed mirrors of the engine's explain trace (`sigmaplay_engine::explain`), readable back from
//! its JSON so the trace can cross the worker boundary and the UI can walk it. Field names and
//! shapes follow the engine's serialization exactly; a test checks a real trace reads back.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpanView {
    pub start: usize,
    pub end: usize,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocationView {
    pub line: usize,
    pub column: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MatchTraceView {
    pub matched: bool,
    pub title: String,
    pub rule_id: Option<String>,
    pub summary: String,
    pub logsource_note: Option<String>,
    pub condition: ConditionTraceView,
    pub identifiers: Vec<IdentifierTraceView>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConditionTraceView {
    /// `any_condition`, `or`, `and`, `not`, `identifier`, `one_of`, `all_of`.
    pub kind: String,
    pub text: String,
    pub value: bool,
    pub span: SpanView,
    pub location: LocationView,
    pub children: Vec<ConditionTraceView>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IdentifierTraceView {
    pub name: String,
    pub value: bool,
    pub span: SpanView,
    pub location: LocationView,
    pub explanation: String,
    pub search: SearchTraceView,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SearchTraceView {
    AllOf {
        value: bool,
        span: SpanView,
        location: LocationView,
        children: Vec<SearchTraceView>,
    },
    AnyOf {
        value: bool,
        span: SpanView,
        location: LocationView,
        children: Vec<SearchTraceView>,
    },
    // Boxed: an item is much larger than a group.
    Item(Box<ItemTraceView>),
}

impl SearchTraceView {
    pub fn value(&self) -> bool {
        match self {
            SearchTraceView::AllOf { value, .. } | SearchTraceView::AnyOf { value, .. } => *value,
            SearchTraceView::Item(i) => i.value,
        }
    }

    pub fn location(&self) -> LocationView {
        match self {
            SearchTraceView::AllOf { location, .. } | SearchTraceView::AnyOf { location, .. } => {
                *location
            }
            SearchTraceView::Item(i) => i.location,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ItemTraceView {
    pub value: bool,
    pub field: Option<String>,
    pub modifiers: Vec<String>,
    pub linking: String,
    pub negated: bool,
    pub span: SpanView,
    pub location: LocationView,
    pub event_value: Option<serde_json::Value>,
    pub field_suggestion: Option<String>,
    pub read_from: Option<String>,
    pub values: Vec<ValueTraceView>,
    pub explanation: String,
    /// The semantic rules that decided the item, in words (regex search, null vs missing, ...).
    #[serde(default)]
    pub notes: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ValueTraceView {
    pub written: String,
    pub expected: String,
    pub variant: Option<String>,
    pub matched: bool,
    pub matched_field: Option<String>,
    pub actual: Option<String>,
    /// Byte range of the matched part inside `actual`.
    pub matched_range: Option<[usize; 2]>,
    /// `matched`, `field_absent`, `value_differs`, ... (see the engine's `Reason`).
    pub reason: String,
    pub span: SpanView,
    pub location: LocationView,
}

impl ValueTraceView {
    /// `actual` cut into (before, matched, after) at `matched_range`, on char boundaries; `None`
    /// when there is nothing to highlight.
    pub fn highlighted_actual(&self) -> Option<(String, String, String)> {
        let actual = self.actual.as_deref()?;
        let [start, end] = self.matched_range?;
        if start > end
            || end > actual.len()
            || !actual.is_char_boundary(start)
            || !actual.is_char_boundary(end)
        {
            return None;
        }
        Some((
            actual[..start].to_string(),
            actual[start..end].to_string(),
            actual[end..].to_string(),
        ))
    }
}

/// Plain words for a reason code (the engine's explanation strings carry the specifics).
pub fn reason_label(reason: &str) -> &'static str {
    match reason {
        "matched" => "matched",
        "field_absent" => "field absent",
        "field_null" => "field is null",
        "value_differs" => "value differs",
        "differs_only_in_case" => "differs only in case",
        "wrong_type" => "wrong type",
        "outside_range" => "outside the range",
        "not_an_ip" => "not an IP address",
        "no_timestamp" => "no timestamp",
        "referenced_field_absent" => "referenced field absent",
        "no_field_matched" => "no field matched",
        _ => "not matched",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlight_splits_on_the_matched_range() {
        let v = ValueTraceView {
            written: "\\cmstp.exe".into(),
            expected: "*\\cmstp.exe".into(),
            variant: None,
            matched: true,
            matched_field: None,
            actual: Some("C:\\Windows\\cmstp.exe".into()),
            matched_range: Some([10, 20]),
            reason: "matched".into(),
            span: SpanView::default(),
            location: LocationView::default(),
        };
        let (a, b, c) = v.highlighted_actual().unwrap();
        assert_eq!(
            (a.as_str(), b.as_str(), c.as_str()),
            ("C:\\Windows", "\\cmstp.exe", "")
        );
        let out_of_range = ValueTraceView {
            matched_range: Some([5, 99]),
            ..v
        };
        assert_eq!(out_of_range.highlighted_actual(), None);
    }

    #[test]
    fn search_trace_reads_the_engine_shape() {
        let json = serde_json::json!({
            "kind": "all_of", "value": false, "span": {"start": 0, "end": 5}, "location": {"line": 2, "column": 9},
            "children": [{
                "kind": "item", "value": false, "field": "Initiated", "modifiers": [], "linking": "any",
                "negated": false, "span": {"start": 1, "end": 4}, "location": {"line": 3, "column": 9},
                "event_value": "false", "field_suggestion": null, "read_from": null,
                "values": [{"written": "true", "expected": "true", "variant": null, "matched": false,
                    "matched_field": null, "actual": "false", "matched_range": null, "reason": "value_differs",
                    "span": {"start": 2, "end": 3}, "location": {"line": 3, "column": 20}}],
                "explanation": "Initiated is 'false', the rule wants 'true'"
            }]
        });
        let view: SearchTraceView = serde_json::from_value(json).unwrap();
        assert!(!view.value());
        let SearchTraceView::AllOf { children, .. } = view else {
            panic!("not all_of")
        };
        let SearchTraceView::Item(item) = &children[0] else {
            panic!("not an item")
        };
        assert_eq!(item.values[0].reason, "value_differs");
        assert_eq!(reason_label(&item.values[0].reason), "value differs");
    }
}
