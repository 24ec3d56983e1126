//! Authorization: every request of an IAM user is checked against the
//! user's policies before the operation runs, as DynamoDB does (so an
//! unauthorized request gets AccessDeniedException even when it would also
//! fail validation). The tenant's root key is allowed everything, like an
//! AWS account's root user.
//!
//! This module only describes what a request touches — tables, indexes,
//! partition keys (`dynamodb:LeadingKeys`), attribute names
//! (`dynamodb:Attributes`), `Select`, `ReturnValues`,
//! `ReturnConsumedCapacity` — and leaves the rules to `iam`. What cannot be
//! read from a malformed request is left out; the operation then rejects
//! the request itself.

use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;

use ddb_core::expr::ast::{Condition, CompareOp, Operand, Resolved};
use ddb_core::expr::{parse_condition, parse_projection, parse_update, ExprKind};
use ddb_core::value::json::attribute_value_from_json;
use ddb_core::{AttributeValue, Operation};
use iam::dynamodb::{checks_for, ItemAccess, Target};
use iam::{keys, Principal, RequestContext};
use serde_json::{Map, Value};

use crate::auth::Verified;
use crate::catalog::{Catalog, CatalogTable, CatalogUser, ReferencedKeys};
use crate::error::ApiError;
use crate::items::request::Placeholders;

/// Where a request came from.
#[derive(Debug, Clone, Copy)]
pub struct Origin {
    /// The peer's address (`aws:SourceIp`).
    pub ip: Option<IpAddr>,
    /// True for TLS connections (`aws:SecureTransport`).
    pub secure: bool,
}

/// Allows or denies `op` with `body` for `caller`.
pub fn authorize(
    caller: &Verified,
    catalog: &Catalog,
    op: Operation,
    body: &Value,
    origin: Origin,
) -> Result<(), ApiError> {
    let policies_here = catalog.has_resource_policies(&caller.tenant.id);
    let Some(user_name) = caller.user_name.as_deref() else {
        return if policies_here { root_under_resource_policies(caller, catalog, op, body) } else { Ok(()) };
    };
    let account = &caller.tenant.account_id;
    let principal_arn = || caller.principal_arn();
    if is_partiql(op) && partiql(caller, catalog, op, body, None).is_empty() {
        // No statement could be read: the operation answers with its
        // ValidationException (or per-statement errors) and touches no data.
        return Ok(());
    }
    let user = catalog.user(&caller.tenant.id, user_name);
    if let Some(u) = user.filter(|u| u.context_free && !policies_here) {
        return cached(u, caller, catalog, op, body, &principal_arn);
    }
    let referenced = user.map(|u| u.referenced).unwrap_or_default();
    let target = strip(target(caller, catalog, op, body, Some(&referenced)), &referenced);
    let checks = checks_for(op.name(), &caller.region, account, target).map(|c| replica_checks(op, body, &caller.region, account, c)).map_err(|e| {
        tracing::warn!(operation = op.name(), error = %e, "no authorization mapping; denied");
        ApiError::AccessDenied(format!(
            "User: {} is not authorized to perform: dynamodb:{}",
            principal_arn(),
            op.name()
        ))
    })?;
    let user_id = user.map_or("", |u| u.record.id.as_str());
    let no_policies = Vec::new();
    let policies = match user.map(|u| &u.policies) {
        Some(Ok(p)) => p,
        Some(Err(_)) | None => &no_policies,
    };
    let mut principal = Principal::user(account, user_name, user_id);
    principal.account_id.clone_from(account);
    let first = checks.first().map_or(("", ""), |c| (c.action.as_str(), c.resource.as_str()));
    let mut ctx = RequestContext::new(principal, first.0, first.1);
    if referenced.current_time || referenced.epoch_time {
        ctx = ctx.with_time(chrono::Utc::now());
    }
    if referenced.secure_transport {
        ctx = ctx.with_secure_transport(origin.secure);
    }
    // Resource policies' keys are not among `referenced`: the region is
    // always there for them.
    if referenced.requested_region || policies_here {
        ctx = ctx.with_requested_region(&caller.region);
    }
    if let Some(ip) = origin.ip.filter(|_| referenced.source_ip) {
        ctx = ctx.with_source_ip(ip);
    }
    if referenced.resource_tags {
        if let Some(t) = single_table(caller, catalog, op, body) {
            for (k, v) in &t.def.spec.tags {
                ctx.set_key(&format!("{}{k}", keys::RESOURCE_TAG_PREFIX), v.as_str());
            }
        }
    }
    if !policies_here {
        return iam::evaluate_all(policies, &ctx, &checks).map_err(|denied| {
            let (action, resource) = checks
                .get(denied.index)
                .map_or(("", ""), |c| (c.action.as_str(), c.resource.as_str()));
            ApiError::AccessDenied(iam::access_denied_message(&principal_arn(), action, resource, denied.decision))
        });
    }
    let arn = principal_arn();
    let who = iam::Caller { account_id: account, arn: &arn };
    iam::evaluate_all_with_resource_policies(policies, &ctx, &checks, who, |c| resource_policy(caller, catalog, &c.resource))
        .map_err(|d| denied_message(&checks, &arn, d))
}

/// The resource-based policy that governs the resource `arn` of the
/// caller's tenant, if any.
fn resource_policy<'c>(caller: &Verified, catalog: &'c Catalog, arn: &str) -> Option<&'c iam::ResourcePolicy> {
    let parsed = iam::TableArn::parse(arn).ok()?;
    if parsed.account_id != caller.tenant.account_id {
        return None;
    }
    catalog
        .table(caller.space(), &parsed.table)?
        .policy_for(&parsed.sub)
        .map(std::convert::AsRef::as_ref)
}

fn denied_message(checks: &[iam::AuthzCheck], principal_arn: &str, d: iam::ResourceDenied) -> ApiError {
    let (action, resource) = checks
        .get(d.denied.index)
        .map_or(("", ""), |c| (c.action.as_str(), c.resource.as_str()));
    ApiError::AccessDenied(if d.by_resource_policy {
        format!(
            "User: {principal_arn} is not authorized to perform: {action} on resource: {resource} with an explicit deny in a resource-based policy"
        )
    } else {
        iam::access_denied_message(principal_arn, action, resource, d.denied.decision)
    })
}

/// The tenant's root is allowed everything, except what a resource-based
/// policy denies it; it may always manage the policies themselves, so a
/// policy cannot lock the tenant out of its own table.
fn root_under_resource_policies(caller: &Verified, catalog: &Catalog, op: Operation, body: &Value) -> Result<(), ApiError> {
    if matches!(op, Operation::PutResourcePolicy | Operation::GetResourcePolicy | Operation::DeleteResourcePolicy) {
        return Ok(());
    }
    let account = &caller.tenant.account_id;
    let Ok(checks) = checks_for(op.name(), &caller.region, account, tables_only(op, body)) else {
        return Ok(());
    };
    let arn = caller.principal_arn();
    let mut principal = Principal::user(account, "", "");
    principal.user_name = None;
    let first = checks.first().map_or(("", ""), |c| (c.action.as_str(), c.resource.as_str()));
    let ctx = RequestContext::new(principal, first.0, first.1);
    let who = iam::Caller { account_id: account, arn: &arn };
    for check in &checks {
        let Some(policy) = resource_policy(caller, catalog, &check.resource) else { continue };
        let view = RequestContext::new(ctx.principal.clone(), &check.action, &check.resource);
        if policy.evaluate(&view, who) == iam::ResourceDecision::Deny {
            return Err(ApiError::AccessDenied(format!(
                "User: {arn} is not authorized to perform: {} on resource: {} with an explicit deny in a resource-based policy",
                check.action, check.resource
            )));
        }
    }
    Ok(())
}

/// Drops the condition keys no policy of the user mentions (they cannot
/// change the decision).
fn strip(target: Target, referenced: &ReferencedKeys) -> Target {
    match target {
        Target::Items(items) => Target::Items(
            items
                .into_iter()
                .map(|mut a| {
                    if !referenced.leading_keys {
                        a.leading_keys.clear();
                    }
                    if !referenced.attributes {
                        a.attributes = None;
                    }
                    if !referenced.select {
                        a.select = None;
                    }
                    if !referenced.return_values {
                        a.return_values = None;
                    }
                    if !referenced.return_consumed_capacity {
                        a.return_consumed_capacity = None;
                    }
                    a
                })
                .collect(),
        ),
        other => other,
    }
}

/// Authorization of a user whose policies depend only on action and
/// resource: the condition keys are not even computed, and each (action,
/// resource) is decided once per user record.
fn cached(
    user: &CatalogUser,
    caller: &Verified,
    catalog: &Catalog,
    op: Operation,
    body: &Value,
    principal_arn: &dyn Fn() -> String,
) -> Result<(), ApiError> {
    let account = &caller.tenant.account_id;
    let denied = |action: &str, resource: &str, decision| {
        ApiError::AccessDenied(iam::access_denied_message(&principal_arn(), action, resource, decision))
    };
    // The common case: one table, no index.
    let single_table = names_one_table(op)
        && body.get("IndexName").is_none()
        && (op != Operation::UpdateTable || body.get("ReplicaUpdates").is_none());
    let table_name = str_of(body, "TableName").filter(|_| single_table);
    if let Some(name) = table_name {
        let cached = user
            .table_decisions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&caller.region)
            .and_then(|m| m.get(name))
            .and_then(|m| m.get(&op))
            .copied();
        if cached == Some(iam::Decision::Allow) {
            return Ok(());
        }
    }
    let checks = checks_for(op.name(), &caller.region, account, target(caller, catalog, op, body, None))
        .map(|c| replica_checks(op, body, &caller.region, account, c))
        .map_err(|_| denied(&format!("dynamodb:{}", op.name()), "*", iam::Decision::ImplicitDeny))?;
    let Ok(policies) = &user.policies else {
        return Err(denied(&format!("dynamodb:{}", op.name()), "*", iam::Decision::ImplicitDeny));
    };
    let mut decisions = user.decisions.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    for check in &checks {
        let key = (check.action.clone(), check.resource.clone());
        let decision = match decisions.get(&key) {
            Some(d) => *d,
            None => {
                let principal = Principal::user(account, &user.record.name, &user.record.id);
                let d = iam::evaluate(policies, &RequestContext::new(principal, &check.action, &check.resource));
                if decisions.len() >= MAX_CACHED_DECISIONS {
                    decisions.clear();
                }
                decisions.insert(key, d);
                d
            }
        };
        if !decision.is_allowed() {
            return Err(denied(&check.action, &check.resource, decision));
        }
    }
    drop(decisions);
    if let (Some(name), [_]) = (table_name, checks.as_slice()) {
        let mut tables = user.table_decisions.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if tables.values().map(HashMap::len).sum::<usize>() >= MAX_CACHED_DECISIONS {
            tables.clear();
        }
        let region = tables.entry(caller.region.clone()).or_default();
        region.entry(name.to_owned()).or_default().insert(op, iam::Decision::Allow);
    }
    Ok(())
}

/// UpdateTable's `ReplicaUpdates` also need the replica actions on the
/// table: `dynamodb:CreateTableReplica` to add one, `DeleteTableReplica`
/// to remove one.
fn replica_checks(op: Operation, body: &Value, region: &str, account: &str, mut checks: Vec<iam::AuthzCheck>) -> Vec<iam::AuthzCheck> {
    if op != Operation::UpdateTable {
        return checks;
    }
    let Some(updates) = body.get("ReplicaUpdates").and_then(Value::as_array) else {
        return checks;
    };
    let table = iam::TableArn::table(region, account, str_of(body, "TableName").unwrap_or_default()).to_string();
    for (member, action) in [("Create", "dynamodb:CreateTableReplica"), ("Delete", "dynamodb:DeleteTableReplica")] {
        if updates.iter().any(|u| u.get(member).is_some_and(|v| !v.is_null())) {
            checks.push(iam::AuthzCheck::new(action, &table));
        }
    }
    checks
}

/// Decisions cached per user at most (past it the cache starts over).
const MAX_CACHED_DECISIONS: usize = 4096;

/// True for operations whose target is the one table their `TableName`
/// names (not batches, transactions, or account- or ARN-level operations).
fn names_one_table(op: Operation) -> bool {
    !matches!(
        op,
        Operation::BatchGetItem
            | Operation::BatchWriteItem
            | Operation::TransactGetItems
            | Operation::TransactWriteItems
            | Operation::ListTables
            | Operation::DescribeLimits
            | Operation::DescribeEndpoints
            | Operation::ListStreams
            | Operation::TagResource
            | Operation::UntagResource
            | Operation::ListTagsOfResource
            | Operation::DescribeStream
            | Operation::GetShardIterator
            | Operation::GetRecords
            | Operation::ExecuteStatement
            | Operation::BatchExecuteStatement
            | Operation::ExecuteTransaction
    )
}

fn is_partiql(op: Operation) -> bool {
    matches!(
        op,
        Operation::ExecuteStatement | Operation::BatchExecuteStatement | Operation::ExecuteTransaction
    )
}

/// The one table a table-level or single-item request names.
fn single_table<'c>(caller: &Verified, catalog: &'c Catalog, op: Operation, body: &Value) -> Option<&'c std::sync::Arc<CatalogTable>> {
    if !names_one_table(op) {
        return None;
    }
    catalog.table(caller.space(), str_of(body, "TableName")?)
}

fn str_of<'b>(v: &'b Value, member: &str) -> Option<&'b str> {
    v.get(member).and_then(Value::as_str)
}

/// What `op` touches; with `keys` false only tables and indexes (for
/// policies that look at nothing else).
fn target(caller: &Verified, catalog: &Catalog, op: Operation, body: &Value, want: Option<&ReferencedKeys>) -> Target {
    let Some(want) = want else {
        return tables_only(op, body);
    };
    let attrs = want.attributes || want.select;
    let table = |name: Option<&str>| catalog.table(caller.space(), name.unwrap_or_default());
    match op {
        Operation::GetItem => {
            let t = table(str_of(body, "TableName"));
            let mut a = item_access("GetItem", body, t);
            if want.leading_keys {
                a.leading_keys = leading(t, body.get("Key"));
            }
            if attrs {
                read_attributes(&mut a, body);
            }
            Target::Items(vec![a])
        }
        Operation::PutItem => {
            let t = table(str_of(body, "TableName"));
            let mut a = item_access("PutItem", body, t);
            if want.leading_keys {
                a.leading_keys = leading(t, body.get("Item"));
            }
            if attrs {
                a.attributes = body.get("Item").and_then(Value::as_object).map(|m| m.keys().cloned().collect());
            }
            Target::Items(vec![a])
        }
        Operation::UpdateItem => {
            let t = table(str_of(body, "TableName"));
            let mut a = item_access("UpdateItem", body, t);
            if want.leading_keys {
                a.leading_keys = leading(t, body.get("Key"));
            }
            if attrs {
                a.attributes = Some(updated_attributes(body));
            }
            Target::Items(vec![a])
        }
        Operation::DeleteItem => {
            let t = table(str_of(body, "TableName"));
            let mut a = item_access("DeleteItem", body, t);
            a.leading_keys = leading(t, body.get("Key"));
            if attrs {
                a.attributes = key_attributes(body.get("Key"));
            }
            Target::Items(vec![a])
        }
        Operation::Query | Operation::Scan => {
            let t = table(str_of(body, "TableName"));
            let mut a = item_access(if op == Operation::Query { "Query" } else { "Scan" }, body, t);
            a.index = str_of(body, "IndexName").map(str::to_owned);
            if op == Operation::Query && want.leading_keys {
                a.leading_keys = query_leading_keys(t, a.index.as_deref(), body);
            }
            if attrs {
                read_attributes(&mut a, body);
            }
            if let Some(select) = str_of(body, "Select") {
                a.select = Some(select.to_owned());
            }
            Target::Items(vec![a])
        }
        Operation::BatchGetItem => Target::Items(batch_get(catalog, caller, body)),
        Operation::BatchWriteItem => Target::Items(batch_write(catalog, caller, body)),
        Operation::TransactGetItems | Operation::TransactWriteItems => {
            Target::Items(transact(catalog, caller, body, op == Operation::TransactGetItems))
        }
        Operation::ExecuteStatement | Operation::BatchExecuteStatement | Operation::ExecuteTransaction => {
            Target::Items(partiql(caller, catalog, op, body, Some(want)))
        }
        // Table-, ARN- and account-level operations carry no condition keys.
        _ => tables_only(op, body),
    }
}

/// The tables and indexes `op` touches, without condition keys.
fn tables_only(op: Operation, body: &Value) -> Target {
    let one = |action: &'static str, spec: &Value| {
        let mut a = ItemAccess::new(action, str_of(spec, "TableName").unwrap_or_default());
        a.index = str_of(spec, "IndexName").map(str::to_owned);
        a
    };
    let named = |action: &'static str| -> Vec<ItemAccess> {
        body.get("RequestItems")
            .and_then(Value::as_object)
            .map(|m| m.keys().map(|t| ItemAccess::new(action, t)).collect())
            .unwrap_or_default()
    };
    match op {
        Operation::GetItem => Target::Items(vec![one("GetItem", body)]),
        Operation::PutItem => Target::Items(vec![one("PutItem", body)]),
        Operation::UpdateItem => Target::Items(vec![one("UpdateItem", body)]),
        Operation::DeleteItem => Target::Items(vec![one("DeleteItem", body)]),
        Operation::Query => Target::Items(vec![one("Query", body)]),
        Operation::Scan => Target::Items(vec![one("Scan", body)]),
        // On the vector index's ARN, without fine-grained access keys.
        Operation::SearchVectors => Target::Items(vec![one("SearchVectors", body)]),
        Operation::BatchGetItem => Target::Items(named("BatchGetItem")),
        Operation::BatchWriteItem => Target::Items(named("BatchWriteItem")),
        Operation::TransactGetItems | Operation::TransactWriteItems => {
            let kinds: &[(&str, &'static str)] = &[
                ("Get", "GetItem"),
                ("Put", "PutItem"),
                ("Update", "UpdateItem"),
                ("Delete", "DeleteItem"),
                ("ConditionCheck", "ConditionCheckItem"),
            ];
            let elements = body.get("TransactItems").and_then(Value::as_array);
            Target::Items(
                elements
                    .into_iter()
                    .flatten()
                    .filter_map(|e| {
                        let (member, action) = kinds.iter().find(|(m, _)| e.get(*m).is_some())?;
                        Some(one(action, e.get(*member)?))
                    })
                    .collect(),
            )
        }
        Operation::ListTables
        | Operation::DescribeLimits
        | Operation::DescribeEndpoints
        | Operation::ListStreams
        | Operation::ListGlobalTables
        | Operation::ListExports
        | Operation::ListImports
        | Operation::ListBulkOperations => Target::Account,
        Operation::CreateGlobalTable
        | Operation::DescribeGlobalTable
        | Operation::UpdateGlobalTable
        | Operation::DescribeGlobalTableSettings
        | Operation::UpdateGlobalTableSettings => {
            Target::Table(str_of(body, "GlobalTableName").unwrap_or_default().to_owned())
        }
        Operation::ExportTableToPointInTime => Target::Arn(str_of(body, "TableArn").unwrap_or_default().to_owned()),
        Operation::ImportTable => Target::Table(
            body.get("TableCreationParameters")
                .and_then(|p| str_of(p, "TableName"))
                .unwrap_or_default()
                .to_owned(),
        ),
        Operation::DescribeExport => Target::Arn(str_of(body, "ExportArn").unwrap_or_default().to_owned()),
        Operation::DescribeImport => Target::Arn(str_of(body, "ImportArn").unwrap_or_default().to_owned()),
        Operation::DescribeBulkOperation | Operation::CancelBulkOperation => {
            Target::Arn(str_of(body, "BulkOperationArn").unwrap_or_default().to_owned())
        }
        Operation::ExecuteStatement | Operation::BatchExecuteStatement | Operation::ExecuteTransaction => {
            Target::Items(partiql_tables(op, body))
        }
        Operation::TagResource
        | Operation::UntagResource
        | Operation::ListTagsOfResource
        | Operation::PutResourcePolicy
        | Operation::GetResourcePolicy
        | Operation::DeleteResourcePolicy => {
            Target::Arn(str_of(body, "ResourceArn").unwrap_or_default().to_owned())
        }
        // Authorized on the source table (the restored table is created
        // by the same request).
        Operation::RestoreTableToPointInTime => match str_of(body, "SourceTableArn") {
            Some(arn) => Target::Arn(arn.to_owned()),
            None => Target::Table(str_of(body, "SourceTableName").unwrap_or_default().to_owned()),
        },
        Operation::DescribeBackup | Operation::DeleteBackup | Operation::RestoreTableFromBackup => {
            Target::Arn(str_of(body, "BackupArn").unwrap_or_default().to_owned())
        }
        Operation::ListBackups => Target::Account,
        Operation::GetRecords => Target::Arn(
            str_of(body, "ShardIterator")
                .and_then(crate::ops::streams::iterator_stream_arn)
                .unwrap_or_default(),
        ),
        Operation::DescribeStream | Operation::GetShardIterator => {
            Target::Arn(str_of(body, "StreamArn").unwrap_or_default().to_owned())
        }
        _ => Target::Table(str_of(body, "TableName").unwrap_or_default().to_owned()),
    }
}

/// An access to `table` (by the name in the body) with the request-wide
/// condition keys.
fn item_access(action: &'static str, body: &Value, t: Option<&std::sync::Arc<CatalogTable>>) -> ItemAccess {
    let name = t.map_or_else(|| str_of(body, "TableName").unwrap_or_default().to_owned(), |t| t.record.name.clone());
    let mut a = ItemAccess::new(action, &name);
    a.return_values = str_of(body, "ReturnValues").map(str::to_owned);
    a.return_consumed_capacity = str_of(body, "ReturnConsumedCapacity").map(str::to_owned);
    a
}

/// `dynamodb:LeadingKeys` of a key or item: its partition key value.
fn leading(t: Option<&std::sync::Arc<CatalogTable>>, key: Option<&Value>) -> Vec<String> {
    let (Some(t), Some(key)) = (t, key) else {
        return Vec::new();
    };
    key.get(&t.def.spec.key_schema.hash.name)
        .and_then(|v| attribute_value_from_json(v).ok())
        .and_then(|v| key_text(&v))
        .into_iter()
        .collect()
}

/// A partition key value as condition keys compare it: strings as they
/// are, numbers in canonical form, binaries in base64.
fn key_text(v: &AttributeValue) -> Option<String> {
    match v {
        AttributeValue::S(s) => Some(s.clone()),
        AttributeValue::N(n) => Some(n.to_string()),
        AttributeValue::B(_) => match ddb_core::value::json::attribute_value_to_json(v) {
            Value::Object(m) => m.get("B").and_then(Value::as_str).map(str::to_owned),
            _ => None,
        },
        _ => None,
    }
}

fn key_attributes(key: Option<&Value>) -> Option<Vec<String>> {
    key.and_then(Value::as_object).map(|m| m.keys().cloned().collect())
}

/// `dynamodb:Attributes` and `dynamodb:Select` of a read: the projected
/// top-level attributes, or `Select` = `ALL_ATTRIBUTES` when the whole
/// item is asked for (so that policies limiting attributes deny it).
fn read_attributes(a: &mut ItemAccess, body: &Value) {
    match projected(body) {
        Some(names) => {
            a.select = Some("SPECIFIC_ATTRIBUTES".into());
            a.attributes = Some(names);
        }
        None => a.select = Some("ALL_ATTRIBUTES".into()),
    }
}

/// The top-level attribute names a ProjectionExpression or AttributesToGet
/// of `v` (a request or a batch/transaction element) names.
fn projected(v: &Value) -> Option<Vec<String>> {
    if let Some(list) = v.get("AttributesToGet").and_then(Value::as_array) {
        return Some(list.iter().filter_map(Value::as_str).map(str::to_owned).collect());
    }
    let src = str_of(v, "ProjectionExpression")?;
    let ph = Placeholders::from_body(v, crate::items::request::Values::Current).ok()?;
    let mut r = ph.resolver().ok()?;
    let parsed = parse_projection(src).ok()?;
    let projection = r.resolve_projection(&parsed).ok()?;
    let names: BTreeSet<String> = projection.paths.iter().map(|p| p.head.to_string()).collect();
    Some(names.into_iter().collect())
}

/// The attributes an UpdateItem writes (top-level names), and its key's.
fn updated_attributes(body: &Value) -> Vec<String> {
    let mut names: BTreeSet<String> = key_attributes(body.get("Key")).unwrap_or_default().into_iter().collect();
    if let Some(m) = body.get("AttributeUpdates").and_then(Value::as_object) {
        names.extend(m.keys().cloned());
    }
    if let Some(src) = str_of(body, "UpdateExpression") {
        let resolved = Placeholders::from_body(body, crate::items::request::Values::Current).ok().and_then(|ph| {
            let mut r = ph.resolver().ok()?;
            let parsed = parse_update(src).ok()?;
            let update = r.resolve_update(&parsed).ok()?;
            Some(update.actions.iter().map(|a| a.path().head.to_string()).collect::<Vec<_>>())
        });
        names.extend(resolved.unwrap_or_default());
    }
    names.into_iter().collect()
}

/// The partition key value(s) a Query's key condition fixes.
fn query_leading_keys(t: Option<&std::sync::Arc<CatalogTable>>, index: Option<&str>, body: &Value) -> Vec<String> {
    let Some(t) = t else {
        return Vec::new();
    };
    let hash = match index {
        Some(name) => match t.indexes.get(name) {
            Some(idx) => idx.hash.name.clone(),
            None => return Vec::new(),
        },
        None => t.def.spec.key_schema.hash.name.clone(),
    };
    if let Some(legacy) = body.get("KeyConditions").and_then(|k| k.get(&hash)) {
        return legacy
            .get("AttributeValueList")
            .and_then(Value::as_array)
            .and_then(|l| l.first())
            .and_then(|v| attribute_value_from_json(v).ok())
            .and_then(|v| key_text(&v))
            .into_iter()
            .collect();
    }
    let Some(src) = str_of(body, "KeyConditionExpression") else {
        return Vec::new();
    };
    let found = Placeholders::from_body(body, crate::items::request::Values::Current).ok().and_then(|ph| {
        let mut r = ph.resolver().ok()?;
        let parsed = parse_condition(ExprKind::KeyCondition, src).ok()?;
        let cond = r.resolve_condition(ExprKind::KeyCondition, &parsed).ok()?;
        let mut out = Vec::new();
        equalities(&cond, &hash, &mut out);
        Some(out)
    });
    found.unwrap_or_default()
}

fn equalities(cond: &Condition<Resolved<'_>>, attr: &str, out: &mut Vec<String>) {
    match cond {
        Condition::And(parts) => parts.iter().for_each(|c| equalities(c, attr, out)),
        Condition::Compare {
            op: CompareOp::Eq,
            left,
            right,
        } => {
            let pair = match (left, right) {
                (Operand::Path(p), Operand::Value(v)) | (Operand::Value(v), Operand::Path(p)) => Some((p, v)),
                _ => None,
            };
            if let Some((p, v)) = pair {
                if p.rest.is_empty() && p.head == attr {
                    out.extend(key_text(v));
                }
            }
        }
        _ => {}
    }
}

fn batch_get(catalog: &Catalog, caller: &Verified, body: &Value) -> Vec<ItemAccess> {
    let Some(items) = body.get("RequestItems").and_then(Value::as_object) else {
        return Vec::new();
    };
    items
        .iter()
        .map(|(name, spec)| {
            let t = catalog.table(caller.space(), name);
            let mut a = ItemAccess::new("BatchGetItem", name);
            a.return_consumed_capacity = str_of(body, "ReturnConsumedCapacity").map(str::to_owned);
            if let Some(keys) = spec.get("Keys").and_then(Value::as_array) {
                a.leading_keys = unique(keys.iter().flat_map(|k| leading(t, Some(k))));
            }
            read_attributes(&mut a, spec);
            a
        })
        .collect()
}

fn batch_write(catalog: &Catalog, caller: &Verified, body: &Value) -> Vec<ItemAccess> {
    let Some(items) = body.get("RequestItems").and_then(Value::as_object) else {
        return Vec::new();
    };
    items
        .iter()
        .map(|(name, requests)| {
            let t = catalog.table(caller.space(), name);
            let mut a = ItemAccess::new("BatchWriteItem", name);
            a.return_consumed_capacity = str_of(body, "ReturnConsumedCapacity").map(str::to_owned);
            let mut leading_keys = Vec::new();
            let mut attributes = BTreeSet::new();
            for r in requests.as_array().into_iter().flatten() {
                let written = r
                    .get("PutRequest")
                    .and_then(|p| p.get("Item"))
                    .or_else(|| r.get("DeleteRequest").and_then(|d| d.get("Key")));
                leading_keys.extend(leading(t, written));
                attributes.extend(key_attributes(written).unwrap_or_default());
            }
            a.leading_keys = unique(leading_keys);
            a.attributes = Some(attributes.into_iter().collect());
            a
        })
        .collect()
}

fn transact(catalog: &Catalog, caller: &Verified, body: &Value, get: bool) -> Vec<ItemAccess> {
    let Some(elements) = body.get("TransactItems").and_then(Value::as_array) else {
        return Vec::new();
    };
    let kinds: &[(&str, &'static str)] = if get {
        &[("Get", "GetItem")]
    } else {
        &[
            ("Put", "PutItem"),
            ("Update", "UpdateItem"),
            ("Delete", "DeleteItem"),
            ("ConditionCheck", "ConditionCheckItem"),
        ]
    };
    elements
        .iter()
        .filter_map(|e| {
            let (member, action) = kinds.iter().find(|(m, _)| e.get(*m).is_some())?;
            let spec = e.get(*member)?;
            let t = catalog.table(caller.space(), str_of(spec, "TableName").unwrap_or_default());
            let mut a = item_access(action, spec, t);
            a.return_consumed_capacity = str_of(body, "ReturnConsumedCapacity").map(str::to_owned);
            let written: &Map<String, Value> = &Map::new();
            match *member {
                "Put" => {
                    a.leading_keys = leading(t, spec.get("Item"));
                    a.attributes = Some(spec.get("Item").and_then(Value::as_object).unwrap_or(written).keys().cloned().collect());
                }
                "Update" => {
                    a.leading_keys = leading(t, spec.get("Key"));
                    a.attributes = Some(updated_attributes(spec));
                }
                "Get" => {
                    a.leading_keys = leading(t, spec.get("Key"));
                    read_attributes(&mut a, spec);
                }
                _ => {
                    a.leading_keys = leading(t, spec.get("Key"));
                    a.attributes = key_attributes(spec.get("Key"));
                }
            }
            Some(a)
        })
        .collect()
}

fn unique(values: impl IntoIterator<Item = String>) -> Vec<String> {
    values.into_iter().collect::<BTreeSet<_>>().into_iter().collect()
}


/// The statements of a PartiQL request that parse (with their
/// Parameters); the others touch no data and are left out.
fn partiql_statements(op: Operation, body: &Value) -> Vec<ddb_core::partiql::Statement> {
    let specs: Vec<&Value> = match op {
        Operation::ExecuteStatement => vec![body],
        Operation::BatchExecuteStatement => body.get("Statements").and_then(Value::as_array).into_iter().flatten().collect(),
        _ => body.get("TransactStatements").and_then(Value::as_array).into_iter().flatten().collect(),
    };
    specs
        .into_iter()
        .filter_map(|spec| {
            let text = str_of(spec, "Statement")?;
            let params = match spec.get("Parameters") {
                Some(Value::Array(list)) => list
                    .iter()
                    .map(|p| attribute_value_from_json(p).ok())
                    .collect::<Option<Vec<_>>>()?,
                _ => Vec::new(),
            };
            ddb_core::partiql::parse(text, &params).ok()
        })
        .collect()
}

/// The tables (and the index a SELECT of ExecuteStatement reads) of a
/// PartiQL request, one access per statement, without condition keys.
fn partiql_tables(op: Operation, body: &Value) -> Vec<ItemAccess> {
    partiql_statements(op, body)
        .iter()
        .map(|stmt| {
            let mut a = ItemAccess::new(stmt.action(), stmt.table());
            if let (ddb_core::partiql::Statement::Select(s), Operation::ExecuteStatement) = (stmt, op) {
                a.index.clone_from(&s.index);
            }
            a
        })
        .collect()
}

/// What each statement of a PartiQL request touches: its action on its
/// table (or index), the partition key values its WHERE clause (or
/// INSERT's item) fixes, and the attributes it reads or writes.
fn partiql(caller: &Verified, catalog: &Catalog, op: Operation, body: &Value, want: Option<&ReferencedKeys>) -> Vec<ItemAccess> {
    use ddb_core::partiql::ast::Action;
    use ddb_core::partiql::translate::fixed_values;
    use ddb_core::partiql::Statement;
    let mut accesses = partiql_tables(op, body);
    let Some(want) = want else {
        return accesses;
    };
    let capacity = str_of(body, "ReturnConsumedCapacity").map(str::to_owned);
    for (a, stmt) in accesses.iter_mut().zip(partiql_statements(op, body)) {
        a.return_consumed_capacity.clone_from(&capacity);
        let Some(t) = catalog.table(caller.space(), stmt.table()) else {
            continue;
        };
        let ks = &t.def.spec.key_schema;
        let keys: Vec<String> = std::iter::once(ks.hash.name.clone()).chain(ks.range.as_ref().map(|r| r.name.clone())).collect();
        let leading = |filter, attr: &str| unique(fixed_values(filter, attr).iter().filter_map(key_text));
        match &stmt {
            Statement::Select(s) | Statement::Exists(s) => {
                let hash = match a.index.as_deref().and_then(|i| t.indexes.get(i)) {
                    Some(idx) => idx.hash_attrs().next().map_or_else(String::new, |h| h.name.clone()),
                    None => ks.hash.name.clone(),
                };
                if want.leading_keys {
                    a.leading_keys = leading(s.filter.as_ref(), &hash);
                }
                match &s.projection {
                    Some(paths) => {
                        a.select = Some("SPECIFIC_ATTRIBUTES".into());
                        a.attributes = Some(unique(paths.iter().map(|p| p.head.clone())));
                    }
                    None => a.select = Some("ALL_ATTRIBUTES".into()),
                }
            }
            Statement::Insert(i) => {
                a.leading_keys = i.item.get(&ks.hash.name).and_then(key_text).into_iter().collect();
                a.attributes = Some(i.item.keys().cloned().collect());
            }
            Statement::Update(u) => {
                a.leading_keys = leading(u.filter.as_ref(), &ks.hash.name);
                let written = u.actions.iter().map(|x| match x {
                    Action::Set(p, _) | Action::Remove(p) => p.head.clone(),
                });
                a.attributes = Some(unique(keys.iter().cloned().chain(written)));
                a.return_values = u.returning.map(|r| r.return_values().to_owned());
            }
            Statement::Delete(d) => {
                a.leading_keys = leading(d.filter.as_ref(), &ks.hash.name);
                a.attributes = Some(keys.clone());
                a.return_values = d.returning.map(|r| r.return_values().to_owned());
            }
        }
    }
    accesses
}
