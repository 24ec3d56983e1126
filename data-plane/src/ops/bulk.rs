//! The bulk put items operations: StartBulkPutItems, DescribeBulkOperation,
//! ListBulkOperations and CancelBulkOperation. A bulk operation reads its
//! items from Amazon S3, which a Dynastore endpoint does not reach, so it
//! is kept as the export and import jobs are (`s3_jobs`): a request is
//! checked as DynamoDB checks it (its members, then the table), accepted
//! as an operation `IN_PROGRESS`, and the operation has failed
//! (`S3NoSuchBucket`, saying that no S3 is within reach) when it is next
//! described; nothing is written to the table.
//!
//! Where the API Reference is silent, what a user would expect:
//! - an operation's ARN is its table's followed by `/bulk-operation/<id>`,
//!   as an export's or an import's is;
//! - a table that is a replica of a global table is refused with a
//!   ValidationException (the Developer Guide: global tables are not
//!   supported);
//! - cancelling an operation that has ended is refused with a
//!   ValidationException naming its status (only one in progress can be
//!   cancelled, and every operation here has ended once it is described);
//! - an unknown operation is a ResourceNotFoundException (the one error
//!   the model gives Describe and Cancel).

use ddb_core::api::table::{
    bulk_list_request, bulk_operation_arn, bulk_token_of_id, JobKind, JobRecord, StartBulkPutItemsInput, BULK_LISTED_SECS,
};
use serde_json::{json, Map, Value};

use super::s3_jobs::{check_own, claimed, decode, records, start as start_job};
use super::tables::{location, not_found};
use crate::auth::Verified;
use crate::catalog::Catalog;
use crate::error::ApiError;
use crate::DataPlane;

/// `StartBulkPutItems`
pub async fn start(dp: &DataPlane, caller: &Verified, catalog: &Catalog, body: Value) -> Result<Value, ApiError> {
    let input: StartBulkPutItemsInput = decode(&body)?;
    let name = input.validate().map_err(ApiError::Validation)?.to_owned();
    let table = catalog.table(caller.space(), &name).ok_or_else(|| not_found(&name))?;
    if !table.def.replicas.is_empty() {
        return Err(ApiError::Validation(format!(
            "Bulk operations are not supported for global tables: table {name} has replicas"
        )));
    }
    let now = super::now_secs();
    if let Some(job) = claimed(dp, caller, JobKind::BulkPut, &body, now, || ApiError::IdempotentParameterMismatch).await? {
        return Ok(json!({ "BulkOperationDescription": job.bulk_description(false) }));
    }
    let arn = location(caller).table_arn(&name);
    let job = start_job(dp, caller, JobKind::BulkPut, arn, Some(table.def.table_id.clone()), body, now).await?;
    Ok(json!({ "BulkOperationDescription": job.bulk_description(true) }))
}

/// The operation a Describe or Cancel request names.
async fn named(dp: &DataPlane, caller: &Verified, body: &Value, action: &str) -> Result<JobRecord, ApiError> {
    let arn = bulk_operation_arn(body).map_err(ApiError::Validation)?;
    check_own(caller, action, arn)?;
    records(dp, caller)
        .await?
        .into_iter()
        .find(|j| j.kind == JobKind::BulkPut && j.arn == arn)
        .ok_or_else(|| ApiError::ResourceNotFound(format!("Requested resource not found: Bulk operation {arn} not found")))
}

/// `DescribeBulkOperation`
pub async fn describe(dp: &DataPlane, caller: &Verified, body: &Value) -> Result<Value, ApiError> {
    let job = named(dp, caller, body, "DescribeBulkOperation").await?;
    Ok(json!({ "BulkOperationDescription": job.bulk_description(false) }))
}

/// `CancelBulkOperation`
pub async fn cancel(dp: &DataPlane, caller: &Verified, body: &Value) -> Result<Value, ApiError> {
    let job = named(dp, caller, body, "CancelBulkOperation").await?;
    Err(ApiError::Validation(format!(
        "Bulk operation {} cannot be cancelled: its status is FAILED",
        job.arn
    )))
}

/// A job's id: the last segment of its ARN.
fn id_of(job: &JobRecord) -> &str {
    job.arn.rsplit('/').next().unwrap_or_default()
}

/// `ListBulkOperations`: the operations started within 90 days, newest
/// first.
pub async fn list(dp: &DataPlane, caller: &Verified, body: &Value) -> Result<Value, ApiError> {
    let request = bulk_list_request(body).map_err(ApiError::Validation)?;
    let now = super::now_secs();
    let jobs = records(dp, caller).await?;
    let listed: Vec<&JobRecord> = jobs
        .iter()
        .rev()
        .filter(|j| j.kind == JobKind::BulkPut && now - j.started_at < BULK_LISTED_SECS)
        .collect();
    let from = match &request.from {
        None => 0,
        Some(id) => listed
            .iter()
            .position(|j| id_of(j) == id)
            .ok_or_else(|| ApiError::Validation(format!("Invalid NextToken: {}", body.get("NextToken").and_then(Value::as_str).unwrap_or_default())))?,
    };
    let rest = listed.get(from..).unwrap_or_default();
    let mut out = Map::new();
    out.insert(
        "BulkOperationsSummaryList".into(),
        rest.iter().take(request.size).map(|j| j.summary()).collect(),
    );
    if let Some(token) = rest.get(request.size).and_then(|j| bulk_token_of_id(id_of(j))) {
        out.insert("NextToken".into(), json!(token));
    }
    Ok(Value::Object(out))
}
