//! Where on-demand backups live: a local-directory object store inside the
//! tenant's directory, so a backup is sized, moved and erased with its
//! tenant and outlives its table. Frozen: stored backups depend on it.
//!
//! ```text
//! <tenant dir>/backups/<id>/record.json  the backup's record (ddb_core's BackupRecord)
//! <tenant dir>/backups/<id>/items        its items: (len:u32be, storage encoding)*
//! ```
//! `id` is DynamoDB's backup id (`<14-digit millis>-<8 hex>`), so ids sort
//! in creation order. A backup is written under `<id>.tmp`, synced, and
//! renamed into place, so a listed backup is always whole; a deleted one is
//! renamed to `<id>.deleted` before its files go. Leftovers of either are
//! ignored and removed by the next write.

use std::fs::{self, File};
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use ddb_core::api::table::BackupRecord;

use super::listing::{sorted_ids, valid_id};
use crate::error::ApiError;

const RECORD: &str = "record.json";
const ITEMS: &str = "items";
const TMP: &str = ".tmp";
const DELETED: &str = ".deleted";

fn io(path: &Path, e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(format!("backup storage {}: {e}", path.display()))
}

fn sync_dir(dir: &Path) -> Result<(), ApiError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(|e| io(dir, e))
}

/// The tenant's backups directory.
pub fn dir(tenant_dir: &Path) -> PathBuf {
    tenant_dir.join("backups")
}

/// Writes backup `record.arn`'s id with `items` (storage encodings), whole
/// or not at all.
pub fn write(dir: &Path, id: &str, record: &BackupRecord, items: &[Vec<u8>]) -> Result<(), ApiError> {
    fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    remove_leftovers(dir)?;
    let tmp = dir.join(format!("{id}{TMP}"));
    fs::create_dir_all(&tmp).map_err(|e| io(&tmp, e))?;
    let items_path = tmp.join(ITEMS);
    let file = File::create(&items_path).map_err(|e| io(&items_path, e))?;
    let mut out = BufWriter::new(file);
    for item in items {
        let len = u32::try_from(item.len()).map_err(|e| io(&items_path, e))?;
        out.write_all(&len.to_be_bytes()).map_err(|e| io(&items_path, e))?;
        out.write_all(item).map_err(|e| io(&items_path, e))?;
    }
    let file = out.into_inner().map_err(|e| io(&items_path, e))?;
    file.sync_all().map_err(|e| io(&items_path, e))?;
    let record_path = tmp.join(RECORD);
    let json = serde_json::to_vec(record).map_err(|e| io(&record_path, e))?;
    let mut file = File::create(&record_path).map_err(|e| io(&record_path, e))?;
    file.write_all(&json).and_then(|()| file.sync_all()).map_err(|e| io(&record_path, e))?;
    sync_dir(&tmp)?;
    let done = dir.join(id);
    fs::rename(&tmp, &done).map_err(|e| io(&done, e))?;
    sync_dir(dir)
}

fn remove_leftovers(dir: &Path) -> Result<(), ApiError> {
    for entry in fs::read_dir(dir).map_err(|e| io(dir, e))? {
        let entry = entry.map_err(|e| io(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(TMP) || name.ends_with(DELETED) {
            fs::remove_dir_all(entry.path()).map_err(|e| io(&entry.path(), e))?;
        }
    }
    Ok(())
}

/// Backup `id`'s record, if it exists.
pub fn record(dir: &Path, id: &str) -> Result<Option<BackupRecord>, ApiError> {
    if !valid_id(id) {
        return Ok(None);
    }
    let path = dir.join(id).join(RECORD);
    match fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| io(&path, e)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io(&path, e)),
    }
}

/// Every backup of the tenant, oldest first.
pub fn records(dir: &Path) -> Result<Vec<BackupRecord>, ApiError> {
    let ids = sorted_ids(dir, |name| Some(name)).map_err(|e| io(dir, e))?;
    ids.iter().filter_map(|id| record(dir, id).transpose()).collect()
}

/// Backup `id`'s items, in the storage encoding.
pub fn items(dir: &Path, id: &str) -> Result<Vec<Vec<u8>>, ApiError> {
    let path = dir.join(id).join(ITEMS);
    let mut bytes = Vec::new();
    File::open(&path).and_then(|mut f| f.read_to_end(&mut bytes)).map_err(|e| io(&path, e))?;
    let mut out = Vec::new();
    let mut rest = bytes.as_slice();
    while !rest.is_empty() {
        let (len, tail) = rest.split_first_chunk::<4>().ok_or_else(|| io(&path, "truncated length"))?;
        let len = usize::try_from(u32::from_be_bytes(*len)).map_err(|e| io(&path, e))?;
        let item = tail.get(..len).ok_or_else(|| io(&path, "truncated item"))?;
        out.push(item.to_vec());
        rest = tail.get(len..).unwrap_or_default();
    }
    Ok(out)
}

/// Deletes backup `id`: it stops being listed at once, then its files go.
pub fn delete(dir: &Path, id: &str) -> Result<(), ApiError> {
    if !valid_id(id) {
        return Ok(());
    }
    let path = dir.join(id);
    let gone = dir.join(format!("{id}{DELETED}"));
    match fs::rename(&path, &gone) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io(&path, e)),
    }
    sync_dir(dir)?;
    fs::remove_dir_all(&gone).map_err(|e| io(&gone, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backups_are_written_whole_listed_in_order_and_deleted() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = dir(tmp.path());
        assert!(records(&dir).unwrap().is_empty(), "no directory yet");
        let input: ddb_core::api::table::CreateTableInput = serde_json::from_value(serde_json::json!({
            "TableName": "tbl",
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        }))
        .unwrap();
        let rec = |id: &str| BackupRecord {
            arn: format!("arn:aws:dynamodb:us-east-1:123456789012:table/tbl/backup/{id}"),
            name: "b".into(),
            created_at: 1.0,
            size_bytes: 3,
            item_count: 2,
            table: ddb_core::api::table::TableDefinition::new("id".into(), 1.0, input.validate().unwrap()),
            table_arn: "arn:aws:dynamodb:us-east-1:123456789012:table/tbl".into(),
            system_expires_at: None,
        };
        let (first, second) = ("01000000000002-0000000b", "01000000000001-0000000a");
        write(&dir, first, &rec(first), &[b"one".to_vec(), Vec::new()]).unwrap();
        write(&dir, second, &rec(second), &[]).unwrap();
        // A backup interrupted while being written is not listed.
        fs::create_dir_all(dir.join("01000000000003-0000000c.tmp")).unwrap();
        let listed: Vec<String> = records(&dir).unwrap().into_iter().map(|r| r.arn).collect();
        assert_eq!(listed, [rec(second).arn, rec(first).arn]);
        assert_eq!(items(&dir, first).unwrap(), [b"one".to_vec(), Vec::new()]);
        assert_eq!(record(&dir, "../x").unwrap(), None, "ids cannot leave the directory");
        delete(&dir, first).unwrap();
        assert_eq!(record(&dir, first).unwrap(), None);
        assert_eq!(records(&dir).unwrap().len(), 1);
        write(&dir, first, &rec(first), &[]).unwrap();
        assert!(!dir.join("01000000000003-0000000c.tmp").exists(), "leftovers are cleared");
    }
}
