//! The engine contract: an ordered map from byte keys to byte values, read
//! through snapshots and written by atomic batches. It knows nothing about
//! DynamoDB; tables, items, indexes and the change log are key prefixes and
//! encodings chosen above it.
//!
//! # Contract (every engine, checked by the `conformance` suite)
//!
//! * Keys are compared as unsigned bytes (lexicographically, shorter prefix
//!   first). Keys are 1 to [`MAX_KEY_LEN`] bytes; values 0 to
//!   [`MAX_VALUE_LEN`] bytes (empty values are allowed and distinct from
//!   absence). Violations are [`Error::EmptyKey`], [`Error::KeyTooLong`],
//!   [`Error::ValueTooLong`]; a batch containing one is rejected whole.
//! * [`Engine::write`] applies a [`WriteBatch`] atomically: a reader sees all
//!   of it or none of it, also after a crash. Within one batch the last
//!   operation on a key wins. When `write` returns `Ok` under
//!   [`SyncPolicy::Always`] the batch is on stable storage.
//! * [`Engine::snapshot`] returns an owned, `Send + Sync + 'static` view that
//!   sees exactly the batches acknowledged before it was taken. Iterators
//!   from it own what they need, so a scan may outlive both the call that
//!   started it and the engine handle (e.g. inside `spawn_blocking`).
//! * A range is given by two [`Bound`]s; a range whose start lies after its
//!   end (or that is empty, like `(Excluded(a), Excluded(a))`) yields nothing
//!   rather than panicking.
//!
//! Engines are object safe: the data plane may hold `Arc<dyn Engine>` and
//! `Box<dyn Snapshot>`.

use crate::{Error, Result};
use bytes::Bytes;
use std::collections::HashMap;
use std::ops::Bound;
use std::time::Duration;

/// The longest key any engine accepts (fjall stores key lengths in 16 bits).
pub const MAX_KEY_LEN: usize = 65_535;

/// The longest value any engine accepts. DynamoDB items are at most 400 KB;
/// a change-log record holds two images, so this leaves ample room while
/// keeping a single value far from fjall's 4 GiB limit.
pub const MAX_VALUE_LEN: usize = 64 * 1024 * 1024;

/// A key-value pair as returned by iterators.
pub type KeyValue = (Bytes, Bytes);

/// An owned iterator over a range of a snapshot. It yields `Err` at most
/// once, and then ends.
pub type KvIter = Box<dyn Iterator<Item = Result<KeyValue>> + Send>;

/// Which way a range is walked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Ascending key order.
    Forward,
    /// Descending key order.
    Reverse,
}

/// When an acknowledged write reaches stable storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SyncPolicy {
    /// Every batch is fsynced before [`Engine::write`] returns: an
    /// acknowledged write survives power loss. The default.
    #[default]
    Always,
    /// Batches are handed to the operating system before `write` returns (so
    /// they survive the process being killed), and fsynced when a `write`
    /// finds the last sync at least this long ago, or on [`Engine::sync`].
    /// For benchmarks; a power loss may lose up to the interval's writes.
    Interval(Duration),
}

/// One operation in a [`WriteBatch`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchOp {
    /// Set the key to the value.
    Put(Bytes, Bytes),
    /// Remove the key (a no-op if it is absent).
    Delete(Bytes),
}

impl BatchOp {
    /// The key this operation touches.
    pub fn key(&self) -> &Bytes {
        match self {
            BatchOp::Put(key, _) | BatchOp::Delete(key) => key,
        }
    }
}

/// A set of puts and deletes applied atomically by [`Engine::write`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteBatch {
    ops: Vec<BatchOp>,
}

impl WriteBatch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty batch with room for `n` operations.
    pub fn with_capacity(n: usize) -> Self {
        Self {
            ops: Vec::with_capacity(n),
        }
    }

    /// Adds a put. `Vec<u8>` and `Bytes` convert without copying.
    pub fn put(&mut self, key: impl Into<Bytes>, value: impl Into<Bytes>) -> &mut Self {
        self.ops.push(BatchOp::Put(key.into(), value.into()));
        self
    }

    /// Adds a delete.
    pub fn delete(&mut self, key: impl Into<Bytes>) -> &mut Self {
        self.ops.push(BatchOp::Delete(key.into()));
        self
    }

    /// The number of operations, duplicates included.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// True if the batch has no operations.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// The operations in the order they were added.
    pub fn ops(&self) -> &[BatchOp] {
        &self.ops
    }

    /// Checks every operation against the key and value limits.
    pub fn validate(&self) -> Result<()> {
        self.ops.iter().try_for_each(|op| {
            validate_key(op.key())?;
            match op {
                BatchOp::Put(_, value) => validate_value(value),
                BatchOp::Delete(_) => Ok(()),
            }
        })
    }

    /// Validates the batch and returns its operations with only the last
    /// operation per key kept, in the order of those last operations. Engines
    /// call this so that "last write wins within a batch" holds whatever the
    /// backend does with two writes of one key at one sequence number.
    pub fn into_validated_ops(self) -> Result<Vec<BatchOp>> {
        self.validate()?;
        let mut ops = self.ops;
        if ops.len() < 2 {
            return Ok(ops);
        }
        // Typical batches (an item, its index entries, a change record) are
        // small: compare pairwise without allocating.
        if ops.len() <= 16 {
            let mut i = 0;
            while i < ops.len() {
                let key = ops.get(i).map(BatchOp::key);
                if ops.iter().skip(i + 1).any(|later| Some(later.key()) == key) {
                    ops.remove(i);
                } else {
                    i += 1;
                }
            }
            return Ok(ops);
        }
        let mut last: HashMap<Bytes, usize> = HashMap::with_capacity(ops.len());
        for (i, op) in ops.iter().enumerate() {
            last.insert(op.key().clone(), i);
        }
        if last.len() == ops.len() {
            return Ok(ops);
        }
        let mut i = 0;
        ops.retain(|op| {
            let keep = last.get(op.key()) == Some(&i);
            i += 1;
            keep
        });
        Ok(ops)
    }
}

/// Checks a key against the contract's limits.
pub fn validate_key(key: &[u8]) -> Result<()> {
    if key.is_empty() {
        Err(Error::EmptyKey)
    } else if key.len() > MAX_KEY_LEN {
        Err(Error::KeyTooLong {
            len: key.len(),
            max: MAX_KEY_LEN,
        })
    } else {
        Ok(())
    }
}

/// Checks a value against the contract's limits.
pub fn validate_value(value: &[u8]) -> Result<()> {
    if value.len() > MAX_VALUE_LEN {
        Err(Error::ValueTooLong {
            len: value.len(),
            max: MAX_VALUE_LEN,
        })
    } else {
        Ok(())
    }
}

/// True if no key can lie between `start` and `end`. Engines check this
/// before handing bounds to a backend (`BTreeMap::range` panics on them).
pub fn range_is_empty(start: Bound<&[u8]>, end: Bound<&[u8]>) -> bool {
    use Bound::{Excluded, Included, Unbounded};
    match (start, end) {
        (Unbounded, _) | (_, Unbounded) => false,
        (Included(lo), Included(hi)) => lo > hi,
        (Included(lo) | Excluded(lo), Included(hi) | Excluded(hi)) => lo >= hi,
    }
}

/// The rest of a batch begun by [`Engine::begin_write`]. It may be finished
/// on another thread; one dropped unfinished is finished by its drop (the
/// batches begun after it wait for it).
pub struct PendingWrite(Option<Box<dyn FnOnce() -> Result<()> + Send>>);

impl PendingWrite {
    /// Nothing left to do: the batch is applied.
    pub fn done() -> Self {
        PendingWrite(None)
    }

    /// What `rest` does finishes the batch.
    pub fn new(rest: impl FnOnce() -> Result<()> + Send + 'static) -> Self {
        PendingWrite(Some(Box::new(rest)))
    }

    /// Waits until the batch is applied (and durable under
    /// [`SyncPolicy::Always`]).
    pub fn finish(mut self) -> Result<()> {
        self.0.take().map_or(Ok(()), |rest| rest())
    }
}

impl Drop for PendingWrite {
    fn drop(&mut self) {
        if let Some(rest) = self.0.take() {
            let _ = rest();
        }
    }
}

impl std::fmt::Debug for PendingWrite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("PendingWrite").field(&self.0.is_some()).finish()
    }
}

/// A consistent, read-only view of an engine at one point in time.
pub trait Snapshot: Send + Sync {
    /// The value of `key`, if present. Invalid keys (empty, too long) are
    /// simply absent.
    fn get(&self, key: &[u8]) -> Result<Option<Bytes>>;

    /// The pairs with keys between `start` and `end`, in `direction` order.
    /// The iterator owns its view and may outlive `self`.
    fn range(&self, start: Bound<&[u8]>, end: Bound<&[u8]>, direction: Direction)
        -> Result<KvIter>;
}

/// An ordered, durable key-value store. See the module docs for the contract.
pub trait Engine: Send + Sync {
    /// A consistent view of everything acknowledged so far.
    fn snapshot(&self) -> Result<Box<dyn Snapshot>>;

    /// Applies `batch` atomically, durably according to the engine's
    /// [`SyncPolicy`]. An empty batch is a no-op.
    fn write(&self, batch: WriteBatch) -> Result<()>;

    /// Starts applying `batch` and returns what is left to do: batches
    /// begun one after another are applied (made visible, and durable) in
    /// that order, whatever order their [`PendingWrite::finish`] calls come
    /// in, so a writer can have several on their way to the disk at once.
    /// A batch whose `finish` fails takes every batch begun after it down
    /// with it (their `finish` fails too). Beginning a batch may wait for
    /// batches begun earlier to finish, so those must be finished by other
    /// threads (or before). The default applies the batch here, with
    /// [`Engine::write`].
    fn begin_write(&self, batch: WriteBatch) -> Result<PendingWrite> {
        self.write(batch).map(|()| PendingWrite::done())
    }

    /// Forces everything acknowledged so far to stable storage (a no-op for
    /// engines without storage, and for [`SyncPolicy::Always`]).
    fn sync(&self) -> Result<()>;

    /// The latest value of `key`; same as `self.snapshot()?.get(key)` but
    /// engines may do it cheaper.
    fn get(&self, key: &[u8]) -> Result<Option<Bytes>> {
        self.snapshot()?.get(key)
    }
}

impl<E: Engine + ?Sized> Engine for std::sync::Arc<E> {
    fn snapshot(&self) -> Result<Box<dyn Snapshot>> {
        (**self).snapshot()
    }
    fn write(&self, batch: WriteBatch) -> Result<()> {
        (**self).write(batch)
    }
    fn begin_write(&self, batch: WriteBatch) -> Result<PendingWrite> {
        (**self).begin_write(batch)
    }
    fn sync(&self) -> Result<()> {
        (**self).sync()
    }
    fn get(&self, key: &[u8]) -> Result<Option<Bytes>> {
        (**self).get(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Bound::{Excluded, Included, Unbounded};

    #[test]
    fn dedup_keeps_last_op_per_key_in_order() {
        let mut b = WriteBatch::new();
        b.put(&b"a"[..], &b"1"[..])
            .put(&b"b"[..], &b"2"[..])
            .delete(&b"a"[..])
            .put(&b"c"[..], &b"3"[..])
            .put(&b"b"[..], &b"4"[..]);
        let ops = b.into_validated_ops().unwrap();
        assert_eq!(
            ops,
            vec![
                BatchOp::Delete(Bytes::from_static(b"a")),
                BatchOp::Put(Bytes::from_static(b"c"), Bytes::from_static(b"3")),
                BatchOp::Put(Bytes::from_static(b"b"), Bytes::from_static(b"4")),
            ]
        );
    }

    #[test]
    fn dedup_of_large_batches_matches_small_ones() {
        // The same pattern of duplicates below and above the pairwise limit.
        for n in [10usize, 100] {
            let mut b = WriteBatch::new();
            for i in 0..n {
                let key = vec![(i % 4) as u8 + 1];
                if i % 3 == 0 {
                    b.delete(key);
                } else {
                    b.put(key, vec![i as u8]);
                }
            }
            let ops = b.into_validated_ops().unwrap();
            assert_eq!(ops.len(), 4, "n={n}");
            for op in &ops {
                let last = (0..n)
                    .rev()
                    .find(|i| (i % 4) as u8 + 1 == op.key()[0])
                    .unwrap();
                let expected = if last % 3 == 0 {
                    BatchOp::Delete(Bytes::from(vec![op.key()[0]]))
                } else {
                    BatchOp::Put(
                        Bytes::from(vec![op.key()[0]]),
                        Bytes::from(vec![last as u8]),
                    )
                };
                assert_eq!(op, &expected, "n={n}");
            }
            // In the order of each key's last operation.
            let mut lasts: Vec<usize> = ops
                .iter()
                .map(|op| {
                    (0..n)
                        .rev()
                        .find(|i| (i % 4) as u8 + 1 == op.key()[0])
                        .unwrap()
                })
                .collect();
            let sorted = {
                let mut s = lasts.clone();
                s.sort();
                s
            };
            assert_eq!(std::mem::take(&mut lasts), sorted, "n={n}");
        }
    }

    #[test]
    fn validation_rejects_the_whole_batch() {
        let mut b = WriteBatch::new();
        b.put(&b"ok"[..], &b"v"[..]).delete(Vec::new());
        assert!(matches!(b.into_validated_ops(), Err(Error::EmptyKey)));
        let mut b = WriteBatch::new();
        b.put(vec![1u8; MAX_KEY_LEN + 1], &b""[..]);
        assert!(
            matches!(b.validate(), Err(Error::KeyTooLong { len, .. }) if len == MAX_KEY_LEN + 1)
        );
        let mut b = WriteBatch::new();
        b.put(vec![1u8; MAX_KEY_LEN], vec![0u8; MAX_VALUE_LEN + 1]);
        assert!(matches!(b.validate(), Err(Error::ValueTooLong { .. })));
    }

    #[test]
    fn empty_ranges() {
        let (a, b): (&[u8], &[u8]) = (b"a", b"b");
        assert!(!range_is_empty(Unbounded, Excluded(a)));
        assert!(!range_is_empty(Included(a), Included(a)));
        assert!(range_is_empty(Included(a), Excluded(a)));
        assert!(range_is_empty(Excluded(a), Included(a)));
        assert!(range_is_empty(Excluded(a), Excluded(a)));
        assert!(range_is_empty(Included(b), Included(a)));
        assert!(!range_is_empty(Excluded(a), Excluded(b)));
    }
}
