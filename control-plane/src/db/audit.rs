//! The audit log: one row per management action (admin API calls and the
//! DynamoDB table operations the control plane executes), successful or
//! not, and its filtered, newest-first, cursor-paginated reading.

use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Postgres, QueryBuilder, Row};

use crate::error::Result;

/// What is recorded about one action.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    /// The tenant acted on, when there is one.
    pub tenant_id: Option<String>,
    /// Who acted: a JWT subject, or the principal the data plane names.
    pub principal: String,
    /// Where the request came from.
    pub source_ip: Option<String>,
    /// The action, e.g. `CreateUser` or `dynamodb:CreateTable`.
    pub action: String,
    /// What was acted on, e.g. `tenants/acme/users/alice`.
    pub resource: String,
    /// A summary of the request (never secrets).
    pub request: serde_json::Value,
}

/// A stored row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub entry: Entry,
    /// `success` or `failure`.
    pub outcome: String,
    /// The HTTP status answered.
    pub status_code: i32,
}

/// Records `entry` with its outcome (`status` is the HTTP status answered;
/// below 400 is a success).
pub async fn insert(conn: &mut PgConnection, entry: &Entry, status: u16) -> Result<()> {
    let outcome = if status < 400 { "success" } else { "failure" };
    sqlx::query(
        "INSERT INTO audit_log (tenant_id, principal, source_ip, action, resource, request, outcome, status_code) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&entry.tenant_id)
    .bind(&entry.principal)
    .bind(&entry.source_ip)
    .bind(&entry.action)
    .bind(&entry.resource)
    .bind(super::pg_json::encode(&entry.request))
    .bind(outcome)
    .bind(i32::from(status))
    .execute(conn)
    .await?;
    Ok(())
}

/// Which rows to read.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only this tenant's rows.
    pub tenant_id: Option<String>,
    /// At or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Before this time.
    pub to: Option<DateTime<Utc>>,
    pub action: Option<String>,
    pub principal: Option<String>,
    /// Only rows older than this `(at, id)` (the pagination cursor).
    pub before: Option<(DateTime<Utc>, i64)>,
    /// At most this many rows.
    pub limit: i64,
}

fn from_row(row: &PgRow) -> Result<Record> {
    Ok(Record {
        id: row.try_get("id")?,
        at: row.try_get("at")?,
        entry: Entry {
            tenant_id: row.try_get("tenant_id")?,
            principal: row.try_get("principal")?,
            source_ip: row.try_get("source_ip")?,
            action: row.try_get("action")?,
            resource: row.try_get("resource")?,
            request: super::pg_json::decode(row.try_get("request")?),
        },
        outcome: row.try_get("outcome")?,
        status_code: row.try_get("status_code")?,
    })
}

/// The rows matching `filter`, newest first.
pub async fn query(conn: &mut PgConnection, filter: &Filter) -> Result<Vec<Record>> {
    let mut q: QueryBuilder<'_, Postgres> = QueryBuilder::new(
        "SELECT id, at, tenant_id, principal, source_ip, action, resource, request, outcome, status_code \
         FROM audit_log WHERE true",
    );
    if let Some(t) = &filter.tenant_id {
        q.push(" AND tenant_id = ").push_bind(t);
    }
    if let Some(from) = filter.from {
        q.push(" AND at >= ").push_bind(from);
    }
    if let Some(to) = filter.to {
        q.push(" AND at < ").push_bind(to);
    }
    if let Some(a) = &filter.action {
        q.push(" AND action = ").push_bind(a);
    }
    if let Some(p) = &filter.principal {
        q.push(" AND principal = ").push_bind(p);
    }
    if let Some((at, id)) = filter.before {
        q.push(" AND (at, id) < (")
            .push_bind(at)
            .push(", ")
            .push_bind(id)
            .push(")");
    }
    q.push(" ORDER BY at DESC, id DESC LIMIT ")
        .push_bind(filter.limit);
    let rows = q.build().fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}
