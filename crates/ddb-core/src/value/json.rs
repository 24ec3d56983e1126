//! DynamoDB JSON: the wire form of attribute values (`{"S":"x"}`,
//! `{"N":"1"}`, `{"B":"<base64>"}`, `{"BOOL":true}`, `{"NULL":true}`,
//! `{"M":{…}}`, `{"L":[…]}`, `{"SS":[…]}`, `{"NS":[…]}`, `{"BS":[…]}`), to
//! and from [`AttributeValue`] and [`Item`], on `serde_json::Value`.
//!
//! Reading runs in DynamoDB's two phases, and the phase decides the error
//! class:
//! 1. **Deserialization** (`json/shape.rs`) — the JSON types of the whole
//!    value must match the model, else `SerializationException` with the
//!    service's Coral/Jackson wording (`NUMBER_VALUE cannot be converted to
//!    String`, `Unexpected value type in payload`, base64 errors, …). A JSON
//!    `null` member counts as absent and a member the model doesn't know
//!    (`{"X":…}`) is ignored, as DynamoDB ignores unknown members.
//! 2. **Validation** (`json/build.rs`) — `ValidationException`: no or
//!    several type members, `NULL` other than `true`, empty sets, duplicate
//!    set members, malformed or out-of-range numbers, nesting deeper than 32.
//!
//! Wording follows DynamoDB's *current* validation layer (PutItem,
//! UpdateItem, DeleteItem, GetItem, BatchGetItem, Query — paritysuite
//! `valueLayers.test.ts`, captured 2026-10-09); e.g. duplicates render as
//! `Input collection ["a", "b", "b"] contains duplicates.` PutItem, UpdateItem
//! and DeleteItem wrap validation messages in `1 validation error detected: `;
//! applying that envelope (and `ExpressionAttributeValues contains invalid
//! value: … for key :v` wrappers) is the caller's job. Sources for the
//! deserialization wording: dynalite `test/helpers.js` `assertType`, run
//! against DynamoDB.
//!
//! Writing (`to_json`, or [`write_item`] straight to bytes) gives numbers in canonical form, binaries as padded
//! standard base64, and sets in stored order.
//!
//! With serde_json's default (sorted) maps, members are examined in key
//! order rather than wire order; this only matters for which of several
//! errors in one request is reported.

pub(crate) mod base64;
mod build;
pub(crate) mod shape;
mod write;

pub use build::{MAX_ATTRIBUTE_NAME_BYTES, NAME_TOO_LARGE};
pub use write::{write_escaped, write_item, write_str, write_value};

use serde_json::{Map, Value};

use super::{AttributeValue, Item};
use crate::ErrorCode;

/// Deepest nesting DynamoDB accepts: a top-level attribute is level 1, so a
/// scalar inside 31 maps is the deepest value allowed.
pub const MAX_NESTING_DEPTH: usize = 32;

/// A rejected attribute value, classed as DynamoDB classes it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// `com.amazon.coral.service#SerializationException`.
    #[error("{0}")]
    Serialization(String),
    /// `com.amazon.coral.validate#ValidationException`.
    #[error("{0}")]
    Validation(String),
}

impl ValueError {
    /// DynamoDB's message.
    pub fn message(&self) -> &str {
        match self {
            ValueError::Serialization(m) | ValueError::Validation(m) => m,
        }
    }

    /// The wire error this is.
    pub const fn code(&self) -> ErrorCode {
        match self {
            ValueError::Serialization(_) => ErrorCode::Serialization,
            ValueError::Validation(_) => ErrorCode::Validation,
        }
    }

    /// True for a message whose wording depends on the validation
    /// [`Layer`]: a bad number or a duplicate set member.
    pub fn is_layered(&self) -> bool {
        let m = self.message();
        m.starts_with("The parameter cannot be converted to a numeric value")
            || m.starts_with("Number overflow.")
            || m.starts_with("Number underflow.")
            || m.starts_with("Attempting to store more than 38 significant digits")
            || m.ends_with("contains duplicates.")
            || m.ends_with("contains duplicates")
    }

    /// True for the value problems a starting key read in the older layer
    /// (Scan's) reports as they are: a number, a duplicated set member, an
    /// empty number set. Its other problems (no type, several types, a
    /// NULL that is not true, an empty string or binary set) make "The
    /// provided starting key is invalid: …" (dynalite's query.js and
    /// scan.js, recorded when Query read that layer too; nubo-db's
    /// dynoxide 3.0.0 for Scan, captures of 2026-10-09).
    pub fn is_bare_in_a_start_key(&self) -> bool {
        self.is_layered() || matches!(self, ValueError::Validation(m) if m == build::EMPTY_NS)
    }

    /// True for an empty string or number set (`An string set  may not be
    /// empty`), which some operations report as a failed constraint.
    pub fn is_empty_set(&self) -> bool {
        matches!(self, ValueError::Validation(m) if m == build::EMPTY_SS || m == build::EMPTY_NS)
    }
}

impl From<super::NumberError> for ValueError {
    fn from(e: super::NumberError) -> ValueError {
        ValueError::Validation(e.to_string())
    }
}

/// Which of DynamoDB's two attribute-value validation layers reads a
/// request (paritysuite `valueLayers.test.ts`, captured in four regions on
/// 2026-10-09). The layer decides the wording of a bad number or a
/// duplicate set member:
/// - `Current` (PutItem, UpdateItem, DeleteItem, GetItem, BatchGetItem,
///   Query): an empty number is `…numeric value: ` (colon kept), every
///   exponent that fits 64 bits is range-checked, duplicates are listed in
///   byte order up to the repeat, quoted;
/// - `Older` (BatchWriteItem, TransactWriteItems, TransactGetItems, Scan,
///   PartiQL parameters): numbers are read as Java's `BigDecimal` reads
///   them (an exponent or scale beyond 32 bits is unconvertible, and the
///   magnitude is computed in 32 bits, so `1e2147483647` underflows; an
///   empty number has no colon), duplicates are listed as sent, unquoted,
///   and a number set's repeat is `Input collection contains duplicates`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layer {
    #[default]
    Current,
    Older,
}

/// Where in the request model an attribute value sits; only changes the
/// wording of a wrongly-typed JSON value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// A map value or list element (`Item.a`, `ExpressionAttributeValues.:v`,
    /// `Key.k`, `L[0]`, `M.x`): scalars give `Unexpected value type in payload`.
    Value,
    /// A structure member (`Expected.a.Value`, `AttributeUpdates.a.Value`):
    /// scalars give `Unexpected field type`.
    Field,
}

/// Reads one attribute value in a map-value or list-element position.
pub fn attribute_value_from_json(value: &Value) -> Result<AttributeValue, ValueError> {
    attribute_value_from_json_in(value, Slot::Value)
}

/// Reads one attribute value found in `slot`.
pub fn attribute_value_from_json_in(
    value: &Value,
    slot: Slot,
) -> Result<AttributeValue, ValueError> {
    attribute_value_from_json_layer(value, slot, Layer::Current)
}

/// Reads one attribute value found in `slot`, in `layer`'s wording.
pub fn attribute_value_from_json_layer(
    value: &Value,
    slot: Slot,
    layer: Layer,
) -> Result<AttributeValue, ValueError> {
    shape::check_attribute_value(value, slot, 1)?;
    build::attribute_value(value, 1, layer)
}

/// Reads a `Map<String, AttributeValue>` (an `Item`, a `Key`,
/// `ExpressionAttributeValues`, …). Each value is a top-level attribute for
/// nesting purposes.
pub fn item_from_json(value: &Value) -> Result<Item, ValueError> {
    item_from_json_layer(value, Layer::Current)
}

/// As [`item_from_json`], in `layer`'s wording.
pub fn item_from_json_layer(value: &Value, layer: Layer) -> Result<Item, ValueError> {
    shape::check_attribute_map(value, 1)?;
    build::attribute_map(value, 1, layer)
}

/// The wire form of a value.
pub fn attribute_value_to_json(value: &AttributeValue) -> Value {
    let (tag, inner) = match value {
        AttributeValue::S(s) => ("S", Value::String(s.clone())),
        AttributeValue::N(n) => ("N", Value::String(n.to_string())),
        AttributeValue::B(b) => ("B", Value::String(base64::encode(b))),
        AttributeValue::Bool(b) => ("BOOL", Value::Bool(*b)),
        AttributeValue::Null => ("NULL", Value::Bool(true)),
        AttributeValue::M(m) => ("M", item_to_json(m)),
        AttributeValue::L(l) => (
            "L",
            Value::Array(l.iter().map(attribute_value_to_json).collect()),
        ),
        AttributeValue::Ss(ss) => (
            "SS",
            Value::Array(ss.iter().map(|s| Value::String(s.clone())).collect()),
        ),
        AttributeValue::Ns(ns) => (
            "NS",
            Value::Array(ns.iter().map(|n| Value::String(n.to_string())).collect()),
        ),
        AttributeValue::Bs(bs) => (
            "BS",
            Value::Array(
                bs.iter()
                    .map(|b| Value::String(base64::encode(b)))
                    .collect(),
            ),
        ),
    };
    let mut object = Map::with_capacity(1);
    object.insert(tag.to_owned(), inner);
    Value::Object(object)
}

/// The wire form of an item (or any attribute map).
pub fn item_to_json(item: &Item) -> Value {
    Value::Object(
        item.iter()
            .map(|(name, value)| (name.clone(), attribute_value_to_json(value)))
            .collect(),
    )
}

impl AttributeValue {
    /// Reads DynamoDB JSON; see [`attribute_value_from_json`].
    pub fn from_json(value: &Value) -> Result<AttributeValue, ValueError> {
        attribute_value_from_json(value)
    }

    /// Writes DynamoDB JSON; see [`attribute_value_to_json`].
    pub fn to_json(&self) -> Value {
        attribute_value_to_json(self)
    }
}

/// DynamoDB's message for an attribute name that is the empty string.
pub const EMPTY_ATTRIBUTE_NAME: &str = "Empty attribute name";

/// True when an item or key in DynamoDB JSON names the empty attribute: a
/// top-level name, or a key of a map value at any depth (inside maps and
/// lists). DynamoDB refuses such a request before it checks the values or
/// looks the table up (nubo-db's captures, ten regions, 2026-10-09). Reads
/// the JSON as it came: a malformed value is left to the value checks.
pub fn names_empty_attribute(item: &Map<String, Value>) -> bool {
    item.contains_key("") || holds_empty_name(item.values())
}

/// True when one attribute value in DynamoDB JSON (an expression attribute
/// value, say) holds a map with an empty key at any depth.
pub fn value_names_empty_attribute(value: &Value) -> bool {
    holds_empty_name(std::iter::once(value))
}

/// Walks `roots` and what they hold for a map with an empty key, with an
/// explicit stack (request bodies may nest far deeper than a value may)
/// that only nested maps and lists ever allocate.
fn holds_empty_name<'v>(roots: impl Iterator<Item = &'v Value>) -> bool {
    let mut pending: Vec<&Value> = Vec::new();
    for root in roots {
        pending.push(root);
        while let Some(value) = pending.pop() {
            let Some(object) = value.as_object() else { continue };
            if let Some(map) = object.get("M").and_then(Value::as_object) {
                if map.contains_key("") {
                    return true;
                }
                pending.extend(map.values());
            } else if let Some(list) = object.get("L").and_then(Value::as_array) {
                pending.extend(list);
            }
        }
    }
    false
}

#[cfg(test)]
mod tests;
