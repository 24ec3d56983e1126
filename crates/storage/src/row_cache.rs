//! The row cache: the latest value of recently read keys, shared by every
//! database of a node under one byte budget, so a point read of a hot key
//! costs a hash lookup instead of a walk through the memtable and the
//! table files (bloom filters, index and data blocks).
//!
//! It serves [`crate::Engine::get`] only (the latest value); snapshots and
//! range reads never consult it. It is never stale, because every write of
//! an engine passes through it:
//!
//! - before a batch is committed, each of its keys is removed and the
//!   key's shard is marked *writing* (and its version moves on);
//! - after the commit, the shard's mark is cleared (the version moves on
//!   again) and keys that were cached take their new value, as do keys
//!   the cache's write-through rule picks (recently written items are
//!   likely to be read, and to be written again, which reads them first);
//! - a read that misses remembers its shard's version and fills the entry
//!   only if no write was in progress then and the version has not moved
//!   since, i.e. no write of that shard began after the engine answered.
//!
//! So a cached value is always the engine's latest committed value, and a
//! read that hits never sees less than a read of the engine would.
//!
//! Eviction is CLOCK per shard (a FIFO ring with a referenced bit).

use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bytes::Bytes;

/// Keys are hashed twice a lookup (shard, then map): foldhash, seeded per
/// process, costs a fraction of std's SipHash on keys of this size.
type Hasher = foldhash::fast::RandomState;

/// Shards (a power of two): fewer collisions of readers and writers.
const SHARDS: usize = 128;

/// Bookkeeping charged per entry on top of its key and value.
const ENTRY_OVERHEAD: usize = 96;

/// Values larger than this are not cached (one item would push out many).
pub const MAX_CACHED_VALUE: usize = 64 * 1024;

/// A node-wide cache of the latest values of point-read keys. Cloning
/// gives another handle to the same cache.
#[derive(Clone)]
pub struct RowCache(Arc<Shared>);

struct Shared {
    shards: Box<[Mutex<Shard>]>,
    shard_budget: usize,
    hasher: Hasher,
    next_owner: AtomicU64,
    /// Keys (as the engine names them) whose written value is cached even
    /// if they were not.
    write_through: fn(&[u8]) -> bool,
}

#[derive(Default)]
struct Shard {
    map: HashMap<Arc<[u8]>, Entry, Hasher>,
    ring: VecDeque<(Arc<[u8]>, u64)>,
    bytes: usize,
    /// Moves on at the start and the end of every write of the shard.
    version: u64,
    /// Writes of the shard in progress (committing).
    writing: u32,
    /// Numbers entries, so a ring slot of an entry since replaced is known.
    next_gen: u64,
    /// Reads answered from the shard, and reads that missed.
    hits: u64,
    misses: u64,
}

/// What the cache holds and how well it serves (for metrics).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RowCacheStats {
    /// Entries held.
    pub entries: u64,
    /// Bytes charged (keys, values and bookkeeping).
    pub bytes: u64,
    /// Point reads answered from the cache.
    pub hits: u64,
    /// Point reads that went to the engine.
    pub misses: u64,
}

struct Entry {
    value: Bytes,
    gen: u64,
    referenced: bool,
    /// Writes of the key in progress: while any is, the entry answers no
    /// read (as if it were not cached), and the last one to end gives it
    /// its new value in place (no new key, no new ring slot).
    writing: u32,
}

/// What a missed read needs to fill the cache afterwards.
#[derive(Debug, Clone, Copy)]
pub struct Miss {
    shard: usize,
    version: u64,
}

impl RowCache {
    /// A cache holding up to about `bytes` of keys and values (0: nothing
    /// is cached).
    pub fn with_capacity_bytes(bytes: u64) -> Self {
        let shard_budget = usize::try_from(bytes).unwrap_or(usize::MAX) / SHARDS;
        RowCache(Arc::new(Shared {
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
            shard_budget,
            hasher: Hasher::default(),
            next_owner: AtomicU64::new(1),
            write_through: |_| false,
        }))
    }

    /// The same budget, caching the written value of every key `rule`
    /// picks, not only of keys already cached. Call before the cache is
    /// shared.
    #[must_use]
    pub fn with_write_through(self, rule: fn(&[u8]) -> bool) -> Self {
        match Arc::try_unwrap(self.0) {
            Ok(mut shared) => {
                shared.write_through = rule;
                RowCache(Arc::new(shared))
            }
            Err(shared) => RowCache(shared),
        }
    }

    /// Its capacity in bytes.
    pub fn capacity(&self) -> u64 {
        (self.0.shard_budget as u64).saturating_mul(SHARDS as u64)
    }

    /// A number no other database of this cache has: it prefixes the
    /// database's keys, so two databases never share an entry.
    pub(crate) fn new_owner(&self) -> u64 {
        self.0.next_owner.fetch_add(1, Ordering::Relaxed)
    }

    /// The cache key of `key` in database `owner`.
    pub(crate) fn key(owner: u64, key: &[u8]) -> Vec<u8> {
        let mut k = Vec::with_capacity(8 + key.len());
        k.extend_from_slice(&owner.to_be_bytes());
        k.extend_from_slice(key);
        k
    }

    /// Calls `f` with the cache key of `key` in database `owner`, built on
    /// the stack when it fits (a point read then allocates nothing for it).
    pub(crate) fn with_key<R>(owner: u64, key: &[u8], f: impl FnOnce(&[u8]) -> R) -> R {
        const STACK_KEY: usize = 256;
        let mut buf = [0u8; STACK_KEY];
        match buf.get_mut(..8 + key.len()) {
            Some(k) => {
                let (head, tail) = k.split_at_mut(8);
                head.copy_from_slice(&owner.to_be_bytes());
                tail.copy_from_slice(key);
                f(k)
            }
            None => f(&Self::key(owner, key)),
        }
    }

    fn shard_of(&self, key: &[u8]) -> usize {
        usize::try_from(self.0.hasher.hash_one(key)).unwrap_or_default() % self.0.shards.len()
    }

    #[allow(clippy::indexing_slicing)] // in bounds: modulo the (non-zero) number of shards
    fn lock(&self, shard: usize) -> MutexGuard<'_, Shard> {
        let shards = &self.0.shards;
        shards[shard % shards.len()].lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The cached value of `key`, or what [`RowCache::fill`] needs once
    /// the engine has been read.
    pub(crate) fn get(&self, key: &[u8]) -> Result<Bytes, Miss> {
        let shard = self.shard_of(key);
        let mut s = self.lock(shard);
        if let Some(e) = s.map.get_mut(key).filter(|e| e.writing == 0) {
            e.referenced = true;
            let value = e.value.clone();
            s.hits += 1;
            return Ok(value);
        }
        s.misses += 1;
        // While a write is in progress the engine may show part of it:
        // nothing read now may be cached.
        let version = if s.writing > 0 { u64::MAX } else { s.version };
        Err(Miss { shard, version })
    }

    /// Caches `value`, read from the engine after `miss`, unless a write
    /// of the shard was in progress or has begun since.
    pub(crate) fn fill(&self, miss: Miss, key: &[u8], value: &Bytes) {
        if self.0.shard_budget == 0 || value.len() > MAX_CACHED_VALUE || miss.version == u64::MAX {
            return;
        }
        let mut s = self.lock(miss.shard);
        if s.writing > 0 || s.version != miss.version || s.map.contains_key(key) {
            return;
        }
        s.insert(Arc::from(key), own(value), self.0.shard_budget);
    }

    /// Marks the shards of `keys` as written and their entries as being
    /// written (they answer no read until the write ends); the answer says
    /// which were cached, for [`RowCache::end_write`].
    pub(crate) fn begin_write<'k>(&self, keys: impl Iterator<Item = &'k [u8]>) -> Vec<(usize, bool)> {
        keys.map(|key| {
            let shard = self.shard_of(key);
            let mut s = self.lock(shard);
            s.version += 1;
            s.writing += 1;
            let was_cached = match s.map.get_mut(key) {
                Some(e) => {
                    e.writing += 1;
                    true
                }
                None => false,
            };
            (shard, was_cached)
        })
        .collect()
    }

    /// Ends the writes begun by [`RowCache::begin_write`]: `values` gives,
    /// in the same order, each key and its new value (`None`: deleted, or
    /// the write failed and the engine's value is unknown). Keys that were
    /// cached take their new value.
    pub(crate) fn end_write<'k>(&self, begun: &[(usize, bool)], values: impl Iterator<Item = (&'k [u8], Option<&'k Bytes>)>) {
        for (&(shard, was_cached), (key, value)) in begun.iter().zip(values) {
            let mut s = self.lock(shard);
            s.version += 1;
            s.writing = s.writing.saturating_sub(1);
            let engine_key = key.get(8..).unwrap_or_default();
            let keep = value
                .filter(|v| v.len() <= MAX_CACHED_VALUE && self.0.shard_budget > 0)
                .filter(|_| was_cached || (self.0.write_through)(engine_key));
            // The entry (still there unless evicted meanwhile) takes the
            // new value in place; a key twice in one batch ends twice, and
            // its last value stays.
            if let (Some(v), Some(e)) = (keep, s.map.get_mut(key)) {
                if e.writing > 0 && Shard::charge(key, v) <= self.0.shard_budget {
                    e.writing -= 1;
                    let old = std::mem::replace(&mut e.value, own(v));
                    s.bytes = (s.bytes + v.len()).saturating_sub(old.len());
                    let budget = self.0.shard_budget;
                    while s.bytes > budget && s.evict_other(key) {}
                    continue;
                }
            }
            s.remove(key);
            if let Some(v) = keep {
                s.insert(Arc::from(key), own(v), self.0.shard_budget);
            }
        }
    }

    /// Begins the write of `batch` (each key as [`RowCache::key`] names
    /// it, with its new value or `None` for a delete). The write ends when
    /// the guard is finished, or, if the commit unwinds, when it is
    /// dropped (the keys then stay out of the cache).
    pub(crate) fn write_guard(&self, batch: Vec<(Vec<u8>, Option<Bytes>)>) -> WriteGuard<'_> {
        let begun = self.begin_write(batch.iter().map(|(k, _)| k.as_slice()));
        WriteGuard { cache: self, batch, begun, ended: false }
    }

    /// Its size and its hits and misses so far.
    pub fn stats(&self) -> RowCacheStats {
        (0..SHARDS).fold(RowCacheStats::default(), |mut t, i| {
            let s = self.lock(i);
            t.entries += s.map.len() as u64;
            t.bytes += s.bytes as u64;
            t.hits += s.hits;
            t.misses += s.misses;
            t
        })
    }
}

/// A write of a batch in progress (see [`RowCache::write_guard`]).
pub(crate) struct WriteGuard<'c> {
    cache: &'c RowCache,
    batch: Vec<(Vec<u8>, Option<Bytes>)>,
    begun: Vec<(usize, bool)>,
    ended: bool,
}

impl WriteGuard<'_> {
    /// Ends the write: when `committed`, keys that were cached (or that
    /// the write-through rule picks) take their new values; otherwise the
    /// engine's values are unknown and the keys stay out.
    pub(crate) fn finish(mut self, committed: bool) {
        self.end(committed);
    }

    fn end(&mut self, committed: bool) {
        if self.ended {
            return;
        }
        self.ended = true;
        let values = self.batch.iter().map(|(k, v)| (k.as_slice(), v.as_ref().filter(|_| committed)));
        self.cache.end_write(&self.begun, values);
    }
}

impl Drop for WriteGuard<'_> {
    fn drop(&mut self) {
        self.end(false);
    }
}

/// A copy of `value` in an allocation of its own. A value read from a
/// table file is a view into its whole data block, and a written one may
/// sit in a larger buffer: kept as they are, a small cached value could
/// hold kilobytes the budget does not see.
fn own(value: &Bytes) -> Bytes {
    Bytes::copy_from_slice(value)
}

impl Shard {
    fn charge(key: &[u8], value: &Bytes) -> usize {
        key.len() + value.len() + ENTRY_OVERHEAD
    }

    fn remove(&mut self, key: &[u8]) -> bool {
        match self.map.remove(key) {
            Some(e) => {
                self.bytes = self.bytes.saturating_sub(Self::charge(key, &e.value));
                true
            }
            None => false,
        }
    }

    fn insert(&mut self, key: Arc<[u8]>, value: Bytes, budget: usize) {
        let charge = Self::charge(&key, &value);
        if charge > budget {
            return;
        }
        while self.bytes + charge > budget && self.evict_one() {}
        let gen = self.next_gen;
        self.next_gen += 1;
        self.bytes += charge;
        self.ring.push_back((Arc::clone(&key), gen));
        self.map.insert(key, Entry { value, gen, referenced: false, writing: 0 });
        // Slots of removed entries pile up in the ring: drop them now and
        // then, so it stays proportional to the entries.
        if self.ring.len() > 2 * self.map.len() + 64 {
            let map = &self.map;
            self.ring.retain(|(k, g)| map.get(k).is_some_and(|e| e.gen == *g));
        }
    }

    /// Evicts one entry (giving referenced ones a second chance); false
    /// when nothing is left.
    fn evict_one(&mut self) -> bool {
        self.evict_other(&[])
    }

    /// [`Shard::evict_one`], sparing `keep` (an entry just given its new
    /// value); false when nothing else is left.
    fn evict_other(&mut self, keep: &[u8]) -> bool {
        let mut spared = 0;
        while let Some((key, gen)) = self.ring.pop_front() {
            let Some(e) = self.map.get_mut(&key).filter(|e| e.gen == gen) else {
                continue;
            };
            if *key == *keep {
                self.ring.push_back((key, gen));
                spared += 1;
                if spared > 1 {
                    return false;
                }
                continue;
            }
            if e.referenced {
                e.referenced = false;
                self.ring.push_back((key, gen));
                continue;
            }
            self.remove(&key);
            return true;
        }
        false
    }
}

impl std::fmt::Debug for RowCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowCache").field("capacity", &self.capacity()).finish()
    }
}

impl PartialEq for RowCache {
    /// The same cache, not an equal one.
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for RowCache {}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    #[test]
    fn a_miss_fills_and_then_hits() {
        let c = RowCache::with_capacity_bytes(1 << 20);
        let miss = c.get(b"k").unwrap_err();
        c.fill(miss, b"k", &b("v"));
        assert_eq!(c.get(b"k").ok(), Some(b("v")));
        let st = c.stats();
        assert_eq!((st.entries, st.hits, st.misses), (1, 1, 1));
        assert!(st.bytes > 2);
    }

    #[test]
    fn a_write_that_began_after_the_miss_blocks_the_fill() {
        let c = RowCache::with_capacity_bytes(1 << 20);
        let miss = c.get(b"k").unwrap_err();
        // The engine answered "old" to the reader, then a write committed.
        let begun = c.begin_write([&b"k"[..]].into_iter());
        let new = b("new");
        c.end_write(&begun, [(&b"k"[..], Some(&new))].into_iter());
        c.fill(miss, b"k", &b("old"));
        assert!(c.get(b"k").is_err(), "the stale value must not be cached");
    }

    #[test]
    fn nothing_read_during_a_write_is_cached() {
        let c = RowCache::with_capacity_bytes(1 << 20);
        let begun = c.begin_write([&b"k"[..]].into_iter());
        let miss = c.get(b"k").unwrap_err();
        c.fill(miss, b"k", &b("maybe torn"));
        assert!(c.get(b"k").is_err());
        c.end_write(&begun, [(&b"k"[..], None)].into_iter());
        assert!(c.get(b"k").is_err());
    }

    #[test]
    fn a_cached_key_takes_its_written_value_and_a_deleted_one_goes() {
        let c = RowCache::with_capacity_bytes(1 << 20);
        for k in [&b"a"[..], b"d"] {
            let miss = c.get(k).unwrap_err();
            c.fill(miss, k, &b("1"));
        }
        let begun = c.begin_write([&b"a"[..], b"d", b"x"].into_iter());
        assert!(c.get(b"a").is_err(), "removed while the write is in progress");
        let two = b("2");
        let three = b("3");
        c.end_write(&begun, [(&b"a"[..], Some(&two)), (&b"d"[..], None), (&b"x"[..], Some(&three))].into_iter());
        assert_eq!(c.get(b"a").ok(), Some(b("2")));
        assert!(c.get(b"d").is_err());
        assert!(c.get(b"x").is_err(), "a write does not cache a key nobody read");
    }

    #[test]
    fn rewriting_a_cached_key_updates_it_in_place() {
        let c = RowCache::with_capacity_bytes(1 << 20);
        let miss = c.get(b"a").unwrap_err();
        c.fill(miss, b"a", &b("1"));
        for round in 0..1000u32 {
            let v = Bytes::from(round.to_string());
            let begun = c.begin_write(std::iter::once(&b"a"[..]));
            assert!(c.get(b"a").is_err(), "no read answered while the write is in progress");
            let miss = c.get(b"a").unwrap_err();
            c.fill(miss, b"a", &b("stale"));
            c.end_write(&begun, std::iter::once((&b"a"[..], Some(&v))));
            assert_eq!(c.get(b"a").ok(), Some(v));
        }
        let shard = c.lock(c.shard_of(b"a"));
        assert_eq!((shard.map.len(), shard.ring.len()), (1, 1), "one entry, one ring slot");
        assert_eq!(shard.bytes, Shard::charge(b"a", &b("999")));
    }

    #[test]
    fn a_key_twice_in_a_batch_keeps_its_last_value() {
        let c = RowCache::with_capacity_bytes(1 << 20);
        let miss = c.get(b"a").unwrap_err();
        c.fill(miss, b"a", &b("1"));
        for (first, last) in [(Some(b("2")), Some(b("3"))), (None, Some(b("4"))), (Some(b("5")), None)] {
            let begun = c.begin_write([&b"a"[..], b"a"].into_iter());
            c.end_write(&begun, [(&b"a"[..], first.as_ref()), (&b"a"[..], last.as_ref())].into_iter());
            assert_eq!(c.get(b"a").ok(), last);
        }
    }

    #[test]
    fn a_key_built_on_the_stack_equals_the_allocated_one() {
        for len in [0, 10, 248, 249, 1000] {
            let key = vec![3u8; len];
            RowCache::with_key(7, &key, |k| assert_eq!(k, RowCache::key(7, &key).as_slice(), "{len} bytes"));
        }
    }

    #[test]
    fn write_through_caches_the_keys_its_rule_picks() {
        let c = RowCache::with_capacity_bytes(1 << 20).with_write_through(|k| k.starts_with(b"item"));
        let item = RowCache::key(1, b"item1");
        let other = RowCache::key(1, b"log1");
        let begun = c.begin_write([item.as_slice(), other.as_slice()].into_iter());
        let v = b("v");
        c.end_write(&begun, [(item.as_slice(), Some(&v)), (other.as_slice(), Some(&v))].into_iter());
        assert_eq!(c.get(&item).ok(), Some(b("v")));
        assert!(c.get(&other).is_err());
    }

    #[test]
    fn the_budget_is_kept_by_evicting() {
        let c = RowCache::with_capacity_bytes(SHARDS as u64 * 4096);
        for i in 0..10_000u32 {
            let k = i.to_be_bytes();
            if let Err(miss) = c.get(&k) {
                c.fill(miss, &k, &Bytes::from(vec![0u8; 100]));
            }
        }
        let RowCacheStats { entries: n, bytes, .. } = c.stats();
        assert!(bytes <= SHARDS as u64 * 4096, "{bytes} bytes held");
        assert!(n > 1000, "the cache keeps what fits: {n} entries");
        assert!(n < 10_000);
    }

    #[test]
    fn a_cached_value_does_not_hold_the_buffer_it_was_read_from() {
        let c = RowCache::with_capacity_bytes(1 << 20);
        let block = Bytes::from(vec![7u8; 4096]);
        let value = block.slice(100..110);
        let miss = c.get(b"k").unwrap_err();
        c.fill(miss, b"k", &value);
        drop(value);
        // Only the test's handle keeps the block now: the cache copied.
        assert!(block.is_unique(), "the cache kept a view into the block");
        assert_eq!(c.get(b"k").ok().as_deref(), Some(&[7u8; 10][..]));
    }

    #[test]
    fn an_unwound_write_ends_and_leaves_its_keys_out() {
        let c = RowCache::with_capacity_bytes(1 << 20);
        let k = RowCache::key(1, b"k");
        let miss = c.get(&k).unwrap_err();
        c.fill(miss, &k, &b("old"));
        let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _guard = c.write_guard(vec![(k.clone(), Some(b("new")))]);
            panic!("the commit failed mid-way");
        }));
        assert!(unwound.is_err());
        assert!(c.get(&k).is_err(), "the key stays out");
        // The shard is no longer being written: a later read fills it.
        let miss = c.get(&k).unwrap_err();
        c.fill(miss, &k, &b("engine"));
        assert_eq!(c.get(&k).ok(), Some(b("engine")));
    }

    #[test]
    fn a_finished_write_caches_its_value_only_when_committed() {
        let c = RowCache::with_capacity_bytes(1 << 20).with_write_through(|_| true);
        let k = RowCache::key(1, b"k");
        c.write_guard(vec![(k.clone(), Some(b("v1")))]).finish(true);
        assert_eq!(c.get(&k).ok(), Some(b("v1")));
        c.write_guard(vec![(k.clone(), Some(b("v2")))]).finish(false);
        assert!(c.get(&k).is_err());
    }

    #[test]
    fn a_zero_budget_caches_nothing() {
        let c = RowCache::with_capacity_bytes(0);
        let miss = c.get(b"k").unwrap_err();
        c.fill(miss, b"k", &b("v"));
        assert!(c.get(b"k").is_err());
    }
}
