//! Value helpers the expression phases share: DynamoDB equality (sets are
//! unordered), ordering of scalars, message rendering and type names.
//!
//! Ordering exists only between two values of the same scalar type: `S` by
//! UTF-8 bytes, `N` numerically, `B` as unsigned bytes. Everything else is
//! unordered, which makes comparisons false rather than errors.

use std::cmp::Ordering;

use crate::value::AttributeValue;

/// DynamoDB equality: same type and same value; sets compare as sets, and
/// lists and maps compare element-wise with the same rules.
pub fn values_equal(a: &AttributeValue, b: &AttributeValue) -> bool {
    use AttributeValue::*;
    match (a, b) {
        (Ss(x), Ss(y)) => same_set(x, y),
        (Ns(x), Ns(y)) => same_set(x, y),
        (Bs(x), Bs(y)) => same_set(x, y),
        (L(x), L(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| values_equal(p, q)),
        (M(x), M(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| values_equal(v, w)))
        }
        _ => a == b,
    }
}

fn same_set<T: PartialEq>(x: &[T], y: &[T]) -> bool {
    // Set members are distinct, so equal length plus inclusion is equality.
    x.len() == y.len() && x.iter().all(|e| y.contains(e))
}

/// The order of two scalars of the same type (`S`, `N`, `B`), else `None`.
pub fn compare_scalars(a: &AttributeValue, b: &AttributeValue) -> Option<Ordering> {
    use AttributeValue::*;
    match (a, b) {
        (S(x), S(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        (N(x), N(y)) => Some(x.cmp(y)),
        (B(x), B(y)) => Some(x.as_slice().cmp(y.as_slice())),
        _ => None,
    }
}

/// True for the types that order comparisons accept.
pub fn is_scalar(v: &AttributeValue) -> bool {
    matches!(v, AttributeValue::S(_) | AttributeValue::N(_) | AttributeValue::B(_))
}

/// Renders a scalar as DynamoDB does inside messages: `{N:1}`, `{S:a}`.
pub fn render(v: &AttributeValue) -> String {
    match v {
        AttributeValue::S(s) => format!("{{S:{s}}}"),
        AttributeValue::N(n) => format!("{{N:{n}}}"),
        AttributeValue::B(b) => format!("{{B:{}}}", hex_bytes(b)),
        other => format!("{{{}}}", other.type_tag()),
    }
}

fn hex_bytes(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The type name used by `ADD`/`DELETE` operand errors (`STRING`, `NUMBER`...).
pub fn update_type_name(v: &AttributeValue) -> &'static str {
    match v {
        AttributeValue::S(_) => "STRING",
        AttributeValue::N(_) => "NUMBER",
        AttributeValue::B(_) => "BINARY",
        AttributeValue::Bool(_) => "BOOLEAN",
        AttributeValue::Null => "NULL",
        AttributeValue::M(_) => "MAP",
        AttributeValue::L(_) => "LIST",
        AttributeValue::Ss(_) => "STRING_SET",
        AttributeValue::Ns(_) => "NUMBER_SET",
        AttributeValue::Bs(_) => "BINARY_SET",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Number;
    use std::collections::BTreeMap;

    fn n(s: &str) -> AttributeValue {
        AttributeValue::N(s.parse::<Number>().unwrap())
    }

    #[test]
    fn sets_are_unordered() {
        let a = AttributeValue::Ss(vec!["x".into(), "y".into()]);
        let b = AttributeValue::Ss(vec!["y".into(), "x".into()]);
        assert!(values_equal(&a, &b));
        let c = AttributeValue::Ss(vec!["y".into()]);
        assert!(!values_equal(&a, &c));
        let m1 = AttributeValue::M(BTreeMap::from([("k".to_string(), a.clone())]));
        let m2 = AttributeValue::M(BTreeMap::from([("k".to_string(), b)]));
        assert!(values_equal(&m1, &m2));
        assert!(!values_equal(&a, &AttributeValue::L(vec![])));
    }

    #[test]
    fn numbers_compare_numerically() {
        assert_eq!(compare_scalars(&n("10"), &n("9")), Some(Ordering::Greater));
        assert_eq!(compare_scalars(&n("1.0"), &n("1")), Some(Ordering::Equal));
        assert!(values_equal(&n("1.50"), &n("1.5")));
        assert_eq!(compare_scalars(&n("1"), &AttributeValue::S("1".into())), None);
    }

    #[test]
    fn binary_is_unsigned_and_strings_by_bytes() {
        let lo = AttributeValue::B(vec![127]);
        let hi = AttributeValue::B(vec![128]);
        assert_eq!(compare_scalars(&lo, &hi), Some(Ordering::Less));
        let a = AttributeValue::S("Z".into());
        let b = AttributeValue::S("a".into());
        assert_eq!(compare_scalars(&a, &b), Some(Ordering::Less));
    }

    #[test]
    fn renders_like_dynamodb() {
        assert_eq!(render(&n("1")), "{N:1}");
        assert_eq!(render(&AttributeValue::S("a".into())), "{S:a}");
        assert_eq!(update_type_name(&AttributeValue::S("a".into())), "STRING");
    }
}
