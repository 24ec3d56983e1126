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

/// The table and policy target a `ResourceArn` names, refused with the
/// errors DynamoDB gives for each other form.
fn resolve<'c>(
    catalog: &'c Catalog,
    caller: &Verified,
    arn: &str,
) -> Result<(&'c std::sync::Arc<CatalogTable>, PolicyTarget), ApiError> {
    let invalid = |what: &str| ApiError::Validation(format!("One or more parameter values were invalid: {what}"));
    if !arn.starts_with("arn:") {
        return Err(invalid(&format!("ARNs must start with 'arn:': {arn}")));
    }
    let mut fields = arn.splitn(6, ':');
    let (partition, service, account) = (fields.nth(1), fields.next(), fields.nth(1));
    if service == Some("dynamodb") && account.is_some_and(|a| a != caller.tenant.account_id) {
        return Err(ApiError::Validation(
            "This action is only supported by accounts that match the resource owner\u{2019}s account.".into(),
        ));
    }
    let parsed = TableArn::parse(arn).map_err(|_| invalid(&format!("Provided Arn is not a DynamoDB resource arn: {arn}")))?;
    if parsed.region != caller.region || partition != Some("aws") {
        return Err(invalid(&format!("Invalid resource Arn: {arn}")));
    }
    let table = catalog.table(caller.space(), &parsed.table).ok_or_else(|| not_found(&parsed.table))?;
    let target = match parsed.sub {
        SubResource::None => PolicyTarget::Table,
        SubResource::Stream(label) => {
            let known = table.def.stream_label.as_deref() == Some(label.as_str())
                || table.def.past_streams.iter().any(|s| s.label == label);
            if !known {
                return Err(ApiError::ResourceNotFound(format!(
                    "Requested resource not found: Stream: {label} not found for Table: {}",
                    parsed.table
                )));
            }
            PolicyTarget::Stream(label)
        }
        SubResource::Index(_) => {
            // DynamoDB names the ARN only up to its account here.
            let shown: String = arn.splitn(6, ':').take(5).collect::<Vec<_>>().join(":");
            return Err(invalid(&format!(
                "Invalid resource arn provided, only table or stream is accepted. Provided resource arn: {shown}"
            )));
        }
        SubResource::Backup(_) => return Err(invalid(&format!("Provided Arn is not a DynamoDB resource arn: {arn}"))),
    };
    Ok((table, target))
}

/// A policy document as DynamoDB accepts it — a valid resource-based
/// policy (every statement names its principals), at most 20 KB, granting
/// nothing unconditionally to everyone, naming only principals that exist
/// (the tenant's users and account, other accounts) — in its canonical
/// form.
pub(super) fn check_document(caller: &Verified, catalog: &Catalog, document: &str) -> Result<String, ApiError> {
    let invalid = |why: String| ApiError::Validation(format!("One or more parameter values were invalid: Invalid policy document: {why}"));
    ddb_core::api::table::check_document_size(document).map_err(ApiError::Validation)?;
    ddb_core::api::table::check_document_shape(document).map_err(invalid)?;
    let policy = iam::ResourcePolicy::parse(document).map_err(|e| invalid(e.to_string()))?;
    if policy.allows_everyone() {
        return Err(ApiError::Validation(
            "Resource-based policy grants unbounded access in one or more elements. Please revise the policy to ensure least-privilege form of access".into(),
        ));
    }
    let partition = iam::partition(&caller.region);
    let own_users = format!("arn:{partition}:iam::{}:user/", caller.tenant.account_id);
    let own_account = format!("arn:{partition}:iam::{}:", caller.tenant.account_id);
    for principal in policy.named_principals() {
        let exists = match principal.strip_prefix(&own_users) {
            Some(name) => catalog.user(&caller.tenant.id, name.rsplit('/').next().unwrap_or(name)).is_some(),
            // The account itself, or another account (its own business).
            None => !principal.starts_with(&own_account) || principal == format!("{own_account}root"),
        };
        if !exists {
            return Err(ApiError::Validation("Invalid principal in policy document.".into()));
        }
    }
    ddb_core::api::table::canonical_document(document, partition).map_err(invalid)
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
    let (table, target) = resolve(catalog, caller, arn)?;
    let document = check_document(caller, catalog, document)?;
    let updated = change(
        dp,
        caller,
        &table.def.spec.name,
        TableChange::ResourcePolicy {
            target: target.clone(),
            arn: arn.to_owned(),
            document: Some(document),
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
    let (table, target) = resolve(catalog, caller, arn)?;
    let policy = table.def.resource_policy(&target).ok_or_else(|| {
        ApiError::PolicyNotFound(format!("Resource-based policy not found for the provided ResourceArn: {arn}"))
    })?;
    Ok(json!({ "Policy": policy.answer(), "RevisionId": policy.revision_id }))
}

/// `DeleteResourcePolicy`: answers the revision that was removed (nothing
/// when there was no policy, as DynamoDB answers).
pub async fn delete(dp: &DataPlane, caller: &Verified, catalog: &Catalog, input: ResourcePolicyArnInput) -> Result<Value, ApiError> {
    let arn = input.validate().map_err(ApiError::Validation)?;
    let (table, target) = resolve(catalog, caller, arn)?;
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
    Ok(removed.map_or_else(|| json!({}), |r| json!({ "RevisionId": r })))
}
