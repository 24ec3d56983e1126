//! The parser core shared by every grammar: token access, syntax errors,
//! limits, document paths, operands and function calls.
//!
//! ```text
//! operand := '(' operand ')' | name '(' operand (',' operand)* ')' | path | :value
//! path    := (name | #name) ('.' (name | #name) | '[' digits ']')*
//! ```
//!
//! Syntax errors stop parsing at once and name the offending token and its
//! neighbours (`near:` spans the previous token to the next one, as DynamoDB
//! prints it). Semantic problems found while parsing (reserved words,
//! unknown or misused functions, redundant parentheses, too-deep paths) are
//! remembered in [`Issues`] and reported after a successful parse, in
//! DynamoDB's order of precedence for the grammar; redundant parentheses
//! already closed are reported ahead of a later syntax error too. Recursion is bounded by
//! [`MAX_NESTING`] and by the operator limit, so no input can exhaust a
//! 2 MiB stack. The grammars themselves are in `parse_condition` and
//! `parse_update`.

use super::ast::{DocPath, Func, FunctionCall, NameRef, Operand, Parsed, PathElem, ValueRef};
use super::lexer::{next_token, Token, TokenKind};
use super::reserved::is_reserved;
use super::{ExprError, ExprKind, MAX_EXPRESSION_BYTES, MAX_OPERATORS, MAX_PATH_DEPTH};

/// Deepest nesting of parentheses and function calls accepted. A valid
/// expression cannot nest deeper than its 300 operators allow; anything deeper
/// is redundant parentheses.
pub const MAX_NESTING: usize = 300;

/// Which grammar is being parsed; decides keywords and known functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grammar {
    Condition,
    Update,
    Projection,
}

/// Semantic problems noticed during parsing; the first of each kind is kept.
#[derive(Debug, Default)]
pub(crate) struct Issues<'s> {
    pub redundant_parens: bool,
    pub unknown_function: Option<&'s str>,
    pub misused_function: Option<&'static str>,
    pub reserved: Option<&'s str>,
    pub too_deep: Option<usize>,
    pub duplicate_section: Option<&'static str>,
}

/// The words some grammar treats as keywords (any case), recognised once
/// per token so that keyword tests are plain comparisons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kw {
    /// Not a keyword of any grammar (or not an identifier).
    None,
    And,
    Or,
    Not,
    Between,
    In,
    Set,
    Remove,
    Add,
    Delete,
}

impl Kw {
    /// The keyword an identifier spells, ignoring ASCII case.
    fn of(word: &[u8]) -> Kw {
        let is = |kw: &str| word.eq_ignore_ascii_case(kw.as_bytes());
        match word.len() {
            2 if is("OR") => Kw::Or,
            2 if is("IN") => Kw::In,
            3 if is("AND") => Kw::And,
            3 if is("NOT") => Kw::Not,
            3 if is("SET") => Kw::Set,
            3 if is("ADD") => Kw::Add,
            6 if is("REMOVE") => Kw::Remove,
            6 if is("DELETE") => Kw::Delete,
            7 if is("BETWEEN") => Kw::Between,
            _ => Kw::None,
        }
    }
}

/// Parser state over one expression.
///
/// Tokens are pulled from the lexer one at a time ([`next_token`]); the
/// parser keeps the current one (with its text and keyword), the start of
/// the previous one and, once asked for, the next one: all that lookahead
/// and syntax errors need.
pub(crate) struct Parser<'s> {
    pub src: &'s str,
    /// The current token and its keyword.
    cur: Token,
    cur_kw: Kw,
    /// Start of the token before the current one.
    prev_start: Option<usize>,
    /// The token after the current one, once looked at.
    next: Option<Token>,
    pub kind: ExprKind,
    pub grammar: Grammar,
    pub operators: usize,
    pub nesting: usize,
    pub issues: Issues<'s>,
}

impl<'s> Parser<'s> {
    /// Checks the empty and size limits, then tokenizes.
    pub fn new(src: &'s str, kind: ExprKind, grammar: Grammar) -> Result<Self, ExprError> {
        if src.is_empty() {
            return Err(ExprError::invalid(kind, "The expression can not be empty;"));
        }
        if src.len() > MAX_EXPRESSION_BYTES {
            // An UpdateExpression's size is not reported, and UpdateItem
            // counts it a failed constraint (paritysuite deepRequests and a
            // logged DynamoDB error, 2026).
            if kind == ExprKind::Update {
                return Err(ExprError::invalid(kind, "Expression size has exceeded the maximum allowed size;")
                    .breaking(super::Rule::UpdateShape));
            }
            return Err(ExprError::invalid(
                kind,
                format_args!(
                    "Expression size has exceeded the maximum allowed size; expression size: {}",
                    src.len()
                ),
            ));
        }
        let mut parser = Parser {
            src,
            cur: next_token(src, 0),
            cur_kw: Kw::None,
            prev_start: None,
            next: None,
            kind,
            grammar,
            operators: 0,
            nesting: 0,
            issues: Issues::default(),
        };
        parser.load();
        Ok(parser)
    }

    // ----- tokens -------------------------------------------------------

    /// Recognises the current token's keyword, if it is an identifier.
    fn load(&mut self) {
        let t = self.cur;
        self.cur_kw = match t.kind {
            TokenKind::Ident => Kw::of(self.src.as_bytes().get(t.start..t.end).unwrap_or_default()),
            _ => Kw::None,
        };
    }

    /// The token after the current one.
    fn next_tok(&mut self) -> Token {
        match self.next {
            Some(t) => t,
            None => {
                let t = next_token(self.src, self.cur.end);
                self.next = Some(t);
                t
            }
        }
    }

    #[inline]
    pub fn peek(&self) -> TokenKind {
        self.cur.kind
    }

    /// The kind of the token after the current one.
    pub fn peek_next(&mut self) -> TokenKind {
        self.next_tok().kind
    }

    #[inline]
    pub fn text(&self) -> &'s str {
        self.src.get(self.cur.start..self.cur.end).unwrap_or("")
    }

    /// Moves to the next token; stays on the end of input.
    pub fn bump(&mut self) {
        if self.cur.kind != TokenKind::Eof {
            let next = self.next_tok();
            self.prev_start = Some(self.cur.start);
            self.cur = next;
            self.next = None;
            self.load();
        }
    }

    /// True when the current token is the identifier `kw` (any case).
    #[inline]
    pub fn at_keyword(&self, kw: Kw) -> bool {
        kw != Kw::None && self.cur_kw == kw
    }

    /// True when the current identifier is a keyword of this grammar.
    pub fn at_reserved_token(&self) -> bool {
        match self.grammar {
            Grammar::Condition => matches!(self.cur_kw, Kw::And | Kw::Or | Kw::Not | Kw::Between | Kw::In),
            Grammar::Update => matches!(self.cur_kw, Kw::Set | Kw::Remove | Kw::Add | Kw::Delete),
            Grammar::Projection => false,
        }
    }

    /// `Syntax error; token: "<tok>", near: "<prev tok next>"` at the current token.
    pub fn syntax_error(&self) -> ExprError {
        // DynamoDB notices a second pair of parentheses as it closes it:
        // a syntax error after that point is answered as the redundancy
        // (`(a)between(((b.c)).d)and(c)` in dynalite's scan.js, recorded
        // against DynamoDB; `(size(a)).b > a`, with one pair, stays a
        // syntax error).
        if self.issues.redundant_parens {
            return ExprError::invalid(self.kind, "The expression has redundant parentheses;");
        }
        let tok = self.cur;
        let text = if tok.kind == TokenKind::Eof {
            "<EOF>"
        } else {
            self.text()
        };
        let from = self.prev_start.unwrap_or(tok.start);
        let to = match tok.kind {
            TokenKind::Eof => tok.end,
            _ => match self.next.unwrap_or_else(|| next_token(self.src, tok.end)) {
                next if next.kind != TokenKind::Eof => next.end,
                _ => tok.end,
            },
        };
        let near = self.src.get(from..to).unwrap_or("");
        ExprError::invalid(
            self.kind,
            format_args!("Syntax error; token: \"{text}\", near: \"{near}\""),
        )
    }

    pub fn expect(&mut self, kind: TokenKind) -> Result<(), ExprError> {
        if self.peek() == kind {
            self.bump();
            Ok(())
        } else {
            Err(self.syntax_error())
        }
    }

    pub fn expect_eof(&self) -> Result<(), ExprError> {
        if self.peek() == TokenKind::Eof {
            Ok(())
        } else {
            Err(self.syntax_error())
        }
    }

    // ----- limits -------------------------------------------------------

    /// Counts one operator or function against the 300 limit. A function
    /// name DynamoDB does not know, once seen, is what it reports instead
    /// (Alternator's test_deeply_nested_expression_5, run against
    /// DynamoDB: `a < f(f(…1,355 calls…(b)))` is "Invalid function name;
    /// function: f").
    pub fn count_operator(&mut self) -> Result<(), ExprError> {
        self.operators += 1;
        if self.operators > MAX_OPERATORS {
            if let Some(f) = self.issues.unknown_function {
                return Err(ExprError::invalid(self.kind, format_args!("Invalid function name; function: {f}")));
            }
            return Err(ExprError::invalid(
                self.kind,
                format_args!(
                    "The expression contains too many operators; operator count: {}",
                    self.operators
                ),
            ));
        }
        Ok(())
    }

    /// Enters one nesting level (parenthesis or function call).
    pub fn enter(&mut self) -> Result<(), ExprError> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            return Err(ExprError::invalid(
                self.kind,
                "The expression has redundant parentheses;",
            ));
        }
        Ok(())
    }

    pub fn leave(&mut self) {
        self.nesting = self.nesting.saturating_sub(1);
    }

    /// Marks a parenthesised thing; a second pair around it is redundant.
    pub fn wrap(&mut self, already_wrapped: bool) -> bool {
        if already_wrapped {
            self.issues.redundant_parens = true;
        }
        true
    }

    // ----- paths and operands ------------------------------------------

    fn path_name(&mut self) -> Result<NameRef<'s>, ExprError> {
        match self.peek() {
            TokenKind::Ident if !self.at_reserved_token() => {
                let name = self.text();
                if self.issues.reserved.is_none() && is_reserved(name) {
                    self.issues.reserved = Some(name);
                }
                self.bump();
                Ok(NameRef::Literal(name))
            }
            TokenKind::NamePlaceholder => {
                let name = self.text();
                self.bump();
                Ok(NameRef::Placeholder(name))
            }
            _ => Err(self.syntax_error()),
        }
    }

    /// `path := name ('.' name | '[' digits ']')*`
    pub fn parse_path(&mut self) -> Result<DocPath<NameRef<'s>>, ExprError> {
        let head = self.path_name()?;
        let mut rest = Vec::new();
        loop {
            match self.peek() {
                TokenKind::Dot => {
                    self.bump();
                    // A name after a dot may not be a function call either.
                    rest.push(PathElem::Name(self.path_name()?));
                }
                TokenKind::LBracket => {
                    self.bump();
                    if self.peek() != TokenKind::Number {
                        return Err(self.syntax_error());
                    }
                    let index = self
                        .text()
                        .parse::<u32>()
                        .map_err(|_| self.syntax_error())?;
                    self.bump();
                    self.expect(TokenKind::RBracket)?;
                    rest.push(PathElem::Index(index));
                }
                _ => break,
            }
        }
        let path = DocPath { head, rest };
        if path.depth() > MAX_PATH_DEPTH && self.issues.too_deep.is_none() {
            self.issues.too_deep = Some(path.depth());
        }
        Ok(path)
    }

    /// An operand that may not be a condition; returns whether it was
    /// parenthesised.
    pub fn parse_operand(&mut self) -> Result<(Operand<Parsed<'s>>, bool), ExprError> {
        match self.peek() {
            TokenKind::LParen => {
                self.enter()?;
                self.bump();
                let (inner, wrapped) = self.parse_operand()?;
                self.expect(TokenKind::RParen)?;
                self.leave();
                let wrapped = self.wrap(wrapped);
                Ok((inner, wrapped))
            }
            _ => Ok((self.parse_bare_operand()?, false)),
        }
    }

    /// A function call, path or value, without surrounding parentheses.
    pub fn parse_bare_operand(&mut self) -> Result<Operand<Parsed<'s>>, ExprError> {
        match self.peek() {
            TokenKind::Ident if self.peek_next() == TokenKind::LParen && !self.at_reserved_token() => {
                Ok(Operand::Call(self.parse_call()?))
            }
            TokenKind::Ident | TokenKind::NamePlaceholder => Ok(Operand::Path(self.parse_path()?)),
            TokenKind::ValuePlaceholder => {
                let v = ValueRef(self.text());
                self.bump();
                Ok(Operand::Value(v))
            }
            _ => Err(self.syntax_error()),
        }
    }

    /// `name '(' operand (',' operand)* ')'`; the current token is the name.
    fn parse_call(&mut self) -> Result<FunctionCall<Parsed<'s>>, ExprError> {
        let name = self.text();
        let known = match self.grammar {
            Grammar::Update => Func::update_function(name),
            _ => Func::condition_function(name),
        };
        let func = match known {
            Some(f) => f,
            None => {
                if self.issues.unknown_function.is_none() {
                    self.issues.unknown_function = Some(name);
                }
                Func::Size
            }
        };
        self.count_operator()?;
        self.bump();
        self.expect(TokenKind::LParen)?;
        self.enter()?;
        let mut args = Vec::with_capacity(2);
        loop {
            let (arg, _) = self.parse_operand()?;
            self.check_operand_use(&arg, true);
            args.push(arg);
            if self.peek() == TokenKind::Comma {
                self.bump();
            } else {
                break;
            }
        }
        self.expect(TokenKind::RParen)?;
        self.leave();
        Ok(FunctionCall { func, args })
    }

    /// Records a misused function when `op` is a function call that may not
    /// stand where a value is needed (`as_argument`: inside another call).
    pub fn check_operand_use(&mut self, op: &Operand<Parsed<'s>>, as_argument: bool) {
        let Operand::Call(call) = op else { return };
        let misused = match self.grammar {
            Grammar::Update => as_argument && call.func == Func::ListAppend,
            _ => call.func != Func::Size,
        };
        if misused && self.issues.misused_function.is_none() {
            self.issues.misused_function = Some(call.func.name());
        }
    }
}

pub(crate) fn too_deep(kind: ExprKind, depth: usize) -> ExprError {
    ExprError::invalid(
        kind,
        format_args!("The document path has too many nesting levels; nesting levels: {depth}"),
    )
}

pub(crate) fn reserved_error(kind: ExprKind, word: &str) -> ExprError {
    ExprError::invalid(
        kind,
        format_args!("Attribute name is a reserved keyword; reserved keyword: {word}"),
    )
}

