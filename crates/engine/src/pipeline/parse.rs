//! Reading a pipeline from pySigma's YAML format. Every problem is a diagnostic located in the
//! pipeline text; a type this engine lacks is named as such.

use super::model::*;
use crate::rule::modifier::Scalar;
use crate::rule::unicode_class::{unsupported_unicode_class, RegexFlavor};
use crate::rule::value::Number;
use crate::source::yaml::{self, Node};
use crate::source::{did_you_mean, Diagnostic};
use crate::source::{SourceMap, Span};
use serde_yaml::Value;
use std::collections::BTreeMap;

/// Keys of a pipeline document (pySigma's `ProcessingPipeline.from_dict`).
const PIPELINE_KEYS: &[&str] = &[
    "name",
    "priority",
    "vars",
    "transformations",
    "postprocessing",
    "finalizers",
    "allowed_backends",
];

/// Keys pySigma strips from a processing item before it reads the arguments.
const IGNORED_ITEM_KEYS: &[&str] = &[
    "allow_template_vars",
    "vars_allowed_paths",
    "allow_external_sources",
    "restrict_template_path",
    "policy",
];

const CONDITION_GROUPS: [&str; 3] = ["rule", "detection_item", "field_name"];

fn error(message: impl Into<String>, span: Span) -> Diagnostic {
    Diagnostic::error(crate::source::DiagnosticCode::Pipeline, message, Some(span))
}

/// Reads one pipeline. `origin` names it in messages and in [`Pipeline::origin`]. Diagnostics
/// come located in `text`.
pub fn parse_pipeline(text: &str, origin: &str) -> Result<Pipeline, Vec<Diagnostic>> {
    let map = SourceMap::new(text);
    let (docs, mut diags) = yaml::load(text, &map);
    let locate = |d: Vec<Diagnostic>| d.into_iter().map(|d| d.locate(&map)).collect::<Vec<_>>();
    if !diags.is_empty() {
        return Err(locate(diags));
    }
    let docs: Vec<_> = docs.iter().filter(|d| !d.value.is_null()).collect();
    let doc = match docs.as_slice() {
        [doc] => doc,
        [] => return Err(locate(vec![error("the pipeline is empty", Span::point(0))])),
        [_, second, ..] => {
            return Err(locate(vec![error(
                "a pipeline is one YAML document; this text holds several",
                Span::point(second.span.start),
            )]))
        }
    };
    let pipeline = read_pipeline(&doc.root(), origin, &mut diags);
    if diags.iter().any(Diagnostic::is_error) {
        return Err(locate(diags));
    }
    Ok(pipeline)
}

fn read_pipeline(root: &Node, origin: &str, diags: &mut Vec<Diagnostic>) -> Pipeline {
    let mut pipeline = Pipeline {
        origin: origin.to_string(),
        name: None,
        priority: 0,
        vars: BTreeMap::new(),
        items: Vec::new(),
    };
    let Some(entries) = mapping_entries(
        root,
        "a pipeline is a mapping (name, priority, vars, transformations)",
        diags,
    ) else {
        return pipeline;
    };
    for (k, v) in entries {
        let key = k.value.as_str().unwrap_or("");
        match key {
            "name" => pipeline.name = string(&v, "name", diags),
            "priority" => match v.value.as_i64() {
                Some(p) => pipeline.priority = p,
                None => diags.push(error("'priority' must be an integer", v.span())),
            },
            "vars" => pipeline.vars = read_vars(&v, diags),
            "transformations" => match v.value {
                Value::Sequence(_) => {
                    for (i, item) in v.items().iter().enumerate() {
                        if let Some(item) = read_item(item, i + 1, diags) {
                            pipeline.items.push(item);
                        }
                    }
                }
                Value::Null => {}
                _ => diags.push(error(
                    "'transformations' must be a list of processing items",
                    v.span(),
                )),
            },
            // Query post-processing, finalizers and backend names concern query backends:
            // an evaluator has no query to change, so they are read past.
            "postprocessing" | "finalizers" | "allowed_backends" => {}
            _ => diags.push(unknown_key("pipeline key", key, PIPELINE_KEYS, k.span())),
        }
    }
    pipeline
}

/// The entries of `node` when it is a mapping; otherwise `message` at it, and `None`.
fn mapping_entries<'a>(
    node: &Node<'a>,
    message: impl Into<String>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Vec<(Node<'a>, Node<'a>)>> {
    if node.value.is_mapping() {
        Some(node.entries())
    } else {
        diags.push(error(message, node.span()));
        None
    }
}

fn unknown_key(what: &str, key: &str, known: &[&str], span: Span) -> Diagnostic {
    let hint = did_you_mean(key, known.iter().copied())
        .map(|s| format!("; did you mean '{s}'?"))
        .unwrap_or_else(|| format!(" (known: {})", known.join(", ")));
    error(format!("unknown {what} '{key}'{hint}"), span)
}

/// `vars`: name → value or list of values (strings or numbers).
fn read_vars(node: &Node, diags: &mut Vec<Diagnostic>) -> BTreeMap<String, Vec<String>> {
    let mut vars = BTreeMap::new();
    if node.value.is_null() {
        return vars;
    }
    let Some(entries) = mapping_entries(
        node,
        "'vars' must map placeholder names to a value or a list of values",
        diags,
    ) else {
        return vars;
    };
    for (k, v) in entries {
        let Some(name) = k.value.as_str() else {
            diags.push(error("variable names must be strings", k.span()));
            continue;
        };
        let nodes = v.one_or_many();
        let mut values = Vec::new();
        for n in nodes {
            match scalar(&n) {
                Some(Scalar::Str(s)) => values.push(s),
                Some(Scalar::Number(x)) => values.push(x.to_string()),
                _ => diags.push(error(
                    format!("variable '{name}' holds a value that is not a string or a number"),
                    n.span(),
                )),
            }
        }
        vars.insert(name.to_string(), values);
    }
    vars
}

/// A plain YAML scalar as Sigma types it.
pub(crate) fn scalar(node: &Node) -> Option<Scalar> {
    Some(match node.value {
        Value::String(s) => Scalar::Str(s.clone()),
        Value::Bool(b) => Scalar::Bool(*b),
        Value::Null => Scalar::Null,
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Scalar::Number(Number::Int(i)),
            (None, Some(f)) if f.is_finite() => Scalar::Number(Number::Float(f)),
            _ => return None,
        },
        _ => return None,
    })
}

fn string(node: &Node, key: &str, diags: &mut Vec<Diagnostic>) -> Option<String> {
    match node.value {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        Value::Number(n) => Some(n.to_string()),
        _ => {
            diags.push(error(format!("'{key}' must be a string"), node.span()));
            None
        }
    }
}

/// The arguments of one transformation or condition: the keys of its mapping other than the
/// ones the item itself uses.
struct Args<'a> {
    what: String,
    entries: Vec<(Node<'a>, Node<'a>)>,
    span: Span,
}

impl<'a> Args<'a> {
    fn get(&self, key: &str) -> Option<Node<'a>> {
        self.entries
            .iter()
            .find(|(k, _)| k.value.as_str() == Some(key))
            .map(|(_, v)| *v)
    }

    /// Reports keys outside `allowed`.
    fn check(&self, allowed: &[&str], diags: &mut Vec<Diagnostic>) {
        for (k, _) in &self.entries {
            let key = k.value.as_str().unwrap_or("");
            if !allowed.contains(&key) {
                let takes = if allowed.is_empty() {
                    "it takes none".to_string()
                } else {
                    format!("it takes {}", allowed.join(", "))
                };
                diags.push(error(
                    format!("{} has no argument '{key}': {takes}", self.what),
                    k.span(),
                ));
            }
        }
    }

    fn required(&self, key: &str, diags: &mut Vec<Diagnostic>) -> Option<Node<'a>> {
        let found = self.get(key);
        if found.is_none() {
            diags.push(error(
                format!("{} needs the argument '{key}'", self.what),
                self.span,
            ));
        }
        found
    }

    fn string(&self, key: &str, required: bool, diags: &mut Vec<Diagnostic>) -> Option<String> {
        let node = if required {
            self.required(key, diags)?
        } else {
            self.get(key)?
        };
        string(&node, key, diags)
    }

    fn non_empty_string(&self, key: &str, diags: &mut Vec<Diagnostic>) -> Option<String> {
        let node = self.required(key, diags)?;
        match string(&node, key, diags) {
            Some(s) if !s.is_empty() => Some(s),
            Some(_) => {
                diags.push(error(
                    format!("{}: '{key}' must not be empty", self.what),
                    node.span(),
                ));
                None
            }
            None => None,
        }
    }

    fn bool(&self, key: &str, diags: &mut Vec<Diagnostic>) -> bool {
        match self.get(key) {
            None => false,
            Some(n) => match n.value {
                Value::Bool(b) => *b,
                _ => {
                    diags.push(error(format!("'{key}' must be true or false"), n.span()));
                    false
                }
            },
        }
    }

    fn scalar(&self, key: &str, diags: &mut Vec<Diagnostic>) -> Option<Scalar> {
        let node = self.required(key, diags)?;
        let value = scalar(&node);
        if value.is_none() {
            diags.push(error(
                format!("'{key}' must be a string, number, boolean or null"),
                node.span(),
            ));
        }
        value
    }

    fn string_list(&self, key: &str, diags: &mut Vec<Diagnostic>) -> Option<Vec<String>> {
        let node = self.get(key)?;
        let items = node.one_or_many();
        Some(items.iter().filter_map(|n| string(n, key, diags)).collect())
    }

    fn quantifier(&self, diags: &mut Vec<Diagnostic>) -> Quantifier {
        let Some(node) = self.get("cond") else {
            return Quantifier::Any;
        };
        match node.value.as_str() {
            Some("any") => Quantifier::Any,
            Some("all") => Quantifier::All,
            _ => {
                diags.push(error(
                    format!("{}: 'cond' must be 'any' or 'all'", self.what),
                    node.span(),
                ));
                Quantifier::Any
            }
        }
    }
}

/// The `type` of a processing item or condition (`what` names it in messages) and its other
/// keys (those `own` does not claim) as arguments; with the span of the type's value.
fn typed<'a>(
    node: &Node<'a>,
    what: &str,
    own: &dyn Fn(&str) -> bool,
    diags: &mut Vec<Diagnostic>,
) -> Option<(String, Args<'a>, Span)> {
    mapping_entries(
        node,
        format!("{what} must be a mapping with a 'type'"),
        diags,
    )?;
    let Some((type_key, type_node)) = node.get("type") else {
        diags.push(error(format!("{what} has no 'type'"), node.span()));
        return None;
    };
    let Some(type_name) = type_node.value.as_str() else {
        diags.push(error("'type' must be a string", type_node.span()));
        return None;
    };
    let args = Args {
        what: String::new(),
        entries: node
            .entries()
            .into_iter()
            .filter(|(k, _)| !k.value.as_str().is_some_and(|k| k == "type" || own(k)))
            .collect(),
        span: type_key.span().join(type_node.span()),
    };
    Some((type_name.to_string(), args, type_node.span()))
}

fn read_item(node: &Node, index: usize, diags: &mut Vec<Diagnostic>) -> Option<ProcessingItem> {
    let own = |key: &str| {
        key == "id"
            || IGNORED_ITEM_KEYS.contains(&key)
            || CONDITION_GROUPS.iter().any(|g| {
                key.strip_prefix(g).is_some_and(|rest| {
                    ["_conditions", "_cond_op", "_cond_not", "_cond_expr"].contains(&rest)
                })
            })
    };
    let (type_name, mut args, type_span) =
        typed(node, &format!("processing item {index}"), &own, diags)?;
    args.what = format!("transformation '{type_name}'");
    let id = match node.get("id") {
        Some((_, v)) => string(&v, "id", diags).filter(|s| !s.is_empty()),
        None => None,
    };
    let transformation = read_transformation(&type_name, &args, type_span, diags);
    let rule_conditions = conditions(node, "rule", read_rule_condition, diags);
    let detection_item_conditions =
        conditions(node, "detection_item", read_detection_item_condition, diags);
    let field_name_conditions = conditions(node, "field_name", read_field_name_condition, diags);
    Some(ProcessingItem {
        id,
        transformation: transformation?,
        rule_conditions,
        detection_item_conditions,
        field_name_conditions,
        span: node.span(),
    })
}

/// A mapping of `field → name or list of names`; an empty target name is an error.
fn read_mapping(args: &Args, diags: &mut Vec<Diagnostic>) -> Vec<(String, Vec<String>)> {
    let Some(node) = args.required("mapping", diags) else {
        return Vec::new();
    };
    let message = format!(
        "{}: 'mapping' must map names to a name or a list of names",
        args.what
    );
    let Some(entries) = mapping_entries(&node, message, diags) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, v) in entries {
        let Some(from) = string(&k, "mapping", diags) else {
            continue;
        };
        let targets = v.one_or_many();
        let mut names = Vec::new();
        for t in &targets {
            match string(t, "mapping", diags) {
                Some(name) if !name.is_empty() => names.push(name),
                _ => diags.push(error(
                    format!("{}: '{from}' is mapped to an empty name", args.what),
                    t.span(),
                )),
            }
        }
        if targets.is_empty() {
            diags.push(error(
                format!("{}: '{from}' is mapped to an empty list", args.what),
                v.span(),
            ));
        }
        out.push((from, names));
    }
    out
}

fn read_transformation(
    type_name: &str,
    args: &Args,
    type_span: Span,
    diags: &mut Vec<Diagnostic>,
) -> Option<Transformation> {
    use Transformation as T;
    let before = diags.len();
    let t = match type_name {
        "field_name_mapping" | "field_name_prefix_mapping" => {
            args.check(&["mapping"], diags);
            let mapping = read_mapping(args, diags);
            if type_name == "field_name_mapping" {
                T::FieldNameMapping(mapping)
            } else {
                T::FieldNamePrefixMapping(mapping)
            }
        }
        "field_name_prefix" => {
            args.check(&["prefix"], diags);
            T::FieldNamePrefix(args.non_empty_string("prefix", diags)?)
        }
        "field_name_suffix" => {
            args.check(&["suffix"], diags);
            T::FieldNameSuffix(args.non_empty_string("suffix", diags)?)
        }
        "drop_detection_item" => {
            args.check(&[], diags);
            T::DropDetectionItem
        }
        "add_condition" => read_add_condition(args, diags)?,
        "change_logsource" => {
            let (category, product, service) = logsource_args(args, diags);
            T::ChangeLogsource {
                category,
                product,
                service,
            }
        }
        "replace_string" => {
            args.check(
                &["regex", "replacement", "skip_special", "interpret_special"],
                diags,
            );
            let regex = regex_arg(args, "regex", false, diags)?;
            T::ReplaceString {
                regex,
                replacement: python_replacement(&args.string("replacement", true, diags)?),
                skip_special: args.bool("skip_special", diags),
            }
        }
        "map_string" => {
            args.check(&["mapping"], diags);
            T::MapString(read_mapping(args, diags))
        }
        "set_value" => read_set_value(args, diags)?,
        "convert_type" => {
            args.check(&["target_type"], diags);
            let node = args.required("target_type", diags)?;
            match node.value.as_str() {
                Some("str") => T::ConvertType(TargetType::Str),
                Some("num") => T::ConvertType(TargetType::Num),
                _ => {
                    diags.push(error("'target_type' must be 'str' or 'num'", node.span()));
                    return None;
                }
            }
        }
        "value_placeholders" | "wildcard_placeholders" => {
            args.check(&["include", "exclude"], diags);
            let selection = PlaceholderSelection {
                include: args.string_list("include", diags),
                exclude: args.string_list("exclude", diags),
            };
            if selection.include.is_some() && selection.exclude.is_some() {
                diags.push(error(
                    format!("{}: 'include' and 'exclude' exclude each other", args.what),
                    args.span,
                ));
            }
            if type_name == "value_placeholders" {
                T::ValuePlaceholders(selection)
            } else {
                T::WildcardPlaceholders(selection)
            }
        }
        "set_state" => {
            args.check(&["key", "val"], diags);
            T::SetState {
                key: args.string("key", true, diags)?,
                value: args.scalar("val", diags)?,
            }
        }
        "rule_failure" | "detection_item_failure" => {
            args.check(&["message"], diags);
            let message = args.string("message", true, diags)?;
            if type_name == "rule_failure" {
                T::RuleFailure(message)
            } else {
                T::DetectionItemFailure(message)
            }
        }
        other => {
            diags.push(unknown_type(
                "transformation",
                other,
                TRANSFORMATIONS,
                UNSUPPORTED_TRANSFORMATIONS,
                type_span,
            ));
            return None;
        }
    };
    (diags.len() == before).then_some(t)
}

fn unknown_type(
    what: &str,
    name: &str,
    known: &[&str],
    unsupported: &[&str],
    span: Span,
) -> Diagnostic {
    if unsupported.contains(&name) {
        return error(
            format!("the {what} type '{name}' (pySigma) is not supported by this engine"),
            span,
        );
    }
    unknown_key(&format!("{what} type"), name, known, span)
}

fn read_add_condition(args: &Args, diags: &mut Vec<Diagnostic>) -> Option<Transformation> {
    args.check(&["conditions", "name", "template", "negated"], diags);
    let node = args.required("conditions", diags)?;
    let entries = mapping_entries(
        &node,
        "'conditions' must map field names to a value or a list of values",
        diags,
    )?;
    let mut conditions = Vec::new();
    for (k, v) in entries {
        let field = string(&k, "conditions", diags)?;
        let nodes = v.one_or_many();
        let mut values = Vec::new();
        for n in nodes {
            match scalar(&n) {
                Some(s) => values.push(s),
                None => diags.push(error(
                    format!("the condition on '{field}' holds a value that is not a plain value"),
                    n.span(),
                )),
            }
        }
        conditions.push((field, values));
    }
    Some(Transformation::AddCondition {
        conditions,
        template: args.bool("template", diags),
        negated: args.bool("negated", diags),
    })
}

fn read_set_value(args: &Args, diags: &mut Vec<Diagnostic>) -> Option<Transformation> {
    args.check(&["value", "force_type"], diags);
    let value = args.scalar("value", diags)?;
    let forced = match args.get("force_type") {
        None => return Some(Transformation::SetValue(value)),
        Some(n) => (n.value.as_str().map(str::to_string), n.span()),
    };
    let text = match &value {
        Scalar::Str(s) => s.clone(),
        Scalar::Number(n) => n.to_string(),
        _ => {
            diags.push(error(
                "'force_type' needs a string or number 'value'",
                forced.1,
            ));
            return None;
        }
    };
    let value = match forced.0.as_deref() {
        Some("str") => Scalar::Str(text),
        Some("num") => match parse_number(&text) {
            Some(n) => Scalar::Number(n),
            None => {
                diags.push(error(format!("'{text}' is not a number"), forced.1));
                return None;
            }
        },
        _ => {
            diags.push(error("'force_type' must be 'str' or 'num'", forced.1));
            return None;
        }
    };
    Some(Transformation::SetValue(value))
}

pub(crate) fn parse_number(text: &str) -> Option<Number> {
    let t = text.trim();
    if let Ok(i) = t.parse::<i64>() {
        return Some(Number::Int(i));
    }
    t.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .map(Number::Float)
}

/// Python's `re.sub` replacement syntax (`\1`, `\g<name>`) in the `regex` crate's (`${1}`).
fn python_replacement(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '$' => out.push_str("$$"),
            '\\' => match chars.peek().copied() {
                Some(d) if d.is_ascii_digit() => {
                    let mut n = String::new();
                    while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                        n.push(d);
                        chars.next();
                    }
                    out.push_str(&format!("${{{n}}}"));
                }
                Some('g') => {
                    chars.next();
                    let mut name = String::new();
                    if chars.peek() == Some(&'<') {
                        chars.next();
                        for d in chars.by_ref() {
                            if d == '>' {
                                break;
                            }
                            name.push(d);
                        }
                    }
                    out.push_str(&format!("${{{name}}}"));
                }
                Some('n') => {
                    chars.next();
                    out.push('\n');
                }
                Some('t') => {
                    chars.next();
                    out.push('\t');
                }
                Some('\\') => {
                    chars.next();
                    out.push('\\');
                }
                _ => out.push('\\'),
            },
            c => out.push(c),
        }
    }
    out
}

/// A regular expression argument; `anchored` makes it match at the start only (`re.match`).
fn regex_arg(
    args: &Args,
    key: &str,
    anchored: bool,
    diags: &mut Vec<Diagnostic>,
) -> Option<regex::Regex> {
    let node = args.required(key, diags)?;
    let text = string(&node, key, diags)?;
    compile_regex(&text, anchored, node.span(), diags)
}

fn compile_regex(
    text: &str,
    anchored: bool,
    span: Span,
    diags: &mut Vec<Diagnostic>,
) -> Option<regex::Regex> {
    if let Some(why) = unsupported_unicode_class(text, RegexFlavor::PythonRe) {
        diags.push(error(
            format!("the regular expression '{text}' is invalid: {why}"),
            span,
        ));
        return None;
    }
    let pattern = if anchored {
        format!("^(?:{text})")
    } else {
        text.to_string()
    };
    match regex::RegexBuilder::new(&pattern)
        .size_limit(1 << 20)
        .build()
    {
        Ok(r) => Some(r),
        Err(e) => {
            let detail = e.to_string();
            let last = detail.lines().last().unwrap_or("").trim().to_string();
            diags.push(error(
                format!("the regular expression '{text}' is invalid: {last}"),
                span,
            ));
            None
        }
    }
}

/// Reads one condition of a group from its type name and arguments.
type ConditionReader<C> = fn(&str, &Args, Span, &mut Vec<Diagnostic>) -> Option<C>;

/// `{group}_conditions` with `{group}_cond_op`, `_cond_not` and `_cond_expr`.
fn conditions<C>(
    item: &Node,
    group: &str,
    read: ConditionReader<C>,
    diags: &mut Vec<Diagnostic>,
) -> Conditions<C> {
    let mut out = Conditions::default();
    let key = |suffix: &str| item.get(&format!("{group}{suffix}"));
    let mut named = false;
    if let Some((_, list)) = key("_conditions") {
        let defs: Vec<(Option<String>, Node)> = match list.value {
            Value::Sequence(_) => list.items().into_iter().map(|n| (None, n)).collect(),
            Value::Mapping(_) => {
                named = true;
                list.entries()
                    .into_iter()
                    .map(|(k, v)| (k.value.as_str().map(str::to_string), v))
                    .collect()
            }
            Value::Null => Vec::new(),
            _ => {
                diags.push(error(
                    format!(
                        "'{group}_conditions' must be a list (or a mapping of named conditions)"
                    ),
                    list.span(),
                ));
                Vec::new()
            }
        };
        for (name, def) in defs {
            if let Some(c) = read_condition(group, &def, read, diags) {
                out.list.push((name, c));
            }
        }
    }
    if let Some((_, not)) = key("_cond_not") {
        match not.value {
            Value::Bool(b) => out.negated = *b,
            _ => diags.push(error(
                format!("'{group}_cond_not' must be true or false"),
                not.span(),
            )),
        }
    }
    let op = key("_cond_op");
    if let Some((_, op)) = op {
        match op.value.as_str() {
            Some("and") => out.linking = Linking::All,
            Some("or") => out.linking = Linking::Any,
            _ => diags.push(error(
                format!("'{group}_cond_op' must be 'and' or 'or'"),
                op.span(),
            )),
        }
    }
    if let Some((k, expr)) = key("_cond_expr") {
        if op.is_some() {
            diags.push(error(
                format!("'{group}_cond_expr' and '{group}_cond_op' exclude each other"),
                k.span(),
            ));
        } else if !named {
            diags.push(error(
                format!("'{group}_cond_expr' needs '{group}_conditions' as a mapping from names to conditions"),
                k.span(),
            ));
        } else if let Some(text) = expr.value.as_str() {
            let names: Vec<&str> = out.list.iter().filter_map(|(n, _)| n.as_deref()).collect();
            match super::cond_expr::parse(text, &names) {
                Ok(e) => out.linking = Linking::Expr(e),
                Err((msg, at)) => {
                    let q = usize::from(expr.quoted());
                    diags.push(error(msg, expr.span().sub(q + at, q + at + 1)));
                }
            }
        } else {
            diags.push(error(
                format!("'{group}_cond_expr' must be a string"),
                expr.span(),
            ));
        }
    }
    out
}

fn read_condition<C>(
    group: &str,
    def: &Node,
    read: ConditionReader<C>,
    diags: &mut Vec<Diagnostic>,
) -> Option<C> {
    let what = group.replace('_', " ");
    let (type_name, mut args, type_span) =
        typed(def, &format!("a {what} condition"), &|_| false, diags)?;
    args.what = format!("{what} condition '{type_name}'");
    let before = diags.len();
    let c = read(&type_name, &args, type_span, diags);
    c.filter(|_| diags.len() == before)
}

const RULE_CONDITIONS: &[&str] = &[
    "logsource",
    "contains_detection_item",
    "processing_item_applied",
    "processing_state",
    "contains_field",
    "tag",
    "is_sigma_rule",
    "is_sigma_correlation_rule",
];

fn read_rule_condition(
    type_name: &str,
    args: &Args,
    type_span: Span,
    diags: &mut Vec<Diagnostic>,
) -> Option<RuleCondition> {
    Some(match type_name {
        "logsource" => {
            let (category, product, service) = logsource_args(args, diags);
            RuleCondition::Logsource {
                category,
                product,
                service,
            }
        }
        "contains_detection_item" => {
            args.check(&["field", "value"], diags);
            RuleCondition::ContainsDetectionItem {
                field: args.string("field", true, diags)?,
                value: args.scalar("value", diags)?,
            }
        }
        "processing_item_applied" => RuleCondition::ProcessingItemApplied(applied_id(args, diags)?),
        "processing_state" => RuleCondition::ProcessingState(state_test(args, diags)?),
        "contains_field" => {
            args.check(&["field"], diags);
            RuleCondition::ContainsField(args.string("field", true, diags)?)
        }
        "tag" => {
            args.check(&["tag"], diags);
            RuleCondition::Tag(args.string("tag", true, diags)?)
        }
        "is_sigma_rule" | "is_sigma_correlation_rule" => {
            args.check(&[], diags);
            RuleCondition::IsDetectionRule(type_name == "is_sigma_rule")
        }
        other => {
            diags.push(unknown_type(
                "rule condition",
                other,
                RULE_CONDITIONS,
                &["rule_attribute"],
                type_span,
            ));
            return None;
        }
    })
}

/// `category`, `product`, `service` (each optional).
type LogsourceArgs = (Option<String>, Option<String>, Option<String>);

fn logsource_args(args: &Args, diags: &mut Vec<Diagnostic>) -> LogsourceArgs {
    args.check(&["category", "product", "service"], diags);
    (
        args.string("category", false, diags),
        args.string("product", false, diags),
        args.string("service", false, diags),
    )
}

/// The `processing_item_id` of a `processing_item_applied` condition.
fn applied_id(args: &Args, diags: &mut Vec<Diagnostic>) -> Option<String> {
    args.check(&["processing_item_id"], diags);
    args.string("processing_item_id", true, diags)
}

fn state_test(args: &Args, diags: &mut Vec<Diagnostic>) -> Option<StateTest> {
    args.check(&["key", "val", "op"], diags);
    let op = match args.get("op") {
        None => StateOp::Eq,
        Some(n) => match n.value.as_str() {
            Some("eq") => StateOp::Eq,
            Some("ne") => StateOp::Ne,
            Some("gte") => StateOp::Gte,
            Some("gt") => StateOp::Gt,
            Some("lte") => StateOp::Lte,
            Some("lt") => StateOp::Lt,
            _ => {
                diags.push(error(
                    "'op' must be one of eq, ne, gte, gt, lte, lt",
                    n.span(),
                ));
                return None;
            }
        },
    };
    Some(StateTest {
        key: args.string("key", true, diags)?,
        value: args.scalar("val", diags)?,
        op,
    })
}

const DETECTION_ITEM_CONDITIONS: &[&str] = &[
    "match_string",
    "match_value",
    "is_null",
    "contains_wildcard",
    "processing_item_applied",
    "processing_state",
];

fn read_detection_item_condition(
    type_name: &str,
    args: &Args,
    type_span: Span,
    diags: &mut Vec<Diagnostic>,
) -> Option<DetectionItemCondition> {
    use DetectionItemCondition as D;
    Some(match type_name {
        "match_string" => {
            args.check(&["pattern", "cond", "negate"], diags);
            D::MatchString {
                regex: regex_arg(args, "pattern", true, diags)?,
                quantifier: args.quantifier(diags),
                negate: args.bool("negate", diags),
            }
        }
        "match_value" => {
            args.check(&["value", "cond"], diags);
            D::MatchValue {
                value: args.scalar("value", diags)?,
                quantifier: args.quantifier(diags),
            }
        }
        "is_null" | "contains_wildcard" => {
            args.check(&["cond"], diags);
            let q = args.quantifier(diags);
            if type_name == "is_null" {
                D::IsNull(q)
            } else {
                D::ContainsWildcard(q)
            }
        }
        "processing_item_applied" => D::ProcessingItemApplied(applied_id(args, diags)?),
        "processing_state" => D::ProcessingState(state_test(args, diags)?),
        other => {
            diags.push(unknown_type(
                "detection item condition",
                other,
                DETECTION_ITEM_CONDITIONS,
                &[],
                type_span,
            ));
            return None;
        }
    })
}

const FIELD_NAME_CONDITIONS: &[&str] = &[
    "include_fields",
    "exclude_fields",
    "processing_item_applied",
    "processing_state",
];

fn read_field_name_condition(
    type_name: &str,
    args: &Args,
    type_span: Span,
    diags: &mut Vec<Diagnostic>,
) -> Option<FieldNameCondition> {
    use FieldNameCondition as F;
    Some(match type_name {
        "include_fields" | "exclude_fields" => {
            args.check(&["fields", "mode"], diags);
            let fields_node = args.required("fields", diags)?;
            let fields = args.string_list("fields", diags)?;
            let names = match args.get("mode").map(|n| (n.value.as_str(), n.span())) {
                None | Some((Some("plain"), _)) => FieldNames::Plain(fields),
                Some((Some("re"), _)) => FieldNames::Patterns(
                    fields
                        .iter()
                        .filter_map(|f| compile_regex(f, true, fields_node.span(), diags))
                        .collect(),
                ),
                Some((_, span)) => {
                    diags.push(error("'mode' must be 'plain' or 're'", span));
                    return None;
                }
            };
            F::Fields {
                names,
                exclude: type_name == "exclude_fields",
            }
        }
        "processing_item_applied" => F::ProcessingItemApplied(applied_id(args, diags)?),
        "processing_state" => F::ProcessingState(state_test(args, diags)?),
        other => {
            diags.push(unknown_type(
                "field name condition",
                other,
                FIELD_NAME_CONDITIONS,
                &[],
                type_span,
            ));
            return None;
        }
    })
}

/// Reads placeholder values from YAML (name → value or list of values), the format of a
/// pipeline's `vars` and of `sigmaplay --vars FILE`.
pub fn parse_vars(text: &str) -> Result<BTreeMap<String, Vec<String>>, Vec<Diagnostic>> {
    let map = SourceMap::new(text);
    let (docs, mut diags) = yaml::load(text, &map);
    let vars = match docs.iter().find(|d| !d.value.is_null()) {
        Some(doc) => read_vars(&doc.root(), &mut diags),
        None => BTreeMap::new(),
    };
    if diags.iter().any(Diagnostic::is_error) {
        return Err(diags.into_iter().map(|d| d.locate(&map)).collect());
    }
    Ok(vars)
}
