//! How items sit in a tenant's ordered key space. Frozen: stored keys
//! depend on it.
//!
//! ```text
//! item key  = "t" table_id "/" "i" hash:u64be encode(pk) [encode(sk)]
//! ```
//! `table_id` is the catalog's stable id (a re-created table gets a new
//! id, so it never sees the old table's items). `hash` is the partition's
//! place by the table's `ddb_core::key_hash::KeyHash`: it orders Scan the
//! way DynamoDB's partitions do and makes parallel-scan segments contiguous
//! ranges. Within a partition, items are in sort-key order.
//!
//! The first byte of every key says what it holds; each prefix has one
//! owner, which documents its format:
//!
//! ```text
//! "c"  change log (one record per item change)          changelog.rs
//! "k"  transactions' ClientRequestTokens (10 minutes)   tokens.rs
//! "s"  item counts and sizes per table, index, collection  stats.rs
//! "t"  items (above) and index entries                  index.rs
//! ```

use ddb_core::key::encode_key_value;
use ddb_core::key_hash::KeyHash;
use ddb_core::AttributeValue;

/// The prefix of every item key of a table.
pub fn items_prefix(table_id: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(table_id.len() + 3);
    k.push(b't');
    k.extend_from_slice(table_id.as_bytes());
    k.extend_from_slice(b"/i");
    k
}

/// True for an item's storage key (not an index entry, a change record or
/// a counter): the row cache keeps written items.
pub fn is_item_key(key: &[u8]) -> bool {
    let Some(rest) = key.strip_prefix(b"t") else {
        return false;
    };
    rest.iter()
        .position(|&b| b == b'/')
        .and_then(|slash| rest.get(slash + 1))
        .is_some_and(|&b| b == b'i')
}

/// The prefix of the items of one partition.
pub fn partition_prefix(table_id: &str, hash: KeyHash, partition: &AttributeValue) -> Result<Vec<u8>, ddb_core::key::KeyError> {
    let mut pk = Vec::with_capacity(32);
    encode_key_value(partition, &mut pk)?;
    let mut k = items_prefix(table_id);
    k.extend_from_slice(&hash.place(&[partition], &pk).to_be_bytes());
    k.extend_from_slice(&pk);
    Ok(k)
}

/// The storage key of one item.
pub fn item_key(
    table_id: &str,
    hash: KeyHash,
    partition: &AttributeValue,
    sort: Option<&AttributeValue>,
) -> Result<Vec<u8>, ddb_core::key::KeyError> {
    let mut k = partition_prefix(table_id, hash, partition)?;
    if let Some(s) = sort {
        encode_key_value(s, &mut k)?;
    }
    Ok(k)
}

/// The smallest key strictly greater than every key starting with `prefix`.
pub fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xFF {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    #[test]
    fn item_keys_are_told_from_other_keys() {
        use super::*;
        let pk = AttributeValue::S("p".into());
        assert!(is_item_key(&item_key("tbl1", KeyHash::DynamoDb, &pk, None).unwrap()));
        assert!(!is_item_key(&index_prefix_for_test()));
        assert!(!is_item_key(b"c\x00\x01"));
        assert!(!is_item_key(b"stbl1/i"));
        assert!(!is_item_key(b"t"));
    }

    fn index_prefix_for_test() -> Vec<u8> {
        crate::items::index::index_prefix("tbl1", "gsi")
    }

    use super::*;

    #[test]
    fn keys_group_by_partition_in_sort_order() {
        let s = |v: &str| AttributeValue::S(v.into());
        for hash in [KeyHash::Fnv, KeyHash::DynamoDb] {
            let a1 = item_key("T", hash, &s("a"), Some(&s("1"))).unwrap();
            let a2 = item_key("T", hash, &s("a"), Some(&s("2"))).unwrap();
            let p = partition_prefix("T", hash, &s("a")).unwrap();
            assert!(a1.starts_with(&p) && a2.starts_with(&p));
            assert!(a1 < a2);
            let end = prefix_end(&p).unwrap();
            assert!(a2 < end);
            assert!(!item_key("U", hash, &s("a"), None).unwrap().starts_with(&items_prefix("T")));
        }
        // The schemes place a partition differently: a table keeps its own.
        assert_ne!(
            partition_prefix("T", KeyHash::Fnv, &s("a")).unwrap(),
            partition_prefix("T", KeyHash::DynamoDb, &s("a")).unwrap()
        );
    }

    #[test]
    fn prefix_end_carries() {
        assert_eq!(prefix_end(&[1, 0xFF]), Some(vec![2]));
        assert_eq!(prefix_end(&[0xFF]), None);
    }
}
