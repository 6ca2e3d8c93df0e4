//! The condition language: `and`/`or`/`not`, parentheses, `1 of`/`any of`/`all of` with patterns
//! and `them`. Precedence from loosest: `or`, `and`, `not`, `x of`, parentheses (pySigma 2.0.1).
//! Operators are lowercase only; the old pipe aggregations (`| count() > 5`) are rejected.

use crate::limits::MAX_CONDITION_DEPTH;
use crate::source::did_you_mean;
use crate::source::{ScalarMap, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantifier {
    /// `1 of` / `any of`
    One,
    All,
}

/// A parsed condition. Spans are absolute (into the rule text).
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Or(Vec<Expr>, Span),
    And(Vec<Expr>, Span),
    Not(Box<Expr>, Span),
    Ident(String, Span),
    Of {
        quantifier: Quantifier,
        pattern: String,
        span: Span,
    },
}

impl Expr {
    pub fn span(&self) -> Span {
        match self {
            Expr::Or(_, s) | Expr::And(_, s) | Expr::Not(_, s) | Expr::Ident(_, s) => *s,
            Expr::Of { span, .. } => *span,
        }
    }
}

/// The condition as one would write it, with parentheses only where precedence needs them
/// (for explanations: `failed and not success`).
impl std::fmt::Display for Expr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Looser binds lower: or 0, and 1, not 2, the rest 3.
        fn tightness(e: &Expr) -> u8 {
            match e {
                Expr::Or(..) => 0,
                Expr::And(..) => 1,
                Expr::Not(..) => 2,
                Expr::Ident(..) | Expr::Of { .. } => 3,
            }
        }
        fn part(f: &mut std::fmt::Formatter<'_>, e: &Expr, min: u8) -> std::fmt::Result {
            if tightness(e) < min {
                write!(f, "({e})")
            } else {
                write!(f, "{e}")
            }
        }
        match self {
            Expr::Or(items, _) | Expr::And(items, _) => {
                let (word, min) = match self {
                    Expr::Or(..) => (" or ", 1),
                    _ => (" and ", 2),
                };
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(word)?;
                    }
                    part(f, item, min)?;
                }
                Ok(())
            }
            Expr::Not(inner, _) => {
                f.write_str("not ")?;
                part(f, inner, 2)
            }
            Expr::Ident(name, _) => f.write_str(name),
            Expr::Of {
                quantifier,
                pattern,
                ..
            } => match quantifier {
                Quantifier::One => write!(f, "1 of {pattern}"),
                Quantifier::All => write!(f, "all of {pattern}"),
            },
        }
    }
}

/// A condition error with the span of the offending token.
#[derive(Clone, Debug, PartialEq)]
pub struct ConditionError {
    pub message: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    LParen,
    RParen,
    Word(String),
}

/// Parses `text`, whose bytes stand in the rule text where `at` says.
pub fn parse(text: &str, at: &ScalarMap) -> Result<Expr, ConditionError> {
    let toks = tokenize(text, at)?;
    if toks.is_empty() {
        return Err(ConditionError {
            message: "the condition is empty".into(),
            span: Span::point(at.at(0)),
        });
    }
    let mut p = ParserState {
        toks,
        pos: 0,
        end: at.at(text.len()),
        depth: 0,
    };
    let e = p.or_expr()?;
    if let Some((t, span)) = p.toks.get(p.pos) {
        let what = match t {
            Tok::RParen => "')' without a matching '('".to_string(),
            Tok::Word(w) => format!("'{w}': expected 'and' or 'or' before it"),
            Tok::LParen => "'(': expected 'and' or 'or' before it".to_string(),
        };
        return Err(ConditionError {
            message: format!("unexpected {what}"),
            span: *span,
        });
    }
    Ok(e)
}

fn tokenize(text: &str, at: &ScalarMap) -> Result<Vec<(Tok, Span)>, ConditionError> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = text[i..].chars().next().unwrap_or(' ');
        if c.is_whitespace() {
            i += c.len_utf8();
        } else if c == '(' || c == ')' {
            out.push((
                if c == '(' { Tok::LParen } else { Tok::RParen },
                at.span(i, i + 1),
            ));
            i += 1;
        } else if c == '|' {
            return Err(ConditionError {
                message: "the pipe syntax ('| count() ...', 'near') is the old aggregation syntax; Sigma 2 expresses it as a correlation rule, which is not supported here".into(),
                span: at.span(i, text.len()),
            });
        } else if c.is_ascii_alphanumeric() || c == '_' || c == '*' || c == '-' {
            let start = i;
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'_' | b'*' | b'-'))
            {
                i += 1;
            }
            out.push((Tok::Word(text[start..i].to_string()), at.span(start, i)));
        } else {
            return Err(ConditionError {
                message: format!("unexpected character '{c}' in the condition"),
                span: at.span(i, i + c.len_utf8()),
            });
        }
    }
    Ok(out)
}

struct ParserState {
    toks: Vec<(Tok, Span)>,
    pos: usize,
    end: usize,
    /// Open `(` and `not` levels around the current token.
    depth: usize,
}

impl ParserState {
    fn peek_word(&self) -> Option<&str> {
        match self.toks.get(self.pos) {
            Some((Tok::Word(w), _)) => Some(w),
            _ => None,
        }
    }

    fn eof_error(&self, what: &str) -> ConditionError {
        ConditionError {
            message: format!("the condition ends where {what} was expected"),
            span: Span::point(self.end),
        }
    }

    /// Opens one nesting level at `opener`: the parser (and every walk over its tree) recurses
    /// per level, so depth is bounded before the stack is.
    fn enter(&mut self, opener: Span) -> Result<(), ConditionError> {
        self.depth += 1;
        if self.depth > MAX_CONDITION_DEPTH {
            return Err(ConditionError {
                message: format!(
                    "the condition is nested more than {MAX_CONDITION_DEPTH} levels deep (parentheses and 'not'); flatten it or split it into named searches"
                ),
                span: opener,
            });
        }
        Ok(())
    }

    fn or_expr(&mut self) -> Result<Expr, ConditionError> {
        self.chain("or", Self::and_expr, Expr::Or)
    }

    fn and_expr(&mut self) -> Result<Expr, ConditionError> {
        self.chain("and", Self::not_expr, Expr::And)
    }

    /// `operand (op operand)*`, flattened into one n-ary node (or the operand alone).
    fn chain(
        &mut self,
        op: &str,
        operand: fn(&mut Self) -> Result<Expr, ConditionError>,
        node: fn(Vec<Expr>, Span) -> Expr,
    ) -> Result<Expr, ConditionError> {
        let first = operand(self)?;
        if self.peek_word() != Some(op) {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.peek_word() == Some(op) {
            self.pos += 1;
            items.push(operand(self)?);
        }
        let span = items[0].span().join(items[items.len() - 1].span());
        Ok(node(items, span))
    }

    fn not_expr(&mut self) -> Result<Expr, ConditionError> {
        if self.peek_word() == Some("not") {
            let start = self.toks[self.pos].1;
            self.pos += 1;
            self.enter(start)?;
            let inner = self.not_expr()?;
            self.depth -= 1;
            let span = start.join(inner.span());
            return Ok(Expr::Not(Box::new(inner), span));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, ConditionError> {
        let Some((tok, span)) = self.toks.get(self.pos).cloned() else {
            return Err(self.eof_error("a search identifier"));
        };
        self.pos += 1;
        match tok {
            Tok::LParen => {
                self.enter(span)?;
                let inner = self.or_expr()?;
                self.depth -= 1;
                match self.toks.get(self.pos) {
                    Some((Tok::RParen, close)) => {
                        let close = *close;
                        self.pos += 1;
                        // Keep the parentheses in the node's span so its text reads as written.
                        Ok(with_span(inner, span.join(close)))
                    }
                    _ => Err(ConditionError {
                        message: "'(' is never closed".into(),
                        span,
                    }),
                }
            }
            Tok::RParen => Err(ConditionError {
                message: "unexpected ')'".into(),
                span,
            }),
            Tok::Word(w) => {
                let quant = match w.as_str() {
                    "1" | "any" => Some(Quantifier::One),
                    "all" => Some(Quantifier::All),
                    _ => None,
                };
                if let (Some(q), Some("of")) = (quant, self.peek_word()) {
                    self.pos += 1;
                    let Some((Tok::Word(pat), pspan)) = self.toks.get(self.pos).cloned() else {
                        return Err(self.eof_error("a pattern or 'them' after 'of'"));
                    };
                    self.pos += 1;
                    if pat.contains('-') {
                        return Err(ConditionError {
                            message: format!("the pattern '{pat}' contains '-', which patterns cannot hold (pySigma rejects it); use '*' instead"),
                            span: pspan,
                        });
                    }
                    if matches!(pat.as_str(), "and" | "or" | "not" | "of") {
                        return Err(ConditionError {
                            message: format!(
                                "expected a pattern or 'them' after 'of', found '{pat}'"
                            ),
                            span: pspan,
                        });
                    }
                    return Ok(Expr::Of {
                        quantifier: q,
                        pattern: pat,
                        span: span.join(pspan),
                    });
                }
                if let Some("of") = self.peek_word() {
                    return Err(ConditionError {
                        message: format!(
                            "'{w} of' is not supported: write '1 of', 'any of' or 'all of'"
                        ),
                        span,
                    });
                }
                match w.as_str() {
                    "and" | "or" | "of" => Err(ConditionError {
                        message: format!("'{w}' needs a search identifier before it"),
                        span,
                    }),
                    "them" => Err(ConditionError {
                        message: "'them' must follow '1 of' or 'all of'".into(),
                        span,
                    }),
                    "AND" | "OR" | "NOT" | "And" | "Or" | "Not" => Err(ConditionError {
                        message: format!(
                            "operators are lowercase in Sigma: write '{}'",
                            w.to_lowercase()
                        ),
                        span,
                    }),
                    _ if w.contains('*') => Err(ConditionError {
                        message: format!("'{w}' is a pattern: write '1 of {w}' or 'all of {w}'"),
                        span,
                    }),
                    _ => {
                        // `sel AND x`: report the uppercase operator, not the identifier.
                        if let Some((Tok::Word(next), nspan)) = self.toks.get(self.pos) {
                            if matches!(next.as_str(), "AND" | "OR" | "NOT" | "And" | "Or" | "Not")
                            {
                                return Err(ConditionError {
                                    message: format!(
                                        "operators are lowercase in Sigma: write '{}'",
                                        next.to_lowercase()
                                    ),
                                    span: *nspan,
                                });
                            }
                        }
                        Ok(Expr::Ident(w, span))
                    }
                }
            }
        }
    }
}

fn with_span(e: Expr, span: Span) -> Expr {
    match e {
        Expr::Or(v, _) => Expr::Or(v, span),
        Expr::And(v, _) => Expr::And(v, span),
        Expr::Not(b, _) => Expr::Not(b, span),
        Expr::Ident(n, _) => Expr::Ident(n, span),
        Expr::Of {
            quantifier,
            pattern,
            ..
        } => Expr::Of {
            quantifier,
            pattern,
            span,
        },
    }
}

/// The identifiers a `1 of`/`all of` pattern selects: `them` is every identifier; `*` matches
/// any run of characters; identifiers starting with `_` are left out unless the pattern itself
/// starts with `_` (pySigma 2.0.1).
pub fn select<'a>(pattern: &str, identifiers: &'a [String]) -> Vec<&'a str> {
    let include_underscore = pattern.starts_with('_');
    identifiers
        .iter()
        .filter(|id| include_underscore || !id.starts_with('_'))
        .filter(|id| pattern == "them" || glob_fullmatch(pattern, id))
        .map(|s| s.as_str())
        .collect()
}

fn glob_fullmatch(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] != '*' && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Checks that every identifier and pattern refers to something.
pub fn check(expr: &Expr, identifiers: &[String]) -> Vec<ConditionError> {
    let mut errs = Vec::new();
    walk(expr, &mut |e| match e {
        Expr::Ident(name, span) if !identifiers.iter().any(|i| i == name) => {
            let hint = did_you_mean(name, identifiers.iter().map(|s| s.as_str()))
                .map(|s| format!("; did you mean '{s}'?"))
                .unwrap_or_default();
            errs.push(ConditionError {
                message: format!("the condition uses '{name}', but the detection has no search identifier of that name{hint}"),
                span: *span,
            });
        }
        Expr::Of {
            pattern,
            span,
            quantifier,
        } if select(pattern, identifiers).is_empty() => {
            let q = if *quantifier == Quantifier::All {
                "all"
            } else {
                "1"
            };
            errs.push(ConditionError {
                message: format!("'{q} of {pattern}' matches no search identifier"),
                span: *span,
            });
        }
        _ => {}
    });
    errs
}

pub fn walk(expr: &Expr, f: &mut dyn FnMut(&Expr)) {
    f(expr);
    match expr {
        Expr::Or(v, _) | Expr::And(v, _) => v.iter().for_each(|e| walk(e, f)),
        Expr::Not(b, _) => walk(b, f),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(e: &Expr) -> String {
        match e {
            Expr::Or(v, _) => format!("({})", v.iter().map(show).collect::<Vec<_>>().join(" | ")),
            Expr::And(v, _) => format!("({})", v.iter().map(show).collect::<Vec<_>>().join(" & ")),
            Expr::Not(b, _) => format!("!{}", show(b)),
            Expr::Ident(n, _) => n.clone(),
            Expr::Of {
                quantifier,
                pattern,
                ..
            } => format!("{quantifier:?}[{pattern}]"),
        }
    }

    #[test]
    fn precedence() {
        for (condition, shown) in [
            ("a or b and not c", "(a | (b & !c))"),
            ("not a and b", "(!a & b)"),
            ("not (a or b)", "!(a | b)"),
            ("not not a", "!!a"),
            ("sel and not 1 of filter_*", "(sel & !One[filter_*])"),
            ("any of sel* or all of them", "(One[sel*] | All[them])"),
            ("notsel and(sel)", "(notsel & sel)"),
        ] {
            let parsed = parse(condition, &ScalarMap::verbatim(0)).unwrap();
            assert_eq!(show(&parsed), shown, "{condition}");
        }
    }

    #[test]
    fn display_writes_the_condition_back_with_only_the_parentheses_it_needs() {
        for (condition, shown) in [
            ("a or b and not c", "a or b and not c"),
            ("(a or b) and not c", "(a or b) and not c"),
            ("not (a and b)", "not (a and b)"),
            ("not not a", "not not a"),
            ("((a))", "a"),
            ("sel and not 1 of filter_*", "sel and not 1 of filter_*"),
            ("any of sel* or all of them", "1 of sel* or all of them"),
        ] {
            let parsed = parse(condition, &ScalarMap::verbatim(0)).unwrap();
            let written = parsed.to_string();
            assert_eq!(written, shown, "{condition}");
            let again = parse(&written, &ScalarMap::verbatim(0)).unwrap();
            assert_eq!(show(&again), show(&parsed), "{condition}");
        }
    }

    #[test]
    fn errors_point_at_the_token() {
        let e = parse("sel AND x", &ScalarMap::verbatim(10)).unwrap_err();
        assert_eq!(e.span, Span::new(14, 17));
        assert!(e.message.contains("lowercase"));
        assert!(parse("2 of sel*", &ScalarMap::verbatim(0))
            .unwrap_err()
            .message
            .contains("'2 of'"));
        assert!(parse("sel | count() > 5", &ScalarMap::verbatim(0))
            .unwrap_err()
            .message
            .contains("pipe"));
        assert!(parse("(a or b", &ScalarMap::verbatim(0))
            .unwrap_err()
            .message
            .contains("never closed"));
        assert!(parse("a b", &ScalarMap::verbatim(0)).is_err());
        assert!(parse("1 of sel-*", &ScalarMap::verbatim(0)).is_err());
    }

    #[test]
    fn selection_rules() {
        let ids: Vec<String> = ["sel", "sel-a", "selection", "_hidden", "filter_main_a"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            select("them", &ids),
            ["sel", "sel-a", "selection", "filter_main_a"]
        );
        assert_eq!(select("sel*", &ids), ["sel", "sel-a", "selection"]);
        assert_eq!(select("sel", &ids), ["sel"]);
        assert_eq!(select("*", &ids).len(), 4);
        assert_eq!(select("_*", &ids), ["_hidden"]);
        let e = parse("selection and 1 of filter_x*", &ScalarMap::verbatim(0)).unwrap();
        let errs = check(&e, &ids);
        assert_eq!(errs.len(), 1);
        let e = parse("selectoin", &ScalarMap::verbatim(0)).unwrap();
        assert!(check(&e, &ids)[0]
            .message
            .contains("did you mean 'selection'"));
    }
}
