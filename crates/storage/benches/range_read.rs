//! A Query's read: the first one and the first ten 1 KB items of one
//! partition, in key order, from the fjall engine holding 100,000 items (the
//! bench's table, ten a partition), merged into level 1 as a quiet tenant's
//! storage is. The difference between the two is the cost of an item; the
//! rest is opening the range (seeking every memtable and level).
//! `cargo bench -p storage --bench range_read`.

use criterion::{criterion_group, criterion_main, Criterion};
use std::ops::Bound;
use std::time::{Duration, Instant};
use storage::{Direction, Engine, FjallEngine, FjallOptions, WriteBatch};

const PARTITIONS: u64 = 10_000;
const PER_PARTITION: u64 = 10;

/// Shaped like an item key: table prefix, partition hash, partition key.
fn partition(p: u64) -> Vec<u8> {
    format!("t0123456789abcdef0123456789abcdef/i{:016x}pk-{p:08}/", p.wrapping_mul(0x9E37_79B9_7F4A_7C15)).into_bytes()
}

fn range_reads(c: &mut Criterion) {
    let options = FjallOptions {
        cache_bytes: 256 * 1024 * 1024,
        ..FjallOptions::default()
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let e = FjallEngine::open(dir.path(), &options).expect("open");
    let value = vec![0x61u8; 1024];
    for chunk in (0..PARTITIONS).collect::<Vec<_>>().chunks(100) {
        let mut batch = WriteBatch::new();
        for &p in chunk {
            for s in 0..PER_PARTITION {
                let mut k = partition(p);
                k.extend_from_slice(format!("sk-{s:04}").as_bytes());
                batch.put(k, value.clone());
            }
        }
        e.write(batch).expect("write");
    }
    // Flushed and merged into level 1, as after the bench's preload.
    std::thread::sleep(Duration::from_secs(3));
    let now = Instant::now();
    let _ = e.compact_if_quiet(now);
    let _ = e.compact_if_quiet(now + Duration::from_secs(1));
    let mut next = 0u64;
    let mut pick = move || {
        next = next.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        partition((next >> 33) % PARTITIONS)
    };
    // Every block read once, so the cache holds them all.
    for p in 0..PARTITIONS {
        let start = partition(p);
        let _ = e.snapshot().expect("snapshot").range(Bound::Included(&start), Bound::Unbounded, Direction::Forward).map(|it| it.take(10).count());
    }
    for take in [1usize, 10] {
        c.bench_function(&format!("range read of {take} × 1 KB items, 100k keys"), |b| {
            b.iter(|| {
                let start = pick();
                let mut end = start.clone();
                end.push(0xff);
                let snap = e.snapshot().expect("snapshot");
                let iter = snap.range(Bound::Included(&start), Bound::Excluded(&end), Direction::Forward).expect("range");
                iter.take(take).map(|kv| kv.expect("read").1.len()).sum::<usize>()
            });
        });
    }
}

criterion_group!(benches, range_reads);
criterion_main!(benches);
