//! The fjall engine against the conformance suite, across close/reopen, and
//! across a `kill -9` of a process in the middle of synced writes.

use super::*;
use crate::conformance::{check_filled, collect, fill, fill_key};
use crate::Error;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

/// An engine in a temporary directory that is deleted after the engine.
struct TempFjall {
    engine: FjallEngine,
    _dir: tempfile::TempDir,
}

/// Small memtables, so the suite's larger cases flush tables and read
/// across memtable and disk.
fn test_options() -> FjallOptions {
    FjallOptions {
        max_memtable_bytes: MIN_MEMTABLE_BYTES,
        ..FjallOptions::default()
    }
}

impl TempFjall {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let engine = FjallEngine::open(dir.path().join("db"), &test_options()).unwrap();
        Self { engine, _dir: dir }
    }
}

impl Engine for TempFjall {
    fn snapshot(&self) -> Result<Box<dyn Snapshot>> {
        self.engine.snapshot()
    }
    fn write(&self, batch: WriteBatch) -> Result<()> {
        self.engine.write(batch)
    }
    fn begin_write(&self, batch: WriteBatch) -> Result<PendingWrite> {
        self.engine.begin_write(batch)
    }
    fn sync(&self) -> Result<()> {
        self.engine.sync()
    }
    fn get(&self, key: &[u8]) -> Result<Option<Bytes>> {
        self.engine.get(key)
    }
}

crate::conformance_tests!(TempFjall::new());

/// The same suite with a row cache small enough to evict.
mod with_row_cache {
    use super::*;

    fn make() -> TempFjall {
        let dir = tempfile::tempdir().unwrap();
        let options = FjallOptions {
            row_cache: Some(RowCache::with_capacity_bytes(256 * 1024)),
            ..test_options()
        };
        let engine = FjallEngine::open(dir.path().join("db"), &options).unwrap();
        TempFjall { engine, _dir: dir }
    }

    crate::conformance_tests!(make());

    /// Readers racing a writer of one key never see less than the last
    /// acknowledged write, nor go back to an older value.
    #[test]
    fn point_reads_are_never_stale() {
        let e = Arc::new(make());
        let acked = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let readers: Vec<_> = (0..3)
            .map(|_| {
                let (e, acked, stop) = (Arc::clone(&e), Arc::clone(&acked), Arc::clone(&stop));
                std::thread::spawn(move || {
                    let mut last = 0u64;
                    let mut reads = 0u64;
                    while !stop.load(AtomicOrdering::SeqCst) {
                        let floor = acked.load(AtomicOrdering::SeqCst);
                        let seen = e.get(b"k").unwrap().map_or(0, |v| {
                            u64::from_be_bytes(v.as_ref().try_into().unwrap())
                        });
                        assert!(seen >= floor, "read {seen} after write {floor} was acknowledged");
                        assert!(seen >= last, "read {seen} after having read {last}");
                        last = seen;
                        reads += 1;
                    }
                    reads
                })
            })
            .collect();
        for n in 1..=2_000u64 {
            let mut batch = WriteBatch::new();
            batch.put(&b"k"[..], n.to_be_bytes().to_vec());
            // Other keys of the batch land in other shards.
            batch.put(format!("other{}", n % 7).into_bytes(), vec![1u8; 10]);
            e.write(batch).unwrap();
            acked.store(n, AtomicOrdering::SeqCst);
        }
        stop.store(true, AtomicOrdering::SeqCst);
        let reads: u64 = readers.into_iter().map(|r| r.join().unwrap()).sum();
        assert!(reads > 100, "the readers ran ({reads} reads)");
        let entries = e.engine.inner.rows.as_ref().unwrap().0.stats().entries;
        assert!(entries >= 1, "the key was cached");
    }
}

#[test]
fn options_below_fjall_minimums_are_raised_not_panicking() {
    let dir = tempfile::tempdir().unwrap();
    let options = FjallOptions {
        sync: SyncPolicy::Always,
        worker_threads: 0,
        cache_bytes: 0,
        shared_cache: None,
        max_memtable_bytes: 0,
        max_cached_files: 0,
        max_journal_bytes: 0,
        row_cache: None,
        wal_segment_bytes: 0,
    };
    let e = FjallEngine::open(dir.path(), &options).unwrap();
    fill(&e, 10, 0);
    check_filled(&e, 10, 0);
}

fn reopen_data(e: &dyn Engine) {
    fill(e, 5_000, 9);
    let mut batch = WriteBatch::new();
    batch
        .put(&b"empty"[..], Bytes::new())
        .put(&b"large"[..], vec![7u8; 500 * 1024])
        .delete(fill_key(10));
    e.write(batch).unwrap();
}

fn check_reopen_data(e: &dyn Engine) {
    let snap = e.snapshot().unwrap();
    assert_eq!(snap.get(b"empty").unwrap().as_deref(), Some(&b""[..]));
    assert_eq!(
        snap.get(b"large").unwrap().map(|v| v.len()),
        Some(500 * 1024)
    );
    assert_eq!(snap.get(&fill_key(10)).unwrap(), None);
    assert!(snap.get(&fill_key(11)).unwrap().is_some());
    // The fill keys minus the deleted one, plus "empty" and "large"; later
    // writes go to "zz-…".
    let rows = collect(
        &*snap,
        Bound::Unbounded,
        Bound::Excluded(b"zz".as_slice()),
        Direction::Forward,
    );
    assert_eq!(rows.len(), 5_000 - 1 + 2);
}

#[test]
fn close_and_reopen_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    {
        let e = FjallEngine::open(&path, &test_options()).unwrap();
        reopen_data(&e);
        check_reopen_data(&e);
    }
    for _ in 0..2 {
        let e = FjallEngine::open(&path, &test_options()).unwrap();
        check_reopen_data(&e);
        // Keep writing across reopens.
        let mut batch = WriteBatch::new();
        batch.put(&b"zz-after-reopen"[..], &b"1"[..]);
        e.write(batch).unwrap();
    }
    let e = FjallEngine::open(&path, &test_options()).unwrap();
    assert_eq!(
        e.get(b"zz-after-reopen").unwrap().as_deref(),
        Some(&b"1"[..])
    );
}

#[test]
fn interval_policy_with_explicit_sync_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let options = FjallOptions {
        sync: SyncPolicy::Interval(Duration::from_secs(3600)),
        ..test_options()
    };
    {
        let e = FjallEngine::open(dir.path(), &options).unwrap();
        assert_eq!(e.sync_policy(), options.sync);
        assert_eq!(
            e.persist_mode(),
            PersistMode::Buffer,
            "interval not yet elapsed"
        );
        reopen_data(&e);
        e.sync().unwrap();
    }
    let e = FjallEngine::open(dir.path(), &options).unwrap();
    check_reopen_data(&e);

    let zero = FjallOptions {
        sync: SyncPolicy::Interval(Duration::ZERO),
        ..test_options()
    };
    let e2_dir = tempfile::tempdir().unwrap();
    let e2 = FjallEngine::open(e2_dir.path(), &zero).unwrap();
    assert_eq!(
        e2.persist_mode(),
        PersistMode::SyncData,
        "elapsed interval syncs"
    );
    let always = FjallEngine::open(e2_dir.path().join("x"), &test_options()).unwrap();
    assert_eq!(always.persist_mode(), PersistMode::SyncData);
}

#[test]
fn a_second_open_of_the_same_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let _first = FjallEngine::open(dir.path(), &test_options()).unwrap();
    let second = FjallEngine::open(dir.path(), &test_options());
    assert!(
        matches!(second, Err(Error::Fjall(fjall::Error::Locked))),
        "{second:?}"
    );
}

#[test]
fn snapshots_and_iterators_keep_the_database_open() {
    let dir = tempfile::tempdir().unwrap();
    let e = FjallEngine::open(dir.path(), &test_options()).unwrap();
    fill(&e, 100, 4);
    let weak = e.downgrade();
    let iter = e
        .snapshot()
        .unwrap()
        .range(Bound::Unbounded, Bound::Unbounded, Direction::Forward)
        .unwrap();
    drop(e);
    assert!(weak.is_alive(), "the iterator holds the database");
    assert_eq!(iter.count(), 100);
    assert!(!weak.is_alive());
    // Fully closed: the directory can be opened again.
    let e = FjallEngine::open(dir.path(), &test_options()).unwrap();
    check_filled(&e, 100, 4);
}

fn wal_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("dynastore-wal"))
        .collect();
    files.sort();
    files
}

/// Numbered batches of puts and deletes, as [`check_logged`] expects them.
fn write_logged(e: &FjallEngine, batches: std::ops::Range<u32>) {
    for n in batches {
        let mut batch = WriteBatch::new();
        batch.put(format!("k{n:04}").into_bytes(), vec![n as u8; 700]);
        batch.put(&b"last"[..], n.to_be_bytes().to_vec());
        if n % 3 == 0 {
            batch.delete(format!("k{:04}", n / 2).into_bytes());
        }
        e.write(batch).unwrap();
    }
}

fn check_logged(e: &FjallEngine, batches: std::ops::Range<u32>) {
    let last = e.get(b"last").unwrap().unwrap();
    assert_eq!(last.as_ref(), (batches.end - 1).to_be_bytes());
    for n in batches.clone() {
        let deleted = (batches.start..batches.end).any(|m| m % 3 == 0 && m / 2 == n && m >= n);
        let got = e.get(format!("k{n:04}").as_bytes()).unwrap();
        assert_eq!(got.is_none(), deleted, "key {n}");
    }
}

/// What fjall's journal does not hold durably is in the log: its
/// segments, copied alone into an empty directory, rebuild every batch.
#[test]
fn the_log_alone_recovers_every_acknowledged_batch() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let e = FjallEngine::open(&a, &test_options()).unwrap();
    write_logged(&e, 0..200);
    let logs = wal_files(&a);
    assert_eq!(logs.len(), 1, "one segment in use: {logs:?}");
    std::fs::create_dir_all(&b).unwrap();
    for f in &logs {
        std::fs::copy(f, b.join(f.file_name().unwrap())).unwrap();
    }
    let copy = FjallEngine::open(&b, &test_options()).unwrap();
    check_logged(&copy, 0..200);
    assert!(wal_files(&b).is_empty(), "a replayed log is retired");
    drop(copy);
    let copy = FjallEngine::open(&b, &test_options()).unwrap();
    check_logged(&copy, 0..200);
    drop(e);
    assert!(wal_files(&a).is_empty(), "a clean close leaves no log");
    let e = FjallEngine::open(&a, &test_options()).unwrap();
    check_logged(&e, 0..200);
}

/// A batch larger than a segment is committed with fjall's fsync after a
/// barrier: the log no longer replays what came before it.
#[test]
fn a_batch_larger_than_a_segment_goes_around_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let options = FjallOptions {
        wal_segment_bytes: 64 * 1024,
        ..test_options()
    };
    let e = FjallEngine::open(&a, &options).unwrap();
    write_logged(&e, 0..20);
    let mut big = WriteBatch::new();
    big.put(&b"big"[..], vec![1u8; 100 * 1024]);
    e.write(big).unwrap();
    write_logged(&e, 20..25);
    std::fs::create_dir_all(&b).unwrap();
    for f in wal_files(&a) {
        std::fs::copy(&f, b.join(f.file_name().unwrap())).unwrap();
    }
    let copy = FjallEngine::open(&b, &options).unwrap();
    assert_eq!(copy.get(b"big").unwrap(), None, "before the barrier");
    assert_eq!(copy.get(b"k0003").unwrap(), None, "before the barrier");
    check_logged(&copy, 20..25);
    drop(e);
    let e = FjallEngine::open(&a, &options).unwrap();
    assert_eq!(e.get(b"big").unwrap().map(|v| v.len()), Some(100 * 1024));
    check_logged(&e, 0..25);
}

/// Small segments wrap many times; every switch waits for fjall's journal
/// to be durable, and nothing is lost across a reopen.
#[test]
fn the_log_wraps_around_its_segments() {
    let dir = tempfile::tempdir().unwrap();
    let options = FjallOptions {
        wal_segment_bytes: 64 * 1024,
        ..test_options()
    };
    let e = FjallEngine::open(dir.path(), &options).unwrap();
    write_logged(&e, 0..500);
    assert_eq!(wal_files(dir.path()).len(), 2);
    check_logged(&e, 0..500);
    drop(e);
    let e = FjallEngine::open(dir.path(), &options).unwrap();
    check_logged(&e, 0..500);
}

// ---------------------------------------------------------------------------
// Crash test: a child process writes numbered, synced batches and prints each
// acknowledged number; the parent kills it with SIGKILL, reopens, and checks.

const CRASH_DIR_ENV: &str = "DYNASTORE_STORAGE_CRASH_DIR";
const CRASH_START_ENV: &str = "DYNASTORE_STORAGE_CRASH_START";
const KEYS_PER_BATCH: usize = 40;
const ACK: &str = "CRASH-CHILD-ACK";

fn crash_key(n: u64, j: usize) -> Vec<u8> {
    format!("batch-{n:08}-{j:03}").into_bytes()
}

fn crash_value(n: u64, j: usize) -> Vec<u8> {
    // 1 to 8 KB per key, so a batch spans many journal buffer flushes and a
    // kill can land in the middle of one.
    let len = 1024 + (n as usize * 131 + j * 977) % (7 * 1024);
    let mut v = format!("{n}:{j}:").into_bytes();
    v.resize(len, (n as u8) ^ (j as u8));
    v
}

/// The child's side; does nothing unless started by `kill_9_mid_write`.
#[test]
#[ignore = "run as a child process by kill_9_mid_write"]
fn crash_child() {
    let (Ok(dir), Ok(start)) = (std::env::var(CRASH_DIR_ENV), std::env::var(CRASH_START_ENV))
    else {
        return;
    };
    let start: u64 = start.parse().unwrap();
    // Segments of 1 MiB hold a few batches each, so the log wraps and
    // checkpoints many times before the kill.
    let options = FjallOptions {
        wal_segment_bytes: 1024 * 1024,
        ..FjallOptions::default()
    };
    let e = FjallEngine::open(dir, &options).unwrap();
    assert_eq!(e.sync_policy(), SyncPolicy::Always);
    // Batches are begun here, in order, and finished by two threads, so
    // two log writes are often on their way to the disk at once; a batch
    // is acknowledged once it and every batch before it have finished.
    let (work, queue) = std::sync::mpsc::sync_channel::<(u64, PendingWrite)>(1);
    let queue = Arc::new(Mutex::new(queue));
    let (finished, done) = std::sync::mpsc::channel::<u64>();
    for _ in 0..2 {
        let (queue, finished) = (Arc::clone(&queue), finished.clone());
        std::thread::spawn(move || loop {
            let next = queue.lock().unwrap().recv();
            let Ok((n, pending)) = next else { return };
            pending.finish().unwrap();
            finished.send(n).unwrap();
        });
    }
    std::thread::spawn(move || {
        let mut next = start;
        let mut early = std::collections::BTreeSet::new();
        for n in done {
            early.insert(n);
            while early.remove(&next) {
                // libtest may have started the line ("test … ... "): the
                // parent looks for the marker anywhere in a line.
                println!("{ACK} {next}");
                next += 1;
            }
        }
    });
    for n in start.. {
        let mut batch = WriteBatch::with_capacity(KEYS_PER_BATCH + 2);
        for j in 0..KEYS_PER_BATCH {
            batch.put(crash_key(n, j), crash_value(n, j));
        }
        batch.put(&b"counter"[..], n.to_be_bytes().to_vec());
        if n > 0 {
            // Deletes are part of the batch too.
            batch.delete(format!("marker-{:08}", n - 1).into_bytes());
        }
        batch.put(format!("marker-{n:08}").into_bytes(), Bytes::new());
        work.send((n, e.begin_write(batch).unwrap())).unwrap();
    }
}

/// Checks the recovered state and returns the number of complete batches.
fn check_recovered(e: &FjallEngine, max_acked: u64) -> u64 {
    let snap = e.snapshot().unwrap();
    let mut n = 0u64;
    loop {
        let present: Vec<bool> = (0..KEYS_PER_BATCH)
            .map(|j| match snap.get(&crash_key(n, j)).unwrap() {
                Some(v) => {
                    assert!(
                        v == crash_value(n, j),
                        "batch {n} key {j} has a wrong value"
                    );
                    true
                }
                None => false,
            })
            .collect();
        if present.iter().all(|&p| p) {
            n += 1;
        } else {
            assert!(
                present.iter().all(|&p| !p),
                "batch {n} is partially present: {present:?}"
            );
            break;
        }
    }
    assert!(
        n > max_acked,
        "acknowledged batch {max_acked} lost ({n} batches recovered)"
    );
    let last = n - 1;
    // Nothing of any later batch exists.
    let later = collect(
        &*snap,
        Bound::Included(crash_key(n, 0).as_slice()),
        Bound::Excluded(b"batch.".as_slice()),
        Direction::Forward,
    );
    assert!(later.is_empty(), "keys of batches after {last} exist");
    assert_eq!(
        snap.get(b"counter").unwrap().as_deref(),
        Some(&last.to_be_bytes()[..]),
        "the counter belongs to the last complete batch"
    );
    let markers = collect(
        &*snap,
        Bound::Included(b"marker-".as_slice()),
        Bound::Excluded(b"marker.".as_slice()),
        Direction::Forward,
    );
    assert_eq!(markers.len(), 1, "exactly one marker survives");
    assert_eq!(
        markers.first().map(|(k, _)| k.clone()),
        Some(format!("marker-{last:08}").into_bytes())
    );
    n
}

#[test]
fn kill_9_mid_write() {
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut next = 0u64;
    // Kill after different numbers of acknowledgements, on one directory:
    // each round also recovers the previous round's journal.
    // The kill comes a varying time after an acknowledgement, so it lands in
    // different phases of a batch (building, journal writes, fsync).
    let rounds = [
        (25u64, 0u64),
        (40, 1_500),
        (7, 4_000),
        (60, 6_500),
        (15, 9_000),
        (30, 13_000),
    ];
    for (round, (acks_before_kill, delay_us)) in rounds.into_iter().enumerate() {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "fjall_engine::tests::crash_child",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CRASH_DIR_ENV, dir.path())
            .env(CRASH_START_ENV, next.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut max_acked = None;
        let mut seen = 0u64;
        let mut lines = BufReader::new(stdout);
        let mut line = String::new();
        while lines.read_line(&mut line).unwrap() > 0 {
            let line = std::mem::take(&mut line);
            if let Some((_, n)) = line.split_once(ACK) {
                let n: u64 = n.trim().parse().unwrap();
                assert_eq!(n, next + seen, "acknowledgements arrive in order");
                max_acked = Some(n);
                seen += 1;
                if seen == acks_before_kill {
                    break;
                }
            }
        }
        std::thread::sleep(Duration::from_micros(delay_us));
        assert!(
            child.try_wait().unwrap().is_none(),
            "round {round}: child exited early"
        );
        child.kill().unwrap(); // SIGKILL
        let status = child.wait().unwrap();
        assert!(!status.success());
        let max_acked = max_acked.unwrap();
        assert_eq!(max_acked, next + acks_before_kill - 1);
        // The child ran on during the delay: later acknowledgements it printed
        // count too.
        let mut rest = String::new();
        let _ = std::io::Read::read_to_string(&mut lines, &mut rest);
        let max_acked = rest
            .lines()
            .filter_map(|l| l.split_once(ACK)?.1.trim().parse::<u64>().ok())
            .fold(max_acked, u64::max);

        let e = FjallEngine::open(dir.path(), &FjallOptions::default()).unwrap();
        let recovered = check_recovered(&e, max_acked);
        eprintln!("round {round}: acked up to {max_acked}, recovered {recovered}");
        assert!(recovered >= next + acks_before_kill);
        next = recovered;
    }
}

#[test]
fn databases_share_one_block_cache() {
    let cache = crate::BlockCache::with_capacity_bytes(8 * 1024 * 1024);
    let options = FjallOptions {
        shared_cache: Some(cache.clone()),
        ..test_options()
    };
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let ea = FjallEngine::open(a.path(), &options).unwrap();
    let eb = FjallEngine::open(b.path(), &options).unwrap();
    for (e, v) in [(&ea, &b"a"[..]), (&eb, &b"b"[..])] {
        let mut batch = WriteBatch::new();
        batch.put(&b"k"[..], v);
        e.write(batch).unwrap();
    }
    assert_eq!(ea.get(b"k").unwrap().as_deref(), Some(&b"a"[..]), "same cache, separate data");
    assert_eq!(eb.get(b"k").unwrap().as_deref(), Some(&b"b"[..]));
    assert_eq!(ea.inner.db.cache_capacity(), cache.capacity());
    assert_eq!(eb.inner.db.cache_capacity(), 8 * 1024 * 1024);
}

/// Level 0 is merged once writes have paused for `QUIET`, not before, not
/// while they go on, and not again within `MIN_INTERVAL`; every key stays.
#[test]
fn level0_is_merged_once_writes_pause() {
    use super::quiet::{MIN_INTERVAL, QUIET};
    let t = TempFjall::new();
    let write = |round: u32| {
        let mut batch = WriteBatch::new();
        for i in 0..200u32 {
            batch.put(format!("k{i:04}").into_bytes(), format!("v{round}-{i}").into_bytes());
        }
        t.engine.write(batch).unwrap();
        t.engine.inner.keyspace.rotate_memtable_and_wait().unwrap();
    };
    write(0);
    write(1);
    // (fjall moves the first table below level 0: nothing overlapped it.)
    assert!(t.engine.level0_tables() >= 1, "a flushed memtable overlapping the tree is in level 0");

    let t0 = Instant::now();
    assert!(!t.engine.compact_if_quiet(t0).unwrap(), "first sight starts the clock");
    assert!(!t.engine.compact_if_quiet(t0 + QUIET / 2).unwrap(), "not quiet long enough");
    write(2);
    assert!(!t.engine.compact_if_quiet(t0 + QUIET * 2).unwrap(), "a write restarts the clock");
    assert!(t.engine.level0_tables() >= 2);
    assert!(t.engine.compact_if_quiet(t0 + QUIET * 4).unwrap(), "quiet since the write");
    assert_eq!(t.engine.level0_tables(), 0);

    let snap = t.engine.snapshot().unwrap();
    for i in 0..200u32 {
        let v = snap.get(format!("k{i:04}").as_bytes()).unwrap();
        assert_eq!(v.as_deref(), Some(format!("v2-{i}").as_bytes()));
    }
    drop(snap);

    write(3);
    let t1 = t0 + QUIET * 5;
    assert!(!t.engine.compact_if_quiet(t1).unwrap());
    assert!(!t.engine.compact_if_quiet(t1 + QUIET * 2).unwrap(), "merged too recently");
    assert!(t.engine.level0_tables() >= 1);
    assert!(t.engine.compact_if_quiet(t0 + QUIET * 4 + MIN_INTERVAL).unwrap());
    assert_eq!(t.engine.level0_tables(), 0);
}
