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
//! DynamoDB's order of precedence for the grammar. Recursion is bounded by
//! [`MAX_NESTING`] and by the operator limit, so no input can exhaust a
//! 2 MiB stack. The grammars themselves are in `parse_condition` and
//! `parse_update`.

use super::ast::{DocPath, Func, FunctionCall, NameRef, Operand, Parsed, PathElem, ValueRef};
use super::lexer::{tokenize, Token, TokenKind};
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
pub(crate) struct Issues {
    pub redundant_parens: bool,
    pub unknown_function: Option<String>,
    pub misused_function: Option<String>,
    pub reserved: Option<String>,
    pub too_deep: Option<usize>,
    pub duplicate_section: Option<&'static str>,
}

/// Parser state over one expression.
pub(crate) struct Parser<'s> {
    pub src: &'s str,
    pub toks: Vec<Token>,
    pub pos: usize,
    pub kind: ExprKind,
    pub grammar: Grammar,
    pub operators: usize,
    pub nesting: usize,
    pub issues: Issues,
}

impl<'s> Parser<'s> {
    /// Checks the empty and size limits, then tokenizes.
    pub fn new(src: &'s str, kind: ExprKind, grammar: Grammar) -> Result<Self, ExprError> {
        if src.is_empty() {
            return Err(ExprError::invalid(kind, "The expression can not be empty;"));
        }
        if src.len() > MAX_EXPRESSION_BYTES {
            return Err(ExprError::invalid(
                kind,
                format_args!(
                    "Expression size has exceeded the maximum allowed size; expression size: {}",
                    src.len()
                ),
            ));
        }
        Ok(Parser {
            src,
            toks: tokenize(src),
            pos: 0,
            kind,
            grammar,
            operators: 0,
            nesting: 0,
            issues: Issues::default(),
        })
    }

    // ----- tokens -------------------------------------------------------

    pub fn peek(&self) -> TokenKind {
        self.toks.get(self.pos).map_or(TokenKind::Eof, |t| t.kind)
    }

    pub fn peek_at(&self, offset: usize) -> TokenKind {
        self.toks
            .get(self.pos + offset)
            .map_or(TokenKind::Eof, |t| t.kind)
    }

    pub fn text_at(&self, index: usize) -> &'s str {
        self.toks
            .get(index)
            .and_then(|t| self.src.get(t.start..t.end))
            .unwrap_or("")
    }

    pub fn text(&self) -> &'s str {
        self.text_at(self.pos)
    }

    pub fn bump(&mut self) {
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
    }

    /// True when the current token is the identifier `kw` (any case).
    pub fn at_keyword(&self, kw: &str) -> bool {
        self.peek() == TokenKind::Ident && self.text().eq_ignore_ascii_case(kw)
    }

    /// True when the current identifier is a keyword of this grammar.
    pub fn at_reserved_token(&self) -> bool {
        let words: &[&str] = match self.grammar {
            Grammar::Condition => &["AND", "OR", "NOT", "BETWEEN", "IN"],
            Grammar::Update => &["SET", "REMOVE", "ADD", "DELETE"],
            Grammar::Projection => &[],
        };
        self.peek() == TokenKind::Ident && words.iter().any(|w| self.at_keyword(w))
    }

    /// `Syntax error; token: "<tok>", near: "<prev tok next>"` at the current token.
    pub fn syntax_error(&self) -> ExprError {
        self.syntax_error_at(self.pos)
    }

    pub fn syntax_error_at(&self, index: usize) -> ExprError {
        let Some(tok) = self.toks.get(index) else {
            return ExprError::invalid(self.kind, "Syntax error; token: \"<EOF>\", near: \"\"");
        };
        let text = if tok.kind == TokenKind::Eof {
            "<EOF>"
        } else {
            self.src.get(tok.start..tok.end).unwrap_or("")
        };
        let from = index
            .checked_sub(1)
            .and_then(|i| self.toks.get(i))
            .map_or(tok.start, |t| t.start);
        let to = match self.toks.get(index + 1) {
            Some(next) if next.kind != TokenKind::Eof => next.end,
            _ => tok.end,
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

    /// Counts one operator or function against the 300 limit.
    pub fn count_operator(&mut self) -> Result<(), ExprError> {
        self.operators += 1;
        if self.operators > MAX_OPERATORS {
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

    fn path_name(&mut self) -> Result<NameRef, ExprError> {
        match self.peek() {
            TokenKind::Ident if !self.at_reserved_token() => {
                let name = self.text().to_string();
                if self.issues.reserved.is_none() && is_reserved(&name) {
                    self.issues.reserved = Some(name.clone());
                }
                self.bump();
                Ok(NameRef::Literal(name))
            }
            TokenKind::NamePlaceholder => {
                let name = self.text().to_string();
                self.bump();
                Ok(NameRef::Placeholder(name))
            }
            _ => Err(self.syntax_error()),
        }
    }

    /// `path := name ('.' name | '[' digits ']')*`
    pub fn parse_path(&mut self) -> Result<DocPath<NameRef>, ExprError> {
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
    pub fn parse_operand(&mut self) -> Result<(Operand<Parsed>, bool), ExprError> {
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
    pub fn parse_bare_operand(&mut self) -> Result<Operand<Parsed>, ExprError> {
        match self.peek() {
            TokenKind::Ident if self.peek_at(1) == TokenKind::LParen && !self.at_reserved_token() => {
                Ok(Operand::Call(Box::new(self.parse_call()?)))
            }
            TokenKind::Ident | TokenKind::NamePlaceholder => Ok(Operand::Path(self.parse_path()?)),
            TokenKind::ValuePlaceholder => {
                let v = ValueRef(self.text().to_string());
                self.bump();
                Ok(Operand::Value(v))
            }
            _ => Err(self.syntax_error()),
        }
    }

    /// `name '(' operand (',' operand)* ')'`; the current token is the name.
    fn parse_call(&mut self) -> Result<FunctionCall<Parsed>, ExprError> {
        let name = self.text();
        let known = match self.grammar {
            Grammar::Update => Func::update_function(name),
            _ => Func::condition_function(name),
        };
        let func = match known {
            Some(f) => f,
            None => {
                if self.issues.unknown_function.is_none() {
                    self.issues.unknown_function = Some(name.to_string());
                }
                Func::Size
            }
        };
        self.count_operator()?;
        self.bump();
        self.expect(TokenKind::LParen)?;
        self.enter()?;
        let mut args = Vec::new();
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
    pub fn check_operand_use(&mut self, op: &Operand<Parsed>, as_argument: bool) {
        let Operand::Call(call) = op else { return };
        let misused = match self.grammar {
            Grammar::Update => as_argument && call.func == Func::ListAppend,
            _ => call.func != Func::Size,
        };
        if misused && self.issues.misused_function.is_none() {
            self.issues.misused_function = Some(call.func.name().to_string());
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

