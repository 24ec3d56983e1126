//! Tenant lifecycle: lazy open, the LRU cap, idle eviction, handles that
//! outlive eviction, erase, sizes, and concurrent use.

use super::*;
use crate::conformance::{check_filled, fill};
use crate::WriteBatch;
use std::ops::Bound;

fn store(dir: &Path, max_open: usize) -> TenantStore {
    let mut config = TenantStoreConfig::new(dir);
    config.max_open = max_open;
    config.idle_timeout = Duration::from_secs(10);
    TenantStore::open(config).unwrap()
}

fn put(engine: &FjallEngine, key: &str, value: &str) {
    let mut batch = WriteBatch::new();
    batch.put(key.as_bytes().to_vec(), value.as_bytes().to_vec());
    engine.write(batch).unwrap();
}

fn get(engine: &FjallEngine, key: &str) -> Option<String> {
    engine
        .get(key.as_bytes())
        .unwrap()
        .map(|v| String::from_utf8(v.to_vec()).unwrap())
}

#[test]
fn tenant_ids() {
    for ok in [
        "a",
        "0123456789abcdef0123456789abcdef",
        "default",
        "A-b_c",
        &"x".repeat(128),
    ] {
        validate_tenant_id(ok).unwrap();
    }
    for bad in [
        "",
        ".",
        "..",
        "../x",
        "a/b",
        ".trash-a-1",
        "a b",
        "é",
        &"x".repeat(129),
    ] {
        assert!(
            matches!(validate_tenant_id(bad), Err(Error::InvalidTenantId(_))),
            "{bad:?}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), 4);
    assert!(s.get("../escape").unwrap_err().is_invalid_input());
    assert!(s.erase("a/b").unwrap_err().is_invalid_input());
    assert!(s.size_on_disk("").is_err());
}

#[test]
fn opened_lazily_with_a_format_marker() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), 4);
    assert!(s.list().unwrap().is_empty());
    assert_eq!(s.size_on_disk("t1").unwrap(), 0);
    assert_eq!(s.open_count(), 0);
    let e = s.get("t1").unwrap();
    put(&e, "k", "v");
    let tdir = dir.path().join("tenants").join("t1");
    assert_eq!(
        fs::read_to_string(tdir.join(format::FORMAT_FILE)).unwrap(),
        format::render()
    );
    assert!(tdir.join(ENGINE_DIR).is_dir());
    assert_eq!(s.list().unwrap(), vec!["t1".to_string()]);
    assert_eq!(s.open_count(), 1);
    assert_eq!(s.live_count(), 1);
    // The same engine while open.
    let again = s.get("t1").unwrap();
    assert_eq!(get(&again, "k").as_deref(), Some("v"));
}

#[test]
fn lru_cap_closes_least_recently_used_and_data_survives() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), 3);
    for t in 0..6 {
        let e = s.get(&format!("t{t}")).unwrap();
        put(&e, "who", &format!("t{t}"));
        // Touch t0 often: it stays while others are evicted.
        let _ = s.get("t0").unwrap();
    }
    assert_eq!(s.open_count(), 3);
    assert_eq!(s.live_count(), 3, "evicted databases are really closed");
    let open: Vec<String> = {
        let mut v: Vec<String> = s.lock().open.keys().cloned().collect();
        v.sort();
        v
    };
    assert_eq!(open, vec!["t0", "t4", "t5"]);
    for t in 0..6 {
        let e = s.get(&format!("t{t}")).unwrap();
        assert_eq!(get(&e, "who"), Some(format!("t{t}")));
    }
    assert_eq!(s.live_count(), 3);
}

#[test]
fn a_held_handle_outlives_eviction_and_is_shared_on_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), 1);
    let held = s.get("a").unwrap();
    put(&held, "k", "1");
    let _b = s.get("b").unwrap(); // evicts a from the LRU
    assert_eq!(s.open_count(), 1);
    assert_eq!(s.live_count(), 2, "a is still held");
    // No second database on a's directory (fjall would refuse it): the same
    // engine comes back, writes through either handle are visible in both.
    let again = s.get("a").unwrap();
    put(&again, "k", "2");
    assert_eq!(get(&held, "k").as_deref(), Some("2"));
    drop(held);
    drop(again);
}

#[test]
fn idle_engines_are_evicted_on_demand() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), 8);
    let t0 = Instant::now();
    drop(s.get("idle").unwrap());
    assert_eq!(s.evict_idle(Instant::now()), 0, "not idle yet");
    drop(s.get("busy").unwrap());
    assert_eq!(s.open_count(), 2);
    // "busy" was used later than "idle"; at t0 + 10s only "idle" may be due.
    let evicted = s.evict_idle(t0 + Duration::from_secs(10));
    assert!(evicted <= 1);
    assert_eq!(
        s.evict_idle(Instant::now() + Duration::from_secs(11)),
        2 - evicted
    );
    assert_eq!(s.open_count(), 0);
    assert_eq!(s.live_count(), 0);
    assert!(s.lock().slots.is_empty(), "forgotten once closed");
    // Reopens on the next use.
    let e = s.get("idle").unwrap();
    put(&e, "k", "v");
    assert_eq!(s.live_count(), 1);
}

#[test]
fn erase_deletes_the_directory_and_refuses_while_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), 4);
    let e = s.get("gone").unwrap();
    fill(&e, 2_000, 1);
    let keep = s.get("kept").unwrap();
    put(&keep, "k", "v");

    let err = s.erase("gone").unwrap_err();
    assert!(err.is_tenant_in_use(), "{err}");
    let iter = e
        .snapshot()
        .unwrap()
        .range(
            Bound::Unbounded,
            Bound::Unbounded,
            crate::Direction::Forward,
        )
        .unwrap();
    drop(e);
    assert!(
        s.erase("gone").unwrap_err().is_tenant_in_use(),
        "an iterator holds it"
    );
    assert_eq!(iter.count(), 2_000);

    s.erase("gone").unwrap();
    assert!(!dir.path().join("tenants").join("gone").exists());
    assert_eq!(s.size_on_disk("gone").unwrap(), 0);
    assert_eq!(s.list().unwrap(), vec!["kept".to_string()]);
    let fresh = s.get("gone").unwrap();
    assert_eq!(fresh.get(b"fill-000000").unwrap(), None, "starts empty");
    drop(fresh);
    // Other tenants are untouched; erasing an unknown tenant is fine.
    assert_eq!(get(&keep, "k").as_deref(), Some("v"));
    s.erase("never-existed").unwrap();
    let leftovers: Vec<_> = fs::read_dir(dir.path().join("tenants"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with(TRASH_PREFIX))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn trash_of_an_interrupted_erase_is_removed_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let trash = dir.path().join("tenants").join(".trash-x-0");
    fs::create_dir_all(trash.join(ENGINE_DIR)).unwrap();
    fs::write(trash.join("FORMAT"), "x").unwrap();
    let s = store(dir.path(), 4);
    assert!(!trash.exists());
    assert!(s.list().unwrap().is_empty());
}

#[test]
fn a_tenant_with_a_foreign_format_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), 4);
    drop(s.get("t").unwrap());
    s.close_all();
    let marker = dir
        .path()
        .join("tenants")
        .join("t")
        .join(format::FORMAT_FILE);
    fs::write(
        &marker,
        "dynastore-tenant-storage\nversion 2\nengine fjall\n",
    )
    .unwrap();
    assert!(matches!(s.get("t"), Err(Error::Format { .. })));
    assert_eq!(s.live_count(), 0);
}

#[test]
fn size_on_disk_counts_written_data_not_preallocation() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), 4);
    let e = s.get("t").unwrap();
    let empty = s.size_on_disk("t").unwrap();
    // fjall preallocates a 64 MiB journal; only written blocks count.
    assert!(empty < 4 * 1024 * 1024, "{empty}");
    let mut batch = WriteBatch::new();
    for i in 0..8u8 {
        batch.put(vec![b'k', i], vec![i; 256 * 1024]);
    }
    e.write(batch).unwrap();
    let full = s.size_on_disk("t").unwrap();
    assert!(full >= empty + 2 * 1024 * 1024, "{empty} -> {full}");
}

#[test]
fn sync_all_and_close_all() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = TenantStoreConfig::new(dir.path());
    config.engine.sync = crate::SyncPolicy::Interval(Duration::from_secs(3600));
    let s = TenantStore::open(config.clone()).unwrap();
    for t in ["a", "b"] {
        fill(&s.get(t).unwrap(), 300, 5);
    }
    s.sync_all().unwrap();
    s.close_all();
    assert_eq!(s.open_count(), 0);
    assert_eq!(s.live_count(), 0);
    drop(s);
    let s = TenantStore::open(config).unwrap();
    for t in ["a", "b"] {
        check_filled(&s.get(t).unwrap(), 300, 5);
    }
}

/// Many threads, more tenants than the cap: opens, evictions and reopens
/// race, and every write is found afterwards.
#[test]
fn concurrent_use_across_evictions() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), 3);
    const TENANTS: usize = 9;
    const ROUNDS: usize = 40;
    std::thread::scope(|scope| {
        for t in 0..4usize {
            let s = &s;
            scope.spawn(move || {
                for r in 0..ROUNDS {
                    let tenant = format!("t{}", (t * 7 + r * 5) % TENANTS);
                    let e = s.get(&tenant).unwrap();
                    put(&e, &format!("w{t}-r{r}"), &tenant);
                    if r % 7 == 0 {
                        s.evict_idle(Instant::now() + Duration::from_secs(60));
                    }
                }
            });
        }
    });
    for t in 0..4usize {
        for r in 0..ROUNDS {
            let tenant = format!("t{}", (t * 7 + r * 5) % TENANTS);
            let e = s.get(&tenant).unwrap();
            assert_eq!(get(&e, &format!("w{t}-r{r}")), Some(tenant.clone()));
        }
    }
    assert!(s.live_count() <= 3);
}
