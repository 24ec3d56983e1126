//! The bodies of ddb-core's fuzz targets, one public function per target
//! (`fuzz_targets/<name>.rs` only forwards to it).
//!
//! Run one target (cargo-fuzz needs nightly features; `RUSTC_BOOTSTRAP=1`
//! enables them on a stable toolchain), from `crates/ddb-core/fuzz`:
//!
//! ```text
//! RUSTC_BOOTSTRAP=1 cargo fuzz run -O -a expr_condition -- -max_total_time=300 -dict=dict/expr.dict
//! ```
//!
//! Targets: `expr_condition`, `expr_update`, `expr_projection` (with
//! `dict/expr.dict`), `item_json` (with `dict/json.dict`), `key_encoding`.
//!
//! Every function must return normally on any input: a panic is a bug in
//! ddb-core (the checked property failed, or the library itself panicked).
//! The expression targets run each phase that accepts the text against a
//! fixed request (names, values) and item; the value targets check
//! round trips and ordering.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::OnceLock;

use ddb_core::expr::eval::evaluate;
use ddb_core::expr::key_condition::{key_condition, KeySchema, KeyType as KcKeyType};
use ddb_core::expr::projection::project;
use ddb_core::expr::resolve::{NameSource, Resolver, ValueSource};
use ddb_core::expr::update::{apply_update, UpdateContext};
use ddb_core::expr::{parse_condition, parse_projection, parse_update, ExprKind};
use ddb_core::key::{decode_key_value, encode_key_value, partition_hash, segment_of, segment_range, KeyType};
use ddb_core::value::binary::{decode_item, decode_value, encode_item, encode_value};
use ddb_core::value::json::{attribute_value_from_json, item_from_json, item_to_json};
use ddb_core::{size, AttributeValue, Item, Number};

fn num(text: &str) -> AttributeValue {
    AttributeValue::N(Number::parse(text).unwrap_or(Number::ZERO))
}

fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.to_string())
}

/// `ExpressionAttributeNames` of the fixed request.
fn names() -> HashMap<String, String> {
    [("#a", "a"), ("#b", "b"), ("#l", "l"), ("#m", "m"), ("#pk", "pk"), ("#ss", "ss")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// `ExpressionAttributeValues` of the fixed request: one of each type.
fn values() -> HashMap<String, AttributeValue> {
    let m: Item = [("x".to_string(), num("1"))].into_iter().collect();
    [
        (":s", s("x")),
        (":e", s("")),
        (":n", num("1")),
        (":big", num("9.9999999999999999999999999999999999999E+125")),
        (":neg", num("-1e-130")),
        (":b", AttributeValue::B(vec![0, 1, 255])),
        (":t", AttributeValue::Bool(true)),
        (":z", AttributeValue::Null),
        (":l", AttributeValue::L(vec![num("1"), s("x")])),
        (":m", AttributeValue::M(m)),
        (":ss", AttributeValue::Ss(vec!["x".into(), "y".into()])),
        (":ns", AttributeValue::Ns(vec![Number::from(1u64), Number::from(-2i64)])),
        (":bs", AttributeValue::Bs(vec![vec![1], vec![]])),
        (":ty", s("N")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// The fixed item: nested maps and lists, every type.
fn fixture_item() -> Item {
    let inner: Item = [("b".to_string(), num("2")), ("c".to_string(), AttributeValue::L(vec![s("q")]))]
        .into_iter()
        .collect();
    [
        ("pk", s("key")),
        ("a", AttributeValue::L(vec![AttributeValue::M(inner.clone()), num("3"), AttributeValue::L(vec![])])),
        ("b", s("xyz")),
        ("c", AttributeValue::Ns(vec![Number::from(1u64), Number::from(2u64)])),
        ("m", AttributeValue::M(inner)),
        ("l", AttributeValue::L(vec![num("1"), num("2"), num("3")])),
        ("n", num("-12.5")),
        ("ss", AttributeValue::Ss(vec!["x".into()])),
        ("bs", AttributeValue::Bs(vec![vec![0]])),
        ("bin", AttributeValue::B(vec![1, 2, 3])),
        ("t", AttributeValue::Bool(false)),
        ("z", AttributeValue::Null),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// The fixtures, built once per process.
struct Fixtures {
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
    item: Item,
}

fn fixtures() -> &'static Fixtures {
    static FIXTURES: OnceLock<Fixtures> = OnceLock::new();
    FIXTURES.get_or_init(|| Fixtures {
        names: names(),
        values: values(),
        item: fixture_item(),
    })
}

/// Runs `f` with a fresh resolver over the fixed maps, then `finish`.
fn with_resolver(f: impl FnOnce(&mut Resolver<'_>)) {
    let fx = fixtures();
    if let Ok(mut r) = Resolver::new(Some(&fx.names as &dyn NameSource), Some(&fx.values as &dyn ValueSource)) {
        f(&mut r);
        let _ = r.finish();
    }
}

/// An applied update must leave an item the storage encoding accepts and
/// that round-trips exactly.
fn check_stored(item: &Item) {
    let bytes = encode_item(item);
    match decode_item(&bytes) {
        Ok(back) => assert_eq!(&back, item, "binary round trip changed an updated item"),
        Err(e) => panic!("an updated item does not decode: {e}"),
    }
    let _ = size::item_size(item);
}

/// Condition, filter and key-condition expressions: parse, resolve,
/// evaluate against the fixed item and an empty one, and the key-condition
/// restriction.
pub fn expr_condition(data: &[u8]) {
    let Ok(src) = std::str::from_utf8(data) else { return };
    let item = &fixtures().item;
    for kind in [ExprKind::Condition, ExprKind::KeyCondition] {
        let Ok(parsed) = parse_condition(kind, src) else { continue };
        with_resolver(|r| {
            let Ok(cond) = r.resolve_condition(kind, &parsed) else { return };
            let _ = evaluate(&cond, item);
            let _ = evaluate(&cond, &Item::new());
            let schema = KeySchema {
                partition: ("pk", KcKeyType::S),
                sort: Some(("n", KcKeyType::N)),
            };
            if let Ok(kc) = key_condition(&cond, &schema) {
                if let (Some(sort), Some(v)) = (&kc.sort, item.get("n")) {
                    let _ = sort.matches(v);
                }
            }
            let _ = key_condition(&cond, &KeySchema { partition: ("b", KcKeyType::B), sort: None });
        });
    }
}

/// Update expressions: parse, resolve, apply to the fixed item (existing)
/// and to an empty one (created); results must stay storable.
pub fn expr_update(data: &[u8]) {
    let Ok(src) = std::str::from_utf8(data) else { return };
    let Ok(parsed) = parse_update(src) else { return };
    with_resolver(|r| {
        let Ok(update) = r.resolve_update(&parsed) else { return };
        for existed in [true, false] {
            let mut item = if existed { fixtures().item.clone() } else { Item::new() };
            let ctx = UpdateContext {
                key_attributes: &["pk"],
                item_existed: existed,
            };
            if apply_update(&update, &mut item, &ctx).is_ok() {
                check_stored(&item);
            }
        }
    });
}

/// Projection expressions: parse, resolve, project the fixed item.
pub fn expr_projection(data: &[u8]) {
    let Ok(src) = std::str::from_utf8(data) else { return };
    let Ok(parsed) = parse_projection(src) else { return };
    with_resolver(|r| {
        let Ok(p) = r.resolve_projection(&parsed) else { return };
        let out = project(&p, &fixtures().item);
        check_stored(&out);
    });
}

/// DynamoDB-JSON items: whatever `item_from_json` accepts must survive the
/// binary encoding and the JSON output unchanged; the binary decoder must
/// refuse garbage without panicking.
pub fn item_json(data: &[u8]) {
    let _ = decode_item(data);
    let _ = decode_value(data);
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    let _ = attribute_value_from_json(&json);
    let Ok(item) = item_from_json(&json) else { return };
    check_stored(&item);
    let _ = size::check_item_size(&item);
    for v in item.values() {
        match decode_value(&encode_value(v)) {
            Ok(back) => assert_eq!(&back, v, "value round trip"),
            Err(e) => panic!("an encoded value does not decode: {e}"),
        }
    }
    match item_from_json(&item_to_json(&item)) {
        Ok(back) => assert_eq!(back, item, "JSON round trip"),
        Err(e) => panic!("item_to_json output is rejected: {}", e.message()),
    }
}

/// A key value built from fuzz bytes: the first byte picks the type.
fn key_value(kind: u8, bytes: &[u8]) -> Option<AttributeValue> {
    match kind % 4 {
        0 => Some(AttributeValue::S(String::from_utf8_lossy(bytes).into_owned())),
        1 => Some(AttributeValue::B(bytes.to_vec())),
        2 => Number::parse(std::str::from_utf8(bytes).ok()?).ok().map(AttributeValue::N),
        _ => {
            // Raw number parts, as the storage decoder sees them.
            let mut coef = [0u8; 16];
            let mut exp = [0u8; 2];
            for (i, b) in bytes.iter().enumerate() {
                match i {
                    0 | 1 => exp[i] ^= b,
                    _ => coef[(i - 2) % 16] ^= b,
                }
            }
            let negative = bytes.first().is_some_and(|b| b & 0x80 != 0);
            let coefficient = u128::from_le_bytes(coef) % 10u128.pow(20);
            let exponent = i16::from_le_bytes(exp) % 200;
            Number::from_parts(negative, coefficient, exponent).map(AttributeValue::N)
        }
    }
}

fn key_type(v: &AttributeValue) -> Option<KeyType> {
    KeyType::of(v)
}

/// DynamoDB's order of two key values of one type.
fn key_order(a: &AttributeValue, b: &AttributeValue) -> Option<Ordering> {
    match (a, b) {
        (AttributeValue::S(x), AttributeValue::S(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        (AttributeValue::B(x), AttributeValue::B(y)) => Some(x.cmp(y)),
        (AttributeValue::N(x), AttributeValue::N(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn encode(v: &AttributeValue) -> Vec<u8> {
    let mut out = Vec::new();
    if let Err(e) = encode_key_value(v, &mut out) {
        panic!("a scalar key value does not encode: {e}");
    }
    out
}

/// Key encoding: exact round trip (alone and as a partition+sort pair),
/// byte order equals DynamoDB's order, and the decoder refuses garbage
/// without panicking.
pub fn key_encoding(data: &[u8]) {
    for kind in [KeyType::S, KeyType::N, KeyType::B] {
        let _ = decode_key_value(kind, data);
    }
    let Some((&selector, rest)) = data.split_first() else { return };
    let split = usize::from(selector >> 2).min(rest.len());
    let (left, right) = rest.split_at(split);
    // Both of the same type (the order check), or mixed for the pair check.
    let (Some(a), Some(b)) = (key_value(selector, left), key_value(selector >> 4, right)) else {
        return;
    };
    let (ea, eb) = (encode(&a), encode(&b));
    for (v, e) in [(&a, &ea), (&b, &eb)] {
        let Some(kind) = key_type(v) else { return };
        match decode_key_value(kind, e) {
            Ok((back, tail)) => {
                assert_eq!(&back, v, "key round trip");
                assert!(tail.is_empty(), "key decode left bytes");
            }
            Err(e) => panic!("an encoded key does not decode: {e}"),
        }
    }
    if let Some(ord) = key_order(&a, &b) {
        assert_eq!(ea.cmp(&eb), ord, "byte order differs from DynamoDB order: {a:?} vs {b:?}");
    }
    // A partition + sort pair decodes back in sequence.
    let mut pair = ea.clone();
    pair.extend_from_slice(&eb);
    let (Some(ka), Some(kb)) = (key_type(&a), key_type(&b)) else { return };
    match decode_key_value(ka, &pair) {
        Ok((first, tail)) => {
            assert_eq!(first, a, "pair: partition");
            match decode_key_value(kb, tail) {
                Ok((second, end)) => {
                    assert_eq!(second, b, "pair: sort");
                    assert!(end.is_empty());
                }
                Err(e) => panic!("pair sort does not decode: {e}"),
            }
        }
        Err(e) => panic!("pair partition does not decode: {e}"),
    }
    // (a, b) vs (b, a) as composite keys orders like the pairs do.
    if let Some(ord_ab) = key_order(&a, &b) {
        let mut swapped = eb.clone();
        swapped.extend_from_slice(&ea);
        let expected = ord_ab.then_with(|| key_order(&b, &a).unwrap_or(Ordering::Equal));
        assert_eq!(pair.cmp(&swapped), expected, "composite order");
    }
    let h = partition_hash(&ea);
    let total = u32::from(selector).max(1);
    let seg = segment_of(h, total);
    match segment_range(seg, total) {
        Some(range) => assert!(range.contains(&h), "segment range"),
        None => panic!("segment_of gave a segment out of range"),
    }
}
