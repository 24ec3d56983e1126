//! ExecuteTransaction: 1–100 statements, all reads (SELECTs naming the
//! whole primary key, run as TransactGetItems) or all writes (INSERT,
//! UPDATE, DELETE and `EXISTS(SELECT …)` condition checks, run as
//! TransactWriteItems), so atomicity, cancellation reasons, capacity and
//! ClientRequestToken idempotency are TransactWriteItems'. A statement's
//! validation error fails the whole request as `Validation failed in
//! TransactStatements[i]: …`; RETURNING and index reads are refused
//! (messages recorded against DynamoDB by the dynamodb-conformance suite).
//! An INSERT whose key exists cancels the transaction with reason
//! `DuplicateItem` (our reading of BatchStatementError's code; DynamoDB's
//! reason code for it was not found recorded).

use ddb_core::partiql::translate::{Kind, Plan, Surface};
use ddb_core::partiql::Statement;
use ddb_core::value::json::EMPTY_ATTRIBUTE_NAME;
use serde_json::{json, Map, Value};

use super::{
    copy_member, empty_name_in, parameter_list, parse_statement, read_parameters, renamed, reword, statement_text, translate,
};
use crate::auth::Verified;
use crate::catalog::Catalog;
use crate::error::ApiError;
use crate::DataPlane;

/// Statements one transaction may carry.
const MAX_STATEMENTS: usize = 100;

fn statements(body: &Value) -> Result<&Vec<Value>, ApiError> {
    match body.get("TransactStatements") {
        None | Some(Value::Null) => Err(ApiError::constraint(
            "Value null at 'transactStatements' failed to satisfy constraint: Member must not be null",
        )),
        Some(Value::Array(list)) if list.is_empty() => Err(ApiError::constraint(
            "Value '[]' at 'transactStatements' failed to satisfy constraint: Member must have length greater than or equal to 1",
        )),
        Some(Value::Array(list)) if list.len() > MAX_STATEMENTS => Err(ApiError::constraint(format!(
            "Value at 'transactStatements' failed to satisfy constraint: Member must have length less than or equal to {MAX_STATEMENTS}"
        ))),
        Some(Value::Array(list)) => Ok(list),
        Some(_) => Err(ApiError::Serialization("Start of list found where not expected".into())),
    }
}

fn failed_in(i: usize, e: ApiError) -> ApiError {
    match e {
        ApiError::Validation(m) => ApiError::Validation(format!("Validation failed in TransactStatements[{i}]: {m}")),
        other => other,
    }
}

/// `ExecuteTransaction`
pub async fn execute_transaction(dp: &DataPlane, caller: &Verified, catalog: &Catalog, body: Value) -> Result<Value, ApiError> {
    let list = statements(&body)?;
    // Every statement's members, then every statement's parameters (an
    // empty attribute name in any of them first), are checked before any
    // statement is parsed; a refused parameter fails the whole request
    // with the bare message (nubo-db's dynoxide 3.0.0, captures of
    // 2026-10-09).
    let mut members: Vec<(&str, &[Value])> = Vec::with_capacity(list.len());
    for (i, s) in list.iter().enumerate() {
        let member = |m: &str| format!("transactStatements.{}.member.{m}", i + 1);
        let text = statement_text(s.get("Statement"), &member("statement"))?;
        members.push((text, parameter_list(s.get("Parameters"), &member("parameters"))?));
    }
    if members.iter().any(|(_, params)| empty_name_in(params)) {
        return Err(ApiError::Validation(EMPTY_ATTRIBUTE_NAME.into()));
    }
    let mut read = Vec::with_capacity(members.len());
    for (text, params) in members {
        read.push((text, read_parameters(params)??));
    }
    let mut stmts: Vec<(Statement, &Value)> = Vec::with_capacity(list.len());
    for (i, ((text, params), s)) in read.into_iter().zip(list).enumerate() {
        stmts.push((parse_statement(text, &params).map_err(|e| failed_in(i, e))?, s));
    }
    let mut plans: Vec<(Statement, Plan, &Value)> = Vec::with_capacity(stmts.len());
    for (i, (stmt, spec)) in stmts.into_iter().enumerate() {
        if stmt.returning().is_some() {
            return Err(failed_in(i, ApiError::Validation("RETURNING clause is not supported in ExecuteTransaction.".into())));
        }
        let (_, plan) = translate(catalog, caller, &stmt, Surface::Transaction).map_err(|e| failed_in(i, e))?;
        plans.push((stmt, plan, spec));
    }
    let reads = plans.iter().filter(|(s, ..)| s.is_read()).count();
    if reads > 0 && reads < plans.len() {
        // Recorded against DynamoDB (dynoxide's execute_transaction tests)
        // and DynamoDB Local's wording.
        return Err(ApiError::Validation(
            "ExecuteTransaction API does not support both read and write operations in the same request.".into(),
        ));
    }
    let mut inner = Map::new();
    copy_member(&body, &mut inner, "ReturnConsumedCapacity");
    if reads > 0 {
        let items: Vec<Value> = plans.iter().map(|(_, p, _)| json!({ "Get": p.body })).collect();
        inner.insert("TransactItems".into(), Value::Array(items));
        let request = Value::Object(inner);
        dp.throttle.check(caller, catalog, ddb_core::Operation::TransactGetItems, &request)?;
        let out = super::super::transact::transact_get(dp, caller, catalog, request).await.map_err(reword)?;
        let responses: Vec<Value> = out
            .get("Responses")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .zip(&plans)
                    .map(|(r, (_, p, _))| match r.get("Item") {
                        Some(item) => json!({ "Item": renamed(item, p) }),
                        None => json!({}),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut answer = Map::new();
        answer.insert("Responses".into(), Value::Array(responses));
        copy_member(&out, &mut answer, "ConsumedCapacity");
        return Ok(Value::Object(answer));
    }
    copy_member(&body, &mut inner, "ClientRequestToken");
    let items: Vec<Value> = plans
        .iter()
        .map(|(_, p, spec)| {
            let mut element = p.body.clone();
            if let Value::Object(m) = &mut element {
                copy_member(spec, m, "ReturnValuesOnConditionCheckFailure");
            }
            let member = match p.kind {
                Kind::PutItem => "Put",
                Kind::UpdateItem => "Update",
                Kind::DeleteItem => "Delete",
                _ => "ConditionCheck",
            };
            let mut m = Map::new();
            m.insert(member.to_owned(), element);
            Value::Object(m)
        })
        .collect();
    inner.insert("TransactItems".into(), Value::Array(items));
    let request = Value::Object(inner);
    dp.throttle.check(caller, catalog, ddb_core::Operation::TransactWriteItems, &request)?;
    let out = match super::super::transact::transact_write(dp, caller, catalog, request).await {
        Ok(out) => out,
        Err(ApiError::TransactionCanceled { mut reasons }) => {
            for (r, (_, p, _)) in reasons.iter_mut().zip(&plans) {
                if p.kind == Kind::PutItem && r.code == "ConditionalCheckFailed" {
                    r.code = "DuplicateItem";
                    r.message = Some("Duplicate primary key exists in table".into());
                    r.item = None;
                }
            }
            return Err(ApiError::TransactionCanceled { reasons });
        }
        Err(e) => return Err(reword(e)),
    };
    let mut answer = Map::new();
    answer.insert("Responses".into(), Value::Array(Vec::new()));
    copy_member(&out, &mut answer, "ConsumedCapacity");
    Ok(Value::Object(answer))
}
