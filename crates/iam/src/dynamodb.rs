//! DynamoDB's IAM vocabulary: the action names, the `dynamodb:*` condition
//! keys, and the mapping from an API operation and its targets to the
//! authorization checks it needs ([`checks_for`]).
//!
//! The data plane describes what a request touches with plain data
//! ([`ItemAccess`] per table/element, or a [`Target`]); this module only
//! turns that into [`AuthzCheck`]s. Rules, as AWS applies them:
//! - `GetItem`/`PutItem`/`UpdateItem`/`DeleteItem`/`Query`/`Scan`: one check,
//!   `dynamodb:<Operation>` on the table ARN, or on the index ARN
//!   (`table/T/index/I`) when a Query or Scan reads an index;
//! - `BatchGetItem`/`BatchWriteItem`: one `dynamodb:BatchGetItem` /
//!   `dynamodb:BatchWriteItem` check per table;
//! - `TransactWriteItems`: there is no `dynamodb:TransactWriteItems` action;
//!   each element is checked as `PutItem`, `UpdateItem`, `DeleteItem` or
//!   `ConditionCheckItem` with `dynamodb:EnclosingOperation` =
//!   `TransactWriteItems`; `TransactGetItems` likewise as `GetItem`;
//! - PartiQL (`ExecuteStatement`, `BatchExecuteStatement`,
//!   `ExecuteTransaction`): each statement as `PartiQLSelect`/`Insert`/
//!   `Update`/`Delete`;
//! - table-level control-plane operations: `dynamodb:<Operation>` on the
//!   table ARN; global-table operations on
//!   `arn:aws:dynamodb::{account}:global-table/{name}`; operations on
//!   streams, backups, exports, imports and tags on the ARN in the request;
//! - operations without a resource (AWS's "Resource: *" actions) are
//!   checked on an account-level resource, chosen so that `"Resource": "*"`
//!   and account-wide ARN wildcards allow them while table-specific ARNs do
//!   not: `ListTables` on `arn:aws:dynamodb:{region}:{account}:table/*` (the
//!   resource AWS names in its ListTables AccessDenied messages),
//!   `ListStreams` on `arn:aws:dynamodb:{region}:{account}:table/*/stream/*`,
//!   and `DescribeLimits`, `DescribeEndpoints`, `ListBackups`,
//!   `ListGlobalTables`, `ListContributorInsights`, `ListExports`,
//!   `ListImports` on `arn:aws:dynamodb:{region}:{account}:*`;
//! - every ARN names the region's partition ([`partition`]: `aws-cn` in
//!   the China regions, `aws-us-gov` in GovCloud) where these show `aws`.
//!
//! Filling the keys: for fine-grained access control, a read that names no
//! attributes (no ProjectionExpression/AttributesToGet) should carry
//! `select = Some("ALL_ATTRIBUTES")`, so that AWS's documented policy
//! (`ForAllValues:StringEquals` on `dynamodb:Attributes` plus
//! `StringEqualsIfExists` `dynamodb:Select` = `SPECIFIC_ATTRIBUTES`) denies
//! it; `attributes: None` leaves `dynamodb:Attributes` absent, which
//! `ForAllValues` accepts.

use crate::arn::{partition, TableArn};
use crate::context::{ContextKeys, ContextValue};
use crate::error::Error;
use crate::evaluate::AuthzCheck;

/// `dynamodb:LeadingKeys`: the partition key values accessed (multivalued).
pub const LEADING_KEYS: &str = "dynamodb:LeadingKeys";
/// `dynamodb:Attributes`: the attribute names accessed (multivalued).
pub const ATTRIBUTES: &str = "dynamodb:Attributes";
/// `dynamodb:Select`: the request's Select parameter.
pub const SELECT: &str = "dynamodb:Select";
/// `dynamodb:ReturnValues`: the request's ReturnValues parameter.
pub const RETURN_VALUES: &str = "dynamodb:ReturnValues";
/// `dynamodb:ReturnConsumedCapacity`: the request's ReturnConsumedCapacity parameter.
pub const RETURN_CONSUMED_CAPACITY: &str = "dynamodb:ReturnConsumedCapacity";
/// `dynamodb:EnclosingOperation`: the transaction an item action is part of.
pub const ENCLOSING_OPERATION: &str = "dynamodb:EnclosingOperation";

/// Every operation of the DynamoDB_20120810 and DynamoDBStreams_20120810 APIs.
pub const API_OPERATIONS: &[&str] = &[
    "BatchExecuteStatement",
    "BatchGetItem",
    "BatchWriteItem",
    "CancelBulkOperation",
    "CreateBackup",
    "CreateGlobalTable",
    "CreateTable",
    "DeleteBackup",
    "DeleteItem",
    "DeleteResourcePolicy",
    "DeleteTable",
    "DescribeBackup",
    "DescribeBulkOperation",
    "DescribeContinuousBackups",
    "DescribeContributorInsights",
    "DescribeEndpoints",
    "DescribeExport",
    "DescribeGlobalTable",
    "DescribeGlobalTableSettings",
    "DescribeImport",
    "DescribeKinesisStreamingDestination",
    "DescribeLimits",
    "DescribeTable",
    "DescribeTableReplicaAutoScaling",
    "DescribeTimeToLive",
    "DisableKinesisStreamingDestination",
    "EnableKinesisStreamingDestination",
    "ExecuteStatement",
    "ExecuteTransaction",
    "ExportTableToPointInTime",
    "GetItem",
    "GetResourcePolicy",
    "ImportTable",
    "ListBackups",
    "ListBulkOperations",
    "ListContributorInsights",
    "ListExports",
    "ListGlobalTables",
    "ListImports",
    "ListTables",
    "ListTagsOfResource",
    "PutItem",
    "PutResourcePolicy",
    "Query",
    "RestoreTableFromBackup",
    "RestoreTableToPointInTime",
    "Scan",
    "SearchVectors",
    "StartBulkPutItems",
    "TagResource",
    "TransactGetItems",
    "TransactWriteItems",
    "UntagResource",
    "UpdateContinuousBackups",
    "UpdateContributorInsights",
    "UpdateGlobalTable",
    "UpdateGlobalTableSettings",
    "UpdateItem",
    "UpdateKinesisStreamingDestination",
    "UpdateTable",
    "UpdateTableReplicaAutoScaling",
    "UpdateTimeToLive",
    // DynamoDB Streams
    "DescribeStream",
    "GetRecords",
    "GetShardIterator",
    "ListStreams",
];

/// IAM actions that are not API operations (permissions checked inside others).
pub const PERMISSION_ONLY_ACTIONS: &[&str] = &[
    "ConditionCheckItem",
    "PartiQLSelect",
    "PartiQLInsert",
    "PartiQLUpdate",
    "PartiQLDelete",
    "CreateTableReplica",
    "DeleteTableReplica",
    "DescribeReservedCapacity",
    "DescribeReservedCapacityOfferings",
    "PurchaseReservedCapacityOfferings",
    "RestoreTableFromAwsBackup",
    "StartAwsBackupJob",
    "UpdateGlobalTableVersion",
    "GetAbacStatus",
    "UpdateAbacStatus",
];

/// All DynamoDB action names: [`API_OPERATIONS`] then [`PERMISSION_ONLY_ACTIONS`].
pub fn dynamodb_actions() -> impl Iterator<Item = &'static str> {
    API_OPERATIONS.iter().chain(PERMISSION_ONLY_ACTIONS).copied()
}

/// The canonical spelling of a DynamoDB action name given in any case
/// (without the `dynamodb:` prefix), if it is one.
pub fn canonical_action(name: &str) -> Option<&'static str> {
    dynamodb_actions().find(|a| a.eq_ignore_ascii_case(name))
}

/// What one table (or one transaction element) of a data-plane request touches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemAccess {
    /// The table name.
    pub table: String,
    /// The index a Query or Scan reads.
    pub index: Option<String>,
    /// The IAM action without prefix: `GetItem`, `PutItem`, `ConditionCheckItem`,
    /// `PartiQLSelect`, ... (for single-item and batch operations it may be
    /// left empty: the operation decides).
    pub action: &'static str,
    /// Partition key values accessed (`dynamodb:LeadingKeys`; none: absent).
    pub leading_keys: Vec<String>,
    /// Attribute names accessed (`dynamodb:Attributes`; `None`: absent).
    pub attributes: Option<Vec<String>>,
    /// `dynamodb:Select`.
    pub select: Option<String>,
    /// `dynamodb:ReturnValues`.
    pub return_values: Option<String>,
    /// `dynamodb:ReturnConsumedCapacity`.
    pub return_consumed_capacity: Option<String>,
    /// `dynamodb:EnclosingOperation` (set by [`checks_for`] for transactions).
    pub enclosing_operation: Option<&'static str>,
}

impl ItemAccess {
    /// Access by `action` to `table`, with no condition keys yet.
    pub fn new(action: &'static str, table: &str) -> ItemAccess {
        ItemAccess {
            table: table.to_owned(),
            action,
            ..ItemAccess::default()
        }
    }

    /// The check: `dynamodb:<action>` on the table (or index) ARN, with the
    /// `dynamodb:*` condition keys that are present.
    pub fn check(&self, region: &str, account_id: &str) -> AuthzCheck {
        // Built by hand: this runs on every authorized request, and the
        // formatting machinery costs several times more.
        let mut resource = String::with_capacity(48 + self.table.len());
        for part in ["arn:", partition(region), ":dynamodb:", region, ":", account_id, ":table/", &self.table] {
            resource.push_str(part);
        }
        if let Some(index) = &self.index {
            resource.push_str("/index/");
            resource.push_str(index);
        }
        let mut action = String::with_capacity(9 + self.action.len());
        action.push_str("dynamodb:");
        action.push_str(self.action);
        let mut check = AuthzCheck {
            action,
            resource,
            keys: ContextKeys::new(),
        };
        if !self.leading_keys.is_empty() {
            check
                .keys
                .insert(LEADING_KEYS, ContextValue::Many(self.leading_keys.clone()));
        }
        if let Some(attributes) = &self.attributes {
            check
                .keys
                .insert(ATTRIBUTES, ContextValue::Many(attributes.clone()));
        }
        let singles = [
            (SELECT, self.select.as_deref()),
            (RETURN_VALUES, self.return_values.as_deref()),
            (
                RETURN_CONSUMED_CAPACITY,
                self.return_consumed_capacity.as_deref(),
            ),
            (ENCLOSING_OPERATION, self.enclosing_operation),
        ];
        for (key, value) in singles {
            if let Some(value) = value {
                check.keys.insert(key, value);
            }
        }
        check
    }
}

/// What a request targets, as the data plane describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Item operations: one entry (GetItem, Query, ...), one per table
    /// (BatchGetItem, BatchWriteItem) or one per element (transactions, PartiQL).
    Items(Vec<ItemAccess>),
    /// A table, by name (table-level and global-table operations).
    Table(String),
    /// A resource ARN from the request (streams, backups, exports, imports, tags, resource policies).
    Arn(String),
    /// Nothing: account-level operations (ListTables, DescribeLimits, ...).
    Account,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Single,
    Batch,
    Transact(&'static [&'static str]),
    PartiQl,
    Table,
    GlobalTable,
    Arn,
    Account(&'static str),
}

const WRITE_ELEMENTS: &[&str] = &["PutItem", "UpdateItem", "DeleteItem", "ConditionCheckItem"];
const GET_ELEMENTS: &[&str] = &["GetItem"];
const PARTIQL_ACTIONS: &[&str] = &[
    "PartiQLSelect",
    "PartiQLInsert",
    "PartiQLUpdate",
    "PartiQLDelete",
];

fn shape(operation: &str) -> Option<Shape> {
    Some(match operation {
        "GetItem" | "PutItem" | "UpdateItem" | "DeleteItem" | "Query" | "Scan" | "SearchVectors" => Shape::Single,
        "BatchGetItem" | "BatchWriteItem" => Shape::Batch,
        "TransactWriteItems" => Shape::Transact(WRITE_ELEMENTS),
        "TransactGetItems" => Shape::Transact(GET_ELEMENTS),
        "ExecuteStatement" | "BatchExecuteStatement" | "ExecuteTransaction" => Shape::PartiQl,
        "CreateTable"
        | "DeleteTable"
        | "DescribeTable"
        | "UpdateTable"
        | "DescribeTimeToLive"
        | "UpdateTimeToLive"
        | "DescribeContinuousBackups"
        | "UpdateContinuousBackups"
        | "CreateBackup"
        | "DescribeContributorInsights"
        | "UpdateContributorInsights"
        | "ExportTableToPointInTime"
        | "ImportTable"
        | "DescribeKinesisStreamingDestination"
        | "EnableKinesisStreamingDestination"
        | "DisableKinesisStreamingDestination"
        | "UpdateKinesisStreamingDestination"
        | "DescribeTableReplicaAutoScaling"
        | "UpdateTableReplicaAutoScaling"
        | "RestoreTableToPointInTime"
        | "RestoreTableFromBackup"
        | "StartBulkPutItems" => Shape::Table,
        "CreateGlobalTable"
        | "DescribeGlobalTable"
        | "DescribeGlobalTableSettings"
        | "UpdateGlobalTable"
        | "UpdateGlobalTableSettings" => Shape::GlobalTable,
        "TagResource"
        | "UntagResource"
        | "ListTagsOfResource"
        | "GetResourcePolicy"
        | "PutResourcePolicy"
        | "DeleteResourcePolicy"
        | "DescribeStream"
        | "GetRecords"
        | "GetShardIterator"
        | "DescribeBackup"
        | "DeleteBackup"
        | "DescribeExport"
        | "DescribeImport"
        | "DescribeBulkOperation"
        | "CancelBulkOperation" => Shape::Arn,
        "ListTables" => Shape::Account("table/*"),
        "ListStreams" => Shape::Account("table/*/stream/*"),
        "DescribeLimits"
        | "DescribeEndpoints"
        | "ListBackups"
        | "ListGlobalTables"
        | "ListContributorInsights"
        | "ListExports"
        | "ListImports"
        | "ListBulkOperations" => Shape::Account("*"),
        _ => return None,
    })
}

/// The checks an `operation` (API name, e.g. `TransactWriteItems`) on
/// `target` needs, in order. Never empty on success. The caller may add
/// further keys (e.g. `aws:RequestTag/*` for CreateTable) to the checks.
pub fn checks_for(
    operation: &str,
    region: &str,
    account_id: &str,
    target: Target,
) -> Result<Vec<AuthzCheck>, Error> {
    let unknown = || Error::UnknownOperation(operation.to_owned());
    let operation: &'static str = API_OPERATIONS
        .iter()
        .copied()
        .find(|o| *o == operation)
        .ok_or_else(unknown)?;
    let shape = shape(operation).ok_or_else(unknown)?;
    let bad = |what: &str| Error::Targets(format!("{operation} {what}"));
    let partition = partition(region);
    let account_arn = |resource: &str| format!("arn:{partition}:dynamodb:{region}:{account_id}:{resource}");
    let single =
        |resource: String| vec![AuthzCheck::new(&format!("dynamodb:{operation}"), &resource)];
    match (shape, target) {
        (
            Shape::Single | Shape::Batch | Shape::Transact(_) | Shape::PartiQl,
            Target::Items(items),
        ) => {
            if items.is_empty() {
                return Err(bad("needs at least one item target"));
            }
            item_checks(operation, shape, region, account_id, items)
        }
        (Shape::Table, Target::Table(table)) => Ok(single(
            TableArn::table(region, account_id, &table).to_string(),
        )),
        (Shape::GlobalTable, Target::Table(name)) => Ok(single(format!(
            "arn:{partition}:dynamodb::{account_id}:global-table/{name}"
        ))),
        (Shape::Table | Shape::GlobalTable | Shape::Arn, Target::Arn(arn)) => Ok(single(arn)),
        (Shape::Account(resource), Target::Account) => Ok(single(account_arn(resource))),
        (Shape::Single | Shape::Batch | Shape::Transact(_) | Shape::PartiQl, _) => {
            Err(bad("targets items (Target::Items)"))
        }
        (Shape::Table | Shape::GlobalTable, _) => {
            Err(bad("targets a table (Target::Table or Target::Arn)"))
        }
        (Shape::Arn, _) => Err(bad("targets a resource ARN (Target::Arn)")),
        (Shape::Account(_), _) => Err(bad("has no resource (Target::Account)")),
    }
}

fn item_checks(
    operation: &'static str,
    shape: Shape,
    region: &str,
    account_id: &str,
    items: Vec<ItemAccess>,
) -> Result<Vec<AuthzCheck>, Error> {
    let bad = |what: String| Error::Targets(format!("{operation} {what}"));
    let mut checks = Vec::with_capacity(items.len());
    let mut tables: Vec<String> = Vec::new();
    let count = items.len();
    for (i, mut item) in items.into_iter().enumerate() {
        match shape {
            Shape::Single | Shape::Batch => {
                if shape == Shape::Single && count != 1 {
                    return Err(bad(format!(
                        "takes exactly one item target, got {count}"
                    )));
                }
                if !item.action.is_empty() && item.action != operation {
                    return Err(bad(format!("item {i} has action \"{}\"", item.action)));
                }
                if shape == Shape::Batch {
                    if tables.contains(&item.table) {
                        return Err(bad(format!(
                            "lists table \"{}\" more than once",
                            item.table
                        )));
                    }
                    tables.push(item.table.clone());
                }
                item.action = operation;
            }
            Shape::Transact(allowed) => {
                if !allowed.contains(&item.action) {
                    return Err(bad(format!(
                        "element {i} has action \"{}\"; expected one of {}",
                        item.action,
                        allowed.join(", ")
                    )));
                }
                item.enclosing_operation = Some(operation);
            }
            Shape::PartiQl => {
                if !PARTIQL_ACTIONS.contains(&item.action) {
                    return Err(bad(format!(
                        "statement {i} has action \"{}\"; expected one of {}",
                        item.action,
                        PARTIQL_ACTIONS.join(", ")
                    )));
                }
            }
            Shape::Table | Shape::GlobalTable | Shape::Arn | Shape::Account(_) => {}
        }
        checks.push(item.check(region, account_id));
    }
    Ok(checks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::ContextValue;

    const R: &str = "us-east-1";
    const A: &str = "123456789012";

    #[test]
    fn action_lists_are_consistent() {
        let combined: Vec<&str> = dynamodb_actions().collect();
        assert_eq!(combined.len(), API_OPERATIONS.len() + PERMISSION_ONLY_ACTIONS.len());
        let mut sorted = combined.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), combined.len(), "duplicates");
        assert_eq!(canonical_action("getitem"), Some("GetItem"));
        assert_eq!(canonical_action("PARTIQLSELECT"), Some("PartiQLSelect"));
        assert_eq!(canonical_action("GetItems"), None);
        // Every API operation has a mapping.
        for op in API_OPERATIONS {
            assert!(shape(op).is_some(), "{op}");
        }
    }

    #[test]
    fn get_item_check() {
        let mut access = ItemAccess::new("GetItem", "Music");
        access.leading_keys = vec!["AIDAALICE".into()];
        access.attributes = Some(vec!["Artist".into(), "SongTitle".into()]);
        access.select = Some("SPECIFIC_ATTRIBUTES".into());
        access.return_consumed_capacity = Some("TOTAL".into());
        let checks = checks_for("GetItem", R, A, Target::Items(vec![access])).unwrap();
        assert_eq!(checks.len(), 1);
        let c = &checks[0];
        assert_eq!(c.action, "dynamodb:GetItem");
        assert_eq!(
            c.resource,
            "arn:aws:dynamodb:us-east-1:123456789012:table/Music"
        );
        assert_eq!(
            c.keys.get("dynamodb:LeadingKeys"),
            Some(&ContextValue::Many(vec!["AIDAALICE".into()]))
        );
        assert_eq!(
            c.keys.get(ATTRIBUTES),
            Some(&ContextValue::Many(vec![
                "Artist".into(),
                "SongTitle".into()
            ]))
        );
        assert_eq!(
            c.keys.get(SELECT),
            Some(&ContextValue::One("SPECIFIC_ATTRIBUTES".into()))
        );
        assert_eq!(
            c.keys.get(RETURN_CONSUMED_CAPACITY),
            Some(&ContextValue::One("TOTAL".into()))
        );
        assert_eq!(c.keys.get(RETURN_VALUES), None);
        assert_eq!(c.keys.get(ENCLOSING_OPERATION), None);
    }

    #[test]
    fn query_on_an_index_uses_the_index_arn() {
        let mut access = ItemAccess::new("", "Music");
        access.index = Some("ByArtist".into());
        let checks = checks_for("Query", R, A, Target::Items(vec![access])).unwrap();
        assert_eq!(checks[0].action, "dynamodb:Query");
        assert_eq!(
            checks[0].resource,
            "arn:aws:dynamodb:us-east-1:123456789012:table/Music/index/ByArtist"
        );
        assert!(checks[0].keys.is_empty());
    }

    #[test]
    fn transact_write_items_checks_each_element() {
        let items = vec![
            ItemAccess::new("PutItem", "A"),
            ItemAccess::new("UpdateItem", "B"),
            ItemAccess::new("DeleteItem", "A"),
            ItemAccess::new("ConditionCheckItem", "C"),
        ];
        let checks = checks_for("TransactWriteItems", R, A, Target::Items(items)).unwrap();
        let actions: Vec<&str> = checks.iter().map(|c| c.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:DeleteItem",
                "dynamodb:ConditionCheckItem"
            ]
        );
        for c in &checks {
            assert_eq!(
                c.keys.get(ENCLOSING_OPERATION),
                Some(&ContextValue::One("TransactWriteItems".into()))
            );
        }
        assert_eq!(
            checks[1].resource,
            "arn:aws:dynamodb:us-east-1:123456789012:table/B"
        );
        let err = checks_for(
            "TransactWriteItems",
            R,
            A,
            Target::Items(vec![ItemAccess::new("GetItem", "A")]),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "TransactWriteItems element 0 has action \"GetItem\"; expected one of PutItem, UpdateItem, DeleteItem, ConditionCheckItem"
        );
    }

    #[test]
    fn transact_get_items_checks_get_item() {
        let checks = checks_for(
            "TransactGetItems",
            R,
            A,
            Target::Items(vec![
                ItemAccess::new("GetItem", "A"),
                ItemAccess::new("GetItem", "B"),
            ]),
        )
        .unwrap();
        assert_eq!(checks.len(), 2);
        assert!(checks.iter().all(|c| c.action == "dynamodb:GetItem"
            && c.keys.get(ENCLOSING_OPERATION)
                == Some(&ContextValue::One("TransactGetItems".into()))));
    }

    #[test]
    fn batches_check_once_per_table() {
        let mut a = ItemAccess::new("", "A");
        a.leading_keys = vec!["k1".into(), "k2".into()];
        let b = ItemAccess::new("BatchWriteItem", "B");
        let checks = checks_for("BatchWriteItem", R, A, Target::Items(vec![a.clone(), b])).unwrap();
        assert_eq!(checks.len(), 2);
        assert!(checks.iter().all(|c| c.action == "dynamodb:BatchWriteItem"));
        assert_eq!(
            checks[0].keys.get(LEADING_KEYS),
            Some(&ContextValue::Many(vec!["k1".into(), "k2".into()]))
        );
        let checks = checks_for("BatchGetItem", R, A, Target::Items(vec![a.clone()])).unwrap();
        assert_eq!(checks[0].action, "dynamodb:BatchGetItem");
        assert_eq!(
            checks_for("BatchGetItem", R, A, Target::Items(vec![a.clone(), a]))
                .unwrap_err()
                .to_string(),
            "BatchGetItem lists table \"A\" more than once"
        );
        assert_eq!(
            checks_for(
                "BatchGetItem",
                R,
                A,
                Target::Items(vec![ItemAccess::new("GetItem", "A")])
            )
            .unwrap_err()
            .to_string(),
            "BatchGetItem item 0 has action \"GetItem\""
        );
    }

    #[test]
    fn partiql_statements() {
        let checks = checks_for(
            "ExecuteStatement",
            R,
            A,
            Target::Items(vec![ItemAccess::new("PartiQLSelect", "Music")]),
        )
        .unwrap();
        assert_eq!(checks[0].action, "dynamodb:PartiQLSelect");
        assert!(checks_for(
            "ExecuteStatement",
            R,
            A,
            Target::Items(vec![ItemAccess::new("GetItem", "M")])
        )
        .is_err());
    }

    #[test]
    fn control_plane_resources() {
        let check = |op: &str, t: Target| {
            let checks = checks_for(op, R, A, t).unwrap();
            assert_eq!(checks.len(), 1);
            assert_eq!(checks[0].action, format!("dynamodb:{op}"));
            checks[0].resource.clone()
        };
        assert_eq!(
            check("CreateTable", Target::Table("T".into())),
            "arn:aws:dynamodb:us-east-1:123456789012:table/T"
        );
        assert_eq!(
            check(
                "TagResource",
                Target::Arn("arn:aws:dynamodb:us-east-1:123456789012:table/T".into())
            ),
            "arn:aws:dynamodb:us-east-1:123456789012:table/T"
        );
        let stream =
            "arn:aws:dynamodb:us-east-1:123456789012:table/T/stream/2024-01-01T00:00:00.000";
        assert_eq!(check("DescribeStream", Target::Arn(stream.into())), stream);
        assert_eq!(check("GetRecords", Target::Arn(stream.into())), stream);
        assert_eq!(
            check("ListTables", Target::Account),
            "arn:aws:dynamodb:us-east-1:123456789012:table/*"
        );
        assert_eq!(
            check("ListStreams", Target::Account),
            "arn:aws:dynamodb:us-east-1:123456789012:table/*/stream/*"
        );
        assert_eq!(
            check("DescribeLimits", Target::Account),
            "arn:aws:dynamodb:us-east-1:123456789012:*"
        );
        assert_eq!(
            check("DescribeEndpoints", Target::Account),
            "arn:aws:dynamodb:us-east-1:123456789012:*"
        );
        assert_eq!(
            check("DescribeGlobalTable", Target::Table("G".into())),
            "arn:aws:dynamodb::123456789012:global-table/G"
        );
    }

    #[test]
    fn target_errors() {
        let e = |op: &str, t: Target| checks_for(op, R, A, t).unwrap_err().to_string();
        assert_eq!(
            e("Frobnicate", Target::Account),
            "unknown DynamoDB operation \"Frobnicate\""
        );
        assert_eq!(
            e("ListTables", Target::Table("T".into())),
            "ListTables has no resource (Target::Account)"
        );
        assert_eq!(
            e("GetItem", Target::Account),
            "GetItem targets items (Target::Items)"
        );
        assert_eq!(
            e("GetItem", Target::Items(vec![])),
            "GetItem needs at least one item target"
        );
        assert_eq!(
            e(
                "GetItem",
                Target::Items(vec![ItemAccess::new("", "A"), ItemAccess::new("", "B")])
            ),
            "GetItem takes exactly one item target, got 2"
        );
        assert_eq!(
            e("DescribeStream", Target::Table("T".into())),
            "DescribeStream targets a resource ARN (Target::Arn)"
        );
        assert_eq!(
            e("DescribeTable", Target::Account),
            "DescribeTable targets a table (Target::Table or Target::Arn)"
        );
    }
}
