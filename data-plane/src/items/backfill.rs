//! Online backfill of a new global secondary index. After UpdateTable
//! adds the index (IndexStatus CREATING), every write maintains it; the
//! backfill then writes the entries of the items that existed before,
//! through the tenant's writer (so it never races a concurrent write of
//! the same item), and finally marks the index ACTIVE.

use std::ops::Bound;
use std::sync::Arc;
use std::time::Duration;

use ddb_core::api::table::TableChange;
use storage::Direction;

use super::layout::{items_prefix, prefix_end};
use super::store::{ChangeLog, ItemStore, MultiDecision, WriteKey};
use crate::catalog::{CatalogTable, Space};
use crate::error::ApiError;
use crate::sync::ControlPlaneClient;

/// Keys reindexed per writer request.
const CHUNK: usize = 100;

/// Backfills every index of `table` still in `creating_indexes`, then tells
/// the control plane they are ready.
pub async fn run(items: Arc<ItemStore>, client: ControlPlaneClient, tenant: String, table: Arc<CatalogTable>) -> Result<(), ApiError> {
    // Requests that read the catalog before the index existed finish within
    // milliseconds; give them time, then let the writer drain behind a
    // barrier so the snapshot below holds every write they made.
    tokio::time::sleep(Duration::from_secs(1)).await;
    items.drain(&tenant).await?;
    let snapshot = items.snapshot(&tenant).await?;
    let prefix = items_prefix(&table.record.id);
    let keys = tokio::task::spawn_blocking(move || -> Result<Vec<Vec<u8>>, ApiError> {
        let end = prefix_end(&prefix);
        let end = end.as_deref().map_or(Bound::Unbounded, Bound::Excluded);
        snapshot
            .range(Bound::Included(prefix.as_slice()), end, Direction::Forward)
            .map_err(|e| ApiError::Internal(format!("storage: {e}")))?
            .map(|kv| kv.map(|(k, _)| k.to_vec()).map_err(|e| ApiError::Internal(format!("storage: {e}"))))
            .collect()
    })
    .await
    .map_err(|e| ApiError::Internal(format!("backfill task failed: {e}")))??;
    let table_id: Arc<str> = Arc::from(table.record.id.as_str());
    for chunk in keys.chunks(CHUNK) {
        let write_keys: Vec<WriteKey> = chunk
            .iter()
            .map(|k| WriteKey {
                key: k.clone(),
                table_id: Arc::clone(&table_id),
                indexes: Some(Arc::clone(&table.indexes)),
                reindex_only: true,
                log: ChangeLog::Off,
                by_service: false,
            })
            .collect();
        let n = write_keys.len();
        items
            .write_many(
                &tenant,
                write_keys,
                Box::new(move |_| Ok(MultiDecision { writes: vec![None; n], output: serde_json::Value::Null, extra: Vec::new() })),
            )
            .await?;
    }
    for name in &table.def.creating_indexes {
        let change = serde_json::to_value(TableChange::IndexReady(name.clone()))
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        client.change_table(Space::of(&table.record), &table.def.spec.name, &change, None).await?;
        tracing::info!(%tenant, table = %table.def.spec.name, index = %name, items = keys.len(), "index backfilled");
    }
    Ok(())
}
