//! `/v1/tenants/{tenant}/users/{user}/access-keys`: a user's access keys —
//! create (the only answer that carries the secret), list, activate or
//! deactivate, delete. At most [`MAX_KEYS_PER_USER`] keys per user, as in
//! AWS; the user's row lock serializes concurrent creations.

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
use super::users;
use crate::db::access_keys::{self, KeyInfo};
use crate::db::users::User;
use crate::ControlPlane;

/// Access keys one user may have (AWS's quota).
pub const MAX_KEYS_PER_USER: usize = 2;

/// Whether a key authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum KeyStatus {
    Active,
    Inactive,
}

impl KeyStatus {
    fn of(active: bool) -> KeyStatus {
        if active {
            KeyStatus::Active
        } else {
            KeyStatus::Inactive
        }
    }
}

/// An access key, without its secret.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AccessKey {
    pub access_key_id: String,
    pub status: KeyStatus,
    pub created_at: DateTime<Utc>,
}

impl From<KeyInfo> for AccessKey {
    fn from(k: KeyInfo) -> Self {
        AccessKey {
            access_key_id: k.access_key_id,
            status: KeyStatus::of(k.active),
            created_at: k.created_at,
        }
    }
}

/// A new access key with its secret: shown once, never again.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NewAccessKey {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub status: KeyStatus,
    pub created_at: DateTime<Utc>,
}

/// Body of `GET …/access-keys`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AccessKeyList {
    pub access_keys: Vec<AccessKey>,
}

/// Body of `PATCH …/access-keys/{key}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAccessKey {
    pub status: KeyStatus,
}

/// The key `key_id` of `user`, or 404.
async fn find(conn: &mut PgConnection, user: &User, key_id: &str) -> Result<KeyInfo, AdminError> {
    access_keys::info(conn, key_id)
        .await?
        .filter(|k| k.user_id.as_deref() == Some(user.id.as_str()))
        .ok_or_else(|| AdminError::NotFound(format!("access key {key_id} of user {}", user.name)))
}

/// Creates an access key for a user.
#[utoipa::path(post, path = "/v1/tenants/{tenant}/users/{user}/access-keys", operation_id = "createAccessKey", tag = "access keys",
    params(("tenant" = String, Path, description = "tenant name or id"), ("user" = String, Path)),
    responses((status = 201, body = NewAccessKey), (status = 404, body = super::Problem),
              (status = 409, body = super::Problem, description = "the user has 2 keys already")))]
pub async fn create(
    State(cp): State<Arc<ControlPlane>>,
    caller: Caller,
    Params((tenant, user)): Params<(String, String)>,
) -> Result<(StatusCode, Json<NewAccessKey>), AdminError> {
    let mut trail = caller.trail(&cp, "CreateAccessKey");
    let result = async {
        let mut tx = cp.pool.begin().await?;
        let tenant = caller.tenant(&mut tx, &tenant).await?;
        trail.tenant(&tenant.record.id);
        let user = users::find(&mut tx, &tenant, &user, true).await?;
        if access_keys::list_for_user(&mut tx, &user.id).await?.len() >= MAX_KEYS_PER_USER {
            return Err(AdminError::Conflict(format!(
                "Cannot exceed quota for AccessKeysPerUser: {MAX_KEYS_PER_USER}"
            )));
        }
        let key = access_keys::create(&mut tx, &cp.master, &tenant.record.id, Some(&user.id), None)
            .await?;
        let info = access_keys::info(&mut tx, &key.access_key_id)
            .await?
            .ok_or_else(|| AdminError::NotFound(format!("access key {}", key.access_key_id)))?;
        trail.request(serde_json::json!({ "access_key_id": key.access_key_id }));
        let out = NewAccessKey {
            access_key_id: info.access_key_id,
            secret_access_key: key.secret_access_key.expose().to_owned(),
            status: KeyStatus::of(info.active),
            created_at: info.created_at,
        };
        Ok((tx, out))
    }
    .await;
    Ok((
        StatusCode::CREATED,
        Json(trail.finish(result, StatusCode::CREATED).await?),
    ))
}

/// Lists a user's access keys (without secrets).
#[utoipa::path(get, path = "/v1/tenants/{tenant}/users/{user}/access-keys", operation_id = "listAccessKeys", tag = "access keys",
    params(("tenant" = String, Path, description = "tenant name or id"), ("user" = String, Path)),
    responses((status = 200, body = AccessKeyList), (status = 404, body = super::Problem)))]
pub async fn list(
    State(cp): State<Arc<ControlPlane>>,
    caller: Caller,
    Params((tenant, user)): Params<(String, String)>,
) -> Result<Json<AccessKeyList>, AdminError> {
    let mut conn = cp.pool.acquire().await?;
    let tenant = caller.tenant(&mut conn, &tenant).await?;
    let user = users::find(&mut conn, &tenant, &user, false).await?;
    let keys = access_keys::list_for_user(&mut conn, &user.id).await?;
    Ok(Json(AccessKeyList {
        access_keys: keys.into_iter().map(AccessKey::from).collect(),
    }))
}

/// Activates or deactivates an access key.
#[utoipa::path(patch, path = "/v1/tenants/{tenant}/users/{user}/access-keys/{key}", operation_id = "updateAccessKey", tag = "access keys",
    request_body = UpdateAccessKey,
    params(("tenant" = String, Path, description = "tenant name or id"), ("user" = String, Path), ("key" = String, Path)),
    responses((status = 200, body = AccessKey), (status = 404, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn update(
    State(cp): State<Arc<ControlPlane>>,
    caller: Caller,
    Params((tenant, user, key)): Params<(String, String, String)>,
    body: Bytes,
) -> Result<Json<AccessKey>, AdminError> {
    let mut trail = caller.trail(&cp, "UpdateAccessKey");
    let result = async {
        let mut tx = cp.pool.begin().await?;
        let tenant = caller.tenant(&mut tx, &tenant).await?;
        trail.tenant(&tenant.record.id);
        let input: UpdateAccessKey = decode(&body)?;
        trail.request(serde_json::json!({ "status": input.status }));
        let user = users::find(&mut tx, &tenant, &user, false).await?;
        let found = find(&mut tx, &user, &key).await?;
        access_keys::set_active(
            &mut tx,
            &found.access_key_id,
            input.status == KeyStatus::Active,
        )
        .await?;
        let info = find(&mut tx, &user, &key).await?;
        Ok((tx, AccessKey::from(info)))
    }
    .await;
    Ok(Json(trail.finish(result, StatusCode::OK).await?))
}

/// Deletes an access key.
#[utoipa::path(delete, path = "/v1/tenants/{tenant}/users/{user}/access-keys/{key}", operation_id = "deleteAccessKey", tag = "access keys",
    params(("tenant" = String, Path, description = "tenant name or id"), ("user" = String, Path), ("key" = String, Path)),
    responses((status = 204), (status = 404, body = super::Problem)))]
pub async fn delete(
    State(cp): State<Arc<ControlPlane>>,
    caller: Caller,
    Params((tenant, user, key)): Params<(String, String, String)>,
) -> Result<StatusCode, AdminError> {
    let mut trail = caller.trail(&cp, "DeleteAccessKey");
    let result = async {
        let mut tx = cp.pool.begin().await?;
        let tenant = caller.tenant(&mut tx, &tenant).await?;
        trail.tenant(&tenant.record.id);
        let user = users::find(&mut tx, &tenant, &user, false).await?;
        let found = find(&mut tx, &user, &key).await?;
        access_keys::delete(&mut tx, &found.access_key_id).await?;
        Ok((tx, ()))
    }
    .await;
    trail.finish(result, StatusCode::NO_CONTENT).await?;
    Ok(StatusCode::NO_CONTENT)
}
