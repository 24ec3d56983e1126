//! The admin API's resources over real HTTP as an operator: tenants,
//! users, access keys, policies and attachments, the table catalog, the
//! OpenAPI document — happy paths, 400/404/409/422 problems.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod admin_support;

use admin_support::{allow, operator, start};
use dynastore_common::contract::TableRecord;
use reqwest::Method;
use serde_json::json;
use sqlx::PgPool;

#[sqlx::test(migrator = "dynastore_control_plane::db::MIGRATOR")]
async fn tenants_are_created_listed_updated_and_deleted(pool: PgPool) {
    let s = start(pool).await;
    let op = operator();
    let t = s
        .post("/v1/tenants", &op, json!({"name": "acme"}))
        .await
        .expect(201);
    assert_eq!(t["name"], "acme");
    assert_eq!(t["status"], "active");
    let account = t["account_id"].as_str().unwrap();
    assert!(
        account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()),
        "{account}"
    );
    assert_eq!(t["quotas"]["max_tables"], json!(null));
    assert!(t["created_at"].as_str().unwrap().contains('T'));
    let id = t["id"].as_str().unwrap().to_owned();

    // Conflicts and validation.
    let detail = s
        .post("/v1/tenants", &op, json!({"name": "acme"}))
        .await
        .problem(409);
    assert!(detail.contains("already exists"), "{detail}");
    for bad in ["ab", "Acme", "a_b", "0123456789abcdef0123456789abcdef"] {
        s.post("/v1/tenants", &op, json!({ "name": bad }))
            .await
            .problem(422);
    }
    s.post("/v1/tenants", &op, json!({"name": "x", "extra": 1}))
        .await
        .problem(422);
    let r = s
        .raw(
            Method::POST,
            "/v1/tenants",
            Some(&op),
            Some("{not json".into()),
        )
        .await;
    assert!(r.problem(400).contains("malformed JSON"));

    s.post("/v1/tenants", &op, json!({"name": "globex"}))
        .await
        .expect(201);
    let list = s.get("/v1/tenants", &op).await.expect(200);
    let names: Vec<&str> = list["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["acme", "globex"]);

    // Show by name and by id.
    assert_eq!(
        s.get("/v1/tenants/acme", &op).await.expect(200)["id"],
        id.as_str()
    );
    assert_eq!(
        s.get(&format!("/v1/tenants/{id}"), &op).await.expect(200)["name"],
        "acme"
    );

    // Quotas and status; null resets to unlimited; absent fields stay.
    let u = s
        .patch(
            "/v1/tenants/acme",
            &op,
            json!({"status": "suspended", "max_tables": 10, "max_storage_bytes": 1_000_000}),
        )
        .await
        .expect(200);
    assert_eq!(u["status"], "suspended");
    assert_eq!(u["quotas"]["max_tables"], 10);
    let u = s
        .patch("/v1/tenants/acme", &op, json!({"max_tables": null}))
        .await
        .expect(200);
    assert_eq!(u["quotas"]["max_tables"], json!(null));
    assert_eq!(u["quotas"]["max_storage_bytes"], 1_000_000);
    assert_eq!(u["status"], "suspended");
    s.patch("/v1/tenants/acme", &op, json!({"max_tables": -1}))
        .await
        .problem(422);
    s.patch("/v1/tenants/acme", &op, json!({"status": "paused"}))
        .await
        .problem(422);
    s.patch("/v1/tenants/acme", &op, json!({"max_tabels": 1}))
        .await
        .problem(422);
    let snap = s.snapshot().await;
    let stored = snap["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "acme")
        .unwrap()
        .clone();
    assert_eq!(stored["status"], "suspended");
    assert_eq!(stored["quotas"]["max_storage_bytes"], 1_000_000);

    // 404s, then delete.
    s.get("/v1/tenants/nosuch", &op).await.problem(404);
    s.patch("/v1/tenants/nosuch", &op, json!({"status": "active"}))
        .await
        .problem(404);
    s.delete("/v1/tenants/nosuch", &op).await.problem(404);
    assert_eq!(
        s.delete("/v1/tenants/acme", &op).await.expect(204),
        json!(null)
    );
    s.get("/v1/tenants/acme", &op).await.problem(404);
    // The name is free again, under a new id.
    let again = s
        .post("/v1/tenants", &op, json!({"name": "acme"}))
        .await
        .expect(201);
    assert_ne!(again["id"], id.as_str());
}

#[sqlx::test(migrator = "dynastore_control_plane::db::MIGRATOR")]
async fn users_are_created_shown_and_deleted(pool: PgPool) {
    let s = start(pool).await;
    let op = operator();
    s.tenant("acme").await;
    let u = s
        .post("/v1/tenants/acme/users", &op, json!({"name": "alice"}))
        .await
        .expect(201);
    assert_eq!(u["name"], "alice");
    assert_eq!(u["policies"], json!([]));
    assert_eq!(u["access_keys"], json!([]));
    s.post(
        "/v1/tenants/acme/users",
        &op,
        json!({"name": "bob.ops@example.com"}),
    )
    .await
    .expect(201);
    s.post("/v1/tenants/acme/users", &op, json!({"name": "alice"}))
        .await
        .problem(409);
    for bad in ["", "has space", "slash/no", &"u".repeat(65)] {
        s.post("/v1/tenants/acme/users", &op, json!({ "name": bad }))
            .await
            .problem(422);
    }
    s.post("/v1/tenants/acme/users", &op, json!({}))
        .await
        .problem(422);
    s.post("/v1/tenants/nosuch/users", &op, json!({"name": "x"}))
        .await
        .problem(404);

    let list = s.get("/v1/tenants/acme/users", &op).await.expect(200);
    let names: Vec<&str> = list["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alice", "bob.ops@example.com"]);

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
    let shown = s.get("/v1/tenants/acme/users/alice", &op).await.expect(200);
    assert_eq!(shown["policies"], json!(["read"]));
    assert_eq!(shown["access_keys"].as_array().unwrap().len(), 1);

    s.get("/v1/tenants/acme/users/nobody", &op)
        .await
        .problem(404);
    s.delete("/v1/tenants/acme/users/alice", &op)
        .await
        .expect(204);
    s.get("/v1/tenants/acme/users/alice", &op)
        .await
        .problem(404);
    s.delete("/v1/tenants/acme/users/alice", &op)
        .await
        .problem(404);
    // Its keys and attachments went with it.
    let snap = s.snapshot().await;
    assert!(snap["access_keys"].as_array().unwrap().is_empty(), "{snap}");
    let policy = s
        .get("/v1/tenants/acme/policies/read", &op)
        .await
        .expect(200);
    assert_eq!(policy["attached_users"], json!([]));
}

#[sqlx::test(migrator = "dynastore_control_plane::db::MIGRATOR")]
async fn access_keys_are_limited_to_two_and_secrets_shown_once(pool: PgPool) {
    let s = start(pool).await;
    let op = operator();
    s.tenant("acme").await;
    s.post("/v1/tenants/acme/users", &op, json!({"name": "alice"}))
        .await
        .expect(201);
    s.post("/v1/tenants/acme/users", &op, json!({"name": "bob"}))
        .await
        .expect(201);
    let base = "/v1/tenants/acme/users/alice/access-keys";

    let k1 = s.post(base, &op, json!({})).await.expect(201);
    let id1 = k1["access_key_id"].as_str().unwrap().to_owned();
    assert!(id1.starts_with("AKIA") && id1.len() == 20, "{id1}");
    assert_eq!(k1["secret_access_key"].as_str().unwrap().len(), 40);
    assert_eq!(k1["status"], "active");
    let k2 = s.post(base, &op, json!({})).await.expect(201);
    let detail = s.post(base, &op, json!({})).await.problem(409);
    assert_eq!(detail, "Cannot exceed quota for AccessKeysPerUser: 2");

    let list = s.get(base, &op).await.expect(200);
    let keys = list["access_keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    assert!(
        keys.iter().all(|k| k.get("secret_access_key").is_none()),
        "{list}"
    );

    // Deactivate, and data planes see it with the user's name.
    let k = s
        .patch(&format!("{base}/{id1}"), &op, json!({"status": "inactive"}))
        .await
        .expect(200);
    assert_eq!(k["status"], "inactive");
    s.patch(&format!("{base}/{id1}"), &op, json!({"status": "paused"}))
        .await
        .problem(422);
    let snap = s.snapshot().await;
    let in_snap = snap["access_keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["access_key_id"] == id1.as_str())
        .unwrap()
        .clone();
    assert_eq!(in_snap["active"], false);
    assert_eq!(in_snap["user_name"], "alice");
    assert_eq!(in_snap["secret_access_key"], k1["secret_access_key"]);
    let k = s
        .patch(&format!("{base}/{id1}"), &op, json!({"status": "active"}))
        .await
        .expect(200);
    assert_eq!(k["status"], "active");

    // Someone else's key or an unknown one is 404.
    s.patch(
        &format!("/v1/tenants/acme/users/bob/access-keys/{id1}"),
        &op,
        json!({"status": "inactive"}),
    )
    .await
    .problem(404);
    s.delete(
        &format!("/v1/tenants/acme/users/bob/access-keys/{id1}"),
        &op,
    )
    .await
    .problem(404);
    s.delete(&format!("{base}/AKIANOSUCHKEY0000000"), &op)
        .await
        .problem(404);
    s.get("/v1/tenants/acme/users/nobody/access-keys", &op)
        .await
        .problem(404);

    s.delete(
        &format!("{base}/{}", k2["access_key_id"].as_str().unwrap()),
        &op,
    )
    .await
    .expect(204);
    s.post(base, &op, json!({})).await.expect(201);
}

#[sqlx::test(migrator = "dynastore_control_plane::db::MIGRATOR")]
async fn policies_are_validated_attached_and_protected_while_attached(pool: PgPool) {
    let s = start(pool).await;
    let op = operator();
    s.tenant("acme").await;
    s.post("/v1/tenants/acme/users", &op, json!({"name": "alice"}))
        .await
        .expect(201);
    let base = "/v1/tenants/acme/policies";

    let p = s
        .post(
            base,
            &op,
            json!({"name": "read", "document": allow("dynamodb:GetItem")}),
        )
        .await
        .expect(201);
    assert_eq!(p["document"], allow("dynamodb:GetItem"));
    assert_eq!(p["attached_users"], json!([]));
    // A document given as a string is stored as the object it holds.
    let p2 = s
        .post(
            base,
            &op,
            json!({"name": "write", "document": allow("dynamodb:PutItem").to_string()}),
        )
        .await
        .expect(201);
    assert_eq!(p2["document"], allow("dynamodb:PutItem"));
    s.post(
        base,
        &op,
        json!({"name": "read", "document": allow("dynamodb:GetItem")}),
    )
    .await
    .problem(409);
    s.post(
        base,
        &op,
        json!({"name": "bad name", "document": allow("dynamodb:GetItem")}),
    )
    .await
    .problem(422);

    // Invalid documents: the validator's message is the detail.
    let bad_effect = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Perhaps", "Action": "dynamodb:GetItem", "Resource": "*"}]});
    let detail = s
        .post(base, &op, json!({"name": "x", "document": bad_effect}))
        .await
        .problem(422);
    assert!(detail.contains("Effect"), "{detail}");
    s.post(base, &op, json!({"name": "x", "document": "{not json"}))
        .await
        .problem(422);
    s.post(base, &op, json!({"name": "x", "document": [1, 2]}))
        .await
        .problem(422);
    s.post(
        base,
        &op,
        json!({"name": "x", "document": {"Statement": "nope"}}),
    )
    .await
    .problem(422);

    let list = s.get(base, &op).await.expect(200);
    let names: Vec<&str> = list["policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["read", "write"]);

    // Replace a document.
    let updated = s
        .put(
            &format!("{base}/read"),
            &op,
            Some(json!({"document": allow("dynamodb:Query")})),
        )
        .await
        .expect(200);
    assert_eq!(updated["document"], allow("dynamodb:Query"));
    s.put(
        &format!("{base}/read"),
        &op,
        Some(json!({"document": {"Version": "2012-10-17"}})),
    )
    .await
    .problem(422);
    s.put(
        &format!("{base}/nosuch"),
        &op,
        Some(json!({"document": allow("dynamodb:Query")})),
    )
    .await
    .problem(404);
    assert_eq!(
        s.get(&format!("{base}/read"), &op).await.expect(200)["document"],
        allow("dynamodb:Query")
    );

    // Attach (idempotent), then deleting it is a conflict.
    let attach = "/v1/tenants/acme/users/alice/policies/read";
    s.put(attach, &op, None).await.expect(204);
    s.put(attach, &op, None).await.expect(204);
    s.put("/v1/tenants/acme/users/alice/policies/nosuch", &op, None)
        .await
        .problem(404);
    s.put("/v1/tenants/acme/users/nobody/policies/read", &op, None)
        .await
        .problem(404);
    let shown = s.get(&format!("{base}/read"), &op).await.expect(200);
    assert_eq!(shown["attached_users"], json!(["alice"]));
    let detail = s.delete(&format!("{base}/read"), &op).await.problem(409);
    assert_eq!(detail, "Cannot delete a policy attached to entities.");

    s.delete(attach, &op).await.expect(204);
    s.delete(attach, &op).await.problem(404);
    s.delete(&format!("{base}/read"), &op).await.expect(204);
    s.get(&format!("{base}/read"), &op).await.problem(404);
    s.delete(&format!("{base}/read"), &op).await.problem(404);
}

#[sqlx::test(migrator = "dynastore_control_plane::db::MIGRATOR")]
async fn tables_are_listed_from_the_catalog(pool: PgPool) {
    let s = start(pool).await;
    let op = operator();
    let t = s.tenant("acme").await;
    let definition = json!({"spec": {"name": "Orders"}, "table_id": "tid-1"});
    {
        let mut conn = s.cp.pool.acquire().await.unwrap();
        let record = TableRecord {
            tenant_id: t["id"].as_str().unwrap().to_owned(),
            region: String::new(),
            name: "Orders".into(),
            id: "tid-1".into(),
            status: "ACTIVE".into(),
            definition: definition.clone(),
        };
        dynastore_control_plane::db::tables::insert(&mut conn, &record)
            .await
            .unwrap();
    }
    let list = s.get("/v1/tenants/acme/tables", &op).await.expect(200);
    assert_eq!(list["tables"][0]["name"], "Orders");
    assert_eq!(list["tables"][0]["status"], "ACTIVE");
    let table = s
        .get("/v1/tenants/acme/tables/Orders", &op)
        .await
        .expect(200);
    assert_eq!(table["id"], "tid-1");
    assert_eq!(table["definition"], definition);
    assert!(table["created_at"].is_string());
    s.get("/v1/tenants/acme/tables/Nope", &op)
        .await
        .problem(404);
    s.get("/v1/tenants/nosuch/tables", &op).await.problem(404);
    // Read-only: there is no way to write tables here.
    let r = s
        .post("/v1/tenants/acme/tables", &op, json!({"name": "X"}))
        .await;
    assert_eq!(r.status, 405);
}

#[sqlx::test(migrator = "dynastore_control_plane::db::MIGRATOR")]
async fn the_openapi_document_describes_the_api(pool: PgPool) {
    let s = start(pool).await;
    let doc = s
        .raw(Method::GET, "/openapi.json", None, None)
        .await
        .expect(200);
    assert!(
        doc["openapi"].as_str().unwrap().starts_with('3'),
        "{}",
        doc["openapi"]
    );
    for path in [
        "/v1/tenants",
        "/v1/tenants/{tenant}",
        "/v1/tenants/{tenant}/users/{user}",
        "/v1/tenants/{tenant}/users/{user}/access-keys/{key}",
        "/v1/tenants/{tenant}/users/{user}/policies/{policy}",
        "/v1/tenants/{tenant}/policies/{policy}",
        "/v1/tenants/{tenant}/tables/{table}",
        "/v1/tenants/{tenant}/audit",
        "/v1/audit",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
    assert!(doc["paths"]["/v1/tenants/{tenant}"]["patch"].is_object());
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert!(doc["components"]["schemas"]["Problem"]["properties"]["detail"].is_object());
    // Unknown admin paths answer problem documents too.
    s.get("/v1/nothing-here", &operator()).await.problem(404);
}

/// What schemathesis found: inputs that reached PostgreSQL and failed
/// there (500s), and an array body taken as positional fields.
#[sqlx::test(migrator = "dynastore_control_plane::db::MIGRATOR")]
async fn fuzzed_inputs_are_refused_before_the_database(pool: PgPool) {
    let s = start(pool).await;
    let op = operator();
    s.tenant("acme").await;
    // NUL characters: PostgreSQL text cannot hold them.
    s.get("/v1/tenants/a%00b", &op).await.problem(400);
    s.get("/v1/audit?principal=%00", &op).await.problem(400);
    s.get("/v1/tenants/acme/users/a%00", &op).await.problem(400);
    let detail = s
        .post("/v1/tenants", &op, json!({"name": "a\u{0}b"}))
        .await
        .problem(422);
    assert!(detail.contains("NUL"), "{detail}");
    // A page token whose time PostgreSQL cannot hold.
    let token = "LTEwMDAwMDAwMDAwMDAwMDAwMDA6MQ"; // "-1000000000000000000:1"
    s.get(&format!("/v1/audit?next_token={token}"), &op)
        .await
        .problem(400);

    // An array is not an object, even though serde would read it as one.
    s.patch("/v1/tenants/acme", &op, json!({"max_tables": 5}))
        .await
        .expect(200);
    s.patch("/v1/tenants/acme", &op, json!([null, null]))
        .await
        .problem(422);
    let t = s.get("/v1/tenants/acme", &op).await.expect(200);
    assert_eq!(t["quotas"]["max_tables"], 5, "the array did not reset it");
    // An integral number is an integer, as JSON Schema says; 7.5 is not.
    let t = s
        .patch("/v1/tenants/acme", &op, json!({"max_tables": 7.0}))
        .await
        .expect(200);
    assert_eq!(t["quotas"]["max_tables"], 7);
    s.patch("/v1/tenants/acme", &op, json!({"max_tables": 7.5}))
        .await
        .problem(422);
}
