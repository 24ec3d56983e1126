//! Typed operations and the dispatch table. Each operation takes the
//! verified caller, the catalog and its typed input, and returns its typed
//! output or an [`ApiError`]; no HTTP types appear here.

mod backups;
mod batch;
mod bulk;
mod client_tokens;
mod consumed;
mod hex;
mod insights;
mod item_read;
mod item_write;
mod list_tables;
mod outside;
mod partiql;
mod query_scan;
mod range_read;
mod replicas;
mod reply;
mod resource_policy;
mod restore;
mod s3_jobs;
mod search_vectors;
pub(crate) mod streams;
mod table_arn;
mod table_settings;
mod tables;
mod transact;
pub mod ttl;
mod unserved;

pub(crate) use consumed::Consumed;
pub(crate) use client_tokens::ClientTokens;
pub(crate) use reply::Reply;
pub(crate) use table_arn::{resolve as resolve_table_arns, Renamed};

use ddb_core::Operation;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::auth::Verified;
use crate::catalog::Catalog;
use crate::error::ApiError;
use crate::DataPlane;

/// Runs `op` with the raw JSON body, whose table ARNs [`resolve_table_arns`]
/// replaced (`renamed`).
pub async fn dispatch(
    dp: &DataPlane,
    op: Operation,
    caller: &Verified,
    catalog: &Catalog,
    host: Option<&str>,
    body: Value,
    renamed: &Renamed,
) -> Result<Reply, ApiError> {
    // The reads write their items straight to the response bytes.
    match op {
        Operation::GetItem => item_read::get(dp, caller, catalog, body).await,
        Operation::Query => query_scan::query(dp, caller, catalog, body).await,
        Operation::Scan => query_scan::scan(dp, caller, catalog, body).await,
        // TagResource and UntagResource answer with an empty body.
        Operation::TagResource | Operation::UntagResource => {
            dispatch_json(dp, op, caller, catalog, host, body).await.map(|_| Reply::Raw(Vec::new()))
        }
        _ => dispatch_json(dp, op, caller, catalog, host, body).await.map(|mut out| {
            table_arn::restore(renamed, &mut out);
            Reply::Json(out)
        }),
    }
}

/// Now, in seconds since the epoch (DynamoDB's timestamps).
fn now_secs() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The operations that answer with a JSON value.
async fn dispatch_json(
    dp: &DataPlane,
    op: Operation,
    caller: &Verified,
    catalog: &Catalog,
    host: Option<&str>,
    body: Value,
) -> Result<Value, ApiError> {
    use ddb_core::api::table::TagOp;
    match op {
        Operation::ListTables => encode(list_tables::run(caller, catalog, decode(body)?)?),
        Operation::CreateTable => tables::create(dp, caller, catalog, decode(body)?).await,
        Operation::DescribeTable => tables::describe_table(dp, caller, catalog, decode(body)?).await,
        Operation::DeleteTable => tables::delete(dp, caller, catalog, decode(body)?).await,
        Operation::UpdateTable => table_settings::update_table(dp, caller, catalog, decode(body)?).await,
        Operation::UpdateTimeToLive => table_settings::update_ttl(dp, caller, catalog, decode(body)?).await,
        Operation::DescribeTimeToLive => table_settings::describe_ttl(caller, catalog, decode(body)?),
        Operation::DescribeKinesisStreamingDestination => {
            table_settings::describe_kinesis_destinations(caller, catalog, decode(body)?)
        }
        Operation::DescribeContinuousBackups => {
            table_settings::describe_continuous_backups(caller, catalog, decode(body)?)
        }
        Operation::UpdateContinuousBackups => {
            table_settings::update_continuous_backups(dp, caller, catalog, decode(body)?).await
        }
        Operation::RestoreTableToPointInTime => {
            restore::restore_to_point_in_time(dp, caller, catalog, decode(body)?).await
        }
        Operation::ListStreams => streams::list_streams(caller, catalog, decode(body)?),
        Operation::DescribeStream => streams::describe_stream(dp, caller, catalog, decode(body)?).await,
        Operation::GetShardIterator => streams::get_shard_iterator(dp, caller, catalog, decode(body)?).await,
        Operation::GetRecords => streams::get_records(dp, caller, catalog, decode(body)?).await,
        Operation::CreateBackup => backups::create_backup(dp, caller, catalog, decode(body)?).await,
        Operation::DescribeBackup => backups::describe_backup(dp, caller, decode(body)?).await,
        Operation::DeleteBackup => backups::delete_backup(dp, caller, decode(body)?).await,
        Operation::ListBackups => backups::list_backups(dp, caller, decode(body)?).await,
        Operation::RestoreTableFromBackup => backups::restore_from_backup(dp, caller, catalog, decode(body)?).await,
        Operation::ListTagsOfResource => table_settings::tags(dp, caller, catalog, TagOp::List, decode(body)?).await,
        Operation::TagResource => table_settings::tags(dp, caller, catalog, TagOp::Tag, decode(body)?).await,
        Operation::UntagResource => table_settings::tags(dp, caller, catalog, TagOp::Untag, decode(body)?).await,
        Operation::PutItem => item_write::put(dp, caller, catalog, body).await,
        Operation::UpdateItem => item_write::update(dp, caller, catalog, body).await,
        Operation::DeleteItem => item_write::delete(dp, caller, catalog, body).await,
        Operation::BatchGetItem => batch::batch_get(dp, caller, catalog, body).await,
        Operation::BatchWriteItem => batch::batch_write(dp, caller, catalog, body).await,
        Operation::TransactWriteItems => transact::transact_write(dp, caller, catalog, body).await,
        Operation::TransactGetItems => transact::transact_get(dp, caller, catalog, body).await,
        Operation::ExecuteStatement => partiql::execute::execute_statement(dp, caller, catalog, body).await,
        Operation::BatchExecuteStatement => partiql::batch::batch_execute_statement(dp, caller, catalog, body).await,
        Operation::ExecuteTransaction => partiql::transact::execute_transaction(dp, caller, catalog, body).await,
        Operation::UpdateContributorInsights => insights::update(dp, caller, catalog, decode(body)?).await,
        Operation::DescribeContributorInsights => insights::describe(caller, catalog, decode(body)?),
        Operation::ListContributorInsights => insights::list(caller, catalog, decode(body)?),
        Operation::PutResourcePolicy => resource_policy::put(dp, caller, catalog, decode(body)?).await,
        Operation::GetResourcePolicy => resource_policy::get(caller, catalog, decode(body)?),
        Operation::DeleteResourcePolicy => resource_policy::delete(dp, caller, catalog, decode(body)?).await,
        Operation::SearchVectors => search_vectors::run(dp, caller, catalog, body).await,
        Operation::DescribeLimits => Ok(table_settings::describe_limits()),
        Operation::DescribeEndpoints => Ok(table_settings::describe_endpoints(dp, host)),
        Operation::CreateGlobalTable => unserved::create_global_table(),
        Operation::DescribeGlobalTable
        | Operation::UpdateGlobalTable
        | Operation::DescribeGlobalTableSettings
        | Operation::UpdateGlobalTableSettings => unserved::global_table(op, &body),
        Operation::ListGlobalTables => Ok(unserved::list_global_tables()),
        Operation::ListExports => s3_jobs::list_exports(dp, caller, &body).await,
        Operation::ListImports => s3_jobs::list_imports(dp, caller, &body).await,
        Operation::DescribeExport => s3_jobs::describe_export(dp, caller, &body).await,
        Operation::DescribeImport => s3_jobs::describe_import(dp, caller, &body).await,
        Operation::ExportTableToPointInTime => s3_jobs::export_table(dp, caller, catalog, body).await,
        Operation::ImportTable => s3_jobs::import_table(dp, caller, catalog, body).await,
        Operation::StartBulkPutItems => bulk::start(dp, caller, catalog, body).await,
        Operation::DescribeBulkOperation => bulk::describe(dp, caller, &body).await,
        Operation::ListBulkOperations => bulk::list(dp, caller, &body).await,
        Operation::CancelBulkOperation => bulk::cancel(dp, caller, &body).await,
        Operation::EnableKinesisStreamingDestination
        | Operation::DisableKinesisStreamingDestination
        | Operation::UpdateKinesisStreamingDestination => {
            outside::kinesis_destination(op, caller, catalog, &decode(body)?)
        }
        Operation::DescribeTableReplicaAutoScaling => {
            outside::describe_replica_auto_scaling(caller, catalog, &decode(body)?)
        }
        Operation::UpdateTableReplicaAutoScaling => outside::update_replica_auto_scaling(caller, catalog, &decode(body)?),
        other => {
            // GetItem, Query and Scan are dispatched above; anything else
            // would be an operation not served yet, answered as DynamoDB
            // Local answers operations it lacks.
            tracing::debug!(operation = other.name(), "operation not available");
            Err(ApiError::UnknownOperation)
        }
    }
}

fn decode<T: DeserializeOwned>(body: Value) -> Result<T, ApiError> {
    serde_json::from_value(body).map_err(|e| ApiError::Serialization(serialization_message(&e)))
}

fn encode<T: serde::Serialize>(out: T) -> Result<Value, ApiError> {
    serde_json::to_value(out).map_err(|e| ApiError::Internal(e.to_string()))
}

/// DynamoDB's wording for a member of the wrong JSON type.
fn serialization_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    if text.contains("expected a string") {
        "NUMBER_VALUE cannot be converted to String".into()
    } else if text.contains("expected i64") || text.contains("expected u") {
        "STRING_VALUE can not be converted to an Integer".into()
    } else {
        "Start of structure or map found where not expected.".into()
    }
}
