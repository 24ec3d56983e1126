//! KeyConditionExpression validation, with DynamoDB's messages.

use super::*;
use crate::expr::ast::CompareOp;
use crate::expr::key_condition::{key_condition, KeyCondition, KeySchema, KeyType, SortCondition};

const HASH_RANGE: KeySchema<'static> = KeySchema { partition: ("a", KeyType::S), sort: Some(("b", KeyType::N)) };
const HASH_ONLY: KeySchema<'static> = KeySchema { partition: ("a", KeyType::S), sort: None };

fn kc(src: &str, vs: &Values, schema: &KeySchema<'_>) -> Result<KeyCondition, String> {
    let parsed = parse_condition(ExprKind::KeyCondition, src).map_err(|e| e.to_string())?;
    let vsrc: Option<&dyn crate::expr::resolve::ValueSource> = (!vs.is_empty()).then_some(vs as _);
    let mut r = Resolver::new(None, vsrc).map_err(|e| e.to_string())?;
    let c = r.resolve_condition(ExprKind::KeyCondition, &parsed).map_err(|e| e.to_string())?;
    r.finish().map_err(|e| e.to_string())?;
    key_condition(&c, schema).map_err(|e| e.to_string())
}

fn std_values() -> Values {
    values(&[(":a", s("p")), (":b", n("5")), (":c", n("9"))])
}

#[test]
fn accepted_shapes() {
    let vs = std_values();
    let k = kc("a = :a", &values(&[(":a", s("p"))]), &HASH_RANGE).unwrap();
    assert_eq!(k, KeyCondition { partition: s("p"), sort: None });
    for (src, want) in [
        ("a = :a AND b = :b", SortCondition::Compare(CompareOp::Eq, n("5"))),
        ("b < :b AND a = :a", SortCondition::Compare(CompareOp::Lt, n("5"))),
        (":a = a AND :b < b", SortCondition::Compare(CompareOp::Gt, n("5"))),
        (":b >= b AND a = :a", SortCondition::Compare(CompareOp::Le, n("5"))),
        ("a = :a AND b BeTwEeN :b aNd :c", SortCondition::Between(n("5"), n("9"))),
        ("((b <= :b) AND (a = :a))", SortCondition::Compare(CompareOp::Le, n("5"))),
    ] {
        let vs = if src.contains(":c") { vs.clone() } else { values(&[(":a", s("p")), (":b", n("5"))]) };
        let k = kc(src, &vs, &HASH_RANGE).unwrap_or_else(|e| panic!("{src}: {e}"));
        assert_eq!(k.sort, Some(want), "{src}");
    }
    let schema = KeySchema { partition: ("a", KeyType::S), sort: Some(("c", KeyType::S)) };
    let k = kc("a = :a AND begins_with(c, :p)", &values(&[(":a", s("p")), (":p", s("00"))]), &schema).unwrap();
    assert_eq!(k.sort, Some(SortCondition::BeginsWith(s("00"))));
    assert!(k.sort.as_ref().unwrap().matches(&s("001")));
    assert!(!k.sort.as_ref().unwrap().matches(&s("1")));
}

#[test]
fn sort_conditions_match() {
    let lt = SortCondition::Compare(CompareOp::Lt, n("5"));
    assert!(lt.matches(&n("4")) && !lt.matches(&n("5")) && !lt.matches(&s("4")));
    let between = SortCondition::Between(b(&[127]), b(&[128]));
    assert!(between.matches(&b(&[127])) && between.matches(&b(&[128])) && !between.matches(&b(&[129])));
}

#[test]
fn shape_errors() {
    let cases: &[(&str, &str)] = &[
        ("a > b and size(b) > c or a > c", "Invalid operator used in KeyConditionExpression: OR"),
        ("a in (b, size(c), d)", "Invalid operator used in KeyConditionExpression: IN"),
        ("attribute_exists(a)", "Invalid operator used in KeyConditionExpression: attribute_exists"),
        ("attribute_not_exists(a)", "Invalid operator used in KeyConditionExpression: attribute_not_exists"),
        ("contains(a.d, b)", "Invalid operator used in KeyConditionExpression: contains"),
        ("not a > b", "Invalid operator used in KeyConditionExpression: NOT"),
        ("a <> b", "Invalid operator used in KeyConditionExpression: <>"),
        ("size(b) > a AND a.b > b AND b > c", "KeyConditionExpressions cannot contain nested operations"),
        ("a > size(b.d)", "KeyConditionExpressions cannot contain nested operations"),
        ("a between size(b) and size(a)", "KeyConditionExpressions cannot contain nested operations"),
        ("b > a.b", "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"),
        ("b between c[1] and d", "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"),
        ("a between b and size(a)", "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"),
        ("begins_with(a, b)", "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"),
        ("b.d > a AND c.d > e.f", "KeyConditionExpressions cannot have conditions on nested attributes"),
        ("a.d > c", "KeyConditionExpressions cannot have conditions on nested attributes"),
        ("b[0] > a", "KeyConditionExpressions cannot have conditions on nested attributes"),
    ];
    for (src, want) in cases {
        assert_eq!(kc(src, &Values::new(), &HASH_RANGE).unwrap_err(), *want, "{src}");
    }
    let vs = values(&[(":a", s("1")), (":b", s("1"))]);
    assert_eq!(
        kc(":a between size(b) and size(a) and b > :b", &vs, &HASH_RANGE).unwrap_err(),
        "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand"
    );
    assert_eq!(
        kc("begins_with(:a, b) and a > :b", &vs, &HASH_RANGE).unwrap_err(),
        "Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand"
    );
    let vs = values(&[(":a", n("1")), (":b", n("1"))]);
    for src in [":b > :a AND a < :b", ":a > b AND :a < :b"] {
        assert_eq!(kc(src, &vs, &HASH_RANGE).unwrap_err(), "Invalid condition in KeyConditionExpression: No key attribute specified");
    }
    let vs = values(&[(":a", n("1"))]);
    for src in ["b > :a AND b < :a and c = :a and d = :a", "(a > :a and b > :a) and (b > :a and c > :a)", "a = :a AND a = :a"] {
        assert_eq!(
            kc(src, &vs, &HASH_RANGE).unwrap_err(),
            "Invalid KeyConditionExpression: KeyConditionExpressions must only contain one condition per key"
        );
    }
    let vs = values(&[(":a", s("a"))]);
    // paritysuite queryKeyConditionOperands (AWS, 2026).
    assert_eq!(
        kc(":a = a and b = :a and :a = c", &vs, &HASH_RANGE).unwrap_err(),
        "The number of query conditions (3) exceeds the number of key attributes defined in the schema (2)"
    );
}

#[test]
fn schema_errors() {
    let vs = values(&[(":a", s("1"))]);
    for src in ["a > :a", "a < :a", ":a <= a", ":a >= a", "begins_with(a, :a)", "a between :a and :a", "a = :a AND b = :a", "y = :a and z = :a"] {
        assert_eq!(kc(src, &vs, &HASH_ONLY).unwrap_err(), "Query key condition not supported", "{src}");
    }
    let vs = values(&[(":a", s("b")), (":b", n("1"))]);
    assert_eq!(kc("a = :a and c = :b", &vs, &HASH_RANGE).unwrap_err(), "Query condition missed key schema element: b");
    assert_eq!(kc("b between :b and :b", &values(&[(":b", n("1"))]), &HASH_RANGE).unwrap_err(), "Query condition missed key schema element: a");
    assert_eq!(kc("z = :b", &values(&[(":b", n("1"))]), &HASH_ONLY).unwrap_err(), "Query condition missed key schema element: a");
    let mismatch = "One or more parameter values were invalid: Condition parameter type does not match schema type";
    assert_eq!(kc(":b = a", &values(&[(":b", n("1"))]), &HASH_ONLY).unwrap_err(), mismatch);
    // The type before the operator (dynalite's query.js).
    assert_eq!(kc(":b > a", &values(&[(":b", n("1"))]), &HASH_ONLY).unwrap_err(), mismatch);
    assert_eq!(kc("a = :a AND b = :a", &values(&[(":a", s("b"))]), &HASH_RANGE).unwrap_err(), mismatch);
    // Constant-type errors come from the condition grammar first.
    let schema = KeySchema { partition: ("p", KeyType::S), sort: Some(("c", KeyType::N)) };
    assert_eq!(
        kc("p = :a AND begins_with(c, :b)", &vs, &schema).unwrap_err(),
        "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"
    );
    assert_eq!(
        kc("a = :a AND b between :b and :a", &vs, &HASH_RANGE).unwrap_err(),
        "Invalid KeyConditionExpression: The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:b}"
    );
    assert!(kc("a = :a AND b = :c", &vs, &HASH_RANGE).unwrap_err().ends_with("attribute value: :c"));
}

mod multi {
    use super::*;
    use crate::expr::key_condition::{multi_key_condition, MultiKeyCondition, MultiKeySchema};

    fn schema() -> MultiKeySchema<'static> {
        MultiKeySchema {
            partition: vec![("p1", KeyType::S), ("p2", KeyType::N)],
            sort: vec![("s1", KeyType::S), ("s2", KeyType::N), ("s3", KeyType::B)],
        }
    }

    fn mkc(src: &str) -> Result<MultiKeyCondition, String> {
        let vs = values(&[(":p1", s("a")), (":p2", n("1")), (":s1", s("x")), (":s2", n("5")), (":s3", b(b"z")), (":lo", n("1")), (":hi", n("9"))]);
        let parsed = parse_condition(ExprKind::KeyCondition, src).map_err(|e| e.to_string())?;
        let mut r = Resolver::new(None, Some(&vs as &dyn crate::expr::resolve::ValueSource)).map_err(|e| e.to_string())?;
        let c = r.resolve_condition(ExprKind::KeyCondition, &parsed).map_err(|e| e.to_string())?;
        multi_key_condition(&c, &schema()).map_err(|e| e.to_string())
    }

    #[test]
    fn accepted() {
        let k = mkc("p2 = :p2 AND p1 = :p1").unwrap();
        assert_eq!(k, MultiKeyCondition { partition: vec![s("a"), n("1")], sort_equal: vec![], sort: None });
        let k = mkc("p1 = :p1 AND p2 = :p2 AND s1 = :s1").unwrap();
        assert_eq!(k.sort, Some(SortCondition::Compare(CompareOp::Eq, s("x"))));
        assert!(k.sort_equal.is_empty());
        let k = mkc("p1 = :p1 AND p2 = :p2 AND s1 = :s1 AND s2 BETWEEN :lo AND :hi").unwrap();
        assert_eq!(k.sort_equal, vec![s("x")]);
        assert_eq!(k.sort, Some(SortCondition::Between(n("1"), n("9"))));
        let k = mkc("s2 = :s2 AND p1 = :p1 AND s1 = :s1 AND p2 = :p2 AND begins_with(s3, :s3)").unwrap();
        assert_eq!(k.sort_equal, vec![s("x"), n("5")]);
        assert_eq!(k.sort, Some(SortCondition::BeginsWith(b(b"z"))));
        let k = mkc("p1 = :p1 AND p2 = :p2 AND :s1 < s1").unwrap();
        assert_eq!(k.sort, Some(SortCondition::Compare(CompareOp::Gt, s("x"))));
    }

    #[test]
    fn refused() {
        assert_eq!(mkc("p1 = :p1").unwrap_err(), "Query condition missed key schema element: p2");
        assert_eq!(mkc("p1 = :p1 AND p2 > :p2").unwrap_err(), "Query key condition not supported");
        assert_eq!(
            mkc("p1 = :p1 AND p2 = :p2 AND s2 > :s2").unwrap_err(),
            "RANGE key attributes s1 must have equality conditions specified in the query because a condition is present on key attribute s2"
        );
        assert_eq!(
            mkc("p1 = :p1 AND p2 = :p2 AND s1 = :s1 AND s3 = :s3").unwrap_err(),
            "RANGE key attributes s2 must have equality conditions specified in the query because a condition is present on key attribute s3"
        );
        // paritysuite multiAttributeGsiKey (AWS, 2026).
        assert_eq!(
            mkc("p1 = :p1 AND p2 = :p2 AND s1 > :s1 AND s2 = :s2").unwrap_err(),
            "RANGE key attributes s1 must have equality conditions specified in the query because a condition is present on key attribute s2"
        );
        assert_eq!(
            mkc("p1 = :p1 AND p2 = :p2 AND s1 = :s2").unwrap_err(),
            "One or more parameter values were invalid: Condition parameter type does not match schema type"
        );
        assert_eq!(
            mkc("p1 = :p2 AND p2 = :p2").unwrap_err(),
            "One or more parameter values were invalid: Condition parameter type does not match schema type"
        );
        assert_eq!(mkc("p1 = :p1 AND p2 = :p2 AND zz = :s1").unwrap_err(), "Query condition missed key schema element: s1");
        assert_eq!(
            mkc("p1 = :p1 AND p2 = :p2 AND s1 = :s1 AND s2 = :s2 AND s3 = :s3 AND zz = :s1").unwrap_err(),
            "Query key condition not supported"
        );
        assert_eq!(
            mkc("p1 = :p1 AND p2 = :p2 AND s1 = :s1 AND s1 = :s1").unwrap_err(),
            "Invalid KeyConditionExpression: KeyConditionExpressions must only contain one condition per key"
        );
    }
}

#[test]
fn clauses_are_checked_in_order() {
    // paritysuite queryKeyCondition (AWS, 2026): whichever of a wrong
    // operand and an undefined placeholder comes first is reported.
    let vs = values(&[(":n", n("1")), (":p", s("p"))]);
    let wrong = "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N";
    let undefined = "Invalid KeyConditionExpression: An expression attribute value used in expression is not defined; attribute value: :missing";
    assert_eq!(kc("begins_with(b, :n) AND a = :missing", &vs, &HASH_RANGE).unwrap_err(), wrong);
    assert_eq!(kc("a = :p AND begins_with(b, :n) AND b = :missing", &vs, &HASH_RANGE).unwrap_err(), wrong);
    assert_eq!(kc("a = :missing AND begins_with(b, :n)", &vs, &HASH_RANGE).unwrap_err(), undefined);
}
