//! Item collections: the items of one partition key value in a table with
//! local secondary indexes, together with their LSI entries. DynamoDB
//! reports their size (ReturnItemCollectionMetrics) as a range in GB.

use std::ops::Bound;

use ddb_core::size::item_size;
use ddb_core::AttributeValue;
use serde_json::{json, Value};
use storage::{Direction, Snapshot};

use super::layout::{partition_prefix, prefix_end};
use super::store::decode;
use crate::catalog::CatalogTable;
use crate::error::ApiError;

const GB: f64 = 1024.0 * 1024.0 * 1024.0;

fn storage_error(e: storage::Error) -> ApiError {
    ApiError::Internal(format!("storage: {e}"))
}

fn prefix_bytes(snapshot: &dyn Snapshot, prefix: &[u8]) -> Result<u64, ApiError> {
    let end = prefix_end(prefix);
    let end = end.as_deref().map_or(Bound::Unbounded, Bound::Excluded);
    let mut total = 0u64;
    for kv in snapshot
        .range(Bound::Included(prefix), end, Direction::Forward)
        .map_err(storage_error)?
    {
        let (_, v) = kv.map_err(storage_error)?;
        total += item_size(&decode(&v)?) as u64;
    }
    Ok(total)
}

/// The bytes of the item collection of partition key `pk`.
pub fn size(snapshot: &dyn Snapshot, table: &CatalogTable, pk: &AttributeValue) -> Result<u64, ApiError> {
    let base = partition_prefix(&table.record.id, pk).map_err(|e| ApiError::Validation(e.to_string()))?;
    let mut total = prefix_bytes(snapshot, &base)?;
    for idx in table.indexes.indexes.iter().filter(|i| i.local) {
        total += prefix_bytes(snapshot, &idx.partition_prefix(pk)?)?;
    }
    Ok(total)
}

/// `ItemCollectionMetrics` for partition key `pk` of a collection of
/// `bytes`: the key and DynamoDB's estimate range, whole GB around it.
pub fn metrics(table: &CatalogTable, pk: &AttributeValue, bytes: u64) -> Value {
    let low = (bytes as f64 / GB).floor();
    let key = ddb_core::value::json::attribute_value_to_json(pk);
    json!({
        "ItemCollectionKey": { table.def.spec.key_schema.hash.name.clone(): key },
        "SizeEstimateRangeGB": [low, low + 1.0],
    })
}

/// True when the table has item collections to report (it has an LSI).
pub fn applies(table: &CatalogTable) -> bool {
    table.indexes.indexes.iter().any(|i| i.local)
}
