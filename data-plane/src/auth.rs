//! Authentication: SigV4 verification of a request against the catalog's
//! access keys. Its only output is [`Verified`], so an operation cannot be
//! reached without a verified caller.

use std::sync::Arc;

use axum::http::{HeaderMap, Method, Uri};
use dynastore_common::contract::{TenantRecord, TenantStatus};

use crate::catalog::Catalog;
use crate::error::ApiError;

/// The service name SigV4 credentials must be scoped to.
pub const SIGNING_SERVICE: &str = "dynamodb";

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The tenant the key belongs to.
    pub tenant: Arc<TenantRecord>,
    /// The access key used.
    pub access_key_id: String,
    /// The IAM user, or `None` for the tenant's root.
    pub user_name: Option<String>,
    /// The region the request was signed for.
    pub region: String,
}

/// Verifies the request's signature and resolves its caller.
pub fn verify(
    catalog: &Catalog,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Verified, ApiError> {
    let header_pairs: Vec<(&str, &str)> = headers
        .iter()
        .filter_map(|(k, v)| v.to_str().ok().map(|v| (k.as_str(), v)))
        .collect();
    let request = sigv4::Request {
        method: method.as_str(),
        path: uri.path(),
        query: uri.query(),
        headers: &header_pairs,
        body,
    };
    let claim = sigv4::parse(&request, now)?;
    sigv4::check_scope(&claim, SIGNING_SERVICE)?;
    if claim.security_token.is_some() {
        // Temporary credentials (STS) are not issued by Dynastore.
        return Err(ApiError::UnrecognizedClient);
    }
    let key = catalog
        .key(&claim.access_key_id)
        .filter(|k| k.active)
        .ok_or(ApiError::UnrecognizedClient)?;
    sigv4::verify(&request, &claim, key.secret_access_key.expose().as_bytes())?;
    let tenant = catalog
        .tenant(&key.tenant_id)
        .ok_or(ApiError::UnrecognizedClient)?;
    if tenant.status == TenantStatus::Suspended {
        return Err(ApiError::AccessDenied(format!(
            "The account {} is suspended.",
            tenant.account_id
        )));
    }
    Ok(Verified {
        tenant: Arc::clone(tenant),
        access_key_id: claim.access_key_id,
        user_name: key.user_name.clone(),
        region: claim.region,
    })
}
