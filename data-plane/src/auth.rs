//! Authentication: SigV4 verification of a request against the catalog's
//! access keys. Its only output is [`Verified`], so an operation cannot be
//! reached without a verified caller.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::http::{HeaderMap, Method, Uri};
use dynastore_common::contract::{AccessKeyRecord, TenantRecord, TenantStatus};

use crate::catalog::{Catalog, Space};
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
    /// The region the request was signed for: its tables are the tenant's
    /// tables of that region, its ARNs name it, and it is the region of
    /// every policy check.
    pub region: String,
    /// Whether `region` is the endpoint's own (home) region, whose tables
    /// the catalog files under the empty region.
    pub home: bool,
    /// The client's address, when known.
    pub source_ip: Option<std::net::IpAddr>,
}

impl Verified {
    /// The namespace the request's table names are looked up in.
    pub fn space(&self) -> Space<'_> {
        Space {
            tenant: &self.tenant.id,
            region: if self.home { "" } else { &self.region },
        }
    }

    /// The caller as an IAM principal ARN (`…:root` for the tenant's root key).
    pub fn principal_arn(&self) -> String {
        let (partition, account) = (iam::partition(&self.region), &self.tenant.account_id);
        match &self.user_name {
            Some(u) => format!("arn:{partition}:iam::{account}:user/{u}"),
            None => format!("arn:{partition}:iam::{account}:root"),
        }
    }

    /// The caller as the audit log records management changes.
    pub fn actor(&self) -> crate::sync::Actor {
        crate::sync::Actor {
            principal: self.principal_arn(),
            source_ip: self.source_ip,
        }
    }
}

/// Derived SigV4 signing keys by access key id, so a request costs one
/// HMAC of its string to sign instead of five. An entry is used only for
/// the same key record (a catalog change replaces the record) and the same
/// date, region and service.
#[derive(Debug, Default)]
pub struct SigningKeys {
    keys: Mutex<HashMap<String, CachedKey>>,
}

#[derive(Debug)]
struct CachedKey {
    record: Arc<AccessKeyRecord>,
    scope: (String, String, String),
    key: sigv4::SigningKey,
}

/// Entries kept at most; past it the cache starts over (keys are cheap to
/// derive again).
const MAX_CACHED_KEYS: usize = 10_000;

impl SigningKeys {
    fn get(&self, record: &Arc<AccessKeyRecord>, claim: &sigv4::Claim) -> sigv4::SigningKey {
        let mut keys = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(c) = keys.get(&record.access_key_id) {
            if Arc::ptr_eq(&c.record, record)
                && c.scope.0 == claim.date
                && c.scope.1 == claim.region
                && c.scope.2 == claim.service
            {
                return c.key.clone();
            }
        }
        let key = sigv4::SigningKey::new(&sigv4::signing_key(
            record.secret_access_key.expose().as_bytes(),
            &claim.date,
            &claim.region,
            &claim.service,
        ));
        if keys.len() >= MAX_CACHED_KEYS {
            keys.clear();
        }
        keys.insert(
            record.access_key_id.clone(),
            CachedKey {
                record: Arc::clone(record),
                scope: (claim.date.clone(), claim.region.clone(), claim.service.clone()),
                key: key.clone(),
            },
        );
        key
    }
}

/// Verifies the request's signature and resolves its caller, who acts in
/// the region the request was signed for (`home`: the endpoint's own).
#[allow(clippy::too_many_arguments)]
pub fn verify(
    keys: &SigningKeys,
    catalog: &Catalog,
    home: &str,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Verified, ApiError> {
    verify_for(SIGNING_SERVICE, keys, catalog, home, method, uri, headers, body, now)
}

/// [`verify`] of a request whose credentials must be scoped to `service`.
#[allow(clippy::too_many_arguments)]
pub fn verify_for(
    service: &str,
    keys: &SigningKeys,
    catalog: &Catalog,
    home: &str,
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
    sigv4::check_scope(&claim, service)?;
    if !is_region_name(&claim.region) {
        return Err(ApiError::InvalidSignature(format!(
            "Credential should be scoped to a valid region, not '{}'. ",
            claim.region
        )));
    }
    if claim.security_token.is_some() {
        // Temporary credentials (STS) are not issued by Dynastore.
        return Err(ApiError::UnrecognizedClient);
    }
    let key = catalog
        .key(&claim.access_key_id)
        .filter(|k| k.active)
        .ok_or(ApiError::UnrecognizedClient)?;
    sigv4::verify_with_key(&request, &claim, &keys.get(key, &claim))?;
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
        home: claim.region == home,
        region: claim.region,
        source_ip: None,
    })
}

/// A region name that can stand in an ARN: letters, digits, dashes,
/// underscores and dots, at most 64 characters. AWS's regions are all of
/// this form (`us-east-1`), and so are the made-up ones test set-ups sign
/// for (`local`, `localhost`, `fakeRegion`), which are served as regions
/// of their own.
pub(crate) fn is_region_name(region: &str) -> bool {
    (1..=64).contains(&region.len())
        && region.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

#[cfg(test)]
mod tests {
    #[test]
    fn region_names_are_what_an_arn_can_hold() {
        for ok in ["us-east-1", "eu-west-1", "us-gov-west-1", "cn-north-1", "local", "localhost", "fakeRegion"] {
            assert!(super::is_region_name(ok), "{ok}");
        }
        for bad in ["", "us:east", "us east", "a/b", "é", &"x".repeat(65)] {
            assert!(!super::is_region_name(bad), "{bad}");
        }
    }
}
