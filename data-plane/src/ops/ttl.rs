//! Time to Live: items whose TTL attribute holds a time (epoch seconds) that
//! has passed are deleted in the background, as DynamoDB's TTL deletes
//! them. A value that is not a number, lies in the future, or lies more
//! than five years in the past never expires. Deletions go through the
//! tenant's writer (indexes and the change log kept as for any delete),
//! re-check expiry against the current item, and consume no capacity.
//! A sweep looks at most 100 000 items of a table and deletes at most 1000;
//! the next sweep resumes where it stopped, so a large table is walked over
//! several sweeps. Tenants whose storage is open are swept every time;
//! every twentieth sweep also opens the other tenants stored on this node
//! that have a TTL-enabled table, so idle tenants' items expire too.

use std::ops::Bound;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwapOption;
use ddb_core::value::{AttributeValue, Number};
use ddb_core::Item;

use super::batch::write_key;
use crate::catalog::{Catalog, CatalogTable};
use crate::error::ApiError;
use crate::items::layout::{items_prefix, prefix_end};
use crate::items::store::{decode, Decision, ItemStore, WriteKey};
use crate::metrics::Metrics;
use dynastore_common::shutdown::Shutdown;

/// Expiry times further back than this are ignored (DynamoDB's rule).
const MAX_PAST_SECS: i64 = 5 * 365 * 24 * 3600;

/// Most items one sweep deletes from one table; the rest wait for the next.
const MAX_PER_SWEEP: usize = 1000;

/// Most items one sweep looks at in one table: a large table is walked
/// over several sweeps, each resuming where the last stopped.
const SCAN_PER_SWEEP: usize = 100_000;

/// Every this many sweeps, tenants whose storage is closed are swept too.
const CLOSED_TOO_EVERY: u64 = 20;

/// Where the next sweep of each (tenant, table id) resumes.
pub type Cursors = std::collections::HashMap<(String, String), Vec<u8>>;

/// A walk's result: the expired items' keys, and where the next walk
/// resumes (`None`: it reached the end).
type Walk = (Vec<Vec<u8>>, Option<Vec<u8>>);

/// True when `item`'s `attribute` holds an expiry time at or before `now`
/// (epoch seconds) and not more than five years before it.
pub fn expired(item: &Item, attribute: &str, now: i64) -> bool {
    match item.get(attribute) {
        Some(AttributeValue::N(t)) => *t <= Number::from(now) && *t >= Number::from(now - MAX_PAST_SECS),
        _ => false,
    }
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Sweeps every `every` until shutdown.
pub async fn run(items: Arc<ItemStore>, catalog: Arc<ArcSwapOption<Catalog>>, metrics: Metrics, every: Duration, shutdown: Shutdown) {
    let stop = shutdown.wait();
    tokio::pin!(stop);
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut cursors = Cursors::new();
    let mut rounds = 0u64;
    loop {
        tokio::select! {
            () = &mut stop => break,
            _ = tick.tick() => {}
        }
        let Some(catalog) = catalog.load_full() else { continue };
        rounds += 1;
        let closed_too = rounds.is_multiple_of(CLOSED_TOO_EVERY);
        match sweep(&items, &catalog, &metrics, &mut cursors, closed_too, now_secs()).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(items = n, "expired items deleted (TTL)"),
            Err(e) => tracing::warn!(error = %e, "TTL sweep failed"),
        }
    }
}

/// Deletes the expired items of every TTL-enabled table of every open
/// tenant (and, with `closed_too`, of every tenant stored on this node),
/// counting them in the table's metrics; returns how many it deleted.
pub async fn sweep(
    items: &ItemStore,
    catalog: &Catalog,
    metrics: &Metrics,
    cursors: &mut Cursors,
    closed_too: bool,
    now: i64,
) -> Result<u64, ApiError> {
    let mut tenants: Vec<String> = items.tenants().open_engines().into_iter().map(|(t, _)| t).collect();
    if closed_too {
        let store = Arc::clone(items.tenants());
        let stored = tokio::task::spawn_blocking(move || store.list())
            .await
            .map_err(|e| ApiError::Internal(format!("TTL sweep failed: {e}")))?
            .map_err(|e| ApiError::Internal(format!("storage: {e}")))?;
        for t in stored {
            if !tenants.contains(&t) {
                tenants.push(t);
            }
        }
    }
    let mut deleted = 0;
    for tenant in tenants {
        // The replicas of a global table share their items: swept once.
        let mut seen = std::collections::HashSet::new();
        let tables: Vec<Arc<CatalogTable>> = catalog
            .tenant_tables(&tenant)
            .filter(|t| t.def.ttl_attribute.is_some() && seen.insert(t.record.id.clone()))
            .cloned()
            .collect();
        for table in tables {
            let n = sweep_table(items, &tenant, &table, cursors, now).await?;
            if n > 0 {
                table.meters(metrics).ttl_deleted(n);
            }
            deleted += n;
        }
    }
    Ok(deleted)
}

async fn sweep_table(
    items: &ItemStore,
    tenant: &str,
    table: &Arc<CatalogTable>,
    cursors: &mut Cursors,
    now: i64,
) -> Result<u64, ApiError> {
    let Some(attribute) = table.def.ttl_attribute.clone() else { return Ok(0) };
    let snapshot = items.snapshot(tenant).await?;
    let prefix = items_prefix(&table.record.id);
    let cursor_key = (tenant.to_owned(), table.record.id.clone());
    let start = cursors.remove(&cursor_key).unwrap_or_else(|| prefix.clone());
    let (found, resume) = {
        let attribute = attribute.clone();
        tokio::task::spawn_blocking(move || -> Result<Walk, ApiError> {
            let end = prefix_end(&prefix);
            let end = end.as_deref().map_or(Bound::Unbounded, Bound::Excluded);
            let iter = snapshot
                .range(Bound::Included(start.as_slice()), end, storage::Direction::Forward)
                .map_err(|e| ApiError::Internal(format!("storage: {e}")))?;
            let entries = iter.map(|e| e.map_err(|e| ApiError::Internal(format!("storage: {e}"))));
            scan(entries, &attribute, now, SCAN_PER_SWEEP, MAX_PER_SWEEP)
        })
        .await
        .map_err(|e| ApiError::Internal(format!("TTL scan failed: {e}")))??
    };
    if let Some(at) = resume {
        cursors.insert(cursor_key, at);
    }
    let mut deleted = 0;
    for key in found {
        let attribute = attribute.clone();
        let gone = items
            .write(
                tenant,
                WriteKey { by_service: true, ..write_key(table, key) },
                Box::new(move |current| {
                    // Updated since the scan to expire later: kept.
                    let still = current.as_ref().is_some_and(|i| expired(i, &attribute, now));
                    Ok(Decision {
                        write: still.then_some(None),
                        output: serde_json::Value::Bool(still),
                    })
                }),
            )
            .await?;
        if gone == serde_json::Value::Bool(true) {
            deleted += 1;
        }
    }
    Ok(deleted)
}

/// The keys of expired items among `entries` (item key, stored item), and
/// where to resume when the walk stopped early: after `scan_budget`
/// entries, or once `delete_budget` expired items were found.
fn scan<K: AsRef<[u8]>, V: AsRef<[u8]>>(
    entries: impl Iterator<Item = Result<(K, V), ApiError>>,
    attribute: &str,
    now: i64,
    scan_budget: usize,
    delete_budget: usize,
) -> Result<Walk, ApiError> {
    let mut keys = Vec::new();
    for (seen, entry) in entries.enumerate() {
        let (key, value) = entry?;
        if seen >= scan_budget || keys.len() >= delete_budget {
            return Ok((keys, Some(key.as_ref().to_vec())));
        }
        if expired(&decode(value.as_ref())?, attribute, now) {
            keys.push(key.as_ref().to_vec());
        }
    }
    Ok((keys, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(v: AttributeValue) -> Item {
        [("exp".to_owned(), v)].into_iter().collect()
    }

    #[test]
    fn only_past_numbers_within_five_years_expire() {
        let now = 1_800_000_000;
        let n = |v: i64| item(AttributeValue::N(Number::from(v)));
        assert!(expired(&n(now - 60), "exp", now));
        assert!(expired(&n(now), "exp", now));
        assert!(!expired(&n(now + 1), "exp", now));
        assert!(!expired(&n(now - MAX_PAST_SECS - 1), "exp", now));
        assert!(expired(&n(now - MAX_PAST_SECS), "exp", now));
        assert!(!expired(&item(AttributeValue::S((now - 60).to_string())), "exp", now));
        assert!(!expired(&n(now - 60), "other", now));
        let fraction = item(AttributeValue::N(Number::parse("1799999999.5").unwrap()));
        assert!(expired(&fraction, "exp", now));
    }

    #[test]
    fn a_walk_stops_at_its_budgets_and_says_where_to_resume() {
        let now = 1_800_000_000;
        // Keys k0..k9; the even ones have expired.
        let entries: Vec<(Vec<u8>, Vec<u8>)> = (0..10)
            .map(|i| {
                let t = if i % 2 == 0 { now - 10 } else { now + 10 };
                let bytes = ddb_core::value::binary::encode_item(&item(AttributeValue::N(Number::from(t))));
                (format!("k{i}").into_bytes(), bytes)
            })
            .collect();
        let walk = |from: usize, scan_budget, delete_budget| {
            scan(entries[from..].iter().cloned().map(Ok), "exp", now, scan_budget, delete_budget).unwrap()
        };
        let (keys, resume) = walk(0, 100, 100);
        assert_eq!(keys, [b"k0", b"k2", b"k4", b"k6", b"k8"].map(|k| k.to_vec()));
        assert_eq!(resume, None);
        let (keys, resume) = walk(0, 3, 100);
        assert_eq!(keys, [b"k0".to_vec(), b"k2".to_vec()]);
        assert_eq!(resume, Some(b"k3".to_vec()));
        let (keys, resume) = walk(3, 100, 2);
        assert_eq!(keys, [b"k4".to_vec(), b"k6".to_vec()]);
        assert_eq!(resume, Some(b"k7".to_vec()));
    }
}
