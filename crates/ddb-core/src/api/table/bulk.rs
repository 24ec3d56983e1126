//! The bulk put items operations (StartBulkPutItems, DescribeBulkOperation,
//! ListBulkOperations, CancelBulkOperation): their members checked as
//! DynamoDB's request validator checks them (lengths, patterns and
//! enumerations of the API Reference), and the page tokens of
//! ListBulkOperations. A bulk operation reads its items from Amazon S3, so
//! an endpoint that reaches no S3 keeps it as a job (`jobs`) that fails.

use serde::Deserialize;
use serde_json::Value;

use super::constraints::Constraints;
use super::s3_jobs::{bucket, bucket_owner};

/// `StartBulkPutItems` request members.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct StartBulkPutItemsInput {
    #[serde(rename = "TableName")]
    pub table_name: Option<String>,
    #[serde(rename = "ClientToken")]
    pub client_token: Option<String>,
    #[serde(rename = "InputS3Configuration")]
    pub input: Option<InputS3Configuration>,
    #[serde(rename = "OutputS3Configuration")]
    pub output: Option<OutputS3Configuration>,
    #[serde(rename = "MaxWriteRequestUnits")]
    pub max_write_request_units: Option<i64>,
    #[serde(rename = "PerformanceTier")]
    pub performance_tier: Option<String>,
}

/// Where a bulk operation reads its items.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct InputS3Configuration {
    #[serde(rename = "S3Bucket")]
    pub s3_bucket: Option<String>,
    #[serde(rename = "S3BucketOwner")]
    pub s3_bucket_owner: Option<String>,
    #[serde(rename = "S3KeyPrefix")]
    pub s3_key_prefix: Option<String>,
    #[serde(rename = "InputFormat")]
    pub input_format: Option<String>,
    #[serde(rename = "InputCompressionType")]
    pub input_compression_type: Option<String>,
}

/// Where a bulk operation reports the items it could not write.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct OutputS3Configuration {
    #[serde(rename = "OutputType")]
    pub output_type: Option<Vec<String>>,
    #[serde(rename = "S3Bucket")]
    pub s3_bucket: Option<String>,
    #[serde(rename = "S3BucketOwner")]
    pub s3_bucket_owner: Option<String>,
    #[serde(rename = "S3KeyPrefix")]
    pub s3_key_prefix: Option<String>,
    #[serde(rename = "S3SseAlgorithm")]
    pub s3_sse_algorithm: Option<String>,
    #[serde(rename = "S3SseKmsKeyId")]
    pub s3_sse_kms_key_id: Option<String>,
}

/// The least write rate a bulk operation may be held to.
pub const MIN_WRITE_REQUEST_UNITS: i64 = 1024;

/// A bulk operation ARN's length bounds.
const ARN_MIN: usize = 37;
const ARN_MAX: usize = 1024;

/// How many operations a page lists unless asked (and at most).
pub const DEFAULT_PAGE: usize = 10;
const MAX_PAGE: i64 = 25;

/// How long an operation stays listed, in seconds (90 days).
pub const LISTED_SECS: f64 = 90.0 * 24.0 * 3600.0;

const TOKEN_PATTERN: &str = "([0-9a-f]{16})+";

impl StartBulkPutItemsInput {
    /// The member constraints; the table's name (or ARN) on success.
    ///
    /// # Errors
    ///
    /// The ValidationException message.
    pub fn validate(&self) -> Result<&str, String> {
        let mut c = Constraints::default();
        if c.not_null(self.input.as_ref(), "inputS3Configuration") {
            if let Some(input) = &self.input {
                bucket(&mut c, input.s3_bucket.as_ref(), "inputS3Configuration.s3Bucket");
                bucket_owner(&mut c, input.s3_bucket_owner.as_ref(), "inputS3Configuration.s3BucketOwner");
                if let Some(p) = &input.s3_key_prefix {
                    c.length(p, "inputS3Configuration.s3KeyPrefix", 0, 1024);
                }
                if c.not_null(input.input_format.as_ref(), "inputS3Configuration.inputFormat") {
                    if let Some(f) = &input.input_format {
                        c.one_of(f, "inputS3Configuration.inputFormat", &["DYNAMODB_JSON", "ION"]);
                    }
                }
                if let Some(t) = &input.input_compression_type {
                    c.one_of(t, "inputS3Configuration.inputCompressionType", &["GZIP", "ZSTD", "NONE"]);
                }
            }
        }
        if c.not_null(self.output.as_ref(), "outputS3Configuration") {
            if let Some(output) = &self.output {
                if c.not_null(output.output_type.as_ref(), "outputS3Configuration.outputType") {
                    for t in output.output_type.iter().flatten() {
                        c.one_of(t, "outputS3Configuration.outputType.member", &["ERROR", "CONDITION_CHECK_FAILURE"]);
                    }
                }
                if let Some(b) = &output.s3_bucket {
                    bucket(&mut c, Some(b), "outputS3Configuration.s3Bucket");
                }
                bucket_owner(&mut c, output.s3_bucket_owner.as_ref(), "outputS3Configuration.s3BucketOwner");
                if let Some(p) = &output.s3_key_prefix {
                    c.length(p, "outputS3Configuration.s3KeyPrefix", 0, 1024);
                }
                if let Some(a) = &output.s3_sse_algorithm {
                    c.one_of(a, "outputS3Configuration.s3SseAlgorithm", &["AES256", "KMS"]);
                }
                if let Some(k) = &output.s3_sse_kms_key_id {
                    c.length(k, "outputS3Configuration.s3SseKmsKeyId", 1, 2048);
                }
            }
        }
        if c.not_null(self.table_name.as_ref(), "tableName") {
            if let Some(t) = &self.table_name {
                c.length(t, "tableName", 1, 1024);
            }
        }
        if let Some(t) = &self.client_token {
            c.pattern(t, "clientToken", !t.is_empty() && !t.contains('$'), r"^[^\$]+$");
        }
        if let Some(units) = self.max_write_request_units {
            c.at_least(units, "maxWriteRequestUnits", MIN_WRITE_REQUEST_UNITS);
        }
        if let Some(tier) = &self.performance_tier {
            c.one_of(tier, "performanceTier", &["STANDARD", "ACCELERATED"]);
        }
        c.finish().map_err(|e| e.to_string())?;
        Ok(self.table_name.as_deref().unwrap_or_default())
    }
}

/// The `BulkOperationArn` of a DescribeBulkOperation or
/// CancelBulkOperation request, checked.
///
/// # Errors
///
/// The ValidationException message.
pub fn operation_arn(body: &Value) -> Result<&str, String> {
    let arn = body.get("BulkOperationArn").and_then(Value::as_str);
    let mut c = Constraints::default();
    if c.not_null(arn.as_ref(), "bulkOperationArn") {
        if let Some(a) = arn {
            c.length(a, "bulkOperationArn", ARN_MIN, ARN_MAX);
        }
    }
    c.finish().map_err(|e| e.to_string())?;
    Ok(arn.unwrap_or_default())
}

/// A checked ListBulkOperations request: the page size and the id of the
/// job its token starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRequest {
    pub size: usize,
    pub from: Option<String>,
}

/// ListBulkOperations' members, checked.
///
/// # Errors
///
/// The ValidationException message.
pub fn list_request(body: &Value) -> Result<ListRequest, String> {
    let mut c = Constraints::default();
    let size = body.get("MaxResults").and_then(Value::as_i64);
    if let Some(n) = size {
        c.at_least(n, "maxResults", 1);
        c.at_most(n, "maxResults", MAX_PAGE);
    }
    let token = body.get("NextToken").and_then(Value::as_str);
    if let Some(t) = token {
        c.length(t, "nextToken", 1, 1024);
        c.pattern(t, "nextToken", token_ok(t), TOKEN_PATTERN);
    }
    c.finish().map_err(|e| e.to_string())?;
    let from = match token {
        Some(t) => Some(id_of_token(t).ok_or_else(|| format!("Invalid NextToken: {t}"))?),
        None => None,
    };
    Ok(ListRequest {
        size: size.and_then(|n| usize::try_from(n).ok()).unwrap_or(DEFAULT_PAGE),
        from,
    })
}

/// `([0-9a-f]{16})+`
fn token_ok(t: &str) -> bool {
    !t.is_empty() && t.len().is_multiple_of(16) && t.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The page token naming job `id` (`<14-digit millis>-<8 hex>`, as job ids
/// are made): its millis and its random part, 16 hex digits each, as the
/// token's pattern wants.
pub fn token_of_id(id: &str) -> Option<String> {
    let (millis, random) = id.split_once('-')?;
    let millis: u64 = millis.parse().ok()?;
    let random = u64::from_str_radix(random, 16).ok()?;
    Some(format!("{millis:016x}{random:016x}"))
}

/// The job id a page token names, if it is one [`token_of_id`] made.
fn id_of_token(token: &str) -> Option<String> {
    if token.len() != 32 {
        return None;
    }
    let millis = u64::from_str_radix(token.get(..16)?, 16).ok()?;
    let random = u32::try_from(u64::from_str_radix(token.get(16..)?, 16).ok()?).ok()?;
    (millis < 100_000_000_000_000).then(|| format!("{millis:014}-{random:08x}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn start(body: Value) -> Result<String, String> {
        let input: StartBulkPutItemsInput = serde_json::from_value(body).map_err(|e| e.to_string())?;
        input.validate().map(str::to_owned)
    }

    fn valid() -> Value {
        json!({
            "TableName": "Music",
            "InputS3Configuration": {"S3Bucket": "in-bucket", "InputFormat": "DYNAMODB_JSON"},
            "OutputS3Configuration": {"OutputType": ["ERROR"]},
        })
    }

    #[test]
    fn a_well_formed_start_names_its_table() {
        assert_eq!(start(valid()).unwrap(), "Music");
        let mut full = valid();
        full["MaxWriteRequestUnits"] = json!(1024);
        full["PerformanceTier"] = json!("ACCELERATED");
        full["ClientToken"] = json!("token-1");
        full["OutputS3Configuration"] = json!({
            "OutputType": ["ERROR", "CONDITION_CHECK_FAILURE"], "S3Bucket": "out", "S3SseAlgorithm": "KMS", "S3SseKmsKeyId": "k"
        });
        assert_eq!(start(full).unwrap(), "Music");
    }

    #[test]
    fn every_member_is_checked_and_reported_together() {
        let e = start(json!({})).unwrap_err();
        assert_eq!(
            e,
            "3 validation errors detected: Value null at 'inputS3Configuration' failed to satisfy constraint: Member must not be null; \
             Value null at 'outputS3Configuration' failed to satisfy constraint: Member must not be null; \
             Value null at 'tableName' failed to satisfy constraint: Member must not be null"
        );
        let mut bad = valid();
        bad["MaxWriteRequestUnits"] = json!(1023);
        bad["PerformanceTier"] = json!("FAST");
        bad["InputS3Configuration"]["InputFormat"] = json!("CSV");
        let e = start(bad).unwrap_err();
        assert!(e.starts_with("3 validation errors detected: "), "{e}");
        assert!(e.contains("Value 'CSV' at 'inputS3Configuration.inputFormat' failed to satisfy constraint: Member must satisfy enum value set: [DYNAMODB_JSON, ION]"), "{e}");
        assert!(e.contains("Value '1023' at 'maxWriteRequestUnits' failed to satisfy constraint: Member must have value greater than or equal to 1024"), "{e}");
        assert!(e.contains("Value 'FAST' at 'performanceTier' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, ACCELERATED]"), "{e}");
        let mut bad = valid();
        bad["OutputS3Configuration"] = json!({"OutputType": ["WARNING"], "S3Bucket": "-x"});
        bad["ClientToken"] = json!("a$b");
        let e = start(bad).unwrap_err();
        assert!(e.contains("at 'outputS3Configuration.outputType.member'"), "{e}");
        assert!(e.contains("at 'outputS3Configuration.s3Bucket'"), "{e}");
        assert!(e.contains("at 'clientToken'"), "{e}");
        let mut bad = valid();
        bad["OutputS3Configuration"] = json!({});
        assert!(start(bad).unwrap_err().contains("Value null at 'outputS3Configuration.outputType'"));
    }

    #[test]
    fn operation_arns_are_37_to_1024_characters() {
        assert!(operation_arn(&json!({"BulkOperationArn": "x".repeat(37)})).is_ok());
        let e = operation_arn(&json!({"BulkOperationArn": "short"})).unwrap_err();
        assert!(e.contains("Value 'short' at 'bulkOperationArn' failed to satisfy constraint: Member must have length greater than or equal to 37"), "{e}");
        assert!(operation_arn(&json!({})).unwrap_err().contains("Value null at 'bulkOperationArn'"));
    }

    #[test]
    fn page_tokens_name_job_ids_in_the_documented_pattern() {
        let id = "01764547200123-0a1b2c3d";
        let token = token_of_id(id).unwrap();
        assert!(token_ok(&token), "{token}");
        assert_eq!(id_of_token(&token).as_deref(), Some(id));
        let req = list_request(&json!({"NextToken": token, "MaxResults": 5})).unwrap();
        assert_eq!(req, ListRequest { size: 5, from: Some(id.to_owned()) });
        assert_eq!(list_request(&json!({})).unwrap(), ListRequest { size: DEFAULT_PAGE, from: None });
        let e = list_request(&json!({"NextToken": "XYZ", "MaxResults": 26})).unwrap_err();
        assert!(e.contains("at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 25"), "{e}");
        assert!(e.contains("Value 'XYZ' at 'nextToken' failed to satisfy constraint: Member must satisfy regular expression pattern: ([0-9a-f]{16})+"), "{e}");
        // The pattern, but not a token this endpoint made.
        assert_eq!(list_request(&json!({"NextToken": "0123456789abcdef"})).unwrap_err(), "Invalid NextToken: 0123456789abcdef");
    }
}
