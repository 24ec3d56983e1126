//! Phase 3 for conditions: evaluate a resolved condition against an item.
//!
//! DynamoDB semantics: a missing attribute makes `=`, `<`, `<=`, `>`, `>=`,
//! `BETWEEN`, `IN` and the functions false and `<>` true; values of
//! different types are never equal and never ordered; ordering exists only
//! for `S` (UTF-8 bytes), `N` (numeric) and `B` (unsigned bytes). Every
//! type error DynamoDB reports as a ValidationException concerns constants
//! and was already rejected by the resolver, so evaluation cannot fail.
//! Evaluation of a missing item uses an empty item.

use std::borrow::Cow;
use std::cmp::Ordering;

use super::ast::{CompareOp, Condition, DocPath, Func, FunctionCall, Operand, PathElem, Resolved};
use super::values::{compare_scalars, values_equal};
use crate::value::{AttributeValue, Item, Number};

/// The value at `path` in `item`, if every step exists.
pub fn get_path<'a, N: AsRef<str>>(item: &'a Item, path: &DocPath<N>) -> Option<&'a AttributeValue> {
    let mut current = item.get(path.head.as_ref())?;
    for elem in &path.rest {
        current = match (elem, current) {
            (PathElem::Name(n), AttributeValue::M(m)) => m.get(n.as_ref())?,
            (PathElem::Index(i), AttributeValue::L(l)) => l.get(usize::try_from(*i).ok()?)?,
            _ => return None,
        };
    }
    Some(current)
}

/// The value of `size()` for a value: UTF-16 code units of a string (as
/// DynamoDB counts them: `size("abÿ")` is 3 in dynalite's records and
/// `size("é𝄞")` is 3 against DynamoDB in ExtendDB's issue #60), bytes of
/// a binary, members of a set, elements of a list or map.
pub fn size_of(v: &AttributeValue) -> Option<usize> {
    Some(match v {
        AttributeValue::S(s) => s.encode_utf16().count(),
        AttributeValue::B(b) => b.len(),
        AttributeValue::Ss(s) => s.len(),
        AttributeValue::Ns(s) => s.len(),
        AttributeValue::Bs(s) => s.len(),
        AttributeValue::L(l) => l.len(),
        AttributeValue::M(m) => m.len(),
        AttributeValue::N(_) | AttributeValue::Bool(_) | AttributeValue::Null => return None,
    })
}

/// The value of an operand, or `None` when it refers to nothing.
pub fn operand_value<'a>(item: &'a Item, op: &'a Operand<Resolved<'_>>) -> Option<Cow<'a, AttributeValue>> {
    match op {
        Operand::Path(p) => get_path(item, p).map(Cow::Borrowed),
        Operand::Value(v) => Some(Cow::Borrowed(&**v)),
        Operand::Call(call) if call.func == Func::Size => {
            let inner = operand_value(item, call.args.first()?)?;
            let n = size_of(&inner)?;
            Some(Cow::Owned(AttributeValue::N(Number::from(n))))
        }
        Operand::Call(_) => None,
    }
}

fn compare(op: CompareOp, a: Option<&AttributeValue>, b: Option<&AttributeValue>) -> bool {
    let (Some(a), Some(b)) = (a, b) else {
        return op == CompareOp::Ne;
    };
    match op {
        CompareOp::Eq => values_equal(a, b),
        CompareOp::Ne => !values_equal(a, b),
        _ => match compare_scalars(a, b) {
            Some(ord) => match op {
                CompareOp::Lt => ord == Ordering::Less,
                CompareOp::Le => ord != Ordering::Greater,
                CompareOp::Gt => ord == Ordering::Greater,
                _ => ord != Ordering::Less,
            },
            None => false,
        },
    }
}

fn contains(haystack: &AttributeValue, needle: &AttributeValue) -> bool {
    use AttributeValue::*;
    match (haystack, needle) {
        (S(h), S(n)) => h.contains(n.as_str()),
        (B(h), B(n)) => n.is_empty() || h.windows(n.len()).any(|w| w == n.as_slice()),
        (Ss(h), S(n)) => h.contains(n),
        (Ns(h), N(n)) => h.contains(n),
        (Bs(h), B(n)) => h.contains(n),
        (L(h), n) => h.iter().any(|e| values_equal(e, n)),
        _ => false,
    }
}

fn call(item: &Item, call: &FunctionCall<Resolved<'_>>) -> bool {
    let arg = |i: usize| call.args.get(i).and_then(|a| operand_value(item, a));
    match call.func {
        Func::AttributeExists => arg(0).is_some(),
        Func::AttributeNotExists => arg(0).is_none(),
        Func::AttributeType => match (arg(0), arg(1)) {
            (Some(v), Some(t)) => matches!(&*t, AttributeValue::S(t) if t == v.type_tag()),
            _ => false,
        },
        Func::BeginsWith => match (arg(0), arg(1)) {
            (Some(a), Some(b)) => match (&*a, &*b) {
                (AttributeValue::S(a), AttributeValue::S(b)) => a.starts_with(b.as_str()),
                (AttributeValue::B(a), AttributeValue::B(b)) => a.starts_with(b),
                _ => false,
            },
            _ => false,
        },
        Func::Contains => match (arg(0), arg(1)) {
            (Some(a), Some(b)) => contains(&a, &b),
            _ => false,
        },
        Func::Size | Func::IfNotExists | Func::ListAppend => false,
    }
}

/// Evaluates a resolved condition against an item (use an empty item when
/// the item does not exist).
pub fn evaluate(cond: &Condition<Resolved<'_>>, item: &Item) -> bool {
    match cond {
        Condition::Compare { op, left, right } => {
            let a = operand_value(item, left);
            let b = operand_value(item, right);
            compare(*op, a.as_deref(), b.as_deref())
        }
        Condition::Between { value, low, high } => {
            let (Some(v), Some(lo), Some(hi)) = (
                operand_value(item, value),
                operand_value(item, low),
                operand_value(item, high),
            ) else {
                return false;
            };
            matches!(compare_scalars(&v, &lo), Some(Ordering::Greater | Ordering::Equal))
                && matches!(compare_scalars(&v, &hi), Some(Ordering::Less | Ordering::Equal))
        }
        Condition::In { value, list } => match operand_value(item, value) {
            Some(v) => list
                .iter()
                .filter_map(|o| operand_value(item, o))
                .any(|c| values_equal(&v, &c)),
            None => false,
        },
        Condition::Call(c) => call(item, c),
        Condition::Not(c) => !evaluate(c, item),
        Condition::And(cs) => cs.iter().all(|c| evaluate(c, item)),
        Condition::Or(cs) => cs.iter().any(|c| evaluate(c, item)),
    }
}
