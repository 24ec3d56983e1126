//! `/v1/tenants/{tenant}/users`: IAM users of a tenant — create, list,
//! show (with attached policy names and key ids), delete (with its keys
//! and attachments).

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
use super::validate;
use crate::db::tenants::TenantRow;
use crate::db::users::{self, User as UserRow};
use crate::db::{access_keys, policies};
use crate::ControlPlane;

/// An IAM user.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct User {
    pub name: String,
    pub id: String,
    pub created_at: DateTime<Utc>,
}

impl From<UserRow> for User {
    fn from(u: UserRow) -> Self {
        User {
            name: u.name,
            id: u.id,
            created_at: u.created_at,
        }
    }
}

/// An IAM user with its attached policies and access keys.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserDetail {
    pub name: String,
    pub id: String,
    pub created_at: DateTime<Utc>,
    /// Names of the attached policies.
    pub policies: Vec<String>,
    /// Ids of the user's access keys.
    pub access_keys: Vec<String>,
}

/// Body of `POST /v1/tenants/{tenant}/users`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    /// 1–64 characters of `[A-Za-z0-9+=,.@_-]`.
    #[schema(pattern = "^[A-Za-z0-9+=,.@_-]{1,64}$", example = "alice")]
    pub name: String,
}

/// Body of `GET /v1/tenants/{tenant}/users`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UserList {
    pub users: Vec<User>,
}

/// The user `name` of `tenant`, or 404.
pub async fn find(
    conn: &mut PgConnection,
    tenant: &TenantRow,
    name: &str,
    lock: bool,
) -> Result<UserRow, AdminError> {
    let user = if lock {
        users::lock_by_name(conn, &tenant.record.id, name).await?
    } else {
        users::by_name(conn, &tenant.record.id, name).await?
    };
    user.ok_or_else(|| {
        AdminError::NotFound(format!("user {name} of tenant {}", tenant.record.name))
    })
}

async fn detail(conn: &mut PgConnection, user: UserRow) -> Result<UserDetail, AdminError> {
    let policies = policies::attached_to_user(conn, &user.id).await?;
    let keys = access_keys::list_for_user(conn, &user.id).await?;
    Ok(UserDetail {
        policies,
        access_keys: keys.into_iter().map(|k| k.access_key_id).collect(),
        name: user.name,
        id: user.id,
        created_at: user.created_at,
    })
}

/// Creates a user.
#[utoipa::path(post, path = "/v1/tenants/{tenant}/users", operation_id = "createUser", tag = "users", request_body = CreateUser,
    params(("tenant" = String, Path, description = "tenant name or id")),
    responses((status = 201, body = UserDetail), (status = 404, body = super::Problem),
              (status = 409, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn create(
    State(cp): State<Arc<ControlPlane>>,
    caller: Caller,
    Params(tenant): Params<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<UserDetail>), AdminError> {
    let mut trail = caller.trail(&cp, "CreateUser");
    let result = async {
        let mut tx = cp.pool.begin().await?;
        let tenant = caller.tenant(&mut tx, &tenant).await?;
        trail.tenant(&tenant.record.id);
        let input: CreateUser = decode(&body)?;
        trail.request(serde_json::json!({ "name": input.name }));
        validate::user_name(&input.name)?;
        let user = users::create(&mut tx, &tenant.record.id, &input.name).await?;
        let out = detail(&mut tx, user).await?;
        Ok((tx, out))
    }
    .await;
    Ok((
        StatusCode::CREATED,
        Json(trail.finish(result, StatusCode::CREATED).await?),
    ))
}

/// Lists a tenant's users.
#[utoipa::path(get, path = "/v1/tenants/{tenant}/users", operation_id = "listUsers", tag = "users",
    params(("tenant" = String, Path, description = "tenant name or id")),
    responses((status = 200, body = UserList), (status = 404, body = super::Problem)))]
pub async fn list(
    State(cp): State<Arc<ControlPlane>>,
    caller: Caller,
    Params(tenant): Params<String>,
) -> Result<Json<UserList>, AdminError> {
    let mut conn = cp.pool.acquire().await?;
    let tenant = caller.tenant(&mut conn, &tenant).await?;
    let users = users::list(&mut conn, &tenant.record.id).await?;
    Ok(Json(UserList {
        users: users.into_iter().map(User::from).collect(),
    }))
}

/// Shows a user with its policies and keys.
#[utoipa::path(get, path = "/v1/tenants/{tenant}/users/{user}", operation_id = "getUser", tag = "users",
    params(("tenant" = String, Path, description = "tenant name or id"), ("user" = String, Path)),
    responses((status = 200, body = UserDetail), (status = 404, body = super::Problem)))]
pub async fn show(
    State(cp): State<Arc<ControlPlane>>,
    caller: Caller,
    Params((tenant, user)): Params<(String, String)>,
) -> Result<Json<UserDetail>, AdminError> {
    let mut conn = cp.pool.acquire().await?;
    let tenant = caller.tenant(&mut conn, &tenant).await?;
    let user = find(&mut conn, &tenant, &user, false).await?;
    Ok(Json(detail(&mut conn, user).await?))
}

/// Deletes a user with its access keys and policy attachments.
#[utoipa::path(delete, path = "/v1/tenants/{tenant}/users/{user}", operation_id = "deleteUser", tag = "users",
    params(("tenant" = String, Path, description = "tenant name or id"), ("user" = String, Path)),
    responses((status = 204), (status = 404, body = super::Problem)))]
pub async fn delete(
    State(cp): State<Arc<ControlPlane>>,
    caller: Caller,
    Params((tenant, user)): Params<(String, String)>,
) -> Result<StatusCode, AdminError> {
    let mut trail = caller.trail(&cp, "DeleteUser");
    let result = async {
        let mut tx = cp.pool.begin().await?;
        let tenant = caller.tenant(&mut tx, &tenant).await?;
        trail.tenant(&tenant.record.id);
        let user = find(&mut tx, &tenant, &user, true).await?;
        users::delete(&mut tx, &user.id).await?;
        Ok((tx, ()))
    }
    .await;
    trail.finish(result, StatusCode::NO_CONTENT).await?;
    Ok(StatusCode::NO_CONTENT)
}
