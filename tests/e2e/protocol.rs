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
    let text = reqwest::get(s.endpoint()).await.unwrap().text().await.unwrap();
    assert_eq!(text, "healthy: dynamodb.us-east-1.amazonaws.com ");
    s.stop().await;
}

#[tokio::test]
async fn aws_cli_lists_tables() {
    let s = Stack::start().await;
    let out = tokio::process::Command::new("aws")
        .args(["dynamodb", "list-tables", "--output", "json"])
        .env("AWS_ACCESS_KEY_ID", &s.key.access_key_id)
        .env("AWS_SECRET_ACCESS_KEY", s.key.secret_access_key.expose())
        .env("AWS_REGION", "us-east-1")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL_DYNAMODB", s.endpoint())
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
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
