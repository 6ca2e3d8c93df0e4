//! Lint: pySigma's core validators that need no external data (§11.3 of the reference), as
//! warnings with the validator's name as the code. Errors are the parser's business; these are
//! rules that load but are probably not what the author meant.

use crate::rule::condition::{self, Expr, Quantifier};
use crate::rule::modifier::{Modifier, Scalar};
use crate::rule::value::{Part, SigmaString};
use crate::rule::{DetectionItem, Rule};
use crate::source::Diagnostic;
use crate::source::DiagnosticCode as Code;
use crate::source::Span;

const TAG_NAMESPACES: &[&str] = &["attack", "car", "cve", "d3fend", "detection", "stp", "tlp"];
const TYPO_ATTRIBUTES: &[&str] = &["realted", "relatde", "relted", "rlated", "reference"];

pub fn check_rule(rule: &Rule) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut warn =
        |code: Code, msg: String, span: Span| out.push(Diagnostic::warning(code, msg, Some(span)));
    let names = rule.detection.names();

    // Conditions.
    let mut used = vec![false; names.len()];
    for c in &rule.detection.conditions {
        condition::walk(c, &mut |e| match e {
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
                            Code::AllOfThemCondition,
                            "'all of them' is discouraged: name the identifiers, or use a pattern"
                                .into(),
                            *span,
                        );
                    }
                    if names.len() == 1 {
                        warn(
                            Code::ThemConditionWithSingleDetection,
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
                Code::DanglingDetection,
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
            Code::IdentifierExistence,
            "the rule has no 'id': give it a UUID so it can be referenced".into(),
            rule.title_span,
        );
    }
    let mut seen = Vec::new();
    for (t, span) in &rule.tags {
        if seen.contains(&t) {
            warn(
                Code::DuplicateTag,
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
                Code::TagFormat,
                format!("the tag '{t}' should be lowercase namespace.name (like attack.t1059.001)"),
                *span,
            );
        }
        if let Some((ns, _)) = t.split_once('.') {
            if !TAG_NAMESPACES.contains(&ns) {
                warn(
                    Code::NamespaceTag,
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
                Code::DuplicateReferences,
                format!("the reference '{r}' is given twice"),
                *span,
            );
        }
        seen.push(r);
    }
    for (k, span) in &rule.logsource_extra {
        warn(
            Code::FieldnameLogsource,
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
                Code::CustomAttributes,
                format!("'{k}' looks like a misspelling of '{fix}'"),
                *span,
            );
        }
    }
    out
}

fn lint_item(item: &DetectionItem, warn: &mut impl FnMut(Code, String, Span)) {
    let m = &item.modifiers;
    let has = |x: Modifier| m.contains(&x);
    if item.field.is_some()
        && has(Modifier::All)
        && !has(Modifier::Contains)
        && item.values.len() > 1
        && !has(Modifier::Re)
    {
        warn(
            Code::InvalidModifierCombinations,
            "'all' without 'contains' on a field: one value cannot equal several different values, so this never matches".into(),
            item.key_span,
        );
    }
    if has(Modifier::Base64Offset) && !has(Modifier::Contains) {
        warn(
            Code::InvalidModifierCombinations,
            "'base64offset' without 'contains': the offset variants only make sense inside a longer value".into(),
            item.key_span,
        );
    }
    if has(Modifier::Windash) && has(Modifier::All) {
        warn(
            Code::InvalidModifierCombinations,
            "'windash' with 'all' requires every variant list at once; check the intent".into(),
            item.key_span,
        );
    }
    for (i, x) in m.iter().enumerate() {
        if *x != Modifier::Base64 && m[..i].contains(x) {
            warn(
                Code::InvalidModifierCombinations,
                format!("the modifier '{}' is given twice", x.name()),
                item.modifier_spans.get(i).copied().unwrap_or(item.key_span),
            );
        }
    }
    if has(Modifier::All) && item.values.len() == 1 {
        warn(
            Code::AllWithSingleValue,
            "'all' on a single value changes nothing".into(),
            item.key_span,
        );
    }
    let raw = has(Modifier::Re) || has(Modifier::Cidr) || has(Modifier::FieldRef);
    for v in &item.values {
        let Scalar::Str(s) = &v.scalar else { continue };
        if s.chars().any(|c| (c as u32) < 0x20) {
            warn(Code::ControlCharacter, "the value holds a control character (a tab or a newline from a double-quoted string?)".into(), v.span);
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
            warn(
                Code::DoubleWildcard,
                "'**' is the same as '*'".into(),
                v.span,
            );
        }
        if parsed
            .parts
            .iter()
            .any(|p| matches!(p, Part::Lit(l) if l.contains('*') || l.contains('?')))
        {
            warn(
                Code::EscapedWildcard,
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
                Code::NumberAsString,
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
                    Code::WildcardsInsteadOfModifiers,
                    format!("'{s}' uses wildcards where the modifier '|{sug}' says it plainly"),
                    v.span,
                );
            }
        }
    }
}
