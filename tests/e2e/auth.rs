//! SigV4 end to end: the SDK's signed requests pass; every way of getting
//! the signature wrong is refused with DynamoDB's error.

use std::time::{Duration, SystemTime};

use aws_sdk_dynamodb::error::ProvideErrorMetadata;

use crate::harness::{error_name, send, signed_request, Stack};

const LIST: &str = "DynamoDB_20120810.ListTables";

#[tokio::test]
async fn sdk_lists_no_tables_for_a_new_tenant() {
    let s = Stack::start().await;
    let out = s.client().list_tables().send().await.unwrap();
    assert_eq!(out.table_names(), &[] as &[String]);
    assert!(out.last_evaluated_table_name().is_none());
    s.stop().await;
}

#[tokio::test]
async fn wrong_secret_is_invalid_signature() {
    let s = Stack::start().await;
    let err = s
        .client_with(&s.key.access_key_id, "not-the-secret")
        .list_tables()
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidSignatureException"), "{err:?}");
    assert_eq!(
        err.message(),
        Some(
            "The request signature we calculated does not match the signature you provided. \
             Check your AWS Secret Access Key and signing method. Consult the service \
             documentation for details."
        )
    );
    s.stop().await;
}

#[tokio::test]
async fn unknown_key_is_unrecognized_client() {
    let s = Stack::start().await;
    let err = s
        .client_with("AKIAUNKNOWNKEY000000", "whatever")
        .list_tables()
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("UnrecognizedClientException"), "{err:?}");
    assert_eq!(err.message(), Some("The security token included in the request is invalid."));
    s.stop().await;
}

#[tokio::test]
async fn stale_date_is_signature_expired() {
    let s = Stack::start().await;
    let then = SystemTime::now() - Duration::from_secs(20 * 60);
    let req = signed_request(&s.endpoint(), LIST, "{}", &s.key.access_key_id, s.key.secret_access_key.expose(), then, false);
    let (status, _, body, _) = send(req).await;
    assert_eq!(status, 400);
    assert_eq!(error_name(&body), "InvalidSignatureException");
    let msg = body["message"].as_str().unwrap();
    assert!(msg.starts_with("Signature expired: "), "{msg}");
    assert!(msg.ends_with(" - 15 min.)"), "{msg}");
    s.stop().await;
}

/// A region an ARN cannot hold is refused as DynamoDB refuses a region it
/// does not serve; any other is served (as a namespace of its own).
#[tokio::test]
async fn regions_an_arn_cannot_hold_are_refused() {
    let s = Stack::start().await;
    let headers = [("content-type", "application/x-amz-json-1.0"), ("x-amz-target", LIST)];
    let (id, secret) = (&s.key.access_key_id, s.key.secret_access_key.expose());
    let req = |region: &str| {
        crate::harness::signed_post_in(region, &s.endpoint(), "dynamodb", &headers, b"{}".to_vec(), id, secret, SystemTime::now(), false)
            .map(|b| String::from_utf8(b).unwrap())
    };
    let (status, _, body, _) = send(req("us:east")).await;
    assert_eq!(status, 400);
    assert_eq!(error_name(&body), "InvalidSignatureException");
    assert_eq!(body["message"].as_str(), Some("Credential should be scoped to a valid region, not 'us:east'. "));
    let (status, _, body, _) = send(req("localhost")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["TableNames"], serde_json::json!([]));
    s.stop().await;
}

#[tokio::test]
async fn tampered_body_is_rejected() {
    let s = Stack::start().await;
    let mut req = signed_request(&s.endpoint(), LIST, "{}", &s.key.access_key_id, s.key.secret_access_key.expose(), SystemTime::now(), false);
    *req.body_mut() = r#"{"Limit":1}"#.to_owned();
    req.headers_mut().remove("content-length");
    let (status, _, body, _) = send(req).await;
    assert_eq!(status, 400);
    assert_eq!(error_name(&body), "InvalidSignatureException", "{body}");
    s.stop().await;
}

#[tokio::test]
async fn presigned_url_is_accepted_and_checked() {
    let s = Stack::start().await;
    let secret = s.key.secret_access_key.expose().to_owned();
    let req = signed_request(&s.endpoint(), LIST, "{}", &s.key.access_key_id, &secret, SystemTime::now(), true);
    assert!(req.uri().query().unwrap().contains("X-Amz-Signature="));
    assert!(req.headers().get("authorization").is_none());
    let (status, _, body, _) = send(req).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["TableNames"], serde_json::json!([]));

    let bad = signed_request(&s.endpoint(), LIST, "{}", &s.key.access_key_id, "wrong", SystemTime::now(), true);
    let (status, _, body, _) = send(bad).await;
    assert_eq!(status, 400);
    assert_eq!(error_name(&body), "InvalidSignatureException");
    s.stop().await;
}

#[tokio::test]
async fn unsigned_request_is_missing_token() {
    let s = Stack::start().await;
    let res = reqwest::Client::new()
        .post(s.endpoint())
        .header("x-amz-target", LIST)
        .header("content-type", "application/x-amz-json-1.0")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(error_name(&body), "MissingAuthenticationTokenException");
    assert_eq!(body["message"], "Request is missing Authentication Token");
    s.stop().await;
}

#[tokio::test]
async fn inactive_key_is_refused_after_sync() {
    let s = Stack::start().await;
    let key = s.cp.create_access_key(&s.tenant.id, None).await.unwrap();
    let client = s.client_with(&key.access_key_id, key.secret_access_key.expose());
    crate::sync::eventually(|| async { client.list_tables().send().await.is_ok() }).await;
    let mut conn = s.cp.pool.acquire().await.unwrap();
    dynastore_control_plane::db::access_keys::set_active(&mut conn, &key.access_key_id, false)
        .await
        .unwrap();
    drop(conn);
    crate::sync::eventually(|| async {
        matches!(client.list_tables().send().await, Err(e) if e.code() == Some("UnrecognizedClientException"))
    })
    .await;
    s.stop().await;
}
