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
    let Ok(i) = shapes::OPERATIONS.binary_search_by(|(name, _)| (*name).cmp(operation)) else {
        return Ok(());
    };
    match shapes::OPERATIONS.get(i) {
        Some(&(_, shape)) => check_value(body, shape, Place::Field, 0),
        None => Ok(()),
    }
}

fn shape(index: u16) -> Option<&'static Shape> {
    shapes::SHAPES.get(usize::from(index))
}

fn check_value(value: &Value, index: u16, place: Place, depth: usize) -> Result<(), String> {
    let Some(s) = shape(index) else { return Ok(()) };
    if value.is_null() || depth > MAX_DEPTH {
        return Ok(());
    }
    match s.kind {
        Kind::String => check_string(value).map_err(|e| e.message().to_owned()),
        Kind::Blob => check_blob(value).map_err(|e| e.message().to_owned()),
        Kind::Boolean => check_boolean(value).map_err(|e| e.message().to_owned()),
        Kind::Integer => check_number(value, "Integer"),
        Kind::Long => check_number(value, "Long"),
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
                        check_value(member, *child, Place::Field, depth + 1)?;
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
                .try_for_each(|item| check_value(item, element, Place::Element, depth + 1)),
            Value::Object(_) => Err(OBJECT_NOT_EXPECTED.into()),
            _ => Err(scalar_for_collection(place)),
        },
        Kind::Map(element) => match value {
            Value::Object(map) => map
                .values()
                .try_for_each(|item| check_value(item, element, Place::Element, depth + 1)),
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
