//! DynamoDB JSON written straight to bytes, without building a
//! `serde_json::Value` first: the response path of reads (GetItem, Query,
//! Scan) writes every returned item this way.
//!
//! The output is byte for byte what `serde_json::to_vec` gives for
//! [`super::item_to_json`] and [`super::attribute_value_to_json`]: members
//! in name order (items are sorted maps), no whitespace, and serde_json's
//! string escaping (`"`, `\`, and control characters; `\b \f \n \r \t` by
//! name, the rest as `\u00xx`; everything else, `/` and non-ASCII
//! included, as it is).

use std::io::Write as _;

use super::base64;
use crate::value::{AttributeValue, Item};

/// Appends the wire form of `item` (an object of attribute values).
pub fn write_item(item: &Item, out: &mut Vec<u8>) {
    out.push(b'{');
    for (i, (name, value)) in item.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_str(name, out);
        out.push(b':');
        write_value(value, out);
    }
    out.push(b'}');
}

/// Appends the wire form of one attribute value (`{"S":"x"}`, …).
pub fn write_value(value: &AttributeValue, out: &mut Vec<u8>) {
    match value {
        AttributeValue::S(s) => {
            out.extend_from_slice(b"{\"S\":");
            write_str(s, out);
        }
        AttributeValue::N(n) => {
            out.extend_from_slice(b"{\"N\":\"");
            // Canonical numbers are digits, '-' and '.': nothing to escape.
            let _ = write!(out, "{n}");
            out.push(b'"');
        }
        AttributeValue::B(b) => {
            out.extend_from_slice(b"{\"B\":\"");
            out.extend_from_slice(base64::encode(b).as_bytes());
            out.push(b'"');
        }
        AttributeValue::Bool(b) => {
            out.extend_from_slice(if *b { b"{\"BOOL\":true" } else { b"{\"BOOL\":false" });
        }
        AttributeValue::Null => out.extend_from_slice(b"{\"NULL\":true"),
        AttributeValue::M(m) => {
            out.extend_from_slice(b"{\"M\":");
            write_item(m, out);
        }
        AttributeValue::L(l) => {
            out.extend_from_slice(b"{\"L\":");
            write_array(l.iter(), out, write_value);
        }
        AttributeValue::Ss(ss) => {
            out.extend_from_slice(b"{\"SS\":");
            write_array(ss.iter(), out, |s, out| write_str(s, out));
        }
        AttributeValue::Ns(ns) => {
            out.extend_from_slice(b"{\"NS\":");
            write_array(ns.iter(), out, |n, out| {
                out.push(b'"');
                let _ = write!(out, "{n}");
                out.push(b'"');
            });
        }
        AttributeValue::Bs(bs) => {
            out.extend_from_slice(b"{\"BS\":");
            write_array(bs.iter(), out, |b, out| {
                out.push(b'"');
                out.extend_from_slice(base64::encode(b).as_bytes());
                out.push(b'"');
            });
        }
    }
    out.push(b'}');
}

fn write_array<T>(items: impl Iterator<Item = T>, out: &mut Vec<u8>, mut each: impl FnMut(T, &mut Vec<u8>)) {
    out.push(b'[');
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        each(item, out);
    }
    out.push(b']');
}

/// Appends `s` as a JSON string, escaped as serde_json escapes it.
pub fn write_str(s: &str, out: &mut Vec<u8>) {
    write_escaped(s.as_bytes(), out);
}

/// Appends `bytes` as a JSON string, escaped as [`write_str`] escapes
/// them; true when one of them is not ASCII (the caller decides whether
/// they are UTF-8: checking that only then spares the check of plain
/// ASCII text, most of what is stored).
pub fn write_escaped(bytes: &[u8], out: &mut Vec<u8>) -> bool {
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut high = 0u8;
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        // A chunk at a time while none of its bytes needs escaping.
        if let Some(chunk) = bytes.get(i..i + CHUNK).and_then(|c| <&[u8; CHUNK]>::try_from(c).ok()) {
            let (clean, h) = scan_chunk(chunk);
            if clean {
                high |= h;
                i += CHUNK;
                continue;
            }
        }
        let b = bytes.get(i).copied().unwrap_or(0);
        high |= b;
        if needs_escape(b) {
            out.extend_from_slice(bytes.get(start..i).unwrap_or_default());
            write_escape(b, out);
            start = i + 1;
        }
        i += 1;
    }
    out.extend_from_slice(bytes.get(start..).unwrap_or_default());
    out.push(b'"');
    high & 0x80 != 0
}

/// Bytes [`write_escaped`] checks at once: a fixed-size loop without
/// branches, which the compiler turns into vector instructions (about
/// twice as fast as eight bytes at a time in a `u64`).
const CHUNK: usize = 32;

/// Whether no byte of `chunk` needs escaping, and its bytes or-ed together
/// (whose high bit says whether one of them is not ASCII).
fn scan_chunk(chunk: &[u8; CHUNK]) -> (bool, u8) {
    let mut escape = 0u8;
    let mut high = 0u8;
    for &b in chunk {
        escape |= u8::from(b < 0x20) | u8::from(b == b'"') | u8::from(b == b'\\');
        high |= b;
    }
    (escape == 0, high)
}

/// A control character, `"` or `\`.
fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

fn write_escape(b: u8, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let named: &[u8] = match b {
        b'"' => b"\\\"",
        b'\\' => b"\\\\",
        b'\n' => b"\\n",
        b'\r' => b"\\r",
        b'\t' => b"\\t",
        0x08 => b"\\b",
        0x0c => b"\\f",
        _ => {
            out.extend_from_slice(b"\\u00");
            let hex = |n: u8| HEX.get(usize::from(n)).copied().unwrap_or(b'0');
            out.push(hex(b >> 4));
            out.push(hex(b & 0xf));
            return;
        }
    };
    out.extend_from_slice(named);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::json::{attribute_value_to_json, item_to_json};
    use crate::value::Number;
    use crate::value::strategies::item;
    use proptest::prelude::*;
    use std::collections::{BTreeMap, BTreeSet};

    fn serde_bytes(item: &Item) -> Vec<u8> {
        serde_json::to_vec(&item_to_json(item)).expect("a Value always serializes")
    }

    fn ours(item: &Item) -> Vec<u8> {
        let mut out = Vec::new();
        write_item(item, &mut out);
        out
    }

    #[test]
    fn every_type_and_escape_matches_serde_json() {
        let mut inner = Item::new();
        inner.insert("q\"uote".into(), AttributeValue::S("tab\there\u{1}\u{7f}/é😀\\".into()));
        inner.insert("n".into(), AttributeValue::N(Number::parse("-12.500").expect("a number")));
        let mut item = Item::new();
        item.insert("s".into(), AttributeValue::S(String::new()));
        item.insert("b".into(), AttributeValue::B(vec![0, 255, 7]));
        item.insert("t".into(), AttributeValue::Bool(true));
        item.insert("f".into(), AttributeValue::Bool(false));
        item.insert("z".into(), AttributeValue::Null);
        item.insert("m".into(), AttributeValue::M(inner));
        item.insert(
            "l".into(),
            AttributeValue::L(vec![AttributeValue::Null, AttributeValue::L(Vec::new()), AttributeValue::M(Item::new())]),
        );
        item.insert("ss".into(), AttributeValue::Ss(BTreeSet::from(["a".into(), "\n".into()]).into_iter().collect()));
        item.insert(
            "ns".into(),
            AttributeValue::Ns(
                ["1E3", "0.001", "-0"].iter().map(|n| Number::parse(n).expect("a number")).collect(),
            ),
        );
        item.insert("bs".into(), AttributeValue::Bs(vec![vec![1], Vec::new()]));
        item.insert("\u{8}\u{c}\r".into(), AttributeValue::S("\u{1f}".into()));
        assert_eq!(String::from_utf8(ours(&item)), String::from_utf8(serde_bytes(&item)));
        assert_eq!(ours(&BTreeMap::new()), b"{}");
        let mut one = Vec::new();
        write_value(&AttributeValue::Null, &mut one);
        assert_eq!(one, serde_json::to_vec(&attribute_value_to_json(&AttributeValue::Null)).expect("serializes"));
    }

    proptest! {
        #[test]
        fn long_strings_agree_with_serde_json(s in "[ -~\\x00-\\x1f\\u{80}-\\u{10ffff}]{0,40}") {
            let mut out = Vec::new();
            write_str(&s, &mut out);
            prop_assert_eq!(out, serde_json::to_vec(&s).expect("a string serializes"));
        }

        /// Mostly plain text of several chunks, with the odd escape or
        /// non-ASCII character anywhere in it.
        #[test]
        fn text_of_many_chunks_agrees_with_serde_json(s in "([a-z0-9 ]{0,70}[\\x00-\\x1f\"\\\\é😀]?){0,6}") {
            let mut out = Vec::new();
            let non_ascii = write_escaped(s.as_bytes(), &mut out);
            prop_assert_eq!(non_ascii, !s.is_ascii());
            prop_assert_eq!(out, serde_json::to_vec(&s).expect("a string serializes"));
        }

        #[test]
        fn agrees_with_serde_json(item in item()) {
            prop_assert_eq!(ours(&item), serde_bytes(&item));
        }
    }
}
