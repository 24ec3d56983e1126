//! Time to Live: items whose TTL attribute holds a time (epoch seconds) that
//! has passed are deleted in the background, as DynamoDB's TTL deletes
//! them. A value that is not a number, lies in the future, or lies more
//! than five years in the past never expires. Deletions go through the
//! tenant's writer (indexes and the change log kept as for any delete),
//! re-check expiry against the current item, and consume no capacity.
//! Only tenants whose storage is open are swept; a closed tenant is swept
//! once it is opened again.

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
use crate::items::store::{decode, Decision, ItemStore};
use crate::metrics::Metrics;
use dynastore_common::shutdown::Shutdown;

/// Expiry times further back than this are ignored (DynamoDB's rule).
const MAX_PAST_SECS: i64 = 5 * 365 * 24 * 3600;

/// Most items one sweep deletes from one table; the rest wait for the next.
const MAX_PER_SWEEP: usize = 1000;

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
    loop {
        tokio::select! {
            () = &mut stop => break,
            _ = tick.tick() => {}
        }
        let Some(catalog) = catalog.load_full() else { continue };
        match sweep(&items, &catalog, &metrics, now_secs()).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(items = n, "expired items deleted (TTL)"),
            Err(e) => tracing::warn!(error = %e, "TTL sweep failed"),
        }
    }
}

/// Deletes the expired items of every TTL-enabled table of every open
/// tenant, counting them in the table's metrics; returns how many it
/// deleted.
pub async fn sweep(items: &ItemStore, catalog: &Catalog, metrics: &Metrics, now: i64) -> Result<u64, ApiError> {
    let mut deleted = 0;
    for (tenant, _) in items.tenants().open_engines() {
        let tables: Vec<Arc<CatalogTable>> = catalog
            .table_names(&tenant)
            .filter_map(|name| catalog.table(&tenant, name).cloned())
            .filter(|t| t.def.ttl_attribute.is_some())
            .collect();
        for table in tables {
            let n = sweep_table(items, &tenant, &table, now).await?;
            if n > 0 {
                table.meters(metrics).ttl_deleted(n);
            }
            deleted += n;
        }
    }
    Ok(deleted)
}

async fn sweep_table(items: &ItemStore, tenant: &str, table: &Arc<CatalogTable>, now: i64) -> Result<u64, ApiError> {
    let Some(attribute) = table.def.ttl_attribute.clone() else { return Ok(0) };
    let snapshot = items.snapshot(tenant).await?;
    let prefix = items_prefix(&table.record.id);
    let found = {
        let attribute = attribute.clone();
        tokio::task::spawn_blocking(move || -> Result<Vec<Vec<u8>>, ApiError> {
            let end = prefix_end(&prefix);
            let end = end.as_deref().map_or(Bound::Unbounded, Bound::Excluded);
            let iter = snapshot
                .range(Bound::Included(prefix.as_slice()), end, storage::Direction::Forward)
                .map_err(|e| ApiError::Internal(format!("storage: {e}")))?;
            let mut keys = Vec::new();
            for entry in iter {
                let (key, value) = entry.map_err(|e| ApiError::Internal(format!("storage: {e}")))?;
                if expired(&decode(&value)?, &attribute, now) {
                    keys.push(key.to_vec());
                    if keys.len() >= MAX_PER_SWEEP {
                        break;
                    }
                }
            }
            Ok(keys)
        })
        .await
        .map_err(|e| ApiError::Internal(format!("TTL scan failed: {e}")))??
    };
    let mut deleted = 0;
    for key in found {
        let attribute = attribute.clone();
        let gone = items
            .write(
                tenant,
                write_key(table, key),
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
}
