//! The paging engine Query and Scan share: walk a key range of one
//! snapshot in either direction, stop at `Limit` evaluated items or 1 MB
//! of read data (measured before the filter, as DynamoDB does), apply the
//! filter, the projection and `Select`, and report `LastEvaluatedKey`,
//! `Count`, `ScannedCount` and consumed capacity.

use std::ops::Bound;

use ddb_core::capacity::{ReadMeter, ReadMode};
use ddb_core::expr::ast::{Condition, Projection, Resolved};
use ddb_core::expr::eval::evaluate;
use ddb_core::expr::projection::project;
use ddb_core::size::item_size;
use ddb_core::value::json::write_item;
use ddb_core::Item;
use storage::{Direction, Snapshot};

use super::reply::ObjectWriter;
use crate::error::ApiError;
use crate::items::store::decode;

/// DynamoDB stops a page after this much read data.
pub const PAGE_BYTES: u64 = 1024 * 1024;

/// What to return for each matching item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Select {
    AllAttributes,
    AllProjected,
    Specific,
    Count,
}

/// One page request.
pub struct Page<'a> {
    pub start: Bound<Vec<u8>>,
    pub end: Bound<Vec<u8>>,
    pub direction: Direction,
    pub limit: Option<usize>,
    /// Extra per-item test on the key (Query's sort condition), applied
    /// before the filter and before counting as scanned.
    pub key_test: Option<&'a (dyn Fn(&Item) -> bool + Sync)>,
    pub filter: Option<&'a Condition<Resolved<'static>>>,
    pub projection: Option<&'a Projection<Resolved<'static>>>,
    pub select: Select,
    /// Attribute names that make up `LastEvaluatedKey`.
    pub key_names: &'a [String],
    /// For index entries that do not hold the whole item: the base item's
    /// storage key, to fetch the item for `Select: ALL_ATTRIBUTES`.
    pub fetch_base: Option<FetchBase<'a>>,
    pub consistent: bool,
}

/// A page's result, before the table name is added to consumed capacity.
pub struct PageOut {
    /// The returned items as the members of a JSON array (`None` for
    /// `Select: COUNT`).
    pub items: Option<Vec<u8>>,
    pub count: usize,
    pub scanned: usize,
    pub last_evaluated_key: Option<Item>,
    pub meter: ReadMeter,
    pub mode: ReadMode,
}

impl PageOut {
    /// Writes `Items`, `Count`, `ScannedCount` and `LastEvaluatedKey`.
    pub fn write(&self, out: &mut ObjectWriter) {
        if let Some(items) = &self.items {
            let buf = out.member("Items");
            buf.push(b'[');
            buf.extend_from_slice(items);
            buf.push(b']');
        }
        out.number("Count", self.count);
        out.number("ScannedCount", self.scanned);
        if let Some(k) = &self.last_evaluated_key {
            out.item("LastEvaluatedKey", k);
        }
    }
}

fn bound(b: &Bound<Vec<u8>>) -> Bound<&[u8]> {
    match b {
        Bound::Included(v) => Bound::Included(v.as_slice()),
        Bound::Excluded(v) => Bound::Excluded(v.as_slice()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

/// Finds the base-table key of an index entry (LSI reads fetching whole items).
pub type FetchBase<'a> = &'a (dyn Fn(&Item) -> Option<Vec<u8>> + Sync);

/// Reads one page from `snapshot` (blocking; call from spawn_blocking).
pub fn read_page(snapshot: &dyn Snapshot, page: &Page<'_>) -> Result<PageOut, ApiError> {
    let iter = snapshot
        .range(bound(&page.start), bound(&page.end), page.direction)
        .map_err(|e| ApiError::Internal(format!("storage: {e}")))?;
    let mut meter = ReadMeter::new();
    let mut items = (page.select != Select::Count).then(Vec::new);
    let mut count = 0usize;
    let mut scanned = 0usize;
    let mut last: Option<Item> = None;
    let mut stopped_early = false;
    for entry in iter {
        let (_, value) = entry.map_err(|e| ApiError::Internal(format!("storage: {e}")))?;
        let mut item = decode(&value)?;
        if let Some(test) = page.key_test {
            if !test(&item) {
                continue;
            }
        }
        scanned += 1;
        meter.add_item(item_size(&item) as u64);
        if let Some(fetch) = page.fetch_base {
            if let Some(base_key) = fetch(&item) {
                if let Some(bytes) = snapshot
                    .get(&base_key)
                    .map_err(|e| ApiError::Internal(format!("storage: {e}")))?
                {
                    let full = decode(&bytes)?;
                    meter.add_item(item_size(&full) as u64);
                    item = full;
                }
            }
        }
        let key: Item = page
            .key_names
            .iter()
            .filter_map(|n| item.get(n).map(|v| (n.clone(), v.clone())))
            .collect();
        let passes = page.filter.is_none_or(|f| evaluate(f, &item));
        if passes {
            count += 1;
            if let Some(items) = items.as_mut() {
                if count > 1 {
                    items.push(b',');
                }
                match page.projection {
                    Some(p) => write_item(&project(p, &item), items),
                    None => write_item(&item, items),
                }
            }
        }
        last = Some(key);
        // Like DynamoDB, a page that ends on its limit (or its size) has a
        // LastEvaluatedKey even when nothing follows.
        if page.limit.is_some_and(|l| scanned >= l) || meter.bytes() >= PAGE_BYTES {
            stopped_early = true;
            break;
        }
    }
    Ok(PageOut {
        items,
        count,
        scanned,
        last_evaluated_key: last.filter(|_| stopped_early),
        meter,
        mode: if page.consistent { ReadMode::Strong } else { ReadMode::Eventual },
    })
}
