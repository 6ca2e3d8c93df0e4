//! `*_cond_expr`: a boolean expression over the names of an item's conditions (pySigma's
//! grammar: names of letters, digits, `_` and `-`; `not` binds tighter than `and`, `and` than
//! `or`; parentheses group).

use super::model::CondExpr;

/// Parses `text`, resolving names against `names` (their index is the condition's). Every name
/// must be known and every condition referenced. Errors carry the byte offset they are about.
pub fn parse(text: &str, names: &[&str]) -> Result<CondExpr, (String, usize)> {
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        tokens: &tokens,
        pos: 0,
        names,
        used: vec![false; names.len()],
        end: text.len(),
    };
    let expr = parser.or()?;
    if let Some((tok, at)) = tokens.get(parser.pos) {
        return Err((
            format!("unexpected '{}' in the condition expression", tok.text()),
            *at,
        ));
    }
    if let Some(i) = parser.used.iter().position(|u| !u) {
        return Err((
            format!(
                "the condition '{}' is not used in the condition expression",
                names[i]
            ),
            0,
        ));
    }
    Ok(expr)
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Name(String),
    And,
    Or,
    Not,
    Open,
    Close,
}

impl Token {
    fn text(&self) -> &str {
        match self {
            Token::Name(n) => n,
            Token::And => "and",
            Token::Or => "or",
            Token::Not => "not",
            Token::Open => "(",
            Token::Close => ")",
        }
    }
}

fn tokenize(text: &str) -> Result<Vec<(Token, usize)>, (String, usize)> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            c if c.is_whitespace() => {}
            '(' => out.push((Token::Open, at)),
            ')' => out.push((Token::Close, at)),
            c if c.is_ascii_alphanumeric() || c == '_' || c == '-' => {
                let mut word = c.to_string();
                while let Some(&(_, n)) = chars.peek() {
                    if n.is_ascii_alphanumeric() || n == '_' || n == '-' {
                        word.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                let token = match word.as_str() {
                    "and" => Token::And,
                    "or" => Token::Or,
                    "not" => Token::Not,
                    _ => Token::Name(word),
                };
                out.push((token, at));
            }
            other => {
                return Err((
                    format!("'{other}' cannot stand in a condition expression"),
                    at,
                ))
            }
        }
    }
    Ok(out)
}

struct Parser<'a> {
    tokens: &'a [(Token, usize)],
    pos: usize,
    names: &'a [&'a str],
    used: Vec<bool>,
    end: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos).map(|(t, _)| t)
    }

    fn at(&self) -> usize {
        self.tokens.get(self.pos).map_or(self.end, |(_, a)| *a)
    }

    fn or(&mut self) -> Result<CondExpr, (String, usize)> {
        let mut parts = vec![self.and()?];
        while self.peek() == Some(&Token::Or) {
            self.pos += 1;
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            CondExpr::Or(parts)
        })
    }

    fn and(&mut self) -> Result<CondExpr, (String, usize)> {
        let mut parts = vec![self.not()?];
        while self.peek() == Some(&Token::And) {
            self.pos += 1;
            parts.push(self.not()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            CondExpr::And(parts)
        })
    }

    fn not(&mut self) -> Result<CondExpr, (String, usize)> {
        if self.peek() == Some(&Token::Not) {
            self.pos += 1;
            return Ok(CondExpr::Not(Box::new(self.not()?)));
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<CondExpr, (String, usize)> {
        let at = self.at();
        match self.peek().cloned() {
            Some(Token::Open) => {
                self.pos += 1;
                let e = self.or()?;
                if self.peek() != Some(&Token::Close) {
                    return Err(("a '(' is not closed".into(), self.at()));
                }
                self.pos += 1;
                Ok(e)
            }
            Some(Token::Name(n)) => {
                self.pos += 1;
                match self.names.iter().position(|x| *x == n) {
                    Some(i) => {
                        self.used[i] = true;
                        Ok(CondExpr::Condition(i))
                    }
                    None => Err((
                        format!(
                            "the condition expression names '{n}', which is not among the conditions ({})",
                            self.names.join(", ")
                        ),
                        at,
                    )),
                }
            }
            Some(t) => Err((
                format!("expected a condition name, found '{}'", t.text()),
                at,
            )),
            None => Err(("the condition expression ends too early".into(), at)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_and_names() {
        let e = parse("a or not b and (c or a)", &["a", "b", "c"]).unwrap();
        let truth = |v: [bool; 3]| e.eval(&mut |i| v[i]);
        assert!(truth([true, true, false]));
        assert!(!truth([false, true, true]));
        assert!(truth([false, false, true]));
        assert!(!truth([false, false, false]));
    }

    #[test]
    fn errors_say_where() {
        let (msg, at) = parse("a and zz", &["a"]).unwrap_err();
        assert!(msg.contains("'zz'"), "{msg}");
        assert_eq!(at, 6);
        let (msg, _) = parse("a", &["a", "b"]).unwrap_err();
        assert!(msg.contains("'b' is not used"), "{msg}");
        assert!(parse("(a", &["a"]).unwrap_err().0.contains("not closed"));
        assert!(parse("a and", &["a"])
            .unwrap_err()
            .0
            .contains("ends too early"));
        assert_eq!(parse("a % b", &["a", "b"]).unwrap_err().1, 2);
    }
}
