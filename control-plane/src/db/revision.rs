//! The global config revision and its change log.
//!
//! Every metadata change calls [`bump`] inside its transaction: it increments
//! the single revision row (whose row lock orders concurrent writers, so
//! revision order is commit order), records which entity changed, and
//! notifies listeners on commit.

use sqlx::{PgConnection, Row};

use crate::error::Result;

/// The NOTIFY channel carrying new revisions.
pub const CHANNEL: &str = "dynastore_config";

/// Kinds of entity recorded in the change log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Tenant,
    AccessKey,
    Table,
    /// An IAM user, or the set or content of its attached policies.
    User,
    /// A policy document (the users it is attached to are bumped as well).
    Policy,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Tenant => "tenant",
            Kind::AccessKey => "access_key",
            Kind::Table => "table",
            Kind::User => "user",
            Kind::Policy => "policy",
        }
    }

    fn parse(s: &str) -> Option<Kind> {
        match s {
            "tenant" => Some(Kind::Tenant),
            "access_key" => Some(Kind::AccessKey),
            "table" => Some(Kind::Table),
            "user" => Some(Kind::User),
            "policy" => Some(Kind::Policy),
            _ => None,
        }
    }
}

/// Records a change to `entity_id` and returns the new revision.
pub async fn bump(conn: &mut PgConnection, kind: Kind, entity_id: &str) -> Result<i64> {
    let revision: i64 = sqlx::query_scalar(
        "UPDATE config_revision SET revision = revision + 1 WHERE singleton RETURNING revision",
    )
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query("INSERT INTO config_changes (revision, kind, entity_id) VALUES ($1, $2, $3)")
        .bind(revision)
        .bind(kind.as_str())
        .bind(entity_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(revision.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(revision)
}

/// The current revision.
pub async fn current(conn: &mut PgConnection) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT revision FROM config_revision WHERE singleton")
            .fetch_one(conn)
            .await?,
    )
}

/// The entities changed in `(after, upto]`, each once.
pub async fn changed_between(
    conn: &mut PgConnection,
    after: i64,
    upto: i64,
) -> Result<Vec<(Kind, String)>> {
    let rows = sqlx::query(
        "SELECT kind, entity_id, max(revision) AS rev FROM config_changes \
         WHERE revision > $1 AND revision <= $2 GROUP BY kind, entity_id ORDER BY rev",
    )
    .bind(after)
    .bind(upto)
    .fetch_all(conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let kind: String = row.try_get("kind")?;
        let id: String = row.try_get("entity_id")?;
        if let Some(kind) = Kind::parse(&kind) {
            out.push((kind, id));
        }
    }
    Ok(out)
}
