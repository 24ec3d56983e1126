//! SigV4 key derivation, string to sign and signature computation, plus
//! helpers that sign a request the way an AWS SDK would (for tests and for
//! clients of this service).

use std::fmt;

use ring::{digest, hmac};

use crate::canonical::canonical_request;
use crate::encode::uri_encode;
use crate::verify::claimed_payload_hash;
use crate::{Request, ALGORITHM, TERMINATOR};

// Hashing is ring's: its SHA-256 is assembly with AVX2 and SHA-NI paths,
// several times faster than a portable implementation on CPUs without the
// SHA extensions, and a server hashes every request body it verifies.

/// HMAC-SHA256 (RFC 2104); any key length.
pub(crate) fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data);
    let mut out = [0u8; 32];
    for (dst, src) in out.iter_mut().zip(tag.as_ref()) {
        *dst = *src;
    }
    out
}

/// Hex SHA-256 of `data`.
pub(crate) fn sha256_hex(data: &[u8]) -> String {
    lower_hex(digest::digest(&digest::SHA256, data).as_ref())
}

/// Derive the signing key: HMAC chain over date, region, service and
/// `aws4_request`, starting from `"AWS4" + secret`.
#[must_use]
pub fn signing_key(secret_access_key: &[u8], date: &str, region: &str, service: &str) -> [u8; 32] {
    let mut k_secret = Vec::with_capacity(secret_access_key.len().saturating_add(4));
    k_secret.extend_from_slice(b"AWS4");
    k_secret.extend_from_slice(secret_access_key);
    let k_date = hmac_sha256(&k_secret, date.as_bytes());
    let k_region = hmac_sha256(&k_date, region.as_bytes());
    let k_service = hmac_sha256(&k_region, service.as_bytes());
    hmac_sha256(&k_service, TERMINATOR.as_bytes())
}

/// `date/region/service/aws4_request`.
#[must_use]
pub fn credential_scope(date: &str, region: &str, service: &str) -> String {
    let mut out = String::with_capacity(date.len() + region.len() + service.len() + TERMINATOR.len() + 3);
    for (i, part) in [date, region, service, TERMINATOR].into_iter().enumerate() {
        if i > 0 {
            out.push('/');
        }
        out.push_str(part);
    }
    out
}

/// `AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{hex(sha256(canonical_request))}`.
#[must_use]
pub fn string_to_sign(amz_date: &str, credential_scope: &str, canonical_request: &str) -> String {
    let hash = sha256_hex(canonical_request.as_bytes());
    let mut out = String::with_capacity(ALGORITHM.len() + amz_date.len() + credential_scope.len() + hash.len() + 3);
    for (i, part) in [ALGORITHM, amz_date, credential_scope, hash.as_str()].into_iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(part);
    }
    out
}

/// A derived signing key with its HMAC state prepared once (the inner
/// and outer padded blocks), for a server that caches keys.
#[derive(Clone)]
pub struct SigningKey(hmac::Key);

impl SigningKey {
    /// Prepares `key` (from [`signing_key`]).
    #[must_use]
    pub fn new(key: &[u8; 32]) -> SigningKey {
        SigningKey(hmac::Key::new(hmac::HMAC_SHA256, key))
    }

    /// Hex signature of `string_to_sign`, as [`sign`] computes it.
    #[must_use]
    pub fn sign(&self, string_to_sign: &str) -> String {
        lower_hex(hmac::sign(&self.0, string_to_sign.as_bytes()).as_ref())
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(..)")
    }
}

/// Hex signature of `string_to_sign` under `signing_key`.
#[must_use]
pub fn sign(signing_key: &[u8; 32], string_to_sign: &str) -> String {
    lower_hex(&hmac_sha256(signing_key, string_to_sign.as_bytes()))
}

/// Lower-case hex of a digest, written directly (the `hex` crate's
/// char-by-char iterator showed up in request-path profiles).
#[must_use]
pub fn lower_hex(bytes: &[u8]) -> String {
    let digit = |n: u8| char::from(if n < 10 { b'0' + n } else { b'a' + n - 10 });
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(digit(b >> 4));
        out.push(digit(b & 0x0f));
    }
    out
}

/// What a client needs to sign a request. `Debug` never shows the secret.
#[derive(Clone, Copy)]
pub struct SigningParams<'a> {
    /// Access key id placed in the credential.
    pub access_key_id: &'a str,
    /// Secret access key.
    pub secret_access_key: &'a [u8],
    /// Region of the credential scope, e.g. `us-east-1`.
    pub region: &'a str,
    /// Service of the credential scope, e.g. `dynamodb`.
    pub service: &'a str,
    /// Signing time, `yyyymmddThhmmssZ`. For header signing the request must
    /// carry the same value in `X-Amz-Date` (or the equivalent `Date`).
    pub amz_date: &'a str,
}

impl fmt::Debug for SigningParams<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningParams")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("region", &self.region)
            .field("service", &self.service)
            .field("amz_date", &self.amz_date)
            .finish()
    }
}

impl SigningParams<'_> {
    fn date(&self) -> &str {
        self.amz_date.get(0..8).unwrap_or(self.amz_date)
    }

    fn scope(&self) -> String {
        credential_scope(self.date(), self.region, self.service)
    }

    fn signature_for(&self, canonical: &str) -> String {
        let sts = string_to_sign(self.amz_date, &self.scope(), canonical);
        let key = signing_key(
            self.secret_access_key,
            self.date(),
            self.region,
            self.service,
        );
        sign(&key, &sts)
    }
}

/// Lower-case, sort and de-duplicate header names, as SDKs do.
fn normalize_signed_headers(names: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
    out.sort();
    out.dedup();
    out
}

/// Sign `req` with the `Authorization` header form and return the header
/// value. `req` must already carry every header that will be sent and
/// signed (at least `host` and `x-amz-date`). The payload hash is the
/// `x-amz-content-sha256` header if present, else the body's SHA-256.
#[must_use]
pub fn sign_request(
    req: &Request<'_>,
    params: &SigningParams<'_>,
    signed_headers: &[&str],
) -> String {
    let signed = normalize_signed_headers(signed_headers);
    let canonical = canonical_request(req, &signed, &claimed_payload_hash(req), false);
    let signature = params.signature_for(&canonical);
    format!(
        "{ALGORITHM} Credential={}/{}, SignedHeaders={}, Signature={signature}",
        params.access_key_id,
        params.scope(),
        signed.join(";")
    )
}

/// Presign `req`: returns the full query string to send (the request's own
/// query, then `X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`,
/// `X-Amz-Expires`, `X-Amz-SignedHeaders`, optional `X-Amz-Security-Token`,
/// and finally `X-Amz-Signature`).
#[must_use]
pub fn presign_query(
    req: &Request<'_>,
    params: &SigningParams<'_>,
    signed_headers: &[&str],
    expires: u64,
    security_token: Option<&str>,
) -> String {
    let signed = normalize_signed_headers(signed_headers);
    let mut query = String::new();
    if let Some(existing) = req.query.filter(|q| !q.is_empty()) {
        query.push_str(existing);
        query.push('&');
    }
    let credential = format!("{}/{}", params.access_key_id, params.scope());
    for (name, value) in [
        ("X-Amz-Algorithm", ALGORITHM.to_owned()),
        ("X-Amz-Credential", credential),
        ("X-Amz-Date", params.amz_date.to_owned()),
        ("X-Amz-Expires", expires.to_string()),
        ("X-Amz-SignedHeaders", signed.join(";")),
    ] {
        if name != "X-Amz-Algorithm" {
            query.push('&');
        }
        query.push_str(name);
        query.push('=');
        query.push_str(&uri_encode(value.as_bytes()));
    }
    if let Some(token) = security_token {
        query.push_str("&X-Amz-Security-Token=");
        query.push_str(&uri_encode(token.as_bytes()));
    }
    let unsigned = Request {
        query: Some(&query),
        ..*req
    };
    let canonical = canonical_request(&unsigned, &signed, &claimed_payload_hash(req), true);
    let signature = params.signature_for(&canonical);
    query.push_str("&X-Amz-Signature=");
    query.push_str(&signature);
    query
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc4231() {
        // RFC 4231 test case 2 (short key) and 6 (key longer than a block).
        assert_eq!(
            hex::encode(hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            hex::encode(hmac_sha256(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
        // RFC 4231 test case 1: a 20-byte key.
        assert_eq!(
            hex::encode(hmac_sha256(&[0x0b; 20], b"Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
    }

    #[test]
    fn a_prepared_key_signs_as_sign_does() {
        let key = signing_key(b"secret", "20150830", "us-east-1", "dynamodb");
        let sts = "AWS4-HMAC-SHA256\n20150830T123600Z\nscope\nhash";
        assert_eq!(SigningKey::new(&key).sign(sts), sign(&key, sts));
        assert_eq!(format!("{:?}", SigningKey::new(&key)), "SigningKey(..)", "never shows the key");
    }

    #[test]
    fn signing_key_from_docs() {
        // "Calculate the signature" example of the SigV4 documentation (IAM).
        let key = signing_key(
            b"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "20150830",
            "us-east-1",
            "iam",
        );
        assert_eq!(
            hex::encode(key),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
        );
    }

    #[test]
    fn debug_hides_secret() {
        let p = SigningParams {
            access_key_id: "AKID",
            secret_access_key: b"very-secret",
            region: "us-east-1",
            service: "dynamodb",
            amz_date: "20150830T123600Z",
        };
        let shown = format!("{p:?}");
        assert!(!shown.contains("very-secret"));
        assert!(shown.contains("<redacted>"));
    }
}
