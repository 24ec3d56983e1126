//! DynamoDB's wire error codes and validation-message plumbing.
//!
//! [`ErrorCode`] names every error the service can return with its
//! `__type` and HTTP status. Services map their own error enums onto it in
//! exactly one place.

use std::fmt;

/// An error DynamoDB can return, with its wire type and status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    AccessDenied,
    IncompleteSignature,
    InvalidSignature,
    MissingAuthenticationToken,
    UnrecognizedClient,
    Serialization,
    UnknownOperation,
    Validation,
    ResourceNotFound,
    TableNotFound,
    TableAlreadyExists,
    PointInTimeRecoveryUnavailable,
    InvalidRestoreTime,
    BackupNotFound,
    PolicyNotFound,
    GlobalTableNotFound,
    ExportNotFound,
    ImportNotFound,
    ExportConflict,
    ImportConflict,
    InvalidExportTime,
    ExpiredIterator,
    ResourceInUse,
    LimitExceeded,
    ConditionalCheckFailed,
    DuplicateItem,
    ProvisionedThroughputExceeded,
    RequestLimitExceeded,
    Throttling,
    TransactionCanceled,
    TransactionConflict,
    TransactionInProgress,
    IdempotentParameterMismatch,
    ItemCollectionSizeLimitExceeded,
    InternalServerError,
    ServiceUnavailable,
    RequestEntityTooLarge,
}

impl ErrorCode {
    /// The `__type` member of the error body.
    pub const fn wire_type(self) -> &'static str {
        use ErrorCode::*;
        match self {
            AccessDenied => "com.amazon.coral.service#AccessDeniedException",
            IncompleteSignature => "com.amazon.coral.service#IncompleteSignatureException",
            InvalidSignature => "com.amazon.coral.service#InvalidSignatureException",
            MissingAuthenticationToken => {
                "com.amazon.coral.service#MissingAuthenticationTokenException"
            }
            UnrecognizedClient => "com.amazon.coral.service#UnrecognizedClientException",
            Serialization => "com.amazon.coral.service#SerializationException",
            UnknownOperation => "com.amazon.coral.service#UnknownOperationException",
            Validation => "com.amazon.coral.validate#ValidationException",
            Throttling => "com.amazon.coral.availability#ThrottlingException",
            ServiceUnavailable => "com.amazon.coral.availability#ServiceUnavailableException",
            RequestEntityTooLarge => "com.amazon.coral.service#RequestEntityTooLargeException",
            ResourceNotFound => "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",
            TableNotFound => "com.amazonaws.dynamodb.v20120810#TableNotFoundException",
            TableAlreadyExists => "com.amazonaws.dynamodb.v20120810#TableAlreadyExistsException",
            PointInTimeRecoveryUnavailable => {
                "com.amazonaws.dynamodb.v20120810#PointInTimeRecoveryUnavailableException"
            }
            InvalidRestoreTime => "com.amazonaws.dynamodb.v20120810#InvalidRestoreTimeException",
            BackupNotFound => "com.amazonaws.dynamodb.v20120810#BackupNotFoundException",
            PolicyNotFound => "com.amazonaws.dynamodb.v20120810#PolicyNotFoundException",
            GlobalTableNotFound => "com.amazonaws.dynamodb.v20120810#GlobalTableNotFoundException",
            ExportNotFound => "com.amazonaws.dynamodb.v20120810#ExportNotFoundException",
            ImportNotFound => "com.amazonaws.dynamodb.v20120810#ImportNotFoundException",
            ExportConflict => "com.amazonaws.dynamodb.v20120810#ExportConflictException",
            ImportConflict => "com.amazonaws.dynamodb.v20120810#ImportConflictException",
            InvalidExportTime => "com.amazonaws.dynamodb.v20120810#InvalidExportTimeException",
            ExpiredIterator => "com.amazonaws.dynamodb.v20120810#ExpiredIteratorException",
            ResourceInUse => "com.amazonaws.dynamodb.v20120810#ResourceInUseException",
            LimitExceeded => "com.amazonaws.dynamodb.v20120810#LimitExceededException",
            ConditionalCheckFailed => {
                "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException"
            }
            DuplicateItem => "com.amazonaws.dynamodb.v20120810#DuplicateItemException",
            ProvisionedThroughputExceeded => {
                "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"
            }
            RequestLimitExceeded => "com.amazonaws.dynamodb.v20120810#RequestLimitExceeded",
            TransactionCanceled => "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
            TransactionConflict => "com.amazonaws.dynamodb.v20120810#TransactionConflictException",
            TransactionInProgress => {
                "com.amazonaws.dynamodb.v20120810#TransactionInProgressException"
            }
            IdempotentParameterMismatch => {
                "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException"
            }
            ItemCollectionSizeLimitExceeded => {
                "com.amazonaws.dynamodb.v20120810#ItemCollectionSizeLimitExceededException"
            }
            InternalServerError => "com.amazonaws.dynamodb.v20120810#InternalServerError",
        }
    }

    /// The HTTP status DynamoDB answers with.
    pub const fn status(self) -> u16 {
        match self {
            ErrorCode::InternalServerError => 500,
            ErrorCode::ServiceUnavailable => 503,
            ErrorCode::RequestEntityTooLarge => 413,
            _ => 400,
        }
    }
}

/// Collected constraint violations, rendered as DynamoDB renders them:
/// `N validation error(s) detected: a; b`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ValidationErrors(Vec<String>);

impl ValidationErrors {
    /// Adds one violation.
    pub fn push(&mut self, message: String) {
        self.0.push(message);
    }

    /// The violations, in order.
    pub fn messages(&self) -> &[String] {
        &self.0
    }

    /// Ok when nothing was pushed.
    pub fn into_result(self) -> Result<(), ValidationErrors> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        let noun = if n == 1 { "error" } else { "errors" };
        write!(f, "{n} validation {noun} detected: {}", self.0.join("; "))
    }
}

impl std::error::Error for ValidationErrors {}

/// Checks a table name against DynamoDB's member constraints (3..=255
/// characters of `[a-zA-Z0-9_.-]`).
pub fn check_table_name(name: &str, member: &str, errors: &mut ValidationErrors) {
    let len = name.chars().count();
    if len < 3 {
        errors.push(format!(
            "Value '{name}' at '{member}' failed to satisfy constraint: \
             Member must have length greater than or equal to 3"
        ));
    } else if len > 255 {
        errors.push(format!(
            "Value '{name}' at '{member}' failed to satisfy constraint: \
             Member must have length less than or equal to 255"
        ));
    }
    // The pattern ends in `+`: the empty name breaks it too.
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        errors.push(format!(
            "Value '{name}' at '{member}' failed to satisfy constraint: \
             Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"
        ));
    }
}

/// [`check_table_name`] with the pattern named before the length, the
/// order DynamoDB uses for some members (ListTables' start name).
pub fn check_table_name_pattern_first(name: &str, member: &str, errors: &mut ValidationErrors) {
    let mut own = ValidationErrors::default();
    check_table_name(name, member, &mut own);
    let mut found = own.0;
    found.sort_by_key(|m| !m.contains("regular expression"));
    for m in found {
        errors.push(m);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        assert_eq!(ErrorCode::Validation.status(), 400);
        assert_eq!(ErrorCode::InternalServerError.status(), 500);
        assert_eq!(ErrorCode::ServiceUnavailable.status(), 503);
    }

    #[test]
    fn renders_plural() {
        let mut e = ValidationErrors::default();
        check_table_name("a!", "tableName", &mut e);
        assert_eq!(
            e.to_string(),
            "2 validation errors detected: Value 'a!' at 'tableName' failed to satisfy \
             constraint: Member must have length greater than or equal to 3; Value 'a!' at \
             'tableName' failed to satisfy constraint: Member must satisfy regular expression \
             pattern: [a-zA-Z0-9_.-]+"
        );
    }
}
