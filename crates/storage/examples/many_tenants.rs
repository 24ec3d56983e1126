//! Measures what many tenants cost a node: opens TENANTS tenants (default
//! 1000) through a `TenantStore` with an LRU cap (default 64), writes a few
//! synced keys into each, then reads every tenant back (reopening it), and
//! reports peak RSS, open file descriptors and threads from /proc.
//!
//! ```text
//! cargo run -p storage --example many_tenants --release [TENANTS] [CAP] [KEYS]
//! ```
//!
//! Linux only (reads /proc/self). Data goes to a temporary directory, or to
//! `$MANY_TENANTS_DIR` if set.

use std::error::Error;
use std::time::Instant;
use storage::{Engine, TenantStore, TenantStoreConfig, WriteBatch};

fn status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or(0)
}

fn arg(n: usize, default: usize) -> Result<usize, Box<dyn Error>> {
    match std::env::args().nth(n) {
        Some(v) => Ok(v.parse()?),
        None => Ok(default),
    }
}

fn tenant(i: usize) -> String {
    format!("tenant{i:05}")
}

fn value(i: usize, k: usize) -> Vec<u8> {
    let mut v = format!("{i}/{k}/").into_bytes();
    v.resize(1024, b'x');
    v
}

fn main() -> Result<(), Box<dyn Error>> {
    let tenants = arg(1, 1000)?;
    let cap = arg(2, 64)?;
    let keys = arg(3, 5)?;
    let tmp = tempfile::tempdir()?;
    let data_dir = std::env::var_os("MANY_TENANTS_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| tmp.path().to_path_buf());

    let base_fds = open_fds();
    let base_threads = status_kb("Threads").unwrap_or(0);
    let mut config = TenantStoreConfig::new(&data_dir);
    config.max_open = cap;
    let store = TenantStore::open(config.clone())?;
    println!(
        "{tenants} tenants, LRU cap {cap}, {keys} keys of 1 KiB per tenant (one synced batch), \
         engine options {:?}",
        config.engine
    );

    let mut peak_fds = 0;
    let mut peak_threads = 0;
    let sample = |peak_fds: &mut usize, peak_threads: &mut u64| {
        *peak_fds = (*peak_fds).max(open_fds());
        *peak_threads = (*peak_threads).max(status_kb("Threads").unwrap_or(0));
    };

    let started = Instant::now();
    for i in 0..tenants {
        let engine = store.get(&tenant(i))?;
        let mut batch = WriteBatch::with_capacity(keys);
        for k in 0..keys {
            batch.put(format!("key-{k}").into_bytes(), value(i, k));
        }
        engine.write(batch)?;
        sample(&mut peak_fds, &mut peak_threads);
    }
    let write_secs = started.elapsed().as_secs_f64();

    let started = Instant::now();
    for i in 0..tenants {
        let engine = store.get(&tenant(i))?;
        for k in 0..keys {
            let got = engine.get(format!("key-{k}").as_bytes())?;
            if got.as_deref() != Some(value(i, k).as_slice()) {
                return Err(format!("tenant {i} key {k}: wrong value after reopen").into());
            }
        }
        sample(&mut peak_fds, &mut peak_threads);
    }
    let read_secs = started.elapsed().as_secs_f64();

    let mut disk = 0u64;
    for i in 0..tenants {
        disk += store.size_on_disk(&tenant(i))?;
    }
    println!(
        "open engines now: {} (live {})",
        store.open_count(),
        store.live_count()
    );
    println!(
        "write pass: {write_secs:.2} s ({:.1} ms/tenant incl. open + fsync); read-back pass (reopens): {read_secs:.2} s",
        write_secs * 1000.0 / tenants.max(1) as f64
    );
    println!(
        "peak RSS (VmHWM): {} MiB; RSS now: {} MiB",
        status_kb("VmHWM").unwrap_or(0) / 1024,
        status_kb("VmRSS").unwrap_or(0) / 1024
    );
    println!(
        "open fds: baseline {base_fds}, peak {peak_fds}, now {}",
        open_fds()
    );
    println!(
        "threads: baseline {base_threads}, peak {peak_threads}, now {}",
        status_kb("Threads").unwrap_or(0)
    );
    println!(
        "disk: {:.1} MiB allocated for {tenants} tenants ({} KiB each)",
        disk as f64 / (1024.0 * 1024.0),
        disk / 1024 / tenants.max(1) as u64
    );
    store.close_all();
    println!(
        "after close_all: fds {}, threads {}",
        open_fds(),
        status_kb("Threads").unwrap_or(0)
    );
    Ok(())
}
