//! Table management: request shapes, validation into a [`TableSpec`], and
//! the `TableDescription` rendering.

mod constraints;
mod create;
mod describe;
mod spec;
mod types;

pub use create::CreateTableInput;
pub use describe::{describe, Location, Usage};
pub use spec::{
    BillingMode, IndexSpec, KeyAttr, KeySchema, ProjectionSpec, ScalarType, StreamViewType,
    TableDefinition, TableSpec, Throughput,
};
pub use types::*;

#[cfg(test)]
mod tests;
