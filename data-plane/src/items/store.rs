//! Per-tenant item storage and its writer.
//!
//! Reads take a snapshot (ConsistentRead or not, every acknowledged write is
//! visible). Writes to one tenant go through that tenant's writer task,
//! which group-commits: it takes every queued request, and in one blocking
//! step reads each key's current item (seeing earlier requests of the same
//! group), lets the request decide its outcome (conditions, updates), puts
//! all resulting changes in one atomic batch, writes it (fsynced under the
//! default sync policy), and only then answers every request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use ddb_core::value::binary;
use ddb_core::Item;
use storage::{Engine, Snapshot, TenantStore, WriteBatch};
use tokio::sync::{mpsc, oneshot};

use ddb_core::size::item_size;

use super::index::signed;
use super::stats::{self, Deltas};
use crate::error::ApiError;
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

/// One key of a write, with the indexes to maintain for it.
pub struct WriteKey {
    pub key: Vec<u8>,
    /// The table's stable id, recorded in the change log.
    pub table_id: Arc<str>,
    pub indexes: Option<Arc<TableIndexes>>,
    /// Backfill: (re)write this item's index entries from its current
    /// state; the item itself and the change log are untouched.
    pub reindex_only: bool,
    /// Keep the old image in the change log (the table's stream wants it).
    pub log_old_image: bool,
}

struct Request {
    keys: Vec<WriteKey>,
    decide: DecideMany,
    reply: oneshot::Sender<Result<serde_json::Value, ApiError>>,
}

/// The most requests one group commit takes.
const MAX_GROUP: usize = 256;

/// Items of every tenant on this node.
pub struct ItemStore {
    tenants: Arc<TenantStore>,
    writers: Mutex<HashMap<String, mpsc::UnboundedSender<Request>>>,
    /// Largest item collection (tables with LSIs), in bytes.
    collection_limit: u64,
    /// Tenants' storage quotas in bytes (tenants without one are absent).
    quotas: Quotas,
}

type Quotas = Arc<std::sync::RwLock<HashMap<String, u64>>>;

/// DynamoDB's item collection limit: 10 GB.
pub const ITEM_COLLECTION_LIMIT: u64 = 10 * 1024 * 1024 * 1024;

impl std::fmt::Debug for ItemStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ItemStore").finish_non_exhaustive()
    }
}

fn storage_error(e: storage::Error) -> ApiError {
    ApiError::Internal(format!("storage: {e}"))
}

/// Decodes a stored item; a corrupt record is an internal error, never a panic.
pub fn decode(bytes: &[u8]) -> Result<Item, ApiError> {
    binary::decode_item(bytes).map_err(|e| ApiError::Internal(format!("corrupt item record: {e}")))
}

impl ItemStore {
    /// A store over `tenants`.
    pub fn new(tenants: Arc<TenantStore>) -> ItemStore {
        ItemStore {
            tenants,
            writers: Mutex::new(HashMap::new()),
            collection_limit: ITEM_COLLECTION_LIMIT,
            quotas: Quotas::default(),
        }
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

    /// Reads one item. When the tenant's storage is already open the read
    /// runs inline (a point read of cached blocks takes microseconds, less
    /// than a hop to the blocking pool); opening storage is left to the pool.
    pub async fn get(&self, tenant: &str, key: Vec<u8>) -> Result<Option<Item>, ApiError> {
        let read = move |engine: &dyn Engine| match engine.get(&key).map_err(storage_error)? {
            Some(bytes) => decode(&bytes).map(Some),
            None => Ok(None),
        };
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
        self.drop_prefix(tenant, stats::table_key(table_id)).await?;
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

    /// Submits an all-or-nothing write of several distinct keys: `decide`
    /// sees every key's current item and its changes are applied in one
    /// atomic batch, or none if it fails.
    pub async fn write_many(
        &self,
        tenant: &str,
        keys: Vec<WriteKey>,
        decide: DecideMany,
    ) -> Result<serde_json::Value, ApiError> {
        let (reply, rx) = oneshot::channel();
        let mut req = Request { keys, decide, reply };
        // A writer exits when idle; retry once with a fresh one if the
        // channel closed under us.
        for _ in 0..2 {
            let tx = self.writer(tenant);
            match tx.send(req) {
                Ok(()) => {
                    return rx
                        .await
                        .map_err(|_| ApiError::Internal("writer stopped".into()))?;
                }
                Err(mpsc::error::SendError(back)) => {
                    self.forget_writer(tenant, &tx);
                    req = back;
                }
            }
        }
        Err(ApiError::Internal("no writer for tenant".into()))
    }

    fn writer(&self, tenant: &str) -> mpsc::UnboundedSender<Request> {
        let mut writers = self.writers.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(tx) = writers.get(tenant) {
            if !tx.is_closed() {
                return tx.clone();
            }
        }
        let (tx, rx) = mpsc::unbounded_channel();
        writers.insert(tenant.to_owned(), tx.clone());
        tokio::spawn(run_writer(
            Arc::clone(&self.tenants),
            tenant.to_owned(),
            self.collection_limit,
            Arc::clone(&self.quotas),
            rx,
        ));
        tx
    }

    fn forget_writer(&self, tenant: &str, dead: &mpsc::UnboundedSender<Request>) {
        let mut writers = self.writers.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if writers.get(tenant).is_some_and(|tx| tx.same_channel(dead)) {
            writers.remove(tenant);
        }
    }
}

/// A writer's state across groups: the next change-log sequence number,
/// read from the log's tail when the writer starts.
struct WriterState {
    next_seq: Option<u64>,
    /// Largest item collection, in bytes.
    collection_limit: u64,
    /// The tenant's storage quota for this group, if it has one.
    quota: Option<u64>,
    /// The tenant's table and index bytes, once a quota made it needed.
    tenant_bytes: Option<u64>,
}

/// Most scheduler rounds a writer waits for a group to fill up to the
/// previous group's size.
const LINGER_ROUNDS: usize = 8;

/// Moves queued requests into `group`, up to [`MAX_GROUP`].
fn drain(rx: &mut mpsc::UnboundedReceiver<Request>, group: &mut Vec<Request>) {
    while group.len() < MAX_GROUP {
        match rx.try_recv() {
            Ok(r) => group.push(r),
            Err(_) => break,
        }
    }
}

async fn run_writer(
    tenants: Arc<TenantStore>,
    tenant: String,
    collection_limit: u64,
    quotas: Quotas,
    mut rx: mpsc::UnboundedReceiver<Request>,
) {
    let fresh = || WriterState {
        next_seq: None,
        collection_limit,
        quota: None,
        tenant_bytes: None,
    };
    let mut state = Some(fresh());
    let mut last_group = 0usize;
    // Idle writers exit; the next write starts a new one.
    let idle = std::time::Duration::from_secs(30);
    loop {
        let first = match tokio::time::timeout(idle, rx.recv()).await {
            Ok(Some(r)) => r,
            Ok(None) | Err(_) => return,
        };
        let mut group = vec![first];
        drain(&mut rx, &mut group);
        // Under load, the clients answered by the previous group are about
        // to send their next requests: give them a moment to join this
        // group rather than wait a whole fsync for the next one.
        let mut rounds = 0;
        while group.len() < last_group && rounds < LINGER_ROUNDS {
            tokio::task::yield_now().await;
            drain(&mut rx, &mut group);
            rounds += 1;
        }
        last_group = group.len();
        let tenants = Arc::clone(&tenants);
        let tenant_id = tenant.clone();
        let mut st = state.take().unwrap_or_else(fresh);
        st.quota = quotas
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&tenant)
            .copied();
        let done = tokio::task::spawn_blocking(move || {
            commit_group(&tenants, &tenant_id, &mut st, group);
            st
        })
        .await;
        match done {
            Ok(st) => state = Some(st),
            Err(e) => {
                tracing::error!(tenant = %tenant, error = %e, "writer group panicked");
                state = Some(fresh());
            }
        }
    }
}

/// True when `delta` (> 0) takes a counter stored at `stored`, plus what
/// this group already added, past `limit`.
fn exceeds(stored: u64, pending: i64, delta: i64, limit: u64) -> bool {
    let total = i64::try_from(stored)
        .unwrap_or(i64::MAX)
        .saturating_add(pending)
        .saturating_add(delta);
    delta > 0 && u64::try_from(total).unwrap_or(0) > limit
}

/// Checks one request's writes against the item collection limit and the
/// tenant's storage quota; returns the collection-size changes to record.
fn check_limits(
    state: &WriterState,
    engine: &dyn Engine,
    deltas: &Deltas,
    keys: &[WriteKey],
    writes: &[Option<Option<Item>>],
    olds: Option<&[Option<Item>]>,
) -> Result<Vec<(Vec<u8>, i64)>, ApiError> {
    let mut collections = Vec::new();
    let mut growth = 0i64;
    for (i, (wk, write)) in keys.iter().zip(writes).enumerate() {
        let Some(new) = write.as_ref().filter(|_| !wk.reindex_only) else {
            continue;
        };
        let old = olds.and_then(|o| o.get(i)).and_then(Option::as_ref);
        if state.quota.is_some() {
            let size = |i: Option<&Item>| i.map_or(0, |i| signed(item_size(i)));
            growth += size(new.as_ref()) - size(old);
        }
        let Some(ix) = wk.indexes.as_ref().filter(|ix| ix.has_local()) else {
            continue;
        };
        let Some(pk) = new.as_ref().or(old).and_then(|item| ix.encoded_partition(item)) else {
            continue;
        };
        let size = |i: Option<&Item>| i.map_or(0, |i| signed(ix.collection_size(i) as usize));
        let key = stats::collection_key(&wk.table_id, &pk);
        let delta = size(new.as_ref()) - size(old);
        let stored = engine.get(&key).ok().flatten().map_or(0, |v| stats::decode(&v).1);
        if exceeds(stored, deltas.pending_bytes(&key), delta, state.collection_limit) {
            return Err(ApiError::ItemCollectionSizeLimitExceeded);
        }
        collections.push((key, delta));
    }
    if let (Some(quota), Some(used)) = (state.quota, state.tenant_bytes) {
        if exceeds(used, deltas.storage_bytes(), growth, quota) {
            return Err(ApiError::LimitExceeded(format!(
                "Storage quota exceeded: this account's tables and indexes may hold at most {quota} bytes"
            )));
        }
    }
    Ok(collections)
}

fn commit_group(tenants: &TenantStore, tenant: &str, state: &mut WriterState, group: Vec<Request>) {
    let engine = match tenants.get(tenant) {
        Ok(e) => e,
        Err(e) => {
            let msg = format!("storage: {e}");
            for r in group {
                let _ = r.reply.send(Err(ApiError::Internal(msg.clone())));
            }
            return;
        }
    };
    let mut seq = match state.next_seq {
        Some(s) => s,
        None => match super::changelog::last_seq(&engine) {
            Ok(last) => last + 1,
            Err(e) => {
                let msg = format!("storage: {e}");
                for r in group {
                    let _ = r.reply.send(Err(ApiError::Internal(msg.clone())));
                }
                return;
            }
        },
    };
    let first_seq = seq;
    if state.quota.is_some() && state.tenant_bytes.is_none() {
        state.tenant_bytes = super::stats::tenant_bytes(&engine).ok();
    }
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    // The state each key has after the requests decided so far.
    let mut overlay: HashMap<Vec<u8>, Option<Item>> = HashMap::new();
    let mut batch = WriteBatch::new();
    let mut deltas = Deltas::default();
    let mut answers = Vec::with_capacity(group.len());
    for r in group {
        let current: Result<Vec<Option<Item>>, ApiError> = r
            .keys
            .iter()
            .map(|k| match overlay.get(&k.key) {
                Some(state) => Ok(state.clone()),
                None => match engine.get(&k.key) {
                    Ok(Some(bytes)) => decode(&bytes).map(Some),
                    Ok(None) => Ok(None),
                    Err(e) => Err(storage_error(e)),
                },
            })
            .collect();
        // Index maintenance and the change log need the old items.
        let olds: Option<Vec<Option<Item>>> = current.as_ref().ok().cloned();
        let outcome = current.and_then(|cur| (r.decide)(cur)).and_then(|d| {
            // Index key types are checked on every item written.
            for (k, w) in r.keys.iter().zip(&d.writes) {
                if let (Some(ix), Some(Some(item))) = (&k.indexes, w) {
                    ix.validate(item)?;
                }
            }
            Ok(d)
        });
        // Item collections (tables with LSIs) and the tenant's storage
        // quota may not grow past their limits.
        let outcome = outcome.and_then(|decision| {
            let collections = check_limits(state, &engine, &deltas, &r.keys, &decision.writes, olds.as_deref())?;
            for (key, delta) in collections {
                deltas.add(key, 0, delta);
            }
            Ok(decision)
        });
        match outcome {
            Ok(decision) if decision.writes.len() == r.keys.len() => {
                for (i, (wk, write)) in r.keys.into_iter().zip(decision.writes).enumerate() {
                    if wk.reindex_only {
                        let cur = olds.as_ref().and_then(|o| o.get(i)).and_then(Option::as_ref);
                        if let (Some(ix), Some(cur)) = (&wk.indexes, cur) {
                            let exists = |k: &[u8]| engine.get(k).is_ok_and(|v| v.is_some());
                            ix.reindex(cur, &exists, &mut batch, &mut deltas);
                        }
                        continue;
                    }
                    let Some(new) = write else { continue };
                    let key = wk.key;
                    let old = olds.as_ref().and_then(|o| o.get(i)).and_then(Option::as_ref);
                    if old.is_none() && new.is_none() {
                        continue;
                    }
                    if let Some(ix) = &wk.indexes {
                        ix.apply(old, new.as_ref(), &mut batch, &mut deltas);
                    }
                    let size = |i: Option<&Item>| i.map_or(0, |i| signed(item_size(i)));
                    deltas.add(
                        stats::table_key(&wk.table_id),
                        i64::from(new.is_some()) - i64::from(old.is_some()),
                        size(new.as_ref()) - size(old),
                    );
                    batch.put(
                        super::changelog::key(seq),
                        super::changelog::record(millis, &wk.table_id, old, new.as_ref(), wk.log_old_image),
                    );
                    seq += 1;
                    match &new {
                        Some(item) => {
                            batch.put(key.clone(), Bytes::from(binary::encode_item(item)));
                        }
                        None => {
                            batch.delete(key.clone());
                        }
                    }
                    overlay.insert(key, new);
                }
                for (key, value) in decision.extra {
                    batch.put(key, value);
                }
                answers.push((r.reply, Ok(decision.output)));
            }
            Ok(_) => answers.push((
                r.reply,
                Err(ApiError::Internal("a write decided for the wrong number of keys".into())),
            )),
            Err(e) => answers.push((r.reply, Err(e))),
        }
    }
    let group_bytes = deltas.storage_bytes();
    let written = match deltas.write(&engine, &mut batch) {
        Ok(()) => engine.write(batch),
        Err(e) => Err(e),
    };
    if let Err(e) = written {
        // Nothing of the group is acknowledged: the batch is all or nothing,
        // and its sequence numbers are reused by the next group.
        state.next_seq = Some(first_seq);
        let msg = format!("storage: {e}");
        tracing::error!(%tenant, error = %msg, "group commit failed");
        for (reply, outcome) in answers {
            let _ = reply.send(outcome.and(Err(ApiError::Internal(msg.clone()))));
        }
        return;
    }
    state.next_seq = Some(seq);
    if let Some(used) = state.tenant_bytes {
        state.tenant_bytes = Some(used.saturating_add_signed(group_bytes));
    }
    for (reply, outcome) in answers {
        let _ = reply.send(outcome);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::items::changelog;
    use ddb_core::AttributeValue;
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
            log_old_image: true,
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
                wk(),
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
        assert!(snap.get(b"tT/ik").unwrap().is_none());
    }

    #[tokio::test]
    async fn a_failed_decision_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = ItemStore::new(Arc::new(TenantStore::open(TenantStoreConfig::new(dir.path())).unwrap()));
        let err = store
            .write("t1", wk(), Box::new(|_| Err(ApiError::ConditionalCheckFailed { item: None })))
            .await
            .unwrap_err();
        assert!(matches!(err, ApiError::ConditionalCheckFailed { .. }));
        assert!(store.get("t1", b"tT/ik".to_vec()).await.unwrap().is_none());
        assert_eq!(changelog::last_seq(&store.tenants().get("t1").unwrap()).unwrap(), 0);
    }
}
