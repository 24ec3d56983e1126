//! The table catalog: table rows (the definition as JSON) for snapshots,
//! the writes of CreateTable, DeleteTable and table changes, and the sums
//! the tenant quotas are checked against.

use dynastore_common::contract::{qualified, unqualified, TableRecord};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use crate::error::Result;

const SELECT: &str = "SELECT tenant_id, region, name, id, status, definition FROM tables";

fn from_row(row: &PgRow) -> Result<TableRecord> {
    Ok(TableRecord {
        tenant_id: row.try_get("tenant_id")?,
        region: row.try_get("region")?,
        name: row.try_get("name")?,
        id: row.try_get("id")?,
        status: row.try_get("status")?,
        definition: super::pg_json::decode(row.try_get("definition")?),
    })
}

/// Change-log entity id of a table: `tenant_id/` and its
/// [`qualified`] name.
pub fn entity_id(tenant_id: &str, region: &str, name: &str) -> String {
    format!("{tenant_id}/{}", qualified(name, region))
}

/// Every table of every tenant.
pub async fn list(conn: &mut PgConnection) -> Result<Vec<TableRecord>> {
    let rows = sqlx::query(&format!("{SELECT} ORDER BY tenant_id, region, name"))
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// One table by its change-log entity id (see [`entity_id`]).
pub async fn by_entity_id(conn: &mut PgConnection, entity: &str) -> Result<Option<TableRecord>> {
    let Some((tenant_id, name)) = entity.split_once('/') else {
        return Ok(None);
    };
    let (name, region) = unqualified(name);
    let row = sqlx::query(&format!("{SELECT} WHERE tenant_id = $1 AND region = $2 AND name = $3"))
        .bind(tenant_id)
        .bind(region)
        .bind(name)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Inserts a new table row; `Conflict` when the name is taken.
pub async fn insert(conn: &mut PgConnection, table: &TableRecord) -> Result<()> {
    sqlx::query(
        "INSERT INTO tables (tenant_id, name, id, status, definition, region) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&table.tenant_id)
    .bind(&table.name)
    .bind(&table.id)
    .bind(&table.status)
    .bind(super::pg_json::encode(&table.definition))
    .bind(&table.region)
    .execute(&mut *conn)
    .await
    .map_err(|e| super::conflict_on_unique(e, || format!("Table already exists: {}", table.name)))?;
    super::revision::bump(conn, super::revision::Kind::Table, &entity_id(&table.tenant_id, &table.region, &table.name))
        .await?;
    Ok(())
}

/// The table `name` of `tenant_id` in `region`, locked for update.
pub async fn get_for_update(
    conn: &mut PgConnection,
    tenant_id: &str,
    region: &str,
    name: &str,
) -> Result<Option<TableRecord>> {
    let row = sqlx::query(&format!("{SELECT} WHERE tenant_id = $1 AND region = $2 AND name = $3 FOR UPDATE"))
        .bind(tenant_id)
        .bind(region)
        .bind(name)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The other replicas of a global table: the tenant's rows sharing the
/// storage id `id` outside `region`, locked for update.
pub async fn replicas_for_update(
    conn: &mut PgConnection,
    tenant_id: &str,
    id: &str,
    region: &str,
) -> Result<Vec<TableRecord>> {
    let rows = sqlx::query(&format!("{SELECT} WHERE tenant_id = $1 AND id = $2 AND region <> $3 ORDER BY region FOR UPDATE"))
        .bind(tenant_id)
        .bind(id)
        .bind(region)
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// Number of tables of a tenant, in every region.
pub async fn count(conn: &mut PgConnection, tenant_id: &str) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM tables WHERE tenant_id = $1")
        .bind(tenant_id)
        .fetch_one(conn)
        .await?)
}

/// Read and write capacity units provisioned, summed over the tables of
/// `tenant_id` (in every region) other than `except` (a name in
/// `region`) whose billing mode is PROVISIONED: each
/// table's throughput plus its global secondary indexes' (local ones share
/// the table's). Reads the stored definition (`ddb_core::api::table::
/// TableDefinition` as JSON, whose field names are a frozen format):
/// `spec.billing_mode`, `spec.throughput.{read,write}`,
/// `spec.global_secondary_indexes[].throughput.{read,write}`.
pub async fn provisioned_capacity(
    conn: &mut PgConnection,
    tenant_id: &str,
    region: &str,
    except: &str,
) -> Result<(i64, i64)> {
    let row = sqlx::query(
        "SELECT COALESCE(SUM(COALESCE((t.spec->'throughput'->>'read')::bigint, 0) + g.read), 0)::bigint AS read, \
                COALESCE(SUM(COALESCE((t.spec->'throughput'->>'write')::bigint, 0) + g.write), 0)::bigint AS write \
         FROM (SELECT definition->'spec' AS spec FROM tables \
               WHERE tenant_id = $1 AND (region, name) <> ($3, $2) \
                 AND definition->'spec'->>'billing_mode' = 'Provisioned') t \
         CROSS JOIN LATERAL ( \
           SELECT COALESCE(SUM((i->'throughput'->>'read')::bigint), 0) AS read, \
                  COALESCE(SUM((i->'throughput'->>'write')::bigint), 0) AS write \
           FROM jsonb_array_elements(CASE WHEN jsonb_typeof(t.spec->'global_secondary_indexes') = 'array' \
                                          THEN t.spec->'global_secondary_indexes' ELSE '[]'::jsonb END) i \
         ) g",
    )
    .bind(tenant_id)
    .bind(except)
    .bind(region)
    .fetch_one(conn)
    .await?;
    Ok((row.try_get("read")?, row.try_get("write")?))
}

/// Deletes the row of a table.
pub async fn delete(conn: &mut PgConnection, tenant_id: &str, region: &str, name: &str) -> Result<()> {
    sqlx::query("DELETE FROM tables WHERE tenant_id = $1 AND region = $2 AND name = $3")
        .bind(tenant_id)
        .bind(region)
        .bind(name)
        .execute(&mut *conn)
        .await?;
    super::revision::bump(conn, super::revision::Kind::Table, &entity_id(tenant_id, region, name)).await?;
    Ok(())
}

/// Replaces the definition of a table.
pub async fn set_definition(
    conn: &mut PgConnection,
    tenant_id: &str,
    region: &str,
    name: &str,
    definition: &serde_json::Value,
) -> Result<()> {
    sqlx::query(
        "UPDATE tables SET definition = $3, updated_at = now() WHERE tenant_id = $1 AND name = $2 AND region = $4",
    )
    .bind(tenant_id)
    .bind(name)
    .bind(super::pg_json::encode(definition))
    .bind(region)
    .execute(&mut *conn)
    .await?;
    super::revision::bump(conn, super::revision::Kind::Table, &entity_id(tenant_id, region, name)).await?;
    Ok(())
}

/// The tables of `tenant_id` (every region) by region and name, each with
/// its creation time.
pub async fn list_for_tenant(
    conn: &mut PgConnection,
    tenant_id: &str,
) -> Result<Vec<(TableRecord, chrono::DateTime<chrono::Utc>)>> {
    let rows = sqlx::query(
        "SELECT tenant_id, region, name, id, status, definition, created_at FROM tables \
         WHERE tenant_id = $1 ORDER BY region, name",
    )
    .bind(tenant_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok((from_row(r)?, r.try_get("created_at")?)))
        .collect()
}

/// The table `name` of `tenant_id` in `region` with its creation time.
pub async fn get_with_created(
    conn: &mut PgConnection,
    tenant_id: &str,
    region: &str,
    name: &str,
) -> Result<Option<(TableRecord, chrono::DateTime<chrono::Utc>)>> {
    let row = sqlx::query(
        "SELECT tenant_id, region, name, id, status, definition, created_at FROM tables \
         WHERE tenant_id = $1 AND region = $2 AND name = $3",
    )
    .bind(tenant_id)
    .bind(region)
    .bind(name)
    .fetch_optional(conn)
    .await?;
    row.map(|r| Ok((from_row(&r)?, r.try_get("created_at")?))).transpose()
}
