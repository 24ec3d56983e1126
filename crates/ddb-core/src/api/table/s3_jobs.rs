//! ExportTableToPointInTime and ImportTable requests: their members are
//! checked as DynamoDB's request validator checks them (lengths, patterns
//! and enumerations from the API Reference), and an import's table as
//! CreateTable checks it, so a malformed request gets DynamoDB's error
//! whether or not the endpoint can then reach Amazon S3.

use serde::Deserialize;
use serde_json::Value;

use super::constraints::Constraints;
use super::create::CreateTableInput;
use super::spec::TableSpec;

/// `ExportTableToPointInTime` request members.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ExportTableToPointInTimeInput {
    #[serde(rename = "TableArn")]
    pub table_arn: Option<String>,
    /// Seconds since the epoch.
    #[serde(rename = "ExportTime")]
    pub export_time: Option<f64>,
    #[serde(rename = "ClientToken")]
    pub client_token: Option<String>,
    #[serde(rename = "S3Bucket")]
    pub s3_bucket: Option<String>,
    #[serde(rename = "S3BucketOwner")]
    pub s3_bucket_owner: Option<String>,
    #[serde(rename = "S3Prefix")]
    pub s3_prefix: Option<String>,
    #[serde(rename = "S3SseAlgorithm")]
    pub s3_sse_algorithm: Option<String>,
    #[serde(rename = "S3SseKmsKeyId")]
    pub s3_sse_kms_key_id: Option<String>,
    #[serde(rename = "ExportFormat")]
    pub export_format: Option<String>,
    #[serde(rename = "ExportType")]
    pub export_type: Option<String>,
    #[serde(rename = "IncrementalExportSpecification")]
    pub incremental_export_specification: Option<Value>,
}

/// A checked export request.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportRequest<'a> {
    pub table_arn: &'a str,
    pub bucket: &'a str,
    pub time: Option<f64>,
}

/// `ImportTable` request members.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ImportTableInput {
    #[serde(rename = "ClientToken")]
    pub client_token: Option<String>,
    #[serde(rename = "S3BucketSource")]
    pub s3_bucket_source: Option<S3BucketSource>,
    #[serde(rename = "InputFormat")]
    pub input_format: Option<String>,
    #[serde(rename = "InputFormatOptions")]
    pub input_format_options: Option<Value>,
    #[serde(rename = "InputCompressionType")]
    pub input_compression_type: Option<String>,
    /// The same members as CreateTable's request, checked the same way.
    #[serde(rename = "TableCreationParameters")]
    pub table_creation_parameters: Option<CreateTableInput>,
}

/// Where an import reads from.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct S3BucketSource {
    #[serde(rename = "S3Bucket")]
    pub s3_bucket: Option<String>,
    #[serde(rename = "S3BucketOwner")]
    pub s3_bucket_owner: Option<String>,
    #[serde(rename = "S3KeyPrefix")]
    pub s3_key_prefix: Option<String>,
}

/// A checked import request: the bucket and the table it would create.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportRequest<'a> {
    pub bucket: &'a str,
    pub table: TableSpec,
}

/// `^[a-z0-9A-Z]+[\.\-\w]*[a-z0-9A-Z]+$`, the pattern of bucket names.
fn bucket_name_ok(name: &str) -> bool {
    let bytes = name.as_bytes();
    let edge = |b: &u8| b.is_ascii_alphanumeric();
    bytes.len() >= 2
        && bytes.first().is_some_and(edge)
        && bytes.last().is_some_and(edge)
        && bytes.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

const BUCKET_PATTERN: &str = r"^[a-z0-9A-Z]+[\.\-\w]*[a-z0-9A-Z]+$";
const ACCOUNT_PATTERN: &str = "[0-9]{12}";
const CLIENT_TOKEN_PATTERN: &str = r"^[^\$]+$";

fn account_ok(owner: &str) -> bool {
    owner.len() == 12 && owner.bytes().all(|b| b.is_ascii_digit())
}

/// A client token: up to 36 characters, none of them `$`.
fn client_token(c: &mut Constraints, token: Option<&String>) {
    if let Some(t) = token {
        c.length(t, "clientToken", 0, 36);
        c.pattern(t, "clientToken", !t.is_empty() && !t.contains('$'), CLIENT_TOKEN_PATTERN);
    }
}

/// A bucket owner's account id, when given.
pub(super) fn bucket_owner(c: &mut Constraints, owner: Option<&String>, path: &str) {
    if let Some(o) = owner {
        c.pattern(o, path, account_ok(o), ACCOUNT_PATTERN);
    }
}

/// A bucket name: up to 255 characters of the bucket pattern.
pub(super) fn bucket(c: &mut Constraints, name: Option<&String>, path: &str) {
    if c.not_null(name, path) {
        if let Some(b) = name {
            c.length(b, path, 0, 255);
            c.pattern(b, path, bucket_name_ok(b), BUCKET_PATTERN);
        }
    }
}

/// A member-constraint message about a nested structure names its
/// members by their path from the request: `at 'tableName'` becomes
/// `at 'tableCreationParameters.tableName'`.
fn nested(message: &str, parent: &str) -> String {
    if message.contains(" validation error") {
        message.replace(" at '", &format!(" at '{parent}."))
    } else {
        message.to_owned()
    }
}

impl ExportTableToPointInTimeInput {
    /// The member constraints, then the export type's companions.
    ///
    /// # Errors
    ///
    /// The ValidationException message.
    pub fn validate(&self) -> Result<ExportRequest<'_>, String> {
        let mut c = Constraints::default();
        if c.not_null(self.table_arn.as_ref(), "tableArn") {
            if let Some(arn) = &self.table_arn {
                c.length(arn, "tableArn", 1, 1024);
            }
        }
        client_token(&mut c, self.client_token.as_ref());
        bucket(&mut c, self.s3_bucket.as_ref(), "s3Bucket");
        bucket_owner(&mut c, self.s3_bucket_owner.as_ref(), "s3BucketOwner");
        // An empty prefix is refused (Alternator's test_export.py); an
        // import's may be empty.
        if let Some(p) = &self.s3_prefix {
            c.length(p, "s3Prefix", 1, 1024);
        }
        if let Some(a) = &self.s3_sse_algorithm {
            c.one_of(a, "s3SseAlgorithm", &["AES256", "KMS"]);
        }
        if let Some(k) = &self.s3_sse_kms_key_id {
            c.length(k, "s3SseKmsKeyId", 1, 2048);
        }
        if let Some(f) = &self.export_format {
            c.one_of(f, "exportFormat", &["DYNAMODB_JSON", "ION"]);
        }
        if let Some(t) = &self.export_type {
            c.one_of(t, "exportType", &["FULL_EXPORT", "INCREMENTAL_EXPORT"]);
        }
        c.finish().map_err(|e| e.to_string())?;
        let incremental = self.export_type.as_deref() == Some("INCREMENTAL_EXPORT");
        match (incremental, self.incremental_export_specification.is_some(), self.export_time.is_some()) {
            (true, false, _) => {
                return Err("IncrementalExportSpecification must be provided when ExportType is INCREMENTAL_EXPORT".into())
            }
            (true, _, true) => return Err("ExportTime cannot be provided when ExportType is INCREMENTAL_EXPORT".into()),
            (false, true, _) => {
                return Err("IncrementalExportSpecification cannot be provided when ExportType is FULL_EXPORT".into())
            }
            _ => {}
        }
        Ok(ExportRequest {
            table_arn: self.table_arn.as_deref().unwrap_or_default(),
            bucket: self.s3_bucket.as_deref().unwrap_or_default(),
            time: self.export_time,
        })
    }
}

impl ImportTableInput {
    /// The member constraints, then the table as CreateTable checks it.
    ///
    /// # Errors
    ///
    /// The ValidationException message.
    pub fn validate(&self) -> Result<ImportRequest<'_>, String> {
        let mut c = Constraints::default();
        client_token(&mut c, self.client_token.as_ref());
        if c.not_null(self.s3_bucket_source.as_ref(), "s3BucketSource") {
            if let Some(source) = &self.s3_bucket_source {
                bucket(&mut c, source.s3_bucket.as_ref(), "s3BucketSource.s3Bucket");
                bucket_owner(&mut c, source.s3_bucket_owner.as_ref(), "s3BucketSource.s3BucketOwner");
                if let Some(p) = &source.s3_key_prefix {
                    c.length(p, "s3BucketSource.s3KeyPrefix", 0, 1024);
                }
            }
        }
        if c.not_null(self.input_format.as_ref(), "inputFormat") {
            if let Some(f) = &self.input_format {
                c.one_of(f, "inputFormat", &["DYNAMODB_JSON", "ION", "CSV"]);
            }
        }
        if let Some(t) = &self.input_compression_type {
            c.one_of(t, "inputCompressionType", &["GZIP", "ZSTD", "NONE"]);
        }
        c.not_null(self.table_creation_parameters.as_ref(), "tableCreationParameters");
        c.finish().map_err(|e| e.to_string())?;
        // CSV options only go with CSV (Alternator's test_import.py:
        // DynamoDB refuses them beside DYNAMODB_JSON).
        if self.input_format_options.as_ref().is_some_and(|o| o.get("Csv").is_some_and(|c| !c.is_null()))
            && self.input_format.as_deref() != Some("CSV")
        {
            return Err("One or more parameter values were invalid: InputFormatOptions can only be specified when InputFormat is CSV".into());
        }
        let table = match &self.table_creation_parameters {
            Some(params) => params.validate().map_err(|e| nested(&e, "tableCreationParameters"))?,
            None => return Err("TableCreationParameters is required".into()),
        };
        // Documented as optional, required in fact (Alternator's
        // test_import.py, measured against DynamoDB; the SDKs always make
        // one up, so only a hand-made request lacks it).
        if self.client_token.is_none() {
            let mut c = Constraints::default();
            c.not_null(None::<&String>, "clientToken");
            c.finish().map_err(|e| e.to_string())?;
        }
        let bucket = self
            .s3_bucket_source
            .as_ref()
            .and_then(|s| s.s3_bucket.as_deref())
            .unwrap_or_default();
        Ok(ImportRequest { bucket, table })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn export(body: Value) -> Result<(), String> {
        let input: ExportTableToPointInTimeInput = serde_json::from_value(body).map_err(|e| e.to_string())?;
        input.validate().map(|_| ())
    }

    fn import(body: Value) -> Result<(), String> {
        let input: ImportTableInput = serde_json::from_value(body).map_err(|e| e.to_string())?;
        input.validate().map(|_| ())
    }

    #[test]
    fn an_export_needs_a_table_and_a_well_formed_bucket() {
        assert_eq!(
            export(json!({})).unwrap_err(),
            "2 validation errors detected: Value null at 'tableArn' failed to satisfy constraint: Member must not be null; \
             Value null at 's3Bucket' failed to satisfy constraint: Member must not be null"
        );
        assert_eq!(
            export(json!({"TableArn": "arn:aws:dynamodb:us-east-1:123456789012:table/t", "S3Bucket": "-bad", "ExportFormat": "CSV"}))
                .unwrap_err(),
            "2 validation errors detected: Value '-bad' at 's3Bucket' failed to satisfy constraint: Member must satisfy \
             regular expression pattern: ^[a-z0-9A-Z]+[\\.\\-\\w]*[a-z0-9A-Z]+$; Value 'CSV' at 'exportFormat' failed to \
             satisfy constraint: Member must satisfy enum value set: [DYNAMODB_JSON, ION]"
        );
        assert!(export(json!({"TableArn": "arn:x", "S3Bucket": "my.bucket-1", "S3BucketOwner": "123456789012"})).is_ok());
        assert!(export(json!({"TableArn": "arn:x", "S3Bucket": "b1", "S3BucketOwner": "1234"})).is_err());
        assert!(export(json!({"TableArn": "arn:x", "S3Bucket": "b1", "ExportType": "INCREMENTAL_EXPORT"}))
            .unwrap_err()
            .starts_with("IncrementalExportSpecification must be provided"));
    }

    #[test]
    fn an_import_checks_its_source_then_its_table_as_create_table_does() {
        let err = import(json!({"InputFormat": "XML"})).unwrap_err();
        assert!(err.starts_with("3 validation errors detected: Value null at 's3BucketSource'"), "{err}");
        assert!(err.contains("Value 'XML' at 'inputFormat'"), "{err}");
        assert!(err.contains("Value null at 'tableCreationParameters'"), "{err}");
        let provisioned = json!({
            "S3BucketSource": {"S3Bucket": "bucket"},
            "InputFormat": "DYNAMODB_JSON",
            "TableCreationParameters": {
                "TableName": "imported",
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "BillingMode": "PROVISIONED"
            }
        });
        assert_eq!(
            import(provisioned.clone()).unwrap_err(),
            "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED"
        );
        let mut short = provisioned.clone();
        short["TableCreationParameters"]["TableName"] = json!("t1");
        short["TableCreationParameters"]["BillingMode"] = json!("PAY_PER_REQUEST");
        assert_eq!(
            import(short).unwrap_err(),
            "1 validation error detected: Value 't1' at 'tableCreationParameters.tableName' failed to satisfy constraint: \
             Member must have length greater than or equal to 3"
        );
        let mut on_demand = provisioned;
        on_demand["TableCreationParameters"]["BillingMode"] = json!("PAY_PER_REQUEST");
        assert_eq!(
            import(on_demand.clone()).unwrap_err(),
            "1 validation error detected: Value null at 'clientToken' failed to satisfy constraint: Member must not be null",
            "a well-formed import without a client token"
        );
        on_demand["ClientToken"] = json!("token");
        assert!(import(on_demand.clone()).is_ok());
        // CSV options beside another format are refused (Alternator's
        // test_csv_options_with_dynamodb_json_rejected).
        on_demand["InputFormatOptions"] = json!({"Csv": {"Delimiter": ","}});
        assert_eq!(
            import(on_demand.clone()).unwrap_err(),
            "One or more parameter values were invalid: InputFormatOptions can only be specified when InputFormat is CSV"
        );
        on_demand["InputFormat"] = json!("CSV");
        assert!(import(on_demand).is_ok());
    }

    /// An export's prefix may not be empty (Alternator's test_export.py).
    #[test]
    fn an_empty_export_prefix_is_refused() {
        assert_eq!(
            export(json!({"TableArn": "arn:x", "S3Bucket": "b1", "S3Prefix": ""})).unwrap_err(),
            "1 validation error detected: Value '' at 's3Prefix' failed to satisfy constraint: Member must have length greater than or equal to 1"
        );
        assert!(export(json!({"TableArn": "arn:x", "S3Bucket": "b1", "S3Prefix": "p/"})).is_ok());
    }
}
