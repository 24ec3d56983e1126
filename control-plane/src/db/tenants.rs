//! Tenants (accounts): create, look up, list, change status and quotas,
//! delete (which cascades to everything the tenant owns).

use chrono::{DateTime, Utc};
use dynastore_common::contract::{TenantQuotas, TenantRecord, TenantStatus};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use super::revision::{self, Kind};
use crate::error::Result;
use crate::ids;

const COLUMNS: &str = "id, name, account_id, status, created_at, max_tables, max_storage_bytes, \
     max_provisioned_read_capacity, max_provisioned_write_capacity, max_on_demand_throughput";

/// A tenant with its creation time, as the admin API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantRow {
    pub record: TenantRecord,
    pub created_at: DateTime<Utc>,
}

fn from_row(row: &PgRow) -> Result<TenantRecord> {
    Ok(full_row(row)?.record)
}

fn full_row(row: &PgRow) -> Result<TenantRow> {
    let status: String = row.try_get("status")?;
    Ok(TenantRow {
        record: TenantRecord {
            id: row.try_get("id")?,
            name: row.try_get("name")?,
            account_id: row.try_get("account_id")?,
            status: if status == "suspended" {
                TenantStatus::Suspended
            } else {
                TenantStatus::Active
            },
            quotas: TenantQuotas {
                max_tables: row.try_get("max_tables")?,
                max_storage_bytes: row.try_get("max_storage_bytes")?,
                max_provisioned_read_capacity: row.try_get("max_provisioned_read_capacity")?,
                max_provisioned_write_capacity: row.try_get("max_provisioned_write_capacity")?,
                max_on_demand_throughput: row.try_get("max_on_demand_throughput")?,
            },
        },
        created_at: row.try_get("created_at")?,
    })
}

/// The text stored for a status.
pub fn status_str(status: TenantStatus) -> &'static str {
    match status {
        TenantStatus::Active => "active",
        TenantStatus::Suspended => "suspended",
    }
}

/// Creates a tenant with a fresh id and account id.
pub async fn create(conn: &mut PgConnection, name: &str) -> Result<TenantRecord> {
    Ok(create_row(conn, name).await?.record)
}

/// [`create`], returning the creation time too.
pub async fn create_row(conn: &mut PgConnection, name: &str) -> Result<TenantRow> {
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
            let tenant = full_row(&row)?;
            revision::bump(conn, Kind::Tenant, &tenant.record.id).await?;
            return Ok(tenant);
        }
    }
    Err(crate::Error::Conflict(
        "could not allocate an account id".into(),
    ))
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

/// The tenant whose id or name is `key` (ids first: names that look like
/// ids are refused at creation).
pub async fn resolve(conn: &mut PgConnection, key: &str) -> Result<Option<TenantRow>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM tenants WHERE id = $1 OR name = $1 ORDER BY (id = $1) DESC LIMIT 1"
    ))
    .bind(key)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(full_row).transpose()
}

/// Every tenant.
pub async fn list(conn: &mut PgConnection) -> Result<Vec<TenantRecord>> {
    Ok(list_rows(conn)
        .await?
        .into_iter()
        .map(|t| t.record)
        .collect())
}

/// Every tenant with its creation time, by name.
pub async fn list_rows(conn: &mut PgConnection) -> Result<Vec<TenantRow>> {
    let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM tenants ORDER BY name"))
        .fetch_all(conn)
        .await?;
    rows.iter().map(full_row).collect()
}

/// Locks the tenant row `id` against concurrent changes until the end of
/// the transaction; `None` when it does not exist.
pub async fn lock(conn: &mut PgConnection, id: &str) -> Result<Option<TenantRow>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM tenants WHERE id = $1 FOR UPDATE"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(full_row).transpose()
}

/// Stores the status and quotas of `tenant` (identified by its id).
pub async fn update(conn: &mut PgConnection, tenant: &TenantRecord) -> Result<TenantRow> {
    let q = &tenant.quotas;
    let row = sqlx::query(&format!(
        "UPDATE tenants SET status = $2, max_tables = $3, max_storage_bytes = $4, \
         max_provisioned_read_capacity = $5, max_provisioned_write_capacity = $6, \
         max_on_demand_throughput = $7 WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(&tenant.id)
    .bind(status_str(tenant.status))
    .bind(q.max_tables)
    .bind(q.max_storage_bytes)
    .bind(q.max_provisioned_read_capacity)
    .bind(q.max_provisioned_write_capacity)
    .bind(q.max_on_demand_throughput)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| crate::Error::NotFound(format!("tenant {}", tenant.name)))?;
    let updated = full_row(&row)?;
    revision::bump(conn, Kind::Tenant, &tenant.id).await?;
    Ok(updated)
}

/// Deletes tenant `id` with its users, keys, policies and tables (by
/// cascade). Data planes see it in `deleted_tenants` and drop all of it.
pub async fn delete(conn: &mut PgConnection, id: &str) -> Result<()> {
    let done = sqlx::query("DELETE FROM tenants WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 0 {
        return Err(crate::Error::NotFound(format!("tenant {id}")));
    }
    revision::bump(conn, Kind::Tenant, id).await?;
    Ok(())
}
