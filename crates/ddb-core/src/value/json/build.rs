//! Phase 2 of reading DynamoDB JSON: build the [`AttributeValue`] and apply
//! DynamoDB's value rules, as `ValidationException`.
//!
//! Per value, every type member present is checked in turn (so
//! `{"S":"a","N":"b"}` reports the bad number), and only then is the count of
//! type members checked (dynalite `validateAttributeValue`, whose order was
//! taken from the service). Messages are the current layer's (paritysuite
//! `valueLayers.test.ts`, `nestingDepth.test.ts`, `putItem.test.ts`;
//! dynalite `test/*.js`), including DynamoDB's odd spacing in
//! `An string set  may not be empty` and the missing space in
//! `…]of type BS contains duplicates.`.
//!
//! Empty strings and binaries are allowed (also as set members); key
//! attributes forbid them, which is the caller's check. Sets come out in
//! DynamoDB's order: strings and binaries bytewise, numbers by value.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::shape::lenient_bool;
use super::{base64, Layer, ValueError, MAX_NESTING_DEPTH};
use crate::value::{AttributeValue, Number};

pub(crate) const EMPTY_VALUE: &str =
    "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes";
pub(crate) const SEVERAL_TYPES: &str = "Supplied AttributeValue has more than one datatypes set, \
     must contain exactly one of the supported datatypes";
pub(crate) const NULL_NOT_TRUE: &str = "One or more parameter values were invalid: \
     Null attribute value types must have the value of true";
pub(crate) const EMPTY_SS: &str =
    "One or more parameter values were invalid: An string set  may not be empty";
pub(crate) const EMPTY_NS: &str =
    "One or more parameter values were invalid: An number set  may not be empty";
pub(crate) const EMPTY_BS: &str =
    "One or more parameter values were invalid: Binary sets should not be empty";
pub(crate) const DUPLICATE_NS: &str =
    "One or more parameter values were invalid: Input collection contains duplicates.";
/// The older layer's word for a number set with a repeat.
const DUPLICATE_NS_OLDER: &str = "Input collection contains duplicates";
pub(crate) const NESTING_TOO_DEEP: &str = "Nesting Levels have exceeded supported limits: \
     Attributes in the item have nested levels beyond supported limit";
/// The longest attribute name, in bytes, at any depth.
pub const MAX_ATTRIBUTE_NAME_BYTES: usize = 65_535;
/// An attribute name longer than [`MAX_ATTRIBUTE_NAME_BYTES`].
pub const NAME_TOO_LARGE: &str =
    "1 validation error detected: Attribute name is too large, must be less than 65536 bytes";
/// Not re-captured from the service: a JSON `null` inside a set.
const NULL_IN_SS: &str =
    "One or more parameter values were invalid: An string set may not have a null string as a member";
const NULL_IN_NS: &str = "The parameter cannot be converted to a numeric value";
const NULL_IN_BS: &str =
    "One or more parameter values were invalid: Binary sets may not contain null or empty values";

fn validation(message: &str) -> ValueError {
    ValueError::Validation(message.to_owned())
}

/// Only reachable if phase 1 was skipped; keeps this phase panic-free.
fn wrong_shape() -> ValueError {
    ValueError::Serialization("Unexpected field type".to_owned())
}

/// A `Map<String, AttributeValue>` whose values sit at `depth`.
pub(super) fn attribute_map(
    value: &Value,
    depth: usize,
    layer: Layer,
) -> Result<BTreeMap<String, AttributeValue>, ValueError> {
    match value {
        Value::Object(map) => map
            .iter()
            .map(|(name, v)| {
                if name.len() > MAX_ATTRIBUTE_NAME_BYTES {
                    return Err(validation(NAME_TOO_LARGE));
                }
                Ok((name.clone(), attribute_value(v, depth, layer)?))
            })
            .collect(),
        Value::Null => Ok(BTreeMap::new()),
        _ => Err(wrong_shape()),
    }
}

/// One attribute value at nesting `depth` (a top-level attribute is 1).
pub(super) fn attribute_value(value: &Value, depth: usize, layer: Layer) -> Result<AttributeValue, ValueError> {
    if depth > MAX_NESTING_DEPTH {
        return Err(validation(NESTING_TOO_DEEP));
    }
    let members = match value {
        Value::Object(members) => members,
        Value::Null => return Err(validation(EMPTY_VALUE)),
        _ => return Err(wrong_shape()),
    };
    let mut first = None;
    let mut count = 0usize;
    for (name, member) in members {
        if member.is_null() {
            continue;
        }
        let built = match name.as_str() {
            "S" => AttributeValue::S(string(member)?.to_owned()),
            "N" => AttributeValue::N(Number::parse_in(string(member)?, layer)?),
            "B" => AttributeValue::B(blob(member)?),
            "BOOL" => AttributeValue::Bool(
                member.as_bool().or_else(|| lenient_bool(member)).ok_or_else(wrong_shape)?,
            ),
            "NULL" => match member.as_bool().or_else(|| lenient_bool(member)) {
                Some(true) => AttributeValue::Null,
                Some(false) => return Err(validation(NULL_NOT_TRUE)),
                None => return Err(wrong_shape()),
            },
            "SS" => AttributeValue::Ss(string_set(member, layer)?),
            "NS" => AttributeValue::Ns(number_set(member, layer)?),
            "BS" => AttributeValue::Bs(binary_set(member, layer)?),
            "L" => AttributeValue::L(
                array(member)?
                    .iter()
                    .map(|e| attribute_value(e, depth + 1, layer))
                    .collect::<Result<_, _>>()?,
            ),
            "M" => AttributeValue::M(attribute_map(member, depth + 1, layer)?),
            _ => continue,
        };
        count += 1;
        if first.is_none() {
            first = Some(built);
        }
    }
    if count > 1 {
        return Err(validation(SEVERAL_TYPES));
    }
    first.ok_or_else(|| validation(EMPTY_VALUE))
}

fn string(value: &Value) -> Result<&str, ValueError> {
    value.as_str().ok_or_else(wrong_shape)
}

fn array(value: &Value) -> Result<&Vec<Value>, ValueError> {
    value.as_array().ok_or_else(wrong_shape)
}

fn blob(value: &Value) -> Result<Vec<u8>, ValueError> {
    base64::decode(string(value)?).map_err(ValueError::Serialization)
}

fn string_set(value: &Value, layer: Layer) -> Result<Vec<String>, ValueError> {
    let members = array(value)?;
    if members.is_empty() {
        return Err(validation(EMPTY_SS));
    }
    let strings = members
        .iter()
        .map(|m| match m {
            Value::Null => Err(validation(NULL_IN_SS)),
            other => string(other).map(str::to_owned),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let listing = match layer {
        Layer::Current => duplicate_listing(&strings, |s| format!("\"{s}\""), ", "),
        Layer::Older => has_repeat(&strings).then(|| format!("[{}]", strings.join(", "))),
    };
    if let Some(listing) = listing {
        return Err(ValueError::Validation(format!(
            "One or more parameter values were invalid: Input collection {listing} contains duplicates."
        )));
    }
    // DynamoDB keeps a set in its own order: strings and binaries
    // bytewise, numbers by value (paritysuite updateItem/basic, AWS 2026).
    let mut strings = strings;
    strings.sort_unstable();
    Ok(strings)
}

fn number_set(value: &Value, layer: Layer) -> Result<Vec<Number>, ValueError> {
    let members = array(value)?;
    if members.is_empty() {
        return Err(validation(EMPTY_NS));
    }
    let numbers = members
        .iter()
        .map(|m| match m {
            Value::Null => Err(validation(NULL_IN_NS)),
            other => Ok(Number::parse_in(string(other)?, layer)?),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut seen = BTreeSet::new();
    if !numbers.iter().all(|n| seen.insert(*n)) {
        return Err(validation(match layer {
            Layer::Current => DUPLICATE_NS,
            Layer::Older => DUPLICATE_NS_OLDER,
        }));
    }
    let mut numbers = numbers;
    numbers.sort_unstable();
    Ok(numbers)
}

fn binary_set(value: &Value, layer: Layer) -> Result<Vec<Vec<u8>>, ValueError> {
    let members = array(value)?;
    if members.is_empty() {
        return Err(validation(EMPTY_BS));
    }
    let binaries = members
        .iter()
        .map(|m| match m {
            Value::Null => Err(validation(NULL_IN_BS)),
            other => blob(other),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let listing = match layer {
        Layer::Current => duplicate_listing(&binaries, |b| format!("\"{}\"", base64::encode(b)), ","),
        Layer::Older => has_repeat(&binaries).then(|| {
            let sent: Vec<String> = binaries.iter().map(|b| base64::encode(b)).collect();
            format!("[{}]", sent.join(", "))
        }),
    };
    if let Some(listing) = listing {
        return Err(ValueError::Validation(format!(
            "One or more parameter values were invalid: Input collection {listing}of type BS contains duplicates."
        )));
    }
    let mut binaries = binaries;
    binaries.sort_unstable();
    Ok(binaries)
}

/// True when some member of `members` repeats an earlier one.
fn has_repeat<T: Ord>(members: &[T]) -> bool {
    let mut seen: BTreeSet<&T> = BTreeSet::new();
    !members.iter().all(|m| seen.insert(m))
}

/// DynamoDB's rendering of a collection with a repeat: the members seen so
/// far in byte order, then the repeat, then the rest as sent
/// (`b, a, b` → `["a", "b", "b"]`). `None` when there is no repeat.
fn duplicate_listing<T: Ord>(
    members: &[T],
    render: impl Fn(&T) -> String,
    separator: &str,
) -> Option<String> {
    let mut seen: BTreeSet<&T> = BTreeSet::new();
    for (i, member) in members.iter().enumerate() {
        if !seen.insert(member) {
            let listed: Vec<String> = seen
                .iter()
                .map(|m| render(m))
                .chain(std::iter::once(render(member)))
                .chain(members.iter().skip(i + 1).map(&render))
                .collect();
            return Some(format!("[{}]", listed.join(separator)));
        }
    }
    None
}
