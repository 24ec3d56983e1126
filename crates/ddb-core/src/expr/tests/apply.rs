//! Update application and projection, with the Developer Guide's
//! UpdateExpression examples as golden cases.

use super::*;
use crate::expr::parse_projection;
use crate::expr::projection::project;

const MISSING: &str = "The provided expression refers to an attribute that does not exist in the item";
const WRONG_TYPE: &str = "An operand in the update expression has an incorrect data type";
const BAD_PATH: &str = "The document path provided in the update expression is invalid for update";

fn product() -> Item {
    item(&[
        ("pk", n("789")),
        ("ProductCategory", s("Home Improvement")),
        ("Price", n("52")),
        ("InStock", AttributeValue::Bool(true)),
        ("Brand", s("Acme")),
        ("QuantityOnHand", n("10")),
        ("Color", ss(&["Red", "Yellow", "Black"])),
        ("RelatedItems", l(vec![s("Hammer"), s("Nails"), s("Glue")])),
        ("ProductReviews", m(&[("FiveStar", l(vec![s("Best product ever!"), s("Nice")])), ("OneStar", l(vec![s("Terrible")]))])),
    ])
}

#[test]
fn developer_guide_set_examples() {
    let nm = Names::new();
    let out = apply("SET ProductCategory = :c, Price = :p", &nm,
        &values(&[(":c", s("Hardware")), (":p", n("60"))]), &product()).unwrap();
    assert_eq!(out.get("ProductCategory"), Some(&s("Hardware")));
    assert_eq!(out.get("Price"), Some(&n("60")));

    let out = apply("SET RelatedItems[1] = :ri", &nm, &values(&[(":ri", s("Nails2"))]), &product()).unwrap();
    assert_eq!(out.get("RelatedItems"), Some(&l(vec![s("Hammer"), s("Nails2"), s("Glue")])));

    let pn = names(&[("#pr", "ProductReviews"), ("#5star", "FiveStar"), ("#3star", "ThreeStar")]);
    let out = apply("SET #pr.#5star[1] = :r5, #pr.#3star = :r3", &pn,
        &values(&[(":r5", s("Very happy")), (":r3", l(vec![s("Just OK")]))]), &product()).unwrap();
    assert_eq!(
        out.get("ProductReviews"),
        Some(&m(&[
            ("FiveStar", l(vec![s("Best product ever!"), s("Very happy")])),
            ("OneStar", l(vec![s("Terrible")])),
            ("ThreeStar", l(vec![s("Just OK")])),
        ]))
    );

    let out = apply("SET Price = Price - :p", &nm, &values(&[(":p", n("15"))]), &product()).unwrap();
    assert_eq!(out.get("Price"), Some(&n("37")));
    let out = apply("SET Price = Price + :p", &nm, &values(&[(":p", n("0.5"))]), &product()).unwrap();
    assert_eq!(out.get("Price"), Some(&n("52.5")));

    let ri = names(&[("#ri", "RelatedItems")]);
    let vals = values(&[(":vals", l(vec![s("Screwdriver"), s("Hacksaw")]))]);
    let out = apply("SET #ri = list_append(#ri, :vals)", &ri, &vals, &product()).unwrap();
    assert_eq!(out.get("RelatedItems"), Some(&l(vec![s("Hammer"), s("Nails"), s("Glue"), s("Screwdriver"), s("Hacksaw")])));
    let out = apply("SET #ri = list_append(:vals, #ri)", &ri, &vals, &product()).unwrap();
    assert_eq!(out.get("RelatedItems"), Some(&l(vec![s("Screwdriver"), s("Hacksaw"), s("Hammer"), s("Nails"), s("Glue")])));

    let out = apply("SET Price = if_not_exists(Price, :p)", &nm, &values(&[(":p", n("100"))]), &product()).unwrap();
    assert_eq!(out.get("Price"), Some(&n("52")));
    let out = apply("SET Discount = if_not_exists(Discount, :p)", &nm, &values(&[(":p", n("100"))]), &product()).unwrap();
    assert_eq!(out.get("Discount"), Some(&n("100")));
}

#[test]
fn developer_guide_remove_add_delete_examples() {
    let nm = Names::new();
    let out = apply("REMOVE Brand, InStock, QuantityOnHand", &nm, &Values::new(), &product()).unwrap();
    assert!(!out.contains_key("Brand") && !out.contains_key("InStock") && !out.contains_key("QuantityOnHand"));
    assert!(out.contains_key("Price"));

    let out = apply("REMOVE RelatedItems[1], RelatedItems[2]", &nm, &Values::new(), &product()).unwrap();
    assert_eq!(out.get("RelatedItems"), Some(&l(vec![s("Hammer")])));

    let out = apply("ADD QuantityOnHand :q", &nm, &values(&[(":q", n("5"))]), &product()).unwrap();
    assert_eq!(out.get("QuantityOnHand"), Some(&n("15")));
    let out = apply("ADD Color :c", &nm, &values(&[(":c", ss(&["Orange", "Purple"]))]), &product()).unwrap();
    assert!(crate::expr::values::values_equal(
        out.get("Color").unwrap(),
        &ss(&["Red", "Yellow", "Black", "Orange", "Purple"])
    ));
    let out = apply("DELETE Color :p", &nm, &values(&[(":p", ss(&["Yellow", "Purple"]))]), &product()).unwrap();
    assert_eq!(out.get("Color"), Some(&ss(&["Red", "Black"])));
}

#[test]
fn reads_happen_before_writes() {
    let nm = Names::new();
    let it = item(&[("pk", s("k")), ("a", s("hello"))]);
    let out = apply("REMOVE a SET b = a", &nm, &Values::new(), &it).unwrap();
    assert_eq!(out, item(&[("pk", s("k")), ("b", s("hello"))]));
    let out = apply("SET c = a, a = :v", &nm, &values(&[(":v", n("1"))]), &it).unwrap();
    assert_eq!(out.get("c"), Some(&s("hello")));
    assert_eq!(apply("SET x = :v, y = x", &nm, &values(&[(":v", n("4"))]), &it).unwrap_err(), MISSING);
    assert_eq!(apply("SET z = z", &nm, &Values::new(), &it).unwrap_err(), MISSING);
    assert_eq!(apply("SET c = list_append(uk, :i)", &nm, &values(&[(":i", l(vec![]))]), &it).unwrap_err(), MISSING);
}

#[test]
fn list_indexes_refer_to_the_original_list() {
    let nm = Names::new();
    let it = item(&[("a", l(["2", "3", "4", "5", "6", "7"].iter().map(|x| n(x)).collect()))]);
    let want: AttributeValue = l(["2", "4", "17", "6", "7"].iter().map(|x| n(x)).collect());
    for src in ["REMOVE a[1] SET a[3] = :v", "SET a[3] = :v REMOVE a[1]"] {
        let out = apply(src, &nm, &values(&[(":v", n("17"))]), &it).unwrap();
        assert_eq!(out.get("a"), Some(&want), "{src}");
    }
    // SET past the end appends, in index order.
    let it = item(&[("a", l(vec![s("one"), s("two"), s("three")]))]);
    let out = apply("SET a[7] = :v", &nm, &values(&[(":v", s("hello"))]), &it).unwrap();
    assert_eq!(out.get("a"), Some(&l(vec![s("one"), s("two"), s("three"), s("hello")])));
    let vs = values(&[(":v1", s("a1")), (":v2", s("a2")), (":v3", s("a3")), (":v4", s("a4"))]);
    let out = apply("SET a[84] = :v1, a[37] = :v2, a[17] = :v3, a[50] = :v4", &nm, &vs, &it).unwrap();
    assert_eq!(out.get("a"), Some(&l(vec![s("one"), s("two"), s("three"), s("a3"), s("a2"), s("a4"), s("a1")])));
    // ADD past the end appends in index order too, after the SETs
    // (dynalite's updateItem test, recorded against DynamoDB).
    let vs = values(&[(":a", n("2")), (":b", ss(&["a"]))]);
    let it = item(&[("c", l(vec![n("1"), n("3")]))]);
    let out = apply("SET c[4] = :a ADD c[8] :b, c[6] :a", &nm, &vs, &it).unwrap();
    assert_eq!(out.get("c"), Some(&l(vec![n("1"), n("3"), n("2"), n("2"), ss(&["a"])])));
    let it = item(&[("a", l(vec![s("one"), s("two"), s("three")]))]);
    // REMOVE past the end does nothing; removing the last element leaves [].
    let out = apply("REMOVE a[17]", &nm, &Values::new(), &it).unwrap();
    assert_eq!(out, it);
    let out = apply("REMOVE a[0]", &nm, &Values::new(), &item(&[("a", l(vec![n("1")]))])).unwrap();
    assert_eq!(out.get("a"), Some(&l(vec![])));
}

#[test]
fn nested_updates() {
    let nm = Names::new();
    let it = item(&[("a", m(&[("x", n("3")), ("y", n("4")), ("c", m(&[("y", n("3"))]))])), ("b", m(&[("x", n("1")), ("y", n("2"))]))]);
    let out = apply("SET a.b = :v1, a.c.d = :v2, b.x = :v3 REMOVE a.x, b.y", &nm,
        &values(&[(":v1", n("10")), (":v2", s("dog")), (":v3", n("17"))]), &it).unwrap();
    assert_eq!(out.get("a"), Some(&m(&[("y", n("4")), ("b", n("10")), ("c", m(&[("y", n("3")), ("d", s("dog"))]))])));
    assert_eq!(out.get("b"), Some(&m(&[("x", n("17"))])));
    let deep = item(&[("a", m(&[("b", n("3")), ("c", l(vec![s("hi"), m(&[("x", m(&[("y", l(vec![n("3"), n("5"), n("7")]))])), ("q", n("2"))])]))]))]);
    let out = apply("REMOVE a.c[1].x.y[1], a.c[1].q", &nm, &Values::new(), &deep).unwrap();
    assert_eq!(out.get("a"), Some(&m(&[("b", n("3")), ("c", l(vec![s("hi"), m(&[("x", m(&[("y", l(vec![n("3"), n("7")]))]))])]))])));
    let out = apply("REMOVE a.b", &nm, &Values::new(), &item(&[("a", m(&[("b", n("1"))]))])).unwrap();
    assert_eq!(out.get("a"), Some(&m(&[])));
}

#[test]
fn invalid_document_paths() {
    let nm = Names::new();
    let vs = values(&[(":v", n("7"))]);
    let it = item(&[("a", s("hello")), ("b", l(vec![s("hi")]))]);
    for src in ["SET a.c = :v", "SET b.c = :v", "SET c.c = :v", "SET a[0] = :v", "SET c[0] = :v", "ADD c.d :v"] {
        assert_eq!(apply(src, &nm, &vs, &it).unwrap_err(), BAD_PATH, "{src}");
    }
    for src in ["REMOVE a.c", "REMOVE b.c", "REMOVE c.c", "REMOVE a[0]"] {
        assert_eq!(apply(src, &nm, &Values::new(), &it).unwrap_err(), BAD_PATH, "{src}");
    }
    // Missing leaves are fine to remove.
    let it2 = item(&[("a", m(&[("x", n("3"))])), ("b", l(vec![s("hi")]))]);
    assert_eq!(apply("REMOVE a.y, b[7], c", &nm, &Values::new(), &it2).unwrap(), it2);
    // A REMOVE through a missing parent is ignored when the item is new.
    let no_values = Values::new();
    for src in ["REMOVE x.y", "REMOVE x[0]"] {
        let u = upd(src, &nm, &no_values).unwrap();
        let mut fresh = item(&[("pk", s("k"))]);
        let ctx = UpdateContext { key_attributes: &["pk"], item_existed: false };
        apply_update(&u, &mut fresh, &ctx).unwrap();
        assert_eq!(fresh, item(&[("pk", s("k"))]));
        let ctx = UpdateContext { key_attributes: &["pk"], item_existed: true };
        assert_eq!(apply_update(&u, &mut fresh, &ctx).unwrap_err().to_string(), BAD_PATH);
    }
}

#[test]
fn runtime_type_errors() {
    let nm = Names::new();
    let it = item(&[("a", n("3")), ("b", s("hi")), ("lst", l(vec![n("1")])), ("nums", ns(&["1"]))]);
    let one = values(&[(":v", n("1"))]);
    assert_eq!(apply("ADD b :v", &nm, &one, &it).unwrap_err(), WRONG_TYPE);
    assert_eq!(apply("SET c = b + :v", &nm, &one, &it).unwrap_err(), WRONG_TYPE);
    assert_eq!(apply("SET c = list_append(a, :l)", &nm, &values(&[(":l", l(vec![]))]), &it).unwrap_err(), WRONG_TYPE);
    assert_eq!(apply("ADD lst :s", &nm, &values(&[(":s", ns(&["3"]))]), &it).unwrap_err(), WRONG_TYPE);
    assert_eq!(apply("ADD nums :s", &nm, &values(&[(":s", ss(&["3"]))]), &it).unwrap_err(), WRONG_TYPE);
    assert_eq!(apply("DELETE b :s", &nm, &values(&[(":s", ss(&["hi"]))]), &it).unwrap_err(), WRONG_TYPE);
    // Arithmetic overflow reports the Number error.
    let big = values(&[(":v", n("9.9999999999999999999999999999999999999E+125"))]);
    let err = apply("SET c = :v + :v", &nm, &big, &it).unwrap_err();
    assert!(err.starts_with("Number overflow"), "{err}");
}

/// `if_not_exists(path, value)` is typed when the update runs, not before:
/// the attribute it names may be of the type the operator needs even when
/// the default is not (dynalite's updateItem.js, recorded against DynamoDB).
#[test]
fn if_not_exists_is_typed_when_the_update_runs() {
    let nm = Names::new();
    let it = item(&[("a", l(vec![n("1")])), ("b", l(vec![n("2")]))]);
    let default = values(&[(":s", s("x"))]);
    let out = apply("SET b = list_append(b, if_not_exists(a, :s))", &nm, &default, &it).unwrap();
    assert_eq!(out.get("b"), Some(&l(vec![n("2"), n("1")])));
    assert_eq!(apply("SET b = list_append(b, if_not_exists(zz, :s))", &nm, &default, &it).unwrap_err(), WRONG_TYPE);
    let counter = item(&[("c", n("4"))]);
    let out = apply("SET c = if_not_exists(c, :s) + :one", &nm, &values(&[(":s", s("x")), (":one", n("1"))]), &counter).unwrap();
    assert_eq!(out.get("c"), Some(&n("5")));
}

#[test]
fn add_and_delete_semantics() {
    let nm = Names::new();
    let it = item(&[("pk", s("k")), ("a", ns(&["1", "2"]))]);
    let out = apply("ADD b :v", &nm, &values(&[(":v", n("7"))]), &it).unwrap();
    assert_eq!(out.get("b"), Some(&n("7")));
    let out = apply("ADD b :v", &nm, &values(&[(":v", ss(&["dog"]))]), &it).unwrap();
    assert_eq!(out.get("b"), Some(&ss(&["dog"])));
    let out = apply("ADD a :v", &nm, &values(&[(":v", ns(&["2", "3"]))]), &it).unwrap();
    assert_eq!(out.get("a"), Some(&ns(&["1", "2", "3"])));
    let out = apply("DELETE a :v", &nm, &values(&[(":v", ns(&["9"]))]), &it).unwrap();
    assert_eq!(out.get("a"), Some(&ns(&["1", "2"])));
    let out = apply("DELETE a :v", &nm, &values(&[(":v", ns(&["1", "2"]))]), &it).unwrap();
    assert_eq!(out, item(&[("pk", s("k"))]));
    let out = apply("DELETE zz :v", &nm, &values(&[(":v", ns(&["1"]))]), &it).unwrap();
    assert_eq!(out, it);
}

#[test]
fn key_attributes_cannot_be_updated() {
    let nm = Names::new();
    let it = item(&[("pk", s("k"))]);
    let msg = "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key";
    for src in ["SET pk = :v", "REMOVE pk", "ADD pk :v", "DELETE pk :s"] {
        let vs = if src.contains(":s") {
            values(&[(":s", ss(&["x"]))])
        } else if src.contains(":v") {
            values(&[(":v", n("1"))])
        } else {
            Values::new()
        };
        assert_eq!(apply(src, &nm, &vs, &it).unwrap_err(), msg, "{src}");
    }
    let pn = names(&[("#attr1", "pk")]);
    assert_eq!(apply("SET #attr1 = :v", &pn, &values(&[(":v", s("x"))]), &it).unwrap_err(), msg);
}

fn proj(src: &str, nm: &Names, it: &Item) -> Item {
    let p = parse_projection(src).unwrap();
    let nm: Option<&dyn crate::expr::resolve::NameSource> = (!nm.is_empty()).then_some(nm as _);
    let mut r = Resolver::new(nm, None).unwrap();
    let p = r.resolve_projection(&p).unwrap();
    r.finish().unwrap();
    project(&p, it)
}

#[test]
fn projections() {
    let nm = Names::new();
    let it = product();
    // The Developer Guide's example.
    let out = proj("Brand, RelatedItems[0], ProductReviews.FiveStar", &nm, &it);
    assert_eq!(
        out,
        item(&[
            ("Brand", s("Acme")),
            ("RelatedItems", l(vec![s("Hammer")])),
            ("ProductReviews", m(&[("FiveStar", l(vec![s("Best product ever!"), s("Nice")]))])),
        ])
    );
    // Selected list elements come back compacted and in index order.
    assert_eq!(proj("RelatedItems[2], RelatedItems[0]", &nm, &it), item(&[("RelatedItems", l(vec![s("Hammer"), s("Glue")]))]));
    // Missing paths and wrong types contribute nothing.
    assert_eq!(proj("Nope, Brand.x, Price[0], RelatedItems[9], ProductReviews.Nothing", &nm, &it), Item::new());
    let deep = item(&[("a", l(vec![m(&[("b", n("1")), ("c", n("2")), ("d", n("3"))])]))]);
    assert_eq!(proj("a[0].b, a[0].d", &nm, &deep), item(&[("a", l(vec![m(&[("b", n("1")), ("d", n("3"))])]))]));
    let pn = names(&[("#n", "Name")]);
    assert_eq!(proj("#n", &pn, &item(&[("Name", s("x")), ("y", n("1"))])), item(&[("Name", s("x"))]));
}

#[test]
fn static_types_are_what_the_expression_alone_tells() {
    use crate::expr::update::static_type;
    let nm = Names::new();
    let vs = values(&[(":n", n("1")), (":s", s("x")), (":ns", ns(&["1"])), (":l", l(vec![]))]);
    let u = upd(
        "SET a = :s, b = c + :n, d = list_append(d, :l), e = f, g = if_not_exists(g, :n) ADD h :n DELETE i :ns REMOVE j",
        &nm,
        &vs,
    )
    .unwrap();
    let types: Vec<Option<&str>> = u.actions.iter().map(static_type).collect();
    assert_eq!(types, [Some("S"), Some("N"), Some("L"), None, None, Some("N"), Some("NS"), None]);
}

#[test]
fn update_paths_are_visited_targets_first_then_operands() {
    let nm = Names::new();
    let vs = values(&[(":n", n("1")), (":l", l(vec![]))]);
    let u = upd("SET a.b = c[1] + :n, d = list_append(e, if_not_exists(f.g, :l)) REMOVE h", &nm, &vs).unwrap();
    let mut seen = Vec::new();
    u.visit_paths(&mut |p| seen.push(p.head.to_string()));
    assert_eq!(seen, ["a", "c", "d", "e", "f", "h"]);
}
