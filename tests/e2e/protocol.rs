//! The JSON 1.0 protocol: routing by target, error envelopes, headers, the
//! AWS CLI.

use std::time::SystemTime;

use crate::harness::{error_name, send, signed_request, Stack};

#[tokio::test]
async fn malformed_json_is_serialization_exception() {
    let s = Stack::start().await;
    let req = signed_request(&s.endpoint(), "DynamoDB_20120810.ListTables", "{not json", &s.key.access_key_id, s.key.secret_access_key.expose(), SystemTime::now(), false);
    let (status, headers, body, _) = send(req).await;
    assert_eq!(status, 400);
    assert_eq!(body["__type"], "com.amazon.coral.service#SerializationException");
    assert!(headers.get("x-amzn-requestid").is_some());
    s.stop().await;
}

/// DynamoDB's order before any signature is looked at: a body that is not
/// JSON, then the target; and what it answers to other methods and
/// content types (dynalite's `connection.js`, recorded against DynamoDB).
#[tokio::test]
async fn request_checks_come_in_dynamodb_order() {
    let s = Stack::start().await;
    let client = reqwest::Client::new();
    let post = |content_type: Option<&str>, target: Option<&str>, body: &str| {
        let mut r = client.post(format!("{}/", s.endpoint())).body(body.to_owned());
        if let Some(ct) = content_type {
            r = r.header("content-type", ct);
        }
        if let Some(t) = target {
            r = r.header("x-amz-target", t);
        }
        r
    };
    // Not JSON, unsigned: a SerializationException without a message, in
    // the content type the request used.
    let res = post(Some("application/json; charset=utf-8"), Some("DynamoDB_20120810.ListTables"), "hi").send().await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(res.headers()["content-type"], "application/json");
    assert_eq!(res.text().await.unwrap(), r#"{"__type":"com.amazon.coral.service#SerializationException"}"#);
    // JSON without a known target, unsigned: UnknownOperationException.
    let res = post(Some("application/x-amz-json-1.0"), Some("DynamoDB_20120810.ListTable"), "{}").send().await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(res.headers()["content-type"], "application/x-amz-json-1.0");
    assert_eq!(res.text().await.unwrap(), r#"{"__type":"com.amazon.coral.service#UnknownOperationException"}"#);
    // A known target, unsigned: only now the missing signature.
    let res = post(None, Some("DynamoDB_20120810.ListTables"), "").send().await.unwrap();
    assert_eq!(res.status(), 400);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(error_name(&body), "MissingAuthenticationTokenException");
    // A body that is not JSON by its content type, and other methods: 404.
    for ct in [None, Some("text/plain"), Some("application/x-amz-json-1.1"), Some("application/jsonasdf")] {
        let res = post(ct, Some("DynamoDB_20120810.ListTables"), "hi").send().await.unwrap();
        assert_eq!(res.status(), 404, "{ct:?}");
        assert!(res.headers().contains_key("x-amzn-requestid"));
        assert_eq!(res.text().await.unwrap(), "<UnknownOperationException/>\n");
    }
    for method in [reqwest::Method::PUT, reqwest::Method::DELETE, reqwest::Method::OPTIONS] {
        let res = client.request(method.clone(), format!("{}/", s.endpoint())).send().await.unwrap();
        assert_eq!(res.status(), 404, "{method}");
    }
    // A signed request with an empty body: SerializationException.
    let req = signed_request(&s.endpoint(), "DynamoDB_20120810.ListTables", "", &s.key.access_key_id, s.key.secret_access_key.expose(), SystemTime::now(), false);
    let (status, _, body, _) = send(req).await;
    assert_eq!(status, 400);
    assert_eq!(body, serde_json::json!({"__type": "com.amazon.coral.service#SerializationException"}));
    s.stop().await;
}

/// A body over 16 MB gets a 413 (whatever its content type), and a large
/// body that is no API call a 404, after the client has sent it all: the connection is not closed
/// under a client still sending (dynalite's `connection.js`).
#[tokio::test]
async fn large_refused_bodies_are_read_before_the_answer() {
    let s = Stack::start().await;
    let client = reqwest::Client::new();
    let post = |content_type: Option<&str>, len: usize| {
        let mut r = client.post(format!("{}/", s.endpoint())).body(vec![b'a'; len]);
        if let Some(ct) = content_type {
            r = r.header("content-type", ct);
        }
        r.send()
    };
    let res = post(Some("application/x-amz-json-1.0"), 16 * 1024 * 1024 + 1).await.unwrap();
    assert_eq!(res.status(), 413);
    let res = post(None, 16 * 1024 * 1024).await.unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(res.text().await.unwrap(), "<UnknownOperationException/>\n");
    // Too large is refused as such even when it is no API call.
    let res = post(None, 16 * 1024 * 1024 + 1).await.unwrap();
    assert_eq!(res.status(), 413);
    s.stop().await;
}

/// Members of the wrong JSON type: the service deserializer's messages,
/// under `Message`, before the table is looked up.
#[tokio::test]
async fn wrong_json_types_are_serialization_exceptions() {
    let s = Stack::start().await;
    for (target, body, message) in [
        ("GetItem", r#"{"TableName":true}"#, "TRUE_VALUE cannot be converted to String"),
        ("GetItem", r#"{"TableName":"nope","Key":{"a":{"S":34.5}}}"#, "DECIMAL_VALUE cannot be converted to String"),
        ("Scan", r#"{"TableName":"nope","Limit":"10"}"#, "STRING_VALUE cannot be converted to Integer"),
        (
            "CreateTable",
            r#"{"ProvisionedThroughput":{"ReadCapacityUnits":[]}}"#,
            "Unrecognized collection type class java.lang.Long",
        ),
        ("CreateTable", r#"{"KeySchema":[1]}"#, "Unexpected value type in payload"),
        ("PutItem", r#"{"Item":[]}"#, "Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>"),
    ] {
        let req = signed_request(&s.endpoint(), &format!("DynamoDB_20120810.{target}"), body, &s.key.access_key_id, s.key.secret_access_key.expose(), SystemTime::now(), false);
        let (status, _, body, _) = send(req).await;
        assert_eq!(status, 400, "{target}");
        assert_eq!(body, serde_json::json!({"__type": "com.amazon.coral.service#SerializationException", "Message": message}), "{target}");
    }
    s.stop().await;
}

/// A single-item operation reports every constraint its members break at
/// once, and checks the request before it looks for the table.
#[tokio::test]
async fn item_requests_are_validated_before_the_table_is_found() {
    let s = Stack::start().await;
    let call = |target: &str, body: &str| {
        signed_request(&s.endpoint(), &format!("DynamoDB_20120810.{target}"), body, &s.key.access_key_id, s.key.secret_access_key.expose(), SystemTime::now(), false)
    };
    let (_, _, body, _) = send(call("GetItem", r#"{"TableName":"abc;","ReturnConsumedCapacity":"hi","AttributesToGet":[]}"#)).await;
    let message = body["message"].as_str().unwrap();
    assert!(message.starts_with("4 validation errors detected: "), "{message}");
    assert!(message.contains("Value null at 'key' failed to satisfy constraint: Member must not be null"), "{message}");
    // No such table, but the request itself is wrong: that is reported.
    for (target, body, message) in [
        ("GetItem", r#"{"TableName":"nope","Key":{"a":{"SS":[]}}}"#, "One or more parameter values were invalid: An string set  may not be empty"),
        (
            "GetItem",
            r#"{"TableName":"nope","Key":{"a":{"S":"x"}},"AttributesToGet":["a"],"ProjectionExpression":"a"}"#,
            "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}",
        ),
        // DeleteItem words it as a failed constraint (paritysuite, AWS 2026).
        ("DeleteItem", r#"{"TableName":"nope","Key":{"a":{"S":"x"}},"ReturnValues":"ALL_NEW"}"#, "1 validation error detected: ReturnValues can only be ALL_OLD or NONE"),
        ("PutItem", r#"{"TableName":"nope","Item":{"a":{"S":"x"}},"ConditionExpression":"a = :v"}"#, "1 validation error detected: Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :v"),
        // As are its other expression errors (paritysuite's cross-region
        // capture of 2026-09-20, four regions).
        ("PutItem", r#"{"TableName":"nope","Item":{"a":{"S":"x"}},"ConditionExpression":"((attribute_not_exists(a)))"}"#, "1 validation error detected: Invalid ConditionExpression: The expression has redundant parentheses;"),
        (
            "PutItem",
            r##"{"TableName":"nope","Item":{"a":{"S":"x"}},"ConditionExpression":"contains(#a, #a)","ExpressionAttributeNames":{"#a":"data"}}"##,
            "1 validation error detected: Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: contains, first operand: [data]",
        ),
        ("UpdateItem", r#"{"TableName":"","Key":{}}"#, "1 validation error detected: Value at 'TableName' failed to satisfy constraint: Member must have length greater than or equal to 1"),
        // The parameter families before the key's values, and the value
        // map's keys before its values (dynalite's deleteItem.js and
        // updateItem.js, recorded against DynamoDB).
        (
            "DeleteItem",
            r#"{"TableName":"nope","Key":{"a":{}},"Expected":{"a":{}},"ConditionExpression":""}"#,
            "1 validation error detected: Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}",
        ),
        (
            "UpdateItem",
            r#"{"TableName":"nope","Key":{"a":{}},"AttributeUpdates":{},"UpdateExpression":""}"#,
            "1 validation error detected: Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributeUpdates} Expression parameters: {UpdateExpression}",
        ),
        (
            "DeleteItem",
            r#"{"TableName":"nope","Key":{},"ExpressionAttributeValues":{":b":{"a":""},"b":{"S":"a"}},"ConditionExpression":""}"#,
            "ExpressionAttributeValues contains invalid key: Syntax error; key: \"b\"",
        ),
    ] {
        let (status, _, body, _) = send(call(target, body)).await;
        assert_eq!(status, 400, "{target}");
        assert_eq!(error_name(&body), "ValidationException", "{target}: {body}");
        assert_eq!(body["message"], message, "{target}");
    }
    let (_, _, body, _) = send(call("GetItem", r#"{"TableName":"nope","Key":{"a":{"S":"x"}}}"#)).await;
    assert_eq!(error_name(&body), "ResourceNotFoundException");
    // Query and Scan too: all member constraints, then segments, values
    // and expressions, before the table.
    let (_, _, body, _) = send(call("Query", r#"{"TableName":"abc;","IndexName":"a;","Select":"hi","Limit":-1}"#)).await;
    let message = body["message"].as_str().unwrap();
    assert!(message.starts_with("5 validation errors detected: "), "{message}");
    assert!(message.contains("Value 'a;' at 'indexName' failed to satisfy constraint: Member must have length greater than or equal to 3"), "{message}");
    for (target, body, message) in [
        ("Scan", r#"{"TableName":"nope","Segment":1}"#, "The TotalSegments parameter is required but was not present in the request when Segment parameter is present"),
        ("Scan", r#"{"TableName":"nope","Limit":0}"#, "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"),
        (
            "Scan",
            r#"{"TableName":"nope","ScanFilter":{"a":{"ComparisonOperator":"NOT_NULL"}},"ExpressionAttributeValues":{":a":{"S":"x"}}}"#,
            "ExpressionAttributeValues can only be specified when using expressions: FilterExpression is null",
        ),
        (
            "Scan",
            r#"{"TableName":"nope","ExpressionAttributeValues":{":a":{"S":"x"}}}"#,
            "ExpressionAttributeValues can only be specified when using expressions: FilterExpression is null",
        ),
        (
            "Query",
            r#"{"TableName":"nope","KeyConditions":{"a":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"x"},{"S":"y"}]}}}"#,
            "One or more parameter values were invalid: Invalid number of argument(s) for the EQ ComparisonOperator",
        ),
        (
            "Query",
            r#"{"TableName":"nope","KeyConditionExpression":"a = :a","ExpressionAttributeValues":{":a":{"S":"x"}},"ExclusiveStartKey":{"a":{}}}"#,
            "The provided starting key is invalid: Supplied AttributeValue is empty, must contain exactly one of the supported datatypes",
        ),
        // A Scan reports an empty number set as it is, an empty string set
        // or a NULL that is not true as an invalid starting key; a Query
        // reports all three as they are (dynalite's scan.js and query.js;
        // nubo-db's dynoxide 3.0.0, captures of 2026-10-09).
        (
            "Scan",
            r#"{"TableName":"nope","ExclusiveStartKey":{"a":{"NS":[]}}}"#,
            "One or more parameter values were invalid: An number set  may not be empty",
        ),
        (
            "Scan",
            r#"{"TableName":"nope","ExclusiveStartKey":{"a":{"SS":[]}}}"#,
            "The provided starting key is invalid: One or more parameter values were invalid: An string set  may not be empty",
        ),
        (
            "Scan",
            r#"{"TableName":"nope","ExclusiveStartKey":{"a":{"NULL":false}}}"#,
            "The provided starting key is invalid: One or more parameter values were invalid: Null attribute value types must have the value of true",
        ),
        (
            "Query",
            r#"{"TableName":"nope","KeyConditionExpression":"a = :a","ExpressionAttributeValues":{":a":{"S":"x"}},"ExclusiveStartKey":{"a":{"NULL":false}}}"#,
            "One or more parameter values were invalid: Null attribute value types must have the value of true",
        ),
        (
            "Query",
            r#"{"TableName":"nope","KeyConditionExpression":"a = :a","ExpressionAttributeValues":{":a":{"S":"x"}},"ExclusiveStartKey":{"a":{"BS":[]}}}"#,
            "One or more parameter values were invalid: Binary sets should not be empty",
        ),
        // The key condition's shape needs no table (dynalite's records).
        (
            "Query",
            r#"{"TableName":"nope","KeyConditionExpression":"a = :a OR b = :a","ExpressionAttributeValues":{":a":{"S":"x"}}}"#,
            "Invalid operator used in KeyConditionExpression: OR",
        ),
        (
            "Query",
            r#"{"TableName":"nope","KeyConditionExpression":"a = :a AND a = :a","ExpressionAttributeValues":{":a":{"S":"x"}}}"#,
            "Invalid KeyConditionExpression: KeyConditionExpressions must only contain one condition per key",
        ),
        (
            "Query",
            r#"{"TableName":"nope","KeyConditionExpression":"a.b = :a","ExpressionAttributeValues":{":a":{"S":"x"}}}"#,
            "KeyConditionExpressions cannot have conditions on nested attributes",
        ),
        (
            "Query",
            r#"{"TableName":"nope","KeyConditionExpression":"size(a) = :a","ExpressionAttributeValues":{":a":{"S":"x"}}}"#,
            "KeyConditionExpressions cannot contain nested operations",
        ),
    ] {
        let (status, _, body, _) = send(call(target, body)).await;
        assert_eq!(status, 400, "{target}");
        assert_eq!(body["message"], message, "{target}: {body}");
    }
    // A projection may not look inside a key attribute of the table or of
    // an index.
    let (status, _, _, _) = send(call(
        "CreateTable",
        r#"{"TableName":"keys","BillingMode":"PAY_PER_REQUEST",
            "AttributeDefinitions":[{"AttributeName":"a","AttributeType":"S"},{"AttributeName":"d","AttributeType":"S"}],
            "KeySchema":[{"AttributeName":"a","KeyType":"HASH"}],
            "GlobalSecondaryIndexes":[{"IndexName":"byd","KeySchema":[{"AttributeName":"d","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}]}"#,
    ))
    .await;
    assert_eq!(status, 200);
    for (projection, kind) in [("#n.b.c", "Key: a"), ("#n[0]", "Key: a"), ("#d.x", "IndexKey: d")] {
        let name = if kind.ends_with('a') { "a" } else { "d" };
        let body = format!(
            r##"{{"TableName":"keys","Key":{{"a":{{"S":"x"}}}},"ProjectionExpression":"{projection}","ExpressionAttributeNames":{{"{}":"{name}"}}}}"##,
            projection.split(['.', '[']).next().unwrap()
        );
        let (status, _, body, _) = send(call("GetItem", &body)).await;
        assert_eq!(status, 400, "{projection}");
        assert_eq!(
            body["message"],
            format!("Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: {kind}")
        );
    }
    // A Query's starting key must lie inside its key conditions (checked
    // in DynamoDB's order: sort equality, sort predicate, partition).
    let (status, _, _, _) = send(call(
        "CreateTable",
        r#"{"TableName":"ranged","BillingMode":"PAY_PER_REQUEST",
            "AttributeDefinitions":[{"AttributeName":"a","AttributeType":"S"},{"AttributeName":"b","AttributeType":"S"}],
            "KeySchema":[{"AttributeName":"a","KeyType":"HASH"},{"AttributeName":"b","KeyType":"RANGE"}]}"#,
    ))
    .await;
    assert_eq!(status, 200);
    for (condition, message) in [
        ("a = :b", "The provided starting key is outside query boundaries based on provided conditions"),
        ("a = :b and b > :b", "The provided starting key does not match the range key predicate"),
        ("a = :b and b = :b", "The query can return at most one row and cannot be restarted"),
        // Another partition, with a sort condition the start satisfies
        // (dynalite's query.js; dynoxide's captures of 2026-10-09).
        ("a = :b and b < :b", "The query can return at most one row and cannot be restarted"),
    ] {
        let body = format!(
            r#"{{"TableName":"ranged","KeyConditionExpression":"{condition}","ExpressionAttributeValues":{{":b":{{"S":"b"}}}},
                "ExclusiveStartKey":{{"a":{{"S":"a"}},"b":{{"S":"a"}}}}}}"#
        );
        let (status, _, body, _) = send(call("Query", &body)).await;
        assert_eq!(status, 400, "{condition}");
        assert_eq!(body["message"], message, "{condition}");
    }
    // On a table without a sort key another partition's start is invalid;
    // on an index without one it is outside the query's boundaries.
    for (index, start, message) in [
        ("", r#"{"a":{"S":"a"}}"#, "The provided exclusive start key is invalid"),
        (r#","IndexName":"byd""#, r#"{"a":{"S":"a"},"d":{"S":"a"}}"#, "The provided starting key is outside query boundaries based on provided conditions"),
    ] {
        let key = if index.is_empty() { "a" } else { "d" };
        let body = format!(
            r#"{{"TableName":"keys"{index},"KeyConditionExpression":"{key} = :b","ExpressionAttributeValues":{{":b":{{"S":"b"}}}},"ExclusiveStartKey":{start}}}"#
        );
        let (status, _, body, _) = send(call("Query", &body)).await;
        assert_eq!(status, 400, "{index}");
        assert_eq!(body["message"], message, "{index}");
    }
    // In a Scan's filter as well.
    let (status, _, body, _) = send(call(
        "Scan",
        r##"{"TableName":"keys","FilterExpression":"attribute_exists(#d.c)","ExpressionAttributeNames":{"#d":"d"}}"##,
    ))
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["message"], "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: IndexKey: d");
    s.stop().await;
}

#[tokio::test]
async fn unknown_target_is_unknown_operation() {
    let s = Stack::start().await;
    for target in ["DynamoDB_20120810.NoSuchThing", "Nope.ListTables", "DynamoDBStreams_20120810.ListTables"] {
        let req = signed_request(&s.endpoint(), target, "{}", &s.key.access_key_id, s.key.secret_access_key.expose(), SystemTime::now(), false);
        let (status, _, body, _) = send(req).await;
        assert_eq!(status, 400, "{target}");
        assert_eq!(body["__type"], "com.amazon.coral.service#UnknownOperationException", "{target}");
    }
    s.stop().await;
}

#[tokio::test]
async fn responses_carry_request_id_and_crc32() {
    let s = Stack::start().await;
    let req = signed_request(&s.endpoint(), "DynamoDB_20120810.ListTables", "{}", &s.key.access_key_id, s.key.secret_access_key.expose(), SystemTime::now(), false);
    let (status, headers, body, raw) = send(req).await;
    assert_eq!(status, 200);
    assert_eq!(body, serde_json::json!({"TableNames": []}));
    assert_eq!(headers["content-type"], "application/x-amz-json-1.0");
    let id = headers["x-amzn-requestid"].to_str().unwrap();
    assert_eq!(id.len(), 52);
    let crc: u32 = headers["x-amz-crc32"].to_str().unwrap().parse().unwrap();
    assert_eq!(crc, crc32fast_hash(&raw));
    s.stop().await;
}

#[tokio::test]
async fn validation_errors_use_dynamodb_wording() {
    let s = Stack::start().await;
    let req = signed_request(&s.endpoint(), "DynamoDB_20120810.ListTables", r#"{"Limit":0}"#, &s.key.access_key_id, s.key.secret_access_key.expose(), SystemTime::now(), false);
    let (status, _, body, _) = send(req).await;
    assert_eq!(status, 400);
    assert_eq!(error_name(&body), "ValidationException");
    assert_eq!(
        body["message"],
        "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"
    );
    s.stop().await;
}

#[tokio::test]
async fn health_answer_like_dynamodb() {
    let s = Stack::start().await;
    // The health check names the host it was asked as (on AWS,
    // dynamodb.<region>.amazonaws.com).
    let res = reqwest::get(s.endpoint()).await.unwrap();
    assert_eq!(res.headers()["server"], "Server");
    let host = s.endpoint().trim_start_matches("http://").to_owned();
    assert_eq!(res.text().await.unwrap(), format!("healthy: {host} "));
    s.stop().await;
}

#[tokio::test]
async fn large_responses_are_gzipped_for_clients_that_ask() {
    use std::io::Read;
    let s = Stack::start().await;
    let c = s.client();
    c.create_table()
        .table_name("Big")
        .attribute_definitions(aws_sdk_dynamodb::types::AttributeDefinition::builder().attribute_name("pk").attribute_type(aws_sdk_dynamodb::types::ScalarAttributeType::S).build().unwrap())
        .key_schema(aws_sdk_dynamodb::types::KeySchemaElement::builder().attribute_name("pk").key_type(aws_sdk_dynamodb::types::KeyType::Hash).build().unwrap())
        .billing_mode(aws_sdk_dynamodb::types::BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    let big = "x".repeat(5000);
    for (pk, data) in [("small", "tiny"), ("large", big.as_str())] {
        c.put_item()
            .table_name("Big")
            .item("pk", aws_sdk_dynamodb::types::AttributeValue::S(pk.into()))
            .item("data", aws_sdk_dynamodb::types::AttributeValue::S(data.into()))
            .send()
            .await
            .unwrap();
    }
    let get = |pk: &str, accept: Option<&str>| {
        let body = format!(r#"{{"TableName":"Big","Key":{{"pk":{{"S":"{pk}"}}}}}}"#);
        let mut req = signed_request(&s.endpoint(), "DynamoDB_20120810.GetItem", &body, &s.key.access_key_id, s.key.secret_access_key.expose(), SystemTime::now(), false);
        if let Some(a) = accept {
            req.headers_mut().insert("accept-encoding", http::HeaderValue::from_str(a).unwrap());
        }
        reqwest::Request::try_from(req).unwrap()
    };
    // reqwest here is built without decompression: the raw bytes arrive.
    let client = reqwest::Client::new();
    let res = client.execute(get("large", Some("gzip"))).await.unwrap();
    assert_eq!(res.headers()["content-encoding"], "gzip");
    let crc: u32 = res.headers()["x-amz-crc32"].to_str().unwrap().parse().unwrap();
    let raw = res.bytes().await.unwrap();
    assert_eq!(crc, crc32fast::hash(&raw), "the CRC covers the compressed bytes");
    let mut text = String::new();
    flate2::read::GzDecoder::new(&raw[..]).read_to_string(&mut text).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["Item"]["data"]["S"].as_str().map(str::len), Some(5000));
    for (pk, accept) in [("small", Some("gzip")), ("large", None), ("large", Some("gzip;q=0")), ("large", Some("identity"))] {
        let res = client.execute(get(pk, accept)).await.unwrap();
        assert!(res.headers().get("content-encoding").is_none(), "{pk} {accept:?}");
    }
    // deflate is the zlib format.
    let res = client.execute(get("large", Some("br, deflate, gzip"))).await.unwrap();
    assert_eq!(res.headers()["content-encoding"], "deflate");
    let raw = res.bytes().await.unwrap();
    let mut text = String::new();
    flate2::read::ZlibDecoder::new(&raw[..]).read_to_string(&mut text).unwrap();
    assert!(text.contains(&big));

    // A gzipped request body, signed as sent, is inflated; one that does
    // not inflate is refused with a 500 and changes nothing.
    let put = r#"{"TableName":"Big","Item":{"pk":{"S":"zipped"},"v":{"S":"ok"}}}"#;
    let compressed = {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(put.as_bytes()).unwrap();
        enc.finish().unwrap()
    };
    for (body, status) in [(compressed, 200), (put.as_bytes().to_vec(), 500)] {
        let req = signed_bytes(&s, "DynamoDB_20120810.PutItem", body, &[("content-encoding", "gzip")]);
        let res = client.execute(req).await.unwrap();
        assert_eq!(res.status().as_u16(), status);
        if status == 500 {
            assert!(res.text().await.unwrap().contains("InternalServerError"));
        }
    }
    let got = c.get_item().table_name("Big").key("pk", aws_sdk_dynamodb::types::AttributeValue::S("zipped".into())).send().await.unwrap();
    assert_eq!(got.item().unwrap()["v"], aws_sdk_dynamodb::types::AttributeValue::S("ok".into()));
    let req = signed_bytes(&s, "DynamoDB_20120810.PutItem", put.as_bytes().to_vec(), &[("content-encoding", "br")]);
    assert_eq!(client.execute(req).await.unwrap().status().as_u16(), 500);
    s.stop().await;
}

/// A signed request whose body is `body` (any bytes), with extra headers
/// that are not signed.
fn signed_bytes(s: &Stack, target: &str, body: Vec<u8>, extra: &[(&str, &str)]) -> reqwest::Request {
    let mut req = crate::harness::signed_request_bytes(&s.endpoint(), target, body, &s.key.access_key_id, s.key.secret_access_key.expose(), SystemTime::now(), false);
    for (k, v) in extra {
        req.headers_mut().insert(http::HeaderName::from_bytes(k.as_bytes()).unwrap(), http::HeaderValue::from_str(v).unwrap());
    }
    reqwest::Request::try_from(req).unwrap()
}

#[tokio::test]
async fn cors_for_browsers() {
    let s = Stack::start().await;
    let client = reqwest::Client::new();
    let pre = client
        .request(reqwest::Method::OPTIONS, s.endpoint())
        .header("origin", "http://example.com")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "x-amz-target, authorization")
        .send()
        .await
        .unwrap();
    assert_eq!(pre.status().as_u16(), 200);
    let h = pre.headers();
    assert_eq!(h["access-control-allow-origin"], "*");
    assert_eq!(h["access-control-allow-methods"], "POST");
    assert_eq!(h["access-control-allow-headers"], "x-amz-target, authorization");
    assert!(h.contains_key("access-control-max-age") && h.contains_key("access-control-expose-headers"));
    let req = signed_request(&s.endpoint(), "DynamoDB_20120810.ListTables", "{}", &s.key.access_key_id, s.key.secret_access_key.expose(), SystemTime::now(), false);
    let mut req = reqwest::Request::try_from(req).unwrap();
    req.headers_mut().insert("origin", http::HeaderValue::from_static("http://example.com"));
    let res = client.execute(req).await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["access-control-allow-origin"], "*");
    assert!(!res.headers().contains_key("access-control-max-age"));
    // Without an Origin there is nothing to say.
    let plain = client.get(s.endpoint()).send().await.unwrap();
    assert!(!plain.headers().contains_key("access-control-allow-origin"));
    s.stop().await;
}

#[tokio::test]
async fn aws_cli_lists_tables() {
    let s = Stack::start().await;
    let out = s
        .aws_cli(&s.key.access_key_id, s.key.secret_access_key.expose())
        .args(["dynamodb", "list-tables", "--output", "json"])
        .output()
        .await
        .expect("the AWS CLI is installed (pip install awscli)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "aws failed: {stdout} {}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json, serde_json::json!({"TableNames": []}));
    s.stop().await;
}

fn crc32fast_hash(bytes: &[u8]) -> u32 {
    // Bitwise CRC-32 (IEEE), independent of the server's implementation.
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// DynamoDB words a bad attribute value by the validation layer the
/// operation runs (paritysuite `valueLayers.test.ts`, captured against
/// DynamoDB in four regions): the single-item writes in the `1 validation
/// error detected: ` envelope, the reads bare, and BatchWriteItem, the
/// transactions and Scan in an older wording that names a bad expression
/// attribute value.
#[tokio::test]
async fn bad_values_are_worded_by_the_operations_layer() {
    let s = Stack::start().await;
    let call = |target: &str, body: String| {
        signed_request(&s.endpoint(), &format!("DynamoDB_20120810.{target}"), &body, &s.key.access_key_id, s.key.secret_access_key.expose(), SystemTime::now(), false)
    };
    let (status, _, body, _) = send(call(
        "CreateTable",
        r#"{"TableName":"Layers","BillingMode":"PAY_PER_REQUEST","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}]}"#.into(),
    ))
    .await;
    assert_eq!(status, 200, "{body}");
    let nn = "The parameter cannot be converted to a numeric value";
    let underflow = "Number underflow. Attempting to store a number with magnitude smaller than supported range";
    let overflow = "Number overflow. Attempting to store a number with magnitude larger than supported range";
    let dup = "One or more parameter values were invalid: Input collection";
    let cases: Vec<(&str, String, String)> = vec![
        ("PutItem", r#"{"TableName":"Layers","Item":{"pk":{"S":"a"},"n":{"N":""}}}"#.into(), format!("1 validation error detected: {nn}: ")),
        (
            "PutItem",
            r#"{"TableName":"Layers","Item":{"pk":{"S":"a"}},"ConditionExpression":"attribute_not_exists(pk) OR n = :v","ExpressionAttributeValues":{":v":{"N":"1e2147483647"}}}"#.into(),
            format!("1 validation error detected: {overflow}"),
        ),
        ("GetItem", r#"{"TableName":"Layers","Key":{"pk":{"SS":["b","a","b"]}}}"#.into(), format!(r#"{dup} ["a", "b", "b"] contains duplicates."#)),
        (
            "Query",
            r#"{"TableName":"Layers","KeyConditionExpression":"pk = :p","FilterExpression":"n = :v","ExpressionAttributeValues":{":p":{"S":"a"},":v":{"N":"abc"}}}"#.into(),
            format!("{nn}: abc"),
        ),
        ("BatchWriteItem", r#"{"RequestItems":{"Layers":[{"PutRequest":{"Item":{"pk":{"S":"a"},"n":{"N":"1e2147483647"}}}}]}}"#.into(), underflow.into()),
        ("BatchWriteItem", r#"{"RequestItems":{"Layers":[{"DeleteRequest":{"Key":{"pk":{"SS":["b","a","b"]}}}}]}}"#.into(), format!("{dup} [b, a, b] contains duplicates.")),
        (
            "Scan",
            r#"{"TableName":"Layers","FilterExpression":"n = :v","ExpressionAttributeValues":{":v":{"N":""}}}"#.into(),
            format!("ExpressionAttributeValues contains invalid value: {nn} for key :v"),
        ),
        ("TransactGetItems", r#"{"TransactItems":[{"Get":{"TableName":"Layers","Key":{"pk":{"NS":["2","1","2"]}}}}]}"#.into(), "Input collection contains duplicates".into()),
        (
            "UpdateItem",
            r#"{"TableName":"Layers","Key":{"pk":{"S":"a"}},"UpdateExpression":"SET b = :w","ConditionExpression":"a = :v","ExpressionAttributeValues":{":w":{"S":"x"}}}"#.into(),
            "1 validation error detected: Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :v".into(),
        ),
        (
            "DeleteItem",
            r#"{"TableName":"Layers","Key":{"pk":{"S":"a"}},"ConditionExpression":"attribute_exists(a)","ExpressionAttributeNames":{}}"#.into(),
            "1 validation error detected: ExpressionAttributeNames must not be empty".into(),
        ),
    ];
    for (target, request, message) in cases {
        let (status, _, body, _) = send(call(target, request.clone())).await;
        assert_eq!(status, 400, "{target} {request}: {body}");
        assert_eq!(error_name(&body), "ValidationException", "{target}: {body}");
        assert_eq!(body["message"], message.as_str(), "{target} {request}");
    }
    s.stop().await;
}
