//! Parse-phase errors: syntax (token and `near`), limits, reserved words,
//! functions, parentheses, update sections.

use super::*;
use crate::expr::{parse_projection, Rule, MAX_OPERATORS};

fn cerr(src: &str) -> String {
    match parse_condition(ExprKind::Condition, src) {
        Ok(c) => panic!("expected an error for {src:?}, got {c:?}"),
        Err(e) => e.to_string(),
    }
}

fn uerr(src: &str) -> String {
    match parse_update(src) {
        Ok(u) => panic!("expected an error for {src:?}, got {u:?}"),
        Err(e) => e.to_string(),
    }
}

fn perr(src: &str) -> String {
    match parse_projection(src) {
        Ok(p) => panic!("expected an error for {src:?}, got {p:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn syntax_errors_name_token_and_neighbours() {
    // Messages observed from DynamoDB.
    assert_eq!(
        uerr("INVALID SYNTAX HERE"),
        r#"Invalid UpdateExpression: Syntax error; token: "INVALID", near: "INVALID SYNTAX""#
    );
    assert_eq!(
        uerr("SET #attr1 = :val1, #attr2 = :val2,"),
        r#"Invalid UpdateExpression: Syntax error; token: "<EOF>", near: ",""#
    );
    assert_eq!(
        uerr("SET _123 = :val1"),
        r#"Invalid UpdateExpression: Syntax error; token: "_", near: "SET _123""#
    );
    assert_eq!(
        perr("!!"),
        r#"Invalid ProjectionExpression: Syntax error; token: "!", near: "!!""#
    );
    assert_eq!(
        cerr("a = = :v"),
        r#"Invalid ConditionExpression: Syntax error; token: "=", near: "= = :v""#
    );
    assert_eq!(
        cerr("size(a) = ([1])"),
        r#"Invalid ConditionExpression: Syntax error; token: "[", near: "([1""#
    );
}

#[test]
fn syntax_errors_of_the_condition_grammar() {
    for (src, token) in [
        ("a", "<EOF>"),
        ("a AND b = :v", "AND"),
        ("a IN ()", ")"),
        ("p = :p AND c != :c", "!"),
        ("things are not gonna be ok", "are"),
        ("(size(a))[0] > a", "["),
        ("(a = :v) = :w", "="),
        ("NOT a", "<EOF>"),
        ("a BETWEEN :x", "<EOF>"),
        ("a = :v OR", "<EOF>"),
        ("and = :v", "and"),
        ("a[:x] = :v", ":x"),
        ("a[#x] = :v", "#x"),
        ("a.:b = :v", ":b"),
        ("f() = :v", ")"),
        ("a = :v :w", ":w"),
        ("# = :v", "#"),
        ("a = :", ":"),
        ("a[99999999999] = :v", "99999999999"),
    ] {
        let e = cerr(src);
        let want = format!("Invalid ConditionExpression: Syntax error; token: \"{token}\"");
        assert!(e.starts_with(&want), "{src:?}: {e}");
    }
}

#[test]
fn syntax_errors_of_the_update_grammar() {
    for (src, token) in [
        ("SET a = :v1 + :v2 + :v3", "+"),
        ("SET a[:xyz] = :v", ":xyz"),
        ("SET :a = :b", ":a"),
        ("SET c = if_not_exists(c, :v1+:v2)", "+"),
        ("SET a = _f(b)", "_"),
        ("SET hi-there = :v", "-"),
        ("SET a = :v, SET b = :w", "SET"),
        ("HELLO b = :v", "HELLO"),
        ("SET a :v", ":v"),
        ("ADD a b", "b"),
        ("DELETE a", "<EOF>"),
        ("REMOVE", "<EOF>"),
        ("SET a = (b) + (c + d)", "+"),
        ("SET a = b + :v REMOVE", "<EOF>"),
        ("SET remove = :v", "remove"),
    ] {
        let e = uerr(src);
        let want = format!("Invalid UpdateExpression: Syntax error; token: \"{token}\"");
        assert!(e.starts_with(&want), "{src:?}: {e}");
    }
}

#[test]
fn valid_shapes_parse() {
    for src in [
        "a = :v",
        " a  =   :v ",
        "(a) = :v",
        "((a) = :v)",
        "NOT NOT NOT NOT a < b",
        "a < b oR c < b aNd b < c",
        "(a < b OR b < a) AND (b < c AND (a < b OR b < c))",
        "a BETWEEN :lo AND :hi AND b IN (:x, :y)",
        "attribute_exists (a)",
        "size(a.b[3]) >= :n",
        "#n1.#n2[0] <> :v",
        "begins_with(:s, a)",
    ] {
        assert!(parse_condition(ExprKind::Filter, src).is_ok(), "{src}");
    }
    for src in [
        "SET a = :v",
        "sEt a = :v remove b",
        "SET a = (b + :v)",
        "SET b = if_not_exists(b, :v1)+:v2",
        "SET a = list_append(if_not_exists(a, :e), :v)",
        "REMOVE a, b[1] ADD c :n DELETE d :s SET e = f",
        "SET #Alpha_Numeric_123 = :_",
    ] {
        assert!(parse_update(src).is_ok(), "{src}");
    }
}

#[test]
fn empty_expressions() {
    assert_eq!(cerr(""), "Invalid ConditionExpression: The expression can not be empty;");
    assert_eq!(uerr(""), "Invalid UpdateExpression: The expression can not be empty;");
    assert_eq!(perr(""), "Invalid ProjectionExpression: The expression can not be empty;");
    let e = parse_condition(ExprKind::KeyCondition, "").map(|_| ()).unwrap_err();
    assert_eq!(e.to_string(), "Invalid KeyConditionExpression: The expression can not be empty;");
    assert_eq!(cerr("   "), r#"Invalid ConditionExpression: Syntax error; token: "<EOF>", near: """#);
}

#[test]
fn size_limit_is_4096_bytes_of_raw_text() {
    let at_limit = format!("{} = :v", "a".repeat(4096 - 5));
    assert_eq!(at_limit.len(), 4096);
    assert!(parse_condition(ExprKind::Condition, &at_limit).is_ok());
    let over = format!("{} = :v", "a".repeat(4097 - 5));
    assert_eq!(
        cerr(&over),
        "Invalid ConditionExpression: Expression size has exceeded the maximum allowed size; expression size: 4097"
    );
    let e = parse_projection(&"a,".repeat(3000)).map(|_| ()).unwrap_err();
    assert!(e.to_string().starts_with("Invalid ProjectionExpression: Expression size has exceeded"));
}

fn chain(ops: usize) -> String {
    // `a = :v` is one operator, each `AND a = :v` two more.
    let mut s = String::from("a = :v");
    let mut count = 1;
    while count + 2 <= ops {
        s.push_str(" AND a = :v");
        count += 2;
    }
    if count < ops {
        s = format!("NOT {s}");
    }
    s
}

#[test]
fn at_most_300_operators() {
    assert!(parse_condition(ExprKind::Filter, &chain(MAX_OPERATORS)).is_ok());
    assert_eq!(
        parse_condition(ExprKind::Filter, &chain(MAX_OPERATORS + 1)).map(|_| ()).unwrap_err().to_string(),
        "Invalid FilterExpression: The expression contains too many operators; operator count: 301"
    );
    // Functions and arithmetic count too; the count stops at 301.
    let funcs = vec!["attribute_exists(a)"; 151].join(" AND ");
    assert!(cerr(&funcs).ends_with("operator count: 301"));
    // An unknown function seen before the count ran out is what is reported.
    let unknown = format!("a < {}b{}", "f(".repeat(1355), ")".repeat(1355));
    assert_eq!(cerr(&unknown), "Invalid ConditionExpression: Invalid function name; function: f");
    let sets: Vec<String> = (0..301).map(|i| format!("a{i}=b+:v")).collect();
    assert!(uerr(&format!("SET {}", sets.join(", "))).ends_with("operator count: 301"));
    // IN counts once however many operands it has.
    let list = vec![":v"; 100].join(",");
    let three = format!("a IN ({list}) AND b IN ({list}) AND c IN ({list})");
    assert!(parse_condition(ExprKind::Condition, &three).is_ok());
}

#[test]
fn in_takes_at_most_100_operands() {
    let list = |k: usize| (0..k).map(|i| format!(":v{i}")).collect::<Vec<_>>().join(",");
    assert!(parse_condition(ExprKind::Condition, &format!("a IN ({})", list(100))).is_ok());
    assert_eq!(
        cerr(&format!("a IN ({})", list(101))),
        "Invalid ConditionExpression: The IN operator is provided with too many operands; number of operands: 101"
    );
}

#[test]
fn paths_nest_at_most_32_levels() {
    let path = |depth: usize| format!("a{}", ".b".repeat(depth - 1));
    assert!(parse_projection(&path(32)).is_ok());
    assert_eq!(
        perr(&path(33)),
        "Invalid ProjectionExpression: The document path has too many nesting levels; nesting levels: 33"
    );
    let indexed = format!("a{}", "[0]".repeat(32));
    assert!(cerr(&format!("attribute_exists({indexed})")).ends_with("nesting levels: 33"));
}

/// Runs `f` on a thread with the 2 MiB stack tokio gives its workers.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("no stack overflow");
}

#[test]
fn deep_nesting_is_refused_without_exhausting_the_stack() {
    on_small_stack(|| {
        for src in [
            "(".repeat(4000),
            format!("{}a = :v{}", "(".repeat(2000), ")".repeat(2000)),
            format!("a = {}:v{}", "(".repeat(2000), ")".repeat(2000)),
            "NOT ".repeat(1000),
            "size(".repeat(800),
        ] {
            assert!(parse_condition(ExprKind::Condition, &src).is_err());
        }
        let e = cerr(&format!("{}a = :v{}", "(".repeat(301), ")".repeat(301)));
        assert_eq!(e, "Invalid ConditionExpression: The expression has redundant parentheses;");
        assert!(parse_update(&format!("SET a = {}", "(".repeat(4000))).is_err());
        // 149 non-redundant levels parse, resolve and evaluate.
        let mut s = String::from("a = :v");
        for _ in 0..149 {
            s = format!("a = :v AND ({s})");
        }
        let (nm, vs) = (Names::new(), values(&[(":v", n("1"))]));
        assert!(check(&s, &nm, &vs, &item(&[("a", n("1"))])));
        let nots = format!("{}a = :v", "NOT (".repeat(150)) + &")".repeat(150);
        assert!(check(&nots, &nm, &vs, &item(&[("a", n("1"))])));
    });
}

#[test]
fn reserved_words_need_placeholders() {
    assert_eq!(
        cerr("status = :v"),
        "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status"
    );
    assert_eq!(
        uerr("SET a.Source = :v"),
        "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: Source"
    );
    assert_eq!(
        perr("Id, Name, ttl"),
        "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: Name"
    );
    // Placeholders, function names and non-reserved names are fine.
    assert!(parse_condition(ExprKind::Condition, "#status = :v AND size(a) > :n").is_ok());
    assert!(parse_projection("Id, #n, statuses").is_ok());
}

#[test]
fn redundant_parentheses() {
    let msg = "Invalid ConditionExpression: The expression has redundant parentheses;";
    assert_eq!(cerr("((a = :v))"), msg);
    assert_eq!(
        cerr("(#k_patientId=:v_patientId AND #k_id=:v_id) AND ((attribute_not_exists(#k_synctime) OR #k_synctime<=:v_synctime))"),
        msg
    );
    assert_eq!(cerr("((a)) = :v"), msg);
    assert_eq!(cerr("((c=:c) AND ((p=:p)))"), msg);
    assert!(parse_condition(ExprKind::Condition, "((c=:c) AND (p=:p))").is_ok());
    // Closed before a syntax error, the redundancy is the answer; one pair,
    // or a pair not yet closed, leaves the syntax error (dynalite's
    // scan.js, recorded against DynamoDB).
    assert_eq!(cerr("(a)between(((b.c)).d)and(c)"), msg);
    assert!(cerr("(size(a)).b > a").contains("Syntax error; token: \".\""));
    assert!(cerr("(a)between(b.c.d)and((c)").contains("Syntax error"));
}

#[test]
fn unknown_and_misused_functions() {
    assert_eq!(cerr("dog(a) = :v"), "Invalid ConditionExpression: Invalid function name; function: dog");
    assert_eq!(
        cerr("BEGINS_WITH(c, :c)"),
        "Invalid ConditionExpression: Invalid function name; function: BEGINS_WITH"
    );
    let misused = |f: &str| {
        format!("Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: {f}")
    };
    assert_eq!(cerr("size(a)"), misused("size"));
    assert_eq!(cerr("attribute_exists(a) < :v"), misused("attribute_exists"));
    assert_eq!(cerr("if_not_exists(a, a) = :v"), misused("if_not_exists"));
    assert_eq!(cerr("list_append(a, a) = :v"), misused("list_append"));
    assert_eq!(cerr("size(contains(a, :v)) > :n"), misused("contains"));
    assert_eq!(
        uerr("SET a = f(b, c, d)"),
        "Invalid UpdateExpression: Invalid function name; function: f"
    );
    assert_eq!(
        uerr("SET a = list_append(list_append(:a, :b), :c)"),
        "Invalid UpdateExpression: The function is not allowed to be used this way in an expression; function: list_append"
    );
    assert_eq!(
        uerr("SET a = LIST_APPEND(:a, :b)"),
        "Invalid UpdateExpression: Invalid function name; function: LIST_APPEND"
    );
}

#[test]
fn update_shape_rule_marks_empty_and_repeated_sections_only() {
    let rule = |src: &str| parse_update(src).map(|_| ()).unwrap_err().rule();
    assert_eq!(rule(""), Some(Rule::UpdateShape));
    assert_eq!(rule("SET a = :v1 SET b = :v2"), Some(Rule::UpdateShape));
    assert_eq!(rule("SET a = :v1 ADD"), None);
    assert_eq!(rule("SET a = a + b + c"), None);
    // An empty condition is its own rule; an empty projection breaks none.
    assert_eq!(parse_condition(ExprKind::Condition, "").map(|_| ()).unwrap_err().rule(), Some(Rule::EmptyExpression));
    assert_eq!(parse_condition(ExprKind::Condition, "a = ").map(|_| ()).unwrap_err().rule(), None);
    assert_eq!(parse_projection("").map(|_| ()).unwrap_err().rule(), None);
}

#[test]
fn each_update_clause_once() {
    assert_eq!(
        uerr("SET a = :v1 SET b = :v2"),
        r#"Invalid UpdateExpression: The "SET" section can only be used once in an update expression;"#
    );
    assert_eq!(
        uerr("SET a = :v1 REMOVE a2 set b = :v2"),
        r#"Invalid UpdateExpression: The "SET" section can only be used once in an update expression;"#
    );
    assert_eq!(
        uerr("REMOVE a ADD b :x remove c"),
        r#"Invalid UpdateExpression: The "REMOVE" section can only be used once in an update expression;"#
    );
}

#[test]
fn parse_tree_shape_and_precedence() {
    use crate::expr::ast::{Condition as C, Parsed};
    let parsed = parse_condition(ExprKind::Condition, "a = :a OR NOT b = :b AND c = :c").unwrap();
    match parsed {
        C::<Parsed>::Or(items) => {
            assert_eq!(items.len(), 2);
            match &items[1] {
                C::And(inner) => assert!(matches!(inner[0], C::Not(_))),
                other => panic!("AND binds tighter than OR: {other:?}"),
            }
        }
        other => panic!("{other:?}"),
    }
    let u = parse_update("REMOVE a SET b = c ADD d :d DELETE e :e").unwrap();
    assert_eq!(u.actions.len(), 4);
}
