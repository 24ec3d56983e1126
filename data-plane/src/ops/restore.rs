//! RestoreTableToPointInTime: a new table holding the source table's items
//! as they were at a time inside its point-in-time recovery window.
//!
//! The source's change log keeps every change since recovery was enabled,
//! with old and new images. The restore reads the source's items and its
//! log from one snapshot, undoes the changes made after the restore time
//! (newest first, each putting back its old image), creates the target
//! table with the source's schema and the request's overrides, and writes
//! the items into it through the writer, so its indexes and statistics are
//! built as for any write. The copy runs before the answer, so the table is
//! complete by the time the caller can see it; DynamoDB answers `CREATING`
//! with `RestoreInProgress`, and so does this.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

use ddb_core::api::table::{
    describe, CreateTableInput, RestoreSource, RestoreSummary, RestoreTableToPointInTimeInput, TableChange, Usage,
};
use ddb_core::Item;
use dynastore_common::contract::CreateTableRequest;
use serde_json::{json, Value};
use storage::Direction;

use super::tables::location;
use crate::auth::Verified;
use crate::catalog::{Catalog, CatalogTable};
use crate::error::ApiError;
use crate::items::layout::{item_key, items_prefix, prefix_end};
use crate::items::store::{decode, storage_error};
use crate::items::{changelog, MultiDecision, WriteKey};
use crate::DataPlane;

/// Items written per writer request.
const CHUNK: usize = 100;


/// The source table's name: given, or from its ARN (which must name a
/// table of the caller's account and region).
fn source_name(caller: &Verified, source: &RestoreSource<'_>) -> Result<String, ApiError> {
    match source {
        RestoreSource::Name(n) => Ok((*n).to_owned()),
        RestoreSource::Arn(arn) => table_of_arn(caller, arn, || ApiError::TableNotFound("Table not found".into())),
    }
}

/// The name of the table a table ARN of the caller's account names; an
/// ARN of another region names no table here (`elsewhere`).
pub(super) fn table_of_arn(caller: &Verified, arn: &str, elsewhere: impl FnOnce() -> ApiError) -> Result<String, ApiError> {
    if !arn.starts_with("arn:") {
        return Err(ApiError::Validation(format!(
            "One or more parameter values were invalid: ARNs must start with 'arn:': {arn}"
        )));
    }
    let parsed = iam::TableArn::parse(arn)
        .ok()
        .filter(|a| a.sub == iam::arn::SubResource::None)
        .ok_or_else(|| ApiError::Validation(format!("Invalid TableArn: Invalid ResourceArn provided as input {arn}")))?;
    if parsed.account_id != caller.tenant.account_id {
        return Err(ApiError::Validation(
            "This action is only supported by accounts that match the resource owner\u{2019}s account.".into(),
        ));
    }
    if parsed.region != caller.region {
        return Err(elsewhere());
    }
    Ok(parsed.table)
}

/// A time as DynamoDB quotes it in InvalidRestoreTimeException:
/// `2026-10-06T23:16:32Z`.
fn iso_seconds(secs: f64) -> String {
    #[allow(clippy::cast_possible_truncation)]
    let whole = secs.floor() as i64;
    chrono::DateTime::from_timestamp(whole, 0).map_or_else(|| whole.to_string(), |t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

/// `RestoreTableToPointInTime`
pub async fn restore_to_point_in_time(
    dp: &DataPlane,
    caller: &Verified,
    catalog: &Catalog,
    input: RestoreTableToPointInTimeInput,
) -> Result<Value, ApiError> {
    let request = input.validate().map_err(ApiError::Validation)?;
    let name = source_name(caller, &request.source)?;
    let tenant = caller.tenant.id.clone();
    // DynamoDB names a missing source only when it was given by name.
    let missing = match request.source {
        RestoreSource::Name(n) => format!("Table not found: {n}"),
        RestoreSource::Arn(_) => "Table not found".to_owned(),
    };
    let source = catalog.table(caller.space(), &name).cloned().ok_or(ApiError::TableNotFound(missing))?;
    // DynamoDB's order: recovery on, the time, then the target.
    let pitr = source.def.pitr.ok_or_else(|| {
        ApiError::PointInTimeRecoveryUnavailable(format!("Point in time recovery is not enabled for table '{name}'"))
    })?;
    let now = super::now_secs();
    let time = request.time.unwrap_or(now);
    let earliest = pitr.earliest(now);
    if !(earliest..=now).contains(&time) {
        return Err(ApiError::InvalidRestoreTime(format!(
            "RestoreDateTime '{}' must be within EarliestRestorableDateTime '{}' and LatestRestorableDateTime '{}'",
            iso_seconds(time),
            iso_seconds(earliest),
            iso_seconds(now)
        )));
    }
    if catalog.table(caller.space(), request.target).is_some() {
        return Err(ApiError::TableAlreadyExists(format!("Table already exists: {}", request.target)));
    }
    let loc = location(caller);
    let source_description = describe(&source.def, "ACTIVE", loc, Usage::default());
    let create = input.create_table_request(request.target, &source_description).map_err(ApiError::Validation)?;
    let items = items_at(dp, &tenant, &source, time).await?;
    let summary = RestoreSummary {
        source_table_arn: loc.table_arn(&name),
        restore_date_time: time,
        source_backup_arn: None,
    };
    create_and_fill(dp, caller, request.target, create, items, summary).await
}

/// Creates the table `target` from `create` (a CreateTable request, checked
/// as CreateTable checks it), writes `items` into it and records where they
/// came from; answers as DynamoDB answers a restore. A table whose filling
/// fails is dropped again.
pub(super) async fn create_and_fill(
    dp: &DataPlane,
    caller: &Verified,
    target: &str,
    create: Value,
    items: Vec<Item>,
    summary: RestoreSummary,
) -> Result<Value, ApiError> {
    let tenant = caller.tenant.id.clone();
    let spec = serde_json::from_value::<CreateTableInput>(create)
        .map_err(|e| ApiError::Validation(e.to_string()))?
        .validate()
        .map_err(ApiError::Validation)?;
    let created = dp
        .client
        .create_table(
            &CreateTableRequest {
                tenant_id: tenant.clone(),
                region: caller.space().region.to_owned(),
                spec: serde_json::to_value(&spec).map_err(|e| ApiError::Internal(e.to_string()))?,
            },
            Some(&caller.actor()),
        )
        .await?;
    dp.wait_for_revision(created.revision).await;
    let table = dp
        .catalog
        .load()
        .as_deref()
        .and_then(|c| c.table(caller.space(), target).cloned())
        .ok_or_else(|| ApiError::Internal("the restored table is not in the catalog".into()))?;
    let filled = async {
        write_items(dp, &tenant, &table, items).await?;
        let change = serde_json::to_value(TableChange::Restored(summary)).map_err(|e| ApiError::Internal(e.to_string()))?;
        let out = dp.client.change_table(caller.space(), target, &change, Some(&caller.actor())).await?;
        dp.wait_for_revision(out.revision).await;
        serde_json::from_value(out.table.definition).map_err(|e| ApiError::Internal(format!("unreadable definition: {e}")))
    };
    match filled.await {
        Ok(def) => Ok(json!({ "TableDescription": describe(&def, "CREATING", location(caller), Usage::default()) })),
        Err(e) => {
            // A half-restored table is not left behind.
            if let Err(cleanup) = dp.client.delete_table(caller.space(), target, Some(&caller.actor())).await {
                tracing::error!(%tenant, table = target, error = %cleanup, "could not drop a failed restore");
            }
            Err(e)
        }
    }
}

/// The source's items at `time`: its items now, with every logged change
/// made after `time` undone, newest first.
async fn items_at(dp: &DataPlane, tenant: &str, source: &CatalogTable, time: f64) -> Result<Vec<Item>, ApiError> {
    // Let the writer drain, so the snapshot holds every acknowledged write.
    dp.items.drain(tenant).await?;
    let snapshot = dp.items.snapshot(tenant).await?;
    let table_id = source.record.id.clone();
    let key_hash = source.def.key_hash;
    let hash = source.def.spec.key_schema.hash.name.clone();
    let range = source.def.spec.key_schema.range.as_ref().map(|r| r.name.clone());
    let cutoff_ms = (time * 1000.0).floor() as u64;
    tokio::task::spawn_blocking(move || -> Result<Vec<Item>, ApiError> {
        let key_of = |item: &Item| -> Option<Vec<u8>> {
            let pk = item.get(&hash)?;
            let sk = match &range {
                Some(r) => Some(item.get(r)?),
                None => None,
            };
            item_key(&table_id, key_hash, pk, sk).ok()
        };
        let prefix = items_prefix(&table_id);
        let end = prefix_end(&prefix);
        let end = end.as_deref().map_or(Bound::Unbounded, Bound::Excluded);
        let mut state: BTreeMap<Vec<u8>, Item> = BTreeMap::new();
        for kv in snapshot.range(Bound::Included(prefix.as_slice()), end, Direction::Forward).map_err(storage_error)? {
            let (key, value) = kv.map_err(storage_error)?;
            state.insert(key.to_vec(), decode(&value)?);
        }
        for record in changelog::records(snapshot.as_ref(), 0, Direction::Reverse).map_err(storage_error)? {
            let (_, change) = record?;
            if change.millis <= cutoff_ms {
                break;
            }
            if change.table_id != table_id {
                continue;
            }
            let Some(key) = change.new.as_ref().or(change.old.as_ref()).and_then(key_of) else { continue };
            match change.old {
                Some(old) => {
                    state.insert(key, old);
                }
                None => {
                    state.remove(&key);
                }
            }
        }
        Ok(state.into_values().collect())
    })
    .await
    .map_err(|e| ApiError::Internal(format!("restore task failed: {e}")))?
}

/// Writes `items` into the new table `target`, a chunk per writer request.
async fn write_items(dp: &DataPlane, tenant: &str, target: &Arc<CatalogTable>, items: Vec<Item>) -> Result<(), ApiError> {
    let hash = &target.def.spec.key_schema.hash.name;
    let range = target.def.spec.key_schema.range.as_ref().map(|r| &r.name);
    let mut rest = items.into_iter().peekable();
    while rest.peek().is_some() {
        let chunk: Vec<Item> = rest.by_ref().take(CHUNK).collect();
        let mut keys: Vec<WriteKey> = Vec::with_capacity(chunk.len());
        for item in &chunk {
            let pk = item.get(hash).ok_or_else(|| ApiError::Internal("a restored item lacks its key".into()))?;
            let sk = range.and_then(|r| item.get(r));
            let key = target.item_key(pk, sk).map_err(|e| ApiError::Internal(e.to_string()))?;
            keys.push(super::batch::write_key(target, key));
        }
        let writes = chunk.into_iter().map(|i| Some(Some(i))).collect();
        dp.items
            .write_many(tenant, keys, Box::new(move |_| Ok(MultiDecision { writes, output: Value::Null, extra: Vec::new() })))
            .await?;
    }
    Ok(())
}
