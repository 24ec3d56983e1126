//! Golden cases for DynamoDB JSON, from tests run against the service
//! (dynalite `test/putItem.js`, `test/getItem.js`, `test/helpers.js`;
//! paritysuite `error-messages/*.test.ts`, `limits/nestingDepth.test.ts`).

use serde_json::{json, Value};

use super::*;
use crate::value::Number;

fn read(value: Value) -> Result<AttributeValue, ValueError> {
    attribute_value_from_json(&value)
}

fn validation(value: Value) -> String {
    match read(value.clone()) {
        Err(ValueError::Validation(m)) => m,
        other => panic!("{value} gave {other:?}, not a ValidationException"),
    }
}

fn serialization(value: Value) -> String {
    match read(value.clone()) {
        Err(ValueError::Serialization(m)) => m,
        other => panic!("{value} gave {other:?}, not a SerializationException"),
    }
}

fn deep_map(wraps: usize) -> Value {
    let mut v = json!({"S": "leaf"});
    for _ in 0..wraps {
        v = json!({"M": {"n": v}});
    }
    v
}

#[test]
fn reads_every_type() {
    let item = item_from_json(&json!({
        "a": {"S": "x"},
        "b": {"N": "-56.789"},
        "c": {"B": "Yg=="},
        "d": {"BOOL": false},
        "e": {"NULL": true},
        "f": {"SS": ["a"]},
        "g": {"NS": ["-56.789", "1"]},
        "h": {"BS": ["Yg=="]},
        "i": {"L": [{"S": "a"}, {"L": []}, {"M": {}}]},
        "j": {"M": {"a": {"M": {}}, "b": {"L": []}}},
    }))
    .unwrap();
    assert_eq!(item.get("a"), Some(&AttributeValue::S("x".into())));
    assert_eq!(
        item.get("b"),
        Some(&AttributeValue::N(Number::parse("-56.789").unwrap()))
    );
    assert_eq!(item.get("c"), Some(&AttributeValue::B(b"b".to_vec())));
    assert_eq!(item.get("d"), Some(&AttributeValue::Bool(false)));
    assert_eq!(item.get("e"), Some(&AttributeValue::Null));
    assert_eq!(item.get("f"), Some(&AttributeValue::Ss(vec!["a".into()])));
    assert!(matches!(item.get("g"), Some(AttributeValue::Ns(ns)) if ns.len() == 2));
    assert_eq!(
        item.get("h"),
        Some(&AttributeValue::Bs(vec![b"b".to_vec()]))
    );
    assert!(matches!(item.get("i"), Some(AttributeValue::L(l)) if l.len() == 3));
    assert!(matches!(item.get("j"), Some(AttributeValue::M(m)) if m.len() == 2));
}

#[test]
fn empty_strings_and_binaries_are_values() {
    // dynalite "should put empty values": accepted and returned unchanged.
    let item = json!({"b": {"S": ""}, "c": {"B": ""}, "d": {"SS": [""]}, "e": {"BS": [""]}});
    let read = item_from_json(&item).unwrap();
    assert_eq!(item_to_json(&read), item);
}

#[test]
fn writes_canonical_json() {
    let value = read(json!({"L": [
        {"N": "0100.50"}, {"NS": ["3", "1e2", "-0"]}, {"B": "AAE="}, {"NULL": true}, {"BOOL": true}
    ]}))
    .unwrap();
    assert_eq!(
        value.to_json(),
        json!({"L": [
            {"N": "100.5"}, {"NS": ["0", "3", "100"]}, {"B": "AAE="}, {"NULL": true}, {"BOOL": true}
        ]})
    );
    // Sets come back in DynamoDB's order: strings and binaries bytewise,
    // numbers by value (paritysuite updateItem/basic, AWS 2026).
    let set = read(json!({"SS": ["z", "a", "m", ""]})).unwrap();
    assert_eq!(set.to_json(), json!({"SS": ["", "a", "m", "z"]}));
    let set = read(json!({"BS": ["/w==", "AA==", ""]})).unwrap();
    assert_eq!(set.to_json(), json!({"BS": ["", "AA==", "/w=="]}));
    let set = read(json!({"NS": ["10", "-2", "9.5"]})).unwrap();
    assert_eq!(set.to_json(), json!({"NS": ["-2", "9.5", "10"]}));
}

#[test]
fn type_member_count() {
    for value in [
        json!({}),
        json!({"a": ""}),
        json!({"M": {"a": {}}}),
        json!({"L": [{}]}),
        json!({"L": [{"a": {}}]}),
        json!({"S": null}),
    ] {
        assert_eq!(
            validation(value),
            "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
        );
    }
    assert_eq!(
        validation(json!({"S": "a", "N": "1"})),
        "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"
    );
    // Unknown members are ignored.
    assert_eq!(
        read(json!({"S": "a", "X": {"deep": [1]}})).unwrap(),
        AttributeValue::S("a".into())
    );
    // Each type member is checked before the count.
    assert_eq!(
        validation(json!({"S": "a", "N": "b"})),
        "The parameter cannot be converted to a numeric value: b"
    );
}

#[test]
fn invalid_values() {
    let invalid = "One or more parameter values were invalid: ";
    for (value, message) in [
        (
            json!({"NULL": false}),
            "Null attribute value types must have the value of true",
        ),
        (json!({"SS": []}), "An string set  may not be empty"),
        (json!({"NS": []}), "An number set  may not be empty"),
        (json!({"BS": []}), "Binary sets should not be empty"),
        (
            json!({"SS": ["b", "a", "b"]}),
            "Input collection [\"a\", \"b\", \"b\"] contains duplicates.",
        ),
        (
            json!({"SS": ["a", "a"]}),
            "Input collection [\"a\", \"a\"] contains duplicates.",
        ),
        (
            json!({"SS": ["", ""]}),
            "Input collection [\"\", \"\"] contains duplicates.",
        ),
        (
            json!({"BS": ["/w==", "AA==", "AA=="]}),
            "Input collection [\"AA==\",\"/w==\",\"AA==\"]of type BS contains duplicates.",
        ),
        (
            json!({"NS": ["2", "1", "2"]}),
            "Input collection contains duplicates.",
        ),
        (
            json!({"NS": ["1", "1.0"]}),
            "Input collection contains duplicates.",
        ),
        (
            json!({"M": {"x": {"L": [{"NULL": false}]}}}),
            "Null attribute value types must have the value of true",
        ),
    ] {
        assert_eq!(
            validation(value.clone()),
            format!("{invalid}{message}"),
            "{value}"
        );
    }
    // The rest of the members after the repeat, as sent.
    assert_eq!(
        validation(json!({"SS": ["c", "a", "c", "b"]})),
        format!("{invalid}Input collection [\"a\", \"c\", \"c\", \"b\"] contains duplicates.")
    );
}

#[test]
fn invalid_numbers() {
    for (value, message) in [
        (json!({"N": ""}), "The parameter cannot be converted to a numeric value: "),
        (json!({"N": "b"}), "The parameter cannot be converted to a numeric value: b"),
        (json!({"NS": ["1", "b", "a"]}), "The parameter cannot be converted to a numeric value: b"),
        (json!({"NS": ["1", ""]}), "The parameter cannot be converted to a numeric value: "),
        (json!({"N": "123456789012345678901234567890123456789"}), "Attempting to store more than 38 significant digits in a Number"),
        (json!({"N": "-1e126"}), "Number overflow. Attempting to store a number with magnitude larger than supported range"),
        (json!({"N": "1e-131"}), "Number underflow. Attempting to store a number with magnitude smaller than supported range"),
        (json!({"M": {"x": {"L": [{"N": "1e126"}]}}}), "Number overflow. Attempting to store a number with magnitude larger than supported range"),
    ] {
        assert_eq!(validation(value.clone()), message, "{value}");
    }
}

#[test]
fn nesting_depth() {
    // paritysuite nestingDepth: 31 wraps (leaf at level 32) accepted, 32 refused.
    assert!(read(deep_map(31)).is_ok());
    assert_eq!(
        validation(deep_map(32)),
        "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit"
    );
    let mut list = json!({"N": "1"});
    for _ in 0..32 {
        list = json!({"L": [list]});
    }
    assert!(
        matches!(read(list), Err(ValueError::Validation(m)) if m.starts_with("Nesting Levels"))
    );
    // Hand-built values deeper than any parser allows don't exhaust the stack.
    assert!(matches!(
        read(deep_map(300)),
        Err(ValueError::Validation(_))
    ));
}

#[test]
fn wrong_json_types_are_serialization_errors() {
    // dynalite assertType, checked against DynamoDB.
    for (value, message) in [
        (json!({"S": true}), "TRUE_VALUE cannot be converted to String"),
        (json!({"S": false}), "FALSE_VALUE cannot be converted to String"),
        (json!({"N": 123}), "NUMBER_VALUE cannot be converted to String"),
        (json!({"N": 2147483648u64}), "NUMBER_VALUE cannot be converted to String"),
        (json!({"S": 34.56}), "DECIMAL_VALUE cannot be converted to String"),
        (json!({"S": []}), "Unrecognized collection type class java.lang.String"),
        (json!({"S": {}}), "Start of structure or map found where not expected"),
        (json!({"B": true}), "only base-64-encoded strings are convertible to bytes"),
        (json!({"B": 23}), "only base-64-encoded strings are convertible to bytes"),
        (json!({"B": []}), "Unrecognized collection type class java.nio.ByteBuffer"),
        (json!({"B": {}}), "Start of structure or map found where not expected"),
        (json!({"B": "23456"}), "Base64 encoded length is expected a multiple of 4 bytes but found: 5"),
        (json!({"B": "=+/="}), "Invalid last non-pad Base64 character dectected"),
        (json!({"B": "+/+="}), "Invalid last non-pad Base64 character dectected"),
        (json!({"BOOL": "23"}), "Unexpected token received from parser"),
        (json!({"BOOL": 23}), "NUMBER_VALUE cannot be converted to Boolean"),
        (json!({"NULL": 34.56}), "DECIMAL_VALUE cannot be converted to Boolean"),
        (json!({"NULL": []}), "Unrecognized collection type class java.lang.Boolean"),
        (json!({"BOOL": {}}), "Start of structure or map found where not expected"),
        (json!({"SS": "23"}), "Unexpected field type"),
        (json!({"NS": true}), "Unexpected field type"),
        (json!({"L": 34.56}), "Unexpected field type"),
        (json!({"BS": {}}), "Start of structure or map found where not expected"),
        (json!({"SS": [1]}), "NUMBER_VALUE cannot be converted to String"),
        (json!({"BS": ["23456"]}), "Base64 encoded length is expected a multiple of 4 bytes but found: 5"),
        (json!({"L": ["23"]}), "Unexpected value type in payload"),
        (json!({"L": [true]}), "Unexpected value type in payload"),
        (json!({"L": [[]]}), "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue"),
        (json!({"M": "23"}), "Unexpected field type"),
        (json!({"M": []}), "Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>"),
        (json!({"M": {"a": 23}}), "Unexpected value type in payload"),
        (json!({"M": {"a": {"BS": [true]}}}), "only base-64-encoded strings are convertible to bytes"),
        (json!("23"), "Unexpected value type in payload"),
        (json!([]), "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue"),
    ] {
        assert_eq!(serialization(value.clone()), message, "{value}");
    }
    assert_eq!(
        attribute_value_from_json_in(&json!(23), Slot::Field),
        Err(ValueError::Serialization("Unexpected field type".into()))
    );
    assert_eq!(
        item_from_json(&json!([])),
        Err(ValueError::Serialization(
            "Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>".into()
        ))
    );
    assert_eq!(
        item_from_json(&json!(true)),
        Err(ValueError::Serialization("Unexpected field type".into()))
    );
}

#[test]
fn serialization_wins_over_validation_anywhere() {
    // The whole value is deserialized before anything is validated.
    let item = json!({"a": {"SS": []}, "b": {"N": 1}});
    assert_eq!(
        item_from_json(&item),
        Err(ValueError::Serialization(
            "NUMBER_VALUE cannot be converted to String".into()
        ))
    );
}

#[test]
fn error_classes_map_to_wire_codes() {
    assert_eq!(
        ValueError::Serialization(String::new()).code(),
        crate::ErrorCode::Serialization
    );
    assert_eq!(
        ValueError::Validation("m".into()).code(),
        crate::ErrorCode::Validation
    );
    assert_eq!(ValueError::Validation("m".into()).message(), "m");
}

#[test]
fn empty_string_and_number_sets_are_told_apart() {
    let err = |v: Value| attribute_value_from_json(&v).unwrap_err();
    assert!(err(json!({"SS": []})).is_empty_set());
    assert!(err(json!({"NS": []})).is_empty_set());
    assert!(err(json!({"M": {"a": {"L": [{"NS": []}]}}})).is_empty_set());
    assert!(!err(json!({"BS": []})).is_empty_set());
    assert!(!err(json!({"NULL": false})).is_empty_set());
    assert!(!err(json!({"SS": ["a", "a"]})).is_empty_set());
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    use crate::value::strategies::value;

    proptest! {
        #[test]
        fn round_trips(v in value()) {
            let wire = v.to_json();
            prop_assert_eq!(AttributeValue::from_json(&wire).unwrap(), v);
            // And through text, as the data plane sees it.
            let text = serde_json::to_string(&wire).unwrap();
            let reparsed: Value = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(reparsed, wire);
        }

        #[test]
        fn never_panics_on_arbitrary_json(text in "[\\[\\]{}\":,a-zA-Z0-9 .=+/-]{0,40}") {
            if let Ok(v) = serde_json::from_str::<Value>(&text) {
                let _ = attribute_value_from_json(&v);
                let _ = item_from_json(&v);
            }
        }
    }
}

#[test]
fn attribute_names_are_at_most_65535_bytes_at_any_depth() {
    let longest = "é".repeat(32_767) + "x";
    assert_eq!(longest.len(), 65_535);
    assert!(item_from_json(&json!({ longest.clone(): {"N": "1"} })).is_ok());
    let too_long = longest + "x";
    let e = item_from_json(&json!({ too_long.clone(): {"N": "1"} })).unwrap_err();
    assert_eq!(e.to_string(), NAME_TOO_LARGE);
    assert_eq!(validation(json!({"M": { too_long: {"S": "v"} }})), NAME_TOO_LARGE);
}

#[test]
fn the_older_layer_lists_duplicates_as_sent() {
    // paritysuite valueLayers: BatchWriteItem, transactions and Scan.
    let older = |value: Value| match attribute_value_from_json_layer(&value, Slot::Value, Layer::Older) {
        Err(ValueError::Validation(m)) => m,
        other => panic!("{value} gave {other:?}"),
    };
    let invalid = "One or more parameter values were invalid: ";
    assert_eq!(older(json!({"SS": ["b", "a", "b"]})), format!("{invalid}Input collection [b, a, b] contains duplicates."));
    assert_eq!(
        older(json!({"BS": ["/w==", "AA==", "AA=="]})),
        format!("{invalid}Input collection [/w==, AA==, AA==]of type BS contains duplicates.")
    );
    assert_eq!(older(json!({"NS": ["2", "1", "2"]})), "Input collection contains duplicates");
    assert_eq!(older(json!({"N": ""})), "The parameter cannot be converted to a numeric value");
    assert_eq!(older(json!({"M": {"x": {"L": [{"N": "1e2147483647"}]}}})), "Number underflow. Attempting to store a number with magnitude smaller than supported range");
    // Without a repeat both layers read the same value.
    let set = json!({"SS": ["b", "a"]});
    assert_eq!(attribute_value_from_json_layer(&set, Slot::Value, Layer::Older), read(set));
}

#[test]
fn an_empty_attribute_name_is_found_at_any_depth() {
    let names = |v: Value| names_empty_attribute(v.as_object().expect("an object"));
    assert!(names(json!({"pk": {"S": "a"}, "": {"S": "x"}})));
    assert!(names(json!({"m": {"M": {"a": {"M": {"": {"N": "1"}}}}}})));
    assert!(names(json!({"l": {"L": [{"S": "x"}, {"M": {"": {"NULL": true}}}]}})));
    // A space is a name, an empty string value is not a name, and a
    // malformed value is left to the value checks.
    assert!(!names(json!({" ": {"S": ""}, "m": {"M": {" ": {"S": ""}}}})));
    assert!(!names(json!({"x": {"S": {"": 1}}, "y": 3})));
    // Far deeper than any value may nest.
    let mut deep = json!({"M": {"": {"S": "x"}}});
    for _ in 0..1_000 {
        deep = json!({"L": [deep]});
    }
    assert!(names(json!({ "d": deep })));
    assert!(value_names_empty_attribute(&json!({"L": [{"M": {"": {"S": "x"}}}]})));
    assert!(!value_names_empty_attribute(&json!({"S": ""})));
}
