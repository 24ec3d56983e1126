//! Table settings that tools such as Terraform read and write on every
//! refresh: UpdateTable, Time to Live, tags, continuous backups (point-in-time
//! recovery's setting), limits and
//! endpoints. Changes go to the control plane as a `TableChange`; reads
//! answer from the catalog.

use ddb_core::api::table::{
    continuous_backups, describe, TableChange, TableNameInput, TagOp, TagsInput, UpdateContinuousBackupsInput,
    UpdateTableInput, UpdateTimeToLiveInput,
};
use iam::TableArn;
use serde_json::{json, Value};

use super::tables::{location, not_found};
use crate::auth::Verified;
use crate::catalog::{Catalog, CatalogTable};
use crate::error::ApiError;
use crate::DataPlane;

pub(super) async fn apply(dp: &DataPlane, caller: &Verified, name: &str, change: &TableChange) -> Result<CatalogTable, ApiError> {
    let body = serde_json::to_value(change).map_err(|e| ApiError::Internal(e.to_string()))?;
    let out = dp.client.change_table(caller.space(), name, &body, Some(&caller.actor())).await?;
    dp.wait_for_revision(out.revision).await;
    let def = serde_json::from_value(out.table.definition.clone())
        .map_err(|e| ApiError::Internal(format!("unreadable definition: {e}")))?;
    Ok(CatalogTable::new(out.table, def))
}

/// `UpdateTable`
pub async fn update_table(dp: &DataPlane, caller: &Verified, catalog: &Catalog, input: UpdateTableInput) -> Result<Value, ApiError> {
    if let Some(updates) = input.replica_updates.as_deref().filter(|u| !u.is_empty()) {
        if input.changes_besides_replicas() > 0 {
            return Err(ApiError::Validation(
                "One or more parameter values were invalid: Replica modification must be the only operation in the request".into(),
            ));
        }
        let mut c = ddb_core::api::table::Constraints::default();
        c.required_table_name(input.table_name.as_ref(), "tableName");
        c.finish().map_err(ApiError::from)?;
        let name = input.table_name.as_deref().unwrap_or_default();
        return super::replicas::update(dp, caller, catalog, name, updates).await;
    }
    let (name, change) = input.validate().map_err(ApiError::Validation)?;
    let Some(before) = catalog.table(caller.space(), name) else {
        return Err(not_found(name));
    };
    // A global table keeps its stream (replication reads it) and stays on
    // demand (no provisioned table is auto scaled here).
    if let (TableChange::Update(u), false) = (&change, before.def.replicas.is_empty()) {
        if u.stream == Some(None) {
            return Err(ApiError::Validation(ddb_core::api::table::NOT_REPLICATED_STREAM.into()));
        }
        if u.billing_mode == Some(ddb_core::api::table::BillingMode::Provisioned) {
            return Err(ApiError::Validation(ddb_core::api::table::WRITE_CAPACITY_NOT_ON_DEMAND.into()));
        }
    }
    let key_before = before.def.spec.sse_kms_key.clone();
    let t = apply(dp, caller, name, &change).await?;
    let creates = matches!(&change, TableChange::Update(u) if u.gsi.iter().any(|g| matches!(g, ddb_core::api::table::GsiUpdate::Create { .. }))
        || u.vector.iter().any(|v| matches!(v, ddb_core::api::table::VectorUpdate::Create { .. })));
    if creates {
        let items = std::sync::Arc::clone(&dp.items);
        let client = dp.client.clone();
        let tenant = caller.tenant.id.clone();
        let table = std::sync::Arc::new(CatalogTable::new(t.record.clone(), t.def.clone()));
        tokio::spawn(async move {
            if let Err(e) = crate::items::backfill::run(items, client, tenant.clone(), table).await {
                tracing::error!(%tenant, error = %e, "index backfill failed");
            }
        });
    }
    let status = if creates || takes_time(&change) { "UPDATING" } else { "ACTIVE" };
    let usage = super::tables::usage(dp, caller, &t).await?;
    let loc = location(caller);
    let mut description = describe(&t.def, status, loc, usage);
    // An index being deleted is still listed, DELETING, in the answer (as
    // DynamoDB lists it until it is gone); DescribeTable no longer has it.
    if let TableChange::Update(u) = &change {
        let deleted: Vec<&str> = u
            .gsi
            .iter()
            .filter_map(|g| match g {
                ddb_core::api::table::GsiUpdate::Delete(name) => Some(name.as_str()),
                _ => None,
            })
            .collect();
        if !deleted.is_empty() {
            let was = describe(&before.def, "ACTIVE", loc, Default::default());
            let going: Vec<Value> = was
                .get("GlobalSecondaryIndexes")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|g| g.get("IndexName").and_then(Value::as_str).is_some_and(|n| deleted.contains(&n)))
                .cloned()
                .map(|mut g| {
                    if let Some(o) = g.as_object_mut() {
                        o.insert("IndexStatus".into(), json!("DELETING"));
                    }
                    g
                })
                .collect();
            if let Some(obj) = description.as_object_mut() {
                match obj.get_mut("GlobalSecondaryIndexes").and_then(Value::as_array_mut) {
                    Some(list) => list.extend(going),
                    None if !going.is_empty() => {
                        obj.insert("GlobalSecondaryIndexes".into(), Value::Array(going));
                    }
                    None => {}
                }
            }
        }
    }
    // A provisioned table's new capacity is not in force yet when DynamoDB
    // answers: the answer shows the capacity before, with the new increase
    // or decrease time, and the day's decreases as they were (dynalite's
    // updateTable.js, recorded against DynamoDB). DescribeTable shows the
    // change at once (Dynastore applies it at once).
    if let (TableChange::Update(u), Some(before_units)) = (&change, before.def.spec.throughput) {
        let provisioned = before.def.spec.billing_mode == ddb_core::api::table::BillingMode::Provisioned;
        let stays = u.billing_mode.is_none_or(|m| m == ddb_core::api::table::BillingMode::Provisioned);
        if let (true, true, Some(_), Some(pt)) =
            (provisioned, stays, u.throughput, description.get_mut("ProvisionedThroughput").and_then(Value::as_object_mut))
        {
            pt.insert("ReadCapacityUnits".into(), json!(before_units.read));
            pt.insert("WriteCapacityUnits".into(), json!(before_units.write));
            pt.insert("NumberOfDecreasesToday".into(), json!(before.def.decreases_today(super::now_secs())));
        }
    }
    // An encryption change answers as under way, naming the key the table
    // moves to (or, when it goes back to the key DynamoDB owns, the key it
    // leaves), as DynamoDB answers it; DescribeTable shows the result.
    if let (TableChange::Update(u), Some(obj)) = (&change, description.as_object_mut()) {
        if let Some((enabled, _)) = &u.sse {
            let key = if *enabled { t.def.spec.sse_kms_key.as_deref() } else { key_before.as_deref() };
            obj.insert("SSEDescription".into(), ddb_core::api::table::sse_description(key, "UPDATING", loc));
        }
    }
    Ok(json!({ "TableDescription": description }))
}

/// True when DynamoDB answers `change` with the table UPDATING: anything
/// but deletion protection, warm throughput and on-demand ceilings alone
/// (dynalite's updateTable.js for capacity and billing mode, recorded
/// against DynamoDB).
fn takes_time(change: &TableChange) -> bool {
    match change {
        TableChange::Update(u) => {
            u.billing_mode.is_some()
                || u.throughput.is_some()
                || u.table_class.is_some()
                || u.stream.is_some()
                || !u.gsi.is_empty()
                || !u.vector.is_empty()
                || u.sse.is_some()
        }
        _ => false,
    }
}

/// `UpdateTimeToLive`
pub async fn update_ttl(dp: &DataPlane, caller: &Verified, catalog: &Catalog, input: UpdateTimeToLiveInput) -> Result<Value, ApiError> {
    let (name, change) = input.validate().map_err(ApiError::Validation)?;
    if catalog.table(caller.space(), name).is_none() {
        return Err(not_found(name));
    }
    apply(dp, caller, name, &change).await?;
    let TableChange::TimeToLive { enabled, attribute_name } = change else {
        return Err(ApiError::Internal("UpdateTimeToLive produced another change".into()));
    };
    Ok(json!({ "TimeToLiveSpecification": { "Enabled": enabled, "AttributeName": attribute_name } }))
}

/// `DescribeTimeToLive`
pub fn describe_ttl(caller: &Verified, catalog: &Catalog, input: TableNameInput) -> Result<Value, ApiError> {
    let name = input.validate().map_err(ApiError::Validation)?;
    let t = catalog.table(caller.space(), name).ok_or_else(|| not_found(name))?;
    Ok(match &t.def.ttl_attribute {
        Some(a) => json!({ "TimeToLiveDescription": { "TimeToLiveStatus": "ENABLED", "AttributeName": a } }),
        None => json!({ "TimeToLiveDescription": { "TimeToLiveStatus": "DISABLED" } }),
    })
}

/// `DescribeKinesisStreamingDestination`: Dynastore has no Kinesis, so a
/// table has no streaming destinations (enabling one is not served).
pub fn describe_kinesis_destinations(caller: &Verified, catalog: &Catalog, input: TableNameInput) -> Result<Value, ApiError> {
    let name = input.validate().map_err(ApiError::Validation)?;
    let t = catalog.table(caller.space(), name).ok_or_else(|| not_found(name))?;
    Ok(json!({ "TableName": t.def.spec.name, "KinesisDataStreamDestinations": [] }))
}

/// `DescribeContinuousBackups`
pub fn describe_continuous_backups(caller: &Verified, catalog: &Catalog, input: TableNameInput) -> Result<Value, ApiError> {
    let name = input.validate().map_err(ApiError::Validation)?;
    let t = catalog
        .table(caller.space(), name)
        .ok_or_else(|| ApiError::TableNotFound(format!("Table not found: {name}")))?;
    Ok(json!({ "ContinuousBackupsDescription": continuous_backups(&t.def, super::now_secs()) }))
}

/// `UpdateContinuousBackups`: enables or disables point-in-time recovery.
/// While it is enabled the table's change log keeps every change with its
/// old and new images for the recovery period.
pub async fn update_continuous_backups(
    dp: &DataPlane,
    caller: &Verified,
    catalog: &Catalog,
    input: UpdateContinuousBackupsInput,
) -> Result<Value, ApiError> {
    let (name, change) = input.validate().map_err(ApiError::Validation)?;
    if catalog.table(caller.space(), name).is_none() {
        return Err(ApiError::TableNotFound(format!("Table not found: {name}")));
    }
    let t = apply(dp, caller, name, &change).await?;
    Ok(json!({ "ContinuousBackupsDescription": continuous_backups(&t.def, super::now_secs()) }))
}

/// Checks a resource ARN names a table of the caller's account and this
/// region, failing as DynamoDB does: a string that is not an ARN, the ARN
/// of something other than a table (an index, say) or of a table name no
/// table can have, is a ValidationException; another service's or another
/// account's resource is denied; a table ARN of another region is
/// invalid. Returns the table's name.
fn table_arn(caller: &Verified, action: &str, arn: &str) -> Result<String, ApiError> {
    let denied = || super::table_arn::other_account(caller, action, arn);
    let invalid = || ApiError::Validation(format!("Invalid TableArn: Invalid ResourceArn provided as input {arn}"));
    if !arn.starts_with("arn:") {
        return Err(ApiError::Validation(format!(
            "One or more parameter values were invalid: ARNs must start with 'arn:': {arn}"
        )));
    }
    let mut fields = arn.splitn(6, ':').skip(2);
    let (service, account) = (fields.next(), fields.nth(1));
    if service.is_some_and(|s| s != "dynamodb") {
        return Err(denied());
    }
    let parsed = TableArn::parse(arn).map_err(|_| invalid())?;
    let mut name_rules = ddb_core::api::table::Constraints::default();
    name_rules.table_name(&parsed.table, "tableName");
    if name_rules.finish().is_err() {
        return Err(invalid());
    }
    if parsed.sub != iam::arn::SubResource::None {
        return Err(ApiError::Validation(format!(
            "One or more parameter values were invalid: Invalid resource arn provided, only table or stream is accepted. Provided resource arn: {arn}"
        )));
    }
    if account != Some(caller.tenant.account_id.as_str()) {
        return Err(denied());
    }
    if parsed.region != caller.region {
        return Err(invalid());
    }
    Ok(parsed.table)
}

/// `ListTagsOfResource`, `TagResource`, `UntagResource`: the members, then
/// the ARN, then the tags, and only then whether the table exists.
pub async fn tags(dp: &DataPlane, caller: &Verified, catalog: &Catalog, op: TagOp, input: TagsInput) -> Result<Value, ApiError> {
    let arn = input.members(op).map_err(ApiError::Validation)?;
    let action = match op {
        TagOp::List => "ListTagsOfResource",
        TagOp::Tag => "TagResource",
        TagOp::Untag => "UntagResource",
    };
    let name = table_arn(caller, action, arn)?;
    let change = input.change(op).map_err(ApiError::Validation)?;
    let table: &std::sync::Arc<CatalogTable> = catalog
        .table(caller.space(), &name)
        .ok_or_else(|| ApiError::ResourceNotFound(format!("Requested resource not found: ResourcArn: {arn} not found")))?;
    match change {
        None => {
            let tags: Vec<Value> = table
                .def
                .spec
                .tags
                .iter()
                .map(|(k, v)| json!({ "Key": k, "Value": v }))
                .collect();
            Ok(json!({ "Tags": tags }))
        }
        Some(change) => {
            let name = table.def.spec.name.clone();
            apply(dp, caller, &name, &change).await?;
            Ok(json!({}))
        }
    }
}

/// `DescribeLimits`: DynamoDB's default account and table quotas.
pub fn describe_limits() -> Value {
    json!({
        "AccountMaxReadCapacityUnits": 80000,
        "AccountMaxWriteCapacityUnits": 80000,
        "TableMaxReadCapacityUnits": 40000,
        "TableMaxWriteCapacityUnits": 40000
    })
}

/// `DescribeEndpoints`: this endpoint itself, so clients that use endpoint
/// discovery stay here.
pub fn describe_endpoints(dp: &DataPlane, host: Option<&str>) -> Value {
    let address = host
        .map(str::to_owned)
        .unwrap_or_else(|| dp.config.listen.clone());
    json!({ "Endpoints": [ { "Address": address, "CachePeriodInMinutes": 1440 } ] })
}
