//! Tokenizer shared by every expression grammar.
//!
//! DynamoDB's lexer is small: names start with an ASCII letter and continue
//! with letters, digits and `_`; `#name` and `:value` placeholders continue
//! with the same characters (any of them may come first); list indexes are
//! runs of digits; the rest are one- or two-character punctuation. Any other
//! character becomes a one-character [`TokenKind::Unknown`] token so that the
//! parser reports it as DynamoDB does (`token: "_"`, `token: "!"`).
//!
//! The parser pulls tokens one at a time with [`next_token`] (no token list
//! is built); [`tokenize`] collects them all.
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

/// `IDENT[b]`: `b` may continue a name or placeholder (`[A-Za-z0-9_]`).
// Built at compile time; the index never exceeds the table.
#[allow(clippy::indexing_slicing)]
static IDENT: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || c == b'_';
        b += 1;
    }
    table
};

/// True for the bytes that continue a name or placeholder.
#[inline]
pub fn is_ident_byte(b: u8) -> bool {
    IDENT.get(usize::from(b)).copied().unwrap_or(false)
}

/// The end of the run of bytes from `from` that satisfy `pred`.
#[inline]
fn run_end(bytes: &[u8], mut from: usize, pred: impl Fn(u8) -> bool) -> usize {
    while let Some(&b) = bytes.get(from) {
        if !pred(b) {
            break;
        }
        from += 1;
    }
    from
}

/// Splits `src` into tokens, skipping whitespace. Never fails: characters the
/// grammar does not know become [`TokenKind::Unknown`].
pub fn tokenize(src: &str) -> Vec<Token> {
    // Expressions average well over three bytes per token.
    let mut tokens = Vec::with_capacity(src.len() / 3 + 2);
    let mut pos = 0;
    loop {
        let tok = next_token(src, pos);
        tokens.push(tok);
        if tok.kind == TokenKind::Eof {
            return tokens;
        }
        pos = tok.end;
    }
}

/// The first token at or after byte `pos` of `src` (whitespace skipped),
/// or [`TokenKind::Eof`] with the empty span at the end. The parser pulls
/// tokens one at a time with this, so no token list is built.
///
/// Works on bytes: every token but `Unknown` is ASCII, so only a non-ASCII
/// byte needs decoding (whitespace such as U+00A0 is skipped, anything else
/// is one `Unknown` token spanning the whole character). `pos` must be a
/// `char` boundary, as every token end is.
pub fn next_token(src: &str, mut pos: usize) -> Token {
    let bytes = src.as_bytes();
    while let Some(&b) = bytes.get(pos) {
        let start = pos;
        if !b.is_ascii() {
            let c = src.get(pos..).and_then(|rest| rest.chars().next());
            pos += c.map_or(1, char::len_utf8);
            if c.is_some_and(char::is_whitespace) {
                continue;
            }
            return Token { kind: TokenKind::Unknown, start, end: pos };
        }
        pos += 1;
        let kind = match b {
            b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => continue,
            b'a'..=b'z' | b'A'..=b'Z' => {
                pos = run_end(bytes, pos, is_ident_byte);
                TokenKind::Ident
            }
            b'0'..=b'9' => {
                pos = run_end(bytes, pos, |d: u8| d.is_ascii_digit());
                TokenKind::Number
            }
            b'#' | b':' => {
                pos = run_end(bytes, pos, is_ident_byte);
                match (pos > start + 1, b) {
                    (false, _) => TokenKind::Unknown,
                    (true, b'#') => TokenKind::NamePlaceholder,
                    (true, _) => TokenKind::ValuePlaceholder,
                }
            }
            b'<' | b'>' => {
                let two = match (b, bytes.get(pos)) {
                    (b'<', Some(b'>')) => Some(TokenKind::Ne),
                    (b'<', Some(b'=')) => Some(TokenKind::Le),
                    (b'>', Some(b'=')) => Some(TokenKind::Ge),
                    _ => None,
                };
                match two {
                    Some(k) => {
                        pos += 1;
                        k
                    }
                    None if b == b'<' => TokenKind::Lt,
                    None => TokenKind::Gt,
                }
            }
            b'=' => TokenKind::Eq,
            b'(' => TokenKind::LParen,
            b')' => TokenKind::RParen,
            b'[' => TokenKind::LBracket,
            b']' => TokenKind::RBracket,
            b',' => TokenKind::Comma,
            b'.' => TokenKind::Dot,
            b'+' => TokenKind::Plus,
            b'-' => TokenKind::Minus,
            _ => TokenKind::Unknown,
        };
        return Token { kind, start, end: pos };
    }
    Token {
        kind: TokenKind::Eof,
        start: src.len(),
        end: src.len(),
    }
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

    /// The first, char-based tokenizer: the byte-based one must agree
    /// with it on every input.
    fn ref_is_ident_part(c: char) -> bool {
        c.is_ascii_alphanumeric() || c == '_'
    }

    fn reference_tokenize(src: &str) -> Vec<Token> {
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
                    take_while(&mut end, ref_is_ident_part);
                    TokenKind::Ident
                }
                '0'..='9' => {
                    take_while(&mut end, |ch| ch.is_ascii_digit());
                    TokenKind::Number
                }
                '#' | ':' => {
                    let before = end;
                    take_while(&mut end, ref_is_ident_part);
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

    #[test]
    fn ascii_whitespace_matches_char_is_whitespace() {
        for b in 0u8..128 {
            let src = char::from(b).to_string();
            let skipped = char::from(b).is_whitespace();
            assert_eq!(tokenize(&src).len() == 1, skipped, "byte {b:#04x}");
        }
    }

    #[test]
    fn agrees_with_the_reference_tokenizer() {
        for src in ["", " ", "a\u{a0}b", "\u{2028}#x", "é!", "a<>=b", "#:", ":#a", "x\u{85}y", "<<>>==", "1.5e3"] {
            assert_eq!(tokenize(src), reference_tokenize(src), "{src:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_the_reference_on_any_string(src in "\\PC{0,40}|[ a-c0-9#:<>=()\\[\\]._\\-+,\\u{a0}\\u{2003}é]{0,40}") {
            proptest::prop_assert_eq!(tokenize(&src), reference_tokenize(&src));
        }
    }

    #[test]
    fn eof_span_is_end_of_input() {
        let toks = tokenize("a  ");
        let eof = toks.last().copied();
        assert_eq!(eof, Some(Token { kind: Eof, start: 3, end: 3 }));
    }
}
