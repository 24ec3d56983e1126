//! Request shapes of UpdateTable, UpdateTimeToLive, TagResource,
//! UntagResource and ListTagsOfResource, with their member constraints,
//! turned into a [`TableChange`] (or a table name for reads).

use serde::Deserialize;

use super::change::{TableChange, TableUpdate};
use super::constraints::Constraints;
use super::spec::{BillingMode, StreamViewType, Throughput};
use super::types::{ProvisionedThroughput, SseSpecification, StreamSpecification, Tag};

/// `UpdateTable` request members (global secondary index updates are
/// refused until index backfill exists).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct UpdateTableInput {
    #[serde(rename = "TableName")]
    pub table_name: Option<String>,
    #[serde(rename = "BillingMode")]
    pub billing_mode: Option<String>,
    #[serde(rename = "ProvisionedThroughput")]
    pub provisioned_throughput: Option<ProvisionedThroughput>,
    #[serde(rename = "DeletionProtectionEnabled")]
    pub deletion_protection_enabled: Option<bool>,
    #[serde(rename = "TableClass")]
    pub table_class: Option<String>,
    #[serde(rename = "StreamSpecification")]
    pub stream_specification: Option<StreamSpecification>,
    #[serde(rename = "SSESpecification")]
    pub sse_specification: Option<SseSpecification>,
    #[serde(rename = "GlobalSecondaryIndexUpdates")]
    pub global_secondary_index_updates: Option<Vec<serde_json::Value>>,
    #[serde(rename = "VectorIndexUpdates")]
    pub vector_index_updates: Option<Vec<super::vector::VectorIndexUpdateInput>>,
    #[serde(rename = "AttributeDefinitions")]
    pub attribute_definitions: Option<Vec<super::types::AttributeDefinition>>,
    #[serde(rename = "WarmThroughput")]
    pub warm_throughput: Option<super::types::WarmThroughputInput>,
    #[serde(rename = "OnDemandThroughput")]
    pub on_demand_throughput: Option<serde_json::Value>,
    #[serde(rename = "ReplicaUpdates")]
    pub replica_updates: Option<Vec<serde_json::Value>>,
}

fn name(c: &mut Constraints, n: &Option<String>) {
    c.required_table_name(n.as_ref(), "tableName");
}

impl UpdateTableInput {
    /// Checks members and returns the table name and the change.
    pub fn validate(&self) -> Result<(&str, TableChange), String> {
        let mut c = Constraints::default();
        name(&mut c, &self.table_name);
        if let Some(m) = &self.billing_mode {
            c.one_of(m, "billingMode", &["PROVISIONED", "PAY_PER_REQUEST"]);
        }
        if let Some(t) = &self.provisioned_throughput {
            c.capacity_units(t.read_capacity_units, "provisionedThroughput.readCapacityUnits");
            c.capacity_units(t.write_capacity_units, "provisionedThroughput.writeCapacityUnits");
        }
        if let Some(defs) = &self.attribute_definitions {
            super::create::attribute_definitions_constraints(&mut c, defs);
        }
        gsi_update_constraints(&mut c, self.global_secondary_index_updates.as_deref().unwrap_or_default());
        for (i, u) in self.vector_index_updates.iter().flatten().enumerate() {
            let p = format!("vectorIndexUpdates.{}.member", i + 1);
            if let Some(create) = &u.create {
                super::vector::constraints(&mut c, create, &format!("{p}.create"));
            }
            if let Some(delete) = &u.delete {
                match &delete.index_name {
                    Some(n) => c.table_name(n, &format!("{p}.delete.indexName")),
                    None => {
                        c.not_null(None::<&String>, &format!("{p}.delete.indexName"));
                    }
                }
            }
        }
        if let Some(k) = self.sse_specification.as_ref().and_then(|s| s.kms_master_key_id.as_ref()) {
            c.length(k, "sSESpecification.kMSMasterKeyId", 1, 2048);
        }
        if let Some(v) = self
            .stream_specification
            .as_ref()
            .and_then(|s| s.stream_view_type.as_ref())
        {
            c.one_of(
                v,
                "streamSpecification.streamViewType",
                &["OLD_IMAGE", "KEYS_ONLY", "NEW_AND_OLD_IMAGES", "NEW_IMAGE"],
            );
        }
        c.finish().map_err(|e| e.to_string())?;
        // Out-of-bounds capacity is refused before the table is looked up.
        if let Some(t) = self.provisioned_throughput.as_ref().filter(|t| t.read_capacity_units.is_some() && t.write_capacity_units.is_some()) {
            super::create::provisioned(Some(t))?;
        }
        super::constraints::check_table_class(self.table_class.as_deref())?;
        let gsi = self.gsi_updates()?;
        // Nothing to change is refused before the table is looked up (an
        // empty GlobalSecondaryIndexUpdates is nothing; dynalite's
        // updateTable.js, recorded against DynamoDB).
        if self.changes_besides_replicas() == 0 && self.replica_updates.as_ref().is_none_or(Vec::is_empty) {
            return Err(super::change::NO_CHANGE.into());
        }
        self.one_change_per_call(&gsi)?;
        let stream = match &self.stream_specification {
            None => None,
            Some(StreamSpecification {
                stream_enabled: Some(true),
                stream_view_type,
            }) => match stream_view_type.as_deref().and_then(StreamViewType::parse) {
                Some(v) => Some(Some(v)),
                None => {
                    return Err("One or more parameter values were invalid: If stream is being enabled then UpdateViewType is required".into())
                }
            },
            Some(StreamSpecification { stream_view_type: Some(_), .. }) => {
                return Err("One or more parameter values were invalid: If stream is being disabled, then UpdateViewType must not be specified".into())
            }
            Some(_) => Some(None),
        };
        let update = TableUpdate {
            billing_mode: self.billing_mode.as_deref().map(|m| {
                if m == "PAY_PER_REQUEST" {
                    BillingMode::PayPerRequest
                } else {
                    BillingMode::Provisioned
                }
            }),
            throughput: self.provisioned_throughput.and_then(|t| {
                Some(Throughput {
                    read: t.read_capacity_units?,
                    write: t.write_capacity_units?,
                })
            }),
            deletion_protection: self.deletion_protection_enabled,
            table_class: self.table_class.clone(),
            warm_throughput: self.warm_throughput,
            on_demand: self
                .on_demand_throughput
                .as_ref()
                .filter(|_| self.on_demand_given())
                .and_then(|v| serde_json::from_value(v.clone()).ok()),
            stream,
            gsi,
            vector: self.vector_updates()?,
            sse: self
                .sse_specification
                .as_ref()
                .map(|s| (s.enabled.unwrap_or(false), s.kms_master_key_id.clone())),
        };
        Ok((
            self.table_name.as_deref().unwrap_or_default(),
            TableChange::Update(update),
        ))
    }
}

impl UpdateTableInput {
    /// An empty WarmThroughput next to another member counts as absent,
    /// as DynamoDB treats it.
    fn warm_given(&self) -> bool {
        self.warm_throughput.is_some_and(|w| w.read_units_per_second.is_some() || w.write_units_per_second.is_some())
    }

    /// An empty OnDemandThroughput counts as absent too.
    fn on_demand_given(&self) -> bool {
        self.on_demand_throughput.as_ref().is_some_and(|o| o.as_object().is_none_or(|m| !m.is_empty()))
    }

    /// How many members other than ReplicaUpdates ask for a change.
    /// The vector index updates, each a Create or a Delete;
    /// a Create's search-schema attributes typed by the request's
    /// AttributeDefinitions.
    fn vector_updates(&self) -> Result<Vec<super::change::VectorUpdate>, String> {
        use super::change::VectorUpdate;
        // More than one is refused when applied (LimitExceededException).
        let Some(list) = &self.vector_index_updates else { return Ok(Vec::new()) };
        let definitions = super::vector::typed(self.attribute_definitions.as_deref().unwrap_or_default());
        list.iter()
            .map(|u| match (&u.create, &u.delete) {
                (Some(create), None) => Ok(VectorUpdate::Create { index: create.clone(), definitions: definitions.clone() }),
                (None, Some(delete)) => Ok(VectorUpdate::Delete(delete.index_name.clone().unwrap_or_default())),
                _ => Err("One or more parameter values were invalid: One of Create or Delete must be specified in a VectorIndexUpdate".into()),
            })
            .collect()
    }

    pub fn changes_besides_replicas(&self) -> usize {
        [
            self.billing_mode.is_some(),
            self.provisioned_throughput.is_some(),
            self.stream_specification.is_some(),
            self.sse_specification.is_some(),
            self.table_class.is_some(),
            self.deletion_protection_enabled.is_some(),
            self.warm_given(),
            self.on_demand_given(),
            self.global_secondary_index_updates.as_ref().is_some_and(|g| !g.is_empty()),
            self.vector_index_updates.as_ref().is_some_and(|v| !v.is_empty()),
        ]
        .iter()
        .filter(|p| **p)
        .count()
    }

    /// UpdateTable makes one logical change per call, as recorded against
    /// DynamoDB: SSE, TableClass, DeletionProtection and WarmThroughput
    /// must each come alone (named in that order of precedence);
    /// OnDemandThroughput only with BillingMode; a stream change not with
    /// provisioned throughput; an index created or deleted not with table
    /// throughput, a stream change or WarmThroughput. BillingMode may
    /// accompany a stream change, OnDemandThroughput, throughput or an
    /// index change; index updates may come together.
    fn one_change_per_call(&self, gsi: &[super::change::GsiUpdate]) -> Result<(), String> {
        use super::change::GsiUpdate;
        let invalid = |m: &str| format!("One or more parameter values were invalid: {m}");
        let (warm, on_demand) = (self.warm_given(), self.on_demand_given());
        let members = self.changes_besides_replicas() + usize::from(self.replica_updates.as_ref().is_some_and(|r| !r.is_empty()));
        if members < 2 {
            return Ok(());
        }
        // A vector index created or deleted counts as an index change
        // (Alternator's test_updatetable_vector_and_streams_same_request).
        let adds_or_drops = gsi.iter().any(|u| matches!(u, GsiUpdate::Create { .. } | GsiUpdate::Delete(_)))
            || self.vector_index_updates.as_ref().is_some_and(|v| !v.is_empty());
        let creates = gsi.iter().any(|u| matches!(u, GsiUpdate::Create { .. }));
        if self.sse_specification.is_some() {
            return Err(invalid("Server-Side Encryption modification must be the only operation in the request"));
        }
        if self.table_class.is_some() {
            return Err(invalid("TableClass modification must be the only operation in the request"));
        }
        if self.deletion_protection_enabled.is_some() {
            return Err(invalid("DeletionProtection modification must be the only operation in the request"));
        }
        if warm {
            if creates {
                return Err(invalid("Create global secondary index cannot be specified when updating WarmThroughput"));
            }
            return Err(invalid("WarmThroughput must be the only operation in the request"));
        }
        let provisioned = self.provisioned_throughput.is_some() || self.billing_mode.as_deref() == Some("PROVISIONED");
        if on_demand && members - usize::from(self.billing_mode.is_some()) > 1 {
            return Err(invalid("OnDemandThroughput can only be combined with BillingMode in an UpdateTable request"));
        }
        if adds_or_drops && self.provisioned_throughput.is_some() {
            return Err(invalid("You cannot create or delete index while updating table IOPS"));
        }
        if adds_or_drops && self.stream_specification.is_some() {
            return Err(invalid("You cannot create or delete index while changing stream status"));
        }
        if self.stream_specification.is_some() && provisioned {
            return Err(invalid("You cannot modify stream status while updating table IOPS"));
        }
        Ok(())
    }
}

#[derive(Debug, Deserialize)]
struct GsiUpdateWire {
    #[serde(rename = "Create", default)]
    create: Option<super::types::GlobalSecondaryIndex>,
    #[serde(rename = "Delete", default)]
    delete: Option<IndexNameWire>,
    #[serde(rename = "Update", default)]
    update: Option<IndexThroughputWire>,
}

#[derive(Debug, Deserialize)]
struct IndexNameWire {
    #[serde(rename = "IndexName", default)]
    index_name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct IndexThroughputWire {
    #[serde(rename = "IndexName", default)]
    index_name: Option<String>,
    #[serde(rename = "ProvisionedThroughput", default)]
    provisioned_throughput: Option<ProvisionedThroughput>,
    #[serde(rename = "WarmThroughput", default)]
    warm_throughput: Option<super::types::WarmThroughputInput>,
    #[serde(rename = "OnDemandThroughput", default)]
    on_demand_throughput: Option<serde_json::Value>,
}

impl UpdateTableInput {
    fn gsi_updates(&self) -> Result<Vec<super::change::GsiUpdate>, String> {
        use super::change::GsiUpdate;
        use super::create::{gsi_key_schema, invalid, projection, provisioned};
        let mut out = Vec::new();
        let defs = self.attribute_definitions.clone().unwrap_or_default();
        let def_names: Vec<&str> = defs.iter().filter_map(|d| d.attribute_name.as_deref()).collect();
        for raw in self.global_secondary_index_updates.iter().flatten() {
            let wire: GsiUpdateWire = serde_json::from_value(raw.clone())
                .map_err(|_| "Start of structure or map found where not expected.".to_owned())?;
            let count = usize::from(wire.create.is_some())
                + usize::from(wire.delete.is_some())
                + usize::from(wire.update.is_some());
            if count == 0 {
                return Err(invalid(
                    "One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete must not be null",
                ));
            }
            if count > 1 {
                return Err(invalid("Only one global secondary index action is allowed per GlobalSecondaryIndexUpdate object"));
            }
            if let Some(c) = wire.create {
                let name = c.index_name.clone().unwrap_or_default();
                let ks = gsi_key_schema(c.key_schema.as_deref().unwrap_or_default(), &defs, &def_names)?;
                let proj = projection(c.projection.as_ref())?;
                let throughput = match &c.provisioned_throughput {
                    Some(t) => Some(provisioned(Some(t))?),
                    None => None,
                };
                let warm_throughput = c
                    .warm_throughput
                    .as_ref()
                    .map(|w| super::spec::WarmThroughput::at_creation(w, throughput, &format!("index {name}")))
                    .transpose()?;
                let definitions = ks
                    .attrs()
                    .into_iter()
                    .map(|a| (a.name.clone(), a.ty))
                    .collect();
                add_once(
                    &mut out,
                    GsiUpdate::Create {
                        index: super::spec::IndexSpec {
                            name,
                            key_schema: ks,
                            projection: proj,
                            throughput,
                            warm_throughput,
                        },
                        definitions,
                    },
                )?;
            } else if let Some(d) = wire.delete {
                add_once(&mut out, GsiUpdate::Delete(d.index_name.unwrap_or_default()))?;
            } else if let Some(u) = wire.update {
                let name = u.index_name.clone().unwrap_or_default();
                if u.warm_throughput.is_some_and(|w| w.read_units_per_second.is_none() && w.write_units_per_second.is_none()) {
                    return Err(invalid(&format!(
                        "WarmThroughput must have at least one of ReadUnitsPerSecond or WriteUnitsPerSecond specified for index: {name}"
                    )));
                }
                let warm = u.warm_throughput.filter(|w| w.read_units_per_second.is_some() || w.write_units_per_second.is_some());
                let Some(pt) = u.provisioned_throughput.as_ref() else {
                    // Warm throughput is raised per index; on-demand
                    // throughput alone is not served per index here, and
                    // an update with neither changes nothing the table's
                    // billing allows.
                    let _ = &u.on_demand_throughput;
                    add_once(&mut out, warm.map_or(GsiUpdate::Unsupported(name.clone()), |w| GsiUpdate::Warm(name, w)))?;
                    continue;
                };
                let t = super::create::provisioned_for(Some(pt), Some(&name))?;
                add_once(&mut out, GsiUpdate::Throughput(name.clone(), t))?;
                if let Some(w) = warm {
                    // The same index's two changes of one Update.
                    out.push(GsiUpdate::Warm(name, w));
                }
            }
        }
        Ok(out)
    }
}

/// The members of each GlobalSecondaryIndexUpdates entry, checked with
/// the request's other member constraints, before the table is looked up
/// (dynalite's updateTable.js, recorded against DynamoDB; ProvisionedThroughput
/// has been optional in an Update since OnDemandThroughput and
/// WarmThroughput joined it). An entry that is not a structure is refused
/// later, as it is read.
fn gsi_update_constraints(c: &mut Constraints, updates: &[serde_json::Value]) {
    for (i, raw) in updates.iter().enumerate() {
        let Ok(wire) = GsiUpdateWire::deserialize(raw) else { continue };
        let p = format!("globalSecondaryIndexUpdates.{}.member", i + 1);
        if let Some(create) = &wire.create {
            super::create::gsi_constraints(c, create, &format!("{p}.create"));
        }
        if let Some(update) = &wire.update {
            c.required_table_name(update.index_name.as_ref(), &format!("{p}.update.indexName"));
            // Write before read here (unlike CreateTable's indexes).
            if let Some(t) = &update.provisioned_throughput {
                let path = format!("{p}.update.provisionedThroughput");
                c.capacity_units(t.write_capacity_units, &format!("{path}.writeCapacityUnits"));
                c.capacity_units(t.read_capacity_units, &format!("{path}.readCapacityUnits"));
            }
        }
        if let Some(delete) = &wire.delete {
            c.required_table_name(delete.index_name.as_ref(), &format!("{p}.delete.indexName"));
        }
    }
}

/// Adds an index update, refusing a second one for the same index whatever
/// the kinds (dynalite's updateTable.js, recorded against DynamoDB: two
/// Deletes of one index).
fn add_once(out: &mut Vec<super::change::GsiUpdate>, update: super::change::GsiUpdate) -> Result<(), String> {
    let name = update.index_name();
    if out.iter().any(|earlier| earlier.index_name() == name) {
        return Err(format!(
            "One or more parameter values were invalid: Only one global secondary index update per index is allowed simultaneously. Index: {name}"
        ));
    }
    out.push(update);
    Ok(())
}

/// `TimeToLiveSpecification`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TimeToLiveSpecification {
    #[serde(rename = "Enabled")]
    pub enabled: Option<bool>,
    #[serde(rename = "AttributeName")]
    pub attribute_name: Option<String>,
}

/// `UpdateTimeToLive` request members.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct UpdateTimeToLiveInput {
    #[serde(rename = "TableName")]
    pub table_name: Option<String>,
    #[serde(rename = "TimeToLiveSpecification")]
    pub time_to_live_specification: Option<TimeToLiveSpecification>,
}

impl UpdateTimeToLiveInput {
    /// Checks members and returns the table name and the change.
    pub fn validate(&self) -> Result<(&str, TableChange), String> {
        let mut c = Constraints::default();
        name(&mut c, &self.table_name);
        match &self.time_to_live_specification {
            None => {
                c.not_null(None::<&String>, "timeToLiveSpecification");
            }
            Some(spec) => {
                match &spec.attribute_name {
                    Some(a) => c.length(a, "timeToLiveSpecification.attributeName", 1, 255),
                    None => {
                        c.not_null(None::<&String>, "timeToLiveSpecification.attributeName");
                    }
                }
                if spec.enabled.is_none() {
                    c.not_null(None::<&bool>, "timeToLiveSpecification.enabled");
                }
            }
        }
        c.finish().map_err(|e| e.to_string())?;
        let spec = self.time_to_live_specification.clone().unwrap_or_default();
        Ok((
            self.table_name.as_deref().unwrap_or_default(),
            TableChange::TimeToLive {
                enabled: spec.enabled.unwrap_or(false),
                attribute_name: spec.attribute_name.unwrap_or_default(),
            },
        ))
    }
}

/// `PointInTimeRecoverySpecification`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PointInTimeRecoverySpecification {
    #[serde(rename = "PointInTimeRecoveryEnabled")]
    pub enabled: Option<bool>,
    #[serde(rename = "RecoveryPeriodInDays")]
    pub recovery_period_in_days: Option<i64>,
}

/// `UpdateContinuousBackups` request members.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct UpdateContinuousBackupsInput {
    #[serde(rename = "TableName")]
    pub table_name: Option<String>,
    #[serde(rename = "PointInTimeRecoverySpecification")]
    pub specification: Option<PointInTimeRecoverySpecification>,
}

impl UpdateContinuousBackupsInput {
    /// Checks members and returns the table name and the change.
    pub fn validate(&self) -> Result<(&str, TableChange), String> {
        const PATH: &str = "pointInTimeRecoverySpecification";
        let mut c = Constraints::default();
        name(&mut c, &self.table_name);
        match &self.specification {
            None => {
                c.not_null(None::<&bool>, PATH);
            }
            Some(spec) => {
                c.not_null(spec.enabled.as_ref(), &format!("{PATH}.pointInTimeRecoveryEnabled"));
                if let Some(days) = spec.recovery_period_in_days {
                    let path = format!("{PATH}.recoveryPeriodInDays");
                    c.at_least(days, &path, 1);
                    c.at_most(days, &path, i64::from(super::spec::PointInTimeRecovery::MAX_PERIOD_DAYS));
                }
            }
        }
        c.finish().map_err(|e| e.to_string())?;
        let spec = self.specification.clone().unwrap_or_default();
        if spec.enabled == Some(false) && spec.recovery_period_in_days.is_some() {
            return Err("Invalid Request: Cannot specify RecoveryPeriodInDays when disabling point-in-time recovery.".into());
        }
        Ok((
            self.table_name.as_deref().unwrap_or_default(),
            TableChange::PointInTimeRecovery {
                enabled: spec.enabled.unwrap_or(false),
                recovery_period_days: spec.recovery_period_in_days.and_then(|d| u32::try_from(d).ok()),
            },
        ))
    }
}

/// `ListTagsOfResource`, `TagResource` and `UntagResource` members.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TagsInput {
    #[serde(rename = "ResourceArn")]
    pub resource_arn: Option<String>,
    #[serde(rename = "Tags")]
    pub tags: Option<Vec<Tag>>,
    #[serde(rename = "TagKeys")]
    pub tag_keys: Option<Vec<String>>,
    #[serde(rename = "NextToken")]
    pub next_token: Option<String>,
}

/// Which tag operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagOp {
    List,
    Tag,
    Untag,
}

impl TagsInput {
    /// Checks the members' constraints; returns the ARN. The ARN itself is
    /// checked next (by the caller), and only then the tags
    /// ([`TagsInput::change`]), as DynamoDB orders them.
    pub fn members(&self, op: TagOp) -> Result<&str, String> {
        let mut c = Constraints::default();
        match &self.resource_arn {
            Some(a) => c.length(a, "resourceArn", 1, 1283),
            None => {
                c.not_null(None::<&String>, "resourceArn");
            }
        }
        match op {
            TagOp::Tag => {
                if self.tags.is_none() {
                    c.not_null(None::<&String>, "tags");
                }
                // The tags themselves are checked after the members, with
                // DynamoDB's per-tag messages.
            }
            TagOp::Untag => {
                if self.tag_keys.is_none() {
                    c.not_null(None::<&String>, "tagKeys");
                }
            }
            TagOp::List => {}
        }
        c.finish().map_err(|e| e.to_string())?;
        Ok(self.resource_arn.as_deref().unwrap_or_default())
    }

    /// The change a Tag or Untag asks for, its tags checked (`None` for a
    /// List).
    pub fn change(&self, op: TagOp) -> Result<Option<TableChange>, String> {
        let change = match op {
            TagOp::List => None,
            TagOp::Tag => {
                let tags = self.tags.clone().unwrap_or_default();
                if tags.is_empty() {
                    return Err("Atleast one Tag needs to be provided as Input.".into());
                }
                super::constraints::check_tag_content(tags.iter().map(|t| (t.key.as_deref(), Some(t.value.as_deref()))), true)?;
                Some(TableChange::Tag(
                    tags.into_iter()
                        .filter_map(|t| Some((t.key?, t.value?)))
                        .collect(),
                ))
            }
            TagOp::Untag => {
                let keys = self.tag_keys.clone().unwrap_or_default();
                if keys.is_empty() {
                    return Err("Atleast one Tag Key needs to be provided as Input.".into());
                }
                if keys.len() > super::MAX_TAGS {
                    return Err("Number of Tags exceed the current limit for the provided ResourceArn".into());
                }
                super::constraints::check_tag_content(keys.iter().map(|k| (Some(k.as_str()), None)), true)?;
                Some(TableChange::Untag(keys))
            }
        };
        Ok(change)
    }
}
