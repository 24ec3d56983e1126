//! Changes to an existing table — UpdateTable, UpdateTimeToLive,
//! UpdateContinuousBackups, TagResource, UntagResource — applied to a [`TableDefinition`] with
//! DynamoDB's rules and messages. The control plane applies them under a
//! row lock, so the checks see the current definition.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::spec::{BillingMode, KeySchema, StreamViewType, TableDefinition, Throughput};

/// UpdateTable without anything to change.
pub(super) const NO_CHANGE: &str = "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates, SSESpecification, ReplicaUpdates, MultiAccountReplicaReady, ReplicaTransitRoleArn, MultiRegionConsistency, DeletionProtectionEnabled, OnDemandThroughput, WarmThroughput or TableClass is required";

/// Most tags one resource may carry.
pub const MAX_TAGS: usize = 50;

/// One change to a table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TableChange {
    /// Add or overwrite tags.
    Tag(BTreeMap<String, String>),
    /// Remove tags by key.
    Untag(Vec<String>),
    /// Enable (with the attribute) or disable Time to Live.
    TimeToLive { enabled: bool, attribute_name: String },
    /// Enable (for a recovery period in days, when given) or disable
    /// point-in-time recovery.
    PointInTimeRecovery { enabled: bool, recovery_period_days: Option<u32> },
    /// The settings UpdateTable changes.
    Update(TableUpdate),
    /// A backfilled global secondary index becomes ACTIVE.
    IndexReady(String),
    /// The table's items were restored from another table's history.
    Restored(super::spec::RestoreSummary),
    /// Attach (`document`) or remove (`None`) the resource-based policy of
    /// the table or one of its streams (`arn`, for the audit log), if
    /// `expected_revision` matches.
    ResourcePolicy {
        target: super::policy::PolicyTarget,
        arn: String,
        document: Option<String>,
        expected_revision: Option<String>,
    },
    /// UpdateContributorInsights on the table (`index` `None`) or a GSI.
    ContributorInsights { index: Option<String>, enable: bool, mode: Option<String> },
}

/// One element of UpdateTable's `GlobalSecondaryIndexUpdates`, validated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum GsiUpdate {
    /// Create an index (backfilled online); `definitions` are the request's
    /// AttributeDefinitions for its keys.
    Create {
        index: super::spec::IndexSpec,
        definitions: Vec<(String, super::spec::ScalarType)>,
    },
    /// Delete an index.
    Delete(String),
    /// Change a provisioned index's throughput.
    Throughput(String, Throughput),
    /// Raise an index's warm throughput.
    Warm(String, super::types::WarmThroughputInput),
    /// An update naming an index without provisioned throughput (only
    /// warm or on-demand throughput, or nothing).
    Unsupported(String),
}

/// The global secondary index an Update names: refused for an LSI's name,
/// not found for another.
fn updated_gsi<'s>(spec: &'s mut super::spec::TableSpec, name: &str) -> Result<&'s mut super::spec::IndexSpec, ChangeError> {
    if spec.local_secondary_indexes.iter().any(|i| i.name == name) {
        return Err(err(format!("Cannot update an index that is not a GlobalSecondaryIndex: {name}")));
    }
    let table = &spec.name;
    spec.global_secondary_indexes
        .iter_mut()
        .find(|i| i.name == name)
        .ok_or_else(|| ChangeError::NotFound(format!("Requested resource not found: Index {name} for table {table}")))
}

impl GsiUpdate {
    /// The index the update names.
    pub fn index_name(&self) -> &str {
        match self {
            GsiUpdate::Create { index, .. } => &index.name,
            GsiUpdate::Delete(n) | GsiUpdate::Throughput(n, _) | GsiUpdate::Warm(n, _) | GsiUpdate::Unsupported(n) => n,
        }
    }
}

/// One element of UpdateTable's `VectorIndexUpdates`, checked against the
/// table when applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum VectorUpdate {
    /// Create a vector index; `definitions` are the request's
    /// AttributeDefinitions.
    Create {
        index: super::vector::VectorIndexInput,
        definitions: Vec<(String, super::spec::ScalarType)>,
    },
    /// Delete a vector index.
    Delete(String),
}

/// What an UpdateTable request asks for (member constraints already checked).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TableUpdate {
    pub billing_mode: Option<BillingMode>,
    pub throughput: Option<Throughput>,
    pub deletion_protection: Option<bool>,
    pub table_class: Option<String>,
    /// `Some(None)` disables the stream; `Some(Some(v))` enables it.
    /// (Serialized as absent, `null` and the view type, so `Some(None)`
    /// survives the trip to the control plane.)
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    pub stream: Option<Option<StreamViewType>>,
    /// Global secondary index changes.
    #[serde(default)]
    pub gsi: Vec<GsiUpdate>,
    /// Vector index changes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vector: Vec<VectorUpdate>,
    /// A higher warm throughput.
    #[serde(default)]
    pub warm_throughput: Option<super::types::WarmThroughputInput>,
    /// New on-demand request-unit ceilings (a unit not given keeps its value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_demand: Option<super::types::OnDemandThroughput>,
    /// Server-side encryption: `Some((true, key))` uses a KMS key (the
    /// given one or the service's); `Some((false, _))` goes back to the
    /// key DynamoDB owns.
    #[serde(default)]
    pub sse: Option<(bool, Option<String>)>,
}

/// A member that is present (possibly `null`) deserializes to `Some`.
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A refused change, with the DynamoDB error it maps to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChangeError {
    /// ValidationException
    #[error("{0}")]
    Validation(String),
    /// LimitExceededException
    #[error("{0}")]
    LimitExceeded(String),
    /// ResourceNotFoundException
    #[error("{0}")]
    NotFound(String),
    /// PolicyNotFoundException
    #[error("{0}")]
    PolicyNotFound(String),
}

impl ChangeError {
    /// The DynamoDB error name.
    pub const fn code(&self) -> &'static str {
        match self {
            ChangeError::Validation(_) => "ValidationException",
            ChangeError::LimitExceeded(_) => "LimitExceededException",
            ChangeError::NotFound(_) => "ResourceNotFoundException",
            ChangeError::PolicyNotFound(_) => "PolicyNotFoundException",
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        match self {
            ChangeError::Validation(m)
            | ChangeError::LimitExceeded(m)
            | ChangeError::NotFound(m)
            | ChangeError::PolicyNotFound(m) => m,
        }
    }
}

/// How long after a Time to Live change another one is refused: the API
/// Reference says up to an hour; DynamoDB was observed to lift it after
/// about 30 minutes (a 2026 catalogue of its messages, and Alternator's
/// test_ttl).
const TTL_CHANGE_INTERVAL_SECS: f64 = 1800.0;

/// A key schema as DynamoDB prints it in the redefinition message:
/// `Schema:[SchemaElement: key{xyz:S:HASH}]`.
fn schema_text(ks: &KeySchema) -> String {
    let hash = ks.hash_attrs().into_iter().map(|a| (a, "HASH"));
    let range = ks.range_attrs().into_iter().map(|a| (a, "RANGE"));
    let elements: Vec<String> = hash
        .chain(range)
        .map(|(a, kind)| format!("SchemaElement: key{{{}:{}:{kind}}}", a.name, a.ty.as_str()))
        .collect();
    format!("Schema:[{}]", elements.join(", "))
}

fn err(msg: impl Into<String>) -> ChangeError {
    ChangeError::Validation(msg.into())
}

const ONE_INDEX_AT_A_TIME: &str =
    "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table";

impl TableDefinition {
    /// Applies `change` at time `now` (seconds since the epoch).
    pub fn apply(&mut self, change: &TableChange, now: f64) -> Result<(), ChangeError> {
        match change {
            TableChange::Tag(tags) => {
                let mut merged = self.spec.tags.clone();
                merged.extend(tags.iter().map(|(k, v)| (k.clone(), v.clone())));
                if merged.len() > MAX_TAGS {
                    return Err(err("Number of Tags exceed the current limit for the provided ResourceArn"));
                }
                self.spec.tags = merged;
            }
            TableChange::Untag(keys) => {
                for k in keys {
                    self.spec.tags.remove(k);
                }
            }
            TableChange::TimeToLive {
                enabled,
                attribute_name,
            } => match (&self.ttl_attribute, enabled) {
                (Some(current), true) if current != attribute_name => {
                    return Err(err(format!(
                        "TimeToLive is active on a different AttributeName: current AttributeName is {current}"
                    )))
                }
                (Some(_), true) => return Err(err("TimeToLive is already enabled")),
                (None, false) => return Err(err("TimeToLive is already disabled")),
                (Some(current), false) if current != attribute_name => {
                    return Err(err(format!(
                        "TimeToLive is active on a different AttributeName: current AttributeName is {current}"
                    )))
                }
                // A change soon after the last one is refused
                // (UpdateTimeToLive in the API Reference: "Any additional
                // UpdateTimeToLive calls for the same table during this one
                // hour duration result in a ValidationException").
                _ if self.ttl_updated_at.is_some_and(|at| now - at < TTL_CHANGE_INTERVAL_SECS) => {
                    return Err(err("Time to live has been modified multiple times within a fixed interval"))
                }
                (_, true) => {
                    self.ttl_attribute = Some(attribute_name.clone());
                    self.ttl_updated_at = Some(now);
                }
                (_, false) => {
                    self.ttl_attribute = None;
                    self.ttl_updated_at = Some(now);
                }
            },
            TableChange::PointInTimeRecovery { enabled, recovery_period_days } => {
                self.pitr = enabled.then(|| super::spec::PointInTimeRecovery {
                    // Re-enabling keeps the history already recorded.
                    enabled_at: self.pitr.map_or(now, |p| p.enabled_at),
                    recovery_period_days: recovery_period_days
                        .or(self.pitr.map(|p| p.recovery_period_days))
                        .unwrap_or(super::spec::PointInTimeRecovery::MAX_PERIOD_DAYS),
                });
            }
            TableChange::Update(u) => self.update(u, now)?,
            TableChange::IndexReady(name) => self.creating_indexes.retain(|n| n != name),
            TableChange::Restored(summary) => self.restore = Some(summary.clone()),
            TableChange::ResourcePolicy { target, document, expected_revision, .. } => {
                self.set_resource_policy(target, document.as_deref(), expected_revision.as_deref(), now)?;
            }
            TableChange::ContributorInsights { index, enable, mode } => {
                self.update_insights(index.as_deref(), *enable, mode.as_deref(), now)?;
            }
        }
        Ok(())
    }

    /// Applies index updates; `mode` is the table's billing mode once the
    /// request is applied (a switch to provisioned brings every index's
    /// throughput in the same request).
    /// Creates or deletes a vector index (one per call, and not with a
    /// global secondary index change: one online index operation at a
    /// time).
    fn apply_vector(&mut self, updates: &[VectorUpdate], with_gsi: bool, mode: BillingMode) -> Result<(), ChangeError> {
        // A vector index still being created may be deleted (cancelled);
        // anything else waits for it.
        let cancels = |u: &VectorUpdate| matches!(u, VectorUpdate::Delete(n) if self.creating_indexes.contains(n));
        let busy = !self.creating_indexes.is_empty() && !updates.iter().all(cancels);
        if updates.len() > 1 || with_gsi || busy {
            return Err(ChangeError::LimitExceeded(ONE_INDEX_AT_A_TIME.into()));
        }
        for u in updates {
            match u {
                VectorUpdate::Create { index, definitions } => {
                    let spec = &mut self.spec;
                    let mut taken: std::collections::BTreeSet<String> = spec
                        .global_secondary_indexes
                        .iter()
                        .chain(spec.local_secondary_indexes.iter())
                        .map(|i| i.name.clone())
                        .chain(spec.vector_indexes.iter().map(|v| v.name.clone()))
                        .collect();
                    if index.index_name.as_ref().is_some_and(|n| taken.contains(n)) {
                        return Err(err("Attempting to create an index which already exists"));
                    }
                    if spec.vector_indexes.len() >= super::vector::MAX_VECTOR_INDEXES {
                        return Err(ChangeError::LimitExceeded(
                            "Subscriber limit exceeded: Number of vector indexes exceeds per-table limit of 5".into(),
                        ));
                    }
                    let mut defs = spec.attribute_definitions.clone();
                    for (name, ty) in definitions {
                        match defs.iter().find(|(n, _)| n == name) {
                            Some((_, existing)) if existing != ty => {
                                return Err(err(format!(
                                    "One or more parameter values were invalid: Attributes cannot be redefined. Please check that your attribute has the same type as previously defined. Attribute: {name}"
                                )));
                            }
                            Some(_) => {}
                            None => defs.push((name.clone(), *ty)),
                        }
                    }
                    // The VectorAttribute of an existing vector index has its
                    // dimensions: another one on it with other dimensions is
                    // refused naming the VectorAttribute, like a key attribute
                    // (Alternator's test_vector_new.py, run against DynamoDB:
                    // test_updatetable_vectorindex_taken_name_or_attribute).
                    // (Dimensions out of range are reported as such, later.)
                    let attribute = index.vector_attribute.as_ref().and_then(|a| a.attribute_name.as_deref());
                    let dimensions = index
                        .dimensions
                        .filter(|d| (1..=super::vector::MAX_DIMENSIONS).contains(d))
                        .and_then(|d| u32::try_from(d).ok());
                    let conflict = attribute.zip(dimensions).and_then(|(attribute, dimensions)| {
                        spec.vector_indexes.iter().find(|o| o.attribute == attribute && o.dimensions != dimensions)
                    });
                    if let Some(other) = conflict {
                        return Err(err(format!(
                            "One or more parameter values were invalid: Conflicting attribute definition for '{}'. The VectorAttribute of vector index {} has {} dimensions; all VectorIndexes on the same vector attribute must use the same dimensions.",
                            other.attribute, other.name, other.dimensions
                        )));
                    }
                    let keys: std::collections::BTreeSet<&str> = std::iter::once(&spec.key_schema)
                        .chain(spec.global_secondary_indexes.iter().map(|i| &i.key_schema))
                        .chain(spec.local_secondary_indexes.iter().map(|i| &i.key_schema))
                        .flat_map(KeySchema::attrs)
                        .map(|a| a.name.as_str())
                        .collect();
                    let created = super::vector::validate(index, &defs, mode, &keys, &mut taken, &spec.vector_indexes)
                        .map_err(err)?;
                    // Only the definitions the new index uses are kept.
                    for a in &created.search_schema {
                        if !spec.attribute_definitions.iter().any(|(n, _)| *n == a.name) {
                            spec.attribute_definitions.push((a.name.clone(), a.ty));
                        }
                    }
                    // Backfilled like a global secondary index: CREATING
                    // until the data plane reports it ready.
                    self.creating_indexes.push(created.name.clone());
                    spec.vector_indexes.push(created);
                }
                VectorUpdate::Delete(name) => {
                    let before = self.spec.vector_indexes.len();
                    self.spec.vector_indexes.retain(|v| &v.name != name);
                    if self.spec.vector_indexes.len() == before {
                        return Err(ChangeError::NotFound(format!(
                            "Requested resource not found: Index {name} for table {}",
                            self.spec.name
                        )));
                    }
                    self.creating_indexes.retain(|n| n != name);
                }
            }
        }
        Ok(())
    }

    fn apply_gsi(&mut self, updates: &[GsiUpdate], mode: BillingMode, now: f64) -> Result<(), ChangeError> {
        let structural = updates
            .iter()
            .filter(|u| !matches!(u, GsiUpdate::Throughput(..) | GsiUpdate::Warm(..) | GsiUpdate::Unsupported(_)))
            .count();
        if structural > 1 || (structural == 1 && !self.creating_indexes.is_empty()) {
            return Err(ChangeError::LimitExceeded(ONE_INDEX_AT_A_TIME.into()));
        }
        for u in updates {
            match u {
                GsiUpdate::Create { index, definitions } => {
                    let spec = &mut self.spec;
                    // Vector indexes share the names of the table's indexes
                    // (Alternator's test_vector_new.py, run against DynamoDB:
                    // test_updatetable_gsi_same_name_as_vector_index).
                    let exists = spec
                        .global_secondary_indexes
                        .iter()
                        .chain(spec.local_secondary_indexes.iter())
                        .any(|i| i.name == index.name)
                        || spec.vector_indexes.iter().any(|v| v.name == index.name);
                    if exists {
                        return Err(err("Attempting to create an index which already exists"));
                    }
                    // A vector attribute holds a list of numbers: no key
                    // (test_updatetable_gsi_key_is_vector_attribute, same file).
                    let vector_key = index.key_schema.attrs().into_iter().find_map(|a| {
                        spec.vector_indexes.iter().find(|v| v.attribute == a.name).map(|v| (a.name.as_str(), v.name.as_str()))
                    });
                    if let Some((attribute, vector_index)) = vector_key {
                        return Err(err(super::vector::gsi_key_conflict(attribute, vector_index)));
                    }
                    if spec.global_secondary_indexes.len() >= 20 {
                        return Err(ChangeError::LimitExceeded(
                            "Subscriber limit exceeded: Number of global secondary indexes exceeds per-table limit of 20".into(),
                        ));
                    }
                    for (name, ty) in definitions {
                        match spec.attribute_definitions.iter().find(|(n, _)| n == name) {
                            Some((_, existing)) if existing != ty => {
                                let before = std::iter::once(&spec.key_schema)
                                    .chain(spec.global_secondary_indexes.iter().map(|i| &i.key_schema))
                                    .chain(spec.local_secondary_indexes.iter().map(|i| &i.key_schema))
                                    .find(|ks| ks.attrs().iter().any(|a| &a.name == name));
                                return Err(err(format!(
                                    "One or more parameter values were invalid: Attributes cannot be redefined. Please check that your attribute has the same type as previously defined. Existing schema: {} New schema: {}",
                                    before.map_or_else(|| "Schema:[]".to_owned(), schema_text),
                                    schema_text(&index.key_schema)
                                )));
                            }
                            Some(_) => {}
                            None => spec.attribute_definitions.push((name.clone(), *ty)),
                        }
                    }
                    let mut index = index.clone();
                    match mode {
                        BillingMode::PayPerRequest => {
                            if index.throughput.is_some() {
                                return Err(err(format!(
                                    "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified for index: {} when BillingMode is PAY_PER_REQUEST",
                                    index.name
                                )));
                            }
                        }
                        BillingMode::Provisioned => {
                            if index.throughput.is_none() {
                                return Err(err(format!(
                                    "One or more parameter values were invalid: Both ReadCapacityUnits and WriteCapacityUnits must be specified for index: {}",
                                    index.name
                                )));
                            }
                        }
                    }
                    index.throughput = index.throughput.filter(|_| mode == BillingMode::Provisioned);
                    self.creating_indexes.push(index.name.clone());
                    self.spec.global_secondary_indexes.push(index);
                }
                GsiUpdate::Delete(name) => {
                    if self.spec.local_secondary_indexes.iter().any(|i| &i.name == name) {
                        return Err(err(format!("Cannot delete an index that is not a GlobalSecondaryIndex: {name}")));
                    }
                    let before = self.spec.global_secondary_indexes.len();
                    self.spec.global_secondary_indexes.retain(|i| &i.name != name);
                    self.contributor_insights.remove(name);
                    self.index_throughput.remove(name);
                    if self.spec.global_secondary_indexes.len() == before {
                        return Err(ChangeError::NotFound(format!(
                            "Requested resource not found: Index {name} for table {}",
                            self.spec.name
                        )));
                    }
                    self.creating_indexes.retain(|n| n != name);
                }
                GsiUpdate::Unsupported(name) => {
                    if !self.spec.global_secondary_indexes.iter().any(|i| &i.name == name) {
                        return Err(ChangeError::NotFound(format!(
                            "Requested resource not found: Index {name} for table {}",
                            self.spec.name
                        )));
                    }
                    return Err(err(if mode == BillingMode::PayPerRequest {
                        format!("One or more parameter values were invalid: The only Updates for index: {name} when TableThroughputMode is PAY_PER_REQUEST can be to OnDemandThroughput, WarmThroughput")
                    } else {
                        format!("One or more parameter values were invalid: Both ReadCapacityUnits and WriteCapacityUnits must be specified for index: {name}")
                    }));
                }
                GsiUpdate::Warm(name, w) => {
                    let i = updated_gsi(&mut self.spec, name)?;
                    let current = i.warm();
                    i.warm_throughput = Some(super::spec::WarmThroughput::raise(current, w, &format!("index {name}")).map_err(err)?);
                }
                GsiUpdate::Throughput(name, t) => {
                    let i = updated_gsi(&mut self.spec, name)?;
                    if mode == BillingMode::PayPerRequest {
                        return Err(err(format!(
                            "One or more parameter values were invalid: The only Updates for index: {name} when TableThroughputMode is PAY_PER_REQUEST can be to OnDemandThroughput, WarmThroughput"
                        )));
                    }
                    if let Some(cur) = i.throughput.filter(|cur| cur == t) {
                        return Err(err(format!(
                            "The provisioned throughput for the index {name} will not change. The requested value equals the current value. Current ReadCapacityUnits provisioned for index {name}: {}. Requested ReadCapacityUnits: {}. Current WriteCapacityUnits provisioned for index {name}: {}. Requested WriteCapacityUnits: {}. Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.",
                            cur.read, t.read, cur.write, t.write
                        )));
                    }
                    if let Some(from) = i.throughput {
                        self.index_throughput.entry(name.clone()).or_default().record(from, *t, now)?;
                    }
                    i.throughput = Some(*t);
                }
            }
        }
        // Definitions no key (nor vector index search schema) uses any more
        // are dropped, as DynamoDB does.
        let spec = &mut self.spec;
        let used: Vec<String> = std::iter::once(&spec.key_schema)
            .chain(spec.local_secondary_indexes.iter().map(|i| &i.key_schema))
            .chain(spec.global_secondary_indexes.iter().map(|i| &i.key_schema))
            .flat_map(|k| k.attrs().into_iter().map(|a| a.name.clone()).collect::<Vec<_>>())
            .chain(spec.vector_indexes.iter().flat_map(|v| v.search_schema.iter().map(|a| a.name.clone())))
            .collect();
        spec.attribute_definitions.retain(|(n, _)| used.contains(n));
        Ok(())
    }

    fn update(&mut self, u: &TableUpdate, now: f64) -> Result<(), ChangeError> {
        if *u == TableUpdate::default() {
            return Err(err(NO_CHANGE));
        }
        // Vector indexes need on-demand billing for as long as they exist.
        if u.billing_mode == Some(BillingMode::Provisioned) && !self.spec.vector_indexes.is_empty() {
            return Err(err(
                "One or more parameter values were invalid: Vector indexes are only supported for PAY_PER_REQUEST tables",
            ));
        }
        if let Some(o) = u.on_demand {
            let current = self.spec.on_demand.unwrap_or_default();
            self.spec.on_demand = Some(super::types::OnDemandThroughput {
                max_read_request_units: o.max_read_request_units.or(current.max_read_request_units),
                max_write_request_units: o.max_write_request_units.or(current.max_write_request_units),
            });
        }
        if let Some(w) = &u.warm_throughput {
            self.spec.warm_throughput = Some(super::spec::WarmThroughput::raise(self.warm(), w, "table").map_err(err)?);
        }
        if let Some((enabled, key)) = &u.sse {
            // Re-sends that change nothing are refused, as recorded
            // against DynamoDB.
            if !*enabled && !self.spec.sse_enabled {
                return Err(err("One or more parameter values were invalid: Table is already encrypted by default"));
            }
            if *enabled && self.spec.sse_enabled && key.is_some() && *key == self.spec.sse_kms_key {
                return Err(err(
                    "One or more parameter values were invalid: Table is already encrypted with given KMSMasterKeyId. Use KMSMasterKeyId parameter if you want to change Master Key",
                ));
            }
            self.spec.sse_enabled = *enabled;
            self.spec.sse_kms_key = if *enabled { key.clone().or_else(|| self.spec.sse_kms_key.clone()) } else { None };
        }
        if let Some(c) = &u.table_class {
            // Two updates in 30 days; once they are spent even a re-send
            // of the current class is refused (a STANDARD re-send on a
            // table that never set a class stays free).
            const WINDOW_SECS: f64 = 30.0 * 86_400.0;
            self.table_class_updates.retain(|t| now - t < WINDOW_SECS);
            let spent = self.table_class_updates.len() >= 2;
            let changes = self.spec.table_class.as_deref().unwrap_or("STANDARD") != c;
            if spent && (changes || self.spec.table_class.is_some()) {
                return Err(ChangeError::LimitExceeded(
                    "Subscriber limit exceeded: Updates to TableClass are limited to 2 times in 30 day(s).".into(),
                ));
            }
            if changes {
                self.table_class_updated_at = Some(now);
                self.table_class_updates.push(now);
                self.spec.table_class = Some(c.clone());
            }
        }
        if !u.vector.is_empty() {
            self.apply_vector(&u.vector, !u.gsi.is_empty(), u.billing_mode.unwrap_or(self.spec.billing_mode))?;
        }
        if !u.gsi.is_empty() {
            self.apply_gsi(&u.gsi, u.billing_mode.unwrap_or(self.spec.billing_mode), now)?;
            if u.billing_mode.is_none() && u.throughput.is_none() {
                if let Some(p) = u.deletion_protection {
                    self.spec.deletion_protection = p;
                }
                return Ok(());
            }
        }
        let mode = u.billing_mode.unwrap_or(self.spec.billing_mode);
        match mode {
            BillingMode::PayPerRequest => {
                if u.throughput.is_some() {
                    return Err(err("One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"));
                }
                if self.spec.billing_mode != BillingMode::PayPerRequest {
                    self.pay_per_request_since = Some(now);
                    for gsi in &mut self.spec.global_secondary_indexes {
                        gsi.throughput = None;
                    }
                }
                self.spec.throughput = None;
            }
            BillingMode::Provisioned => {
                let switching = self.spec.billing_mode == BillingMode::PayPerRequest;
                match (u.throughput, switching) {
                    (None, true) | (None, false) if u.billing_mode.is_some() => {
                        return Err(err("One or more parameter values were invalid: ProvisionedThroughput must be specified when BillingMode is PROVISIONED"));
                    }
                    (Some(t), _) => {
                        if let (Some(cur), false) = (self.spec.throughput, switching) {
                            if cur == t && u.deletion_protection.is_none() && u.table_class.is_none() && u.stream.is_none() && u.warm_throughput.is_none() && u.sse.is_none() {
                                return Err(err(format!(
                                    "The provisioned throughput for the table will not change. The requested value equals the current value. Current ReadCapacityUnits provisioned for the table: {}. Requested ReadCapacityUnits: {}. Current WriteCapacityUnits provisioned for the table: {}. Requested WriteCapacityUnits: {}. Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.",
                                    cur.read, t.read, cur.write, t.write
                                )));
                            }
                            if t.read > cur.read || t.write > cur.write {
                                self.last_increase = Some(now);
                            }
                            if t.read < cur.read || t.write < cur.write {
                                self.spend_decrease(now)?;
                            }
                        }
                        if let Some(missing) = self.spec.global_secondary_indexes.iter().find(|g| g.throughput.is_none()) {
                            // Nothing is assigned: each index needs its own.
                            return Err(err(format!(
                                "One or more parameter values were invalid: ProvisionedThroughput must be specified for index: {}",
                                missing.name
                            )));
                        }
                        self.spec.throughput = Some(t);
                        let high = self.throughput_high_water.unwrap_or(t);
                        self.throughput_high_water =
                            Some(Throughput { read: high.read.max(t.read), write: high.write.max(t.write) });
                    }
                    (None, _) => {}
                }
            }
        }
        if mode == BillingMode::Provisioned && self.spec.billing_mode == BillingMode::PayPerRequest {
            // Leaving on-demand: the table keeps saying when it last
            // switched to it (it was created on demand if it never did).
            self.pay_per_request_since.get_or_insert(self.created_at);
        }
        self.spec.billing_mode = mode;
        if let Some(p) = u.deletion_protection {
            self.spec.deletion_protection = p;
        }
        if let Some(stream) = u.stream {
            match (stream, self.spec.stream) {
                (Some(_), Some(_)) => {
                    return Err(err(format!(
                        "Table already has an enabled stream: TableName: {}",
                        self.spec.name
                    )))
                }
                (None, None) => {
                    return Err(err(format!("Table has no stream to disable: TableName: {}", self.spec.name)));
                }
                (Some(view), None) => {
                    self.spec.stream = Some(view);
                    self.stream_label = Some(stream_label(now));
                }
                (None, Some(view)) => {
                    self.spec.stream = None;
                    if let Some(label) = self.stream_label.clone() {
                        self.past_streams.push(super::spec::PastStream { label, view, disabled_at: now });
                    }
                }
            }
            self.past_streams.retain(|p| now - p.disabled_at < super::spec::PastStream::KEPT_SECS);
        }
        Ok(())
    }
}

/// A stream label from a time: `YYYY-MM-DDTHH:MM:SS.mmm` in UTC.
pub fn stream_label(now: f64) -> String {
    let millis = (now * 1000.0).round() as i64;
    let secs = millis.div_euclid(1000);
    let ms = millis.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}",
        sod / 3600,
        (sod % 3600) / 60,
        sod % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date.
pub(super) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert_eq!(stream_label(0.0), "1970-01-01T00:00:00.000");
        assert_eq!(stream_label(1_431_379_293.291), "2015-05-11T21:21:33.291");
    }
}
