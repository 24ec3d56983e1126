//! Table management on the internal API: the data plane authorizes and
//! validates CreateTable / DeleteTable / table changes (UpdateTable, TTL,
//! tags), then the control plane applies them
//! to the catalog and answers with the revision at which data planes see
//! the change. Refusals are DynamoDB errors ([`DdbError`]) the data plane
//! relays as they are.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{delete, post};
use axum::{Json, Router};
use ddb_core::api::table::{stream_label, BillingMode, TableChange as Change, TableDefinition, TableSpec};
use dynastore_common::contract::{self, CreateTableRequest, DdbError, TableChange, TableRecord};

use crate::db::{revision, tables, tenants};
use crate::error::{Error, Result};
use crate::internal_api::authorize;
use crate::{ids, ControlPlane};

/// Tables one account may hold (DynamoDB's default quota).
pub const MAX_TABLES_PER_TENANT: i64 = 2500;

/// Routes of table management.
pub fn router() -> Router<Arc<ControlPlane>> {
    Router::new()
        .route(contract::TABLES_PATH, post(create))
        .route(&format!("{}/{{tenant}}/{{name}}", contract::TABLES_PATH), delete(remove))
        .route(&format!("{}/{{tenant}}/{{name}}/changes", contract::TABLES_PATH), post(change))
}

fn epoch_now() -> f64 {
    chrono::Utc::now().timestamp_millis() as f64 / 1000.0
}

async fn change(
    State(cp): State<Arc<ControlPlane>>,
    headers: HeaderMap,
    Path((tenant, name)): Path<(String, String)>,
    Json(change): Json<Change>,
) -> Result<Json<TableChange>> {
    authorize(&cp, &headers)?;
    let mut tx = cp.pool.begin().await?;
    let Some(mut record) = tables::get_for_update(&mut tx, &tenant, &name).await? else {
        return Err(not_found(&name).into());
    };
    let mut def: TableDefinition = serde_json::from_value(record.definition.clone())
        .map_err(|e| Error::BadRequest(format!("stored definition unreadable: {e}")))?;
    def.apply(&change, epoch_now())
        .map_err(|e| DdbError::new(e.code(), e.message()))?;
    record.definition = serde_json::to_value(&def)
        .map_err(|e| Error::BadRequest(format!("unserializable table: {e}")))?;
    tables::set_definition(&mut tx, &tenant, &name, &record.definition).await?;
    let rev = revision::current(&mut tx).await?;
    tx.commit().await?;
    Ok(Json(TableChange {
        revision: rev,
        table: record,
    }))
}

fn table_id() -> String {
    let h = ids::internal_id();
    format!(
        "{}-{}-{}-{}-{}",
        h.get(0..8).unwrap_or_default(),
        h.get(8..12).unwrap_or_default(),
        h.get(12..16).unwrap_or_default(),
        h.get(16..20).unwrap_or_default(),
        h.get(20..32).unwrap_or_default()
    )
}

fn not_found(name: &str) -> DdbError {
    DdbError::new(
        "ResourceNotFoundException",
        format!("Requested resource not found: Table: {name} not found"),
    )
}

async fn create(
    State(cp): State<Arc<ControlPlane>>,
    headers: HeaderMap,
    Json(req): Json<CreateTableRequest>,
) -> Result<Json<TableChange>> {
    authorize(&cp, &headers)?;
    let spec: TableSpec = serde_json::from_value(req.spec)
        .map_err(|e| Error::BadRequest(format!("invalid table spec: {e}")))?;
    let created_at = epoch_now();
    let def = TableDefinition {
        table_id: table_id(),
        created_at,
        pay_per_request_since: (spec.billing_mode == BillingMode::PayPerRequest).then_some(created_at),
        stream_label: spec.stream.map(|_| stream_label(created_at)),
        ttl_attribute: None,
        last_increase: None,
        last_decrease: None,
        creating_indexes: Vec::new(),
        spec,
    };
    let record = TableRecord {
        tenant_id: req.tenant_id.clone(),
        name: def.spec.name.clone(),
        id: def.table_id.clone(),
        status: "ACTIVE".into(),
        definition: serde_json::to_value(&def)
            .map_err(|e| Error::BadRequest(format!("unserializable table: {e}")))?,
    };

    let mut tx = cp.pool.begin().await?;
    if tenants::by_id(&mut tx, &req.tenant_id).await?.is_none() {
        return Err(Error::NotFound(format!("tenant {}", req.tenant_id)));
    }
    if tables::count(&mut tx, &req.tenant_id).await? >= MAX_TABLES_PER_TENANT {
        return Err(DdbError::new(
            "LimitExceededException",
            format!("Subscriber limit exceeded: Only {MAX_TABLES_PER_TENANT} tables can be created in this account"),
        )
        .into());
    }
    match tables::insert(&mut tx, &record).await {
        Ok(()) => {}
        Err(Error::Conflict(msg)) => return Err(DdbError::new("ResourceInUseException", msg).into()),
        Err(e) => return Err(e),
    }
    let rev = revision::current(&mut tx).await?;
    tx.commit().await?;
    tracing::info!(tenant = %record.tenant_id, table = %record.name, "table created");
    Ok(Json(TableChange {
        revision: rev,
        table: record,
    }))
}

async fn remove(
    State(cp): State<Arc<ControlPlane>>,
    headers: HeaderMap,
    Path((tenant, name)): Path<(String, String)>,
) -> Result<Json<TableChange>> {
    authorize(&cp, &headers)?;
    let mut tx = cp.pool.begin().await?;
    let Some(mut record) = tables::get_for_update(&mut tx, &tenant, &name).await? else {
        return Err(not_found(&name).into());
    };
    let protected = serde_json::from_value::<TableDefinition>(record.definition.clone())
        .map(|d| d.spec.deletion_protection)
        .unwrap_or(false);
    if protected {
        return Err(DdbError::new(
            "ValidationException",
            "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.",
        )
        .into());
    }
    tables::delete(&mut tx, &tenant, &name).await?;
    let rev = revision::current(&mut tx).await?;
    tx.commit().await?;
    tracing::info!(%tenant, table = %name, "table deleted");
    record.status = "DELETING".into();
    Ok(Json(TableChange {
        revision: rev,
        table: record,
    }))
}
