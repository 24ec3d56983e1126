//! Customer-managed IAM policies of a tenant and their attachments to
//! users.
//!
//! Data planes see policies through the users they are attached to: a
//! document change or an attach/detach bumps [`Kind::User`] for every
//! affected user (and [`Kind::Policy`] for the policy itself), so the
//! long-poll re-sends those users with their current documents.

use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use super::revision::{self, Kind};
use crate::error::{Error, Result};
use crate::ids;

/// Managed policies one user may have attached (AWS's default quota).
pub const MAX_POLICIES_PER_USER: i64 = 10;

/// A stored policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    pub document: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, tenant_id, name, document, created_at, updated_at";

fn from_row(row: &PgRow) -> Result<Policy> {
    Ok(Policy {
        id: row.try_get("id")?,
        tenant_id: row.try_get("tenant_id")?,
        name: row.try_get("name")?,
        document: super::pg_json::decode(row.try_get("document")?),
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Creates policy `name` in `tenant_id`; `Conflict` when the name is taken.
pub async fn create(
    conn: &mut PgConnection,
    tenant_id: &str,
    name: &str,
    document: &serde_json::Value,
) -> Result<Policy> {
    let id = ids::internal_id();
    let row = sqlx::query(&format!(
        "INSERT INTO policies (id, tenant_id, name, document) VALUES ($1, $2, $3, $4) RETURNING {COLUMNS}"
    ))
    .bind(&id)
    .bind(tenant_id)
    .bind(name)
    .bind(super::pg_json::encode(document))
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| super::conflict_on_unique(e, || format!("policy {name} already exists")))?;
    let policy = from_row(&row)?;
    revision::bump(conn, Kind::Policy, &policy.id).await?;
    Ok(policy)
}

/// The policies of `tenant_id`, by name.
pub async fn list(conn: &mut PgConnection, tenant_id: &str) -> Result<Vec<Policy>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM policies WHERE tenant_id = $1 ORDER BY name"
    ))
    .bind(tenant_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// The policy `name` of `tenant_id`; with `lock`, locked until the end of
/// the transaction (serializes a delete against concurrent attaches).
pub async fn by_name(
    conn: &mut PgConnection,
    tenant_id: &str,
    name: &str,
    lock: bool,
) -> Result<Option<Policy>> {
    let suffix = if lock { " FOR UPDATE" } else { "" };
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM policies WHERE tenant_id = $1 AND name = $2{suffix}"
    ))
    .bind(tenant_id)
    .bind(name)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Names of the users `policy_id` is attached to, by name.
pub async fn attached_users(
    conn: &mut PgConnection,
    policy_id: &str,
) -> Result<Vec<(String, String)>> {
    let rows = sqlx::query(
        "SELECT u.id, u.name FROM user_policies up JOIN users u ON u.id = up.user_id \
         WHERE up.policy_id = $1 ORDER BY u.name",
    )
    .bind(policy_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
        .collect()
}

/// Names of the policies attached to `user_id`, by name.
pub async fn attached_to_user(conn: &mut PgConnection, user_id: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT p.name FROM user_policies up JOIN policies p ON p.id = up.policy_id \
         WHERE up.user_id = $1 ORDER BY p.name",
    )
    .bind(user_id)
    .fetch_all(conn)
    .await?)
}

/// Replaces the document of `policy`, re-sending every attached user.
pub async fn set_document(
    conn: &mut PgConnection,
    policy: &Policy,
    document: &serde_json::Value,
) -> Result<Policy> {
    let row = sqlx::query(&format!(
        "UPDATE policies SET document = $2, updated_at = now() WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(&policy.id)
    .bind(super::pg_json::encode(document))
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| Error::NotFound(format!("policy {}", policy.name)))?;
    let updated = from_row(&row)?;
    revision::bump(conn, Kind::Policy, &policy.id).await?;
    for (user_id, _) in attached_users(conn, &policy.id).await? {
        revision::bump(conn, Kind::User, &user_id).await?;
    }
    Ok(updated)
}

/// Deletes `policy`; `Conflict` while it is attached to a user. The caller
/// holds the policy's row lock (see [`by_name`]).
pub async fn delete(conn: &mut PgConnection, policy: &Policy) -> Result<()> {
    if !attached_users(conn, &policy.id).await?.is_empty() {
        return Err(Error::Conflict(
            "Cannot delete a policy attached to entities.".into(),
        ));
    }
    sqlx::query("DELETE FROM policies WHERE id = $1")
        .bind(&policy.id)
        .execute(&mut *conn)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                Error::Conflict("Cannot delete a policy attached to entities.".into())
            }
            _ => Error::Db(e),
        })?;
    revision::bump(conn, Kind::Policy, &policy.id).await?;
    Ok(())
}

/// Attaches `policy_id` to `user_id`; idempotent (as AWS's
/// AttachUserPolicy). Returns whether it was newly attached.
pub async fn attach(conn: &mut PgConnection, user_id: &str, policy_id: &str) -> Result<bool> {
    let present: Vec<String> =
        sqlx::query_scalar("SELECT policy_id FROM user_policies WHERE user_id = $1")
            .bind(user_id)
            .fetch_all(&mut *conn)
            .await?;
    if present.iter().any(|p| p == policy_id) {
        return Ok(false);
    }
    if i64::try_from(present.len()).unwrap_or(i64::MAX) >= MAX_POLICIES_PER_USER {
        return Err(Error::Conflict(format!(
            "Cannot exceed quota for PoliciesPerUser: {MAX_POLICIES_PER_USER}"
        )));
    }
    let done = sqlx::query(
        "INSERT INTO user_policies (user_id, policy_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(user_id)
    .bind(policy_id)
    .execute(&mut *conn)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
            Error::NotFound("policy or user (deleted concurrently)".into())
        }
        _ => Error::Db(e),
    })?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    revision::bump(conn, Kind::User, user_id).await?;
    Ok(true)
}

/// Detaches `policy_id` from `user_id`; `NotFound` when it is not attached.
pub async fn detach(
    conn: &mut PgConnection,
    user_id: &str,
    policy_id: &str,
    what: &str,
) -> Result<()> {
    let done = sqlx::query("DELETE FROM user_policies WHERE user_id = $1 AND policy_id = $2")
        .bind(user_id)
        .bind(policy_id)
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound(what.to_owned()));
    }
    revision::bump(conn, Kind::User, user_id).await?;
    Ok(())
}
