//! The table catalog: read side for data-plane snapshots. Table
//! management writes arrive with the item engine (issue #4).

use dynastore_common::contract::TableRecord;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use crate::error::Result;

const SELECT: &str = "SELECT tenant_id, name, id, status, definition FROM tables";

fn from_row(row: &PgRow) -> Result<TableRecord> {
    Ok(TableRecord {
        tenant_id: row.try_get("tenant_id")?,
        name: row.try_get("name")?,
        id: row.try_get("id")?,
        status: row.try_get("status")?,
        definition: row.try_get("definition")?,
    })
}

/// Change-log entity id of a table.
pub fn entity_id(tenant_id: &str, name: &str) -> String {
    format!("{tenant_id}/{name}")
}

/// Every table of every tenant.
pub async fn list(conn: &mut PgConnection) -> Result<Vec<TableRecord>> {
    let rows = sqlx::query(&format!("{SELECT} ORDER BY tenant_id, name"))
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// One table by its change-log entity id (`tenant_id/name`).
pub async fn by_entity_id(conn: &mut PgConnection, entity: &str) -> Result<Option<TableRecord>> {
    let Some((tenant_id, name)) = entity.split_once('/') else {
        return Ok(None);
    };
    let row = sqlx::query(&format!("{SELECT} WHERE tenant_id = $1 AND name = $2"))
        .bind(tenant_id)
        .bind(name)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}
