//! Table management: CreateTable and DeleteTable are validated here and
//! applied by the control plane; DescribeTable answers from the catalog.
//! After a change the data plane waits until its own catalog has caught up,
//! so a DescribeTable right after CreateTable finds the table.

use ddb_core::api::table::{describe, CreateTableInput, Location, TableNameInput, Usage};
use dynastore_common::contract::CreateTableRequest;
use serde_json::{json, Value};

use crate::auth::Verified;
use crate::catalog::{Catalog, CatalogTable};
use crate::error::ApiError;
use crate::DataPlane;

/// Where the caller's tables are: the region the request was signed for,
/// in the tenant's account.
pub(super) fn location(caller: &Verified) -> Location<'_> {
    Location {
        partition: iam::partition(&caller.region),
        region: &caller.region,
        account_id: &caller.tenant.account_id,
    }
}

pub(super) fn not_found(name: &str) -> ApiError {
    ApiError::ResourceNotFound(format!("Requested resource not found: Table: {name} not found"))
}

/// `CreateTable`
pub async fn create(dp: &DataPlane, caller: &Verified, catalog: &Catalog, input: CreateTableInput) -> Result<Value, ApiError> {
    let spec = input.validate().map_err(ApiError::Validation)?;
    let warm_sent = input.warm_throughput.is_some();
    let policy = match &input.resource_policy {
        Some(document) => Some(super::resource_policy::check_document(caller, catalog, document)?),
        None => None,
    };
    let request = CreateTableRequest {
        tenant_id: caller.tenant.id.clone(),
        region: caller.space().region.to_owned(),
        spec: serde_json::to_value(&spec).map_err(|e| ApiError::Internal(e.to_string()))?,
    };
    let change = dp.client.create_table(&request, Some(&caller.actor())).await?;
    dp.wait_for_revision(change.revision).await;
    let mut def: ddb_core::api::table::TableDefinition = serde_json::from_value(change.table.definition)
        .map_err(|e| ApiError::Internal(format!("unreadable definition: {e}")))?;
    if let Some(document) = policy {
        let arn = location(caller).table_arn(&spec.name);
        let attach = ddb_core::api::table::TableChange::ResourcePolicy {
            target: ddb_core::api::table::PolicyTarget::Table,
            arn,
            document: Some(document),
            expected_revision: None,
        };
        def = super::table_settings::apply(dp, caller, &spec.name, &attach).await?.def;
    }
    // DynamoDB answers CREATING; the table is ACTIVE by the next call.
    let mut description = describe(&def, "CREATING", location(caller), Usage::default());
    creation_answer(&mut description, warm_sent);
    Ok(json!({ "TableDescription": description }))
}

/// What CreateTable's answer leaves out of the description, as DynamoDB's
/// does: WarmThroughput unless the request set it, and the time of the
/// switch to on-demand.
fn creation_answer(description: &mut Value, warm_sent: bool) {
    let Some(m) = description.as_object_mut() else { return };
    if !warm_sent {
        m.remove("WarmThroughput");
        if let Some(Value::Array(indexes)) = m.get_mut("GlobalSecondaryIndexes") {
            for ix in indexes.iter_mut().filter_map(Value::as_object_mut) {
                ix.remove("WarmThroughput");
            }
        }
    }
    if let Some(Value::Object(summary)) = m.get_mut("BillingModeSummary") {
        summary.remove("LastUpdateToPayPerRequestDateTime");
    }
}

/// `DescribeTable`. ItemCount and the sizes are exact (DynamoDB's lag up
/// to six hours; tools only need them not to be stale).
pub async fn describe_table(dp: &DataPlane, caller: &Verified, catalog: &Catalog, input: TableNameInput) -> Result<Value, ApiError> {
    let name = input.validate().map_err(ApiError::Validation)?;
    let table = catalog.table(caller.space(), name).ok_or_else(|| not_found(name))?;
    let usage = usage(dp, caller, table).await?;
    Ok(json!({ "Table": describe(&table.def, &table.record.status, location(caller), usage) }))
}

/// The table's item count and sizes, with its indexes'.
pub(super) async fn usage(dp: &DataPlane, caller: &Verified, table: &CatalogTable) -> Result<Usage, ApiError> {
    let snapshot = dp.items.snapshot(&caller.tenant.id).await?;
    crate::items::stats::read(snapshot.as_ref(), &table.record.id, &table.indexes.indexes)
        .map_err(|e| ApiError::Internal(format!("storage: {e}")))
}

/// `DeleteTable`
pub async fn delete(dp: &DataPlane, caller: &Verified, catalog: &Catalog, input: TableNameInput) -> Result<Value, ApiError> {
    let name = input.validate().map_err(ApiError::Validation)?;
    let table = catalog.table(caller.space(), name).ok_or_else(|| not_found(name))?;
    // A table with point-in-time recovery leaves a SYSTEM backup behind,
    // kept 35 days, as DynamoDB does (deletion protection refuses first).
    if table.def.pitr.is_some() && !table.def.spec.deletion_protection {
        let backup_name = ddb_core::api::table::system_backup_name(name);
        super::backups::make_backup(dp, caller, table, &backup_name, true).await?;
    }
    let change = dp.client.delete_table(caller.space(), name, Some(&caller.actor())).await?;
    dp.wait_for_revision(change.revision).await;
    let def = serde_json::from_value(change.table.definition)
        .map_err(|e| ApiError::Internal(format!("unreadable definition: {e}")))?;
    Ok(json!({ "TableDescription": ddb_core::api::table::describe_deleted(&def, location(caller)) }))
}
