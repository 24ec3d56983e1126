//! Buckets of provisioned tables, their GSIs, and on-demand maxima.

use std::time::Duration;

use ddb_core::api::table::TableDefinition;
use ddb_core::capacity::HalfUnits;
use dynastore_common::contract::TableRecord;
use serde_json::json;

use super::*;

/// A table created from `input` (TableName `Tab`, hash key `pk`).
fn table(extra: serde_json::Value) -> CatalogTable {
    let mut input = json!({
        "TableName": "Tab",
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    });
    for (k, v) in extra.as_object().expect("object") {
        input[k] = v.clone();
    }
    let input: ddb_core::api::table::CreateTableInput = serde_json::from_value(input).expect("input");
    let def = TableDefinition::new("id-T".into(), 1.0, input.validate().expect("valid"));
    let record = TableRecord {
        tenant_id: "a".into(),
        region: String::new(),
        name: "Tab".into(),
        id: "id-T".into(),
        status: "ACTIVE".into(),
        definition: serde_json::to_value(&def).expect("json"),
    };
    CatalogTable::new(record, def)
}

fn provisioned(read: i64, write: i64, gsi_write: i64) -> CatalogTable {
    table(json!({
        "BillingMode": "PROVISIONED",
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "g", "AttributeType": "S"}],
        "ProvisionedThroughput": {"ReadCapacityUnits": read, "WriteCapacityUnits": write},
        "GlobalSecondaryIndexes": [{"IndexName": "byG", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},
            "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": gsi_write}}],
    }))
}

fn units(u: f64) -> HalfUnits {
    HalfUnits((u * 2.0) as u64)
}

#[test]
fn a_provisioned_table_takes_its_burst_then_its_rate() {
    let t = provisioned(2, 5, 1000);
    let limits = TableLimits::default();
    let start = Instant::now();
    // 300 s of 5 WCU: 1,500 one-unit writes, the last one taking it to 0.
    for i in 0..1500 {
        assert_eq!(limits.refused(&t, Kind::Write, None, start), None, "write {i}");
        limits.debit(&t, &Consumed::write(units(1.0)), start);
    }
    let refused = limits.refused(&t, Kind::Write, None, start).expect("burst used up");
    assert_eq!(refused.reason(), "TableWriteProvisionedThroughputExceeded");
    assert_eq!(refused.resource("arn:aws:dynamodb:r:1:table/Tab"), "arn:aws:dynamodb:r:1:table/Tab");
    assert!(refused.message().starts_with("The level of configured provisioned throughput for the table was exceeded."));
    // Reads have their own bucket.
    assert_eq!(limits.refused(&t, Kind::Read, None, start), None);
    // 200 ms refill one unit at 5 per second.
    assert_eq!(limits.refused(&t, Kind::Write, None, start + Duration::from_millis(200)), None);
    limits.debit(&t, &Consumed::write(units(1.0)), start + Duration::from_millis(200));
    assert!(limits.refused(&t, Kind::Write, None, start + Duration::from_millis(200)).is_some());
}

#[test]
fn a_large_request_takes_the_bucket_below_zero_and_later_ones_wait() {
    let t = provisioned(1, 1, 1000);
    let limits = TableLimits::default();
    let start = Instant::now();
    // 300 units of burst; a 400-unit scan is admitted and leaves -100.
    assert_eq!(limits.refused(&t, Kind::Read, None, start), None);
    limits.debit(&t, &Consumed::read(units(400.0)), start);
    assert!(limits.refused(&t, Kind::Read, None, start + Duration::from_secs(99)).is_some());
    assert_eq!(limits.refused(&t, Kind::Read, None, start + Duration::from_secs(101)), None);
}

#[test]
fn a_gsi_limits_its_reads_and_the_tables_writes() {
    let t = provisioned(1000, 1000, 1);
    let at = t.indexes.indexes.iter().position(|i| i.name == "byG").expect("gsi");
    let limits = TableLimits::default();
    let now = Instant::now();
    let mut write = Consumed::write(units(1.0));
    write.gsi.push((at, HalfUnits::ZERO, units(300.0)));
    limits.debit(&t, &write, now);
    let refused = limits.refused(&t, Kind::Write, None, now).expect("the GSI's writes are used up");
    assert_eq!(refused.index.as_deref(), Some("byG"));
    assert_eq!(refused.reason(), "IndexWriteProvisionedThroughputExceeded");
    assert_eq!(refused.resource("arn:aws:dynamodb:r:1:table/Tab"), "arn:aws:dynamodb:r:1:table/Tab/index/byG");
    assert!(refused.message().contains("one or more global secondary indexes"));

    let mut read = Consumed::default();
    read.gsi.push((at, units(300.0), HalfUnits::ZERO));
    limits.debit(&t, &read, now);
    let refused = limits.refused(&t, Kind::Read, Some("byG"), now).expect("the GSI's reads are used up");
    assert_eq!(refused.reason(), "IndexReadProvisionedThroughputExceeded");
    // The table's own reads are untouched.
    assert_eq!(limits.refused(&t, Kind::Read, None, now), None);
}

#[test]
fn provisioned_capacity_can_be_left_unenforced() {
    let t = provisioned(1, 1, 1);
    let limits = TableLimits::new(false);
    let now = Instant::now();
    limits.debit(&t, &Consumed::write(units(10_000.0)), now);
    assert_eq!(limits.refused(&t, Kind::Write, None, now), None);
    let capped = table(json!({"BillingMode": "PAY_PER_REQUEST", "OnDemandThroughput": {"MaxWriteRequestUnits": 1}}));
    limits.debit(&capped, &Consumed::write(units(5.0)), now);
    assert!(limits.refused(&capped, Kind::Write, None, now).is_some(), "on-demand maxima still hold");
}

#[test]
fn on_demand_tables_are_limited_only_by_their_maxima() {
    let limits = TableLimits::default();
    let now = Instant::now();
    let plain = table(json!({"BillingMode": "PAY_PER_REQUEST"}));
    limits.debit(&plain, &Consumed::write(units(1_000_000.0)), now);
    assert_eq!(limits.refused(&plain, Kind::Write, None, now), None);

    let capped = table(json!({"BillingMode": "PAY_PER_REQUEST", "OnDemandThroughput": {"MaxReadRequestUnits": 10}}));
    limits.debit(&capped, &Consumed::read(units(10.0)), now);
    let refused = limits.refused(&capped, Kind::Read, None, now).expect("one second of the maximum is used");
    assert_eq!(refused.reason(), "TableReadMaxOnDemandThroughputExceeded");
    assert_eq!(refused.message(), "Throughput exceeds the maximum OnDemandThroughput configured on table or index");
    limits.debit(&capped, &Consumed::write(units(1_000_000.0)), now);
    assert_eq!(limits.refused(&capped, Kind::Write, None, now), None, "no write maximum");
    assert_eq!(limits.refused(&capped, Kind::Read, None, now + Duration::from_millis(200)), None, "refilled");
}

#[test]
fn full_buckets_are_dropped_once_there_are_many() {
    let limits = TableLimits::default();
    let now = Instant::now();
    // One table's buckets, emptied: they must survive sweeps.
    let busy = provisioned(1, 1, 1);
    limits.debit(&busy, &Consumed::write(units(300.0)), now);
    assert!(limits.refused(&busy, Kind::Write, None, now).is_some());
    // Thousands of other tables whose buckets are touched but stay full.
    for i in 0..(2 * SWEEP_AT) {
        let mut t = provisioned(5, 5, 5);
        t.def.table_id = format!("other-{i}");
        assert_eq!(limits.refused(&t, Kind::Read, None, now), None);
    }
    let held = limits.buckets.lock().expect("lock").len();
    assert!(held <= SWEEP_AT + 1, "{held} buckets kept");
    assert!(limits.refused(&busy, Kind::Write, None, now).is_some(), "the emptied bucket was kept");
}

#[test]
fn headroom_is_the_emptiest_bucket() {
    let limits = TableLimits::default();
    let now = Instant::now();
    let plain = table(json!({"BillingMode": "PAY_PER_REQUEST"}));
    assert_eq!(limits.headroom(&plain, Kind::Write, now), None, "no limit");
    let t = provisioned(2, 5, 1);
    assert_eq!(limits.headroom(&t, Kind::Read, now), Some(600.0));
    // The GSI's 300 units of write burst are fewer than the table's 1,500.
    assert_eq!(limits.headroom(&t, Kind::Write, now), Some(300.0));
    limits.debit(&t, &Consumed::write(units(1400.0)), now);
    assert_eq!(limits.headroom(&t, Kind::Write, now), Some(100.0));
}
