//! Where export and import job records live: one JSON file per job in the
//! tenant's directory, so a job is listed for as long as its tenant is
//! kept. Frozen: stored jobs depend on it.
//!
//! ```text
//! <tenant dir>/jobs/<id>.json   a job's record (ddb_core's JobRecord)
//! ```
//! `id` is the job's id in its ARN (`<14-digit millis>-<8 hex>`), so ids
//! sort in creation order. A record is written to `<id>.json.tmp`, synced
//! and renamed into place, so a listed job is always whole; leftovers are
//! ignored and removed by the next write.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use ddb_core::api::table::JobRecord;

use super::listing::{sorted_ids, valid_id};
use crate::error::ApiError;

const SUFFIX: &str = ".json";
const TMP: &str = ".json.tmp";

fn io(path: &Path, e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(format!("job storage {}: {e}", path.display()))
}

/// The tenant's jobs directory.
pub fn dir(tenant_dir: &Path) -> PathBuf {
    tenant_dir.join("jobs")
}

/// Writes job `id`'s record, whole or not at all.
pub fn write(dir: &Path, id: &str, record: &JobRecord) -> Result<(), ApiError> {
    if !valid_id(id) {
        return Err(ApiError::Internal(format!("job storage: invalid job id {id}")));
    }
    fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    for entry in fs::read_dir(dir).map_err(|e| io(dir, e))? {
        let entry = entry.map_err(|e| io(dir, e))?;
        if entry.file_name().to_string_lossy().ends_with(TMP) {
            fs::remove_file(entry.path()).map_err(|e| io(&entry.path(), e))?;
        }
    }
    let tmp = dir.join(format!("{id}{TMP}"));
    let json = serde_json::to_vec(record).map_err(|e| io(&tmp, e))?;
    let mut file = File::create(&tmp).map_err(|e| io(&tmp, e))?;
    file.write_all(&json).and_then(|()| file.sync_all()).map_err(|e| io(&tmp, e))?;
    let done = dir.join(format!("{id}{SUFFIX}"));
    fs::rename(&tmp, &done).map_err(|e| io(&done, e))?;
    File::open(dir).and_then(|d| d.sync_all()).map_err(|e| io(dir, e))
}

/// Every job of the tenant, oldest first.
pub fn records(dir: &Path) -> Result<Vec<JobRecord>, ApiError> {
    let ids = sorted_ids(dir, |name| name.strip_suffix(SUFFIX)).map_err(|e| io(dir, e))?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let path = dir.join(format!("{id}{SUFFIX}"));
        let bytes = fs::read(&path).map_err(|e| io(&path, e))?;
        out.push(serde_json::from_slice(&bytes).map_err(|e| io(&path, e))?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ddb_core::api::table::JobKind;

    fn job(id: &str) -> JobRecord {
        JobRecord {
            arn: format!("arn:aws:dynamodb:us-east-1:123456789012:table/Music/export/{id}"),
            kind: JobKind::Export,
            table_arn: "arn:aws:dynamodb:us-east-1:123456789012:table/Music".into(),
            table_id: None,
            started_at: 1.0,
            ended_at: 1.0,
            request: serde_json::json!({"S3Bucket": "b"}),
        }
    }

    #[test]
    fn jobs_are_kept_whole_in_creation_order() {
        let tmp = tempfile::tempdir().unwrap();
        let d = dir(tmp.path());
        assert!(records(&d).unwrap().is_empty(), "no directory yet");
        write(&d, "00000000000002-bbbbbbbb", &job("00000000000002-bbbbbbbb")).unwrap();
        write(&d, "00000000000001-aaaaaaaa", &job("00000000000001-aaaaaaaa")).unwrap();
        // A torn write leaves only a temporary file, which is not listed.
        fs::write(d.join("00000000000003-cccccccc.json.tmp"), b"{").unwrap();
        let listed = records(&d).unwrap();
        assert_eq!(listed, vec![job("00000000000001-aaaaaaaa"), job("00000000000002-bbbbbbbb")]);
        write(&d, "00000000000004-dddddddd", &job("00000000000004-dddddddd")).unwrap();
        assert!(!d.join("00000000000003-cccccccc.json.tmp").exists(), "leftovers go");
        assert!(write(&d, "../x", &job("x")).is_err());
    }
}
