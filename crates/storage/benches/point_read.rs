//! A point read of a 1 KB item, the read GetItem and every write's read of
//! the old item make, from the fjall engine with and without the row
//! cache: 100,000 keys (the bench's table), read at random.
//! `cargo bench -p storage`.

use criterion::{criterion_group, criterion_main, Criterion};
use storage::{Engine, FjallEngine, FjallOptions, RowCache, WriteBatch};

const KEYS: u64 = 100_000;

fn key(i: u64) -> Vec<u8> {
    // Shaped like an item key: table prefix, partition hash, key.
    format!("t0123456789abcdef0123456789abcdef/i{:016x}pk-{i:08}", i.wrapping_mul(0x9E37_79B9_7F4A_7C15)).into_bytes()
}

fn filled(options: &FjallOptions, dir: &std::path::Path) -> FjallEngine {
    let e = FjallEngine::open(dir, options).expect("open");
    let value = vec![0x61u8; 1024];
    for chunk in (0..KEYS).collect::<Vec<_>>().chunks(1000) {
        let mut batch = WriteBatch::new();
        for &i in chunk {
            batch.put(key(i), value.clone());
        }
        e.write(batch).expect("write");
    }
    e
}

fn point_reads(c: &mut Criterion) {
    let base = FjallOptions {
        max_memtable_bytes: 32 * 1024 * 1024,
        cache_bytes: 256 * 1024 * 1024,
        ..FjallOptions::default()
    };
    let mut next = 0u64;
    let mut pick = move || {
        next = next.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        key((next >> 33) % KEYS)
    };
    for (name, rows) in [("fjall", None), ("fjall + row cache", Some(RowCache::with_capacity_bytes(256 << 20)))] {
        let dir = tempfile::tempdir().expect("tempdir");
        let options = FjallOptions { row_cache: rows, ..base.clone() };
        let e = filled(&options, dir.path());
        // Every key read once: the cache (when there is one) holds them all.
        for i in 0..KEYS {
            let _ = e.get(&key(i));
        }
        c.bench_function(&format!("point read 1 KB of 100k keys: {name}"), |b| {
            b.iter(|| e.get(&pick()).expect("read"));
        });
    }
}

criterion_group!(benches, point_reads);
criterion_main!(benches);
