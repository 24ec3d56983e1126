//! UpdateTable's `ReplicaUpdates`: the replicas of a global table
//! (version 2019.11.21) are added, changed and removed here and carried
//! out by the control plane (`ReplicaChange`). A replica is the same-named
//! table in another region of the tenant, serving the same items: a write
//! through any replica is read through every other at once (DynamoDB's
//! replication is asynchronous, so this is stronger than it, never
//! weaker). A replica is ACTIVE as soon as the call returns.

use ddb_core::api::table::{describe, not_a_replica, ReplicaAction, TableChange, TableUpdate};
use dynastore_common::contract::ReplicaChange;
use serde_json::{json, Value};

use super::tables::{location, not_found, usage};
use crate::auth::Verified;
use crate::catalog::{Catalog, Space};
use crate::error::ApiError;
use crate::DataPlane;

/// Carries out a non-empty `ReplicaUpdates` (the request's only member)
/// on the table `name`.
pub(super) async fn update(dp: &DataPlane, caller: &Verified, catalog: &Catalog, name: &str, updates: &[Value]) -> Result<Value, ApiError> {
    let actions = ReplicaAction::parse(updates, &caller.region).map_err(ApiError::Validation)?;
    let Some(before) = catalog.table(caller.space(), name) else {
        return Err(not_found(name));
    };
    let actor = caller.actor();
    for action in &actions {
        let region = action.region();
        if !crate::auth::is_region_name(region) {
            return Err(ApiError::Validation(format!(
                "Region {region} is not supported. A region name is 1 to 64 letters, digits, '-', '_' or '.'"
            )));
        }
        // The catalog's key of a region: empty for the endpoint's own.
        let key = if region == dp.config.region { "" } else { region };
        let replica_change = |create: bool, table_class: &Option<String>, kms_key: &Option<String>| ReplicaChange {
            create,
            target: key.to_owned(),
            target_name: region.to_owned(),
            source_name: caller.region.clone(),
            table_class: table_class.clone(),
            kms_key: kms_key.clone(),
        };
        let out = match action {
            ReplicaAction::Create { table_class, kms_key, .. } => {
                if kms_key.is_some() && before.def.spec.sse_kms_key.is_none() {
                    return Err(ApiError::Validation(
                        "One or more parameter values were invalid: KMSMasterKeyId can only be given for a replica of a table encrypted with a KMS key"
                            .into(),
                    ));
                }
                let change = replica_change(true, table_class, kms_key);
                dp.client.change_replicas(caller.space(), name, &change, Some(&actor)).await?
            }
            ReplicaAction::Delete { .. } => {
                let change = replica_change(false, &None, &None);
                dp.client.change_replicas(caller.space(), name, &change, Some(&actor)).await?
            }
            ReplicaAction::Update { table_class, .. } => {
                if !before.def.replicas.iter().any(|r| r == region) {
                    return Err(ApiError::Validation(not_a_replica(region)));
                }
                let change = TableChange::Update(TableUpdate {
                    table_class: Some(table_class.clone()),
                    ..TableUpdate::default()
                });
                let body = serde_json::to_value(&change).map_err(|e| ApiError::Internal(e.to_string()))?;
                let space = Space {
                    tenant: caller.space().tenant,
                    region: key,
                };
                dp.client.change_table(space, name, &body, Some(&actor)).await?
            }
        };
        dp.wait_for_revision(out.revision).await;
    }
    // DynamoDB answers with the table UPDATING and the replicas as they
    // were before the change (the new one is listed once it is created).
    let now = dp.catalog.load_full().ok_or_else(|| not_found(name))?;
    let t = now.table(caller.space(), name).ok_or_else(|| not_found(name))?;
    let mut def = t.def.clone();
    def.replicas.clone_from(&before.def.replicas);
    if def.replicas.is_empty() {
        def.replicas.push(caller.region.clone());
    }
    let usage = usage(dp, caller, t).await?;
    Ok(json!({ "TableDescription": describe(&def, "UPDATING", location(caller), usage) }))
}
