//! The in-memory reference engine: simple enough to be obviously correct,
//! so the conformance suite can hold the real engines to it.
//!
//! The whole state is one `Arc<BTreeMap>`. A snapshot clones the `Arc`; a
//! write takes the lock and mutates the map through [`Arc::make_mut`], which
//! copies the map only if a snapshot still shares it. Snapshots are therefore
//! immutable by construction, and a batch is atomic because it is applied
//! under the lock to a map no reader can see until the lock is released.
//! Iterators hold their own `Arc` and re-seek from the last key returned, so
//! they need no borrow and can be sent anywhere.
//!
//! The copy-on-write costs O(n) per write that follows a snapshot: fine for
//! tests and small development data sets, not for production sizes.

use crate::engine::{
    range_is_empty, validate_key, BatchOp, Direction, Engine, KeyValue, KvIter, Snapshot,
    WriteBatch,
};
use crate::Result;
use bytes::Bytes;
use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::{Arc, Mutex, PoisonError};

type Map = BTreeMap<Bytes, Bytes>;

/// The reference engine. Cloning gives another handle to the same data.
#[derive(Debug, Clone, Default)]
pub struct MemoryEngine {
    state: Arc<Mutex<Arc<Map>>>,
}

impl MemoryEngine {
    /// An empty engine.
    pub fn new() -> Self {
        Self::default()
    }

    fn current(&self) -> Arc<Map> {
        // Nothing panics while holding the lock (see `write`), so even a
        // poisoned lock guards a consistent map.
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Engine for MemoryEngine {
    fn snapshot(&self) -> Result<Box<dyn Snapshot>> {
        Ok(Box::new(MemorySnapshot {
            map: self.current(),
        }))
    }

    fn write(&self, batch: WriteBatch) -> Result<()> {
        let ops = batch.into_validated_ops()?;
        if ops.is_empty() {
            return Ok(());
        }
        let mut guard = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        // Copies the map only if a snapshot still shares it. Nothing below can
        // panic short of an allocation failure, which aborts the process, so
        // no reader can ever observe part of a batch.
        let map = Arc::make_mut(&mut *guard);
        for op in ops {
            match op {
                BatchOp::Put(key, value) => {
                    map.insert(key, value);
                }
                BatchOp::Delete(key) => {
                    map.remove(&key);
                }
            }
        }
        Ok(())
    }

    fn sync(&self) -> Result<()> {
        Ok(())
    }

    fn get(&self, key: &[u8]) -> Result<Option<Bytes>> {
        let guard = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(guard.get(key).cloned())
    }
}

/// A frozen version of a [`MemoryEngine`].
#[derive(Debug, Clone)]
struct MemorySnapshot {
    map: Arc<Map>,
}

impl Snapshot for MemorySnapshot {
    fn get(&self, key: &[u8]) -> Result<Option<Bytes>> {
        if validate_key(key).is_err() {
            return Ok(None);
        }
        Ok(self.map.get(key).cloned())
    }

    fn range(
        &self,
        start: Bound<&[u8]>,
        end: Bound<&[u8]>,
        direction: Direction,
    ) -> Result<KvIter> {
        Ok(Box::new(MemoryIter {
            map: self.map.clone(),
            lo: start.map(Bytes::copy_from_slice),
            hi: end.map(Bytes::copy_from_slice),
            direction,
        }))
    }
}

/// Walks `map` between `lo` and `hi`, narrowing the bound behind it after
/// every step.
struct MemoryIter {
    map: Arc<Map>,
    lo: Bound<Bytes>,
    hi: Bound<Bytes>,
    direction: Direction,
}

fn as_slice(bound: &Bound<Bytes>) -> Bound<&[u8]> {
    match bound {
        Bound::Included(b) => Bound::Included(b.as_ref()),
        Bound::Excluded(b) => Bound::Excluded(b.as_ref()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

impl Iterator for MemoryIter {
    type Item = Result<KeyValue>;

    fn next(&mut self) -> Option<Self::Item> {
        let (lo, hi) = (as_slice(&self.lo), as_slice(&self.hi));
        if range_is_empty(lo, hi) {
            return None;
        }
        let mut range = self.map.range::<[u8], _>((lo, hi));
        let (key, value) = match self.direction {
            Direction::Forward => range.next(),
            Direction::Reverse => range.next_back(),
        }?;
        let (key, value) = (key.clone(), value.clone());
        match self.direction {
            Direction::Forward => self.lo = Bound::Excluded(key.clone()),
            Direction::Reverse => self.hi = Bound::Excluded(key.clone()),
        }
        Some(Ok((key, value)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::conformance_tests!(MemoryEngine::new());

    #[test]
    fn clones_share_data() {
        let a = MemoryEngine::new();
        let b = a.clone();
        let mut batch = WriteBatch::new();
        batch.put(&b"k"[..], &b"v"[..]);
        a.write(batch).unwrap();
        assert_eq!(b.get(b"k").unwrap().as_deref(), Some(&b"v"[..]));
    }
}
