//! Condition evaluation: every comparator, BETWEEN, IN, every function,
//! boolean logic and precedence, with the Developer Guide's examples.

use super::*;

fn all_types() -> Vec<AttributeValue> {
    vec![
        n("1"),
        s("hello"),
        AttributeValue::Bool(true),
        b(b"xyz"),
        AttributeValue::Null,
        l(vec![s("hello"), n("42")]),
        m(&[("hello", s("world"))]),
        ss(&["hello", "world"]),
        ns(&["1", "2", "3"]),
        AttributeValue::Bs(vec![b"xyz".to_vec(), b"hi".to_vec()]),
    ]
}

#[test]
fn equality_is_per_type_and_never_across_types() {
    let nm = Names::new();
    for (i, x) in all_types().into_iter().enumerate() {
        for (j, y) in all_types().into_iter().enumerate() {
            let it = item(&[("a", x.clone()), ("b", x.clone())]);
            let vs = values(&[(":v", y.clone())]);
            assert_eq!(check("a = :v", &nm, &vs, &it), i == j, "{x:?} = {y:?}");
            assert_eq!(check("a <> :v", &nm, &vs, &it), i != j, "{x:?} <> {y:?}");
            assert!(check("a = b", &nm, &Values::new(), &it));
            assert_eq!(check("a IN (:v)", &nm, &vs, &it), i == j);
        }
    }
}

#[test]
fn missing_attributes() {
    let (nm, _) = none();
    let vs = values(&[(":v", n("2"))]);
    let it = item(&[("a", n("1"))]);
    assert!(!check("q = :v", &nm, &vs, &it));
    assert!(check("q <> :v", &nm, &vs, &it));
    // Two missing attributes are not equal, and always unequal.
    assert!(!check("q = z", &nm, &Values::new(), &it));
    assert!(check("q <> z", &nm, &Values::new(), &it));
    for op in ["<", "<=", ">", ">="] {
        assert!(!check(&format!("q {op} z"), &nm, &Values::new(), &it));
        assert!(!check(&format!("q {op} :v"), &nm, &vs, &it));
        assert!(!check(&format!(":v {op} q"), &nm, &vs, &it));
    }
    assert!(!check("q between z and x", &nm, &Values::new(), &it));
    assert!(!check("q IN (:v)", &nm, &vs, &it));
    assert!(check("p <> :v", &nm, &vs, &Item::new()));
}

#[test]
fn ordering_for_strings_numbers_binaries() {
    let nm = Names::new();
    let it = item(&[("a", n("1")), ("b", s("cat")), ("c", b(b"cat")), ("x", l(vec![n("1")]))]);
    let cases: &[(&str, AttributeValue, bool)] = &[
        ("a < :v", n("2"), true),
        ("a < :v", n("1"), false),
        ("a <= :v", n("1"), true),
        ("a > :v", n("0"), true),
        ("a >= :v", n("2"), false),
        ("b < :v", s("dog"), true),
        ("b < :v", s("aardvark"), false),
        ("b >= :v", s("cat"), true),
        ("c < :v", b(b"dog"), true),
        ("c > :v", b(b"aardvark"), true),
        ("a < :v", s("17"), false),
        ("x < :v", n("1"), false),
        (":v > x", n("1"), false),
        ("a > :v", n("-1e-130"), true),
        ("a < :v", n("1.0000000000000000000000000000000000001"), true),
    ];
    for (src, v, want) in cases {
        assert_eq!(check(src, &nm, &values(&[(":v", v.clone())]), &it), *want, "{src} {v:?}");
    }
    // Binary is unsigned: 127 < 128.
    let it = item(&[("b", b(&[127]))]);
    assert!(check("b < :v", &nm, &values(&[(":v", b(&[128]))]), &it));
}

#[test]
fn between_and_in() {
    let nm = Names::new();
    let it = item(&[("a", n("1")), ("b", s("cat")), ("x", n("0")), ("y", n("2")), ("two", n("2"))]);
    let vs = |lo: AttributeValue, hi: AttributeValue| values(&[(":l", lo), (":h", hi)]);
    assert!(check("a BETWEEN :l AND :h", &nm, &vs(n("0"), n("2")), &it));
    assert!(check("a between :l and :h", &nm, &vs(n("1"), n("1")), &it));
    assert!(!check("a BETWEEN :l AND :h", &nm, &vs(n("2"), n("7")), &it));
    assert!(check("b BETWEEN :l AND :h", &nm, &vs(s("aardvark"), s("dog")), &it));
    assert!(!check("a BETWEEN :l AND :h", &nm, &vs(s("0"), s("2")), &it));
    assert!(check("a BETWEEN x AND y", &nm, &Values::new(), &it));
    // Wrong order or types from the item make it false, not an error.
    assert!(!check("a BETWEEN two AND :v", &nm, &values(&[(":v", n("1"))]), &it));
    assert!(!check("a BETWEEN two AND :v", &nm, &values(&[(":v", s("dog"))]), &it));
    // IN: any equal member; members may mix types.
    let vs = values(&[(":x", s("dog")), (":y", n("1"))]);
    assert!(check("a IN (:x, :y)", &nm, &vs, &it));
    assert!(!check("b IN (:y)", &nm, &values(&[(":y", n("1"))]), &it));
    let many: Vec<(String, AttributeValue)> = (0..99).map(|i| (format!(":v{i}"), n(&i.to_string()))).collect();
    let vs: Values = many.iter().cloned().collect();
    let list = many.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join(",");
    assert!(!check(&format!("a IN ({list})"), &nm, &vs, &item(&[("a", n("174"))])));
    assert!(check(&format!("a IN ({list})"), &nm, &vs, &item(&[("a", n("74"))])));
}

#[test]
fn attribute_exists_and_type() {
    let nm = Names::new();
    let types = [
        ("S", s("hello")),
        ("SS", ss(&["hello", "world"])),
        ("N", n("2")),
        ("NS", ns(&["1", "2"])),
        ("B", b(b"dog")),
        ("BS", AttributeValue::Bs(vec![b"dog".to_vec()])),
        ("BOOL", AttributeValue::Bool(true)),
        ("NULL", AttributeValue::Null),
        ("L", l(vec![n("1"), s("dog")])),
        ("M", m(&[("a", n("3"))])),
    ];
    for (i, (tag, v)) in types.iter().enumerate() {
        let it = item(&[("a", v.clone())]);
        assert!(check("attribute_type(a, :t)", &nm, &values(&[(":t", s(tag))]), &it), "{tag}");
        let (wrong, _) = &types[(i + 1) % types.len()];
        assert!(!check("attribute_type(a, :t)", &nm, &values(&[(":t", s(wrong))]), &it));
        assert!(check("attribute_exists (a)", &nm, &Values::new(), &it));
        assert!(!check("attribute_not_exists(a)", &nm, &Values::new(), &it));
        assert!(check("attribute_not_exists(z)", &nm, &Values::new(), &it));
    }
    // The first operand may be a constant.
    assert!(check("attribute_type(:v, :t)", &nm, &values(&[(":v", n("0")), (":t", s("N"))]), &Item::new()));
}

#[test]
fn begins_with_and_contains() {
    let nm = Names::new();
    let it = item(&[
        ("a", s("hello")),
        ("b", b(b"hi there")),
        ("nset", ns(&["2", "4", "7"])),
        ("lst", l(vec![s("hi"), ns(&["1", "2"]), l(vec![n("3"), n("4")])])),
        ("strs", ss(&["Red", "Black"])),
        ("bins", AttributeValue::Bs(vec![b"x".to_vec()])),
        ("num", n("5")),
    ]);
    let v = |x: AttributeValue| values(&[(":v", x)]);
    assert!(check("begins_with(a, :v)", &nm, &v(s("hell")), &it));
    assert!(!check("begins_with(a, :v)", &nm, &v(s("dog")), &it));
    assert!(check("begins_with(b, :v)", &nm, &v(b(b"hi")), &it));
    assert!(!check("begins_with(b, :v)", &nm, &v(s("hi")), &it));
    assert!(!check("begins_with(num, :v)", &nm, &v(s("5")), &it));
    assert!(check("begins_with(:v, a)", &nm, &v(s("hellohi")), &it));
    assert!(check("contains(a, :v)", &nm, &v(s("ell")), &it));
    assert!(check("contains(b, :v)", &nm, &v(b(b"here")), &it));
    assert!(!check("contains(b, :v)", &nm, &v(b(b"dog")), &it));
    assert!(check("contains(nset, :v)", &nm, &v(n("4")), &it));
    assert!(!check("contains(nset, :v)", &nm, &v(s("4")), &it));
    assert!(check("contains(strs, :v)", &nm, &v(s("Red")), &it));
    assert!(check("contains(bins, :v)", &nm, &v(b(b"x")), &it));
    assert!(check("contains(lst, :v)", &nm, &v(ns(&["2", "1"])), &it));
    assert!(check("contains(lst, :v)", &nm, &v(l(vec![n("3"), n("4")])), &it));
    assert!(!check("contains(lst, :v)", &nm, &v(s("h")), &it));
    assert!(!check("contains(num, :v)", &nm, &v(n("5")), &it));
    assert!(!check("contains(absent, :v)", &nm, &v(n("5")), &it));
}

#[test]
fn size_of_each_type() {
    let nm = Names::new();
    let it = item(&[
        ("a", s("hello")),
        ("b", ns(&["2", "4", "7"])),
        ("c", l(vec![n("2"), s("dog"), n("7")])),
        ("d", b(b"hi there")),
        ("e", m(&[("x", n("2")), ("y", m(&[("m", n("3"))]))])),
        ("f", n("5")),
        ("g", AttributeValue::Bool(true)),
        ("h", AttributeValue::Null),
        ("u", s("héllo")),
        ("w", s("é𝄞")),
    ]);
    let v = |x: &str| values(&[(":v", n(x))]);
    assert!(check("size(a)=:v", &nm, &v("5"), &it));
    assert!(check("size(b)=:v", &nm, &v("3"), &it));
    assert!(check("size(c)=:v", &nm, &v("3"), &it));
    assert!(check("size(d)=:v", &nm, &v("8"), &it));
    assert!(check("size(e)=:v", &nm, &v("2"), &it));
    // UTF-16 code units, as DynamoDB counts a string's size.
    assert!(check("size(u)=:v", &nm, &v("5"), &it));
    assert!(check("size(w)=:v", &nm, &v("3"), &it));
    for attr in ["f", "g", "h", "absent"] {
        assert!(!check(&format!("size({attr})=:v"), &nm, &v("1"), &it));
    }
    assert!(!check("size(a)=:v", &nm, &values(&[(":v", s("dog"))]), &it));
    assert!(check("size(a)=f", &nm, &Values::new(), &it));
    assert!(check("size(a) <> :v AND size(a) < :w AND size(a) >= :x", &nm,
        &values(&[(":v", n("4")), (":w", n("7")), (":x", n("2"))]), &it));
    assert!(check("size(c[1]) = :v", &nm, &v("3"), &it));
}

#[test]
fn boolean_logic_and_precedence() {
    let nm = Names::new();
    let it = item(&[("a", n("1")), ("b", n("2")), ("c", n("3"))]);
    let none = Values::new();
    assert!(check("a < b AND b < c", &nm, &none, &it));
    assert!(!check("a < b AND c < b", &nm, &none, &it));
    assert!(check("b < a OR b < c", &nm, &none, &it));
    assert!(!check("b < a OR c < b", &nm, &none, &it));
    assert!(check("NOT b < a", &nm, &none, &it));
    assert!(check("NOT NOT NOT NOT a < b", &nm, &none, &it));
    // AND before OR; NOT before AND; BETWEEN's AND before the logical AND.
    assert!(check("a < b OR c < b AND b < c", &nm, &none, &it));
    assert!(!check("NOT a < b AND c < b", &nm, &none, &it));
    assert!(check("b BETWEEN a AND c AND a < b", &nm, &none, &it));
    assert!(check("(a < b OR b < a) AND (b < c AND (a < b OR b < c))", &nm, &none, &it));
    assert!(!check("(a < b OR c < b) AND b > c", &nm, &none, &it));
}

#[test]
fn nested_attributes_and_name_placeholders() {
    let it = item(&[
        ("b", m(&[("x", n("1")), ("y", l(vec![n("-1"), n("2"), n("0")]))])),
        ("and", m(&[("or", n("2"))])),
    ]);
    let none = Values::new();
    let nm = Names::new();
    assert!(check("attribute_exists (b.x)", &nm, &none, &it));
    assert!(check("b.x < b.y[1]", &nm, &none, &it));
    assert!(!check("b.x < b.y[0]", &nm, &none, &it));
    assert!(!check("b.z < b.y[100]", &nm, &none, &it));
    assert!(!check("attribute_exists(b.x.y)", &nm, &none, &it));
    assert!(!check("attribute_exists(b[0])", &nm, &none, &it));
    let nm = names(&[("#name1", "and"), ("#name2", "or")]);
    assert!(check("#name1.#name2 = :two", &nm, &values(&[(":two", n("2"))]), &it));
    // A dot inside a placeholder's name is part of the name.
    let nm = names(&[("#a", "a.b")]);
    assert!(check("attribute_exists(#a)", &nm, &none, &item(&[("a.b", n("1"))])));
}

/// The ProductCatalog examples of the Developer Guide's "Condition and
/// filter expressions" and "Comparison operator and function reference".
#[test]
fn developer_guide_condition_examples() {
    let product = item(&[
        ("Id", n("456")),
        ("ProductCategory", s("Sporting Goods")),
        ("Price", n("650")),
        ("Color", ss(&["Red", "Black"])),
        ("Brand", s("Acme")),
        ("Pictures", m(&[("FrontView", s("http://example.com/products/456_front.jpg")), ("SideView", s("http://example.com/products/456_left_side.jpg"))])),
    ]);
    let nm = Names::new();
    assert!(!check("attribute_not_exists(Price)", &nm, &Values::new(), &product));
    assert!(check("Price > :limit", &nm, &values(&[(":limit", n("500"))]), &product));
    let vs = values(&[(":cat1", s("Sporting Goods")), (":cat2", s("Gardening Supplies")), (":lo", n("500")), (":hi", n("600"))]);
    assert!(!check("(ProductCategory IN (:cat1, :cat2)) and (Price between :lo and :hi)", &nm, &vs, &product));
    let vs = values(&[(":cat1", s("Sporting Goods")), (":cat2", s("Gardening Supplies")), (":lo", n("600")), (":hi", n("700"))]);
    assert!(check("(ProductCategory IN (:cat1, :cat2)) and (Price between :lo and :hi)", &nm, &vs, &product));
    assert!(check("attribute_exists(Pictures.SideView)", &nm, &Values::new(), &product));
    assert!(!check("attribute_not_exists(Manufacturer)", &nm, &Values::new(), &item(&[("Manufacturer", s("x"))])));
    assert!(check("attribute_type(ProductReviews.FiveStar, :v_sub)", &nm, &values(&[(":v_sub", s("L"))]),
        &item(&[("ProductReviews", m(&[("FiveStar", l(vec![s("great")]))]))])));
    assert!(check("begins_with(Pictures.FrontView, :v_sub)", &nm, &values(&[(":v_sub", s("http://"))]), &product));
    assert!(check("contains(Color, :v_sub)", &nm, &values(&[(":v_sub", s("Red"))]), &product));
    assert!(check("size(Brand) <= :v_sub", &nm, &values(&[(":v_sub", n("20"))]), &product));
    let pn = names(&[("#P", "Price")]);
    assert!(check("#P between :lo and :hi", &pn, &values(&[(":lo", n("500")), (":hi", n("700"))]), &product));
}
