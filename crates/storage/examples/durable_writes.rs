//! Measures synced batch throughput of one fjall engine (sync = always) with
//! 1, 2 and 4 batches on their way to the disk at once: batches are begun
//! in order on one thread (`Engine::begin_write`) and finished by as many
//! threads as may be in flight, as the data plane's writer does with its
//! committers. Each batch is BATCH_BYTES (default 4096) of values in three
//! keys, about what a group of three 1 KB PutItems writes.
//!
//! ```text
//! cargo run -p storage --example durable_writes --release [SECONDS] [BATCH_BYTES]
//! ```
//!
//! Data goes to a temporary directory under `$DURABLE_WRITES_DIR`, else
//! the current directory (the disk being measured; not /tmp if that is
//! tmpfs).

use std::error::Error;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use storage::{Engine, FjallEngine, FjallOptions, PendingWrite, WriteBatch};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(5);
    let batch_bytes: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(4096);
    let base = std::env::var("DURABLE_WRITES_DIR").unwrap_or_else(|_| ".".into());
    println!("| in flight | batches/s | p50 ms | p99 ms |");
    println!("|---:|---:|---:|---:|");
    for in_flight in [1usize, 2, 4] {
        let dir = tempfile::tempdir_in(&base)?;
        let engine = FjallEngine::open(dir.path(), &FjallOptions::default())?;
        let (n, mut latencies) = run(&engine, in_flight, batch_bytes, Duration::from_secs(seconds))?;
        latencies.sort_unstable();
        let at = |q: f64| latencies.get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)));
        let ms = |d: Option<&Duration>| d.map_or(0.0, |d| d.as_secs_f64() * 1000.0);
        println!(
            "| {in_flight} | {:.0} | {:.3} | {:.3} |",
            n as f64 / seconds as f64,
            ms(at(0.5)),
            ms(at(0.99))
        );
    }
    Ok(())
}

/// Writes batches for `time` with up to `in_flight` unfinished; returns how
/// many were acknowledged and each one's latency.
fn run(
    engine: &FjallEngine,
    in_flight: usize,
    batch_bytes: usize,
    time: Duration,
) -> Result<(u64, Vec<Duration>), Box<dyn Error>> {
    let (work, queue) = mpsc::sync_channel::<(Instant, PendingWrite)>(0);
    let queue = Arc::new(Mutex::new(queue));
    let (done, finished) = mpsc::channel::<Duration>();
    let finishers: Vec<_> = (0..in_flight)
        .map(|_| {
            let (queue, done) = (Arc::clone(&queue), done.clone());
            std::thread::spawn(move || loop {
                let next = queue.lock().map_err(|_| ()).and_then(|q| q.recv().map_err(|_| ()));
                let Ok((started, pending)) = next else { return };
                if pending.finish().is_err() {
                    return;
                }
                let _ = done.send(started.elapsed());
            })
        })
        .collect();
    drop(done);
    let value = vec![7u8; batch_bytes / 3];
    let end = Instant::now() + time;
    let mut i = 0u64;
    while Instant::now() < end {
        let mut batch = WriteBatch::new();
        for k in 0..3u64 {
            batch.put(format!("key-{:08}", (i * 3 + k) % 100_000).into_bytes(), value.clone());
        }
        let started = Instant::now();
        work.send((started, engine.begin_write(batch)?))?;
        i += 1;
    }
    drop(work);
    for f in finishers {
        let _ = f.join();
    }
    let latencies: Vec<Duration> = finished.iter().collect();
    Ok((latencies.len() as u64, latencies))
}
