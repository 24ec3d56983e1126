//! Shared by the `admin_*` test binaries: a control plane with the admin
//! API on a fresh database (from `#[sqlx::test]`), served over real HTTP on
//! `127.0.0.1:0`, tokens to call it with, and a small JSON client.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use dynastore_common::shutdown::{self, Trigger};
use dynastore_common::Secret;
use dynastore_control_plane::admin::auth::{mint_hs256, Claims, Role};
use dynastore_control_plane::{AdminConfig, Config, ControlPlane};
use reqwest::Method;
use serde_json::Value;
use sqlx::PgPool;

/// The HS256 secret of [`start`].
pub const SECRET: &str = "test-admin-jwt-secret-0123456789abcdef";
/// The internal API token.
pub const INTERNAL_TOKEN: &str = "test-internal-token-0123456789";

/// A running control plane.
pub struct Server {
    pub cp: Arc<ControlPlane>,
    pub base: String,
    pub http: reqwest::Client,
    trigger: Trigger,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.trigger.fire();
    }
}

/// The core config of the tests (the database comes from the pool).
pub fn config() -> Config {
    Config {
        database_url: Secret::new("unused"),
        listen: "127.0.0.1:0".into(),
        internal_token: Secret::new(INTERNAL_TOKEN),
        master_key: Secret::new("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="),
        long_poll_secs: 1,
        db_max_connections: 5,
    }
}

/// The control plane on `pool`, with HS256 tokens under [`SECRET`].
pub async fn start(pool: PgPool) -> Server {
    start_with(pool, AdminConfig::with_secret(Secret::new(SECRET))).await
}

/// The control plane on `pool` with `admin`.
pub async fn start_with(pool: PgPool, admin: AdminConfig) -> Server {
    let (trigger, stop) = shutdown::channel();
    let cp = ControlPlane::with_pool_and_admin(pool, config(), admin, stop.clone())
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    {
        let cp = cp.clone();
        tokio::spawn(async move { cp.serve(listener, stop).await });
    }
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    Server {
        cp,
        base,
        http,
        trigger,
    }
}

/// A token for `subject` with `role`, valid for an hour.
pub fn token(subject: &str, role: &Role) -> String {
    mint_hs256(
        &Secret::new(SECRET),
        &Claims::new(subject, role, Duration::from_secs(3600)),
    )
    .unwrap()
}

/// An operator's token (subject `ops`).
pub fn operator() -> String {
    token("ops", &Role::Operator)
}

/// A tenant admin's token for `tenant` (subject `admin-<tenant>`).
pub fn tenant_admin(tenant: &str) -> String {
    token(
        &format!("admin-{tenant}"),
        &Role::TenantAdmin(tenant.into()),
    )
}

/// An answer: status, content type, and the body as JSON (`Null` when empty).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub www_authenticate: Option<String>,
    pub body: Value,
}

impl Reply {
    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Value {
        assert_eq!(self.status, status, "unexpected answer: {:#}", self.body);
        self.body
    }

    /// Asserts a problem document with `status`; returns its detail.
    #[track_caller]
    pub fn problem(self, status: u16) -> String {
        assert_eq!(self.status, status, "unexpected answer: {:#}", self.body);
        assert_eq!(self.content_type, "application/problem+json");
        assert_eq!(self.body["status"], status);
        assert!(
            self.body["title"].is_string() && self.body["type"].is_string(),
            "{}",
            self.body
        );
        self.body["detail"].as_str().unwrap_or_default().to_owned()
    }
}

impl Server {
    /// Sends `method path` with an optional bearer token and raw body.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<String>,
    ) -> Reply {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let header = |name: &str| {
            res.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header("content-type").unwrap_or_default();
        let www_authenticate = header("www-authenticate");
        let bytes = res.bytes().await.unwrap();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        Reply {
            status,
            content_type,
            www_authenticate,
            body,
        }
    }

    /// Sends JSON `body` (if any) as `token`.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> Reply {
        self.raw(method, path, Some(token), body.map(|b| b.to_string()))
            .await
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.call(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Reply {
        self.call(Method::POST, path, token, Some(body)).await
    }

    pub async fn put(&self, path: &str, token: &str, body: Option<Value>) -> Reply {
        self.call(Method::PUT, path, token, body).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Reply {
        self.call(Method::PATCH, path, token, Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Reply {
        self.call(Method::DELETE, path, token, None).await
    }

    /// The data-plane snapshot from the internal API.
    pub async fn snapshot(&self) -> Value {
        self.raw(
            Method::GET,
            "/internal/v1/snapshot",
            Some(INTERNAL_TOKEN),
            None,
        )
        .await
        .expect(200)
    }

    /// Creates tenant `name` as an operator; returns it.
    pub async fn tenant(&self, name: &str) -> Value {
        self.post(
            "/v1/tenants",
            &operator(),
            serde_json::json!({ "name": name }),
        )
        .await
        .expect(201)
    }
}

/// A valid policy document allowing `action` on every table.
pub fn allow(action: &str) -> Value {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Action": action,
            "Resource": "arn:aws:dynamodb:*:*:table/*"
        }]
    })
}
