//! Per-tenant storage: each tenant's data is its own fjall database under
//! `<data_dir>/tenants/<tenant_id>/`, so a tenant can be sized, backed up,
//! moved and erased on its own.
//!
//! # Lifecycle
//!
//! [`TenantStore::get`] opens a tenant's engine on first use and keeps it in
//! an LRU set of at most `max_open` engines; opening one more closes the least
//! recently used. [`TenantStore::evict_idle`] closes engines unused for
//! `idle_timeout`; the data plane calls it from its own timer (this crate
//! starts no threads besides fjall's workers and the write-ahead log's
//! short-lived checkpoint threads). An open tenant that writes under
//! `sync = always` also holds its log: two 4 MiB segment files, deleted
//! when it closes.
//!
//! "Closing" drops the store's handle. A caller still holding a handle (an
//! ongoing request, a long scan's iterator) keeps that engine open until it
//! lets go; a `get` in the meantime hands out the same engine again rather
//! than opening the directory twice. So `max_open` bounds the idle engines,
//! and the engines in use are bounded by the requests in flight.
//!
//! Closing a database waits for its worker thread to stop (a running flush
//! or compaction first finishes its step), and whichever thread drops the
//! last handle does it: `get` (evicting), `evict_idle`, `close`, or a caller
//! dropping a handle. Like every call in this crate, do that where blocking
//! is fine (`spawn_blocking`), not on an async worker.
//!
//! # Invariants
//!
//! * At most one fjall database per tenant directory is open in the process
//!   (fjall's lock file would refuse a second one). Each tenant has a slot
//!   whose lock serializes open, and whose count of live databases, lowered
//!   only after a database has completely closed, makes a reopen wait for the
//!   previous close.
//! * The store's lock is never held while opening or closing a database, so
//!   one slow tenant does not stall the others. Engines leaving the LRU are
//!   dropped after the lock is released.
//! * [`TenantStore::erase`] first moves the directory to
//!   `tenants/.trash-<id>-<n>` (one atomic rename), then deletes it; trash
//!   left by a crash is removed by [`TenantStore::open`].
//!
//! # Layout
//!
//! ```text
//! <data_dir>/tenants/<tenant_id>/FORMAT   format marker (see crate::format)
//! <data_dir>/tenants/<tenant_id>/fjall/   the tenant's fjall database
//! <data_dir>/tenants/<tenant_id>/backups/ the data plane's on-demand backups
//! <data_dir>/tenants/.trash-*             directories being erased
//! ```

use crate::fjall_engine::{FjallEngine, FjallOptions, WeakFjallEngine};
use crate::format::{self, ENGINE_DIR};
use crate::{Engine, Error, Result};
use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

const TENANTS_DIR: &str = "tenants";
const TRASH_PREFIX: &str = ".trash-";
/// The longest tenant id (ids in the catalog are 32 hex digits).
pub const MAX_TENANT_ID_LEN: usize = 128;

/// Settings of a [`TenantStore`].
#[derive(Debug, Clone)]
pub struct TenantStoreConfig {
    /// The node's data directory; tenants live in its `tenants/`.
    pub data_dir: PathBuf,
    /// The most engines the store keeps open (at least 1).
    pub max_open: usize,
    /// Engines unused this long are closed by [`TenantStore::evict_idle`].
    pub idle_timeout: Duration,
    /// How each tenant's fjall database is opened.
    pub engine: FjallOptions,
}

impl TenantStoreConfig {
    /// Defaults for `data_dir`: 64 open tenants, 5 minutes idle timeout,
    /// [`FjallOptions::default`].
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            max_open: 64,
            idle_timeout: Duration::from_secs(300),
            engine: FjallOptions::default(),
        }
    }
}

/// Checks that `id` can name a tenant directory: 1 to
/// [`MAX_TENANT_ID_LEN`] ASCII letters, digits, `-` or `_`.
pub fn validate_tenant_id(id: &str) -> Result<()> {
    let ok = !id.is_empty()
        && id.len() <= MAX_TENANT_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidTenantId(id.to_owned()))
    }
}

/// The tenants of one node, each with its own engine. Share it in an `Arc`.
pub struct TenantStore {
    root: PathBuf,
    max_open: usize,
    idle_timeout: Duration,
    engine: FjallOptions,
    state: Mutex<State>,
    trash_counter: AtomicU64,
}

#[derive(Default)]
struct State {
    /// The LRU set: the store's own handles.
    open: HashMap<String, OpenEntry>,
    /// Every tenant touched and not pruned; see the module's invariants.
    slots: HashMap<String, Arc<Slot>>,
    /// Logical clock for recency.
    tick: u64,
}

struct OpenEntry {
    engine: FjallEngine,
    last_used: Instant,
    tick: u64,
}

#[derive(Default)]
struct Slot {
    state: Mutex<SlotState>,
    closed: Condvar,
}

#[derive(Default)]
struct SlotState {
    /// The engine if anything still holds it.
    engine: WeakFjallEngine,
    /// Databases opened and not yet completely closed: 0 or 1.
    live: usize,
}

impl Slot {
    fn lock(&self) -> MutexGuard<'_, SlotState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits until the previous database of this tenant has closed.
    fn wait_closed<'a>(&self, mut guard: MutexGuard<'a, SlotState>) -> MutexGuard<'a, SlotState> {
        while guard.live > 0 {
            guard = self
                .closed
                .wait(guard)
                .unwrap_or_else(PoisonError::into_inner);
        }
        guard
    }
}

/// Dropped by the engine after its database has closed.
struct CloseNotice(Arc<Slot>);

impl Drop for CloseNotice {
    fn drop(&mut self) {
        let mut state = self.0.lock();
        state.live = state.live.saturating_sub(1);
        drop(state);
        self.0.closed.notify_all();
    }
}

impl TenantStore {
    /// Prepares `<data_dir>/tenants/` and removes trash left by an
    /// interrupted erase. Opens no tenant.
    pub fn open(config: TenantStoreConfig) -> Result<Self> {
        let root = config.data_dir.join(TENANTS_DIR);
        fs::create_dir_all(&root).map_err(|e| Error::io(&root, e))?;
        for entry in fs::read_dir(&root).map_err(|e| Error::io(&root, e))? {
            let entry = entry.map_err(|e| Error::io(&root, e))?;
            if entry
                .file_name()
                .to_string_lossy()
                .starts_with(TRASH_PREFIX)
            {
                let path = entry.path();
                fs::remove_dir_all(&path).map_err(|e| Error::io(&path, e))?;
            }
        }
        Ok(Self {
            root,
            max_open: config.max_open.max(1),
            idle_timeout: config.idle_timeout,
            engine: config.engine,
            state: Mutex::new(State::default()),
            trash_counter: AtomicU64::new(0),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The directory of `tenant` (which may not exist yet).
    pub fn tenant_dir(&self, tenant: &str) -> Result<PathBuf> {
        validate_tenant_id(tenant)?;
        Ok(self.root.join(tenant))
    }

    /// The engine of `tenant` if it is open already; never blocks on I/O.
    pub fn get_open(&self, tenant: &str) -> Option<FjallEngine> {
        let now = Instant::now();
        let mut state = self.lock();
        state.tick += 1;
        let tick = state.tick;
        let entry = state.open.get_mut(tenant)?;
        entry.last_used = now;
        entry.tick = tick;
        Some(entry.engine.clone())
    }

    /// The engine of `tenant`, opened (and created) if needed. Blocking: call
    /// it from `spawn_blocking` or a thread that may block.
    pub fn get(&self, tenant: &str) -> Result<FjallEngine> {
        validate_tenant_id(tenant)?;
        let now = Instant::now();
        let slot = {
            let mut state = self.lock();
            state.tick += 1;
            let tick = state.tick;
            if let Some(entry) = state.open.get_mut(tenant) {
                entry.last_used = now;
                entry.tick = tick;
                return Ok(entry.engine.clone());
            }
            state.slots.entry(tenant.to_owned()).or_default().clone()
        };

        let engine = self.open_in_slot(tenant, &slot)?;

        let evicted = {
            let mut state = self.lock();
            state.tick += 1;
            let tick = state.tick;
            let engine = engine.clone();
            state
                .open
                .entry(tenant.to_owned())
                .and_modify(|e| {
                    e.last_used = now;
                    e.tick = tick;
                })
                .or_insert(OpenEntry {
                    engine,
                    last_used: now,
                    tick,
                });
            let mut evicted = Vec::new();
            while state.open.len() > self.max_open {
                let oldest = state
                    .open
                    .iter()
                    .min_by_key(|(_, e)| e.tick)
                    .map(|(id, _)| id.clone());
                match oldest.and_then(|id| state.open.remove(&id)) {
                    Some(entry) => evicted.push(entry.engine),
                    None => break,
                }
            }
            evicted
        };
        // Closing happens here, outside every lock.
        drop(evicted);
        Ok(engine)
    }

    fn open_in_slot(&self, tenant: &str, slot: &Arc<Slot>) -> Result<FjallEngine> {
        let guard = slot.lock();
        if let Some(engine) = guard.engine.upgrade() {
            return Ok(engine);
        }
        let mut guard = slot.wait_closed(guard);
        let dir = self.root.join(tenant);
        format::ensure(&dir)?;
        let engine =
            FjallEngine::open_with_close_notice(&dir.join(ENGINE_DIR), &self.engine, || {
                Some(Box::new(CloseNotice(slot.clone())))
            })?;
        guard.live += 1;
        guard.engine = engine.downgrade();
        Ok(engine)
    }

    /// Closes engines not used since `now - idle_timeout` and forgets
    /// tenants nothing refers to. Returns how many engines left the LRU set.
    pub fn evict_idle(&self, now: Instant) -> usize {
        let evicted: Vec<FjallEngine> = {
            let mut state = self.lock();
            let idle: Vec<String> = state
                .open
                .iter()
                .filter(|(_, e)| now.saturating_duration_since(e.last_used) >= self.idle_timeout)
                .map(|(id, _)| id.clone())
                .collect();
            idle.iter()
                .filter_map(|id| state.open.remove(id))
                .map(|e| e.engine)
                .collect()
        };
        let n = evicted.len();
        drop(evicted);
        let mut state = self.lock();
        let State { open, slots, .. } = &mut *state;
        // A slot held only by the map has no engine, no pending close notice
        // and no `get` or `erase` in progress.
        slots.retain(|id, slot| open.contains_key(id) || Arc::strong_count(slot) > 1);
        n
    }

    /// Merges level 0 of every open tenant whose writes have paused (see
    /// [`crate::fjall_engine::quiet`]); call it every few hundred
    /// milliseconds from a thread that may block. Returns how many merged,
    /// or the first error (after trying every tenant).
    pub fn compact_quiet(&self, now: Instant) -> Result<usize> {
        let mut merged = 0;
        let mut first_err = None;
        for (_, engine) in self.open_engines() {
            match engine.compact_if_quiet(now) {
                Ok(done) => merged += usize::from(done),
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
        }
        first_err.map_or(Ok(merged), Err)
    }

    /// Drops the store's handle to `tenant`'s engine (it closes once no one
    /// else holds it). Returns whether it was in the LRU set.
    pub fn close(&self, tenant: &str) -> bool {
        let entry = self.lock().open.remove(tenant);
        entry.is_some()
    }

    /// Drops every handle of the store, e.g. at shutdown.
    pub fn close_all(&self) {
        let open = std::mem::take(&mut self.lock().open);
        drop(open);
    }

    /// Closes `tenant` and deletes its directory. Fails with
    /// [`Error::TenantInUse`] while a handle, snapshot or iterator of its
    /// engine is alive elsewhere. Erasing a tenant without data succeeds.
    pub fn erase(&self, tenant: &str) -> Result<()> {
        validate_tenant_id(tenant)?;
        let (entry, slot) = {
            let mut state = self.lock();
            let entry = state.open.remove(tenant);
            let slot = state.slots.entry(tenant.to_owned()).or_default().clone();
            (entry, slot)
        };
        drop(entry);

        let guard = slot.lock();
        if guard.engine.is_alive() {
            return Err(Error::TenantInUse(tenant.to_owned()));
        }
        // Held until the directory is gone: a concurrent `get` waits, then
        // starts the tenant afresh.
        let _guard = slot.wait_closed(guard);
        let dir = self.root.join(tenant);
        let n = self.trash_counter.fetch_add(1, Ordering::Relaxed);
        let trash = self.root.join(format!("{TRASH_PREFIX}{tenant}-{n}"));
        match fs::rename(&dir, &trash) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(Error::io(&dir, e)),
        }
        format::sync_dir(&self.root)?;
        fs::remove_dir_all(&trash).map_err(|e| Error::io(&trash, e))
    }

    /// Bytes the tenant's directory occupies on disk (allocated blocks, so
    /// fjall's sparse, preallocated journal counts only what is written).
    /// 0 for a tenant without data.
    pub fn size_on_disk(&self, tenant: &str) -> Result<u64> {
        let dir = self.tenant_dir(tenant)?;
        dir_size(&dir)
    }

    /// The tenants that have a directory, in no particular order.
    pub fn list(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for entry in fs::read_dir(&self.root).map_err(|e| Error::io(&self.root, e))? {
            let entry = entry.map_err(|e| Error::io(&self.root, e))?;
            if let Some(name) = entry.file_name().to_str() {
                if validate_tenant_id(name).is_ok() {
                    out.push(name.to_owned());
                }
            }
        }
        Ok(out)
    }

    /// Fsyncs every open engine: for [`crate::SyncPolicy::Interval`], on the
    /// data plane's timer. Returns the first error after trying them all.
    pub fn sync_all(&self) -> Result<()> {
        let engines: Vec<FjallEngine> = self
            .lock()
            .open
            .values()
            .map(|e| e.engine.clone())
            .collect();
        let mut first_err = None;
        for engine in engines {
            if let Err(e) = engine.sync() {
                first_err.get_or_insert(e);
            }
        }
        first_err.map_or(Ok(()), Err)
    }

    /// The tenants whose storage is open, with their engines.
    pub fn open_engines(&self) -> Vec<(String, FjallEngine)> {
        self.lock()
            .open
            .iter()
            .map(|(id, e)| (id.clone(), e.engine.clone()))
            .collect()
    }

    /// Engines in the LRU set.
    pub fn open_count(&self) -> usize {
        self.lock().open.len()
    }

    /// Databases currently open, including those only held by callers.
    pub fn live_count(&self) -> usize {
        let slots: Vec<Arc<Slot>> = self.lock().slots.values().cloned().collect();
        slots.iter().map(|s| s.lock().live).sum()
    }
}

/// Sum of allocated bytes under `path`; files vanishing meanwhile (fjall
/// compacting) are skipped.
fn dir_size(path: &Path) -> Result<u64> {
    let entries = match fs::read_dir(path) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(Error::io(path, e)),
    };
    let mut total = 0u64;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(path, e))?;
        let meta = match entry.metadata() {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Error::io(entry.path(), e)),
        };
        total = total.saturating_add(if meta.is_dir() {
            dir_size(&entry.path())?
        } else {
            allocated(&meta)
        });
    }
    Ok(total)
}

#[cfg(unix)]
fn allocated(meta: &fs::Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    meta.blocks().saturating_mul(512)
}

#[cfg(not(unix))]
fn allocated(meta: &fs::Metadata) -> u64 {
    meta.len()
}

#[cfg(test)]
mod tests;
