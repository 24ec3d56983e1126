//! The wire type check against dynalite's `assertType` expectations,
//! which were recorded against DynamoDB.

use serde_json::{json, Value};

use super::{check, check_and_coerce};

fn err(op: &str, body: Value) -> String {
    check(op, &body).expect_err("a type error")
}

#[test]
fn strings() {
    for (v, msg) in [
        (json!(true), "TRUE_VALUE cannot be converted to String"),
        (json!(false), "FALSE_VALUE cannot be converted to String"),
        (json!(23), "NUMBER_VALUE cannot be converted to String"),
        (json!(2147483648_i64), "NUMBER_VALUE cannot be converted to String"),
        (json!(34.56), "DECIMAL_VALUE cannot be converted to String"),
        (json!([]), "Unrecognized collection type class java.lang.String"),
        (json!({}), "Start of structure or map found where not expected"),
    ] {
        assert_eq!(err("GetItem", json!({ "TableName": v })), msg);
    }
}

#[test]
fn integers_and_longs() {
    assert_eq!(err("Scan", json!({"Limit": "23"})), "STRING_VALUE cannot be converted to Integer");
    assert_eq!(err("Scan", json!({"Segment": true})), "TRUE_VALUE cannot be converted to Integer");
    assert_eq!(err("Scan", json!({"TotalSegments": []})), "Unrecognized collection type class java.lang.Integer");
    assert_eq!(
        err("CreateTable", json!({"ProvisionedThroughput": {"ReadCapacityUnits": "23"}})),
        "STRING_VALUE cannot be converted to Long"
    );
    assert_eq!(
        err("CreateTable", json!({"ProvisionedThroughput": {"WriteCapacityUnits": false}})),
        "FALSE_VALUE cannot be converted to Long"
    );
    assert!(check("Scan", &json!({"Limit": 23})).is_ok());
}

#[test]
fn booleans() {
    assert_eq!(err("GetItem", json!({"ConsistentRead": "23"})), "Unexpected token received from parser");
    assert_eq!(err("GetItem", json!({"ConsistentRead": 23})), "NUMBER_VALUE cannot be converted to Boolean");
    assert_eq!(err("GetItem", json!({"ConsistentRead": 34.56})), "DECIMAL_VALUE cannot be converted to Boolean");
    assert_eq!(err("GetItem", json!({"ConsistentRead": []})), "Unrecognized collection type class java.lang.Boolean");
}

#[test]
fn structures_by_place() {
    // A member of a structure, and an element of a list.
    assert_eq!(err("CreateTable", json!({"ProvisionedThroughput": "23"})), "Unexpected field type");
    assert_eq!(
        err("CreateTable", json!({"ProvisionedThroughput": []})),
        "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.ProvisionedThroughput"
    );
    assert_eq!(err("CreateTable", json!({"KeySchema": [23]})), "Unexpected value type in payload");
    assert_eq!(
        err("CreateTable", json!({"KeySchema": [[]]})),
        "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.KeySchemaElement"
    );
    assert_eq!(err("CreateTable", json!({"KeySchema": [{"KeyType": true}]})), "TRUE_VALUE cannot be converted to String");
    // An attribute value as a field (Expected.a.Value) and as a map value.
    assert_eq!(err("PutItem", json!({"Expected": {"a": {"Value": 23}}})), "Unexpected field type");
    assert_eq!(err("PutItem", json!({"Item": {"a": 23}})), "Unexpected value type in payload");
}

#[test]
fn lists_and_maps() {
    assert_eq!(err("CreateTable", json!({"KeySchema": "23"})), "Unexpected field type");
    assert_eq!(err("CreateTable", json!({"KeySchema": {}})), "Start of structure or map found where not expected");
    assert_eq!(err("PutItem", json!({"Item": true})), "Unexpected field type");
    assert_eq!(
        err("PutItem", json!({"Item": []})),
        "Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>"
    );
    assert_eq!(
        err("PutItem", json!({"ExpressionAttributeNames": []})),
        "Unrecognized collection type java.util.Map<java.lang.String, java.lang.String>"
    );
    assert_eq!(err("PutItem", json!({"ExpressionAttributeNames": {"#a": 1}})), "NUMBER_VALUE cannot be converted to String");
    // A map inside a list (BatchGetItem's Keys), given a scalar.
    assert!(err("BatchGetItem", json!({"RequestItems": {"t": {"Keys": ["23"]}}})).starts_with("class sun.reflect"));
    assert_eq!(
        err("BatchGetItem", json!({"RequestItems": {"t": {"Keys": [[]]}}})),
        "Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>"
    );
}

#[test]
fn attribute_values_deep() {
    assert_eq!(err("PutItem", json!({"Item": {"a": {"S": true}}})), "TRUE_VALUE cannot be converted to String");
    assert_eq!(err("PutItem", json!({"Item": {"a": {"L": [{"BS": [23]}]}}})), "only base-64-encoded strings are convertible to bytes");
    assert_eq!(
        err("PutItem", json!({"Item": {"a": {"M": {"b": {"B": "23456"}}}}})),
        "Base64 encoded length is expected a multiple of 4 bytes but found: 5"
    );
    assert_eq!(err("PutItem", json!({"Item": {"a": {"L": [23]}}})), "Unexpected value type in payload");
}

#[test]
fn absent_unknown_and_unmodelled_pass() {
    assert!(check("PutItem", &json!({"TableName": null, "Whatever": [1, {}], "Item": {"a": {"S": "x", "Z": 1}}})).is_ok());
    assert!(check("NoSuchOperation", &json!({"TableName": 1})).is_ok());
}

#[test]
fn every_operation_is_sorted_and_in_range() {
    let ops = super::shapes::OPERATIONS;
    assert!(ops.windows(2).all(|w| matches!(w, [a, b] if a.0 < b.0)));
    assert!(ops.iter().all(|(_, s)| usize::from(*s) < super::shapes::SHAPES.len()));
    assert!(ops.iter().any(|(n, _)| *n == "TransactWriteItems"));
}

#[test]
fn attribute_booleans_take_some_strings() {
    for s in ["1", "yes", "TRUE", "0", "no", "false"] {
        assert!(check("PutItem", &json!({"Item": {"a": {"BOOL": s}, "b": {"NULL": s}}})).is_ok(), "{s}");
    }
    assert_eq!(err("PutItem", json!({"Item": {"a": {"NULL": "23"}}})), "Unexpected token received from parser");
    assert_eq!(err("GetItem", json!({"ConsistentRead": "yes"})), "Unexpected token received from parser");
}

#[test]
fn attribute_boolean_strings_read_as_booleans() {
    use crate::value::json::item_from_json;
    use crate::value::AttributeValue;
    let item = item_from_json(&json!({"a": {"BOOL": "0"}, "b": {"NULL": "yes"}, "c": {"BOOL": "TRUE"}})).unwrap();
    assert_eq!(item.get("a"), Some(&AttributeValue::Bool(false)));
    assert_eq!(item.get("b"), Some(&AttributeValue::Null));
    assert_eq!(item.get("c"), Some(&AttributeValue::Bool(true)));
    let e = item_from_json(&json!({"a": {"NULL": "no"}})).unwrap_err();
    assert_eq!(e.message(), "One or more parameter values were invalid: Null attribute value types must have the value of true");
}

#[test]
fn fractional_integers_are_truncated_as_the_service_reads_them() {
    // Alternator's test_vector_new.py, run against DynamoDB: Dimensions 6.7
    // is described as 6.
    let mut create = json!({"TableName": "t", "VectorIndexes": [{"IndexName": "v", "Dimensions": 6.7}],
        "ProvisionedThroughput": {"ReadCapacityUnits": 5.9, "WriteCapacityUnits": 1}});
    check_and_coerce("CreateTable", &mut create).unwrap();
    assert_eq!(create["VectorIndexes"][0]["Dimensions"], json!(6));
    assert_eq!(create["ProvisionedThroughput"]["ReadCapacityUnits"], json!(5), "a Long too");
    assert_eq!(create["ProvisionedThroughput"]["WriteCapacityUnits"], json!(1));
    let mut query = json!({"TableName": "t", "Limit": -2.5, "ExclusiveStartKey": {"p": {"N": "1.5"}}});
    check_and_coerce("Query", &mut query).unwrap();
    assert_eq!(query["Limit"], json!(-2));
    assert_eq!(query["ExclusiveStartKey"]["p"]["N"], json!("1.5"), "strings are left alone");
    let mut huge = json!({"TableName": "t", "Limit": 1e30});
    check_and_coerce("Query", &mut huge).unwrap();
    assert_eq!(huge["Limit"], json!(1e30), "out of range: left as it is");
    // The type errors are unchanged.
    let mut bad = json!({"TableName": "t", "Limit": "5"});
    assert_eq!(check_and_coerce("Query", &mut bad).unwrap_err(), "STRING_VALUE cannot be converted to Integer");
}
