//! The audit log (rows for successes and failures, filters, pagination,
//! table operations relayed by data planes) and what data planes see of
//! admin changes: revisions, users with their policies, tenant deletion.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod admin_support;

use admin_support::{allow, operator, start, tenant_admin, INTERNAL_TOKEN};
use dynastore_common::contract::TableRecord;
use reqwest::Method;
use serde_json::{json, Value};
use sqlx::PgPool;

fn events(page: &Value) -> Vec<Value> {
    page["events"].as_array().unwrap().clone()
}

fn actions(page: &Value) -> Vec<String> {
    events(page)
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

#[sqlx::test(migrator = "dynastore_control_plane::db::MIGRATOR")]
async fn mutations_are_audited_with_principal_source_and_outcome(pool: PgPool) {
    let s = start(pool).await;
    let op = operator();
    let t = s.tenant("acme").await;
    s.post("/v1/tenants/acme/users", &op, json!({"name": "alice"}))
        .await
        .expect(201);
    s.post("/v1/tenants/acme/users", &op, json!({"name": "alice"}))
        .await
        .problem(409);
    let key = s
        .post("/v1/tenants/acme/users/alice/access-keys", &op, json!({}))
        .await
        .expect(201);
    let admin = tenant_admin("acme");
    s.patch("/v1/tenants/acme", &admin, json!({"status": "suspended"}))
        .await
        .problem(403);
    // Reads are not audited.
    s.get("/v1/tenants/acme/users", &op).await.expect(200);

    let page = s.get("/v1/tenants/acme/audit", &op).await.expect(200);
    assert_eq!(
        actions(&page),
        [
            "UpdateTenant",
            "CreateAccessKey",
            "CreateUser",
            "CreateUser",
            "CreateTenant"
        ],
        "newest first"
    );
    let ev = events(&page);
    assert_eq!(ev[0]["principal"], "admin-acme");
    assert_eq!(ev[0]["outcome"], "failure");
    assert_eq!(ev[0]["status_code"], 403);
    assert_eq!(ev[0]["request"], json!({"status": "suspended"}));
    assert_eq!(ev[2]["outcome"], "failure");
    assert_eq!(ev[2]["status_code"], 409);
    assert_eq!(ev[3]["outcome"], "success");
    assert_eq!(ev[3]["status_code"], 201);
    assert_eq!(ev[3]["principal"], "ops");
    assert_eq!(ev[3]["source_ip"], "127.0.0.1");
    assert_eq!(ev[3]["resource"], "tenants/acme/users");
    assert_eq!(ev[3]["tenant_id"], t["id"]);
    // The key's secret is never recorded.
    let recorded = page.to_string();
    assert!(!recorded.contains(key["secret_access_key"].as_str().unwrap()));
    assert!(recorded.contains(key["access_key_id"].as_str().unwrap()));

    // Filters.
    let only = s
        .get("/v1/tenants/acme/audit?action=CreateUser", &op)
        .await
        .expect(200);
    assert_eq!(actions(&only), ["CreateUser", "CreateUser"]);
    let by = s
        .get("/v1/tenants/acme/audit?principal=admin-acme", &op)
        .await
        .expect(200);
    assert_eq!(actions(&by), ["UpdateTenant"]);
    // The tenant admin reads its own trail; the global log is operators'.
    assert_eq!(
        events(&s.get("/v1/tenants/acme/audit", &admin).await.expect(200)).len(),
        5
    );
    let global = s
        .get("/v1/audit?action=CreateTenant", &op)
        .await
        .expect(200);
    assert_eq!(actions(&global), ["CreateTenant"]);
    // A tenant admin's refused tenant creation is recorded, with no tenant.
    s.post("/v1/tenants", &admin, json!({"name": "mine"}))
        .await
        .problem(403);
    let refused = s
        .get("/v1/audit?principal=admin-acme&action=CreateTenant", &op)
        .await
        .expect(200);
    assert_eq!(events(&refused)[0]["tenant_id"], json!(null));
    assert_eq!(events(&refused)[0]["status_code"], 403);
}

#[sqlx::test(migrator = "dynastore_control_plane::db::MIGRATOR")]
async fn audit_pages_and_time_filters(pool: PgPool) {
    let s = start(pool).await;
    let op = operator();
    s.tenant("acme").await;
    for i in 0..5 {
        s.post(
            "/v1/tenants/acme/users",
            &op,
            json!({ "name": format!("u{i}") }),
        )
        .await
        .expect(201);
    }
    let mut seen = Vec::new();
    let mut next: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &next {
            Some(t) => format!("/v1/tenants/acme/audit?limit=2&next_token={t}"),
            None => "/v1/tenants/acme/audit?limit=2".to_owned(),
        };
        let page = s.get(&path, &op).await.expect(200);
        pages += 1;
        let ev = events(&page);
        assert!(ev.len() <= 2);
        seen.extend(ev.iter().map(|e| e["id"].as_i64().unwrap()));
        match page["next_token"].as_str() {
            Some(t) => next = Some(t.to_owned()),
            None => break,
        }
        assert!(pages < 10, "pagination does not end");
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 6, "5 users and the tenant");
    let mut sorted = seen.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted, "newest first, no repeats");

    let future = "2999-01-01T00:00:00Z";
    let past = "2000-01-01T00:00:00Z";
    assert!(events(
        &s.get(&format!("/v1/tenants/acme/audit?from={future}"), &op)
            .await
            .expect(200)
    )
    .is_empty());
    assert!(events(
        &s.get(&format!("/v1/tenants/acme/audit?to={past}"), &op)
            .await
            .expect(200)
    )
    .is_empty());
    let all = s
        .get(
            &format!("/v1/tenants/acme/audit?from={past}&to={future}"),
            &op,
        )
        .await
        .expect(200);
    assert_eq!(events(&all).len(), 6);
    assert!(all.get("next_token").is_none());

    s.get("/v1/tenants/acme/audit?from=yesterday", &op)
        .await
        .problem(400);
    s.get("/v1/tenants/acme/audit?limit=0", &op)
        .await
        .problem(400);
    s.get("/v1/tenants/acme/audit?limit=1001", &op)
        .await
        .problem(400);
    s.get("/v1/tenants/acme/audit?limit=many", &op)
        .await
        .problem(400);
    s.get("/v1/tenants/acme/audit?next_token=garbage!", &op)
        .await
        .problem(400);
    s.get("/v1/audit?limit=1000", &op).await.expect(200);
}

#[sqlx::test(migrator = "dynastore_control_plane::db::MIGRATOR")]
async fn table_operations_from_data_planes_are_audited(pool: PgPool) {
    let s = start(pool).await;
    let t = s.tenant("acme").await;
    let tenant_id = t["id"].as_str().unwrap();
    {
        let mut conn = s.cp.pool.acquire().await.unwrap();
        let record = TableRecord {
            tenant_id: tenant_id.to_owned(),
            region: String::new(),
            name: "Orders".into(),
            id: "tid-1".into(),
            status: "ACTIVE".into(),
            definition: json!({}),
        };
        dynastore_control_plane::db::tables::insert(&mut conn, &record)
            .await
            .unwrap();
    }
    let path = format!("/internal/v1/tables/{tenant_id}/Orders");
    let res = s
        .http
        .delete(format!("{}{path}", s.base))
        .bearer_auth(INTERNAL_TOKEN)
        .header(
            "x-dynastore-principal",
            "arn:aws:iam::123456789012:user/alice",
        )
        .header("x-dynastore-source-ip", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // Again: the table is gone, a DynamoDB refusal, recorded as a failure.
    let res = s
        .http
        .delete(format!("{}{path}", s.base))
        .bearer_auth(INTERNAL_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);

    let page = s
        .get(
            "/v1/tenants/acme/audit?action=dynamodb:DeleteTable",
            &operator(),
        )
        .await
        .expect(200);
    let ev = events(&page);
    assert_eq!(ev.len(), 2);
    assert_eq!(ev[0]["principal"], "data-plane");
    assert_eq!(ev[0]["outcome"], "failure");
    assert_eq!(ev[0]["source_ip"], "127.0.0.1");
    assert_eq!(ev[1]["principal"], "arn:aws:iam::123456789012:user/alice");
    assert_eq!(ev[1]["source_ip"], "203.0.113.9");
    assert_eq!(ev[1]["outcome"], "success");
    assert_eq!(ev[1]["resource"], "table/Orders");
}

async fn changes_after(s: &admin_support::Server, after: i64) -> Value {
    s.raw(
        Method::GET,
        &format!("/internal/v1/changes?after={after}&wait_secs=0"),
        Some(INTERNAL_TOKEN),
        None,
    )
    .await
    .expect(200)
}

#[sqlx::test(migrator = "dynastore_control_plane::db::MIGRATOR")]
async fn data_planes_see_users_policies_and_their_changes(pool: PgPool) {
    let s = start(pool).await;
    let op = operator();
    s.tenant("acme").await;
    s.post("/v1/tenants/acme/users", &op, json!({"name": "alice"}))
        .await
        .expect(201);
    let key = s
        .post("/v1/tenants/acme/users/alice/access-keys", &op, json!({}))
        .await
        .expect(201);
    s.post(
        "/v1/tenants/acme/policies",
        &op,
        json!({"name": "read", "document": allow("dynamodb:GetItem")}),
    )
    .await
    .expect(201);
    let before = s.snapshot().await;
    let rev = before["revision"].as_i64().unwrap();
    assert_eq!(before["users"][0]["name"], "alice");
    assert_eq!(before["users"][0]["policies"], json!([]));

    s.put("/v1/tenants/acme/users/alice/policies/read", &op, None)
        .await
        .expect(204);
    let snap = s.snapshot().await;
    assert!(
        snap["revision"].as_i64().unwrap() > rev,
        "attaching bumps the revision"
    );
    assert_eq!(
        snap["users"][0]["policies"],
        json!([{"name": "read", "document": allow("dynamodb:GetItem")}])
    );
    let c = changes_after(&s, rev).await;
    assert_eq!(c["users"][0]["name"], "alice");
    assert_eq!(c["users"][0]["policies"][0]["name"], "read");

    // Editing the document re-sends the user with the new document.
    let rev = snap["revision"].as_i64().unwrap();
    s.put(
        "/v1/tenants/acme/policies/read",
        &op,
        Some(json!({"document": allow("dynamodb:Scan")})),
    )
    .await
    .expect(200);
    let c = changes_after(&s, rev).await;
    assert_eq!(
        c["users"][0]["policies"][0]["document"],
        allow("dynamodb:Scan")
    );

    // Detaching re-sends it without the policy.
    let rev = c["revision"].as_i64().unwrap();
    s.delete("/v1/tenants/acme/users/alice/policies/read", &op)
        .await
        .expect(204);
    let c = changes_after(&s, rev).await;
    assert_eq!(c["users"][0]["policies"], json!([]));

    // Deleting the user sends its id and its keys' ids as deleted.
    let rev = c["revision"].as_i64().unwrap();
    let user_id = snap["users"][0]["id"].clone();
    s.delete("/v1/tenants/acme/users/alice", &op)
        .await
        .expect(204);
    let c = changes_after(&s, rev).await;
    assert_eq!(c["deleted_users"], json!([user_id]));
    assert_eq!(c["deleted_access_keys"], json!([key["access_key_id"]]));

    // Suspending the tenant is seen with its quotas.
    let rev = c["revision"].as_i64().unwrap();
    s.patch(
        "/v1/tenants/acme",
        &op,
        json!({"status": "suspended", "max_tables": 3}),
    )
    .await
    .expect(200);
    let c = changes_after(&s, rev).await;
    assert_eq!(c["tenants"][0]["status"], "suspended");
    assert_eq!(c["tenants"][0]["quotas"]["max_tables"], 3);
}

#[sqlx::test(migrator = "dynastore_control_plane::db::MIGRATOR")]
async fn deleting_a_tenant_cascades_and_data_planes_drop_it(pool: PgPool) {
    let s = start(pool).await;
    let op = operator();
    let t = s.tenant("acme").await;
    let other = s.tenant("globex").await;
    let tenant_id = t["id"].as_str().unwrap().to_owned();
    s.post("/v1/tenants/acme/users", &op, json!({"name": "alice"}))
        .await
        .expect(201);
    s.post("/v1/tenants/globex/users", &op, json!({"name": "alice"}))
        .await
        .expect(201);
    s.post("/v1/tenants/acme/users/alice/access-keys", &op, json!({}))
        .await
        .expect(201);
    s.post(
        "/v1/tenants/acme/policies",
        &op,
        json!({"name": "read", "document": allow("dynamodb:GetItem")}),
    )
    .await
    .expect(201);
    s.put("/v1/tenants/acme/users/alice/policies/read", &op, None)
        .await
        .expect(204);
    {
        let mut conn = s.cp.pool.acquire().await.unwrap();
        let record = TableRecord {
            tenant_id: tenant_id.clone(),
            region: String::new(),
            name: "Orders".into(),
            id: "tid-1".into(),
            status: "ACTIVE".into(),
            definition: json!({}),
        };
        dynastore_control_plane::db::tables::insert(&mut conn, &record)
            .await
            .unwrap();
    }
    let rev = s.snapshot().await["revision"].as_i64().unwrap();

    s.delete("/v1/tenants/acme", &op).await.expect(204);

    for table in ["users", "access_keys", "policies", "tables"] {
        let n: i64 = sqlx::query_scalar(&format!(
            "SELECT count(*) FROM {table} WHERE tenant_id = $1"
        ))
        .bind(&tenant_id)
        .fetch_one(&s.cp.pool)
        .await
        .unwrap();
        assert_eq!(n, 0, "{table} of the deleted tenant");
    }
    let attachments: i64 = sqlx::query_scalar("SELECT count(*) FROM user_policies")
        .fetch_one(&s.cp.pool)
        .await
        .unwrap();
    assert_eq!(attachments, 0);

    let c = changes_after(&s, rev).await;
    assert_eq!(c["deleted_tenants"], json!([tenant_id]));
    let snap = s.snapshot().await;
    assert_eq!(snap["tenants"].as_array().unwrap().len(), 1);
    assert_eq!(snap["tenants"][0]["id"], other["id"]);
    assert_eq!(
        snap["users"].as_array().unwrap().len(),
        1,
        "globex's alice stays"
    );
    assert!(snap["tables"].as_array().unwrap().is_empty());

    // The trail outlives the tenant.
    let page = s
        .get(&format!("/v1/audit?tenant_id={tenant_id}"), &op)
        .await
        .expect(200);
    assert_eq!(actions(&page)[0], "DeleteTenant");
    assert!(actions(&page).contains(&"CreateUser".to_owned()));
}
