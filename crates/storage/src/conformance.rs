//! The conformance suite: what every [`Engine`] must do, written once and
//! run against each engine (`conformance_tests!(make_engine)` in its test
//! module generates one `#[test]` per case). Expected results come from
//! plain oracles in this file (sorted vectors, counters), not from another
//! engine, so the reference engine is tested as much as the real one.
//!
//! Engine-specific properties — surviving close/reopen and a killed process
//! — live next to the engine, reusing [`fill`]/[`check_filled`] from here.

use crate::{Direction, Engine, Error, Snapshot, WriteBatch, MAX_KEY_LEN, MAX_VALUE_LEN};
use bytes::Bytes;
use std::ops::Bound::{self, Excluded, Included, Unbounded};
use std::sync::atomic::{AtomicBool, Ordering};

/// Generates one `#[test]` per conformance case for the engine made by
/// `$make` (an expression evaluated afresh for each test).
#[macro_export]
macro_rules! conformance_tests {
    ($make:expr) => {
        mod conformance {
            #[allow(unused_imports)]
            use super::*;
            $crate::conformance_tests!(@cases $make;
                point_reads, empty_values, invalid_input_rejects_whole_batch, max_key_len,
                range_every_bound_combination, range_order_is_unsigned_bytewise,
                snapshot_isolation, iterator_keeps_its_view, iterator_outlives_snapshot_and_moves,
                last_write_wins_within_batch, batch_atomicity_under_concurrent_readers,
                delete_semantics, large_values, many_keys, concurrent_writers, empty_batch,
                begun_batches_apply_in_order, pipelined_writes_lose_nothing);
        }
    };
    (@cases $make:expr; $($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                $crate::conformance::$case(&|| $make);
            }
        )*
    };
}

fn b(s: &[u8]) -> Bytes {
    Bytes::copy_from_slice(s)
}

fn put(engine: &dyn Engine, key: &[u8], value: &[u8]) {
    let mut batch = WriteBatch::new();
    batch.put(b(key), b(value));
    engine.write(batch).expect("write");
}

fn del(engine: &dyn Engine, key: &[u8]) {
    let mut batch = WriteBatch::new();
    batch.delete(b(key));
    engine.write(batch).expect("write");
}

/// Collects a range into owned pairs, failing the test on an error.
pub fn collect(
    snapshot: &dyn Snapshot,
    start: Bound<&[u8]>,
    end: Bound<&[u8]>,
    direction: Direction,
) -> Vec<(Vec<u8>, Vec<u8>)> {
    snapshot
        .range(start, end, direction)
        .expect("range")
        .map(|kv| {
            let (k, v) = kv.expect("iteration");
            (k.to_vec(), v.to_vec())
        })
        .collect()
}

fn all(engine: &dyn Engine) -> Vec<(Vec<u8>, Vec<u8>)> {
    collect(
        &*engine.snapshot().expect("snapshot"),
        Unbounded,
        Unbounded,
        Direction::Forward,
    )
}

/// Writes `n` keys `fill-{i:06}` with values derived from `i` and `seed`, in
/// batches of 100.
pub fn fill(engine: &dyn Engine, n: usize, seed: u8) {
    for chunk in (0..n).collect::<Vec<_>>().chunks(100) {
        let mut batch = WriteBatch::with_capacity(chunk.len());
        for &i in chunk {
            batch.put(fill_key(i), fill_value(i, seed));
        }
        engine.write(batch).expect("write");
    }
}

/// The key [`fill`] writes for `i`.
pub fn fill_key(i: usize) -> Vec<u8> {
    format!("fill-{i:06}").into_bytes()
}

/// The value [`fill`] writes for `i` and `seed`.
pub fn fill_value(i: usize, seed: u8) -> Vec<u8> {
    // Sizes vary from 0 to 299 bytes; contents depend on both i and seed.
    let len = (i * 7 + usize::from(seed)) % 300;
    (0..len).map(|j| (i + j) as u8 ^ seed).collect()
}

/// Checks what [`fill`] wrote, through point reads and a full scan.
pub fn check_filled(engine: &dyn Engine, n: usize, seed: u8) {
    let snap = engine.snapshot().expect("snapshot");
    for i in (0..n).step_by(97) {
        assert_eq!(
            snap.get(&fill_key(i)).expect("get").as_deref(),
            Some(fill_value(i, seed).as_slice()),
            "key {i}"
        );
    }
    let start = b"fill-".as_slice();
    let end = b"fill.".as_slice();
    let got = collect(&*snap, Included(start), Excluded(end), Direction::Forward);
    assert_eq!(got.len(), n);
    for (i, (k, v)) in got.iter().enumerate() {
        assert_eq!(k, &fill_key(i));
        assert_eq!(v, &fill_value(i, seed));
    }
}

/// Present, absent, overwritten; the engine and a snapshot agree.
pub fn point_reads<E: Engine>(make: &dyn Fn() -> E) {
    let e = make();
    assert_eq!(e.get(b"a").unwrap(), None);
    put(&e, b"a", b"1");
    put(&e, b"b", b"2");
    assert_eq!(e.get(b"a").unwrap().as_deref(), Some(&b"1"[..]));
    assert_eq!(e.get(b"b").unwrap().as_deref(), Some(&b"2"[..]));
    assert_eq!(e.get(b"c").unwrap(), None);
    assert_eq!(
        e.get(b"a\0").unwrap(),
        None,
        "a prefix match is not a match"
    );
    put(&e, b"a", b"one");
    assert_eq!(e.get(b"a").unwrap().as_deref(), Some(&b"one"[..]));
    let snap = e.snapshot().unwrap();
    assert_eq!(snap.get(b"a").unwrap().as_deref(), Some(&b"one"[..]));
    assert_eq!(snap.get(b"c").unwrap(), None);
    // Keys that cannot exist read as absent rather than failing.
    assert_eq!(e.get(b"").unwrap(), None);
    assert_eq!(snap.get(b"").unwrap(), None);
    assert_eq!(snap.get(&vec![b'a'; MAX_KEY_LEN + 1]).unwrap(), None);
}

/// An empty value is stored, returned and distinct from absence.
pub fn empty_values<E: Engine>(make: &dyn Fn() -> E) {
    let e = make();
    put(&e, b"k", b"");
    assert_eq!(e.get(b"k").unwrap().as_deref(), Some(&b""[..]));
    let snap = e.snapshot().unwrap();
    assert_eq!(snap.get(b"k").unwrap().as_deref(), Some(&b""[..]));
    assert_eq!(all(&e), vec![(b"k".to_vec(), vec![])]);
    del(&e, b"k");
    assert_eq!(e.get(b"k").unwrap(), None);
    assert!(all(&e).is_empty());
}

/// Empty keys, oversized keys and values are errors and nothing of their
/// batch is applied.
pub fn invalid_input_rejects_whole_batch<E: Engine>(make: &dyn Fn() -> E) {
    let e = make();
    put(&e, b"keep", b"old");
    type AddBad = Box<dyn Fn(&mut WriteBatch)>;
    let cases: Vec<(AddBad, &str)> = vec![
        (
            Box::new(|w| {
                w.put(Bytes::new(), b(b"v"));
            }),
            "empty key put",
        ),
        (
            Box::new(|w| {
                w.delete(Bytes::new());
            }),
            "empty key delete",
        ),
        (
            Box::new(|w| {
                w.put(vec![b'k'; MAX_KEY_LEN + 1], b(b"v"));
            }),
            "long key",
        ),
        (
            Box::new(|w| {
                w.put(b(b"big"), vec![0u8; MAX_VALUE_LEN + 1]);
            }),
            "long value",
        ),
    ];
    for (add_bad, what) in cases {
        let mut batch = WriteBatch::new();
        batch.put(b(b"new"), b(b"v")).put(b(b"keep"), b(b"new"));
        add_bad(&mut batch);
        let err = e.write(batch).expect_err(what);
        assert!(err.is_invalid_input(), "{what}: {err}");
        assert!(
            matches!(
                err,
                Error::EmptyKey | Error::KeyTooLong { .. } | Error::ValueTooLong { .. }
            ),
            "{what}: {err}"
        );
        assert_eq!(e.get(b"new").unwrap(), None, "{what}");
        assert_eq!(
            e.get(b"keep").unwrap().as_deref(),
            Some(&b"old"[..]),
            "{what}"
        );
    }
}

/// The longest allowed key round-trips.
pub fn max_key_len<E: Engine>(make: &dyn Fn() -> E) {
    let e = make();
    let key = vec![0xabu8; MAX_KEY_LEN];
    put(&e, &key, b"v");
    assert_eq!(e.get(&key).unwrap().as_deref(), Some(&b"v"[..]));
    let got = all(&e);
    assert_eq!(got.len(), 1);
    assert_eq!(got.first().map(|(k, _)| k.len()), Some(MAX_KEY_LEN));
}

const RANGE_KEYS: &[&[u8]] = &[
    b"\x00",
    b"a",
    b"a\x00",
    b"ab",
    b"abc",
    b"b",
    b"ba",
    b"c",
    b"\x7f",
    b"\x80",
    b"\xff",
    b"\xff\xff",
];

/// Every combination of start and end bound (included, excluded,
/// unbounded) over present keys, absent keys between them and keys beyond
/// both ends, in both directions, against a sorted-vector oracle.
pub fn range_every_bound_combination<E: Engine>(make: &dyn Fn() -> E) {
    let e = make();
    let mut batch = WriteBatch::new();
    for k in RANGE_KEYS {
        batch.put(b(k), [b"v:".as_slice(), k].concat());
    }
    e.write(batch).unwrap();
    let mut sorted: Vec<Vec<u8>> = RANGE_KEYS.iter().map(|k| k.to_vec()).collect();
    sorted.sort();

    let probes: &[&[u8]] = &[
        b"\x00",
        b"\x00\x00",
        b"a",
        b"aa",
        b"ab",
        b"abd",
        b"b",
        b"bb",
        b"c",
        b"d",
        b"\x80",
        b"\xff",
        b"\xff\xff",
        b"\xff\xff\xff",
    ];
    let mut bounds: Vec<Bound<&[u8]>> = vec![Unbounded];
    for p in probes {
        bounds.push(Included(p));
        bounds.push(Excluded(p));
    }
    let snap = e.snapshot().unwrap();
    let mut checked = 0;
    for &start in &bounds {
        for &end in &bounds {
            let expected: Vec<Vec<u8>> = sorted
                .iter()
                .filter(|k| {
                    let k = k.as_slice();
                    let above = match start {
                        Included(s) => k >= s,
                        Excluded(s) => k > s,
                        Unbounded => true,
                    };
                    let below = match end {
                        Included(t) => k <= t,
                        Excluded(t) => k < t,
                        Unbounded => true,
                    };
                    above && below
                })
                .cloned()
                .collect();
            let forward = collect(&*snap, start, end, Direction::Forward);
            let keys: Vec<Vec<u8>> = forward.iter().map(|(k, _)| k.clone()).collect();
            assert_eq!(keys, expected, "forward {start:?}..{end:?}");
            for (k, v) in &forward {
                assert_eq!(v, &[b"v:".as_slice(), k].concat());
            }
            let reverse: Vec<Vec<u8>> = collect(&*snap, start, end, Direction::Reverse)
                .into_iter()
                .map(|(k, _)| k)
                .collect();
            let mut expected_rev = expected;
            expected_rev.reverse();
            assert_eq!(reverse, expected_rev, "reverse {start:?}..{end:?}");
            checked += 1;
        }
    }
    assert_eq!(checked, bounds.len() * bounds.len());
}

/// Order is unsigned and bytewise, shorter prefixes first.
pub fn range_order_is_unsigned_bytewise<E: Engine>(make: &dyn Fn() -> E) {
    let e = make();
    let mut batch = WriteBatch::new();
    for k in [
        &b"\xff"[..],
        b"\x01",
        b"\x80",
        b"\x7f",
        b"\x01\x00",
        b"\x00",
    ] {
        batch.put(b(k), b(b""));
    }
    e.write(batch).unwrap();
    let keys: Vec<Vec<u8>> = all(&e).into_iter().map(|(k, _)| k).collect();
    let expected: Vec<&[u8]> = vec![b"\x00", b"\x01", b"\x01\x00", b"\x7f", b"\x80", b"\xff"];
    assert_eq!(keys, expected);
}

/// A snapshot sees neither later puts, overwrites nor deletes.
pub fn snapshot_isolation<E: Engine>(make: &dyn Fn() -> E) {
    let e = make();
    put(&e, b"a", b"1");
    put(&e, b"b", b"2");
    let before = e.snapshot().unwrap();
    let mut batch = WriteBatch::new();
    batch
        .put(b(b"a"), b(b"1'"))
        .delete(b(b"b"))
        .put(b(b"c"), b(b"3"));
    e.write(batch).unwrap();
    let after = e.snapshot().unwrap();

    assert_eq!(before.get(b"a").unwrap().as_deref(), Some(&b"1"[..]));
    assert_eq!(before.get(b"b").unwrap().as_deref(), Some(&b"2"[..]));
    assert_eq!(before.get(b"c").unwrap(), None);
    assert_eq!(
        collect(&*before, Unbounded, Unbounded, Direction::Reverse),
        vec![
            (b"b".to_vec(), b"2".to_vec()),
            (b"a".to_vec(), b"1".to_vec())
        ]
    );
    assert_eq!(after.get(b"a").unwrap().as_deref(), Some(&b"1'"[..]));
    assert_eq!(after.get(b"b").unwrap(), None);
    assert_eq!(
        collect(&*after, Unbounded, Unbounded, Direction::Forward),
        vec![
            (b"a".to_vec(), b"1'".to_vec()),
            (b"c".to_vec(), b"3".to_vec())
        ]
    );
    assert_eq!(e.get(b"b").unwrap(), None);
}

/// An iterator started before a write does not see it, in either
/// direction, even for keys it has not reached yet.
pub fn iterator_keeps_its_view<E: Engine>(make: &dyn Fn() -> E) {
    for direction in [Direction::Forward, Direction::Reverse] {
        let e = make();
        let mut batch = WriteBatch::new();
        for i in 0..10u8 {
            batch.put(vec![b'k', i * 2], vec![i]);
        }
        e.write(batch).unwrap();
        let mut iter = e
            .snapshot()
            .unwrap()
            .range(Unbounded, Unbounded, direction)
            .unwrap();
        let first = iter.next().unwrap().unwrap();

        let mut batch = WriteBatch::new();
        for i in 0..10u8 {
            batch.put(vec![b'k', i * 2 + 1], vec![100 + i]); // new keys in between
            batch.put(vec![b'k', i * 2], vec![200 + i]); // overwrites
        }
        batch.delete(vec![b'k', 10]);
        e.write(batch).unwrap();

        let rest: Vec<(Bytes, Bytes)> = iter.map(|kv| kv.unwrap()).collect();
        let mut seen = vec![first];
        seen.extend(rest);
        let mut expected: Vec<(Bytes, Bytes)> =
            (0..10u8).map(|i| (b(&[b'k', i * 2]), b(&[i]))).collect();
        if direction == Direction::Reverse {
            expected.reverse();
        }
        assert_eq!(seen, expected, "{direction:?}");
        assert_eq!(e.get(&[b'k', 10]).unwrap(), None);
        assert_eq!(e.get(&[b'k', 3]).unwrap().as_deref(), Some(&[101u8][..]));
    }
}

/// Iterators own their view: they outlive the snapshot and work on another
/// thread (as in `spawn_blocking`).
pub fn iterator_outlives_snapshot_and_moves<E: Engine>(make: &dyn Fn() -> E) {
    let e = make();
    fill(&e, 500, 1);
    let snap = e.snapshot().unwrap();
    let iter = snap
        .range(Unbounded, Unbounded, Direction::Reverse)
        .unwrap();
    let snap_elsewhere: Box<dyn Snapshot> = e.snapshot().unwrap();
    drop(snap);
    fill(&e, 500, 2); // overwrite every value
    let (count, first) = std::thread::spawn(move || {
        let mut first = None;
        let mut count = 0;
        for kv in iter {
            let (k, v) = kv.unwrap();
            if first.is_none() {
                first = Some((k, v));
            }
            count += 1;
        }
        (count, first)
    })
    .join()
    .unwrap();
    assert_eq!(count, 500);
    assert_eq!(first, Some((b(&fill_key(499)), b(&fill_value(499, 1)))));
    let seen = std::thread::spawn(move || snap_elsewhere.get(&fill_key(7)).unwrap())
        .join()
        .unwrap();
    assert_eq!(seen.as_deref(), Some(fill_value(7, 1).as_slice()));
    check_filled(&e, 500, 2);
}

/// Within one batch the last operation on a key wins.
pub fn last_write_wins_within_batch<E: Engine>(make: &dyn Fn() -> E) {
    let e = make();
    put(&e, b"x", b"0");
    let mut batch = WriteBatch::new();
    batch
        .put(b(b"a"), b(b"1"))
        .delete(b(b"a"))
        .delete(b(b"b"))
        .put(b(b"b"), b(b"2"))
        .put(b(b"c"), b(b"3"))
        .put(b(b"c"), b(b"33"))
        .delete(b(b"x"))
        .put(b(b"x"), b(b"x2"))
        .delete(b(b"x"));
    e.write(batch).unwrap();
    assert_eq!(e.get(b"a").unwrap(), None);
    assert_eq!(e.get(b"b").unwrap().as_deref(), Some(&b"2"[..]));
    assert_eq!(e.get(b"c").unwrap().as_deref(), Some(&b"33"[..]));
    assert_eq!(e.get(b"x").unwrap(), None);
    assert_eq!(
        all(&e),
        vec![
            (b"b".to_vec(), b"2".to_vec()),
            (b"c".to_vec(), b"33".to_vec())
        ]
    );
}

/// Readers racing a writer see every batch whole or not at all: each batch
/// sets all of its keys to the same generation number (and deletes one
/// marker key of the previous generation).
pub fn batch_atomicity_under_concurrent_readers<E: Engine>(make: &dyn Fn() -> E) {
    const KEYS: u32 = 50;
    const GENERATIONS: u32 = 300;
    let e = make();
    let write_gen = |g: u32| {
        let mut batch = WriteBatch::new();
        for k in 0..KEYS {
            batch.put(
                format!("atom-{k:03}").into_bytes(),
                g.to_be_bytes().to_vec(),
            );
        }
        batch.put(format!("mark-{g:05}").into_bytes(), Bytes::new());
        if g > 0 {
            batch.delete(format!("mark-{:05}", g - 1).into_bytes());
        }
        e.write(batch).unwrap();
    };
    write_gen(0);
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let readers: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| {
                    let mut checks = 0u32;
                    let mut last_gen = 0u32;
                    while !done.load(Ordering::Acquire) || checks < 10 {
                        let snap = e.snapshot().unwrap();
                        let rows = collect(&*snap, Unbounded, Unbounded, Direction::Forward);
                        assert_eq!(rows.len(), KEYS as usize + 1, "keys plus one marker");
                        let (marker, _) = rows.last().unwrap();
                        let generation: u32 =
                            std::str::from_utf8(marker.strip_prefix(b"mark-").unwrap())
                                .unwrap()
                                .parse()
                                .unwrap();
                        for (k, v) in rows.iter().take(KEYS as usize) {
                            assert_eq!(
                                v,
                                &generation.to_be_bytes(),
                                "{k:?} torn at generation {generation}"
                            );
                        }
                        assert!(generation >= last_gen, "time went backwards");
                        last_gen = generation;
                        checks += 1;
                    }
                    checks
                })
            })
            .collect();
        for g in 1..GENERATIONS {
            write_gen(g);
        }
        done.store(true, Ordering::Release);
        for r in readers {
            assert!(r.join().unwrap() >= 10);
        }
    });
    assert_eq!(
        e.get(b"atom-000").unwrap().as_deref(),
        Some(&(GENERATIONS - 1).to_be_bytes()[..])
    );
}

/// Deletes of present and absent keys; deleted keys leave every range.
pub fn delete_semantics<E: Engine>(make: &dyn Fn() -> E) {
    let e = make();
    del(&e, b"never"); // deleting an absent key is fine
    assert_eq!(e.get(b"never").unwrap(), None);
    let mut batch = WriteBatch::new();
    for k in [b"a", b"b", b"c", b"d"] {
        batch.put(b(k), b(k));
    }
    e.write(batch).unwrap();
    del(&e, b"b");
    del(&e, b"d");
    let snap = e.snapshot().unwrap();
    assert_eq!(snap.get(b"b").unwrap(), None);
    let fwd: Vec<Vec<u8>> = collect(&*snap, Unbounded, Unbounded, Direction::Forward)
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(fwd, vec![b"a".to_vec(), b"c".to_vec()]);
    let rev: Vec<Vec<u8>> = collect(&*snap, Included(b"b"), Unbounded, Direction::Reverse)
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(rev, vec![b"c".to_vec()]);
    put(&e, b"b", b"again");
    assert_eq!(e.get(b"b").unwrap().as_deref(), Some(&b"again"[..]));
    assert_eq!(snap.get(b"b").unwrap(), None, "older snapshot unchanged");
    let mut batch = WriteBatch::new();
    for k in [b"a", b"b", b"c"] {
        batch.delete(b(k));
    }
    e.write(batch).unwrap();
    assert!(all(&e).is_empty());
    assert!(collect(
        &*e.snapshot().unwrap(),
        Unbounded,
        Unbounded,
        Direction::Reverse
    )
    .is_empty());
}

/// Values of 400 KB and more round-trip through gets and scans.
pub fn large_values<E: Engine>(make: &dyn Fn() -> E) {
    let e = make();
    let sizes = [400 * 1024, 400 * 1024 + 1, 1024 * 1024, 3 * 1024 * 1024];
    let value =
        |i: usize, len: usize| -> Vec<u8> { (0..len).map(|j| (j * 31 + i) as u8).collect() };
    let mut batch = WriteBatch::new();
    for (i, &len) in sizes.iter().enumerate() {
        batch.put(format!("big-{i}").into_bytes(), value(i, len));
    }
    e.write(batch).unwrap();
    for (i, &len) in sizes.iter().enumerate() {
        let got = e.get(format!("big-{i}").as_bytes()).unwrap().unwrap();
        assert_eq!(got.len(), len);
        assert!(got == value(i, len), "value {i} differs");
    }
    let rows = all(&e);
    assert_eq!(rows.len(), sizes.len());
    for (i, (_, v)) in rows.iter().enumerate() {
        let len = sizes.get(i).copied().unwrap_or_default();
        assert!(*v == value(i, len), "scanned value {i} differs");
    }
    let snap = e.snapshot().unwrap();
    put(&e, b"big-0", b"small");
    assert_eq!(snap.get(b"big-0").unwrap().map(|v| v.len()), Some(sizes[0]));
}

/// Tens of thousands of keys, enough to make LSM engines flush tables.
pub fn many_keys<E: Engine>(make: &dyn Fn() -> E) {
    let e = make();
    const N: usize = 30_000;
    fill(&e, N, 3);
    check_filled(&e, N, 3);
    // Overwrite a third, delete a third.
    let mut batch = WriteBatch::new();
    for i in 0..N {
        match i % 3 {
            0 => {
                batch.put(fill_key(i), b(b"new"));
            }
            1 => {
                batch.delete(fill_key(i));
            }
            _ => {}
        }
        if batch.len() == 1000 {
            e.write(std::mem::take(&mut batch)).unwrap();
        }
    }
    e.write(batch).unwrap();
    let snap = e.snapshot().unwrap();
    let rows = collect(&*snap, Unbounded, Unbounded, Direction::Reverse);
    assert_eq!(rows.len(), N - (0..N).filter(|i| i % 3 == 1).count());
    let expected: Vec<(Vec<u8>, Vec<u8>)> = (0..N)
        .rev()
        .filter_map(|i| match i % 3 {
            0 => Some((fill_key(i), b"new".to_vec())),
            1 => None,
            _ => Some((fill_key(i), fill_value(i, 3))),
        })
        .collect();
    assert!(
        rows == expected,
        "scan after overwrites and deletes differs"
    );
}

/// Writers on several threads; nothing is lost.
pub fn concurrent_writers<E: Engine>(make: &dyn Fn() -> E) {
    let e = make();
    std::thread::scope(|scope| {
        for t in 0..4u8 {
            let e = &e;
            scope.spawn(move || {
                for i in 0..200u32 {
                    let mut batch = WriteBatch::new();
                    batch.put(
                        vec![b'w', t, (i >> 8) as u8, i as u8],
                        i.to_be_bytes().to_vec(),
                    );
                    e.write(batch).unwrap();
                }
            });
        }
    });
    let rows = all(&e);
    assert_eq!(rows.len(), 800);
    assert_eq!(
        e.get(&[b'w', 3, 0, 199]).unwrap().as_deref(),
        Some(&199u32.to_be_bytes()[..])
    );
}

/// An empty batch is accepted and changes nothing.
pub fn empty_batch<E: Engine>(make: &dyn Fn() -> E) {
    let e = make();
    put(&e, b"a", b"1");
    e.write(WriteBatch::new()).unwrap();
    e.sync().unwrap();
    assert_eq!(all(&e), vec![(b"a".to_vec(), b"1".to_vec())]);
}

/// Batches begun one after another apply in that order, whichever is
/// finished first; one finished is never visible without those begun
/// before it, and one dropped unfinished is finished by its drop.
pub fn begun_batches_apply_in_order<E: Engine>(make: &dyn Fn() -> E) {
    let e = make();
    let mut first = WriteBatch::new();
    first.put(b(b"k"), b(b"1")).put(b(b"a"), b(b"1"));
    let mut second = WriteBatch::new();
    second.put(b(b"k"), b(b"2")).put(b(b"b"), b(b"2"));
    let first = e.begin_write(first).unwrap();
    let second = e.begin_write(second).unwrap();
    std::thread::scope(|scope| {
        let e = &e;
        let later = scope.spawn(move || {
            second.finish().unwrap();
            // Acknowledged: so is everything begun before it.
            assert_eq!(e.get(b"a").unwrap().as_deref(), Some(&b"1"[..]));
        });
        std::thread::sleep(std::time::Duration::from_millis(20));
        first.finish().unwrap();
        later.join().unwrap();
    });
    assert_eq!(e.get(b"k").unwrap().as_deref(), Some(&b"2"[..]));
    let mut third = WriteBatch::new();
    third.put(b(b"c"), b(b"3"));
    drop(e.begin_write(third).unwrap());
    assert_eq!(e.get(b"c").unwrap().as_deref(), Some(&b"3"[..]));
}

/// Batches begun in sequence and finished by several threads at once:
/// nothing is lost, and the last begun wins.
pub fn pipelined_writes_lose_nothing<E: Engine>(make: &dyn Fn() -> E) {
    let e = make();
    let (tx, rx) = std::sync::mpsc::channel::<crate::PendingWrite>();
    let rx = std::sync::Mutex::new(rx);
    std::thread::scope(|scope| {
        for _ in 0..3 {
            let rx = &rx;
            scope.spawn(move || loop {
                let next = rx.lock().unwrap().recv();
                match next {
                    Ok(pending) => pending.finish().unwrap(),
                    Err(_) => break,
                }
            });
        }
        for i in 0..300u32 {
            let mut batch = WriteBatch::new();
            batch.put(vec![b'p', (i >> 8) as u8, i as u8], i.to_be_bytes().to_vec());
            batch.put(b(b"last"), i.to_be_bytes().to_vec());
            tx.send(e.begin_write(batch).unwrap()).unwrap();
        }
        drop(tx);
    });
    assert_eq!(all(&e).len(), 301);
    assert_eq!(e.get(b"last").unwrap().as_deref(), Some(&299u32.to_be_bytes()[..]));
}
