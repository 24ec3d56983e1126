//! Opening many tenants keeps threads and file descriptors bounded by the
//! LRU cap, not by the number of tenants. Its own test binary, so no other
//! test's databases are counted.

use storage::{Engine, TenantStore, TenantStoreConfig, WriteBatch};

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .map(|d| d.count())
        .unwrap_or(0)
}

fn thread_names() -> Vec<String> {
    std::fs::read_dir("/proc/self/task")
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| std::fs::read_to_string(e.path().join("comm")).unwrap_or_default())
                .map(|n| n.trim().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or(0)
}

#[test]
fn threads_and_fds_are_bounded_by_the_cap() {
    const CAP: usize = 4;
    const TENANTS: usize = 40;
    let dir = tempfile::tempdir().unwrap();
    let (base_threads, base_fds) = (threads(), fds());
    assert!(base_threads > 0 && base_fds > 0, "needs /proc");
    let mut config = TenantStoreConfig::new(dir.path());
    config.max_open = CAP;
    assert_eq!(config.engine.worker_threads, 1);
    let store = TenantStore::open(config).unwrap();

    let (mut peak_threads, mut peak_fds) = (0, 0);
    for i in 0..TENANTS {
        let engine = store.get(&format!("t{i}")).unwrap();
        let mut batch = WriteBatch::new();
        batch.put(b"k".to_vec(), vec![i as u8; 100]);
        engine.write(batch).unwrap();
        drop(engine);
        peak_threads = peak_threads.max(threads());
        peak_fds = peak_fds.max(fds());
    }
    eprintln!(
        "threads: base {base_threads}, peak {peak_threads}; fds: base {base_fds}, peak {peak_fds}"
    );
    assert_eq!(store.open_count(), CAP);
    assert_eq!(store.live_count(), CAP);
    // One fjall worker per open tenant (plus a little slack for the test
    // harness), a handful of files per open tenant.
    assert!(
        peak_threads <= base_threads + CAP + 1,
        "threads: base {base_threads}, peak {peak_threads}"
    );
    assert!(
        peak_fds <= base_fds + CAP * 8,
        "fds: base {base_fds}, peak {peak_fds}"
    );

    store.close_all();
    assert_eq!(store.live_count(), 0);
    // Closing joins fjall's workers and the log's checkpoint threads and
    // closes their files. A joined thread can stay listed under
    // /proc/self/task for a moment after join returns (the kernel releases
    // it after waking the joiner), so the count is polled briefly.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while threads() > base_threads && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(
        threads() <= base_threads,
        "threads after close: {:?}",
        thread_names()
    );
    assert_eq!(fds(), base_fds);
}
