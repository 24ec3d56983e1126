//! ExportTableToPointInTime and ImportTable, and the jobs they leave. Both
//! move a table's items to or from Amazon S3, which a Dynastore endpoint
//! does not reach. A request is checked as DynamoDB checks it (its
//! members, the table, point-in-time recovery for an export, the new
//! table's definition for an import), so a malformed one gets DynamoDB's
//! error; a well-formed one is accepted as DynamoDB accepts it, as a job
//! `IN_PROGRESS`, and the job has failed (`S3NoSuchBucket`, saying that no
//! S3 is within reach) when it is next described. Nothing is exported and
//! an import's table is never created. DescribeExport, DescribeImport,
//! ListExports and ListImports read the jobs (`items::jobs`); the rules
//! are ddb_core's (`api::table::jobs`).

use std::path::PathBuf;

use ddb_core::api::table::{job_page, ExportTableToPointInTimeInput, ImportTableInput, JobKind, JobRecord};
use rand::Rng;
use serde_json::{json, Value};

use super::backups::blocking;
use super::restore::table_of_arn;
use super::tables::location;
use super::unserved::{is_job_arn, page_size};
use crate::auth::Verified;
use crate::catalog::Catalog;
use crate::error::ApiError;
use crate::items::jobs;
use crate::items::store::storage_error;
use crate::DataPlane;

/// The tenant's jobs directory.
fn store(dp: &DataPlane, caller: &Verified) -> Result<PathBuf, ApiError> {
    let tenant_dir = dp.items.tenants().tenant_dir(&caller.tenant.id).map_err(storage_error)?;
    Ok(jobs::dir(&tenant_dir))
}

/// The jobs of the caller's region.
pub(super) async fn records(dp: &DataPlane, caller: &Verified) -> Result<Vec<JobRecord>, ApiError> {
    let dir = store(dp, caller)?;
    let mut all = blocking(move || jobs::records(&dir)).await?;
    all.retain(|j| super::table_arn::in_region(&j.arn, &caller.region));
    Ok(all)
}

pub(super) fn decode<T: serde::de::DeserializeOwned>(body: &Value) -> Result<T, ApiError> {
    serde_json::from_value(body.clone()).map_err(|e| ApiError::Serialization(e.to_string()))
}

/// The job a request with `body` names by its client token, if it names
/// one; a token taken by other parameters is `conflict`.
pub(super) async fn claimed(
    dp: &DataPlane,
    caller: &Verified,
    kind: JobKind,
    body: &Value,
    now: f64,
    conflict: impl FnOnce() -> ApiError,
) -> Result<Option<JobRecord>, ApiError> {
    let token = body.get("ClientToken").and_then(Value::as_str);
    if token.is_none() {
        return Ok(None);
    }
    for job in records(dp, caller).await? {
        match job.claims(kind, token, body, now) {
            Some(true) => return Ok(Some(job)),
            Some(false) => return Err(conflict()),
            None => {}
        }
    }
    Ok(None)
}

/// Stores a new job of `kind` for `table_arn` (its ARN is the table's,
/// then `/<kind>/<id>`).
pub(super) async fn start(
    dp: &DataPlane,
    caller: &Verified,
    kind: JobKind,
    table_arn: String,
    table_id: Option<String>,
    mut body: Value,
    now: f64,
) -> Result<JobRecord, ApiError> {
    // A job always has a client token: DynamoDB makes one up.
    if let Some(fields) = body.as_object_mut().filter(|f| !f.contains_key("ClientToken")) {
        fields.insert("ClientToken".into(), json!(crate::ids::uuid_v4()));
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let millis = (now * 1000.0) as u64;
    let id = ddb_core::api::table::backup_id(millis, rand::thread_rng().gen());
    let segment = kind.segment();
    let record = JobRecord {
        arn: format!("{table_arn}/{segment}/{id}"),
        kind,
        table_arn,
        table_id,
        started_at: now,
        ended_at: now,
        request: body,
    };
    let dir = store(dp, caller)?;
    let stored = record.clone();
    blocking(move || jobs::write(&dir, &id, &stored)).await?;
    Ok(record)
}

/// `ExportTableToPointInTime`
pub async fn export_table(dp: &DataPlane, caller: &Verified, catalog: &Catalog, body: Value) -> Result<Value, ApiError> {
    let input: ExportTableToPointInTimeInput = decode(&body)?;
    let request = input.validate().map_err(ApiError::Validation)?;
    let missing = || ApiError::TableNotFound(format!("Table not found: {}", request.table_arn));
    // An export names the member a malformed ARN is in, where a restore's
    // source does not (Alternator's test_export.py: 'QWERTY' and a tab
    // are refused naming TableArn).
    if !request.table_arn.starts_with("arn:") {
        return Err(ApiError::Validation(format!(
            "Invalid TableArn: Invalid ResourceArn provided as input {}",
            request.table_arn
        )));
    }
    let name = table_of_arn(caller, request.table_arn, missing)?;
    let table = catalog.table(caller.space(), &name).ok_or_else(missing)?;
    if table.def.pitr.is_none() {
        return Err(ApiError::PointInTimeRecoveryUnavailable(format!(
            "Point in time recovery is not enabled for table '{name}'"
        )));
    }
    let now = super::now_secs();
    if let (Some(time), Some(pitr)) = (request.time, &table.def.pitr) {
        let earliest = pitr.earliest(now);
        if time < earliest || time > now {
            return Err(ApiError::InvalidExportTime(format!(
                "ExportTime must be within the point in time recovery period of table '{name}': from {earliest:.3} to {now:.3} (seconds since the epoch), not {time}"
            )));
        }
    }
    let conflict = || {
        ApiError::ExportConflict("Duplicate request detected: the ClientToken was used with different parameters".into())
    };
    if let Some(job) = claimed(dp, caller, JobKind::Export, &body, now, conflict).await? {
        return Ok(json!({ "ExportDescription": job.export_description(false) }));
    }
    let arn = location(caller).table_arn(&name);
    let job = start(dp, caller, JobKind::Export, arn, Some(table.record.id.clone()), body, now).await?;
    Ok(json!({ "ExportDescription": job.export_description(true) }))
}

/// `ImportTable`
pub async fn import_table(dp: &DataPlane, caller: &Verified, catalog: &Catalog, body: Value) -> Result<Value, ApiError> {
    let input: ImportTableInput = decode(&body)?;
    let request = input.validate().map_err(ApiError::Validation)?;
    let name = request.table.name.clone();
    if catalog.table(caller.space(), &name).is_some() {
        return Err(ApiError::ResourceInUse(format!("Table already exists: {name}")));
    }
    let now = super::now_secs();
    let conflict = || ApiError::ImportConflict("Duplicate request detected with conflicting parameters".into());
    if let Some(job) = claimed(dp, caller, JobKind::Import, &body, now, conflict).await? {
        return Ok(json!({ "ImportTableDescription": job.import_description(false) }));
    }
    let arn = location(caller).table_arn(&name);
    // The table's id is allocated up front, as DynamoDB's.
    let job = start(dp, caller, JobKind::Import, arn, Some(crate::ids::uuid_v4()), body, now).await?;
    Ok(json!({ "ImportTableDescription": job.import_description(true) }))
}

/// An ARN of another partition, service, region or account: DynamoDB
/// refuses access to it before it looks at its form (Alternator's
/// test_describe_export_incorrect_arns, run against DynamoDB).
pub(super) fn check_own(caller: &Verified, action: &str, arn: &str) -> Result<(), ApiError> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let own = match parts.as_slice() {
        ["arn", partition, service, region, account, ..] => {
            *partition == "aws" && *service == "dynamodb" && *region == caller.region && *account == caller.tenant.account_id
        }
        _ => true,
    };
    if own {
        Ok(())
    } else {
        Err(super::table_arn::other_account(caller, action, arn))
    }
}

/// The job of `kind` an ARN (`body`'s `member`) names, checked as
/// DescribeExport and DescribeImport check it.
async fn described(dp: &DataPlane, caller: &Verified, body: &Value, kind: JobKind) -> Result<JobRecord, ApiError> {
    // Bulk operations are described by `bulk`; they never come here.
    let (member, action, segment, word) = match kind {
        JobKind::Export => ("ExportArn", "DescribeExport", "export", "Export"),
        JobKind::Import | JobKind::BulkPut => ("ImportArn", "DescribeImport", "import", "Import"),
    };
    let arn = body.get(member).and_then(Value::as_str).unwrap_or_default();
    check_own(caller, action, arn)?;
    if !is_job_arn(arn, segment) {
        return Err(ApiError::Validation(format!("Invalid {word} ARN")));
    }
    let jobs = records(dp, caller).await?;
    jobs.into_iter().find(|j| j.kind == kind && j.arn == arn).ok_or_else(|| {
        let message = format!("{word} not found: {arn}");
        match kind {
            JobKind::Export => ApiError::ExportNotFound(message),
            JobKind::Import | JobKind::BulkPut => ApiError::ImportNotFound(message),
        }
    })
}

/// `DescribeExport`
pub async fn describe_export(dp: &DataPlane, caller: &Verified, body: &Value) -> Result<Value, ApiError> {
    let job = described(dp, caller, body, JobKind::Export).await?;
    Ok(json!({ "ExportDescription": job.export_description(false) }))
}

/// `DescribeImport`
pub async fn describe_import(dp: &DataPlane, caller: &Verified, body: &Value) -> Result<Value, ApiError> {
    let job = described(dp, caller, body, JobKind::Import).await?;
    Ok(json!({ "ImportTableDescription": job.import_description(false) }))
}

/// One page of the jobs of `kind`, as ListExports and ListImports answer
/// it: the summaries under `list_member`, and the next page's token.
async fn list(dp: &DataPlane, caller: &Verified, body: &Value, kind: JobKind) -> Result<Value, ApiError> {
    // Bulk operations are listed by `bulk`; they never come here.
    let (size_member, size_field, list_member) = match kind {
        JobKind::Export => ("MaxResults", "maxResults", "ExportSummaries"),
        JobKind::Import | JobKind::BulkPut => ("PageSize", "pageSize", "ImportSummaryList"),
    };
    let size = page_size(body, size_member, size_field)?.unwrap_or(25);
    let token = body.get("NextToken").and_then(Value::as_str);
    let table = body.get("TableArn").and_then(Value::as_str);
    let jobs = records(dp, caller).await?;
    let (page, next) = job_page(&jobs, kind, table, size, token).ok_or_else(|| {
        ApiError::Validation(format!("Invalid Request: Provided nextToken is invalid: {}", token.unwrap_or_default()))
    })?;
    let mut out = serde_json::Map::new();
    out.insert(list_member.into(), page.into_iter().map(JobRecord::summary).collect());
    if let Some(token) = next {
        out.insert("NextToken".into(), json!(token));
    }
    Ok(Value::Object(out))
}

/// `ListExports`
pub async fn list_exports(dp: &DataPlane, caller: &Verified, body: &Value) -> Result<Value, ApiError> {
    list(dp, caller, body, JobKind::Export).await
}

/// `ListImports`
pub async fn list_imports(dp: &DataPlane, caller: &Verified, body: &Value) -> Result<Value, ApiError> {
    list(dp, caller, body, JobKind::Import).await
}
