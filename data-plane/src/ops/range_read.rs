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
use bytes::Bytes;
use ddb_core::value::binary::write_item_json_in;
use ddb_core::value::set_order::SetOrder;
use ddb_core::value::json::write_item;
use ddb_core::Item;
use storage::{Direction, Snapshot};

use super::reply::ObjectWriter;
use crate::error::ApiError;
use crate::items::store::{corrupt, decode};

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
    /// How number sets are listed (a Scan's differ from a Query's).
    pub set_order: SetOrder,
    /// Fetched items are charged each on its own (PartiQL), not summed.
    pub fetches_per_item: bool,
}

/// A page's result, before the table name is added to consumed capacity.
pub struct PageOut {
    /// The returned items as the members of a JSON array, after the
    /// reply's opening (`ObjectWriter::items_buffer`; `None` for
    /// `Select: COUNT`).
    pub items: Option<Vec<u8>>,
    pub count: usize,
    pub scanned: usize,
    pub last_evaluated_key: Option<Item>,
    pub meter: ReadMeter,
    pub mode: ReadMode,
}

impl PageOut {
    /// The page's answer so far: `Items` (the items buffer becomes the
    /// reply's, without a copy), `Count`, `ScannedCount` and
    /// `LastEvaluatedKey`.
    pub fn take_reply(&mut self, extra_capacity: usize) -> ObjectWriter {
        let mut out = match self.items.take() {
            Some(mut items) => {
                items.reserve(extra_capacity);
                ObjectWriter::close_items(items)
            }
            None => ObjectWriter::with_capacity(extra_capacity),
        };
        out.number("Count", self.count);
        out.number("ScannedCount", self.scanned);
        if let Some(k) = &self.last_evaluated_key {
            out.item("LastEvaluatedKey", k);
        }
        out
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

/// Evaluates one entry of a page that tests, filters, projects or fetches:
/// false when the key test skips it (it is not even scanned).
#[allow(clippy::too_many_arguments)]
fn evaluate_entry(
    snapshot: &dyn Snapshot,
    page: &Page<'_>,
    value: &[u8],
    meter: &mut ReadMeter,
    items: &mut Option<Vec<u8>>,
    count: &mut usize,
    scanned: &mut usize,
) -> Result<bool, ApiError> {
    let mut item = decode(value)?;
    page.set_order.apply_to_item(&mut item);
    if page.key_test.is_some_and(|test| !test(&item)) {
        return Ok(false);
    }
    *scanned += 1;
    meter.add_item(item_size(&item) as u64);
    // The filter reads the entry: a fetched item serves the answer only.
    let kept = page.filter.is_none_or(|f| evaluate(f, &item));
    if let Some(base_key) = page.fetch_base.and_then(|fetch| fetch(&item)) {
        if let Some(bytes) = snapshot
            .get(&base_key)
            .map_err(|e| ApiError::Internal(format!("storage: {e}")))?
        {
            let mut full = decode(&bytes)?;
            page.set_order.apply_to_item(&mut full);
            meter.add_fetched(item_size(&full) as u64);
            item = full;
        }
    }
    if kept {
        *count += 1;
        if let Some(items) = items.as_mut() {
            if *count > 1 {
                items.push(b',');
            }
            match page.projection {
                Some(p) => write_item(&project(p, &item), items),
                None => write_item(&item, items),
            }
        }
    }
    Ok(true)
}

/// The initial size of a page's item buffer.
const PAGE_BUFFER_BYTES: usize = 16 * 1024;

/// Reads one page from `snapshot` (blocking; call from spawn_blocking).
pub fn read_page(snapshot: &dyn Snapshot, page: &Page<'_>) -> Result<PageOut, ApiError> {
    let iter = snapshot
        .range(bound(&page.start), bound(&page.end), page.direction)
        .map_err(|e| ApiError::Internal(format!("storage: {e}")))?;
    let mut meter = if page.fetches_per_item { ReadMeter::charging_fetches_per_item() } else { ReadMeter::new() };
    // Room for a typical page up front: growing by doubling copied the
    // page about a dozen times (a Query of ten 1 KB items).
    let mut items = (page.select != Select::Count).then(|| ObjectWriter::items_buffer(PAGE_BUFFER_BYTES));
    let mut count = 0usize;
    let mut scanned = 0usize;
    // The last evaluated entry (an index entry holds every key attribute
    // too); its key is decoded once, at the end, when the page needs it.
    let mut last: Option<Bytes> = None;
    let mut stopped_early = false;
    // Every entry returned whole: written straight from the stored bytes.
    let whole = page.key_test.is_none() && page.filter.is_none() && page.projection.is_none() && page.fetch_base.is_none();
    for entry in iter {
        let (_, value) = entry.map_err(|e| ApiError::Internal(format!("storage: {e}")))?;
        if whole {
            scanned += 1;
            count += 1;
            let size = match items.as_mut() {
                Some(items) => {
                    if count > 1 {
                        items.push(b',');
                    }
                    write_item_json_in(&value, page.set_order, items).map_err(corrupt)?
                }
                None => item_size(&decode(&value)?),
            };
            meter.add_item(size as u64);
        } else if !evaluate_entry(snapshot, page, &value, &mut meter, &mut items, &mut count, &mut scanned)? {
            continue;
        }
        last = Some(value);
        // Like DynamoDB, a page that ends on its limit (or its size) has a
        // LastEvaluatedKey even when nothing follows.
        if page.limit.is_some_and(|l| scanned >= l) || meter.bytes() >= PAGE_BYTES {
            stopped_early = true;
            break;
        }
    }
    let last_evaluated_key = match last.filter(|_| stopped_early) {
        Some(bytes) => {
            let item = decode(&bytes)?;
            Some(
                page.key_names
                    .iter()
                    .filter_map(|n| item.get(n).map(|v| (n.clone(), v.clone())))
                    .collect(),
            )
        }
        None => None,
    };
    Ok(PageOut {
        items,
        count,
        scanned,
        last_evaluated_key,
        meter,
        mode: if page.consistent { ReadMode::Strong } else { ReadMode::Eventual },
    })
}
