//! Replicas of global tables (version 2019.11.21) on the internal API.
//!
//! A replica is a row of the same tenant and table name in another region
//! that shares the table's storage id (`tables.id`), so the data plane
//! serves one copy of the items under every replica's name. Adding one
//! inserts that row (its own `TableId`, stream and creation time) and
//! records the new region list in every replica's definition, in one
//! transaction; removing one deletes its row and shortens the list (a
//! table left alone is a regional table again). Changes of synchronized
//! settings reach every replica through [`sync_replicas`].

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::Json;
use ddb_core::api::table::{not_a_replica, replica_already_exists, replica_definition, TableChange as Change, TableDefinition};
use dynastore_common::contract::{unqualified, DdbError, ReplicaChange, TableChange, TableRecord};

use crate::admin::caller::PeerIp;
use crate::db::{revision, tables, tenants};
use crate::error::{Error, Result};
use crate::internal_api::authorize;
use crate::tables_api::{entry, epoch_now, finish, not_found, table_id};
use crate::ControlPlane;

/// DynamoDB's refusal to delete a table (or replica) under deletion
/// protection.
pub(crate) const PROTECTED: &str =
    "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.";

/// The refusal to delete the replica of `name` in `region` under its
/// deletion protection.
fn protected_replica(name: &str, region: &str) -> String {
    format!("Cannot delete table {name} in region {region} because it has deletion protection enabled. Disable deletion protection first.")
}

/// The refusal of DeleteTable on `record` (definition `def`), whose
/// deletion protection is on: a replica of a global table names its region.
pub(crate) async fn protected(tx: &mut sqlx::PgConnection, record: &TableRecord, def: &TableDefinition) -> Result<String> {
    if def.replicas.is_empty() {
        return Ok(PROTECTED.to_owned());
    }
    let others = tables::replicas_for_update(tx, &record.tenant_id, &record.id, &record.region).await?;
    Ok(match own_region_name(record, def, &others) {
        Some(region) => protected_replica(&record.name, &region),
        None => PROTECTED.to_owned(),
    })
}

/// The region name of `record` among its replicas' (`others`): outside the
/// home region a region's key is its name; the home region's name is the
/// one no other replica's key is.
fn own_region_name(record: &TableRecord, def: &TableDefinition, others: &[TableRecord]) -> Option<String> {
    if record.region.is_empty() {
        def.replicas.iter().find(|n| !others.iter().any(|o| &o.region == *n)).cloned()
    } else {
        Some(record.region.clone())
    }
}

fn validation(message: String) -> Error {
    DdbError::new("ValidationException", message).into()
}

pub(crate) fn definition_of(record: &TableRecord) -> Result<TableDefinition> {
    serde_json::from_value(record.definition.clone()).map_err(|e| Error::BadRequest(format!("stored definition unreadable: {e}")))
}

fn encode(def: &TableDefinition) -> Result<serde_json::Value> {
    serde_json::to_value(def).map_err(|e| Error::BadRequest(format!("unserializable table: {e}")))
}

/// `POST {TABLES_PATH}/{tenant}/{name}/replicas`
pub(crate) async fn change(
    State(cp): State<Arc<ControlPlane>>,
    peer: PeerIp,
    headers: HeaderMap,
    Path((tenant, qualified)): Path<(String, String)>,
    Json(change): Json<ReplicaChange>,
) -> Result<Json<TableChange>> {
    authorize(&cp, &headers)?;
    let (name, region) = unqualified(&qualified);
    let action = if change.create { "dynamodb:CreateTableReplica" } else { "dynamodb:DeleteTableReplica" };
    let summary = serde_json::json!({ "TableName": name, "RegionName": change.target_name });
    let entry = entry(&headers, peer, &tenant, action, name, summary);
    let result = apply(&cp, &tenant, region, name, &change).await;
    finish(&cp, &entry, result).await
}

async fn apply(
    cp: &ControlPlane,
    tenant: &str,
    region: &str,
    name: &str,
    change: &ReplicaChange,
) -> Result<(sqlx::Transaction<'static, sqlx::Postgres>, TableChange)> {
    let mut tx = cp.pool.begin().await?;
    // Lock order of table creation: the tenant row, then table rows.
    let Some(tenant_row) = tenants::lock(&mut tx, tenant).await? else {
        return Err(not_found(name).into());
    };
    let Some(mut source) = tables::get_for_update(&mut tx, tenant, region, name).await? else {
        return Err(not_found(name).into());
    };
    let mut def = definition_of(&source)?;
    let others = tables::replicas_for_update(&mut tx, tenant, &source.id, region).await?;
    let mut names = if def.replicas.is_empty() { vec![change.source_name.clone()] } else { def.replicas.clone() };
    let now = epoch_now();
    if change.create {
        if names.contains(&change.target_name) || tables::get_for_update(&mut tx, tenant, &change.target, name).await?.is_some() {
            return Err(validation(replica_already_exists(name)));
        }
        def.check_replicable().map_err(validation)?;
        def.ensure_stream(now);
        names.push(change.target_name.clone());
        names.sort();
        def.replicas.clone_from(&names);
        let replica = replica_definition(&def, table_id(), now, change.table_class.clone(), change.kms_key.clone());
        let record = TableRecord {
            tenant_id: tenant.to_owned(),
            region: change.target.clone(),
            name: name.to_owned(),
            id: source.id.clone(),
            status: "ACTIVE".into(),
            definition: encode(&replica)?,
        };
        match tables::insert(&mut tx, &record).await {
            Ok(()) => {}
            Err(Error::Conflict(_)) => return Err(validation(replica_already_exists(name))),
            Err(e) => return Err(e),
        }
        crate::quotas::check_table_count(&mut tx, tenant, &tenant_row.record.quotas).await?;
    } else {
        let target = others.iter().find(|r| r.region == change.target);
        let Some(target) = target.filter(|_| names.contains(&change.target_name)) else {
            return Err(validation(not_a_replica(&change.target_name)));
        };
        if definition_of(target)?.spec.deletion_protection {
            return Err(validation(protected_replica(name, &change.target_name)));
        }
        tables::delete(&mut tx, tenant, &change.target, name).await?;
        names = without(names, &change.target_name);
        def.replicas.clone_from(&names);
    }
    source.definition = encode(&def)?;
    tables::set_definition(&mut tx, tenant, region, name, &source.definition).await?;
    let remaining: Vec<&TableRecord> = others.iter().filter(|r| r.region != change.target).collect();
    record_replicas(&mut tx, remaining, &names).await?;
    let rev = revision::current(&mut tx).await?;
    tracing::info!(%tenant, table = %name, region = %change.target_name, create = change.create, "table replica changed");
    Ok((tx, TableChange { revision: rev, table: source }))
}

/// Applies the synchronized part of `change` (made to the table `record`,
/// whose definition is now `def`) to its other replicas.
pub(crate) async fn sync_replicas(
    tx: &mut sqlx::PgConnection,
    record: &TableRecord,
    def: &TableDefinition,
    change: &Change,
) -> Result<()> {
    if def.replicas.is_empty() {
        return Ok(());
    }
    let Some(shared) = change.synchronized() else {
        return Ok(());
    };
    let now = epoch_now();
    for other in tables::replicas_for_update(tx, &record.tenant_id, &record.id, &record.region).await? {
        let mut d = definition_of(&other)?;
        d.apply(&shared, now).map_err(|e| DdbError::new(e.code(), e.message()))?;
        tables::set_definition(tx, &record.tenant_id, &other.region, &other.name, &encode(&d)?).await?;
    }
    Ok(())
}

/// When the table `record` (a replica of a global table) is deleted: the
/// other replicas no longer list its region.
pub(crate) async fn forget_replica(tx: &mut sqlx::PgConnection, record: &TableRecord, def: &TableDefinition) -> Result<()> {
    if def.replicas.is_empty() {
        return Ok(());
    }
    let others = tables::replicas_for_update(tx, &record.tenant_id, &record.id, &record.region).await?;
    let own = own_region_name(record, def, &others).unwrap_or_default();
    let names = without(def.replicas.clone(), &own);
    record_replicas(tx, others.iter().collect(), &names).await
}

/// The region list without `region`; empty when one region is left (a
/// table alone is a regional table again).
fn without(mut names: Vec<String>, region: &str) -> Vec<String> {
    names.retain(|n| n != region);
    if names.len() < 2 {
        names.clear();
    }
    names
}

/// Stores `names` as the region list of each of `replicas`.
async fn record_replicas(tx: &mut sqlx::PgConnection, replicas: Vec<&TableRecord>, names: &[String]) -> Result<()> {
    for r in replicas {
        let mut d = definition_of(r)?;
        d.replicas = names.to_vec();
        tables::set_definition(tx, &r.tenant_id, &r.region, &r.name, &encode(&d)?).await?;
    }
    Ok(())
}
