//! IAM enforcement end to end: users, keys and policies made through the
//! admin API, then the user's requests through the SDK are allowed or
//! denied by its policies, with DynamoDB's AccessDeniedException message.

use std::time::Duration;

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue as Av, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use aws_sdk_dynamodb::Client;
use reqwest::Method;
use serde_json::{json, Value};

use crate::harness::Stack;

async fn books(c: &Client) {
    c.create_table()
        .table_name("Books")
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("owner")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(KeySchemaElement::builder().attribute_name("owner").key_type(KeyType::Hash).build().unwrap())
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    for owner in ["alice", "bob"] {
        c.put_item()
            .table_name("Books")
            .item("owner", Av::S(owner.into()))
            .item("title", Av::S(format!("{owner}'s book")))
            .send()
            .await
            .unwrap();
    }
}

/// Creates user `name` with one access key; returns a client signing as it.
async fn user(s: &Stack, name: &str) -> Client {
    user_in(s, name, "us-east-1").await
}

/// Like [`user`], with a client signing for `region`.
async fn user_in(s: &Stack, name: &str, region: &'static str) -> Client {
    let (id, secret) = user_key(s, name).await;
    known(s.client_in(region, &id, &secret)).await
}

/// Creates user `name` with one access key; returns the key's id and secret.
async fn user_key(s: &Stack, name: &str) -> (String, String) {
    let (status, _) = s.admin(Method::POST, "/tenants/t1/users", Some(json!({ "name": name }))).await;
    assert_eq!(status, 201, "user created");
    let (status, key) = s.admin(Method::POST, &format!("/tenants/t1/users/{name}/access-keys"), None).await;
    assert_eq!(status, 201, "key created: {key}");
    (key["access_key_id"].as_str().unwrap().to_owned(), key["secret_access_key"].as_str().unwrap().to_owned())
}

/// `c` once the data plane knows its key.
async fn known(c: Client) -> Client {
    // The key reaches the data plane through the change feed.
    for _ in 0..100 {
        match c.list_tables().send().await {
            Err(e) if e.code() == Some("UnrecognizedClientException") => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            _ => break,
        }
    }
    c
}

async fn policy(s: &Stack, user: &str, name: &str, document: Value) {
    let (status, body) = s
        .admin(Method::POST, "/tenants/t1/policies", Some(json!({ "name": name, "document": document })))
        .await;
    assert_eq!(status, 201, "policy created: {body}");
    let (status, body) = s
        .admin(Method::PUT, &format!("/tenants/t1/users/{user}/policies/{name}"), None)
        .await;
    assert!(status == 200 || status == 204, "attached: {status} {body}");
}

/// Retries `f` until it fails with AccessDenied or 2 s pass.
macro_rules! eventually_denied {
    ($f:expr) => {{
        let mut out = $f.await;
        for _ in 0..40 {
            match &out {
                Err(e) if e.code() == Some("AccessDeniedException") => break,
                _ => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    out = $f.await;
                }
            }
        }
        out
    }};
}

/// Retries `f` until it stops failing with AccessDenied or 2 s pass (the
/// policy travels to the data plane by the change feed).
macro_rules! eventually_allowed {
    ($f:expr) => {{
        let mut out = $f.await;
        for _ in 0..40 {
            match &out {
                Err(e) if e.code() == Some("AccessDeniedException") => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    out = $f.await;
                }
                _ => break,
            }
        }
        out
    }};
}

#[tokio::test]
async fn user_requests_follow_their_policies() {
    let s = Stack::start().await;
    let root = s.client();
    books(&root).await;
    let alice = user(&s, "alice").await;
    let account = s.tenant.account_id.clone();

    // No policy: everything is denied, with DynamoDB's message.
    let err = alice.list_tables().send().await.unwrap_err();
    assert_eq!(err.code(), Some("AccessDeniedException"));
    assert_eq!(
        err.message(),
        Some(
            format!(
                "User: arn:aws:iam::{account}:user/alice is not authorized to perform: dynamodb:ListTables on resource: arn:aws:dynamodb:us-east-1:{account}:table/* because no identity-based policy allows the dynamodb:ListTables action"
            )
            .as_str()
        )
    );

    policy(
        &s,
        "alice",
        "read-books",
        json!({
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:DescribeTable"],
                 "Resource": format!("arn:aws:dynamodb:*:{account}:table/Books")},
                {"Effect": "Deny", "Action": "dynamodb:GetItem", "Resource": "*",
                 "Condition": {"ForAnyValue:StringEquals": {"dynamodb:Attributes": ["secret"]}}}
            ]
        }),
    )
    .await;
    let get = |who: &'static str| alice.get_item().table_name("Books").key("owner", Av::S(who.into())).send();
    let got = eventually_allowed!(get("bob")).unwrap();
    assert_eq!(got.item.unwrap()["title"].as_s().unwrap(), "bob's book");
    alice.describe_table().table_name("Books").send().await.unwrap();

    // Not granted: PutItem, and anything on another table.
    let err = alice
        .put_item()
        .table_name("Books")
        .item("owner", Av::S("alice".into()))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDeniedException"));
    assert_eq!(
        err.message(),
        Some(
            format!(
                "User: arn:aws:iam::{account}:user/alice is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:{account}:table/Books because no identity-based policy allows the dynamodb:PutItem action"
            )
            .as_str()
        )
    );
    let err = alice.describe_table().table_name("Other").send().await.unwrap_err();
    assert_eq!(err.code(), Some("AccessDeniedException"), "denied before the table is looked up");

    // An explicit Deny wins over the Allow.
    let err = alice
        .get_item()
        .table_name("Books")
        .key("owner", Av::S("bob".into()))
        .projection_expression("title, secret")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDeniedException"));
    assert!(err.message().unwrap().ends_with("with an explicit deny in an identity-based policy"), "{:?}", err.message());

    // The root key is never limited by policies.
    root.put_item().table_name("Books").item("owner", Av::S("carol".into())).send().await.unwrap();
    s.stop().await;
}

#[tokio::test]
async fn leading_keys_confine_a_user_to_its_own_partition() {
    let s = Stack::start().await;
    let root = s.client();
    books(&root).await;
    let alice = user(&s, "alice").await;
    policy(
        &s,
        "alice",
        "own-items",
        json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:BatchGetItem"],
                "Resource": "arn:aws:dynamodb:*:*:table/Books",
                "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["${aws:username}"]}}
            }]
        }),
    )
    .await;
    let own = eventually_allowed!(alice.get_item().table_name("Books").key("owner", Av::S("alice".into())).send()).unwrap();
    assert!(own.item.is_some());
    let err = alice
        .get_item()
        .table_name("Books")
        .key("owner", Av::S("bob".into()))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDeniedException"));
    alice
        .put_item()
        .table_name("Books")
        .item("owner", Av::S("alice".into()))
        .item("title", Av::S("new".into()))
        .send()
        .await
        .unwrap();
    let q = |who: &'static str| {
        alice
            .query()
            .table_name("Books")
            .key_condition_expression("#o = :o")
            .expression_attribute_names("#o", "owner")
            .expression_attribute_values(":o", Av::S(who.into()))
            .send()
    };
    assert_eq!(q("alice").await.unwrap().count(), 1);
    assert_eq!(q("bob").await.unwrap_err().code(), Some("AccessDeniedException"));
    // A batch touching another partition is denied as a whole.
    let keys = aws_sdk_dynamodb::types::KeysAndAttributes::builder()
        .keys([("owner".to_string(), Av::S("alice".into()))].into())
        .keys([("owner".to_string(), Av::S("bob".into()))].into())
        .build()
        .unwrap();
    let err = alice.batch_get_item().request_items("Books", keys).send().await.unwrap_err();
    assert_eq!(err.code(), Some("AccessDeniedException"));
    // Scan has no leading key: not granted.
    assert_eq!(
        alice.scan().table_name("Books").send().await.unwrap_err().code(),
        Some("AccessDeniedException")
    );

    // Detaching the policy takes the access away.
    let (status, _) = s.admin(Method::DELETE, "/tenants/t1/users/alice/policies/own-items", None).await;
    assert!(status == 200 || status == 204);
    let mut denied = false;
    for _ in 0..40 {
        match alice.get_item().table_name("Books").key("owner", Av::S("alice".into())).send().await {
            Err(e) if e.code() == Some("AccessDeniedException") => {
                denied = true;
                break;
            }
            _ => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    assert!(denied, "detached policy no longer allows");
    s.stop().await;
}

#[tokio::test]
async fn policies_without_conditions_decide_by_action_and_resource() {
    let s = Stack::start().await;
    let root = s.client();
    books(&root).await;
    let bob = user(&s, "bob").await;
    let account = s.tenant.account_id.clone();
    policy(
        &s,
        "bob",
        "get-books",
        json!({
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "arn:aws:dynamodb:*:*:table/Books"},
                {"Effect": "Deny", "Action": ["dynamodb:DeleteItem", "dynamodb:DeleteTable"], "Resource": "*"}
            ]
        }),
    )
    .await;
    let get = || bob.get_item().table_name("Books").key("owner", Av::S("alice".into())).send();
    assert!(eventually_allowed!(get()).unwrap().item.is_some());
    assert!(get().await.unwrap().item.is_some(), "the cached decision allows again");
    bob.put_item().table_name("Books").item("owner", Av::S("bob".into())).send().await.unwrap();
    for _ in 0..2 {
        let err = bob
            .delete_item()
            .table_name("Books")
            .key("owner", Av::S("alice".into()))
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            err.message(),
            Some(
                format!(
                    "User: arn:aws:iam::{account}:user/bob is not authorized to perform: dynamodb:DeleteItem on resource: arn:aws:dynamodb:us-east-1:{account}:table/Books with an explicit deny in an identity-based policy"
                )
                .as_str()
            )
        );
    }
    let err = bob.list_tables().send().await.unwrap_err();
    assert_eq!(err.code(), Some("AccessDeniedException"), "ListTables is not on table/Books");
    // A transaction touching another table is refused as a whole.
    let put = |table: &str| {
        aws_sdk_dynamodb::types::TransactWriteItem::builder()
            .put(
                aws_sdk_dynamodb::types::Put::builder()
                    .table_name(table)
                    .item("owner", Av::S("x".into()))
                    .build()
                    .unwrap(),
            )
            .build()
    };
    let err = bob
        .transact_write_items()
        .transact_items(put("Books"))
        .transact_items(put("Other"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDeniedException"));
    assert!(err.message().unwrap().contains("dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:"), "{:?}", err.message());
    s.stop().await;
}

/// Each region is a namespace of its own, as in DynamoDB: a user signing
/// for eu-west-1 sees that region's tables, under ARNs naming eu-west-1,
/// and a policy on the us-east-1 table of the same name does not reach
/// them (nor one on theirs the us-east-1 table).
#[tokio::test]
async fn policies_name_the_region_a_request_is_signed_for() {
    let s = Stack::start().await;
    books(&s.client()).await;
    let root_eu = s.client_in("eu-west-1", &s.key.access_key_id, s.key.secret_access_key.expose());
    books(&root_eu).await;
    let (id, secret) = user_key(&s, "carol").await;
    let carol = known(s.client_in("eu-west-1", &id, &secret)).await;
    let account = s.tenant.account_id.clone();
    let home_arn = format!("arn:aws:dynamodb:us-east-1:{account}:table/Books");
    let eu_arn = format!("arn:aws:dynamodb:eu-west-1:{account}:table/Books");
    policy(
        &s,
        "carol",
        "no-get-at-home",
        json!({
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"},
                {"Effect": "Deny", "Action": "dynamodb:GetItem", "Resource": home_arn},
                {"Effect": "Deny", "Action": "dynamodb:PutItem", "Resource": eu_arn}
            ]
        }),
    )
    .await;
    let scan = || carol.scan().table_name("Books").send();
    assert_eq!(eventually_allowed!(scan()).unwrap().count(), 2);
    // eu-west-1's Books: GetItem is allowed there, PutItem denied.
    let got = carol.get_item().table_name("Books").key("owner", Av::S("alice".into())).send().await.unwrap();
    assert!(got.item().is_some());
    let err = carol
        .put_item()
        .table_name("Books")
        .item("owner", Av::S("carol".into()))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.message(),
        Some(
            format!(
                "User: arn:aws:iam::{account}:user/carol is not authorized to perform: dynamodb:PutItem on resource: {eu_arn} with an explicit deny in an identity-based policy"
            )
            .as_str()
        )
    );
    let described = carol.describe_table().table_name("Books").send().await.unwrap();
    assert_eq!(described.table().and_then(|t| t.table_arn()), Some(eu_arn.as_str()));
    // The home region's Books, through the same user signing for us-east-1:
    // GetItem denied, PutItem allowed.
    let carol_home = s.client_in("us-east-1", &id, &secret);
    let err = carol_home.get_item().table_name("Books").key("owner", Av::S("alice".into())).send().await.unwrap_err();
    assert_eq!(err.code(), Some("AccessDeniedException"));
    assert!(err.message().unwrap().ends_with(&format!("on resource: {home_arn} with an explicit deny in an identity-based policy")));
    carol_home.put_item().table_name("Books").item("owner", Av::S("carol".into())).send().await.unwrap();

    // aws:RequestedRegion is the region a request is signed for.
    policy(
        &s,
        "carol",
        "eu-only",
        json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Action": "dynamodb:*", "Resource": "*",
                           "Condition": {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}}]
        }),
    )
    .await;
    let err = eventually_denied!(carol_home.scan().table_name("Books").send()).unwrap_err();
    assert!(err.message().unwrap().ends_with(&format!("dynamodb:Scan on resource: {home_arn} with an explicit deny in an identity-based policy")), "{:?}", err.message());
    assert_eq!(carol.scan().table_name("Books").send().await.unwrap().count(), 2);
    s.stop().await;
}

/// The China and GovCloud regions are in their own partitions: their
/// tables, streams and keys are `arn:aws-cn:…` / `arn:aws-us-gov:…`, a
/// policy names them so, and a denial names the user in that partition.
#[tokio::test]
async fn arns_name_the_partition_of_their_region() {
    let s = Stack::start().await;
    let root_cn = s.client_in("cn-north-1", &s.key.access_key_id, s.key.secret_access_key.expose());
    books(&root_cn).await;
    let account = s.tenant.account_id.clone();
    let cn_arn = format!("arn:aws-cn:dynamodb:cn-north-1:{account}:table/Books");
    let described = root_cn.describe_table().table_name("Books").send().await.unwrap();
    let table = described.table().unwrap();
    assert_eq!(table.table_arn(), Some(cn_arn.as_str()));
    // SSE changes alone in their UpdateTable, as DynamoDB asks.
    let encrypted = root_cn
        .update_table()
        .table_name("Books")
        .sse_specification(aws_sdk_dynamodb::types::SseSpecification::builder().enabled(true).build())
        .send()
        .await
        .unwrap();
    let sse = encrypted.table_description().and_then(|t| t.sse_description());
    let key = sse.and_then(|d| d.kms_master_key_arn()).unwrap();
    assert!(key.starts_with(&format!("arn:aws-cn:kms:cn-north-1:{account}:key/")), "{key}");
    let updated = root_cn
        .update_table()
        .table_name("Books")
        .stream_specification(
            aws_sdk_dynamodb::types::StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(aws_sdk_dynamodb::types::StreamViewType::NewImage)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let table = updated.table_description().unwrap();
    assert!(table.latest_stream_arn().unwrap().starts_with(&format!("{cn_arn}/stream/")), "{table:?}");

    let root_gov = s.client_in("us-gov-west-1", &s.key.access_key_id, s.key.secret_access_key.expose());
    books(&root_gov).await;
    let gov_arn = format!("arn:aws-us-gov:dynamodb:us-gov-west-1:{account}:table/Books");
    let described = root_gov.describe_table().table_name("Books").send().await.unwrap();
    assert_eq!(described.table().and_then(|t| t.table_arn()), Some(gov_arn.as_str()));

    let (id, secret) = user_key(&s, "dora").await;
    let dora = known(s.client_in("cn-north-1", &id, &secret)).await;
    policy(
        &s,
        "dora",
        "cn-reads",
        json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": cn_arn}]
        }),
    )
    .await;
    let get = || dora.get_item().table_name("Books").key("owner", Av::S("alice".into())).send();
    assert!(eventually_allowed!(get()).unwrap().item().is_some());
    let err = dora.put_item().table_name("Books").item("owner", Av::S("dora".into())).send().await.unwrap_err();
    assert_eq!(
        err.message(),
        Some(
            format!(
                "User: arn:aws-cn:iam::{account}:user/dora is not authorized to perform: dynamodb:PutItem on resource: {cn_arn} because no identity-based policy allows the dynamodb:PutItem action"
            )
            .as_str()
        )
    );
    s.stop().await;
}

#[tokio::test]
async fn resource_policies_are_revised_and_enforced() {
    let s = Stack::start().await;
    let root = s.client();
    books(&root).await;
    let alice = user(&s, "alice").await;
    let account = s.tenant.account_id.clone();
    let arn = format!("arn:aws:dynamodb:us-east-1:{account}:table/Books");
    let not_found = |e: &dyn ProvideErrorMetadata, msg: &str| {
        assert_eq!(e.code(), Some("PolicyNotFoundException"), "{:?}", e.message());
        assert_eq!(e.message(), Some(format!("Resource-based policy not found for the provided ResourceArn: {msg}").as_str()));
    };

    let err = root.get_resource_policy().resource_arn(&arn).send().await.unwrap_err();
    not_found(err.as_service_error().unwrap(), &arn);
    let err = root.get_resource_policy().resource_arn(format!("{arn}_")).send().await.unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    assert_eq!(err.message(), Some("Requested resource not found: Table: Books_ not found"));
    // Deleting no policy is a no-op.
    let out = root.delete_resource_policy().resource_arn(&arn).send().await.unwrap();
    assert_eq!(out.revision_id(), None);
    let invalid = |e: &dyn ProvideErrorMetadata| (e.code().map(str::to_owned), e.message().map(str::to_owned));
    let err = root.get_resource_policy().resource_arn("arn:aws:dynamodb:us-east-1:999999999999:table/Books").send().await.unwrap_err();
    assert_eq!(
        invalid(err.as_service_error().unwrap()),
        (Some("ValidationException".into()), Some("This action is only supported by accounts that match the resource owner\u{2019}s account.".into()))
    );
    let err = root.get_resource_policy().resource_arn(format!("{arn}/index/byTitle")).send().await.unwrap_err();
    assert_eq!(
        err.message(),
        Some(format!("One or more parameter values were invalid: Invalid resource arn provided, only table or stream is accepted. Provided resource arn: arn:aws:dynamodb:us-east-1:{account}").as_str())
    );
    let statement = |principal: Value| json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "dynamodb:GetItem", "Resource": &arn}]}).to_string();
    for (refused, why) in [
        (statement(json!("*")), "Resource-based policy grants unbounded access in one or more elements. Please revise the policy to ensure least-privilege form of access"),
        (statement(json!({"AWS": format!("arn:aws:iam::{account}:user/nobody")})), "Invalid principal in policy document."),
        ("[]".to_owned(), "One or more parameter values were invalid: Invalid policy document: This policy contains invalid Json"),
    ] {
        let err = root.put_resource_policy().resource_arn(&arn).policy(refused).send().await.unwrap_err();
        assert_eq!(err.code(), Some("ValidationException"));
        assert_eq!(err.message(), Some(why));
    }

    // Alice may read by the table's policy alone; nobody may delete.
    let document = json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{account}:user/alice")}, "Action": "dynamodb:GetItem", "Resource": &arn},
            {"Effect": "Deny", "Principal": {"AWS": &account}, "Action": "dynamodb:DeleteItem", "Resource": "*"}
        ]
    })
    .to_string();
    let first = root.put_resource_policy().resource_arn(&arn).policy(&document).send().await.unwrap();
    let first = first.revision_id().unwrap().to_owned();
    let got = root.get_resource_policy().resource_arn(&arn).send().await.unwrap();
    // Kept in DynamoDB's canonical form: key order, account ids as root ARNs.
    let canonical = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:user/alice"}},"Action":"dynamodb:GetItem","Resource":"{arn}"}},{{"Effect":"Deny","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":"dynamodb:DeleteItem","Resource":"*"}}]}}"#
    );
    assert_eq!(got.policy(), Some(canonical.as_str()));
    assert_eq!(got.revision_id(), Some(first.as_str()));
    // The same policy again, even as Get shows it, is the same revision.
    for same in [&document, &canonical] {
        let again = root.put_resource_policy().resource_arn(&arn).policy(same).send().await.unwrap();
        assert_eq!(again.revision_id(), Some(first.as_str()));
    }
    let err = root
        .put_resource_policy()
        .resource_arn(&arn)
        .policy(&document)
        .expected_revision_id("NO_POLICY")
        .send()
        .await
        .unwrap_err();
    not_found(
        err.as_service_error().unwrap(),
        &format!("Requested policy update expecting none to be present for table Books, but a policy exists with revision id {first}."),
    );

    // Managing the policy is authorized on the table's ARN.
    let err = alice.get_resource_policy().resource_arn(&arn).send().await.unwrap_err();
    assert_eq!(
        err.message(),
        Some(format!("User: arn:aws:iam::{account}:user/alice is not authorized to perform: dynamodb:GetResourcePolicy on resource: {arn} because no identity-based policy allows the dynamodb:GetResourcePolicy action").as_str())
    );

    let get = || alice.get_item().table_name("Books").key("owner", Av::S("bob".into())).send();
    let got = eventually_allowed!(get()).unwrap();
    assert!(got.item().is_some());
    let err = alice.put_item().table_name("Books").item("owner", Av::S("carol".into())).send().await.unwrap_err();
    assert_eq!(
        err.message(),
        Some(format!("User: arn:aws:iam::{account}:user/alice is not authorized to perform: dynamodb:PutItem on resource: {arn} because no identity-based policy allows the dynamodb:PutItem action").as_str())
    );
    let err = root.delete_item().table_name("Books").key("owner", Av::S("bob".into())).send().await.unwrap_err();
    assert_eq!(err.code(), Some("AccessDeniedException"));
    assert_eq!(
        err.message(),
        Some(format!("User: arn:aws:iam::{account}:root is not authorized to perform: dynamodb:DeleteItem on resource: {arn} with an explicit deny in a resource-based policy").as_str())
    );

    // Deleting needs the current revision when one is named.
    let err = root.delete_resource_policy().resource_arn(&arn).expected_revision_id("1").send().await.unwrap_err();
    not_found(
        err.as_service_error().unwrap(),
        &format!("Requested update for policy with revision id 1, but the policy associated to target table Books has revision id {first}."),
    );
    let deleted = root.delete_resource_policy().resource_arn(&arn).expected_revision_id(&first).send().await.unwrap();
    assert_eq!(deleted.revision_id(), Some(first.as_str()));
    let err = root.get_resource_policy().resource_arn(&arn).send().await.unwrap_err();
    not_found(err.as_service_error().unwrap(), &arn);
    let err = eventually_denied!(get()).unwrap_err();
    assert_eq!(err.code(), Some("AccessDeniedException"));
    root.delete_item().table_name("Books").key("owner", Av::S("bob".into())).send().await.unwrap();

    // CreateTable attaches a policy; a document without principals is refused
    // and creates nothing.
    let create = |name: &str, policy: String| {
        root.create_table()
            .table_name(name)
            .attribute_definitions(AttributeDefinition::builder().attribute_name("k").attribute_type(ScalarAttributeType::S).build().unwrap())
            .key_schema(KeySchemaElement::builder().attribute_name("k").key_type(KeyType::Hash).build().unwrap())
            .billing_mode(BillingMode::PayPerRequest)
            .resource_policy(policy)
            .send()
    };
    let unnamed = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]});
    let err = create("Unnamed", unnamed.to_string()).await.unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    assert!(root.describe_table().table_name("Unnamed").send().await.is_err());
    create("Shared", document.clone()).await.unwrap();
    let got = root
        .get_resource_policy()
        .resource_arn(format!("arn:aws:dynamodb:us-east-1:{account}:table/Shared"))
        .send()
        .await
        .unwrap();
    assert_eq!(got.policy().map(|p| p.replace("Shared", "Books")), Some(canonical.clone()));
    s.stop().await;
}

/// SearchVectors is authorized as `dynamodb:SearchVectors` on the vector
/// index's ARN; a grant on the table alone does not reach it, and a
/// statement conditioned on fine-grained keys never matches it (its
/// request context has none).
#[tokio::test]
async fn search_vectors_is_authorized_on_the_index_arn() {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, AttributeValue as Av, BillingMode, KeySchemaElement, KeyType, Projection, ProjectionType,
        ScalarAttributeType, VectorAttributeDefinition, VectorDistanceFunction, VectorIndex,
    };
    let s = Stack::start().await;
    let root = s.client();
    root.create_table()
        .table_name("Docs")
        .attribute_definitions(AttributeDefinition::builder().attribute_name("id").attribute_type(ScalarAttributeType::S).build().unwrap())
        .key_schema(KeySchemaElement::builder().attribute_name("id").key_type(KeyType::Hash).build().unwrap())
        .billing_mode(BillingMode::PayPerRequest)
        .vector_indexes(
            VectorIndex::builder()
                .index_name("vix")
                .vector_attribute(VectorAttributeDefinition::builder().attribute_name("v").build().unwrap())
                .dimensions(2)
                .distance_function(VectorDistanceFunction::Cosine)
                .projection(Projection::builder().projection_type(ProjectionType::All).build())
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let bob = user(&s, "bob").await;
    let account = s.tenant.account_id.clone();
    let search = |c: &Client| {
        c.search_vectors()
            .table_name("Docs")
            .index_name("vix")
            .search_vector(Av::N("1".into()))
            .search_vector(Av::N("0".into()))
            .top_k(1)
            .send()
    };
    policy(
        &s,
        "bob",
        "table-only",
        json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "dynamodb:SearchVectors", "Resource": format!("arn:aws:dynamodb:*:{account}:table/Docs")},
            {"Effect": "Allow", "Action": "dynamodb:SearchVectors", "Resource": format!("arn:aws:dynamodb:*:{account}:table/Docs/index/*"),
             "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["x"]}, "Null": {"dynamodb:LeadingKeys": "false"}}}
        ]}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let err = search(&bob).await.unwrap_err();
    assert_eq!(err.code(), Some("AccessDeniedException"));
    assert!(
        err.message().unwrap().contains(&format!("dynamodb:SearchVectors on resource: arn:aws:dynamodb:us-east-1:{account}:table/Docs/index/vix")),
        "{err:?}"
    );
    policy(
        &s,
        "bob",
        "index",
        json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "dynamodb:SearchVectors", "Resource": format!("arn:aws:dynamodb:*:{account}:table/Docs/index/vix")}
        ]}),
    )
    .await;
    let out = eventually_allowed!(search(&bob)).unwrap();
    assert!(out.search_results().is_empty());
    s.stop().await;
}

/// Adding or removing a replica needs `dynamodb:CreateTableReplica` or
/// `DeleteTableReplica` on the table besides UpdateTable (also once an
/// UpdateTable decision is cached for the user).
#[tokio::test]
async fn replicas_need_their_own_actions() {
    let s = Stack::start().await;
    let root = s.client();
    books(&root).await;
    let carol = user(&s, "carol").await;
    let account = s.tenant.account_id.clone();
    policy(
        &s,
        "carol",
        "no-replicas",
        json!({
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"},
                {"Effect": "Deny", "Action": "dynamodb:CreateTableReplica", "Resource": "*"}
            ]
        }),
    )
    .await;
    let protect = |on: bool| carol.update_table().table_name("Books").deletion_protection_enabled(on).send();
    eventually_allowed!(protect(true)).unwrap();
    protect(false).await.unwrap();
    let replicate = || {
        carol
            .update_table()
            .table_name("Books")
            .replica_updates(
                aws_sdk_dynamodb::types::ReplicationGroupUpdate::builder()
                    .create(
                        aws_sdk_dynamodb::types::CreateReplicationGroupMemberAction::builder()
                            .region_name("eu-west-1")
                            .build()
                            .unwrap(),
                    )
                    .build(),
            )
            .send()
    };
    let err = replicate().await.unwrap_err();
    assert_eq!(
        err.message(),
        Some(
            format!(
                "User: arn:aws:iam::{account}:user/carol is not authorized to perform: dynamodb:CreateTableReplica on resource: arn:aws:dynamodb:us-east-1:{account}:table/Books with an explicit deny in an identity-based policy"
            )
            .as_str()
        )
    );
    // The root key may.
    let out = root.update_table().table_name("Books").replica_updates(
        aws_sdk_dynamodb::types::ReplicationGroupUpdate::builder()
            .create(aws_sdk_dynamodb::types::CreateReplicationGroupMemberAction::builder().region_name("eu-west-1").build().unwrap())
            .build(),
    );
    out.send().await.unwrap();
    s.stop().await;
}
