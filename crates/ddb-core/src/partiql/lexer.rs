//! PartiQL tokens: identifiers (bare, or `"double-quoted"` with `""` for a
//! quote), `'string'` literals (`''` for a quote), numbers, `?`
//! placeholders and punctuation (`<<` `>>` for bags). Comments (`--` to the
//! end of the line, `/* … */`) are skipped. Keywords are bare identifiers,
//! compared without regard to case by the parser.

use super::not_well_formed;
use crate::expr::ExprError;

/// One token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok {
    /// A bare identifier or keyword, as written.
    Ident(String),
    /// A `"quoted"` identifier, unescaped (never a keyword).
    Quoted(String),
    /// A `'string'` literal, unescaped.
    Str(String),
    /// A number literal, as written.
    Num(String),
    /// `?`
    Param,
    /// Punctuation or an operator.
    Punct(&'static str),
    /// The end of the statement.
    End,
}

/// A token with the character position (from 1) where it starts and its
/// length in characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned {
    pub tok: Tok,
    pub pos: usize,
    pub len: usize,
}

/// Where a token is, as DynamoDB names it in some messages:
/// ` at <line>:<column>:<length>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub line: usize,
    pub column: usize,
    pub len: usize,
}

impl std::fmt::Display for Span {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, " at {}:{}:{}", self.line, self.column, self.len)
    }
}

/// The span of `tok` in `src` (lines counted from 1, columns in characters).
pub fn span_of(src: &str, tok: &Spanned) -> Span {
    let before = src.chars().take(tok.pos.saturating_sub(1));
    let (mut line, mut column) = (1, 1);
    for c in before {
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    Span { line, column, len: tok.len }
}

/// Operators and punctuation, longest first.
const PUNCT: &[&str] = &[
    "<<", ">>", "<=", ">=", "<>", "!=", "||", "(", ")", "[", "]", "{", "}", ",", ".", ":", ";", "*", "=", "<",
    ">", "+", "-", "/", "%",
];

/// Splits `src` into tokens, ending with [`Tok::End`].
pub fn tokenize(src: &str) -> Result<Vec<Spanned>, ExprError> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let at = |i: usize| chars.get(i).copied();
    while let Some(c) = at(i) {
        let pos = i + 1;
        if c.is_whitespace() {
            i += 1;
        } else if c == '-' && at(i + 1) == Some('-') {
            while at(i).is_some_and(|c| c != '\n' && c != '\r') {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == Some('*') {
            i += 2;
            loop {
                match at(i) {
                    // DynamoDB names neither of these (paritysuite partiqlGrammar).
                    None => return Err(not_well_formed("")),
                    Some('*') if at(i + 1) == Some('/') => {
                        i += 2;
                        break;
                    }
                    Some(_) => i += 1,
                }
            }
        } else if c == '\'' || c == '"' {
            let (text, next) = quoted(&chars, i, c)?;
            i = next;
            out.push(Spanned {
                tok: if c == '\'' { Tok::Str(text) } else { Tok::Quoted(text) },
                pos,
                len: i + 1 - pos,
            });
        } else if c.is_ascii_digit() || (c == '.' && at(i + 1).is_some_and(|d| d.is_ascii_digit())) {
            let start = i;
            while at(i).is_some_and(|d| d.is_ascii_digit()) {
                i += 1;
            }
            if at(i) == Some('.') && at(i + 1).is_none_or(|d| d.is_ascii_digit()) {
                i += 1;
                while at(i).is_some_and(|d| d.is_ascii_digit()) {
                    i += 1;
                }
            }
            if matches!(at(i), Some('e' | 'E')) {
                let mut j = i + 1;
                if matches!(at(j), Some('+' | '-')) {
                    j += 1;
                }
                if at(j).is_some_and(|d| d.is_ascii_digit()) {
                    i = j;
                    while at(i).is_some_and(|d| d.is_ascii_digit()) {
                        i += 1;
                    }
                }
            }
            out.push(Spanned {
                tok: Tok::Num(chars.get(start..i).unwrap_or_default().iter().collect()),
                pos,
                len: i - start,
            });
        } else if c.is_alphabetic() || c == '_' || c == '$' {
            let start = i;
            while at(i).is_some_and(|d| d.is_alphanumeric() || d == '_' || d == '$') {
                i += 1;
            }
            out.push(Spanned {
                tok: Tok::Ident(chars.get(start..i).unwrap_or_default().iter().collect()),
                pos,
                len: i - start,
            });
        } else if c == '?' {
            i += 1;
            out.push(Spanned { tok: Tok::Param, pos, len: 1 });
        } else {
            let rest: String = chars.get(i..(i + 2).min(chars.len())).unwrap_or_default().iter().collect();
            let p = PUNCT
                .iter()
                .find(|p| rest.starts_with(**p))
                .ok_or_else(|| not_well_formed(""))?;
            i += p.chars().count();
            out.push(Spanned { tok: Tok::Punct(p), pos, len: p.chars().count() });
        }
    }
    out.push(Spanned {
        tok: Tok::End,
        pos: chars.len() + 1,
        len: 0,
    });
    Ok(out)
}

/// A literal or identifier between `quote`s starting at `start`, with the
/// quote doubled inside it; its text and the index after it.
fn quoted(chars: &[char], start: usize, quote: char) -> Result<(String, usize), ExprError> {
    let mut text = String::new();
    let mut i = start + 1;
    loop {
        match chars.get(i) {
            None => return Err(not_well_formed("")),
            Some(&c) if c == quote => {
                if chars.get(i + 1) == Some(&quote) {
                    text.push(quote);
                    i += 2;
                } else {
                    return Ok((text, i + 1));
                }
            }
            Some(&c) => {
                text.push(c);
                i += 1;
            }
        }
    }
}
