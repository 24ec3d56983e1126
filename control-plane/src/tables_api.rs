//! Table management on the internal API: the data plane authorizes and
//! validates CreateTable / DeleteTable / table changes (UpdateTable, TTL,
//! tags), then the control plane applies them
//! to the catalog and answers with the revision at which data planes see
//! the change. Refusals are DynamoDB errors ([`DdbError`]) the data plane
//! relays as they are; CreateTable and UpdateTable are checked against
//! the tenant's quotas (see `quotas`) in the transaction of the change.
//!
//! Every operation leaves an `audit_log` row (in the transaction of the
//! change when it succeeds): the principal and source address are the
//! ones the data plane names in the headers [`contract::PRINCIPAL_HEADER`]
//! and [`contract::SOURCE_IP_HEADER`] (the IAM caller and the client's
//! address), else `data-plane` and the data plane's own address.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{delete, post};
use axum::{Json, Router};
use ddb_core::api::table::{stream_label, BillingMode, TableChange as Change, TableDefinition, TableSpec};
use dynastore_common::contract::{
    self, unqualified, CreateTableRequest, DdbError, TableChange, TableRecord, PRINCIPAL_HEADER, SOURCE_IP_HEADER,
};

use crate::admin::caller::PeerIp;
use crate::db::audit::{self, Entry};
use crate::db::{revision, tables, tenants};
use crate::error::{Error, Result};
use crate::internal_api::authorize;
use crate::quotas::{self, Capacity};
use crate::{ids, ControlPlane};

/// Principal recorded when the data plane names none.
const DEFAULT_PRINCIPAL: &str = "data-plane";

/// The audit entry of a table operation, as far as the request tells it.
pub(crate) fn entry(
    headers: &HeaderMap,
    peer: PeerIp,
    tenant_id: &str,
    action: &str,
    table: &str,
    request: serde_json::Value,
) -> Entry {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| v.chars().take(256).collect::<String>())
    };
    Entry {
        tenant_id: Some(tenant_id.to_owned()),
        principal: header(PRINCIPAL_HEADER).unwrap_or_else(|| DEFAULT_PRINCIPAL.to_owned()),
        source_ip: header(SOURCE_IP_HEADER).or(peer.0),
        action: action.to_owned(),
        resource: format!("table/{table}"),
        request,
    }
}

/// The audited action of a table change.
fn change_action(change: &Change) -> &'static str {
    match change {
        Change::Tag(_) => "dynamodb:TagResource",
        Change::Untag(_) => "dynamodb:UntagResource",
        Change::TimeToLive { .. } => "dynamodb:UpdateTimeToLive",
        Change::PointInTimeRecovery { .. } => "dynamodb:UpdateContinuousBackups",
        Change::Update(_) => "dynamodb:UpdateTable",
        Change::IndexReady(_) => "IndexReady",
        Change::Restored(_) => "dynamodb:RestoreTableToPointInTime",
        Change::ResourcePolicy { document: Some(_), .. } => "dynamodb:PutResourcePolicy",
        Change::ResourcePolicy { document: None, .. } => "dynamodb:DeleteResourcePolicy",
        Change::ContributorInsights { .. } => "dynamodb:UpdateContributorInsights",
    }
}

/// Records a refused or failed operation, best effort (its transaction,
/// if any, has rolled back).
async fn record_failure(cp: &ControlPlane, entry: &Entry, error: &Error) {
    let recorded = async {
        let mut conn = cp.pool.acquire().await?;
        audit::insert(&mut conn, entry, error.status().as_u16()).await
    }
    .await;
    if let Err(e) = recorded {
        tracing::error!(error = %e, action = %entry.action, "cannot record a failed table operation in the audit log");
    }
}

/// Records the outcome of an operation: a success in its transaction
/// (then committed), a failure on its own.
pub(crate) async fn finish(
    cp: &ControlPlane,
    entry: &Entry,
    result: Result<(sqlx::Transaction<'static, sqlx::Postgres>, TableChange)>,
) -> Result<Json<TableChange>> {
    match result {
        Ok((mut tx, change)) => {
            audit::insert(&mut tx, entry, 200).await?;
            tx.commit().await?;
            Ok(Json(change))
        }
        Err(e) => {
            record_failure(cp, entry, &e).await;
            Err(e)
        }
    }
}

/// Routes of table management.
pub fn router() -> Router<Arc<ControlPlane>> {
    Router::new()
        .route(contract::TABLES_PATH, post(create))
        .route(&format!("{}/{{tenant}}/{{name}}", contract::TABLES_PATH), delete(remove))
        .route(&format!("{}/{{tenant}}/{{name}}/changes", contract::TABLES_PATH), post(change))
        .route(&format!("{}/{{tenant}}/{{name}}/replicas", contract::TABLES_PATH), post(crate::replicas_api::change))
}

pub(crate) fn epoch_now() -> f64 {
    chrono::Utc::now().timestamp_millis() as f64 / 1000.0
}

async fn change(
    State(cp): State<Arc<ControlPlane>>,
    peer: PeerIp,
    headers: HeaderMap,
    Path((tenant, qualified)): Path<(String, String)>,
    Json(change): Json<Change>,
) -> Result<Json<TableChange>> {
    authorize(&cp, &headers)?;
    let (name, region) = unqualified(&qualified);
    let summary = serde_json::to_value(&change).unwrap_or_default();
    let entry = entry(&headers, peer, &tenant, change_action(&change), name, summary);
    let result = apply_change(&cp, &tenant, region, name, &change).await;
    finish(&cp, &entry, result).await
}

async fn apply_change(
    cp: &ControlPlane,
    tenant: &str,
    region: &str,
    name: &str,
    change: &Change,
) -> Result<(sqlx::Transaction<'static, sqlx::Postgres>, TableChange)> {
    let mut tx = cp.pool.begin().await?;
    // The tenant row first (the lock order of `quotas`): throughput changes
    // are checked against the tenant's quotas, and a change of one replica
    // of a global table locks the others, so changes of a tenant's tables
    // queue here rather than deadlock.
    let Some(locked) = tenants::lock(&mut tx, tenant).await? else {
        return Err(not_found(name).into());
    };
    let quotas = matches!(change, Change::Update(_)).then_some(locked.record.quotas);
    let Some(mut record) = tables::get_for_update(&mut tx, tenant, region, name).await? else {
        return Err(not_found(name).into());
    };
    let mut def: TableDefinition = serde_json::from_value(record.definition.clone())
        .map_err(|e| Error::BadRequest(format!("stored definition unreadable: {e}")))?;
    let before = Capacity::of(&def);
    def.apply(change, epoch_now())
        .map_err(|e| DdbError::new(e.code(), e.message()))?;
    if let Some(quotas) = &quotas {
        quotas::check_capacity(&mut tx, tenant, quotas, (region, name), before, Capacity::of(&def)).await?;
    }
    record.definition = serde_json::to_value(&def)
        .map_err(|e| Error::BadRequest(format!("unserializable table: {e}")))?;
    tables::set_definition(&mut tx, tenant, region, name, &record.definition).await?;
    crate::replicas_api::sync_replicas(&mut tx, &record, &def, change).await?;
    let rev = revision::current(&mut tx).await?;
    Ok((
        tx,
        TableChange {
            revision: rev,
            table: record,
        },
    ))
}

/// A table's id: a random version-4 UUID, as DynamoDB's `TableId` is.
pub(crate) fn table_id() -> String {
    let h = ids::internal_id();
    // The version nibble is 4; the variant nibble is one of 8, 9, a, b.
    let variant = h
        .get(16..17)
        .and_then(|c| u8::from_str_radix(c, 16).ok())
        .map_or('8', |n| match n & 3 {
            0 => '8',
            1 => '9',
            2 => 'a',
            _ => 'b',
        });
    format!(
        "{}-{}-4{}-{}{}-{}",
        h.get(0..8).unwrap_or_default(),
        h.get(8..12).unwrap_or_default(),
        h.get(13..16).unwrap_or_default(),
        variant,
        h.get(17..20).unwrap_or_default(),
        h.get(20..32).unwrap_or_default()
    )
}

pub(crate) fn not_found(name: &str) -> DdbError {
    DdbError::new(
        "ResourceNotFoundException",
        format!("Requested resource not found: Table: {name} not found"),
    )
}

async fn create(
    State(cp): State<Arc<ControlPlane>>,
    peer: PeerIp,
    headers: HeaderMap,
    Json(req): Json<CreateTableRequest>,
) -> Result<Json<TableChange>> {
    authorize(&cp, &headers)?;
    let name = req
        .spec
        .get("name")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let entry = entry(
        &headers,
        peer,
        &req.tenant_id,
        "dynamodb:CreateTable",
        &name,
        serde_json::json!({ "TableName": name }),
    );
    let result = create_table(&cp, req).await;
    finish(&cp, &entry, result).await
}

async fn create_table(
    cp: &ControlPlane,
    req: CreateTableRequest,
) -> Result<(sqlx::Transaction<'static, sqlx::Postgres>, TableChange)> {
    let spec: TableSpec = serde_json::from_value(req.spec)
        .map_err(|e| Error::BadRequest(format!("invalid table spec: {e}")))?;
    let created_at = epoch_now();
    let def = TableDefinition {
        pay_per_request_since: (spec.billing_mode == BillingMode::PayPerRequest).then_some(created_at),
        stream_label: spec.stream.map(|_| stream_label(created_at)),
        ..TableDefinition::new(table_id(), created_at, spec)
    };
    let record = TableRecord {
        tenant_id: req.tenant_id.clone(),
        region: req.region.clone(),
        name: def.spec.name.clone(),
        id: def.table_id.clone(),
        status: "ACTIVE".into(),
        definition: serde_json::to_value(&def)
            .map_err(|e| Error::BadRequest(format!("unserializable table: {e}")))?,
    };

    let mut tx = cp.pool.begin().await?;
    // The tenant row stays locked until commit: concurrent creates of one
    // tenant queue here, so each counts and sums what the previous committed.
    let Some(tenant) = tenants::lock(&mut tx, &req.tenant_id).await? else {
        return Err(Error::NotFound(format!("tenant {}", req.tenant_id)));
    };
    // Insert first: a taken name is ResourceInUseException whatever the
    // quotas; a refusal below rolls the row back.
    match tables::insert(&mut tx, &record).await {
        Ok(()) => {}
        Err(Error::Conflict(msg)) => return Err(DdbError::new("ResourceInUseException", msg).into()),
        Err(e) => return Err(e),
    }
    let quotas = tenant.record.quotas;
    quotas::check_table_count(&mut tx, &req.tenant_id, &quotas).await?;
    let created = Capacity::of(&def);
    quotas::check_capacity(&mut tx, &req.tenant_id, &quotas, (&record.region, &record.name), Capacity::default(), created).await?;
    let rev = revision::current(&mut tx).await?;
    tracing::info!(tenant = %record.tenant_id, table = %record.name, "table created");
    Ok((
        tx,
        TableChange {
            revision: rev,
            table: record,
        },
    ))
}

async fn remove(
    State(cp): State<Arc<ControlPlane>>,
    peer: PeerIp,
    headers: HeaderMap,
    Path((tenant, qualified)): Path<(String, String)>,
) -> Result<Json<TableChange>> {
    authorize(&cp, &headers)?;
    let (name, region) = unqualified(&qualified);
    let entry = entry(
        &headers,
        peer,
        &tenant,
        "dynamodb:DeleteTable",
        name,
        serde_json::json!({ "TableName": name }),
    );
    let result = delete_table(&cp, &tenant, region, name).await;
    finish(&cp, &entry, result).await
}

async fn delete_table(
    cp: &ControlPlane,
    tenant: &str,
    region: &str,
    name: &str,
) -> Result<(sqlx::Transaction<'static, sqlx::Postgres>, TableChange)> {
    let mut tx = cp.pool.begin().await?;
    // Lock order of table changes (a replica's deletion updates the others).
    if tenants::lock(&mut tx, tenant).await?.is_none() {
        return Err(not_found(name).into());
    }
    let Some(mut record) = tables::get_for_update(&mut tx, tenant, region, name).await? else {
        return Err(not_found(name).into());
    };
    let def = serde_json::from_value::<TableDefinition>(record.definition.clone()).ok();
    if let Some(def) = def.as_ref().filter(|d| d.spec.deletion_protection) {
        let message = crate::replicas_api::protected(&mut tx, &record, def).await?;
        return Err(DdbError::new("ValidationException", message).into());
    }
    tables::delete(&mut tx, tenant, region, name).await?;
    if let Some(def) = &def {
        crate::replicas_api::forget_replica(&mut tx, &record, def).await?;
    }
    let rev = revision::current(&mut tx).await?;
    tracing::info!(%tenant, table = %name, "table deleted");
    record.status = "DELETING".into();
    Ok((
        tx,
        TableChange {
            revision: rev,
            table: record,
        },
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn table_ids_are_version_4_uuids() {
        for _ in 0..64 {
            let id = super::table_id();
            let parts: Vec<&str> = id.split('-').collect();
            assert_eq!(parts.iter().map(|p| p.len()).collect::<Vec<_>>(), [8, 4, 4, 4, 12], "{id}");
            assert!(parts[2].starts_with('4'), "{id}");
            assert!(parts[3].starts_with(['8', '9', 'a', 'b']), "{id}");
            assert!(id.chars().all(|c| c == '-' || c.is_ascii_hexdigit()), "{id}");
        }
    }
}
