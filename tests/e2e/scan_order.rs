//! The order DynamoDB returns items in where no sort key decides it: a
//! Scan's partitions, the items of each parallel-scan segment, and index
//! entries whose index keys are equal (the orders dynalite's scan.js and
//! query.js recorded against DynamoDB); and the order of a number set's
//! members, which depends on the operation (nubo-db's dynoxide 3.0.0
//! captures of 2026-10-09).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue as Av, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType,
};
use aws_sdk_dynamodb::Client;

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    Get, Put, ReturnValue, ReturnValuesOnConditionCheckFailure, StreamSpecification, StreamViewType, TransactGetItem,
    TransactWriteItem,
};
use serde_json::{json, Value};

use crate::harness::{streams_call, Stack};

fn attr(name: &str, ty: ScalarAttributeType) -> AttributeDefinition {
    AttributeDefinition::builder().attribute_name(name).attribute_type(ty).build().unwrap()
}

fn key(name: &str, ty: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder().attribute_name(name).key_type(ty).build().unwrap()
}

/// A table keyed by `a` alone, of type `ty`.
async fn hash_table(c: &Client, name: &str, ty: ScalarAttributeType) {
    c.create_table()
        .table_name(name)
        .attribute_definitions(attr("a", ty))
        .key_schema(key("a", KeyType::Hash))
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
}

async fn put_all(c: &Client, table: &str, keys: &[Av]) {
    for k in keys {
        c.put_item().table_name(table).item("a", k.clone()).send().await.unwrap();
    }
}

fn text(v: &Av) -> String {
    match v {
        Av::S(s) => s.clone(),
        Av::N(n) => n.clone(),
        other => panic!("not a key: {other:?}"),
    }
}

/// The `a` values a scan (or one segment of it) returns, in order.
async fn scanned(c: &Client, table: &str, segment: Option<(i32, i32)>) -> Vec<String> {
    let mut req = c.scan().table_name(table);
    if let Some((s, n)) = segment {
        req = req.segment(s).total_segments(n);
    }
    let out = req.send().await.unwrap();
    out.items().iter().map(|i| text(&i["a"])).collect()
}

fn strings(keys: &[&str]) -> Vec<Av> {
    keys.iter().map(|k| Av::S((*k).to_owned())).collect()
}

#[tokio::test]
async fn scans_return_partitions_in_dynamodbs_order() {
    let s = Stack::start().await;
    let c = s.client();

    // dynalite's scan.js, "should return items in string hash order".
    hash_table(&c, "Strings", ScalarAttributeType::S).await;
    put_all(&c, "Strings", &strings(&["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "aardman", "hello", "zapf", "äáöü"])).await;
    assert_eq!(
        scanned(&c, "Strings", None).await,
        ["2", "8", "9", "1", "6", "hello", "0", "5", "4", "äáöü", "aardman", "7", "3", "zapf"]
    );
    // Pages follow the same order.
    let mut paged = Vec::new();
    let mut start = None;
    loop {
        let out = c.scan().table_name("Strings").limit(3).set_exclusive_start_key(start).send().await.unwrap();
        paged.extend(out.items().iter().map(|i| text(&i["a"])));
        start = out.last_evaluated_key().cloned();
        if start.is_none() {
            break;
        }
    }
    assert_eq!(paged, scanned(&c, "Strings", None).await);

    // "should return items in number hash order": numbers hash their
    // base-100 form, negatives and fractions included.
    hash_table(&c, "Numbers", ScalarAttributeType::N).await;
    let numbers = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "-0.09", "999.9", "0.012345", "-999.9"];
    put_all(&c, "Numbers", &numbers.iter().map(|n| Av::N((*n).to_owned())).collect::<Vec<_>>()).await;
    assert_eq!(
        scanned(&c, "Numbers", None).await,
        ["7", "999.9", "8", "3", "2", "-999.9", "9", "4", "-0.09", "6", "1", "0", "0.012345", "5"]
    );
    s.stop().await;
}

#[tokio::test]
async fn segments_hold_dynamodbs_partitions() {
    let s = Stack::start().await;
    let c = s.client();

    // "should return items in same segment order": twenty partitions in
    // two and in four segments.
    hash_table(&c, "Twenty", ScalarAttributeType::S).await;
    let twenty: Vec<String> = (0..20).map(|i| i.to_string()).collect();
    put_all(&c, "Twenty", &twenty.iter().map(|k| Av::S(k.clone())).collect::<Vec<_>>()).await;
    let quarters = [
        vec!["18", "16", "2", "13", "8"],
        vec!["9", "1", "6"],
        vec!["0", "5", "4"],
        vec!["19", "7", "11", "3", "12", "17", "10", "15", "14"],
    ];
    for (i, want) in quarters.iter().enumerate() {
        assert_eq!(scanned(&c, "Twenty", Some((i as i32, 4))).await, *want, "segment {i} of 4");
    }
    assert_eq!(scanned(&c, "Twenty", Some((0, 2))).await, ["18", "16", "2", "13", "8", "9", "1", "6"]);
    assert_eq!(scanned(&c, "Twenty", Some((1, 2))).await, ["0", "5", "4", "19", "7", "11", "3", "12", "17", "10", "15", "14"]);

    // "should return items from correct string/number hash segments": with
    // 4,096 segments each holds one twelve-bit slice of the hash.
    hash_table(&c, "Slices", ScalarAttributeType::S).await;
    put_all(&c, "Slices", &strings(&["3635", "228", "1668", "3435"])).await;
    assert_eq!(scanned(&c, "Slices", Some((0, 4096))).await, ["3635", "228"]);
    assert_eq!(scanned(&c, "Slices", Some((1, 4096))).await, ["1668"]);
    assert_eq!(scanned(&c, "Slices", Some((4, 4096))).await, ["3435"]);
    assert!(scanned(&c, "Slices", Some((2, 4096))).await.is_empty());
    hash_table(&c, "NumberSlices", ScalarAttributeType::N).await;
    put_all(&c, "NumberSlices", &[Av::N("251".into()), Av::N("2388".into())]).await;
    assert_eq!(scanned(&c, "NumberSlices", Some((1, 4096))).await, ["251"]);
    assert_eq!(scanned(&c, "NumberSlices", Some((4095, 4096))).await, ["2388"]);
    // More segments than slices: every other segment is empty.
    for seg in [1, 3, 4097, 8191] {
        assert!(scanned(&c, "NumberSlices", Some((seg, 8192))).await.is_empty(), "segment {seg} of 8192");
    }
    let mut all = scanned(&c, "NumberSlices", Some((2, 8192))).await;
    all.extend(scanned(&c, "NumberSlices", Some((8190, 8192))).await);
    assert_eq!(all, ["251", "2388"]);
    s.stop().await;
}

/// A table keyed by `a` and `b`, with a GSI on `c` alone and one on `c`
/// and `d`, as dynalite's test table.
async fn range_table(c: &Client) {
    let gsi = |name: &str, keys: Vec<KeySchemaElement>| {
        GlobalSecondaryIndex::builder()
            .index_name(name)
            .set_key_schema(Some(keys))
            .projection(Projection::builder().projection_type(ProjectionType::All).build())
            .build()
            .unwrap()
    };
    c.create_table()
        .table_name("Ranges")
        .attribute_definitions(attr("a", ScalarAttributeType::S))
        .attribute_definitions(attr("b", ScalarAttributeType::S))
        .attribute_definitions(attr("c", ScalarAttributeType::S))
        .attribute_definitions(attr("d", ScalarAttributeType::S))
        .key_schema(key("a", KeyType::Hash))
        .key_schema(key("b", KeyType::Range))
        .global_secondary_indexes(gsi("index3", vec![key("c", KeyType::Hash)]))
        .global_secondary_indexes(gsi("index4", vec![key("c", KeyType::Hash), key("d", KeyType::Range)]))
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
}

/// The `a`/`b` keys of a query on `index` for `c = value`.
async fn index_keys(c: &Client, index: &str, value: &str, forward: bool) -> Vec<String> {
    let out = c
        .query()
        .table_name("Ranges")
        .index_name(index)
        .key_condition_expression("c = :c")
        .expression_attribute_values(":c", Av::S(value.into()))
        .scan_index_forward(forward)
        .send()
        .await
        .unwrap();
    out.items().iter().map(|i: &HashMap<String, Av>| format!("{}{}", text(&i["a"]), text(&i["b"]))).collect()
}

#[tokio::test]
async fn equal_index_keys_follow_dynamodbs_order() {
    let s = Stack::start().await;
    let c = s.client();
    range_table(&c).await;
    let put = |a: &str, b: &str, cv: &str, d: &str| {
        c.put_item()
            .table_name("Ranges")
            .item("a", Av::S(a.into()))
            .item("b", Av::S(b.into()))
            .item("c", Av::S(cv.into()))
            .item("d", Av::S(d.into()))
            .send()
    };
    // "should query on basic hash global index": six items share index3's
    // key; DynamoDB returned item2, item, item3, item7 for Limit 4, and
    // item4, item6, item7, item3 backwards.
    for (a, b) in [("a", "a"), ("b", "b"), ("c", "e"), ("c", "d"), ("d", "a"), ("e", "a")] {
        put(a, b, "x", "a").await.unwrap();
    }
    put("c", "c", "c", "a").await.unwrap();
    assert_eq!(index_keys(&c, "index3", "x", true).await, ["bb", "aa", "ce", "ea", "da", "cd"]);
    assert_eq!(index_keys(&c, "index3", "x", false).await, ["cd", "da", "ea", "ce", "aa", "bb"]);

    // "should query on a global index if values are equal": index4's sort
    // key is equal too, so the base keys order them.
    for (a, b) in [("a", "a"), ("b", "a"), ("c", "a"), ("c", "b"), ("d", "a"), ("d", "b")] {
        put(a, b, "y", "a").await.unwrap();
    }
    assert_eq!(index_keys(&c, "index4", "y", true).await, ["aa", "da", "ba", "ca", "db", "cb"]);
    s.stop().await;
}

fn numbers(v: &Av) -> Vec<String> {
    v.as_ns().unwrap().clone()
}

#[tokio::test]
async fn number_sets_are_listed_in_each_operations_order() {
    let s = Stack::start().await;
    let c = s.client();
    c.create_table()
        .table_name("Sets")
        .attribute_definitions(attr("a", ScalarAttributeType::S))
        .key_schema(key("a", KeyType::Hash))
        .billing_mode(BillingMode::PayPerRequest)
        .stream_specification(
            StreamSpecification::builder().stream_enabled(true).stream_view_type(StreamViewType::NewImage).build().unwrap(),
        )
        .send()
        .await
        .unwrap();
    let twelve = ["100", "-1", "10", "0.5", "9", "5", "-10", "-0.5", "0", "1000", "25", "2.5"];
    let ascending = ["-10", "-1", "-0.5", "0", "0.5", "2.5", "5", "9", "10", "25", "100", "1000"];
    // DynamoDB's Java hash-set order for these twelve (a PartiQL SELECT,
    // recorded in two regions).
    let hashed = ["0", "9", "25", "2.5", "-0.5", "5", "0.5", "1000", "100", "-1", "10", "-10"];
    let set = Av::Ns(twelve.iter().map(|n| (*n).to_owned()).collect());
    let nested = Av::M(HashMap::from([("inner".to_owned(), Av::Ns(vec!["1".into(), "2".into(), "3".into()]))]));
    let k = || HashMap::from([("a".to_owned(), Av::S("k".into()))]);
    c.put_item().table_name("Sets").item("a", Av::S("k".into())).item("n", set.clone()).item("m", nested).send().await.unwrap();

    // By value: GetItem, Query, a write's ReturnValues.
    let got = c.get_item().table_name("Sets").set_key(Some(k())).send().await.unwrap();
    assert_eq!(numbers(&got.item().unwrap()["n"]), ascending);
    let queried = c
        .query()
        .table_name("Sets")
        .key_condition_expression("a = :a")
        .expression_attribute_values(":a", Av::S("k".into()))
        .send()
        .await
        .unwrap();
    assert_eq!(numbers(&queried.items()[0]["n"]), ascending);
    let old = c
        .put_item()
        .table_name("Sets")
        .item("a", Av::S("k".into()))
        .item("n", set.clone())
        .item("m", Av::M(HashMap::from([("inner".to_owned(), Av::Ns(vec!["1".into(), "2".into(), "3".into()]))])))
        .return_values(ReturnValue::AllOld)
        .send()
        .await
        .unwrap();
    assert_eq!(numbers(&old.attributes().unwrap()["n"]), ascending);

    // In hash order, at any depth: Scan, TransactGetItems, PartiQL, a
    // cancellation reason's item, a stream record.
    let scanned = c.scan().table_name("Sets").send().await.unwrap();
    assert_eq!(numbers(&scanned.items()[0]["n"]), hashed);
    assert_eq!(numbers(&scanned.items()[0]["m"].as_m().unwrap()["inner"]), ["3", "2", "1"]);
    let filtered = c.scan().table_name("Sets").filter_expression("attribute_exists(n)").projection_expression("n").send().await.unwrap();
    assert_eq!(numbers(&filtered.items()[0]["n"]), hashed);
    let tg = c
        .transact_get_items()
        .transact_items(TransactGetItem::builder().get(Get::builder().table_name("Sets").set_key(Some(k())).build().unwrap()).build())
        .send()
        .await
        .unwrap();
    assert_eq!(numbers(&tg.responses()[0].item().unwrap()["n"]), hashed);
    let selected = c.execute_statement().statement("SELECT * FROM Sets WHERE a = 'k'").send().await.unwrap();
    assert_eq!(numbers(&selected.items()[0]["n"]), hashed);
    let err = c
        .transact_write_items()
        .transact_items(
            TransactWriteItem::builder()
                .put(
                    Put::builder()
                        .table_name("Sets")
                        .item("a", Av::S("k".into()))
                        .condition_expression("attribute_not_exists(a)")
                        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("TransactionCanceledException"));
    let TransactWriteItemsError::TransactionCanceledException(cancelled) = err.into_service_error() else { panic!() };
    let reason = &cancelled.cancellation_reasons()[0];
    assert_eq!(numbers(&reason.item().unwrap()["n"]), hashed);

    let arn = c.describe_table().table_name("Sets").send().await.unwrap().table().unwrap().latest_stream_arn().unwrap().to_owned();
    let call = |op: &'static str, body: Value| async { streams_call(&s, op, body).await.1 };
    let described = call("DescribeStream", json!({"StreamArn": arn})).await;
    let shard = described["StreamDescription"]["Shards"][0]["ShardId"].clone();
    let iterator = call("GetShardIterator", json!({"StreamArn": arn, "ShardId": shard, "ShardIteratorType": "TRIM_HORIZON"})).await;
    let records = call("GetRecords", json!({"ShardIterator": iterator["ShardIterator"]})).await;
    assert_eq!(records["Records"][0]["dynamodb"]["NewImage"]["n"]["NS"], json!(hashed));
    s.stop().await;
}
