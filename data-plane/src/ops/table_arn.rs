//! Table ARNs where a table name goes. DynamoDB accepts a table's ARN in
//! every `TableName` member, in each transaction action's, and as a key of
//! BatchGetItem's and BatchWriteItem's `RequestItems`. Before an operation
//! runs, the ARN of a table of the caller's account and region is replaced
//! by the table's name; batch answers are then keyed again by what the
//! caller sent (`Responses`, `UnprocessedKeys`, `UnprocessedItems`,
//! `ItemCollectionMetrics`).
//!
//! The ARN of another account's table is denied as DynamoDB denies it
//! without a resource policy; one of another region names no table here. A
//! string that is not a table ARN is left alone, so the name checks report
//! it as they report any bad name.

use ddb_core::Operation;
use iam::arn::SubResource;
use iam::TableArn;
use serde_json::{Map, Value};

use crate::auth::Verified;
use crate::error::ApiError;

/// The table names that stood for ARNs in a request: (name, ARN sent).
#[derive(Debug, Default)]
pub struct Renamed(Vec<(String, String)>);

/// Replaces the table ARNs of `body` by table names.
///
/// # Errors
///
/// AccessDenied for another account's table; ResourceNotFound for a table
/// ARN of another region.
pub fn resolve(op: Operation, caller: &Verified, body: &mut Value) -> Result<Renamed, ApiError> {
    let mut renamed = Renamed::default();
    let Some(fields) = body.as_object_mut() else { return Ok(renamed) };
    match op {
        Operation::BatchGetItem | Operation::BatchWriteItem => {
            if let Some(Value::Object(items)) = fields.get_mut("RequestItems") {
                rename_keys(items, caller, op.name(), &mut renamed)?;
            }
        }
        Operation::TransactWriteItems | Operation::TransactGetItems => {
            let Some(Value::Array(actions)) = fields.get_mut("TransactItems") else { return Ok(renamed) };
            for action in actions.iter_mut().filter_map(Value::as_object_mut) {
                for (kind, member) in action.iter_mut() {
                    if let Some(member) = member.as_object_mut() {
                        replace_table_name(member, caller, transact_action(kind), &mut renamed)?;
                    }
                }
            }
        }
        Operation::ListTables
        | Operation::DescribeLimits
        | Operation::DescribeEndpoints
        | Operation::ListTagsOfResource
        | Operation::TagResource
        | Operation::UntagResource => {}
        _ => replace_table_name(fields, caller, op.name(), &mut renamed)?,
    }
    Ok(renamed)
}

/// Keys the batch answer `out` by the ARNs the request used.
pub fn restore(renamed: &Renamed, out: &mut Value) {
    if renamed.0.is_empty() {
        return;
    }
    let Some(fields) = out.as_object_mut() else { return };
    for member in ["Responses", "UnprocessedKeys", "UnprocessedItems", "ItemCollectionMetrics"] {
        let Some(Value::Object(by_table)) = fields.get_mut(member) else { continue };
        for (name, arn) in &renamed.0 {
            if let Some(v) = by_table.remove(name) {
                by_table.insert(arn.clone(), v);
            }
        }
    }
}

/// The IAM action of a transaction member.
fn transact_action(kind: &str) -> &'static str {
    match kind {
        "Put" => "PutItem",
        "Update" => "UpdateItem",
        "Delete" => "DeleteItem",
        "ConditionCheck" => "ConditionCheckItem",
        _ => "GetItem",
    }
}

fn replace_table_name(
    fields: &mut Map<String, Value>,
    caller: &Verified,
    action: &str,
    renamed: &mut Renamed,
) -> Result<(), ApiError> {
    let Some(Value::String(given)) = fields.get("TableName") else { return Ok(()) };
    if let Some(name) = table_name(given, caller, action)? {
        renamed.0.push((name.clone(), given.clone()));
        fields.insert("TableName".into(), Value::String(name));
    }
    Ok(())
}

fn rename_keys(
    items: &mut Map<String, Value>,
    caller: &Verified,
    action: &str,
    renamed: &mut Renamed,
) -> Result<(), ApiError> {
    let arns: Vec<String> = items.keys().filter(|k| k.starts_with("arn:")).cloned().collect();
    for arn in arns {
        let Some(name) = table_name(&arn, caller, action)? else { continue };
        // The same table named twice (by name and by ARN) stays as sent:
        // the name checks then refuse the ARN.
        if items.contains_key(&name) {
            continue;
        }
        if let Some(v) = items.remove(&arn) {
            items.insert(name.clone(), v);
            renamed.0.push((name, arn));
        }
    }
    Ok(())
}

/// `action` on `arn`, another account's resource, refused as DynamoDB
/// refuses it when no resource-based policy allows it.
pub fn other_account(caller: &Verified, action: &str, arn: &str) -> ApiError {
    ApiError::AccessDenied(format!(
        "User: {} is not authorized to perform: dynamodb:{action} on resource: {arn} because no resource-based policy allows the dynamodb:{action} action",
        caller.principal_arn()
    ))
}

/// The table name a `TableName` value stands for, when it is a table ARN.
fn table_name(given: &str, caller: &Verified, action: &str) -> Result<Option<String>, ApiError> {
    if !given.starts_with("arn:") {
        return Ok(None);
    }
    let Ok(arn) = TableArn::parse(given) else { return Ok(None) };
    if arn.sub != SubResource::None {
        return Ok(None);
    }
    if arn.account_id != caller.tenant.account_id {
        return Err(other_account(caller, action, given));
    }
    if arn.region != caller.region {
        return Err(ApiError::ResourceNotFound("Requested resource not found".into()));
    }
    Ok(Some(arn.table))
}

/// Whether `arn` (of a table, or of something under one: a backup, an
/// export) names `region`: each region's resources are listed apart.
pub(super) fn in_region(arn: &str, region: &str) -> bool {
    arn.split(':').nth(3) == Some(region)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn batch_answers_are_keyed_by_the_arns_sent() {
        let renamed = Renamed(vec![("t".into(), "arn:aws:dynamodb:us-east-1:123456789012:table/t".into())]);
        let mut out = json!({
            "Responses": {"t": [], "u": []},
            "UnprocessedKeys": {"t": {"Keys": []}},
            "ConsumedCapacity": [{"TableName": "t"}]
        });
        restore(&renamed, &mut out);
        assert_eq!(
            out,
            json!({
                "Responses": {"arn:aws:dynamodb:us-east-1:123456789012:table/t": [], "u": []},
                "UnprocessedKeys": {"arn:aws:dynamodb:us-east-1:123456789012:table/t": {"Keys": []}},
                "ConsumedCapacity": [{"TableName": "t"}]
            })
        );
    }

    #[test]
    fn transaction_members_name_their_actions() {
        assert_eq!(transact_action("ConditionCheck"), "ConditionCheckItem");
        assert_eq!(transact_action("Update"), "UpdateItem");
        assert_eq!(transact_action("Get"), "GetItem");
    }
}
