//! Tables' own throughput limits through the SDK (retries off, so each
//! refusal is seen): a provisioned table takes 300 seconds of its capacity
//! as a burst and then refuses with ProvisionedThroughputExceededException
//! and its ThrottlingReasons; a GSI's limit holds its reads back; batches
//! return a throttled table's requests unprocessed, and a table near its
//! limit takes what its headroom allows; a transaction is
//! cancelled with ProvisionedThroughputExceeded; raising the capacity with
//! UpdateTable lets requests through again; on-demand tables with
//! OnDemandThroughput maxima refuse with ThrottlingException; refusals are
//! counted in the metrics; a data plane configured not to throttle
//! provisioned tables lets every request through; the AWS CLI reports a
//! throttled write as DynamoDB's error.

use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue as Av, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
    KeysAndAttributes, OnDemandThroughput, Projection, ProjectionType, ProvisionedThroughput, PutRequest, ReturnConsumedCapacity,
    ScalarAttributeType, TransactWriteItem, Put, WriteRequest,
};
use aws_sdk_dynamodb::Client;
use std::time::{Duration, Instant};

use crate::harness::{sample, Stack};

fn throughput(read: i64, write: i64) -> ProvisionedThroughput {
    ProvisionedThroughput::builder().read_capacity_units(read).write_capacity_units(write).build().unwrap()
}

fn no_retries(st: &Stack) -> Client {
    Client::from_conf(st.client().config().to_builder().retry_config(RetryConfig::disabled()).build())
}

/// A provisioned table keyed by `pk` with a GSI `byG` on `g`.
async fn create(c: &Client, name: &str, table: ProvisionedThroughput, gsi: ProvisionedThroughput) {
    let def = |n: &str| AttributeDefinition::builder().attribute_name(n).attribute_type(ScalarAttributeType::S).build().unwrap();
    let hash = |n: &str| KeySchemaElement::builder().attribute_name(n).key_type(KeyType::Hash).build().unwrap();
    c.create_table()
        .table_name(name)
        .attribute_definitions(def("pk"))
        .attribute_definitions(def("g"))
        .key_schema(hash("pk"))
        .billing_mode(BillingMode::Provisioned)
        .provisioned_throughput(table)
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("byG")
                .key_schema(hash("g"))
                .projection(Projection::builder().projection_type(ProjectionType::All).build())
                .provisioned_throughput(gsi)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

fn item(i: usize) -> std::collections::HashMap<String, Av> {
    [("pk".to_owned(), Av::S(format!("k{i}"))), ("g".to_owned(), Av::S("same".into()))].into()
}

/// Puts items until the first refusal; how many were accepted, and the
/// refusal.
async fn put_until_refused(c: &Client, table: &str, limit: usize) -> (usize, aws_sdk_dynamodb::Error) {
    let (accepted, e, _) = timed_put_until_refused(c, table, limit).await;
    (accepted, e)
}

/// [`put_until_refused`], with the time the puts took.
async fn timed_put_until_refused(c: &Client, table: &str, limit: usize) -> (usize, aws_sdk_dynamodb::Error, Duration) {
    let started = Instant::now();
    for i in 0..limit {
        if let Err(e) = c.put_item().table_name(table).set_item(Some(item(i))).send().await {
            return (i, e.into(), started.elapsed());
        }
    }
    panic!("{limit} puts were all accepted");
}

/// How many one-unit requests a bucket of 1 unit a second with 300 units
/// of burst admits before its first refusal, when they took `elapsed`:
/// the burst, plus what it refilled meanwhile (a slow machine takes
/// seconds over 300 requests), give or take the admission rule's one.
fn burst_of_one_unit(elapsed: Duration) -> std::ops::RangeInclusive<usize> {
    let refilled = usize::try_from(elapsed.as_secs()).unwrap_or(usize::MAX);
    299..=302usize.saturating_add(refilled)
}

/// Puts item `k0` with a string attribute of `bytes` bytes (a large write
/// that takes a known share of a table's capacity).
async fn put_blob(c: &Client, table: &str, bytes: usize) {
    put_blob_at(c, table, 0, bytes).await;
}

/// [`put_blob`] as item `k{i}`.
async fn put_blob_at(c: &Client, table: &str, i: usize, bytes: usize) {
    let mut big = item(i);
    big.insert("blob".into(), Av::S("x".repeat(bytes)));
    c.put_item().table_name(table).set_item(Some(big)).send().await.unwrap();
}

/// The key of the item [`into_write_debt`] writes and [`into_read_debt`]
/// reads.
const DEBT: usize = 7777;

/// After a 1-unit table's first write refusal (its bucket at or just
/// below zero), takes it 100 units into debt: waits until a write is
/// admitted again, then writes a 100 KB item. The table then refuses
/// writes for about 100 seconds, so a test's next refusals do not race
/// the refill of a fraction of a unit.
async fn into_write_debt(c: &Client, table: &str) {
    tokio::time::sleep(Duration::from_millis(1100)).await;
    put_blob_at(c, table, DEBT, 100 * 1024).await;
}

/// [`into_write_debt`] for reads: a strongly consistent read of the
/// 100 KB item (and its key) costs 26 units.
async fn into_read_debt(c: &Client, table: &str) {
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let got = c
        .get_item()
        .table_name(table)
        .key("pk", Av::S(format!("k{DEBT}")))
        .consistent_read(true)
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await
        .unwrap();
    assert_eq!(got.consumed_capacity().and_then(|c| c.capacity_units()), Some(26.0));
}

#[tokio::test]
async fn a_provisioned_table_takes_its_burst_then_refuses() {
    let st = Stack::start().await;
    let c = no_retries(&st);
    create(&c, "Slow", throughput(1, 1), throughput(1000, 1000)).await;

    // 1 WCU keeps 300 units of burst: about 300 one-unit puts get through.
    let (accepted, e, took) = timed_put_until_refused(&c, "Slow", 400).await;
    assert!(burst_of_one_unit(took).contains(&accepted), "{accepted} puts in {took:?} before the first refusal");
    let e = match e {
        aws_sdk_dynamodb::Error::ProvisionedThroughputExceededException(e) => e,
        other => panic!("expected ProvisionedThroughputExceededException, got {other:?}"),
    };
    assert_eq!(
        e.message(),
        Some("The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.")
    );
    let reasons = e.throttling_reasons();
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert_eq!(reasons[0].reason(), Some("TableWriteProvisionedThroughputExceeded"));
    let resource = reasons[0].resource().unwrap_or_default();
    assert!(resource.starts_with("arn:aws:dynamodb:us-east-1:") && resource.ends_with(":table/Slow"), "{resource}");
    into_write_debt(&c, "Slow").await;

    // Reads have their own capacity.
    let got = c.get_item().table_name("Slow").key("pk", Av::S("k0".into())).send().await.unwrap();
    assert!(got.item().is_some());

    // A batch whose only table is over its limit fails as a whole.
    let batch = c
        .batch_write_item()
        .request_items("Slow", vec![WriteRequest::builder().put_request(PutRequest::builder().set_item(Some(item(9999))).build().unwrap()).build()])
        .send()
        .await
        .unwrap_err();
    assert_eq!(batch.code(), Some("ProvisionedThroughputExceededException"), "{batch:?}");

    // A transaction is cancelled, its action on the table saying why.
    let tx = c
        .transact_write_items()
        .transact_items(TransactWriteItem::builder().put(Put::builder().table_name("Slow").set_item(Some(item(9998))).build().unwrap()).build())
        .transact_items(TransactWriteItem::builder().put(Put::builder().table_name("Slow").set_item(Some(item(9997))).build().unwrap()).build())
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    let reasons = match &tx {
        aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(e) => e.cancellation_reasons(),
        other => panic!("expected TransactionCanceledException, got {other:?}"),
    };
    assert_eq!(reasons.len(), 2);
    assert!(reasons.iter().all(|r| r.code() == Some("ProvisionedThroughputExceeded")), "{reasons:?}");

    // Each refusal is counted: the put, the batch and the transaction (once,
    // for its two actions on the table).
    let text = st.metrics().await;
    let tenant = &st.tenant.id;
    let events = sample(
        &text,
        "dynastore_throttle_events_total",
        &format!(r#"index="",reason="TableWriteProvisionedThroughputExceeded",table="Slow",tenant="{tenant}""#),
    );
    assert_eq!(events, Some(3.0), "{text}");
    let requests = |op: &str| {
        sample(&text, "dynastore_throttled_requests_total", &format!(r#"operation="{op}",table="Slow",tenant="{tenant}""#))
    };
    assert_eq!((requests("PutItem"), requests("BatchWriteItem"), requests("TransactWriteItems")), (Some(1.0), Some(1.0), Some(1.0)));

    // More capacity: the table takes writes again (its bucket refills at the new rate).
    c.update_table().table_name("Slow").provisioned_throughput(throughput(1, 1000)).send().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    c.put_item().table_name("Slow").set_item(Some(item(10_000))).send().await.unwrap();
    st.stop().await;
}

#[tokio::test]
async fn a_gsi_over_its_capacity_holds_back_its_writes_and_reads() {
    let st = Stack::start().await;
    let c = no_retries(&st);
    // Each put writes the GSI too: the GSI's 300 units of write burst run
    // out while the table has plenty.
    create(&c, "IdxW", throughput(1000, 1000), throughput(1000, 1)).await;
    let (accepted, e, took) = timed_put_until_refused(&c, "IdxW", 400).await;
    assert!(burst_of_one_unit(took).contains(&accepted), "{accepted} puts in {took:?} before the first refusal");
    let aws_sdk_dynamodb::Error::ProvisionedThroughputExceededException(e) = e else { panic!("{e:?}") };
    assert_eq!(e.throttling_reasons()[0].reason(), Some("IndexWriteProvisionedThroughputExceeded"));
    assert!(e.throttling_reasons()[0].resource().is_some_and(|r| r.ends_with(":table/IdxW/index/byG")), "{e:?}");
    assert!(e.message().is_some_and(|m| m.contains("one or more global secondary indexes")), "{e:?}");

    // A 300 KB item: each query of the GSI reads it for 37.5 units
    // (eventually consistent), so the GSI's 300 units of read burst last
    // 8 queries; the table's own reads are not limited by it.
    create(&c, "IdxR", throughput(1000, 1000), throughput(1, 1000)).await;
    put_blob(&c, "IdxR", 300 * 1024).await;
    let mut queries = 0;
    let refused = loop {
        let q = c
            .query()
            .table_name("IdxR")
            .index_name("byG")
            .key_condition_expression("g = :g")
            .expression_attribute_values(":g", Av::S("same".into()))
            .send()
            .await;
        match q {
            Ok(out) => assert_eq!(out.count(), 1),
            Err(e) => break e,
        }
        queries += 1;
        assert!(queries < 20, "GSI reads never throttled");
    };
    assert_eq!(queries, 8);
    let aws_sdk_dynamodb::Error::ProvisionedThroughputExceededException(e) = refused.into() else { panic!("not throttled") };
    assert_eq!(e.throttling_reasons()[0].reason(), Some("IndexReadProvisionedThroughputExceeded"));
    c.get_item().table_name("IdxR").key("pk", Av::S("k0".into())).send().await.unwrap();
    st.stop().await;
}

#[tokio::test]
async fn batches_return_a_throttled_tables_requests_unprocessed() {
    let st = Stack::start().await;
    let c = no_retries(&st);
    create(&c, "Tight", throughput(1, 1), throughput(1000, 1000)).await;
    create(&c, "Roomy", throughput(1000, 1000), throughput(1000, 1000)).await;
    let (accepted, _) = put_until_refused(&c, "Tight", 400).await;
    assert!(accepted >= 299);
    into_write_debt(&c, "Tight").await;

    let put = |i| WriteRequest::builder().put_request(PutRequest::builder().set_item(Some(item(i))).build().unwrap()).build();
    let out = c
        .batch_write_item()
        .request_items("Tight", vec![put(5000), put(5001)])
        .request_items("Roomy", vec![put(5000)])
        .send()
        .await
        .unwrap();
    let unprocessed = out.unprocessed_items().unwrap();
    assert_eq!(unprocessed.len(), 1, "{unprocessed:?}");
    assert_eq!(unprocessed["Tight"].len(), 2, "the throttled table's requests, as sent");
    let roomy = c.get_item().table_name("Roomy").key("pk", Av::S("k5000".into())).send().await.unwrap();
    assert!(roomy.item().is_some(), "the other table's write was made");
    let tight = c.get_item().table_name("Tight").key("pk", Av::S("k5000".into())).send().await.unwrap();
    assert!(tight.item().is_none(), "the throttled table's was not");

    // Reads of the tight table: 1 RCU, 300 units of burst. Strongly
    // consistent 4 KB reads cost 1 each; after the burst, BatchGetItem
    // returns its keys unprocessed, and fails when it is the only table.
    let mut reads = 0;
    let started = Instant::now();
    while c.get_item().table_name("Tight").key("pk", Av::S("k0".into())).consistent_read(true).send().await.is_ok() {
        reads += 1;
        assert!(reads < 400, "reads never throttled");
    }
    let took = started.elapsed();
    assert!(burst_of_one_unit(took).contains(&reads), "{reads} reads in {took:?} before the first refusal");
    into_read_debt(&c, "Tight").await;
    let keys = |i: usize| KeysAndAttributes::builder().keys([("pk".to_owned(), Av::S(format!("k{i}")))].into()).build().unwrap();
    let out = c.batch_get_item().request_items("Tight", keys(1)).request_items("Roomy", keys(5000)).send().await.unwrap();
    assert_eq!(out.unprocessed_keys().unwrap()["Tight"].keys().len(), 1);
    assert_eq!(out.responses().unwrap()["Roomy"].len(), 1);
    let e = c.batch_get_item().request_items("Tight", keys(1)).send().await.unwrap_err();
    assert_eq!(e.code(), Some("ProvisionedThroughputExceededException"), "{e:?}");
    st.stop().await;
}

#[tokio::test]
async fn on_demand_maxima_refuse_with_throttling_exception() {
    let st = Stack::start().await;
    let c = no_retries(&st);
    c.create_table()
        .table_name("Capped")
        .attribute_definitions(AttributeDefinition::builder().attribute_name("pk").attribute_type(ScalarAttributeType::S).build().unwrap())
        .key_schema(KeySchemaElement::builder().attribute_name("pk").key_type(KeyType::Hash).build().unwrap())
        .billing_mode(BillingMode::PayPerRequest)
        .on_demand_throughput(OnDemandThroughput::builder().max_write_request_units(5).build())
        .send()
        .await
        .unwrap();
    let (accepted, e) = put_until_refused(&c, "Capped", 100).await;
    assert!((5..=7).contains(&accepted), "{accepted} puts before the first refusal");
    let aws_sdk_dynamodb::Error::ThrottlingException(e) = e else { panic!("expected ThrottlingException, got {e:?}") };
    assert_eq!(e.message(), Some("Throughput exceeds the maximum OnDemandThroughput configured on table or index"));
    assert_eq!(e.throttling_reasons()[0].reason(), Some("TableWriteMaxOnDemandThroughputExceeded"));
    st.stop().await;
}

#[tokio::test]
async fn a_data_plane_can_leave_provisioned_capacity_unenforced() {
    let st = Stack::start_with(|c| c.throttle_provisioned = false).await;
    let c = no_retries(&st);
    create(&c, "Free", throughput(1, 1), throughput(1, 1)).await;
    for i in 0..400 {
        c.put_item().table_name("Free").set_item(Some(item(i))).send().await.unwrap();
    }
    st.stop().await;
}

#[tokio::test]
async fn the_aws_cli_reports_a_throttled_write() {
    let st = Stack::start().await;
    let c = no_retries(&st);
    create(&c, "CliSlow", throughput(1, 1), throughput(1000, 1000)).await;
    // A 350 KB item takes the 300 units of burst 50 below zero: nothing
    // more is admitted for 50 s, however long the CLI takes to start.
    put_blob(&c, "CliSlow", 350 * 1024).await;
    let out = st
        .aws_cli(&st.key.access_key_id, st.key.secret_access_key.expose())
        .args(["dynamodb", "put-item", "--table-name", "CliSlow", "--item", r#"{"pk": {"S": "cli"}, "g": {"S": "x"}}"#])
        .env("AWS_MAX_ATTEMPTS", "1")
        .output()
        .await
        .expect("the AWS CLI is installed (pip install awscli)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the put was accepted: {stderr}");
    assert!(
        stderr.contains("(ProvisionedThroughputExceededException) when calling the PutItem operation")
            && stderr.contains("The level of configured provisioned throughput for the table was exceeded."),
        "{stderr}"
    );
    st.stop().await;
}

#[tokio::test]
async fn batches_take_what_the_headroom_allows() {
    let st = Stack::start().await;
    let c = no_retries(&st);
    // Writes: a 290 KB put leaves about 10 of the 300 units of burst, so
    // a batch of 25 one-unit puts has about 10 of them made.
    create(&c, "Partial", throughput(1, 1), throughput(1000, 1000)).await;
    put_blob(&c, "Partial", 289 * 1024).await;
    let put = |i| WriteRequest::builder().put_request(PutRequest::builder().set_item(Some(item(i))).build().unwrap()).build();
    let out = c.batch_write_item().request_items("Partial", (1..=25).map(put).collect()).send().await.unwrap();
    let left = out.unprocessed_items().unwrap().get("Partial").map_or(0, Vec::len);
    assert!((13..=16).contains(&left), "{left} of 25 puts left unprocessed");
    let made = c.scan().table_name("Partial").select(aws_sdk_dynamodb::types::Select::Count).send().await.unwrap().count();
    assert_eq!(made as usize, 1 + 25 - left, "the unprocessed puts were not made");

    // Reads: 1 RCU; three strongly consistent reads of a 300 KB item take
    // 225 of the 300 units, so a batch of 100 strongly consistent keys
    // reads about 75 of them.
    create(&c, "PartialR", throughput(1, 1000), throughput(1000, 1000)).await;
    put_blob(&c, "PartialR", 300 * 1024 - 100).await;
    for _ in 0..3 {
        c.get_item().table_name("PartialR").key("pk", Av::S("k0".into())).consistent_read(true).send().await.unwrap();
    }
    let keys: Vec<_> = (0..100).map(|i| [("pk".to_owned(), Av::S(format!("k{i}")))].into()).collect();
    let out = c
        .batch_get_item()
        .request_items("PartialR", KeysAndAttributes::builder().set_keys(Some(keys)).consistent_read(true).build().unwrap())
        .send()
        .await
        .unwrap();
    let left = out.unprocessed_keys().unwrap().get("PartialR").map_or(0, |k| k.keys().len());
    assert!((23..=26).contains(&left), "{left} of 100 keys left unprocessed");
    assert!(out.unprocessed_keys().unwrap()["PartialR"].consistent_read().unwrap_or(false), "with the table's settings");
    st.stop().await;
}
