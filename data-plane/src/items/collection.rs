//! Item collections: the items of one partition key value in a table with
//! local secondary indexes, together with their LSI entries. DynamoDB
//! reports their size (ReturnItemCollectionMetrics) as a range in GB.

use ddb_core::key::encode_key_value;
use ddb_core::AttributeValue;
use serde_json::{json, Value};
use storage::Snapshot;

use super::stats;
use crate::catalog::CatalogTable;
use crate::error::ApiError;

const GB: f64 = 1024.0 * 1024.0 * 1024.0;

/// The bytes of the item collection of partition key `pk`, as the writer
/// counts them (items plus their LSI entries).
pub fn size(snapshot: &dyn Snapshot, table: &CatalogTable, pk: &AttributeValue) -> Result<u64, ApiError> {
    let mut encoded = Vec::with_capacity(32);
    encode_key_value(pk, &mut encoded).map_err(|e| ApiError::Validation(e.to_string()))?;
    let (_, bytes) = stats::read_key(snapshot, &stats::collection_key(&table.record.id, &encoded))
        .map_err(|e| ApiError::Internal(format!("storage: {e}")))?;
    Ok(bytes)
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
