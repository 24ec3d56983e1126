//! `ListTables`: the caller's tenant's table names, paginated.

use ddb_core::api::{ListTablesInput, ListTablesOutput};

use crate::auth::Verified;
use crate::catalog::Catalog;
use crate::error::ApiError;

/// Lists the tables of the caller's tenant.
pub fn run(caller: &Verified, catalog: &Catalog, input: ListTablesInput) -> Result<ListTablesOutput, ApiError> {
    let limit = input.validate()?;
    Ok(input.page(catalog.table_names(caller.space()), limit))
}
