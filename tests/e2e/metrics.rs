//! The data plane's capacity metrics, scraped from `/metrics`: every item
//! request is charged whether it asked for ReturnConsumedCapacity or not,
//! a failed conditional write and a cancelled transaction consume too, a
//! GSI's capacity is its own series; and the tenant's on-demand throughput
//! quota is charged what a failed conditional write consumed; and the row
//! cache answers reads while following every write.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue as Av, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
    Projection, ProjectionType, ReturnConsumedCapacity, ScalarAttributeType, TransactWriteItem, Update,
};
use aws_sdk_dynamodb::Client;
use reqwest::Method;
use serde_json::json;

use crate::harness::{sample, Stack};

async fn meter_table(c: &Client) {
    let def = |n: &str| AttributeDefinition::builder().attribute_name(n).attribute_type(ScalarAttributeType::S).build().unwrap();
    let key = |n: &str| KeySchemaElement::builder().attribute_name(n).key_type(KeyType::Hash).build().unwrap();
    c.create_table()
        .table_name("Meter")
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(def("id"))
        .attribute_definitions(def("color"))
        .key_schema(key("id"))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("ByColor")
                .key_schema(key("color"))
                .projection(Projection::builder().projection_type(ProjectionType::KeysOnly).build())
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

fn s(v: &str) -> Av {
    Av::S(v.into())
}

#[tokio::test]
async fn capacity_and_failed_conditions_are_counted_per_table_and_index() {
    let st = Stack::start().await;
    let c = st.client();
    meter_table(&c).await;

    // A put of 114 bytes (id 3, color 8, pad 103): 1 unit, and 1 for its
    // 11-byte ByColor entry. It asks for its capacity: the metrics agree.
    let put = c
        .put_item()
        .table_name("Meter")
        .item("id", s("a"))
        .item("color", s("red"))
        .item("pad", s(&"p".repeat(100)))
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await
        .unwrap();
    assert_eq!(put.consumed_capacity().unwrap().capacity_units(), Some(2.0));

    // A conditional put of 2,515 bytes over it fails; the larger item is
    // charged: 3 units, to the table only (no index entry was written).
    let err = c
        .put_item()
        .table_name("Meter")
        .item("id", s("a"))
        .item("color", s("blue"))
        .item("pad", s(&"p".repeat(2500)))
        .condition_expression("attribute_not_exists(id)")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ConditionalCheckFailedException"));
    // A failed conditional update is charged the item it would have made
    // (3,014 bytes: 3 units), a failed conditional delete the item (1).
    let err = c
        .update_item()
        .table_name("Meter")
        .key("id", s("a"))
        .update_expression("SET #pad = :p")
        .condition_expression("color = :blue")
        .expression_attribute_names("#pad", "pad")
        .expression_attribute_values(":p", s(&"p".repeat(3000)))
        .expression_attribute_values(":blue", s("blue"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ConditionalCheckFailedException"));
    let err = c
        .delete_item()
        .table_name("Meter")
        .key("id", s("a"))
        .condition_expression("color = :blue")
        .expression_attribute_values(":blue", s("blue"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ConditionalCheckFailedException"));

    // A strongly consistent read of the item (1), an eventually consistent
    // query of the GSI (its 11-byte entry: 0.5, the GSI's).
    c.get_item().table_name("Meter").key("id", s("a")).consistent_read(true).send().await.unwrap();
    let q = c
        .query()
        .table_name("Meter")
        .index_name("ByColor")
        .key_condition_expression("color = :c")
        .expression_attribute_values(":c", s("red"))
        .send()
        .await
        .unwrap();
    assert_eq!(q.count(), 1);

    // A cancelled transaction consumes its write: 114 → 117 bytes,
    // transactional, 2 units. It is not a ConditionalCheckFailedRequest.
    let err = c
        .transact_write_items()
        .transact_items(
            TransactWriteItem::builder()
                .update(
                    Update::builder()
                        .table_name("Meter")
                        .key("id", s("a"))
                        .update_expression("SET n = :one")
                        .condition_expression("attribute_not_exists(id)")
                        .expression_attribute_values(":one", Av::N("1".into()))
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("TransactionCanceledException"));

    let text = st.metrics().await;
    let tenant = &st.tenant.id;
    let units = |kind: &str, index: &str| {
        sample(
            &text,
            &format!("dynastore_consumed_{kind}_capacity_units_total"),
            &format!(r#"index="{index}",table="Meter",tenant="{tenant}""#),
        )
    };
    assert_eq!(
        units("write", ""),
        Some(10.0),
        "1 + 3 (failed put) + 3 (failed update) + 1 (failed delete) + 2 (cancelled transaction)\n{text}"
    );
    assert_eq!(units("write", "ByColor"), Some(1.0), "{text}");
    assert_eq!(units("read", ""), Some(1.0), "{text}");
    assert_eq!(units("read", "ByColor"), Some(0.5), "{text}");
    assert_eq!(
        sample(
            &text,
            "dynastore_conditional_check_failed_requests_total",
            &format!(r#"table="Meter",tenant="{tenant}""#)
        ),
        Some(3.0),
        "{text}"
    );
    st.stop().await;
}

#[tokio::test]
async fn failed_conditional_writes_charge_the_throughput_quota() {
    let st = Stack::start().await;
    // No retries: a refused request must show as refused.
    let conf = st.client().config().to_builder().retry_config(RetryConfig::disabled()).build();
    let c = Client::from_conf(conf);
    meter_table(&c).await;
    c.put_item().table_name("Meter").item("id", s("big")).send().await.unwrap();
    let (status, _) = st
        .admin(Method::PATCH, "/tenants/t1", Some(json!({"max_on_demand_throughput": 5})))
        .await;
    assert_eq!(status, 200);
    // A failed conditional put of a 20 KB item consumes 20 units: 5 a
    // second cannot pay for it at once, so the table's next request is
    // refused. (Two requests every half second stay within the quota when
    // only one unit each is charged.)
    let started = Instant::now();
    loop {
        let failed = c
            .put_item()
            .table_name("Meter")
            .item("id", s("big"))
            .item("pad", s(&"p".repeat(20 * 1024)))
            .condition_expression("attribute_not_exists(id)")
            .send()
            .await
            .unwrap_err();
        let next = c.get_item().table_name("Meter").key("id", s("big")).send().await;
        if let Err(e) = next {
            assert_eq!(e.code(), Some("RequestLimitExceeded"), "{e:?}");
            assert_eq!(failed.code(), Some("ConditionalCheckFailedException"), "{failed:?}");
            let aws_sdk_dynamodb::operation::get_item::GetItemError::RequestLimitExceeded(limit) = e.into_service_error() else {
                panic!("not RequestLimitExceeded")
            };
            let reasons = limit.throttling_reasons();
            assert_eq!(reasons.len(), 1, "{reasons:?}");
            assert_eq!(reasons[0].reason(), Some("TableReadAccountLimitExceeded"));
            assert!(reasons[0].resource().is_some_and(|r| r.ends_with(":table/Meter")), "{reasons:?}");
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(5), "the quota never held a request back");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    st.stop().await;
}

/// An unlabelled series' value.
fn plain(exposition: &str, name: &str) -> f64 {
    sample(exposition, name, "").unwrap_or_else(|| panic!("{name} missing from\n{exposition}"))
}

#[tokio::test]
async fn the_row_cache_answers_reads_and_follows_every_write() {
    let st = Stack::start().await;
    let c = st.client();
    meter_table(&c).await;
    let get = |c: Client| async move {
        let out = c.get_item().table_name("Meter").key("id", s("k")).consistent_read(true).send().await.unwrap();
        out.item().and_then(|i| i.get("v")).and_then(|v| v.as_s().ok()).cloned()
    };
    let before = st.metrics().await;
    c.put_item().table_name("Meter").item("id", s("k")).item("v", s("one")).send().await.unwrap();
    assert_eq!(get(c.clone()).await.as_deref(), Some("one"));
    c.update_item()
        .table_name("Meter")
        .key("id", s("k"))
        .update_expression("SET v = :v")
        .expression_attribute_values(":v", s("two"))
        .send()
        .await
        .unwrap();
    assert_eq!(get(c.clone()).await.as_deref(), Some("two"), "an update replaces the cached item");
    c.delete_item().table_name("Meter").key("id", s("k")).send().await.unwrap();
    assert_eq!(get(c.clone()).await, None, "a delete removes it");
    c.put_item().table_name("Meter").item("id", s("k")).item("v", s("three")).send().await.unwrap();
    assert_eq!(get(c.clone()).await.as_deref(), Some("three"));
    let after = st.metrics().await;
    // The written item was cached: the reads after the put and the update
    // (and the update's own read of the old item) were hits.
    let hits = plain(&after, "dynastore_row_cache_hits_total") - plain(&before, "dynastore_row_cache_hits_total");
    assert!(hits >= 3.0, "{hits} hits");
    assert!(plain(&after, "dynastore_row_cache_entries") >= 1.0);
    st.stop().await;
}

#[tokio::test]
async fn group_commits_are_measured() {
    let st = Stack::start().await;
    let c = st.client();
    meter_table(&c).await;
    let before = st.metrics().await;
    let groups = |text: &str| sample(text, "dynastore_write_group_requests_count", "").unwrap_or(0.0);
    let requests = |text: &str| sample(text, "dynastore_write_group_requests_sum", "").unwrap_or(0.0);
    // Eight writes at once: each is in exactly one group, and groups may
    // hold several of them.
    let writes: Vec<_> = (0..8)
        .map(|i| {
            let c = c.clone();
            tokio::spawn(async move { c.put_item().table_name("Meter").item("id", s(&format!("g{i}"))).send().await })
        })
        .collect();
    for w in writes {
        w.await.expect("write task").expect("PutItem");
    }
    let after = st.metrics().await;
    let committed = requests(&after) - requests(&before);
    let grouped = groups(&after) - groups(&before);
    // (Nothing else writes to this tenant meanwhile but the stack's own
    // background work, which adds whole groups if anything.)
    assert!(committed >= 8.0, "{committed} requests committed:\n{after}");
    assert!(grouped >= 1.0 && grouped <= committed, "{grouped} groups for {committed} requests");
    assert_eq!(
        sample(&after, "dynastore_write_group_duration_seconds_count", ""),
        Some(groups(&after)),
        "every group is timed"
    );
    st.stop().await;
}
