//! DynamoDB's PartiQL: statements parsed into a tree, then translated into
//! the classic requests that do the same thing, so that ExecuteStatement,
//! BatchExecuteStatement and ExecuteTransaction run through GetItem,
//! Query, Scan, PutItem, UpdateItem, DeleteItem and the transactions with
//! all of their validation, limits and capacity rules.
//!
//! Map: [`lexer`] (tokens) → [`parser`] (a [`ast::Statement`], parameters
//! bound) → [`translate`] (request JSON with generated
//! `ExpressionAttributeNames` `#n0…` and `ExpressionAttributeValues`
//! `:v0…`); [`token`] makes the opaque `NextToken`. Nothing here panics on
//! any input (see the fuzz tests).
//!
//! Messages are DynamoDB's (`Statement wasn't well formed, can't be
//! processed: …`, `Where clause does not contain a mandatory equality on all
//! key attributes`, …), as recorded against the service by the
//! dynamodb-conformance suites and moto's AWS-verified tests; where
//! DynamoDB's wording for a syntax error was not found, the detail after
//! the envelope is ours.

pub mod ast;
pub mod lexer;
mod overlap;
pub mod parser;
pub mod token;
pub mod translate;

#[cfg(test)]
mod tests;

use crate::expr::ExprError;

pub use ast::Statement;
pub use parser::parse;

/// The envelope DynamoDB puts around syntax errors.
pub const NOT_WELL_FORMED: &str = "Statement wasn't well formed, can't be processed: ";

/// A syntax error with `detail`.
pub(crate) fn not_well_formed(detail: &str) -> ExprError {
    ExprError::plain(format!("{NOT_WELL_FORMED}{detail}"))
}

/// A ValidationException with `message`.
pub(crate) fn invalid(message: impl Into<String>) -> ExprError {
    ExprError::plain(message)
}
