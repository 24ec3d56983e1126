//! Parser and translator tests: statements from the DynamoDB Developer
//! Guide and from tests recorded against DynamoDB, the messages of the
//! rejections, and a fuzz sweep (no input may panic).

use proptest::prelude::*;
use serde_json::json;

use super::ast::{Returning, Statement};
use super::translate::{plan, Keys, Kind, Surface};
use super::{parse, token};
use crate::value::AttributeValue;

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn err(src: &str, params: &[AttributeValue]) -> String {
    match parse(src, params) {
        Ok(stmt) => match plan(&stmt, Surface::ExecuteStatement, &Keys::table("pk", Some("sk")), None) {
            Ok(p) => panic!("{src} was accepted: {p:?}"),
            Err(e) => e.message().to_owned(),
        },
        Err(e) => e.message().to_owned(),
    }
}

fn planned(src: &str, params: &[AttributeValue], keys: &Keys, index: Option<&Keys>) -> super::translate::Plan {
    let stmt = parse(src, params).unwrap_or_else(|e| panic!("{src}: {}", e.message()));
    plan(&stmt, Surface::ExecuteStatement, keys, index).unwrap_or_else(|e| panic!("{src}: {}", e.message()))
}

#[test]
fn parses_the_four_statements() {
    let st = parse(r#"select * from "Music" where Artist = 'Acme' and SongTitle = ?"#, &[s("x")]).unwrap();
    assert!(matches!(&st, Statement::Select(sel) if sel.table == "Music" && sel.projection.is_none()));
    let st = parse("INSERT INTO Music VALUE {'Artist': 'a', 'n': 1.5, 'l': [true, null], 's': <<'x','y'>>}", &[]).unwrap();
    let Statement::Insert(i) = st else { panic!("not an insert") };
    assert_eq!(i.item.get("s"), Some(&AttributeValue::Ss(vec!["x".into(), "y".into()])));
    assert_eq!(i.item.get("l"), Some(&AttributeValue::L(vec![AttributeValue::Bool(true), AttributeValue::Null])));
    let st = parse("UPDATE t SET a = 1 REMOVE b SET c = c + 2 WHERE pk = 'k' RETURNING MODIFIED NEW *", &[]).unwrap();
    assert_eq!(st.returning(), Some(Returning::ModifiedNew));
    let st = parse("delete from t where pk = 'k' returning all old *;", &[]).unwrap();
    assert_eq!(st.action(), "PartiQLDelete");
}

#[test]
fn strings_and_identifiers_unescape_doubled_quotes() {
    let st = parse(r#"INSERT INTO "we""ird" VALUE {'k': 'it''s'}"#, &[]).unwrap();
    let Statement::Insert(i) = st else { panic!("not an insert") };
    assert_eq!(i.table, "we\"ird");
    assert_eq!(i.item.get("k"), Some(&s("it's")));
}

#[test]
fn syntax_errors_have_dynamodbs_envelope() {
    assert_eq!(
        err("SLECT * FROM t WHERE pk = 'a'", &[]),
        "Statement wasn't well formed, can't be processed: Expected data manipulation"
    );
    assert!(err("SELECT * FROM \"t", &[]).starts_with("Statement wasn't well formed, can't be processed"));
    assert_eq!(
        err("UPDATE t SET x = 1 WHERE pk = 'a' AND sk = 'b' garbage", &[]),
        "Statement wasn't well formed, can't be processed: Unexpected token after expression"
    );
}

#[test]
fn parameters_must_match_placeholders() {
    let msg = "Number of parameters in request and statement don't match.";
    assert_eq!(err("SELECT * FROM t WHERE pk = ?", &[]), msg);
    assert_eq!(err("SELECT * FROM t WHERE pk = ?", &[s("a"), s("b")]), msg);
}

#[test]
fn from_clause_rules() {
    assert_eq!(err(r#"SELECT * FROM "t"."i"."x""#, &[]), "A path may contain at most 2 components in the FROM clause");
    assert_eq!(err(r#"SELECT * FROM "" WHERE pk = 'p'"#, &[]), "Path component cannot be an empty string");
}

#[test]
fn returning_rules() {
    assert_eq!(
        err("DELETE FROM t WHERE pk = 'x' AND sk = 'y' RETURNING MODIFIED OLD *", &[]),
        "Invalid returning clause: RETURNING MODIFIED OLD *. Only RETURNING ALL OLD * is allowed in DELETE statements."
    );
    assert_eq!(
        err("DELETE FROM t WHERE pk = 'x' RETURNING ALL NEW *", &[]),
        "Invalid returning clause: RETURNING ALL NEW *. Only RETURNING ALL OLD * is allowed in DELETE statements."
    );
}

#[test]
fn bags() {
    assert_eq!(err("UPDATE t SET ss = set_add(ss, <<>>) WHERE pk = 'a' AND sk = 'b'", &[]), "Empty bags are not supported");
    assert_eq!(
        err("UPDATE t SET ss = set_add(ss, <<'x', 'x'>>) WHERE pk = 'a' AND sk = 'b'", &[]),
        "One or more parameter values were invalid: Input collection [x, x] contains duplicates."
    );
}

#[test]
fn select_with_the_partition_key_is_a_query() {
    let keys = Keys::table("pk", Some("sk"));
    let p = planned("SELECT a, m.b FROM t WHERE pk = 'x' AND sk > 3 AND c = true ORDER BY sk DESC", &[], &keys, None);
    assert_eq!(p.kind, Kind::Query);
    assert_eq!(
        p.body,
        json!({
            "TableName": "t",
            "KeyConditionExpression": "#n0 = :v0 AND #n1 > :v1",
            "FilterExpression": "#n2 = :v2",
            "ScanIndexForward": false,
            "ProjectionExpression": "#n3, #n4.#n5",
            "ExpressionAttributeNames": {"#n0": "pk", "#n1": "sk", "#n2": "c", "#n3": "a", "#n4": "m", "#n5": "b"},
            "ExpressionAttributeValues": {":v0": {"S": "x"}, ":v1": {"N": "3"}, ":v2": {"BOOL": true}},
        })
    );
    assert_eq!(p.renames.len(), 1);
}

#[test]
fn select_without_the_partition_key_is_a_scan() {
    let keys = Keys::table("pk", None);
    for src in [
        "SELECT * FROM t WHERE a = 1",
        "SELECT * FROM t WHERE pk = 'a' OR pk = 'b'",
        "SELECT * FROM t WHERE pk IN ['a', 'b']",
        "SELECT * FROM t",
    ] {
        assert_eq!(planned(src, &[], &keys, None).kind, Kind::Scan, "{src}");
    }
    let p = planned("SELECT * FROM t WHERE (a = 1 OR b = 2) AND NOT c IS MISSING", &[], &keys, None);
    assert_eq!(p.body["FilterExpression"], "(#n0 = :v0 OR #n1 = :v1) AND NOT attribute_not_exists(#n2)");
}

#[test]
fn select_on_an_index_uses_the_index_key() {
    let table = Keys::table("pk", Some("sk"));
    let gsi = Keys::table("g", None);
    let p = planned(r#"SELECT * FROM "t"."gsi" WHERE g = 'x' AND pk = 'y'"#, &[], &table, Some(&gsi));
    assert_eq!(p.kind, Kind::Query);
    assert_eq!(p.body["IndexName"], "gsi");
    assert_eq!(p.body["FilterExpression"], "#n1 = :v1");
}

#[test]
fn order_by_rules() {
    assert_eq!(
        err("SELECT * FROM t ORDER BY pk", &[]),
        "Must have WHERE clause in the statement when using ORDER BY clause."
    );
    assert_eq!(
        err("SELECT * FROM t WHERE a = 1 ORDER BY pk", &[]),
        "Must have at least one non-optional hash key condition in WHERE clause when using ORDER BY clause."
    );
    assert_eq!(
        err("SELECT * FROM t WHERE pk = 1 ORDER BY a", &[]),
        "Variable reference a in ORDER BY clause must be part of the primary key"
    );
}

#[test]
fn insert_is_a_conditional_put() {
    let p = planned("INSERT INTO t VALUE {'pk': ?, 'v': 1}", &[s("k")], &Keys::table("pk", None), None);
    assert_eq!(p.kind, Kind::PutItem);
    assert_eq!(
        p.body,
        json!({
            "TableName": "t",
            "Item": {"pk": {"S": "k"}, "v": {"N": "1"}},
            "ConditionExpression": "attribute_not_exists(#n0)",
            "ExpressionAttributeNames": {"#n0": "pk"},
        })
    );
    assert_eq!(
        err("INSERT INTO t VALUE [1]", &[]),
        "Unsupported format in item expression. Please use struct format {...} to express item values for insert statement."
    );
}

#[test]
fn update_and_delete_need_the_whole_key() {
    let keys = Keys::table("pk", Some("sk"));
    let msg = "Where clause does not contain a mandatory equality on all key attributes";
    for src in ["UPDATE t SET a = 1 WHERE pk = 'x'", "DELETE FROM t WHERE pk = 'x'", "DELETE FROM t", "UPDATE t SET a = 1"] {
        let stmt = parse(src, &[]).unwrap();
        let e = plan(&stmt, Surface::ExecuteStatement, &keys, None).unwrap_err();
        assert_eq!(e.message(), msg, "{src}");
    }
    let p = planned(
        "UPDATE t SET a = a + 1, l = list_append(l, [2]) REMOVE b SET s = set_add(s, <<'q'>>) WHERE sk = 2 AND pk = 'x' AND c > 1",
        &[],
        &keys,
        None,
    );
    assert_eq!(p.body["Key"], json!({"pk": {"S": "x"}, "sk": {"N": "2"}}));
    assert_eq!(p.body["UpdateExpression"], "SET #n0 = #n0 + :v0, #n1 = list_append(#n1, :v1) REMOVE #n2 ADD #n3 :v2");
    assert_eq!(p.body["ConditionExpression"], "attribute_exists(#n4) AND #n5 > :v3");
    let p = planned("DELETE FROM t WHERE pk = 'x' AND sk = 1 AND (a = 1 OR b = 2)", &[], &keys, None);
    assert_eq!(p.body["ConditionExpression"], "attribute_not_exists(#n0) OR #n1 = :v0 OR #n2 = :v1");
}

#[test]
fn set_functions_are_checked() {
    // The messages point at what they are about, ` at <line>:<column>:<length>`
    // (paritysuite partiqlFunctions, AWS 2026): the function, or for a
    // second argument that is not a set, the first argument.
    assert_eq!(
        err("UPDATE t SET t2 = set_add(ss, <<'x'>>) WHERE pk = 'a' AND sk = 'b'", &[]),
        "The first argument to SET_ADD must equal the assignment value at 1:19:7"
    );
    assert_eq!(
        err("UPDATE t SET ss = set_delete(ss, 'x') WHERE pk = 'a' AND sk = 'b'", &[]),
        "The second argument to SET_DELETE must be a value with type SET at 1:30:2"
    );
    assert_eq!(
        err("UPDATE t SET ss = set_add(ss) WHERE pk = 'a' AND sk = 'b'", &[]),
        "SET_ADD must have exactly two arguments at 1:19:7"
    );
    assert_eq!(err("SELECT * FROM t WHERE pk = 'a' AND EXISTS(ss)", &[]), "Unrecognized function: exists at 1:36:6");
    assert_eq!(err("SELECT *\nFROM t WHERE pk = 'a' AND\n  EXISTS(ss)", &[]), "Unrecognized function: exists at 3:3:6");
    assert_eq!(err("SELECT attribute_exists(ss) FROM t WHERE pk = 'a'", &[]), "Unexpected path component at 1:8:16");
    assert_eq!(
        err("INSERT INTO t VALUE {'pk': 'a', 'ss': set_add(<<'a'>>, <<'b'>>)}", &[]),
        "Unsupported data type: set_add under key root at 1:39:7"
    );
}

#[test]
fn batch_and_transaction_reads_name_the_key() {
    let keys = Keys::table("pk", None);
    let stmt = parse("SELECT * FROM t WHERE pk = 'a' AND attribute_exists(ss)", &[]).unwrap();
    let e = plan(&stmt, Surface::Batch, &keys, None).unwrap_err();
    assert_eq!(e.message(), "Select statements within BatchExecuteStatement must specify the primary key in the where clause.");
    let e = plan(&stmt, Surface::Transaction, &keys, None).unwrap_err();
    assert_eq!(e.message(), "Select statements within ExecuteTransaction must specify the primary key in the where clause.");
    let stmt = parse(r#"SELECT * FROM "t"."i" WHERE pk = 'a'"#, &[]).unwrap();
    let e = plan(&stmt, Surface::Transaction, &keys, None).unwrap_err();
    assert_eq!(e.message(), "Reads on indices are not supported within transactions.");
    let stmt = parse("SELECT v FROM t WHERE pk = 'a'", &[]).unwrap();
    let p = plan(&stmt, Surface::Batch, &keys, None).unwrap();
    assert_eq!(p.kind, Kind::GetItem);
    assert_eq!(p.body["Key"], json!({"pk": {"S": "a"}}));
    let stmt = parse("EXISTS(SELECT * FROM t WHERE pk = 'a')", &[]).unwrap();
    let e = plan(&stmt, Surface::Transaction, &keys, None).unwrap_err();
    assert_eq!(e.message(), "EXISTS() must contain a single item read with additional condition");
}

#[test]
fn renames_nested_projections() {
    let mut item = crate::value::Item::new();
    let mut inner = std::collections::BTreeMap::new();
    inner.insert("nested".to_owned(), s("deep"));
    inner.insert("other".to_owned(), s("o"));
    item.insert("mymap".into(), AttributeValue::M(inner));
    let paths = match parse("SELECT mymap.nested, mymap.other FROM t", &[]).unwrap() {
        Statement::Select(sel) => sel.projection.unwrap_or_default(),
        _ => Vec::new(),
    };
    let renames: Vec<_> = paths.iter().map(|p| super::translate::Rename::new(p, &paths)).collect();
    super::translate::rename(&mut item, &renames);
    assert_eq!(item.get("nested"), Some(&s("deep")));
    assert_eq!(item.get("other"), Some(&s("o")));
    assert!(!item.contains_key("mymap"));
}

#[test]
fn list_elements_are_named_with_their_indexes() {
    // As DynamoDB (and DynamoDB Local) answer: `l[0]` under "l[0]",
    // `m.b[1]` under "b[1]"; the projected item holds only the elements
    // named, in index order.
    let paths = match parse("SELECT l[3], l[1], m.b[1], m.c[0].x FROM t", &[]).unwrap() {
        Statement::Select(sel) => sel.projection.unwrap_or_default(),
        _ => Vec::new(),
    };
    let renames: Vec<_> = paths.iter().map(|p| super::translate::Rename::new(p, &paths)).collect();
    let names: Vec<&str> = renames.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["l[3]", "l[1]", "b[1]", "x"]);
    let mut item = crate::value::Item::new();
    item.insert("l".into(), AttributeValue::L(vec![s("one"), s("three")]));
    let mut m = std::collections::BTreeMap::new();
    m.insert("b".to_owned(), AttributeValue::L(vec![s("b1")]));
    let mut x = std::collections::BTreeMap::new();
    x.insert("x".to_owned(), s("x0"));
    m.insert("c".to_owned(), AttributeValue::L(vec![AttributeValue::M(x)]));
    item.insert("m".into(), AttributeValue::M(m));
    super::translate::rename(&mut item, &renames);
    assert_eq!(item.get("l[1]"), Some(&s("one")));
    assert_eq!(item.get("l[3]"), Some(&s("three")));
    assert_eq!(item.get("b[1]"), Some(&s("b1")));
    assert_eq!(item.get("x"), Some(&s("x0")));
    assert!(!item.contains_key("l") && !item.contains_key("m"));
}

#[test]
fn next_tokens_round_trip_and_are_bound_to_their_request() {
    let lek = json!({"pk": {"S": "a"}});
    let h = token::fingerprint("SELECT * FROM t", None);
    let t = token::encode(h, &lek);
    assert_eq!(token::decode(&t, h).unwrap(), lek);
    let other = token::fingerprint("SELECT * FROM u", None);
    assert_eq!(token::decode(&t, other).unwrap_err().message(), "NextToken does not match request");
    assert_eq!(token::decode("@@", h).unwrap_err().message(), "Invalid NextToken");
}

/// Runs every phase on `src`; only panics matter.
fn exercise(src: &str) {
    let params = [s("a"), AttributeValue::N(crate::value::Number::parse("1").unwrap_or_else(|_| unreachable!()))];
    for n in 0..=params.len() {
        if let Ok(stmt) = parse(src, params.get(..n).unwrap_or_default()) {
            let keys = Keys::table("pk", Some("sk"));
            for surface in [Surface::ExecuteStatement, Surface::Batch, Surface::Transaction] {
                let _ = plan(&stmt, surface, &keys, Some(&Keys::table("g", None)));
            }
        }
    }
}

#[test]
fn deep_nesting_is_refused_not_a_stack_overflow() {
    let deep = format!("SELECT * FROM t WHERE {}a = 1{}", "(".repeat(10_000), ")".repeat(10_000));
    assert!(parse(&deep, &[]).is_err());
    let deep = format!("INSERT INTO t VALUE {{'a': {}1{}}}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(parse(&deep, &[]).is_err());
    let nots = format!("SELECT * FROM t WHERE {} a = 1", "NOT ".repeat(10_000));
    assert!(parse(&nots, &[]).is_err());
}

const WORDS: &[&str] = &[
    "SELECT", "*", "FROM", "t", "\"t\"", ".", "WHERE", "pk", "sk", "=", "<>", "<", ">=", "AND", "OR", "NOT", "(", ")",
    "'a'", "1", "-", "+", "?", "[", "]", "{", "}", ":", ",", "<<", ">>", "IN", "BETWEEN", "IS", "MISSING", "NULL",
    "INSERT", "INTO", "VALUE", "UPDATE", "SET", "REMOVE", "DELETE", "RETURNING", "ALL", "OLD", "NEW", "MODIFIED",
    "ORDER", "BY", "DESC", "EXISTS", "begins_with", "size", "set_add", "list_append", "true", "''", "\"\"", ";",
];

proptest! {
    #[test]
    fn arbitrary_strings_never_panic(src in ".{0,80}") {
        exercise(&src);
    }

    #[test]
    fn token_soups_never_panic(words in proptest::collection::vec(0..WORDS.len(), 0..24)) {
        let src: Vec<&str> = words.iter().filter_map(|i| WORDS.get(*i).copied()).collect();
        exercise(&src.join(" "));
    }

    #[test]
    fn arbitrary_tokens_never_panic(src in ".{0,40}") {
        let h = token::fingerprint(&src, None);
        let _ = token::decode(&src, h);
    }
}

#[test]
fn updates_may_name_the_table_first() {
    // paritysuite tier2 fromFirstUpdate and tier3 partiqlGrammar (AWS, 2026):
    // FROM t [WHERE …] SET …|REMOVE … [RETURNING …].
    let keys = Keys::table("pk", Some("sk"));
    let p = planned("from t where pk = 'a' and sk = 'b' set c = 1 remove d set e = ? returning all new *", &[s("x")], &keys, None);
    assert_eq!(p.kind, Kind::UpdateItem);
    assert_eq!(p.body["UpdateExpression"].as_str().map(|u| u.contains("REMOVE")), Some(true), "{:?}", p.body);
    assert_eq!(
        err("FROM t SET c = 1", &[]),
        "Where clause does not contain a mandatory equality on all key attributes"
    );
    assert_eq!(
        err("FROM t SET c = 1 WHERE pk = 'a' AND sk = 'b'", &[]),
        "Statement wasn't well formed, can't be processed: Unexpected token after expression"
    );
}

#[test]
fn grammar_errors_name_what_was_found() {
    // paritysuite partiqlGrammar (AWS, 2026).
    let nwf = |m: &str| format!("Statement wasn't well formed, can't be processed: {m}");
    for (src, want) in [
        ("SELECT * FROM t WHERE", nwf("Unexpected term")),
        ("SELECT * FROM t WHERE;", nwf("Unexpected term")),
        ("SELECT * FROM t WHERE NOT", nwf("Unexpected term")),
        ("SELECT * FROM t WHERE (", nwf("Unexpected term")),
        ("SELECT * FROM", nwf("Unexpected term")),
        ("SELECT * FROM t WHERE pk = 'a' AND", nwf("Missing right-hand side expression of infix operator")),
        ("SELECT * FROM t WHERE pk = 'a' OR", nwf("Missing right-hand side expression of infix operator")),
        ("SELECT * FROM t WHERE ORDER BY pk", nwf("Unexpected keyword")),
        ("SELECT * FROM t WHERE IS NULL", nwf("Unexpected operator")),
        ("SELECT * FROM t WHERE pk = LIKE", nwf("Unexpected operator")),
        ("SELECT * FROM t WHERE pk = 'a' AND x IS FOO", nwf("Expected type name")),
        ("DELETE FROM", nwf("Expected identifier for simple path")),
        ("DELETE FROM WHERE pk = 'a'", nwf("Expected identifier for simple path")),
        ("SELECT * FROM t WHERE pk = 1 # note", nwf("")),
        ("SELECT * FROM t WHERE pk = 1 /* note", nwf("")),
        ("SELECT * FROM t WHERE pk = 1e2147483648", nwf("")),
        ("SELECT * FROM t WHERE pk = 1.5e-2147483647", nwf("")),
        ("SELECT * FROM t x WHERE pk = 'a'", "Aliasing is not supported".to_owned()),
        ("SELECT * FROM t AS x WHERE pk = 'a'", "Aliasing is not supported".to_owned()),
        ("DELETE FROM t x WHERE pk = 'a'", "Aliasing is not supported".to_owned()),
        ("UPDATE t x SET a = 3 WHERE pk = 'a'", "Aliasing is not supported".to_owned()),
        ("INSERT INTO t x VALUE {'pk': 'a'}", nwf("Unexpected token after expression")),
        ("SELECT * FROM t WHERE pk = 'a' AND attribute_exists(m.inner)", nwf("Invalid path dot component")),
        ("UPDATE t SET m.inner = set_add(m.inner, <<'y'>>) WHERE pk = 'a'", nwf("Invalid path dot component")),
        ("SELECT * FROM t WHERE pk = 'a' AND m.SELECT = 1", nwf("Invalid path dot component")),
        (
            "SELECT * FROM t WHERE pk = 1e126",
            "Number overflow. Attempting to store a number with magnitude larger than supported range under root".to_owned(),
        ),
        (
            "INSERT INTO t VALUE {'pk': 1, 'm': {'x': 1e126}}",
            "Number overflow. Attempting to store a number with magnitude larger than supported range under root.x".to_owned(),
        ),
        (
            "INSERT INTO t VALUE {'pk': 1, 'l': [1, 1e-131]}",
            "Number underflow. Attempting to store a number with magnitude smaller than supported range under root[1]".to_owned(),
        ),
    ] {
        assert_eq!(err(src, &[]), want, "{src}");
    }
}

#[test]
fn a_quoted_or_unreserved_dot_step_is_a_name() {
    let keys = Keys::table("pk", None);
    for src in [
        "SELECT * FROM t WHERE pk = 'a' AND attribute_exists(m.\"inner\")",
        "SELECT * FROM t WHERE pk = 'a' AND attribute_exists(m.name)",
        "SELECT * FROM t WHERE pk = 'a' AND m.innermost = 1",
    ] {
        let p = planned(src, &[], &keys, None);
        assert_eq!(p.kind, Kind::Query, "{src}");
    }
}

#[test]
fn a_function_without_operands_is_refused_by_count() {
    assert_eq!(
        err("SELECT * FROM t WHERE pk = 'a' AND attribute_exists()", &[]),
        "Incorrect number of operands for operator or function; operator or function: attribute_exists, number of operands: 0"
    );
    assert_eq!(
        err("SELECT * FROM t WHERE pk = 'a' AND begins_with(x)", &[]),
        "Incorrect number of operands for operator or function; operator or function: begins_with, number of operands: 1"
    );
}

#[test]
fn a_condition_function_compared_with_a_boolean_is_that_condition() {
    let keys = Keys::table("pk", None);
    let p = planned("SELECT * FROM t WHERE pk = 'a' AND attribute_exists(ss) = true", &[], &keys, None);
    assert_eq!(p.body["FilterExpression"].as_str().map(|f| f.starts_with("attribute_exists(")), Some(true), "{:?}", p.body);
    let p = planned("SELECT * FROM t WHERE pk = 'a' AND attribute_exists(ss) = false", &[], &keys, None);
    assert_eq!(p.body["FilterExpression"].as_str().map(|f| f.starts_with("NOT attribute_exists(")), Some(true), "{:?}", p.body);
}

#[test]
fn or_branches_may_not_overlap_on_the_sort_key() {
    // paritysuite partiqlGrammar and whereOverlap (AWS, 2026), and
    // emulator suites' records of DynamoDB.
    let overlapping = "Overlapping conditions with range keys are not supported in where clause";
    for where_ in [
        "pk = 'a' AND x = '1' OR pk = 'a' AND sk = '2'",
        "pk = 'a' AND x <> '1' OR pk = 'a' AND sk = '2'",
        "pk = 'a' AND (sk > '0' OR sk < '5')",
        "pk = 'a' AND (sk = '1' OR flag = 'two')",
        "pk IN ['a', 'a'] AND sk = '1'",
        "pk = 'a' AND (begins_with(sk, 'ab') OR sk = 'abc')",
    ] {
        assert_eq!(err(&format!("SELECT * FROM t WHERE {where_}"), &[]), overlapping, "{where_}");
    }
    let keys = Keys::table("pk", Some("sk"));
    for where_ in [
        "pk = 'a' AND (sk = '1' OR sk = '2')",
        "pk = 'a' AND sk IN ['1', '2']",
        "pk = 'a' AND (sk < '1' OR sk > '1' OR sk = '1')",
        "pk = 'a' OR sk = '1'",
        "pk = 'a' OR pk = 'b'",
        "pk = 'a' AND NOT sk = '1' OR pk = 'a' AND sk = '2'",
        "pk = 'a' AND sk <> '1' OR pk = 'a' AND sk = '2'",
        "pk = 'a' AND NOT begins_with(sk, 'x') OR pk = 'a' AND sk = '2'",
        "pk = 'a' OR pk = 'a' AND NOT sk = '1'",
        "pk = 'a' AND (begins_with(sk, 'ab') OR sk = 'ac')",
        "pk = 'a' AND (sk BETWEEN '1' AND '3' OR sk > '3')",
        "pk = 'a' AND (attribute_exists(x) OR attribute_exists(y))",
    ] {
        planned(&format!("SELECT * FROM t WHERE {where_}"), &[], &keys, None);
    }
}

#[test]
fn an_insert_into_an_index_is_a_parse_error() {
    for src in [r#"INSERT INTO "T"."gsi" VALUE {'pk': 'a'}"#, r#"INSERT INTO "T"."none" VALUE {'pk': 'a'}"#] {
        let e = err(src, &[]);
        assert!(e.ends_with("FROM clause may only contain a single table name"), "{e}");
    }
    assert_eq!(err(r#"DELETE FROM "T"."gsi" WHERE pk = 'a'"#, &[]), "This operation is not supported on an index");
}

