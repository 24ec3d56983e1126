//! The test stack: a fresh database, the control plane and the data plane
//! on ephemeral loopback ports, a bootstrapped tenant with a root key, and
//! helpers to build clients and signed requests.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sdk_dynamodb::config::{BehaviorVersion, Region};
use dynastore_common::contract::{AccessKeyRecord, TenantRecord};
use dynastore_common::shutdown::{self, Trigger};
use dynastore_common::Secret;
use dynastore_control_plane::ControlPlane;
use dynastore_data_plane::DataPlane;
use sqlx::Connection;
use tokio::net::TcpListener;

/// The server that test databases are created on.
pub fn server_url() -> String {
    std::env::var("DYNASTORE_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn with_database(url: &str, db: &str) -> String {
    match url.rfind('/') {
        Some(i) if url[..i].contains('@') || url[..i].ends_with(|c: char| c.is_ascii_digit()) => {
            let (base, rest) = url.split_at(i);
            let query = rest.find('?').map(|q| &rest[q..]).unwrap_or("");
            format!("{base}/{db}{query}")
        }
        _ => format!("{url}/{db}"),
    }
}

/// One running stack.
pub struct Stack {
    pub cp: Arc<ControlPlane>,
    pub dp: Arc<DataPlane>,
    pub dp_addr: SocketAddr,
    /// The control plane's address (admin API under `/v1`).
    pub cp_addr: SocketAddr,
    pub tenant: TenantRecord,
    pub key: AccessKeyRecord,
    cp_trigger: Option<Trigger>,
    dp_trigger: Trigger,
    dp_task: Option<tokio::task::JoinHandle<()>>,
    cp_task: Option<tokio::task::JoinHandle<()>>,
    database: String,
    _data_dir: tempfile::TempDir,
}

/// The HS256 secret of the test control plane's admin API.
const JWT_SECRET: &str = "e2e-admin-jwt-secret-0123456789abcdef";

impl Stack {
    /// Starts everything with a fresh database.
    pub async fn start() -> Stack {
        Stack::start_with(|_| {}).await
    }

    /// Starts everything with a fresh database, after `tune` adjusts the
    /// data plane's config.
    pub async fn start_with(tune: impl FnOnce(&mut dynastore_data_plane::Config)) -> Stack {
        let server = server_url();
        let database = format!("ds_test_{}", dynastore_control_plane::ids::internal_id());
        let mut admin = sqlx::PgConnection::connect(&server)
            .await
            .unwrap_or_else(|e| panic!("cannot reach Postgres at {server} (set DYNASTORE_TEST_DATABASE_URL or run scripts/test): {e}"));
        sqlx::query(&format!("CREATE DATABASE {database}"))
            .execute(&mut admin)
            .await
            .unwrap();
        admin.close().await.unwrap();

        let token = Secret::new("test-internal-token-0123456789");
        let (cp_trigger, cp_stop) = shutdown::channel();
        let cp_config = dynastore_control_plane::Config {
            database_url: Secret::new(with_database(&server, &database)),
            listen: "127.0.0.1:0".into(),
            internal_token: token.clone(),
            master_key: Secret::new("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="),
            long_poll_secs: 2,
            db_max_connections: 5,
        };
        let admin = dynastore_control_plane::config::AdminConfig::with_secret(Secret::new(JWT_SECRET));
        let cp = ControlPlane::start_with_admin(cp_config, admin, cp_stop.clone()).await.unwrap();
        let cp_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let cp_addr = cp_listener.local_addr().unwrap();
        let cp_task = {
            let cp = cp.clone();
            tokio::spawn(async move { cp.serve(cp_listener, cp_stop).await.unwrap() })
        };
        let tenant = cp.ensure_tenant("t1").await.unwrap();
        let key = cp.ensure_root_key(&tenant, None).await.unwrap();

        let data_dir = tempfile::tempdir().unwrap();
        let mut dp_config = dynastore_data_plane::Config::new(format!("http://{cp_addr}"), token);
        dp_config.long_poll_secs = 2;
        dp_config.data_dir = data_dir.path().to_path_buf();
        tune(&mut dp_config);
        let (dp, dp_addr, dp_trigger, dp_task) = start_data_plane(dp_config).await;
        Stack {
            cp,
            dp,
            dp_addr,
            cp_addr,
            tenant,
            key,
            cp_trigger: Some(cp_trigger),
            dp_trigger,
            dp_task: Some(dp_task),
            cp_task: Some(cp_task),
            database,
            _data_dir: data_dir,
        }
    }

    /// Restarts the data plane as a process restart would: the running one
    /// stops (its server drains, its storage is synced and closed, its
    /// memory is gone) and a new one starts on the same data directory,
    /// listening on a new port (clients made before point at the old one).
    pub async fn restart_data_plane(&mut self) {
        self.dp_trigger.fire();
        if let Some(task) = self.dp_task.take() {
            tokio::time::timeout(Duration::from_secs(10), task)
                .await
                .expect("data plane stopped within 10 s")
                .unwrap();
        }
        let tenants = std::sync::Arc::clone(self.dp.items.tenants());
        tokio::task::spawn_blocking(move || {
            tenants.sync_all().unwrap();
            tenants.close_all();
        })
        .await
        .unwrap();
        let (dp, addr, trigger, task) = start_data_plane(self.dp.config.clone()).await;
        self.dp = dp;
        self.dp_addr = addr;
        self.dp_trigger = trigger;
        self.dp_task = Some(task);
    }

    /// The data plane's Prometheus exposition.
    pub async fn metrics(&self) -> String {
        reqwest::get(format!("{}/metrics", self.endpoint())).await.unwrap().text().await.unwrap()
    }

    /// The AWS CLI, signing with the given key for us-east-1 and sending
    /// DynamoDB and STS calls to this stack, with no profile or credentials
    /// file of the machine's; run it with `.args(...).output()`.
    pub fn aws_cli(&self, access_key_id: &str, secret: &str) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new("aws");
        cmd.env("AWS_ACCESS_KEY_ID", access_key_id)
            .env("AWS_SECRET_ACCESS_KEY", secret)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_ENDPOINT_URL_DYNAMODB", self.endpoint())
            .env("AWS_ENDPOINT_URL_STS", self.endpoint())
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
        cmd
    }

    /// An operator token for the admin API.
    pub fn admin_token(&self) -> String {
        use dynastore_control_plane::admin::auth::{mint_hs256, Claims, Role};
        let claims = Claims::new("e2e-operator", &Role::Operator, Duration::from_secs(3600));
        mint_hs256(&Secret::new(JWT_SECRET), &claims).unwrap()
    }

    /// Calls the admin API: `method` on `path` (under `/v1`) with `body`;
    /// returns the status and the JSON answer.
    pub async fn admin(&self, method: reqwest::Method, path: &str, body: Option<serde_json::Value>) -> (u16, serde_json::Value) {
        let mut req = reqwest::Client::new()
            .request(method, format!("http://{}/v1{path}", self.cp_addr))
            .bearer_auth(self.admin_token());
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::Null))
    }

    /// The data plane's endpoint URL.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.dp_addr)
    }

    /// An SDK client with the root key.
    pub fn client(&self) -> aws_sdk_dynamodb::Client {
        self.client_with(&self.key.access_key_id, self.key.secret_access_key.expose())
    }

    /// An SDK client with any credentials.
    pub fn client_with(&self, access_key_id: &str, secret: &str) -> aws_sdk_dynamodb::Client {
        self.client_in("us-east-1", access_key_id, secret)
    }

    /// An SDK client with any credentials, signing for `region`.
    pub fn client_in(&self, region: &'static str, access_key_id: &str, secret: &str) -> aws_sdk_dynamodb::Client {
        let creds = Credentials::new(access_key_id, secret, None, None, "dynastore-test");
        let conf = aws_sdk_dynamodb::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region))
            .endpoint_url(self.endpoint())
            .credentials_provider(creds)
            .http_client(aws_smithy_http_client::Builder::new().build_http())
            .build();
        aws_sdk_dynamodb::Client::from_conf(conf)
    }

    /// Stops the control plane only (the data plane keeps running).
    pub async fn stop_control_plane(&mut self) {
        if let Some(t) = self.cp_trigger.take() {
            t.fire();
        }
        if let Some(task) = self.cp_task.take() {
            tokio::time::timeout(Duration::from_secs(10), task)
                .await
                .expect("control plane stopped within 10 s")
                .unwrap();
        }
        self.cp.pool.close().await;
    }

    /// Starts another control-plane replica on the same database (with
    /// its own listener); returns its address. It stops when the returned
    /// trigger fires or is dropped.
    pub async fn second_control_plane(&self) -> (SocketAddr, Trigger) {
        let (trigger, stop) = shutdown::channel();
        let config = dynastore_control_plane::Config {
            database_url: Secret::new(with_database(&server_url(), &self.database)),
            listen: "127.0.0.1:0".into(),
            internal_token: Secret::new("test-internal-token-0123456789"),
            master_key: Secret::new("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="),
            long_poll_secs: 2,
            db_max_connections: 5,
        };
        let admin = dynastore_control_plane::config::AdminConfig::with_secret(Secret::new(JWT_SECRET));
        let cp = ControlPlane::start_with_admin(config, admin, stop.clone()).await.unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { cp.serve(listener, stop).await.unwrap() });
        (addr, trigger)
    }

    /// Stops everything and drops the database.
    pub async fn stop(mut self) {
        self.dp_trigger.fire();
        self.stop_control_plane().await;
        let server = server_url();
        if let Ok(mut admin) = sqlx::PgConnection::connect(&server).await {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.database))
                .execute(&mut admin)
                .await;
        }
    }
}

/// Starts a data plane with `config` on a new loopback port and waits
/// until it has loaded its config.
async fn start_data_plane(
    config: dynastore_data_plane::Config,
) -> (Arc<DataPlane>, SocketAddr, Trigger, tokio::task::JoinHandle<()>) {
    let (trigger, stop) = shutdown::channel();
    let dp = DataPlane::start(config, stop.clone()).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = {
        let dp = dp.clone();
        tokio::spawn(async move { dp.serve(listener, stop).await.unwrap() })
    };
    assert!(dp.wait_loaded(Duration::from_secs(10)).await, "data plane loaded its config");
    (dp, addr, trigger, task)
}

/// The value of the Prometheus sample `name{labels}` in `exposition`
/// (labels as the text format writes them, in name order), if present.
/// Creates an on-demand table keyed by one string attribute, `pk`.
pub async fn create_pk_table(
    c: &aws_sdk_dynamodb::Client,
    name: &str,
) -> aws_sdk_dynamodb::operation::create_table::CreateTableOutput {
    use aws_sdk_dynamodb::types::{AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType};
    c.create_table()
        .table_name(name)
        .attribute_definitions(AttributeDefinition::builder().attribute_name("pk").attribute_type(ScalarAttributeType::S).build().unwrap())
        .key_schema(KeySchemaElement::builder().attribute_name("pk").key_type(KeyType::Hash).build().unwrap())
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap()
}

/// A series' value in a Prometheus exposition (`labels` empty: an unlabelled series).
pub fn sample(exposition: &str, name: &str, labels: &str) -> Option<f64> {
    let series = if labels.is_empty() { format!("{name} ") } else { format!("{name}{{{labels}}} ") };
    exposition
        .lines()
        .find_map(|l| l.strip_prefix(series.as_str()))
        .and_then(|v| v.trim().parse().ok())
}

/// A raw DynamoDB request, signed with `aws-sigv4` at `time`.
pub fn signed_request(
    endpoint: &str,
    target: &str,
    body: &str,
    access_key_id: &str,
    secret: &str,
    time: SystemTime,
    presigned: bool,
) -> http::Request<String> {
    signed_request_bytes(endpoint, target, body.as_bytes().to_vec(), access_key_id, secret, time, presigned)
        .map(|b| String::from_utf8(b).unwrap_or_default())
}

/// [`signed_request`] with a body of any bytes (a gzipped one, say).
pub fn signed_request_bytes(
    endpoint: &str,
    target: &str,
    body: Vec<u8>,
    access_key_id: &str,
    secret: &str,
    time: SystemTime,
    presigned: bool,
) -> http::Request<Vec<u8>> {
    let headers = [("content-type", "application/x-amz-json-1.0"), ("x-amz-target", target)];
    signed_post(endpoint, "dynamodb", &headers, body, access_key_id, secret, time, presigned)
}

/// A POST to `endpoint` with `headers` and `body`, signed with `aws-sigv4`
/// for `service` in us-east-1 at `time` (in the query string when
/// `presigned`).
#[allow(clippy::too_many_arguments)]
pub fn signed_post(
    endpoint: &str,
    service: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
    access_key_id: &str,
    secret: &str,
    time: SystemTime,
    presigned: bool,
) -> http::Request<Vec<u8>> {
    signed_post_in("us-east-1", endpoint, service, headers, body, access_key_id, secret, time, presigned)
}

/// [`signed_post`] signed for `region`.
#[allow(clippy::too_many_arguments)]
pub fn signed_post_in(
    region: &str,
    endpoint: &str,
    service: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
    access_key_id: &str,
    secret: &str,
    time: SystemTime,
    presigned: bool,
) -> http::Request<Vec<u8>> {
    use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SignatureLocation, SigningSettings};
    use aws_sigv4::sign::v4;

    let host = endpoint.trim_start_matches("http://").to_owned();
    let mut builder = http::Request::builder().method("POST").uri(format!("{endpoint}/")).header("host", host);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let mut req = builder.body(body).unwrap();
    let identity = Credentials::new(access_key_id, secret, None, None, "test").into();
    let mut settings = SigningSettings::default();
    if presigned {
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(Duration::from_secs(300));
    }
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(time)
        .settings(settings)
        .build()
        .unwrap()
        .into();
    let signable = SignableRequest::new(
        "POST",
        req.uri().to_string(),
        req.headers().iter().map(|(k, v)| (k.as_str(), v.to_str().unwrap())),
        SignableBody::Bytes(req.body()),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    instructions.apply_to_request_http1x(&mut req);
    req
}

/// Sends a request with reqwest; returns status, headers and JSON body.
/// A call of `target` (`DynamoDB_20120810.GetItem`, …) with a JSON body,
/// signed with the stack's key; its status and JSON answer.
pub async fn json_call(s: &Stack, target: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
    let req = signed_request(
        &s.endpoint(),
        target,
        &body.to_string(),
        &s.key.access_key_id,
        s.key.secret_access_key.expose(),
        std::time::SystemTime::now(),
        false,
    );
    let (status, _, body, _) = send(req).await;
    (status, body)
}

/// A DynamoDB call (`op` with a JSON body); see [`json_call`].
pub async fn dynamodb_call(s: &Stack, op: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
    json_call(s, &format!("DynamoDB_20120810.{op}"), body).await
}

/// A DynamoDB Streams call (`op` with a JSON body); see [`json_call`].
pub async fn streams_call(s: &Stack, op: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
    json_call(s, &format!("DynamoDBStreams_20120810.{op}"), &body).await
}

pub async fn send(req: http::Request<String>) -> (u16, http::HeaderMap, serde_json::Value, Vec<u8>) {
    let req = reqwest::Request::try_from(req).unwrap();
    let res = reqwest::Client::new().execute(req).await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let bytes = res.bytes().await.unwrap().to_vec();
    let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    (status, headers, json, bytes)
}

/// The `__type` short name of an error body.
pub fn error_name(body: &serde_json::Value) -> &str {
    body["__type"].as_str().unwrap_or("").rsplit('#').next().unwrap_or("")
}
