//! Per-tenant item storage and its writer.
//!
//! Reads take a snapshot (ConsistentRead or not, every acknowledged write is
//! visible). Writes to one tenant go through that tenant's writer
//! (`writer.rs`), which group-commits: every change a request decides is
//! written in one atomic batch with the rest of its group, fsynced under
//! the default sync policy, before the request is answered.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use ddb_core::value::binary;
use ddb_core::Item;
use storage::{Engine, Snapshot, TenantStore, WriteBatch};

use super::stats;
use super::writer::{Request, Writer};
use crate::error::ApiError;
use crate::metrics::WriteGroupMeters;
use crate::items::index::TableIndexes;

/// What a write request decided after seeing the current item.
#[derive(Debug)]
pub struct Decision<T> {
    /// `None`: leave the item; `Some(None)`: delete it; `Some(Some(i))`: store `i`.
    pub write: Option<Option<Item>>,
    /// The request's answer.
    pub output: T,
}

/// Decides a write given the current item (None when absent).
pub type Decide = Box<dyn FnOnce(Option<Item>) -> Result<Decision<serde_json::Value>, ApiError> + Send>;

/// What a multi-key request decided: one entry per key, in request order
/// (`None`: leave; `Some(None)`: delete; `Some(Some(i))`: store).
#[derive(Debug)]
pub struct MultiDecision {
    pub writes: Vec<Option<Option<Item>>>,
    pub output: serde_json::Value,
    /// Raw records put in the same atomic batch as the writes (e.g. a
    /// transaction's ClientRequestToken). Their keys must lie under a
    /// prefix of their own, never `t`, `s` or the change log's.
    pub extra: Vec<(Vec<u8>, Vec<u8>)>,
}

/// Decides an all-or-nothing write of several keys given their current
/// items (in key order of the request).
pub type DecideMany = Box<dyn FnOnce(Vec<Option<Item>>) -> Result<MultiDecision, ApiError> + Send>;

/// What the change log records of a table's writes. Only a table whose
/// stream is enabled has a reader for its changes: DynamoDB Streams (and
/// point-in-time recovery, once it is served) see only changes made after
/// they were enabled, so the other tables' writes log nothing and spare
/// the disk a second copy of every item.
/// Ordered by what is kept: a later variant keeps everything an earlier
/// one does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChangeLog {
    /// No record.
    Off,
    /// The change with its new image; of the old item only that it existed.
    NewImage,
    /// The change with its old and new images.
    Images,
}

/// One key of a write, with the indexes to maintain for it.
pub struct WriteKey {
    pub key: Vec<u8>,
    /// The table's stable id, recorded in the change log.
    pub table_id: Arc<str>,
    pub indexes: Option<Arc<TableIndexes>>,
    /// Backfill: (re)write this item's index entries from its current
    /// state; the item itself and the change log are untouched.
    pub reindex_only: bool,
    /// What the change log records of this write.
    pub log: ChangeLog,
    /// The service makes this change (a Time to Live deletion); the change
    /// log says so.
    pub by_service: bool,
}

/// Items of every tenant on this node.
pub struct ItemStore {
    tenants: Arc<TenantStore>,
    writers: Mutex<HashMap<String, Arc<Writer>>>,
    /// Largest item collection (tables with LSIs), in bytes.
    collection_limit: u64,
    /// Tenants' storage quotas in bytes (tenants without one are absent).
    quotas: Quotas,
    /// Where the writers report their group commits.
    group_meters: Option<WriteGroupMeters>,
}

pub(super) type Quotas = Arc<std::sync::RwLock<HashMap<String, u64>>>;

/// DynamoDB's item collection limit: 10 GB.
pub const ITEM_COLLECTION_LIMIT: u64 = 10 * 1024 * 1024 * 1024;

impl std::fmt::Debug for ItemStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ItemStore").finish_non_exhaustive()
    }
}

pub(crate) fn storage_error(e: storage::Error) -> ApiError {
    ApiError::Internal(format!("storage: {e}"))
}

/// Decodes a stored item; a corrupt record is an internal error, never a panic.
pub fn decode(bytes: &[u8]) -> Result<Item, ApiError> {
    binary::decode_item(bytes).map_err(corrupt)
}

/// A stored item that does not decode.
pub fn corrupt(e: binary::DecodeError) -> ApiError {
    ApiError::Internal(format!("corrupt item record: {e}"))
}

impl ItemStore {
    /// A store over `tenants`.
    pub fn new(tenants: Arc<TenantStore>) -> ItemStore {
        ItemStore {
            tenants,
            writers: Mutex::new(HashMap::new()),
            collection_limit: ITEM_COLLECTION_LIMIT,
            quotas: Quotas::default(),
            group_meters: None,
        }
    }

    /// The same store, its writers reporting group commits to `meters`.
    pub fn with_group_meters(mut self, meters: WriteGroupMeters) -> ItemStore {
        self.group_meters = Some(meters);
        self
    }

    /// Replaces the tenants' storage quotas (from the catalog).
    pub fn set_storage_quotas(&self, quotas: HashMap<String, u64>) {
        *self.quotas.write().unwrap_or_else(std::sync::PoisonError::into_inner) = quotas;
    }

    /// The same store with another item collection limit (tests use a
    /// small one).
    pub fn with_collection_limit(mut self, bytes: u64) -> ItemStore {
        self.collection_limit = bytes;
        self
    }

    /// The tenant store (for eviction and erasure).
    pub fn tenants(&self) -> &Arc<TenantStore> {
        &self.tenants
    }

    /// A consistent snapshot of a tenant's items.
    pub async fn snapshot(&self, tenant: &str) -> Result<Box<dyn Snapshot>, ApiError> {
        if let Some(engine) = self.tenants.get_open(tenant) {
            return engine.snapshot().map_err(storage_error);
        }
        let tenants = Arc::clone(&self.tenants);
        let tenant = tenant.to_owned();
        tokio::task::spawn_blocking(move || {
            let engine = tenants.get(&tenant).map_err(storage_error)?;
            engine.snapshot().map_err(storage_error)
        })
        .await
        .map_err(|e| ApiError::Internal(format!("read task failed: {e}")))?
    }

    /// Reads one item's stored encoding (for [`decode`] or
    /// `binary::write_item_json`). When the tenant's storage is already open the read
    /// runs inline (a point read of cached blocks takes microseconds, less
    /// than a hop to the blocking pool); opening storage is left to the pool.
    pub async fn get(&self, tenant: &str, key: Vec<u8>) -> Result<Option<Bytes>, ApiError> {
        let read = move |engine: &dyn Engine| engine.get(&key).map_err(storage_error);
        if let Some(engine) = self.tenants.get_open(tenant) {
            return read(&engine);
        }
        let tenants = Arc::clone(&self.tenants);
        let tenant = tenant.to_owned();
        tokio::task::spawn_blocking(move || read(&tenants.get(&tenant).map_err(storage_error)?))
            .await
            .map_err(|e| ApiError::Internal(format!("read task failed: {e}")))?
    }

    /// Deletes every item and index entry of a dropped table (the change
    /// log keeps its records for Streams). Runs in the background: the
    /// table is already gone from the catalog, so nothing reads it.
    pub async fn drop_table(&self, tenant: &str, table_id: &str) -> Result<u64, ApiError> {
        let mut prefix = vec![b't'];
        prefix.extend_from_slice(table_id.as_bytes());
        prefix.push(b'/');
        let removed = self.drop_prefix(tenant, prefix).await?;
        let snapshot = self.snapshot(tenant).await?;
        let bytes = stats::table_bytes(snapshot.as_ref(), table_id).map_err(storage_error)?;
        self.drop_prefix(tenant, stats::table_key(table_id)).await?;
        self.writer(tenant).release_bytes(bytes);
        Ok(removed)
    }

    /// Deletes every key starting with `prefix` (a dropped table or index).
    pub async fn drop_prefix(&self, tenant: &str, prefix: Vec<u8>) -> Result<u64, ApiError> {
        let tenants = Arc::clone(&self.tenants);
        let tenant = tenant.to_owned();
        tokio::task::spawn_blocking(move || {
            let engine = tenants.get(&tenant).map_err(storage_error)?;
            let end = super::layout::prefix_end(&prefix);
            let end_bound = match &end {
                Some(e) => std::ops::Bound::Excluded(e.as_slice()),
                None => std::ops::Bound::Unbounded,
            };
            let snap = engine.snapshot().map_err(storage_error)?;
            let mut removed = 0u64;
            let mut batch = WriteBatch::new();
            for kv in snap
                .range(std::ops::Bound::Included(prefix.as_slice()), end_bound, storage::Direction::Forward)
                .map_err(storage_error)?
            {
                let (k, _) = kv.map_err(storage_error)?;
                batch.delete(k);
                removed += 1;
                if batch.len() >= 1000 {
                    engine.write(std::mem::take(&mut batch)).map_err(storage_error)?;
                }
            }
            engine.write(batch).map_err(storage_error)?;
            Ok(removed)
        })
        .await
        .map_err(|e| ApiError::Internal(format!("drop task failed: {e}")))?
    }

    /// Submits a write of `key` to the tenant's writer and waits for its
    /// durable outcome.
    pub async fn write(&self, tenant: &str, key: WriteKey, decide: Decide) -> Result<serde_json::Value, ApiError> {
        self.write_many(
            tenant,
            vec![key],
            Box::new(move |mut current| {
                let d = decide(current.pop().flatten())?;
                Ok(MultiDecision {
                    writes: vec![d.write],
                    output: d.output,
                    extra: Vec::new(),
                })
            }),
        )
        .await
    }

    /// Waits until every write submitted before it is durable and visible,
    /// so a snapshot taken next holds them all.
    pub async fn drain(&self, tenant: &str) -> Result<(), ApiError> {
        let nothing: DecideMany =
            Box::new(|_| Ok(MultiDecision { writes: Vec::new(), output: serde_json::Value::Null, extra: Vec::new() }));
        self.write_many(tenant, Vec::new(), nothing).await.map(|_| ())
    }

    /// Submits an all-or-nothing write of several distinct keys: `decide`
    /// sees every key's current item and its changes are applied in one
    /// atomic batch, or none if it fails.
    pub async fn write_many(
        &self,
        tenant: &str,
        keys: Vec<WriteKey>,
        decide: DecideMany,
    ) -> Result<serde_json::Value, ApiError> {
        self.submit(tenant, Request { keys, decide, transaction: false }).await
    }

    /// [`Self::write_many`] for a transaction: an action that would break
    /// the item collection limit cancels it with that reason.
    pub async fn write_transaction(
        &self,
        tenant: &str,
        keys: Vec<WriteKey>,
        decide: DecideMany,
    ) -> Result<serde_json::Value, ApiError> {
        self.submit(tenant, Request { keys, decide, transaction: true }).await
    }

    async fn submit(&self, tenant: &str, req: Request) -> Result<serde_json::Value, ApiError> {
        let engine = match self.tenants.get_open(tenant) {
            Some(engine) => engine,
            None => {
                let tenants = Arc::clone(&self.tenants);
                let tenant = tenant.to_owned();
                tokio::task::spawn_blocking(move || tenants.get(&tenant))
                    .await
                    .map_err(|e| ApiError::Internal(format!("open task failed: {e}")))?
                    .map_err(storage_error)?
            }
        };
        let answer = self.writer(tenant).submit(&engine, req);
        drop(engine);
        answer.await.map_err(|_| ApiError::Internal("writer stopped".into()))?
    }

    fn writer(&self, tenant: &str) -> Arc<Writer> {
        let mut writers = self.writers.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(w) = writers.get(tenant) {
            return Arc::clone(w);
        }
        let w = Arc::new(Writer::new(
            tenant.to_owned(),
            Arc::clone(&self.tenants),
            self.collection_limit,
            Arc::clone(&self.quotas),
            self.group_meters.clone(),
        ));
        writers.insert(tenant.to_owned(), Arc::clone(&w));
        w
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::items::changelog;
    use ddb_core::AttributeValue;
    use std::time::Duration;
    use storage::{Direction, TenantStoreConfig};

    fn item(v: &str) -> Item {
        let mut i = Item::new();
        i.insert("pk".into(), AttributeValue::S("k".into()));
        i.insert("v".into(), AttributeValue::S(v.into()));
        i
    }

    fn put(v: &'static str) -> Decide {
        Box::new(move |_| {
            Ok(Decision {
                write: Some(Some(item(v))),
                output: serde_json::Value::Null,
            })
        })
    }

    fn wk() -> WriteKey {
        WriteKey {
            key: b"tT/ik".to_vec(),
            table_id: Arc::from("T"),
            indexes: None,
            reindex_only: false,
            log: ChangeLog::Images,
            by_service: false,
        }
    }

    #[tokio::test]
    async fn every_write_logs_old_and_new_in_order_across_restarts() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = ItemStore::new(Arc::new(TenantStore::open(TenantStoreConfig::new(dir.path())).unwrap()));
            store.write("t1", wk(), put("a")).await.unwrap();
            store.write("t1", wk(), put("b")).await.unwrap();
            store.tenants().close_all();
        }
        // A new store (a restarted process) continues the sequence.
        let store = ItemStore::new(Arc::new(TenantStore::open(TenantStoreConfig::new(dir.path())).unwrap()));
        store
            .write(
                "t1",
                // Deleted the way the Time to Live sweep deletes.
                WriteKey { by_service: true, ..wk() },
                Box::new(|cur| {
                    assert_eq!(cur, Some(item("b")), "the acknowledged write survived");
                    Ok(Decision { write: Some(None), output: serde_json::Value::Null })
                }),
            )
            .await
            .unwrap();
        let snap = store.snapshot("t1").await.unwrap();
        let end = [b'd'];
        let log: Vec<changelog::Change> = snap
            .range(std::ops::Bound::Included(b"c".as_slice()), std::ops::Bound::Excluded(&end[..]), Direction::Forward)
            .unwrap()
            .map(|kv| changelog::decode(&kv.unwrap().1).unwrap())
            .collect();
        assert_eq!(log.len(), 3);
        assert_eq!((log[0].old.clone(), log[0].new.clone()), (None, Some(item("a"))));
        assert_eq!((log[1].old.clone(), log[1].new.clone()), (Some(item("a")), Some(item("b"))));
        assert_eq!((log[2].old.clone(), log[2].new.clone()), (Some(item("b")), None));
        assert!(log.iter().all(|c| c.table_id == "T"));
        let by_service: Vec<bool> = log.iter().map(|c| c.by_service).collect();
        assert_eq!(by_service, [false, false, true], "only the service's deletion is marked");
        assert!(snap.get(b"tT/ik").unwrap().is_none());
    }

    /// A table without a stream has no reader for its changes: its writes
    /// log nothing, and the item and its statistics are written as ever;
    /// the sequence goes on where the logged writes left it.
    #[tokio::test]
    async fn writes_without_a_stream_log_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = ItemStore::new(Arc::new(TenantStore::open(TenantStoreConfig::new(dir.path())).unwrap()));
        let quiet = || WriteKey { log: ChangeLog::Off, ..wk() };
        store.write("t1", quiet(), put("a")).await.unwrap();
        store.write("t1", quiet(), put("b")).await.unwrap();
        assert_eq!(changelog::last_seq(&store.tenants().get("t1").unwrap()).unwrap(), 0);
        let stored = store.get("t1", b"tT/ik".to_vec()).await.unwrap().map(|b| decode(&b).unwrap());
        assert_eq!(stored, Some(item("b")));
        let snap = store.snapshot("t1").await.unwrap();
        assert_eq!(stats::read(snap.as_ref(), "T", &[]).unwrap().item_count, 1);
        store.write("t1", WriteKey { log: ChangeLog::NewImage, ..wk() }, put("c")).await.unwrap();
        assert_eq!(changelog::last_seq(&store.tenants().get("t1").unwrap()).unwrap(), 1);
        let snap = store.snapshot("t1").await.unwrap();
        let record = snap.get(&changelog::key(1)).unwrap().map(|v| changelog::decode(&v).unwrap());
        let record = record.expect("the stream's change is logged");
        assert_eq!(record.new, Some(item("c")));
        assert_eq!(record.old, None, "the old image is kept only for streams that show it");
        assert!(record.old_existed, "that it replaced an item is kept");
        // Writing the item as it already is changes nothing: no record.
        store.write("t1", WriteKey { log: ChangeLog::Images, ..wk() }, put("c")).await.unwrap();
        assert_eq!(changelog::last_seq(&store.tenants().get("t1").unwrap()).unwrap(), 1);
    }

    /// Read-modify-write from many tasks at once: every request sees the
    /// writes prepared before it, also those of a group still being
    /// committed, so no increment is lost and the change log has one
    /// record per write, numbered without gaps.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_increments_are_never_lost() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(ItemStore::new(Arc::new(TenantStore::open(TenantStoreConfig::new(dir.path())).unwrap())));
        let count = |i: Option<&Item>| match i.and_then(|i| i.get("n")) {
            Some(AttributeValue::N(n)) => n.to_string().parse::<u64>().unwrap(),
            _ => 0,
        };
        let mut tasks = Vec::new();
        for _ in 0..32 {
            let store = Arc::clone(&store);
            tasks.push(tokio::spawn(async move {
                for _ in 0..25 {
                    store
                        .write(
                            "t1",
                            wk(),
                            Box::new(move |cur| {
                                let mut next = item("x");
                                next.insert("n".into(), AttributeValue::N(ddb_core::Number::from(count(cur.as_ref()) + 1)));
                                Ok(Decision { write: Some(Some(next)), output: serde_json::Value::Null })
                            }),
                        )
                        .await
                        .unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let stored = store.get("t1", b"tT/ik".to_vec()).await.unwrap().map(|b| decode(&b).unwrap());
        assert_eq!(count(stored.as_ref()), 800);
        assert_eq!(changelog::last_seq(&store.tenants().get("t1").unwrap()).unwrap(), 800);
        let snap = store.snapshot("t1").await.unwrap();
        let usage = stats::read(snap.as_ref(), "T", &[]).unwrap();
        assert_eq!(usage.item_count, 1, "one item, however often it was replaced");
    }

    /// Bursts of writes with pauses around the committers' linger between
    /// them, so committers wait, are signalled, time out and start again
    /// while requests arrive: every write is answered (a signal counted
    /// for a committer that never comes would leave its group unsealed).
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn writes_arriving_as_committers_come_and_go_are_all_answered() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(ItemStore::new(Arc::new(TenantStore::open(TenantStoreConfig::new(dir.path())).unwrap())));
        for round in 0..40u64 {
            let mut tasks = Vec::new();
            for i in 0..(1 + round % 12) {
                let store = Arc::clone(&store);
                tasks.push(tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_micros(i * 150)).await;
                    let key = WriteKey { key: format!("tT/i{round}-{i}").into_bytes(), ..wk() };
                    tokio::time::timeout(Duration::from_secs(20), store.write("t1", key, put("v"))).await
                }));
            }
            for t in tasks {
                let answered = t.await.unwrap();
                assert!(answered.is_ok(), "a write was never answered (round {round})");
                answered.unwrap().unwrap();
            }
            tokio::time::sleep(Duration::from_micros(500 + (round % 5) * 500)).await;
        }
        let snap = store.snapshot("t1").await.unwrap();
        let usage = stats::read(snap.as_ref(), "T", &[]).unwrap();
        assert_eq!(usage.item_count, (0..40u64).map(|r| 1 + r % 12).sum::<u64>());
    }

    #[tokio::test]
    async fn a_failed_decision_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = ItemStore::new(Arc::new(TenantStore::open(TenantStoreConfig::new(dir.path())).unwrap()));
        let err = store
            .write("t1", wk(), Box::new(|_| Err(ApiError::ConditionalCheckFailed { item: None, consumed: None })))
            .await
            .unwrap_err();
        assert!(matches!(err, ApiError::ConditionalCheckFailed { .. }));
        assert!(store.get("t1", b"tT/ik".to_vec()).await.unwrap().is_none());
        assert_eq!(changelog::last_seq(&store.tenants().get("t1").unwrap()).unwrap(), 0);
    }
}
