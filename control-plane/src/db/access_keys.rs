//! Access keys: created with a generated (or, for `dynastore dev`, given)
//! secret, which is sealed with the master key before it reaches Postgres.

use dynastore_common::contract::AccessKeyRecord;
use dynastore_common::Secret;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use super::revision::{self, Kind};
use crate::crypto::{MasterKey, Sealed};
use crate::error::Result;
use crate::ids;

const SELECT: &str = "SELECT k.access_key_id, k.tenant_id, u.name AS user_name, k.status, \
     k.secret_nonce, k.secret_ciphertext FROM access_keys k LEFT JOIN users u ON u.id = k.user_id";

fn from_row(master: &MasterKey, row: &PgRow) -> Result<AccessKeyRecord> {
    let access_key_id: String = row.try_get("access_key_id")?;
    let sealed = Sealed {
        nonce: row.try_get("secret_nonce")?,
        ciphertext: row.try_get("secret_ciphertext")?,
    };
    let secret_access_key = master.open(&access_key_id, &sealed)?;
    let status: String = row.try_get("status")?;
    Ok(AccessKeyRecord {
        access_key_id,
        secret_access_key,
        tenant_id: row.try_get("tenant_id")?,
        user_name: row.try_get("user_name")?,
        active: status == "active",
    })
}

/// Creates an access key for `tenant_id` (and `user_id`, or the root key
/// when `None`). `explicit` supplies the id and secret instead of
/// generating them.
pub async fn create(
    conn: &mut PgConnection,
    master: &MasterKey,
    tenant_id: &str,
    user_id: Option<&str>,
    explicit: Option<(String, Secret)>,
) -> Result<AccessKeyRecord> {
    let (access_key_id, secret) = match explicit {
        Some(pair) => pair,
        None => (ids::access_key_id(), Secret::new(ids::secret_access_key())),
    };
    let sealed = master.seal(&access_key_id, &secret);
    sqlx::query(
        "INSERT INTO access_keys (access_key_id, tenant_id, user_id, secret_nonce, secret_ciphertext) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&access_key_id)
    .bind(tenant_id)
    .bind(user_id)
    .bind(&sealed.nonce)
    .bind(&sealed.ciphertext)
    .execute(&mut *conn)
    .await
    .map_err(|e| super::conflict_on_unique(e, || format!("access key {access_key_id} already exists")))?;
    revision::bump(conn, Kind::AccessKey, &access_key_id).await?;
    get(conn, master, &access_key_id)
        .await?
        .ok_or_else(|| crate::Error::NotFound(format!("access key {access_key_id}")))
}

/// Replaces the secret of an existing key.
pub async fn set_secret(
    conn: &mut PgConnection,
    master: &MasterKey,
    access_key_id: &str,
    secret: &Secret,
) -> Result<()> {
    let sealed = master.seal(access_key_id, secret);
    sqlx::query(
        "UPDATE access_keys SET secret_nonce = $2, secret_ciphertext = $3 WHERE access_key_id = $1",
    )
    .bind(access_key_id)
    .bind(&sealed.nonce)
    .bind(&sealed.ciphertext)
    .execute(&mut *conn)
    .await?;
    revision::bump(conn, Kind::AccessKey, access_key_id).await?;
    Ok(())
}

/// Activates or deactivates a key.
pub async fn set_active(conn: &mut PgConnection, access_key_id: &str, active: bool) -> Result<()> {
    let done = sqlx::query("UPDATE access_keys SET status = $2 WHERE access_key_id = $1")
        .bind(access_key_id)
        .bind(if active { "active" } else { "inactive" })
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 0 {
        return Err(crate::Error::NotFound(format!("access key {access_key_id}")));
    }
    revision::bump(conn, Kind::AccessKey, access_key_id).await?;
    Ok(())
}

/// Deletes a key.
pub async fn delete(conn: &mut PgConnection, access_key_id: &str) -> Result<()> {
    let done = sqlx::query("DELETE FROM access_keys WHERE access_key_id = $1")
        .bind(access_key_id)
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 0 {
        return Err(crate::Error::NotFound(format!("access key {access_key_id}")));
    }
    revision::bump(conn, Kind::AccessKey, access_key_id).await?;
    Ok(())
}

/// One key with its decrypted secret.
pub async fn get(
    conn: &mut PgConnection,
    master: &MasterKey,
    access_key_id: &str,
) -> Result<Option<AccessKeyRecord>> {
    let row = sqlx::query(&format!("{SELECT} WHERE k.access_key_id = $1"))
        .bind(access_key_id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(|r| from_row(master, r)).transpose()
}

/// The oldest active root key of a tenant.
pub async fn first_root_key(
    conn: &mut PgConnection,
    master: &MasterKey,
    tenant_id: &str,
) -> Result<Option<AccessKeyRecord>> {
    let row = sqlx::query(&format!(
        "{SELECT} WHERE k.tenant_id = $1 AND k.user_id IS NULL AND k.status = 'active' \
         ORDER BY k.created_at, k.access_key_id LIMIT 1"
    ))
    .bind(tenant_id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(|r| from_row(master, r)).transpose()
}

/// Every key, with secrets, for a data-plane snapshot.
pub async fn list(conn: &mut PgConnection, master: &MasterKey) -> Result<Vec<AccessKeyRecord>> {
    let rows = sqlx::query(&format!("{SELECT} ORDER BY k.access_key_id"))
        .fetch_all(conn)
        .await?;
    rows.iter().map(|r| from_row(master, r)).collect()
}

/// What the admin API shows of a key: never its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    pub access_key_id: String,
    pub tenant_id: String,
    pub user_id: Option<String>,
    pub active: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

const INFO: &str = "SELECT access_key_id, tenant_id, user_id, status, created_at FROM access_keys";

fn info_from_row(row: &PgRow) -> Result<KeyInfo> {
    let status: String = row.try_get("status")?;
    Ok(KeyInfo {
        access_key_id: row.try_get("access_key_id")?,
        tenant_id: row.try_get("tenant_id")?,
        user_id: row.try_get("user_id")?,
        active: status == "active",
        created_at: row.try_get("created_at")?,
    })
}

/// The metadata of key `access_key_id`.
pub async fn info(conn: &mut PgConnection, access_key_id: &str) -> Result<Option<KeyInfo>> {
    let row = sqlx::query(&format!("{INFO} WHERE access_key_id = $1"))
        .bind(access_key_id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(info_from_row).transpose()
}

/// The keys of user `user_id`, oldest first.
pub async fn list_for_user(conn: &mut PgConnection, user_id: &str) -> Result<Vec<KeyInfo>> {
    let rows = sqlx::query(&format!("{INFO} WHERE user_id = $1 ORDER BY created_at, access_key_id"))
        .bind(user_id)
        .fetch_all(conn)
        .await?;
    rows.iter().map(info_from_row).collect()
}
