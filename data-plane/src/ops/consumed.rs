//! What item requests consume, charged whether or not they asked for
//! `ReturnConsumedCapacity`: a [`Consumed`] per table, added to the table's
//! capacity metrics, taken from the table's own throughput limits and
//! settled against the tenant's on-demand throughput quota once the
//! request's outcome is known.
//!
//! Writes decide their capacity inside the tenant's writer (only there is
//! the current item known); the decision leaves it in a [`Tally`], and the
//! request charges it afterwards: on success, and for a failed conditional
//! write or a cancelled transaction, which DynamoDB charges too. Any other
//! failure (a validation error, a limit, storage) consumes nothing.

use std::sync::{Arc, Mutex, PoisonError};

use ddb_core::capacity::HalfUnits;
use serde_json::Value;

use crate::auth::Verified;
use crate::catalog::CatalogTable;
use crate::error::ApiError;
use crate::items::index::TableIndexes;
use crate::DataPlane;

/// Capacity one request consumed on one table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Consumed {
    /// Read units of the table and its local secondary indexes.
    pub read: HalfUnits,
    /// Write units of the table and its local secondary indexes.
    pub write: HalfUnits,
    /// Global secondary indexes: (position in the table's index list,
    /// read units, write units).
    pub gsi: Vec<(usize, HalfUnits, HalfUnits)>,
}

impl Consumed {
    /// Reads of the table (or an LSI).
    pub fn read(units: HalfUnits) -> Consumed {
        Consumed {
            read: units,
            ..Consumed::default()
        }
    }

    /// Writes of the table.
    pub fn write(units: HalfUnits) -> Consumed {
        Consumed {
            write: units,
            ..Consumed::default()
        }
    }

    /// Adds index reads at position `at` of `indexes`: an LSI's go to the
    /// table, a GSI's to the GSI.
    pub fn add_index_read(&mut self, indexes: &TableIndexes, at: usize, units: HalfUnits) {
        self.add_index(indexes, at, units, HalfUnits::ZERO);
    }

    /// Adds index writes by position (as `TableIndexes::write_units_at`
    /// gives them).
    pub fn add_index_writes(&mut self, indexes: &TableIndexes, writes: &[(usize, HalfUnits)]) {
        for &(at, units) in writes {
            self.add_index(indexes, at, HalfUnits::ZERO, units);
        }
    }

    fn add_index(&mut self, indexes: &TableIndexes, at: usize, read: HalfUnits, write: HalfUnits) {
        if indexes.indexes.get(at).is_none_or(|i| i.local) {
            self.read += read;
            self.write += write;
        } else if let Some(entry) = self.gsi.iter_mut().find(|g| g.0 == at) {
            entry.1 += read;
            entry.2 += write;
        } else {
            self.gsi.push((at, read, write));
        }
    }

    /// Adds another request part on the same table.
    pub fn merge(&mut self, other: &Consumed) {
        self.read += other.read;
        self.write += other.write;
        for &(at, read, write) in &other.gsi {
            match self.gsi.iter_mut().find(|g| g.0 == at) {
                Some(entry) => {
                    entry.1 += read;
                    entry.2 += write;
                }
                None => self.gsi.push((at, read, write)),
            }
        }
    }

    /// The table's own units, read and write (what its on-demand bucket
    /// is charged).
    pub fn table_units(&self) -> HalfUnits {
        self.read + self.write
    }
}

/// Where a writer's decision leaves what its request consumed, for the
/// request to charge once the write's outcome is known.
#[derive(Debug)]
pub struct Tally<T>(Arc<Mutex<Option<T>>>);

impl<T> Default for Tally<T> {
    fn default() -> Self {
        Tally(Arc::new(Mutex::new(None)))
    }
}

impl<T> Clone for Tally<T> {
    fn clone(&self) -> Self {
        Tally(Arc::clone(&self.0))
    }
}

impl<T> Tally<T> {
    /// Records the consumption (the last one recorded wins).
    pub fn put(&self, value: T) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(value);
    }

    /// The recorded consumption, if any.
    pub fn take(&self) -> Option<T> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

/// Charges `consumed` on table `t`: its capacity metrics, its own limits
/// (provisioned capacity, on-demand maxima), and the tenant's on-demand
/// quota for the units beyond the `prepaid` ones taken before the request
/// ran.
pub fn charge(dp: &DataPlane, caller: &Verified, t: &CatalogTable, consumed: &Consumed, prepaid: f64) {
    t.meters(&dp.metrics).charge(consumed);
    dp.throttle.debit_table(t, consumed);
    dp.throttle.settle(caller, t, consumed.table_units().units(), prepaid);
}

/// Charges a single-item write (PutItem, UpdateItem, DeleteItem) by its
/// outcome: success and a failed condition consume what the decision
/// tallied (and the latter counts as a ConditionalCheckFailedRequest);
/// other failures consume nothing.
pub fn charge_write(
    dp: &DataPlane,
    caller: &Verified,
    t: &CatalogTable,
    tally: &Tally<Consumed>,
    result: &Result<Value, ApiError>,
) {
    match result {
        Ok(_) => {}
        Err(ApiError::ConditionalCheckFailed { .. }) => t.meters(&dp.metrics).conditional_check_failed(),
        Err(_) => return,
    }
    if let Some(c) = tally.take() {
        charge(dp, caller, t, &c, 1.0);
    }
}

/// Per table, what a multi-table request consumed and what it prepaid.
#[derive(Debug, Default)]
pub struct Charges(Vec<(Arc<CatalogTable>, Consumed, f64)>);

impl Charges {
    /// Adds one part on table `t`.
    pub fn add(&mut self, t: &Arc<CatalogTable>, consumed: &Consumed, prepaid: f64) {
        match self.0.iter_mut().find(|(known, ..)| Arc::ptr_eq(known, t)) {
            Some((_, c, p)) => {
                c.merge(consumed);
                *p += prepaid;
            }
            None => self.0.push((Arc::clone(t), consumed.clone(), prepaid)),
        }
    }

    /// Charges every table.
    pub fn charge(&self, dp: &DataPlane, caller: &Verified) {
        for (t, c, prepaid) in &self.0 {
            charge(dp, caller, t, c, *prepaid);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A table with one LSI (position 0) and one GSI (position 1).
    fn indexes() -> TableIndexes {
        let index = |name: &str, hash: &str| {
            json!({"IndexName": name, "KeySchema": [{"AttributeName": hash, "KeyType": "HASH"},
                {"AttributeName": "x", "KeyType": "RANGE"}], "Projection": {"ProjectionType": "ALL"}})
        };
        let input = json!({
            "TableName": "Tab",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"}, {"AttributeName": "x", "AttributeType": "S"},
                {"AttributeName": "g", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            "LocalSecondaryIndexes": [index("lsi", "pk")],
            "GlobalSecondaryIndexes": [index("gsi", "g")],
            "BillingMode": "PAY_PER_REQUEST"
        });
        let spec = serde_json::from_value::<ddb_core::api::table::CreateTableInput>(input).unwrap().validate().unwrap();
        let def = ddb_core::api::table::TableDefinition::new("T".into(), 0.0, spec);
        let ix = TableIndexes::new("T", &def);
        assert_eq!(ix.position("lsi"), Some(0));
        assert_eq!(ix.position("gsi"), Some(1));
        ix
    }

    #[test]
    fn local_index_capacity_is_the_tables_and_global_index_capacity_its_own() {
        let ix = indexes();
        let mut c = Consumed::write(HalfUnits(2));
        c.add_index_writes(&ix, &[(0, HalfUnits(2)), (1, HalfUnits(4))]);
        c.add_index_read(&ix, 1, HalfUnits(1));
        assert_eq!(c.write, HalfUnits(4), "table + LSI");
        assert_eq!(c.gsi, vec![(1, HalfUnits(1), HalfUnits(4))]);
        let mut total = Consumed::read(HalfUnits(1));
        total.merge(&c);
        total.merge(&c);
        assert_eq!((total.read, total.write), (HalfUnits(1), HalfUnits(8)));
        assert_eq!(total.gsi, vec![(1, HalfUnits(2), HalfUnits(8))]);
        assert_eq!(total.table_units(), HalfUnits(9));
    }

    #[test]
    fn a_tally_hands_over_the_last_value_once() {
        let t: Tally<u8> = Tally::default();
        let other = t.clone();
        other.put(1);
        other.put(2);
        assert_eq!(t.take(), Some(2));
        assert_eq!(t.take(), None);
    }
}
