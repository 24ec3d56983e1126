//! DynamoDB expressions in three phases: parse → resolve → evaluate.
//!
//! 1. **Parse** ([`parse_condition`], [`parse_update`], [`parse_projection`]):
//!    text → a [`ast`] tree in the [`ast::Parsed`] phase. Checks the syntax,
//!    the limits (4 KB, 300 operators, 32 path levels, 100 `IN` operands),
//!    reserved words, unknown or misused functions and redundant parentheses.
//! 2. **Resolve** ([`resolve::Resolver`]): substitutes `#names` and `:values`
//!    for one request (several expressions share one resolver, because
//!    DynamoDB rejects placeholders unused by *all* of them), then checks what
//!    needs the values: operand types of constants, `BETWEEN` bounds, arity,
//!    overlapping update paths.
//! 3. **Evaluate**: [`eval::evaluate`] (conditions and filters),
//!    [`update::apply_update`], [`projection::project`], and
//!    [`key_condition::key_condition`] for Query.
//!
//! [`legacy`] converts the pre-expression parameters (`Expected`,
//! `AttributeUpdates`, `KeyConditions`, `QueryFilter`, `ScanFilter`,
//! `AttributesToGet`) into the same resolved trees.
//!
//! Every failure is an [`ExprError`] carrying the exact ValidationException
//! message DynamoDB returns. Nothing in this module panics on any input.

pub mod ast;
pub mod eval;
pub mod key_condition;
pub mod legacy;
pub mod lexer;
pub mod parse_condition;
pub mod parser;
pub mod projection;
pub mod reserved;
pub mod resolve;
pub mod statement_size;
pub mod update;

mod check;
mod owned;
mod parse_update;
mod values;

#[cfg(test)]
mod tests;

use std::fmt;

use crate::error::ErrorCode;

pub use parse_condition::{parse_condition, parse_projection, ParsedCondition, ParsedProjection};
pub use parse_update::{parse_update, ParsedUpdate};

/// Maximum size of one expression string, in bytes.
pub const MAX_EXPRESSION_BYTES: usize = 4096;
/// Maximum number of operators and functions in one expression.
pub const MAX_OPERATORS: usize = 300;
/// Maximum number of steps in one document path.
pub const MAX_PATH_DEPTH: usize = 32;
/// Maximum number of operands in the list of an `IN`.
pub const MAX_IN_OPERANDS: usize = 100;

/// Which request parameter an expression came from; it prefixes messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExprKind {
    /// `ConditionExpression`
    Condition,
    /// `FilterExpression`
    Filter,
    /// `KeyConditionExpression`
    KeyCondition,
    /// `ProjectionExpression`
    Projection,
    /// `UpdateExpression`
    Update,
    /// `SearchConditionExpression` (SearchVectors)
    SearchCondition,
}

impl ExprKind {
    /// The request member name, as used in messages.
    pub const fn member(self) -> &'static str {
        match self {
            ExprKind::Condition => "ConditionExpression",
            ExprKind::Filter => "FilterExpression",
            ExprKind::KeyCondition => "KeyConditionExpression",
            ExprKind::Projection => "ProjectionExpression",
            ExprKind::Update => "UpdateExpression",
            ExprKind::SearchCondition => "SearchConditionExpression",
        }
    }
}

/// The request-level rules some operations report as a failed constraint
/// (`1 validation error detected: <message>`) where the others send the
/// message alone. Which operation does which is the service's business;
/// see [`ExprError::rule`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    /// A placeholder of `ExpressionAttributeNames` or
    /// `ExpressionAttributeValues` that no expression uses.
    UnusedPlaceholder,
    /// An empty `ExpressionAttributeNames` or `ExpressionAttributeValues` map.
    EmptyValues,
    /// A value placeholder an expression uses that the request does not
    /// define.
    UndefinedValue,
    /// An UpdateExpression that is empty, repeats a section, or updates two
    /// overlapping paths.
    UpdateShape,
    /// An empty condition expression (ConditionExpression, FilterExpression,
    /// KeyConditionExpression).
    EmptyExpression,
}

/// An expression failure: always a ValidationException, with DynamoDB's
/// exact message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExprError {
    /// A ValidationException with this message.
    #[error("{0}")]
    Validation(String),
    /// A ValidationException with this message that breaks a [`Rule`].
    #[error("{1}")]
    Broke(Rule, String),
}

impl ExprError {
    /// `Invalid <Member>: <detail>`, the form of most expression errors.
    pub fn invalid(kind: ExprKind, detail: impl fmt::Display) -> Self {
        ExprError::Validation(format!("Invalid {}: {detail}", kind.member()))
    }

    /// A message used verbatim.
    pub fn plain(message: impl Into<String>) -> Self {
        ExprError::Validation(message.into())
    }

    /// The same message, marked as breaking `rule`.
    pub(crate) fn breaking(self, rule: Rule) -> Self {
        match self {
            ExprError::Validation(m) | ExprError::Broke(_, m) => ExprError::Broke(rule, m),
        }
    }

    /// The message returned to the client.
    pub fn message(&self) -> &str {
        match self {
            ExprError::Validation(m) | ExprError::Broke(_, m) => m,
        }
    }

    /// The request-level rule this failure breaks, if any.
    pub const fn rule(&self) -> Option<Rule> {
        match self {
            ExprError::Validation(_) => None,
            ExprError::Broke(rule, _) => Some(*rule),
        }
    }

    /// The wire error code.
    pub const fn code(&self) -> ErrorCode {
        ErrorCode::Validation
    }
}
