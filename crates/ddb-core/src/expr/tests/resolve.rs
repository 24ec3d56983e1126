//! Resolve-phase errors: placeholders (undefined, unused, malformed maps),
//! operand counts and types of constants, BETWEEN bounds, update paths.

use super::*;
use crate::expr::{parse_projection, Rule};

fn vs1(k: &str, v: AttributeValue) -> Values {
    values(&[(k, v)])
}

#[test]
fn undefined_placeholders() {
    let (nm, vs) = none();
    assert_eq!(
        cond_err("#x = :v", &names(&[("#y", "a")]), &vs1(":v", n("1"))),
        "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #x"
    );
    assert_eq!(
        cond_err("a = :v", &nm, &vs),
        "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :v"
    );
    // In a condition the first one written wins; in an update names come first.
    assert!(cond_err(":v = #x", &nm, &vs).ends_with("attribute value: :v"));
    assert!(upd_err("SET a = :v, #x = :w", &nm, &vs).ends_with("attribute name: #x"));
    assert_eq!(
        upd_err("SET attr1 = :v", &nm, &vs),
        "Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :v"
    );
    // Identical operands come before an undefined value, wherever written
    // (dynalite's scan.js, recorded against DynamoDB); not before an
    // undefined name.
    let a = names(&[("#a", "a")]);
    assert_eq!(
        cond_err("a = a AND #a = b AND :views > a", &a, &vs),
        "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [a]"
    );
    assert!(cond_err(":views > a AND contains(b, #a.b) AND begins_with(a, #a)", &a, &vs).contains("operator: begins_with"));
    assert!(cond_err("a = a AND #x = :v", &a, &vs).ends_with("attribute name: #x"));
}

#[test]
fn unused_placeholders_are_rejected_per_request() {
    let (nm, _) = none();
    assert_eq!(
        upd_err("SET attr1 = :v", &names(&[("#unused", "x")]), &vs1(":v", s("val"))),
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#unused}"
    );
    assert_eq!(
        upd_err("SET attr1 = :v", &nm, &values(&[(":v", s("val")), (":unused", s("x"))])),
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}"
    );
    assert_eq!(
        cond_err("a = :a", &names(&[("#b", "b"), ("#a", "a")]), &vs1(":a", n("1"))),
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#a, #b}"
    );
    // Several expressions of one request share the placeholders: the update
    // uses :val3, the condition the rest; a short-circuited OR still uses.
    let nm = names(&[("#name1", "a"), ("#name2", "b")]);
    let vs = values(&[(":val1", n("1")), (":val2", n("2")), (":val3", n("3"))]);
    let u = parse_update("SET #name1 = :val3").unwrap();
    let c = parse_condition(ExprKind::Condition, "#name1 = :val1 OR #name2 = :val2").unwrap();
    let mut r = Resolver::new(Some(&nm), Some(&vs)).unwrap();
    r.resolve_update(&u).unwrap();
    let cond = r.resolve_condition(ExprKind::Condition, &c).unwrap();
    r.finish().unwrap();
    assert!(crate::expr::eval::evaluate(&cond, &item(&[("a", n("1"))])));
    // Without the condition, :val1 and :val2 are unused.
    let mut r = Resolver::new(Some(&nm), Some(&vs)).unwrap();
    r.resolve_update(&u).unwrap();
    assert_eq!(
        r.finish().unwrap_err().to_string(),
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#name2}"
    );
}

#[test]
fn request_level_rules_are_marked() {
    let empty_values = Values::new();
    assert_eq!(Resolver::new(None, Some(&empty_values)).err().unwrap().rule(), Some(Rule::EmptyValues));
    let empty_names = Names::new();
    assert_eq!(Resolver::new(Some(&empty_names), None).err().unwrap().rule(), Some(Rule::EmptyValues));
    let unused = names(&[("#unused", "x")]);
    let r = Resolver::new(Some(&unused), None).unwrap();
    assert_eq!(r.finish().unwrap_err().rule(), Some(Rule::UnusedPlaceholder));
    let unused = vs1(":unused", n("1"));
    let r = Resolver::new(None, Some(&unused)).unwrap();
    assert_eq!(r.finish().unwrap_err().rule(), Some(Rule::UnusedPlaceholder));
    // Overlapping update paths break the update's shape; conflicting
    // paths and overlapping projection paths do not; an undefined value
    // (not an undefined name) is a rule of its own.
    let vs2 = values(&[(":v1", n("1")), (":v2", n("2"))]);
    let update_rule = |src: &str, vs: &Values| {
        let mut r = Resolver::new(None, Some(vs)).unwrap();
        r.resolve_update(&parse_update(src).unwrap()).map(|_| ()).unwrap_err().rule()
    };
    assert_eq!(update_rule("SET a = :v1, a.b = :v2", &vs2), Some(Rule::UpdateShape));
    assert_eq!(update_rule("SET a.b = :v1, a[1] = :v2", &vs2), None);
    assert_eq!(update_rule("SET a = :v3", &vs2), Some(Rule::UndefinedValue));
    let mut r = Resolver::new(None, Some(&vs2)).unwrap();
    let undefined = parse_condition(ExprKind::Condition, "a = :v3").unwrap();
    assert_eq!(r.resolve_condition(ExprKind::Condition, &undefined).unwrap_err().rule(), Some(Rule::UndefinedValue));
    let mut r = Resolver::new(None, Some(&vs2)).unwrap();
    let unnamed = parse_condition(ExprKind::Condition, "#a = :v1").unwrap();
    assert_eq!(r.resolve_condition(ExprKind::Condition, &unnamed).unwrap_err().rule(), None);
    let mut r = Resolver::new(None, None).unwrap();
    let p = parse_projection("a, a.b").unwrap();
    assert_eq!(r.resolve_projection(&p).unwrap_err().rule(), None);
}

#[test]
fn placeholder_maps_are_validated() {
    let empty_names = Names::new();
    let empty_values = Values::new();
    assert_eq!(
        Resolver::new(Some(&empty_names), None).err().unwrap().to_string(),
        "ExpressionAttributeNames must not be empty"
    );
    assert_eq!(
        Resolver::new(None, Some(&empty_values)).err().unwrap().to_string(),
        "ExpressionAttributeValues must not be empty"
    );
    let bad = names(&[("a", "a")]);
    assert_eq!(
        Resolver::new(Some(&bad), None).err().unwrap().to_string(),
        r#"ExpressionAttributeNames contains invalid key: Syntax error; key: "a""#
    );
    // Keys are checked before names; an empty name is refused.
    let empty = names(&[("#b", ""), ("#a", "x"), ("#c", "")]);
    assert_eq!(
        Resolver::new(Some(&empty), None).err().unwrap().to_string(),
        "ExpressionAttributeNames contains invalid value: Empty attribute name for key #b"
    );
    let both = names(&[("#b", ""), ("a", "x")]);
    assert_eq!(
        Resolver::new(Some(&both), None).err().unwrap().to_string(),
        r#"ExpressionAttributeNames contains invalid key: Syntax error; key: "a""#
    );
    let bad = values(&[("a", s("b"))]);
    assert_eq!(
        Resolver::new(None, Some(&bad)).err().unwrap().to_string(),
        r#"ExpressionAttributeValues contains invalid key: Syntax error; key: "a""#
    );
    let btree: std::collections::BTreeMap<String, String> =
        [("#a".to_string(), "a".to_string())].into_iter().collect();
    let p = parse_projection("#a").unwrap();
    let mut r = Resolver::new(Some(&btree), None).unwrap();
    assert_eq!(r.resolve_projection(&p).unwrap().paths[0].head, "a");
    r.finish().unwrap();
}

#[test]
fn operand_counts_and_document_paths() {
    let (nm, _) = none();
    let vs = vs1(":v", n("5"));
    assert_eq!(
        cond_err("size(a, a) = :v", &nm, &vs),
        "Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: size, number of operands: 2"
    );
    assert_eq!(
        cond_err("attribute_exists(:v)", &nm, &vs),
        "Invalid ConditionExpression: Operator or function requires a document path; operator or function: attribute_exists"
    );
    assert_eq!(
        upd_err("SET a = list_append(:v)", &nm, &vs1(":v", l(vec![]))),
        "Invalid UpdateExpression: Incorrect number of operands for operator or function; operator or function: list_append, number of operands: 1"
    );
    assert_eq!(
        upd_err("SET b = if_not_exists(:v, :v)", &nm, &vs),
        "Invalid UpdateExpression: Operator or function requires a document path; operator or function: if_not_exists"
    );
    assert_eq!(
        cond_err("contains(a, a)", &nm, &Values::new()),
        "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: contains, first operand: [a]"
    );
    assert!(cond_err("a.b = a.b", &nm, &Values::new()).ends_with("operator: =, first operand: [a, b]"));
    // The first problem as the expression is written wins (dynalite's
    // scan.js, recorded against DynamoDB); a wrong operand count first.
    let one = values(&[(":a", n("1"))]);
    assert_eq!(
        cond_err("attribute_type(a, size(a)) and a = a and a = :a", &nm, &one),
        "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: N"
    );
    assert_eq!(
        cond_err("attribute_exists(:a) and a = a", &nm, &one),
        "Invalid ConditionExpression: Operator or function requires a document path; operator or function: attribute_exists"
    );
    assert!(cond_err("a = a and attribute_exists(:a)", &nm, &one).contains("must be distinct"));
    assert!(cond_err("a = a and size(a, a) > :a", &nm, &one).contains("Incorrect number of operands"));
}

#[test]
fn operand_types_of_constants() {
    let (nm, _) = none();
    let msg = |f: &str, t: &str| {
        format!("Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: {f}, operand type: {t}")
    };
    assert_eq!(cond_err("begins_with(a, :v)", &nm, &vs1(":v", n("2"))), msg("begins_with", "N"));
    assert_eq!(cond_err("a < :v", &nm, &vs1(":v", l(vec![n("1")]))), msg("<", "L"));
    assert_eq!(cond_err(":v >= a", &nm, &vs1(":v", ss(&["x"]))), msg(">=", "SS"));
    assert_eq!(cond_err("size(:v) > a", &nm, &vs1(":v", n("1"))), msg("size", "N"));
    assert_eq!(cond_err("attribute_type(a, :v)", &nm, &vs1(":v", n("1"))), msg("attribute_type", "N"));
    assert_eq!(
        cond_err("attribute_type(a, b)", &nm, &Values::new()),
        msg("attribute_type", "{NS,SS,L,BS,N,M,B,BOOL,NULL,S}")
    );
    assert_eq!(
        cond_err("attribute_type(a, :t)", &nm, &vs1(":t", s("DOG"))),
        "Invalid ConditionExpression: Invalid attribute type name found; type: DOG, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}"
    );
    assert_eq!(
        cond_err("a BETWEEN :l AND :h", &nm, &values(&[(":l", l(vec![])), (":h", l(vec![]))])),
        msg("BETWEEN", "L")
    );
    // `=`, `<>`, IN and contains accept any type.
    assert!(cond("a = :v AND a <> :v AND a IN (:v) AND contains(a, :v)", &nm, &vs1(":v", l(vec![]))).is_ok());
}

#[test]
fn between_bounds_of_constants() {
    let (nm, _) = none();
    assert_eq!(
        cond_err("a between :b and :a", &nm, &values(&[(":a", s("a")), (":b", n("1"))])),
        "Invalid ConditionExpression: The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:a}"
    );
    assert_eq!(
        cond_err("a between :b and :a", &nm, &values(&[(":a", s("a")), (":b", s("b"))])),
        "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {S:b}, upper bound operand: AttributeValue: {S:a}"
    );
    assert!(cond("a between :a and :a", &nm, &vs1(":a", n("1"))).is_ok());
    // Bounds from the item are not checked before evaluation.
    assert!(cond("a between two and :v", &nm, &vs1(":v", s("dog"))).is_ok());
}

#[test]
fn update_operand_types() {
    let (nm, _) = none();
    assert_eq!(
        upd_err("ADD a :v", &nm, &vs1(":v", s("hello"))),
        "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING, typeSet: ALLOWED_FOR_ADD_OPERAND"
    );
    assert_eq!(
        upd_err("ADD a :v", &nm, &vs1(":v", l(vec![n("3")]))),
        "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: LIST, typeSet: ALLOWED_FOR_ADD_OPERAND"
    );
    assert_eq!(
        upd_err("DELETE a :v", &nm, &vs1(":v", n("1"))),
        "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER, typeSet: ALLOWED_FOR_DELETE_OPERAND"
    );
    assert_eq!(
        upd_err("SET b = :a + :b", &nm, &values(&[(":a", s("dog")), (":b", n("3"))])),
        "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S"
    );
    assert_eq!(
        upd_err("SET a = list_append(:a, :b)", &nm, &values(&[(":a", l(vec![])), (":b", s("hi"))])),
        "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: S"
    );
    assert!(upd("ADD a :n, b :s DELETE c :t", &nm, &values(&[(":n", n("1")), (":s", ss(&["x"])), (":t", ns(&["1"]))])).is_ok());
}

#[test]
fn overlapping_and_conflicting_update_paths() {
    let (nm, _) = none();
    let vs = values(&[(":val1", n("2")), (":val2", s("there"))]);
    for src in [
        "SET a = :val1, a.b = :val2",
        "SET a.b = :val1, a = :val2",
        "SET a.b = :val1, a.b.c = :val2",
        "SET a.b = :val1, a.b.c.d.e = :val2",
        "SET a = :val1, a[1] = :val2",
        "SET a[1][1] = :val1, a[1] = :val2",
        "SET a[1][1][1][1] = :val1, a[1][1][1][1] = :val2",
    ] {
        assert!(upd_err(src, &nm, &vs).contains("Two document paths overlap with each other"), "{src}");
    }
    assert_eq!(
        upd_err("SET a = :val1 REMOVE a.b ADD c :val1", &nm, &vs),
        "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]"
    );
    assert_eq!(
        upd_err("SET a.b = :val1, a[1] = :val2", &nm, &vs),
        "Invalid UpdateExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a, [1]]"
    );
    assert!(upd_err("SET a.b.c = :val1, a.b[2] = :val2", &nm, &vs).contains("conflict"));
    // Compared after substitution.
    let two = names(&[("#a1", "a"), ("#a2", "a")]);
    assert!(upd_err("SET #a1 = :val1, #a2 = :val2", &two, &vs).contains("path one: [a], path two: [a]"));
    // Siblings are fine; so is reading a path that is written.
    assert!(upd("SET a.b = :val1, a.c.d = :val2, b.x = :val1 REMOVE a.x, b.y", &nm, &vs).is_ok());
    assert!(upd("REMOVE a SET b = a", &nm, &Values::new()).is_ok());
}

#[test]
fn projection_paths_resolve_and_must_not_overlap() {
    let nm = names(&[("#n", "Name")]);
    let p = parse_projection("#n, a.b, a.c[0]").unwrap();
    let mut r = Resolver::new(Some(&nm), None).unwrap();
    let out = r.resolve_projection(&p).unwrap();
    assert_eq!(out.paths[0].head, "Name");
    r.finish().unwrap();
    let p = parse_projection("a, a.b").unwrap();
    let mut r = Resolver::new(None, None).unwrap();
    assert_eq!(
        r.resolve_projection(&p).unwrap_err().to_string(),
        "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]"
    );
    let p = parse_projection("#x").unwrap();
    let mut r = Resolver::new(None, None).unwrap();
    assert_eq!(
        r.resolve_projection(&p).unwrap_err().to_string(),
        "Invalid ProjectionExpression: An expression attribute name used in the document path is not defined; attribute name: #x"
    );
}
