//! ExportTableToPointInTime and ImportTable. Both move a table's items to
//! or from Amazon S3, which a Dynastore endpoint does not reach: a request
//! is checked as DynamoDB checks it (its members, the table, point-in-time
//! recovery for an export, the new table's definition for an import), so
//! a malformed one gets DynamoDB's error, and a well-formed one is then
//! refused with a ValidationException saying that S3 is out of reach,
//! before anything is created. DescribeExport, ListExports and their
//! import counterparts answer that there are none (`unserved`).

use ddb_core::api::table::{ExportTableToPointInTimeInput, ImportTableInput};
use serde_json::Value;

use super::restore::table_of_arn;
use crate::auth::Verified;
use crate::catalog::Catalog;
use crate::error::ApiError;

/// `ExportTableToPointInTime`
pub fn export_table(caller: &Verified, catalog: &Catalog, input: &ExportTableToPointInTimeInput) -> Result<Value, ApiError> {
    let request = input.validate().map_err(ApiError::Validation)?;
    let missing = || ApiError::TableNotFound(format!("Table not found: {}", request.table_arn));
    let name = table_of_arn(caller, request.table_arn, missing)?;
    let table = catalog.table(&caller.tenant.id, &name).ok_or_else(missing)?;
    if table.def.pitr.is_none() {
        return Err(ApiError::PointInTimeRecoveryUnavailable(format!(
            "Point in time recovery is not enabled for table '{name}'"
        )));
    }
    Err(ApiError::Validation(format!(
        "Exports to Amazon S3 are not available on this endpoint: it cannot write to bucket {}. Back the table up with CreateBackup, or read it with Scan, instead.",
        request.bucket
    )))
}

/// `ImportTable`
pub fn import_table(caller: &Verified, catalog: &Catalog, input: &ImportTableInput) -> Result<Value, ApiError> {
    let request = input.validate().map_err(ApiError::Validation)?;
    if catalog.table(&caller.tenant.id, &request.table.name).is_some() {
        return Err(ApiError::ResourceInUse(format!("Table already exists: {}", request.table.name)));
    }
    Err(ApiError::Validation(format!(
        "Imports from Amazon S3 are not available on this endpoint: it cannot read bucket {}. Create the table with CreateTable and load it with BatchWriteItem instead.",
        request.bucket
    )))
}
