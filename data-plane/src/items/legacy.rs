//! Reading the legacy (pre-expression) request parameters out of the JSON
//! body — `Expected`, `ConditionalOperator`, `AttributeUpdates`,
//! `AttributesToGet`, `KeyConditions`, `QueryFilter`, `ScanFilter` — into
//! ddb-core's legacy types, which convert them into the same trees the
//! expressions produce.

use std::collections::BTreeMap;

use ddb_core::expr::legacy::{
    AttributeAction, AttributeValueUpdate, ComparisonOperator, ConditionalOperator, ExpectedAttributeValue,
    LegacyCondition,
};
use ddb_core::value::json::Slot;
use ddb_core::AttributeValue;
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::items::request::Values;

const OPERATORS: &str = "[IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]";

fn object<'a>(body: &'a Value, member: &str) -> Result<Option<&'a Map<String, Value>>, ApiError> {
    match body.get(member) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(_) => Err(ApiError::Serialization("Unexpected value type in payload".into())),
    }
}

fn operator(v: Option<&Value>, path: &str) -> Result<Option<ComparisonOperator>, ApiError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => ComparisonOperator::from_wire(s).map(Some).ok_or_else(|| {
            ApiError::Validation(format!(
                "1 validation error detected: Value '{s}' at '{path}' failed to satisfy constraint: Member must satisfy enum value set: {OPERATORS}"
            ))
        }),
        Some(_) => Err(ApiError::Serialization("Unexpected value type in payload".into())),
    }
}

fn value(v: Option<&Value>, values: Values) -> Result<Option<AttributeValue>, ApiError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => Ok(Some(values.value(v, Slot::Value)?)),
    }
}

fn value_list(v: Option<&Value>, values: Values) -> Result<Option<Vec<AttributeValue>>, ApiError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => Ok(Some(
            a.iter()
                .map(|x| values.value(x, Slot::Value))
                .collect::<Result<_, _>>()?,
        )),
        Some(_) => Err(ApiError::Serialization("Unexpected value type in payload".into())),
    }
}

/// `ConditionalOperator` (AND by default).
pub fn conditional_operator(body: &Value) -> Result<ConditionalOperator, ApiError> {
    match body.get("ConditionalOperator") {
        None | Some(Value::Null) => Ok(ConditionalOperator::And),
        Some(Value::String(s)) if s == "AND" => Ok(ConditionalOperator::And),
        Some(Value::String(s)) if s == "OR" => Ok(ConditionalOperator::Or),
        Some(Value::String(s)) => Err(ApiError::Validation(format!(
            "1 validation error detected: Value '{s}' at 'conditionalOperator' failed to satisfy constraint: Member must satisfy enum value set: [OR, AND]"
        ))),
        Some(_) => Err(ApiError::Serialization("Unexpected value type in payload".into())),
    }
}

/// `Expected`
pub fn expected(body: &Value, values: Values) -> Result<Option<BTreeMap<String, ExpectedAttributeValue>>, ApiError> {
    let Some(m) = object(body, "Expected")? else { return Ok(None) };
    if m.iter().any(|(attr, e)| attr.is_empty() || operands_name_empty_attribute(e)) {
        return Err(values.empty_name());
    }
    let mut out = BTreeMap::new();
    for (attr, e) in m {
        let path = format!("expected.{attr}.member.comparisonOperator");
        let exists = match e.get("Exists") {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => return Err(ApiError::Serialization("Unexpected value type in payload".into())),
        };
        out.insert(
            attr.clone(),
            ExpectedAttributeValue {
                value: value(e.get("Value"), values)?,
                exists,
                comparison_operator: operator(e.get("ComparisonOperator"), &path)?,
                attribute_value_list: value_list(e.get("AttributeValueList"), values)?,
            },
        );
    }
    Ok(Some(out))
}

/// `KeyConditions`, `QueryFilter` or `ScanFilter`.
pub fn conditions(body: &Value, member: &str, values: Values) -> Result<Option<BTreeMap<String, LegacyCondition>>, ApiError> {
    let Some(m) = object(body, member)? else { return Ok(None) };
    let lower = {
        let mut c = member.chars();
        c.next().map(|f| f.to_ascii_lowercase().to_string() + c.as_str()).unwrap_or_default()
    };
    // A filter's values may not hold an empty name (its attribute names
    // may be empty: DynamoDB accepts them there).
    if member != "KeyConditions" && m.values().any(operands_name_empty_attribute) {
        return Err(values.empty_name());
    }
    let mut out = BTreeMap::new();
    for (attr, c) in m {
        let path = format!("{lower}.{attr}.member.comparisonOperator");
        let op = operator(c.get("ComparisonOperator"), &path)?.ok_or_else(|| {
            ApiError::Validation(format!(
                "1 validation error detected: Value null at '{path}' failed to satisfy constraint: Member must not be null"
            ))
        })?;
        out.insert(
            attr.clone(),
            LegacyCondition {
                comparison_operator: op,
                attribute_value_list: value_list(c.get("AttributeValueList"), values)?.unwrap_or_default(),
            },
        );
    }
    Ok(Some(out))
}

/// `AttributeUpdates`
pub fn attribute_updates(body: &Value, values: Values) -> Result<Option<BTreeMap<String, AttributeValueUpdate>>, ApiError> {
    let Some(m) = object(body, "AttributeUpdates")? else { return Ok(None) };
    let holds = ddb_core::value::json::value_names_empty_attribute;
    if m.iter().any(|(attr, u)| attr.is_empty() || u.get("Value").is_some_and(holds)) {
        return Err(values.empty_name());
    }
    let mut out = BTreeMap::new();
    for (attr, u) in m {
        name(attr)?;
        let action = match u.get("Action") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(match s.as_str() {
                "PUT" => AttributeAction::Put,
                "DELETE" => AttributeAction::Delete,
                "ADD" => AttributeAction::Add,
                other => {
                    return Err(ApiError::Validation(format!(
                        "1 validation error detected: Value '{other}' at 'attributeUpdates.{attr}.member.action' failed to satisfy constraint: Member must satisfy enum value set: [ADD, PUT, DELETE]"
                    )))
                }
            }),
            Some(_) => return Err(ApiError::Serialization("Unexpected value type in payload".into())),
        };
        out.insert(
            attr.clone(),
            AttributeValueUpdate {
                value: value(u.get("Value"), values)?,
                action,
            },
        );
    }
    Ok(Some(out))
}

/// An attribute name given as a member's key or element (or through
/// ExpressionAttributeNames): at most 65535 bytes.
pub fn name(n: &str) -> Result<&str, ApiError> {
    if n.len() > ddb_core::value::json::MAX_ATTRIBUTE_NAME_BYTES {
        return Err(ApiError::Validation(ddb_core::value::json::NAME_TOO_LARGE.into()));
    }
    Ok(n)
}

/// True when a legacy condition's `Value` or `AttributeValueList` holds a
/// map with an empty key at any depth.
fn operands_name_empty_attribute(condition: &Value) -> bool {
    let holds = ddb_core::value::json::value_names_empty_attribute;
    condition.get("Value").is_some_and(holds)
        || condition.get("AttributeValueList").and_then(Value::as_array).is_some_and(|l| l.iter().any(holds))
}

/// `AttributesToGet`; an empty name in it is refused bare, as GetItem,
/// Query and Scan refuse it.
pub fn attributes_to_get(body: &Value) -> Result<Option<Vec<String>>, ApiError> {
    match body.get("AttributesToGet") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) if a.iter().any(|n| n.as_str() == Some("")) => {
            Err(ApiError::Validation(ddb_core::value::json::EMPTY_ATTRIBUTE_NAME.into()))
        }
        Some(Value::Array(a)) if a.is_empty() => Err(ApiError::Validation(
            "1 validation error detected: Value '[]' at 'attributesToGet' failed to satisfy constraint: Member must have length greater than or equal to 1".into(),
        )),
        Some(Value::Array(a)) => Ok(Some(
            a.iter()
                .map(|v| match v {
                    Value::String(s) => name(s).map(str::to_owned),
                    _ => Err(ApiError::Serialization("NUMBER_VALUE cannot be converted to String".into())),
                })
                .collect::<Result<_, _>>()?,
        )),
        Some(_) => Err(ApiError::Serialization("Unexpected value type in payload".into())),
    }
}

/// Which of `members` the request carries (non-null), in that order.
pub fn present<'a>(body: &Value, members: &[&'a str]) -> Vec<&'a str> {
    members
        .iter()
        .copied()
        .filter(|m| body.get(*m).is_some_and(|v| !v.is_null()))
        .collect()
}
