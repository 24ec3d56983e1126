//! STS's GetCallerIdentity on the data-plane endpoint: through the AWS CLI
//! (which, like boto3 and the SDKs, sends it there when
//! `AWS_ENDPOINT_URL_STS` names the endpoint) for the tenant's root and an
//! IAM user, and its errors in STS's XML.

use std::time::{Duration, SystemTime};

use reqwest::Method;
use serde_json::{json, Value};

use crate::harness::Stack;

/// `aws sts get-caller-identity` signed with the key; its JSON output, or
/// its error output.
async fn get_caller_identity(s: &Stack, key_id: &str, secret: &str) -> Result<Value, String> {
    let out = s
        .aws_cli(key_id, secret)
        .args(["sts", "get-caller-identity", "--output", "json"])
        .env("AWS_MAX_ATTEMPTS", "1")
        .output()
        .await
        .expect("the AWS CLI is installed (pip install awscli)");
    if out.status.success() {
        serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[tokio::test]
async fn callers_learn_their_account_arn_and_user_id() {
    let s = Stack::start().await;
    let account = s.tenant.account_id.clone();
    let root = get_caller_identity(&s, &s.key.access_key_id, s.key.secret_access_key.expose()).await.unwrap();
    assert_eq!(
        root,
        json!({"UserId": account, "Account": account, "Arn": format!("arn:aws:iam::{account}:root")})
    );

    // An IAM user, whose policy denies everything: GetCallerIdentity needs
    // no permission, and an explicit deny does not stop it either.
    let (status, _) = s.admin(Method::POST, "/tenants/t1/users", Some(json!({"name": "alice"}))).await;
    assert_eq!(status, 201);
    let (status, key) = s.admin(Method::POST, "/tenants/t1/users/alice/access-keys", None).await;
    assert_eq!(status, 201, "{key}");
    let deny_all = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]});
    let (status, body) = s.admin(Method::POST, "/tenants/t1/policies", Some(json!({"name": "deny-all", "document": deny_all}))).await;
    assert_eq!(status, 201, "policy created: {body}");
    let (status, body) = s.admin(Method::PUT, "/tenants/t1/users/alice/policies/deny-all", None).await;
    assert!(status == 200 || status == 204, "policy attached: {status} {body}");
    let (id, secret) = (key["access_key_id"].as_str().unwrap(), key["secret_access_key"].as_str().unwrap());
    // The key reaches the data plane through the change feed.
    let mut alice = Err(String::new());
    for _ in 0..100 {
        alice = get_caller_identity(&s, id, secret).await;
        match &alice {
            Err(e) if e.contains("InvalidClientTokenId") => tokio::time::sleep(Duration::from_millis(50)).await,
            _ => break,
        }
    }
    let alice = alice.unwrap();
    assert_eq!(alice["Account"], json!(account));
    assert_eq!(alice["Arn"], json!(format!("arn:aws:iam::{account}:user/alice")));
    let user_id = alice["UserId"].as_str().unwrap();
    assert!(user_id.starts_with("AIDA") && user_id.len() == 21, "{user_id}");
    // Stable: the same user, the same id.
    assert_eq!(get_caller_identity(&s, id, secret).await.unwrap()["UserId"], json!(user_id));
    // The deny applies to DynamoDB all the same.
    let denied = s.client_with(id, secret).list_tables().send().await.unwrap_err();
    assert_eq!(aws_sdk_dynamodb::error::ProvideErrorMetadata::code(&denied), Some("AccessDeniedException"));
    s.stop().await;
}

/// A form-encoded POST signed for `service`; its status and body.
async fn form_call(s: &Stack, service: &str, body: &str, key_id: &str, secret: &str) -> (u16, String) {
    let headers = [("content-type", "application/x-www-form-urlencoded; charset=utf-8")];
    let req = crate::harness::signed_post(&s.endpoint(), service, &headers, body.as_bytes().to_vec(), key_id, secret, SystemTime::now(), false);
    let res = reqwest::Client::new().execute(reqwest::Request::try_from(req).unwrap()).await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

#[tokio::test]
async fn sts_errors_are_answered_in_sts_xml() {
    let s = Stack::start().await;
    let (id, secret) = (s.key.access_key_id.clone(), s.key.secret_access_key.expose().to_owned());
    let call = "Action=GetCallerIdentity&Version=2011-06-15";

    let (status, body) = form_call(&s, "sts", call, &id, &secret).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.starts_with("<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"), "{body}");

    let (status, body) = form_call(&s, "sts", call, &id, "not-the-secret").await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("<Code>SignatureDoesNotMatch</Code>"), "{body}");

    let (status, body) = form_call(&s, "sts", call, "AKIAUNKNOWNKEY000000", &secret).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("<Code>InvalidClientTokenId</Code>"), "{body}");
    assert!(body.contains("<Message>The security token included in the request is invalid.</Message>"), "{body}");

    let (status, body) = form_call(&s, "sts", "Action=AssumeRole&Version=2011-06-15&RoleArn=x", &id, &secret).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("<Code>InvalidAction</Code>"), "{body}");
    assert!(body.contains("<Message>Could not find operation AssumeRole for version 2011-06-15</Message>"), "{body}");

    // A form signed for DynamoDB is still no DynamoDB call.
    let (status, body) = form_call(&s, "dynamodb", call, &id, &secret).await;
    assert_eq!((status, body.as_str()), (404, "<UnknownOperationException/>\n"));
    s.stop().await;
}
