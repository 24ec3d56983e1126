//! `/v1/tenants/{tenant}/tables`: the table catalog of a tenant, read-only
//! (tables are managed through the DynamoDB API).

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use dynastore_common::contract::{unqualified, TableRecord};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::caller::{Caller, Params};
use super::error::AdminError;
use crate::db::tables;
use crate::ControlPlane;

/// A table in a list.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TableSummary {
    pub name: String,
    /// The region whose namespace holds it; absent for the endpoint's home
    /// region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub id: String,
    /// `ACTIVE`, `CREATING`, …
    pub status: String,
    pub created_at: DateTime<Utc>,
}

/// A table with its stored definition.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Table {
    pub name: String,
    /// As in [`TableSummary`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub id: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    /// The definition as the catalog stores it (key schema, indexes,
    /// billing, streams, TTL, tags…).
    #[schema(value_type = Object)]
    pub definition: serde_json::Value,
}

/// Body of `GET /v1/tenants/{tenant}/tables`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TableList {
    pub tables: Vec<TableSummary>,
}

/// Lists a tenant's tables.
#[utoipa::path(get, path = "/v1/tenants/{tenant}/tables", operation_id = "listTables", tag = "tables",
    params(("tenant" = String, Path, description = "tenant name or id")),
    responses((status = 200, body = TableList), (status = 404, body = super::Problem)))]
pub async fn list(
    State(cp): State<Arc<ControlPlane>>,
    caller: Caller,
    Params(tenant): Params<String>,
) -> Result<Json<TableList>, AdminError> {
    let mut conn = cp.pool.acquire().await?;
    let tenant = caller.tenant(&mut conn, &tenant).await?;
    let rows = tables::list_for_tenant(&mut conn, &tenant.record.id).await?;
    Ok(Json(TableList {
        tables: rows
            .into_iter()
            .map(|(t, created_at): (TableRecord, _)| TableSummary {
                name: t.name,
                region: Some(t.region).filter(|r| !r.is_empty()),
                id: t.id,
                status: t.status,
                created_at,
            })
            .collect(),
    }))
}

/// Shows a table with its definition.
#[utoipa::path(get, path = "/v1/tenants/{tenant}/tables/{table}", operation_id = "getTable", tag = "tables",
    params(("tenant" = String, Path, description = "tenant name or id"),
        ("table" = String, Path, description = "table name; `name@region` outside the home region")),
    responses((status = 200, body = Table), (status = 404, body = super::Problem)))]
pub async fn show(
    State(cp): State<Arc<ControlPlane>>,
    caller: Caller,
    Params((tenant, table)): Params<(String, String)>,
) -> Result<Json<Table>, AdminError> {
    let mut conn = cp.pool.acquire().await?;
    let tenant = caller.tenant(&mut conn, &tenant).await?;
    let (name, region) = unqualified(&table);
    let (t, created_at) = tables::get_with_created(&mut conn, &tenant.record.id, region, name)
        .await?
        .ok_or_else(|| {
            AdminError::NotFound(format!("table {table} of tenant {}", tenant.record.name))
        })?;
    Ok(Json(Table {
        name: t.name,
        region: Some(t.region).filter(|r| !r.is_empty()),
        id: t.id,
        status: t.status,
        created_at,
        definition: t.definition,
    }))
}
