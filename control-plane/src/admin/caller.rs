//! The authenticated caller of an admin request, and the request-decoding
//! helpers whose failures become problem documents.
//!
//! [`Caller`] is an extractor: a handler that takes one cannot run without
//! a verified token, so an unauthenticated path does not compile. It also
//! carries what the audit trail needs (subject, source address, path) and
//! answers the authorization questions: [`Caller::require_operator`] and
//! [`Caller::tenant`] (resolve a `{tenant}` path segment and check the role
//! may act on it).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts, Path, Query};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use sqlx::PgConnection;

use super::auth::{Principal, Role};
use super::error::AdminError;
use super::trail::Trail;
use crate::db::tenants::{self, TenantRow};
use crate::ControlPlane;

/// A request with a verified bearer token.
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Principal,
    /// The peer address of the connection, when known.
    pub source_ip: Option<String>,
    /// The request path without the `/v1/` prefix (the audited resource).
    pub resource: String,
}

impl FromRequestParts<Arc<ControlPlane>> for Caller {
    type Rejection = AdminError;

    async fn from_request_parts(
        parts: &mut Parts,
        cp: &Arc<ControlPlane>,
    ) -> Result<Self, AdminError> {
        let verifier = cp.admin_verifier().ok_or(AdminError::Unauthorized)?;
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, token) = v.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .ok_or(AdminError::Unauthorized)?;
        let principal = verifier.verify(token)?;
        let source_ip = peer_ip(parts);
        let path = parts.uri.path();
        let resource = path.strip_prefix("/v1/").unwrap_or(path).to_owned();
        Ok(Caller {
            principal,
            source_ip,
            resource,
        })
    }
}

impl Caller {
    /// `Forbidden` unless the caller is a platform operator.
    pub fn require_operator(&self) -> Result<(), AdminError> {
        match self.principal.role {
            Role::Operator => Ok(()),
            Role::TenantAdmin(_) => Err(AdminError::Forbidden(
                "only a platform operator may do this".into(),
            )),
        }
    }

    /// True when the caller is a platform operator.
    pub fn is_operator(&self) -> bool {
        self.principal.role == Role::Operator
    }

    /// Whether the caller may act on `tenant`'s resources.
    pub fn may_access(&self, tenant: &TenantRow) -> bool {
        match &self.principal.role {
            Role::Operator => true,
            Role::TenantAdmin(t) => *t == tenant.record.name || *t == tenant.record.id,
        }
    }

    /// The tenant named or identified by `key`, if the caller may act on
    /// it. Tenant admins get `Forbidden` for every other tenant, existing
    /// or not, so they cannot probe names.
    pub async fn tenant(
        &self,
        conn: &mut PgConnection,
        key: &str,
    ) -> Result<TenantRow, AdminError> {
        match tenants::resolve(conn, key).await? {
            Some(t) if self.may_access(&t) => Ok(t),
            None if self.is_operator() => Err(AdminError::NotFound(format!("tenant {key}"))),
            _ => Err(AdminError::Forbidden(format!(
                "this token may not act on tenant {key}"
            ))),
        }
    }

    /// Starts the audit record of a mutating call named `action`.
    pub fn trail<'a>(&self, cp: &'a ControlPlane, action: &str) -> Trail<'a> {
        Trail::new(cp, self, action)
    }
}

/// The IP address of the connection's peer, when the server recorded it
/// (see `ControlPlane::serve`).
pub fn peer_ip(parts: &Parts) -> Option<String> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string())
}

/// Extracts [`peer_ip`]; never fails.
#[derive(Debug, Clone)]
pub struct PeerIp(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for PeerIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(PeerIp(peer_ip(parts)))
    }
}

/// Path parameters; a bad one is a 400 problem.
#[derive(Debug)]
pub struct Params<T>(pub T);

impl<T, S> FromRequestParts<S> for Params<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AdminError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AdminError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| Params(v))
            .map_err(|e| AdminError::BadRequest(e.body_text()))
    }
}

/// Query parameters; a bad one is a 400 problem.
#[derive(Debug)]
pub struct QueryParams<T>(pub T);

impl<T, S> FromRequestParts<S> for QueryParams<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AdminError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AdminError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| QueryParams(v))
            .map_err(|e| AdminError::BadRequest(e.body_text()))
    }
}

/// Decodes a JSON request body: malformed JSON is a 400, well-formed JSON
/// of the wrong shape (types, unknown or missing fields) a 422.
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, AdminError> {
    serde_json::from_slice(body).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => {
            AdminError::Invalid(format!("invalid request body: {e}"))
        }
        _ => AdminError::BadRequest(format!("malformed JSON: {e}")),
    })
}
