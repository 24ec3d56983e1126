//! Verification errors and the exact wire messages AWS sends for them.
//!
//! The `Display` form of every variant is the message a DynamoDB client
//! expects in the `message` field of the error response; [`Error::code`]
//! gives the matching exception name for `__type`.

/// Why a request failed authentication.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// No `Authorization` header and no `X-Amz-Algorithm` query parameter,
    /// or an `Authorization` header that is not an `AWS4-` one.
    #[error("Request is missing Authentication Token")]
    MissingAuthenticationToken,
    /// The signature claim is malformed or incomplete.
    #[error("{0}")]
    IncompleteSignature(String),
    /// The signature claim is well-formed but wrong (mismatch, expired,
    /// wrong scope, ...).
    #[error("{0}")]
    InvalidSignature(String),
}

impl Error {
    /// AWS exception name (the part after `com.amazon.coral.service#`).
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Error::MissingAuthenticationToken => "MissingAuthenticationTokenException",
            Error::IncompleteSignature(_) => "IncompleteSignatureException",
            Error::InvalidSignature(_) => "InvalidSignatureException",
        }
    }

    /// The wire message (same as `to_string()`).
    #[must_use]
    pub fn message(&self) -> String {
        self.to_string()
    }
}

/// Message for a signature that does not match.
pub(crate) const MSG_SIGNATURE_MISMATCH: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

/// Message for an `x-amz-content-sha256` header that does not match the body.
pub(crate) const MSG_CONTENT_SHA256_MISMATCH: &str =
    "The provided 'x-amz-content-sha256' header does not match what was computed.";

/// Message when both signing forms are present at once.
pub(crate) const MSG_BOTH_AUTH_FORMS: &str =
    "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.";

/// Message when `host` is not among the signed headers.
pub(crate) const MSG_HOST_NOT_SIGNED: &str =
    "'Host' must be a 'SignedHeader' in the AWS Authorization.";
