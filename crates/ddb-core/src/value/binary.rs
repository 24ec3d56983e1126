//! The storage encoding of items and attribute values: compact, versioned,
//! strict.
//!
//! This is an on-disk format. Once data is written with a version it must
//! stay readable: tags and layouts below are frozen; change the format only
//! by adding a new version byte and keeping the old decoder.
//!
//! Format version 1:
//! ```text
//! item   = version:u8(=1) count:varint (name value)*      names strictly ascending
//! value  = version:u8(=1) body                             (encode_value)
//! name   = len:varint utf8-bytes
//! body   = tag:u8 payload
//!   S    = len:varint utf8-bytes
//!   N    = sign:u8(0|1) exponent:zigzag-varint coefficient:varint
//!   B    = len:varint bytes
//!   BOOL = u8(0|1)
//!   NULL = (nothing)
//!   M    = count:varint (name body)*                      names strictly ascending
//!   L    = count:varint body*
//!   SS   = count:varint (len:varint utf8-bytes)*          count ≥ 1, no repeats
//!   NS   = count:varint (sign exponent coefficient)*      count ≥ 1, no repeats
//!   BS   = count:varint (len:varint bytes)*               count ≥ 1, no repeats
//! ```
//! Varints are unsigned LEB128 (7 bits per byte, low first) in their
//! shortest form; zigzag maps signed to unsigned (0, -1, 1, -2 … → 0, 1, 2,
//! 3 …). Numbers are stored as their normalized parts (see
//! [`Number::from_parts`]), so decoding re-checks every number invariant.
//!
//! Decoding never panics: truncated input, unknown tags or versions,
//! non-shortest varints, invalid UTF-8, out-of-order names, bad numbers,
//! empty or repeating sets, nesting past [`MAX_DECODE_DEPTH`] and trailing
//! bytes are all [`DecodeError`]s.

use std::collections::{BTreeMap, BTreeSet};

use super::{AttributeValue, Item, Number};

mod to_json;

pub use to_json::{write_item_json, write_item_json_in};

/// The format version written by [`encode_item`] and [`encode_value`].
pub const FORMAT_VERSION: u8 = 1;

/// Deepest nesting the decoder follows. DynamoDB itself stops at 32; the
/// margin lets internal values (e.g. update results) through while bounding
/// recursion on corrupt input.
pub const MAX_DECODE_DEPTH: usize = 64;

/// Type tags of format version 1.
///
/// NEVER reorder, renumber or reuse these discriminants: they are written to
/// disk. Add new tags with new numbers.
#[repr(u8)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    S = 1,
    N = 2,
    B = 3,
    Bool = 4,
    Null = 5,
    M = 6,
    L = 7,
    Ss = 8,
    Ns = 9,
    Bs = 10,
}

impl Tag {
    fn from_byte(byte: u8) -> Option<Tag> {
        Some(match byte {
            1 => Tag::S,
            2 => Tag::N,
            3 => Tag::B,
            4 => Tag::Bool,
            5 => Tag::Null,
            6 => Tag::M,
            7 => Tag::L,
            8 => Tag::Ss,
            9 => Tag::Ns,
            10 => Tag::Bs,
            _ => return None,
        })
    }
}

/// Why stored bytes could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The first byte names a format this build doesn't know.
    #[error("unknown storage format version {0}")]
    UnknownVersion(u8),
    /// The input ended inside a value.
    #[error("truncated value")]
    Truncated,
    /// A byte sequence no encoder writes.
    #[error("malformed value: {0}")]
    Malformed(&'static str),
}

/// Encodes an item.
pub fn encode_item(item: &Item) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    out.push(FORMAT_VERSION);
    write_map(&mut out, item);
    out
}

/// Decodes an item written by [`encode_item`].
pub fn decode_item(bytes: &[u8]) -> Result<Item, DecodeError> {
    let mut reader = Reader::new(bytes);
    reader.version()?;
    let item = reader.map(0)?;
    reader.finish()?;
    Ok(item)
}

/// Encodes a single value (for index entries, stream images, …).
pub fn encode_value(value: &AttributeValue) -> Vec<u8> {
    let mut out = Vec::with_capacity(16);
    out.push(FORMAT_VERSION);
    write_value(&mut out, value);
    out
}

/// Decodes a value written by [`encode_value`].
pub fn decode_value(bytes: &[u8]) -> Result<AttributeValue, DecodeError> {
    let mut reader = Reader::new(bytes);
    reader.version()?;
    let value = reader.value(0)?;
    reader.finish()?;
    Ok(value)
}

fn write_varint(out: &mut Vec<u8>, mut n: u128) {
    loop {
        let low = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(low);
            return;
        }
        out.push(low | 0x80);
    }
}

fn write_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    write_varint(out, bytes.len() as u128);
    out.extend_from_slice(bytes);
}

fn write_number(out: &mut Vec<u8>, n: &Number) {
    out.push(u8::from(n.is_negative()));
    let e = i64::from(n.exponent());
    write_varint(out, ((e << 1) ^ (e >> 63)) as u64 as u128);
    write_varint(out, n.coefficient());
}

fn write_map(out: &mut Vec<u8>, map: &BTreeMap<String, AttributeValue>) {
    write_varint(out, map.len() as u128);
    for (name, value) in map {
        write_bytes(out, name.as_bytes());
        write_value(out, value);
    }
}

fn write_value(out: &mut Vec<u8>, value: &AttributeValue) {
    match value {
        AttributeValue::S(s) => {
            out.push(Tag::S as u8);
            write_bytes(out, s.as_bytes());
        }
        AttributeValue::N(n) => {
            out.push(Tag::N as u8);
            write_number(out, n);
        }
        AttributeValue::B(b) => {
            out.push(Tag::B as u8);
            write_bytes(out, b);
        }
        AttributeValue::Bool(b) => {
            out.push(Tag::Bool as u8);
            out.push(u8::from(*b));
        }
        AttributeValue::Null => out.push(Tag::Null as u8),
        AttributeValue::M(m) => {
            out.push(Tag::M as u8);
            write_map(out, m);
        }
        AttributeValue::L(l) => {
            out.push(Tag::L as u8);
            write_varint(out, l.len() as u128);
            l.iter().for_each(|v| write_value(out, v));
        }
        AttributeValue::Ss(ss) => {
            out.push(Tag::Ss as u8);
            write_varint(out, ss.len() as u128);
            ss.iter().for_each(|s| write_bytes(out, s.as_bytes()));
        }
        AttributeValue::Ns(ns) => {
            out.push(Tag::Ns as u8);
            write_varint(out, ns.len() as u128);
            ns.iter().for_each(|n| write_number(out, n));
        }
        AttributeValue::Bs(bs) => {
            out.push(Tag::Bs as u8);
            write_varint(out, bs.len() as u128);
            bs.iter().for_each(|b| write_bytes(out, b));
        }
    }
}

struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { rest: bytes }
    }

    fn byte(&mut self) -> Result<u8, DecodeError> {
        let (&first, rest) = self.rest.split_first().ok_or(DecodeError::Truncated)?;
        self.rest = rest;
        Ok(first)
    }

    fn take(&mut self, len: usize) -> Result<&'a [u8], DecodeError> {
        if len > self.rest.len() {
            return Err(DecodeError::Truncated);
        }
        let (head, rest) = self.rest.split_at(len);
        self.rest = rest;
        Ok(head)
    }

    fn version(&mut self) -> Result<(), DecodeError> {
        match self.byte()? {
            FORMAT_VERSION => Ok(()),
            other => Err(DecodeError::UnknownVersion(other)),
        }
    }

    fn finish(&self) -> Result<(), DecodeError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::Malformed("trailing bytes"))
        }
    }

    fn varint(&mut self) -> Result<u128, DecodeError> {
        let mut value = 0u128;
        for shift in (0..128).step_by(7) {
            let byte = self.byte()?;
            let bits = u128::from(byte & 0x7f);
            if shift == 126 && bits > 0b11 {
                return Err(DecodeError::Malformed("varint overflow"));
            }
            value |= bits << shift;
            if byte & 0x80 == 0 {
                if byte == 0 && shift != 0 {
                    return Err(DecodeError::Malformed("non-shortest varint"));
                }
                return Ok(value);
            }
        }
        Err(DecodeError::Malformed("varint overflow"))
    }

    /// A length or count; each counted thing takes at least one byte, so a
    /// count beyond the remaining input is corrupt (and never allocated).
    fn count(&mut self) -> Result<usize, DecodeError> {
        let n = self.varint()?;
        match usize::try_from(n) {
            Ok(n) if n <= self.rest.len() => Ok(n),
            _ => Err(DecodeError::Truncated),
        }
    }

    fn bytes(&mut self) -> Result<&'a [u8], DecodeError> {
        let len = self.count()?;
        self.take(len)
    }

    fn string(&mut self) -> Result<String, DecodeError> {
        let bytes = self.bytes()?;
        String::from_utf8(bytes.to_vec()).map_err(|_| DecodeError::Malformed("invalid UTF-8"))
    }

    fn number(&mut self) -> Result<Number, DecodeError> {
        let negative = match self.byte()? {
            0 => false,
            1 => true,
            _ => return Err(DecodeError::Malformed("number sign")),
        };
        let zigzag =
            u64::try_from(self.varint()?).map_err(|_| DecodeError::Malformed("exponent"))?;
        let exponent = ((zigzag >> 1) as i64) ^ -((zigzag & 1) as i64);
        let exponent = i16::try_from(exponent).map_err(|_| DecodeError::Malformed("exponent"))?;
        let coefficient = self.varint()?;
        Number::from_parts(negative, coefficient, exponent).ok_or(DecodeError::Malformed("number"))
    }

    fn map(&mut self, depth: usize) -> Result<BTreeMap<String, AttributeValue>, DecodeError> {
        let count = self.count()?;
        // Names arrive strictly ascending, so the map is built in one pass
        // from a sorted list (no per-name search or clone).
        let mut entries: Vec<(String, AttributeValue)> = Vec::with_capacity(count.min(64));
        for _ in 0..count {
            let name = self.string()?;
            if entries.last().is_some_and(|(p, _)| *p >= name) {
                return Err(DecodeError::Malformed("map names out of order"));
            }
            let value = self.value(depth + 1)?;
            entries.push((name, value));
        }
        Ok(entries.into_iter().collect())
    }

    fn set<T: Ord + Clone>(
        &mut self,
        mut element: impl FnMut(&mut Self) -> Result<T, DecodeError>,
    ) -> Result<Vec<T>, DecodeError> {
        let count = self.count()?;
        if count == 0 {
            return Err(DecodeError::Malformed("empty set"));
        }
        let mut members = Vec::with_capacity(count);
        let mut seen = BTreeSet::new();
        for _ in 0..count {
            let member = element(self)?;
            if !seen.insert(member.clone()) {
                return Err(DecodeError::Malformed("repeated set member"));
            }
            members.push(member);
        }
        Ok(members)
    }

    fn value(&mut self, depth: usize) -> Result<AttributeValue, DecodeError> {
        if depth > MAX_DECODE_DEPTH {
            return Err(DecodeError::Malformed("nesting too deep"));
        }
        let tag = Tag::from_byte(self.byte()?).ok_or(DecodeError::Malformed("unknown tag"))?;
        Ok(match tag {
            Tag::M => AttributeValue::M(self.map(depth)?),
            Tag::L => {
                let count = self.count()?;
                let mut list = Vec::with_capacity(count);
                for _ in 0..count {
                    list.push(self.value(depth + 1)?);
                }
                AttributeValue::L(list)
            }
            other => self.leaf(other)?,
        })
    }

    /// The body of a value that does not nest (every tag but M and L).
    fn leaf(&mut self, tag: Tag) -> Result<AttributeValue, DecodeError> {
        Ok(match tag {
            Tag::S => AttributeValue::S(self.string()?),
            Tag::N => AttributeValue::N(self.number()?),
            Tag::B => AttributeValue::B(self.bytes()?.to_vec()),
            Tag::Bool => match self.byte()? {
                0 => AttributeValue::Bool(false),
                1 => AttributeValue::Bool(true),
                _ => return Err(DecodeError::Malformed("boolean")),
            },
            Tag::Null => AttributeValue::Null,
            Tag::Ss => AttributeValue::Ss(self.set(Self::string)?),
            Tag::Ns => AttributeValue::Ns(self.set(Self::number)?),
            Tag::Bs => AttributeValue::Bs(self.set(|r| r.bytes().map(<[u8]>::to_vec))?),
            Tag::M | Tag::L => return Err(DecodeError::Malformed("nested value where a leaf was expected")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn n(text: &str) -> Number {
        Number::parse(text).unwrap()
    }

    #[test]
    fn golden_bytes() {
        // Frozen: these exact bytes must decode forever.
        let item: Item = [
            ("a".to_owned(), AttributeValue::S("hi".into())),
            ("b".to_owned(), AttributeValue::N(n("-1.5"))),
            ("c".to_owned(), AttributeValue::Null),
        ]
        .into_iter()
        .collect();
        let bytes = encode_item(&item);
        assert_eq!(
            bytes,
            vec![
                1, 3, // version, 3 attributes
                1, b'a', 1, 2, b'h', b'i', // a: S "hi"
                1, b'b', 2, 1, 1, 15, // b: N negative, exponent -1 (zigzag 1), 15
                1, b'c', 5, // c: NULL
            ]
        );
        assert_eq!(decode_item(&bytes).unwrap(), item);
        assert_eq!(encode_value(&AttributeValue::Bool(true)), vec![1, 4, 1]);
        assert_eq!(
            encode_value(&AttributeValue::N(Number::ZERO)),
            vec![1, 2, 0, 0, 0]
        );
        assert_eq!(
            encode_value(&AttributeValue::N(n("300"))),
            vec![1, 2, 0, 4, 3]
        );
    }

    #[test]
    fn refuses_malformed_input() {
        let refused = |bytes: &[u8]| decode_value(bytes).unwrap_err();
        assert_eq!(refused(&[]), DecodeError::Truncated);
        assert_eq!(refused(&[2, 5]), DecodeError::UnknownVersion(2));
        assert_eq!(refused(&[1]), DecodeError::Truncated);
        assert_eq!(refused(&[1, 99]), DecodeError::Malformed("unknown tag"));
        assert_eq!(refused(&[1, 0]), DecodeError::Malformed("unknown tag"));
        assert_eq!(refused(&[1, 1, 5, b'a']), DecodeError::Truncated);
        assert_eq!(
            refused(&[1, 1, 1, 0xff]),
            DecodeError::Malformed("invalid UTF-8")
        );
        assert_eq!(refused(&[1, 4, 2]), DecodeError::Malformed("boolean"));
        assert_eq!(
            refused(&[1, 5, 0]),
            DecodeError::Malformed("trailing bytes")
        );
        assert_eq!(
            refused(&[1, 1, 0x80, 0x00]),
            DecodeError::Malformed("non-shortest varint")
        );
        assert_eq!(
            refused(&[1, 2, 0, 0, 10]),
            DecodeError::Malformed("number"),
            "trailing zero"
        );
        assert_eq!(
            refused(&[1, 2, 1, 0, 0]),
            DecodeError::Malformed("number"),
            "negative zero"
        );
        assert_eq!(
            refused(&[1, 2, 0, 0xfc, 0x01, 1]),
            DecodeError::Malformed("number"),
            "1e126"
        );
        assert_eq!(
            refused(&[1, 2, 2, 0, 1]),
            DecodeError::Malformed("number sign")
        );
        assert_eq!(refused(&[1, 8, 0]), DecodeError::Malformed("empty set"));
        assert_eq!(
            refused(&[1, 8, 2, 1, b'a', 1, b'a']),
            DecodeError::Malformed("repeated set member")
        );
        assert_eq!(
            refused(&[1, 9, 2, 0, 0, 1, 0, 0, 1]),
            DecodeError::Malformed("repeated set member")
        );
        assert_eq!(
            decode_item(&[1, 2, 1, b'b', 5, 1, b'a', 5]).unwrap_err(),
            DecodeError::Malformed("map names out of order")
        );
        assert_eq!(
            decode_item(&[1, 2, 1, b'a', 5, 1, b'a', 5]).unwrap_err(),
            DecodeError::Malformed("map names out of order")
        );
        // A huge count is refused before any allocation.
        assert_eq!(
            refused(&[1, 7, 0xff, 0xff, 0xff, 0xff, 0x0f]),
            DecodeError::Truncated
        );
        // Twenty bytes of continuation overflow a u128.
        let mut long = vec![1, 3];
        long.extend([0xff; 20]);
        assert_eq!(refused(&long), DecodeError::Malformed("varint overflow"));
        // Deep nesting is bounded.
        let mut deep = vec![1];
        deep.extend(std::iter::repeat_n([7u8, 1], 100).flatten());
        deep.push(5);
        assert_eq!(refused(&deep), DecodeError::Malformed("nesting too deep"));
    }

    use crate::value::strategies::value;

    proptest! {
        #[test]
        fn items_round_trip(item in proptest::collection::btree_map(".{0,6}", value(), 0..6)) {
            let bytes = encode_item(&item);
            prop_assert_eq!(decode_item(&bytes).unwrap(), item);
        }

        #[test]
        fn values_round_trip(v in value()) {
            prop_assert_eq!(decode_value(&encode_value(&v)).unwrap(), v);
        }

        #[test]
        fn every_truncation_is_an_error(v in value()) {
            let bytes = encode_value(&v);
            for len in 0..bytes.len() {
                prop_assert!(decode_value(bytes.get(..len).unwrap_or_default()).is_err());
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode_item(&bytes);
            let _ = decode_value(&bytes);
        }

        #[test]
        fn corrupted_bytes_never_panic(v in value(), at in any::<usize>(), byte in any::<u8>()) {
            let mut bytes = encode_value(&v);
            if !bytes.is_empty() {
                let i = at % bytes.len();
                if let Some(b) = bytes.get_mut(i) {
                    *b = byte;
                }
            }
            let _ = decode_value(&bytes);
        }
    }
}
