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

/// PostgreSQL text cannot hold NUL characters: a parameter with one would
/// fail in the database (a 500), so it is refused up front.
const NUL_IN_URL: &str = "path and query parameters must not contain NUL characters (%00)";

/// Whether a raw (percent-encoded) path or query decodes to a NUL.
fn encodes_nul(raw: &str) -> bool {
    raw.contains("%00")
}

/// Whether a JSON value holds a NUL character in a string or a key.
fn holds_nul(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::String(s) => s.contains('\0'),
        serde_json::Value::Array(items) => items.iter().any(holds_nul),
        serde_json::Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || holds_nul(v)),
        _ => false,
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
        if encodes_nul(parts.uri.path()) {
            return Err(AdminError::BadRequest(NUL_IN_URL.into()));
        }
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
        if parts.uri.query().is_some_and(encodes_nul) {
            return Err(AdminError::BadRequest(NUL_IN_URL.into()));
        }
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| QueryParams(v))
            .map_err(|e| AdminError::BadRequest(e.body_text()))
    }
}

/// Decodes a JSON request body: malformed JSON is a 400, well-formed JSON
/// of the wrong shape (not an object, NUL characters, wrong types, unknown
/// or missing fields) a 422. Every body is an object: serde would also take a
/// struct's fields from an array in order, which no client means.
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, AdminError> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| match e.classify() {
            serde_json::error::Category::Data => {
                AdminError::Invalid(format!("invalid request body: {e}"))
            }
            _ => AdminError::BadRequest(format!("malformed JSON: {e}")),
        })?;
    if !value.is_object() {
        return Err(AdminError::Invalid(
            "invalid request body: expected a JSON object".into(),
        ));
    }
    if holds_nul(&value) {
        return Err(AdminError::Invalid(
            "invalid request body: strings must not contain NUL characters".into(),
        ));
    }
    serde_json::from_value(value)
        .map_err(|e| AdminError::Invalid(format!("invalid request body: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        #[serde(default)]
        n: Option<i64>,
    }

    #[test]
    fn bodies_are_objects_without_nul_characters() {
        assert!(decode::<Body>(br#"{"name": "a"}"#).is_ok());
        let status = |body: &[u8]| decode::<Body>(body).unwrap_err().status().as_u16();
        assert_eq!(status(b"{not json"), 400);
        assert_eq!(status(b""), 400);
        assert_eq!(
            status(br#"["a", 1]"#),
            422,
            "serde would take the fields in order"
        );
        assert_eq!(status(br#"{"name": "a\u0000b"}"#), 422);
        assert_eq!(status(br#"{"name": "a", "x\u0000": 1}"#), 422);
        assert_eq!(status(br#"{"name": "a", "n": "1"}"#), 422);
    }

    #[test]
    fn nul_is_spotted_in_raw_urls() {
        assert!(encodes_nul("/v1/tenants/a%00b"));
        assert!(encodes_nul("principal=%00"));
        assert!(!encodes_nul("/v1/tenants/a%20b%0A"));
        assert!(!encodes_nul("limit=100"));
    }
}
