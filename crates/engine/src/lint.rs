//! Lint: pySigma's core validators that need no external data (§11.3 of the reference), as
//! warnings with the validator's name as the code. Errors are the parser's business; these are
//! rules that load but are probably not what the author meant.

use crate::condition::{self, Expr, Quantifier};
use crate::diag::Diagnostic;
use crate::modifier::{Modifier, Scalar};
use crate::rule::{DetectionItem, Rule};
use crate::span::Span;
use crate::value::{Part, SigmaString};

const TAG_NAMESPACES: &[&str] = &["attack", "car", "cve", "d3fend", "detection", "stp", "tlp"];
const TYPO_ATTRIBUTES: &[&str] = &["realted", "relatde", "relted", "rlated", "reference"];

/// Every validator, in a stable order: (code, what it checks).
pub const VALIDATORS: &[(&str, &str)] = &[
    ("all_of_them_condition", "the condition uses 'all of them'"),
    (
        "them_condition_with_single_detection",
        "'1 of them' / 'all of them' with a single search identifier",
    ),
    (
        "dangling_detection",
        "a search identifier the condition never uses",
    ),
    (
        "invalid_modifier_combinations",
        "modifiers that cannot work together",
    ),
    ("all_with_single_value", "'all' on a single value"),
    ("control_character", "control characters in values"),
    ("double_wildcard", "'**' in values"),
    ("escaped_wildcard", "escaped wildcards in values"),
    ("number_as_string", "numbers written as strings"),
    (
        "wildcards_instead_of_modifiers",
        "'*x*' instead of |contains (and so on)",
    ),
    ("identifier_existence", "the rule has no id"),
    ("duplicate_tag", "a tag given twice"),
    ("duplicate_references", "a reference given twice"),
    (
        "tag_format",
        "a tag not written namespace.name in lowercase",
    ),
    ("namespace_tag", "a tag namespace Sigma does not define"),
    ("fieldname_logsource", "unknown keys in logsource"),
    (
        "custom_attributes",
        "misspelt attribute names (realted, reference...)",
    ),
];

pub fn check_rule(rule: &Rule, _source: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut warn =
        |code: &str, msg: String, span: Span| out.push(Diagnostic::warning(code, msg, Some(span)));
    let names = rule.detection.names();

    // Conditions.
    let mut used = vec![false; names.len()];
    for c in &rule.detection.conditions {
        condition::walk(&c.expr, &mut |e| match e {
            Expr::Ident(n, _) => {
                if let Some(i) = names.iter().position(|x| x == n) {
                    used[i] = true;
                }
            }
            Expr::Of {
                quantifier,
                pattern,
                span,
            } => {
                for n in condition::select(pattern, &names) {
                    if let Some(i) = names.iter().position(|x| x == n) {
                        used[i] = true;
                    }
                }
                if pattern == "them" {
                    if *quantifier == Quantifier::All {
                        warn(
                            "all_of_them_condition",
                            "'all of them' is discouraged: name the identifiers, or use a pattern"
                                .into(),
                            *span,
                        );
                    }
                    if names.len() == 1 {
                        warn(
                            "them_condition_with_single_detection",
                            format!(
                                "'of them' with a single search identifier: write '{}'",
                                names[0]
                            ),
                            *span,
                        );
                    }
                }
            }
            _ => {}
        });
    }
    for (s, used) in rule.detection.searches.iter().zip(&used) {
        if !used {
            warn(
                "dangling_detection",
                format!("'{}' is never used by the condition", s.name),
                s.span,
            );
        }
    }

    // Items and values.
    for s in &rule.detection.searches {
        for item in s.body.items() {
            lint_item(item, &mut warn);
        }
    }

    // Metadata.
    if rule.id.is_none() {
        warn(
            "identifier_existence",
            "the rule has no 'id': give it a UUID so it can be referenced".into(),
            rule.title_span,
        );
    }
    let mut seen = Vec::new();
    for (t, span) in &rule.tags {
        if seen.contains(&t) {
            warn(
                "duplicate_tag",
                format!("the tag '{t}' is given twice"),
                *span,
            );
        }
        seen.push(t);
        let ok_format = t.split_once('.').is_some_and(|(ns, name)| {
            !ns.is_empty()
                && !name.is_empty()
                && ns
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
                && name.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
                })
        });
        if !ok_format {
            warn(
                "tag_format",
                format!("the tag '{t}' should be lowercase namespace.name (like attack.t1059.001)"),
                *span,
            );
        }
        if let Some((ns, _)) = t.split_once('.') {
            if !TAG_NAMESPACES.contains(&ns) {
                warn(
                    "namespace_tag",
                    format!(
                        "'{ns}' is not a Sigma tag namespace ({})",
                        TAG_NAMESPACES.join(", ")
                    ),
                    *span,
                );
            }
        }
    }
    let mut seen = Vec::new();
    for (r, span) in &rule.references {
        if seen.contains(&r) {
            warn(
                "duplicate_references",
                format!("the reference '{r}' is given twice"),
                *span,
            );
        }
        seen.push(r);
    }
    for (k, span) in &rule.logsource_extra {
        warn(
            "fieldname_logsource",
            format!("'{k}' is not a logsource key (category, product, service, definition)"),
            *span,
        );
    }
    for (k, span) in &rule.custom_keys {
        if TYPO_ATTRIBUTES.contains(&k.as_str()) {
            let fix = if k == "reference" {
                "references"
            } else {
                "related"
            };
            warn(
                "custom_attributes",
                format!("'{k}' looks like a misspelling of '{fix}'"),
                *span,
            );
        }
    }
    out
}

fn lint_item(item: &DetectionItem, warn: &mut impl FnMut(&str, String, Span)) {
    let m = &item.modifiers;
    let has = |x: Modifier| m.contains(&x);
    if item.field.is_some()
        && has(Modifier::All)
        && !has(Modifier::Contains)
        && item.values.len() > 1
        && !has(Modifier::Re)
    {
        warn(
            "invalid_modifier_combinations",
            "'all' without 'contains' on a field: one value cannot equal several different values, so this never matches".into(),
            item.key_span,
        );
    }
    if has(Modifier::Base64Offset) && !has(Modifier::Contains) {
        warn(
            "invalid_modifier_combinations",
            "'base64offset' without 'contains': the offset variants only make sense inside a longer value".into(),
            item.key_span,
        );
    }
    if has(Modifier::Windash) && has(Modifier::All) {
        warn(
            "invalid_modifier_combinations",
            "'windash' with 'all' requires every variant list at once; check the intent".into(),
            item.key_span,
        );
    }
    for (i, x) in m.iter().enumerate() {
        if *x != Modifier::Base64 && m[..i].contains(x) {
            warn(
                "invalid_modifier_combinations",
                format!("the modifier '{}' is given twice", x.name()),
                item.modifier_spans.get(i).copied().unwrap_or(item.key_span),
            );
        }
    }
    if has(Modifier::All) && item.values.len() == 1 {
        warn(
            "all_with_single_value",
            "'all' on a single value changes nothing".into(),
            item.key_span,
        );
    }
    let raw = has(Modifier::Re) || has(Modifier::Cidr) || has(Modifier::FieldRef);
    for v in &item.values {
        let Scalar::Str(s) = &v.scalar else { continue };
        if s.chars().any(|c| (c as u32) < 0x20) {
            warn("control_character", "the value holds a control character (a tab or a newline from a double-quoted string?)".into(), v.span);
        }
        if raw {
            continue;
        }
        let parsed = SigmaString::parse(s);
        if s.contains("**")
            && parsed
                .parts
                .windows(2)
                .any(|w| w == [Part::AnyMany, Part::AnyMany])
        {
            warn("double_wildcard", "'**' is the same as '*'".into(), v.span);
        }
        if parsed
            .parts
            .iter()
            .any(|p| matches!(p, Part::Lit(l) if l.contains('*') || l.contains('?')))
        {
            warn(
                "escaped_wildcard",
                "the value holds an escaped wildcard (a literal * or ?); make sure that is meant"
                    .into(),
                v.span,
            );
        }
        let t = s.trim();
        if v.quoted
            && !t.is_empty()
            && t == s
            && t.parse::<i64>().is_ok()
            && item.field.is_some()
            && m.is_empty()
        {
            warn(
                "number_as_string",
                format!("'{s}' is a number written as a string; write {s} without quotes"),
                v.span,
            );
        }
        if m.is_empty() && item.field.is_some() {
            let p = &parsed.parts;
            let suggestion = match p.as_slice() {
                [Part::AnyMany, Part::Lit(_), Part::AnyMany] => Some("contains"),
                [Part::AnyMany, Part::Lit(_)] => Some("endswith"),
                [Part::Lit(_), Part::AnyMany] => Some("startswith"),
                _ => None,
            };
            if let Some(sug) = suggestion {
                warn(
                    "wildcards_instead_of_modifiers",
                    format!("'{s}' uses wildcards where the modifier '|{sug}' says it plainly"),
                    v.span,
                );
            }
        }
    }
}
