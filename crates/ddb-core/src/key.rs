//! Byte-comparable encoding of key values, and the partition hash.
//!
//! Storage engines order keys by plain unsigned byte comparison; this module
//! makes that order DynamoDB's order:
//! - `S` by UTF-8 bytes, `B` by unsigned bytes (shorter prefix first);
//! - `N` numerically, negatives and exponents included.
//!
//! Every encoding is self-delimiting, so `encode(partition) ++
//! encode(sort)` compares as the pair does, and decodes back exactly.
//! Encodings don't carry the type: a key attribute's type is fixed by the
//! table schema, and the decoder is told it ([`KeyType`]).
//!
//! Format (frozen: stored keys depend on it):
//! ```text
//! S, B : each byte b ≠ 0x00 as b; 0x00 as 0x00 0xFF; then terminator 0x00 0x01
//! N    : zero     → 0x02
//!        positive → 0x03, (magnitude + 130):u8, digit pairs p+1, 0x00
//!        negative → 0x01, (125 - magnitude):u8, digit pairs 101-(p+1), 0xFF
//! ```
//! where the significant digits are grouped in pairs from the first
//! (`12345` → 12, 34, 50), each pair `p` in 0..=99. Because a number has no
//! trailing zero, a shorter digit string that is a prefix of a longer one is
//! the smaller absolute value, which the terminators (lowest for positives,
//! highest for negatives) reproduce. At most 22 bytes.
//!
//! [`partition_hash`] orders Scan and splits parallel-scan segments:
//! FNV-1a 64 over the encoded partition key, finished with the MurmurHash3
//! `fmix64` avalanche so the high bits (which [`segment_of`] uses) are
//! uniform. Also frozen: changing it reorders scans and moves items between
//! segments (hashing the key, not a row position, keeps an item's segment
//! stable under inserts and deletes).

use std::ops::RangeInclusive;

use crate::value::{AttributeValue, Number};

/// The scalar types a key attribute can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyType {
    /// String.
    S,
    /// Number.
    N,
    /// Binary.
    B,
}

impl KeyType {
    /// The key type of `value`, if it can be a key.
    pub fn of(value: &AttributeValue) -> Option<KeyType> {
        match value {
            AttributeValue::S(_) => Some(KeyType::S),
            AttributeValue::N(_) => Some(KeyType::N),
            AttributeValue::B(_) => Some(KeyType::B),
            _ => None,
        }
    }

    /// The wire name (`S`, `N`, `B`), as in `AttributeDefinitions`.
    pub const fn wire_name(self) -> &'static str {
        match self {
            KeyType::S => "S",
            KeyType::N => "N",
            KeyType::B => "B",
        }
    }
}

/// A key encoding or decoding failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Only `S`, `N` and `B` values can be keys.
    #[error("a {0} value cannot be a key")]
    NotScalar(&'static str),
    /// The bytes are not an encoding this module writes.
    #[error("malformed key encoding: {0}")]
    Malformed(&'static str),
}

const NUM_NEGATIVE: u8 = 0x01;
const NUM_ZERO: u8 = 0x02;
const NUM_POSITIVE: u8 = 0x03;

/// Appends the encoding of a key value to `out`.
pub fn encode_key_value(value: &AttributeValue, out: &mut Vec<u8>) -> Result<(), KeyError> {
    match value {
        AttributeValue::S(s) => encode_bytes(s.as_bytes(), out),
        AttributeValue::B(b) => encode_bytes(b, out),
        AttributeValue::N(n) => encode_number(n, out),
        other => return Err(KeyError::NotScalar(other.type_tag())),
    }
    Ok(())
}

/// Encodes a primary key: the partition value, then the sort value if any.
pub fn encode_primary_key(
    partition: &AttributeValue,
    sort: Option<&AttributeValue>,
) -> Result<Vec<u8>, KeyError> {
    let mut out = Vec::with_capacity(32);
    encode_key_value(partition, &mut out)?;
    if let Some(sort) = sort {
        encode_key_value(sort, &mut out)?;
    }
    Ok(out)
}

/// Decodes one key value of type `kind` from the front of `input`; returns
/// it and the bytes after it.
pub fn decode_key_value(kind: KeyType, input: &[u8]) -> Result<(AttributeValue, &[u8]), KeyError> {
    match kind {
        KeyType::S => {
            let (bytes, rest) = decode_bytes(input)?;
            let s = String::from_utf8(bytes).map_err(|_| KeyError::Malformed("invalid UTF-8"))?;
            Ok((AttributeValue::S(s), rest))
        }
        KeyType::B => {
            let (bytes, rest) = decode_bytes(input)?;
            Ok((AttributeValue::B(bytes), rest))
        }
        KeyType::N => {
            let (n, rest) = decode_number(input)?;
            Ok((AttributeValue::N(n), rest))
        }
    }
}

fn encode_bytes(bytes: &[u8], out: &mut Vec<u8>) {
    out.reserve(bytes.len() + 2);
    for &b in bytes {
        out.push(b);
        if b == 0 {
            out.push(0xff);
        }
    }
    out.extend_from_slice(&[0x00, 0x01]);
}

fn decode_bytes(input: &[u8]) -> Result<(Vec<u8>, &[u8]), KeyError> {
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        match input.get(i) {
            None => return Err(KeyError::Malformed("unterminated bytes")),
            Some(0) => match input.get(i + 1) {
                Some(0x01) => return Ok((out, input.get(i + 2..).unwrap_or_default())),
                Some(0xff) => {
                    out.push(0);
                    i += 2;
                }
                _ => return Err(KeyError::Malformed("bad escape")),
            },
            Some(&b) => {
                out.push(b);
                i += 1;
            }
        }
    }
}

/// Significant digits of `n` grouped in pairs from the first: 12345 → 12, 34, 50.
fn digit_pairs(n: &Number) -> Vec<u8> {
    let digits: Vec<u8> = n
        .coefficient()
        .to_string()
        .bytes()
        .map(|c| c - b'0')
        .collect();
    digits
        .chunks(2)
        .map(|pair| pair.first().copied().unwrap_or(0) * 10 + pair.get(1).copied().unwrap_or(0))
        .collect()
}

fn encode_number(n: &Number, out: &mut Vec<u8>) {
    if n.is_zero() {
        out.push(NUM_ZERO);
        return;
    }
    // Magnitude is within -130..=125, so both bytes fit.
    let biased = (n.magnitude() + 130).clamp(0, 255) as u8;
    if n.is_negative() {
        out.push(NUM_NEGATIVE);
        out.push(255 - biased);
        out.extend(digit_pairs(n).into_iter().map(|p| 100 - p));
        out.push(0xff);
    } else {
        out.push(NUM_POSITIVE);
        out.push(biased);
        out.extend(digit_pairs(n).into_iter().map(|p| p + 1));
        out.push(0x00);
    }
}

fn decode_number(input: &[u8]) -> Result<(Number, &[u8]), KeyError> {
    let (&class, rest) = input
        .split_first()
        .ok_or(KeyError::Malformed("empty number"))?;
    if class == NUM_ZERO {
        return Ok((Number::ZERO, rest));
    }
    let negative = match class {
        NUM_NEGATIVE => true,
        NUM_POSITIVE => false,
        _ => return Err(KeyError::Malformed("number class")),
    };
    let (&mag_byte, mut rest) = rest
        .split_first()
        .ok_or(KeyError::Malformed("truncated number"))?;
    let magnitude = i32::from(if negative { 255 - mag_byte } else { mag_byte }) - 130;
    let terminator = if negative { 0xff } else { 0x00 };
    let mut digits: Vec<u8> = Vec::with_capacity(38);
    loop {
        let (&b, after) = rest
            .split_first()
            .ok_or(KeyError::Malformed("truncated number"))?;
        rest = after;
        if b == terminator {
            break;
        }
        let pair = if negative {
            100u8.checked_sub(b)
        } else {
            b.checked_sub(1)
        }
        .filter(|p| *p <= 99)
        .ok_or(KeyError::Malformed("digit pair"))?;
        if digits.len() >= 38 {
            return Err(KeyError::Malformed("too many digits"));
        }
        digits.push(pair / 10);
        digits.push(pair % 10);
    }
    if digits.first().is_none_or(|&d| d == 0) {
        return Err(KeyError::Malformed("leading zero"));
    }
    // A final pair may end in the zero that padded an odd digit count, but
    // no other trailing zero is possible.
    let last_pair_zero = digits.len() >= 2 && digits.iter().rev().take(2).all(|&d| d == 0);
    if last_pair_zero {
        return Err(KeyError::Malformed("trailing zero"));
    }
    let exponent = i128::from(magnitude) - digits.len() as i128 + 1;
    let n = Number::from_digits(
        negative,
        &digits,
        exponent,
        crate::value::NumberError::TooManyDigits,
    )
    .map_err(|_| KeyError::Malformed("number out of range"))?;
    // The canonical encoding is the only accepted one.
    let mut again = Vec::new();
    encode_number(&n, &mut again);
    let used = input.len() - rest.len();
    if input.get(..used) != Some(again.as_slice()) {
        return Err(KeyError::Malformed("non-canonical number"));
    }
    Ok((n, rest))
}

/// The stable 64-bit hash of an encoded partition key (see module docs).
pub fn partition_hash(encoded_partition_key: &[u8]) -> u64 {
    const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h = FNV_OFFSET;
    for &b in encoded_partition_key {
        h ^= u64::from(b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    // MurmurHash3 fmix64.
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^= h >> 33;
    h
}

/// The parallel-scan segment (`0..total_segments`) a hash belongs to.
/// Segments are equal, contiguous ranges of the hash space, in order.
/// `total_segments == 0` is treated as 1 (request validation refuses it).
pub fn segment_of(hash: u64, total_segments: u32) -> u32 {
    let total = u128::from(total_segments.max(1));
    ((u128::from(hash) * total) >> 64) as u32
}

/// The inclusive hash range of `segment`, or `None` if it is not below
/// `total_segments`. `segment_of(h, t) == s` exactly when `h` is in it.
pub fn segment_range(segment: u32, total_segments: u32) -> Option<RangeInclusive<u64>> {
    if segment >= total_segments {
        return None;
    }
    let total = u128::from(total_segments);
    let start = |s: u128| (s << 64).div_ceil(total);
    let first = start(u128::from(segment));
    let last = start(u128::from(segment) + 1) - 1;
    Some(u64::try_from(first).ok()?..=u64::try_from(last).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::cmp::Ordering;

    fn n(text: &str) -> AttributeValue {
        AttributeValue::N(Number::parse(text).unwrap())
    }

    fn enc(v: &AttributeValue) -> Vec<u8> {
        let mut out = Vec::new();
        encode_key_value(v, &mut out).unwrap();
        out
    }

    #[test]
    fn golden_encodings() {
        assert_eq!(enc(&AttributeValue::S("a".into())), vec![b'a', 0, 1]);
        assert_eq!(enc(&AttributeValue::B(vec![0, 7])), vec![0, 0xff, 7, 0, 1]);
        assert_eq!(enc(&n("0")), vec![2]);
        assert_eq!(enc(&n("12345")), vec![3, 134, 13, 35, 51, 0]);
        assert_eq!(enc(&n("-1")), vec![1, 125, 90, 0xff]);
        assert_eq!(enc(&n("1e-130")), vec![3, 0, 11, 0]);
        assert_eq!(enc(&n("-9.9e125")), vec![1, 0, 1, 0xff]);
    }

    #[test]
    fn dynamodb_number_order() {
        let ordered = [
            "-9.9999999999999999999999999999999999999e125",
            "-1e125",
            "-101",
            "-100.5",
            "-100",
            "-12.5",
            "-12",
            "-1.21",
            "-1.2",
            "-1",
            "-0.5",
            "-1e-130",
            "0",
            "1e-130",
            "0.5",
            "1",
            "1.2",
            "1.21",
            "12",
            "12.5",
            "100",
            "100.5",
            "101",
            "1e125",
            "9.9999999999999999999999999999999999999e125",
        ];
        for pair in ordered.windows(2) {
            let [a, b] = pair else { unreachable!() };
            assert!(enc(&n(a)) < enc(&n(b)), "{a} < {b}");
        }
    }

    #[test]
    fn strings_and_binaries_order_by_unsigned_bytes() {
        let s = |x: &str| enc(&AttributeValue::S(x.into()));
        assert!(s("") < s("\0"));
        assert!(s("a") < s("a\0"));
        assert!(s("a\0") < s("a\u{1}"));
        assert!(s("a") < s("ab"));
        assert!(s("Z") < s("a"));
        assert!(
            s("z") < s("é"),
            "UTF-8 bytes, not code-point-agnostic collation"
        );
        let b = |x: &[u8]| enc(&AttributeValue::B(x.to_vec()));
        assert!(b(&[0x7f]) < b(&[0x80]), "unsigned");
        assert!(b(&[]) < b(&[0]));
    }

    #[test]
    fn pairs_concatenate() {
        let pk = encode_primary_key(&AttributeValue::S("a".into()), Some(&n("-5"))).unwrap();
        let (p, rest) = decode_key_value(KeyType::S, &pk).unwrap();
        let (s, rest) = decode_key_value(KeyType::N, rest).unwrap();
        assert_eq!(
            (p, s, rest.len()),
            (AttributeValue::S("a".into()), n("-5"), 0)
        );
        // ("a", 9) < ("a\0", 1): the partition decides first.
        let k1 = encode_primary_key(&AttributeValue::S("a".into()), Some(&n("9"))).unwrap();
        let k2 = encode_primary_key(&AttributeValue::S("a\0".into()), Some(&n("1"))).unwrap();
        assert!(k1 < k2);
    }

    #[test]
    fn rejects_non_keys_and_garbage() {
        let mut out = Vec::new();
        assert_eq!(
            encode_key_value(&AttributeValue::Null, &mut out),
            Err(KeyError::NotScalar("NULL"))
        );
        assert_eq!(KeyType::of(&AttributeValue::Bool(true)), None);
        assert_eq!(KeyType::of(&n("1")).map(KeyType::wire_name), Some("N"));
        for (kind, bytes) in [
            (KeyType::S, &[b'a'][..]),
            (KeyType::S, &[0, 5]),
            (KeyType::S, &[0xff, 0, 1]),
            (KeyType::N, &[]),
            (KeyType::N, &[9]),
            (KeyType::N, &[3, 130]),
            (KeyType::N, &[3, 130, 0]),
            (KeyType::N, &[3, 130, 1, 0]),
            (KeyType::N, &[3, 130, 101, 0]),
            (KeyType::N, &[3, 130, 11, 1, 0]),
            (
                KeyType::N,
                &[
                    3, 130, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12,
                    12, 12, 0,
                ],
            ),
            (KeyType::N, &[1, 125, 90, 0]),
        ] {
            assert!(decode_key_value(kind, bytes).is_err(), "{kind:?} {bytes:?}");
        }
    }

    #[test]
    fn segments_split_the_hash_space() {
        assert_eq!(segment_of(0, 4), 0);
        assert_eq!(segment_of(u64::MAX, 4), 3);
        assert_eq!(segment_of(1 << 63, 2), 1);
        assert_eq!(segment_of((1 << 63) - 1, 2), 0);
        assert_eq!(segment_of(12345, 1), 0);
        assert_eq!(segment_of(u64::MAX, 0), 0);
        assert_eq!(segment_range(0, 1), Some(0..=u64::MAX));
        assert_eq!(segment_range(1, 2), Some(1 << 63..=u64::MAX));
        assert_eq!(segment_range(2, 2), None);
        assert_eq!(
            segment_range(0, 3).map(|r| *r.end()),
            Some(6_148_914_691_236_517_205)
        );
        // Stable values (frozen): these must never change.
        assert_eq!(partition_hash(&[]), 0xefd0_1f60_ba99_2926);
        assert_eq!(
            partition_hash(&enc(&AttributeValue::S("a".into()))),
            0xbc08_481f_96e3_b568
        );
        assert_eq!(partition_hash(&enc(&n("12345"))), 0x9a98_7dd9_0101_df6f);
        assert_eq!(
            partition_hash(&enc(&n("12345.0"))),
            partition_hash(&enc(&n("1.2345e4")))
        );
        let spread: std::collections::BTreeSet<u32> = (0..1000u32)
            .map(|i| segment_of(partition_hash(&enc(&AttributeValue::S(i.to_string()))), 8))
            .collect();
        assert_eq!(spread.len(), 8);
    }

    fn number() -> impl Strategy<Value = Number> {
        (any::<bool>(), 1u128..10u128.pow(38), -167i32..=125)
            .prop_filter_map("valid", |(neg, c, e)| {
                Number::parse(&format!("{}{c}e{e}", if neg { "-" } else { "" })).ok()
            })
    }

    fn key(kind: KeyType) -> BoxedStrategy<AttributeValue> {
        match kind {
            KeyType::S => "\\PC{0,6}|[a\\x00\\x01]{0,4}"
                .prop_map(AttributeValue::S)
                .boxed(),
            KeyType::B => proptest::collection::vec(
                prop_oneof![Just(0u8), Just(1), Just(0xff), any::<u8>()],
                0..6,
            )
            .prop_map(AttributeValue::B)
            .boxed(),
            KeyType::N => prop_oneof![number(), Just(Number::ZERO)]
                .prop_map(AttributeValue::N)
                .boxed(),
        }
    }

    fn dynamodb_cmp(a: &AttributeValue, b: &AttributeValue) -> Ordering {
        match (a, b) {
            (AttributeValue::S(x), AttributeValue::S(y)) => x.as_bytes().cmp(y.as_bytes()),
            (AttributeValue::B(x), AttributeValue::B(y)) => x.cmp(y),
            (AttributeValue::N(x), AttributeValue::N(y)) => x.cmp(y),
            _ => Ordering::Equal,
        }
    }

    fn kind() -> impl Strategy<Value = KeyType> {
        prop_oneof![Just(KeyType::S), Just(KeyType::N), Just(KeyType::B)]
    }

    proptest! {
        #[test]
        fn order_is_preserved((_kind, a, b) in kind().prop_flat_map(|k| (Just(k), key(k), key(k)))) {
            prop_assert_eq!(enc(&a).cmp(&enc(&b)), dynamodb_cmp(&a, &b));
        }

        #[test]
        fn near_numbers_order((a, d) in (number(), number())) {
            // Numbers sharing a prefix of digits stress the terminators.
            if let Ok(b) = a.checked_add(d) {
                let (a, b) = (AttributeValue::N(a), AttributeValue::N(b));
                prop_assert_eq!(enc(&a).cmp(&enc(&b)), dynamodb_cmp(&a, &b));
            }
        }

        #[test]
        fn round_trips((kind, a) in kind().prop_flat_map(|k| (Just(k), key(k))), tail in proptest::collection::vec(any::<u8>(), 0..4)) {
            let mut bytes = enc(&a);
            bytes.extend(&tail);
            let (back, rest) = decode_key_value(kind, &bytes).unwrap();
            prop_assert_eq!(back, a);
            prop_assert_eq!(rest, &tail[..]);
        }

        #[test]
        fn pairs_order_lexicographically(
            (pk, sk) in (kind(), kind()).prop_flat_map(|(p, s)| ((Just(p), key(p), key(p)), (Just(s), key(s), key(s))))
        ) {
            let ((_, p1, p2), (_, s1, s2)) = (pk, sk);
            let k1 = encode_primary_key(&p1, Some(&s1)).unwrap();
            let k2 = encode_primary_key(&p2, Some(&s2)).unwrap();
            let expected = dynamodb_cmp(&p1, &p2).then(dynamodb_cmp(&s1, &s2));
            prop_assert_eq!(k1.cmp(&k2), expected);
        }

        #[test]
        fn garbage_never_panics(kind in kind(), bytes in proptest::collection::vec(any::<u8>(), 0..24)) {
            if let Ok((v, rest)) = decode_key_value(kind, &bytes) {
                // Whatever decodes re-encodes to the bytes it consumed.
                let used = bytes.len() - rest.len();
                prop_assert_eq!(enc(&v), bytes.get(..used).unwrap_or_default().to_vec());
            }
        }

        #[test]
        fn segment_ranges_agree(hash in any::<u64>(), total in 1u32..2000) {
            let s = segment_of(hash, total);
            prop_assert!(s < total);
            prop_assert!(segment_range(s, total).unwrap().contains(&hash));
        }
    }
}
