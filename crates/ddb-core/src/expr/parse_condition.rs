//! The condition and projection grammars.
//!
//! Condition grammar, loosest binding first (Developer Guide, "Comparison
//! operator and function reference": `OR` < `AND` < `NOT` < parentheses <
//! functions < `BETWEEN`/`IN` < comparators):
//!
//! ```text
//! or      := and (OR and)*
//! and     := not (AND not)*
//! not     := NOT not | compare
//! compare := primary [ cmp operand | BETWEEN operand AND operand
//!                    | IN '(' operand (',' operand)* ')' ]
//! primary := '(' or ')' | operand
//! ```
//!
//! A parenthesis may hold a condition or an operand, so `primary` parses
//! either and the caller checks what it got ([`Node`]); this keeps the
//! parser free of backtracking. `or`, `and` and `not` share one loop so that
//! each level of parentheses costs two stack frames.

use super::ast::{CompareOp, Condition, Operand, Parsed, Projection};
use super::lexer::TokenKind;
use super::parser::{reserved_error, too_deep, Grammar, Kw, Parser};
use super::{ExprError, ExprKind, Rule, MAX_IN_OPERANDS};

/// A parsed condition expression.
pub type ParsedCondition<'s> = Condition<Parsed<'s>>;
/// A parsed projection expression.
pub type ParsedProjection<'s> = Projection<Parsed<'s>>;

/// What `primary` produced: a condition or an operand, and whether it was
/// written inside its own pair of parentheses. Not boxed: the parsed tree
/// borrows its text, so a node is small enough to move around.
pub(crate) enum Node<'s> {
    Cond(Condition<Parsed<'s>>, bool),
    Operand(Operand<Parsed<'s>>, bool),
}

impl<'s> Parser<'s> {
    /// `or`, `and` and `not` in one loop, so that a level of parentheses
    /// costs only this frame and [`Self::parse_compare`]'s: terms separated
    /// by `AND` are grouped, the groups are joined by `OR`.
    fn parse_or(&mut self) -> Result<Node<'s>, ExprError> {
        let mut ors: Vec<Condition<Parsed<'s>>> = Vec::new();
        let mut ands: Vec<Condition<Parsed<'s>>> = Vec::new();
        loop {
            let mut nots = 0usize;
            while self.at_keyword(Kw::Not) {
                self.count_operator()?;
                self.bump();
                nots += 1;
            }
            let node = self.parse_compare()?;
            let at_and = self.at_keyword(Kw::And);
            let at_or = self.at_keyword(Kw::Or);
            if nots == 0 && ors.is_empty() && ands.is_empty() && !at_and && !at_or {
                return Ok(node);
            }
            let mut cond = self.expect_condition(node)?;
            for _ in 0..nots {
                cond = Condition::Not(Box::new(cond));
            }
            if ands.capacity() == 0 {
                // One allocation for typical chains of conditions, small
                // enough for the allocator's fast path.
                ands.reserve(6);
            }
            ands.push(cond);
            if at_and || at_or {
                self.count_operator()?;
                self.bump();
            }
            if !at_and {
                let group = if ands.len() == 1 {
                    ands.pop().ok_or_else(|| self.syntax_error())?
                } else {
                    Condition::And(std::mem::take(&mut ands))
                };
                ors.push(group);
            }
            if !at_and && !at_or {
                break;
            }
        }
        let cond = if ors.len() == 1 {
            ors.pop().ok_or_else(|| self.syntax_error())?
        } else {
            Condition::Or(ors)
        };
        Ok(Node::Cond(cond, false))
    }

    /// `compare := primary [cmp operand | BETWEEN ... | IN (...)]`, with
    /// `primary := '(' or ')' | operand`.
    fn parse_compare(&mut self) -> Result<Node<'s>, ExprError> {
        let left = if self.peek() == TokenKind::LParen {
            self.enter()?;
            self.bump();
            let inner = self.parse_or()?;
            self.expect(TokenKind::RParen)?;
            self.leave();
            match inner {
                Node::Cond(c, w) => Node::Cond(c, self.wrap(w)),
                Node::Operand(o, w) => Node::Operand(o, self.wrap(w)),
            }
        } else {
            Node::Operand(self.parse_bare_operand()?, false)
        };
        self.parse_compare_rest(left)
    }

    /// What may follow the first operand of a comparison. Kept out of the
    /// recursive path so that its locals do not weigh on every level.
    #[inline(never)]
    fn parse_compare_rest(&mut self, left: Node<'s>) -> Result<Node<'s>, ExprError> {
        let op = match self.peek() {
            TokenKind::Eq => Some(CompareOp::Eq),
            TokenKind::Ne => Some(CompareOp::Ne),
            TokenKind::Lt => Some(CompareOp::Lt),
            TokenKind::Le => Some(CompareOp::Le),
            TokenKind::Gt => Some(CompareOp::Gt),
            TokenKind::Ge => Some(CompareOp::Ge),
            _ => None,
        };
        if let Some(op) = op {
            let left = self.expect_operand(left)?;
            self.count_operator()?;
            self.bump();
            let (right, _) = self.parse_operand()?;
            self.check_operand_use(&right, false);
            return Ok(Node::Cond(Condition::Compare { op, left, right }, false));
        }
        if self.at_keyword(Kw::Between) {
            let value = self.expect_operand(left)?;
            self.count_operator()?;
            self.bump();
            let (low, _) = self.parse_operand()?;
            if !self.at_keyword(Kw::And) {
                return Err(self.syntax_error());
            }
            self.bump();
            let (high, _) = self.parse_operand()?;
            self.check_operand_use(&low, false);
            self.check_operand_use(&high, false);
            return Ok(Node::Cond(Condition::Between { value, low, high }, false));
        }
        if self.at_keyword(Kw::In) {
            let value = self.expect_operand(left)?;
            self.count_operator()?;
            self.bump();
            self.expect(TokenKind::LParen)?;
            let mut list = Vec::new();
            loop {
                let (item, _) = self.parse_operand()?;
                self.check_operand_use(&item, false);
                list.push(item);
                if self.peek() == TokenKind::Comma {
                    self.bump();
                } else {
                    break;
                }
            }
            self.expect(TokenKind::RParen)?;
            if list.len() > MAX_IN_OPERANDS {
                return Err(ExprError::invalid(
                    self.kind,
                    format_args!(
                        "The IN operator is provided with too many operands; number of operands: {}",
                        list.len()
                    ),
                ));
            }
            return Ok(Node::Cond(Condition::In { value, list }, false));
        }
        Ok(left)
    }

    /// A node where a condition is required: an operand there is a syntax
    /// error at the current token, except a function call, which is a
    /// condition if the function is boolean.
    fn expect_condition(&mut self, node: Node<'s>) -> Result<Condition<Parsed<'s>>, ExprError> {
        match node {
            Node::Cond(c, _) => Ok(c),
            Node::Operand(Operand::Call(call), _) => {
                if !call.func.is_boolean() && self.issues.misused_function.is_none() {
                    self.issues.misused_function = Some(call.func.name());
                }
                Ok(Condition::Call(call))
            }
            Node::Operand(..) => Err(self.syntax_error()),
        }
    }

    /// A node where an operand is required (left of a comparator).
    fn expect_operand(&mut self, node: Node<'s>) -> Result<Operand<Parsed<'s>>, ExprError> {
        match node {
            Node::Operand(o, _) => {
                self.check_operand_use(&o, false);
                Ok(o)
            }
            Node::Cond(..) => Err(self.syntax_error()),
        }
    }

    /// Reports remembered issues in DynamoDB's order for conditions and
    /// projections.
    fn finish_condition_issues(&self) -> Result<(), ExprError> {
        let i = &self.issues;
        if let Some(depth) = i.too_deep {
            return Err(too_deep(self.kind, depth));
        }
        if i.redundant_parens {
            return Err(ExprError::invalid(self.kind, "The expression has redundant parentheses;"));
        }
        if let Some(f) = &i.unknown_function {
            return Err(ExprError::invalid(self.kind, format_args!("Invalid function name; function: {f}")));
        }
        if let Some(f) = &i.misused_function {
            return Err(ExprError::invalid(
                self.kind,
                format_args!("The function is not allowed to be used this way in an expression; function: {f}"),
            ));
        }
        if let Some(r) = &i.reserved {
            return Err(reserved_error(self.kind, r));
        }
        Ok(())
    }
}

/// Parses a ConditionExpression, FilterExpression or KeyConditionExpression
/// (`kind` only chooses the message prefix).
pub fn parse_condition(kind: ExprKind, src: &str) -> Result<ParsedCondition<'_>, ExprError> {
    let mut p = Parser::new(src, kind, Grammar::Condition)
        .map_err(|e| if src.is_empty() { e.breaking(Rule::EmptyExpression) } else { e })?;
    let node = p.parse_or()?;
    let cond = p.expect_condition(node)?;
    p.expect_eof()?;
    p.finish_condition_issues()?;
    Ok(cond)
}

/// Parses a ProjectionExpression: `path (',' path)*`.
pub fn parse_projection(src: &str) -> Result<ParsedProjection<'_>, ExprError> {
    let mut p = Parser::new(src, ExprKind::Projection, Grammar::Projection)?;
    let mut paths = vec![p.parse_path()?];
    while p.peek() == TokenKind::Comma {
        p.bump();
        paths.push(p.parse_path()?);
    }
    p.expect_eof()?;
    p.finish_condition_issues()?;
    Ok(Projection { paths })
}
