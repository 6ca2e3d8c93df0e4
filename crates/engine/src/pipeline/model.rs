//! A processing pipeline as pySigma's YAML format states it: processing items, each a
//! transformation guarded by rule, detection-item and field-name conditions.

use crate::rule::modifier::Scalar;
use crate::source::Span;
use std::collections::BTreeMap;

/// One pipeline: its items apply in order; several pipelines apply by ascending `priority`.
#[derive(Clone, Debug)]
pub struct Pipeline {
    /// What the user named it by: a built-in's name or the file it came from.
    pub origin: String,
    /// The `name:` key (pySigma's display name), if any.
    pub name: Option<String>,
    pub priority: i64,
    /// `vars`: values for `value_placeholders`, by placeholder name.
    pub vars: BTreeMap<String, Vec<String>>,
    pub items: Vec<ProcessingItem>,
}

/// One entry of `transformations`.
#[derive(Clone, Debug)]
pub struct ProcessingItem {
    /// `id`; recorded on the rule and on every detection item it changes.
    pub id: Option<String>,
    pub transformation: Transformation,
    pub rule_conditions: Conditions<RuleCondition>,
    pub detection_item_conditions: Conditions<DetectionItemCondition>,
    pub field_name_conditions: Conditions<FieldNameCondition>,
    /// Where the item stands in the pipeline text.
    pub span: Span,
}

/// A list of conditions and how they combine: `*_cond_op` (and/or), or `*_cond_expr` over named
/// conditions; `*_cond_not` negates the result.
#[derive(Clone, Debug)]
pub struct Conditions<C> {
    /// The conditions, with their names when given as a mapping (needed by an expression).
    pub list: Vec<(Option<String>, C)>,
    pub linking: Linking,
    pub negated: bool,
}

impl<C> Default for Conditions<C> {
    fn default() -> Self {
        Conditions {
            list: Vec::new(),
            linking: Linking::All,
            negated: false,
        }
    }
}

impl<C> Conditions<C> {
    /// Whether the conditions hold, `test` deciding each one. No conditions hold (pySigma's
    /// `all([])`), so a negated empty list never holds.
    pub fn holds(&self, mut test: impl FnMut(&C) -> bool) -> bool {
        let result = match &self.linking {
            Linking::All => self.list.iter().all(|(_, c)| test(c)),
            Linking::Any => self.list.iter().any(|(_, c)| test(c)),
            Linking::Expr(e) => e.eval(&mut |i| self.list.get(i).is_some_and(|(_, c)| test(c))),
        };
        result != self.negated
    }
}

#[derive(Clone, Debug)]
pub enum Linking {
    All,
    Any,
    Expr(CondExpr),
}

/// A `*_cond_expr`: `and`, `or`, `not` and parentheses over condition names, resolved to their
/// index in [`Conditions::list`].
#[derive(Clone, Debug, PartialEq)]
pub enum CondExpr {
    And(Vec<CondExpr>),
    Or(Vec<CondExpr>),
    Not(Box<CondExpr>),
    Condition(usize),
}

impl CondExpr {
    pub fn eval(&self, test: &mut dyn FnMut(usize) -> bool) -> bool {
        match self {
            CondExpr::And(v) => v.iter().all(|e| e.eval(test)),
            CondExpr::Or(v) => v.iter().any(|e| e.eval(test)),
            CondExpr::Not(e) => !e.eval(test),
            CondExpr::Condition(i) => test(*i),
        }
    }
}

/// Whether a value condition must hold for any or for all values of an item (`cond`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantifier {
    Any,
    All,
}

#[derive(Clone, Debug)]
pub enum RuleCondition {
    /// The given log source fields equal the rule's (fields left out are not compared).
    Logsource {
        category: Option<String>,
        product: Option<String>,
        service: Option<String>,
    },
    /// The rule has an item on `field` with this value among its values.
    ContainsDetectionItem { field: String, value: Scalar },
    /// A processing item with this id applied to the rule earlier.
    ProcessingItemApplied(String),
    /// The pipeline state `key` compares to `value` (`set_state` writes the state).
    ProcessingState(StateTest),
    /// Some detection item is on this field.
    ContainsField(String),
    /// The rule carries this tag.
    Tag(String),
    /// `is_sigma_rule` (true) / `is_sigma_correlation_rule` (false): the engine's rules are all
    /// detection rules.
    IsDetectionRule(bool),
}

#[derive(Clone, Debug)]
pub enum DetectionItemCondition {
    /// String values match the regular expression (at their start, Python's `re.match`).
    MatchString {
        regex: regex::Regex,
        quantifier: Quantifier,
        negate: bool,
    },
    /// Values equal this typed value (`true` is not `'true'`).
    MatchValue {
        value: Scalar,
        quantifier: Quantifier,
    },
    IsNull(Quantifier),
    /// String values hold a wildcard.
    ContainsWildcard(Quantifier),
    ProcessingItemApplied(String),
    ProcessingState(StateTest),
}

#[derive(Clone, Debug)]
pub enum FieldNameCondition {
    /// `include_fields` (`exclude: false`) or `exclude_fields` (`exclude: true`).
    Fields {
        names: FieldNames,
        exclude: bool,
    },
    /// The field's current name came out of that processing item.
    ProcessingItemApplied(String),
    ProcessingState(StateTest),
}

/// `fields` of include/exclude conditions: plain names, or (`mode: re`) patterns that must match
/// at the start of the name.
#[derive(Clone, Debug)]
pub enum FieldNames {
    Plain(Vec<String>),
    Patterns(Vec<regex::Regex>),
}

impl FieldNames {
    pub fn contains(&self, field: &str) -> bool {
        match self {
            FieldNames::Plain(v) => v.iter().any(|f| f == field),
            FieldNames::Patterns(v) => v.iter().any(|r| r.is_match(field)),
        }
    }
}

#[derive(Clone, Debug)]
pub struct StateTest {
    pub key: String,
    pub value: Scalar,
    pub op: StateOp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateOp {
    Eq,
    Ne,
    Gte,
    Gt,
    Lte,
    Lt,
}

/// What a processing item does.
#[derive(Clone, Debug)]
pub enum Transformation {
    /// `field_name_mapping`: a name to one name, or to several (an OR of one item per name).
    FieldNameMapping(Vec<(String, Vec<String>)>),
    /// `field_name_prefix_mapping`: a name starting with the key gets the value instead.
    FieldNamePrefixMapping(Vec<(String, Vec<String>)>),
    FieldNamePrefix(String),
    FieldNameSuffix(String),
    DropDetectionItem,
    /// A search made of these items is added and every condition `C` becomes `_cond_N and (C)`
    /// (`not _cond_N and (C)` when `negated`).
    AddCondition {
        conditions: Vec<(String, Vec<Scalar>)>,
        /// `$category`, `$product`, `$service` in string values become the rule's log source.
        template: bool,
        negated: bool,
    },
    /// Replaces the whole log source.
    ChangeLogsource {
        category: Option<String>,
        product: Option<String>,
        service: Option<String>,
    },
    ReplaceString {
        regex: regex::Regex,
        replacement: String,
        /// Replace inside the literal parts only, leaving wildcards and placeholders alone.
        skip_special: bool,
    },
    /// A whole string value to one or several strings.
    MapString(Vec<(String, Vec<String>)>),
    SetValue(Scalar),
    /// `convert_type`: numbers become strings (`str`) or numeric strings numbers (`num`).
    ConvertType(TargetType),
    /// `value_placeholders`: `%name%` under `|expand` takes the pipeline's `vars`.
    ValuePlaceholders(PlaceholderSelection),
    /// `wildcard_placeholders`: `%name%` becomes `*`.
    WildcardPlaceholders(PlaceholderSelection),
    SetState {
        key: String,
        value: Scalar,
    },
    RuleFailure(String),
    DetectionItemFailure(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetType {
    Str,
    Num,
}

/// `include` / `exclude` of the placeholder transformations (one or neither).
#[derive(Clone, Debug, Default)]
pub struct PlaceholderSelection {
    pub include: Option<Vec<String>>,
    pub exclude: Option<Vec<String>>,
}

impl PlaceholderSelection {
    pub fn handles(&self, name: &str) -> bool {
        match (&self.include, &self.exclude) {
            (Some(i), _) => i.iter().any(|n| n == name),
            (None, Some(e)) => !e.iter().any(|n| n == name),
            (None, None) => true,
        }
    }
}

/// The type names of pySigma 2.0.1 this engine does not implement, so that a pipeline using one
/// gets an error saying so rather than "unknown".
pub const UNSUPPORTED_TRANSFORMATIONS: &[&str] = &[
    "add_field",
    "case",
    "command_placeholders",
    "extract_fields",
    "field_name_transform",
    "file_placeholders",
    "hashes_fields",
    "http_placeholders",
    "nest",
    "query_expression_placeholders",
    "regex",
    "remove_field",
    "set_custom_attribute",
    "set_field",
    "strict_field_mapping_failure",
];

pub const TRANSFORMATIONS: &[&str] = &[
    "field_name_mapping",
    "field_name_prefix_mapping",
    "field_name_prefix",
    "field_name_suffix",
    "drop_detection_item",
    "add_condition",
    "change_logsource",
    "replace_string",
    "map_string",
    "set_value",
    "convert_type",
    "value_placeholders",
    "wildcard_placeholders",
    "set_state",
    "rule_failure",
    "detection_item_failure",
];
