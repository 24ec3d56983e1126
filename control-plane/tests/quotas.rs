//! Tenant quotas enforced by the internal table API, as the data plane
//! calls it: the table count and provisioned read/write capacity, refused
//! with DynamoDB's `LimitExceededException` (the data plane relays `code`
//! and `message` to the client verbatim), unlimited by default.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod admin_support;

use admin_support::{operator, start, Server, INTERNAL_TOKEN};
use ddb_core::api::table::{
    BillingMode, GsiUpdate, IndexSpec, KeyAttr, KeySchema, ProjectionSpec, ScalarType, TableChange,
    TableSpec, TableUpdate, Throughput,
};
use serde_json::{json, Value};
use sqlx::PgPool;

const LIMIT: &str = "LimitExceededException";

fn key(name: &str) -> KeySchema {
    KeySchema {
        hash: KeyAttr {
            name: name.into(),
            ty: ScalarType::S,
        },
        range: None,
        more_hash: Vec::new(),
        more_range: Vec::new(),
    }
}

fn tp(read: i64, write: i64) -> Throughput {
    Throughput { read, write }
}

/// A table keyed on `pk`: provisioned with `throughput` and one global
/// index per entry of `gsis`, or on demand when `throughput` is `None`.
fn spec(name: &str, throughput: Option<Throughput>, gsis: &[Throughput]) -> TableSpec {
    let mut attrs = vec![("pk".to_owned(), ScalarType::S)];
    if !gsis.is_empty() {
        attrs.push(("gk".to_owned(), ScalarType::S));
    }
    TableSpec {
        name: name.into(),
        key_schema: key("pk"),
        attribute_definitions: attrs,
        billing_mode: if throughput.is_some() {
            BillingMode::Provisioned
        } else {
            BillingMode::PayPerRequest
        },
        throughput,
        local_secondary_indexes: Vec::new(),
        global_secondary_indexes: gsis
            .iter()
            .enumerate()
            .map(|(n, t)| IndexSpec {
                name: format!("gsi{n}"),
                key_schema: key("gk"),
                projection: ProjectionSpec::All,
                throughput: Some(*t),
                warm_throughput: None,
            })
            .collect(),
        on_demand: None,
        vector_indexes: Vec::new(),
        stream: None,
        sse_enabled: false,
        sse_kms_key: None,
        table_class: None,
        warm_throughput: None,
        deletion_protection: false,
        tags: Default::default(),
    }
}

/// A tenant named `name` with the quotas `patch` sets; returns its id.
async fn tenant(s: &Server, name: &str, patch: Value) -> String {
    let t = s.tenant(name).await;
    s.patch(&format!("/v1/tenants/{name}"), &operator(), patch)
        .await
        .expect(200);
    t["id"].as_str().unwrap().to_owned()
}

/// The internal API's answer: status and JSON body.
async fn internal(
    s: &Server,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = s
        .http
        .request(method, format!("{}{path}", s.base))
        .bearer_auth(INTERNAL_TOKEN);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn create(s: &Server, tenant_id: &str, spec: &TableSpec) -> (u16, Value) {
    let body = json!({ "tenant_id": tenant_id, "spec": serde_json::to_value(spec).unwrap() });
    internal(s, reqwest::Method::POST, "/internal/v1/tables", Some(body)).await
}

async fn update(s: &Server, tenant_id: &str, table: &str, u: TableUpdate) -> (u16, Value) {
    let body = serde_json::to_value(TableChange::Update(u)).unwrap();
    let path = format!("/internal/v1/tables/{tenant_id}/{table}/changes");
    internal(s, reqwest::Method::POST, &path, Some(body)).await
}

async fn delete(s: &Server, tenant_id: &str, table: &str) -> (u16, Value) {
    let path = format!("/internal/v1/tables/{tenant_id}/{table}");
    internal(s, reqwest::Method::DELETE, &path, None).await
}

fn throughput_update(read: i64, write: i64) -> TableUpdate {
    TableUpdate {
        throughput: Some(tp(read, write)),
        ..TableUpdate::default()
    }
}

#[track_caller]
fn ok(reply: (u16, Value)) -> Value {
    assert_eq!(reply.0, 200, "unexpected answer: {:#}", reply.1);
    reply.1
}

/// Asserts a DynamoDB refusal with `code` and exactly `message`.
#[track_caller]
fn refused(reply: (u16, Value), code: &str, message: &str) {
    assert_eq!(reply.0, 422, "unexpected answer: {:#}", reply.1);
    assert_eq!(reply.1, json!({ "code": code, "message": message }));
}

fn capacity_message(unit: &str, reserved: i64, limit: i64, requested: i64) -> String {
    format!(
        "This request would have caused the {unit} limit to be exceeded for the account. \
         Current {unit} reserved by the account: {reserved}. Limit: {limit}. Requested: {requested}. \
         Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits."
    )
}

/// The names of a tenant's tables in the catalog, sorted.
async fn table_names(s: &Server, tenant: &str) -> Vec<String> {
    let list = s
        .get(&format!("/v1/tenants/{tenant}/tables"), &operator())
        .await
        .expect(200);
    list["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect()
}

/// The stored throughput of a table.
async fn stored_throughput(s: &Server, tenant: &str, table: &str) -> Value {
    let t = s
        .get(&format!("/v1/tenants/{tenant}/tables/{table}"), &operator())
        .await
        .expect(200);
    t["definition"]["spec"]["throughput"].clone()
}

#[sqlx::test(migrator = "dynastore_control_plane::db::MIGRATOR")]
async fn max_tables_refuses_the_next_create_until_one_is_deleted(pool: PgPool) {
    let s = start(pool).await;
    let acme = tenant(&s, "acme", json!({ "max_tables": 2 })).await;
    let other = tenant(&s, "globex", json!({ "max_tables": 1 })).await;
    ok(create(&s, &acme, &spec("A", None, &[])).await);
    ok(create(&s, &acme, &spec("B", Some(tp(1, 1)), &[])).await);

    let message = "Subscriber limit exceeded: There is a limit of 2 tables per subscriber";
    refused(
        create(&s, &acme, &spec("C", None, &[])).await,
        LIMIT,
        message,
    );
    assert_eq!(
        table_names(&s, "acme").await,
        ["A", "B"],
        "the refused table was not stored"
    );
    // A taken name is still ResourceInUseException, quota or not.
    let (status, body) = create(&s, &acme, &spec("A", None, &[])).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("ResourceInUseException")),
        "{body}"
    );
    // Quotas are per tenant.
    ok(create(&s, &other, &spec("C", None, &[])).await);

    // Deleting one frees a slot, for one table only.
    ok(delete(&s, &acme, "A").await);
    ok(create(&s, &acme, &spec("C", None, &[])).await);
    refused(
        create(&s, &acme, &spec("D", None, &[])).await,
        LIMIT,
        message,
    );
    assert_eq!(table_names(&s, "acme").await, ["B", "C"]);

    // The refusal is audited as a failed CreateTable.
    let page = s
        .get(
            "/v1/tenants/acme/audit?action=dynamodb:CreateTable",
            &operator(),
        )
        .await
        .expect(200);
    let outcomes: Vec<&str> = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes.iter().filter(|o| **o == "failure").count(),
        3,
        "{page:#}"
    );
}

#[sqlx::test(migrator = "dynastore_control_plane::db::MIGRATOR")]
async fn concurrent_creates_cannot_overshoot_max_tables(pool: PgPool) {
    let s = start(pool).await;
    let acme = tenant(&s, "acme", json!({ "max_tables": 3 })).await;
    let replies = create_at_once(&s, &acme, 8).await;
    let created = replies.iter().filter(|(status, _)| *status == 200).count();
    let refused = replies
        .iter()
        .filter(|(status, body)| *status == 422 && body["code"] == LIMIT)
        .count();
    assert_eq!((created, refused), (3, 5), "{replies:#?}");
    assert_eq!(table_names(&s, "acme").await.len(), 3);
}

/// `n` CreateTables of distinct tables sent at once.
async fn create_at_once(s: &Server, tenant_id: &str, n: usize) -> Vec<(u16, Value)> {
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        let http = s.http.clone();
        let url = format!("{}/internal/v1/tables", s.base);
        let body = json!({ "tenant_id": tenant_id, "spec": serde_json::to_value(spec(&format!("T{i}"), None, &[])).unwrap() });
        tasks.spawn(async move {
            let res = http
                .post(url)
                .bearer_auth(INTERNAL_TOKEN)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        });
    }
    tasks.join_all().await
}

#[sqlx::test(migrator = "dynastore_control_plane::db::MIGRATOR")]
async fn provisioned_capacity_quotas_refuse_creates_past_them(pool: PgPool) {
    let s = start(pool).await;
    let acme = tenant(
        &s,
        "acme",
        json!({ "max_provisioned_read_capacity": 10, "max_provisioned_write_capacity": 20 }),
    )
    .await;
    // Table and global index count: 4 + 2 read, 5 + 5 write.
    ok(create(&s, &acme, &spec("A", Some(tp(4, 5)), &[tp(2, 5)])).await);
    // On-demand tables reserve nothing.
    ok(create(&s, &acme, &spec("OnDemand", None, &[])).await);

    refused(
        create(&s, &acme, &spec("B", Some(tp(3, 1)), &[tp(2, 1)])).await,
        LIMIT,
        &capacity_message("ReadCapacityUnits", 6, 10, 5),
    );
    refused(
        create(&s, &acme, &spec("B", Some(tp(1, 11)), &[])).await,
        LIMIT,
        &capacity_message("WriteCapacityUnits", 10, 20, 11),
    );
    assert_eq!(table_names(&s, "acme").await, ["A", "OnDemand"]);
    // Exactly at the limits is allowed; one more unit is not.
    ok(create(&s, &acme, &spec("B", Some(tp(3, 5)), &[tp(1, 5)])).await);
    refused(
        create(&s, &acme, &spec("C", Some(tp(1, 1)), &[])).await,
        LIMIT,
        &capacity_message("ReadCapacityUnits", 10, 10, 1),
    );
    // Deleting a provisioned table gives its capacity back.
    ok(delete(&s, &acme, "B").await);
    ok(create(&s, &acme, &spec("C", Some(tp(4, 10)), &[])).await);
}

#[sqlx::test(migrator = "dynastore_control_plane::db::MIGRATOR")]
async fn provisioned_capacity_quotas_refuse_raising_updates_and_allow_lowering(pool: PgPool) {
    let s = start(pool).await;
    let acme = tenant(
        &s,
        "acme",
        json!({ "max_provisioned_read_capacity": 10, "max_provisioned_write_capacity": 10 }),
    )
    .await;
    ok(create(&s, &acme, &spec("A", Some(tp(5, 5)), &[tp(1, 1)])).await);
    ok(create(&s, &acme, &spec("B", Some(tp(3, 3)), &[])).await);
    ok(create(&s, &acme, &spec("P", None, &[])).await);

    // Raising the table's read capacity past the quota: refused, unchanged.
    refused(
        update(&s, &acme, "A", throughput_update(7, 5)).await,
        LIMIT,
        &capacity_message("ReadCapacityUnits", 3, 10, 8),
    );
    assert_eq!(
        stored_throughput(&s, "acme", "A").await,
        json!({"read": 5, "write": 5})
    );
    refused(
        update(&s, &acme, "B", throughput_update(3, 5)).await,
        LIMIT,
        &capacity_message("WriteCapacityUnits", 6, 10, 5),
    );
    // Raising a global index's throughput counts too.
    let gsi = TableUpdate {
        gsi: vec![GsiUpdate::Throughput("gsi0".into(), tp(3, 1))],
        ..TableUpdate::default()
    };
    refused(
        update(&s, &acme, "A", gsi).await,
        LIMIT,
        &capacity_message("ReadCapacityUnits", 3, 10, 8),
    );
    // Up to the quota is fine.
    ok(update(&s, &acme, "A", throughput_update(6, 5)).await);
    assert_eq!(
        stored_throughput(&s, "acme", "A").await,
        json!({"read": 6, "write": 5})
    );

    // Switching an on-demand table to provisioned reserves capacity.
    let switch = TableUpdate {
        billing_mode: Some(BillingMode::Provisioned),
        throughput: Some(tp(1, 1)),
        ..TableUpdate::default()
    };
    refused(
        update(&s, &acme, "P", switch).await,
        LIMIT,
        &capacity_message("ReadCapacityUnits", 10, 10, 1),
    );

    // Lowering is always allowed, even with a quota set below the usage.
    s.patch(
        "/v1/tenants/acme",
        &operator(),
        json!({ "max_provisioned_read_capacity": 4 }),
    )
    .await
    .expect(200);
    ok(update(&s, &acme, "A", throughput_update(5, 5)).await);
    assert_eq!(
        stored_throughput(&s, "acme", "A").await,
        json!({"read": 5, "write": 5})
    );
    // So are changes that do not raise capacity, and switching to on demand.
    ok(update(
        &s,
        &acme,
        "A",
        TableUpdate {
            deletion_protection: Some(true),
            ..TableUpdate::default()
        },
    )
    .await);
    ok(update(
        &s,
        &acme,
        "B",
        TableUpdate {
            billing_mode: Some(BillingMode::PayPerRequest),
            ..TableUpdate::default()
        },
    )
    .await);
    // Still over the lowered quota: raising stays refused.
    refused(
        update(&s, &acme, "A", throughput_update(6, 5)).await,
        LIMIT,
        &capacity_message("ReadCapacityUnits", 0, 4, 7),
    );
}

#[sqlx::test(migrator = "dynastore_control_plane::db::MIGRATOR")]
async fn quotas_are_unlimited_by_default_and_when_reset_to_null(pool: PgPool) {
    let s = start(pool).await;
    let t = s.tenant("acme").await;
    let acme = t["id"].as_str().unwrap().to_owned();
    assert_eq!(
        t["quotas"],
        json!({
            "max_tables": null, "max_storage_bytes": null, "max_provisioned_read_capacity": null,
            "max_provisioned_write_capacity": null, "max_on_demand_throughput": null
        })
    );
    for i in 0..4 {
        let big = spec(
            &format!("T{i}"),
            Some(tp(40_000, 40_000)),
            &[tp(40_000, 40_000)],
        );
        ok(create(&s, &acme, &big).await);
    }
    ok(update(&s, &acme, "T0", throughput_update(40_000, 39_000)).await);

    // A quota, then null again: unlimited again.
    s.patch(
        "/v1/tenants/acme",
        &operator(),
        json!({ "max_tables": 4, "max_provisioned_read_capacity": 1 }),
    )
    .await
    .expect(200);
    refused(
        create(&s, &acme, &spec("T4", None, &[])).await,
        LIMIT,
        "Subscriber limit exceeded: There is a limit of 4 tables per subscriber",
    );
    s.patch(
        "/v1/tenants/acme",
        &operator(),
        json!({ "max_tables": null, "max_provisioned_read_capacity": null }),
    )
    .await
    .expect(200);
    ok(create(&s, &acme, &spec("T4", Some(tp(40_000, 1)), &[])).await);
    assert_eq!(table_names(&s, "acme").await.len(), 5);
}
