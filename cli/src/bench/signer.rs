//! SigV4 request signing as an AWS SDK does it for DynamoDB: the workspace's
//! `sigv4` crate builds the canonical request, and the hashing is RustCrypto's
//! `sha2`/`hmac`, as in the AWS SDK for Rust. (The server's `sigv4` hashes
//! with ring's faster assembly; the generator keeps the SDK's cost, so its
//! figures stay comparable from one version of the server to the next.)
//!
//! Every request carries and signs `content-type`, `host`, `x-amz-date` and
//! `x-amz-target`, and the payload hash is the SHA-256 of the body (no
//! `x-amz-content-sha256` header, as the DynamoDB SDKs send it). Like an
//! SDK, a [`Signer`] derives the signing key once per day and formats the
//! `X-Amz-Date` once per second; the per-request work is the body hash, the
//! canonical request hash and one HMAC. A signer belongs to one virtual
//! client, so it needs no locking.

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::bail;
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The JSON 1.0 content type DynamoDB speaks.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.0";
/// Service name of the credential scope.
pub const SERVICE: &str = "dynamodb";
/// Headers signed on every request, sorted and lower-case.
const SIGNED_HEADERS: [&str; 4] = ["content-type", "host", "x-amz-date", "x-amz-target"];

/// An access key pair and region. `Debug` never shows the secret.
#[derive(Clone)]
pub struct Credentials {
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: String,
    /// Region of the credential scope.
    pub region: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("region", &self.region)
            .finish()
    }
}

impl Credentials {
    /// Checks the pieces are usable in headers.
    pub fn validate(&self) -> anyhow::Result<()> {
        let printable = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_graphic());
        if !printable(&self.access_key_id) || !printable(&self.secret_access_key) {
            bail!("the access key id and secret must be non-empty printable ASCII without spaces");
        }
        if !printable(&self.region) {
            bail!("the region must be non-empty printable ASCII");
        }
        Ok(())
    }
}

/// The two headers a signature adds to a request.
#[derive(Debug, Clone)]
pub struct Signature {
    /// Value of `X-Amz-Date`.
    pub amz_date: String,
    /// Value of `Authorization`.
    pub authorization: String,
}

/// Signs requests for one virtual client.
pub struct Signer {
    creds: std::sync::Arc<Credentials>,
    /// `(yyyymmdd, signing key, credential scope)` of the cached day.
    day: Option<(String, [u8; 32], String)>,
    /// `(unix second, X-Amz-Date)` of the cached second.
    second: Option<(u64, String)>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer").field("creds", &self.creds).finish_non_exhaustive()
    }
}

impl Signer {
    /// A signer with empty caches.
    #[must_use]
    pub fn new(creds: std::sync::Arc<Credentials>) -> Signer {
        Signer {
            creds,
            day: None,
            second: None,
        }
    }

    /// Signs a `POST /` with the current time.
    pub fn sign(&mut self, host: &str, target: &str, body: &[u8]) -> Signature {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let amz_date = match &self.second {
            Some((s, d)) if *s == now => d.clone(),
            _ => {
                let d = format_amz_date(now);
                self.second = Some((now, d.clone()));
                d
            }
        };
        self.sign_at(&amz_date, host, target, body)
    }

    /// Signs a `POST /` at `amz_date` (`yyyymmddThhmmssZ`).
    pub fn sign_at(&mut self, amz_date: &str, host: &str, target: &str, body: &[u8]) -> Signature {
        let date = amz_date.get(0..8).unwrap_or(amz_date);
        let (key, scope) = match &self.day {
            Some((d, key, scope)) if d == date => (*key, scope.clone()),
            _ => {
                let key = sigv4::signing_key(
                    self.creds.secret_access_key.as_bytes(),
                    date,
                    &self.creds.region,
                    SERVICE,
                );
                let scope = sigv4::credential_scope(date, &self.creds.region, SERVICE);
                self.day = Some((date.to_owned(), key, scope.clone()));
                (key, scope)
            }
        };
        let headers = [
            ("content-type", CONTENT_TYPE),
            ("host", host),
            ("x-amz-date", amz_date),
            ("x-amz-target", target),
        ];
        let req = sigv4::Request {
            method: "POST",
            path: "/",
            query: None,
            headers: &headers,
            body,
        };
        // Without an x-amz-content-sha256 header this is the body's hash
        // and cannot fail.
        let payload = sigv4::lower_hex(&Sha256::digest(body));
        let canonical = sigv4::canonical_request(&req, &SIGNED_HEADERS, &payload, false);
        let sts = format!(
            "{}\n{amz_date}\n{scope}\n{}",
            sigv4::ALGORITHM,
            sigv4::lower_hex(&Sha256::digest(canonical.as_bytes()))
        );
        // HMAC pads a short key with zeros to the block length.
        let mut block = [0u8; 64];
        for (dst, src) in block.iter_mut().zip(key.iter()) {
            *dst = *src;
        }
        let mut mac = <Hmac<Sha256> as KeyInit>::new(&block.into());
        mac.update(sts.as_bytes());
        let signature = sigv4::lower_hex(&mac.finalize().into_bytes());
        let authorization = format!(
            "{} Credential={}/{scope}, SignedHeaders={}, Signature={signature}",
            sigv4::ALGORITHM,
            self.creds.access_key_id,
            SIGNED_HEADERS.join(";"),
        );
        Signature {
            amz_date: amz_date.to_owned(),
            authorization,
        }
    }
}

/// `yyyymmddThhmmssZ` for a Unix time.
fn format_amz_date(unix_secs: u64) -> String {
    let secs = i64::try_from(unix_secs).unwrap_or(0);
    chrono::DateTime::from_timestamp(secs, 0)
        .unwrap_or_default()
        .format("%Y%m%dT%H%M%SZ")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds() -> std::sync::Arc<Credentials> {
        std::sync::Arc::new(Credentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            region: "us-east-1".into(),
        })
    }

    #[test]
    fn matches_sign_request_and_verifies() {
        let mut signer = Signer::new(creds());
        let body = br#"{"TableName":"t"}"#;
        let host = "127.0.0.1:8000";
        let target = "DynamoDB_20120810.DescribeTable";
        for amz_date in ["20240102T030405Z", "20240102T030406Z", "20240103T000000Z"] {
            let got = signer.sign_at(amz_date, host, target, body);
            let headers = [
                ("Host", host),
                ("X-Amz-Date", amz_date),
                ("X-Amz-Target", target),
                ("Content-Type", CONTENT_TYPE),
                ("Authorization", got.authorization.as_str()),
            ];
            let req = sigv4::Request {
                method: "POST",
                path: "/",
                query: None,
                headers: &headers,
                body,
            };
            let params = sigv4::SigningParams {
                access_key_id: "AKIDEXAMPLE",
                secret_access_key: b"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                region: "us-east-1",
                service: "dynamodb",
                amz_date,
            };
            let expected = sigv4::sign_request(&req, &params, &SIGNED_HEADERS);
            assert_eq!(got.authorization, expected);
            let claim = sigv4::parse(&req, chrono::DateTime::parse_from_rfc3339("2024-01-02T03:04:05Z")
                .map(|t| t.with_timezone(&chrono::Utc))
                .unwrap_or_default());
            // The claim may be rejected for skew on the third date; the
            // signature itself must verify whenever it parses.
            if let Ok(claim) = claim {
                assert!(sigv4::verify(&req, &claim, b"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY").is_ok());
            }
        }
    }

    #[test]
    fn amz_date_format() {
        assert_eq!(format_amz_date(0), "19700101T000000Z");
        assert_eq!(format_amz_date(1_704_164_645), "20240102T030405Z");
    }

    #[test]
    fn debug_hides_secret() {
        let shown = format!("{:?}", Signer::new(creds()));
        assert!(!shown.contains("EXAMPLEKEY"));
    }
}
