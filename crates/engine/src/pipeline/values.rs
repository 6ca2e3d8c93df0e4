//! Values as a pipeline sees them: after the item's modifiers (pySigma applies modifiers when it
//! reads a rule, so `contains` shows as `*x*`), and the value transformations over them.

use super::model::{PlaceholderSelection, TargetType, Transformation};
use crate::rule::modifier::{self, Modifier, Scalar, Variant};
use crate::rule::value::{Part, Pattern, SigmaString};
use crate::rule::{DetectionItem, WrittenValue};
use crate::source::Diagnostic;
use std::collections::BTreeMap;

/// One value of an item as pySigma holds it: a single typed value, or the OR-group that
/// `windash` / `base64offset` make (pySigma's `SigmaExpansion`), or one the modifiers reject.
#[derive(Clone, Debug)]
pub enum ValueView {
    One(Pattern),
    #[cfg_attr(
        not(test),
        allow(dead_code, reason = "its patterns are read by the fixture comparison")
    )]
    Expansion(Vec<Pattern>),
    Invalid,
}

impl ValueView {
    /// pySigma's `MatchValueCondition`: `==` between a typed value and a YAML value, where a
    /// string parses wildcards, a number also equals a boolean (Python's `True == 1`) and null
    /// equals nothing.
    pub fn equals_typed(&self, value: &Scalar) -> bool {
        match (self, value) {
            (ValueView::One(Pattern::Str { s, .. }), Scalar::Str(v)) => *s == SigmaString::parse(v),
            (ValueView::One(Pattern::Number(n)), Scalar::Number(m)) => n.as_f64() == m.as_f64(),
            (ValueView::One(Pattern::Number(n)), Scalar::Bool(b)) => {
                n.as_f64() == f64::from(u8::from(*b))
            }
            (ValueView::One(Pattern::Bool(a)), Scalar::Bool(b)) => a == b,
            _ => false,
        }
    }

    /// Typed equality where null equals null (pySigma's `contains_detection_item`).
    pub fn same_value(&self, value: &Scalar) -> bool {
        match (self, value) {
            (ValueView::One(Pattern::Null), Scalar::Null) => true,
            (ValueView::One(Pattern::Number(_)), Scalar::Bool(_)) => false,
            _ => self.equals_typed(value),
        }
    }

    /// A string value written as pySigma's `str()` shows it (`to_plain`).
    pub fn plain_string(&self) -> Option<String> {
        match self {
            ValueView::One(Pattern::Str { s, .. }) => Some(plain(s)),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, ValueView::One(Pattern::Null))
    }

    pub fn has_wildcards(&self) -> bool {
        matches!(self, ValueView::One(Pattern::Str { s, .. }) if s.has_wildcards())
    }
}

/// pySigma's `SigmaString.to_plain()`: wildcards as `*` `?`, literal ones escaped, backslashes
/// as they are.
pub fn plain(s: &SigmaString) -> String {
    s.display()
}

/// A Sigma string as a rule would write it: `*` `?` wildcards, `\*` `\?` literal ones, a
/// backslash doubled only where it would otherwise escape what follows, `%name%` placeholders.
pub fn sigma_text(s: &SigmaString) -> String {
    let mut out = String::new();
    for (i, p) in s.parts.iter().enumerate() {
        let Part::Lit(l) = p else {
            out.push_str(
                &SigmaString {
                    parts: vec![p.clone()],
                    bytes: s.bytes,
                }
                .display(),
            );
            continue;
        };
        let chars: Vec<char> = l.chars().collect();
        for (j, &c) in chars.iter().enumerate() {
            match c {
                '\\' => {
                    let escapes = match chars.get(j + 1) {
                        Some(n) => matches!(n, '*' | '?' | '\\'),
                        None => match s.parts.get(i + 1) {
                            Some(Part::AnyMany | Part::AnyOne) => true,
                            Some(Part::Lit(n)) => n.starts_with(['*', '?', '\\']),
                            _ => false,
                        },
                    };
                    out.push_str(if escapes { "\\\\" } else { "\\" });
                }
                '*' | '?' => {
                    out.push('\\');
                    out.push(c);
                }
                c => out.push(c),
            }
        }
    }
    out
}

/// The value after its modifiers, placeholders left as they are written.
pub fn view(item: &DetectionItem, value: &WrittenValue) -> ValueView {
    if let Some(replaced) = &value.replaced {
        return match replaced.as_slice() {
            [(p, _)] => ValueView::One(p.clone()),
            many => ValueView::Expansion(many.iter().map(|(p, _)| p.clone()).collect()),
        };
    }
    let modifiers: Vec<Modifier> = item
        .modifiers
        .iter()
        .copied()
        .filter(|m| *m != Modifier::Expand)
        .collect();
    let expansion = item.has(Modifier::Windash) || item.has(Modifier::Base64Offset);
    match modifier::apply(
        &modifiers,
        &value.scalar,
        item.field.is_none(),
        &BTreeMap::new(),
    ) {
        Ok(variants) if expansion => {
            ValueView::Expansion(variants.into_iter().map(|(p, _)| p).collect())
        }
        Ok(mut variants) if variants.len() == 1 => ValueView::One(variants.remove(0).0),
        _ => ValueView::Invalid,
    }
}

pub fn views(item: &DetectionItem) -> Vec<ValueView> {
    item.values.iter().map(|v| view(item, v)).collect()
}

/// The pattern a plain YAML value stands for, as pySigma types it.
pub fn pattern_of(value: &Scalar) -> Pattern {
    match value {
        Scalar::Str(s) => Pattern::Str {
            s: SigmaString::parse(s),
            cased: false,
        },
        Scalar::Number(n) => Pattern::Number(*n),
        Scalar::Bool(b) => Pattern::Bool(*b),
        Scalar::Null => Pattern::Null,
    }
}

/// What a value transformation makes of one value.
enum Outcome {
    Keep,
    /// pySigma counts the value as transformed though it stays as it was (an expansion).
    Touched,
    Replace(Vec<Pattern>),
}

fn outcome(t: &Transformation, view: &ValueView) -> Result<Outcome, String> {
    use Outcome::*;
    let one = |p: Pattern| Replace(vec![p]);
    Ok(match (t, view) {
        (Transformation::SetValue(v), _) => one(pattern_of(v)),
        (Transformation::ConvertType(_), ValueView::Expansion(_)) => Touched,
        (Transformation::ConvertType(TargetType::Str), ValueView::One(Pattern::Number(n))) => {
            one(Pattern::Str {
                s: SigmaString::literal(n.to_string()),
                cased: false,
            })
        }
        (Transformation::ConvertType(TargetType::Num), ValueView::One(Pattern::Str { s, .. })) => {
            let text = plain(s);
            match super::parse::parse_number(&text) {
                Some(n) => one(Pattern::Number(n)),
                None => {
                    return Err(format!(
                        "the value '{text}' cannot be converted to a number"
                    ))
                }
            }
        }
        (
            Transformation::ReplaceString {
                regex,
                replacement,
                skip_special,
            },
            ValueView::One(p),
        ) => {
            let s = match p {
                Pattern::Str { s, .. } => s.clone(),
                Pattern::Number(n) => SigmaString::literal(n.to_string()),
                _ => return Ok(Keep),
            };
            let replaced = if *skip_special {
                SigmaString {
                    parts: s
                        .parts
                        .iter()
                        .map(|p| match p {
                            Part::Lit(l) => {
                                Part::Lit(regex.replace_all(l, replacement.as_str()).into_owned())
                            }
                            other => other.clone(),
                        })
                        .collect(),
                    bytes: s.bytes,
                }
                .normalized()
            } else {
                parse_plain(&regex.replace_all(&plain(&s), replacement.as_str()))
            };
            one(Pattern::Str {
                s: replaced,
                cased: false,
            })
        }
        (Transformation::MapString(mapping), ValueView::One(Pattern::Str { s, .. })) => {
            let key = plain(s);
            match mapping.iter().find(|(from, _)| *from == key) {
                Some((_, to)) => Replace(
                    to.iter()
                        .map(|t| Pattern::Str {
                            s: SigmaString::parse(t),
                            cased: false,
                        })
                        .collect(),
                ),
                None => Keep,
            }
        }
        _ => Keep,
    })
}

/// Reads back a plain string (`to_plain`'s form): `\*` `\?` are literal, other backslashes too.
fn parse_plain(text: &str) -> SigmaString {
    let mut escaped = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && !matches!(chars.peek(), Some('*' | '?')) {
            escaped.push_str("\\\\");
        } else {
            escaped.push(c);
        }
    }
    SigmaString::parse(&escaped)
}

/// Runs a value transformation over an item; whether pySigma would count the item as changed.
pub fn transform(item: &mut DetectionItem, t: &Transformation) -> Result<bool, Box<Diagnostic>> {
    let views = views(item);
    let mut changed = false;
    let mut values = Vec::with_capacity(item.values.len());
    for (v, view) in item.values.iter().zip(views) {
        match outcome(t, &view) {
            Ok(Outcome::Keep) => values.push(v.clone()),
            Ok(Outcome::Touched) => {
                changed = true;
                values.push(v.clone());
            }
            Ok(Outcome::Replace(patterns)) => {
                changed = true;
                for p in patterns {
                    values.push(WrittenValue {
                        replaced: Some(vec![(p, None::<String>)] as Vec<Variant>),
                        ..v.clone()
                    });
                }
            }
            Err(message) => {
                return Err(Box::new(Diagnostic::error(
                    crate::source::DiagnosticCode::Pipeline,
                    message,
                    Some(v.span),
                )));
            }
        }
    }
    item.values = values;
    Ok(changed)
}

/// The `%name%` placeholders in a written `|expand` value (pySigma 2.0.1: a non-empty name
/// without `\\` or `%`).
pub fn placeholders_in(text: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(a) = rest.find('%') {
        let after = &rest[a + 1..];
        match after.find('%') {
            Some(b) if b > 0 && !after[..b].contains('\\') => {
                if !names.iter().any(|n| n == &after[..b]) {
                    names.push(after[..b].to_string());
                }
                rest = &after[b + 1..];
            }
            _ => rest = after,
        }
    }
    names
}

/// The `%name%` placeholders of an item's `|expand` values.
pub fn placeholder_names(item: &DetectionItem) -> Vec<String> {
    if !item.has(Modifier::Expand) {
        return Vec::new();
    }
    let mut names: Vec<String> = Vec::new();
    for v in &item.values {
        if let (Scalar::Str(s), None) = (&v.scalar, &v.replaced) {
            for n in placeholders_in(s) {
                if !names.contains(&n) {
                    names.push(n);
                }
            }
        }
    }
    names
}

/// `value_placeholders` (values from `vars`) and `wildcard_placeholders` (`*`): the item's
/// placeholders get their values for compilation.
pub fn fill_placeholders(
    item: &mut DetectionItem,
    selection: &PlaceholderSelection,
    wildcard: bool,
    vars: &BTreeMap<String, Vec<String>>,
) -> Result<bool, Box<Diagnostic>> {
    let mut changed = false;
    for name in placeholder_names(item) {
        if !selection.handles(&name) || item.processing.placeholders.contains_key(&name) {
            continue;
        }
        let values = if wildcard {
            vec!["*".to_string()]
        } else {
            match vars.get(&name) {
                Some(v) => v.clone(),
                None => {
                    return Err(Box::new(Diagnostic::error(
                        crate::source::DiagnosticCode::Pipeline,
                        format!("placeholder %{name}% has no variable in the pipeline's 'vars'"),
                        Some(item.span),
                    )))
                }
            }
        };
        item.processing.placeholders.insert(name, values);
        changed = true;
    }
    Ok(changed)
}
