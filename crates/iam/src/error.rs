//! The crate's error type.

use crate::arn::ArnError;

/// Everything that can go wrong in this crate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The policy text is not JSON.
    #[error("policy document is not valid JSON: {0}")]
    Json(String),
    /// The policy is longer than allowed.
    #[error("policy document has {size} characters (whitespace not counted), more than the {max} allowed")]
    TooLarge { size: usize, max: usize },
    /// The policy is JSON but not a valid policy; the message says where and why,
    /// e.g. `Statement[1]: Effect must be "Allow" or "Deny"`.
    #[error("{0}")]
    Invalid(String),
    /// A DynamoDB operation name this crate does not know.
    #[error("unknown DynamoDB operation \"{0}\"")]
    UnknownOperation(String),
    /// The targets given for a DynamoDB operation do not fit it.
    #[error("{0}")]
    Targets(String),
    /// A malformed DynamoDB ARN.
    #[error(transparent)]
    Arn(#[from] ArnError),
}
