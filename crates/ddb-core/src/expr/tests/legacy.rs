//! Legacy parameters: conversion, validation messages, and evaluation
//! through the shared evaluator.

use super::*;
use crate::expr::eval::evaluate;
use crate::expr::key_condition::{KeySchema, KeyType, SortCondition};
use crate::expr::legacy::{
    attribute_update_error, attribute_updates, attributes_to_get, check_conditional_operator, check_not_mixed, expected, filter, key_conditions,
    AttributeAction, AttributeValueUpdate, ComparisonOperator as C, ConditionalOperator,
    ExpectedAttributeValue, LegacyCondition,
};
use crate::expr::projection::project;

fn exp(pairs: Vec<(&str, ExpectedAttributeValue)>) -> BTreeMap<String, ExpectedAttributeValue> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

fn lc(op: C, list: Vec<AttributeValue>) -> LegacyCondition {
    LegacyCondition { comparison_operator: op, attribute_value_list: list }
}

fn flt(pairs: Vec<(&str, LegacyCondition)>) -> BTreeMap<String, LegacyCondition> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

#[test]
fn operator_names_round_trip() {
    for name in ["EQ", "NE", "LE", "LT", "GE", "GT", "NOT_NULL", "NULL", "CONTAINS", "NOT_CONTAINS", "BEGINS_WITH", "IN", "BETWEEN"] {
        assert_eq!(C::from_wire(name).map(C::wire), Some(name));
    }
    assert_eq!(C::from_wire("eq"), None);
}

#[test]
fn expected_semantics() {
    let it = item(&[("a", n("1")), ("s", ss(&["x", "y"]))]);
    let eval = |e: Vec<(&str, ExpectedAttributeValue)>, op| {
        evaluate(&expected(&exp(e), op).unwrap().unwrap(), &it)
    };
    let value = |v: AttributeValue| ExpectedAttributeValue { value: Some(v), ..Default::default() };
    assert!(eval(vec![("a", value(n("1")))], ConditionalOperator::And));
    assert!(!eval(vec![("a", value(n("2")))], ConditionalOperator::And));
    let absent = ExpectedAttributeValue { exists: Some(false), ..Default::default() };
    assert!(eval(vec![("z", absent.clone())], ConditionalOperator::And));
    assert!(!eval(vec![("a", absent.clone())], ConditionalOperator::And));
    assert!(eval(vec![("a", absent.clone()), ("z", absent.clone())], ConditionalOperator::Or));
    assert!(!eval(vec![("a", absent.clone()), ("z", absent)], ConditionalOperator::And));
    let cmp = |op, list: Vec<AttributeValue>| ExpectedAttributeValue {
        comparison_operator: Some(op),
        attribute_value_list: Some(list),
        ..Default::default()
    };
    assert!(eval(vec![("a", cmp(C::Between, vec![n("0"), n("2")]))], ConditionalOperator::And));
    assert!(eval(vec![("a", cmp(C::In, vec![n("3"), n("1")]))], ConditionalOperator::And));
    assert!(eval(vec![("s", cmp(C::Contains, vec![s("x")]))], ConditionalOperator::And));
    assert!(eval(vec![("s", cmp(C::NotContains, vec![s("q")]))], ConditionalOperator::And));
    assert!(!eval(vec![("z", cmp(C::NotContains, vec![s("q")]))], ConditionalOperator::And));
    assert!(eval(vec![("z", cmp(C::Null, vec![]))], ConditionalOperator::And));
    assert!(eval(vec![("a", cmp(C::NotNull, vec![]))], ConditionalOperator::And));
    assert!(eval(vec![("z", cmp(C::Ne, vec![n("1")]))], ConditionalOperator::And));
    assert!(expected(&exp(vec![]), ConditionalOperator::And).unwrap().is_none());
}

#[test]
fn expected_validation_messages() {
    let err = |k: &str, e: ExpectedAttributeValue| expected(&exp(vec![(k, e)]), ConditionalOperator::And).unwrap_err().to_string();
    assert_eq!(
        err("a", ExpectedAttributeValue { value: Some(n("1")), attribute_value_list: Some(vec![]), ..Default::default() }),
        "One or more parameter values were invalid: Value and AttributeValueList cannot be used together for Attribute: a"
    );
    assert_eq!(
        err("a", ExpectedAttributeValue { exists: Some(true), comparison_operator: Some(C::Eq), ..Default::default() }),
        "One or more parameter values were invalid: Exists and ComparisonOperator cannot be used together for Attribute: a"
    );
    assert_eq!(
        err("a", ExpectedAttributeValue { comparison_operator: Some(C::Gt), ..Default::default() }),
        "One or more parameter values were invalid: Value or AttributeValueList must be used with ComparisonOperator: GT for Attribute: a"
    );
    assert_eq!(
        err("a", ExpectedAttributeValue { attribute_value_list: Some(vec![n("1")]), ..Default::default() }),
        "One or more parameter values were invalid: AttributeValueList can only be used with a ComparisonOperator for Attribute: a"
    );
    assert_eq!(
        err("a", ExpectedAttributeValue::default()),
        "One or more parameter values were invalid: Value must be provided when Exists is null for Attribute: a"
    );
    assert_eq!(
        err("a", ExpectedAttributeValue { exists: Some(true), ..Default::default() }),
        "One or more parameter values were invalid: Value must be provided when Exists is true for Attribute: a"
    );
    assert_eq!(
        err("a", ExpectedAttributeValue { exists: Some(false), value: Some(n("1")), ..Default::default() }),
        "One or more parameter values were invalid: Value cannot be used when Exists is false for Attribute: a"
    );
    assert_eq!(
        err("a", ExpectedAttributeValue { comparison_operator: Some(C::Between), attribute_value_list: Some(vec![n("1")]), ..Default::default() }),
        "One or more parameter values were invalid: Invalid number of argument(s) for the BETWEEN ComparisonOperator"
    );
    assert_eq!(
        err("a", ExpectedAttributeValue { comparison_operator: Some(C::In), attribute_value_list: Some(vec![s("b"), n("1")]), ..Default::default() }),
        "One or more parameter values were invalid: AttributeValues inside AttributeValueList must be of same type"
    );
    assert_eq!(
        err("a", ExpectedAttributeValue { comparison_operator: Some(C::Between), attribute_value_list: Some(vec![s("b"), s("a")]), ..Default::default() }),
        "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound"
    );
}

#[test]
fn filters() {
    let it = item(&[("a", n("5")), ("b", s("hello"))]);
    let f = flt(vec![("a", lc(C::Gt, vec![n("3")])), ("b", lc(C::BeginsWith, vec![s("he")]))]);
    assert!(evaluate(&filter(&f, ConditionalOperator::And).unwrap().unwrap(), &it));
    let f = flt(vec![("a", lc(C::Lt, vec![n("3")])), ("b", lc(C::BeginsWith, vec![s("he")]))]);
    assert!(!evaluate(&filter(&f, ConditionalOperator::And).unwrap().unwrap(), &it));
    assert!(evaluate(&filter(&f, ConditionalOperator::Or).unwrap().unwrap(), &it));
    for (op, v) in [(C::Lt, AttributeValue::Bool(true)), (C::In, ss(&["a"])), (C::Contains, l(vec![])), (C::BeginsWith, n("1")), (C::Between, m(&[]))] {
        let list = if op == C::Between { vec![v.clone(), v.clone()] } else { vec![v.clone()] };
        let e = filter(&flt(vec![("a", lc(op, list))]), ConditionalOperator::And).unwrap_err().to_string();
        assert_eq!(
            e,
            format!("One or more parameter values were invalid: ComparisonOperator {} is not valid for {} AttributeValue type", op.wire(), v.type_tag())
        );
    }
    let e = filter(&flt(vec![("a", lc(C::Null, vec![s("a")]))]), ConditionalOperator::And).unwrap_err();
    assert_eq!(e.to_string(), "One or more parameter values were invalid: Invalid number of argument(s) for the NULL ComparisonOperator");
}

#[test]
fn key_conditions_validate_like_expressions() {
    let schema = KeySchema { partition: ("a", KeyType::S), sort: Some(("b", KeyType::N)) };
    let k = key_conditions(&flt(vec![("a", lc(C::Eq, vec![s("x")])), ("b", lc(C::Between, vec![n("1"), n("2")]))]), &schema).unwrap();
    assert_eq!(k.partition, s("x"));
    assert_eq!(k.sort, Some(SortCondition::Between(n("1"), n("2"))));
    for op in [C::Null, C::NotNull, C::Ne, C::Contains, C::NotContains, C::In] {
        let list = if matches!(op, C::Null | C::NotNull) { vec![] } else { vec![s("a")] };
        assert_eq!(
            key_conditions(&flt(vec![("a", lc(op, list))]), &schema).unwrap_err().to_string(),
            "Attempted conditional constraint is not an indexable operation"
        );
    }
    assert_eq!(key_conditions(&flt(vec![]), &schema).unwrap_err().to_string(), "Conditions can be of length 1 or 2 only");
    assert_eq!(
        key_conditions(&flt(vec![("a", lc(C::Gt, vec![s("x")]))]), &schema).unwrap_err().to_string(),
        "Query key condition not supported"
    );
    // A condition off the key misses a key element before its operator is
    // judged (dynalite's query.js, recorded against DynamoDB).
    assert_eq!(
        key_conditions(&flt(vec![("a", lc(C::Eq, vec![s("x")])), ("c", lc(C::Null, vec![]))]), &schema).unwrap_err().to_string(),
        "Query condition missed key schema element: b"
    );
    assert_eq!(
        key_conditions(&flt(vec![("z", lc(C::Null, vec![]))]), &schema).unwrap_err().to_string(),
        "Query condition missed key schema element: a"
    );
    assert_eq!(
        key_conditions(&flt(vec![("a", lc(C::Null, vec![]))]), &schema).unwrap_err().to_string(),
        "Attempted conditional constraint is not an indexable operation"
    );
}

#[test]
fn attribute_updates_apply() {
    let up = |pairs: Vec<(&str, Option<AttributeValue>, Option<AttributeAction>)>| {
        let map: BTreeMap<String, AttributeValueUpdate> = pairs
            .into_iter()
            .map(|(k, value, action)| (k.to_string(), AttributeValueUpdate { value, action }))
            .collect();
        attribute_updates(&map)
    };
    let it = item(&[("pk", s("k")), ("n", n("1")), ("gone", s("x")), ("st", ss(&["a", "b"])), ("lst", l(vec![n("1")]))]);
    let u = up(vec![
        ("p", Some(s("v")), None),
        ("n", Some(n("2")), Some(AttributeAction::Add)),
        ("gone", None, Some(AttributeAction::Delete)),
        ("st", Some(ss(&["a"])), Some(AttributeAction::Delete)),
        ("lst", Some(l(vec![n("2")])), Some(AttributeAction::Add)),
        ("newl", Some(l(vec![n("3")])), Some(AttributeAction::Add)),
    ])
    .unwrap();
    let mut out = it.clone();
    let ctx = UpdateContext { key_attributes: &["pk"], item_existed: true };
    apply_update(&u, &mut out, &ctx).unwrap();
    assert_eq!(
        out,
        item(&[
            ("pk", s("k")),
            ("n", n("3")),
            ("st", ss(&["b"])),
            ("lst", l(vec![n("1"), n("2")])),
            ("newl", l(vec![n("3")])),
            ("p", s("v")),
        ])
    );
    let msg = |r: Result<UpdateExpr<Resolved>, crate::expr::ExprError>| r.unwrap_err().to_string();
    assert_eq!(
        msg(up(vec![("a", None, Some(AttributeAction::Put))])),
        "One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified"
    );
    assert_eq!(
        msg(up(vec![("a", Some(s("x")), Some(AttributeAction::Add))])),
        "One or more parameter values were invalid: ADD action is not supported for the type S"
    );
    assert_eq!(
        msg(up(vec![("a", Some(n("1")), Some(AttributeAction::Delete))])),
        "One or more parameter values were invalid: DELETE action with value is not supported for the type N"
    );
    let key = up(vec![("pk", Some(s("x")), None)]).unwrap();
    assert!(apply_update(&key, &mut out, &ctx).unwrap_err().to_string().contains("Cannot update attribute pk"));
    // A set of another type than the attribute's: AttributeUpdates' words.
    let mismatch = up(vec![("st", Some(ns(&["1"])), Some(AttributeAction::Add))]).unwrap();
    let e = apply_update(&mismatch, &mut out, &ctx).unwrap_err();
    assert_eq!(attribute_update_error(e).message(), "Type mismatch for attribute to update");
    let other = apply_update(&key, &mut out, &ctx).unwrap_err();
    assert!(attribute_update_error(other).message().contains("Cannot update attribute pk"));
    // Only removals: an update that would not create a missing item.
    assert!(up(vec![("gone", None, Some(AttributeAction::Delete))]).unwrap().only_removes());
    assert!(up(vec![("st", Some(ss(&["a"])), Some(AttributeAction::Delete))]).unwrap().only_removes());
    assert!(!up(vec![("gone", None, Some(AttributeAction::Delete)), ("p", Some(s("v")), None)]).unwrap().only_removes());
    assert!(!up(vec![]).unwrap().only_removes());
}

#[test]
fn attributes_to_get_and_mixing() {
    let p = attributes_to_get(&["a".to_string(), "c".to_string()]).unwrap();
    assert_eq!(project(&p, &item(&[("a", n("1")), ("b", n("2"))])), item(&[("a", n("1"))]));
    assert_eq!(
        attributes_to_get(&["a".to_string(), "a".to_string()]).unwrap_err().to_string(),
        "One or more parameter values were invalid: Duplicate value in attribute name: a"
    );
    assert!(check_not_mixed(&["AttributesToGet"], &[]).is_ok());
    assert_eq!(
        check_not_mixed(&["AttributeUpdates"], &["UpdateExpression"]).unwrap_err().to_string(),
        "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributeUpdates} Expression parameters: {UpdateExpression}"
    );
}

#[test]
fn conditional_operator_needs_two_conditions() {
    assert!(check_conditional_operator(false, None).is_ok());
    assert!(check_conditional_operator(false, Some(1)).is_ok());
    assert!(check_conditional_operator(true, Some(2)).is_ok());
    assert_eq!(
        check_conditional_operator(true, None).unwrap_err().message(),
        "ConditionalOperator cannot be used without Filter or Expected"
    );
    assert_eq!(
        check_conditional_operator(true, Some(0)).unwrap_err().message(),
        "ConditionalOperator cannot be used without Filter or Expected"
    );
    assert_eq!(
        check_conditional_operator(true, Some(1)).unwrap_err().message(),
        "ConditionalOperator can only be used when Filter or Expected has two or more elements"
    );
}

#[test]
fn expected_checks_operand_types_except_for_equality() {
    let one = |op: C, v: AttributeValue| {
        exp(vec![("a", ExpectedAttributeValue { comparison_operator: Some(op), attribute_value_list: Some(vec![v]), ..Default::default() })])
    };
    let msg = |e: BTreeMap<String, ExpectedAttributeValue>| expected(&e, ConditionalOperator::And).unwrap_err().to_string();
    assert_eq!(
        msg(one(C::Contains, l(vec![n("1")]))),
        "One or more parameter values were invalid: ComparisonOperator CONTAINS is not valid for L AttributeValue type"
    );
    assert_eq!(
        msg(one(C::BeginsWith, n("1"))),
        "One or more parameter values were invalid: ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type"
    );
    assert!(expected(&one(C::In, ss(&["x"])), ConditionalOperator::And).is_err());
    assert!(expected(&one(C::Eq, l(vec![n("1")])), ConditionalOperator::And).is_ok());
    assert!(expected(&one(C::Ne, ss(&["x"])), ConditionalOperator::And).is_ok());
}
