//! The data plane's metrics, defined in one place with bounded labels:
//! `operation` is an [`Operation`] name or `unknown`; `outcome` is `ok` or
//! a wire error name.
//!
//! Per-table series mirror DynamoDB's CloudWatch metrics (`table` is the
//! table's name, `name@region` for a table outside the endpoint's home
//! region):
//! - `dynastore_consumed_read_capacity_units_total` and
//!   `dynastore_consumed_write_capacity_units_total` (ConsumedRead/Write-
//!   CapacityUnits) by `tenant` (id), `table` and `index`: `index` is empty
//!   for the table itself — local secondary indexes included, as they
//!   consume the table's capacity — and a global secondary index's name for
//!   what that GSI consumed (CloudWatch's GlobalSecondaryIndexName
//!   dimension). Every item request is charged, whether or not it asked for
//!   ReturnConsumedCapacity, and so are failed conditional writes and
//!   cancelled transactions, which DynamoDB also charges.
//! - `dynastore_conditional_check_failed_requests_total`
//!   (ConditionalCheckFailedRequests) by `tenant` and `table`: PutItem,
//!   UpdateItem and DeleteItem whose condition was false.
//! - `dynastore_throttle_events_total` (Read/WriteThrottleEvents and the
//!   2025 per-reason metrics, e.g. WriteProvisionedThroughputThrottleEvents)
//!   by `tenant`, `table`, `index` (a GSI's name, or empty) and `reason`
//!   (the ThrottlingReason, e.g. `IndexWriteProvisionedThroughputExceeded`):
//!   requests refused by a table's or index's own throughput limit.
//! - `dynastore_throttled_requests_total` (ThrottledRequests) by `tenant`,
//!   `table` and `operation`.
//! - `dynastore_time_to_live_deleted_items_total`
//!   (TimeToLiveDeletedItemCount) by `tenant` and `table`: items Time to
//!   Live deleted.
//!
//! The node's row cache is reported as `dynastore_row_cache_hits_total`,
//! `dynastore_row_cache_misses_total`, `dynastore_row_cache_entries` and
//! `dynastore_row_cache_bytes`, read from the cache when scraped.
//!
//! Group commit is reported node-wide: `dynastore_write_group_requests`
//! (write requests made durable together in one batch) and
//! `dynastore_write_group_duration_seconds` (from a group's sealing to its
//! batch being durable and applied: the disk's share of a write's latency).
//!
//! Tables' labelled counters are looked up once per catalog entry
//! ([`TableMeters`], cached on [`CatalogTable`]), so charging a request is
//! a few atomic additions, with no label strings built.

use std::sync::{Arc, OnceLock};

use ddb_core::capacity::HalfUnits;
use ddb_core::{ErrorCode, Operation};
use prometheus::{
    Counter, CounterVec, Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts,
    Registry, TextEncoder,
};

use crate::catalog::CatalogTable;
use crate::ops::Consumed;

/// Every series the data plane exports.
#[derive(Debug, Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    read_units: CounterVec,
    write_units: CounterVec,
    conditional_failed: IntCounterVec,
    ttl_deleted: IntCounterVec,
    throttle_events: IntCounterVec,
    throttled_requests: IntCounterVec,
    /// The row cache, read when the metrics are rendered.
    row_cache: RowCacheSeries,
    write_groups: WriteGroupMeters,
    /// By `Operation as usize`: the operation's `ok` request counter and
    /// latency histogram, bound on first use (no label lookup per request).
    ok_series: Arc<[OnceLock<(IntCounter, Histogram)>]>,
}

/// The row cache's series: `dynastore_row_cache_{hits,misses}_total`,
/// `dynastore_row_cache_entries` and `dynastore_row_cache_bytes`.
#[derive(Debug, Clone)]
struct RowCacheSeries {
    hits: IntCounter,
    misses: IntCounter,
    entries: IntGauge,
    bytes: IntGauge,
}

impl RowCacheSeries {
    fn new(registry: &Registry) -> RowCacheSeries {
        let counter = |name: &str, help: &str| {
            let c = IntCounter::new(name, help).expect("static metric definition is valid");
            registry.register(Box::new(c.clone())).expect("registered once");
            c
        };
        let gauge = |name: &str, help: &str| {
            let g = IntGauge::new(name, help).expect("static metric definition is valid");
            registry.register(Box::new(g.clone())).expect("registered once");
            g
        };
        RowCacheSeries {
            hits: counter("dynastore_row_cache_hits_total", "Point reads (GetItem, a write's read of the old item) answered by the row cache"),
            misses: counter("dynastore_row_cache_misses_total", "Point reads the row cache could not answer"),
            entries: gauge("dynastore_row_cache_entries", "Items held by the row cache"),
            bytes: gauge("dynastore_row_cache_bytes", "Bytes charged to the row cache (keys, values, bookkeeping)"),
        }
    }

    /// Brings the series up to `st` (the cache's counters only grow).
    fn update(&self, st: storage::RowCacheStats) {
        self.hits.inc_by(st.hits.saturating_sub(self.hits.get()));
        self.misses.inc_by(st.misses.saturating_sub(self.misses.get()));
        self.entries.set(i64::try_from(st.entries).unwrap_or(i64::MAX));
        self.bytes.set(i64::try_from(st.bytes).unwrap_or(i64::MAX));
    }
}

/// The writers' group commit histograms (cheap to clone: handles to the
/// registered series).
#[derive(Debug, Clone)]
pub struct WriteGroupMeters {
    requests: Histogram,
    seconds: Histogram,
}

impl WriteGroupMeters {
    fn new(registry: &Registry) -> WriteGroupMeters {
        let histogram = |name: &str, help: &str, buckets: Vec<f64>| {
            let h = Histogram::with_opts(HistogramOpts::new(name, help).buckets(buckets))
                .expect("static metric definition is valid");
            registry.register(Box::new(h.clone())).expect("registered once");
            h
        };
        WriteGroupMeters {
            requests: histogram(
                "dynastore_write_group_requests",
                "Write requests made durable together in one group commit",
                vec![1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0],
            ),
            // 50 µs (a fast NVMe sync) to 1 s (a disk in trouble).
            seconds: histogram(
                "dynastore_write_group_duration_seconds",
                "Time from a write group's sealing to its batch being durable and applied",
                vec![0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 1.0],
            ),
        }
    }

    /// One group of `requests` committed `seconds` after it was sealed.
    pub fn committed(&self, requests: usize, seconds: f64) {
        self.requests.observe(requests as f64);
        self.seconds.observe(seconds);
    }
}

/// One table's capacity counters, with labels bound.
#[derive(Debug, Clone)]
pub struct TableMeters {
    read: Counter,
    write: Counter,
    conditional_failed: IntCounter,
    ttl_deleted: IntCounter,
    /// By position in the table's index list: a GSI's (read, write)
    /// counters; `None` for an LSI, charged to the table.
    indexes: Vec<Option<(Counter, Counter)>>,
}

impl TableMeters {
    /// Adds what one request consumed.
    pub fn charge(&self, c: &Consumed) {
        add(&self.read, c.read);
        add(&self.write, c.write);
        for &(at, read, write) in &c.gsi {
            if let Some(Some((r, w))) = self.indexes.get(at) {
                add(r, read);
                add(w, write);
            }
        }
    }

    /// Counts a conditional write whose condition was false.
    pub fn conditional_check_failed(&self) {
        self.conditional_failed.inc();
    }

    /// Counts items Time to Live deleted.
    pub fn ttl_deleted(&self, items: u64) {
        self.ttl_deleted.inc_by(items);
    }
}

fn add(counter: &Counter, units: HalfUnits) {
    if units != HalfUnits::ZERO {
        counter.inc_by(units.units());
    }
}

impl Metrics {
    /// Registers every series.
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("dynastore_requests_total", "DynamoDB API requests by operation and outcome"),
            &["operation", "outcome"],
        )
        .expect("static metric definition is valid");
        // Buckets from 100 µs to 2.5 s: item operations sit in the low
        // milliseconds, long scans and batches reach seconds.
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "dynastore_request_duration_seconds",
                "Time from request received to response ready, by operation",
            )
            .buckets(vec![0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5]),
            &["operation"],
        )
        .expect("static metric definition is valid");
        let units = |name: &str, help: &str| {
            CounterVec::new(Opts::new(name, help), &["tenant", "table", "index"]).expect("static metric definition is valid")
        };
        let read_units = units(
            "dynastore_consumed_read_capacity_units_total",
            "Read capacity units consumed, by tenant, table and global secondary index (empty: the table and its LSIs)",
        );
        let write_units = units(
            "dynastore_consumed_write_capacity_units_total",
            "Write capacity units consumed, by tenant, table and global secondary index (empty: the table and its LSIs)",
        );
        let conditional_failed = IntCounterVec::new(
            Opts::new(
                "dynastore_conditional_check_failed_requests_total",
                "PutItem, UpdateItem and DeleteItem requests whose condition was false, by tenant and table",
            ),
            &["tenant", "table"],
        )
        .expect("static metric definition is valid");
        let ttl_deleted = IntCounterVec::new(
            Opts::new(
                "dynastore_time_to_live_deleted_items_total",
                "Items deleted by Time to Live, by tenant and table",
            ),
            &["tenant", "table"],
        )
        .expect("static metric definition is valid");
        let throttle_events = IntCounterVec::new(
            Opts::new(
                "dynastore_throttle_events_total",
                "Requests refused by a table's or index's throughput limit, by tenant, table, index and ThrottlingReason",
            ),
            &["tenant", "table", "index", "reason"],
        )
        .expect("static metric definition is valid");
        let throttled_requests = IntCounterVec::new(
            Opts::new(
                "dynastore_throttled_requests_total",
                "Requests refused by a table's throughput limits, by tenant, table and operation",
            ),
            &["tenant", "table", "operation"],
        )
        .expect("static metric definition is valid");
        registry.register(Box::new(throttle_events.clone())).expect("registered once");
        registry.register(Box::new(throttled_requests.clone())).expect("registered once");
        registry.register(Box::new(ttl_deleted.clone())).expect("registered once");
        registry.register(Box::new(requests.clone())).expect("registered once");
        registry.register(Box::new(latency.clone())).expect("registered once");
        registry.register(Box::new(read_units.clone())).expect("registered once");
        registry.register(Box::new(write_units.clone())).expect("registered once");
        registry.register(Box::new(conditional_failed.clone())).expect("registered once");
        let row_cache = RowCacheSeries::new(&registry);
        let write_groups = WriteGroupMeters::new(&registry);
        Metrics {
            registry,
            requests,
            latency,
            read_units,
            write_units,
            conditional_failed,
            ttl_deleted,
            throttle_events,
            throttled_requests,
            row_cache,
            write_groups,
            ok_series: Operation::ALL.iter().map(|_| OnceLock::new()).collect(),
        }
    }

    /// The capacity counters of table `t` (call once per catalog entry:
    /// [`CatalogTable::meters`] caches them).
    pub fn table_meters(&self, t: &CatalogTable) -> TableMeters {
        let qualified = dynastore_common::contract::qualified(&t.def.spec.name, &t.record.region);
        let (tenant, table) = (t.record.tenant_id.as_str(), qualified.as_str());
        TableMeters {
            read: self.read_units.with_label_values(&[tenant, table, ""]),
            write: self.write_units.with_label_values(&[tenant, table, ""]),
            conditional_failed: self.conditional_failed.with_label_values(&[tenant, table]),
            ttl_deleted: self.ttl_deleted.with_label_values(&[tenant, table]),
            indexes: t
                .indexes
                .indexes
                .iter()
                .map(|idx| {
                    (!idx.local).then(|| {
                        (
                            self.read_units.with_label_values(&[tenant, table, idx.name.as_str()]),
                            self.write_units.with_label_values(&[tenant, table, idx.name.as_str()]),
                        )
                    })
                })
                .collect(),
        }
    }

    /// Counts a request `op` on table `t` refused by its limit `e`.
    pub fn throttled(&self, t: &CatalogTable, op: Operation, e: &crate::throttle::Exceeded) {
        let table = dynastore_common::contract::qualified(&t.def.spec.name, &t.record.region);
        let tenant = t.record.tenant_id.as_str();
        let index = e.index.as_deref().unwrap_or_default();
        self.throttle_events.with_label_values(&[tenant, table.as_str(), index, e.reason().as_str()]).inc();
        self.throttled_requests.with_label_values(&[tenant, table.as_str(), op.name()]).inc();
    }

    /// Records one request.
    pub fn observe(&self, op: Option<Operation>, error: Option<ErrorCode>, seconds: f64) {
        if let (Some(op), None) = (op, error) {
            if let Some(slot) = self.ok_series.get(op as usize) {
                let (count, latency) = slot.get_or_init(|| {
                    (
                        self.requests.with_label_values(&[op.name(), "ok"]),
                        self.latency.with_label_values(&[op.name()]),
                    )
                });
                count.inc();
                latency.observe(seconds);
                return;
            }
        }
        let op = op.map_or("unknown", Operation::name);
        let outcome = match error {
            None => "ok",
            Some(code) => code.wire_type().rsplit('#').next().unwrap_or("error"),
        };
        self.requests.with_label_values(&[op, outcome]).inc();
        self.latency.with_label_values(&[op]).observe(seconds);
    }

    /// The group commit histograms, for the writers.
    pub fn write_groups(&self) -> WriteGroupMeters {
        self.write_groups.clone()
    }

    /// Takes the row cache's figures for the next [`Metrics::render`].
    pub fn observe_row_cache(&self, st: storage::RowCacheStats) {
        self.row_cache.update(st);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> Vec<u8> {
        let mut buf = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buf);
        buf
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_row_cache_is_reported() {
        let m = Metrics::new();
        m.observe_row_cache(storage::RowCacheStats { entries: 3, bytes: 4000, hits: 10, misses: 2 });
        m.observe_row_cache(storage::RowCacheStats { entries: 2, bytes: 3000, hits: 15, misses: 4 });
        let text = String::from_utf8(m.render()).expect("UTF-8");
        for line in [
            "dynastore_row_cache_hits_total 15",
            "dynastore_row_cache_misses_total 4",
            "dynastore_row_cache_entries 2",
            "dynastore_row_cache_bytes 3000",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing from\n{text}");
        }
    }

    #[test]
    fn write_groups_are_reported() {
        let m = Metrics::new();
        let groups = m.write_groups();
        groups.committed(3, 0.0002);
        groups.committed(40, 0.003);
        let text = String::from_utf8(m.render()).expect("UTF-8");
        for line in [
            "dynastore_write_group_requests_count 2",
            "dynastore_write_group_requests_sum 43",
            r#"dynastore_write_group_requests_bucket{le="4"} 1"#,
            r#"dynastore_write_group_requests_bucket{le="64"} 2"#,
            r#"dynastore_write_group_duration_seconds_bucket{le="0.00025"} 1"#,
            r#"dynastore_write_group_duration_seconds_bucket{le="0.0025"} 1"#,
            r#"dynastore_write_group_duration_seconds_bucket{le="0.005"} 2"#,
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line} in\n{text}");
        }
    }

    #[test]
    fn requests_are_counted_by_operation_and_outcome() {
        let m = Metrics::new();
        m.observe(Some(Operation::GetItem), None, 0.001);
        m.observe(Some(Operation::GetItem), None, 0.002);
        m.observe(Some(Operation::Query), None, 0.003);
        m.observe(Some(Operation::GetItem), Some(ErrorCode::Validation), 0.001);
        m.observe(None, Some(ErrorCode::UnknownOperation), 0.001);
        let text = String::from_utf8(m.render()).expect("UTF-8");
        for line in [
            r#"dynastore_requests_total{operation="GetItem",outcome="ok"} 2"#,
            r#"dynastore_requests_total{operation="Query",outcome="ok"} 1"#,
            r#"dynastore_requests_total{operation="GetItem",outcome="ValidationException"} 1"#,
            r#"dynastore_requests_total{operation="unknown",outcome="UnknownOperationException"} 1"#,
            r#"dynastore_request_duration_seconds_count{operation="GetItem"} 3"#,
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line} in\n{text}");
        }
    }
}
