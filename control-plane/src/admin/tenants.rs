//! `/v1/tenants`: create, list, show, update (status and quotas) and
//! delete tenants. Only operators create, list, update and delete; a
//! tenant admin may show its own tenant.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use dynastore_common::contract::{TenantQuotas, TenantStatus};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use super::caller::{decode, Caller, Params};
use super::error::AdminError;
use super::validate;
use crate::db::tenants::{self, TenantRow};
use crate::ControlPlane;

/// Whether a tenant may use the data plane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Active,
    Suspended,
}

impl From<TenantStatus> for Status {
    fn from(s: TenantStatus) -> Self {
        match s {
            TenantStatus::Active => Status::Active,
            TenantStatus::Suspended => Status::Suspended,
        }
    }
}

impl From<Status> for TenantStatus {
    fn from(s: Status) -> Self {
        match s {
            Status::Active => TenantStatus::Active,
            Status::Suspended => TenantStatus::Suspended,
        }
    }
}

/// A tenant's limits; `null` is unlimited.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Quotas {
    pub max_tables: Option<i64>,
    pub max_storage_bytes: Option<i64>,
    pub max_provisioned_read_capacity: Option<i64>,
    pub max_provisioned_write_capacity: Option<i64>,
    pub max_on_demand_throughput: Option<i64>,
}

impl From<TenantQuotas> for Quotas {
    fn from(q: TenantQuotas) -> Self {
        Quotas {
            max_tables: q.max_tables,
            max_storage_bytes: q.max_storage_bytes,
            max_provisioned_read_capacity: q.max_provisioned_read_capacity,
            max_provisioned_write_capacity: q.max_provisioned_write_capacity,
            max_on_demand_throughput: q.max_on_demand_throughput,
        }
    }
}

/// A tenant (an account).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Tenant {
    /// Internal id (accepted wherever `{tenant}` is).
    pub id: String,
    pub name: String,
    /// 12-digit account id used in ARNs.
    pub account_id: String,
    pub status: Status,
    pub created_at: DateTime<Utc>,
    pub quotas: Quotas,
}

impl From<TenantRow> for Tenant {
    fn from(t: TenantRow) -> Self {
        Tenant {
            id: t.record.id,
            name: t.record.name,
            account_id: t.record.account_id,
            status: t.record.status.into(),
            created_at: t.created_at,
            quotas: t.record.quotas.into(),
        }
    }
}

/// Body of `POST /v1/tenants`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTenant {
    /// 3–63 characters of `[a-z0-9-]`, not 32 hex digits (the shape of
    /// tenant ids).
    #[schema(pattern = "^[a-z0-9-]{3,63}$", example = "acme")]
    pub name: String,
}

/// Body of `PATCH /v1/tenants/{tenant}`: absent fields are unchanged; a
/// quota set to `null` becomes unlimited.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTenant {
    #[serde(default)]
    pub status: Option<Status>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, minimum = 0)]
    pub max_tables: Option<Option<i64>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, minimum = 0)]
    pub max_storage_bytes: Option<Option<i64>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, minimum = 0)]
    pub max_provisioned_read_capacity: Option<Option<i64>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, minimum = 0)]
    pub max_provisioned_write_capacity: Option<Option<i64>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, minimum = 0)]
    pub max_on_demand_throughput: Option<Option<i64>>,
}

/// A field that is present (possibly `null`) becomes `Some(value)`. Any
/// integral JSON number is an integer (`5.0` too), as JSON Schema has it.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    let Some(n) = Option::<serde_json::Number>::deserialize(d)? else {
        return Ok(Some(None));
    };
    let integral = n.as_i64().or_else(|| {
        n.as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e18)
            .map(|f| f as i64)
    });
    match integral {
        Some(i) => Ok(Some(Some(i))),
        None => Err(serde::de::Error::custom(format!(
            "expected an integer, got {n}"
        ))),
    }
}

impl UpdateTenant {
    /// Applies the changes to `q`; negative quotas are refused.
    fn apply(&self, q: &mut TenantQuotas) -> Result<(), AdminError> {
        let fields = [
            ("max_tables", self.max_tables, &mut q.max_tables),
            (
                "max_storage_bytes",
                self.max_storage_bytes,
                &mut q.max_storage_bytes,
            ),
            (
                "max_provisioned_read_capacity",
                self.max_provisioned_read_capacity,
                &mut q.max_provisioned_read_capacity,
            ),
            (
                "max_provisioned_write_capacity",
                self.max_provisioned_write_capacity,
                &mut q.max_provisioned_write_capacity,
            ),
            (
                "max_on_demand_throughput",
                self.max_on_demand_throughput,
                &mut q.max_on_demand_throughput,
            ),
        ];
        for (name, change, slot) in fields {
            if let Some(value) = change {
                if value.is_some_and(|v| v < 0) {
                    return Err(AdminError::Invalid(format!("{name} must not be negative")));
                }
                *slot = value;
            }
        }
        Ok(())
    }

    fn summary(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        if let Some(s) = self.status {
            m.insert("status".into(), serde_json::json!(s));
        }
        for (k, v) in [
            ("max_tables", self.max_tables),
            ("max_storage_bytes", self.max_storage_bytes),
            (
                "max_provisioned_read_capacity",
                self.max_provisioned_read_capacity,
            ),
            (
                "max_provisioned_write_capacity",
                self.max_provisioned_write_capacity,
            ),
            ("max_on_demand_throughput", self.max_on_demand_throughput),
        ] {
            if let Some(v) = v {
                m.insert(k.into(), serde_json::json!(v));
            }
        }
        serde_json::Value::Object(m)
    }
}

/// Body of `GET /v1/tenants`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TenantList {
    pub tenants: Vec<Tenant>,
}

/// Creates a tenant.
#[utoipa::path(post, path = "/v1/tenants", operation_id = "createTenant", tag = "tenants", request_body = CreateTenant,
    responses((status = 201, body = Tenant), (status = 403, body = super::Problem),
              (status = 409, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn create(
    State(cp): State<Arc<ControlPlane>>,
    caller: Caller,
    body: Bytes,
) -> Result<(StatusCode, Json<Tenant>), AdminError> {
    let mut trail = caller.trail(&cp, "CreateTenant");
    let result = async {
        let input = decode::<CreateTenant>(&body);
        if let Ok(i) = &input {
            trail.request(serde_json::json!({ "name": i.name }));
        }
        caller.require_operator()?;
        let input = input?;
        validate::tenant_name(&input.name)?;
        let mut tx = cp.pool.begin().await?;
        let tenant = tenants::create_row(&mut tx, &input.name).await?;
        trail.tenant(&tenant.record.id);
        Ok((tx, Tenant::from(tenant)))
    }
    .await;
    let tenant = trail.finish(result, StatusCode::CREATED).await?;
    Ok((StatusCode::CREATED, Json(tenant)))
}

/// Lists every tenant.
#[utoipa::path(get, path = "/v1/tenants", operation_id = "listTenants", tag = "tenants",
    responses((status = 200, body = TenantList), (status = 403, body = super::Problem)))]
pub async fn list(
    State(cp): State<Arc<ControlPlane>>,
    caller: Caller,
) -> Result<Json<TenantList>, AdminError> {
    caller.require_operator()?;
    let mut conn = cp.pool.acquire().await?;
    let tenants = tenants::list_rows(&mut conn).await?;
    Ok(Json(TenantList {
        tenants: tenants.into_iter().map(Tenant::from).collect(),
    }))
}

/// Shows a tenant.
#[utoipa::path(get, path = "/v1/tenants/{tenant}", operation_id = "getTenant", tag = "tenants",
    params(("tenant" = String, Path, description = "tenant name or id")),
    responses((status = 200, body = Tenant), (status = 403, body = super::Problem), (status = 404, body = super::Problem)))]
pub async fn show(
    State(cp): State<Arc<ControlPlane>>,
    caller: Caller,
    Params(tenant): Params<String>,
) -> Result<Json<Tenant>, AdminError> {
    let mut conn = cp.pool.acquire().await?;
    Ok(Json(caller.tenant(&mut conn, &tenant).await?.into()))
}

/// Changes a tenant's status or quotas.
#[utoipa::path(patch, path = "/v1/tenants/{tenant}", operation_id = "updateTenant", tag = "tenants", request_body = UpdateTenant,
    params(("tenant" = String, Path, description = "tenant name or id")),
    responses((status = 200, body = Tenant), (status = 403, body = super::Problem),
              (status = 404, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn update(
    State(cp): State<Arc<ControlPlane>>,
    caller: Caller,
    Params(tenant): Params<String>,
    body: Bytes,
) -> Result<Json<Tenant>, AdminError> {
    let mut trail = caller.trail(&cp, "UpdateTenant");
    let result = async {
        let mut tx = cp.pool.begin().await?;
        let found = caller.tenant(&mut tx, &tenant).await?;
        trail.tenant(&found.record.id);
        let input = decode::<UpdateTenant>(&body);
        if let Ok(i) = &input {
            trail.request(i.summary());
        }
        caller.require_operator()?;
        let input = input?;
        let Some(current) = tenants::lock(&mut tx, &found.record.id).await? else {
            return Err(AdminError::NotFound(format!("tenant {tenant}")));
        };
        let mut record = current.record;
        if let Some(status) = input.status {
            record.status = status.into();
        }
        input.apply(&mut record.quotas)?;
        let updated = tenants::update(&mut tx, &record).await?;
        Ok((tx, Tenant::from(updated)))
    }
    .await;
    Ok(Json(trail.finish(result, StatusCode::OK).await?))
}

/// Deletes a tenant with its users, keys, policies and tables.
#[utoipa::path(delete, path = "/v1/tenants/{tenant}", operation_id = "deleteTenant", tag = "tenants",
    params(("tenant" = String, Path, description = "tenant name or id")),
    responses((status = 204), (status = 403, body = super::Problem), (status = 404, body = super::Problem)))]
pub async fn delete(
    State(cp): State<Arc<ControlPlane>>,
    caller: Caller,
    Params(tenant): Params<String>,
) -> Result<StatusCode, AdminError> {
    let mut trail = caller.trail(&cp, "DeleteTenant");
    let result = async {
        let mut tx = cp.pool.begin().await?;
        let found = caller.tenant(&mut tx, &tenant).await?;
        trail.tenant(&found.record.id);
        trail.request(serde_json::json!({ "name": found.record.name }));
        caller.require_operator()?;
        tenants::delete(&mut tx, &found.record.id).await?;
        tracing::info!(tenant = %found.record.name, "tenant deleted");
        Ok((tx, ()))
    }
    .await;
    trail.finish(result, StatusCode::NO_CONTENT).await?;
    Ok(StatusCode::NO_CONTENT)
}
