//! Operations on resources a Dynastore endpoint never holds, answered as
//! DynamoDB answers when there are none: legacy (version 2017.11.29) global
//! tables, which DynamoDB no longer creates; and the checks of export and
//! import job requests (`s3_jobs`) that need no job. Wording from
//! Alternator's test_global_tables.py, test_export.py and test_import.py
//! and ack-api-quirks' probes, written against DynamoDB.

use ddb_core::api::table::Constraints;
use ddb_core::Operation;
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
/// name (a table replicated with the current version is not one). An
/// UpdateGlobalTable adding a replica is refused as CreateGlobalTable is,
/// before the name is looked up; one with no replica updates is invalid
/// (ack-api-quirks' legacy probes, recorded against DynamoDB in 2026).
pub fn global_table(op: Operation, body: &Value) -> Result<Value, ApiError> {
    let name = str_of(body, "GlobalTableName");
    if op == Operation::UpdateGlobalTable {
        let updates = body.get("ReplicaUpdates").and_then(Value::as_array);
        if updates.is_some_and(|u| u.iter().any(|r| r.get("Create").is_some_and(|c| !c.is_null()))) {
            return create_global_table();
        }
        if updates.is_none_or(Vec::is_empty) {
            return Err(ApiError::Validation("One or more parameter values were invalid".into()));
        }
    }
    let missing = format!("Global table with name: '{name}' does not exist.");
    Err(ApiError::GlobalTableNotFound(if op == Operation::DescribeGlobalTable {
        format!("Global table not found: {missing}")
    } else {
        missing
    }))
}

/// `ListGlobalTables`: there are none.
pub fn list_global_tables() -> Value {
    json!({ "GlobalTables": [] })
}

/// A page size of 1 to 25, when the request gives one.
pub(super) fn page_size(body: &Value, member: &str, field: &str) -> Result<Option<usize>, ApiError> {
    let Some(n) = body.get(member).and_then(Value::as_i64) else {
        return Ok(None);
    };
    let mut c = Constraints::default();
    c.at_least(n, field, 1);
    c.at_most(n, field, 25);
    c.finish().map_err(ApiError::from)?;
    Ok(usize::try_from(n).ok())
}

/// `arn:aws:dynamodb:<region>:<account>:table/<table>/<kind>/<id>` with a
/// valid table name (3 to 255 of `[a-zA-Z0-9_.-]`).
pub(super) fn is_job_arn(arn: &str, kind: &str) -> bool {
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
        let e = global_table(Operation::DescribeGlobalTable, &json!({"GlobalTableName": "G"})).unwrap_err();
        assert_eq!(e.to_string(), "Global table not found: Global table with name: 'G' does not exist.");
        let e = global_table(Operation::DescribeGlobalTableSettings, &json!({"GlobalTableName": "G"})).unwrap_err();
        assert_eq!(e.to_string(), "Global table with name: 'G' does not exist.");
        let update = |updates: Value| global_table(Operation::UpdateGlobalTable, &json!({"GlobalTableName": "G", "ReplicaUpdates": updates}));
        assert_eq!(update(json!([{"Delete": {"RegionName": "eu-west-1"}}])).unwrap_err().code().wire_type(), e.code().wire_type());
        assert!(update(json!([{"Create": {"RegionName": "eu-west-1"}}])).unwrap_err().to_string().contains("2017.11.29 is not supported"));
        assert_eq!(update(json!([])).unwrap_err().to_string(), "One or more parameter values were invalid");
        assert_eq!(e.code().wire_type(), "com.amazonaws.dynamodb.v20120810#GlobalTableNotFoundException");
        assert!(create_global_table()
            .unwrap_err()
            .to_string()
            .starts_with("One or more parameter values were invalid: DynamoDB global tables version 2017.11.29 is not supported."));
        assert_eq!(list_global_tables(), json!({"GlobalTables": []}));
    }

    #[test]
    fn page_sizes_are_one_to_twenty_five() {
        assert_eq!(page_size(&json!({}), "PageSize", "pageSize").unwrap(), None);
        assert_eq!(page_size(&json!({"PageSize": 25}), "PageSize", "pageSize").unwrap(), Some(25));
        let e = page_size(&json!({"PageSize": 26}), "PageSize", "pageSize").unwrap_err();
        assert_eq!(
            e.to_string(),
            "1 validation error detected: Value '26' at 'pageSize' failed to satisfy constraint: Member must have value less than or equal to 25"
        );
    }
}
