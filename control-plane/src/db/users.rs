//! IAM users of a tenant.

use sqlx::{PgConnection, Row};

use crate::error::Result;
use crate::ids;

/// An IAM user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub tenant_id: String,
    pub name: String,
}

/// Creates a user named `name` in `tenant_id`.
pub async fn create(conn: &mut PgConnection, tenant_id: &str, name: &str) -> Result<User> {
    let id = ids::internal_id();
    sqlx::query("INSERT INTO users (id, tenant_id, name) VALUES ($1, $2, $3)")
        .bind(&id)
        .bind(tenant_id)
        .bind(name)
        .execute(conn)
        .await
        .map_err(|e| super::conflict_on_unique(e, || format!("user {name} already exists")))?;
    Ok(User {
        id,
        tenant_id: tenant_id.to_owned(),
        name: name.to_owned(),
    })
}

/// The user `name` of `tenant_id`.
pub async fn by_name(conn: &mut PgConnection, tenant_id: &str, name: &str) -> Result<Option<User>> {
    let row = sqlx::query("SELECT id, tenant_id, name FROM users WHERE tenant_id = $1 AND name = $2")
        .bind(tenant_id)
        .bind(name)
        .fetch_optional(conn)
        .await?;
    row.map(|r| {
        Ok(User {
            id: r.try_get("id")?,
            tenant_id: r.try_get("tenant_id")?,
            name: r.try_get("name")?,
        })
    })
    .transpose()
}
