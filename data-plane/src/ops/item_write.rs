//! PutItem, DeleteItem and UpdateItem. Each parses and validates its
//! request, then hands the tenant's writer a decision function that sees
//! the current item, checks the condition, computes the new item and the
//! answer (ReturnValues, consumed capacity) — atomically with the write.
//! What the write consumed is charged once its outcome is known, a failed
//! condition included (`super::consumed`). Items of tables with local
//! secondary indexes must fit in 400 KB together with their LSI entries.

use ddb_core::api::items::ItemOp;
use ddb_core::capacity::{failed_conditional_write, write_change, WriteMode};
use ddb_core::expr::ast::{Condition, Resolved, UpdateExpr};
use ddb_core::expr::eval::evaluate;
use ddb_core::expr::projection::project;
use ddb_core::expr::update::{apply_update, check_key_attributes, UpdateContext};
use ddb_core::expr::{parse_condition, parse_update, ExprError, ExprKind, Rule};
use ddb_core::expr::statement_size::statement_size;
use ddb_core::size::{check_item_size, check_updated_item_size, MAX_ITEM_SIZE, UPDATED_ITEM_TOO_LARGE};
use ddb_core::value::json::item_to_json;
use ddb_core::Item;
use serde_json::{Map, Value};

use crate::auth::Verified;
use crate::catalog::{Catalog, CatalogTable};
use crate::error::ApiError;
use crate::items::legacy;
use crate::items::collection;
use crate::items::index::TableIndexes;
use crate::items::request::{
    add_vector_writes, consumed_with_indexes, enum_member, key_match, key_of_item, member_constraints, return_consumed,
    str_member, table, Placeholders, Values,
};
use crate::items::{Decision, WriteKey};
use crate::DataPlane;

use super::consumed::{charge_write, Consumed, Tally};

/// The legacy members of the single-item writes.
const LEGACY_MEMBERS: &[&str] = &["AttributeUpdates", "Expected", "ConditionalOperator"];
/// Their expression members.
const EXPRESSION_MEMBERS: &[&str] = &["UpdateExpression", "ConditionExpression"];

/// The parts of a request's condition.
struct Conditional {
    condition: Option<Condition<Resolved<'static>>>,
    /// `ReturnValuesOnConditionCheckFailure: ALL_OLD`
    return_old_on_failure: bool,
}

/// Rejects requests mixing legacy and expression parameters, and
/// ExpressionAttributeNames without any expression (or
/// ExpressionAttributeValues next to legacy parameters), as DynamoDB does;
/// true when the legacy family is used.
/// `values_missing` ends the message for ExpressionAttributeValues next
/// to legacy parameters where the operation names the missing expressions
/// (Query, Scan).
pub(super) fn check_families(
    body: &Value,
    legacy_members: &[&str],
    expression_members: &[&str],
    values_missing: Option<&str>,
) -> Result<bool, ApiError> {
    let legacy_used = legacy::present(body, legacy_members);
    let exprs_used = legacy::present(body, expression_members);
    ddb_core::expr::legacy::check_not_mixed(&legacy_used, &exprs_used)?;
    let given = |m: &str| body.get(m).is_some_and(|v| !v.is_null());
    if exprs_used.is_empty() && given("ExpressionAttributeNames") {
        return Err(ApiError::Validation(
            "ExpressionAttributeNames can only be specified when using expressions".into(),
        ));
    }
    // Query and Scan (which name the missing expressions) also refuse
    // values next to no expression at all (dynalite's scan.js, recorded
    // against DynamoDB).
    let no_family = exprs_used.is_empty() && values_missing.is_some();
    if (!legacy_used.is_empty() || no_family) && given("ExpressionAttributeValues") {
        let message = "ExpressionAttributeValues can only be specified when using expressions";
        return Err(ApiError::Validation(match values_missing {
            Some(missing) => format!("{message}: {missing}"),
            None => message.into(),
        }));
    }
    Ok(!legacy_used.is_empty())
}

/// The single-item write a request is. They report their expressions'
/// errors as a failed constraint (`1 validation error detected: …`),
/// where other operations (transactions included) send the message alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Write {
    Put,
    Update,
    Delete,
}

impl Write {
    /// True when this operation reports an expression error that breaks
    /// `rule` (or none) as a constraint: every error found while the
    /// request's expressions are parsed and resolved (syntax, redundant
    /// parentheses, function operands, placeholders; paritysuite's
    /// cross-region capture of 2026-09-20, the same in four regions),
    /// except PutItem's empty ExpressionAttributeValues (moto's
    /// AWS-verified tests).
    fn reports(self, rule: Option<Rule>) -> bool {
        !(self == Write::Put && rule == Some(Rule::EmptyValues))
    }

    /// A check of the request's parameters made before the table is read,
    /// as these operations answer it: a ValidationException becomes one
    /// failed constraint (unless it already lists its constraints).
    fn envelope(self, e: ApiError) -> ApiError {
        crate::items::request::as_constraint(e)
    }

    /// An expression error as this operation answers it.
    fn expr_error(self, e: ExprError) -> ApiError {
        if self.reports(e.rule()) {
            ApiError::constraint(e.message())
        } else {
            e.into()
        }
    }
}

/// Whether a single-item write uses the legacy parameter family, after
/// refusing mixed families as this operation reports it.
fn families(op: Write, body: &Value) -> Result<bool, ApiError> {
    check_families(body, LEGACY_MEMBERS, EXPRESSION_MEMBERS, None).map_err(|e| op.envelope(e))
}

/// The condition (and update) of a write whose family `is_legacy` tells.
fn conditional(
    op: Write,
    body: &Value,
    ph: &Placeholders,
    update: Option<&str>,
    is_legacy: bool,
) -> Result<(Conditional, Option<UpdateExpr<Resolved<'static>>>), ApiError> {
    let (update, condition) = if is_legacy {
        let legacy_parts = || -> Result<_, ApiError> {
            let update = match legacy::attribute_updates(body, Values::Enveloped)? {
                Some(u) => Some(ddb_core::expr::legacy::attribute_updates(&u)?),
                None => None,
            };
            let expected = legacy::expected(body, Values::Enveloped)?;
            let operator_given = body.get("ConditionalOperator").is_some_and(|v| !v.is_null());
            ddb_core::expr::legacy::check_conditional_operator(operator_given, expected.as_ref().map(|e| e.len()))?;
            let condition = match expected {
                Some(e) => ddb_core::expr::legacy::expected(&e, legacy::conditional_operator(body)?)?,
                None => None,
            };
            Ok((update, condition))
        };
        legacy_parts().map_err(|e| op.envelope(e))?
    } else {
        let condition = str_member(body, "ConditionExpression")?;
        let values_given = body.get("ExpressionAttributeValues").is_some_and(|v| !v.is_null());
        if values_given && update.is_none() && condition.is_none() {
            return Err(ApiError::constraint(
                "ExpressionAttributeValues can only be specified when using expressions",
            ));
        }
        let resolved = || -> Result<_, ExprError> {
            let mut resolver = ph.resolver()?;
            let update = match update {
                Some(src) => Some(resolver.resolve_update(&parse_update(src)?)?.into_owned()),
                None => None,
            };
            let condition = match condition {
                Some(src) => Some(
                    resolver
                        .resolve_condition(ExprKind::Condition, &parse_condition(ExprKind::Condition, src)?)?
                        .into_owned(),
                ),
                None => None,
            };
            resolver.finish()?;
            Ok((update, condition))
        };
        resolved().map_err(|e| op.expr_error(e))?
    };
    let on_failure = enum_member(
        body,
        "ReturnValuesOnConditionCheckFailure",
        "returnValuesOnConditionCheckFailure",
        &["ALL_OLD", "NONE"],
    )?;
    Ok((
        Conditional {
            condition,
            return_old_on_failure: on_failure == Some("ALL_OLD"),
        },
        update,
    ))
}

impl Conditional {
    /// Checks the condition against the current item. When it fails, the
    /// write still consumes capacity: `attempted` gives the size of the
    /// item the request tried to store (none for a delete), and the failed
    /// write's units go to `tally`.
    fn check(
        &self,
        current: Option<&Item>,
        indexes: &TableIndexes,
        attempted: impl FnOnce() -> Option<u64>,
        tally: &Tally<Consumed>,
    ) -> Result<(), ApiError> {
        let Some(cond) = &self.condition else {
            return Ok(());
        };
        let empty = Item::new();
        if evaluate(cond, current.unwrap_or(&empty)) {
            return Ok(());
        }
        let existing = current.map(|i| indexes.billed_size(i) as u64);
        let units = failed_conditional_write(existing, attempted(), WriteMode::Standard);
        tally.put(Consumed::write(units));
        Err(ApiError::ConditionalCheckFailed {
            item: if self.return_old_on_failure {
                current.map(item_to_json)
            } else {
                None
            },
            consumed: Some(units.units()),
        })
    }
}

/// Reads `ReturnItemCollectionMetrics`; true for `SIZE`.
fn wants_collection_metrics(body: &Value) -> Result<bool, ApiError> {
    Ok(enum_member(body, "ReturnItemCollectionMetrics", "returnItemCollectionMetrics", &["SIZE", "NONE"])?
        == Some("SIZE"))
}

/// Adds `ItemCollectionMetrics` to a write's answer when asked for and the
/// table has local secondary indexes (as DynamoDB does).
async fn with_collection_metrics(
    dp: &DataPlane,
    caller: &Verified,
    t: &CatalogTable,
    pk: &ddb_core::AttributeValue,
    wanted: bool,
    mut out: Value,
) -> Result<Value, ApiError> {
    if !wanted || !collection::applies(t) {
        return Ok(out);
    }
    let snapshot = dp.items.snapshot(&caller.tenant.id).await?;
    let bytes = collection::size(snapshot.as_ref(), t, pk)?;
    if let Value::Object(m) = &mut out {
        m.insert("ItemCollectionMetrics".into(), collection::metrics(t, pk, bytes));
    }
    Ok(out)
}

/// What a write of one item from `old` to `new` consumes, its indexes'
/// writes included (left in `tally`), and its ConsumedCapacity when the
/// request asked for it.
fn write_capacity(
    mode: Option<&str>,
    table: &str,
    indexes: &TableIndexes,
    old: Option<&Item>,
    new: Option<&Item>,
    tally: &Tally<Consumed>,
) -> Option<Value> {
    let size = |i: Option<&Item>| i.map(|i| indexes.billed_size(i) as u64);
    let units = write_change(size(old), size(new), WriteMode::Standard);
    let index_units = indexes.write_units_at(old, new, WriteMode::Standard);
    let mut consumed = Consumed::write(units);
    consumed.add_index_writes(indexes, &index_units);
    tally.put(consumed);
    mode?;
    let mut out = consumed_with_indexes(mode, table, units, &indexes.named(&index_units))?;
    if mode == Some("INDEXES") {
        add_vector_writes(mode, &mut out, indexes.vector_writes(old, new));
    }
    Some(out)
}

fn answer(attributes: Option<Item>, capacity: Option<Value>) -> Value {
    let mut m = Map::new();
    if let Some(a) = attributes.filter(|a| !a.is_empty()) {
        m.insert("Attributes".into(), item_to_json(&a));
    }
    if let Some(c) = capacity {
        m.insert("ConsumedCapacity".into(), c);
    }
    Value::Object(m)
}

fn key_bytes(t: &CatalogTable, pk: &ddb_core::AttributeValue, sk: Option<&ddb_core::AttributeValue>) -> Result<WriteKey, ApiError> {
    let key = t.item_key(pk, sk).map_err(|e| ApiError::Validation(e.to_string()))?;
    Ok(super::batch::write_key(t, key))
}

/// `ReturnValues` of PutItem and DeleteItem: true for ALL_OLD.
fn returns_old(body: &Value) -> Result<bool, ApiError> {
    match str_member(body, "ReturnValues")?.unwrap_or("NONE") {
        "NONE" => Ok(false),
        "ALL_OLD" => Ok(true),
        _ => Err(ApiError::Validation("ReturnValues can only be ALL_OLD or NONE".into())),
    }
}

/// `PutItem`
pub async fn put(dp: &DataPlane, caller: &Verified, catalog: &Catalog, body: Value) -> Result<Value, ApiError> {
    member_constraints(ItemOp::Put, &body)?;
    // DynamoDB's order: the parameter families, the item's values and
    // size, then the condition, and only then the table.
    let is_legacy = families(Write::Put, &body)?;
    let new_item = Values::Enveloped.item(body.get("Item"), "item")?;
    check_item_size(&new_item).map_err(|e| ApiError::Validation(e.to_string()))?;
    let return_old = returns_old(&body)?;
    let metrics = wants_collection_metrics(&body)?;
    let capacity_mode = return_consumed(&body)?.map(str::to_owned);
    let ph = Placeholders::from_body(&body, Values::Enveloped)?;
    let (cond, _) = conditional(Write::Put, &body, &ph, None, is_legacy)?;
    // Only now does the table matter.
    let t = table(catalog, caller, str_member(&body, "TableName")?)?;
    let (pk, sk) = key_of_item(&t, &new_item)?;
    t.indexes.check_local_size(&new_item, false).map_err(|e| ApiError::Validation(e.to_string()))?;
    let key = key_bytes(&t, &pk, sk.as_ref())?;
    let name = t.def.spec.name.clone();
    let indexes = std::sync::Arc::clone(&t.indexes);
    let tally = Tally::default();
    let spent = tally.clone();
    let out = dp
        .items
        .write(
            &caller.tenant.id,
            key,
            Box::new(move |current| {
                cond.check(current.as_ref(), &indexes, || Some(indexes.billed_size(&new_item) as u64), &spent)?;
                let capacity =
                    write_capacity(capacity_mode.as_deref(), &name, &indexes, current.as_ref(), Some(&new_item), &spent);
                let output = answer(if return_old { current } else { None }, capacity);
                Ok(Decision {
                    write: Some(Some(new_item)),
                    output,
                })
            }),
        )
        .await;
    charge_write(dp, caller, &t, &tally, &out);
    with_collection_metrics(dp, caller, &t, &pk, metrics, out?).await
}

/// `DeleteItem`
pub async fn delete(dp: &DataPlane, caller: &Verified, catalog: &Catalog, body: Value) -> Result<Value, ApiError> {
    member_constraints(ItemOp::Delete, &body)?;
    // The parameter families before the key's values, as PutItem (dynalite's
    // deleteItem.js, recorded against DynamoDB).
    let is_legacy = families(Write::Delete, &body)?;
    let key_item = Values::Enveloped.item(body.get("Key"), "key")?;
    let return_old = returns_old(&body).map_err(|e| Write::Delete.envelope(e))?;
    let metrics = wants_collection_metrics(&body)?;
    let capacity_mode = return_consumed(&body)?.map(str::to_owned);
    let ph = Placeholders::from_body(&body, Values::Enveloped)?;
    let (cond, _) = conditional(Write::Delete, &body, &ph, None, is_legacy)?;
    let t = table(catalog, caller, str_member(&body, "TableName")?)?;
    let (pk, sk) = key_match(&t, &key_item)?;
    let key = key_bytes(&t, &pk, sk.as_ref())?;
    let name = t.def.spec.name.clone();
    let indexes = std::sync::Arc::clone(&t.indexes);
    let tally = Tally::default();
    let spent = tally.clone();
    let out = dp
        .items
        .write(
            &caller.tenant.id,
            key,
            Box::new(move |current| {
                cond.check(current.as_ref(), &indexes, || None, &spent)?;
                let capacity = write_capacity(capacity_mode.as_deref(), &name, &indexes, current.as_ref(), None, &spent);
                let write = current.is_some().then_some(None);
                let output = answer(if return_old { current } else { None }, capacity);
                Ok(Decision { write, output })
            }),
        )
        .await;
    charge_write(dp, caller, &t, &tally, &out);
    with_collection_metrics(dp, caller, &t, &pk, metrics, out?).await
}

/// `UpdateItem`
pub async fn update(dp: &DataPlane, caller: &Verified, catalog: &Catalog, body: Value) -> Result<Value, ApiError> {
    update_sized(dp, caller, catalog, body, true).await
}

/// PartiQL's UPDATE: an UpdateItem measured by the finished item alone.
pub async fn update_flat(dp: &DataPlane, caller: &Verified, catalog: &Catalog, body: Value) -> Result<Value, ApiError> {
    update_sized(dp, caller, catalog, body, false).await
}

/// UpdateItem; `statement_sized`: the update expression itself is held to
/// the item size limit too (see [`ddb_core::expr::statement_size`]).
async fn update_sized(
    dp: &DataPlane,
    caller: &Verified,
    catalog: &Catalog,
    body: Value,
    statement_sized: bool,
) -> Result<Value, ApiError> {
    member_constraints(ItemOp::Update, &body)?;
    // The parameter families before the key's values, as PutItem (dynalite's
    // updateItem.js, recorded against DynamoDB).
    let is_legacy = families(Write::Update, &body)?;
    let key_item = Values::Enveloped.item(body.get("Key"), "key")?;
    let return_values = enum_member(
        &body,
        "ReturnValues",
        "returnValues",
        &["NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"],
    )?
    .unwrap_or("NONE")
    .to_owned();
    let capacity_mode = return_consumed(&body)?.map(str::to_owned);
    let metrics = wants_collection_metrics(&body)?;
    let ph = Placeholders::from_body(&body, Values::Enveloped)?;
    let update_src = str_member(&body, "UpdateExpression")?;
    let (cond, upd) = conditional(Write::Update, &body, &ph, update_src, is_legacy)?;
    let t = table(catalog, caller, str_member(&body, "TableName")?)?;
    let (pk, sk) = key_match(&t, &key_item)?;
    let legacy_update = body.get("AttributeUpdates").is_some_and(|v| !v.is_null());
    let key_names: Vec<String> = std::iter::once(t.def.spec.key_schema.hash.name.clone())
        .chain(t.def.spec.key_schema.range.as_ref().map(|r| r.name.clone()))
        .collect();
    if let Some(u) = &upd {
        // DynamoDB's order: key attributes written, index key types the
        // expression fixes, then paths into key attributes.
        let names: Vec<&str> = key_names.iter().map(String::as_str).collect();
        check_key_attributes(u, &names)?;
        t.indexes.check_update_types(u)?;
        let mut paths = Vec::new();
        u.visit_paths(&mut |p| paths.push(p));
        super::item_read::scalar_key_paths(&t.indexes, paths)?;
    }
    let key = key_bytes(&t, &pk, sk.as_ref())?;
    let name = t.def.spec.name.clone();
    let indexes = std::sync::Arc::clone(&t.indexes);
    let mut key_attrs = Item::new();
    key_attrs.insert(t.def.spec.key_schema.hash.name.clone(), pk.clone());
    if let (Some(r), Some(s)) = (&t.def.spec.key_schema.range, sk) {
        key_attrs.insert(r.name.clone(), s);
    }
    let tally = Tally::default();
    let spent = tally.clone();
    let out = dp
        .items
        .write(
            &caller.tenant.id,
            key,
            Box::new(move |current| {
                let existed = current.is_some();
                let updated = || -> Result<Item, ApiError> {
                    let mut new_item = current.clone().unwrap_or_else(|| key_attrs.clone());
                    if let Some(u) = &upd {
                        let names: Vec<&str> = key_names.iter().map(String::as_str).collect();
                        let ctx = UpdateContext {
                            key_attributes: &names,
                            item_existed: existed,
                        };
                        apply_update(u, &mut new_item, &ctx).map_err(|e| {
                            if legacy_update {
                                ddb_core::expr::legacy::attribute_update_error(e)
                            } else {
                                e
                            }
                        })?;
                    }
                    Ok(new_item)
                };
                // The statement's own size is checked before the condition.
                if let (true, false, Some(u)) = (statement_sized, legacy_update, &upd) {
                    if statement_size(u, current.as_ref()) > MAX_ITEM_SIZE {
                        return Err(ApiError::Validation(UPDATED_ITEM_TOO_LARGE.into()));
                    }
                }
                // A failed condition is charged for the item the update
                // would have made, when it can be made.
                cond.check(current.as_ref(), &indexes, || updated().ok().map(|i| indexes.billed_size(&i) as u64), &spent)?;
                if !existed && upd.as_ref().is_some_and(|u| u.only_removes()) {
                    // Removing from an item that does not exist creates
                    // nothing.
                    let capacity = write_capacity(capacity_mode.as_deref(), &name, &indexes, None, None, &spent);
                    return Ok(Decision {
                        write: None,
                        output: answer(None, capacity),
                    });
                }
                let new_item = updated()?;
                if upd.as_ref().is_some_and(|u| indexes.update_retypes_key(u, &new_item)) {
                    return Err(ApiError::Validation(
                        "The update expression attempted to update the secondary index key to unsupported type".into(),
                    ));
                }
                check_updated_item_size(&new_item).map_err(|e| ApiError::Validation(e.to_string()))?;
                indexes.check_local_size(&new_item, true).map_err(|e| ApiError::Validation(e.to_string()))?;
                let capacity =
                    write_capacity(capacity_mode.as_deref(), &name, &indexes, current.as_ref(), Some(&new_item), &spent);
                let attributes = match return_values.as_str() {
                    "ALL_OLD" => current.clone(),
                    "ALL_NEW" => Some(new_item.clone()),
                    "UPDATED_OLD" | "UPDATED_NEW" => {
                        let source = if return_values == "UPDATED_OLD" { current.as_ref() } else { Some(&new_item) };
                        match (source, &upd) {
                            (Some(src), Some(u)) => {
                                let proj = ddb_core::expr::ast::Projection {
                                    paths: u.actions.iter().map(|a| a.path().clone()).collect(),
                                };
                                let mut p = project(&proj, src);
                                for k in &key_names {
                                    if !u.actions.iter().any(|a| &a.path().head == k) {
                                        p.remove(k);
                                    }
                                }
                                Some(p)
                            }
                            _ => None,
                        }
                    }
                    _ => None,
                };
                let output = answer(attributes, capacity);
                Ok(Decision {
                    write: Some(Some(new_item)),
                    output,
                })
            }),
        )
        .await;
    charge_write(dp, caller, &t, &tally, &out);
    with_collection_metrics(dp, caller, &t, &pk, metrics, out?).await
}

