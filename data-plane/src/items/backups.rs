//! Where on-demand backups live in a tenant's key space. Frozen: stored
//! keys depend on it.
//!
//! ```text
//! "B" id                 → the backup's record (JSON, ddb_core's BackupRecord)
//! "b" id "/" n:u64be     → its n-th item, in the storage encoding
//! ```
//! `id` is DynamoDB's backup id (`<14-digit millis>-<8 hex>`), so records
//! sort in creation order. A backup outlives its table (its keys are not
//! under the table's prefix) and goes with its tenant.

use std::ops::Bound;

use bytes::Bytes;
use ddb_core::api::table::BackupRecord;
use storage::{Direction, Snapshot};

use super::layout::prefix_end;
use crate::error::ApiError;

const RECORD: u8 = b'B';
const ITEMS: u8 = b'b';

fn storage(e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(format!("storage: {e}"))
}

/// The key of backup `id`'s record.
pub fn record_key(id: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(id.len() + 1);
    k.push(RECORD);
    k.extend_from_slice(id.as_bytes());
    k
}

/// The prefix of backup `id`'s items.
pub fn items_prefix(id: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(id.len() + 2);
    k.push(ITEMS);
    k.extend_from_slice(id.as_bytes());
    k.push(b'/');
    k
}

/// The key of backup `id`'s `n`-th item.
pub fn item_key(id: &str, n: u64) -> Vec<u8> {
    let mut k = items_prefix(id);
    k.extend_from_slice(&n.to_be_bytes());
    k
}

/// The record as stored.
pub fn encode_record(record: &BackupRecord) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(record).map_err(|e| ApiError::Internal(e.to_string()))
}

/// Backup `id`'s record, if it exists.
pub fn record(snapshot: &dyn Snapshot, id: &str) -> Result<Option<BackupRecord>, ApiError> {
    match snapshot.get(&record_key(id)).map_err(storage)? {
        Some(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(storage),
        None => Ok(None),
    }
}

/// Every backup of the tenant, oldest first.
pub fn records(snapshot: &dyn Snapshot) -> Result<Vec<BackupRecord>, ApiError> {
    let start = [RECORD];
    let end = [RECORD + 1];
    snapshot
        .range(Bound::Included(&start[..]), Bound::Excluded(&end[..]), Direction::Forward)
        .map_err(storage)?
        .map(|kv| {
            let (_, value) = kv.map_err(storage)?;
            serde_json::from_slice(&value).map_err(storage)
        })
        .collect()
}

/// Backup `id`'s items, in the storage encoding.
pub fn items(snapshot: &dyn Snapshot, id: &str) -> Result<Vec<Bytes>, ApiError> {
    let prefix = items_prefix(id);
    let end = prefix_end(&prefix);
    let end = end.as_deref().map_or(Bound::Unbounded, Bound::Excluded);
    snapshot
        .range(Bound::Included(prefix.as_slice()), end, Direction::Forward)
        .map_err(storage)?
        .map(|kv| kv.map(|(_, v)| v).map_err(storage))
        .collect()
}
