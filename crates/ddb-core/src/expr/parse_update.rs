//! The UpdateExpression grammar, on top of the shared [`Parser`].
//!
//! ```text
//! update    := clause+
//! clause    := SET set (',' set)* | REMOVE path (',' path)*
//!            | ADD path :value (',' path :value)* | DELETE path :value (...)*
//! set       := path '=' set_value
//! set_value := term [('+' | '-') operand]
//! term      := '(' set_value ')' | operand
//! ```
//!
//! Clause keywords are case-insensitive; each clause may appear once, in any
//! order (`The "SET" section can only be used once in an update
//! expression;`). `a + b + c` is a syntax error, as in DynamoDB: arithmetic
//! takes exactly two operands. Issues are reported in the order DynamoDB
//! uses for update expressions: reserved word, unknown function, duplicate
//! section, misused function.

use super::ast::{Parsed, SetAction, SetValue, UpdateAction, UpdateExpr, ValueAction, ValueRef};
use super::lexer::TokenKind;
use super::parser::{reserved_error, too_deep, Grammar, Kw, Parser};
use super::{ExprError, ExprKind, Rule};

/// A parsed update expression.
pub type ParsedUpdate<'s> = UpdateExpr<Parsed<'s>>;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Clause {
    Set,
    Remove,
    Add,
    Delete,
}

impl Clause {
    fn at(p: &Parser<'_>) -> Option<Clause> {
        [
            (Kw::Set, Clause::Set),
            (Kw::Remove, Clause::Remove),
            (Kw::Add, Clause::Add),
            (Kw::Delete, Clause::Delete),
        ]
        .into_iter()
        .find(|(kw, _)| p.at_keyword(*kw))
        .map(|(_, c)| c)
    }

    const fn name(self) -> &'static str {
        match self {
            Clause::Set => "SET",
            Clause::Remove => "REMOVE",
            Clause::Add => "ADD",
            Clause::Delete => "DELETE",
        }
    }
}

/// A set value or a parenthesised one, and whether it was parenthesised.
enum Term<'s> {
    Value(SetValue<Parsed<'s>>, bool),
}

fn parse_term<'s>(p: &mut Parser<'s>) -> Result<Term<'s>, ExprError> {
    if p.peek() != TokenKind::LParen {
        let (op, wrapped) = p.parse_operand()?;
        p.check_operand_use(&op, false);
        return Ok(Term::Value(SetValue::Operand(op), wrapped));
    }
    p.enter()?;
    p.bump();
    let inner = parse_set_value(p)?;
    p.expect(TokenKind::RParen)?;
    p.leave();
    let Term::Value(v, wrapped) = inner;
    Ok(Term::Value(v, p.wrap(wrapped)))
}

fn parse_set_value<'s>(p: &mut Parser<'s>) -> Result<Term<'s>, ExprError> {
    let first = parse_term(p)?;
    let plus = match p.peek() {
        TokenKind::Plus => true,
        TokenKind::Minus => false,
        _ => return Ok(first),
    };
    let Term::Value(SetValue::Operand(left), _) = first else {
        return Err(p.syntax_error());
    };
    p.count_operator()?;
    p.bump();
    let (right, _) = p.parse_operand()?;
    p.check_operand_use(&right, false);
    let value = if plus {
        SetValue::Plus(left, right)
    } else {
        SetValue::Minus(left, right)
    };
    Ok(Term::Value(value, false))
}

fn parse_value_ref<'s>(p: &mut Parser<'s>) -> Result<ValueRef<'s>, ExprError> {
    if p.peek() != TokenKind::ValuePlaceholder {
        return Err(p.syntax_error());
    }
    let v = ValueRef(p.text());
    p.bump();
    Ok(v)
}

fn parse_action<'s>(p: &mut Parser<'s>, clause: Clause, out: &mut ParsedUpdate<'s>) -> Result<(), ExprError> {
    let path = p.parse_path()?;
    match clause {
        Clause::Set => {
            p.expect(TokenKind::Eq)?;
            let Term::Value(value, _) = parse_set_value(p)?;
            out.actions.push(UpdateAction::Set(SetAction { path, value }));
        }
        Clause::Remove => out.actions.push(UpdateAction::Remove(path)),
        Clause::Add => {
            let value = parse_value_ref(p)?;
            out.actions.push(UpdateAction::Add(ValueAction { path, value }));
        }
        Clause::Delete => {
            let value = parse_value_ref(p)?;
            out.actions.push(UpdateAction::Delete(ValueAction { path, value }));
        }
    }
    Ok(())
}

/// Parses an UpdateExpression.
pub fn parse_update(src: &str) -> Result<ParsedUpdate<'_>, ExprError> {
    let mut p = Parser::new(src, ExprKind::Update, Grammar::Update)
        .map_err(|e| if src.is_empty() { e.breaking(Rule::UpdateShape) } else { e })?;
    let mut out = ParsedUpdate { actions: Vec::new() };
    // Clauses seen so far (at most the four kinds).
    let mut seen: [Option<Clause>; 4] = [None; 4];
    loop {
        let Some(clause) = Clause::at(&p) else {
            return Err(p.syntax_error());
        };
        if seen.contains(&Some(clause)) {
            if p.issues.duplicate_section.is_none() {
                p.issues.duplicate_section = Some(clause.name());
            }
        } else if let Some(slot) = seen.iter_mut().find(|s| s.is_none()) {
            *slot = Some(clause);
        }
        p.bump();
        parse_action(&mut p, clause, &mut out)?;
        while p.peek() == TokenKind::Comma {
            p.bump();
            parse_action(&mut p, clause, &mut out)?;
        }
        if p.peek() == TokenKind::Eof {
            break;
        }
    }
    finish_update_issues(&p)?;
    Ok(out)
}

fn finish_update_issues(p: &Parser<'_>) -> Result<(), ExprError> {
    let kind = ExprKind::Update;
    let i = &p.issues;
    if let Some(depth) = i.too_deep {
        return Err(too_deep(kind, depth));
    }
    if i.redundant_parens {
        return Err(ExprError::invalid(kind, "The expression has redundant parentheses;"));
    }
    if let Some(r) = &i.reserved {
        return Err(reserved_error(kind, r));
    }
    if let Some(f) = &i.unknown_function {
        return Err(ExprError::invalid(kind, format_args!("Invalid function name; function: {f}")));
    }
    if let Some(s) = i.duplicate_section {
        return Err(ExprError::invalid(
            kind,
            format_args!("The \"{s}\" section can only be used once in an update expression;"),
        )
        .breaking(Rule::UpdateShape));
    }
    if let Some(f) = &i.misused_function {
        return Err(ExprError::invalid(
            kind,
            format_args!("The function is not allowed to be used this way in an expression; function: {f}"),
        ));
    }
    Ok(())
}
