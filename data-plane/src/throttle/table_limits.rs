//! Tables' own throughput limits, as DynamoDB enforces them:
//!
//! - a **provisioned** table has a read and a write token bucket, and so
//!   has each of its global secondary indexes (local ones share the
//!   table's). A bucket refills at the provisioned units per second and
//!   keeps up to 300 seconds of unused capacity (DynamoDB's burst
//!   capacity); it starts full, so a new table can take a burst at once.
//!   Over the limit a request fails with
//!   ProvisionedThroughputExceededException;
//! - an **on-demand** table with `OnDemandThroughput` maxima has a bucket
//!   per maximum holding one second of it; over the limit a request fails
//!   with ThrottlingException.
//!
//! A request is admitted while its buckets hold anything, then charged
//! what it really consumed ([`TableLimits::debit`]), which may take a
//! bucket below zero: later requests wait for the refill, as DynamoDB's
//! do. A write is refused when the table's write bucket or one of its
//! GSIs' is empty (DynamoDB refuses it only when it would update that GSI,
//! which is not known before the write runs); a read of a GSI is checked
//! against the GSI's read bucket, any other read against the table's.
//!
//! Buckets are kept per table id (and region, for a global table's
//! replicas), so a table created again under the same name starts afresh;
//! they live in the node's memory and start full again after a restart.
//! A full bucket is the same as a new one, so once there are many, full
//! ones are dropped: a deleted table's buckets go once they have refilled.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use ddb_core::api::table::BillingMode;

use crate::catalog::CatalogTable;
use crate::ops::Consumed;

/// Seconds of unused provisioned capacity a bucket keeps.
pub const BURST_SECONDS: f64 = 300.0;

/// Reads or writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Read,
    Write,
}

/// The limit a request ran into: which resource, which kind of capacity,
/// and whether it was provisioned capacity or an on-demand maximum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exceeded {
    /// The global secondary index, or `None` for the table.
    pub index: Option<String>,
    pub kind: Kind,
    pub provisioned: bool,
}

impl Exceeded {
    /// The `ThrottlingReason.reason`, e.g. `TableWriteProvisionedThroughputExceeded`.
    pub fn reason(&self) -> String {
        format!(
            "{}{}{}",
            if self.index.is_some() { "Index" } else { "Table" },
            match self.kind {
                Kind::Read => "Read",
                Kind::Write => "Write",
            },
            if self.provisioned { "ProvisionedThroughputExceeded" } else { "MaxOnDemandThroughputExceeded" },
        )
    }

    /// The `ThrottlingReason.resource`: the table's ARN, or its index's.
    pub fn resource(&self, table_arn: &str) -> String {
        match &self.index {
            Some(i) => format!("{table_arn}/index/{i}"),
            None => table_arn.to_owned(),
        }
    }

    /// The error's message, in DynamoDB's words.
    pub fn message(&self) -> &'static str {
        match (self.provisioned, &self.index, self.kind) {
            (false, ..) => "Throughput exceeds the maximum OnDemandThroughput configured on table or index",
            (true, None, _) => {
                "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API."
            }
            (true, Some(_), Kind::Write) => {
                "The level of configured provisioned throughput for one or more global secondary indexes of the table was exceeded. Consider increasing your provisioning level for the under-provisioned global secondary indexes with the UpdateTable API"
            }
            (true, Some(_), Kind::Read) => "The level of configured provisioned throughput for the index was exceeded",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct BucketKey {
    table_id: String,
    /// The region of the replica (the replicas of a global table share
    /// their id, not their capacity).
    region: String,
    /// A GSI's name, empty for the table.
    index: String,
    kind: Kind,
    provisioned: bool,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last: Instant,
    /// The limit it was last refilled with.
    limit: Limit,
}

impl Bucket {
    /// Whether the bucket is full at `now`: a full bucket holds nothing a
    /// new one would not (buckets start full), so it can be dropped.
    fn full_at(&self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens + elapsed * self.limit.rate >= self.limit.capacity
    }
}

/// Past this many buckets, adding one first drops every full one (the
/// buckets of deleted tables, and of tables idle long enough to refill).
const SWEEP_AT: usize = 4096;

/// A bucket's refill rate (units per second) and capacity.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Limit {
    rate: f64,
    capacity: f64,
    provisioned: bool,
}

/// The limit on `kind` of table `t`'s `index` (a GSI's name; `None` for
/// the table and its local indexes), if it has one.
fn limit(t: &CatalogTable, index: Option<&str>, kind: Kind) -> Option<Limit> {
    let spec = &t.def.spec;
    match spec.billing_mode {
        BillingMode::Provisioned => {
            let throughput = match index {
                None => spec.throughput.as_ref(),
                Some(name) => spec.global_secondary_indexes.iter().find(|g| g.name == name)?.throughput.as_ref(),
            }?;
            let rate = match kind {
                Kind::Read => throughput.read,
                Kind::Write => throughput.write,
            }
            .max(1) as f64;
            Some(Limit {
                rate,
                capacity: rate * BURST_SECONDS,
                provisioned: true,
            })
        }
        BillingMode::PayPerRequest => {
            let od = spec.on_demand.as_ref().filter(|_| index.is_none())?;
            let max = match kind {
                Kind::Read => od.max_read_request_units,
                Kind::Write => od.max_write_request_units,
            }?;
            // -1 is "no maximum".
            (max > 0).then_some(Limit {
                rate: max as f64,
                capacity: max as f64,
                provisioned: false,
            })
        }
    }
}

/// Every table's buckets on this node.
#[derive(Debug)]
pub struct TableLimits {
    buckets: Mutex<HashMap<BucketKey, Bucket>>,
    /// Whether provisioned capacity is enforced (the data plane's
    /// `throttle_provisioned`); on-demand maxima always are.
    provisioned: bool,
}

impl Default for TableLimits {
    /// Every limit enforced.
    fn default() -> Self {
        TableLimits::new(true)
    }
}

impl TableLimits {
    /// Buckets for every table; provisioned capacity enforced when
    /// `provisioned` is true.
    pub fn new(provisioned: bool) -> TableLimits {
        TableLimits {
            buckets: Mutex::default(),
            provisioned,
        }
    }

    /// The limit that refuses a request of `kind` on table `t` now, if any:
    /// for a read, the bucket of `index` (a GSI) or else the table's; for a
    /// write, the table's and then each GSI's.
    pub fn refused(&self, t: &CatalogTable, kind: Kind, index: Option<&str>, now: Instant) -> Option<Exceeded> {
        if !self.limited(t) {
            return None;
        }
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        resources(t, kind, index).find_map(|resource| {
            let limit = limit(t, resource, kind).filter(|l| self.provisioned || !l.provisioned)?;
            let tokens = refill(&mut buckets, t, resource, kind, limit, now);
            (*tokens <= 0.0).then(|| Exceeded {
                index: resource.map(str::to_owned),
                kind,
                provisioned: limit.provisioned,
            })
        })
    }

    /// The units a request of `kind` on table `t` may still take now: the
    /// fewest any of its buckets holds (for a write, the table's and every
    /// GSI's); `None` when no limit applies. A batch admits its requests
    /// on a table while this lasts and returns the rest unprocessed.
    pub fn headroom(&self, t: &CatalogTable, kind: Kind, now: Instant) -> Option<f64> {
        if !self.limited(t) {
            return None;
        }
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        resources(t, kind, None)
            .filter_map(|resource| {
                let limit = limit(t, resource, kind).filter(|l| self.provisioned || !l.provisioned)?;
                Some(*refill(&mut buckets, t, resource, kind, limit, now))
            })
            .reduce(f64::min)
    }

    /// Whether table `t` has any limit enforced (most on-demand tables
    /// have none, and cost nothing here).
    fn limited(&self, t: &CatalogTable) -> bool {
        (self.provisioned && t.def.spec.billing_mode == BillingMode::Provisioned) || t.def.spec.on_demand.is_some()
    }

    /// Takes what a request `consumed` on table `t` from its buckets.
    pub fn debit(&self, t: &CatalogTable, consumed: &Consumed, now: Instant) {
        if !self.limited(t) {
            return;
        }
        let mut charges = vec![(None, Kind::Read, consumed.read.units()), (None, Kind::Write, consumed.write.units())];
        for &(at, read, write) in &consumed.gsi {
            if let Some(layout) = t.indexes.indexes.get(at) {
                charges.push((Some(layout.name.as_str()), Kind::Read, read.units()));
                charges.push((Some(layout.name.as_str()), Kind::Write, write.units()));
            }
        }
        let mut buckets = None;
        for (resource, kind, units) in charges {
            if units <= 0.0 {
                continue;
            }
            let Some(limit) = limit(t, resource, kind).filter(|l| self.provisioned || !l.provisioned) else { continue };
            let buckets = buckets.get_or_insert_with(|| self.buckets.lock().unwrap_or_else(PoisonError::into_inner));
            *refill(buckets, t, resource, kind, limit, now) -= units;
        }
    }
}

/// The buckets a request of `kind` on table `t` is held to, as GSI names
/// (`None` for the table's own): for a read, `index` when it is a GSI and
/// else the table's; for a write, the table's and then each GSI's.
fn resources<'a>(t: &'a CatalogTable, kind: Kind, index: Option<&'a str>) -> impl Iterator<Item = Option<&'a str>> + 'a {
    let gsis = &t.def.spec.global_secondary_indexes;
    let first = match kind {
        Kind::Read => index.filter(|i| gsis.iter().any(|g| g.name == *i)),
        Kind::Write => None,
    };
    let others = gsis.iter().filter(move |_| kind == Kind::Write).map(|g| Some(g.name.as_str()));
    std::iter::once(first).chain(others)
}

/// The tokens of a bucket, refilled up to `now`.
fn refill<'a>(
    buckets: &'a mut HashMap<BucketKey, Bucket>,
    t: &CatalogTable,
    index: Option<&str>,
    kind: Kind,
    limit: Limit,
    now: Instant,
) -> &'a mut f64 {
    let key = BucketKey {
        table_id: t.def.table_id.clone(),
        region: t.record.region.clone(),
        index: index.unwrap_or_default().to_owned(),
        kind,
        provisioned: limit.provisioned,
    };
    if buckets.len() >= SWEEP_AT && !buckets.contains_key(&key) {
        buckets.retain(|_, b| !b.full_at(now));
    }
    let bucket = buckets.entry(key).or_insert(Bucket {
        tokens: limit.capacity,
        last: now,
        limit,
    });
    let elapsed = now.saturating_duration_since(bucket.last).as_secs_f64();
    bucket.tokens = (bucket.tokens + elapsed * limit.rate).min(limit.capacity);
    bucket.last = now;
    bucket.limit = limit;
    &mut bucket.tokens
}

#[cfg(test)]
mod tests;
