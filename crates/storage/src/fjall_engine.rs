//! The production engine: one fjall database (an LSM tree with a journal) per
//! directory, holding one keyspace, `kv`, that is the engine's ordered map.
//!
//! # Mapping
//!
//! | trait                    | fjall                                                      |
//! |--------------------------|------------------------------------------------------------|
//! | [`Engine::write`]        | one `OwnedWriteBatch` committed with a `PersistMode`        |
//! | [`Engine::snapshot`]     | `Database::snapshot()` (a sequence number pinned in the tracker) |
//! | [`Snapshot::get`]/`range` | `Readable::get`/`range` on that snapshot, `.rev()` for reverse |
//! | [`Engine::sync`]         | `Database::persist(PersistMode::SyncData)`                  |
//!
//! A fjall batch is written to the journal as one checksummed record with
//! start and end markers; recovery truncates a torn tail, so a batch is all
//! or nothing across a crash. Its writes become visible to snapshots only
//! after the journal write (and the fsync, when asked) has returned.
//!
//! # Durability
//!
//! The database is opened with `manual_journal_persist`, and every batch
//! carries its own persist mode. Under [`SyncPolicy::Always`] a batch is
//! first written to the engine's write-ahead log (`crate::wal`: two
//! preallocated segments written with `O_DIRECT | O_DSYNC`, one device
//! write per batch), then committed to fjall without any persist (it may
//! stay in fjall's journal buffer); the log is replayed into fjall when the
//! database is opened after a crash or a `kill -9`. A batch larger than a log segment is committed with
//! `PersistMode::SyncData` (`fdatasync` of fjall's journal) after a barrier
//! in the log. [`SyncPolicy::Interval`] commits with
//! `PersistMode::Buffer` (in the OS page cache, so it survives `kill -9`)
//! and upgrades to `SyncData` when the interval has elapsed. Group commit
//! (several requests in one batch, one fsync) is the data plane's writer's
//! job.
//!
//! # Batches in flight
//!
//! [`Engine::begin_write`] takes a batch's lsn and place in the log under
//! the log's lock and returns; its [`PendingWrite::finish`] writes the
//! record (no lock held, so several records can be on their way to the disk
//! at once: the disk completes concurrent synchronous writes almost as fast
//! as one) and then commits the batch to fjall under the commit lock, once
//! every batch with a lower lsn is committed. So fjall always holds a
//! prefix of the log, a batch is acknowledged only after every batch begun
//! before it, and a failed record or commit breaks the engine (refusing
//! every later batch) rather than leave a hole. Measured with the
//! `durable_writes` example: two batches in flight write about 1.35 times
//! as many synced batches a second as one.
//!
//! # Resources
//!
//! Each open database owns `worker_threads` background threads (flush and
//! compaction), a block cache, a memtable of up to `max_memtable_bytes`, a
//! lock file, its journal and up to `max_cached_files` table file handles.
//! [`FjallOptions::default`] keeps all of them small, because a node opens
//! many tenants; [`crate::TenantStore`] bounds how many are open at once.
//!
//! lz4 is off: it only compresses the last level of large trees, costs CPU on
//! a 2-core node that is busy with requests, and DynamoDB sizes and bills by
//! uncompressed bytes anyway. Turning fjall's `lz4` feature on later needs no
//! format change (fjall records the compression per block).

use crate::engine::{
    range_is_empty, validate_key, BatchOp, Direction, Engine, KeyValue, KvIter, PendingWrite,
    Snapshot, SyncPolicy, WriteBatch,
};
use crate::row_cache::RowCache;
use crate::{Error, Result};
use bytes::Bytes;
use fjall::{Database, Keyspace, KeyspaceCreateOptions, PersistMode, Readable};
use std::any::Any;
use std::ops::Bound;
use std::path::{Path, PathBuf};
use crate::wal::{self, Fjall as _, Reserved, Slot, Wal};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering as AtomicOrdering};
use std::sync::{Arc, Condvar, Mutex, PoisonError, Weak};
use std::time::Instant;

/// The name of the single keyspace inside each database. Frozen: renaming it
/// would hide existing data.
const KEYSPACE: &str = "kv";

/// Tuning for one fjall database. Values below fjall's minimums are raised to
/// them (fjall would panic).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FjallOptions {
    /// When writes reach stable storage.
    pub sync: SyncPolicy,
    /// Background flush/compaction threads for this database (at least 1).
    pub worker_threads: usize,
    /// Block cache size in bytes, when the database has a cache of its own
    /// (no [`FjallOptions::shared_cache`]).
    pub cache_bytes: u64,
    /// One block cache for every database opened with these options (the
    /// node's memory budget for cached blocks, shared by all tenants).
    pub shared_cache: Option<BlockCache>,
    /// The memtable is flushed to a table file when it reaches this size.
    pub max_memtable_bytes: u64,
    /// Table file handles kept open (at least 10).
    pub max_cached_files: usize,
    /// Journal size that forces memtables to be flushed (at least 64 MiB).
    pub max_journal_bytes: u64,
    /// One row cache (latest values of point-read keys) for every database
    /// opened with these options; `None`: point reads go to the tree.
    pub row_cache: Option<RowCache>,
    /// Size of each of the two write-ahead log segments (under
    /// [`SyncPolicy::Always`]; at least 64 KiB). A batch larger than this
    /// is made durable by fsyncing fjall's journal instead.
    pub wal_segment_bytes: u64,
}

impl Default for FjallOptions {
    /// Sized for many small tenants per node: one worker thread, a 1 MiB
    /// cache, 8 MiB memtables, 16 table files.
    fn default() -> Self {
        Self {
            sync: SyncPolicy::Always,
            worker_threads: 1,
            cache_bytes: 1024 * 1024,
            shared_cache: None,
            max_memtable_bytes: 8 * 1024 * 1024,
            max_cached_files: 16,
            max_journal_bytes: MIN_JOURNAL_BYTES,
            row_cache: None,
            wal_segment_bytes: crate::wal::DEFAULT_SEGMENT_BYTES,
        }
    }
}

const MIN_CACHED_FILES: usize = 10;

/// A block cache that several databases share, so a node's cache memory is
/// one budget however many tenants are open.
#[derive(Clone)]
pub struct BlockCache(Arc<lsm_tree::Cache>);

impl BlockCache {
    /// A cache holding up to `bytes` of blocks.
    pub fn with_capacity_bytes(bytes: u64) -> Self {
        BlockCache(Arc::new(lsm_tree::Cache::with_capacity_bytes(bytes)))
    }

    /// Its capacity in bytes.
    pub fn capacity(&self) -> u64 {
        self.0.capacity()
    }
}

impl std::fmt::Debug for BlockCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockCache").field("capacity", &self.capacity()).finish()
    }
}

impl PartialEq for BlockCache {
    /// The same cache, not an equal one.
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for BlockCache {}
const MIN_JOURNAL_BYTES: u64 = 64 * 1024 * 1024;
/// fjall's memtables must hold at least one large value to be useful.
const MIN_MEMTABLE_BYTES: u64 = 1024 * 1024;

/// An open fjall database. Cloning gives another handle to it; it closes
/// (flushing the journal) when the last handle, snapshot and iterator are
/// gone.
#[derive(Clone)]
pub struct FjallEngine {
    inner: Arc<Inner>,
}

/// Something dropped only after the database is fully closed (its threads
/// joined and its lock file released). [`crate::TenantStore`] uses it to know
/// when a tenant's directory may be reopened or deleted.
pub(crate) type CloseNotice = Box<dyn Any + Send + Sync>;

// Field order is drop order: the keyspace and database close before the
// close notice fires.
struct Inner {
    keyspace: Keyspace,
    db: Database,
    sync: SyncPolicy,
    last_sync: Mutex<Instant>,
    /// The write-ahead log (under [`SyncPolicy::Always`]): batches take
    /// their lsn and place in it under this lock, in the order they are
    /// begun.
    log: Mutex<Option<Wal>>,
    /// Serializes this engine's batch commits to fjall (see
    /// [`FjallEngine::snapshot`]) and holds the lsn of the last one: logged
    /// batches are committed in lsn order, whatever order their log writes
    /// finish in.
    commit_lock: Mutex<u64>,
    /// Signalled when a batch has been committed (or has failed).
    turn: Condvar,
    /// Threads waiting on `turn` (changed under `commit_lock`): a batch
    /// signals only when one waits, as each signal is a system call.
    turn_waiters: AtomicUsize,
    /// A batch is in the log but fjall failed to take it: writes are
    /// refused until the database is reopened (and the log replayed).
    broken: AtomicBool,
    /// While a commit is in flight, the lowest sequence number its batch can
    /// have; `u64::MAX` otherwise.
    in_flight_floor: AtomicU64,
    /// The node's row cache and this database's number in it.
    rows: Option<(RowCache, u64)>,
    /// When level 0 was merged after writes paused (`quiet`).
    quiet: Mutex<quiet::Quiet>,
    path: PathBuf,
    _close_notice: Option<CloseNotice>,
}

impl std::fmt::Debug for FjallEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FjallEngine")
            .field("path", &self.inner.path)
            .field("sync", &self.inner.sync)
            .finish_non_exhaustive()
    }
}

impl FjallEngine {
    /// Opens (creating if needed) the database in directory `path`.
    pub fn open(path: impl AsRef<Path>, options: &FjallOptions) -> Result<Self> {
        Self::open_with_close_notice(path.as_ref(), options, || None)
    }

    /// Like [`FjallEngine::open`]; once the database is open, `notice` makes
    /// the value to drop after it has closed again.
    pub(crate) fn open_with_close_notice(
        path: &Path,
        options: &FjallOptions,
        notice: impl FnOnce() -> Option<CloseNotice>,
    ) -> Result<Self> {
        let builder = Database::builder(path)
            .worker_threads(options.worker_threads.max(1))
            .max_cached_files(Some(options.max_cached_files.max(MIN_CACHED_FILES)))
            .max_journaling_size(options.max_journal_bytes.max(MIN_JOURNAL_BYTES))
            .manual_journal_persist(true);
        let db = match &options.shared_cache {
            Some(shared) => {
                let mut config = builder.into_config();
                config.cache = Arc::clone(&shared.0);
                Database::open(config)?
            }
            None => builder.cache_size(options.cache_bytes).open()?,
        };
        let memtable = options.max_memtable_bytes.max(MIN_MEMTABLE_BYTES);
        let keyspace = db.keyspace(KEYSPACE, || {
            KeyspaceCreateOptions::default()
                .max_memtable_size(memtable)
                .manual_journal_persist(true)
        })?;
        if wal::exists(path) {
            replay_log(path, &db, &keyspace)?;
        }
        let log = match options.sync {
            SyncPolicy::Always => Some(Wal::new(path, options.wal_segment_bytes, 0)),
            SyncPolicy::Interval(_) => None,
        };
        Ok(Self {
            inner: Arc::new(Inner {
                keyspace,
                db,
                sync: options.sync,
                last_sync: Mutex::new(Instant::now()),
                log: Mutex::new(log),
                commit_lock: Mutex::new(0),
                turn: Condvar::new(),
                turn_waiters: AtomicUsize::new(0),
                broken: AtomicBool::new(false),
                in_flight_floor: AtomicU64::new(u64::MAX),
                rows: options.row_cache.as_ref().map(|c| (c.clone(), c.new_owner())),
                quiet: Mutex::default(),
                path: path.to_path_buf(),
                _close_notice: notice(),
            }),
        })
    }

    /// The database directory.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The sync policy the engine was opened with.
    pub fn sync_policy(&self) -> SyncPolicy {
        self.inner.sync
    }

    /// Bytes used by the journal and table files, as fjall accounts them.
    pub fn disk_space(&self) -> Result<u64> {
        Ok(self.inner.db.disk_space()?)
    }

    /// A handle that does not keep the database open.
    pub(crate) fn downgrade(&self) -> WeakFjallEngine {
        WeakFjallEngine(Arc::downgrade(&self.inner))
    }

    fn persist_mode(&self) -> PersistMode {
        match self.inner.sync {
            SyncPolicy::Always => PersistMode::SyncData,
            SyncPolicy::Interval(interval) => {
                let mut last = self
                    .inner
                    .last_sync
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                let now = Instant::now();
                if now.saturating_duration_since(*last) >= interval {
                    *last = now;
                    PersistMode::SyncData
                } else {
                    PersistMode::Buffer
                }
            }
        }
    }
}

impl Engine for FjallEngine {
    /// A snapshot that never shows part of a batch.
    ///
    /// fjall publishes a batch's sequence number only after inserting all
    /// of it, but a memtable flush finishing meanwhile advances the visible
    /// sequence number past a batch still being inserted (seen as a torn
    /// batch by the conformance suite under load). So: take the snapshot,
    /// then, if a commit is in flight whose batch may lie below the
    /// snapshot's sequence number, wait for that commit and take it again.
    /// A commit spends most of its time in fsync, before any of it is
    /// visible, so readers rarely wait.
    fn snapshot(&self) -> Result<Box<dyn Snapshot>> {
        loop {
            let snapshot = self.inner.db.snapshot();
            if snapshot.seqno() <= self.inner.in_flight_floor.load(AtomicOrdering::SeqCst) {
                return Ok(Box::new(FjallSnapshot {
                    snapshot,
                    inner: self.inner.clone(),
                }));
            }
            drop(snapshot);
            drop(self.inner.commit_lock.lock().unwrap_or_else(PoisonError::into_inner));
        }
    }

    fn write(&self, batch: WriteBatch) -> Result<()> {
        self.begin_write(batch)?.finish()
    }

    /// Under [`SyncPolicy::Always`], takes the batch's place in the log
    /// and leaves the log write, and the commit to fjall in log order, to
    /// [`PendingWrite::finish`]: several batches can be on their way to
    /// the disk at once. Otherwise (and for a batch too large for the
    /// log) the batch is written before this returns.
    fn begin_write(&self, batch: WriteBatch) -> Result<PendingWrite> {
        let ops = batch.into_validated_ops()?;
        if ops.is_empty() {
            return Ok(PendingWrite::done());
        }
        let inner = &self.inner;
        let commit = Commit::new(inner, &ops);
        let mut log = inner.log.lock().unwrap_or_else(PoisonError::into_inner);
        inner.check_unbroken()?;
        let journal = Journal(inner);
        let Some(wal) = log.as_mut() else {
            drop(log);
            let mode = self.persist_mode();
            let _turn = inner.commit_lock.lock().unwrap_or_else(PoisonError::into_inner);
            return commit.run(inner, Some(mode)).map(|()| PendingWrite::done());
        };
        match wal.reserve(&ops, &journal)? {
            Reserved::Logged(slot) => {
                drop(log);
                let inner = Arc::clone(inner);
                Ok(PendingWrite::new(move || inner.write_logged(&ops, &slot, commit)))
            }
            Reserved::TooLarge => {
                // Every batch before it committed and durable in fjall, and
                // said so in the log, before it is committed on its own
                // (nothing else takes a place in the log meanwhile).
                journal.wait_applied(wal.last_lsn());
                inner.check_unbroken()?;
                journal.persist()?;
                let barrier = wal.barrier(&journal);
                let applied = inner.commit_lock.lock().unwrap_or_else(PoisonError::into_inner);
                let committed = barrier.and_then(|()| commit.run(inner, Some(PersistMode::SyncData)));
                // The barrier's lsn (taken even if its write failed).
                inner.end_turn(applied, wal.last_lsn(), committed.is_err());
                committed.map(|()| PendingWrite::done())
            }
        }
    }

    fn sync(&self) -> Result<()> {
        self.inner.db.persist(PersistMode::SyncData)?;
        *self
            .inner
            .last_sync
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Instant::now();
        Ok(())
    }

    /// The latest value, from the row cache when it holds the key.
    fn get(&self, key: &[u8]) -> Result<Option<Bytes>> {
        if validate_key(key).is_err() {
            return Ok(None);
        }
        let Some((rows, owner)) = &self.inner.rows else {
            return Ok(self.inner.keyspace.get(key)?.map(Bytes::from));
        };
        RowCache::with_key(*owner, key, |cache_key| match rows.get(cache_key) {
            Ok(value) => Ok(Some(value)),
            Err(miss) => {
                let value = self.inner.keyspace.get(key)?.map(Bytes::from);
                if let Some(v) = &value {
                    rows.fill(miss, cache_key, v);
                }
                Ok(value)
            }
        })
    }
}

impl Inner {
    fn check_unbroken(&self) -> Result<()> {
        if self.broken.load(AtomicOrdering::SeqCst) {
            return Err(Error::io(
                &self.path,
                std::io::Error::other("a logged batch could not be committed; the database must be reopened"),
            ));
        }
        Ok(())
    }

    /// Writes a reserved batch's log record, then commits it to fjall once
    /// every batch logged before it is committed. A failure of either
    /// breaks the engine (a later record may be on disk past this one's
    /// gap): batches after it fail too, until the database is reopened.
    fn write_logged(&self, ops: &[BatchOp], slot: &Slot, commit: Commit) -> Result<()> {
        let logged = slot.write(ops);
        let mut applied = self.commit_lock.lock().unwrap_or_else(PoisonError::into_inner);
        while *applied + 1 < slot.lsn() {
            applied = self.wait_turn(applied);
        }
        // A logged batch may stay in fjall's journal buffer: the log has it
        // should the process die.
        let committed = logged
            .and_then(|()| self.check_unbroken())
            .and_then(|()| commit.run(self, None));
        self.end_turn(applied, slot.lsn(), committed.is_err());
        committed
    }

    /// Records that the batch `lsn` is committed (or, `failed`, broke the
    /// engine) and wakes the batches waiting for their turn.
    fn end_turn(&self, mut applied: std::sync::MutexGuard<'_, u64>, lsn: u64, failed: bool) {
        if failed {
            self.broken.store(true, AtomicOrdering::SeqCst);
        }
        *applied = (*applied).max(lsn);
        let waiters = self.turn_waiters.load(AtomicOrdering::SeqCst);
        drop(applied);
        if waiters > 0 {
            self.turn.notify_all();
        }
    }

    /// Waits on `turn` once, counted in `turn_waiters`.
    fn wait_turn<'a>(&self, applied: std::sync::MutexGuard<'a, u64>) -> std::sync::MutexGuard<'a, u64> {
        self.turn_waiters.fetch_add(1, AtomicOrdering::SeqCst);
        let applied = self.turn.wait(applied).unwrap_or_else(PoisonError::into_inner);
        self.turn_waiters.fetch_sub(1, AtomicOrdering::SeqCst);
        applied
    }
}

/// A batch ready to be committed to fjall, with the row cache keys it
/// changes.
struct Commit {
    batch: fjall::OwnedWriteBatch,
    cached: Vec<(Vec<u8>, Option<Bytes>)>,
}

impl Commit {
    fn new(inner: &Inner, ops: &[BatchOp]) -> Commit {
        let batch = fjall_batch(&inner.db, &inner.keyspace, ops.iter().cloned());
        // The batch's keys and new values, as the row cache names them.
        let cached = match &inner.rows {
            Some((_, owner)) => ops
                .iter()
                .map(|op| match op {
                    BatchOp::Put(key, value) => (RowCache::key(*owner, key), Some(value.clone())),
                    BatchOp::Delete(key) => (RowCache::key(*owner, key), None),
                })
                .collect(),
            None => Vec::new(),
        };
        Commit { batch, cached }
    }

    /// Commits with `mode` (`None`: left in fjall's journal buffer). The
    /// caller holds the commit lock.
    fn run(self, inner: &Inner, mode: Option<PersistMode>) -> Result<()> {
        // The batch's keys leave the row cache until the commit has ended,
        // however it ends.
        let cache_write = inner.rows.as_ref().map(|(rows, _)| rows.write_guard(self.cached));
        inner.in_flight_floor.store(inner.db.seqno(), AtomicOrdering::SeqCst);
        let committed = self.batch.durability(mode).commit();
        inner.in_flight_floor.store(u64::MAX, AtomicOrdering::SeqCst);
        if let Some(w) = cache_write {
            w.finish(committed.is_ok());
        }
        Ok(committed?)
    }
}

/// fjall's journal and commit order, as the write-ahead log uses them.
struct Journal<'a>(&'a Inner);

impl wal::Fjall for Journal<'_> {
    fn flush(&self) -> Result<()> {
        Ok(self.0.db.persist(PersistMode::Buffer)?)
    }

    fn persist(&self) -> Result<()> {
        Ok(self.0.db.persist(PersistMode::SyncData)?)
    }

    fn applied(&self) -> u64 {
        *self.0.commit_lock.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn wait_applied(&self, lsn: u64) {
        let mut applied = self.0.commit_lock.lock().unwrap_or_else(PoisonError::into_inner);
        while *applied < lsn {
            applied = self.0.wait_turn(applied);
        }
    }
}

/// A fjall batch of `ops` on `keyspace`.
fn fjall_batch(
    db: &Database,
    keyspace: &Keyspace,
    ops: impl ExactSizeIterator<Item = BatchOp>,
) -> fjall::OwnedWriteBatch {
    let mut batch = fjall::OwnedWriteBatch::with_capacity(db.clone(), ops.len());
    for op in ops {
        match op {
            BatchOp::Put(key, value) => batch.insert(keyspace, key, value),
            BatchOp::Delete(key) => batch.remove(keyspace, key),
        }
    }
    batch
}

/// Applies what a write-ahead log left behind (a crash, or a process killed
/// before the database was closed) to fjall, makes it durable there, and
/// retires the log.
fn replay_log(path: &Path, db: &Database, keyspace: &Keyspace) -> Result<()> {
    let recovered = wal::recover(path)?;
    for ops in recovered.batches {
        fjall_batch(db, keyspace, ops.into_iter()).commit()?;
    }
    db.persist(PersistMode::SyncAll)?;
    wal::retire(path, recovered.last_lsn)
}

impl Drop for Inner {
    /// A clean close: fjall made durable, the log retired (none is left on
    /// disk for a closed tenant). A broken engine keeps its log for replay.
    fn drop(&mut self) {
        let log = self.log.get_mut().unwrap_or_else(PoisonError::into_inner).take();
        let Some(mut log) = log else { return };
        log.join_checkpoint();
        if self.broken.load(AtomicOrdering::SeqCst) || !wal::exists(&self.path) {
            return;
        }
        // Should this fail, the next open replays the log: harmless.
        if self.db.persist(PersistMode::SyncAll).is_ok() {
            let _ = wal::retire(&self.path, log.last_lsn());
        }
    }
}

/// A [`FjallEngine`] handle that does not keep the database open.
#[derive(Clone, Default)]
pub(crate) struct WeakFjallEngine(Weak<Inner>);

impl WeakFjallEngine {
    /// The engine, if something still holds it open.
    pub(crate) fn upgrade(&self) -> Option<FjallEngine> {
        self.0.upgrade().map(|inner| FjallEngine { inner })
    }

    /// True while some handle, snapshot or iterator holds the engine. Unlike
    /// `upgrade().is_some()` this never drops a handle, so it is safe to call
    /// under locks that the close notice takes.
    pub(crate) fn is_alive(&self) -> bool {
        self.0.strong_count() > 0
    }
}

// Field order is drop order: the fjall snapshot is released before the
// database handle.
struct FjallSnapshot {
    snapshot: fjall::Snapshot,
    inner: Arc<Inner>,
}

impl Snapshot for FjallSnapshot {
    fn get(&self, key: &[u8]) -> Result<Option<Bytes>> {
        if validate_key(key).is_err() {
            return Ok(None);
        }
        Ok(self
            .snapshot
            .get(&self.inner.keyspace, key)?
            .map(Bytes::from))
    }

    fn range(
        &self,
        start: Bound<&[u8]>,
        end: Bound<&[u8]>,
        direction: Direction,
    ) -> Result<KvIter> {
        if range_is_empty(start, end) {
            return Ok(Box::new(std::iter::empty()));
        }
        let iter = self
            .snapshot
            .range::<&[u8], _>(&self.inner.keyspace, (start, end));
        Ok(match direction {
            Direction::Forward => Box::new(FjallIter::new(iter, self.inner.clone())),
            Direction::Reverse => Box::new(FjallIter::new(iter.rev(), self.inner.clone())),
        })
    }
}

/// Adapts fjall's iterator: owned pairs, and it ends after its first error.
// Field order is drop order: the fjall iterator goes before the database.
struct FjallIter<I> {
    iter: I,
    failed: bool,
    _inner: Arc<Inner>,
}

impl<I> FjallIter<I> {
    fn new(iter: I, inner: Arc<Inner>) -> Self {
        Self {
            iter,
            failed: false,
            _inner: inner,
        }
    }
}

impl<I: Iterator<Item = fjall::Guard>> Iterator for FjallIter<I> {
    type Item = Result<KeyValue>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        match self.iter.next()?.into_inner() {
            Ok((key, value)) => Some(Ok((Bytes::from(key), Bytes::from(value)))),
            Err(e) => {
                self.failed = true;
                Some(Err(e.into()))
            }
        }
    }
}

pub mod quiet;
#[cfg(test)]
mod tests;
