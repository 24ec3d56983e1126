//! Consumed capacity, counted in integer half-units so that 0.5 RCU needs no
//! floating point; [`HalfUnits::units`] converts for `ReturnConsumedCapacity`.
//!
//! Rules (Developer Guide, "DynamoDB read and write operations", and
//! Alternator's `test_returnconsumedcapacity.py`, which runs against
//! DynamoDB):
//! - **Reads** are charged per 4 KB block of item size, rounded up, at least
//!   one block (a missing item costs one): strongly consistent 1 unit per
//!   block, eventually consistent ½, transactional 2. An item of exactly
//!   4096 bytes is one block, 4097 two.
//! - **Query/Scan** sum the sizes of all items read (before any filter),
//!   then round once: [`ReadMeter`]. BatchGetItem and TransactGetItems round
//!   each item separately (`read(size)` per item, summed).
//! - **Writes** are charged per 1 KB block, rounded up, at least one block:
//!   standard 1 unit per block, transactional 2. A write that replaces or
//!   deletes an item is charged for the larger of the old and new items
//!   ([`write_change`]); deleting a missing item costs one block.
//! - **Failed conditional writes** still consume write capacity
//!   ([`failed_conditional_write`]): the Developer Guide ("DynamoDB read and
//!   write operations", capacity unit consumption for writes) charges the
//!   size of "an existing item in the table or a new one you're attempting
//!   to create or update" — its example, an existing 300 KB item and a new
//!   310 KB one, costs 310 — so the larger of the two, one block at least
//!   (an older edition of "Working with items" said the existing item's
//!   size, or one unit when there is none; the current page is followed).
//!   A cancelled transaction also consumes its actions' capacity
//!   ("Amazon DynamoDB Transactions: How it works", capacity management).
//!
//! Not pinned down against the service: whether a Query or Scan that reads
//! no item at all costs the one-block minimum (assumed yes, like GetItem of
//! a missing item).

use std::iter::Sum;
use std::ops::{Add, AddAssign};

/// Bytes per read block.
pub const READ_BLOCK_BYTES: u64 = 4096;
/// Bytes per write block.
pub const WRITE_BLOCK_BYTES: u64 = 1024;

/// Capacity in half capacity units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HalfUnits(pub u64);

impl HalfUnits {
    /// No capacity.
    pub const ZERO: HalfUnits = HalfUnits(0);

    /// Capacity units as DynamoDB reports them (`CapacityUnits`,
    /// `ReadCapacityUnits`, `WriteCapacityUnits`): 1 half-unit is 0.5.
    pub fn units(self) -> f64 {
        self.0 as f64 / 2.0
    }

    /// Whole units, rounded up (for throttling against provisioned whole
    /// units).
    pub const fn ceil_units(self) -> u64 {
        self.0.div_ceil(2)
    }
}

impl Add for HalfUnits {
    type Output = HalfUnits;
    fn add(self, rhs: HalfUnits) -> HalfUnits {
        HalfUnits(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign for HalfUnits {
    fn add_assign(&mut self, rhs: HalfUnits) {
        *self = *self + rhs;
    }
}

impl Sum for HalfUnits {
    fn sum<I: Iterator<Item = HalfUnits>>(iter: I) -> HalfUnits {
        iter.fold(HalfUnits::ZERO, Add::add)
    }
}

/// How a read is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReadMode {
    /// `ConsistentRead: false` (the default): half a unit per block.
    Eventual,
    /// `ConsistentRead: true`: one unit per block.
    Strong,
    /// TransactGetItems: two units per block.
    Transactional,
}

impl ReadMode {
    /// From a request's `ConsistentRead` flag.
    pub const fn from_consistent_read(consistent: bool) -> ReadMode {
        if consistent {
            ReadMode::Strong
        } else {
            ReadMode::Eventual
        }
    }

    const fn half_units_per_block(self) -> u64 {
        match self {
            ReadMode::Eventual => 1,
            ReadMode::Strong => 2,
            ReadMode::Transactional => 4,
        }
    }
}

/// How a write is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WriteMode {
    /// PutItem, UpdateItem, DeleteItem, BatchWriteItem: one unit per block.
    Standard,
    /// TransactWriteItems: two units per block.
    Transactional,
}

impl WriteMode {
    const fn half_units_per_block(self) -> u64 {
        match self {
            WriteMode::Standard => 2,
            WriteMode::Transactional => 4,
        }
    }
}

/// Blocks of `block` bytes covering `size` bytes, at least one.
fn blocks(size: u64, block: u64) -> u64 {
    size.div_ceil(block).max(1)
}

/// Capacity for reading one item of `size` bytes (0 for a missing item).
pub fn read(size: u64, mode: ReadMode) -> HalfUnits {
    HalfUnits(blocks(size, READ_BLOCK_BYTES).saturating_mul(mode.half_units_per_block()))
}

/// Capacity for writing one item of `size` bytes.
pub fn write(size: u64, mode: WriteMode) -> HalfUnits {
    HalfUnits(blocks(size, WRITE_BLOCK_BYTES).saturating_mul(mode.half_units_per_block()))
}

/// Capacity for a write that turns an item of `old` bytes (if it existed)
/// into one of `new` bytes (if it remains): the larger of the two is
/// charged.
pub fn write_change(old: Option<u64>, new: Option<u64>, mode: WriteMode) -> HalfUnits {
    write(old.unwrap_or(0).max(new.unwrap_or(0)), mode)
}

/// Capacity for a write whose condition failed: nothing was written, yet
/// the larger of the `existing` item (if any) and the item the request
/// tried to store (`attempted`: a put's item, an update's result; `None`
/// for a delete) is charged, as for a write that succeeded.
pub fn failed_conditional_write(existing: Option<u64>, attempted: Option<u64>, mode: WriteMode) -> HalfUnits {
    write_change(existing, attempted, mode)
}

/// Sums the sizes of the items a Query or Scan reads, then rounds once;
/// the whole items an LSI query fetches from the table are summed and
/// rounded apart, and charged to the table (dynalite's records of
/// DynamoDB: an LSI query fetching about 8.3 KB of items costs 1 unit on
/// the index and 3 on the table, strongly consistent).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadMeter {
    bytes: u64,
    fetched: Option<u64>,
    /// Read blocks of the fetched items, each rounded on its own, when
    /// fetches are charged per item.
    fetched_blocks: Option<u64>,
}

impl ReadMeter {
    /// An empty meter.
    pub const fn new() -> ReadMeter {
        ReadMeter { bytes: 0, fetched: None, fetched_blocks: None }
    }

    /// An empty meter that charges each fetched item on its own, rounded
    /// up to 4 KB: a PartiQL read of a local index reaching back to the
    /// table (three rows of 50 bytes cost 1.5 units eventually consistent:
    /// nubo-db/dynamodb-conformance's index-qualifier captures, eu-west-2,
    /// 2026-08-17, as dynoxide 3.0.0 records them).
    pub const fn charging_fetches_per_item() -> ReadMeter {
        ReadMeter { bytes: 0, fetched: None, fetched_blocks: Some(0) }
    }

    /// Counts one item (or index entry) read, before any filter is applied.
    pub fn add_item(&mut self, size: u64) {
        self.bytes = self.bytes.saturating_add(size);
    }

    /// Counts one whole item fetched from the table for an index entry.
    pub fn add_fetched(&mut self, size: u64) {
        self.fetched = Some(self.fetched.unwrap_or(0).saturating_add(size));
        if let Some(b) = &mut self.fetched_blocks {
            *b = b.saturating_add(blocks(size, READ_BLOCK_BYTES));
        }
    }

    /// Bytes counted so far, fetched items included (for the 1 MB page).
    pub const fn bytes(&self) -> u64 {
        match self.fetched {
            Some(f) => self.bytes.saturating_add(f),
            None => self.bytes,
        }
    }

    /// The capacity consumed by the items or index entries read.
    pub fn consumed(&self, mode: ReadMode) -> HalfUnits {
        read(self.bytes, mode)
    }

    /// The capacity consumed by fetching whole items from the table, if
    /// any were fetched.
    pub fn fetched(&self, mode: ReadMode) -> Option<HalfUnits> {
        match self.fetched_blocks {
            Some(b) => self.fetched.map(|_| HalfUnits(b.saturating_mul(mode.half_units_per_block()))),
            None => self.fetched.map(|f| read(f, mode)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KB: u64 = 1024;

    #[test]
    fn reads_per_4kb() {
        // Alternator test_long_get / test_missing_get_item (run on DynamoDB).
        assert_eq!(read(4 * KB, ReadMode::Strong).units(), 1.0);
        assert_eq!(read(4 * KB + 1, ReadMode::Strong).units(), 2.0);
        assert_eq!(read(4 * KB + 1, ReadMode::Eventual).units(), 1.0);
        assert_eq!(read(0, ReadMode::Strong).units(), 1.0, "missing item");
        assert_eq!(read(0, ReadMode::Eventual).units(), 0.5, "missing item");
        assert_eq!(read(100, ReadMode::Eventual), HalfUnits(1));
        // Developer Guide: an 8 KB item is 2 strong, 1 eventual, 4 transactional.
        assert_eq!(read(8 * KB, ReadMode::Strong).units(), 2.0);
        assert_eq!(read(8 * KB, ReadMode::Eventual).units(), 1.0);
        assert_eq!(read(8 * KB, ReadMode::Transactional).units(), 4.0);
        // 3,500 bytes costs what 4 KB costs; 10 KB rounds to 12 KB.
        assert_eq!(read(3500, ReadMode::Strong), read(4 * KB, ReadMode::Strong));
        assert_eq!(read(10 * KB, ReadMode::Strong).units(), 3.0);
        assert_eq!(ReadMode::from_consistent_read(true), ReadMode::Strong);
        assert_eq!(ReadMode::from_consistent_read(false), ReadMode::Eventual);
    }

    #[test]
    fn index_entries_and_fetched_items_round_apart() {
        let mut m = ReadMeter::new();
        for (entry, item) in [(30, 40), (4100, 4150), (4100, 4160)] {
            m.add_item(entry);
            m.add_fetched(item);
        }
        assert_eq!(m.fetched(ReadMode::Strong).map(HalfUnits::units), Some(3.0));
        assert_eq!(m.consumed(ReadMode::Strong).units(), 3.0);
        assert_eq!(ReadMeter::new().fetched(ReadMode::Strong), None);
        assert_eq!(m.bytes(), 30 + 40 + 4100 + 4150 + 4100 + 4160);
        // Charged per item: 1 + 2 + 2 blocks.
        let mut p = ReadMeter::charging_fetches_per_item();
        for item in [40, 4150, 4160] {
            p.add_fetched(item);
        }
        assert_eq!(p.fetched(ReadMode::Strong).map(HalfUnits::units), Some(5.0));
        assert_eq!(p.fetched(ReadMode::Eventual).map(HalfUnits::units), Some(2.5));
        assert_eq!(ReadMeter::charging_fetches_per_item().fetched(ReadMode::Strong), None);
    }

    #[test]
    fn batch_get_rounds_each_item() {
        // Developer Guide: 1.5 KB + 6.5 KB items count as 4 KB + 8 KB = 12 KB.
        let sizes = [1536, 6656];
        let total: HalfUnits = sizes.iter().map(|&s| read(s, ReadMode::Strong)).sum();
        assert_eq!(total.units(), 3.0);
        // Alternator test_multi_table_batch_get_items: 3 small items,
        // eventually consistent, 1.5 units.
        let total: HalfUnits = (0..3).map(|_| read(40, ReadMode::Eventual)).sum();
        assert_eq!(total.units(), 1.5);
    }

    #[test]
    fn query_and_scan_round_once() {
        let mut meter = ReadMeter::new();
        for _ in 0..10 {
            meter.add_item(1536);
        }
        assert_eq!(meter.bytes(), 15_360);
        // 15 KB is 4 blocks, not the 10 that per-item rounding would give.
        assert_eq!(meter.consumed(ReadMode::Strong).units(), 4.0);
        assert_eq!(meter.consumed(ReadMode::Eventual).units(), 2.0);
        // A 1 MB page read eventually consistent is 128 units; a little over
        // 1 MB is 128.5 (the AWS CLI's familiar Scan figure).
        let mut page = ReadMeter::new();
        page.add_item(1024 * KB);
        assert_eq!(page.consumed(ReadMode::Eventual).units(), 128.0);
        page.add_item(1);
        assert_eq!(page.consumed(ReadMode::Eventual).units(), 128.5);
        assert_eq!(ReadMeter::new().consumed(ReadMode::Eventual).units(), 0.5);
    }

    #[test]
    fn writes_per_1kb() {
        // Alternator test_long_put / test_simple_put_item / deletes.
        assert_eq!(write(KB, WriteMode::Standard).units(), 1.0);
        assert_eq!(write(KB + 1, WriteMode::Standard).units(), 2.0);
        assert_eq!(write(2 * KB + 1, WriteMode::Standard).units(), 3.0);
        assert_eq!(
            write(0, WriteMode::Standard).units(),
            1.0,
            "delete of a missing item"
        );
        assert_eq!(write(KB + 1, WriteMode::Transactional).units(), 4.0);
        // test_long_delete / test_long_update: the old item's size counts.
        assert_eq!(
            write_change(Some(2 * KB + 1), None, WriteMode::Standard).units(),
            3.0
        );
        assert_eq!(
            write_change(Some(2 * KB + 1), Some(100), WriteMode::Standard).units(),
            3.0
        );
        assert_eq!(
            write_change(None, Some(100), WriteMode::Standard).units(),
            1.0
        );
        assert_eq!(write_change(None, None, WriteMode::Standard).units(), 1.0);
        // test_multi_table_batch_write_item: 3 small puts + one just over 1 KB.
        let total: HalfUnits = [10, 10, 10, KB + 10]
            .iter()
            .map(|&s| write(s, WriteMode::Standard))
            .sum();
        assert_eq!(total.units(), 5.0);
    }

    #[test]
    fn failed_conditional_writes_still_consume() {
        // Developer Guide: existing 300 KB, attempted 310 KB → 310 units.
        assert_eq!(
            failed_conditional_write(Some(300 * KB), Some(310 * KB), WriteMode::Standard).units(),
            310.0
        );
        assert_eq!(
            failed_conditional_write(Some(2 * KB), Some(100), WriteMode::Standard).units(),
            2.0,
            "the existing item when it is the larger"
        );
        assert_eq!(failed_conditional_write(None, None, WriteMode::Standard).units(), 1.0, "a delete of nothing");
        assert_eq!(failed_conditional_write(None, Some(KB + 1), WriteMode::Transactional).units(), 4.0);
    }

    #[test]
    fn half_unit_arithmetic() {
        let mut h = HalfUnits(3);
        h += HalfUnits(2);
        assert_eq!(h, HalfUnits(5));
        assert_eq!(h.units(), 2.5);
        assert_eq!(h.ceil_units(), 3);
        assert_eq!(HalfUnits(u64::MAX) + HalfUnits(1), HalfUnits(u64::MAX));
        assert_eq!(
            read(u64::MAX, ReadMode::Transactional).0,
            u64::MAX.div_ceil(4096) * 4
        );
        let mut meter = ReadMeter::new();
        meter.add_item(u64::MAX);
        meter.add_item(1);
        assert_eq!(meter.bytes(), u64::MAX, "saturates");
    }
}
