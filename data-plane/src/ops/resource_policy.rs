//! PutResourcePolicy, GetResourcePolicy and DeleteResourcePolicy: a
//! table's or stream's resource-based policy, kept in the table's
//! definition (the control plane checks `ExpectedRevisionId` under its
//! row lock). The policies take part in authorization (`authz`): within
//! the tenant's account they can grant a user access its identity
//! policies do not, and their Deny statements deny. Dynastore's tenants
//! are separate accounts that never see each other's tables, so a policy
//! naming another account grants it nothing.

use ddb_core::api::table::{PolicyTarget, PutResourcePolicyInput, ResourcePolicyArnInput, TableChange};
use iam::arn::SubResource;
use iam::TableArn;
use serde_json::{json, Value};

use super::tables::not_found;
use crate::auth::Verified;
use crate::catalog::{Catalog, CatalogTable};
use crate::error::ApiError;
use crate::DataPlane;

/// The table and policy target a `ResourceArn` names.
fn resolve<'c>(
    catalog: &'c Catalog,
    caller: &Verified,
    action: &str,
    arn: &str,
) -> Result<(&'c std::sync::Arc<CatalogTable>, PolicyTarget), ApiError> {
    let invalid = || ApiError::Validation(format!("Invalid ResourceArn provided as input {arn}"));
    let parsed = TableArn::parse(arn).map_err(|_| invalid())?;
    if parsed.account_id != caller.tenant.account_id {
        return Err(super::table_arn::other_account(caller, action, arn));
    }
    if parsed.region != caller.region {
        return Err(not_found(&parsed.table));
    }
    let table = catalog.table(&caller.tenant.id, &parsed.table).ok_or_else(|| not_found(&parsed.table))?;
    let target = match parsed.sub {
        SubResource::None => PolicyTarget::Table,
        SubResource::Stream(label) => {
            let known = table.def.stream_label.as_deref() == Some(label.as_str())
                || table.def.past_streams.iter().any(|s| s.label == label);
            if !known {
                return Err(ApiError::ResourceNotFound(format!("Requested resource not found: Stream: {arn} not found")));
            }
            PolicyTarget::Stream(label)
        }
        SubResource::Index(_) | SubResource::Backup(_) => {
            return Err(ApiError::Validation(format!(
                "One or more parameter values were invalid: Invalid resource arn provided, only table or stream is accepted. Provided resource arn: {arn}"
            )))
        }
    };
    Ok((table, target))
}

/// A policy document as DynamoDB accepts it: a valid resource-based
/// policy (every statement names its principals), at most 20 KB.
pub(super) fn check_document(document: &str) -> Result<(), ApiError> {
    ddb_core::api::table::check_document_size(document).map_err(ApiError::Validation)?;
    iam::ResourcePolicy::parse(document)
        .map(|_| ())
        .map_err(|e| ApiError::Validation(format!("Invalid policy document: {e}")))
}

/// Sends the change and returns the policy of `target` afterwards.
async fn change(
    dp: &DataPlane,
    caller: &Verified,
    table: &str,
    change: TableChange,
) -> Result<CatalogTable, ApiError> {
    super::table_settings::apply(dp, caller, table, &change).await
}

/// `PutResourcePolicy`
pub async fn put(dp: &DataPlane, caller: &Verified, catalog: &Catalog, input: PutResourcePolicyInput) -> Result<Value, ApiError> {
    let (arn, document) = input.validate().map_err(ApiError::Validation)?;
    let (table, target) = resolve(catalog, caller, "PutResourcePolicy", arn)?;
    check_document(document)?;
    let updated = change(
        dp,
        caller,
        &table.def.spec.name,
        TableChange::ResourcePolicy {
            target: target.clone(),
            arn: arn.to_owned(),
            document: Some(document.to_owned()),
            expected_revision: input.expected_revision_id.clone(),
        },
    )
    .await?;
    let revision = updated
        .def
        .resource_policy(&target)
        .map(|p| p.revision_id.clone())
        .ok_or_else(|| ApiError::Internal("the policy was not attached".into()))?;
    Ok(json!({ "RevisionId": revision }))
}

/// `GetResourcePolicy`
pub fn get(caller: &Verified, catalog: &Catalog, input: ResourcePolicyArnInput) -> Result<Value, ApiError> {
    let arn = input.validate().map_err(ApiError::Validation)?;
    let (table, target) = resolve(catalog, caller, "GetResourcePolicy", arn)?;
    let policy = table.def.resource_policy(&target).ok_or_else(|| {
        ApiError::PolicyNotFound(format!("Resource-based policy not found for the provided ResourceArn: {arn}"))
    })?;
    Ok(json!({ "Policy": policy.document, "RevisionId": policy.revision_id }))
}

/// `DeleteResourcePolicy`: answers the revision that was removed.
pub async fn delete(dp: &DataPlane, caller: &Verified, catalog: &Catalog, input: ResourcePolicyArnInput) -> Result<Value, ApiError> {
    let arn = input.validate().map_err(ApiError::Validation)?;
    let (table, target) = resolve(catalog, caller, "DeleteResourcePolicy", arn)?;
    let removed = table.def.resource_policy(&target).map(|p| p.revision_id.clone());
    change(
        dp,
        caller,
        &table.def.spec.name,
        TableChange::ResourcePolicy {
            target,
            arn: arn.to_owned(),
            document: None,
            expected_revision: input.expected_revision_id.clone(),
        },
    )
    .await?;
    Ok(json!({ "RevisionId": removed.unwrap_or_default() }))
}
