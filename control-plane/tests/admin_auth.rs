//! JWT authentication and role scoping of the admin API over real HTTP:
//! 401 for missing, expired, forged, `alg: none` and wrong-issuer or
//! wrong-audience tokens; algorithm pinning with RS256, ES256 and JWKS
//! keys; 403 for tenant admins outside their tenant.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod admin_support;

use std::time::Duration;

use admin_support::{operator, start, start_with, tenant_admin, token, SECRET};
use base64::Engine;
use dynastore_common::Secret;
use dynastore_control_plane::admin::auth::{mint_hs256, Claims, Role};
use dynastore_control_plane::AdminConfig;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::Method;
use serde_json::json;
use sqlx::PgPool;

const RSA_PRIVATE: &str = include_str!("fixtures/rsa-private.pem");
const RSA_PUBLIC: &str = include_str!("fixtures/rsa-public.pem");
const EC_PRIVATE: &str = include_str!("fixtures/ec-private.pem");
const EC_PUBLIC: &str = include_str!("fixtures/ec-public.pem");

fn claims() -> Claims {
    Claims::new("ops", &Role::Operator, Duration::from_secs(600))
}

fn sign(alg: Algorithm, key: &EncodingKey, kid: Option<&str>, claims: &Claims) -> String {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, key).unwrap()
}

fn b64(v: &serde_json::Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

fn public_key_config(pem: &str) -> AdminConfig {
    let mut c = AdminConfig::disabled();
    c.admin_api_enabled = true;
    c.jwt_public_key = Some(pem.to_owned());
    c
}

#[sqlx::test(migrator = "dynastore_control_plane::db::MIGRATOR")]
async fn missing_or_malformed_authorization_is_401_with_a_bearer_challenge(pool: PgPool) {
    let s = start(pool).await;
    let r = s.raw(Method::GET, "/v1/tenants", None, None).await;
    assert_eq!(r.www_authenticate.as_deref(), Some("Bearer"));
    assert_eq!(r.problem(401), "missing or invalid bearer token");

    let r = s
        .raw(
            Method::POST,
            "/v1/tenants",
            None,
            Some(json!({"name": "acme"}).to_string()),
        )
        .await;
    r.problem(401);
    let r = s
        .raw(Method::GET, "/v1/tenants", Some("not-a-jwt"), None)
        .await;
    r.problem(401);
    // Another scheme is no bearer token.
    let basic = s
        .http
        .get(format!("{}/v1/tenants", s.base))
        .basic_auth("ops", Some("pw"))
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), 401);
    // Nothing was created by the refused POST.
    s.get("/v1/tenants", &operator()).await.expect(200);
    let list = s.get("/v1/tenants", &operator()).await.expect(200);
    assert_eq!(list["tenants"], json!([]));
}

#[sqlx::test(migrator = "dynastore_control_plane::db::MIGRATOR")]
async fn expired_forged_and_unsigned_tokens_are_401(pool: PgPool) {
    let s = start(pool).await;
    let mut expired = claims();
    expired.exp = jsonwebtoken::get_current_timestamp() - 3600;
    let expired = mint_hs256(&Secret::new(SECRET), &expired).unwrap();
    s.get("/v1/tenants", &expired).await.problem(401);

    let forged = mint_hs256(
        &Secret::new("another-secret-another-secret-0123"),
        &claims(),
    )
    .unwrap();
    s.get("/v1/tenants", &forged).await.problem(401);

    let none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&json!(claims()))
    );
    s.get("/v1/tenants", &none).await.problem(401);

    // A valid token with its payload swapped for an operator's.
    let real = tenant_admin("acme");
    let parts: Vec<&str> = real.split('.').collect();
    let tampered = format!("{}.{}.{}", parts[0], b64(&json!(claims())), parts[2]);
    s.get("/v1/tenants", &tampered).await.problem(401);

    let mut no_exp = serde_json::to_value(claims()).unwrap();
    no_exp.as_object_mut().unwrap().remove("exp");
    let no_exp = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &no_exp,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    s.get("/v1/tenants", &no_exp).await.problem(401);

    let mut future = claims();
    let nbf = jsonwebtoken::get_current_timestamp() + 3600;
    let future_token = {
        let mut v = serde_json::to_value(&future).unwrap();
        v["nbf"] = json!(nbf);
        future.exp = nbf + 3600;
        v["exp"] = json!(future.exp);
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &v,
            &EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .unwrap()
    };
    s.get("/v1/tenants", &future_token).await.problem(401);

    s.get("/v1/tenants", &operator()).await.expect(200);
}

#[sqlx::test(migrator = "dynastore_control_plane::db::MIGRATOR")]
async fn issuer_and_audience_are_enforced_when_configured(pool: PgPool) {
    let mut admin = AdminConfig::with_secret(Secret::new(SECRET));
    admin.jwt_issuer = Some("https://idp.example".into());
    admin.jwt_audience = Some("dynastore-admin".into());
    let s = start_with(pool, admin).await;
    let with = |iss: Option<&str>, aud: Option<&str>| {
        let mut c = claims();
        c.iss = iss.map(str::to_owned);
        c.aud = aud.map(str::to_owned);
        mint_hs256(&Secret::new(SECRET), &c).unwrap()
    };
    s.get("/v1/tenants", &with(None, None)).await.problem(401);
    s.get(
        "/v1/tenants",
        &with(Some("https://evil.example"), Some("dynastore-admin")),
    )
    .await
    .problem(401);
    s.get(
        "/v1/tenants",
        &with(Some("https://idp.example"), Some("other")),
    )
    .await
    .problem(401);
    s.get("/v1/tenants", &with(Some("https://idp.example"), None))
        .await
        .problem(401);
    s.get(
        "/v1/tenants",
        &with(Some("https://idp.example"), Some("dynastore-admin")),
    )
    .await
    .expect(200);
}

#[sqlx::test(migrator = "dynastore_control_plane::db::MIGRATOR")]
async fn rs256_public_key_pins_the_algorithm(pool: PgPool) {
    let s = start_with(pool, public_key_config(RSA_PUBLIC)).await;
    let private = EncodingKey::from_rsa_pem(RSA_PRIVATE.as_bytes()).unwrap();
    s.get(
        "/v1/tenants",
        &sign(Algorithm::RS256, &private, None, &claims()),
    )
    .await
    .expect(200);
    // The classic confusion: HS256 keyed with the public key's PEM.
    let confused = sign(
        Algorithm::HS256,
        &EncodingKey::from_secret(RSA_PUBLIC.as_bytes()),
        None,
        &claims(),
    );
    s.get("/v1/tenants", &confused).await.problem(401);
    s.get("/v1/tenants", &operator()).await.problem(401);
    // An EC key's signature does not pass for the RSA key's.
    let ec = EncodingKey::from_ec_pem(EC_PRIVATE.as_bytes()).unwrap();
    s.get("/v1/tenants", &sign(Algorithm::ES256, &ec, None, &claims()))
        .await
        .problem(401);
}

#[sqlx::test(migrator = "dynastore_control_plane::db::MIGRATOR")]
async fn es256_public_key_is_accepted(pool: PgPool) {
    let s = start_with(pool, public_key_config(EC_PUBLIC)).await;
    let ec = EncodingKey::from_ec_pem(EC_PRIVATE.as_bytes()).unwrap();
    s.get("/v1/tenants", &sign(Algorithm::ES256, &ec, None, &claims()))
        .await
        .expect(200);
    let rsa = EncodingKey::from_rsa_pem(RSA_PRIVATE.as_bytes()).unwrap();
    s.get(
        "/v1/tenants",
        &sign(Algorithm::RS256, &rsa, None, &claims()),
    )
    .await
    .problem(401);
}

#[sqlx::test(migrator = "dynastore_control_plane::db::MIGRATOR")]
async fn jwks_keys_are_chosen_by_kid(pool: PgPool) {
    let rsa = EncodingKey::from_rsa_pem(RSA_PRIVATE.as_bytes()).unwrap();
    let ec = EncodingKey::from_ec_pem(EC_PRIVATE.as_bytes()).unwrap();
    let mut rsa_jwk = Jwk::from_encoding_key(&rsa, Algorithm::RS256).unwrap();
    rsa_jwk.common.key_id = Some("rsa-1".into());
    let mut ec_jwk = Jwk::from_encoding_key(&ec, Algorithm::ES256).unwrap();
    ec_jwk.common.key_id = Some("ec-1".into());
    let set = JwkSet {
        keys: vec![rsa_jwk, ec_jwk],
    };
    let mut admin = AdminConfig::disabled();
    admin.admin_api_enabled = true;
    admin.jwt_jwks = Some(serde_json::to_string(&set).unwrap());
    let s = start_with(pool, admin).await;

    s.get(
        "/v1/tenants",
        &sign(Algorithm::RS256, &rsa, Some("rsa-1"), &claims()),
    )
    .await
    .expect(200);
    s.get(
        "/v1/tenants",
        &sign(Algorithm::ES256, &ec, Some("ec-1"), &claims()),
    )
    .await
    .expect(200);
    // The right key under the wrong kid, an unknown kid, no kid among two keys.
    s.get(
        "/v1/tenants",
        &sign(Algorithm::RS256, &rsa, Some("ec-1"), &claims()),
    )
    .await
    .problem(401);
    s.get(
        "/v1/tenants",
        &sign(Algorithm::RS256, &rsa, Some("nope"), &claims()),
    )
    .await
    .problem(401);
    s.get(
        "/v1/tenants",
        &sign(Algorithm::RS256, &rsa, None, &claims()),
    )
    .await
    .problem(401);
}

#[sqlx::test(migrator = "dynastore_control_plane::db::MIGRATOR")]
async fn tenant_admins_are_confined_to_their_tenant(pool: PgPool) {
    let s = start(pool).await;
    let acme = s.tenant("acme").await;
    s.tenant("globex").await;
    let admin = tenant_admin("acme");

    // Operator-only endpoints.
    s.get("/v1/tenants", &admin).await.problem(403);
    s.post("/v1/tenants", &admin, json!({"name": "mine"}))
        .await
        .problem(403);
    s.patch("/v1/tenants/acme", &admin, json!({"status": "suspended"}))
        .await
        .problem(403);
    s.delete("/v1/tenants/acme", &admin).await.problem(403);
    s.get("/v1/audit", &admin).await.problem(403);
    // Other tenants, existing or not, look the same.
    s.get("/v1/tenants/globex", &admin).await.problem(403);
    s.get("/v1/tenants/globex/users", &admin).await.problem(403);
    s.post(
        "/v1/tenants/globex/users",
        &admin,
        json!({"name": "mallory"}),
    )
    .await
    .problem(403);
    s.get("/v1/tenants/nosuch", &admin).await.problem(403);
    s.get("/v1/tenants/nosuch", &operator()).await.problem(404);

    // Its own tenant, by name or by id.
    let own = s.get("/v1/tenants/acme", &admin).await.expect(200);
    assert_eq!(own["id"], acme["id"]);
    let id = acme["id"].as_str().unwrap();
    s.post(
        &format!("/v1/tenants/{id}/users"),
        &admin,
        json!({"name": "alice"}),
    )
    .await
    .expect(201);
    let users = s.get("/v1/tenants/acme/users", &admin).await.expect(200);
    assert_eq!(users["users"][0]["name"], "alice");
    s.get("/v1/tenants/acme/audit", &admin).await.expect(200);
    // A tenant admin named by id works too.
    let by_id = tenant_admin(id);
    s.get("/v1/tenants/acme/users", &by_id).await.expect(200);
    s.get("/v1/tenants/globex/users", &by_id).await.problem(403);
    // The other tenant is untouched.
    let other = s
        .get("/v1/tenants/globex/users", &operator())
        .await
        .expect(200);
    assert_eq!(other["users"], json!([]));
}

#[sqlx::test(migrator = "dynastore_control_plane::db::MIGRATOR")]
async fn tokens_without_an_admin_role_are_403(pool: PgPool) {
    let s = start(pool).await;
    let mut c = claims();
    c.role = "reader".into();
    s.get(
        "/v1/tenants",
        &mint_hs256(&Secret::new(SECRET), &c).unwrap(),
    )
    .await
    .problem(403);
    let mut c = claims();
    c.role = "tenant_admin".into();
    c.tenant = None;
    s.get(
        "/v1/tenants",
        &mint_hs256(&Secret::new(SECRET), &c).unwrap(),
    )
    .await
    .problem(403);
    s.get("/v1/tenants", &token("ops", &Role::Operator))
        .await
        .expect(200);
}

#[sqlx::test(migrator = "dynastore_control_plane::db::MIGRATOR")]
async fn without_the_admin_api_there_are_no_v1_routes(pool: PgPool) {
    let s = start_with(pool, AdminConfig::disabled()).await;
    let r = s.get("/v1/tenants", &operator()).await;
    assert_eq!(r.status, 404);
    // The internal API and the OpenAPI document are still served.
    s.snapshot().await;
    let doc = s
        .raw(Method::GET, "/openapi.json", None, None)
        .await
        .expect(200);
    assert!(doc["paths"]["/v1/tenants"].is_object());
}
