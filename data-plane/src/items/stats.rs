//! Item counts and sizes per table and per index, for DescribeTable's
//! ItemCount, TableSizeBytes and IndexSizeBytes. The tenant's writer keeps
//! them exact: every group commit adds its changes' deltas in the same
//! atomic batch as the writes.
//!
//! ```text
//! table stats key = "s" table_id "/"
//! index stats key = "s" table_id "/x" index_name "/"   ("s" + the index prefix after its "t")
//! collection key  = "s" table_id "/c" encode(pk)       (tables with LSIs: items and LSI entries)
//! value           = item_count:u64be size_bytes:u64be
//! ```
//! Frozen format.

use std::collections::HashMap;

use ddb_core::api::table::Usage;
use storage::{Engine, Snapshot, WriteBatch};

use super::index::IndexLayout;

/// The stats key of a table; also the prefix of its indexes' stats keys.
pub fn table_key(table_id: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(table_id.len() + 2);
    k.push(b's');
    k.extend_from_slice(table_id.as_bytes());
    k.push(b'/');
    k
}

/// The stats key of an index, from its entry prefix (`t…/x…/`).
pub fn index_key(index_prefix: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(index_prefix.len());
    k.push(b's');
    k.extend_from_slice(index_prefix.get(1..).unwrap_or_default());
    k
}

/// The stats key of the item collection of partition key `pk` (encoded
/// with `ddb_core::key::encode_key_value`).
pub fn collection_key(table_id: &str, encoded_pk: &[u8]) -> Vec<u8> {
    let mut k = table_key(table_id);
    k.push(b'c');
    k.extend_from_slice(encoded_pk);
    k
}

/// The item count and size stored under `key`, or zeros.
pub fn read_key(snapshot: &dyn Snapshot, key: &[u8]) -> Result<(u64, u64), storage::Error> {
    Ok(snapshot.get(key)?.map_or((0, 0), |v| decode(&v)))
}

pub(crate) fn decode(bytes: &[u8]) -> (u64, u64) {
    let word = |range: std::ops::Range<usize>| {
        bytes
            .get(range)
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .map_or(0, u64::from_be_bytes)
    };
    (word(0..8), word(8..16))
}

fn encode(count: u64, bytes: u64) -> Vec<u8> {
    let mut v = Vec::with_capacity(16);
    v.extend_from_slice(&count.to_be_bytes());
    v.extend_from_slice(&bytes.to_be_bytes());
    v
}

/// Changes to counts and sizes collected over one group commit.
#[derive(Debug, Default)]
pub struct Deltas(HashMap<Vec<u8>, (i64, i64)>);

impl Deltas {
    /// Adds `count` items and `bytes` bytes (either may be negative) to `key`.
    pub fn add(&mut self, key: Vec<u8>, count: i64, bytes: i64) {
        if count == 0 && bytes == 0 {
            return;
        }
        let e = self.0.entry(key).or_default();
        e.0 += count;
        e.1 += bytes;
    }

    /// The bytes added to tables and indexes (not to item collections,
    /// which count the same bytes again) so far in this group.
    pub fn storage_bytes(&self) -> i64 {
        self.0
            .iter()
            .filter(|(k, _)| is_storage_key(k))
            .map(|(_, d)| d.1)
            .sum()
    }

    /// The bytes added to `key` so far in this group.
    pub fn pending_bytes(&self, key: &[u8]) -> i64 {
        self.0.get(key).map_or(0, |d| d.1)
    }

    /// Puts the updated stats into `batch` for group `group`: each key's
    /// values come from `unapplied` (what earlier groups not yet in the
    /// engine left), else from `engine` (which only the writer updates),
    /// and are recorded there. Never goes below zero.
    pub fn write(
        self,
        engine: &dyn Engine,
        unapplied: &mut Unapplied,
        group: u64,
        batch: &mut WriteBatch,
    ) -> Result<(), storage::Error> {
        for (key, (count, bytes)) in self.0 {
            let (c, b) = match unapplied.0.get(&key) {
                Some((_, values)) => *values,
                None => engine.get(&key)?.map_or((0, 0), |v| decode(&v)),
            };
            let c = c.saturating_add_signed(count);
            let b = b.saturating_add_signed(bytes);
            batch.put(key.clone(), encode(c, b));
            unapplied.0.insert(key, (group, (c, b)));
        }
        Ok(())
    }
}

/// Stats a group wrote while the engine has not applied it yet, each with
/// the last group that wrote it: a group written while an earlier one is
/// still on its way to the disk starts from these.
#[derive(Debug, Default)]
pub struct Unapplied(HashMap<Vec<u8>, (u64, (u64, u64))>);

impl Unapplied {
    /// The engine has applied `group`: what it wrote last is read from
    /// there now.
    pub fn applied(&mut self, group: u64) {
        self.0.retain(|_, (g, _)| *g != group);
    }

    /// Forgets everything (the engine is what holds).
    pub fn clear(&mut self) {
        self.0.clear();
    }
}

/// True for table and index stats keys (not item collections').
fn is_storage_key(key: &[u8]) -> bool {
    let after_id = key.iter().position(|b| *b == b'/').and_then(|i| key.get(i + 1));
    matches!(after_id, None | Some(b'x'))
}

/// The bytes of every table and index of a tenant, summed from its stats.
pub fn tenant_bytes(engine: &dyn Engine) -> Result<u64, storage::Error> {
    let snap = engine.snapshot()?;
    let mut total = 0u64;
    for kv in snap.range(
        std::ops::Bound::Included(&b"s"[..]),
        std::ops::Bound::Excluded(&b"t"[..]),
        storage::Direction::Forward,
    )? {
        let (k, v) = kv?;
        if is_storage_key(&k) {
            total = total.saturating_add(decode(&v).1);
        }
    }
    Ok(total)
}

/// The bytes of one table and its indexes, as of `snapshot`.
pub fn table_bytes(snapshot: &dyn Snapshot, table_id: &str) -> Result<u64, storage::Error> {
    let prefix = table_key(table_id);
    let end = super::layout::prefix_end(&prefix);
    let end = end.as_deref().map_or(std::ops::Bound::Unbounded, std::ops::Bound::Excluded);
    let mut total = 0u64;
    for kv in snapshot.range(std::ops::Bound::Included(prefix.as_slice()), end, storage::Direction::Forward)? {
        let (k, v) = kv?;
        if is_storage_key(&k) {
            total = total.saturating_add(decode(&v).1);
        }
    }
    Ok(total)
}

/// A table's usage with each of its indexes', as of `snapshot`.
pub fn read(snapshot: &dyn Snapshot, table_id: &str, indexes: &[IndexLayout]) -> Result<Usage, storage::Error> {
    let (item_count, size_bytes) = snapshot.get(&table_key(table_id))?.map_or((0, 0), |v| decode(&v));
    let mut usage = Usage {
        item_count,
        size_bytes,
        ..Usage::default()
    };
    for idx in indexes {
        if let Some(v) = snapshot.get(&index_key(idx.prefix()))? {
            usage.indexes.insert(idx.name.clone(), decode(&v));
        }
    }
    Ok(usage)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_values_round_trip() {
        assert_eq!(table_key("T1"), b"sT1/");
        assert_eq!(index_key(b"tT1/xbyDate/"), b"sT1/xbyDate/");
        assert_eq!(decode(&encode(7, 1 << 40)), (7, 1 << 40));
        assert_eq!(decode(b"short"), (0, 0), "a damaged value reads as zero, never panics");
    }

    #[test]
    fn tenant_bytes_count_tables_and_indexes_not_collections() {
        let engine = storage::MemoryEngine::new();
        let mut d = Deltas::default();
        d.add(table_key("T"), 2, 300);
        d.add(index_key(b"tT/xg/"), 2, 100);
        d.add(collection_key("T", b"pk"), 0, 400);
        assert_eq!(d.storage_bytes(), 400);
        let mut batch = WriteBatch::new();
        d.write(&engine, &mut Unapplied::default(), 0, &mut batch).unwrap();
        engine.write(batch).unwrap();
        assert_eq!(tenant_bytes(&engine).unwrap(), 400);
    }

    #[test]
    fn deltas_accumulate_and_never_go_negative() {
        let engine = storage::MemoryEngine::new();
        let mut d = Deltas::default();
        d.add(table_key("T"), 2, 300);
        d.add(table_key("T"), -1, -100);
        d.add(table_key("U"), 0, 0);
        let mut batch = WriteBatch::new();
        d.write(&engine, &mut Unapplied::default(), 0, &mut batch).unwrap();
        assert_eq!(batch.len(), 1, "a zero delta writes nothing");
        engine.write(batch).unwrap();
        let snap = engine.snapshot().unwrap();
        let usage = read(snap.as_ref(), "T", &[]).unwrap();
        assert_eq!((usage.item_count, usage.size_bytes), (1, 200));
        let mut d = Deltas::default();
        d.add(table_key("T"), -5, -1000);
        let mut batch = WriteBatch::new();
        d.write(&engine, &mut Unapplied::default(), 1, &mut batch).unwrap();
        engine.write(batch).unwrap();
        let usage = read(engine.snapshot().unwrap().as_ref(), "T", &[]).unwrap();
        assert_eq!((usage.item_count, usage.size_bytes), (0, 0));
    }

    #[test]
    fn a_group_starts_from_the_unapplied_groups_before_it() {
        let engine = storage::MemoryEngine::new();
        let mut unapplied = Unapplied::default();
        let group = |n: u64, count: i64, unapplied: &mut Unapplied| {
            let mut d = Deltas::default();
            d.add(table_key("T"), count, 10 * count);
            let mut batch = WriteBatch::new();
            d.write(&engine, unapplied, n, &mut batch).unwrap();
            batch
        };
        // Group 1 is on its way to the disk while group 2 is sealed.
        let first = group(1, 2, &mut unapplied);
        let second = group(2, 3, &mut unapplied);
        engine.write(first).unwrap();
        unapplied.applied(1);
        // Group 2 wrote the key last: its value stays until it is applied.
        let third = group(3, 1, &mut unapplied);
        engine.write(second).unwrap();
        unapplied.applied(2);
        engine.write(third).unwrap();
        unapplied.applied(3);
        let usage = read(engine.snapshot().unwrap().as_ref(), "T", &[]).unwrap();
        assert_eq!((usage.item_count, usage.size_bytes), (6, 60));
        assert!(unapplied.0.is_empty());
    }
}
