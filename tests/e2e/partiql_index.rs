//! PartiQL reads of a secondary index whose projection lacks an attribute
//! (nubo-db/dynamodb-conformance's index-qualifier captures, recorded
//! against DynamoDB in 2026): a local index reaches back to the table for
//! the projection, charged row by row; a filter reads only the index entry,
//! refused when the read is keyed on the index's partition key (`=` or
//! `IN`), matching nothing otherwise.

use serde_json::{json, Value};

use crate::harness::{dynamodb_call, Stack};

async fn api(s: &Stack, op: &str, body: Value) -> (u16, Value) {
    dynamodb_call(s, op, &body).await
}

/// Table `Tbl` (pk, sk) with LSI `lsi-keys` (lsiSk, KEYS_ONLY) and GSI
/// `gsi-inc` (gsiPk, INCLUDE projattr); `nonproj` is in no index.
async fn table(s: &Stack) {
    let (status, body) = api(
        s,
        "CreateTable",
        json!({
            "TableName": "Tbl", "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [
                {"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"},
                {"AttributeName": "lsiSk", "AttributeType": "S"}, {"AttributeName": "gsiPk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            "LocalSecondaryIndexes": [{"IndexName": "lsi-keys",
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "lsiSk", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"}}],
            "GlobalSecondaryIndexes": [{"IndexName": "gsi-inc",
                "KeySchema": [{"AttributeName": "gsiPk", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["projattr"]}}]
        }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    for i in 1..=3 {
        let item = json!({"pk": {"S": "p"}, "sk": {"S": format!("s{i}")}, "lsiSk": {"S": format!("l{i}")},
            "gsiPk": {"S": "y"}, "projattr": {"S": format!("proj{i}")}, "nonproj": {"S": format!("np{i}")}});
        let (status, body) = api(s, "PutItem", json!({"TableName": "Tbl", "Item": item})).await;
        assert_eq!(status, 200, "{body}");
    }
}

async fn select(s: &Stack, statement: &str, limit: Option<u32>) -> (u16, Value) {
    let mut body = json!({"Statement": statement, "ReturnConsumedCapacity": "INDEXES"});
    if let Some(l) = limit {
        body["Limit"] = json!(l);
    }
    api(s, "ExecuteStatement", body).await
}

#[tokio::test]
async fn local_index_reach_back_and_filters() {
    let s = Stack::start().await;
    table(&s).await;
    // The reach-back serves the projection; each row fetched is charged on
    // its own (three small rows: 1.5 units, not the 0.5 their sum costs).
    let (status, all) = select(&s, r#"SELECT nonproj FROM "Tbl"."lsi-keys" WHERE pk = 'p'"#, None).await;
    assert_eq!(status, 200, "{all}");
    assert_eq!(all["Items"].as_array().map(Vec::len), Some(3));
    assert_eq!(all["Items"][0]["nonproj"]["S"], "np1");
    assert_eq!(all["ConsumedCapacity"]["Table"]["CapacityUnits"], 1.5);
    let (_, one) = select(&s, r#"SELECT nonproj FROM "Tbl"."lsi-keys" WHERE pk = 'p'"#, Some(1)).await;
    assert_eq!(one["Items"].as_array().map(Vec::len), Some(1));
    assert_eq!(one["ConsumedCapacity"]["Table"]["CapacityUnits"], 0.5);
    // Unkeyed, a filter on what the index lacks matches nothing, in
    // PartiQL and in a classic Scan of the index alike.
    let (status, unkeyed) = select(&s, r#"SELECT pk FROM "Tbl"."lsi-keys" WHERE nonproj = 'np1'"#, None).await;
    assert_eq!(status, 200, "{unkeyed}");
    assert_eq!(unkeyed["Items"], json!([]));
    let (status, scanned) = api(
        &s,
        "Scan",
        json!({"TableName": "Tbl", "IndexName": "lsi-keys", "FilterExpression": "nonproj = :v",
               "ExpressionAttributeValues": {":v": {"S": "np1"}}, "Select": "ALL_ATTRIBUTES"}),
    )
    .await;
    assert_eq!(status, 200, "{scanned}");
    assert_eq!(scanned["Count"], 0);
    assert_eq!(scanned["ScannedCount"], 3);
    // Keyed, by `=` or by `IN` on the index's partition key, it is refused.
    let refused = "One or more parameter values were invalid: Secondary index gsi-inc does not project one or more filter attributes: [nonproj]";
    for statement in [
        r#"SELECT pk FROM "Tbl"."gsi-inc" WHERE gsiPk = 'y' AND nonproj = 'np1'"#,
        r#"SELECT pk FROM "Tbl"."gsi-inc" WHERE gsiPk IN ['y', 'z'] AND nonproj = 'np1'"#,
    ] {
        let (status, body) = select(&s, statement, None).await;
        assert_eq!(status, 400, "{statement}: {body}");
        assert_eq!(body["message"], refused, "{statement}");
    }
    // Inside an OR branch the key is not pushed down: accepted.
    let (status, body) = select(&s, r#"SELECT pk FROM "Tbl"."gsi-inc" WHERE (gsiPk = 'y' AND nonproj = 'np1') OR gsiPk = 'z'"#, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["Items"], json!([]));
    s.stop().await;
}
