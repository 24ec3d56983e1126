//! On-demand backups: CreateBackup copies a table's items, from one
//! snapshot, into the tenant's backup space; DescribeBackup, ListBackups
//! and DeleteBackup read and drop them; RestoreTableFromBackup creates a
//! new table from one, as RestoreTableToPointInTime does from the change
//! log. A backup outlives its table.

use ddb_core::api::table::{
    backup_id, BackupArnInput, BackupRecord, CreateBackupInput, ListBackupsInput, RestoreSummary,
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
use crate::items::store::decode;
use crate::items::MultiDecision;
use crate::DataPlane;

/// Bytes of items written to the backup space per writer request.
const CHUNK_BYTES: usize = 1024 * 1024;

fn not_found(arn: &str) -> ApiError {
    ApiError::BackupNotFound(format!("Backup not found: {arn}"))
}

/// The backup an ARN names, if it is one of the caller's.
async fn find(dp: &DataPlane, caller: &Verified, arn: &str) -> Result<BackupRecord, ApiError> {
    let id = arn.rsplit_once("/backup/").map(|(_, id)| id).ok_or_else(|| not_found(arn))?;
    let snapshot = dp.items.snapshot(&caller.tenant.id).await?;
    backups::record(snapshot.as_ref(), id)?
        .filter(|b| b.arn == arn)
        .ok_or_else(|| not_found(arn))
}

/// Writes raw records through the writer, in one atomic batch.
async fn put_raw(dp: &DataPlane, tenant: &str, records: Vec<(Vec<u8>, Vec<u8>)>) -> Result<(), ApiError> {
    dp.items
        .write_many(tenant, Vec::new(), Box::new(move |_| Ok(MultiDecision { writes: Vec::new(), output: Value::Null, extra: records })))
        .await
        .map(|_| ())
}

/// `CreateBackup`
pub async fn create_backup(dp: &DataPlane, caller: &Verified, catalog: &Catalog, input: CreateBackupInput) -> Result<Value, ApiError> {
    let (name, backup_name) = input.validate().map_err(ApiError::Validation)?;
    let tenant = caller.tenant.id.clone();
    let table = catalog
        .table(&tenant, name)
        .cloned()
        .ok_or_else(|| ApiError::TableNotFound(format!("Table not found: {name}")))?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let id = backup_id(u64::try_from(now.as_millis()).unwrap_or(u64::MAX), rand::thread_rng().gen());
    let loc = location(dp, caller);
    let table_arn = loc.table_arn(name);
    // Let the writer drain, so the snapshot holds every acknowledged write.
    put_raw(dp, &tenant, Vec::new()).await?;
    let snapshot = dp.items.snapshot(&tenant).await?;
    let prefix = items_prefix(&table.record.id);
    let end = prefix_end(&prefix);
    let end = end.as_deref().map_or(std::ops::Bound::Unbounded, std::ops::Bound::Excluded);
    let mut chunk: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let (mut chunk_bytes, mut count, mut size) = (0usize, 0u64, 0u64);
    let entries: Vec<_> = snapshot
        .range(std::ops::Bound::Included(prefix.as_slice()), end, storage::Direction::Forward)
        .map_err(|e| ApiError::Internal(format!("storage: {e}")))?
        .collect();
    for kv in entries {
        let (_, value) = kv.map_err(|e| ApiError::Internal(format!("storage: {e}")))?;
        size += item_size(&decode(&value)?) as u64;
        chunk_bytes += value.len();
        chunk.push((backups::item_key(&id, count), value.to_vec()));
        count += 1;
        if chunk_bytes >= CHUNK_BYTES {
            put_raw(dp, &tenant, std::mem::take(&mut chunk)).await?;
            chunk_bytes = 0;
        }
    }
    let record = BackupRecord {
        arn: format!("{table_arn}/backup/{id}"),
        name: backup_name.to_owned(),
        created_at: now.as_secs_f64(),
        size_bytes: size,
        item_count: count,
        table: table.def.clone(),
        table_arn,
    };
    // The record comes last: a backup is listed only once it is whole.
    chunk.push((backups::record_key(&id), backups::encode_record(&record)?));
    put_raw(dp, &tenant, chunk).await?;
    Ok(json!({ "BackupDetails": record.details("CREATING") }))
}

/// `DescribeBackup`
pub async fn describe_backup(dp: &DataPlane, caller: &Verified, input: BackupArnInput) -> Result<Value, ApiError> {
    let arn = input.validate().map_err(ApiError::Validation)?;
    let record = find(dp, caller, arn).await?;
    Ok(json!({ "BackupDescription": record.description("AVAILABLE", location(dp, caller)) }))
}

/// `DeleteBackup`
pub async fn delete_backup(dp: &DataPlane, caller: &Verified, input: BackupArnInput) -> Result<Value, ApiError> {
    let arn = input.validate().map_err(ApiError::Validation)?;
    let record = find(dp, caller, arn).await?;
    let id = arn.rsplit_once("/backup/").map_or("", |(_, id)| id);
    // The record goes first: a half-deleted backup is no longer listed.
    dp.items.drop_prefix(&caller.tenant.id, backups::record_key(id)).await?;
    dp.items.drop_prefix(&caller.tenant.id, backups::items_prefix(id)).await?;
    Ok(json!({ "BackupDescription": record.description("DELETED", location(dp, caller)) }))
}

/// `ListBackups`
pub async fn list_backups(dp: &DataPlane, caller: &Verified, input: ListBackupsInput) -> Result<Value, ApiError> {
    input.validate().map_err(ApiError::Validation)?;
    let snapshot = dp.items.snapshot(&caller.tenant.id).await?;
    let all = backups::records(snapshot.as_ref())?;
    let (page, next) = input.select(&all);
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
    if catalog.table(&caller.tenant.id, target).is_some() {
        return Err(ApiError::TableAlreadyExists(format!("Table already exists: {target}")));
    }
    let id = arn.rsplit_once("/backup/").map_or("", |(_, id)| id);
    let snapshot = dp.items.snapshot(&caller.tenant.id).await?;
    let items = backups::items(snapshot.as_ref(), id)?
        .iter()
        .map(|bytes| decode(bytes))
        .collect::<Result<Vec<_>, _>>()?;
    let create = input.overrides.create_table_request(target, &record.table_description(location(dp, caller)));
    let summary = RestoreSummary {
        source_table_arn: record.table_arn.clone(),
        restore_date_time: record.created_at,
        source_backup_arn: Some(record.arn.clone()),
    };
    super::restore::create_and_fill(dp, caller, target, create, items, summary).await
}
