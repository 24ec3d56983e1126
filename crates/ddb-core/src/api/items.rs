//! The member-constraint phase of the item operations (GetItem, PutItem,
//! UpdateItem, DeleteItem, Query, Scan): every violated constraint of the
//! request's own members in one `N validation errors detected: …`
//! message (at most ten, in the order DynamoDB lists them), before
//! anything looks at the table — DynamoDB answers `{"TableName": "abc;",
//! "ReturnConsumedCapacity": "hi"}` with all of them, not with the first
//! or with ResourceNotFoundException.

use serde_json::Value;

use super::table::Constraints;
use crate::error::ValidationErrors;

/// An item operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemOp {
    Get,
    Put,
    Update,
    Delete,
    Query,
    Scan,
}

const RETURN_CONSUMED: &[&str] = &["INDEXES", "TOTAL", "NONE"];
/// In the order DynamoDB lists them (dynalite, recorded against it).
const RETURN_VALUES: &[&str] = &["ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW"];
const RETURN_METRICS: &[&str] = &["SIZE", "NONE"];
/// PutItem, UpdateItem and DeleteItem list them as Query and Scan do (paritysuite
/// deepRequests, captured against DynamoDB in 2026).
const CONDITIONAL_OPERATORS: &[&str] = &["OR", "AND"];
const ON_CONDITION_FAILURE: &[&str] = &["ALL_OLD", "NONE"];

const SELECT: &[&str] = &["SPECIFIC_ATTRIBUTES", "COUNT", "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES"];
/// The legacy comparison operators, in the order DynamoDB lists them.
const COMPARISON_OPERATORS: &[&str] = &[
    "IN", "NULL", "BETWEEN", "LT", "NOT_CONTAINS", "EQ", "GT", "NOT_NULL", "NE", "LE", "BEGINS_WITH", "GE", "CONTAINS",
];

/// A bad ReturnValues in the newer validation framework's words (UPDATE_NEW
/// sic).
const NEW_RETURN_VALUES: &str =
    "Failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, UPDATED_OLD, ALL_NEW, UPDATE_NEW, NONE]";

/// The member holding `op`'s item (PutItem) or key, and its path.
fn item_member(op: ItemOp) -> (&'static str, &'static str) {
    match op {
        ItemOp::Put => ("Item", "item"),
        _ => ("Key", "key"),
    }
}

/// Checks `body`'s member constraints for `op`. The JSON types have been
/// checked already (`super::wire`); a member of another type is skipped.
pub fn constraints(op: ItemOp, body: &Value) -> Result<(), ValidationErrors> {
    if matches!(op, ItemOp::Query | ItemOp::Scan) {
        return read_constraints(op, body);
    }
    let mut c = Constraints::default();
    let text = |name: &str| body.get(name).and_then(Value::as_str);
    let present = |name: &str| body.get(name).is_some_and(|v| !v.is_null());
    // PutItem, DeleteItem and GetItem report an empty TableName alone, in
    // the newer framework's words (paritysuite validation-ordering/putItem
    // and its registry, eu-west-2, eu-central-1 and us-east-1, 2026-08;
    // nubo-db's dynoxide 3.0.0, five of seven regions, 2026-10-09).
    // UpdateItem does too when it has a Key; without one it joins the older
    // per-value form with the missing key (paritysuite's cross-region
    // capture of 2026-09-20, o_upd_empty_table; validation-ordering/updateItem).
    let alone = matches!(op, ItemOp::Put | ItemOp::Delete | ItemOp::Get) || (op == ItemOp::Update && present("Key"));
    if alone && text("TableName") == Some("") {
        let mut only = ValidationErrors::default();
        only.push("Value at 'TableName' failed to satisfy constraint: Member must have length greater than or equal to 1".to_owned());
        return Err(only);
    }
    if let ItemOp::Get = op {
        attributes_to_get(&mut c, body);
    }
    if let Some(v) = text("ReturnConsumedCapacity") {
        c.one_of(v, "returnConsumedCapacity", RETURN_CONSUMED);
    }
    // An empty TableName breaks only the minimum length of the member, which
    // takes a table ARN too (1 to 1024), and is listed here (paritysuite
    // validation-ordering/updateItem and putItem, AWS 2026).
    let empty_name = text("TableName") == Some("");
    // UpdateItem runs on DynamoDB's newer validation framework: a bad
    // ReturnValues is the only error reported, worded without the value or
    // the member, with the framework's own list (UPDATE_NEW sic; every
    // region but eu-south-2 and me-central-1, paritysuite's 2026-10-07
    // sweep follow-up).
    if op == ItemOp::Update && !empty_name && text("ReturnValues").is_some_and(|v| !RETURN_VALUES.contains(&v)) {
        let mut only = ValidationErrors::default();
        only.push(NEW_RETURN_VALUES.to_owned());
        return Err(only);
    }
    // PutItem and DeleteItem with their Item or Key word a bad ReturnValues
    // so too, in its place among the other violations (paritysuite's
    // cross-region capture of 2026-09-20: o_put_three_bad_enums,
    // o_del_two_bad_enums, the same in four regions).
    let new_return_values = matches!(op, ItemOp::Put | ItemOp::Delete) && present(item_member(op).0);
    if empty_name {
        c.length("", "tableName", 1, 1024);
    }
    if op != ItemOp::Get {
        for (member, path, allowed) in [
            ("ReturnValues", "returnValues", RETURN_VALUES),
            ("ReturnItemCollectionMetrics", "returnItemCollectionMetrics", RETURN_METRICS),
            ("ConditionalOperator", "conditionalOperator", CONDITIONAL_OPERATORS),
            ("ReturnValuesOnConditionCheckFailure", "returnValuesOnConditionCheckFailure", ON_CONDITION_FAILURE),
        ] {
            match text(member) {
                Some(v) if member == "ReturnValues" && new_return_values && !allowed.contains(&v) => {
                    c.fail_worded(NEW_RETURN_VALUES);
                }
                Some(v) => c.one_of(v, path, allowed),
                None => {}
            }
        }
    }
    let (member, path) = item_member(op);
    if !present(member) {
        c.not_null(None::<&()>, path);
    }
    match text("TableName") {
        Some(_) if empty_name => {}
        Some(name) => c.table_name(name, "tableName"),
        None => {
            c.not_null(None::<&()>, "tableName");
        }
    }
    c.finish()
}

/// Query's ConditionalOperator outside its enumeration, beside two or more
/// well-formed QueryFilter conditions, is refused first and alone, in the
/// newer validation framework's bare words and list ("Failed to satisfy
/// constraint: Member must satisfy enum value set: [ALL, OR]", before an
/// unknown Select; paritysuite/dynamodb-conformance, us-east-1 and
/// eu-west-2, 2026-10-09). Malformed conditions keep the aggregated
/// member constraints.
pub fn query_conditional_operator(body: &Value) -> Option<String> {
    let op = body.get("ConditionalOperator")?.as_str()?;
    if CONDITIONAL_OPERATORS.contains(&op) {
        return None;
    }
    let filter = body.get("QueryFilter")?.as_object()?;
    let well_formed = filter.values().all(|c| {
        c.get("ComparisonOperator")
            .and_then(Value::as_str)
            .is_some_and(|o| COMPARISON_OPERATORS.contains(&o))
    });
    (filter.len() >= 2 && well_formed)
        .then(|| "Failed to satisfy constraint: Member must satisfy enum value set: [ALL, OR]".to_owned())
}

/// Query's and Scan's constraints, in DynamoDB's order for each (dynalite's
/// records: ten reported at most).
fn read_constraints(op: ItemOp, body: &Value) -> Result<(), ValidationErrors> {
    let mut c = Constraints::default();
    let text = |name: &str| body.get(name).and_then(Value::as_str);
    let int = |name: &str| body.get(name).and_then(Value::as_i64);
    let filter = if op == ItemOp::Query { ("QueryFilter", "queryFilter") } else { ("ScanFilter", "scanFilter") };
    if let Some(v) = text("Select") {
        c.one_of(v, "select", SELECT);
    }
    if let Some(v) = text("IndexName") {
        c.table_name(v, "indexName");
    }
    if op == ItemOp::Scan {
        if let Some(n) = int("TotalSegments") {
            c.at_least(n, "totalSegments", 1);
            c.at_most(n, "totalSegments", 1_000_000);
        }
    }
    if let Some(v) = text("ReturnConsumedCapacity") {
        c.one_of(v, "returnConsumedCapacity", RETURN_CONSUMED);
    }
    if op == ItemOp::Query {
        comparison_operators(&mut c, body, filter);
    }
    match text("TableName") {
        Some(name) => c.table_name(name, "tableName"),
        None => {
            c.not_null(None::<&()>, "tableName");
        }
    }
    if let Some(v) = text("ConditionalOperator") {
        c.one_of(v, "conditionalOperator", &["OR", "AND"]);
    }
    if op == ItemOp::Scan {
        comparison_operators(&mut c, body, filter);
        if let Some(n) = int("Segment") {
            c.at_least(n, "segment", 0);
            c.at_most(n, "segment", 999_999);
        }
    }
    if op == ItemOp::Query {
        attributes_to_get(&mut c, body);
    }
    if let Some(n) = int("Limit") {
        c.at_least(n, "limit", 1);
    }
    if op == ItemOp::Query {
        comparison_operators(&mut c, body, ("KeyConditions", "keyConditions"));
    } else {
        attributes_to_get(&mut c, body);
    }
    let result = c.finish();
    // A Query whose only fault is its Limit names the member as DynamoDB's
    // current validation does, without the value (paritysuite query and
    // other records of DynamoDB, 2026); aggregated reports keep the old
    // form.
    if let (ItemOp::Query, Err(e), Some(n)) = (op, &result, int("Limit")) {
        if n < 1 && e.messages().len() == 1 {
            let mut one = ValidationErrors::default();
            one.push("Value at 'Limit' failed to satisfy constraint: Member must have value greater than or equal to 1".into());
            return Err(one);
        }
    }
    result
}

/// AttributesToGet, when given, names at least one attribute.
fn attributes_to_get(c: &mut Constraints, body: &Value) {
    if let Some(Value::Array(names)) = body.get("AttributesToGet") {
        let rendered = format!("[{}]", names.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", "));
        c.list_length(&rendered, names.len(), "attributesToGet", 1, usize::MAX);
    }
}

/// Each legacy condition of a map member needs a known ComparisonOperator.
fn comparison_operators(c: &mut Constraints, body: &Value, (member, path): (&str, &str)) {
    let Some(Value::Object(conditions)) = body.get(member) else { return };
    for (name, condition) in conditions {
        let at = format!("{path}.{name}.member.comparisonOperator");
        match condition.get("ComparisonOperator").and_then(Value::as_str) {
            Some(op) => c.one_of(op, &at, COMPARISON_OPERATORS),
            None => {
                c.not_null(None::<&()>, &at);
            }
        }
    }
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
    fn query_and_scan_report_ten_in_dynamodbs_order() {
        let m = message(
            ItemOp::Query,
            json!({"TableName": "abc;", "ReturnConsumedCapacity": "hi", "AttributesToGet": [], "IndexName": "abc;",
                   "Select": "hi", "Limit": -1, "KeyConditions": {"a": {}, "b": {"ComparisonOperator": ""}},
                   "ConditionalOperator": "AN", "QueryFilter": {"a": {}, "b": {"ComparisonOperator": ""}}}),
        );
        assert!(m.starts_with("10 validation errors detected: Value 'hi' at 'select'"), "{m}");
        assert!(m.contains("Value null at 'keyConditions.a.member.comparisonOperator'"), "{m}");
        assert!(!m.contains("keyConditions.b"), "{m}");
        assert!(m.contains("Value '' at 'queryFilter.b.member.comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]"), "{m}");
        let m = message(
            ItemOp::Scan,
            json!({"TableName": "abc;", "ReturnConsumedCapacity": "hi", "AttributesToGet": [], "IndexName": "abc;",
                   "Segment": -1, "TotalSegments": -1, "Select": "hi", "Limit": -1,
                   "ScanFilter": {"a": {}, "b": {"ComparisonOperator": ""}}, "ConditionalOperator": "AN"}),
        );
        assert!(m.starts_with("10 validation errors detected: "), "{m}");
        assert!(m.contains("Value '-1' at 'segment' failed to satisfy constraint: Member must have value greater than or equal to 0"), "{m}");
        assert!(!m.contains("attributesToGet"), "{m}");
        assert_eq!(
            message(ItemOp::Scan, json!({"TableName": "abc", "TotalSegments": 1_000_001})),
            "1 validation error detected: Value '1000001' at 'totalSegments' failed to satisfy constraint: Member must have value less than or equal to 1000000"
        );
        assert!(constraints(ItemOp::Query, &json!({"TableName": "abc", "Limit": 5, "IndexName": "byd"})).is_ok());
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

#[cfg(test)]
mod empty_name_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_query_with_only_a_bad_limit_names_the_member() {
        let e = constraints(ItemOp::Query, &json!({"TableName": "tbl", "Limit": 0})).unwrap_err().to_string();
        assert_eq!(e, "1 validation error detected: Value at 'Limit' failed to satisfy constraint: Member must have value greater than or equal to 1");
        let e = constraints(ItemOp::Scan, &json!({"TableName": "tbl", "Limit": 0})).unwrap_err().to_string();
        assert_eq!(e, "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1");
        let e = constraints(ItemOp::Query, &json!({"TableName": "tb;", "Limit": 0})).unwrap_err().to_string();
        assert!(e.starts_with("2 validation errors detected: ") && e.contains("Value '0' at 'limit'"), "{e}");
    }

    #[test]
    fn an_empty_table_name_breaks_only_its_minimum_length() {
        // paritysuite validation-ordering/updateItem (AWS, 2026).
        let e = constraints(ItemOp::Update, &json!({"TableName": "", "ReturnConsumedCapacity": "X", "ReturnValues": "Y"})).unwrap_err().to_string();
        assert_eq!(
            e,
            "4 validation errors detected: \
             Value 'X' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]; \
             Value '' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 1; \
             Value 'Y' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]; \
             Value null at 'key' failed to satisfy constraint: Member must not be null"
        );
        // PutItem, DeleteItem and GetItem report it alone, newer words.
        for (op, body) in [
            (ItemOp::Put, json!({"TableName": "", "Item": {}})),
            (ItemOp::Put, json!({"TableName": "", "ReturnValues": "INVALID", "Item": {}})),
            (ItemOp::Delete, json!({"TableName": "", "ReturnValues": "INVALID"})),
            (ItemOp::Get, json!({"TableName": "", "ReturnConsumedCapacity": "X"})),
            (ItemOp::Update, json!({"TableName": "", "Key": {}})),
        ] {
            let e = constraints(op, &body).unwrap_err().to_string();
            assert_eq!(
                e,
                "1 validation error detected: Value at 'TableName' failed to satisfy constraint: Member must have length greater than or equal to 1",
                "{body}"
            );
        }
    }

    #[test]
    fn update_item_reports_a_bad_return_values_alone_in_the_newer_wording() {
        // paritysuite's 2026-10-07 sweep follow-up (us-east-1 and most regions).
        let e = constraints(
            ItemOp::Update,
            &json!({"TableName": "tbl", "Key": {}, "ReturnValues": "INVALID", "ReturnConsumedCapacity": "INVALID"}),
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            e,
            "1 validation error detected: Failed to satisfy constraint: Member must satisfy enum value set: \
             [ALL_OLD, UPDATED_OLD, ALL_NEW, UPDATE_NEW, NONE]"
        );
        // PutItem and DeleteItem keep the aggregated form, the ReturnValues
        // violation in the newer words (paritysuite's 2026-09-20 capture,
        // four regions); without their Item or Key, in the older ones.
        let e = constraints(
            ItemOp::Put,
            &json!({"TableName": "tbl", "Item": {}, "ReturnConsumedCapacity": "INVALID", "ReturnValues": "INVALID", "ReturnItemCollectionMetrics": "INVALID"}),
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            e,
            "3 validation errors detected: \
             Value 'INVALID' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]; \
             Failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, UPDATED_OLD, ALL_NEW, UPDATE_NEW, NONE]; \
             Value 'INVALID' at 'returnItemCollectionMetrics' failed to satisfy constraint: Member must satisfy enum value set: [SIZE, NONE]"
        );
        let e = constraints(ItemOp::Delete, &json!({"TableName": "tbl", "Key": {}, "ReturnValues": "INVALID"})).unwrap_err().to_string();
        assert_eq!(e, format!("1 validation error detected: {NEW_RETURN_VALUES}"));
        let e = constraints(ItemOp::Delete, &json!({"TableName": "tbl", "ReturnValues": "INVALID"})).unwrap_err().to_string();
        assert!(e.starts_with("2 validation errors detected: Value 'INVALID' at 'returnValues'"), "{e}");
    }

    #[test]
    fn a_query_refuses_a_bad_conditional_operator_first_in_the_newer_words() {
        let body = json!({"TableName": "t", "Select": "BOGUS", "ConditionalOperator": "XOR",
                          "QueryFilter": {"b": {"ComparisonOperator": "NULL"}, "c": {"ComparisonOperator": "NULL"}}});
        assert_eq!(
            query_conditional_operator(&body).as_deref(),
            Some("Failed to satisfy constraint: Member must satisfy enum value set: [ALL, OR]")
        );
        let one = json!({"ConditionalOperator": "XOR", "QueryFilter": {"b": {"ComparisonOperator": "NULL"}}});
        assert_eq!(query_conditional_operator(&one), None);
        let malformed = json!({"ConditionalOperator": "AN", "QueryFilter": {"a": {}, "b": {"ComparisonOperator": ""}}});
        assert_eq!(query_conditional_operator(&malformed), None);
        let fine = json!({"ConditionalOperator": "OR", "QueryFilter": {"b": {"ComparisonOperator": "NULL"}, "c": {"ComparisonOperator": "NULL"}}});
        assert_eq!(query_conditional_operator(&fine), None);
    }
}
