//! Criterion benchmarks for the hot paths of a request: expression
//! parse → resolve → evaluate/apply, DynamoDB-JSON item parsing, key
//! encoding, and writing a 1 KB string value into a reply.
//!
//! Run with `cargo bench -p ddb-core --bench expressions`. The target (issue
//! 3) is under 2 µs each for `condition_5_clauses` and `update_4_actions`.
//!
//! Each iteration is what a request does: parse the expression, build a
//! [`Resolver`] over `ExpressionAttributeNames`/`Values`, resolve, `finish`,
//! then evaluate (or apply to a fresh copy of the item, copied outside the
//! timing). The placeholder maps are `BTreeMap`s, the representation the
//! crate reads request maps into (`item_from_json` for values).

use std::collections::BTreeMap;

/// The allocator the `dynastore` binaries use (glibc's malloc/free cost
/// more than a third of an expression's instructions).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use ddb_core::expr::eval::evaluate;
use ddb_core::expr::resolve::{NameSource, Resolver, ValueSource};
use ddb_core::expr::update::{apply_update, UpdateContext};
use ddb_core::expr::{parse_condition, parse_update, ExprKind};
use ddb_core::key::{encode_primary_key, KeyType};
use ddb_core::value::json::{item_from_json, write_escaped};
use ddb_core::{AttributeValue, Item, Number};

const CONDITION: &str = "attribute_exists(#pk) AND #status = :active AND #price BETWEEN :lo AND :hi \
                         AND begins_with(#name, :prefix) AND size(#tags) > :n";

const UPDATE: &str = "SET #a = :a, #c = #c + :one REMOVE #old ADD #tags :t DELETE #set :s";

const ITEM_JSON: &str = r#"{
  "pk": {"S": "customer#12345"},
  "sk": {"S": "order#2024-06-01T12:00:00Z"},
  "status": {"S": "active"},
  "price": {"N": "129.99"},
  "name": {"S": "Widget deluxe edition"},
  "tags": {"SS": ["blue", "large", "sale"]},
  "count": {"N": "7"},
  "old": {"BOOL": true},
  "set": {"NS": ["1", "2", "3"]},
  "address": {"M": {"street": {"S": "1 Main St"}, "zip": {"S": "12345"}, "geo": {"L": [{"N": "52.52"}, {"N": "13.40"}]}}},
  "blob": {"B": "aGVsbG8gd29ybGQ="}
}"#;

fn num(text: &str) -> AttributeValue {
    AttributeValue::N(Number::parse(text).unwrap_or(Number::ZERO))
}

fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.to_string())
}

fn fixture_item() -> Item {
    let json: serde_json::Value = serde_json::from_str(ITEM_JSON).unwrap_or_default();
    item_from_json(&json).unwrap_or_default()
}

fn map<V: Clone>(pairs: &[(&str, V)]) -> BTreeMap<String, V> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

fn condition(c: &mut Criterion) {
    let item = fixture_item();
    let names = map(&[
        ("#pk", "pk".to_string()),
        ("#status", "status".to_string()),
        ("#price", "price".to_string()),
        ("#name", "name".to_string()),
        ("#tags", "tags".to_string()),
    ]);
    let values = map(&[
        (":active", s("active")),
        (":lo", num("100")),
        (":hi", num("200")),
        (":prefix", s("Widget")),
        (":n", num("2")),
    ]);
    let run = || -> bool {
        let Ok(parsed) = parse_condition(ExprKind::Condition, black_box(CONDITION)) else {
            return false;
        };
        let Ok(mut r) = Resolver::new(
            Some(black_box(&names) as &dyn NameSource),
            Some(black_box(&values) as &dyn ValueSource),
        ) else {
            return false;
        };
        let Ok(resolved) = r.resolve_condition(ExprKind::Condition, &parsed) else {
            return false;
        };
        r.finish().is_ok() && evaluate(&resolved, black_box(&item))
    };
    assert!(run(), "the benchmark condition must hold");
    c.bench_function("condition_5_clauses", |b| b.iter(|| black_box(run())));
}

fn update(c: &mut Criterion) {
    let item = fixture_item();
    let names = map(&[
        ("#a", "status".to_string()),
        ("#c", "count".to_string()),
        ("#old", "old".to_string()),
        ("#tags", "tags".to_string()),
        ("#set", "set".to_string()),
    ]);
    let values = map(&[
        (":a", s("shipped")),
        (":one", num("1")),
        (":t", AttributeValue::Ss(vec!["new".to_string()])),
        (":s", AttributeValue::Ns(vec![Number::from(2u64)])),
    ]);
    let ctx = UpdateContext {
        key_attributes: &["pk", "sk"],
        item_existed: true,
    };
    // The item is cloned outside the measured closure (criterion's
    // `iter_batched`) so only parse + resolve + apply are timed.
    let run = |target: &mut Item| -> bool {
        let Ok(parsed) = parse_update(black_box(UPDATE)) else {
            return false;
        };
        let Ok(mut r) = Resolver::new(
            Some(black_box(&names) as &dyn NameSource),
            Some(black_box(&values) as &dyn ValueSource),
        ) else {
            return false;
        };
        let Ok(resolved) = r.resolve_update(&parsed) else {
            return false;
        };
        r.finish().is_ok() && apply_update(&resolved, target, &ctx).is_ok()
    };
    let mut check = item.clone();
    assert!(run(&mut check), "the benchmark update must apply");
    assert_eq!(check.get("count"), Some(&num("8")));
    c.bench_function("update_4_actions", |b| {
        b.iter_batched_ref(
            || item.clone(),
            |target| black_box(run(target)),
            criterion::BatchSize::SmallInput,
        )
    });
}

fn item_json(c: &mut Criterion) {
    let json: serde_json::Value = serde_json::from_str(ITEM_JSON).unwrap_or_default();
    assert!(item_from_json(&json).is_ok());
    c.bench_function("item_from_json_11_attributes", |b| {
        b.iter(|| black_box(item_from_json(black_box(&json)).is_ok()))
    });
}

/// A GetItem or Query reply writes each string value escaped: the
/// benchmark's 1 KB values are plain ASCII text.
fn string_reply(c: &mut Criterion) {
    let text: String = (0..1024u32).map(|i| char::from(b'a' + u8::try_from(i * 7 % 26).unwrap_or(0))).collect();
    let mut out = Vec::with_capacity(2048);
    c.bench_function("write_escaped_1kb", |b| {
        b.iter(|| {
            out.clear();
            black_box(write_escaped(black_box(text.as_bytes()), &mut out))
        })
    });
}

fn key_encoding(c: &mut Criterion) {
    let pk = s("customer#12345");
    let sk = num("-1234.5678e10");
    assert!(encode_primary_key(&pk, Some(&sk)).is_ok());
    assert_eq!(KeyType::of(&sk), Some(KeyType::N));
    c.bench_function("encode_primary_key_s_n", |b| {
        b.iter(|| black_box(encode_primary_key(black_box(&pk), Some(black_box(&sk))).map(|v| v.len())))
    });
}

criterion_group!(benches, condition, update, item_json, string_reply, key_encoding);
criterion_main!(benches);
