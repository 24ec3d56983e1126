//! The storage layer of the data plane: a narrow engine trait (ordered byte
//! keys → byte values, snapshot reads, atomic durable batches), its engines,
//! the conformance suite they share, and per-tenant storage on top.
//!
//! # Map
//!
//! * [`engine`] — the contract: [`Engine`], [`Snapshot`], [`WriteBatch`],
//!   [`SyncPolicy`], key and value limits. Nothing DynamoDB-specific.
//! * [`memory`] — [`MemoryEngine`], the obviously-correct reference.
//! * [`fjall_engine`] — [`FjallEngine`], the embedded LSM engine, and how
//!   the trait and the sync policy map onto fjall.
//! * [`tenants`] — [`TenantStore`]: one fjall database per tenant under
//!   `<data_dir>/tenants/<id>/`, opened lazily, an LRU cap and idle eviction.
//! * `wal` — the write-ahead log that makes fjall batches durable under
//!   [`SyncPolicy::Always`] (preallocated segments, `O_DIRECT | O_DSYNC`).
//! * [`format`](mod@format) — the versioned marker file of a tenant directory.
//! * `conformance` (tests, or the `conformance` feature) — the suite every
//!   engine passes.
//!
//! Everything here blocks: async callers use `spawn_blocking`. Engines are
//! `Send + Sync`; snapshots and their iterators are owned (`'static`).

pub mod engine;
mod error;
pub mod fjall_engine;
pub mod format;
pub mod memory;
pub mod row_cache;
pub mod tenants;
mod wal;

// Test code: a failed assertion is how it reports.
#[cfg(any(test, feature = "conformance"))]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
pub mod conformance;

pub use engine::{
    BatchOp, Direction, Engine, KeyValue, KvIter, PendingWrite, Snapshot, SyncPolicy, WriteBatch, MAX_KEY_LEN,
    MAX_VALUE_LEN,
};
pub use error::{Error, Result};
pub use fjall_engine::{BlockCache, FjallEngine, FjallOptions};
pub use memory::MemoryEngine;
pub use row_cache::{RowCache, RowCacheStats};
pub use tenants::{TenantStore, TenantStoreConfig};

#[cfg(test)]
mod tests {
    use super::*;

    fn send_sync_static<T: Send + Sync + 'static>() {}
    fn send_static<T: Send + 'static>() {}

    /// What async callers rely on: engines, snapshots and the tenant store
    /// cross threads, iterators move into `spawn_blocking`.
    #[test]
    fn thread_safety() {
        send_sync_static::<FjallEngine>();
        send_sync_static::<MemoryEngine>();
        send_sync_static::<std::sync::Arc<dyn Engine>>();
        send_sync_static::<Box<dyn Snapshot>>();
        send_sync_static::<TenantStore>();
        send_sync_static::<Error>();
        send_static::<KvIter>();
    }
}
