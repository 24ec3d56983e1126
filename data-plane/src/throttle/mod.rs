//! Throughput limits, checked before a request runs and charged what it
//! consumed once it ran:
//!
//! - the tables' own limits ([`table_limits`]): provisioned capacity of
//!   tables and their GSIs, and on-demand tables' `OnDemandThroughput`
//!   maxima;
//! - tenants' on-demand throughput quota (`max_on_demand_throughput`): at
//!   most that many request units per second on each of the tenant's
//!   on-demand tables, enforced with a token bucket per table (one second of
//!   burst). A request is charged one unit per item it names (two for a
//!   transaction's items, as DynamoDB charges them) before it runs; when the
//!   bucket is empty it fails with RequestLimitExceeded (its reason
//!   `TableReadAccountLimitExceeded` or `...Write...`), which the AWS SDKs
//!   retry with backoff. Once it ran, what it really consumed (request units
//!   follow the capacity rules: a 3 KB write is 3, a failed conditional write
//!   is charged the larger of the existing and attempted items) is settled
//!   against that estimate ([`Throttle::settle`]): units beyond it are taken
//!   too, possibly below zero, and later requests wait for the refill.
//!
//! Single-item operations, Query, Scan and transactions are checked here
//! before they run (a transaction on a table over its limit is cancelled,
//! with the reason on its actions of that table); BatchGetItem and
//! BatchWriteItem ask [`Throttle::refused`] per table themselves, as the
//! requests of a table over its limit come back unprocessed.

pub mod table_limits;

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use ddb_core::api::table::BillingMode;
use ddb_core::Operation;
use serde_json::Value;

use crate::auth::Verified;
use crate::catalog::{Catalog, CatalogTable};
use crate::error::{ApiError, CancellationReason, ThrottlingReason};
use crate::ops::Consumed;
pub use table_limits::{Exceeded, Kind};
use table_limits::TableLimits;

/// Per-table token buckets of the tenants that have the quota.
#[derive(Debug, Default)]
pub struct Throttle {
    buckets: Mutex<HashMap<(String, String), Bucket>>,
    /// The tables' own limits.
    tables: TableLimits,
    /// Where refusals are counted.
    metrics: crate::metrics::Metrics,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last: Instant,
    /// The rate it was last refilled at (its capacity: one second's worth).
    rate: f64,
}

/// Past this many quota buckets, adding one first drops the full ones (a
/// full bucket is the same as a new one).
const QUOTA_SWEEP_AT: usize = 4096;

impl Throttle {
    /// Takes `cost` units from the bucket of (`tenant`, `table`) refilled
    /// at `rate` per second; false when it does not hold them.
    pub fn admit(&self, tenant: &str, table: &str, rate: u64, cost: f64, now: Instant) -> bool {
        self.with_bucket(tenant, table, rate, now, |tokens, rate| {
            // A request larger than a whole second's budget still runs when
            // the bucket is full, so it cannot be refused forever.
            if *tokens >= cost.min(rate) {
                *tokens -= cost;
                true
            } else {
                false
            }
        })
    }

    /// Takes `units` from the bucket of (`tenant`, `table`) unconditionally
    /// (the work is done): the bucket may go negative and then refuses
    /// requests until it has refilled.
    pub fn debit(&self, tenant: &str, table: &str, rate: u64, units: f64, now: Instant) {
        self.with_bucket(tenant, table, rate, now, |tokens, _| *tokens -= units);
    }

    /// Runs `f` on the tokens of (`tenant`, `table`)'s bucket (`table`
    /// qualified with its region outside the home region), refilled at
    /// `rate` per second up to one second's worth, and on the rate.
    fn with_bucket<T>(&self, tenant: &str, table: &str, rate: u64, now: Instant, f: impl FnOnce(&mut f64, f64) -> T) -> T {
        let rate = rate.max(1) as f64;
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let key = (tenant.to_owned(), table.to_owned());
        if buckets.len() >= QUOTA_SWEEP_AT && !buckets.contains_key(&key) {
            buckets.retain(|_, b| b.tokens + now.saturating_duration_since(b.last).as_secs_f64() * b.rate < b.rate);
        }
        let bucket = buckets.entry(key).or_insert(Bucket { tokens: rate, last: now, rate });
        let elapsed = now.saturating_duration_since(bucket.last).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(rate);
        bucket.last = now;
        bucket.rate = rate;
        f(&mut bucket.tokens, rate)
    }

    /// Settles a request that ran against table `t`: when the caller's
    /// tenant has the quota and `t` is on demand, the `consumed` units
    /// beyond the `prepaid` ones [`Throttle::check`] took are taken too.
    pub fn settle(&self, caller: &Verified, t: &CatalogTable, consumed: f64, prepaid: f64) {
        let Some(rate) = caller.tenant.quotas.max_on_demand_throughput else {
            return;
        };
        let extra = consumed - prepaid;
        if extra <= 0.0 || t.def.spec.billing_mode != BillingMode::PayPerRequest {
            return;
        }
        let rate = u64::try_from(rate).unwrap_or(0);
        let table = dynastore_common::contract::qualified(&t.def.spec.name, &t.record.region);
        self.debit(&caller.tenant.id, &table, rate, extra, Instant::now());
    }

    /// Limits whose refusals are counted in `metrics`; provisioned
    /// capacity is enforced when `provisioned` is true.
    pub fn new(metrics: crate::metrics::Metrics, provisioned: bool) -> Throttle {
        Throttle {
            buckets: Mutex::default(),
            tables: TableLimits::new(provisioned),
            metrics,
        }
    }

    /// The limit of table `t` that refuses request `op` (of `kind`; for a
    /// read of a GSI, `index` names it) now, if any; a refusal is counted.
    pub fn refused(&self, t: &CatalogTable, op: Operation, kind: Kind, index: Option<&str>) -> Option<Exceeded> {
        let refused = self.tables.refused(t, kind, index, Instant::now())?;
        self.metrics.throttled(t, op, &refused);
        Some(refused)
    }

    /// The units a batch's requests of `kind` on table `t` may still take
    /// now; `None` when no limit applies.
    pub fn headroom(&self, t: &CatalogTable, kind: Kind) -> Option<f64> {
        self.tables.headroom(t, kind, Instant::now())
    }

    /// Takes what a request consumed on table `t` from the table's own
    /// limits.
    pub fn debit_table(&self, t: &CatalogTable, consumed: &Consumed) {
        self.tables.debit(t, consumed, Instant::now());
    }

    /// Checks the tables' own limits, then charges the request to its
    /// on-demand tables when the caller's tenant has the quota.
    pub fn check(&self, caller: &Verified, catalog: &Catalog, op: Operation, body: &Value) -> Result<(), ApiError> {
        self.check_tables(caller, catalog, op, body)?;
        self.check_quota(caller, catalog, op, body)
    }

    /// A single-item request, Query or Scan on a table (or index) over its
    /// limit fails; a transaction is cancelled.
    fn check_tables(&self, caller: &Verified, catalog: &Catalog, op: Operation, body: &Value) -> Result<(), ApiError> {
        let table = |v: &Value| v.get("TableName").and_then(Value::as_str).and_then(|n| catalog.table(caller.space(), n));
        let kind = match op {
            Operation::GetItem | Operation::Query | Operation::Scan | Operation::TransactGetItems => Kind::Read,
            Operation::PutItem | Operation::UpdateItem | Operation::DeleteItem | Operation::TransactWriteItems => Kind::Write,
            _ => return Ok(()),
        };
        if matches!(op, Operation::TransactGetItems | Operation::TransactWriteItems) {
            let actions = body.get("TransactItems").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
            // Each table is checked (and a refusal counted) once, however
            // many actions name it.
            let mut checked: Vec<(&CatalogTable, Option<Exceeded>)> = Vec::new();
            let refused: Vec<Option<Exceeded>> = actions
                .iter()
                .map(|a| {
                    let t: &CatalogTable = table(a.as_object().and_then(|o| o.values().next())?)?;
                    if let Some((_, r)) = checked.iter().find(|(known, _)| std::ptr::eq(*known, t)) {
                        return r.clone();
                    }
                    let r = self.refused(t, op, kind, None);
                    checked.push((t, r.clone()));
                    r
                })
                .collect();
            if refused.iter().all(Option::is_none) {
                return Ok(());
            }
            let reasons = refused
                .iter()
                .map(|r| match r {
                    Some(e) => CancellationReason {
                        code: if e.provisioned { "ProvisionedThroughputExceeded" } else { "ThrottlingError" },
                        message: Some(e.message().to_owned()),
                        item: None,
                    },
                    None => CancellationReason {
                        code: "None",
                        message: None,
                        item: None,
                    },
                })
                .collect();
            return Err(ApiError::TransactionCanceled { reasons });
        }
        let Some(t) = table(body) else { return Ok(()) };
        let index = body.get("IndexName").and_then(Value::as_str);
        match self.refused(t, op, kind, index) {
            Some(e) => Err(throttled(caller, t, &[e])),
            None => Ok(()),
        }
    }

    /// Charges the request to its on-demand tables when the caller's
    /// tenant has the quota.
    fn check_quota(&self, caller: &Verified, catalog: &Catalog, op: Operation, body: &Value) -> Result<(), ApiError> {
        let Some(rate) = caller.tenant.quotas.max_on_demand_throughput else {
            return Ok(());
        };
        let rate = u64::try_from(rate).unwrap_or(0);
        let now = Instant::now();
        for (name, cost) in charges(op, body) {
            let on_demand = catalog
                .table(caller.space(), &name)
                .is_some_and(|t| t.def.spec.billing_mode == BillingMode::PayPerRequest);
            // Each region's table has its own bucket.
            let table = dynastore_common::contract::qualified(&name, caller.space().region);
            if on_demand && !self.admit(&caller.tenant.id, &table, rate, cost, now) {
                let kind = match op {
                    Operation::GetItem | Operation::Query | Operation::Scan | Operation::BatchGetItem | Operation::TransactGetItems => {
                        "Read"
                    }
                    _ => "Write",
                };
                return Err(ApiError::RequestLimitExceeded {
                    reasons: vec![ThrottlingReason {
                        reason: format!("Table{kind}AccountLimitExceeded"),
                        resource: location(caller).table_arn(&name),
                    }],
                });
            }
        }
        Ok(())
    }
}

/// The error for requests on table `t` refused by the limits `exceeded`
/// (several for a batch all of whose tables are over their limits):
/// ProvisionedThroughputExceededException, or ThrottlingException for an
/// on-demand maximum, with a `ThrottlingReasons` entry each.
pub fn throttled(caller: &Verified, t: &CatalogTable, exceeded: &[Exceeded]) -> ApiError {
    throttled_tables(caller, &exceeded.iter().map(|e| (t, e.clone())).collect::<Vec<_>>())
}

/// [`throttled`] for limits of several tables.
pub fn throttled_tables(caller: &Verified, exceeded: &[(&CatalogTable, Exceeded)]) -> ApiError {
    let location = location(caller);
    let reasons = exceeded
        .iter()
        .map(|(t, e)| ThrottlingReason {
            reason: e.reason(),
            resource: e.resource(&location.table_arn(&t.def.spec.name)),
        })
        .collect();
    match exceeded.first() {
        Some((_, e)) if !e.provisioned => ApiError::Throttling {
            message: e.message(),
            reasons,
        },
        first => ApiError::ProvisionedThroughputExceeded {
            message: first.map_or("", |(_, e)| e.message()),
            reasons,
        },
    }
}

/// Where the caller's tables are, for their ARNs.
fn location(caller: &Verified) -> ddb_core::api::table::Location<'_> {
    ddb_core::api::table::Location {
        partition: iam::partition(&caller.region),
        region: &caller.region,
        account_id: &caller.tenant.account_id,
    }
}

/// The tables a data request touches with the units it is charged.
fn charges(op: Operation, body: &Value) -> Vec<(String, f64)> {
    let name = |v: &Value| v.get("TableName").and_then(Value::as_str).map(str::to_owned);
    let len = |v: Option<&Value>| v.and_then(Value::as_array).map_or(0, Vec::len) as f64;
    match op {
        Operation::GetItem
        | Operation::PutItem
        | Operation::UpdateItem
        | Operation::DeleteItem
        | Operation::Query
        | Operation::Scan => name(body).map(|t| (t, 1.0)).into_iter().collect(),
        Operation::BatchGetItem => body
            .get("RequestItems")
            .and_then(Value::as_object)
            .map(|m| m.iter().map(|(t, spec)| (t.clone(), len(spec.get("Keys")).max(1.0))).collect())
            .unwrap_or_default(),
        Operation::BatchWriteItem => body
            .get("RequestItems")
            .and_then(Value::as_object)
            .map(|m| m.iter().map(|(t, reqs)| (t.clone(), len(Some(reqs)).max(1.0))).collect())
            .unwrap_or_default(),
        Operation::TransactGetItems | Operation::TransactWriteItems => {
            let mut per_table: HashMap<String, f64> = HashMap::new();
            for e in body.get("TransactItems").and_then(Value::as_array).into_iter().flatten() {
                if let Some(spec) = e.as_object().and_then(|o| o.values().next()) {
                    if let Some(t) = name(spec) {
                        *per_table.entry(t).or_default() += 2.0;
                    }
                }
            }
            per_table.into_iter().collect()
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn bucket_allows_the_rate_and_refills() {
        let t = Throttle::default();
        let start = Instant::now();
        let admitted = (0..15).filter(|_| t.admit("t", "T", 10, 1.0, start)).count();
        assert_eq!(admitted, 10, "one second of burst");
        assert!(!t.admit("t", "T", 10, 1.0, start));
        assert!(t.admit("t", "T", 10, 1.0, start + Duration::from_millis(150)), "refilled");
        assert!(t.admit("t", "U", 10, 1.0, start), "per table");
        assert!(t.admit("u", "T", 10, 1.0, start), "per tenant");
        // A request bigger than the budget runs on a full bucket.
        assert!(t.admit("t", "V", 10, 25.0, start));
        assert!(!t.admit("t", "V", 10, 1.0, start + Duration::from_millis(500)), "and is paid back");
    }

    #[test]
    fn debits_beyond_the_bucket_hold_later_requests_back() {
        let t = Throttle::default();
        let start = Instant::now();
        assert!(t.admit("t", "T", 10, 1.0, start));
        // The request turned out to cost 14 units: 13 more, 4 below zero.
        t.debit("t", "T", 10, 13.0, start);
        assert!(!t.admit("t", "T", 10, 1.0, start + Duration::from_millis(400)), "still paying back");
        assert!(t.admit("t", "T", 10, 1.0, start + Duration::from_millis(600)), "refilled");
        // A debit refills first, like an admission.
        t.debit("u", "T", 10, 5.0, start);
        assert!(t.admit("u", "T", 10, 5.0, start));
        assert!(!t.admit("u", "T", 10, 1.0, start));
    }

    #[test]
    fn full_quota_buckets_are_dropped_once_there_are_many() {
        let t = Throttle::default();
        let now = Instant::now();
        assert!(t.admit("t", "busy", 1, 1.0, now));
        for i in 0..(2 * QUOTA_SWEEP_AT) {
            t.debit("t", &format!("idle-{i}"), 10, 0.0, now);
        }
        let held = t.buckets.lock().expect("lock").len();
        assert!(held <= QUOTA_SWEEP_AT + 1, "{held} buckets kept");
        assert!(!t.admit("t", "busy", 1, 1.0, now), "the emptied bucket was kept");
    }

    #[test]
    fn charges_count_items() {
        let body = serde_json::json!({"RequestItems": {"A": {"Keys": [{}, {}, {}]}, "B": {"Keys": [{}]}}});
        let mut c = charges(Operation::BatchGetItem, &body);
        c.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(c, vec![("A".to_owned(), 3.0), ("B".to_owned(), 1.0)]);
        let tx = serde_json::json!({"TransactItems": [{"Put": {"TableName": "A"}}, {"Update": {"TableName": "A"}}]});
        assert_eq!(charges(Operation::TransactWriteItems, &tx), vec![("A".to_owned(), 4.0)]);
        assert!(charges(Operation::ListTables, &serde_json::json!({})).is_empty());
    }
}
