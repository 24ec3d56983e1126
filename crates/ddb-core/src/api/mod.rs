//! Typed inputs and outputs of the DynamoDB operations, and the table that
//! maps `X-Amz-Target` values to [`Operation`].

pub mod items;
mod list_tables;
mod operation;
pub mod table;
pub mod wire;

pub use list_tables::{ListTablesInput, ListTablesOutput};
pub use operation::{Operation, Service};
