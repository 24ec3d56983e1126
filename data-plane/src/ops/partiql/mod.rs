//! PartiQL: ExecuteStatement ([`execute`]), BatchExecuteStatement
//! ([`batch`]) and ExecuteTransaction ([`transact`]). Each statement is
//! parsed and translated by `ddb_core::partiql` into the classic request it
//! means, which then runs through the classic operation (GetItem, Query,
//! Scan, PutItem, UpdateItem, DeleteItem, TransactGetItems,
//! TransactWriteItems), so validation, limits, capacity, index
//! maintenance, the change log and the throughput quota are theirs. This
//! module holds what the three share: reading the request members,
//! looking up the key schema, running a translated request, and answering
//! the classic operations' errors in PartiQL's words.

pub mod batch;
pub mod execute;
pub mod transact;

use std::sync::Arc;

use ddb_core::partiql::translate::{plan, Keys, Kind, Plan, Surface};
use ddb_core::partiql::{parse, Statement};
use ddb_core::value::json::{
    attribute_value_from_json_layer, value_names_empty_attribute, Layer, Slot, ValueError, EMPTY_ATTRIBUTE_NAME,
};
use ddb_core::value::set_order::SetOrder;
use ddb_core::{AttributeValue, Operation};
use serde_json::{Map, Value};

use super::query_scan::ReadStyle;
use crate::auth::Verified;
use crate::catalog::{Catalog, CatalogTable};
use crate::error::ApiError;
use crate::DataPlane;

/// The longest statement, in characters.
const MAX_STATEMENT_CHARS: usize = 8192;

/// Checks a `Statement` member (`member` names it in messages).
pub(crate) fn statement_text<'b>(v: Option<&'b Value>, member: &str) -> Result<&'b str, ApiError> {
    match v {
        None | Some(Value::Null) => Err(ApiError::constraint(format!(
            "Value null at '{member}' failed to satisfy constraint: Member must not be null"
        ))),
        Some(Value::String(s)) => {
            let n = s.chars().count();
            if n < 1 {
                Err(ApiError::constraint(format!(
                    "Value '{s}' at '{member}' failed to satisfy constraint: Member must have length greater than or equal to 1"
                )))
            } else if n > MAX_STATEMENT_CHARS {
                Err(ApiError::constraint(format!(
                    "Value '{s}' at '{member}' failed to satisfy constraint: Member must have length less than or equal to {MAX_STATEMENT_CHARS}"
                )))
            } else {
                Ok(s)
            }
        }
        Some(_) => Err(ApiError::Serialization("NUMBER_VALUE cannot be converted to String".into())),
    }
}

/// A `Parameters` member: a non-empty list of AttributeValues.
pub(crate) fn parameters(v: Option<&Value>, member: &str) -> Result<Vec<AttributeValue>, ApiError> {
    read_parameters(parameter_list(v, member)?)?
}

/// The `Parameters` member's list, checked against its constraints.
pub(crate) fn parameter_list<'a>(v: Option<&'a Value>, member: &str) -> Result<&'a [Value], ApiError> {
    match v {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(list)) if list.is_empty() => Err(ApiError::constraint(format!(
            "Value '[]' at '{member}' failed to satisfy constraint: Member must have length greater than or equal to 1"
        ))),
        Some(Value::Array(list)) => Ok(list),
        Some(_) => Err(ApiError::Serialization("Start of list found where not expected".into())),
    }
}

/// The parameters' values, read in DynamoDB's older value layer. The outer
/// error (a JSON type DynamoDB cannot deserialize, in any parameter) fails
/// the whole request; the inner one (a value DynamoDB refuses) fails only
/// its statement in a batch. A map key that is the empty string, in any
/// parameter and at any depth, is refused ahead of the values' other
/// problems with the bare "Empty attribute name" (nubo-db's dynoxide 3.0.0,
/// captures of 2026-10-09 in ten regions).
pub(crate) fn read_parameters(list: &[Value]) -> Result<Result<Vec<AttributeValue>, ApiError>, ApiError> {
    let mut out = Vec::with_capacity(list.len());
    let mut refused = None;
    for p in list {
        match attribute_value_from_json_layer(p, Slot::Value, Layer::Older) {
            Ok(v) => out.push(v),
            Err(ValueError::Serialization(m)) => return Err(ApiError::Serialization(m)),
            Err(ValueError::Validation(m)) => {
                refused.get_or_insert(ApiError::Validation(m));
            }
        }
    }
    if empty_name_in(list) {
        return Ok(Err(ApiError::Validation(EMPTY_ATTRIBUTE_NAME.into())));
    }
    Ok(refused.map_or(Ok(out), Err))
}

/// True when a parameter holds a map with an empty key at any depth.
pub(crate) fn empty_name_in(list: &[Value]) -> bool {
    list.iter().any(value_names_empty_attribute)
}

/// Parses a statement with its parameters.
pub(crate) fn parse_statement(text: &str, params: &[AttributeValue]) -> Result<Statement, ApiError> {
    parse(text, params).map_err(|e| ApiError::Validation(e.message().to_owned()))
}

/// The key schema of the statement's table (and of the index a SELECT
/// names).
fn key_schema(t: &CatalogTable, index: Option<&str>) -> Result<(Keys, Option<Keys>), ApiError> {
    let ks = &t.def.spec.key_schema;
    let table = Keys::table(&ks.hash.name, ks.range.as_ref().map(|r| r.name.as_str()));
    let Some(name) = index else {
        return Ok((table, None));
    };
    // A vector index is read with SearchVectors only (PartiQL's read of an
    // index is a Scan or Query of it).
    if t.def.spec.vector_indexes.iter().any(|v| v.name == name) {
        return Err(ApiError::Validation("Scan operation not supported on this index type.".into()));
    }
    let idx = t
        .indexes
        .get(name)
        .ok_or_else(|| ApiError::Validation("The table does not have the specified index".into()))?;
    let keys = Keys {
        hash: idx.hash_attrs().map(|a| a.name.clone()).collect(),
        range: idx.range_attrs().map(|a| a.name.clone()).collect(),
    };
    Ok((table, Some(keys)))
}

/// The statement's table, or `Requested resource not found`.
pub(crate) fn statement_table(catalog: &Catalog, caller: &Verified, stmt: &Statement) -> Result<Arc<CatalogTable>, ApiError> {
    catalog
        .table(caller.space(), stmt.table())
        .cloned()
        .ok_or_else(|| ApiError::ResourceNotFound("Requested resource not found".into()))
}

/// Translates `stmt` for `surface` against its table's schema.
pub(crate) fn translate(
    catalog: &Catalog,
    caller: &Verified,
    stmt: &Statement,
    surface: Surface,
) -> Result<(Arc<CatalogTable>, Plan), ApiError> {
    let t = match statement_table(catalog, caller, stmt) {
        Ok(t) => t,
        // The operand types of the WHERE clause are checked before the
        // table is looked up (nubo-db/dynamodb-conformance).
        Err(missing) => return Err(operand_type_error(stmt, surface).unwrap_or(missing)),
    };
    // A read of an index with multi-attribute keys is refused, ahead of
    // every rule about its WHERE clause (paritysuite, AWS 2026).
    if let (Statement::Select(s), Surface::ExecuteStatement | Surface::Batch) = (stmt, surface) {
        if s.index.as_deref().and_then(|name| t.indexes.get(name)).is_some_and(|idx| idx.is_multi()) {
            return Err(ApiError::Validation(
                "PartiQL statements cannot be executed on tables with multi-attribute HASH keys or multi-attribute RANGE keys."
                    .into(),
            ));
        }
    }
    let index = match stmt {
        Statement::Select(s) if surface == Surface::ExecuteStatement => s.index.as_deref(),
        _ => None,
    };
    let (table_keys, index_keys) = key_schema(&t, index)?;
    let p = plan(stmt, surface, &table_keys, index_keys.as_ref()).map_err(|e| ApiError::Validation(e.message().to_owned()))?;
    Ok((t, p))
}

/// An operand of the wrong type in the statement's conditions, found
/// without the table: the statement is planned as if its table were keyed
/// on no attribute it names, and only an "Incorrect operand type" of the
/// resulting condition is reported (every other problem waits for the
/// table).
fn operand_type_error(stmt: &Statement, surface: Surface) -> Option<ApiError> {
    use ddb_core::expr::{parse_condition, ExprKind};
    let p = plan(stmt, surface, &Keys::table("\u{0}no key\u{0}", None), None).ok()?;
    let ph = crate::items::request::Placeholders::from_body(&p.body, crate::items::request::Values::Current).ok()?;
    let mut resolver = ph.resolver().ok()?;
    for (member, kind) in [("ConditionExpression", ExprKind::Condition), ("FilterExpression", ExprKind::Filter)] {
        let Some(src) = p.body.get(member).and_then(Value::as_str) else { continue };
        let parsed = parse_condition(kind, src).ok()?;
        if let Err(e) = resolver.resolve_condition(kind, &parsed) {
            return e
                .message()
                .contains("Incorrect operand type")
                .then(|| reword(ApiError::Validation(e.message().to_owned())));
        }
    }
    None
}

/// The classic operation of a translated request.
fn operation(kind: Kind) -> Operation {
    match kind {
        Kind::GetItem => Operation::GetItem,
        Kind::Query => Operation::Query,
        Kind::Scan => Operation::Scan,
        Kind::PutItem => Operation::PutItem,
        Kind::UpdateItem | Kind::ConditionCheck => Operation::UpdateItem,
        Kind::DeleteItem => Operation::DeleteItem,
    }
}

/// Runs a translated single request, with `extra` members added to its
/// body, and answers its JSON output.
pub(crate) async fn run(
    dp: &DataPlane,
    caller: &Verified,
    catalog: &Catalog,
    p: &Plan,
    extra: Map<String, Value>,
) -> Result<Value, ApiError> {
    run_unworded(dp, caller, catalog, p, extra).await.map_err(|e| in_partiql_words(p, e))
}

/// A failed INSERT's condition is a duplicate key in PartiQL's words.
pub(crate) fn in_partiql_words(p: &Plan, e: ApiError) -> ApiError {
    match (p.kind, e) {
        (Kind::PutItem, ApiError::ConditionalCheckFailed { .. }) => ApiError::DuplicateItem,
        (_, other) => other,
    }
}

/// [`run`], a failed condition left as the classic operation's error
/// (with the capacity it consumed).
pub(crate) async fn run_unworded(
    dp: &DataPlane,
    caller: &Verified,
    catalog: &Catalog,
    p: &Plan,
    extra: Map<String, Value>,
) -> Result<Value, ApiError> {
    let mut body = p.body.clone();
    if let Value::Object(m) = &mut body {
        m.extend(extra);
    }
    let op = operation(p.kind);
    dp.throttle.check(caller, catalog, op, &body)?;
    let out = match p.kind {
        Kind::GetItem => super::item_read::get(dp, caller, catalog, body).await.and_then(raw),
        Kind::Query => {
            super::query_scan::query_styled(dp, caller, catalog, body, ReadStyle::QUERY.partiql(false)).await.and_then(raw)
        }
        Kind::Scan => super::query_scan::scan_styled(dp, caller, catalog, body, ReadStyle::SCAN.partiql(p.keyed_scan)).await.and_then(raw),
        Kind::PutItem => super::item_write::put(dp, caller, catalog, body).await,
        Kind::UpdateItem => super::item_write::update_flat(dp, caller, catalog, body).await,
        Kind::DeleteItem => super::item_write::delete(dp, caller, catalog, body).await,
        Kind::ConditionCheck => Err(ApiError::Internal("a condition check outside a transaction".into())),
    };
    out.map_err(reword)
}

/// The JSON of a reply the read path wrote as bytes.
fn raw(reply: super::Reply) -> Result<Value, ApiError> {
    match reply {
        super::Reply::Json(v) => Ok(v),
        super::Reply::Raw(bytes) => {
            serde_json::from_slice(&bytes).map_err(|e| ApiError::Internal(format!("read reply is not JSON: {e}")))
        }
    }
}

/// A classic operation's error in PartiQL's words: expression messages
/// lose the `Invalid <Member>: ` prefix (the statement has no such
/// member), and a consistent read of a GSI is worded as PartiQL words it.
pub(crate) fn reword(e: ApiError) -> ApiError {
    match e {
        ApiError::Validation(m) => {
            const PREFIXES: [&str; 5] = [
                "Invalid ConditionExpression: ",
                "Invalid FilterExpression: ",
                "Invalid KeyConditionExpression: ",
                "Invalid UpdateExpression: ",
                "Invalid ProjectionExpression: ",
            ];
            if m == "Consistent reads are not supported on global secondary indexes" {
                return ApiError::Validation("Strongly consistent read is not supported on Global Secondary Indexes".into());
            }
            let stripped = PREFIXES.iter().find_map(|p| m.strip_prefix(p)).map(str::to_owned);
            ApiError::Validation(stripped.unwrap_or(m))
        }
        other => other,
    }
}

/// An item of a read's answer with the renamed projections applied, its
/// number sets in Java hash-set order as every PartiQL operation lists them
/// (ddb_core::value::set_order).
pub(crate) fn renamed(item: &Value, p: &Plan) -> Value {
    let renamed = (!p.renames.is_empty())
        .then(|| ddb_core::value::json::item_from_json(item).ok())
        .flatten()
        .map(|mut it| {
            ddb_core::partiql::translate::rename(&mut it, &p.renames);
            ddb_core::value::json::item_to_json(&it)
        });
    let mut out = renamed.unwrap_or_else(|| item.clone());
    SetOrder::JavaHash.apply_to_json_item(&mut out);
    out
}

/// Copies `member` of `from` into `to` when present.
pub(crate) fn copy_member(from: &Value, to: &mut Map<String, Value>, member: &str) {
    if let Some(v) = from.get(member) {
        to.insert(member.to_owned(), v.clone());
    }
}
