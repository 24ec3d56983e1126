//! Secondary indexes (GSI and LSI) in the item key space, maintained in the
//! same atomic batch as the base item, so a read after an acknowledged
//! write never sees a stale index.
//!
//! ```text
//! index entry key = "t" table_id "/x" index_name "/" hash:u64be
//!                   encode(index pk) [encode(index sk)] [tie:3]
//!                   encode(base pk) [encode(base sk)]
//! value           = the projected item (binary item encoding)
//! ```
//! `tie` is there for a table with DynamoDB's `KeyHash` only
//! ([`KeyHash::tie`]): entries whose index keys are equal follow in the
//! order of their base key's salted md5, as DynamoDB returns them.
//! A global secondary index with multi-attribute keys (up to four HASH and
//! four RANGE attributes) puts the encodings of all its HASH values, in
//! key schema order, where `encode(index pk)` is (and places them together
//! for `hash`, by the table's `KeyHash`), and those of all its RANGE
//! values, in order, where `encode(index sk)` is. Each encoding is
//! self-delimiting and no encoding is a prefix of another
//! ([`encode_key_value`]), so the concatenation orders as the tuple does
//! (left to right, each by its type's order) and an equality on leading
//! RANGE attributes is a key prefix. With one HASH and at most one RANGE
//! attribute this is the single-attribute format.
//! Items lacking an index key attribute are not in the index (sparse
//! indexes). Frozen format: stored keys depend on it.

use ddb_core::api::table::{IndexSpec, KeyAttr, ProjectionSpec, ScalarType, SearchRole, TableDefinition, VectorIndexSpec};
use ddb_core::vector::vector_of;
use ddb_core::key::encode_key_value;
use ddb_core::key_hash::KeyHash;
use ddb_core::value::binary;
use ddb_core::{AttributeValue, Item};
use ddb_core::expr::ast::{Operand, Resolved, SetAction, SetValue, UpdateAction, UpdateExpr};
use ddb_core::expr::update::static_type;
use ddb_core::capacity::{self, HalfUnits, WriteMode};
use ddb_core::size::{
    attribute_size, check_size_with_local_indexes, item_size, key_value_size, value_size, SizeError,
    MAX_PARTITION_KEY_SIZE, MAX_SORT_KEY_SIZE,
};
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
    /// Multi-attribute keys: the HASH and RANGE attributes after the first.
    pub more_hash: Vec<KeyAttr>,
    pub more_range: Vec<KeyAttr>,
    pub projection: ProjectionSpec,
    prefix: Vec<u8>,
    /// The table's partition placement (an index places its partitions
    /// as the table does).
    key_hash: KeyHash,
}

/// Every index of one table, plus the table's own key.
#[derive(Debug, Clone)]
pub struct TableIndexes {
    pub base_hash: KeyAttr,
    pub base_range: Option<KeyAttr>,
    pub indexes: Vec<IndexLayout>,
    /// Vector indexes: searched over the table's items (no entries of
    /// their own), but their attributes are checked on every write.
    pub vectors: Vec<VectorIndexSpec>,
}

/// DynamoDB's refusal of an index key value of the wrong type.
fn type_mismatch(idx: &IndexLayout, attr: &KeyAttr, actual: &str) -> ApiError {
    ApiError::Validation(format!(
        "One or more parameter values were invalid: Type mismatch for Index Key {} Expected: {} Actual: {} IndexName: {}",
        attr.name,
        attr.ty.as_str(),
        actual,
        idx.name
    ))
}

impl TableIndexes {
    /// The vector indexes whose stored content a write from `old` to `new`
    /// changes (an entry added, removed or rewritten), with the bytes the
    /// write is metered at on each (`VectorWriteRequestBytes`): the item
    /// size of the index's entry, the vector counted as its name plus 4
    /// bytes per dimension, at least 1 KB per index. An identical rewrite
    /// writes nothing. (paritysuite/dynamodb-conformance's vector capacity
    /// tests, captured against DynamoDB in 2026-08.)
    pub fn vector_writes(&self, old: Option<&Item>, new: Option<&Item>) -> Vec<(String, f64)> {
        self.vectors
            .iter()
            .filter_map(|v| {
                let before = vector_entry(self, v, old);
                let after = vector_entry(self, v, new);
                if before == after {
                    return None;
                }
                let entry = after.or(before).unwrap_or_default();
                let size: usize = entry
                    .iter()
                    .map(|(name, value)| {
                        if *name == v.attribute {
                            name.len() + 4 * v.dimensions as usize
                        } else {
                            name.len() + value_size(value)
                        }
                    })
                    .sum();
                let bytes = (size as u64).max(ddb_core::vector::MIN_METERED_BYTES);
                Some((v.name.clone(), bytes as f64))
            })
            .collect()
    }

    /// The size a write of `item` is billed at (and counted in the table's
    /// size): its item size, except that an attribute a vector index reads
    /// as its vector counts as its name plus 4 bytes per dimension, whatever
    /// numbers it holds. Reads and the 400 KB limit use the item size.
    /// (paritysuite/dynamodb-conformance, captured in us-east-1 and
    /// eu-west-2, 2026-10-09.)
    pub fn billed_size(&self, item: &Item) -> usize {
        let mut size = item_size(item);
        let mut seen: Vec<&str> = Vec::new();
        for v in &self.vectors {
            if seen.contains(&v.attribute.as_str()) {
                continue;
            }
            let Some(value) = item.get(&v.attribute) else { continue };
            if v.holds(item).is_none() {
                continue;
            }
            seen.push(&v.attribute);
            size = size.saturating_sub(value_size(value)) + 4 * v.dimensions as usize;
        }
        size
    }
}

/// What vector index `v` stores for `item`: nothing unless it holds the
/// item, else the attributes it projects, the vector among them.
fn vector_entry<'i>(ix: &TableIndexes, v: &VectorIndexSpec, item: Option<&'i Item>) -> Option<Vec<(&'i str, &'i AttributeValue)>> {
    let item = item?;
    v.holds(item)?;
    let is_key = |name: &str| name == ix.base_hash.name || ix.base_range.as_ref().is_some_and(|r| r.name == name);
    Some(item.iter().filter(|(n, _)| v.projects(n, is_key)).map(|(n, val)| (n.as_str(), val)).collect())
}

/// Rejects an item whose vector or search-schema attributes a vector
/// index cannot take: a vector of the wrong size, anything but a list of
/// numbers, a search attribute of another type than its definition, or an
/// empty HASH attribute. An `INLINE_FILTER` attribute is no key and may be
/// an empty string or binary (Alternator's test_vector_new.py, run against
/// DynamoDB: test_vectorindexes_searchschema_empty_string_value).
fn validate_vector(v: &VectorIndexSpec, item: &Item) -> Result<(), ApiError> {
    let invalid = |detail: String| ApiError::Validation(format!("One or more parameter values were invalid: {detail}"));
    if let Some(value) = item.get(&v.attribute) {
        if let Err(e) = vector_of(value, v.dimensions) {
            return Err(ApiError::Validation(e.write_message(&v.attribute, &v.name)));
        }
    }
    for a in &v.search_schema {
        let Some(value) = item.get(&a.name) else { continue };
        if type_of(value) != Some(a.ty) {
            return Err(invalid(format!(
                "Type mismatch for Index Key {} Expected: {} Actual: {} IndexName: {}",
                a.name,
                a.ty.as_str(),
                value.type_tag(),
                v.name
            )));
        }
        if a.role == SearchRole::Hash {
            not_empty(&v.name, &a.name, value)?;
        }
    }
    Ok(())
}

/// Refuses an empty string or binary as the value of index key `attr`.
fn not_empty(index: &str, attr: &str, v: &AttributeValue) -> Result<(), ApiError> {
    let kind = match v {
        AttributeValue::S(s) if s.is_empty() => "string",
        AttributeValue::B(b) if b.is_empty() => "binary",
        _ => return Ok(()),
    };
    Err(ApiError::Validation(format!(
        "One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty {kind} value. IndexName: {index}, IndexKey: {attr}"
    )))
}

/// The key type a value would be, if it is a scalar a key can hold.
pub(crate) fn type_of(v: &AttributeValue) -> Option<ScalarType> {
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
    fn new(table_id: &str, key_hash: KeyHash, spec: &IndexSpec, local: bool) -> IndexLayout {
        IndexLayout {
            key_hash,
            name: spec.name.clone(),
            local,
            hash: spec.key_schema.hash.clone(),
            range: spec.key_schema.range.clone(),
            more_hash: spec.key_schema.more_hash.clone(),
            more_range: spec.key_schema.more_range.clone(),
            projection: spec.projection.clone(),
            prefix: index_prefix(table_id, &spec.name),
        }
    }

    /// The HASH attributes, in key schema order.
    pub fn hash_attrs(&self) -> impl Iterator<Item = &KeyAttr> {
        std::iter::once(&self.hash).chain(self.more_hash.iter())
    }

    /// The RANGE attributes, in key schema order.
    pub fn range_attrs(&self) -> impl Iterator<Item = &KeyAttr> {
        self.range.iter().chain(self.more_range.iter())
    }

    /// Every key attribute of the index: HASH ones, then RANGE ones.
    pub fn key_attrs(&self) -> impl Iterator<Item = &KeyAttr> {
        self.hash_attrs().chain(self.range_attrs())
    }

    /// Every key attribute with the most bytes its value may have: 2048
    /// for a HASH attribute, 1024 for a RANGE one, as for table keys.
    fn key_attrs_with_limits(&self) -> impl Iterator<Item = (&KeyAttr, usize)> {
        self.hash_attrs()
            .map(|a| (a, MAX_PARTITION_KEY_SIZE))
            .chain(self.range_attrs().map(|a| (a, MAX_SORT_KEY_SIZE)))
    }

    /// True for a multi-attribute key (more than one HASH or RANGE attribute).
    pub fn is_multi(&self) -> bool {
        !self.more_hash.is_empty() || !self.more_range.is_empty()
    }

    /// The prefix of the entries of one index partition.
    pub fn partition_prefix(&self, pk: &AttributeValue) -> Result<Vec<u8>, ApiError> {
        self.partition_prefix_of([pk])
    }

    /// The prefix of the entries of one index partition given by the
    /// values of all its HASH attributes, in order.
    pub fn partition_prefix_of<'v>(&self, pks: impl IntoIterator<Item = &'v AttributeValue>) -> Result<Vec<u8>, ApiError> {
        let mut enc = Vec::with_capacity(32);
        let mut placer = self.key_hash.placer();
        for pk in pks {
            encode_key_value(pk, &mut enc).map_err(|e| ApiError::Validation(e.to_string()))?;
            placer.add(pk);
        }
        let mut k = self.prefix.clone();
        k.extend_from_slice(&placer.place(&enc).to_be_bytes());
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
                .map(|i| IndexLayout::new(table_id, def.key_hash, i, true))
                .chain(spec.global_secondary_indexes.iter().map(|i| IndexLayout::new(table_id, def.key_hash, i, false)))
                .collect(),
            vectors: spec.vector_indexes.clone(),
        }
    }

    /// The index named `name`.
    pub fn get(&self, name: &str) -> Option<&IndexLayout> {
        self.indexes.iter().find(|i| i.name == name)
    }

    /// The key attributes of entries of `idx`: index keys then base keys.
    pub fn entry_key_names(&self, idx: &IndexLayout) -> Vec<String> {
        let mut names: Vec<String> = idx.key_attrs().map(|a| a.name.clone()).collect();
        for a in std::iter::once(&self.base_hash).chain(self.base_range.as_ref()) {
            if !names.contains(&a.name) {
                names.push(a.name.clone());
            }
        }
        names
    }

    /// Runs `check` on every index and answers the error of the failing
    /// index DynamoDB names: a global one before a local one (an attribute
    /// keying both is reported for the GSI; nubo-db/dynamodb-conformance's
    /// recorded messages), and among those the first by name (dynoxide's
    /// and ExtendDB's records of DynamoDB: GSIs created z, then a, on one
    /// attribute report a).
    fn first_failing(&self, check: impl Fn(&IndexLayout) -> Result<(), ApiError>) -> Result<(), ApiError> {
        for local in [false, true] {
            let mut first: Option<(&str, ApiError)> = None;
            for idx in self.indexes.iter().filter(|i| i.local == local) {
                if first.as_ref().is_some_and(|(name, _)| *name <= idx.name.as_str()) {
                    continue;
                }
                if let Err(e) = check(idx) {
                    first = Some((&idx.name, e));
                }
            }
            if let Some((_, e)) = first {
                return Err(e);
            }
        }
        Ok(())
    }

    /// Rejects an item whose index key attributes have the wrong type or
    /// are empty, as DynamoDB does on write.
    pub fn validate(&self, item: &Item) -> Result<(), ApiError> {
        self.first_failing(|idx| {
            for (attr, max) in idx.key_attrs_with_limits() {
                let Some(v) = item.get(&attr.name) else { continue };
                if type_of(v) != Some(attr.ty) {
                    return Err(type_mismatch(idx, attr, v.type_tag()));
                }
                not_empty(&idx.name, &attr.name, v)?;
                let size = key_value_size(v);
                if size > max {
                    return Err(ApiError::Validation(format!(
                        "One or more parameter values were invalid: Size limit exceeded for Index Key {} Actual Size: {size} bytes Max Size: {max} bytes IndexName: {}",
                        attr.name, idx.name
                    )));
                }
            }
            Ok(())
        })?;
        for v in &self.vectors {
            validate_vector(v, item)?;
        }
        Ok(())
    }

    /// Rejects an update that writes an index key attribute a value whose
    /// type the expression alone tells and the index does not take (`SET c
    /// = :n`, `SET c = a + :n`, `ADD c :n` for a string key c), before the
    /// item is read, as DynamoDB does.
    pub fn check_update_types(&self, update: &UpdateExpr<Resolved<'_>>) -> Result<(), ApiError> {
        self.first_failing(|idx| {
            for attr in idx.key_attrs() {
                let writes = update
                    .actions
                    .iter()
                    .filter(|a| a.path().rest.is_empty() && a.path().head == attr.name.as_str());
                for action in writes {
                    let Some(actual) = static_type(action) else { continue };
                    if actual != attr.ty.as_str() {
                        return Err(type_mismatch(idx, attr, actual));
                    }
                    // An empty string or binary set from the expression is
                    // refused as such (a transaction refuses it up front;
                    // nubo-db/dynamodb-conformance).
                    if let UpdateAction::Set(SetAction { value: SetValue::Operand(Operand::Value(v)), .. }) = action {
                        let kind = match v.as_ref() {
                            AttributeValue::S(s) if s.is_empty() => "string",
                            AttributeValue::B(b) if b.is_empty() => "binary",
                            _ => continue,
                        };
                        return Err(ApiError::Validation(format!(
                            "One or more parameter values are not valid. The update expression attempted to update a secondary index key to a value that is not supported. The AttributeValue for a key attribute cannot contain an empty {kind} value."
                        )));
                    }
                }
            }
            Ok(())
        })
    }

    /// True when the update wrote one of `item`'s index key attributes a
    /// value of another type, read from the item (`SET c = e`): DynamoDB
    /// refuses it as `The update expression attempted to update the
    /// secondary index key to unsupported type`.
    pub fn update_retypes_key(&self, update: &UpdateExpr<Resolved<'_>>, item: &Item) -> bool {
        let written = |name: &str| update.actions.iter().any(|a| a.path().head == name);
        self.indexes.iter().flat_map(IndexLayout::key_attrs).any(|attr| {
            written(&attr.name) && item.get(&attr.name).is_some_and(|v| type_of(v) != Some(attr.ty))
        })
    }

    /// The storage key of `item`'s entry in `idx` (for ExclusiveStartKey).
    pub fn entry_key(&self, idx: &IndexLayout, item: &Item) -> Option<Vec<u8>> {
        self.entry(idx, item).map(|(k, _)| k)
    }

    /// The entry of `item` in `idx`, or `None` when the item lacks an index
    /// key (sparse index). An item written before the index existed may
    /// hold a value that cannot be an index key (another type, an empty
    /// string or binary, or more bytes than a key may have): it is left out
    /// of the index, as DynamoDB's backfill leaves it.
    fn entry(&self, idx: &IndexLayout, item: &Item) -> Option<(Vec<u8>, Item)> {
        let usable = |v: &AttributeValue, ty| {
            type_of(v) == Some(ty) && !matches!(v, AttributeValue::S(s) if s.is_empty()) && !matches!(v, AttributeValue::B(b) if b.is_empty())
        };
        let value = |a: &KeyAttr| item.get(&a.name).filter(|v| usable(v, a.ty));
        // Sparse: every key attribute present and usable, checked before
        // encoding (no per-entry collections on the write path).
        if !idx.key_attrs_with_limits().all(|(a, max)| value(a).is_some_and(|v| key_value_size(v) <= max)) {
            return None;
        }
        let mut key = idx.partition_prefix_of(idx.hash_attrs().filter_map(value)).ok()?;
        for sk in idx.range_attrs().filter_map(value) {
            encode_key_value(sk, &mut key).ok()?;
        }
        let base_pk = item.get(&self.base_hash.name)?;
        let base_sk = match &self.base_range {
            Some(r) => Some(item.get(&r.name)?),
            None => None,
        };
        if let Some(tie) = idx.key_hash.tie(base_pk, base_sk) {
            key.extend_from_slice(&tie);
        }
        encode_key_value(base_pk, &mut key).ok()?;
        if let Some(sk) = base_sk {
            encode_key_value(sk, &mut key).ok()?;
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
        let whole = item_size(item);
        (whole + self.local_entries_size(item, whole)) as u64
    }

    /// The summed sizes of `item`'s LSI entries (index and base keys plus
    /// projected attributes), `whole` being the item's own size; computed
    /// without building the entries.
    pub fn local_entries_size(&self, item: &Item, whole: usize) -> usize {
        self.indexes
            .iter()
            .filter(|idx| idx.local && self.entry_key(idx, item).is_some())
            .map(|idx| self.entry_size(idx, item, whole))
            .sum()
    }

    /// True when an entry of `idx` holds attribute `name` (a key of the
    /// index or of the table, or an included attribute).
    fn projects(&self, idx: &IndexLayout, name: &str) -> bool {
        let key = |a: Option<&KeyAttr>| a.is_some_and(|a| a.name == name);
        idx.key_attrs().any(|a| a.name == name)
            || key(Some(&self.base_hash))
            || key(self.base_range.as_ref())
            || matches!(&idx.projection, ProjectionSpec::Include(names) if names.iter().any(|n| n == name))
    }

    /// Checks the 400 KB limit of a table with local secondary indexes,
    /// which covers an item and its LSI entries together; tables without
    /// LSIs pass (their item alone was checked already). `updated` picks
    /// UpdateItem's message.
    pub fn check_local_size(&self, item: &Item, updated: bool) -> Result<(), SizeError> {
        if !self.has_local() {
            return Ok(());
        }
        let whole = item_size(item);
        check_size_with_local_indexes(whole, self.local_entries_size(item, whole), updated).map(|_| ())
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
        self.named(&self.write_units_at(old, new, mode))
    }

    /// [`Self::write_units`] by position in [`Self::indexes`], without the
    /// names (what metrics need on every write). Entry sizes and changes
    /// are worked out from the items without building the entries.
    pub fn write_units_at(&self, old: Option<&Item>, new: Option<&Item>, mode: WriteMode) -> Vec<(usize, HalfUnits)> {
        if self.indexes.is_empty() {
            return Vec::new();
        }
        let old_size = old.map_or(0, item_size);
        let new_size = new.map_or(0, item_size);
        let units = |bytes: usize| capacity::write(bytes as u64, mode);
        self.indexes
            .iter()
            .enumerate()
            .filter_map(|(at, idx)| {
                let ok = old.and_then(|i| self.entry_key(idx, i));
                let nk = new.and_then(|i| self.entry_key(idx, i));
                let o = || old.map_or(0, |i| self.entry_size(idx, i, old_size));
                let n = || new.map_or(0, |i| self.entry_size(idx, i, new_size));
                let u = match (&ok, &nk, old, new) {
                    (None, None, ..) => return None,
                    (Some(_), None, ..) => units(o()),
                    (None, Some(_), ..) => units(n()),
                    (Some(a), Some(b), ..) if a != b => units(o()) + units(n()),
                    (_, _, Some(oi), Some(ni)) if self.same_entry(idx, oi, ni) => return None,
                    _ => units(o().max(n())),
                };
                Some((at, u))
            })
            .collect()
    }

    /// The size of `item`'s entry in `idx` (which it is in), `whole` being
    /// the item's own size.
    fn entry_size(&self, idx: &IndexLayout, item: &Item, whole: usize) -> usize {
        match &idx.projection {
            ProjectionSpec::All => whole,
            ProjectionSpec::KeysOnly | ProjectionSpec::Include(_) => item
                .iter()
                .filter(|(name, _)| self.projects(idx, name))
                .map(|(name, v)| attribute_size(name, v))
                .sum(),
        }
    }

    /// True when the entries of `old` and `new` in `idx` hold the same
    /// attributes (their keys being equal).
    fn same_entry(&self, idx: &IndexLayout, old: &Item, new: &Item) -> bool {
        match &idx.projection {
            ProjectionSpec::All => old == new,
            ProjectionSpec::KeysOnly | ProjectionSpec::Include(_) => {
                let projected = |i: &Item| i.iter().filter(|(name, _)| self.projects(idx, name)).count();
                projected(old) == projected(new)
                    && old
                        .iter()
                        .filter(|(name, _)| self.projects(idx, name))
                        .all(|(name, v)| new.get(name) == Some(v))
            }
        }
    }

    /// Positional index units with their indexes' names.
    pub fn named(&self, units: &[(usize, HalfUnits)]) -> Vec<IndexUnits> {
        units
            .iter()
            .filter_map(|&(at, units)| {
                let idx = self.indexes.get(at)?;
                Some(IndexUnits {
                    name: idx.name.clone(),
                    local: idx.local,
                    units,
                })
            })
            .collect()
    }

    /// The position of index `name` in [`Self::indexes`].
    pub fn position(&self, name: &str) -> Option<usize> {
        self.indexes.iter().position(|i| i.name == name)
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

#[cfg(test)]
mod tests {
    use super::*;
    use ddb_core::api::table::{IndexSpec, KeySchema};

    fn attr(name: &str) -> KeyAttr {
        KeyAttr { name: name.into(), ty: ScalarType::S }
    }

    fn lsi(name: &str, sort: &str, projection: ProjectionSpec) -> IndexLayout {
        let spec = IndexSpec {
            name: name.into(),
            key_schema: KeySchema::simple(attr("pk"), Some(attr(sort))),
            projection,
            throughput: None,
            warm_throughput: None,
        };
        IndexLayout::new("T", KeyHash::DynamoDb, &spec, true)
    }

    fn table(indexes: Vec<IndexLayout>) -> TableIndexes {
        TableIndexes { base_hash: attr("pk"), base_range: Some(attr("sk")), indexes, vectors: Vec::new() }
    }

    fn item(pairs: &[(&str, &str)]) -> Item {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), AttributeValue::S((*v).to_owned()))).collect()
    }

    #[test]
    fn local_entry_sizes_match_the_entries_written() {
        let t = table(vec![
            lsi("all", "a", ProjectionSpec::All),
            lsi("keys", "b", ProjectionSpec::KeysOnly),
            lsi("inc", "a", ProjectionSpec::Include(vec!["note".into(), "a".into()])),
        ]);
        for it in [
            item(&[("pk", "p"), ("sk", "s"), ("a", "x"), ("b", "yy"), ("note", "hello"), ("other", "zzz")]),
            item(&[("pk", "p"), ("sk", "s"), ("b", "yy"), ("note", "hello")]),
            item(&[("pk", "p"), ("sk", "s")]),
        ] {
            let expected: usize =
                t.indexes.iter().filter_map(|idx| t.entry(idx, &it)).map(|(_, e)| item_size(&e)).sum();
            assert_eq!(t.local_entries_size(&it, item_size(&it)), expected, "{it:?}");
            assert_eq!(t.collection_size(&it), (item_size(&it) + expected) as u64);
        }
    }

    /// Write units by building the entries (the definition).
    fn reference_units(t: &TableIndexes, old: Option<&Item>, new: Option<&Item>) -> Vec<(usize, HalfUnits)> {
        let units = |i: &Item| capacity::write(item_size(i) as u64, WriteMode::Standard);
        t.indexes
            .iter()
            .enumerate()
            .filter_map(|(at, idx)| {
                let o = old.and_then(|i| t.entry(idx, i));
                let n = new.and_then(|i| t.entry(idx, i));
                let u = match (&o, &n) {
                    (None, None) => return None,
                    (Some((_, oi)), None) => units(oi),
                    (None, Some((_, ni))) => units(ni),
                    (Some((ok, oi)), Some((nk, ni))) if ok != nk => units(oi) + units(ni),
                    (Some(oe), Some(ne)) if oe == ne => return None,
                    (Some((_, oi)), Some((_, ni))) => capacity::write(item_size(oi).max(item_size(ni)) as u64, WriteMode::Standard),
                };
                Some((at, u))
            })
            .collect()
    }

    #[test]
    fn write_units_match_the_entries() {
        let t = table(vec![
            lsi("all", "a", ProjectionSpec::All),
            lsi("keys", "b", ProjectionSpec::KeysOnly),
            lsi("inc", "a", ProjectionSpec::Include(vec!["note".into()])),
        ]);
        let big = "n".repeat(1500);
        let items = [
            item(&[("pk", "p"), ("sk", "s"), ("a", "x"), ("b", "y"), ("note", "hello")]),
            item(&[("pk", "p"), ("sk", "s"), ("a", "x"), ("b", "y"), ("note", "hello"), ("other", "1")]),
            item(&[("pk", "p"), ("sk", "s"), ("a", "x2"), ("b", "y"), ("note", &big)]),
            item(&[("pk", "p"), ("sk", "s"), ("b", "y")]),
            item(&[("pk", "p"), ("sk", "s"), ("a", "x"), ("b", "y")]),
        ];
        let options: Vec<Option<&Item>> = std::iter::once(None).chain(items.iter().map(Some)).collect();
        for old in &options {
            for new in &options {
                assert_eq!(
                    t.write_units_at(*old, *new, WriteMode::Standard),
                    reference_units(&t, *old, *new),
                    "{old:?} -> {new:?}"
                );
            }
        }
        let named = t.write_units(None, items.first(), WriteMode::Standard);
        assert_eq!(named.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(), ["all", "keys", "inc"]);
        assert_eq!(t.position("inc"), Some(2));
    }

    fn gsi(name: &str, hash: &[KeyAttr], range: &[KeyAttr]) -> IndexLayout {
        let spec = IndexSpec {
            name: name.into(),
            key_schema: KeySchema {
                hash: hash[0].clone(),
                range: range.first().cloned(),
                more_hash: hash[1..].to_vec(),
                more_range: range.iter().skip(1).cloned().collect(),
            },
            projection: ProjectionSpec::KeysOnly,
            throughput: None,
            warm_throughput: None,
        };
        IndexLayout::new("T", KeyHash::DynamoDb, &spec, false)
    }

    fn typed(name: &str, ty: ScalarType) -> KeyAttr {
        KeyAttr { name: name.into(), ty }
    }

    #[test]
    fn the_first_failing_index_by_name_is_named_globals_before_locals() {
        let message = |t: &TableIndexes, it: &Item| match t.validate(it) {
            Err(ApiError::Validation(m)) => m,
            other => panic!("expected a validation error, got {other:?}"),
        };
        let numbered = |pairs: &[(&str, &str)], n: &str| {
            let mut it = item(pairs);
            it.insert(n.to_owned(), AttributeValue::N(ddb_core::Number::parse("5").unwrap()));
            it
        };
        // Created z before a, on one attribute: a is named.
        let t = table(vec![gsi("g_z", &[attr("gk")], &[]), gsi("g_a", &[attr("gk")], &[])]);
        assert!(message(&t, &numbered(&[("pk", "p"), ("sk", "s")], "gk")).ends_with("IndexName: g_a"));
        // Two attributes, each refused by its own index: the first by name.
        let t = table(vec![gsi("g_s", &[attr("gk")], &[]), gsi("g_n", &[attr("nk")], &[])]);
        let mut both = numbered(&[("pk", "p"), ("sk", "s")], "gk");
        both.insert("nk".into(), AttributeValue::N(ddb_core::Number::parse("1").unwrap()));
        assert!(message(&t, &both).ends_with("IndexName: g_n"));
        // A local index sorting first is still named after a global one.
        let t = table(vec![lsi("a_local", "lk", ProjectionSpec::All), gsi("z_global", &[attr("lk")], &[])]);
        assert!(message(&t, &numbered(&[("pk", "p"), ("sk", "s")], "lk")).ends_with("IndexName: z_global"));
    }

    #[test]
    fn index_keys_are_limited_as_table_keys_are() {
        let t = table(vec![gsi("g", &[attr("h")], &[attr("r")])]);
        let with = |h: usize, r: usize| item(&[("pk", "p"), ("sk", "s"), ("h", &"a".repeat(h)), ("r", &"b".repeat(r))]);
        assert!(t.validate(&with(2048, 1024)).is_ok());
        assert!(t.entry(&t.indexes[0], &with(2048, 1024)).is_some());
        let too_long = |it: &Item| match t.validate(it) {
            Err(ApiError::Validation(m)) => m,
            other => panic!("expected a validation error, got {other:?}"),
        };
        assert_eq!(
            too_long(&with(2049, 1)),
            "One or more parameter values were invalid: Size limit exceeded for Index Key h Actual Size: 2049 bytes Max Size: 2048 bytes IndexName: g"
        );
        assert_eq!(
            too_long(&with(1, 1025)),
            "One or more parameter values were invalid: Size limit exceeded for Index Key r Actual Size: 1025 bytes Max Size: 1024 bytes IndexName: g"
        );
        // Already stored (written before the index existed): left out.
        assert!(t.entry(&t.indexes[0], &with(2049, 1)).is_none());
        assert!(t.entry(&t.indexes[0], &with(1, 1025)).is_none());
    }

    #[test]
    fn single_attribute_entries_keep_their_format() {
        let t = table(vec![gsi("g", &[attr("a")], &[typed("n", ScalarType::N)])]);
        let mut it = item(&[("pk", "p"), ("sk", "s"), ("a", "x")]);
        it.insert("n".into(), AttributeValue::N("12".parse().unwrap()));
        let mut pk = Vec::new();
        encode_key_value(&AttributeValue::S("x".into()), &mut pk).unwrap();
        let mut want = index_prefix("T", "g");
        want.extend_from_slice(&KeyHash::DynamoDb.place(&[&AttributeValue::S("x".into())], &pk).to_be_bytes());
        want.extend_from_slice(&pk);
        encode_key_value(&AttributeValue::N("12".parse().unwrap()), &mut want).unwrap();
        want.extend_from_slice(&KeyHash::DynamoDb.tie(&AttributeValue::S("p".into()), Some(&AttributeValue::S("s".into()))).unwrap());
        for v in [AttributeValue::S("p".into()), AttributeValue::S("s".into())] {
            encode_key_value(&v, &mut want).unwrap();
        }
        assert_eq!(t.entry_key(&t.indexes[0], &it), Some(want));
    }

    #[test]
    fn multi_attribute_entries_order_as_tuples_and_are_sparse() {
        let t = table(vec![gsi(
            "m",
            &[attr("h1"), typed("h2", ScalarType::N)],
            &[attr("r1"), typed("r2", ScalarType::N), typed("r3", ScalarType::B)],
        )]);
        let idx = &t.indexes[0];
        let mk = |pk: &str, r1: &str, r2: &str, r3: &[u8]| {
            let mut i = item(&[("pk", pk), ("sk", "s"), ("h1", "h"), ("r1", r1)]);
            i.insert("h2".into(), AttributeValue::N("7".parse().unwrap()));
            i.insert("r2".into(), AttributeValue::N(r2.parse().unwrap()));
            i.insert("r3".into(), AttributeValue::B(r3.to_vec()));
            i
        };
        // In DynamoDB's order: r1, then r2 numerically, then r3 bytewise.
        let ordered = [
            mk("1", "a", "-10", b"z"),
            mk("2", "a", "-1", b"a"),
            mk("3", "a", "5", b""),
            mk("4", "a", "5", b"\x00"),
            mk("5", "a", "5", b"\x00\x01"),
            mk("6", "a", "50", b"a"),
            mk("7", "a\u{0}", "1", b"a"),
            mk("8", "ab", "-100", b"a"),
            mk("9", "b", "1", b"a"),
        ];
        let keys: Vec<Vec<u8>> = ordered.iter().filter(|i| i["r3"] != AttributeValue::B(Vec::new())).map(|i| t.entry_key(idx, i).unwrap()).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
        // All entries share the partition prefix of (h, 7).
        let prefix = idx.partition_prefix_of([&AttributeValue::S("h".into()), &AttributeValue::N("7".parse().unwrap())]).unwrap();
        assert!(keys.iter().all(|k| k.starts_with(&prefix)));
        // Items lacking any key attribute, or with one of the wrong type, have no entry.
        for missing in ["h1", "h2", "r1", "r2", "r3"] {
            let mut i = mk("x", "a", "1", b"a");
            i.remove(missing);
            assert_eq!(t.entry_key(idx, &i), None, "{missing}");
            assert!(t.validate(&i).is_ok());
        }
        let mut wrong = mk("x", "a", "1", b"a");
        wrong.insert("r2".into(), AttributeValue::S("1".into()));
        assert_eq!(t.entry_key(idx, &wrong), None);
        assert!(t.validate(&wrong).is_err());
        // Every index key attribute is in the entry.
        assert_eq!(t.entry_key_names(idx), ["h1", "h2", "r1", "r2", "r3", "pk", "sk"]);
    }

    #[test]
    fn only_the_hash_of_a_search_schema_refuses_empty_values() {
        use ddb_core::api::table::SearchAttr;
        // Alternator's test_vector_new.py, run against DynamoDB
        // (test_vectorindexes_searchschema_empty_string_value).
        let mut t = table(Vec::new());
        t.vectors.push(VectorIndexSpec {
            name: "vind".into(),
            attribute: "v".into(),
            dimensions: 3,
            distance: ddb_core::vector::Distance::Cosine,
            search_schema: vec![
                SearchAttr { name: "x".into(), ty: ScalarType::S, role: SearchRole::Hash },
                SearchAttr { name: "y".into(), ty: ScalarType::S, role: SearchRole::InlineFilter },
            ],
            projection: ProjectionSpec::KeysOnly,
        });
        let e = t.validate(&item(&[("pk", "p"), ("sk", "s"), ("x", "")])).unwrap_err();
        assert!(matches!(&e, ApiError::Validation(m) if m.contains("cannot contain an empty string value")), "{e:?}");
        let inline = t.validate(&item(&[("pk", "p"), ("sk", "s"), ("y", "")]));
        assert!(inline.is_ok(), "{inline:?}");
    }

    #[test]
    fn the_400_kb_covers_the_item_and_its_local_entries() {
        let t = table(vec![lsi("all", "a", ProjectionSpec::All), lsi("keys", "a", ProjectionSpec::KeysOnly)]);
        // pk, sk, a: 3 + 3 + 2 bytes; "data" 4 + n: 12 + n. Entries: the
        // item again, and its keys (8 bytes): 32 + 2n in all.
        let sized = |n: usize| {
            let mut i = item(&[("pk", "p"), ("sk", "s"), ("a", "x")]);
            i.insert("data".into(), AttributeValue::S("d".repeat(n)));
            i
        };
        let n = 204_784;
        assert_eq!(t.collection_size(&sized(n)), 409_600);
        assert_eq!(t.check_local_size(&sized(n), false), Ok(()));
        assert_eq!(t.check_local_size(&sized(n + 1), false), Err(SizeError::ItemTooLarge));
        assert_eq!(t.check_local_size(&sized(n + 1), true), Err(SizeError::UpdatedItemTooLarge));
        // Without the LSI key the item is in no LSI: only its own size counts.
        let mut sparse = sized(400_000);
        sparse.remove("a");
        assert_eq!(t.check_local_size(&sparse, false), Ok(()));
        // Tables without LSIs are not checked here.
        assert_eq!(table(Vec::new()).check_local_size(&sized(500_000), false), Ok(()));
    }
}
