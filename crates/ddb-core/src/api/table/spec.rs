//! A validated table definition: what `CreateTable` (and later
//! `UpdateTable`) produce and what the catalog stores. Serialized as JSON
//! in the control plane's catalog, so field names are part of a stored
//! format: add fields with defaults, never rename.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A key attribute type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScalarType {
    S,
    N,
    B,
}

impl ScalarType {
    /// From the wire letter.
    pub fn parse(s: &str) -> Option<ScalarType> {
        match s {
            "S" => Some(ScalarType::S),
            "N" => Some(ScalarType::N),
            "B" => Some(ScalarType::B),
            _ => None,
        }
    }

    /// The wire letter.
    pub const fn as_str(self) -> &'static str {
        match self {
            ScalarType::S => "S",
            ScalarType::N => "N",
            ScalarType::B => "B",
        }
    }
}

/// One key attribute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyAttr {
    pub name: String,
    pub ty: ScalarType,
}

/// Partition key and optional sort key. A global secondary index may have
/// multi-attribute keys: up to four HASH and four RANGE attributes, the
/// first of each in `hash` and `range`, the others (in order) in
/// `more_hash` and `more_range` (empty for every other key schema, and
/// then not stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeySchema {
    pub hash: KeyAttr,
    pub range: Option<KeyAttr>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub more_hash: Vec<KeyAttr>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub more_range: Vec<KeyAttr>,
}

impl KeySchema {
    /// A key of one HASH and at most one RANGE attribute.
    pub fn simple(hash: KeyAttr, range: Option<KeyAttr>) -> KeySchema {
        KeySchema { hash, range, more_hash: Vec::new(), more_range: Vec::new() }
    }

    /// The HASH attributes, in order.
    pub fn hash_attrs(&self) -> Vec<&KeyAttr> {
        std::iter::once(&self.hash).chain(self.more_hash.iter()).collect()
    }

    /// The RANGE attributes, in order.
    pub fn range_attrs(&self) -> Vec<&KeyAttr> {
        self.range.iter().chain(self.more_range.iter()).collect()
    }

    /// Every key attribute: the HASH ones, then the RANGE ones.
    pub fn attrs(&self) -> Vec<&KeyAttr> {
        let mut v = self.hash_attrs();
        v.extend(self.range_attrs());
        v
    }

    /// True when the key has more than one HASH or RANGE attribute.
    pub fn is_multi(&self) -> bool {
        !self.more_hash.is_empty() || !self.more_range.is_empty()
    }
}

/// How a table is billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BillingMode {
    Provisioned,
    PayPerRequest,
}

impl BillingMode {
    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            BillingMode::Provisioned => "PROVISIONED",
            BillingMode::PayPerRequest => "PAY_PER_REQUEST",
        }
    }
}

/// Provisioned read and write capacity units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Throughput {
    pub read: i64,
    pub write: i64,
}

/// What an index copies from the base item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProjectionSpec {
    All,
    KeysOnly,
    Include(Vec<String>),
}

/// A secondary index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexSpec {
    pub name: String,
    pub key_schema: KeySchema,
    pub projection: ProjectionSpec,
    /// Provisioned GSIs only.
    pub throughput: Option<Throughput>,
    /// A GSI's warm throughput, when one was asked for; `None` is the
    /// baseline (or its provisioned capacity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warm_throughput: Option<WarmThroughput>,
}

/// The view a stream records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StreamViewType {
    NewImage,
    OldImage,
    NewAndOldImages,
    KeysOnly,
}

impl StreamViewType {
    /// From the wire name.
    pub fn parse(s: &str) -> Option<StreamViewType> {
        match s {
            "NEW_IMAGE" => Some(StreamViewType::NewImage),
            "OLD_IMAGE" => Some(StreamViewType::OldImage),
            "NEW_AND_OLD_IMAGES" => Some(StreamViewType::NewAndOldImages),
            "KEYS_ONLY" => Some(StreamViewType::KeysOnly),
            _ => None,
        }
    }

    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            StreamViewType::NewImage => "NEW_IMAGE",
            StreamViewType::OldImage => "OLD_IMAGE",
            StreamViewType::NewAndOldImages => "NEW_AND_OLD_IMAGES",
            StreamViewType::KeysOnly => "KEYS_ONLY",
        }
    }
}

/// Warm throughput: the read and write units per second a table is ready
/// to serve at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarmThroughput {
    pub read: i64,
    pub write: i64,
}

impl From<Throughput> for WarmThroughput {
    fn from(t: Throughput) -> WarmThroughput {
        WarmThroughput { read: t.read, write: t.write }
    }
}

impl WarmThroughput {
    /// What every table (and index) has from its creation, and the least
    /// that can be asked for.
    pub const BASELINE: WarmThroughput = WarmThroughput { read: 12_000, write: 4_000 };

    /// Each unit at least its value in each of `others` that is given.
    fn raised_to<const N: usize>(self, others: [Option<WarmThroughput>; N]) -> WarmThroughput {
        others.into_iter().flatten().fold(self, |w, t| WarmThroughput { read: w.read.max(t.read), write: w.write.max(t.write) })
    }

    /// `current` raised to what `input` asks for (a missing unit keeps
    /// its value); refused when a unit would go down: warm throughput only
    /// grows. `whom` is `table` or `index <name>`, as the messages say.
    pub fn raise(current: WarmThroughput, input: &super::types::WarmThroughputInput, whom: &str) -> Result<WarmThroughput, String> {
        let next = WarmThroughput {
            read: input.read_units_per_second.unwrap_or(current.read),
            write: input.write_units_per_second.unwrap_or(current.write),
        };
        for (unit, want, cur) in [("ReadUnitsPerSecond", next.read, current.read), ("WriteUnitsPerSecond", next.write, current.write)] {
            if want < cur {
                return Err(format!(
                    "One or more parameter values were invalid: Requested {unit} for WarmThroughput for {whom} is lower than current WarmThroughput, decreasing WarmThroughput is not supported"
                ));
            }
        }
        Ok(next)
    }

    /// A new table's or GSI's WarmThroughput (`whom`: `table` or
    /// `index <name>`): at least the baseline on demand, or the provisioned
    /// capacity (`provisioned`) of a provisioned one.
    pub fn at_creation(
        input: &super::types::WarmThroughputInput,
        provisioned: Option<Throughput>,
        whom: &str,
    ) -> Result<WarmThroughput, String> {
        let floor = provisioned.map_or(Self::BASELINE, WarmThroughput::from);
        let next = WarmThroughput {
            read: input.read_units_per_second.unwrap_or(floor.read),
            write: input.write_units_per_second.unwrap_or(floor.write),
        };
        for (unit, capacity, want, min) in [
            ("ReadUnitsPerSecond", "ReadCapacityUnits", next.read, floor.read),
            ("WriteUnitsPerSecond", "WriteCapacityUnits", next.write, floor.write),
        ] {
            if want < min {
                let floor = match provisioned {
                    Some(_) => format!("{capacity} of ProvisionedThroughput"),
                    None => "initial throughput for OnDemand".to_owned(),
                };
                return Err(format!(
                    "One or more parameter values were invalid: Requested {unit} for WarmThroughput for {whom} is lower than {floor}"
                ));
            }
        }
        Ok(next)
    }
}

/// A validated table definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableSpec {
    pub name: String,
    pub key_schema: KeySchema,
    /// Attribute name → type, in request order.
    pub attribute_definitions: Vec<(String, ScalarType)>,
    pub billing_mode: BillingMode,
    /// Provisioned tables only.
    pub throughput: Option<Throughput>,
    pub local_secondary_indexes: Vec<IndexSpec>,
    pub global_secondary_indexes: Vec<IndexSpec>,
    /// Vector indexes (searched with SearchVectors).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vector_indexes: Vec<super::vector::VectorIndexSpec>,
    /// Stream view when a stream is enabled.
    pub stream: Option<StreamViewType>,
    pub sse_enabled: bool,
    pub sse_kms_key: Option<String>,
    pub table_class: Option<String>,
    /// The warm throughput asked for; `None` is the baseline every table has.
    #[serde(default)]
    pub warm_throughput: Option<WarmThroughput>,
    /// An on-demand table's request-unit ceilings (`OnDemandThroughput`),
    /// once set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_demand: Option<super::types::OnDemandThroughput>,
    pub deletion_protection: bool,
    /// Tags given at creation (the tag store is the source of truth later).
    pub tags: BTreeMap<String, String>,
}

/// What the catalog stores for a table: the spec plus facts fixed at
/// creation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableDefinition {
    pub spec: TableSpec,
    /// Stable id (`TableId`).
    pub table_id: String,
    /// How the table's partitions are placed in its key space (Scan's
    /// order and segments); fixed at creation. Definitions stored before
    /// DynamoDB's order was kept lack it and keep the first scheme.
    #[serde(default)]
    pub key_hash: crate::key_hash::KeyHash,
    /// Creation time, seconds since the epoch.
    pub created_at: f64,
    /// When billing last switched to on-demand, seconds since the epoch.
    #[serde(default)]
    pub pay_per_request_since: Option<f64>,
    /// Stream label (creation time of the current stream), if any.
    #[serde(default)]
    pub stream_label: Option<String>,
    /// Time to Live: the attribute holding expiry times, when enabled.
    #[serde(default)]
    pub ttl_attribute: Option<String>,
    /// When UpdateTimeToLive last changed the setting, seconds since the
    /// epoch (another change must wait half an hour).
    #[serde(default)]
    pub ttl_updated_at: Option<f64>,
    /// Last time provisioned throughput went up or down, seconds since the epoch.
    #[serde(default)]
    pub last_increase: Option<f64>,
    #[serde(default)]
    pub last_decrease: Option<f64>,
    /// The highest provisioned capacity the table has had (its warm
    /// throughput follows it).
    #[serde(default)]
    pub throughput_high_water: Option<Throughput>,
    /// Decreases made on the UTC day of the last one (the daily budget).
    #[serde(default)]
    pub decreases: Option<super::decreases::DecreaseCount>,
    /// Each global secondary index's throughput changes (its own budget).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub index_throughput: std::collections::BTreeMap<String, super::decreases::IndexThroughputHistory>,
    /// Global secondary indexes still being backfilled (IndexStatus
    /// CREATING, Backfilling true); not readable until they are ACTIVE.
    #[serde(default)]
    pub creating_indexes: Vec<String>,
    /// When UpdateTable last changed the table class, seconds since the epoch.
    #[serde(default)]
    pub table_class_updated_at: Option<f64>,
    /// When UpdateTable changed the table class within the last 30 days
    /// (two changes per 30 days).
    #[serde(default)]
    pub table_class_updates: Vec<f64>,
    /// Point-in-time recovery, when enabled.
    #[serde(default)]
    pub pitr: Option<PointInTimeRecovery>,
    /// Where the table's items came from, for a restored table.
    #[serde(default)]
    pub restore: Option<RestoreSummary>,
    /// Streams disabled within the last 24 hours: still listed and
    /// readable, as DynamoDB keeps them.
    #[serde(default)]
    pub past_streams: Vec<PastStream>,
    /// Resource-based policies: the table's under `""`, a stream's under
    /// its label.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub resource_policies: std::collections::BTreeMap<String, super::policy::ResourcePolicy>,
    /// Contributor Insights of the table (under `""`) and its GSIs, once
    /// configured.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub contributor_insights: std::collections::BTreeMap<String, super::insights::InsightsState>,
    /// The regions of a global table's replicas (version 2019.11.21),
    /// this table's own included, sorted; empty for a table of one region.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replicas: Vec<String>,
}

/// A disabled stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PastStream {
    pub label: String,
    pub view: StreamViewType,
    /// When it was disabled, seconds since the epoch.
    pub disabled_at: f64,
}

impl PastStream {
    /// How long a disabled stream stays readable.
    pub const KEPT_SECS: f64 = 24.0 * 60.0 * 60.0;
}

/// A restored table's origin (`RestoreSummary`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RestoreSummary {
    /// The ARN of the table restored from.
    pub source_table_arn: String,
    /// The point in time restored to, seconds since the epoch.
    pub restore_date_time: f64,
    /// The backup restored from, for RestoreTableFromBackup.
    #[serde(default)]
    pub source_backup_arn: Option<String>,
}

/// Point-in-time recovery of a table (UpdateContinuousBackups).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PointInTimeRecovery {
    /// When it was enabled, seconds since the epoch: nothing before can be
    /// restored.
    pub enabled_at: f64,
    /// How far back a restore may go (`RecoveryPeriodInDays`, 1 to 35).
    pub recovery_period_days: u32,
}

impl PointInTimeRecovery {
    /// DynamoDB's default and largest recovery period.
    pub const MAX_PERIOD_DAYS: u32 = 35;

    /// The earliest restorable time at `now` (seconds since the epoch).
    pub fn earliest(&self, now: f64) -> f64 {
        self.enabled_at.max(now - f64::from(self.recovery_period_days) * 86_400.0)
    }
}

impl IndexSpec {
    /// A global secondary index's warm throughput: what was asked for, at
    /// least the baseline and its provisioned capacity.
    pub fn warm(&self) -> WarmThroughput {
        WarmThroughput::BASELINE.raised_to([self.throughput.map(WarmThroughput::from), self.warm_throughput])
    }
}

impl TableDefinition {
    /// The table's warm throughput as DynamoDB reports it: an on-demand
    /// table (or one that ever was) has at least the baseline, a
    /// provisioned one the highest capacity it has had; WarmThroughput
    /// requests raise either.
    pub fn warm(&self) -> WarmThroughput {
        let ever_on_demand = self.spec.billing_mode == BillingMode::PayPerRequest || self.pay_per_request_since.is_some();
        let floor = if ever_on_demand { WarmThroughput::BASELINE } else { WarmThroughput { read: 1, write: 1 } };
        floor.raised_to([self.throughput_high_water.map(WarmThroughput::from), self.spec.warm_throughput])
    }

    /// A table as created from `spec` at `created_at`, before any change:
    /// no billing switch, stream label, TTL or throughput change recorded
    /// (the caller sets those that creation implies).
    pub fn new(table_id: String, created_at: f64, spec: TableSpec) -> TableDefinition {
        let throughput = spec.throughput;
        let mut def = TableDefinition {
            spec,
            table_id,
            key_hash: crate::key_hash::KeyHash::DynamoDb,
            created_at,
            pay_per_request_since: None,
            stream_label: None,
            ttl_attribute: None,
            ttl_updated_at: None,
            last_increase: None,
            last_decrease: None,
            throughput_high_water: None,
            decreases: None,
            index_throughput: std::collections::BTreeMap::new(),
            creating_indexes: Vec::new(),
            table_class_updated_at: None,
            table_class_updates: Vec::new(),
            pitr: None,
            restore: None,
            past_streams: Vec::new(),
            resource_policies: std::collections::BTreeMap::new(),
            contributor_insights: std::collections::BTreeMap::new(),
            replicas: Vec::new(),
        };
        def.throughput_high_water = throughput;
        def
    }
}
