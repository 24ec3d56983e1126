//! TransactWriteItems and TransactGetItems.
//!
//! **TransactWriteItems** is all or nothing across the tenant's tables: every
//! action's key goes to the tenant's writer in one `write_transaction` request,
//! whose decision sees all current items at once, evaluates every condition
//! and update, and either writes everything in one atomic batch or nothing.
//! The writer serializes a tenant's writes, so two transactions never
//! interleave; a transaction waits its turn instead of failing, and
//! `TransactionConflictException` cannot happen here (neither can it for
//! TransactGetItems, which reads one snapshot). Reasons are reported for
//! every action in request order, as DynamoDB does: `None` for fine actions,
//! `ConditionalCheckFailed` (with the item when
//! `ReturnValuesOnConditionCheckFailure` is `ALL_OLD`), `ValidationError`.
//!
//! Validation follows DynamoDB's order and its split between a
//! `ValidationException` for the whole request and a cancellation:
//! 1. member constraints, all in one `N validation errors detected`
//!    message (token length, enums, list length, table names, required
//!    members);
//! 2. each action's expressions, placeholders and values, in request order
//!    (the first bad action wins) — a `ValidationException`;
//! 3. the 4 MB payload limit;
//! 4. the tables (`ResourceNotFoundException`);
//! 5. key values DynamoDB refuses up front (empty, too long; an empty
//!    secondary-index key of a Put) — a `ValidationException`; then two
//!    actions on one item — a `ValidationException`; then a key that does
//!    not fit the schema (or a mistyped index key of a Put) — a cancellation
//!    whose first such action has `ValidationError` and all others `None`;
//! 6. in the writer: conditions, updates and the updated item's size —
//!    a cancellation listing every action's outcome.
//!
//! **ClientRequestToken**: a successful transaction's token is kept for 10
//! minutes, in this data plane's memory and durably with the transaction's
//! writes (`super::client_tokens`), so a retry after a restart is still
//! recognised. The same token with the same request replays success
//! without writing again; with another request it is
//! `IdempotentParameterMismatchException`; while the first is still
//! running, `TransactionInProgressException`. A transaction that failed
//! leaves no token behind, so it can be retried. As the API reference
//! says, a replay reports read capacity (the items read, counted as
//! transactional reads: two units per 4 KB, as nubo-db/dynamodb-conformance
//! recorded for ExecuteTransaction), not the writes of the first call.
//!
//! **TransactGetItems** reads every item from one snapshot, so the reads
//! are consistent with each other and never see part of a transaction. The
//! 4 MB limit on the items it returns is not enforced (100 items of 400 KB
//! are answered).
//!
//! Capacity is transactional: 2 units per 1 KB written and per 4 KB read;
//! a ConditionCheck is charged as a transactional write of the item it
//! reads, in write units. A
//! cancelled transaction consumes too ("Amazon DynamoDB Transactions: How
//! it works"): each action its write (the larger of the current item and
//! the one it would store) or its check's read; the capacity metrics are
//! charged either way. Index writes of a committed transaction are charged
//! to the metrics as standard writes (indexes are updated after the
//! commit; not confirmed against DynamoDB). A Put into a table with local
//! secondary indexes must fit in 400 KB with its LSI entries (a
//! `ValidationException`), an Update's result likewise (a cancellation).
//!
//! Messages and where they were checked against DynamoDB: `Transaction
//! request cannot include multiple operations on one item`, `Transaction
//! cancelled, please refer cancellation reasons for specific reasons [..]`,
//! the reason messages (`The conditional request failed`, PutItem's key
//! messages for a Put, `The provided key element does not match the
//! schema` for the others, `Item size to update has exceeded the maximum
//! allowed size`), empty keys and oversized Puts as a
//! `ValidationException`, the order of steps 1–4 and the empty and
//! over-100 `transactItems` messages: paritysuite and nubo-db
//! dynamodb-conformance `tests/tier3/error-messages/transact*.test.ts`,
//! `validation-ordering/transactions.test.ts`, `limits/itemSizeBySurface`
//! (captured against DynamoDB); Alternator `test/alternator/test_transact.py`
//! (run against DynamoDB). `The action or operation requested is invalid.
//! Verify that the action is typed correctly.`: dynalite
//! `validations/transactWriteItems.js`. The 4 MB message (`Transaction
//! payload size cannot exceed 4MB. Payload Size: : ...`, repeated as
//! DynamoDB sends it) comes from a client library's test double of a
//! DynamoDB reply, and what DynamoDB counts as the payload is approximated
//! (items, keys and expression values). The IdempotentParameterMismatch and
//! TransactionInProgress messages are the API reference's descriptions of
//! those errors; their wire text was not found.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use ddb_core::capacity::{read, write_change, HalfUnits, ReadMode, WriteMode};
use ddb_core::error::check_table_name;
use ddb_core::expr::eval::evaluate;
use ddb_core::expr::projection::ProjectionTree;
use ddb_core::expr::update::{apply_update, check_key_attributes, UpdateContext};
use ddb_core::expr::{parse_condition, parse_projection, parse_update, ExprKind};
use ddb_core::size::{check_item_size, check_updated_item_size, item_size, value_size};
use ddb_core::value::set_order::SetOrder;
use ddb_core::{Item, ValidationErrors};
use serde_json::{json, Map, Value};

use super::batch::{capacity_mode, echo_item, enum_violation, write_key};
use super::client_tokens::{claim, fingerprint, regional, TokenStart};
use super::consumed::{Charges, Consumed, Tally};
use crate::auth::Verified;
use crate::catalog::{Catalog, CatalogTable};
use crate::error::{ApiError, CancellationReason};
use crate::items::request::{add_vector_writes, check_action_key_values, key_of_item, key_of_key, table, Placeholders, Values};
use crate::items::store::decode;
use crate::items::MultiDecision;
use crate::DataPlane;

/// Actions one transaction may carry.
const MAX_ACTIONS: usize = 100;
/// The largest transaction payload, in bytes.
const MAX_PAYLOAD_BYTES: usize = 4 * 1024 * 1024;
/// The longest ClientRequestToken, in characters.
const MAX_TOKEN_CHARS: usize = 36;
/// Request units the throughput quota takes per action before a
/// transaction runs (see `throttle`).
const PREPAID_PER_ACTION: f64 = 2.0;

const MULTIPLE_OPERATIONS: &str = "Transaction request cannot include multiple operations on one item";
const INVALID_ACTION: &str = "The action or operation requested is invalid. Verify that the action is typed correctly.";
/// A TransactWriteItems action naming no operation (paritysuite
/// transactWriteItems, AWS 2026; other regions say `Invalid Request:
/// TransactWriteRequest should contain Delete or Put or Update request`).
const NO_WRITE_KIND: &str = "1 validation error detected: Value '' at 'transactItems' failed to satisfy constraint: TransactWriteRequest should contain Delete or Put or Update or ConditionCheck";

/// The members of a TransactWriteItem, with their names in paths.
const WRITE_KINDS: [(&str, &str); 4] = [
    ("ConditionCheck", "conditionCheck"),
    ("Put", "put"),
    ("Delete", "delete"),
    ("Update", "update"),
];
/// The member of a TransactGetItem.
const GET_KINDS: [(&str, &str); 1] = [("Get", "get")];

fn validation(msg: impl Into<String>) -> ApiError {
    ApiError::Validation(msg.into())
}

fn wrong_type() -> ApiError {
    ApiError::Serialization("Unexpected value type in payload".into())
}

/// The one action member of `action` among `kinds`, when there is exactly
/// one and it is an object.
fn action_kind<'a>(
    action: &'a Value,
    kinds: &[(&'static str, &'static str)],
) -> Option<(&'static str, &'static str, &'a Map<String, Value>)> {
    let obj = action.as_object()?;
    let mut found = kinds
        .iter()
        .filter_map(|(member, path)| obj.get(*member).filter(|v| !v.is_null()).map(|v| (*member, *path, v)));
    let (member, path, v) = found.next()?;
    if found.next().is_some() {
        return None;
    }
    Some((member, path, v.as_object()?))
}

/// `TransactItems` as DynamoDB's validator echoes it.
fn echo_actions(actions: &[Value], outer: &str, kinds: &[(&'static str, &'static str)]) -> String {
    let rendered: Vec<String> = actions
        .iter()
        .map(|a| {
            let inner: Vec<String> = kinds
                .iter()
                .filter_map(|(member, path)| {
                    let v = a.get(*member).filter(|v| !v.is_null())?;
                    let (field, value) = match v.get("Item") {
                        Some(i) => ("item", echo_item(i)),
                        None => ("key", echo_item(v.get("Key").unwrap_or(&Value::Null))),
                    };
                    let table = v.get("TableName").and_then(Value::as_str).unwrap_or("null");
                    Some(format!("{path}={member}({field}={value}, tableName={table})"))
                })
                .collect();
            format!("{outer}({})", inner.join(", "))
        })
        .collect();
    format!("[{}]", rendered.join(", "))
}

/// The `TransactItems` list, with its length and each action's members
/// checked. `required` names each kind's required members besides
/// `TableName`.
fn transact_items<'a>(
    body: &'a Map<String, Value>,
    errors: &mut ValidationErrors,
    outer: &str,
    kinds: &[(&'static str, &'static str)],
    required: &dyn Fn(&str) -> &'static [(&'static str, &'static str)],
) -> Result<Option<&'a Vec<Value>>, ApiError> {
    let items = match body.get("TransactItems") {
        None | Some(Value::Null) => {
            errors.push("Value null at 'transactItems' failed to satisfy constraint: Member must not be null".into());
            return Ok(None);
        }
        Some(Value::Array(a)) => a,
        Some(_) => return Err(wrong_type()),
    };
    if items.is_empty() {
        errors.push(
            "Value '[]' at 'transactItems' failed to satisfy constraint: Member must have length greater than or equal to 1"
                .into(),
        );
        return Ok(Some(items));
    }
    if items.len() > MAX_ACTIONS {
        errors.push(format!(
            "Value '{}' at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to {MAX_ACTIONS}",
            echo_actions(items, outer, kinds)
        ));
        return Ok(Some(items));
    }
    for (i, action) in items.iter().enumerate() {
        if !action.is_object() {
            return Err(wrong_type());
        }
        let Some((member, path, obj)) = action_kind(action, kinds) else { continue };
        let p = format!("transactItems.{}.member.{path}", i + 1);
        match obj.get("TableName") {
            None | Some(Value::Null) => errors.push(format!(
                "Value null at '{p}.tableName' failed to satisfy constraint: Member must not be null"
            )),
            Some(Value::String(name)) => check_table_name(name, &format!("{p}.tableName"), errors),
            Some(_) => return Err(wrong_type()),
        }
        for (m, mpath) in required(member) {
            if obj.get(*m).is_none_or(Value::is_null) {
                errors.push(format!(
                    "Value null at '{p}.{mpath}' failed to satisfy constraint: Member must not be null"
                ));
            }
        }
        if member != "Get" {
            if let Some(e) = enum_violation(
                obj,
                "ReturnValuesOnConditionCheckFailure",
                &format!("{p}.returnValuesOnConditionCheckFailure"),
                &["ALL_OLD", "NONE"],
            )? {
                errors.push(e);
            }
        }
    }
    Ok(Some(items))
}

fn write_required(member: &str) -> &'static [(&'static str, &'static str)] {
    match member {
        "Put" => &[("Item", "item")],
        "Update" => &[("Key", "key"), ("UpdateExpression", "updateExpression")],
        "ConditionCheck" => &[("Key", "key"), ("ConditionExpression", "conditionExpression")],
        _ => &[("Key", "key")],
    }
}

fn get_required(_member: &str) -> &'static [(&'static str, &'static str)] {
    &[("Key", "key")]
}

/// The placeholders of one action (ExpressionAttributeNames and, for
/// writes, ExpressionAttributeValues), without copying the rest. An action
/// with no expression at all takes none: DynamoDB accepts a Put, Delete or
/// Get that declares names or values it has no expression for (ExtendDB's
/// captures with the AWS CLI, 2026-06).
fn placeholders(obj: &Map<String, Value>, with_values: bool) -> Result<Placeholders, ApiError> {
    let mut m = Map::new();
    let expression = ["ConditionExpression", "UpdateExpression", "ProjectionExpression"]
        .iter()
        .any(|e| obj.get(*e).is_some_and(|v| !v.is_null()));
    if !expression {
        return Placeholders::from_body(&Value::Object(m), Values::Older);
    }
    for member in ["ExpressionAttributeNames", "ExpressionAttributeValues"] {
        if member == "ExpressionAttributeValues" && !with_values {
            continue;
        }
        if let Some(v) = obj.get(member) {
            m.insert(member.into(), v.clone());
        }
    }
    Placeholders::from_body(&Value::Object(m), Values::Older)
}

fn str_of<'a>(obj: &'a Map<String, Value>, member: &str) -> Result<Option<&'a str>, ApiError> {
    match obj.get(member) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(Value::Number(_)) => Err(ApiError::Serialization("NUMBER_VALUE cannot be converted to String".into())),
        Some(_) => Err(wrong_type()),
    }
}

/// An index's write units in a transaction's answer: (name, local, units).
type IndexArm = (String, bool, HalfUnits);

/// Capacity of one table in a transaction's answer. The transactional
/// factor is the table's alone: its index arms cost what the same writes
/// cost outside a transaction, and are added to the total. Both modes give
/// the read or write axis; INDEXES also the Table detail and each index
/// (dynoxide's capture against DynamoDB in eu-west-2, 2026-08-13).
fn capacity_entry(mode: &str, table: &str, read_units: HalfUnits, write_units: HalfUnits, indexes: &[IndexArm]) -> Value {
    let index_units: HalfUnits = indexes.iter().map(|(_, _, u)| *u).sum();
    let total = read_units + write_units + index_units;
    let axes = |read: HalfUnits, write: HalfUnits| {
        let mut m = Map::new();
        m.insert("CapacityUnits".into(), json!((read + write).units()));
        if read != HalfUnits::ZERO {
            m.insert("ReadCapacityUnits".into(), json!(read.units()));
        }
        if write != HalfUnits::ZERO {
            m.insert("WriteCapacityUnits".into(), json!(write.units()));
        }
        m
    };
    let mut entry = axes(read_units, write_units + index_units);
    entry.insert("TableName".into(), json!(table));
    if mode != "INDEXES" {
        return Value::Object(entry);
    }
    entry.insert("Table".into(), Value::Object(axes(read_units, write_units)));
    for (member, local) in [("GlobalSecondaryIndexes", false), ("LocalSecondaryIndexes", true)] {
        let arms: Map<String, Value> = indexes
            .iter()
            .filter(|(_, l, _)| *l == local)
            .map(|(name, _, u)| (name.clone(), Value::Object(axes(HalfUnits::ZERO, *u))))
            .collect();
        if !arms.is_empty() {
            entry.insert(member.into(), Value::Object(arms));
        }
    }
    debug_assert_eq!(entry.get("CapacityUnits"), Some(&json!(total.units())));
    Value::Object(entry)
}

// ---------------------------------------------------------------------------
// TransactWriteItems

/// What one write action does once its condition holds.
enum Kind {
    Put(Item),
    Update { key_attrs: Item },
    Delete,
    Check,
}

/// One action after step 2: where it is, its table, its values.
struct Parsed<'b> {
    member: &'static str,
    obj: &'b Map<String, Value>,
    table_name: String,
    kind: ParsedKind,
    return_old: bool,
}

enum ParsedKind {
    Put(Item),
    Update(Item, Value),
    Delete(Item, Value),
    Check(Item, Value),
}

/// One action ready for the writer. Its expressions are resolved again in
/// the writer from the request, which the decision owns.
struct Planned {
    index: usize,
    table: String,
    kind: Kind,
    return_old: bool,
    key_names: Vec<String>,
    indexes: Arc<crate::items::index::TableIndexes>,
}

/// Parses and resolves an action's UpdateExpression (for `Update`) and
/// ConditionExpression against its placeholders `ph` (every placeholder
/// must be used), evaluating to `(update, condition)`. A macro rather than
/// a function so the trees' types (which borrow from `obj` and `ph`) are
/// inferred where they are used.
macro_rules! action_exprs {
    ($member:expr, $obj:expr, $ph:expr) => {{
        let mut resolver = $ph.resolver()?;
        let update = match ($member, str_of($obj, "UpdateExpression")?) {
            ("Update", Some(src)) => Some(resolver.resolve_update(&parse_update(src)?)?),
            _ => None,
        };
        let condition = match str_of($obj, "ConditionExpression")? {
            Some(src) => Some(resolver.resolve_condition(ExprKind::Condition, &parse_condition(ExprKind::Condition, src)?)?),
            None => None,
        };
        resolver.finish()?;
        (update, condition)
    }};
}

fn write_constraints(body: &Map<String, Value>) -> Result<&Vec<Value>, ApiError> {
    let mut errors = ValidationErrors::default();
    match body.get("ClientRequestToken") {
        None | Some(Value::Null) => {}
        Some(Value::String(t)) => {
            let n = t.chars().count();
            if n > MAX_TOKEN_CHARS {
                errors.push(format!(
                    "Value '{t}' at 'clientRequestToken' failed to satisfy constraint: Member must have length less than or equal to {MAX_TOKEN_CHARS}"
                ));
            } else if n == 0 {
                errors.push(
                    "Value '' at 'clientRequestToken' failed to satisfy constraint: Member must have length greater than or equal to 1"
                        .into(),
                );
            }
        }
        Some(Value::Number(_)) => return Err(ApiError::Serialization("NUMBER_VALUE cannot be converted to String".into())),
        Some(_) => return Err(wrong_type()),
    }
    if let Some(e) = enum_violation(body, "ReturnConsumedCapacity", "returnConsumedCapacity", &["INDEXES", "TOTAL", "NONE"])? {
        errors.push(e);
    }
    if let Some(e) = enum_violation(body, "ReturnItemCollectionMetrics", "returnItemCollectionMetrics", &["SIZE", "NONE"])? {
        errors.push(e);
    }
    let items = transact_items(body, &mut errors, "TransactWriteItem", &WRITE_KINDS, &write_required)?;
    errors.into_result()?;
    items.ok_or_else(|| validation(INVALID_ACTION))
}

/// Step 2 for one action: expressions, placeholders, values, item size.
/// Also returns what the action adds to the transaction's payload.
fn parse_write(action: &Value) -> Result<(Parsed<'_>, usize), ApiError> {
    let (member, _, obj) = action_kind(action, &WRITE_KINDS).ok_or_else(|| validation(NO_WRITE_KIND))?;
    let ph = placeholders(obj, true)?;
    let _ = action_exprs!(member, obj, &ph);
    let mut payload: usize = ph
        .values
        .iter()
        .flatten()
        .map(|(k, v)| k.len() + value_size(v))
        .sum();
    let return_old = str_of(obj, "ReturnValuesOnConditionCheckFailure")? == Some("ALL_OLD");
    let table_name = str_of(obj, "TableName")?.unwrap_or_default().to_owned();
    let kind = if member == "Put" {
        let it = Values::Older.item(obj.get("Item"), "item")?;
        payload += check_item_size(&it).map_err(|e| validation(e.to_string()))?;
        ParsedKind::Put(it)
    } else {
        let json = obj.get("Key").cloned().unwrap_or(Value::Null);
        let key = Values::Older.item(Some(&json), "key")?;
        payload += item_size(&key);
        match member {
            "Update" => ParsedKind::Update(key, json),
            "Delete" => ParsedKind::Delete(key, json),
            _ => ParsedKind::Check(key, json),
        }
    };
    Ok((
        Parsed {
            member,
            obj,
            table_name,
            kind,
            return_old,
        },
        payload,
    ))
}

/// Step 5 for one action: its key against its table. `Err` is refused up
/// front; `Ok(Err(msg))` cancels the transaction with a ValidationError.
#[allow(clippy::type_complexity)]
fn plan_write(index: usize, t: &CatalogTable, p: Parsed<'_>) -> Result<Result<(Vec<u8>, Planned), String>, ApiError> {
    let ks = &t.def.spec.key_schema;
    let key_names: Vec<String> = std::iter::once(ks.hash.name.clone()).chain(ks.range.as_ref().map(|r| r.name.clone())).collect();
    let (key, kind) = match p.kind {
        ParsedKind::Put(it) => {
            if let Some(msg) = check_action_key_values(t, &it)? {
                return Ok(Err(msg));
            }
            if let Err(e) = t.indexes.validate(&it) {
                let msg = e.to_string();
                if !msg.contains("Type mismatch") {
                    return Err(e);
                }
                return Ok(Err(msg));
            }
            t.indexes.check_local_size(&it, false).map_err(|e| validation(e.to_string()))?;
            match key_of_item(t, &it) {
                Ok(k) => (k, Kind::Put(it)),
                Err(e) => return Ok(Err(e.to_string())),
            }
        }
        ParsedKind::Update(key, json) => {
            if let Some(msg) = check_action_key_values(t, &key)? {
                return Ok(Err(msg));
            }
            let ph = placeholders(p.obj, true)?;
            if let (Some(update), _) = action_exprs!(p.member, p.obj, &ph) {
                // UpdateItem's checks, in its order: key attributes written,
                // index key types the expression fixes (a type mismatch
                // cancels, as a Put's does), then paths into key attributes.
                let names: Vec<&str> = key_names.iter().map(String::as_str).collect();
                check_key_attributes(&update, &names)?;
                if let Err(e) = t.indexes.check_update_types(&update) {
                    let msg = e.to_string();
                    if !msg.contains("Type mismatch") {
                        return Err(e);
                    }
                    return Ok(Err(msg));
                }
                let mut paths = Vec::new();
                update.visit_paths(&mut |path| paths.push(path));
                super::item_read::scalar_key_paths(&t.indexes, paths)?;
            }
            match key_of_key(t, Some(&json)) {
                Ok(k) => (k, Kind::Update { key_attrs: key }),
                Err(e) => return Ok(Err(e.to_string())),
            }
        }
        ParsedKind::Delete(key, json) | ParsedKind::Check(key, json) => {
            if let Some(msg) = check_action_key_values(t, &key)? {
                return Ok(Err(msg));
            }
            let kind = if p.member == "ConditionCheck" { Kind::Check } else { Kind::Delete };
            match key_of_key(t, Some(&json)) {
                Ok(k) => (k, kind),
                Err(e) => return Ok(Err(e.to_string())),
            }
        }
    };
    // A key over its size limit cancels the transaction at this action
    // (ExtendDB's captures, 2026-07), as a mistyped one does.
    let storage = match t.item_key(&key.0, key.1.as_ref()) {
        Ok(storage) => storage,
        Err(e) => return Ok(Err(e.to_string())),
    };
    Ok(Ok((
        storage,
        Planned {
            index,
            table: t.def.spec.name.clone(),
            kind,
            return_old: p.return_old,
            key_names,
            indexes: Arc::clone(&t.indexes),
        },
    )))
}

/// A cancellation for the action `index` of `n` that failed validation;
/// DynamoDB stops at the first such action and reports `None` for the rest.
fn cancelled(n: usize, index: usize, message: String) -> ApiError {
    let mut reasons = vec![CancellationReason::none(); n];
    if let Some(r) = reasons.get_mut(index) {
        *r = CancellationReason::validation(message);
    }
    ApiError::TransactionCanceled { reasons }
}

/// The writer's decision for a transaction: every action against the
/// current items, all applied or none. `actions` is the request's
/// `TransactItems`, whose expressions were validated before. What each
/// action consumed goes to `tally`, in request order, whether the
/// transaction commits or is cancelled; a committed one also writes its
/// ClientRequestToken record (`token`: the token and the request's
/// fingerprint).
fn decide(
    actions: &[Value],
    planned: Vec<Planned>,
    current: Vec<Option<Item>>,
    mode: Option<&str>,
    accepted: Option<&AtomicBool>,
    token: Option<(&str, u128)>,
    tally: &Tally<Vec<Consumed>>,
) -> Result<MultiDecision, ApiError> {
    let empty = Item::new();
    let mut reasons = Vec::with_capacity(planned.len());
    let mut writes = Vec::with_capacity(planned.len());
    let mut used = Vec::with_capacity(planned.len());
    let mut replay_sizes = Vec::with_capacity(planned.len());
    let mut index_writes = Vec::with_capacity(planned.len());
    let mut failed = false;
    // Per table: (read, write) capacity, and the vector index writes.
    let mut units: BTreeMap<String, (HalfUnits, HalfUnits)> = BTreeMap::new();
    let mut vector_bytes: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
    let mut index_arms: BTreeMap<String, Vec<IndexArm>> = BTreeMap::new();
    for (p, cur) in planned.into_iter().zip(current) {
        let (member, _, obj) = actions
            .get(p.index)
            .and_then(|a| action_kind(a, &WRITE_KINDS))
            .ok_or_else(|| ApiError::Internal("transaction action vanished".into()))?;
        let ph = placeholders(obj, true)?;
        let (update, condition) = action_exprs!(member, obj, &ph);
        let holds = condition.as_ref().is_none_or(|c| evaluate(c, cur.as_ref().unwrap_or(&empty)));
        let (is_check, is_update) = (matches!(p.kind, Kind::Check), matches!(p.kind, Kind::Update { .. }));
        // What the action would store (`None`: leave; `Some(None)`: delete).
        let written: Result<Option<Option<Item>>, String> = match p.kind {
            Kind::Put(new) => Ok(Some(Some(new))),
            Kind::Delete => Ok(cur.is_some().then_some(None)),
            Kind::Check => Ok(None),
            Kind::Update { key_attrs } => {
                let existed = cur.is_some();
                let mut new = cur.clone().unwrap_or(key_attrs);
                let names: Vec<&str> = p.key_names.iter().map(String::as_str).collect();
                let ctx = UpdateContext {
                    key_attributes: &names,
                    item_existed: existed,
                };
                let applied = match &update {
                    Some(update) => apply_update(update, &mut new, &ctx).map_err(|e| e.message().to_owned()),
                    None => Ok(()),
                };
                // Removing from an item that does not exist creates nothing.
                let creates = existed || !update.as_ref().is_some_and(|u| u.only_removes());
                applied.map(|()| creates.then_some(Some(new)))
            }
        };
        // Charged whether it commits or not: a write of the larger of the
        // current item and the one it would store.
        // A write is billed by its items' billed sizes (vectors at 4 bytes
        // a dimension); a check as a write of the item it reads (the
        // one-unit minimum when there is none), in write units
        // (nubo-db/dynamodb-conformance's transactWrite capacity, recorded
        // in eu-west-2; dynoxide 3.0.0's captures K1 and K2).
        let old_size = cur.as_ref().map(|i| p.indexes.billed_size(i) as u64);
        let attempted = match &written {
            Ok(Some(Some(new))) if !is_check => Some(p.indexes.billed_size(new) as u64),
            _ => None,
        };
        let consumed = Consumed::write(write_change(old_size, attempted, WriteMode::Transactional));
        let larger = old_size.unwrap_or(0).max(attempted.unwrap_or(0));
        replay_sizes.push(u32::try_from(larger).unwrap_or(u32::MAX));
        let entry = units.entry(p.table.clone()).or_default();
        entry.0 += consumed.read;
        entry.1 += consumed.write;
        used.push(consumed);
        if !holds {
            // A cancellation reason lists number sets in Java hash-set
            // order (ddb_core::value::set_order).
            let item = if p.return_old { cur.as_ref().map(|c| SetOrder::JavaHash.item_to_json(c)) } else { None };
            reasons.push(CancellationReason::condition_failed(item));
            writes.push(None);
            failed = true;
            continue;
        }
        let outcome = written.and_then(|write| {
            if let (true, Some(Some(new))) = (is_update, &write) {
                check_updated_item_size(new).map_err(|e| e.to_string())?;
                p.indexes.check_local_size(new, true).map_err(|e| e.to_string())?;
                p.indexes.validate(new).map_err(|e| e.to_string())?;
            }
            Ok(write)
        });
        match outcome {
            Ok(write) => {
                let new = match &write {
                    Some(new) => new.as_ref(),
                    None => cur.as_ref(),
                };
                let at = p.indexes.write_units_at(cur.as_ref(), new, WriteMode::Standard);
                let arms = index_arms.entry(p.table.clone()).or_default();
                for &(i, u) in &at {
                    let Some(idx) = p.indexes.indexes.get(i) else { continue };
                    match arms.iter_mut().find(|(name, ..)| *name == idx.name) {
                        Some(arm) => arm.2 += u,
                        None => arms.push((idx.name.clone(), idx.local, u)),
                    }
                }
                index_writes.push((Arc::clone(&p.indexes), at));
                // Only INDEXES reports them.
                if mode == Some("INDEXES") {
                    for (name, bytes) in p.indexes.vector_writes(cur.as_ref(), new) {
                        *vector_bytes.entry(p.table.clone()).or_default().entry(name).or_default() += bytes;
                    }
                }
                reasons.push(CancellationReason::none());
                writes.push(write);
            }
            Err(msg) => {
                reasons.push(CancellationReason::validation(msg));
                writes.push(None);
                failed = true;
            }
        }
    }
    if failed {
        tally.put(used);
        return Err(ApiError::TransactionCanceled { reasons });
    }
    for (c, (indexes, at)) in used.iter_mut().zip(&index_writes) {
        c.add_index_writes(indexes, at);
    }
    tally.put(used);
    if let Some(a) = accepted {
        a.store(true, Ordering::SeqCst);
    }
    let mut out = Map::new();
    if let Some(mode) = mode {
        let list: Vec<Value> = units
            .iter()
            .map(|(t, (r, w))| {
                let arms = index_arms.get(t).map_or(&[][..], Vec::as_slice);
                let mut entry = capacity_entry(mode, t, *r, *w, arms);
                add_vector_writes(Some(mode), &mut entry, vector_bytes.remove(t).unwrap_or_default());
                entry
            })
            .collect();
        out.insert("ConsumedCapacity".into(), Value::Array(list));
    }
    Ok(MultiDecision {
        writes,
        output: Value::Object(out),
        extra: token
            .map(|(token, fp)| vec![super::client_tokens::record(token, fp, replay_sizes)])
            .unwrap_or_default(),
    })
}

/// The answer to a replayed token: success, with the read capacity of the
/// transaction's items when asked (and charged to the metrics either way):
/// each action a transactional read of the larger of its item before and
/// after, as its token's record keeps them (dynoxide's capture against
/// DynamoDB, 2026-08-13, S1, R1, S3), else of the item as it is now.
async fn replay(
    dp: &DataPlane,
    caller: &Verified,
    reads: Vec<(Arc<CatalogTable>, Vec<u8>)>,
    mode: Option<String>,
    recorded: Vec<u32>,
) -> Result<Value, ApiError> {
    let snapshot = dp.items.snapshot(&caller.tenant.id).await?;
    let (reads, sizes) = tokio::task::spawn_blocking(move || -> Result<_, ApiError> {
        if recorded.len() == reads.len() {
            let sizes = recorded.into_iter().map(|s| s as usize).collect();
            return Ok((reads, sizes));
        }
        let mut sizes = Vec::with_capacity(reads.len());
        for (_, key) in &reads {
            sizes.push(match snapshot.get(key).map_err(|e| ApiError::Internal(format!("storage: {e}")))? {
                Some(bytes) => item_size(&decode(&bytes)?),
                None => 0,
            });
        }
        Ok((reads, sizes))
    })
    .await
    .map_err(|e| ApiError::Internal(format!("read task failed: {e}")))??;
    let mut units: BTreeMap<String, HalfUnits> = BTreeMap::new();
    let mut charges = Charges::default();
    for ((t, _), size) in reads.iter().zip(sizes) {
        let u = read(size as u64, ReadMode::Transactional);
        *units.entry(t.def.spec.name.clone()).or_default() += u;
        charges.add(t, &Consumed::read(u), PREPAID_PER_ACTION);
    }
    charges.charge(dp, caller);
    let Some(mode) = mode else {
        return Ok(json!({}));
    };
    let list: Vec<Value> = units.iter().map(|(t, u)| capacity_entry(&mode, t, *u, HalfUnits::ZERO, &[])).collect();
    Ok(json!({ "ConsumedCapacity": list }))
}

/// `TransactWriteItems`
pub async fn transact_write(dp: &DataPlane, caller: &Verified, catalog: &Catalog, body: Value) -> Result<Value, ApiError> {
    let request = body.as_object().ok_or_else(wrong_type)?;
    let actions = write_constraints(request)?;
    let mut parsed = Vec::with_capacity(actions.len());
    let mut payload = 0usize;
    for a in actions {
        let (p, size) = parse_write(a)?;
        payload = payload.saturating_add(size);
        parsed.push(p);
    }
    if payload > MAX_PAYLOAD_BYTES {
        return Err(validation(format!(
            "Transaction payload size cannot exceed 4MB. Payload Size: : Transaction payload size cannot exceed 4MB. Payload Size: {payload}"
        )));
    }
    let tables = parsed
        .iter()
        .map(|p| table(catalog, caller, Some(&p.table_name)))
        .collect::<Result<Vec<_>, _>>()?;
    let n = parsed.len();
    let mut keys = Vec::with_capacity(n);
    let mut planned = Vec::with_capacity(n);
    let mut seen = HashSet::with_capacity(n);
    let mut duplicate = false;
    let mut first_invalid: Option<(usize, String)> = None;
    for (i, (p, t)) in parsed.into_iter().zip(&tables).enumerate() {
        match plan_write(i, t, p)? {
            Ok((key, plan)) => {
                duplicate |= !seen.insert(key.clone());
                keys.push(write_key(t, key));
                planned.push(plan);
            }
            Err(msg) => {
                first_invalid.get_or_insert((i, msg));
            }
        }
    }
    if duplicate {
        return Err(validation(MULTIPLE_OPERATIONS));
    }
    if let Some((i, msg)) = first_invalid {
        return Err(cancelled(n, i, msg));
    }
    let mode = capacity_mode(request);
    let token = str_of(request, "ClientRequestToken")?.map(|t| (regional(caller, t), fingerprint(request)));
    let guard = match &token {
        Some((token, fp)) => match claim(&dp.client_tokens, &dp.items, &caller.tenant.id, token, *fp).await? {
            TokenStart::Replay => {
                let reads = tables.iter().zip(&keys).map(|(t, k)| (Arc::clone(t), k.key.clone())).collect();
                let recorded = super::client_tokens::replay_sizes(&dp.items, &caller.tenant.id, token).await?;
                return replay(dp, caller, reads, mode, recorded).await;
            }
            TokenStart::Fresh(g) => Some(g),
        },
        None => None,
    };
    let accepted = guard.as_ref().map(|g| Arc::clone(&g.accepted));
    let tally = Tally::default();
    let spent = tally.clone();
    let result = dp
        .items
        .write_transaction(
            &caller.tenant.id,
            keys,
            Box::new(move |current| {
                let actions = body.get("TransactItems").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
                let token = token.as_ref().map(|(t, fp)| (t.as_str(), *fp));
                decide(actions, planned, current, mode.as_deref(), accepted.as_deref(), token, &spent)
            }),
        )
        .await;
    if let Some(g) = guard {
        g.settle(result.is_ok());
    }
    // Committed and cancelled transactions consume; nothing else does.
    if matches!(result, Ok(_) | Err(ApiError::TransactionCanceled { .. })) {
        let mut charges = Charges::default();
        for (t, c) in tables.iter().zip(tally.take().unwrap_or_default()) {
            charges.add(t, &c, PREPAID_PER_ACTION);
        }
        charges.charge(dp, caller);
    }
    result
}

// ---------------------------------------------------------------------------
// TransactGetItems

/// `TransactGetItems`
pub async fn transact_get(dp: &DataPlane, caller: &Verified, catalog: &Catalog, body: Value) -> Result<Value, ApiError> {
    let body = body.as_object().ok_or_else(wrong_type)?;
    let mut errors = ValidationErrors::default();
    if let Some(e) = enum_violation(body, "ReturnConsumedCapacity", "returnConsumedCapacity", &["INDEXES", "TOTAL", "NONE"])? {
        errors.push(e);
    }
    let items = transact_items(body, &mut errors, "TransactGetItem", &GET_KINDS, &get_required)?;
    errors.into_result()?;
    let items = items.ok_or_else(|| validation(INVALID_ACTION))?;

    let mut parsed = Vec::with_capacity(items.len());
    for a in items {
        let (_, _, obj) = action_kind(a, &GET_KINDS).ok_or_else(|| validation(INVALID_ACTION))?;
        let ph = placeholders(obj, false)?;
        let mut resolver = ph.resolver()?;
        let projection = match str_of(obj, "ProjectionExpression")? {
            Some(src) => Some(ProjectionTree::new(&resolver.resolve_projection(&parse_projection(src)?)?)),
            None => None,
        };
        resolver.finish()?;
        let json = obj.get("Key").cloned().unwrap_or(Value::Null);
        let key = Values::Older.item(Some(&json), "key")?;
        let name = str_of(obj, "TableName")?.unwrap_or_default().to_owned();
        parsed.push((name, projection, key, json));
    }
    let tables = parsed
        .iter()
        .map(|(name, ..)| table(catalog, caller, Some(name)))
        .collect::<Result<Vec<_>, _>>()?;
    let n = parsed.len();
    let mut reads = Vec::with_capacity(n);
    let mut seen = HashSet::with_capacity(n);
    let mut duplicate = false;
    let mut first_invalid: Option<(usize, String)> = None;
    for (i, ((_, projection, key, json), t)) in parsed.into_iter().zip(&tables).enumerate() {
        if let Some(msg) = check_action_key_values(t, &key)? {
            first_invalid.get_or_insert((i, msg));
            continue;
        }
        match key_of_key(t, Some(&json)) {
            // A key over its size limit cancels the transaction at that
            // action (ExtendDB's captures, 2026-07), as a mistyped one does.
            Ok((pk, sk)) => match t.item_key(&pk, sk.as_ref()) {
                Ok(storage) => {
                    duplicate |= !seen.insert(storage.clone());
                    reads.push((t.def.spec.name.clone(), storage, projection));
                }
                Err(e) => {
                    first_invalid.get_or_insert((i, e.to_string()));
                }
            },
            Err(e) => {
                first_invalid.get_or_insert((i, e.to_string()));
            }
        }
    }
    if duplicate {
        return Err(validation(MULTIPLE_OPERATIONS));
    }
    if let Some((i, msg)) = first_invalid {
        return Err(cancelled(n, i, msg));
    }
    let mode = capacity_mode(body);
    let snapshot = dp.items.snapshot(&caller.tenant.id).await?;
    let (responses, units, each) = tokio::task::spawn_blocking(move || -> Result<_, ApiError> {
        let mut responses = Vec::with_capacity(reads.len());
        let mut units: BTreeMap<String, HalfUnits> = BTreeMap::new();
        let mut each = Vec::with_capacity(reads.len());
        for (t, key, projection) in reads {
            let found = match snapshot.get(&key).map_err(|e| ApiError::Internal(format!("storage: {e}")))? {
                Some(bytes) => Some(decode(&bytes)?),
                None => None,
            };
            let u = read(found.as_ref().map_or(0, item_size) as u64, ReadMode::Transactional);
            *units.entry(t).or_default() += u;
            each.push(u);
            responses.push(match found {
                Some(i) => {
                    let i = match &projection {
                        Some(p) => p.apply(&i),
                        None => i,
                    };
                    // Number sets in Java hash-set order, as DynamoDB's
                    // TransactGetItems lists them.
                    json!({ "Item": SetOrder::JavaHash.item_to_json(&i) })
                }
                None => json!({}),
            });
        }
        Ok((responses, units, each))
    })
    .await
    .map_err(|e| ApiError::Internal(format!("read task failed: {e}")))??;
    let mut charges = Charges::default();
    for (t, u) in tables.iter().zip(each) {
        charges.add(t, &Consumed::read(u), PREPAID_PER_ACTION);
    }
    charges.charge(dp, caller);
    let mut out = Map::new();
    out.insert("Responses".into(), Value::Array(responses));
    if let Some(mode) = mode {
        let list: Vec<Value> = units.iter().map(|(t, u)| capacity_entry(&mode, t, *u, HalfUnits::ZERO, &[])).collect();
        out.insert("ConsumedCapacity".into(), Value::Array(list));
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancellation_wire_body() {
        let e = cancelled(3, 1, "bad key".into());
        assert_eq!(
            e.to_string(),
            "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ValidationError, None]"
        );
        let body = e.body("req");
        assert_eq!(body["__type"], "com.amazonaws.dynamodb.v20120810#TransactionCanceledException");
        assert_eq!(body["Message"], json!(e.to_string()));
        assert_eq!(
            body["CancellationReasons"],
            json!([{"Code": "None"}, {"Code": "ValidationError", "Message": "bad key"}, {"Code": "None"}])
        );
        let e = ApiError::TransactionCanceled {
            reasons: vec![CancellationReason::condition_failed(Some(json!({"id": {"S": "1"}})))],
        };
        assert_eq!(
            e.body("req")["CancellationReasons"],
            json!([{"Code": "ConditionalCheckFailed", "Message": "The conditional request failed", "Item": {"id": {"S": "1"}}}])
        );
    }

    #[test]
    fn capacity_entries() {
        assert_eq!(
            capacity_entry("TOTAL", "T", HalfUnits(4), HalfUnits::ZERO, &[]),
            json!({"TableName": "T", "CapacityUnits": 2.0, "ReadCapacityUnits": 2.0})
        );
        assert_eq!(
            capacity_entry("INDEXES", "T", HalfUnits::ZERO, HalfUnits(8), &[]),
            json!({"TableName": "T", "CapacityUnits": 4.0, "WriteCapacityUnits": 4.0,
                   "Table": {"CapacityUnits": 4.0, "WriteCapacityUnits": 4.0}})
        );
        // dynoxide's capture A3: a put into a GSI and an LSI, the index
        // arms undoubled and added to the total (and to TOTAL's).
        let arms = [("g".to_owned(), false, HalfUnits(2)), ("l".to_owned(), true, HalfUnits(2))];
        assert_eq!(
            capacity_entry("INDEXES", "T", HalfUnits::ZERO, HalfUnits(4), &arms),
            json!({"TableName": "T", "CapacityUnits": 4.0, "WriteCapacityUnits": 4.0,
                   "Table": {"CapacityUnits": 2.0, "WriteCapacityUnits": 2.0},
                   "GlobalSecondaryIndexes": {"g": {"CapacityUnits": 1.0, "WriteCapacityUnits": 1.0}},
                   "LocalSecondaryIndexes": {"l": {"CapacityUnits": 1.0, "WriteCapacityUnits": 1.0}}})
        );
        assert_eq!(
            capacity_entry("TOTAL", "T", HalfUnits::ZERO, HalfUnits(4), &arms),
            json!({"TableName": "T", "CapacityUnits": 4.0, "WriteCapacityUnits": 4.0})
        );
    }

    #[test]
    fn echo_of_actions() {
        let actions = vec![
            json!({"Put": {"TableName": "T", "Item": {"id": {"S": "a"}, "n": {"N": "1"}}}}),
            json!({"ConditionCheck": {"TableName": "T", "Key": {"id": {"S": "b"}}, "ConditionExpression": "x"}}),
        ];
        assert_eq!(
            echo_actions(&actions, "TransactWriteItem", &WRITE_KINDS),
            "[TransactWriteItem(put=Put(item={id=AttributeValue(s=a), n=AttributeValue(n=1)}, tableName=T)), \
             TransactWriteItem(conditionCheck=ConditionCheck(key={id=AttributeValue(s=b)}, tableName=T))]"
        );
    }
}
