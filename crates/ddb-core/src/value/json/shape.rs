//! Phase 1 of reading DynamoDB JSON: the JSON types must fit the model
//! (`AttributeValue` is a structure of `S: String`, `N: String`, `B: Blob`,
//! `BOOL: Boolean`, `NULL: Boolean`, `SS/NS: List<String>`, `BS: List<Blob>`,
//! `L: List<AttributeValue>`, `M: Map<String, AttributeValue>`), else
//! `SerializationException`.
//!
//! The messages are the service's deserializer's, per JSON token kind, as
//! recorded by dynalite's `assertType` against DynamoDB: integers are
//! `NUMBER_VALUE`, numbers with a fraction or exponent `DECIMAL_VALUE`.
//! Nothing here looks at values (number syntax, empty sets, …): that is
//! phase 2, `build.rs`, and only runs when the whole value passed this one.

use serde_json::Value;

use super::{base64, Slot, ValueError};

pub(crate) const OBJECT_NOT_EXPECTED: &str = "Start of structure or map found where not expected";
pub(crate) const UNEXPECTED_FIELD_TYPE: &str = "Unexpected field type";
pub(crate) const UNEXPECTED_VALUE_TYPE: &str = "Unexpected value type in payload";
const NOT_A_STRUCTURE_LIST: &str =
    "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue";
const NOT_A_MAP_LIST: &str = "Unrecognized collection type java.util.Map<java.lang.String, \
     com.amazonaws.dynamodb.v20120810.AttributeValue>";

/// Past this JSON depth we stop rather than risk the stack. serde_json's
/// parser already refuses input nested deeper than 128, so only hand-built
/// values can reach it; the validation phase refuses anything past 32.
const MAX_JSON_DEPTH: usize = 200;

fn serialization(message: &str) -> ValueError {
    ValueError::Serialization(message.to_owned())
}

/// The token name the service's deserializer uses for a JSON scalar.
pub(crate) fn token_name(value: &Value) -> &'static str {
    match value {
        Value::Bool(true) => "TRUE_VALUE",
        Value::Bool(false) => "FALSE_VALUE",
        Value::Number(n) if n.is_f64() => "DECIMAL_VALUE",
        Value::Number(_) => "NUMBER_VALUE",
        Value::String(_) => "STRING_VALUE",
        Value::Null => "NULL_VALUE",
        Value::Array(_) => "START_ARRAY",
        Value::Object(_) => "START_OBJECT",
    }
}

/// A `Map<String, AttributeValue>` member (an item, a key, …).
pub(super) fn check_attribute_map(value: &Value, depth: usize) -> Result<(), ValueError> {
    match value {
        Value::Object(map) => map
            .values()
            .try_for_each(|v| check_attribute_value(v, Slot::Value, depth)),
        Value::Null => Ok(()),
        Value::Array(_) => Err(serialization(NOT_A_MAP_LIST)),
        _ => Err(serialization(UNEXPECTED_FIELD_TYPE)),
    }
}

/// One `AttributeValue` structure found in `slot`, at nesting `depth`.
pub(super) fn check_attribute_value(
    value: &Value,
    slot: Slot,
    depth: usize,
) -> Result<(), ValueError> {
    if depth > MAX_JSON_DEPTH {
        return Err(ValueError::Validation(
            super::build::NESTING_TOO_DEEP.to_owned(),
        ));
    }
    match value {
        // A null member is an absent one; the validation phase reports it.
        Value::Null => Ok(()),
        Value::Object(members) => {
            for (name, member) in members {
                if member.is_null() {
                    continue;
                }
                match name.as_str() {
                    "S" | "N" => check_string(member)?,
                    "B" => check_blob(member)?,
                    "BOOL" | "NULL" if lenient_bool(member).is_some() => {}
                    "BOOL" | "NULL" => check_boolean(member)?,
                    "SS" | "NS" => check_list(member, check_string)?,
                    "BS" => check_list(member, check_blob)?,
                    "L" => {
                        check_list(member, |e| check_attribute_value(e, Slot::Value, depth + 1))?
                    }
                    "M" => check_attribute_map(member, depth + 1)?,
                    // Members the model doesn't know are ignored.
                    _ => {}
                }
            }
            Ok(())
        }
        Value::Array(_) => Err(serialization(NOT_A_STRUCTURE_LIST)),
        _ => Err(serialization(match slot {
            Slot::Value => UNEXPECTED_VALUE_TYPE,
            Slot::Field => UNEXPECTED_FIELD_TYPE,
        })),
    }
}

/// The strings an attribute value's `BOOL` or `NULL` member takes as a
/// boolean: dynalite's records of DynamoDB show `"1"`, `"yes"`, `"true"`
/// read as true and `"0"`, `"no"`, `"false"` as false, while `"23"` is
/// `Unexpected token received from parser`.
pub(crate) fn lenient_bool(value: &Value) -> Option<bool> {
    let s = value.as_str()?;
    if ["true", "1", "yes"].iter().any(|t| s.eq_ignore_ascii_case(t)) {
        Some(true)
    } else if ["false", "0", "no"].iter().any(|f| s.eq_ignore_ascii_case(f)) {
        Some(false)
    } else {
        None
    }
}

pub(crate) fn check_string(value: &Value) -> Result<(), ValueError> {
    match value {
        Value::String(_) | Value::Null => Ok(()),
        Value::Array(_) => Err(serialization(
            "Unrecognized collection type class java.lang.String",
        )),
        Value::Object(_) => Err(serialization(OBJECT_NOT_EXPECTED)),
        scalar => Err(ValueError::Serialization(format!(
            "{} cannot be converted to String",
            token_name(scalar)
        ))),
    }
}

pub(crate) fn check_blob(value: &Value) -> Result<(), ValueError> {
    match value {
        Value::String(text) => base64::validate(text).map_err(ValueError::Serialization),
        Value::Null => Ok(()),
        Value::Array(_) => Err(serialization(
            "Unrecognized collection type class java.nio.ByteBuffer",
        )),
        Value::Object(_) => Err(serialization(OBJECT_NOT_EXPECTED)),
        Value::Bool(_) | Value::Number(_) => Err(serialization(
            "only base-64-encoded strings are convertible to bytes",
        )),
    }
}

pub(crate) fn check_boolean(value: &Value) -> Result<(), ValueError> {
    match value {
        Value::Bool(_) | Value::Null => Ok(()),
        Value::String(_) => Err(serialization("Unexpected token received from parser")),
        Value::Number(_) => Err(ValueError::Serialization(format!(
            "{} cannot be converted to Boolean",
            token_name(value)
        ))),
        Value::Array(_) => Err(serialization(
            "Unrecognized collection type class java.lang.Boolean",
        )),
        Value::Object(_) => Err(serialization(OBJECT_NOT_EXPECTED)),
    }
}

fn check_list(
    value: &Value,
    element: impl Fn(&Value) -> Result<(), ValueError>,
) -> Result<(), ValueError> {
    match value {
        Value::Array(items) => items.iter().try_for_each(element),
        Value::Null => Ok(()),
        Value::Object(_) => Err(serialization(OBJECT_NOT_EXPECTED)),
        _ => Err(serialization(UNEXPECTED_FIELD_TYPE)),
    }
}
