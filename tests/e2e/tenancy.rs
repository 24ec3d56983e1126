//! Multi-tenancy end to end: tenants with identically named tables never
//! see each other's data; key deactivation and tenant suspension made
//! through the admin API reach the data plane within 2 s; two
//! control-plane replicas on one database serve the same state.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue as Av, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use aws_sdk_dynamodb::Client;
use reqwest::Method;
use serde_json::json;

use crate::harness::Stack;

async fn table(c: &Client, name: &str) {
    c.create_table()
        .table_name(name)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("id")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(KeySchemaElement::builder().attribute_name("id").key_type(KeyType::Hash).build().unwrap())
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
}

/// Waits until `check` holds, failing after `limit`; returns the time taken.
async fn within<F, Fut>(limit: Duration, mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    loop {
        if check().await {
            return started.elapsed();
        }
        assert!(started.elapsed() < limit, "not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// A second tenant made through the admin API, with a user key allowed
/// everything; returns a client signing for it.
async fn second_tenant(s: &Stack, name: &str) -> Client {
    let (status, _) = s.admin(Method::POST, "/tenants", Some(json!({ "name": name }))).await;
    assert_eq!(status, 201);
    let (status, _) = s.admin(Method::POST, &format!("/tenants/{name}/users"), Some(json!({"name": "admin"}))).await;
    assert_eq!(status, 201);
    let all = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]});
    let (status, _) = s
        .admin(Method::POST, &format!("/tenants/{name}/policies"), Some(json!({"name": "all", "document": all})))
        .await;
    assert_eq!(status, 201);
    let (status, _) = s.admin(Method::PUT, &format!("/tenants/{name}/users/admin/policies/all"), None).await;
    assert!(status == 200 || status == 204);
    let (status, key) = s.admin(Method::POST, &format!("/tenants/{name}/users/admin/access-keys"), None).await;
    assert_eq!(status, 201);
    let c = s.client_with(key["access_key_id"].as_str().unwrap(), key["secret_access_key"].as_str().unwrap());
    within(Duration::from_secs(2), || async { c.list_tables().send().await.is_ok() }).await;
    c
}

#[tokio::test]
async fn tenants_with_the_same_table_names_are_isolated() {
    let s = Stack::start().await;
    let a = s.client();
    let b = second_tenant(&s, "tenant-b").await;
    table(&a, "Shared").await;
    table(&b, "Shared").await;
    a.put_item().table_name("Shared").item("id", Av::S("1".into())).item("owner", Av::S("a".into())).send().await.unwrap();
    b.put_item().table_name("Shared").item("id", Av::S("1".into())).item("owner", Av::S("b".into())).send().await.unwrap();
    b.put_item().table_name("Shared").item("id", Av::S("2".into())).send().await.unwrap();
    let get = |c: &Client| c.get_item().table_name("Shared").key("id", Av::S("1".into())).send();
    assert_eq!(get(&a).await.unwrap().item.unwrap()["owner"].as_s().unwrap(), "a");
    assert_eq!(get(&b).await.unwrap().item.unwrap()["owner"].as_s().unwrap(), "b");
    assert_eq!(a.scan().table_name("Shared").send().await.unwrap().count(), 1);
    assert_eq!(b.scan().table_name("Shared").send().await.unwrap().count(), 2);
    let t = a.describe_table().table_name("Shared").send().await.unwrap().table.unwrap();
    assert_eq!(t.item_count, Some(1));
    table(&b, "OnlyB").await;
    assert_eq!(a.list_tables().send().await.unwrap().table_names(), ["Shared"]);
    let err = a.describe_table().table_name("OnlyB").send().await.unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    // Deleting one tenant's table leaves the other's.
    a.delete_table().table_name("Shared").send().await.unwrap();
    assert_eq!(get(&b).await.unwrap().item.unwrap()["owner"].as_s().unwrap(), "b");
    s.stop().await;
}

#[tokio::test]
async fn deactivated_keys_and_suspended_tenants_are_refused_within_two_seconds() {
    let s = Stack::start().await;
    let b = second_tenant(&s, "tenant-b").await;
    let (_, keys) = s.admin(Method::GET, "/tenants/tenant-b/users/admin/access-keys", None).await;
    let key_id = keys
        .as_array()
        .or_else(|| keys["access_keys"].as_array())
        .and_then(|k| k.first())
        .and_then(|k| k["access_key_id"].as_str())
        .unwrap_or_else(|| panic!("a key in {keys}"))
        .to_owned();

    let (status, _) = s
        .admin(Method::PATCH, "/tenants/tenant-b", Some(json!({"status": "suspended"})))
        .await;
    assert_eq!(status, 200);
    within(Duration::from_secs(2), || async {
        matches!(b.list_tables().send().await, Err(e) if e.code() == Some("AccessDeniedException"))
    })
    .await;
    // The other tenant is unaffected.
    s.client().list_tables().send().await.unwrap();
    let (status, _) = s.admin(Method::PATCH, "/tenants/tenant-b", Some(json!({"status": "active"}))).await;
    assert_eq!(status, 200);
    within(Duration::from_secs(2), || async { b.list_tables().send().await.is_ok() }).await;

    let (status, _) = s
        .admin(
            Method::PATCH,
            &format!("/tenants/tenant-b/users/admin/access-keys/{key_id}"),
            Some(json!({"status": "inactive"})),
        )
        .await;
    assert_eq!(status, 200);
    within(Duration::from_secs(2), || async {
        matches!(b.list_tables().send().await, Err(e) if e.code() == Some("UnrecognizedClientException"))
    })
    .await;
    s.stop().await;
}

#[tokio::test]
async fn two_control_plane_replicas_share_one_database() {
    let s = Stack::start().await;
    let (second, _stop) = s.second_control_plane().await;
    // A key made through the second replica's admin API...
    let http = reqwest::Client::new();
    let url = |path: &str| format!("http://{second}/v1{path}");
    let res = http
        .post(url("/tenants/t1/users"))
        .bearer_auth(s.admin_token())
        .json(&json!({"name": "bob"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let key: serde_json::Value = http
        .post(url("/tenants/t1/users/bob/access-keys"))
        .bearer_auth(s.admin_token())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // ...reaches the data plane that follows the first replica.
    let c = s.client_with(key["access_key_id"].as_str().unwrap(), key["secret_access_key"].as_str().unwrap());
    within(Duration::from_secs(2), || async {
        matches!(c.list_tables().send().await, Err(e) if e.code() == Some("AccessDeniedException"))
    })
    .await;
    // And the first replica lists what the second created.
    let (status, users) = s.admin(Method::GET, "/tenants/t1/users", None).await;
    assert_eq!(status, 200);
    assert!(users.to_string().contains("\"bob\""), "{users}");
    s.stop().await;
}

#[tokio::test]
async fn storage_quota_refuses_growth_but_not_shrinking() {
    let s = Stack::start().await;
    let c = s.client();
    table(&c, "Docs").await;
    let (status, _) = s
        .admin(Method::PATCH, "/tenants/t1", Some(json!({"max_storage_bytes": 3000})))
        .await;
    assert_eq!(status, 200);
    let put = |id: &'static str| {
        c.put_item()
            .table_name("Docs")
            .item("id", Av::S(id.into()))
            .item("body", Av::S("x".repeat(1000)))
            .send()
    };
    put("a").await.unwrap();
    put("b").await.unwrap();
    // The quota reaches the data plane through the change feed.
    within(Duration::from_secs(2), || async {
        matches!(put("c").await, Err(e) if e.code() == Some("LimitExceededException"))
    })
    .await;
    let err = put("d").await.unwrap_err();
    assert!(err.message().unwrap().contains("3000 bytes"), "{:?}", err.message());
    assert!(c.get_item().table_name("Docs").key("id", Av::S("d".into())).send().await.unwrap().item.is_none());
    // Deleting makes room again.
    c.delete_item().table_name("Docs").key("id", Av::S("a".into())).send().await.unwrap();
    put("d").await.unwrap();
    s.stop().await;
}

#[tokio::test]
async fn on_demand_throughput_quota_throttles_with_request_limit_exceeded() {
    use crate::harness::{error_name, send, signed_request};
    let s = Stack::start().await;
    let c = s.client();
    table(&c, "Hot").await;
    table(&s.client_in("eu-west-1", &s.key.access_key_id, s.key.secret_access_key.expose()), "Hot").await;
    let (status, _) = s
        .admin(Method::PATCH, "/tenants/t1", Some(json!({"max_on_demand_throughput": 5})))
        .await;
    assert_eq!(status, 200);
    let get = || {
        signed_request(
            &s.endpoint(),
            "DynamoDB_20120810.GetItem",
            r#"{"TableName":"Hot","Key":{"id":{"S":"k"}}}"#,
            &s.key.access_key_id,
            s.key.secret_access_key.expose(),
            std::time::SystemTime::now(),
            false,
        )
    };
    // Once the quota has arrived, a burst of 20 gets at most a second's 5.
    let started = std::time::Instant::now();
    let refused = loop {
        let mut refused = Vec::new();
        for _ in 0..20 {
            let (status, _, body, _) = send(get()).await;
            if status != 200 {
                refused.push((status, error_name(&body).to_owned()));
            }
        }
        if refused.len() >= 10 {
            break refused;
        }
        assert!(started.elapsed() < Duration::from_secs(3), "quota not applied within 3 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        refused.iter().all(|(st, name)| *st == 400 && name == "RequestLimitExceeded"),
        "{refused:?}"
    );
    // The same name in another region is another table, with its own
    // budget: served while us-east-1's Hot is throttled.
    let eu_get = crate::harness::signed_post_in(
        "eu-west-1",
        &s.endpoint(),
        "dynamodb",
        &[("content-type", "application/x-amz-json-1.0"), ("x-amz-target", "DynamoDB_20120810.GetItem")],
        br#"{"TableName":"Hot","Key":{"id":{"S":"k"}}}"#.to_vec(),
        &s.key.access_key_id,
        s.key.secret_access_key.expose(),
        std::time::SystemTime::now(),
        false,
    )
    .map(|b| String::from_utf8(b).unwrap());
    let (status, _, body, _) = send(eu_get).await;
    assert_eq!(status, 200, "{body}");
    // After a second the table serves again.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, _, _, _) = send(get()).await;
    assert_eq!(status, 200);
    // The quota applies to on-demand tables only: ListTables is never charged.
    for _ in 0..10 {
        c.list_tables().send().await.unwrap();
    }
    s.stop().await;
}

/// A tenant whose storage is closed still has its expired items deleted:
/// every twentieth Time to Live sweep opens the tenants stored on the node
/// that have a TTL-enabled table.
#[tokio::test]
async fn time_to_live_reaches_tenants_whose_storage_is_closed() {
    use aws_sdk_dynamodb::types::TimeToLiveSpecification;
    let started = Instant::now();
    // One open tenant at a time: using the second tenant closes the first.
    let s = Stack::start_with(|c| {
        c.ttl_sweep_secs = 1;
        c.max_open_tenants = 1;
    })
    .await;
    let a = s.client();
    table(&a, "Sessions").await;
    a.update_time_to_live()
        .table_name("Sessions")
        .time_to_live_specification(TimeToLiveSpecification::builder().enabled(true).attribute_name("exp").build().unwrap())
        .send()
        .await
        .unwrap();
    let b = second_tenant(&s, "other").await;
    table(&b, "Other").await;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let expires = now + 2;
    a.put_item()
        .table_name("Sessions")
        .item("id", Av::S("soon".into()))
        .item("exp", Av::N(expires.to_string()))
        .send()
        .await
        .unwrap();
    // Tenant b's write closes tenant a's storage before the item expires.
    b.put_item().table_name("Other").item("id", Av::S("x".into())).send().await.unwrap();
    let deleted = || async {
        let text = s.metrics().await;
        crate::harness::sample(
            &text,
            "dynastore_time_to_live_deleted_items_total",
            &format!(r#"table="Sessions",tenant="{}""#, s.tenant.id),
        ) == Some(1.0)
    };
    // The sweeps of open tenants do not reach it (checked while the
    // twentieth sweep is still well ahead).
    tokio::time::sleep(Duration::from_secs(4)).await;
    if started.elapsed() < Duration::from_secs(14) {
        assert!(!deleted().await, "deleted while its storage was closed, before a sweep of stored tenants");
    }
    within(Duration::from_secs(40), deleted).await;
    let got = a.get_item().table_name("Sessions").key("id", Av::S("soon".into())).consistent_read(true).send().await.unwrap();
    assert!(got.item().is_none());
    s.stop().await;
}
