//! `TableDescription` as DynamoDB renders it in CreateTable, DescribeTable,
//! UpdateTable and DeleteTable responses.

use serde_json::{json, Map, Value};

use super::spec::{BillingMode, IndexSpec, KeySchema, ProjectionSpec, TableDefinition, Throughput, WarmThroughput};

/// Where the table lives, for its ARNs.
#[derive(Debug, Clone, Copy)]
pub struct Location<'a> {
    /// The ARN partition of the region (`aws`, `aws-cn`, `aws-us-gov`, …).
    pub partition: &'a str,
    pub region: &'a str,
    pub account_id: &'a str,
}

/// Sizes measured by the engine: the table's, and each index's by name
/// (indexes not listed report zero).
#[derive(Debug, Clone, Default)]
pub struct Usage {
    pub item_count: u64,
    pub size_bytes: u64,
    pub indexes: std::collections::BTreeMap<String, (u64, u64)>,
}

impl Usage {
    fn index(&self, name: &str) -> Usage {
        let (item_count, size_bytes) = self.indexes.get(name).copied().unwrap_or_default();
        Usage {
            item_count,
            size_bytes,
            indexes: std::collections::BTreeMap::new(),
        }
    }
}

impl Location<'_> {
    /// The table's ARN.
    pub fn table_arn(&self, table: &str) -> String {
        format!(
            "arn:{}:dynamodb:{}:{}:table/{table}",
            self.partition, self.region, self.account_id
        )
    }
}

/// `SSEDescription` of a table encrypted with a KMS key: `key`, or the
/// account's DynamoDB-managed key (`aws/dynamodb`) when none was named.
pub fn sse_description(key: Option<&str>, status: &str, loc: Location<'_>) -> Value {
    let arn = key.map_or_else(|| managed_kms_key_arn(loc), str::to_owned);
    json!({"Status": status, "SSEType": "KMS", "KMSMasterKeyArn": arn})
}

/// The ARN of the account's DynamoDB-managed KMS key: a key id in UUID
/// form, as KMS names keys, that stays the same for an account and region.
pub fn managed_kms_key_arn(loc: Location<'_>) -> String {
    // FNV-1a, twice with different offsets, for 128 stable bits.
    let fnv = |offset: u64| {
        let seed = format!("{}/{}/aws/dynamodb", loc.account_id, loc.region);
        seed.bytes().fold(offset, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
    };
    let (hi, lo) = (fnv(0xcbf2_9ce4_8422_2325), fnv(0x6c62_272e_07bb_0142));
    // Version 4 and the RFC 4122 variant, so it reads as a random UUID.
    let hi = (hi & !0xf000) | 0x4000;
    let lo = (lo & !(0xc << 60)) | (0x8 << 60);
    format!(
        "arn:{}:kms:{}:{}:key/{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        loc.partition,
        loc.region,
        loc.account_id,
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xffff,
        lo >> 48,
        lo & 0xffff_ffff_ffff
    )
}

fn key_schema_json(ks: &KeySchema) -> Value {
    let mut v: Vec<Value> =
        ks.hash_attrs().iter().map(|h| json!({"AttributeName": h.name, "KeyType": "HASH"})).collect();
    v.extend(ks.range_attrs().iter().map(|r| json!({"AttributeName": r.name, "KeyType": "RANGE"})));
    Value::Array(v)
}

pub(super) fn projection_json(p: &ProjectionSpec) -> Value {
    match p {
        ProjectionSpec::All => json!({"ProjectionType": "ALL"}),
        ProjectionSpec::KeysOnly => json!({"ProjectionType": "KEYS_ONLY"}),
        ProjectionSpec::Include(attrs) => {
            // DynamoDB answers them sorted by name.
            let mut sorted: Vec<&String> = attrs.iter().collect();
            sorted.sort_unstable();
            json!({"ProjectionType": "INCLUDE", "NonKeyAttributes": sorted})
        }
    }
}

/// The clock the decrease counters are read at.
fn now_secs() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

fn throughput_json(t: Option<Throughput>) -> Value {
    let t = t.unwrap_or(Throughput { read: 0, write: 0 });
    json!({
        "NumberOfDecreasesToday": 0,
        "ReadCapacityUnits": t.read,
        "WriteCapacityUnits": t.write,
    })
}

/// A `WarmThroughput` description: changes take effect at once here, so
/// its status is always ACTIVE.
fn warm_json(w: WarmThroughput) -> Value {
    json!({"ReadUnitsPerSecond": w.read, "WriteUnitsPerSecond": w.write, "Status": "ACTIVE"})
}

/// Where a global secondary index is in its life.
#[derive(Clone, Copy, PartialEq, Eq)]
enum IndexState {
    Active,
    /// Created with its table (the table is CREATING).
    CreatedWithTable,
    /// Added to an existing table, its items being backfilled.
    Backfilling,
}

fn index_json(
    i: &IndexSpec,
    table_arn: &str,
    global: Option<&super::decreases::IndexThroughputHistory>,
    state: IndexState,
    usage: Usage,
) -> Value {
    let mut m = Map::new();
    m.insert("IndexName".into(), json!(i.name));
    m.insert("KeySchema".into(), key_schema_json(&i.key_schema));
    m.insert("Projection".into(), projection_json(&i.projection));
    if let Some(history) = global {
        m.insert("IndexStatus".into(), json!(if state == IndexState::Active { "ACTIVE" } else { "CREATING" }));
        if state == IndexState::Backfilling {
            m.insert("Backfilling".into(), json!(true));
        }
        let mut pt = throughput_json(i.throughput);
        if let Some(obj) = pt.as_object_mut() {
            obj.insert("NumberOfDecreasesToday".into(), json!(history.decreases_today(now_secs())));
            if let Some(t) = history.last_increase {
                obj.insert("LastIncreaseDateTime".into(), json!(t));
            }
            if let Some(t) = history.last_decrease {
                obj.insert("LastDecreaseDateTime".into(), json!(t));
            }
        }
        m.insert("ProvisionedThroughput".into(), pt);
        m.insert("WarmThroughput".into(), warm_json(i.warm()));
    }
    m.insert("IndexSizeBytes".into(), json!(usage.size_bytes));
    m.insert("ItemCount".into(), json!(usage.item_count));
    m.insert("IndexArn".into(), json!(format!("{table_arn}/index/{}", i.name)));
    Value::Object(m)
}

/// `ContinuousBackupsDescription` at `now` (seconds since the epoch):
/// continuous backups are always on; point-in-time recovery reports its
/// window while enabled. The change log is written as the change is made,
/// so the latest restorable time is now.
pub fn continuous_backups(def: &TableDefinition, now: f64) -> Value {
    let pitr = match def.pitr {
        Some(p) => json!({
            "PointInTimeRecoveryStatus": "ENABLED",
            "RecoveryPeriodInDays": p.recovery_period_days,
            "EarliestRestorableDateTime": p.earliest(now),
            "LatestRestorableDateTime": now.max(p.enabled_at),
        }),
        None => json!({ "PointInTimeRecoveryStatus": "DISABLED" }),
    };
    json!({ "ContinuousBackupsStatus": "ENABLED", "PointInTimeRecoveryDescription": pitr })
}

/// DeleteTable's `TableDescription`: the description without the schema
/// (`KeySchema`, `AttributeDefinitions`, the indexes) and without
/// `CreationDateTime`, as the service answers.
pub fn describe_deleted(def: &TableDefinition, loc: Location<'_>) -> Value {
    let mut v = describe(def, "DELETING", loc, Usage::default());
    if let Value::Object(m) = &mut v {
        for member in ["KeySchema", "AttributeDefinitions", "GlobalSecondaryIndexes", "LocalSecondaryIndexes", "CreationDateTime"] {
            m.remove(member);
        }
    }
    v
}

/// Renders the description of `def` in `status`.
pub fn describe(def: &TableDefinition, status: &str, loc: Location<'_>, usage: Usage) -> Value {
    let spec = &def.spec;
    let arn = loc.table_arn(&spec.name);
    let mut m = Map::new();
    // Sorted by name, as DynamoDB answers them (indexes keep their order).
    let mut definitions: Vec<&(String, super::spec::ScalarType)> = spec.attribute_definitions.iter().collect();
    definitions.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    m.insert(
        "AttributeDefinitions".into(),
        Value::Array(
            definitions
                .into_iter()
                .map(|(n, t)| json!({"AttributeName": n, "AttributeType": t.as_str()}))
                .collect(),
        ),
    );
    m.insert("TableName".into(), json!(spec.name));
    m.insert("KeySchema".into(), key_schema_json(&spec.key_schema));
    m.insert("TableStatus".into(), json!(status));
    m.insert("CreationDateTime".into(), json!(def.created_at));
    let mut pt = throughput_json(spec.throughput);
    if let Some(obj) = pt.as_object_mut() {
        obj.insert("NumberOfDecreasesToday".into(), json!(def.decreases_today(now_secs())));
        if let Some(t) = def.last_increase {
            obj.insert("LastIncreaseDateTime".into(), json!(t));
        }
        if let Some(t) = def.last_decrease {
            obj.insert("LastDecreaseDateTime".into(), json!(t));
        }
    }
    m.insert("ProvisionedThroughput".into(), pt);
    m.insert("TableSizeBytes".into(), json!(usage.size_bytes));
    m.insert("ItemCount".into(), json!(usage.item_count));
    m.insert("TableArn".into(), json!(arn));
    m.insert("TableId".into(), json!(def.table_id));
    // Only while the restored table is being created, as in DynamoDB:
    // an ACTIVE table carries no trace of where its items came from.
    if let Some(r) = def.restore.as_ref().filter(|_| status == "CREATING") {
        let mut summary = json!({
            "SourceTableArn": r.source_table_arn,
            "RestoreDateTime": r.restore_date_time,
            "RestoreInProgress": true,
        });
        if let (Some(arn), Some(obj)) = (&r.source_backup_arn, summary.as_object_mut()) {
            obj.insert("SourceBackupArn".into(), json!(arn));
        }
        m.insert("RestoreSummary".into(), summary);
    }
    // A table that has been on demand reports its billing mode (and when
    // it last went on demand) from then on, whatever the mode; one always
    // provisioned reports none ("You may need to switch to on-demand mode
    // at least once in order to return a BillingModeSummary response").
    let on_demand = spec.billing_mode == BillingMode::PayPerRequest;
    if on_demand || def.pay_per_request_since.is_some() {
        m.insert(
            "BillingModeSummary".into(),
            json!({
                "BillingMode": if on_demand { "PAY_PER_REQUEST" } else { "PROVISIONED" },
                "LastUpdateToPayPerRequestDateTime": def.pay_per_request_since.unwrap_or(def.created_at),
            }),
        );
    }
    if !spec.local_secondary_indexes.is_empty() {
        m.insert(
            "LocalSecondaryIndexes".into(),
            Value::Array(
                spec.local_secondary_indexes
                    .iter()
                    .map(|i| index_json(i, &arn, None, IndexState::Active, usage.index(&i.name)))
                    .collect(),
            ),
        );
    }
    if !spec.global_secondary_indexes.is_empty() {
        m.insert(
            "GlobalSecondaryIndexes".into(),
            Value::Array(
                spec.global_secondary_indexes
                    .iter()
                    .map(|i| {
                        let history = def.index_throughput.get(&i.name).copied().unwrap_or_default();
                        // A table being created creates its indexes with it
                        // (nothing to backfill); an index added later backfills.
                        let state = if status == "CREATING" {
                            IndexState::CreatedWithTable
                        } else if def.creating_indexes.contains(&i.name) {
                            IndexState::Backfilling
                        } else {
                            IndexState::Active
                        };
                        index_json(i, &arn, Some(&history), state, usage.index(&i.name))
                    })
                    .collect(),
            ),
        );
    }
    if !spec.vector_indexes.is_empty() {
        m.insert(
            "VectorIndexes".into(),
            Value::Array(
                spec.vector_indexes
                    .iter()
                    .map(|v| {
                        let u = usage.index(&v.name);
                        let backfilling = def.creating_indexes.contains(&v.name);
                        super::vector::describe(v, &arn, backfilling, u.item_count, u.size_bytes)
                    })
                    .collect(),
            ),
        );
    }
    if let Some(view) = spec.stream.filter(|_| def.stream_label.is_some()) {
        m.insert(
            "StreamSpecification".into(),
            json!({"StreamEnabled": true, "StreamViewType": view.as_str()}),
        );
    }
    // The latest stream stays named after it is disabled, as in DynamoDB.
    if let Some(label) = &def.stream_label {
        m.insert("LatestStreamLabel".into(), json!(label));
        m.insert("LatestStreamArn".into(), json!(format!("{arn}/stream/{label}")));
    }
    if spec.sse_enabled {
        m.insert("SSEDescription".into(), sse_description(spec.sse_kms_key.as_deref(), "ENABLED", loc));
    }
    if let Some(class) = &spec.table_class {
        let mut summary = json!({"TableClass": class});
        if let (Some(t), Some(obj)) = (def.table_class_updated_at, summary.as_object_mut()) {
            obj.insert("LastUpdateDateTime".into(), json!(t));
        }
        m.insert("TableClassSummary".into(), summary);
    }
    if let Some(o) = &spec.on_demand {
        m.insert("OnDemandThroughput".into(), json!(o));
    }
    m.insert("WarmThroughput".into(), warm_json(def.warm()));
    m.insert("DeletionProtectionEnabled".into(), json!(spec.deletion_protection));
    if !def.replicas.is_empty() {
        m.insert("GlobalTableVersion".into(), json!(super::replicas::GLOBAL_TABLE_VERSION));
        m.insert("GlobalTableSettingsReplicationMode".into(), json!(super::replicas::SETTINGS_REPLICATION_MODE));
        m.insert("Replicas".into(), super::replicas::describe(def, loc.region));
    }
    Value::Object(m)
}
