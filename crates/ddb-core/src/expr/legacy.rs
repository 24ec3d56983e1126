//! Legacy (pre-expression) parameters, converted into the resolved trees the
//! expression phases use, so that one evaluator serves both.
//!
//! - `Expected` (+ `ConditionalOperator`) → a [`Condition`] ([`expected`]).
//! - `QueryFilter` / `ScanFilter` (+ `ConditionalOperator`) → a
//!   [`Condition`] ([`filter`]).
//! - `KeyConditions` → a [`KeyCondition`] ([`key_conditions`]).
//! - `AttributeUpdates` → an [`UpdateExpr`] ([`attribute_updates`]); `ADD`
//!   of a list appends, as the legacy API does.
//! - `AttributesToGet` → a [`Projection`] ([`attributes_to_get`]).
//! - [`check_not_mixed`]: a request may not use both families.
//!
//! Messages are DynamoDB's ("One or more parameter values were invalid: ...").

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::ast::{
    CompareOp, Condition, DocPath, Func, FunctionCall, Operand, Projection, Resolved, ResolvedPath, SetAction,
    SetValue, UpdateAction, UpdateExpr, ValueAction,
};
use super::key_condition::{key_condition, KeyCondition, KeySchema};
use super::values::compare_scalars;
use super::ExprError;
use crate::value::AttributeValue;

const INVALID: &str = "One or more parameter values were invalid:";

/// A legacy `ComparisonOperator`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComparisonOperator {
    Eq,
    Ne,
    Le,
    Lt,
    Ge,
    Gt,
    NotNull,
    Null,
    Contains,
    NotContains,
    BeginsWith,
    In,
    Between,
}

impl ComparisonOperator {
    /// Parses the wire name (`EQ`, `NOT_NULL`, ...).
    pub fn from_wire(name: &str) -> Option<Self> {
        use ComparisonOperator::*;
        Some(match name {
            "EQ" => Eq,
            "NE" => Ne,
            "LE" => Le,
            "LT" => Lt,
            "GE" => Ge,
            "GT" => Gt,
            "NOT_NULL" => NotNull,
            "NULL" => Null,
            "CONTAINS" => Contains,
            "NOT_CONTAINS" => NotContains,
            "BEGINS_WITH" => BeginsWith,
            "IN" => In,
            "BETWEEN" => Between,
            _ => return None,
        })
    }

    /// The wire name.
    pub const fn wire(self) -> &'static str {
        use ComparisonOperator::*;
        match self {
            Eq => "EQ",
            Ne => "NE",
            Le => "LE",
            Lt => "LT",
            Ge => "GE",
            Gt => "GT",
            NotNull => "NOT_NULL",
            Null => "NULL",
            Contains => "CONTAINS",
            NotContains => "NOT_CONTAINS",
            BeginsWith => "BEGINS_WITH",
            In => "IN",
            Between => "BETWEEN",
        }
    }

    fn arity_ok(self, n: usize) -> bool {
        use ComparisonOperator::*;
        match self {
            NotNull | Null => n == 0,
            In => n >= 1,
            Between => n == 2,
            _ => n == 1,
        }
    }

    fn allowed_types(self) -> &'static [&'static str] {
        use ComparisonOperator::*;
        match self {
            // The service compares values of every type for equality
            // (lists, maps and booleans included), whatever the guide says.
            Eq | Ne => &["S", "N", "B", "SS", "NS", "BS", "L", "M", "BOOL", "NULL"],
            BeginsWith => &["S", "B"],
            NotNull | Null => &[],
            _ => &["S", "N", "B"],
        }
    }
}

/// `ConditionalOperator`: how several legacy conditions combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConditionalOperator {
    /// All must hold (the default).
    #[default]
    And,
    /// One must hold.
    Or,
}

/// One entry of `QueryFilter`, `ScanFilter` or `KeyConditions`.
#[derive(Debug, Clone, PartialEq)]
pub struct LegacyCondition {
    /// The operator.
    pub comparison_operator: ComparisonOperator,
    /// Its operands (absent on the wire means empty).
    pub attribute_value_list: Vec<AttributeValue>,
}

/// One entry of `Expected`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExpectedAttributeValue {
    /// `Value`
    pub value: Option<AttributeValue>,
    /// `Exists`
    pub exists: Option<bool>,
    /// `ComparisonOperator`
    pub comparison_operator: Option<ComparisonOperator>,
    /// `AttributeValueList`
    pub attribute_value_list: Option<Vec<AttributeValue>>,
}

/// The `Action` of an `AttributeValueUpdate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AttributeAction {
    /// `PUT` (the default)
    #[default]
    Put,
    /// `DELETE`
    Delete,
    /// `ADD`
    Add,
}

/// One entry of `AttributeUpdates`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AttributeValueUpdate {
    /// `Value`
    pub value: Option<AttributeValue>,
    /// `Action`
    pub action: Option<AttributeAction>,
}

fn invalid(detail: impl std::fmt::Display) -> ExprError {
    ExprError::plain(format!("{INVALID} {detail}"))
}

fn between_error() -> ExprError {
    ExprError::plain("The BETWEEN condition was provided a range where the lower bound is greater than the upper bound")
}

/// Argument count, same types, BETWEEN order (shared by every family).
fn check_list(op: ComparisonOperator, list: &[AttributeValue]) -> Result<(), ExprError> {
    if !op.arity_ok(list.len()) {
        return Err(invalid(format_args!(
            "Invalid number of argument(s) for the {} ComparisonOperator",
            op.wire()
        )));
    }
    if let Some(first) = list.first() {
        if list.iter().any(|v| v.type_tag() != first.type_tag()) {
            return Err(invalid("AttributeValues inside AttributeValueList must be of same type"));
        }
    }
    Ok(())
}

fn check_between(op: ComparisonOperator, list: &[AttributeValue]) -> Result<(), ExprError> {
    if let (ComparisonOperator::Between, [lo, hi]) = (op, list) {
        if compare_scalars(lo, hi) == Some(std::cmp::Ordering::Greater) {
            return Err(between_error());
        }
    }
    Ok(())
}

/// Each value of the list has a type the operator accepts.
fn check_types(op: ComparisonOperator, list: &[AttributeValue]) -> Result<(), ExprError> {
    match list.iter().find(|v| !op.allowed_types().contains(&v.type_tag())) {
        Some(bad) => Err(invalid(format_args!(
            "ComparisonOperator {} is not valid for {} AttributeValue type",
            op.wire(),
            bad.type_tag()
        ))),
        None => Ok(()),
    }
}

/// A comparison's values: their count, types and BETWEEN order (every
/// legacy family checks the same).
fn check_comparison(op: ComparisonOperator, list: &[AttributeValue]) -> Result<(), ExprError> {
    check_list(op, list)?;
    check_types(op, list)?;
    check_between(op, list)
}

fn check_filter_entry(c: &LegacyCondition) -> Result<(), ExprError> {
    check_comparison(c.comparison_operator, &c.attribute_value_list)
}

fn call(func: Func, args: Vec<Operand<Resolved<'static>>>) -> Condition<Resolved<'static>> {
    Condition::Call(FunctionCall { func, args })
}

/// One legacy comparison on a top-level attribute as a condition.
fn to_condition(attr: &str, op: ComparisonOperator, list: &[AttributeValue]) -> Condition<Resolved<'static>> {
    use ComparisonOperator as C;
    let path = || Operand::Path(DocPath::top(attr.to_string()));
    let value = |i: usize| Operand::Value(Cow::Owned(list.get(i).cloned().unwrap_or(AttributeValue::Null)));
    let compare = |op: CompareOp| Condition::Compare { op, left: path(), right: value(0) };
    match op {
        C::Eq => compare(CompareOp::Eq),
        C::Ne => compare(CompareOp::Ne),
        C::Le => compare(CompareOp::Le),
        C::Lt => compare(CompareOp::Lt),
        C::Ge => compare(CompareOp::Ge),
        C::Gt => compare(CompareOp::Gt),
        C::NotNull => call(Func::AttributeExists, vec![path()]),
        C::Null => call(Func::AttributeNotExists, vec![path()]),
        C::Contains => call(Func::Contains, vec![path(), value(0)]),
        C::NotContains => Condition::And(vec![
            call(Func::AttributeExists, vec![path()]),
            Condition::Not(Box::new(call(Func::Contains, vec![path(), value(0)]))),
        ]),
        C::BeginsWith => call(Func::BeginsWith, vec![path(), value(0)]),
        C::In => Condition::In {
            value: path(),
            list: list.iter().cloned().map(|v| Operand::Value(Cow::Owned(v))).collect(),
        },
        C::Between => Condition::Between { value: path(), low: value(0), high: value(1) },
    }
}

fn combine(mut conds: Vec<Condition<Resolved<'static>>>, op: ConditionalOperator) -> Option<Condition<Resolved<'static>>> {
    match conds.len() {
        0 => None,
        1 => conds.pop(),
        _ => Some(match op {
            ConditionalOperator::And => Condition::And(conds),
            ConditionalOperator::Or => Condition::Or(conds),
        }),
    }
}

/// Converts `Expected`; `None` when the map is empty.
pub fn expected(
    expected: &BTreeMap<String, ExpectedAttributeValue>,
    op: ConditionalOperator,
) -> Result<Option<Condition<Resolved<'static>>>, ExprError> {
    let mut conds = Vec::new();
    for (attr, e) in expected {
        if e.value.is_some() && e.attribute_value_list.is_some() {
            return Err(invalid(format_args!(
                "Value and AttributeValueList cannot be used together for Attribute: {attr}"
            )));
        }
        if let Some(cmp) = e.comparison_operator {
            if e.exists.is_some() {
                return Err(invalid(format_args!(
                    "Exists and ComparisonOperator cannot be used together for Attribute: {attr}"
                )));
            }
            let list: Vec<AttributeValue> = match (&e.attribute_value_list, &e.value) {
                (Some(l), _) => l.clone(),
                (None, Some(v)) => vec![v.clone()],
                (None, None) if !matches!(cmp, ComparisonOperator::Null | ComparisonOperator::NotNull) => {
                    return Err(invalid(format_args!(
                        "Value or AttributeValueList must be used with ComparisonOperator: {} for Attribute: {attr}",
                        cmp.wire()
                    )))
                }
                (None, None) => Vec::new(),
            };
            check_comparison(cmp, &list)?;
            conds.push(to_condition(attr, cmp, &list));
        } else if e.attribute_value_list.is_some() {
            return Err(invalid(format_args!(
                "AttributeValueList can only be used with a ComparisonOperator for Attribute: {attr}"
            )));
        } else {
            match (e.exists, &e.value) {
                (None | Some(true), Some(v)) => conds.push(to_condition(attr, ComparisonOperator::Eq, std::slice::from_ref(v))),
                (Some(false), None) => conds.push(to_condition(attr, ComparisonOperator::Null, &[])),
                (Some(false), Some(_)) => {
                    return Err(invalid(format_args!(
                        "Value cannot be used when Exists is false for Attribute: {attr}"
                    )))
                }
                (exists, None) => {
                    let shown = if exists.is_some() { "true" } else { "null" };
                    return Err(invalid(format_args!(
                        "Value must be provided when Exists is {shown} for Attribute: {attr}"
                    )));
                }
            }
        }
    }
    Ok(combine(conds, op))
}

/// Converts `QueryFilter` or `ScanFilter`; `None` when the map is empty.
pub fn filter(
    filter: &BTreeMap<String, LegacyCondition>,
    op: ConditionalOperator,
) -> Result<Option<Condition<Resolved<'static>>>, ExprError> {
    let mut conds = Vec::new();
    for (attr, c) in filter {
        check_filter_entry(c)?;
        conds.push(to_condition(attr, c.comparison_operator, &c.attribute_value_list));
    }
    Ok(combine(conds, op))
}

/// Converts `KeyConditions` and validates them against the key schema.
pub fn key_conditions(
    conditions: &BTreeMap<String, LegacyCondition>,
    schema: &KeySchema<'_>,
) -> Result<KeyCondition, ExprError> {
    check_entries(conditions, 2)?;
    // The key attributes are looked for before the operators are judged
    // (dynalite's query.js, recorded against DynamoDB: `{a: EQ, c: NULL}`
    // on a table keyed a, b misses b).
    let missed = |name: &str| ExprError::plain(format!("Query condition missed key schema element: {name}"));
    let (pk, _) = schema.partition;
    if !conditions.contains_key(pk) {
        return Err(missed(pk));
    }
    if let (2, Some((sk, _))) = (conditions.len(), schema.sort) {
        if !conditions.contains_key(sk) {
            return Err(missed(sk));
        }
    }
    key_condition(&indexable(conditions)?, schema)
}

/// Converts `KeyConditions` for a multi-attribute key (a global secondary
/// index with several HASH or RANGE attributes); the rules are those of
/// [`super::key_condition::multi_key_condition`].
pub fn multi_key_conditions(
    conditions: &BTreeMap<String, LegacyCondition>,
    schema: &super::key_condition::MultiKeySchema<'_>,
) -> Result<super::key_condition::MultiKeyCondition, ExprError> {
    check_entries(conditions, usize::MAX)?;
    super::key_condition::multi_key_condition(&indexable(conditions)?, schema)
}

/// Each of the `KeyConditions` well formed, and at most `max` of them.
fn check_entries(conditions: &BTreeMap<String, LegacyCondition>, max: usize) -> Result<(), ExprError> {
    for c in conditions.values() {
        check_filter_entry(c)?;
    }
    if conditions.is_empty() || conditions.len() > max {
        return Err(ExprError::plain("Conditions can be of length 1 or 2 only"));
    }
    Ok(())
}

/// `KeyConditions` (checked by [`check_entries`]) as one condition,
/// refusing operators no key can serve.
fn indexable(conditions: &BTreeMap<String, LegacyCondition>) -> Result<Condition<Resolved<'static>>, ExprError> {
    use ComparisonOperator as C;
    let mut conds = Vec::new();
    for (attr, c) in conditions {
        if matches!(c.comparison_operator, C::Null | C::NotNull | C::Ne | C::Contains | C::NotContains | C::In) {
            return Err(ExprError::plain("Attempted conditional constraint is not an indexable operation"));
        }
        conds.push(to_condition(attr, c.comparison_operator, &c.attribute_value_list));
    }
    combine(conds, ConditionalOperator::And).ok_or_else(|| ExprError::plain("Conditions can be of length 1 or 2 only"))
}

/// Converts `AttributeUpdates`.
pub fn attribute_updates(updates: &BTreeMap<String, AttributeValueUpdate>) -> Result<UpdateExpr<Resolved<'static>>, ExprError> {
    let mut actions = Vec::new();
    for (attr, u) in updates {
        let path = DocPath::top(attr.clone());
        let action = u.action.unwrap_or_default();
        let Some(value) = u.value.clone().map(Cow::<AttributeValue>::Owned) else {
            if action != AttributeAction::Delete {
                return Err(invalid("Only DELETE action is allowed when no attribute value is specified"));
            }
            actions.push(UpdateAction::Remove(path));
            continue;
        };
        let tag = value.type_tag();
        match action {
            AttributeAction::Put => actions.push(UpdateAction::Set(SetAction {
                path,
                value: SetValue::Operand(Operand::Value(value)),
            })),
            AttributeAction::Delete => {
                if !matches!(tag, "SS" | "NS" | "BS") {
                    return Err(invalid(format_args!("DELETE action with value is not supported for the type {tag}")));
                }
                actions.push(UpdateAction::Delete(ValueAction { path, value }));
            }
            AttributeAction::Add => match tag {
                "N" | "SS" | "NS" | "BS" => actions.push(UpdateAction::Add(ValueAction { path, value })),
                // Legacy ADD appends to a list, creating it when missing.
                "L" => {
                    let existing = Operand::Call(FunctionCall {
                        func: Func::IfNotExists,
                        args: vec![Operand::Path(path.clone()), Operand::Value(Cow::Owned(AttributeValue::L(Vec::new())))],
                    });
                    let appended = Operand::Call(FunctionCall {
                        func: Func::ListAppend,
                        args: vec![existing, Operand::Value(value)],
                    });
                    actions.push(UpdateAction::Set(SetAction { path, value: SetValue::Operand(appended) }));
                }
                _ => return Err(invalid(format_args!("ADD action is not supported for the type {tag}"))),
            },
        }
    }
    Ok(UpdateExpr { actions })
}

/// An error of applying an update that came from `AttributeUpdates`, in
/// that API's words: an ADD or DELETE whose value's type does not match
/// the attribute's is "Type mismatch for attribute to update".
pub fn attribute_update_error(e: ExprError) -> ExprError {
    if e.message() == super::update::WRONG_TYPE {
        ExprError::plain("Type mismatch for attribute to update")
    } else {
        e
    }
}

/// `ConditionalOperator` joins the conditions of a legacy filter
/// (`QueryFilter`, `ScanFilter`) or of `Expected`: DynamoDB refuses it when
/// there is no such member, or one with fewer than two conditions.
/// `conditions` is how many the member holds (`None`: absent).
pub fn check_conditional_operator(given: bool, conditions: Option<usize>) -> Result<(), ExprError> {
    match (given, conditions.unwrap_or(0)) {
        (false, _) => Ok(()),
        (true, 0) => Err(ExprError::plain("ConditionalOperator cannot be used without Filter or Expected")),
        (true, 1) => Err(ExprError::plain(
            "ConditionalOperator can only be used when Filter or Expected has two or more elements",
        )),
        (true, _) => Ok(()),
    }
}

/// Converts `AttributesToGet` (top-level names) into a projection.
pub fn attributes_to_get(names: &[String]) -> Result<Projection<Resolved<'static>>, ExprError> {
    let mut paths: Vec<ResolvedPath<'static>> = Vec::with_capacity(names.len());
    for n in names {
        if paths.iter().any(|p| p.head == n.as_str()) {
            return Err(invalid(format_args!("Duplicate value in attribute name: {n}")));
        }
        paths.push(DocPath::top(n.clone()));
    }
    Ok(Projection { paths })
}

/// Rejects a request that uses both families. Pass the names of the
/// parameters present, each list in DynamoDB's order (e.g. `AttributesToGet,
/// QueryFilter, ConditionalOperator, KeyConditions` and `ProjectionExpression,
/// FilterExpression, KeyConditionExpression`).
pub fn check_not_mixed(legacy: &[&str], expressions: &[&str]) -> Result<(), ExprError> {
    if legacy.is_empty() || expressions.is_empty() {
        return Ok(());
    }
    Err(ExprError::plain(format!(
        "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {{{}}} Expression parameters: {{{}}}",
        legacy.join(", "),
        expressions.join(", ")
    )))
}
