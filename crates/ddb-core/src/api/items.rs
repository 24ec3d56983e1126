//! The member-constraint phase of the single-item operations (GetItem,
//! PutItem, UpdateItem, DeleteItem): every violated constraint of the
//! request's own members in one `N validation errors detected: …`
//! message, before anything looks at the table — DynamoDB answers
//! `{"TableName": "abc;", "ReturnConsumedCapacity": "hi"}` with all of
//! them, not with the first or with ResourceNotFoundException.

use serde_json::Value;

use super::table::Constraints;
use crate::error::ValidationErrors;

/// A single-item operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemOp {
    Get,
    Put,
    Update,
    Delete,
}

const RETURN_CONSUMED: &[&str] = &["INDEXES", "TOTAL", "NONE"];
/// In the order DynamoDB lists them (dynalite, recorded against it).
const RETURN_VALUES: &[&str] = &["ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW"];
const RETURN_METRICS: &[&str] = &["SIZE", "NONE"];
const CONDITIONAL_OPERATORS: &[&str] = &["AND", "OR"];
const ON_CONDITION_FAILURE: &[&str] = &["ALL_OLD", "NONE"];

/// Checks `body`'s member constraints for `op`. The JSON types have been
/// checked already (`super::wire`); a member of another type is skipped.
pub fn constraints(op: ItemOp, body: &Value) -> Result<(), ValidationErrors> {
    let mut c = Constraints::default();
    let text = |name: &str| body.get(name).and_then(Value::as_str);
    let present = |name: &str| body.get(name).is_some_and(|v| !v.is_null());
    if let ItemOp::Get = op {
        if let Some(Value::Array(names)) = body.get("AttributesToGet") {
            let rendered = format!(
                "[{}]",
                names.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", ")
            );
            c.list_length(&rendered, names.len(), "attributesToGet", 1, usize::MAX);
        }
    }
    if let Some(v) = text("ReturnConsumedCapacity") {
        c.one_of(v, "returnConsumedCapacity", RETURN_CONSUMED);
    }
    if op != ItemOp::Get {
        for (member, path, allowed) in [
            ("ReturnValues", "returnValues", RETURN_VALUES),
            ("ReturnItemCollectionMetrics", "returnItemCollectionMetrics", RETURN_METRICS),
            ("ConditionalOperator", "conditionalOperator", CONDITIONAL_OPERATORS),
            ("ReturnValuesOnConditionCheckFailure", "returnValuesOnConditionCheckFailure", ON_CONDITION_FAILURE),
        ] {
            if let Some(v) = text(member) {
                c.one_of(v, path, allowed);
            }
        }
    }
    let (member, path) = match op {
        ItemOp::Put => ("Item", "item"),
        _ => ("Key", "key"),
    };
    if !present(member) {
        c.not_null(None::<&()>, path);
    }
    match text("TableName") {
        Some(name) => c.table_name(name, "tableName"),
        None => {
            c.not_null(None::<&()>, "tableName");
        }
    }
    c.finish()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn message(op: ItemOp, body: Value) -> String {
        constraints(op, &body).expect_err("violations").to_string()
    }

    #[test]
    fn get_item_reports_every_violation() {
        let m = message(ItemOp::Get, json!({"TableName": "abc;", "ReturnConsumedCapacity": "hi", "AttributesToGet": []}));
        assert!(m.starts_with("4 validation errors detected: "), "{m}");
        for part in [
            "Value '[]' at 'attributesToGet' failed to satisfy constraint: Member must have length greater than or equal to 1",
            "Value 'hi' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]",
            "Value null at 'key' failed to satisfy constraint: Member must not be null",
            "Value 'abc;' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
        ] {
            assert!(m.contains(part), "{m} lacks {part}");
        }
    }

    #[test]
    fn put_item_checks_its_enums_and_item() {
        let m = message(
            ItemOp::Put,
            json!({"TableName": "ab", "ReturnValues": "x", "ReturnItemCollectionMetrics": "y", "ReturnConsumedCapacity": "z"}),
        );
        assert!(m.starts_with("5 validation errors detected: "), "{m}");
        assert!(m.contains("Value null at 'item'"), "{m}");
        assert!(m.contains("Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3"));
        assert!(m.contains("at 'returnItemCollectionMetrics' failed to satisfy constraint: Member must satisfy enum value set: [SIZE, NONE]"));
    }

    #[test]
    fn one_violation_and_none() {
        assert_eq!(
            message(ItemOp::Delete, json!({"TableName": "abc"})),
            "1 validation error detected: Value null at 'key' failed to satisfy constraint: Member must not be null"
        );
        assert!(constraints(ItemOp::Update, &json!({"TableName": "abc", "Key": {}, "ReturnValues": "ALL_NEW"})).is_ok());
    }
}
