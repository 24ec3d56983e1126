//! `/v1/tenants/{tenant}/policies`: customer-managed IAM policies — create,
//! list, show, replace the document, delete (refused while attached) — and
//! `/v1/tenants/{tenant}/users/{user}/policies/{policy}`: attach, detach.
//!
//! Documents are validated by the `iam` crate before they are stored; an
//! invalid one is a 422 whose `detail` is the validator's message.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use utoipa::ToSchema;

use super::caller::{decode, Caller, Params};
use super::error::AdminError;
use super::{users, validate};
use crate::db::policies::{self, Policy as PolicyRow};
use crate::db::tenants::TenantRow;
use crate::ControlPlane;

/// A policy with its document and the users it is attached to.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Policy {
    pub name: String,
    pub id: String,
    /// The IAM policy document.
    #[schema(value_type = Object)]
    pub document: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Names of the users it is attached to.
    pub attached_users: Vec<String>,
}

/// A policy in a list (no document).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PolicySummary {
    pub name: String,
    pub id: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Body of `GET /v1/tenants/{tenant}/policies`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PolicyList {
    pub policies: Vec<PolicySummary>,
}

/// Body of `POST /v1/tenants/{tenant}/policies`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePolicy {
    /// 1–128 characters of `[A-Za-z0-9+=,.@_-]`.
    #[schema(pattern = "^[A-Za-z0-9+=,.@_-]{1,128}$", example = "ReadItems")]
    pub name: String,
    /// The policy as a JSON object, or a string holding it.
    #[schema(value_type = Object, example = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}]}))]
    pub document: serde_json::Value,
}

/// Body of `PUT /v1/tenants/{tenant}/policies/{policy}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePolicy {
    /// The new document, as a JSON object or a string holding it.
    #[schema(value_type = Object, example = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}]}))]
    pub document: serde_json::Value,
}

async fn find(
    conn: &mut PgConnection,
    tenant: &TenantRow,
    name: &str,
    lock: bool,
) -> Result<PolicyRow, AdminError> {
    policies::by_name(conn, &tenant.record.id, name, lock)
        .await?
        .ok_or_else(|| {
            AdminError::NotFound(format!("policy {name} of tenant {}", tenant.record.name))
        })
}

async fn full(conn: &mut PgConnection, p: PolicyRow) -> Result<Policy, AdminError> {
    let attached = policies::attached_users(conn, &p.id).await?;
    Ok(Policy {
        attached_users: attached.into_iter().map(|(_, name)| name).collect(),
        name: p.name,
        id: p.id,
        document: p.document,
        created_at: p.created_at,
        updated_at: p.updated_at,
    })
}

/// Creates a policy.
#[utoipa::path(post, path = "/v1/tenants/{tenant}/policies", operation_id = "createPolicy", tag = "policies", request_body = CreatePolicy,
    params(("tenant" = String, Path, description = "tenant name or id")),
    responses((status = 201, body = Policy), (status = 404, body = super::Problem),
              (status = 409, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn create(
    State(cp): State<Arc<ControlPlane>>,
    caller: Caller,
    Params(tenant): Params<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Policy>), AdminError> {
    let mut trail = caller.trail(&cp, "CreatePolicy");
    let result = async {
        let mut tx = cp.pool.begin().await?;
        let tenant = caller.tenant(&mut tx, &tenant).await?;
        trail.tenant(&tenant.record.id);
        let input: CreatePolicy = decode(&body)?;
        trail.request(serde_json::json!({ "name": input.name }));
        validate::policy_name(&input.name)?;
        let document = validate::policy_document(&input.document)?;
        let policy = policies::create(&mut tx, &tenant.record.id, &input.name, &document).await?;
        let out = full(&mut tx, policy).await?;
        Ok((tx, out))
    }
    .await;
    Ok((
        StatusCode::CREATED,
        Json(trail.finish(result, StatusCode::CREATED).await?),
    ))
}

/// Lists a tenant's policies.
#[utoipa::path(get, path = "/v1/tenants/{tenant}/policies", operation_id = "listPolicies", tag = "policies",
    params(("tenant" = String, Path, description = "tenant name or id")),
    responses((status = 200, body = PolicyList), (status = 404, body = super::Problem)))]
pub async fn list(
    State(cp): State<Arc<ControlPlane>>,
    caller: Caller,
    Params(tenant): Params<String>,
) -> Result<Json<PolicyList>, AdminError> {
    let mut conn = cp.pool.acquire().await?;
    let tenant = caller.tenant(&mut conn, &tenant).await?;
    let list = policies::list(&mut conn, &tenant.record.id).await?;
    Ok(Json(PolicyList {
        policies: list
            .into_iter()
            .map(|p| PolicySummary {
                name: p.name,
                id: p.id,
                created_at: p.created_at,
                updated_at: p.updated_at,
            })
            .collect(),
    }))
}

/// Shows a policy with its document.
#[utoipa::path(get, path = "/v1/tenants/{tenant}/policies/{policy}", operation_id = "getPolicy", tag = "policies",
    params(("tenant" = String, Path, description = "tenant name or id"), ("policy" = String, Path)),
    responses((status = 200, body = Policy), (status = 404, body = super::Problem)))]
pub async fn show(
    State(cp): State<Arc<ControlPlane>>,
    caller: Caller,
    Params((tenant, policy)): Params<(String, String)>,
) -> Result<Json<Policy>, AdminError> {
    let mut conn = cp.pool.acquire().await?;
    let tenant = caller.tenant(&mut conn, &tenant).await?;
    let policy = find(&mut conn, &tenant, &policy, false).await?;
    Ok(Json(full(&mut conn, policy).await?))
}

/// Replaces a policy's document; the users it is attached to are re-sent
/// to data planes.
#[utoipa::path(put, path = "/v1/tenants/{tenant}/policies/{policy}", operation_id = "updatePolicy", tag = "policies", request_body = UpdatePolicy,
    params(("tenant" = String, Path, description = "tenant name or id"), ("policy" = String, Path)),
    responses((status = 200, body = Policy), (status = 404, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn update(
    State(cp): State<Arc<ControlPlane>>,
    caller: Caller,
    Params((tenant, policy)): Params<(String, String)>,
    body: Bytes,
) -> Result<Json<Policy>, AdminError> {
    let mut trail = caller.trail(&cp, "UpdatePolicy");
    let result = async {
        let mut tx = cp.pool.begin().await?;
        let tenant = caller.tenant(&mut tx, &tenant).await?;
        trail.tenant(&tenant.record.id);
        let input: UpdatePolicy = decode(&body)?;
        let document = validate::policy_document(&input.document)?;
        let found = find(&mut tx, &tenant, &policy, true).await?;
        let updated = policies::set_document(&mut tx, &found, &document).await?;
        let out = full(&mut tx, updated).await?;
        Ok((tx, out))
    }
    .await;
    Ok(Json(trail.finish(result, StatusCode::OK).await?))
}

/// Deletes a policy that is attached to no user.
#[utoipa::path(delete, path = "/v1/tenants/{tenant}/policies/{policy}", operation_id = "deletePolicy", tag = "policies",
    params(("tenant" = String, Path, description = "tenant name or id"), ("policy" = String, Path)),
    responses((status = 204), (status = 404, body = super::Problem),
              (status = 409, body = super::Problem, description = "the policy is attached to users")))]
pub async fn delete(
    State(cp): State<Arc<ControlPlane>>,
    caller: Caller,
    Params((tenant, policy)): Params<(String, String)>,
) -> Result<StatusCode, AdminError> {
    let mut trail = caller.trail(&cp, "DeletePolicy");
    let result = async {
        let mut tx = cp.pool.begin().await?;
        let tenant = caller.tenant(&mut tx, &tenant).await?;
        trail.tenant(&tenant.record.id);
        let found = find(&mut tx, &tenant, &policy, true).await?;
        policies::delete(&mut tx, &found).await?;
        Ok((tx, ()))
    }
    .await;
    trail.finish(result, StatusCode::NO_CONTENT).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Attaches a policy to a user (idempotent).
#[utoipa::path(put, path = "/v1/tenants/{tenant}/users/{user}/policies/{policy}", operation_id = "attachUserPolicy", tag = "policies",
    params(("tenant" = String, Path, description = "tenant name or id"), ("user" = String, Path), ("policy" = String, Path)),
    responses((status = 204), (status = 404, body = super::Problem),
              (status = 409, body = super::Problem, description = "the user has 10 policies already")))]
pub async fn attach(
    State(cp): State<Arc<ControlPlane>>,
    caller: Caller,
    Params((tenant, user, policy)): Params<(String, String, String)>,
) -> Result<StatusCode, AdminError> {
    let mut trail = caller.trail(&cp, "AttachUserPolicy");
    let result = async {
        let mut tx = cp.pool.begin().await?;
        let tenant = caller.tenant(&mut tx, &tenant).await?;
        trail.tenant(&tenant.record.id);
        let user = users::find(&mut tx, &tenant, &user, true).await?;
        let found = find(&mut tx, &tenant, &policy, false).await?;
        policies::attach(&mut tx, &user.id, &found.id).await?;
        Ok((tx, ()))
    }
    .await;
    trail.finish(result, StatusCode::NO_CONTENT).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Detaches a policy from a user.
#[utoipa::path(delete, path = "/v1/tenants/{tenant}/users/{user}/policies/{policy}", operation_id = "detachUserPolicy", tag = "policies",
    params(("tenant" = String, Path, description = "tenant name or id"), ("user" = String, Path), ("policy" = String, Path)),
    responses((status = 204), (status = 404, body = super::Problem, description = "unknown, or not attached")))]
pub async fn detach(
    State(cp): State<Arc<ControlPlane>>,
    caller: Caller,
    Params((tenant, user, policy)): Params<(String, String, String)>,
) -> Result<StatusCode, AdminError> {
    let mut trail = caller.trail(&cp, "DetachUserPolicy");
    let result = async {
        let mut tx = cp.pool.begin().await?;
        let tenant = caller.tenant(&mut tx, &tenant).await?;
        trail.tenant(&tenant.record.id);
        let user = users::find(&mut tx, &tenant, &user, true).await?;
        let found = find(&mut tx, &tenant, &policy, false).await?;
        let what = format!("policy {} attached to user {}", found.name, user.name);
        policies::detach(&mut tx, &user.id, &found.id, &what).await?;
        Ok((tx, ()))
    }
    .await;
    trail.finish(result, StatusCode::NO_CONTENT).await?;
    Ok(StatusCode::NO_CONTENT)
}
