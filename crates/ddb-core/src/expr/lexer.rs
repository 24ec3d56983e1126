//! Tokenizer shared by every expression grammar.
//!
//! DynamoDB's lexer is small: names start with an ASCII letter and continue
//! with letters, digits and `_`; `#name` and `:value` placeholders continue
//! with the same characters (any of them may come first); list indexes are
//! runs of digits; the rest are one- or two-character punctuation. Any other
//! character becomes a one-character [`TokenKind::Unknown`] token so that the
//! parser reports it as DynamoDB does (`token: "_"`, `token: "!"`).
//!
//! Invariants: tokens carry byte offsets into the source that always fall on
//! `char` boundaries, and the token list always ends with exactly one
//! [`TokenKind::Eof`] whose span is the empty range at the end of the input.
//! Keywords (`AND`, `SET`, ...) are plain [`TokenKind::Ident`] tokens; each
//! grammar decides which identifiers it treats as keywords.

/// The kind of one token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// `[A-Za-z][A-Za-z0-9_]*`
    Ident,
    /// `#[A-Za-z0-9_]+`
    NamePlaceholder,
    /// `:[A-Za-z0-9_]+`
    ValuePlaceholder,
    /// `[0-9]+`
    Number,
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `,`
    Comma,
    /// `.`
    Dot,
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// Any other single character.
    Unknown,
    /// End of input.
    Eof,
}

/// One token: its kind and its byte span in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// What the token is.
    pub kind: TokenKind,
    /// Byte offset of the first character.
    pub start: usize,
    /// Byte offset one past the last character.
    pub end: usize,
}

fn is_ident_part(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Splits `src` into tokens, skipping whitespace. Never fails: characters the
/// grammar does not know become [`TokenKind::Unknown`].
pub fn tokenize(src: &str) -> Vec<Token> {
    let mut tokens = Vec::with_capacity(src.len() / 2 + 1);
    let mut chars = src.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        let mut end = start + c.len_utf8();
        let mut take_while = |end: &mut usize, pred: fn(char) -> bool| {
            while let Some(&(i, next)) = chars.peek() {
                if !pred(next) {
                    break;
                }
                *end = i + next.len_utf8();
                chars.next();
            }
        };
        let kind = match c {
            'a'..='z' | 'A'..='Z' => {
                take_while(&mut end, is_ident_part);
                TokenKind::Ident
            }
            '0'..='9' => {
                take_while(&mut end, |ch| ch.is_ascii_digit());
                TokenKind::Number
            }
            '#' | ':' => {
                let before = end;
                take_while(&mut end, is_ident_part);
                match (end > before, c) {
                    (false, _) => TokenKind::Unknown,
                    (true, '#') => TokenKind::NamePlaceholder,
                    (true, _) => TokenKind::ValuePlaceholder,
                }
            }
            '<' | '>' => {
                let second = chars.peek().map(|&(_, n)| n);
                let kind = match (c, second) {
                    ('<', Some('>')) => Some(TokenKind::Ne),
                    ('<', Some('=')) => Some(TokenKind::Le),
                    ('>', Some('=')) => Some(TokenKind::Ge),
                    _ => None,
                };
                match kind {
                    Some(k) => {
                        end += 1;
                        chars.next();
                        k
                    }
                    None if c == '<' => TokenKind::Lt,
                    None => TokenKind::Gt,
                }
            }
            '=' => TokenKind::Eq,
            '(' => TokenKind::LParen,
            ')' => TokenKind::RParen,
            '[' => TokenKind::LBracket,
            ']' => TokenKind::RBracket,
            ',' => TokenKind::Comma,
            '.' => TokenKind::Dot,
            '+' => TokenKind::Plus,
            '-' => TokenKind::Minus,
            _ => TokenKind::Unknown,
        };
        tokens.push(Token { kind, start, end });
    }
    tokens.push(Token {
        kind: TokenKind::Eof,
        start: src.len(),
        end: src.len(),
    });
    tokens
}

#[cfg(test)]
mod tests {
    use super::TokenKind::*;
    use super::*;

    fn kinds(src: &str) -> Vec<TokenKind> {
        tokenize(src).iter().map(|t| t.kind).collect()
    }

    fn texts(src: &str) -> Vec<&str> {
        tokenize(src)
            .iter()
            .map(|t| src.get(t.start..t.end).unwrap_or("?"))
            .collect()
    }

    #[test]
    fn names_placeholders_numbers() {
        assert_eq!(
            kinds("a.b[12] #x1 :v_2"),
            vec![Ident, Dot, Ident, LBracket, Number, RBracket, NamePlaceholder, ValuePlaceholder, Eof]
        );
        assert_eq!(texts("Alpha_Numeric_123=:123a"), vec!["Alpha_Numeric_123", "=", ":123a", ""]);
    }

    #[test]
    fn comparators_are_maximal() {
        assert_eq!(kinds("<> <= >= < > ="), vec![Ne, Le, Ge, Lt, Gt, Eq, Eof]);
        assert_eq!(kinds("a<>b"), vec![Ident, Ne, Ident, Eof]);
    }

    #[test]
    fn underscore_and_digits_do_not_start_names() {
        // DynamoDB: `SET _123 = :v` fails on token "_".
        assert_eq!(texts("_123"), vec!["_", "123", ""]);
        assert_eq!(kinds("_123"), vec![Unknown, Number, Eof]);
        assert_eq!(kinds("123a"), vec![Number, Ident, Eof]);
    }

    #[test]
    fn lone_sigils_and_unicode_are_unknown() {
        assert_eq!(kinds("# :"), vec![Unknown, Unknown, Eof]);
        assert_eq!(texts("é!"), vec!["é", "!", ""]);
    }

    #[test]
    fn eof_span_is_end_of_input() {
        let toks = tokenize("a  ");
        let eof = toks.last().copied();
        assert_eq!(eof, Some(Token { kind: Eof, start: 3, end: 3 }));
    }
}
