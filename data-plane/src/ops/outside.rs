//! Operations that need an AWS service a Dynastore endpoint does not reach:
//! Kinesis Data Streams (EnableKinesisStreamingDestination,
//! DisableKinesisStreamingDestination, UpdateKinesisStreamingDestination)
//! and Application Auto Scaling (UpdateTableReplicaAutoScaling). A request
//! is checked as DynamoDB checks it (its members, then the table), so a
//! malformed one gets DynamoDB's error; a well-formed one is then refused
//! with a ValidationException that says what is out of reach, and nothing
//! changes. What they would set up is described as absent:
//! DescribeKinesisStreamingDestination lists no destination
//! (`table_settings`), DescribeTableReplicaAutoScaling no replica.

use ddb_core::api::table::{KinesisDestinationInput, TableNameInput};
use ddb_core::Operation;
use serde_json::{json, Value};

use super::tables::not_found;
use crate::auth::Verified;
use crate::catalog::Catalog;
use crate::error::ApiError;

/// `EnableKinesisStreamingDestination`, `DisableKinesisStreamingDestination`
/// and `UpdateKinesisStreamingDestination` (`op`).
pub fn kinesis_destination(
    op: Operation,
    caller: &Verified,
    catalog: &Catalog,
    input: &KinesisDestinationInput,
) -> Result<Value, ApiError> {
    let (name, stream) = input.validate().map_err(ApiError::Validation)?;
    catalog.table(caller.space(), name).ok_or_else(|| not_found(name))?;
    Err(ApiError::Validation(match op {
        Operation::EnableKinesisStreamingDestination => format!(
            "Kinesis Data Streams are not available on this endpoint: it cannot write to stream {stream}. Read the table's changes with DynamoDB Streams instead."
        ),
        _ => format!(
            "Kinesis Data Streams are not available on this endpoint: table {name} has no Kinesis streaming destination {stream}."
        ),
    }))
}

/// A table that is no global table has no replica auto scaling to
/// describe or change (DynamoDB's answer, ack-api-quirks' probes of 2026).
fn not_global(name: &str) -> ApiError {
    ApiError::ResourceNotFound(format!("Global table with name: '{name}' does not exist."))
}

/// `DescribeTableReplicaAutoScaling`: the replicas of a global table, none
/// with auto scaling settings (replicas are on demand here).
pub fn describe_replica_auto_scaling(caller: &Verified, catalog: &Catalog, input: &TableNameInput) -> Result<Value, ApiError> {
    let name = input.validate().map_err(ApiError::Validation)?;
    let table = catalog.table(caller.space(), name).ok_or_else(|| not_found(name))?;
    if table.def.replicas.is_empty() {
        return Err(not_global(name));
    }
    let replicas: Vec<Value> = table
        .def
        .replicas
        .iter()
        .map(|r| json!({"RegionName": r, "ReplicaStatus": "ACTIVE", "GlobalSecondaryIndexes": []}))
        .collect();
    Ok(json!({
        "TableAutoScalingDescription": {
            "TableName": table.def.spec.name,
            "TableStatus": table.record.status,
            "Replicas": replicas,
        }
    }))
}

/// `UpdateTableReplicaAutoScaling`: refused once the table is found.
pub fn update_replica_auto_scaling(caller: &Verified, catalog: &Catalog, input: &TableNameInput) -> Result<Value, ApiError> {
    let name = input.validate().map_err(ApiError::Validation)?;
    let table = catalog.table(caller.space(), name).ok_or_else(|| not_found(name))?;
    if table.def.replicas.is_empty() {
        return Err(not_global(name));
    }
    Err(ApiError::Validation(format!(
        "Auto scaling is not available on this endpoint: it has no Application Auto Scaling to adjust table {name}. On-demand tables (BillingMode PAY_PER_REQUEST) scale without it; UpdateTable sets a provisioned table's throughput."
    )))
}
