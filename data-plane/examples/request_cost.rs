//! A fixed sequence of signed DynamoDB requests through the data plane's
//! router, in process (no sockets, no control plane: the catalog is
//! installed directly): PutItem of `N` new 1 KB items, PutItem over each
//! again, then GetItem of each, one request at a time, so every write
//! group holds one write and two runs do the same work. It is for
//! comparing builds by instruction count, which on a shared VM is steadier
//! than any timing:
//!
//! ```text
//! cargo build --release -p dynastore-data-plane --example request_cost
//! valgrind --tool=callgrind --callgrind-out-file=cg.out \
//!     target/release/examples/request_cost DIR [N]
//! callgrind_annotate cg.out | head -40
//! ```
//!
//! `DIR` must not exist or be empty (the tenant's storage goes there);
//! `N` defaults to 2,000.

use std::error::Error;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use dynastore_common::contract::{AccessKeyRecord, Snapshot, TableRecord, TenantRecord, TenantStatus};
use dynastore_common::secret::Secret;
use dynastore_data_plane::catalog::Catalog;
use dynastore_data_plane::{router, Config, DataPlane};
use http_body_util::BodyExt;
use serde_json::json;
use tower::ServiceExt;

/// The allocator of the `dynastore` binaries.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const KEY_ID: &str = "AKIDREQUESTCOST00001";
const SECRET: &str = "requestcostsecretrequestcostsecret000000";
const TABLE: &str = "Cost";

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().ok_or("usage: request_cost DIR [N]")?;
    let n: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(2000);
    // One worker: the requests run one at a time anyway, and fewer
    // threads make the instruction counts steadier.
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    rt.block_on(run(dir, n))
}

async fn run(dir: String, n: usize) -> Result<(), Box<dyn Error>> {
    let (_trigger, shutdown) = dynastore_common::shutdown::channel();
    // Nothing listens on the discard port: the sync loop keeps failing
    // quietly and the installed catalog stays.
    let mut config = Config::new("http://127.0.0.1:9", Secret::new("unused"));
    config.data_dir = dir.into();
    let dp = DataPlane::start(config, shutdown)?;
    dp.catalog.store(Some(Arc::new(catalog()?)));
    let app = router(Arc::clone(&dp));
    let filler = "x".repeat(1000);

    let started = Instant::now();
    for round in 0..2 {
        for i in 0..n {
            let body = json!({"TableName": TABLE, "Item": {"pk": {"S": format!("k{i:08}")}, "data": {"S": format!("{round}{filler}")}}});
            call(&app, "PutItem", &body).await?;
        }
    }
    let puts = started.elapsed();
    let started = Instant::now();
    for i in 0..n {
        let body = json!({"TableName": TABLE, "Key": {"pk": {"S": format!("k{i:08}")}}});
        let out = call(&app, "GetItem", &body).await?;
        if out.get("Item").is_none() {
            return Err(format!("GetItem of k{i:08} found no item").into());
        }
    }
    let gets = started.elapsed();
    println!(
        "{} PutItem in {:.2} s ({:.1} µs each), {n} GetItem in {:.2} s ({:.1} µs each)",
        2 * n,
        puts.as_secs_f64(),
        puts.as_secs_f64() * 1e6 / (2 * n).max(1) as f64,
        gets.as_secs_f64(),
        gets.as_secs_f64() * 1e6 / n.max(1) as f64
    );
    Ok(())
}

/// One tenant with a root key and an on-demand table keyed by `pk`.
fn catalog() -> Result<Catalog, Box<dyn Error>> {
    let spec = json!({
        "TableName": TABLE,
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "BillingMode": "PAY_PER_REQUEST"
    });
    let spec = serde_json::from_value::<ddb_core::api::table::CreateTableInput>(spec)?
        .validate()
        .map_err(|e| format!("table spec: {e:?}"))?;
    let def = ddb_core::api::table::TableDefinition {
        pay_per_request_since: Some(0.0),
        ..ddb_core::api::table::TableDefinition::new("tc1".into(), 0.0, spec)
    };
    Ok(Catalog::from_snapshot(Snapshot {
        revision: 1,
        tenants: vec![TenantRecord {
            id: "t".into(),
            name: "t".into(),
            account_id: "123456789012".into(),
            status: TenantStatus::Active,
            quotas: Default::default(),
        }],
        access_keys: vec![AccessKeyRecord {
            access_key_id: KEY_ID.into(),
            secret_access_key: Secret::new(SECRET),
            tenant_id: "t".into(),
            user_name: None,
            active: true,
        }],
        tables: vec![TableRecord {
            tenant_id: "t".into(),
            region: String::new(),
            name: TABLE.into(),
            id: "tc1".into(),
            status: "ACTIVE".into(),
            definition: serde_json::to_value(def)?,
        }],
        users: vec![],
    }))
}

/// Sends one request signed as an SDK signs it; its JSON answer, or an
/// error unless it is a 200.
async fn call(app: &axum::Router, operation: &str, body: &serde_json::Value) -> Result<serde_json::Value, Box<dyn Error>> {
    let body = serde_json::to_vec(body)?;
    let amz_date = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    let target = format!("DynamoDB_20120810.{operation}");
    let headers = [
        ("content-type", "application/x-amz-json-1.0"),
        ("host", "127.0.0.1:8000"),
        ("x-amz-date", amz_date.as_str()),
        ("x-amz-target", target.as_str()),
    ];
    let unsigned = sigv4::Request { method: "POST", path: "/", query: None, headers: &headers, body: &body };
    let params = sigv4::SigningParams {
        access_key_id: KEY_ID,
        secret_access_key: SECRET.as_bytes(),
        region: "us-east-1",
        service: "dynamodb",
        amz_date: &amz_date,
    };
    let authorization = sigv4::sign_request(&unsigned, &params, &headers.map(|(name, _)| name));
    let mut request = http::Request::post("/");
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let request = request.header("authorization", authorization).body(Body::from(body))?;
    let response = app.clone().oneshot(request).await?;
    let status = response.status();
    let bytes = response.into_body().collect().await?.to_bytes();
    if status != http::StatusCode::OK {
        return Err(format!("{operation}: {status} {}", String::from_utf8_lossy(&bytes)).into());
    }
    Ok(serde_json::from_slice(&bytes)?)
}
