//! The data plane's error enum and its one mapping to DynamoDB's wire
//! format: `{"__type": "...#Name", "message": "..."}` with the status
//! DynamoDB uses. Internal errors are logged here, once, and answered
//! opaquely with the request id.

use ddb_core::{ErrorCode, ValidationErrors};

/// Every error a DynamoDB request can end in.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("Request is missing Authentication Token")]
    MissingAuthenticationToken,
    #[error("{0}")]
    IncompleteSignature(String),
    #[error("{0}")]
    InvalidSignature(String),
    #[error("The security token included in the request is invalid.")]
    UnrecognizedClient,
    #[error("{0}")]
    AccessDenied(String),
    #[error("{0}")]
    Serialization(String),
    #[error("unknown operation")]
    UnknownOperation,
    #[error("{0}")]
    Validation(String),
    #[error("{0}")]
    ResourceNotFound(String),
    #[error("The conditional request failed")]
    ConditionalCheckFailed {
        /// The item, when ReturnValuesOnConditionCheckFailure asked for it.
        item: Option<serde_json::Value>,
    },
    #[error("{0}")]
    TableNotFound(String),
    #[error("{0}")]
    ResourceInUse(String),
    #[error("{0}")]
    LimitExceeded(String),
    #[error("Request entity too large")]
    RequestEntityTooLarge,
    #[error("The service is starting and has not loaded its configuration yet")]
    ServiceUnavailable,
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<ValidationErrors> for ApiError {
    fn from(e: ValidationErrors) -> Self {
        ApiError::Validation(e.to_string())
    }
}

impl From<sigv4::Error> for ApiError {
    fn from(e: sigv4::Error) -> Self {
        match e {
            sigv4::Error::MissingAuthenticationToken => ApiError::MissingAuthenticationToken,
            sigv4::Error::IncompleteSignature(m) => ApiError::IncompleteSignature(m),
            sigv4::Error::InvalidSignature(m) => ApiError::InvalidSignature(m),
        }
    }
}

impl From<crate::sync::SyncError> for ApiError {
    fn from(e: crate::sync::SyncError) -> Self {
        match e {
            crate::sync::SyncError::Refused(d) => match d.code.as_str() {
                "ResourceInUseException" => ApiError::ResourceInUse(d.message),
                "ResourceNotFoundException" => ApiError::ResourceNotFound(d.message),
                "LimitExceededException" => ApiError::LimitExceeded(d.message),
                "ValidationException" => ApiError::Validation(d.message),
                _ => ApiError::Internal(format!("control plane refused: {d}")),
            },
            other => ApiError::Internal(format!("management request failed: {other}")),
        }
    }
}

impl ApiError {
    /// The wire error code.
    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::MissingAuthenticationToken => ErrorCode::MissingAuthenticationToken,
            ApiError::IncompleteSignature(_) => ErrorCode::IncompleteSignature,
            ApiError::InvalidSignature(_) => ErrorCode::InvalidSignature,
            ApiError::UnrecognizedClient => ErrorCode::UnrecognizedClient,
            ApiError::AccessDenied(_) => ErrorCode::AccessDenied,
            ApiError::Serialization(_) => ErrorCode::Serialization,
            ApiError::UnknownOperation => ErrorCode::UnknownOperation,
            ApiError::Validation(_) => ErrorCode::Validation,
            ApiError::ResourceNotFound(_) => ErrorCode::ResourceNotFound,
            ApiError::TableNotFound(_) => ErrorCode::TableNotFound,
            ApiError::ConditionalCheckFailed { .. } => ErrorCode::ConditionalCheckFailed,
            ApiError::ResourceInUse(_) => ErrorCode::ResourceInUse,
            ApiError::LimitExceeded(_) => ErrorCode::LimitExceeded,
            ApiError::RequestEntityTooLarge => ErrorCode::RequestEntityTooLarge,
            ApiError::ServiceUnavailable => ErrorCode::ServiceUnavailable,
            ApiError::Internal(_) => ErrorCode::InternalServerError,
        }
    }

    /// The JSON body DynamoDB sends for this error.
    pub fn body(&self, request_id: &str) -> serde_json::Value {
        let code = self.code();
        match self {
            ApiError::UnknownOperation => serde_json::json!({ "__type": code.wire_type() }),
            ApiError::Internal(detail) => {
                tracing::error!(request_id, error = %detail, "internal error");
                serde_json::json!({
                    "__type": code.wire_type(),
                    "message": format!("Internal server error (request id {request_id})"),
                })
            }
            ApiError::ConditionalCheckFailed { item: Some(item) } => serde_json::json!({
                "__type": code.wire_type(),
                "message": self.to_string(),
                "Item": item,
            }),
            other => serde_json::json!({ "__type": code.wire_type(), "message": other.to_string() }),
        }
    }
}
