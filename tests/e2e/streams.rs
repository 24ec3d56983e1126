//! DynamoDB Streams (`DynamoDBStreams_20120810`, signed as an SDK signs
//! them): a table's stream lists, describes and reads its changes in
//! order, in the stream's view type, from the shard's start or its end.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue as Av, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    StreamSpecification, StreamViewType,
};
use serde_json::{json, Value};

use crate::harness::{error_name, streams_call, Stack};

#[tokio::test]
async fn streams_show_changes_in_order() {
    let s = Stack::start().await;
    let c = s.client();
    let created = c
        .create_table()
        .table_name("Feed")
        .attribute_definitions(AttributeDefinition::builder().attribute_name("pk").attribute_type(ScalarAttributeType::S).build().unwrap())
        .key_schema(KeySchemaElement::builder().attribute_name("pk").key_type(KeyType::Hash).build().unwrap())
        .billing_mode(BillingMode::PayPerRequest)
        .stream_specification(
            StreamSpecification::builder().stream_enabled(true).stream_view_type(StreamViewType::NewAndOldImages).build().unwrap(),
        )
        .send()
        .await
        .unwrap();
    let arn = created.table_description().unwrap().latest_stream_arn().unwrap().to_owned();
    let call = |op: &'static str, body: Value| streams_call(&s, op, body);
    let put = |v: &'static str| {
        c.put_item().table_name("Feed").item("pk", Av::S("k".into())).item("v", Av::S(v.into())).send()
    };
    put("one").await.unwrap();
    put("two").await.unwrap();
    put("two").await.unwrap(); // changes nothing: no record
    c.delete_item().table_name("Feed").key("pk", Av::S("k".into())).send().await.unwrap();

    let (status, listed) = call("ListStreams", json!({})).await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed["Streams"][0]["StreamArn"], arn);
    assert_eq!(listed["Streams"][0]["TableName"], "Feed");
    let (_, described) = call("DescribeStream", json!({"StreamArn": arn})).await;
    let d = &described["StreamDescription"];
    assert_eq!(d["StreamStatus"], "ENABLED");
    assert_eq!(d["StreamViewType"], "NEW_AND_OLD_IMAGES");
    let shard = d["Shards"][0]["ShardId"].as_str().unwrap().to_owned();
    // Paging through the shards: none after the last one.
    let (_, after) = call("DescribeStream", json!({"StreamArn": arn, "Limit": 10, "ExclusiveStartShardId": shard})).await;
    assert_eq!(after["StreamDescription"]["Shards"], json!([]), "{after}");
    assert!(after["StreamDescription"].get("LastEvaluatedShardId").is_none());
    let (status, bad) = call("DescribeStream", json!({"StreamArn": arn, "Limit": 0})).await;
    assert_eq!(status, 400);
    assert!(bad["message"].as_str().unwrap().contains("Value '0' at 'limit'"), "{bad}");
    let iterator = |kind: &'static str| {
        call("GetShardIterator", json!({"StreamArn": arn, "ShardId": shard, "ShardIteratorType": kind}))
    };
    let (_, it) = iterator("TRIM_HORIZON").await;
    let (_, page) = call("GetRecords", json!({"ShardIterator": it["ShardIterator"]})).await;
    let records = page["Records"].as_array().unwrap();
    let events: Vec<&str> = records.iter().map(|r| r["eventName"].as_str().unwrap()).collect();
    assert_eq!(events, ["INSERT", "MODIFY", "REMOVE"]);
    assert_eq!(records[1]["dynamodb"]["OldImage"]["v"], json!({"S": "one"}));
    assert_eq!(records[1]["dynamodb"]["NewImage"]["v"], json!({"S": "two"}));
    assert_eq!(records[2]["dynamodb"]["Keys"], json!({"pk": {"S": "k"}}));
    assert!(records[2]["dynamodb"].get("NewImage").is_none());
    assert_eq!(records[0]["eventSource"], "aws:dynamodb");
    let seqs: Vec<u128> = records.iter().map(|r| r["dynamodb"]["SequenceNumber"].as_str().unwrap().parse().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    // Every record comes after the shard's starting sequence number, which
    // still reads from the start; iterators name their stream first.
    let starting = d["Shards"][0]["SequenceNumberRange"]["StartingSequenceNumber"].as_str().unwrap().to_owned();
    assert!(seqs[0] > starting.parse::<u128>().unwrap(), "{seqs:?} vs {starting}");
    let (_, at) = call(
        "GetShardIterator",
        json!({"StreamArn": arn, "ShardId": shard, "ShardIteratorType": "AT_SEQUENCE_NUMBER", "SequenceNumber": starting}),
    )
    .await;
    let prefix = format!("{arn}|1|");
    for token in [&at["ShardIterator"], &it["ShardIterator"], &page["NextShardIterator"]] {
        assert!(token.as_str().unwrap().starts_with(&prefix), "{token}");
    }
    let (_, again) = call("GetRecords", json!({"ShardIterator": at["ShardIterator"]})).await;
    assert_eq!(again["Records"].as_array().unwrap().len(), 3, "{again}");

    // LATEST starts after what is there; the next iterator goes on.
    let (_, latest) = iterator("LATEST").await;
    put("three").await.unwrap();
    let (_, page) = call("GetRecords", json!({"ShardIterator": latest["ShardIterator"]})).await;
    assert_eq!(page["Records"].as_array().unwrap().len(), 1);
    assert_eq!(page["Records"][0]["eventName"], "INSERT");
    let (_, empty) = call("GetRecords", json!({"ShardIterator": page["NextShardIterator"]})).await;
    assert_eq!(empty["Records"], json!([]));

    // A KEYS_ONLY stream shows only keys, a deletion's too.
    c.update_table()
        .table_name("Feed")
        .stream_specification(StreamSpecification::builder().stream_enabled(false).build().unwrap())
        .send()
        .await
        .unwrap();
    let updated = c
        .update_table()
        .table_name("Feed")
        .stream_specification(
            StreamSpecification::builder().stream_enabled(true).stream_view_type(StreamViewType::KeysOnly).build().unwrap(),
        )
        .send()
        .await
        .unwrap();
    let keys_arn = updated.table_description().unwrap().latest_stream_arn().unwrap().to_owned();
    assert_ne!(keys_arn, arn);
    c.delete_item().table_name("Feed").key("pk", Av::S("k".into())).send().await.unwrap();
    let (_, d) = call("DescribeStream", json!({"StreamArn": keys_arn})).await;
    let shard = d["StreamDescription"]["Shards"][0]["ShardId"].clone();
    let (_, it) = call("GetShardIterator", json!({"StreamArn": keys_arn, "ShardId": shard, "ShardIteratorType": "TRIM_HORIZON"})).await;
    let (_, page) = call("GetRecords", json!({"ShardIterator": it["ShardIterator"]})).await;
    let records = page["Records"].as_array().unwrap();
    assert_eq!(records.len(), 1, "only changes since this stream began: {page}");
    assert_eq!(records[0]["eventName"], "REMOVE");
    assert_eq!(records[0]["dynamodb"]["Keys"], json!({"pk": {"S": "k"}}));
    assert!(records[0]["dynamodb"].get("OldImage").is_none());
    // The disabled stream stays listed and readable, its shard closed.
    let (_, listed) = call("ListStreams", json!({"TableName": "Feed"})).await;
    let arns: Vec<&str> = listed["Streams"].as_array().unwrap().iter().map(|s| s["StreamArn"].as_str().unwrap()).collect();
    assert_eq!(arns, [arn.as_str(), keys_arn.as_str()]);
    let (_, old) = call("DescribeStream", json!({"StreamArn": arn})).await;
    assert_eq!(old["StreamDescription"]["StreamStatus"], "DISABLED");
    let range = &old["StreamDescription"]["Shards"][0]["SequenceNumberRange"];
    assert!(range["EndingSequenceNumber"].as_str().unwrap() > range["StartingSequenceNumber"].as_str().unwrap(), "{range}");
    let old_shard = old["StreamDescription"]["Shards"][0]["ShardId"].clone();
    let (_, it) = call("GetShardIterator", json!({"StreamArn": arn, "ShardId": old_shard, "ShardIteratorType": "TRIM_HORIZON"})).await;
    let (_, page) = call("GetRecords", json!({"ShardIterator": it["ShardIterator"]})).await;
    let events: Vec<&str> = page["Records"].as_array().unwrap().iter().map(|r| r["eventName"].as_str().unwrap()).collect();
    assert_eq!(events, ["INSERT", "MODIFY", "REMOVE", "INSERT"], "not the deletion made after it was disabled");
    assert!(page.get("NextShardIterator").is_none(), "a closed shard read to its end has no next iterator");

    let (status, bad) = call("GetRecords", json!({"ShardIterator": "abcd"})).await;
    assert_eq!((status, error_name(&bad)), (400, "ValidationException"));
    let (status, missing) = call("DescribeStream", json!({"StreamArn": format!("{arn}x")})).await;
    assert_eq!((status, error_name(&missing)), (400, "ResourceNotFoundException"));
    // Not a stream ARN at all: invalid input, not a missing stream.
    for (op, body) in [
        ("DescribeStream", json!({"StreamArn": "not-an-arn-at-all-not-an-arn-at-all-not"})),
        ("ListStreams", json!({"ExclusiveStartStreamArn": "not-an-arn-at-all-not-an-arn-at-all-not"})),
        ("GetShardIterator", json!({"StreamArn": "arn:aws:dynamodb:us-east-1:1:table/Feed", "ShardId": "s", "ShardIteratorType": "LATEST"})),
        // A position the iterator type does not take.
        ("GetShardIterator", json!({"StreamArn": arn, "ShardId": "s", "ShardIteratorType": "LATEST", "SequenceNumber": "1"})),
    ] {
        let (status, bad) = call(op, body).await;
        assert_eq!((status, error_name(&bad)), (400, "ValidationException"), "{op}: {bad}");
    }
    s.stop().await;
}
