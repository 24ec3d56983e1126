//! The wire type check: before anything else looks at a request, its JSON
//! types must fit the operation's input shape in DynamoDB's model, else
//! `SerializationException` with the service deserializer's wording
//! (`TRUE_VALUE cannot be converted to String`, `Unexpected field type`,
//! `Unrecognized collection type class com.amazonaws.dynamodb.v20120810.X`,
//! …), as dynalite's `assertType` recorded them against DynamoDB.
//!
//! The shapes (`shapes.rs`) are generated from botocore's model by
//! `scripts/gen-wire-shapes.py`. A `null` member counts as absent and
//! members the model does not know are ignored, as DynamoDB ignores them.
//! Values are not looked at (lengths, enums, number syntax): that is
//! validation, a later phase with its own error.
//!
//! Where a structure, list or map sits decides the message for a scalar
//! found in its place: a member of a structure (a *field*) says
//! `Unexpected field type`; a list element or map value says `Unexpected
//! value type in payload` for a structure, and a Java cast failure for a
//! list or map.

mod shapes;

use serde_json::Value;

use crate::value::json::shape::{
    check_blob, check_boolean, check_string, lenient_bool, token_name, OBJECT_NOT_EXPECTED, UNEXPECTED_FIELD_TYPE,
    UNEXPECTED_VALUE_TYPE,
};

/// One shape of the model.
#[derive(Debug)]
pub(crate) struct Shape {
    name: &'static str,
    kind: Kind,
}

/// A shape's type; children are indexes into `shapes::SHAPES`.
#[derive(Debug)]
pub(crate) enum Kind {
    Structure(&'static [(&'static str, u16)]),
    List(u16),
    Map(u16),
    String,
    Integer,
    Long,
    Boolean,
    Blob,
    Double,
    Timestamp,
}

/// What the Java deserializer says for a scalar where a list or map
/// belongs inside another collection.
const PARAMETERIZED_CAST: &str = "class sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl cannot be cast \
     to class java.lang.Class (sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl and java.lang.Class are \
     in module java.base of loader 'bootstrap')";

/// Requests nest far less; past this the check stops descending (the
/// value checks refuse anything deeper than 32 levels anyway).
const MAX_DEPTH: usize = 200;

/// Where a value sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// A member of a structure.
    Field,
    /// A list element or a map value.
    Element,
}

/// Checks the JSON types of `body`, the input of `operation` (its name, as
/// in `X-Amz-Target`). Operations outside the model pass. The error is the
/// `SerializationException` message.
pub fn check(operation: &str, body: &Value) -> Result<(), String> {
    let Some(shape) = operation_shape(operation) else { return Ok(()) };
    check_value(body, shape, Place::Field, 0, &mut false)
}

/// [`check`], then integer members given as fractional numbers are
/// truncated toward zero, as the service's Java deserializer reads them
/// (a vector index's `Dimensions: 6.7` is 6: Alternator's
/// test_vector_new.py, run against DynamoDB). The body is only walked a
/// second time when the check saw such a number.
pub fn check_and_coerce(operation: &str, body: &mut Value) -> Result<(), String> {
    let Some(shape) = operation_shape(operation) else { return Ok(()) };
    let mut fractional = false;
    check_value(body, shape, Place::Field, 0, &mut fractional)?;
    if fractional {
        coerce(body, shape, 0);
    }
    Ok(())
}

fn operation_shape(operation: &str) -> Option<u16> {
    let i = shapes::OPERATIONS.binary_search_by(|(name, _)| (*name).cmp(operation)).ok()?;
    shapes::OPERATIONS.get(i).map(|&(_, shape)| shape)
}

/// Truncates the fractional numbers of `value` (of shape `index`) that
/// stand for integers; leaves one out of the 64-bit range as it is.
fn coerce(value: &mut Value, index: u16, depth: usize) {
    let Some(s) = shape(index) else { return };
    if depth > MAX_DEPTH {
        return;
    }
    match (&s.kind, value) {
        (Kind::Integer | Kind::Long, v @ Value::Number(_)) => {
            if let Some(f) = v.as_f64().filter(|_| !(v.is_i64() || v.is_u64())) {
                let t = f.trunc();
                #[allow(clippy::cast_possible_truncation)]
                if t.is_finite() && t.abs() < 9.2e18 {
                    *v = Value::from(t as i64);
                }
            }
        }
        (Kind::Structure(members), Value::Object(map)) => {
            for (name, member) in map.iter_mut() {
                if let Some((_, child)) = members.iter().find(|(m, _)| m == name) {
                    coerce(member, *child, depth + 1);
                }
            }
        }
        (Kind::List(element), Value::Array(items)) => items.iter_mut().for_each(|i| coerce(i, *element, depth + 1)),
        (Kind::Map(element), Value::Object(map)) => map.values_mut().for_each(|i| coerce(i, *element, depth + 1)),
        _ => {}
    }
}

fn shape(index: u16) -> Option<&'static Shape> {
    shapes::SHAPES.get(usize::from(index))
}

fn check_value(value: &Value, index: u16, place: Place, depth: usize, fractional: &mut bool) -> Result<(), String> {
    let Some(s) = shape(index) else { return Ok(()) };
    if value.is_null() || depth > MAX_DEPTH {
        return Ok(());
    }
    match s.kind {
        Kind::String => check_string(value).map_err(|e| e.message().to_owned()),
        Kind::Blob => check_blob(value).map_err(|e| e.message().to_owned()),
        Kind::Boolean => check_boolean(value).map_err(|e| e.message().to_owned()),
        Kind::Integer | Kind::Long => {
            *fractional |= value.as_f64().is_some() && !(value.is_i64() || value.is_u64());
            check_number(value, if matches!(s.kind, Kind::Integer) { "Integer" } else { "Long" })
        }
        Kind::Double => check_number(value, "Double"),
        Kind::Timestamp => match value {
            Value::Number(_) | Value::String(_) => Ok(()),
            Value::Array(_) => Err("Unrecognized collection type class java.util.Date".into()),
            Value::Object(_) => Err(OBJECT_NOT_EXPECTED.into()),
            other => Err(format!("{} cannot be converted to Date", token_name(other))),
        },
        Kind::Structure(members) => match value {
            Value::Object(map) => {
                for (name, member) in map {
                    // AttributeValue's BOOL and NULL read some strings as
                    // booleans (see `value::json::shape::lenient_bool`).
                    if (name == "NULL" || name == "BOOL") && s.name == "AttributeValue" && lenient_bool(member).is_some() {
                        continue;
                    }
                    if let Some((_, child)) = members.iter().find(|(m, _)| m == name) {
                        check_value(member, *child, Place::Field, depth + 1, fractional)?;
                    }
                }
                Ok(())
            }
            Value::Array(_) => Err(format!("Unrecognized collection type class {}", java_type(index))),
            _ => Err(match place {
                Place::Field => UNEXPECTED_FIELD_TYPE.into(),
                Place::Element => UNEXPECTED_VALUE_TYPE.into(),
            }),
        },
        Kind::List(element) => match value {
            Value::Array(items) => items
                .iter()
                .try_for_each(|item| check_value(item, element, Place::Element, depth + 1, fractional)),
            Value::Object(_) => Err(OBJECT_NOT_EXPECTED.into()),
            _ => Err(scalar_for_collection(place)),
        },
        Kind::Map(element) => match value {
            Value::Object(map) => map
                .values()
                .try_for_each(|item| check_value(item, element, Place::Element, depth + 1, fractional)),
            Value::Array(_) => Err(format!("Unrecognized collection type {}", java_type(index))),
            _ => Err(scalar_for_collection(place)),
        },
    }
}

fn scalar_for_collection(place: Place) -> String {
    match place {
        Place::Field => UNEXPECTED_FIELD_TYPE.into(),
        Place::Element => PARAMETERIZED_CAST.into(),
    }
}

fn check_number(value: &Value, java: &str) -> Result<(), String> {
    match value {
        Value::Number(_) => Ok(()),
        Value::Array(_) => Err(format!("Unrecognized collection type class java.lang.{java}")),
        Value::Object(_) => Err(OBJECT_NOT_EXPECTED.into()),
        other => Err(format!("{} cannot be converted to {java}", token_name(other))),
    }
}

/// The Java type the service deserializes a shape into, as its messages
/// name it.
fn java_type(index: u16) -> String {
    let Some(s) = shape(index) else { return "java.lang.Object".into() };
    match s.kind {
        Kind::Structure(_) => format!("com.amazonaws.dynamodb.v20120810.{}", s.name),
        Kind::List(element) => format!("java.util.List<{}>", java_type(element)),
        Kind::Map(element) => format!("java.util.Map<java.lang.String, {}>", java_type(element)),
        Kind::String => "java.lang.String".into(),
        Kind::Integer => "java.lang.Integer".into(),
        Kind::Long => "java.lang.Long".into(),
        Kind::Boolean => "java.lang.Boolean".into(),
        Kind::Blob => "java.nio.ByteBuffer".into(),
        Kind::Double => "java.lang.Double".into(),
        Kind::Timestamp => "java.util.Date".into(),
    }
}

#[cfg(test)]
mod tests;
