//! Global tables, version 2019.11.21: UpdateTable's `ReplicaUpdates`
//! checked as DynamoDB checks them, the definition a new replica starts
//! from, which changes of one replica reach all of them, and the
//! `Replicas` list DescribeTable shows.
//!
//! A replica is a table of the same name in another region of the same
//! tenant. Every replica of a table lists all of their regions in
//! [`TableDefinition::replicas`]. Synchronized settings (billing mode and
//! capacity, Time to Live, secondary indexes) are changed in every replica
//! at once; tags, point-in-time recovery, resource policies, Contributor
//! Insights, deletion protection, table class and encryption stay
//! regional. Messages are DynamoDB's (ack-api-quirks' replica probes,
//! recorded against DynamoDB in 2026).

use serde_json::{json, Value};

use super::change::{stream_label, TableChange, TableUpdate};
use super::spec::{BillingMode, StreamViewType, TableDefinition};

/// `GlobalTableVersion` of a table with replicas.
pub const GLOBAL_TABLE_VERSION: &str = "2019.11.21";

/// `GlobalTableSettingsReplicationMode` of a global table (and of each of
/// its replicas): synchronized settings follow, regional ones may differ.
pub const SETTINGS_REPLICATION_MODE: &str = "ENABLED_WITH_OVERRIDES";

/// A replica asked for on a provisioned table (Dynastore has no
/// Application Auto Scaling, so no provisioned table is auto scaled).
pub const WRITE_CAPACITY_NOT_ON_DEMAND: &str = "Table write capacity should either be Pay-Per-Request or AutoScaled.";

/// A replica's stream cannot be turned off (replication reads it).
pub const NOT_REPLICATED_STREAM: &str = "Disabling Stream is not allowed for a Global Table replica.";

const LOCAL_REGION: &str =
    "Cannot add or delete the local region through ReplicaUpdates. Use CreateTable, DeleteTable, or UpdateTable as required.";
const NO_ACTIONS: &str = "There are no actions specified in the Replica Update Action of the request.";
const TWO_CREATES_OR_DELETES: &str = "Update table operation with more than one create or delete replica actions not allowed";
const TWO_KINDS: &str = "Update table operation with more than one type of replica actions not allowed.";

/// One validated element of `ReplicaUpdates`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplicaAction {
    /// Add a replica in `region`, optionally with its own table class and
    /// KMS key.
    Create {
        region: String,
        table_class: Option<String>,
        kms_key: Option<String>,
    },
    /// Remove the replica in `region` (its table is deleted).
    Delete { region: String },
    /// Change the replica in `region`: its table class.
    Update { region: String, table_class: String },
}

impl ReplicaAction {
    /// The region the action is about.
    pub fn region(&self) -> &str {
        match self {
            ReplicaAction::Create { region, .. } | ReplicaAction::Delete { region } | ReplicaAction::Update { region, .. } => region,
        }
    }

    /// Checks a non-empty `ReplicaUpdates` list of a request signed for
    /// `local`: at most one Create or Delete (repeats of one are one), not
    /// mixed with Updates, never of the local region.
    pub fn parse(updates: &[Value], local: &str) -> Result<Vec<ReplicaAction>, String> {
        let mut out: Vec<ReplicaAction> = Vec::new();
        for (i, u) in updates.iter().enumerate() {
            let at = i + 1;
            let kinds: Vec<&str> = ["Create", "Update", "Delete"].into_iter().filter(|k| u.get(*k).is_some_and(|v| !v.is_null())).collect();
            let action = match kinds.as_slice() {
                [] => return Err(NO_ACTIONS.into()),
                [kind] => parse_one(kind, &u[*kind], at)?,
                _ => return Err(TWO_KINDS.into()),
            };
            if !matches!(action, ReplicaAction::Update { .. }) && action.region() == local {
                return Err(LOCAL_REGION.into());
            }
            if !out.contains(&action) {
                out.push(action);
            }
        }
        let updates = out.iter().filter(|a| matches!(a, ReplicaAction::Update { .. })).count();
        if updates > 0 && updates < out.len() {
            return Err(TWO_KINDS.into());
        }
        if updates == 0 && out.len() > 1 {
            return Err(TWO_CREATES_OR_DELETES.into());
        }
        Ok(out)
    }
}

fn parse_one(kind: &str, body: &Value, at: usize) -> Result<ReplicaAction, String> {
    let member = kind.to_ascii_lowercase();
    let region = match body.get("RegionName") {
        Some(Value::String(r)) => r.clone(),
        _ => {
            return Err(format!(
                "1 validation error detected: Value null at 'replicaUpdates.{at}.member.{member}.regionName' failed to satisfy constraint: Member must not be null"
            ))
        }
    };
    let text = |name: &str| body.get(name).and_then(Value::as_str).map(str::to_owned);
    // Capacity overrides: a replica shares its table's capacity here.
    for unserved in ["ProvisionedThroughputOverride", "OnDemandThroughputOverride", "GlobalSecondaryIndexes"] {
        if body.get(unserved).is_some_and(|v| !v.is_null()) {
            return Err(format!(
                "One or more parameter values were invalid: {unserved} is not available: replicas share their table's capacity settings"
            ));
        }
    }
    super::constraints::check_table_class(body.get("TableClassOverride").and_then(Value::as_str))?;
    match kind {
        "Create" => Ok(ReplicaAction::Create {
            region,
            table_class: text("TableClassOverride"),
            kms_key: text("KMSMasterKeyId"),
        }),
        "Delete" => Ok(ReplicaAction::Delete { region }),
        _ => {
            if body.get("KMSMasterKeyId").is_some_and(|v| !v.is_null()) {
                return Err("One or more parameter values were invalid: KMSMasterKeyId cannot be changed through ReplicaUpdates; use SSESpecification in the replica's region".into());
            }
            match text("TableClassOverride") {
                Some(table_class) => Ok(ReplicaAction::Update { region, table_class }),
                None => Err(NO_ACTIONS.into()),
            }
        }
    }
}

/// The refusal of a Delete or Update naming a region that holds no
/// replica of the table.
pub fn not_a_replica(region: &str) -> String {
    format!(
        "Update global table operation failed because one or more replicas were not part of the global table. Please retry the request without these replicas: [{region}]."
    )
}

/// The refusal of a Create naming a region that already holds the table.
pub fn already_exists(name: &str) -> String {
    format!("Failed to create a the new replica of table with name: '{name}' because one or more replicas already existed as tables.")
}

impl TableDefinition {
    /// Checks that a replica may be added to this table: on-demand
    /// billing (no provisioned table is auto scaled here).
    pub fn check_replicable(&self) -> Result<(), String> {
        if self.spec.billing_mode == BillingMode::Provisioned {
            return Err(WRITE_CAPACITY_NOT_ON_DEMAND.into());
        }
        Ok(())
    }

    /// Turns the stream on (new and old images) if it is off, as adding
    /// a replica does; a stream already on keeps its view type.
    pub fn ensure_stream(&mut self, now: f64) {
        if self.spec.stream.is_none() {
            self.spec.stream = Some(StreamViewType::NewAndOldImages);
            self.stream_label = Some(stream_label(now));
        }
    }
}

/// The definition of a new replica of `source` (whose stream is on):
/// the same schema, indexes, billing, capacity and Time to Live, its own
/// `table_id`, creation time and stream; none of the source's regional
/// settings (tags, recovery, policies, insights, deletion protection).
pub fn replica_definition(
    source: &TableDefinition,
    table_id: String,
    created_at: f64,
    table_class: Option<String>,
    kms_key: Option<String>,
) -> TableDefinition {
    let mut spec = source.spec.clone();
    spec.tags.clear();
    spec.deletion_protection = false;
    if table_class.is_some() {
        spec.table_class = table_class;
    }
    if kms_key.is_some() {
        spec.sse_kms_key = kms_key;
    }
    let mut def = TableDefinition::new(table_id, created_at, spec);
    // The replicas share one copy of the items: the layout must match.
    def.key_hash = source.key_hash;
    def.pay_per_request_since = (def.spec.billing_mode == BillingMode::PayPerRequest).then_some(created_at);
    def.stream_label = def.spec.stream.map(|_| stream_label(created_at));
    def.ttl_attribute = source.ttl_attribute.clone();
    def.ttl_updated_at = source.ttl_updated_at;
    def.throughput_high_water = source.throughput_high_water;
    def.index_throughput = source.index_throughput.clone();
    def.creating_indexes = source.creating_indexes.clone();
    def.replicas = source.replicas.clone();
    def
}

impl TableChange {
    /// The part of this change that every replica of a global table
    /// takes: capacity and billing, secondary indexes, Time to Live, an
    /// index becoming ACTIVE. `None` when the change is regional only.
    pub fn synchronized(&self) -> Option<TableChange> {
        match self {
            TableChange::TimeToLive { .. } | TableChange::IndexReady(_) => Some(self.clone()),
            TableChange::Update(u) => {
                let shared = TableUpdate {
                    billing_mode: u.billing_mode,
                    throughput: u.throughput,
                    gsi: u.gsi.clone(),
                    vector: u.vector.clone(),
                    warm_throughput: u.warm_throughput,
                    on_demand: u.on_demand,
                    ..TableUpdate::default()
                };
                (shared != TableUpdate::default()).then_some(TableChange::Update(shared))
            }
            _ => None,
        }
    }
}

/// DescribeTable's `Replicas`: every replica but the one described, each
/// listing the table's global secondary indexes (by name: no replica has
/// overrides of its own here).
pub(super) fn describe(def: &TableDefinition, own_region: &str) -> Value {
    let indexes: Vec<Value> = def.spec.global_secondary_indexes.iter().map(|i| json!({"IndexName": i.name})).collect();
    Value::Array(
        def.replicas
            .iter()
            .filter(|r| *r != own_region)
            .map(|r| {
                let mut replica = json!({
                    "RegionName": r,
                    "ReplicaStatus": "ACTIVE",
                    "GlobalTableSettingsReplicationMode": SETTINGS_REPLICATION_MODE,
                });
                if let (false, Some(obj)) = (indexes.is_empty(), replica.as_object_mut()) {
                    obj.insert("GlobalSecondaryIndexes".into(), Value::Array(indexes.clone()));
                }
                replica
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: Value) -> Result<Vec<ReplicaAction>, String> {
        ReplicaAction::parse(v.as_array().expect("array"), "us-east-1")
    }

    #[test]
    fn one_create_or_delete_per_request() {
        assert_eq!(
            parse(json!([{"Create": {"RegionName": "eu-west-1"}}, {"Create": {"RegionName": "eu-west-1"}}])).unwrap(),
            [ReplicaAction::Create { region: "eu-west-1".into(), table_class: None, kms_key: None }],
            "a repeated Create is one"
        );
        assert_eq!(
            parse(json!([{"Create": {"RegionName": "eu-west-1"}}, {"Delete": {"RegionName": "eu-west-2"}}])).unwrap_err(),
            TWO_CREATES_OR_DELETES
        );
        assert_eq!(
            parse(json!([{"Delete": {"RegionName": "eu-west-1"}}, {"Update": {"RegionName": "eu-west-2", "TableClassOverride": "STANDARD"}}]))
                .unwrap_err(),
            TWO_KINDS
        );
        assert_eq!(parse(json!([{"Create": {"RegionName": "us-east-1"}}])).unwrap_err(), LOCAL_REGION);
        assert_eq!(parse(json!([{"Update": {"RegionName": "eu-west-1"}}])).unwrap_err(), NO_ACTIONS);
        assert_eq!(parse(json!([{}])).unwrap_err(), NO_ACTIONS);
        assert!(parse(json!([{"Delete": {}}])).unwrap_err().contains("'replicaUpdates.1.member.delete.regionName'"));
        assert!(parse(json!([{"Create": {"RegionName": "eu-west-1", "ProvisionedThroughputOverride": {"ReadCapacityUnits": 1}}}]))
            .unwrap_err()
            .contains("ProvisionedThroughputOverride"));
    }

    #[test]
    fn regional_settings_stay_in_their_region() {
        let update = TableChange::Update(TableUpdate {
            deletion_protection: Some(true),
            table_class: Some("STANDARD".into()),
            billing_mode: Some(BillingMode::PayPerRequest),
            ..TableUpdate::default()
        });
        assert_eq!(
            update.synchronized(),
            Some(TableChange::Update(TableUpdate { billing_mode: Some(BillingMode::PayPerRequest), ..TableUpdate::default() }))
        );
        let regional = TableChange::Update(TableUpdate { deletion_protection: Some(true), ..TableUpdate::default() });
        assert_eq!(regional.synchronized(), None);
        assert_eq!(TableChange::Tag(Default::default()).synchronized(), None);
        let ttl = TableChange::TimeToLive { enabled: true, attribute_name: "exp".into() };
        assert_eq!(ttl.synchronized(), Some(ttl));
    }
}
