//! IAM users of a tenant, and their records for data planes (each user
//! with the documents of its attached policies).
//!
//! Every change a data plane must see bumps the revision with
//! [`Kind::User`]: creating or deleting the user, and attaching, detaching
//! or editing one of its policies (see `policies`).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use dynastore_common::contract::{PolicyRecord, UserRecord};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use super::revision::{self, Kind};
use crate::error::Result;
use crate::ids;

/// An IAM user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, tenant_id, name, created_at";

fn from_row(row: &PgRow) -> Result<User> {
    Ok(User {
        id: row.try_get("id")?,
        tenant_id: row.try_get("tenant_id")?,
        name: row.try_get("name")?,
        created_at: row.try_get("created_at")?,
    })
}

/// Creates a user named `name` in `tenant_id`; `Conflict` when taken.
pub async fn create(conn: &mut PgConnection, tenant_id: &str, name: &str) -> Result<User> {
    let id = ids::internal_id();
    let row = sqlx::query(&format!(
        "INSERT INTO users (id, tenant_id, name) VALUES ($1, $2, $3) RETURNING {COLUMNS}"
    ))
    .bind(&id)
    .bind(tenant_id)
    .bind(name)
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| super::conflict_on_unique(e, || format!("user {name} already exists")))?;
    let user = from_row(&row)?;
    revision::bump(conn, Kind::User, &user.id).await?;
    Ok(user)
}

/// The user `name` of `tenant_id`.
pub async fn by_name(conn: &mut PgConnection, tenant_id: &str, name: &str) -> Result<Option<User>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM users WHERE tenant_id = $1 AND name = $2"
    ))
    .bind(tenant_id)
    .bind(name)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// The user `name` of `tenant_id`, locked until the end of the transaction
/// (serializes key creation against the per-user key limit).
pub async fn lock_by_name(
    conn: &mut PgConnection,
    tenant_id: &str,
    name: &str,
) -> Result<Option<User>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM users WHERE tenant_id = $1 AND name = $2 FOR UPDATE"
    ))
    .bind(tenant_id)
    .bind(name)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// The users of `tenant_id`, by name.
pub async fn list(conn: &mut PgConnection, tenant_id: &str) -> Result<Vec<User>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM users WHERE tenant_id = $1 ORDER BY name"
    ))
    .bind(tenant_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Deletes user `id` with its access keys and attachments; data planes
/// see the user and its keys go.
pub async fn delete(conn: &mut PgConnection, id: &str) -> Result<()> {
    let keys: Vec<String> =
        sqlx::query_scalar("SELECT access_key_id FROM access_keys WHERE user_id = $1")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    let done = sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 0 {
        return Err(crate::Error::NotFound(format!("user {id}")));
    }
    for key in keys {
        revision::bump(conn, Kind::AccessKey, &key).await?;
    }
    revision::bump(conn, Kind::User, id).await?;
    Ok(())
}

/// The data-plane record of user `id`: the user and its policies.
pub async fn record(conn: &mut PgConnection, id: &str) -> Result<Option<UserRecord>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(user) = row.as_ref().map(from_row).transpose()? else {
        return Ok(None);
    };
    let rows = sqlx::query(
        "SELECT p.name, p.document FROM user_policies up JOIN policies p ON p.id = up.policy_id \
         WHERE up.user_id = $1 ORDER BY p.name",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let policies = rows
        .iter()
        .map(policy_from_row)
        .collect::<Result<Vec<_>>>()?;
    Ok(Some(UserRecord {
        tenant_id: user.tenant_id,
        id: user.id,
        name: user.name,
        policies,
    }))
}

fn policy_from_row(row: &PgRow) -> Result<PolicyRecord> {
    Ok(PolicyRecord {
        name: row.try_get("name")?,
        document: super::pg_json::decode(row.try_get("document")?),
    })
}

/// Every user of every tenant with its policies, for a snapshot.
pub async fn list_records(conn: &mut PgConnection) -> Result<Vec<UserRecord>> {
    let rows = sqlx::query("SELECT id, tenant_id, name FROM users ORDER BY tenant_id, name")
        .fetch_all(&mut *conn)
        .await?;
    let attached = sqlx::query(
        "SELECT up.user_id, p.name, p.document FROM user_policies up \
         JOIN policies p ON p.id = up.policy_id ORDER BY up.user_id, p.name",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut by_user: HashMap<String, Vec<PolicyRecord>> = HashMap::new();
    for row in &attached {
        let user_id: String = row.try_get("user_id")?;
        by_user
            .entry(user_id)
            .or_default()
            .push(policy_from_row(row)?);
    }
    rows.iter()
        .map(|row| {
            let id: String = row.try_get("id")?;
            Ok(UserRecord {
                tenant_id: row.try_get("tenant_id")?,
                policies: by_user.remove(&id).unwrap_or_default(),
                name: row.try_get("name")?,
                id,
            })
        })
        .collect()
}
