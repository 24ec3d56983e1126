//! On-demand backups: CreateBackup copies a table's items, from one
//! snapshot, into the tenant's backup store (`items::backups`);
//! DescribeBackup, ListBackups and DeleteBackup read and drop them;
//! RestoreTableFromBackup creates a new table from one, as
//! RestoreTableToPointInTime does from the change log. A backup outlives
//! its table.

use std::path::PathBuf;

use ddb_core::api::table::{
    backup_id, system_backup_id, BackupArnInput, BackupRecord, CreateBackupInput, ListBackupsInput, RestoreSummary,
    SYSTEM_BACKUP_SECS,
    RestoreTableFromBackupInput,
};
use ddb_core::size::item_size;
use rand::Rng;
use serde_json::{json, Value};

use super::tables::location;
use crate::auth::Verified;
use crate::catalog::Catalog;
use crate::error::ApiError;
use crate::items::backups;
use crate::items::layout::{items_prefix, prefix_end};
use crate::items::store::{decode, storage_error};
use crate::DataPlane;

fn not_found(arn: &str) -> ApiError {
    ApiError::BackupNotFound(format!("Backup not found: {arn}"))
}

/// The tenant's backups directory.
fn store(dp: &DataPlane, caller: &Verified) -> Result<PathBuf, ApiError> {
    let tenant_dir = dp
        .items
        .tenants()
        .tenant_dir(&caller.tenant.id)
        .map_err(storage_error)?;
    Ok(backups::dir(&tenant_dir))
}

/// Runs backup (and job) file work off the request threads.
pub(super) async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, ApiError> + Send + 'static) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::Internal(format!("backup task failed: {e}")))?
}

/// The id an ARN names.
fn id_of(arn: &str) -> &str {
    arn.rsplit_once("/backup/").map_or("", |(_, id)| id)
}

/// The backup an ARN names, if it is one of the caller's. An ARN that is
/// no backup ARN at all is DynamoDB's 'Invalid Backup ARN'.
async fn find(dp: &DataPlane, caller: &Verified, arn: &str) -> Result<BackupRecord, ApiError> {
    let is_backup_arn = iam::TableArn::parse(arn).is_ok_and(|a| matches!(a.sub, iam::arn::SubResource::Backup(_)));
    if !is_backup_arn {
        return Err(ApiError::Validation("Invalid Backup ARN".into()));
    }
    let dir = store(dp, caller)?;
    let id = id_of(arn).to_owned();
    let record = blocking(move || backups::record(&dir, &id)).await?;
    // An expired SYSTEM backup is gone.
    record.filter(|b| b.arn == arn && !b.expired(super::now_secs())).ok_or_else(|| not_found(arn))
}

/// `CreateBackup`
pub async fn create_backup(dp: &DataPlane, caller: &Verified, catalog: &Catalog, input: CreateBackupInput) -> Result<Value, ApiError> {
    let (name, backup_name) = input.validate().map_err(ApiError::Validation)?;
    let table = catalog
        .table(caller.space(), name)
        .cloned()
        .ok_or_else(|| ApiError::TableNotFound(format!("Table not found: {name}")))?;
    let record = make_backup(dp, caller, &table, backup_name, false).await?;
    Ok(json!({ "BackupDetails": record.details("CREATING") }))
}

/// Copies `table`'s items (after the writer has drained, so every
/// acknowledged write is in) into a new backup named `backup_name`: a USER
/// backup, or with `system` the SYSTEM backup DynamoDB keeps for 35 days
/// when a table with point-in-time recovery is deleted.
pub(super) async fn make_backup(
    dp: &DataPlane,
    caller: &Verified,
    table: &std::sync::Arc<crate::catalog::CatalogTable>,
    backup_name: &str,
    system: bool,
) -> Result<BackupRecord, ApiError> {
    let tenant = caller.tenant.id.clone();
    let name = table.def.spec.name.as_str();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let millis = u64::try_from(now.as_millis()).unwrap_or(u64::MAX);
    let id = if system { system_backup_id(millis) } else { backup_id(millis, rand::thread_rng().gen()) };
    let table_arn = location(caller).table_arn(name);
    // Let the writer drain, so the snapshot holds every acknowledged write.
    dp.items.drain(&tenant).await?;
    let snapshot = dp.items.snapshot(&tenant).await?;
    let dir = store(dp, caller)?;
    let record = BackupRecord {
        arn: format!("{table_arn}/backup/{id}"),
        name: backup_name.to_owned(),
        created_at: now.as_secs_f64(),
        size_bytes: 0,
        item_count: 0,
        table: table.def.clone(),
        table_arn,
        system_expires_at: system.then_some(now.as_secs_f64() + SYSTEM_BACKUP_SECS),
    };
    let table_id = table.record.id.clone();
    blocking(move || {
        let prefix = items_prefix(&table_id);
        let end = prefix_end(&prefix);
        let end = end.as_deref().map_or(std::ops::Bound::Unbounded, std::ops::Bound::Excluded);
        let mut items = Vec::new();
        let mut size = 0u64;
        for kv in snapshot
            .range(std::ops::Bound::Included(prefix.as_slice()), end, storage::Direction::Forward)
            .map_err(storage_error)?
        {
            let (_, value) = kv.map_err(storage_error)?;
            size += item_size(&decode(&value)?) as u64;
            items.push(value.to_vec());
        }
        let record = BackupRecord { size_bytes: size, item_count: items.len() as u64, ..record };
        backups::write(&dir, &id, &record, &items)?;
        Ok(record)
    })
    .await
}

/// DynamoDB's answer to deleting a SYSTEM backup.
fn system_backup_refusal(record: &BackupRecord) -> ApiError {
    let expiry = record.system_expires_at.unwrap_or_default();
    #[allow(clippy::cast_possible_truncation)]
    let at = chrono::DateTime::from_timestamp(expiry.floor() as i64, 0)
        .map_or_else(|| expiry.to_string(), |t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string());
    ApiError::Validation(format!(
        "Invalid Request: User is not allowed to delete the system backup with arn {}. It will automatically expire on {at}",
        record.arn
    ))
}

/// `DescribeBackup`
pub async fn describe_backup(dp: &DataPlane, caller: &Verified, input: BackupArnInput) -> Result<Value, ApiError> {
    let arn = input.validate().map_err(ApiError::Validation)?;
    let record = find(dp, caller, arn).await?;
    Ok(json!({ "BackupDescription": record.description("AVAILABLE", location(caller)) }))
}

/// `DeleteBackup`
pub async fn delete_backup(dp: &DataPlane, caller: &Verified, input: BackupArnInput) -> Result<Value, ApiError> {
    let arn = input.validate().map_err(ApiError::Validation)?;
    let record = find(dp, caller, arn).await?;
    if record.system_expires_at.is_some() {
        return Err(system_backup_refusal(&record));
    }
    let dir = store(dp, caller)?;
    let id = id_of(arn).to_owned();
    blocking(move || backups::delete(&dir, &id)).await?;
    Ok(json!({ "BackupDescription": record.description("DELETED", location(caller)) }))
}

/// `ListBackups`
pub async fn list_backups(dp: &DataPlane, caller: &Verified, input: ListBackupsInput) -> Result<Value, ApiError> {
    input.validate().map_err(ApiError::Validation)?;
    let dir = store(dp, caller)?;
    let now = super::now_secs();
    let mut all = blocking(move || {
        let all = backups::records(&dir)?;
        // Expired SYSTEM backups are erased when the listing meets them.
        for b in all.iter().filter(|b| b.expired(now)) {
            backups::delete(&dir, id_of(&b.arn))?;
        }
        Ok(all)
    })
    .await?;
    // Each region lists its own backups.
    all.retain(|b| super::table_arn::in_region(&b.arn, &caller.region));
    let (page, next) = input.select(&all, now);
    let mut out = json!({ "BackupSummaries": page.iter().map(|b| b.summary()).collect::<Vec<_>>() });
    if let (Some(arn), Some(obj)) = (next, out.as_object_mut()) {
        obj.insert("LastEvaluatedBackupArn".into(), json!(arn));
    }
    Ok(out)
}

/// `RestoreTableFromBackup`
pub async fn restore_from_backup(
    dp: &DataPlane,
    caller: &Verified,
    catalog: &Catalog,
    input: RestoreTableFromBackupInput,
) -> Result<Value, ApiError> {
    let (target, arn) = input.validate().map_err(ApiError::Validation)?;
    let record = find(dp, caller, arn).await?;
    if catalog.table(caller.space(), target).is_some() {
        return Err(ApiError::TableAlreadyExists(format!("Table already exists: {target}")));
    }
    let dir = store(dp, caller)?;
    let id = id_of(arn).to_owned();
    let items = blocking(move || {
        backups::items(&dir, &id)?
            .iter()
            .map(|bytes| decode(bytes))
            .collect::<Result<Vec<_>, _>>()
    })
    .await?;
    let create = input
        .overrides
        .create_table_request(target, &record.table_description(location(caller)))
        .map_err(ApiError::Validation)?;
    let summary = RestoreSummary {
        source_table_arn: record.table_arn.clone(),
        restore_date_time: record.created_at,
        source_backup_arn: Some(record.arn.clone()),
    };
    super::restore::create_and_fill(dp, caller, target, create, items, summary).await
}
