//! Secondary indexes (GSI and LSI) in the item key space, maintained in the
//! same atomic batch as the base item, so a read after an acknowledged
//! write never sees a stale index.
//!
//! ```text
//! index entry key = "t" table_id "/x" index_name "/" hash:u64be
//!                   encode(index pk) [encode(index sk)] encode(base pk) [encode(base sk)]
//! value           = the projected item (binary item encoding)
//! ```
//! Items lacking an index key attribute are not in the index (sparse
//! indexes). Frozen format: stored keys depend on it.

use ddb_core::api::table::{IndexSpec, KeyAttr, ProjectionSpec, ScalarType, TableDefinition};
use ddb_core::key::{encode_key_value, partition_hash};
use ddb_core::value::binary;
use ddb_core::{AttributeValue, Item};
use ddb_core::capacity::{self, HalfUnits, WriteMode};
use ddb_core::size::item_size;
use storage::WriteBatch;

use super::stats::{index_key, Deltas};
use crate::error::ApiError;

/// Capacity one index consumed.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexUnits {
    pub name: String,
    pub local: bool,
    pub units: HalfUnits,
}

/// A size as a signed delta.
pub fn signed(size: usize) -> i64 {
    i64::try_from(size).unwrap_or(i64::MAX)
}

/// One index, ready to compute entries.
#[derive(Debug, Clone)]
pub struct IndexLayout {
    pub name: String,
    /// True for a local secondary index.
    pub local: bool,
    pub hash: KeyAttr,
    pub range: Option<KeyAttr>,
    pub projection: ProjectionSpec,
    prefix: Vec<u8>,
}

/// Every index of one table, plus the table's own key.
#[derive(Debug, Clone)]
pub struct TableIndexes {
    pub base_hash: KeyAttr,
    pub base_range: Option<KeyAttr>,
    pub indexes: Vec<IndexLayout>,
}

fn type_of(v: &AttributeValue) -> Option<ScalarType> {
    match v {
        AttributeValue::S(_) => Some(ScalarType::S),
        AttributeValue::N(_) => Some(ScalarType::N),
        AttributeValue::B(_) => Some(ScalarType::B),
        _ => None,
    }
}

/// The prefix of every entry of index `name` of table `table_id`.
pub fn index_prefix(table_id: &str, name: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(table_id.len() + name.len() + 4);
    k.push(b't');
    k.extend_from_slice(table_id.as_bytes());
    k.extend_from_slice(b"/x");
    k.extend_from_slice(name.as_bytes());
    k.push(b'/');
    k
}

impl IndexLayout {
    fn new(table_id: &str, spec: &IndexSpec, local: bool) -> IndexLayout {
        IndexLayout {
            name: spec.name.clone(),
            local,
            hash: spec.key_schema.hash.clone(),
            range: spec.key_schema.range.clone(),
            projection: spec.projection.clone(),
            prefix: index_prefix(table_id, &spec.name),
        }
    }

    /// The prefix of the entries of one index partition.
    pub fn partition_prefix(&self, pk: &AttributeValue) -> Result<Vec<u8>, ApiError> {
        let mut enc = Vec::with_capacity(32);
        encode_key_value(pk, &mut enc).map_err(|e| ApiError::Validation(e.to_string()))?;
        let mut k = self.prefix.clone();
        k.extend_from_slice(&partition_hash(&enc).to_be_bytes());
        k.extend_from_slice(&enc);
        Ok(k)
    }

    /// The prefix of every entry of this index.
    pub fn prefix(&self) -> &[u8] {
        &self.prefix
    }
}

impl TableIndexes {
    /// The indexes of a table definition.
    pub fn new(table_id: &str, def: &TableDefinition) -> TableIndexes {
        let spec = &def.spec;
        TableIndexes {
            base_hash: spec.key_schema.hash.clone(),
            base_range: spec.key_schema.range.clone(),
            indexes: spec
                .local_secondary_indexes
                .iter()
                .map(|i| IndexLayout::new(table_id, i, true))
                .chain(spec.global_secondary_indexes.iter().map(|i| IndexLayout::new(table_id, i, false)))
                .collect(),
        }
    }

    /// The index named `name`.
    pub fn get(&self, name: &str) -> Option<&IndexLayout> {
        self.indexes.iter().find(|i| i.name == name)
    }

    /// The key attributes of entries of `idx`: index keys then base keys.
    pub fn entry_key_names(&self, idx: &IndexLayout) -> Vec<String> {
        let mut names = vec![idx.hash.name.clone()];
        names.extend(idx.range.as_ref().map(|r| r.name.clone()));
        for a in std::iter::once(&self.base_hash).chain(self.base_range.as_ref()) {
            if !names.contains(&a.name) {
                names.push(a.name.clone());
            }
        }
        names
    }

    /// Rejects an item whose index key attributes have the wrong type or
    /// are empty, as DynamoDB does on write.
    pub fn validate(&self, item: &Item) -> Result<(), ApiError> {
        for idx in &self.indexes {
            for attr in std::iter::once(&idx.hash).chain(idx.range.as_ref()) {
                let Some(v) = item.get(&attr.name) else { continue };
                if type_of(v) != Some(attr.ty) {
                    return Err(ApiError::Validation(format!(
                        "One or more parameter values were invalid: Type mismatch for Index Key {} Expected: {} Actual: {} IndexName: {}",
                        attr.name,
                        attr.ty.as_str(),
                        v.type_tag(),
                        idx.name
                    )));
                }
                let empty = matches!(v, AttributeValue::S(s) if s.is_empty())
                    || matches!(v, AttributeValue::B(b) if b.is_empty());
                if empty {
                    return Err(ApiError::Validation(format!(
                        "One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty {} value. IndexName: {}, IndexKey: {}",
                        if matches!(v, AttributeValue::S(_)) { "string" } else { "binary" },
                        idx.name,
                        attr.name
                    )));
                }
            }
        }
        Ok(())
    }

    /// The storage key of `item`'s entry in `idx` (for ExclusiveStartKey).
    pub fn entry_key(&self, idx: &IndexLayout, item: &Item) -> Option<Vec<u8>> {
        self.entry(idx, item).map(|(k, _)| k)
    }

    /// The entry of `item` in `idx`, or `None` when the item lacks an index
    /// key (sparse index).
    fn entry(&self, idx: &IndexLayout, item: &Item) -> Option<(Vec<u8>, Item)> {
        let pk = item.get(&idx.hash.name)?;
        let sk = match &idx.range {
            Some(r) => Some(item.get(&r.name)?),
            None => None,
        };
        if type_of(pk) != Some(idx.hash.ty) {
            return None;
        }
        let mut key = idx.partition_prefix(pk).ok()?;
        if let Some(sk) = sk {
            encode_key_value(sk, &mut key).ok()?;
        }
        encode_key_value(item.get(&self.base_hash.name)?, &mut key).ok()?;
        if let Some(r) = &self.base_range {
            encode_key_value(item.get(&r.name)?, &mut key).ok()?;
        }
        let projected = match &idx.projection {
            ProjectionSpec::All => item.clone(),
            ProjectionSpec::KeysOnly | ProjectionSpec::Include(_) => {
                let include: &[String] = match &idx.projection {
                    ProjectionSpec::Include(a) => a,
                    _ => &[],
                };
                self.entry_key_names(idx)
                    .iter()
                    .chain(include.iter())
                    .filter_map(|n| item.get(n).map(|v| (n.clone(), v.clone())))
                    .collect()
            }
        };
        Some((key, projected))
    }

    /// Adds to `batch` the index changes of a base item going from `old`
    /// to `new` (either may be absent), and their count and size changes
    /// to `deltas`.
    pub fn apply(&self, old: Option<&Item>, new: Option<&Item>, batch: &mut WriteBatch, deltas: &mut Deltas) {
        for idx in &self.indexes {
            let old_entry = old.and_then(|i| self.entry(idx, i));
            let new_entry = new.and_then(|i| self.entry(idx, i));
            let size = |e: &Option<(Vec<u8>, Item)>| e.as_ref().map_or(0, |(_, i)| signed(item_size(i)));
            deltas.add(
                index_key(&idx.prefix),
                i64::from(new_entry.is_some()) - i64::from(old_entry.is_some()),
                size(&new_entry) - size(&old_entry),
            );
            if let Some((old_key, _)) = &old_entry {
                if new_entry.as_ref().is_none_or(|(k, _)| k != old_key) {
                    batch.delete(old_key.clone());
                }
            }
            if let Some((key, item)) = new_entry {
                if old_entry.as_ref() != Some(&(key.clone(), item.clone())) {
                    batch.put(key, binary::encode_item(&item));
                }
            }
        }
    }

    /// True when the table has a local secondary index (its items form
    /// item collections).
    pub fn has_local(&self) -> bool {
        self.indexes.iter().any(|i| i.local)
    }

    /// An item's size plus the sizes of its LSI entries: what it adds to
    /// its item collection.
    pub fn collection_size(&self, item: &Item) -> u64 {
        let entries: usize = self
            .indexes
            .iter()
            .filter(|i| i.local)
            .filter_map(|idx| self.entry(idx, item))
            .map(|(_, e)| item_size(&e))
            .sum();
        (item_size(item) + entries) as u64
    }

    /// The encoded partition key of an item (for its collection).
    pub fn encoded_partition(&self, item: &Item) -> Option<Vec<u8>> {
        let mut out = Vec::with_capacity(32);
        encode_key_value(item.get(&self.base_hash.name)?, &mut out).ok()?;
        Some(out)
    }

    /// The write capacity each index consumes when a base item goes from
    /// `old` to `new`, as DynamoDB counts it: an entry added or removed is
    /// one write of its size, an entry whose index key changed is two (the
    /// delete and the put), an entry whose projected attributes changed is
    /// one write of the larger size; untouched indexes are not listed.
    pub fn write_units(&self, old: Option<&Item>, new: Option<&Item>, mode: WriteMode) -> Vec<IndexUnits> {
        let units = |i: &Item| capacity::write(item_size(i) as u64, mode);
        self.indexes
            .iter()
            .filter_map(|idx| {
                let o = old.and_then(|i| self.entry(idx, i));
                let n = new.and_then(|i| self.entry(idx, i));
                let u = match (&o, &n) {
                    (None, None) => return None,
                    (Some((_, oi)), None) => units(oi),
                    (None, Some((_, ni))) => units(ni),
                    (Some((ok, oi)), Some((nk, ni))) if ok != nk => units(oi) + units(ni),
                    (Some(oe), Some(ne)) if oe == ne => return None,
                    (Some((_, oi)), Some((_, ni))) => capacity::write(item_size(oi).max(item_size(ni)) as u64, mode),
                };
                Some(IndexUnits {
                    name: idx.name.clone(),
                    local: idx.local,
                    units: u,
                })
            })
            .collect()
    }

    /// Backfill: writes the entries of `current` that are missing
    /// (`exists` tells), counting only those.
    pub fn reindex(&self, current: &Item, exists: &dyn Fn(&[u8]) -> bool, batch: &mut WriteBatch, deltas: &mut Deltas) {
        for idx in &self.indexes {
            if let Some((key, item)) = self.entry(idx, current) {
                if !exists(&key) {
                    deltas.add(index_key(&idx.prefix), 1, signed(item_size(&item)));
                    batch.put(key, binary::encode_item(&item));
                }
            }
        }
    }
}
