//! The bench table's life: a signed CreateTable (`pk` S hash, `sk` S
//! range, PAY_PER_REQUEST), DescribeTable until ACTIVE as an SDK waiter
//! would, and DeleteTable at the end. All through the same signed
//! connection type as the load.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use bytes::Bytes;

use super::conn::{Conn, Endpoint};
use super::signer::{Credentials, Signer};

const CREATE_TABLE: &str = "DynamoDB_20120810.CreateTable";
const DESCRIBE_TABLE: &str = "DynamoDB_20120810.DescribeTable";
const DELETE_TABLE: &str = "DynamoDB_20120810.DeleteTable";

/// Whether [`create`] made the table or found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    /// Created by this run.
    New,
    /// Already there (ResourceInUseException); its key schema must match.
    Existing,
}

/// Creates `table` and waits (up to 60 s) until it is ACTIVE.
pub async fn create(endpoint: &Endpoint, creds: &Arc<Credentials>, table: &str) -> anyhow::Result<Created> {
    let mut conn = Conn::open(endpoint).await?;
    let mut signer = Signer::new(Arc::clone(creds));
    let body = serde_json::json!({
        "TableName": table,
        "AttributeDefinitions": [
            { "AttributeName": "pk", "AttributeType": "S" },
            { "AttributeName": "sk", "AttributeType": "S" },
        ],
        "KeySchema": [
            { "AttributeName": "pk", "KeyType": "HASH" },
            { "AttributeName": "sk", "KeyType": "RANGE" },
        ],
        "BillingMode": "PAY_PER_REQUEST",
    });
    let reply = conn.call(&mut signer, CREATE_TABLE, Bytes::from(body.to_string())).await?;
    let created = match (reply.status, reply.error_type().as_deref()) {
        (200, _) => Created::New,
        (_, Some("ResourceInUseException")) => Created::Existing,
        _ => bail!("CreateTable {table} failed: {}", reply.describe()),
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    let describe = Bytes::from(serde_json::json!({ "TableName": table }).to_string());
    loop {
        let reply = conn.call(&mut signer, DESCRIBE_TABLE, describe.clone()).await?;
        if reply.status == 200 {
            let v: serde_json::Value = serde_json::from_slice(&reply.body).context("DescribeTable answered invalid JSON")?;
            let status = v.pointer("/Table/TableStatus").and_then(serde_json::Value::as_str);
            if status == Some("ACTIVE") {
                if created == Created::Existing {
                    check_schema(&v, table)?;
                }
                return Ok(created);
            }
        } else if reply.error_type().as_deref() != Some("ResourceNotFoundException") {
            bail!("DescribeTable {table} failed: {}", reply.describe());
        }
        if Instant::now() >= deadline {
            bail!("table {table} did not become ACTIVE within 60 s");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// An existing table must have the bench's key schema.
fn check_schema(describe: &serde_json::Value, table: &str) -> anyhow::Result<()> {
    let keys = describe.pointer("/Table/KeySchema").and_then(serde_json::Value::as_array);
    let names: Vec<(&str, &str)> = keys
        .into_iter()
        .flatten()
        .filter_map(|k| Some((k.get("AttributeName")?.as_str()?, k.get("KeyType")?.as_str()?)))
        .collect();
    if names != [("pk", "HASH"), ("sk", "RANGE")] {
        bail!("table {table} exists with a different key schema ({names:?}); choose another --table");
    }
    Ok(())
}

/// Deletes `table`, best effort (its storage is reclaimed by the server).
pub async fn delete(endpoint: &Endpoint, creds: &Arc<Credentials>, table: &str) -> anyhow::Result<()> {
    let mut conn = Conn::open(endpoint).await?;
    let mut signer = Signer::new(Arc::clone(creds));
    let body = Bytes::from(serde_json::json!({ "TableName": table }).to_string());
    let reply = conn.call(&mut signer, DELETE_TABLE, body).await?;
    if reply.status != 200 {
        bail!("DeleteTable {table} failed: {}", reply.describe());
    }
    Ok(())
}
