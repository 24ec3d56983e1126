//! Where a partition sits in a table's key space: the hash that orders Scan
//! and splits it into parallel-scan segments.
//!
//! Two schemes, chosen per table when it is created and kept for its life
//! (stored keys depend on it):
//!
//! - [`KeyHash::DynamoDb`], every table created now: DynamoDB's own order.
//!   A partition's place is the first 24 bits of
//!   `md5("Outliers" ++ bytes(partition key))`, where the bytes of a string
//!   are its UTF-8, of a binary the bytes themselves, and of a number its
//!   base-100 form (below). Partitions whose 24 bits agree follow in key
//!   order. Segment `s` of `n` holds the partitions whose first 12 bits lie
//!   in `⌈4096·s/n⌉ ..= ⌈4096·(s+1)/n⌉ − 1`, so with more than 4,096
//!   segments some are empty. This is the order real DynamoDB scans return
//!   (as recorded by dynalite's scan.js against DynamoDB), so a test that
//!   pins an unsorted Scan's order or a segment's items passes here too.
//!   In a secondary index, entries whose index keys are equal follow in
//!   the order of the same hash over the base item's partition and sort
//!   values ([`KeyHash::tie`]).
//! - [`KeyHash::Fnv`], tables created before that: the 64-bit hash of
//!   [`crate::key::partition_hash`], segments equal slices of it.
//!
//! Number bytes: zero is `0x80`. Otherwise the digits are grouped in pairs
//! around the decimal point (a leading zero digit when the number of
//! digits before the point is odd), `e` is the number of pairs before the
//! point, and the bytes are `0xC0 + e` then each pair `p` as `p + 1` for a
//! positive number; `0x3F − e` then each pair as `101 − p`, then `0x66`
//! when there are fewer than 20 pairs, for a negative one.

use std::ops::RangeInclusive;

use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};

use crate::key::{partition_hash, segment_range};
use crate::value::{AttributeValue, Number};

/// How a table's partitions are placed in its key space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum KeyHash {
    /// Dynastore's first scheme, kept by the tables created with it (a
    /// stored definition without the field has it).
    #[default]
    #[serde(rename = "fnv")]
    Fnv,
    /// DynamoDB's order; every new table's.
    #[serde(rename = "dynamodb")]
    DynamoDb,
}

/// The salt DynamoDB's partition hash starts with.
const SALT: &[u8] = b"Outliers";

/// Segments of the DynamoDB scheme are cut on this many leading hash values
/// (the first 12 bits).
const SEGMENT_SLOTS: u64 = 4096;

impl KeyHash {
    /// The 64-bit place of a partition given by its key values (one for a
    /// table; each HASH attribute's, in order, for a multi-attribute index
    /// key) and their concatenated [`crate::key`] encoding.
    pub fn place(self, values: &[&AttributeValue], encoded: &[u8]) -> u64 {
        let mut placer = self.placer();
        values.iter().for_each(|v| placer.add(v));
        placer.place(encoded)
    }

    /// A [`Placer`], for key values met one at a time.
    pub fn placer(self) -> Placer {
        Placer { md5: (self == KeyHash::DynamoDb).then(|| {
            let mut md5 = Md5::new();
            md5.update(SALT);
            md5
        }) }
    }

    /// What orders a secondary index's entries whose index keys are equal,
    /// ahead of the base key itself: for DynamoDB's scheme the first 24
    /// bits of the salted md5 of the base key's bytes (partition then sort
    /// value), the order DynamoDB returns such entries in (dynalite's
    /// query.js, recorded against DynamoDB). Nothing for the first scheme,
    /// whose entries keep their format.
    pub fn tie(self, partition: &AttributeValue, sort: Option<&AttributeValue>) -> Option<[u8; 3]> {
        match self {
            KeyHash::Fnv => None,
            KeyHash::DynamoDb => {
                let place = match sort {
                    Some(sort) => self.place(&[partition, sort], &[]),
                    None => self.place(&[partition], &[]),
                };
                let [a, b, c, ..] = place.to_be_bytes();
                Some([a, b, c])
            }
        }
    }

    /// The places segment `segment` of `total` covers, or `None` when the
    /// segment is not below the total. The range is empty (its start after
    /// its end) for a segment that holds nothing.
    pub fn segment(self, segment: u32, total: u32) -> Option<RangeInclusive<u64>> {
        match self {
            KeyHash::Fnv => segment_range(segment, total),
            KeyHash::DynamoDb => {
                if segment >= total {
                    return None;
                }
                let first_slot = |s: u64| (SEGMENT_SLOTS * s).div_ceil(u64::from(total));
                let start = first_slot(u64::from(segment));
                let end = first_slot(u64::from(segment) + 1);
                let place = |slot: u64| slot << 52;
                Some(if end <= start {
                    RangeInclusive::new(1, 0)
                } else if end >= SEGMENT_SLOTS {
                    place(start)..=u64::MAX
                } else {
                    place(start)..=place(end) - 1
                })
            }
        }
    }
}

/// [`KeyHash::place`] fed one key value at a time, so a caller that
/// encodes the values as it goes needs no list of them.
pub struct Placer {
    /// DynamoDB's scheme: the digest so far; the first scheme needs only
    /// the encoding.
    md5: Option<Md5>,
}

impl Placer {
    /// Adds the next key value.
    pub fn add(&mut self, value: &AttributeValue) {
        let Some(md5) = &mut self.md5 else { return };
        match value {
            AttributeValue::S(s) => md5.update(s.as_bytes()),
            AttributeValue::B(b) => md5.update(b),
            AttributeValue::N(n) => md5.update(number_bytes(n)),
            // Not a key value: the key was validated before.
            _ => {}
        }
    }

    /// The place of the values added, whose concatenated encoding is
    /// `encoded`.
    pub fn place(self, encoded: &[u8]) -> u64 {
        match self.md5 {
            None => partition_hash(encoded),
            Some(md5) => {
                let digest = md5.finalize();
                let byte = |i: usize| u64::from(digest.get(i).copied().unwrap_or(0));
                (byte(0) << 56) | (byte(1) << 48) | (byte(2) << 40)
            }
        }
    }
}

/// A number's bytes as DynamoDB hashes them (see the module docs).
fn number_bytes(n: &Number) -> Vec<u8> {
    if n.is_zero() {
        return vec![0x80];
    }
    let mut digits: Vec<u8> = n.coefficient().to_string().bytes().map(|c| c - b'0').collect();
    // Digits before the decimal point (may be zero or negative).
    let mut before = n.magnitude() + 1;
    if before.rem_euclid(2) == 1 {
        digits.insert(0, 0);
        before += 1;
    }
    if digits.len() % 2 == 1 {
        digits.push(0);
    }
    let pairs = before / 2;
    let pair_values = digits.chunks(2).map(|p| p.iter().fold(0u8, |acc, d| acc * 10 + d));
    let mut out = Vec::with_capacity(digits.len() / 2 + 2);
    if n.is_negative() {
        out.push((0x3F - pairs) as u8);
        out.extend(pair_values.map(|p| 101 - p));
        if out.len() - 1 < 20 {
            out.push(0x66);
        }
    } else {
        out.push((0xC0 + pairs) as u8);
        out.extend(pair_values.map(|p| p + 1));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(text: &str) -> Number {
        Number::parse(text).unwrap()
    }

    #[test]
    fn numbers_hash_in_base_100() {
        assert_eq!(number_bytes(&n("0")), vec![0x80]);
        assert_eq!(number_bytes(&n("1")), vec![0xC1, 2]);
        assert_eq!(number_bytes(&n("100")), vec![0xC2, 2]);
        assert_eq!(number_bytes(&n("12345")), vec![0xC3, 2, 24, 46]);
        assert_eq!(number_bytes(&n("0.5")), vec![0xC0, 51]);
        assert_eq!(number_bytes(&n("0.05")), vec![0xC0, 6]);
        assert_eq!(number_bytes(&n("0.005")), vec![0xBF, 51]);
        assert_eq!(number_bytes(&n("-1")), vec![0x3E, 100, 0x66]);
        assert_eq!(number_bytes(&n("-12.5")), vec![0x3E, 89, 51, 0x66]);
        // Equal numbers are equal bytes, however written.
        assert_eq!(number_bytes(&n("1.2345e4")), number_bytes(&n("12345.000")));
        // A negative number of twenty pairs has no terminator.
        let nineteen = number_bytes(&n(&format!("-{}", "1".repeat(38))));
        assert_eq!((nineteen.len(), nineteen.last()), (21, Some(&0x66)));
        let twenty = number_bytes(&n(&format!("-1.{}", "1".repeat(37))));
        assert_eq!((twenty.len(), twenty.last()), (21, Some(&(101 - 10))));
    }

    #[test]
    fn places_are_the_first_24_bits_of_the_salted_md5() {
        let s = |v: &str| AttributeValue::S(v.into());
        // md5("Outliers") = 65a4c0…, md5("Outliersab") = 8d018b….
        let place = KeyHash::DynamoDb.place(&[], &[]);
        assert_eq!(place >> 40, 0x65_a4_c0);
        assert_eq!(KeyHash::DynamoDb.place(&[&s("ab")], &[]) >> 40, 0x8d_01_8b);
        assert_eq!(place & ((1 << 40) - 1), 0, "only 24 bits order");
        // Multi-attribute keys hash their values' bytes one after another.
        assert_eq!(
            KeyHash::DynamoDb.place(&[&s("ab")], &[]),
            KeyHash::DynamoDb.place(&[&s("a"), &s("b")], &[])
        );
        assert_eq!(
            KeyHash::DynamoDb.place(&[&AttributeValue::N(n("10"))], &[]),
            KeyHash::DynamoDb.place(&[&AttributeValue::N(n("1e1"))], &[])
        );
        // Index ties: md5("Outliers" ++ "d" ++ "a") = 590191…, the order
        // dynalite's query.js recorded for equal index keys.
        assert_eq!(KeyHash::DynamoDb.tie(&s("d"), Some(&s("a"))), Some([0x59, 0x01, 0x91]));
        assert_eq!(KeyHash::Fnv.tie(&s("d"), Some(&s("a"))), None);
        // The legacy scheme is untouched.
        assert_eq!(KeyHash::Fnv.place(&[&s("a")], &[b'a', 0, 1]), 0xbc08_481f_96e3_b568);
    }

    #[test]
    fn dynamodb_segments_cut_the_first_12_bits() {
        let d = KeyHash::DynamoDb;
        assert_eq!(d.segment(0, 1), Some(0..=u64::MAX));
        assert_eq!(d.segment(1, 1), None);
        assert_eq!(d.segment(0, 2), Some(0..=(2048 << 52) - 1));
        assert_eq!(d.segment(1, 2), Some(2048 << 52..=u64::MAX));
        // ⌈4096/3⌉ = 1366, ⌈8192/3⌉ = 2731.
        assert_eq!(d.segment(1, 3), Some(1366 << 52..=(2731 << 52) - 1));
        // More segments than slots: some hold nothing.
        assert!(d.segment(1, 8192).unwrap().is_empty());
        assert_eq!(d.segment(2, 8192), Some(1 << 52..=(2 << 52) - 1));
        assert!(d.segment(999_999, 1_000_000).unwrap().is_empty());
        // Every place is in exactly one segment.
        for total in [1u32, 2, 3, 7, 16, 4095, 4096, 4097, 10_000, 1_000_000] {
            let mut next = 0u64;
            for s in 0..total {
                let r = d.segment(s, total).unwrap();
                if r.is_empty() {
                    continue;
                }
                assert_eq!(*r.start(), next, "segment {s} of {total}");
                next = r.end().wrapping_add(1);
            }
            assert_eq!(next, 0, "the last segment ends at the top ({total})");
        }
    }

    #[test]
    fn the_scheme_is_stored_by_name_and_old_definitions_keep_theirs() {
        assert_eq!(serde_json::to_value(KeyHash::DynamoDb).unwrap(), "dynamodb");
        assert_eq!(serde_json::from_value::<KeyHash>("fnv".into()).unwrap(), KeyHash::Fnv);
        assert_eq!(KeyHash::default(), KeyHash::Fnv);
    }
}
