//! Item and key sizes by DynamoDB's rules, and their limits.
//!
//! An item's size is the sum over its attributes of the UTF-8 length of the
//! name plus the size of the value (Developer Guide, "DynamoDB item sizes
//! and formats"):
//! - `S`: UTF-8 bytes; `B`: raw bytes (not base64); `BOOL`, `NULL`: 1 byte;
//! - `N`: 1 byte, plus one per *pair* of significant digits where pairs are
//!   aligned on the decimal point (DynamoDB stores base-100 digits), plus 1
//!   if negative; zero is 1 byte. The guide's "1 byte per two significant
//!   digits + 1" is approximate: `3.14159` costs 5, `123456` costs 4. The
//!   exact rule reproduces all 23 literals measured byte-for-byte against
//!   DynamoDB by the paritysuite capture (`numberByteSize.test.ts`,
//!   eu-west-2, 2026-08-18) and dynalite's 400 KB boundary tests;
//! - `SS`, `NS`, `BS`: the sum of the members' sizes;
//! - `M`, `L`: 3 bytes, plus per element 1 byte and its size (for a map,
//!   the element's size includes its name).
//!
//! The limit is 400 KB = 409,600 bytes inclusive (an item of exactly
//! 409,600 is accepted, one byte more refused). For a table with local
//! secondary indexes the limit covers the item plus its LSI entries
//! ([`check_size_with_local_indexes`]; DynamoDB answers with the same
//! messages, none other was found). Key values: a partition key
//! at most 2048 bytes, a sort key at most 1024 (numbers are always within
//! both). Messages are DynamoDB's, including the missing space in
//! `limit of2048 bytes` (dynalite `test/putItem.js`, `test/getItem.js`).

use crate::value::{AttributeValue, Item, Number};

/// The largest item DynamoDB stores, in bytes (inclusive).
pub const MAX_ITEM_SIZE: usize = 409_600;
/// The largest partition key value, in bytes (inclusive).
pub const MAX_PARTITION_KEY_SIZE: usize = 2048;
/// The largest sort key value, in bytes (inclusive).
pub const MAX_SORT_KEY_SIZE: usize = 1024;

/// PutItem, BatchWriteItem, a transacted Put, PartiQL INSERT.
pub const ITEM_TOO_LARGE: &str = "Item size has exceeded the maximum allowed size";
/// UpdateItem, a transacted Update, PartiQL UPDATE.
pub const UPDATED_ITEM_TOO_LARGE: &str =
    "Item size to update has exceeded the maximum allowed size";
/// A partition key value over 2048 bytes (sic: no space before 2048).
pub const PARTITION_KEY_TOO_LARGE: &str = "One or more parameter values were invalid: \
     Size of hashkey has exceeded the maximum size limit of2048 bytes";
/// A sort key value over 1024 bytes.
pub const SORT_KEY_TOO_LARGE: &str = "One or more parameter values were invalid: \
     Aggregated size of all range keys has exceeded the size limit of 1024 bytes";

/// A size limit DynamoDB refuses with a `ValidationException`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SizeError {
    /// The item (as written by a put) is over 400 KB.
    #[error("{}", ITEM_TOO_LARGE)]
    ItemTooLarge,
    /// The item an update would produce is over 400 KB.
    #[error("{}", UPDATED_ITEM_TOO_LARGE)]
    UpdatedItemTooLarge,
    /// A partition key value is over 2048 bytes.
    #[error("{}", PARTITION_KEY_TOO_LARGE)]
    PartitionKeyTooLarge,
    /// A sort key value is over 1024 bytes.
    #[error("{}", SORT_KEY_TOO_LARGE)]
    SortKeyTooLarge,
}

/// The size of a number value (see module docs).
pub fn number_size(n: &Number) -> usize {
    if n.is_zero() {
        return 1;
    }
    // Base-100 digits spanned by the significant digits: pair index of a
    // digit at power p is floor(p / 2).
    let high = n.magnitude().div_euclid(2);
    let low = i32::from(n.exponent()).div_euclid(2);
    let pairs = usize::try_from(high - low + 1).unwrap_or(0);
    1 + pairs + usize::from(n.is_negative())
}

/// The size of a value, without any attribute name.
pub fn value_size(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::S(s) => s.len(),
        AttributeValue::N(n) => number_size(n),
        AttributeValue::B(b) => b.len(),
        AttributeValue::Bool(_) | AttributeValue::Null => 1,
        AttributeValue::Ss(ss) => ss.iter().map(String::len).sum(),
        AttributeValue::Ns(ns) => ns.iter().map(number_size).sum(),
        AttributeValue::Bs(bs) => bs.iter().map(Vec::len).sum(),
        AttributeValue::L(l) => 3 + l.iter().map(|v| 1 + value_size(v)).sum::<usize>(),
        AttributeValue::M(m) => {
            3 + m
                .iter()
                .map(|(name, v)| 1 + name.len() + value_size(v))
                .sum::<usize>()
        }
    }
}

/// The size of one attribute: its name plus its value.
pub fn attribute_size(name: &str, value: &AttributeValue) -> usize {
    name.len() + value_size(value)
}

/// The size of an item.
pub fn item_size(item: &Item) -> usize {
    item.iter()
        .map(|(name, value)| attribute_size(name, value))
        .sum()
}

/// Checks an item written whole (a put); returns its size.
pub fn check_item_size(item: &Item) -> Result<usize, SizeError> {
    let size = item_size(item);
    if size > MAX_ITEM_SIZE {
        Err(SizeError::ItemTooLarge)
    } else {
        Ok(size)
    }
}

/// Checks the item an update would store; returns its size.
pub fn check_updated_item_size(item: &Item) -> Result<usize, SizeError> {
    check_item_size(item).map_err(|_| SizeError::UpdatedItemTooLarge)
}

/// Checks an item of a table with local secondary indexes, whose 400 KB
/// covers the item *and* its entries in every LSI (Developer Guide,
/// Constraints, "Item size for tables with Local Secondary Indexes"):
/// `item_bytes` is the item's size, `local_entry_bytes` the summed sizes of
/// its LSI entries (key values and projected attributes). `updated`
/// selects UpdateItem's message. Returns the total.
pub fn check_size_with_local_indexes(
    item_bytes: usize,
    local_entry_bytes: usize,
    updated: bool,
) -> Result<usize, SizeError> {
    let total = item_bytes.saturating_add(local_entry_bytes);
    if total <= MAX_ITEM_SIZE {
        Ok(total)
    } else if updated {
        Err(SizeError::UpdatedItemTooLarge)
    } else {
        Err(SizeError::ItemTooLarge)
    }
}

/// The size a key value counts against the key limits (numbers count 0:
/// they always fit).
pub fn key_value_size(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::S(s) => s.len(),
        AttributeValue::B(b) => b.len(),
        _ => 0,
    }
}

/// Checks a partition key value against 2048 bytes.
pub fn check_partition_key_size(value: &AttributeValue) -> Result<(), SizeError> {
    if key_value_size(value) > MAX_PARTITION_KEY_SIZE {
        Err(SizeError::PartitionKeyTooLarge)
    } else {
        Ok(())
    }
}

/// Checks a sort key value against 1024 bytes.
pub fn check_sort_key_size(value: &AttributeValue) -> Result<(), SizeError> {
    if key_value_size(value) > MAX_SORT_KEY_SIZE {
        Err(SizeError::SortKeyTooLarge)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(text: &str) -> Number {
        Number::parse(text).unwrap()
    }

    fn s(text: &str) -> AttributeValue {
        AttributeValue::S(text.to_owned())
    }

    #[test]
    fn captured_number_sizes() {
        // paritysuite CAPTURED_NUMBER_BYTES: each measured against DynamoDB
        // with an accept/reject pair at the 400 KB gate.
        for (literal, bytes) in [
            ("0", 1),
            ("1", 2),
            ("12", 2),
            ("123", 3),
            ("1234", 3),
            ("12345678901234567890123456789012345678", 20),
            ("0042", 2),
            ("100", 2),
            ("1010", 3),
            ("0.0000001", 2),
            ("1E125", 2),
            ("1E-100", 2),
            ("1.5", 3),
            ("15", 2),
            ("1.2", 3),
            ("1.200", 3),
            ("1.234", 4),
            ("3.14159", 5),
            ("123456", 4),
            ("100.5", 4),
            ("0.15", 2),
            ("-42", 3),
            ("-0", 1),
        ] {
            assert_eq!(number_size(&n(literal)), bytes, "{literal}");
        }
    }

    #[test]
    fn dynalite_boundary_numbers() {
        // dynalite putItem "item is too big with … number attribute" cases.
        assert_eq!(
            number_size(&n(&format!("{}{}", "1".repeat(38), "0".repeat(88)))),
            20
        );
        assert_eq!(number_size(&n(&format!("1{}", "0".repeat(125)))), 2);
        assert_eq!(number_size(&n(&format!("11{}", "0".repeat(124)))), 2);
        assert_eq!(number_size(&n(&format!("11111{}", "0".repeat(121)))), 4);
        assert_eq!(number_size(&n(&format!("111111{}", "0".repeat(120)))), 4);
        assert_eq!(number_size(&n(&format!("1111111{}", "0".repeat(119)))), 5);
        assert_eq!(number_size(&n("-1e-130")), 3);
    }

    #[test]
    fn documented_value_sizes() {
        assert_eq!(value_size(&s("héllo")), 6, "UTF-8 bytes");
        assert_eq!(
            value_size(&AttributeValue::B(vec![0; 10])),
            10,
            "raw bytes, not base64"
        );
        assert_eq!(value_size(&AttributeValue::Bool(true)), 1);
        assert_eq!(value_size(&AttributeValue::Null), 1);
        assert_eq!(value_size(&AttributeValue::L(vec![])), 3, "empty list");
        assert_eq!(
            value_size(&AttributeValue::M(Default::default())),
            3,
            "empty map"
        );
        assert_eq!(
            value_size(&AttributeValue::L(vec![s("ab"), AttributeValue::Null])),
            3 + 3 + 2
        );
        let map = [("k".to_owned(), s("vv"))].into_iter().collect();
        assert_eq!(value_size(&AttributeValue::M(map)), 3 + 1 + 1 + 2);
        assert_eq!(
            value_size(&AttributeValue::Ss(vec!["ab".into(), "c".into()])),
            3
        );
        assert_eq!(
            value_size(&AttributeValue::Ns(vec![n("1"), n("-1.5")])),
            2 + 4
        );
        assert_eq!(value_size(&AttributeValue::Bs(vec![vec![1, 2], vec![]])), 2);
    }

    fn padded_item(key: &str, extra: &[(&str, AttributeValue)], total: usize) -> Item {
        let mut item: Item = [("a".to_owned(), s(key))].into_iter().collect();
        item.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
        let used = item_size(&item) + 1;
        item.insert("b".to_owned(), s(&"a".repeat(total - used)));
        item
    }

    #[test]
    fn the_400_kb_gate() {
        // dynalite: "just small enough" accepted, one byte more refused.
        let at = padded_item("key0000001", &[], MAX_ITEM_SIZE);
        assert_eq!(check_item_size(&at), Ok(MAX_ITEM_SIZE));
        let over = padded_item("key0000001", &[], MAX_ITEM_SIZE + 1);
        assert_eq!(check_item_size(&over), Err(SizeError::ItemTooLarge));
        assert_eq!(
            check_updated_item_size(&over),
            Err(SizeError::UpdatedItemTooLarge)
        );
        assert_eq!(
            SizeError::ItemTooLarge.to_string(),
            "Item size has exceeded the maximum allowed size"
        );
        // Two 5-byte numbers (7 significant digits at magnitude 126 - 1).
        let big = AttributeValue::N(n(&format!("1111111{}", "0".repeat(119))));
        let item = padded_item("k", &[("c", big.clone()), ("d", big)], MAX_ITEM_SIZE);
        assert_eq!(item_size(&item), MAX_ITEM_SIZE);
        assert_eq!(attribute_size("c", &AttributeValue::N(n("1111111e119"))), 6);
    }

    #[test]
    fn local_index_entries_share_the_400_kb() {
        // An item of 204,800 bytes wholly projected into one LSI is at the
        // limit; one byte more in either is over.
        assert_eq!(check_size_with_local_indexes(204_800, 204_800, false), Ok(MAX_ITEM_SIZE));
        assert_eq!(
            check_size_with_local_indexes(204_801, 204_800, false),
            Err(SizeError::ItemTooLarge)
        );
        assert_eq!(
            check_size_with_local_indexes(204_800, 204_801, true),
            Err(SizeError::UpdatedItemTooLarge)
        );
        // No LSI entry (sparse index): the item alone counts.
        assert_eq!(check_size_with_local_indexes(MAX_ITEM_SIZE, 0, false), Ok(MAX_ITEM_SIZE));
        assert_eq!(
            check_size_with_local_indexes(usize::MAX, 1, false),
            Err(SizeError::ItemTooLarge),
            "saturates"
        );
    }

    #[test]
    fn key_limits() {
        assert_eq!(check_partition_key_size(&s(&"a".repeat(2048))), Ok(()));
        assert_eq!(
            check_partition_key_size(&s(&"a".repeat(2049))),
            Err(SizeError::PartitionKeyTooLarge)
        );
        assert_eq!(
            check_partition_key_size(&s(&"é".repeat(1025))),
            Err(SizeError::PartitionKeyTooLarge)
        );
        assert_eq!(
            check_sort_key_size(&AttributeValue::B(vec![0; 1024])),
            Ok(())
        );
        assert_eq!(
            check_sort_key_size(&AttributeValue::B(vec![0; 1025])),
            Err(SizeError::SortKeyTooLarge)
        );
        assert_eq!(
            check_sort_key_size(&AttributeValue::N(n(
                "-9.9999999999999999999999999999999999999e125"
            ))),
            Ok(())
        );
        assert_eq!(
            SizeError::PartitionKeyTooLarge.to_string(),
            "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes"
        );
        assert_eq!(
            SizeError::SortKeyTooLarge.to_string(),
            "One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes"
        );
    }
}
