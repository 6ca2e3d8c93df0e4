//! Event values as correlations read them: as text for groups and distinct counts, as numbers
//! for the metric types. This follows the reference's table, where every column is text.

use crate::event::FieldValue;
use crate::source::text::fold;

/// The value as text (`42` and `"42"` are the same); `None` for null, which counts as absent.
pub fn stored_text(value: &FieldValue) -> Option<String> {
    Some(match value {
        FieldValue::Null => return None,
        FieldValue::Bool(b) => b.to_string(),
        FieldValue::Int(i) => i.to_string(),
        FieldValue::UInt(u) => u.to_string(),
        // As Python and SQLite write a real: 3.0, not 3.
        FieldValue::Float(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 => {
            format!("{f:.1}")
        }
        FieldValue::Float(f) => f.to_string(),
        FieldValue::Str(t) => t.raw().to_string(),
        FieldValue::List(_) => value.to_json().to_string(),
    })
}

/// Group values and distinct values compare case-insensitively, with the engine's one folding.
pub fn folded_text(value: &FieldValue) -> Option<String> {
    stored_text(value).map(|t| fold(&t).into_owned())
}

/// A number: a JSON number, or text that is one once spaces are trimmed (`" 5 "`, `"1e2"`).
/// `true`, `"0x10"`, `""` and `"abc"` are not numbers.
pub fn number(value: &FieldValue) -> Option<f64> {
    match value {
        FieldValue::Int(i) => Some(*i as f64),
        FieldValue::UInt(u) => Some(*u as f64),
        FieldValue::Float(f) => f.is_finite().then_some(*f),
        FieldValue::Str(t) => {
            let s = t.raw().trim_matches(' ');
            is_json_number(s)
                .then(|| s.parse::<f64>().ok())
                .flatten()
                .filter(|f| f.is_finite())
        }
        _ => None,
    }
}

/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
fn is_json_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    let int_start = i;
    let int = digits(&mut i);
    if int == 0 || (int > 1 && b[int_start] == b'0') {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::text::Text;

    #[test]
    fn numbers_as_the_reference_reads_them() {
        let s = |x: &str| FieldValue::Str(Text::new(x));
        for (text, want) in [
            ("20", Some(20.0)),
            (" 5 ", Some(5.0)),
            ("1e2", Some(100.0)),
            ("3.0", Some(3.0)),
            ("-0.5", Some(-0.5)),
            ("abc", None),
            ("0x10", None),
            ("", None),
            ("01", None),
            ("1.", None),
            ("\t5", None),
        ] {
            assert_eq!(number(&s(text)), want, "{text:?}");
        }
        assert_eq!(number(&FieldValue::Bool(true)), None);
        assert_eq!(number(&FieldValue::Int(7)), Some(7.0));
    }

    #[test]
    fn text_of_values() {
        assert_eq!(stored_text(&FieldValue::Int(42)).as_deref(), Some("42"));
        assert_eq!(stored_text(&FieldValue::Float(3.0)).as_deref(), Some("3.0"));
        assert_eq!(stored_text(&FieldValue::Float(2.5)).as_deref(), Some("2.5"));
        assert_eq!(stored_text(&FieldValue::Null), None);
        assert_eq!(
            folded_text(&FieldValue::Str(Text::new("ÉMILE"))).as_deref(),
            Some("émile")
        );
    }
}
