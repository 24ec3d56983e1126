//! Operations on resources a Dynastore endpoint never holds, answered as
//! DynamoDB answers when there are none: legacy (version 2017.11.29) global
//! tables, which DynamoDB no longer creates, and S3 exports and imports,
//! which are not served (ExportTableToPointInTime and ImportTable check
//! their requests, then refuse: `s3_jobs`). Wording from Alternator's
//! test_global_tables.py, test_export.py and test_import.py, written against
//! DynamoDB.

use ddb_core::api::table::Constraints;
use serde_json::{json, Value};

use crate::error::ApiError;

const LEGACY_GLOBAL_TABLES: &str = "One or more parameter values were invalid: DynamoDB global tables version 2017.11.29 is not supported. We recommend using DynamoDB global tables version 2019.11.21, instead of version 2017.11.29 (Legacy).";

fn str_of<'a>(body: &'a Value, member: &str) -> &'a str {
    body.get(member).and_then(Value::as_str).unwrap_or_default()
}

/// `CreateGlobalTable`: the legacy version cannot be used any more.
pub fn create_global_table() -> Result<Value, ApiError> {
    Err(ApiError::Validation(LEGACY_GLOBAL_TABLES.into()))
}

/// `DescribeGlobalTable`, `UpdateGlobalTable`, `DescribeGlobalTableSettings`,
/// `UpdateGlobalTableSettings`: no legacy global table exists, whatever the
/// name (a table replicated with the current version is not one).
pub fn global_table(body: &Value) -> Result<Value, ApiError> {
    Err(ApiError::GlobalTableNotFound(str_of(body, "GlobalTableName").to_owned()))
}

/// `ListGlobalTables`: there are none.
pub fn list_global_tables() -> Value {
    json!({ "GlobalTables": [] })
}

/// `ListExports`: there are none.
pub fn list_exports(body: &Value) -> Result<Value, ApiError> {
    page_size(body, "MaxResults", "maxResults")?;
    no_next_token(body)?;
    Ok(json!({ "ExportSummaries": [] }))
}

/// `ListImports`: there are none.
pub fn list_imports(body: &Value) -> Result<Value, ApiError> {
    page_size(body, "PageSize", "pageSize")?;
    no_next_token(body)?;
    Ok(json!({ "ImportSummaryList": [] }))
}

/// No listing ever handed out a token, so none is valid (wording from a
/// 2026 catalogue of DynamoDB's messages: "Invalid Request: Provided
/// nextToken is invalid: <token>").
fn no_next_token(body: &Value) -> Result<(), ApiError> {
    match body.get("NextToken").and_then(Value::as_str) {
        Some(token) => Err(ApiError::Validation(format!("Invalid Request: Provided nextToken is invalid: {token}"))),
        None => Ok(()),
    }
}

/// A page size of 1 to 25.
fn page_size(body: &Value, member: &str, field: &str) -> Result<(), ApiError> {
    let Some(n) = body.get(member).and_then(Value::as_i64) else {
        return Ok(());
    };
    let mut c = Constraints::default();
    c.at_least(n, field, 1);
    c.at_most(n, field, 25);
    c.finish().map_err(ApiError::from)
}

/// `DescribeExport`: an export ARN names none; anything else is not one.
pub fn describe_export(body: &Value) -> Result<Value, ApiError> {
    let arn = str_of(body, "ExportArn");
    if !is_job_arn(arn, "export") {
        return Err(ApiError::Validation("Invalid Export ARN".into()));
    }
    Err(ApiError::ExportNotFound(format!("Export not found: {arn}")))
}

/// `DescribeImport`: an import ARN names none; anything else is not one.
pub fn describe_import(body: &Value) -> Result<Value, ApiError> {
    let arn = str_of(body, "ImportArn");
    if !is_job_arn(arn, "import") {
        return Err(ApiError::Validation("Invalid Import ARN".into()));
    }
    Err(ApiError::ImportNotFound(format!("Import not found: {arn}")))
}

/// `arn:aws:dynamodb:<region>:<account>:table/<table>/<kind>/<id>` with a
/// valid table name (3 to 255 of `[a-zA-Z0-9_.-]`).
fn is_job_arn(arn: &str, kind: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, _, service, _, _, resource] = parts.as_slice() else {
        return false;
    };
    let path: Vec<&str> = resource.split('/').collect();
    let [head, table, k, id] = path.as_slice() else {
        return false;
    };
    let mut name = Constraints::default();
    name.table_name(table, "tableName");
    *prefix == "arn" && *service == "dynamodb" && *head == "table" && *k == kind && name.finish().is_ok() && !id.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_arns_are_recognised() {
        assert!(is_job_arn("arn:aws:dynamodb:us-east-1:123456789012:table/Music/export/01658528578619-c4d4e311", "export"));
        assert!(!is_job_arn("arn:aws:dynamodb:us-east-1:123456789012:table/Music/export/01658528578619-c4d4e311", "import"));
        assert!(!is_job_arn("arn:aws:dynamodb:us-east-1:123456789012:table/nonexistent_table_xyz", "export"));
        assert!(!is_job_arn("arn:aws:dynamodb:us-east-1:123456789012:table/x/import/0165-c4", "import"), "table name too short");
        assert!(!is_job_arn("qwerty:aws:dynamodb:us-east-1:1:table/Music/export/1", "export"));
        assert!(!is_job_arn("", "export"));
    }

    #[test]
    fn answers_name_what_is_missing() {
        let e = global_table(&json!({"GlobalTableName": "G"})).unwrap_err();
        assert_eq!(e.to_string(), "Global table with name 'G' does not exist.");
        assert_eq!(e.code().wire_type(), "com.amazonaws.dynamodb.v20120810#GlobalTableNotFoundException");
        assert!(create_global_table()
            .unwrap_err()
            .to_string()
            .starts_with("One or more parameter values were invalid: DynamoDB global tables version 2017.11.29 is not supported."));
        assert_eq!(list_global_tables(), json!({"GlobalTables": []}));
        assert_eq!(list_exports(&json!({})).unwrap(), json!({"ExportSummaries": []}));
        assert_eq!(list_imports(&json!({"PageSize": 25})).unwrap(), json!({"ImportSummaryList": []}));
        let e = list_imports(&json!({"PageSize": 26})).unwrap_err();
        assert_eq!(
            e.to_string(),
            "1 validation error detected: Value '26' at 'pageSize' failed to satisfy constraint: Member must have value less than or equal to 25"
        );
        let e = list_exports(&json!({"NextToken": "0123abcd"})).unwrap_err();
        assert_eq!(e.to_string(), "Invalid Request: Provided nextToken is invalid: 0123abcd");
        let e = describe_export(&json!({"ExportArn": "arn:aws:dynamodb:us-east-1:1:table/Music"})).unwrap_err();
        assert_eq!(e.to_string(), "Invalid Export ARN");
        let e = describe_import(&json!({"ImportArn": "arn:aws:dynamodb:us-east-1:1:table/Music/import/0165-c4"})).unwrap_err();
        assert_eq!(e.code().wire_type(), "com.amazonaws.dynamodb.v20120810#ImportNotFoundException");
    }
}
