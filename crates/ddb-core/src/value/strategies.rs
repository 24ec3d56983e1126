//! Proptest strategies for attribute values and items, shared by the
//! value modules' property tests (test builds only).

use proptest::prelude::*;

use super::{AttributeValue, Item, Number};

/// Numbers across DynamoDB's whole range (38 digits, every exponent),
/// negative ones and zero included.
pub(crate) fn number() -> impl Strategy<Value = Number> {
    (any::<bool>(), any::<u128>(), -167i16..=125).prop_filter_map("valid", |(neg, c, e)| {
        let mut c = c % 10u128.pow(38);
        let mut e = e;
        while c != 0 && c.is_multiple_of(10) {
            c /= 10;
            e = e.saturating_add(1);
        }
        Number::from_parts(neg && c != 0, c, if c == 0 { 0 } else { e })
    })
}

/// Any value, nested up to five levels; strings of any characters
/// (control characters, quotes and non-ASCII included).
pub(crate) fn value() -> impl Strategy<Value = AttributeValue> {
    let leaf = prop_oneof![
        any::<String>().prop_map(AttributeValue::S),
        number().prop_map(AttributeValue::N),
        proptest::collection::vec(any::<u8>(), 0..8).prop_map(AttributeValue::B),
        any::<bool>().prop_map(AttributeValue::Bool),
        Just(AttributeValue::Null),
        // Sets keep their members in stored order, which need not be sorted.
        proptest::collection::btree_set(".{0,4}", 1..4).prop_map(|s| AttributeValue::Ss(s.into_iter().collect())),
        proptest::collection::btree_set(number(), 1..4).prop_map(|s| AttributeValue::Ns(s.into_iter().collect())),
        proptest::collection::btree_set(proptest::collection::vec(any::<u8>(), 0..4), 1..4)
            .prop_map(|s| AttributeValue::Bs(s.into_iter().collect())),
    ];
    leaf.prop_recursive(5, 48, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(AttributeValue::L),
            proptest::collection::btree_map(".{0,3}", inner, 0..4).prop_map(AttributeValue::M),
        ]
    })
}

/// An item of up to six attributes with names of any characters.
pub(crate) fn item() -> impl Strategy<Value = Item> {
    proptest::collection::btree_map(any::<String>(), value(), 0..6)
}
