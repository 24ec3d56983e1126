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
    /// A body that is empty or not JSON: DynamoDB's SerializationException
    /// then has no message.
    #[error("the request body is not JSON")]
    UnparsableBody,
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
        /// The write capacity units the failed write consumed (a
        /// BatchExecuteStatement reports them; the error body does not).
        consumed: Option<f64>,
    },
    #[error("{0}")]
    TableNotFound(String),
    /// RestoreTableToPointInTime: the target table exists.
    #[error("{0}")]
    TableAlreadyExists(String),
    /// RestoreTableToPointInTime: the source has no point-in-time recovery.
    #[error("{0}")]
    PointInTimeRecoveryUnavailable(String),
    /// RestoreTableToPointInTime: the time is outside the recovery window.
    #[error("{0}")]
    InvalidRestoreTime(String),
    /// No backup has the ARN.
    #[error("{0}")]
    BackupNotFound(String),
    /// No resource-based policy (or not the expected revision).
    #[error("{0}")]
    PolicyNotFound(String),
    /// A legacy (2017) global table: none exists.
    #[error("{0}")]
    GlobalTableNotFound(String),
    /// No export has the ARN.
    #[error("{0}")]
    ExportNotFound(String),
    /// No import has the ARN.
    #[error("{0}")]
    ImportNotFound(String),
    /// An export's client token was used with other parameters.
    #[error("{0}")]
    ExportConflict(String),
    /// An import's client token was used with other parameters.
    #[error("{0}")]
    ImportConflict(String),
    /// An export's time is outside the table's recovery window.
    #[error("{0}")]
    InvalidExportTime(String),
    /// A Streams shard iterator older than 15 minutes.
    #[error("{0}")]
    ExpiredIterator(String),
    /// A PartiQL INSERT of a key that exists.
    #[error("Duplicate primary key exists in table")]
    DuplicateItem,
    /// TransactWriteItems or TransactGetItems cancelled: one reason per
    /// action, in request order.
    #[error("{}", cancellation_message(reasons))]
    TransactionCanceled { reasons: Vec<CancellationReason> },
    /// A ClientRequestToken reused within its window for another request.
    #[error("DynamoDB rejected the request because you retried a request with a different payload but with an idempotent token that was already used.")]
    IdempotentParameterMismatch,
    /// A ClientRequestToken whose first request is still running.
    #[error("The transaction with the given request token is already in progress.")]
    TransactionInProgress,
    #[error("{0}")]
    ResourceInUse(String),
    #[error("{0}")]
    LimitExceeded(String),
    /// A provisioned table's (or GSI's) capacity is used up for now.
    #[error("{message}")]
    ProvisionedThroughputExceeded {
        message: &'static str,
        reasons: Vec<ThrottlingReason>,
    },
    /// An on-demand table's maximum throughput is used up for now.
    #[error("{message}")]
    Throttling {
        message: &'static str,
        reasons: Vec<ThrottlingReason>,
    },
    /// The tenant's on-demand throughput quota is used up for now.
    #[error("Throughput exceeds the current throughput limit for your account. Please contact AWS Support to request a limit increase.")]
    RequestLimitExceeded { reasons: Vec<ThrottlingReason> },
    /// An item collection (tables with LSIs) would grow past its limit.
    #[error("Item collection size limit exceeded: the total size of an item collection cannot exceed 10 GB.")]
    ItemCollectionSizeLimitExceeded,
    #[error("Request entity too large")]
    RequestEntityTooLarge,
    #[error("The service is starting and has not loaded its configuration yet")]
    ServiceUnavailable,
    #[error("internal error: {0}")]
    Internal(String),
}

/// One `ThrottlingReasons` entry of a throttling error: what was exceeded
/// (e.g. `TableWriteProvisionedThroughputExceeded`) and the ARN of the
/// table or index.
#[derive(Debug, Clone, PartialEq)]
pub struct ThrottlingReason {
    pub reason: String,
    pub resource: String,
}

/// Why one action of a transaction was cancelled (`Code` `None` for an
/// action that was fine).
#[derive(Debug, Clone, PartialEq)]
pub struct CancellationReason {
    /// `None`, `ConditionalCheckFailed`, `ItemCollectionSizeLimitExceeded`,
    /// `ValidationError`, `ProvisionedThroughputExceeded` or `ThrottlingError`.
    pub code: &'static str,
    pub message: Option<String>,
    /// The item, when ReturnValuesOnConditionCheckFailure is ALL_OLD.
    pub item: Option<serde_json::Value>,
}

impl CancellationReason {
    /// An action that did not cause the cancellation.
    pub fn none() -> CancellationReason {
        CancellationReason { code: "None", message: None, item: None }
    }

    /// An action whose condition was false.
    pub fn condition_failed(item: Option<serde_json::Value>) -> CancellationReason {
        CancellationReason {
            code: "ConditionalCheckFailed",
            message: Some("The conditional request failed".into()),
            item,
        }
    }

    /// An action that would take its item collection past 10 GB.
    pub fn collection_size() -> CancellationReason {
        CancellationReason {
            code: "ItemCollectionSizeLimitExceeded",
            message: Some("Collection size exceeded.".into()),
            item: None,
        }
    }

    /// An action that was invalid against the table or the stored item.
    pub fn validation(message: String) -> CancellationReason {
        CancellationReason { code: "ValidationError", message: Some(message), item: None }
    }

    fn to_json(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        m.insert("Code".into(), self.code.into());
        if let Some(msg) = &self.message {
            m.insert("Message".into(), msg.clone().into());
        }
        if let Some(item) = &self.item {
            m.insert("Item".into(), item.clone());
        }
        serde_json::Value::Object(m)
    }
}

fn cancellation_message(reasons: &[CancellationReason]) -> String {
    let codes: Vec<&str> = reasons.iter().map(|r| r.code).collect();
    format!(
        "Transaction cancelled, please refer cancellation reasons for specific reasons [{}]",
        codes.join(", ")
    )
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
                "PolicyNotFoundException" => ApiError::PolicyNotFound(d.message),
                _ => ApiError::Internal(format!("control plane refused: {d}")),
            },
            other => ApiError::Internal(format!("management request failed: {other}")),
        }
    }
}

impl ApiError {
    /// A ValidationException for one failed request constraint, worded as
    /// DynamoDB's request validator words it: `1 validation error
    /// detected: <message>`.
    pub fn constraint(message: impl Into<String>) -> ApiError {
        let mut errors = ValidationErrors::default();
        errors.push(message.into());
        errors.into()
    }

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
            ApiError::UnparsableBody => ErrorCode::Serialization,
            ApiError::Validation(_) => ErrorCode::Validation,
            ApiError::ResourceNotFound(_) => ErrorCode::ResourceNotFound,
            ApiError::TableNotFound(_) => ErrorCode::TableNotFound,
            ApiError::TableAlreadyExists(_) => ErrorCode::TableAlreadyExists,
            ApiError::PointInTimeRecoveryUnavailable(_) => ErrorCode::PointInTimeRecoveryUnavailable,
            ApiError::InvalidRestoreTime(_) => ErrorCode::InvalidRestoreTime,
            ApiError::BackupNotFound(_) => ErrorCode::BackupNotFound,
            ApiError::PolicyNotFound(_) => ErrorCode::PolicyNotFound,
            ApiError::GlobalTableNotFound(_) => ErrorCode::GlobalTableNotFound,
            ApiError::ExportNotFound(_) => ErrorCode::ExportNotFound,
            ApiError::ImportNotFound(_) => ErrorCode::ImportNotFound,
            ApiError::ExportConflict(_) => ErrorCode::ExportConflict,
            ApiError::ImportConflict(_) => ErrorCode::ImportConflict,
            ApiError::InvalidExportTime(_) => ErrorCode::InvalidExportTime,
            ApiError::ExpiredIterator(_) => ErrorCode::ExpiredIterator,
            ApiError::DuplicateItem => ErrorCode::DuplicateItem,
            ApiError::TransactionCanceled { .. } => ErrorCode::TransactionCanceled,
            ApiError::IdempotentParameterMismatch => ErrorCode::IdempotentParameterMismatch,
            ApiError::TransactionInProgress => ErrorCode::TransactionInProgress,
            ApiError::ConditionalCheckFailed { .. } => ErrorCode::ConditionalCheckFailed,
            ApiError::ResourceInUse(_) => ErrorCode::ResourceInUse,
            ApiError::LimitExceeded(_) => ErrorCode::LimitExceeded,
            ApiError::ItemCollectionSizeLimitExceeded => ErrorCode::ItemCollectionSizeLimitExceeded,
            ApiError::RequestLimitExceeded { .. } => ErrorCode::RequestLimitExceeded,
            ApiError::ProvisionedThroughputExceeded { .. } => ErrorCode::ProvisionedThroughputExceeded,
            ApiError::Throttling { .. } => ErrorCode::Throttling,
            ApiError::RequestEntityTooLarge => ErrorCode::RequestEntityTooLarge,
            ApiError::ServiceUnavailable => ErrorCode::ServiceUnavailable,
            ApiError::Internal(_) => ErrorCode::InternalServerError,
        }
    }

    /// The JSON body DynamoDB sends for this error.
    pub fn body(&self, request_id: &str) -> serde_json::Value {
        let code = self.code();
        match self {
            ApiError::UnknownOperation | ApiError::UnparsableBody => serde_json::json!({ "__type": code.wire_type() }),
            // The service's deserializer spells its member `Message`.
            ApiError::Serialization(m) => serde_json::json!({ "__type": code.wire_type(), "Message": m }),
            ApiError::Internal(detail) => {
                tracing::error!(request_id, error = %detail, "internal error");
                serde_json::json!({
                    "__type": code.wire_type(),
                    "message": format!("Internal server error (request id {request_id})"),
                })
            }
            // With the item too, the member is `message`, as the SDKs model
            // it (boto3 shows it at the top of the error response; moto's
            // AWS-verified tests spelled it `Message` until 5.2.4).
            ApiError::ConditionalCheckFailed { item: Some(item), .. } => serde_json::json!({
                "__type": code.wire_type(),
                "message": self.to_string(),
                "Item": item,
            }),
            // This one error says `Message`, as DynamoDB and the SDKs' model do.
            ApiError::TransactionCanceled { reasons } => serde_json::json!({
                "__type": code.wire_type(),
                "Message": self.to_string(),
                "CancellationReasons": reasons.iter().map(CancellationReason::to_json).collect::<Vec<_>>(),
            }),
            // The model spells the list `ThrottlingReasons`, except on
            // ThrottlingException: `throttlingReasons`.
            ApiError::ProvisionedThroughputExceeded { reasons, .. }
            | ApiError::Throttling { reasons, .. }
            | ApiError::RequestLimitExceeded { reasons } => {
                let member = if matches!(self, ApiError::Throttling { .. }) { "throttlingReasons" } else { "ThrottlingReasons" };
                let list: Vec<serde_json::Value> =
                    reasons.iter().map(|r| serde_json::json!({"reason": r.reason, "resource": r.resource})).collect();
                serde_json::json!({ "__type": code.wire_type(), "message": self.to_string(), member: list })
            }
            other => serde_json::json!({ "__type": code.wire_type(), "message": other.to_string() }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_constraint_is_one_validation_error() {
        let e = ApiError::constraint("ExpressionAttributeValues must not be empty");
        assert_eq!(e.code(), ErrorCode::Validation);
        assert_eq!(
            e.body("r")["message"],
            "1 validation error detected: ExpressionAttributeValues must not be empty"
        );
    }

    #[test]
    fn throttling_errors_carry_their_reasons() {
        let e = ApiError::ProvisionedThroughputExceeded {
            message: "m",
            reasons: vec![ThrottlingReason {
                reason: "TableReadProvisionedThroughputExceeded".into(),
                resource: "arn:aws:dynamodb:us-east-1:1:table/T".into(),
            }],
        };
        assert_eq!(e.code(), ErrorCode::ProvisionedThroughputExceeded);
        let body = e.body("r");
        assert_eq!(body["__type"], "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException");
        assert_eq!(body["message"], "m");
        assert_eq!(body["ThrottlingReasons"][0]["reason"], "TableReadProvisionedThroughputExceeded");
        assert_eq!(body["ThrottlingReasons"][0]["resource"], "arn:aws:dynamodb:us-east-1:1:table/T");
    }

    #[test]
    fn a_failed_condition_says_message_in_lower_case_with_or_without_its_item() {
        let mut item = serde_json::Map::new();
        item.insert("pk".into(), serde_json::json!({"S": "a"}));
        let with_item = ApiError::ConditionalCheckFailed { item: Some(serde_json::Value::Object(item)), consumed: None }.body("r");
        assert_eq!(with_item["message"], "The conditional request failed");
        assert!(with_item.get("Message").is_none(), "{with_item}");
        assert_eq!(with_item["Item"]["pk"]["S"], "a");
        let bare = ApiError::ConditionalCheckFailed { item: None, consumed: None }.body("r");
        assert_eq!(bare["message"], "The conditional request failed");
        assert!(bare.get("Message").is_none());
    }
}
