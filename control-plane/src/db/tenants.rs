//! Tenants (accounts): create, look up, list.

use dynastore_common::contract::{TenantRecord, TenantStatus};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use super::revision::{self, Kind};
use crate::error::Result;
use crate::ids;

const COLUMNS: &str = "id, name, account_id, status";

fn from_row(row: &PgRow) -> Result<TenantRecord> {
    let status: String = row.try_get("status")?;
    Ok(TenantRecord {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        account_id: row.try_get("account_id")?,
        status: if status == "suspended" {
            TenantStatus::Suspended
        } else {
            TenantStatus::Active
        },
    })
}

/// Creates a tenant with a fresh id and account id.
pub async fn create(conn: &mut PgConnection, name: &str) -> Result<TenantRecord> {
    // Account ids are random; retry the rare collision.
    for _ in 0..5 {
        let id = ids::internal_id();
        let account = ids::account_id();
        let inserted = sqlx::query(&format!(
            "INSERT INTO tenants (id, name, account_id) VALUES ($1, $2, $3) \
             ON CONFLICT (account_id) DO NOTHING RETURNING {COLUMNS}"
        ))
        .bind(&id)
        .bind(name)
        .bind(&account)
        .fetch_optional(&mut *conn)
        .await
        .map_err(|e| super::conflict_on_unique(e, || format!("tenant {name} already exists")))?;
        if let Some(row) = inserted {
            let tenant = from_row(&row)?;
            revision::bump(conn, Kind::Tenant, &tenant.id).await?;
            return Ok(tenant);
        }
    }
    Err(crate::Error::Conflict("could not allocate an account id".into()))
}

/// The tenant named `name`.
pub async fn by_name(conn: &mut PgConnection, name: &str) -> Result<Option<TenantRecord>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM tenants WHERE name = $1"))
        .bind(name)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The tenant with id `id`.
pub async fn by_id(conn: &mut PgConnection, id: &str) -> Result<Option<TenantRecord>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM tenants WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Every tenant.
pub async fn list(conn: &mut PgConnection) -> Result<Vec<TenantRecord>> {
    let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM tenants ORDER BY name"))
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}
