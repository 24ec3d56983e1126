//! Step 2 of verification: recompute the signature for a parsed [`Claim`]
//! with the caller's secret and compare it in constant time.

use subtle::ConstantTimeEq;

use crate::canonical::canonical_request;
use crate::claim::Claim;
use crate::error::{MSG_CONTENT_SHA256_MISMATCH, MSG_SIGNATURE_MISMATCH};
use crate::signing::{credential_scope, sha256_hex, signing_key, string_to_sign, SigningKey};
use crate::{Error, Request, UNSIGNED_PAYLOAD};

/// Header through which a client states the payload hash it signed.
const CONTENT_SHA256: &str = "x-amz-content-sha256";

/// Payload hash as the client claims it: the `x-amz-content-sha256` header
/// if present, otherwise the hex SHA-256 of the body. No validation.
pub(crate) fn claimed_payload_hash(req: &Request<'_>) -> String {
    match req.header(CONTENT_SHA256) {
        Some(value) => value.trim().to_owned(),
        None => sha256_hex(req.body),
    }
}

/// Payload hash to put in the canonical request.
///
/// With an `x-amz-content-sha256` header its value is used, and it must be
/// either `UNSIGNED-PAYLOAD` or the SHA-256 of the body actually received
/// (otherwise `InvalidSignature` with AWS's message). Without the header the
/// body is hashed.
///
/// # Errors
///
/// [`Error::InvalidSignature`] when the header disagrees with the body.
pub fn payload_hash(req: &Request<'_>) -> Result<String, Error> {
    let computed = sha256_hex(req.body);
    match req.header(CONTENT_SHA256).map(str::trim) {
        None => Ok(computed),
        Some(UNSIGNED_PAYLOAD) => Ok(UNSIGNED_PAYLOAD.to_owned()),
        Some(claimed) if claimed.eq_ignore_ascii_case(&computed) => Ok(claimed.to_owned()),
        Some(_) => Err(Error::InvalidSignature(
            MSG_CONTENT_SHA256_MISMATCH.to_owned(),
        )),
    }
}

/// Recompute the signature of `req` for `claim` with `secret_access_key` and
/// compare it with the claimed one in constant time.
///
/// Call [`crate::parse`] first; `verify` trusts the claim's shape and date
/// checks and only answers whether the signature is right.
///
/// # Errors
///
/// [`Error::InvalidSignature`] when the payload hash header or the
/// signature does not match.
pub fn verify(req: &Request<'_>, claim: &Claim, secret_access_key: &[u8]) -> Result<(), Error> {
    let key = signing_key(
        secret_access_key,
        &claim.date,
        &claim.region,
        &claim.service,
    );
    verify_with_signing_key(req, claim, &key)
}

/// Like [`verify`], with the signing key already derived (by
/// [`crate::signing_key`] for the claim's date, region and service): a
/// server may cache it per access key and day, saving four HMACs a request.
///
/// # Errors
///
/// As [`verify`].
pub fn verify_with_signing_key(
    req: &Request<'_>,
    claim: &Claim,
    key: &[u8; 32],
) -> Result<(), Error> {
    verify_with_key(req, claim, &SigningKey::new(key))
}

/// Like [`verify_with_signing_key`], with the key's HMAC state prepared
/// ([`SigningKey`]), which a server caches with the key.
///
/// # Errors
///
/// As [`verify`].
pub fn verify_with_key(req: &Request<'_>, claim: &Claim, key: &SigningKey) -> Result<(), Error> {
    let payload = payload_hash(req)?;
    if signature_matches(req, claim, key, &payload) {
        return Ok(());
    }
    // Some clients (aiodynamo, for one) sign the host without the port the
    // request goes to. Against AWS's endpoints on port 443 the two are the
    // same; the signature proves the key either way.
    if let Some(portless) = portless_host(req, claim) {
        let headers: Vec<(&str, &str)> = req
            .headers
            .iter()
            .map(|&(name, value)| if name.eq_ignore_ascii_case("host") { (name, portless) } else { (name, value) })
            .collect();
        let retry = Request { headers: &headers, ..*req };
        if signature_matches(&retry, claim, key, &payload) {
            return Ok(());
        }
    }
    Err(Error::InvalidSignature(MSG_SIGNATURE_MISMATCH.to_owned()))
}

fn signature_matches(req: &Request<'_>, claim: &Claim, key: &SigningKey, payload: &str) -> bool {
    let canonical = canonical_request(req, &claim.signed_headers, payload, claim.presigned);
    let scope = credential_scope(&claim.date, &claim.region, &claim.service);
    let sts = string_to_sign(&claim.amz_date, &scope, &canonical);
    bool::from(key.sign(&sts).as_bytes().ct_eq(claim.signature.as_bytes()))
}

/// The signed `Host` header without its port (`127.0.0.1:8000` →
/// `127.0.0.1`, `[::1]:8000` → `[::1]`), when it has one.
fn portless_host<'a>(req: &Request<'a>, claim: &Claim) -> Option<&'a str> {
    if !claim.signed_headers.iter().any(|h| h == "host") {
        return None;
    }
    let host = req.headers.iter().find(|(name, _)| name.eq_ignore_ascii_case("host"))?.1.trim();
    let (name, port) = host.rsplit_once(':')?;
    let bracketed_or_plain = name.ends_with(']') || !name.contains(':');
    (!port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) && bracketed_or_plain && !name.is_empty()).then_some(name)
}
