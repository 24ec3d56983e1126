//! A fixed amount of engine work for counting instructions: ROUNDS passes
//! over KEYS keys, each a point read and then a one-key batch writing a
//! fresh 1 KB value, as a PutItem of an existing item does (read the old
//! item, write the new one), through a fjall engine with a write-through
//! row cache and no fsync. Wall-clock timings on a shared 2-core VM vary
//! by a fifth between runs; instruction counts do not, so compare builds
//! with callgrind:
//!
//! ```text
//! cargo build -p storage --example rewrite_cost --release
//! valgrind --tool=callgrind --callgrind-out-file=cg.out \
//!     target/release/examples/rewrite_cost DIR [KEYS] [ROUNDS]
//! callgrind_annotate --inclusive=yes cg.out | grep -E 'Commit::run|Engine>::get'
//! ```
//!
//! DIR must not exist yet or be empty (defaults: 5000 keys, 20 rounds; the
//! row cache holds 4 MiB, so part of the reads miss it).

use std::error::Error;
use std::time::Duration;

use bytes::Bytes;
use storage::{Engine, FjallEngine, FjallOptions, RowCache, SyncPolicy, WriteBatch};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().ok_or("usage: rewrite_cost DIR [KEYS] [ROUNDS]")?;
    let keys: u32 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(5000);
    let rounds: u32 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(20);
    let options = FjallOptions {
        sync: SyncPolicy::Interval(Duration::from_secs(3600)),
        row_cache: Some(RowCache::with_capacity_bytes(4 << 20).with_write_through(|_| true)),
        ..FjallOptions::default()
    };
    let engine = FjallEngine::open(&dir, &options)?;
    for round in 0..rounds {
        // Each round writes values that differ from the last round's.
        let mut value = round.to_le_bytes().to_vec();
        value.resize(1000, b'x');
        for k in 0..keys {
            let key = format!("t0123456789abcdef/i{k:08}").into_bytes();
            engine.get(&key)?;
            let mut batch = WriteBatch::new();
            batch.put(key, Bytes::copy_from_slice(&value));
            engine.write(batch)?;
        }
    }
    let pairs = u64::from(keys) * u64::from(rounds);
    println!("{pairs} reads, each followed by a write");
    Ok(())
}
