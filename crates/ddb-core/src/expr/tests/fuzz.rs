//! No input may panic any phase: an exhaustive sweep of short inputs over
//! the grammar's alphabet, and proptest over arbitrary strings and token
//! soups. Whatever parses is then resolved and evaluated too.

use proptest::prelude::*;

use super::*;
use crate::expr::eval::evaluate;
use crate::expr::parse_projection;
use crate::expr::projection::project;
use crate::expr::update::{apply_update, UpdateContext};

fn fixture() -> (Names, Values, Item) {
    let nm = names(&[("#a", "a"), ("#b", "b")]);
    let vs = values(&[
        (":s", s("x")),
        (":n", n("1")),
        (":l", l(vec![n("1")])),
        (":t", ss(&["x"])),
    ]);
    let it = item(&[
        ("a", l(vec![m(&[("b", n("2"))]), n("3")])),
        ("b", s("xyz")),
        ("c", ns(&["1", "2"])),
    ]);
    (nm, vs, it)
}

/// Runs every phase that accepts `src`; only panics matter.
fn exercise(src: &str) {
    let (nm, vs, it) = fixture();
    let run = |f: &mut dyn FnMut(&mut Resolver<'_>)| {
        if let Ok(mut r) = Resolver::new(Some(&nm), Some(&vs)) {
            f(&mut r);
            let _ = r.finish();
        }
    };
    for kind in [ExprKind::Condition, ExprKind::KeyCondition] {
        if let Ok(c) = parse_condition(kind, src) {
            run(&mut |r| {
                if let Ok(c) = r.resolve_condition(kind, &c) {
                    let _ = evaluate(&c, &it);
                    let schema = crate::expr::key_condition::KeySchema {
                        partition: ("a", crate::expr::key_condition::KeyType::S),
                        sort: Some(("b", crate::expr::key_condition::KeyType::N)),
                    };
                    let _ = crate::expr::key_condition::key_condition(&c, &schema);
                }
            });
        }
    }
    if let Ok(u) = parse_update(src) {
        run(&mut |r| {
            if let Ok(u) = r.resolve_update(&u) {
                let mut out = it.clone();
                let ctx = UpdateContext { key_attributes: &["pk"], item_existed: true };
                let _ = apply_update(&u, &mut out, &ctx);
            }
        });
    }
    if let Ok(p) = parse_projection(src) {
        run(&mut |r| {
            if let Ok(p) = r.resolve_projection(&p) {
                let _ = project(&p, &it);
            }
        });
    }
}

#[test]
fn exhaustive_short_token_sequences() {
    let alphabet = [
        "a", "b", "#a", ":n", ":l", "=", "<", "<>", "(", ")", "[0]", ".", ",", "+", "-", "AND", "OR",
        "NOT", "IN", "BETWEEN", "SET", "REMOVE", "ADD", "DELETE", "size", "contains", "if_not_exists",
        "list_append", "attribute_exists", "_", "é", "",
    ];
    let k = alphabet.len();
    let mut count = 0usize;
    for i in 0..k {
        for j in 0..k {
            for x in 0..k {
                let src = [alphabet[i], alphabet[j], alphabet[x]].join(" ");
                exercise(&src);
                count += 1;
            }
        }
    }
    assert_eq!(count, k * k * k);
}

#[test]
fn exhaustive_short_character_strings() {
    let chars = ['a', '#', ':', '(', ')', '[', ']', '0', '.', ',', '=', '<', '>', ' ', '-'];
    let mut buf = String::new();
    for len in 1..=4u32 {
        for code in 0..chars.len().pow(len) {
            buf.clear();
            let mut c = code;
            for _ in 0..len {
                buf.push(chars[c % chars.len()]);
                c /= chars.len();
            }
            exercise(&buf);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_strings_never_panic(src in "\\PC{0,64}") {
        exercise(&src);
    }

    #[test]
    fn token_soups_never_panic(parts in proptest::collection::vec(
        prop::sample::select(vec![
            "a", "b.c", "a[1]", "#a", "#b", "#zz", ":s", ":n", ":l", ":t", ":zz", "=", "<>", "<=", ">",
            "(", ")", ",", "+", "-", "AND", "OR", "NOT", "IN", "BETWEEN", "SET", "REMOVE", "ADD",
            "DELETE", "size(", "begins_with(", "contains(", "attribute_type(", "if_not_exists(",
            "list_append(", "attribute_not_exists(", "status",
        ]),
        0..24,
    )) {
        exercise(&parts.join(" "));
    }
}
