//! Server-side AWS Signature Version 4 (SigV4) verification for a
//! DynamoDB-compatible service.
//!
//! The crate is pure: it performs no I/O and knows nothing about HTTP
//! libraries. The caller hands over the request as received ([`Request`])
//! and verification happens in two steps:
//!
//! 1. [`parse`] finds the signature claim (the `Authorization` header or the
//!    presigned `X-Amz-*` query parameters), validates its shape and checks
//!    the request time against the caller's clock. The result is a [`Claim`].
//! 2. The caller looks up the secret key for [`Claim::access_key_id`] (and
//!    checks the service name with [`check_scope`]), then calls [`verify`],
//!    which rebuilds the canonical request and compares signatures in
//!    constant time.
//!
//! Error values carry the exact wire messages AWS services send (see
//! [`Error`]). Signing helpers ([`sign_request`], [`presign_query`], and the
//! lower-level [`canonical_request`], [`string_to_sign`], [`signing_key`],
//! [`sign`]) are exposed for tests and clients.

#![forbid(unsafe_code)]

mod canonical;
mod claim;
mod encode;
mod error;
mod signing;
mod timefmt;
mod verify;

#[cfg(test)]
mod tests;

pub use canonical::{canonical_headers, canonical_query_string, canonical_request, canonical_uri};
pub use claim::{check_region, check_scope, parse, parse_expecting, Claim, Expected};
pub use error::Error;
pub use signing::{
    credential_scope, lower_hex, presign_query, sign, sign_request, signing_key, string_to_sign,
    SigningKey, SigningParams,
};
pub use verify::{payload_hash, verify, verify_with_key, verify_with_signing_key};

/// The only signing algorithm accepted.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// Terminator of every SigV4 credential scope.
pub const TERMINATOR: &str = "aws4_request";

/// Literal `x-amz-content-sha256` value meaning "the body is not signed".
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// Largest `X-Amz-Expires` accepted for presigned requests (7 days).
pub const MAX_PRESIGN_EXPIRES: u64 = 604_800;

/// Allowed clock skew, either side, between request time and server time.
pub const ALLOWED_SKEW_MINUTES: i64 = 15;

/// One HTTP request as received by the server.
///
/// Nothing here is normalised by the caller: header names may be in any case
/// and may repeat, the path and query are the raw (still percent-encoded)
/// strings from the request line.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// HTTP method, e.g. `POST`.
    pub method: &'a str,
    /// Raw path as received, e.g. `/` (still percent-encoded).
    pub path: &'a str,
    /// Raw query string without the leading `?`, as received.
    pub query: Option<&'a str>,
    /// Every header as received, in order; names may repeat.
    pub headers: &'a [(&'a str, &'a str)],
    /// The request body.
    pub body: &'a [u8],
}

impl<'a> Request<'a> {
    /// First value of the header `name` (case-insensitive), if present.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }

    /// All values of the header `name` (case-insensitive), in order received.
    pub fn header_values<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'a str> + 's {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }
}
