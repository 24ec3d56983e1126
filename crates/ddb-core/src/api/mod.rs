//! Typed inputs and outputs of the DynamoDB operations, and the table that
//! maps `X-Amz-Target` values to [`Operation`].

mod list_tables;
mod operation;
pub mod table;

pub use list_tables::{ListTablesInput, ListTablesOutput};
pub use operation::{Operation, Service};
