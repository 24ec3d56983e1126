//! DynamoDB attribute values and items.
//!
//! [`AttributeValue`] is the in-memory form of every DynamoDB type; items
//! are maps from attribute name to value. Submodules: `number` (exact
//! 38-digit decimals), `json` (DynamoDB JSON with DynamoDB's exact
//! rejections), `binary` (the versioned storage encoding). Item size by
//! DynamoDB's rules is in [`crate::size`], key encoding in [`crate::key`].
//!
//! Invariants the decoders establish and the rest of the crate relies on:
//! sets are non-empty and duplicate-free (kept in the order they were
//! given), numbers are within DynamoDB's range.

pub mod binary;
pub mod json;
pub mod number;
pub mod set_order;
#[cfg(test)]
pub(crate) mod strategies;

use std::collections::BTreeMap;

pub use json::ValueError;
pub use number::{Number, NumberError};

/// An item: attribute name → value.
pub type Item = BTreeMap<String, AttributeValue>;

/// One DynamoDB attribute value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttributeValue {
    /// `S`: a UTF-8 string.
    S(String),
    /// `N`: an exact decimal number.
    N(Number),
    /// `B`: bytes (base64 on the wire).
    B(Vec<u8>),
    /// `BOOL`
    Bool(bool),
    /// `NULL` (always `true` on the wire).
    Null,
    /// `M`: a map.
    M(BTreeMap<String, AttributeValue>),
    /// `L`: a list.
    L(Vec<AttributeValue>),
    /// `SS`: a non-empty set of distinct strings.
    Ss(Vec<String>),
    /// `NS`: a non-empty set of distinct numbers.
    Ns(Vec<Number>),
    /// `BS`: a non-empty set of distinct binaries.
    Bs(Vec<Vec<u8>>),
}

impl AttributeValue {
    /// The wire type tag: `S`, `N`, `B`, `BOOL`, `NULL`, `M`, `L`, `SS`, `NS`, `BS`.
    pub const fn type_tag(&self) -> &'static str {
        match self {
            AttributeValue::S(_) => "S",
            AttributeValue::N(_) => "N",
            AttributeValue::B(_) => "B",
            AttributeValue::Bool(_) => "BOOL",
            AttributeValue::Null => "NULL",
            AttributeValue::M(_) => "M",
            AttributeValue::L(_) => "L",
            AttributeValue::Ss(_) => "SS",
            AttributeValue::Ns(_) => "NS",
            AttributeValue::Bs(_) => "BS",
        }
    }
}
