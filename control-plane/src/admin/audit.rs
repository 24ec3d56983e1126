//! `GET /v1/tenants/{tenant}/audit` and `GET /v1/audit` (operators): the
//! audit log, newest first, filtered by time (`from` inclusive, `to`
//! exclusive, RFC 3339), `action` and `principal`, in pages of `limit`
//! (default 100, at most 1000) chained by an opaque `next_token`.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use base64::Engine;
use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::caller::{Caller, Params, QueryParams};
use super::error::AdminError;
use crate::db::audit::{self, Filter, Record};
use crate::ControlPlane;

const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 1000;

/// Filters and paging of the audit endpoints.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Events at or after this time (RFC 3339).
    #[param(format = DateTime)]
    pub from: Option<String>,
    /// Events before this time (RFC 3339).
    #[param(format = DateTime)]
    pub to: Option<String>,
    /// Only this action (e.g. `CreateUser`, `dynamodb:CreateTable`).
    pub action: Option<String>,
    /// Only this principal.
    pub principal: Option<String>,
    /// Page size, 1–1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// The `next_token` of the previous page.
    pub next_token: Option<String>,
    /// `GET /v1/audit` only (documented there by [`TenantFilter`]); the
    /// tenant endpoint refuses it.
    #[param(ignore)]
    pub tenant_id: Option<String>,
}

/// The filter only `GET /v1/audit` takes, besides [`AuditQuery`]'s.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TenantFilter {
    /// Only this tenant id.
    pub tenant_id: Option<String>,
}

/// One recorded action.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditEvent {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub tenant_id: Option<String>,
    pub principal: String,
    pub source_ip: Option<String>,
    pub action: String,
    pub resource: String,
    /// A summary of the request.
    #[schema(value_type = Object)]
    pub request: serde_json::Value,
    /// `success` or `failure`.
    pub outcome: String,
    pub status_code: i32,
}

impl From<Record> for AuditEvent {
    fn from(r: Record) -> Self {
        AuditEvent {
            id: r.id,
            at: r.at,
            tenant_id: r.entry.tenant_id,
            principal: r.entry.principal,
            source_ip: r.entry.source_ip,
            action: r.entry.action,
            resource: r.entry.resource,
            request: r.entry.request,
            outcome: r.outcome,
            status_code: r.status_code,
        }
    }
}

/// A page of events.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AuditPage {
    pub events: Vec<AuditEvent>,
    /// Pass as `next_token` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

fn time(name: &str, value: Option<&str>) -> Result<Option<DateTime<Utc>>, AdminError> {
    value
        .map(|v| {
            DateTime::parse_from_rfc3339(v)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| AdminError::BadRequest(format!("{name} is not an RFC 3339 time: {e}")))
        })
        .transpose()
}

fn encode_token(at: DateTime<Utc>, id: i64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(format!("{}:{id}", at.timestamp_micros()))
}

fn decode_token(token: &str) -> Result<(DateTime<Utc>, i64), AdminError> {
    let bad = || AdminError::BadRequest("invalid next_token".into());
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    let (micros, id) = text.split_once(':').ok_or_else(bad)?;
    let at = DateTime::from_timestamp_micros(micros.parse().map_err(|_| bad())?)
        .filter(|t| (1..=9999).contains(&t.year()))
        .ok_or_else(bad)?;
    Ok((at, id.parse().map_err(|_| bad())?))
}

async fn page(
    cp: &ControlPlane,
    q: AuditQuery,
    tenant_id: Option<String>,
) -> Result<AuditPage, AdminError> {
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(AdminError::BadRequest(format!(
            "limit must be between 1 and {MAX_LIMIT}"
        )));
    }
    let filter = Filter {
        tenant_id,
        from: time("from", q.from.as_deref())?,
        to: time("to", q.to.as_deref())?,
        action: q.action,
        principal: q.principal,
        before: q.next_token.as_deref().map(decode_token).transpose()?,
        limit: limit + 1,
    };
    let mut conn = cp.pool.acquire().await?;
    let mut rows = audit::query(&mut conn, &filter).await?;
    let more = i64::try_from(rows.len()).unwrap_or(i64::MAX) > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let next_token = if more {
        rows.last().map(|r| encode_token(r.at, r.id))
    } else {
        None
    };
    Ok(AuditPage {
        events: rows.into_iter().map(AuditEvent::from).collect(),
        next_token,
    })
}

/// A tenant's audit trail.
#[utoipa::path(get, path = "/v1/tenants/{tenant}/audit", operation_id = "getTenantAudit", tag = "audit",
    params(("tenant" = String, Path, description = "tenant name or id"), AuditQuery),
    responses((status = 200, body = AuditPage), (status = 400, body = super::Problem), (status = 404, body = super::Problem)))]
pub async fn tenant_audit(
    State(cp): State<Arc<ControlPlane>>,
    caller: Caller,
    Params(tenant): Params<String>,
    QueryParams(q): QueryParams<AuditQuery>,
) -> Result<Json<AuditPage>, AdminError> {
    let tenant = {
        let mut conn = cp.pool.acquire().await?;
        caller.tenant(&mut conn, &tenant).await?
    };
    if q.tenant_id.is_some() {
        return Err(AdminError::BadRequest(
            "tenant_id is a filter of /v1/audit only".into(),
        ));
    }
    Ok(Json(page(&cp, q, Some(tenant.record.id)).await?))
}

/// The whole audit log (operators only).
#[utoipa::path(get, path = "/v1/audit", operation_id = "getAudit", tag = "audit", params(AuditQuery, TenantFilter),
    responses((status = 200, body = AuditPage), (status = 400, body = super::Problem), (status = 403, body = super::Problem)))]
pub async fn global_audit(
    State(cp): State<Arc<ControlPlane>>,
    caller: Caller,
    QueryParams(mut q): QueryParams<AuditQuery>,
) -> Result<Json<AuditPage>, AdminError> {
    caller.require_operator()?;
    let tenant_id = q.tenant_id.take();
    Ok(Json(page(&cp, q, tenant_id).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_garbage_is_refused() {
        let at = DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap();
        assert_eq!(decode_token(&encode_token(at, 42)).unwrap(), (at, 42));
        assert!(decode_token("!!").is_err());
        assert!(decode_token("bm9wZQ").is_err(), "base64 of 'nope'");
        // Times PostgreSQL cannot hold are refused here, not in the database.
        let far = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("-1000000000000000000:1");
        assert!(decode_token(&far).is_err());
    }
}
