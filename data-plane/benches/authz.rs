//! Criterion benchmark of authorization on the request path: a GetItem by
//! an IAM user whose policy looks only at action and resource (decided once,
//! then cached per user record), and one whose policy has a
//! `dynamodb:LeadingKeys` condition (evaluated on every request).
//!
//! Run with `cargo bench -p dynastore-data-plane --bench authz`.

use std::hint::black_box;

/// The allocator of the `dynastore` binaries.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use ddb_core::Operation;
use dynastore_common::contract::{PolicyRecord, Snapshot, TableRecord, TenantRecord, TenantStatus, UserRecord};
use dynastore_data_plane::auth::Verified;
use dynastore_data_plane::authz::{authorize, Origin};
use dynastore_data_plane::catalog::Catalog;
use serde_json::json;

fn setup(document: serde_json::Value) -> (Catalog, Verified) {
    let tenant = TenantRecord {
        id: "t".into(),
        name: "t".into(),
        account_id: "123456789012".into(),
        status: TenantStatus::Active,
        quotas: Default::default(),
    };
    let spec = json!({
        "TableName": "Books",
        "AttributeDefinitions": [{"AttributeName": "owner", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "owner", "KeyType": "HASH"}],
        "BillingMode": "PAY_PER_REQUEST"
    });
    let spec = serde_json::from_value::<ddb_core::api::table::CreateTableInput>(spec)
        .ok()
        .and_then(|i| i.validate().ok());
    let tables = spec
        .map(|spec| {
            let def = ddb_core::api::table::TableDefinition {
                pay_per_request_since: Some(0.0),
                ..ddb_core::api::table::TableDefinition::new("tb1".into(), 0.0, spec)
            };
            vec![TableRecord {
                tenant_id: "t".into(),
                region: String::new(),
                name: "Books".into(),
                id: "tb1".into(),
                status: "ACTIVE".into(),
                definition: serde_json::to_value(def).unwrap_or_default(),
            }]
        })
        .unwrap_or_default();
    let catalog = Catalog::from_snapshot(Snapshot {
        revision: 1,
        tenants: vec![tenant.clone()],
        access_keys: vec![],
        tables,
        users: vec![UserRecord {
            tenant_id: "t".into(),
            id: "u".into(),
            name: "alice".into(),
            policies: vec![PolicyRecord { name: "p".into(), document }],
        }],
    });
    let caller = Verified {
        tenant: Arc::new(tenant),
        access_key_id: "K".into(),
        user_name: Some("alice".into()),
        region: "us-east-1".into(),
        home: true,
        source_ip: None,
    };
    (catalog, caller)
}

fn get_item(c: &mut Criterion) {
    let body = json!({"TableName": "Books", "Key": {"owner": {"S": "alice"}}});
    let origin = Origin {
        ip: "127.0.0.1".parse().ok(),
        secure: false,
    };
    let cases = [
        (
            "authz_get_item_plain_policy",
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Action": ["dynamodb:GetItem", "dynamodb:Query"], "Resource": "arn:aws:dynamodb:*:*:table/Books"}]}),
        ),
        (
            "authz_get_item_leading_keys_policy",
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:GetItem",
                "Resource": "arn:aws:dynamodb:*:*:table/Books",
                "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["${aws:username}"]}}}]}),
        ),
    ];
    for (name, document) in cases {
        let (catalog, caller) = setup(document);
        assert!(authorize(&caller, &catalog, Operation::GetItem, &body, origin).is_ok(), "{name} allows");
        c.bench_function(name, |b| {
            b.iter(|| authorize(black_box(&caller), &catalog, Operation::GetItem, black_box(&body), origin))
        });
    }
}

criterion_group!(benches, get_item);
criterion_main!(benches);
