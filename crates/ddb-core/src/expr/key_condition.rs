//! KeyConditionExpression: from a resolved condition to a partition value
//! and an optional sort-key condition.
//!
//! DynamoDB parses a key condition with the condition grammar, then
//! restricts it in two steps, and so does this module:
//! 1. **Shape** (no table needed): only `AND` of simple conditions; each
//!    names exactly one top-level attribute compared with constants through
//!    `=`, `<`, `<=`, `>`, `>=`, `BETWEEN` or `begins_with`; at most one
//!    condition per attribute; one or two conditions in all.
//! 2. **Schema**: the partition key with `=`, optionally the sort key, and
//!    constants of the key's type.
//!
//! A condition written backwards (`:v < sk`) is turned around (`sk > :v`).

use std::cmp::Ordering;

use super::ast::{CompareOp, Condition, Func, Operand, Resolved};
use super::values::compare_scalars;
use super::ExprError;
use crate::value::AttributeValue;

/// The type of a key attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    /// String
    S,
    /// Number
    N,
    /// Binary
    B,
}

impl KeyType {
    const fn tag(self) -> &'static str {
        match self {
            KeyType::S => "S",
            KeyType::N => "N",
            KeyType::B => "B",
        }
    }
}

/// The key of the table or index being queried.
#[derive(Debug, Clone, Copy)]
pub struct KeySchema<'a> {
    /// Partition key name and type.
    pub partition: (&'a str, KeyType),
    /// Sort key name and type, if any.
    pub sort: Option<(&'a str, KeyType)>,
}

/// A condition on the sort key.
#[derive(Debug, Clone, PartialEq)]
pub enum SortCondition {
    /// `sk <op> :v` with `op` one of `=`, `<`, `<=`, `>`, `>=`.
    Compare(CompareOp, AttributeValue),
    /// `sk BETWEEN :lo AND :hi`
    Between(AttributeValue, AttributeValue),
    /// `begins_with(sk, :prefix)`
    BeginsWith(AttributeValue),
}

impl SortCondition {
    /// True when a sort-key value satisfies the condition.
    pub fn matches(&self, v: &AttributeValue) -> bool {
        match self {
            SortCondition::Compare(op, c) => match compare_scalars(v, c) {
                Some(ord) => match op {
                    CompareOp::Eq => ord == Ordering::Equal,
                    CompareOp::Lt => ord == Ordering::Less,
                    CompareOp::Le => ord != Ordering::Greater,
                    CompareOp::Gt => ord == Ordering::Greater,
                    CompareOp::Ge => ord != Ordering::Less,
                    CompareOp::Ne => ord != Ordering::Equal,
                },
                None => false,
            },
            SortCondition::Between(lo, hi) => {
                matches!(compare_scalars(v, lo), Some(Ordering::Greater | Ordering::Equal))
                    && matches!(compare_scalars(v, hi), Some(Ordering::Less | Ordering::Equal))
            }
            SortCondition::BeginsWith(p) => match (v, p) {
                (AttributeValue::S(s), AttributeValue::S(p)) => s.starts_with(p.as_str()),
                (AttributeValue::B(b), AttributeValue::B(p)) => b.starts_with(p),
                _ => false,
            },
        }
    }

    /// The values the condition compares the sort key with.
    pub fn operands(&self) -> impl Iterator<Item = &AttributeValue> {
        let (first, second) = match self {
            SortCondition::Compare(_, v) | SortCondition::BeginsWith(v) => (v, None),
            SortCondition::Between(lo, hi) => (lo, Some(hi)),
        };
        std::iter::once(first).chain(second)
    }
}

/// A validated key condition.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyCondition {
    /// The partition key value (`pk = :v`).
    pub partition: AttributeValue,
    /// The sort key condition, if any.
    pub sort: Option<SortCondition>,
}

/// One simple condition: attribute, operator and constants.
struct Simple<'c> {
    attr: &'c str,
    cond: SortCondition,
}

fn err(msg: impl Into<String>) -> ExprError {
    ExprError::plain(msg)
}

fn invalid_operator(op: &str) -> ExprError {
    err(format!("Invalid operator used in KeyConditionExpression: {op}"))
}

fn first_operand_error(op: &str) -> ExprError {
    err(format!(
        "Invalid condition in KeyConditionExpression: {op} operator must have the key attribute as its first operand"
    ))
}

/// Finds the one attribute among `operands`; the rest must be constants.
fn split<'c>(operands: &[&'c Operand<Resolved<'_>>]) -> Result<(&'c str, usize, Vec<AttributeValue>), ExprError> {
    let mut attr: Option<(&str, usize)> = None;
    let mut values = Vec::new();
    for (i, op) in operands.iter().enumerate() {
        match op {
            Operand::Path(p) => {
                if attr.is_some() {
                    return Err(err(
                        "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition",
                    ));
                }
                if !p.rest.is_empty() {
                    return Err(err("KeyConditionExpressions cannot have conditions on nested attributes"));
                }
                attr = Some((p.head.as_ref(), i));
            }
            Operand::Call(_) => return Err(err("KeyConditionExpressions cannot contain nested operations")),
            Operand::Value(v) => values.push(v.clone().into_owned()),
        }
    }
    match attr {
        Some((a, i)) => Ok((a, i, values)),
        None => Err(err("Invalid condition in KeyConditionExpression: No key attribute specified")),
    }
}

fn collect<'c>(cond: &'c Condition<Resolved<'_>>, out: &mut Vec<Simple<'c>>) -> Result<(), ExprError> {
    let simple = match cond {
        Condition::And(cs) => return cs.iter().try_for_each(|c| collect(c, out)),
        Condition::Or(_) => return Err(invalid_operator("OR")),
        Condition::Not(_) => return Err(invalid_operator("NOT")),
        Condition::In { .. } => return Err(invalid_operator("IN")),
        Condition::Compare { op: CompareOp::Ne, .. } => return Err(invalid_operator("<>")),
        Condition::Compare { op, left, right } => {
            let (attr, at, mut values) = split(&[left, right])?;
            let op = if at == 0 { *op } else { op.flipped() };
            let v = values.pop().ok_or_else(|| err("Query key condition not supported"))?;
            Simple { attr, cond: SortCondition::Compare(op, v) }
        }
        Condition::Between { value, low, high } => {
            if !matches!(value, Operand::Path(_)) {
                return Err(first_operand_error("BETWEEN"));
            }
            let (attr, _, values) = split(&[value, low, high])?;
            let [lo, hi]: [AttributeValue; 2] = values
                .try_into()
                .map_err(|_| err("Query key condition not supported"))?;
            Simple { attr, cond: SortCondition::Between(lo, hi) }
        }
        Condition::Call(call) => {
            if call.func != Func::BeginsWith {
                return Err(invalid_operator(call.func.name()));
            }
            if !matches!(call.args.first(), Some(Operand::Path(_))) {
                return Err(first_operand_error("begins_with"));
            }
            let refs: Vec<&Operand<Resolved<'_>>> = call.args.iter().collect();
            let (attr, _, mut values) = split(&refs)?;
            let v = values.pop().ok_or_else(|| err("Query key condition not supported"))?;
            Simple { attr, cond: SortCondition::BeginsWith(v) }
        }
    };
    if out.iter().any(|s| s.attr == simple.attr) {
        return Err(err("Invalid KeyConditionExpression: KeyConditionExpressions must only contain one condition per key"));
    }
    out.push(simple);
    Ok(())
}

fn values_of(c: &SortCondition) -> Vec<&AttributeValue> {
    match c {
        SortCondition::Compare(_, v) | SortCondition::BeginsWith(v) => vec![v],
        SortCondition::Between(a, b) => vec![a, b],
    }
}

fn check_types(c: &SortCondition, ty: KeyType) -> Result<(), ExprError> {
    if values_of(c).iter().all(|v| v.type_tag() == ty.tag()) {
        Ok(())
    } else {
        Err(err(
            "One or more parameter values were invalid: Condition parameter type does not match schema type",
        ))
    }
}

/// The shape of a KeyConditionExpression, which needs no table (step 1):
/// DynamoDB refuses a wrong operator, a nested path, a function operand
/// or a second condition on one attribute before it looks the table up.
pub fn check_shape(cond: &Condition<Resolved<'_>>) -> Result<(), ExprError> {
    collect(cond, &mut Vec::new())
}

/// Validates a resolved KeyConditionExpression against the key schema.
pub fn key_condition(cond: &Condition<Resolved<'_>>, schema: &KeySchema<'_>) -> Result<KeyCondition, ExprError> {
    let mut simple = Vec::new();
    collect(cond, &mut simple)?;
    let key_count = 1 + usize::from(schema.sort.is_some());
    if simple.len() > 2 {
        // paritysuite queryKeyConditionOperands (AWS, 2026).
        return Err(err(format!(
            "The number of query conditions ({}) exceeds the number of key attributes defined in the schema ({key_count})",
            simple.len()
        )));
    }
    if simple.is_empty() {
        return Err(err("Conditions can be of length 1 or 2 only"));
    }
    if simple.len() > key_count {
        return Err(err("Query key condition not supported"));
    }
    let (pk, pk_type) = schema.partition;
    let Some(part_pos) = simple.iter().position(|s| s.attr == pk) else {
        return Err(err(format!("Query condition missed key schema element: {pk}")));
    };
    let part = simple.swap_remove(part_pos);
    let sort = match (simple.pop(), schema.sort) {
        (None, _) => None,
        (Some(s), Some((sk, sk_type))) if s.attr == sk => {
            check_types(&s.cond, sk_type)?;
            Some(s.cond)
        }
        (Some(_), Some((sk, _))) => {
            return Err(err(format!("Query condition missed key schema element: {sk}")))
        }
        (Some(_), None) => return Err(err("Query key condition not supported")),
    };
    // The value's type is checked before the operator: `:n > a` against a
    // string key is a type mismatch (dynalite's query.js, recorded against
    // DynamoDB), `:s > a` an unsupported condition.
    check_types(&part.cond, pk_type)?;
    let SortCondition::Compare(CompareOp::Eq, partition) = part.cond else {
        return Err(err("Query key condition not supported"));
    };
    Ok(KeyCondition { partition, sort })
}

/// The key of a global secondary index with multi-attribute keys: one to
/// four partition (HASH) attributes and up to four sort (RANGE) attributes,
/// each list in key schema order.
#[derive(Debug, Clone)]
pub struct MultiKeySchema<'a> {
    /// Partition key attributes, in order.
    pub partition: Vec<(&'a str, KeyType)>,
    /// Sort key attributes, in order.
    pub sort: Vec<(&'a str, KeyType)>,
}

/// A validated key condition on a multi-attribute key.
#[derive(Debug, Clone, PartialEq)]
pub struct MultiKeyCondition {
    /// The value of every partition attribute, in schema order.
    pub partition: Vec<AttributeValue>,
    /// Equality values of the leading sort attributes, in schema order.
    pub sort_equal: Vec<AttributeValue>,
    /// The condition on the next sort attribute (position
    /// `sort_equal.len()`), if any.
    pub sort: Option<SortCondition>,
}

/// Validates a resolved KeyConditionExpression against a multi-attribute
/// key: equality on every partition attribute; on the sort attributes,
/// equality on a left-to-right prefix, optionally followed by one
/// condition (`=`, `<`, `<=`, `>`, `>=`, `BETWEEN`, `begins_with`) on the
/// next sort attribute.
pub fn multi_key_condition(
    cond: &Condition<Resolved<'_>>,
    schema: &MultiKeySchema<'_>,
) -> Result<MultiKeyCondition, ExprError> {
    let mut simple = Vec::new();
    collect(cond, &mut simple)?;
    if simple.is_empty() {
        return Err(err("Conditions can be of length 1 or 2 only"));
    }
    let find = |name: &str| simple.iter().position(|s| s.attr == name);
    let type_error = || {
        err("One or more parameter values were invalid: Condition parameter type does not match schema type")
    };
    let mut partition = Vec::with_capacity(schema.partition.len());
    for &(name, ty) in &schema.partition {
        let Some(at) = find(name) else {
            return Err(err(format!("Query condition missed key schema element: {name}")));
        };
        let Some(Simple { cond: SortCondition::Compare(CompareOp::Eq, v), .. }) = simple.get(at) else {
            return Err(err("Query key condition not supported"));
        };
        if v.type_tag() != ty.tag() {
            return Err(type_error());
        }
        partition.push(v.clone());
    }
    let known = |a: &str| schema.partition.iter().chain(&schema.sort).any(|(n, _)| *n == a);
    if simple.iter().any(|s| !known(s.attr)) {
        if let Some((missing, _)) = schema.sort.iter().find(|(n, _)| find(n).is_none()) {
            return Err(err(format!("Query condition missed key schema element: {missing}")));
        }
        return Err(err("Query key condition not supported"));
    }
    // Sort attributes with a condition, in schema order.
    let used: Vec<(usize, &str, KeyType, &SortCondition)> = schema
        .sort
        .iter()
        .enumerate()
        .filter_map(|(i, &(n, ty))| find(n).and_then(|at| simple.get(at)).map(|s| (i, n, ty, &s.cond)))
        .collect();
    if let Some(&(last_pos, last_name, _, _)) = used.last() {
        if let Some((i, (skipped, _))) = schema.sort.iter().enumerate().take(last_pos).find(|(_, (n, _))| find(n).is_none()) {
            let next = used.iter().find(|u| u.0 > i).map_or(last_name, |u| u.1);
            return Err(err(format!(
                "RANGE key attributes {skipped} must have equality conditions specified in the query because a condition is present on key attribute {next}"
            )));
        }
    }
    let mut sort_equal = Vec::new();
    let mut sort = None;
    for (n, &(_, name, ty, c)) in used.iter().enumerate() {
        check_types(c, ty)?;
        match (used.get(n + 1), c) {
            (None, _) => sort = Some(c.clone()),
            (Some(_), SortCondition::Compare(CompareOp::Eq, v)) => sort_equal.push(v.clone()),
            (Some(&(_, next, _, _)), _) => {
                return Err(err(format!(
                    "RANGE key attributes {name} must have equality conditions specified in the query because a condition is present on key attribute {next}"
                )))
            }
        }
    }
    Ok(MultiKeyCondition { partition, sort_equal, sort })
}
