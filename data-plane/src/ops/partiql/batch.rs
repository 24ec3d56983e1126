//! BatchExecuteStatement: 1–25 statements, all reads or all writes, each
//! run on its own (not atomically) in request order. A read must name the
//! whole primary key (a GetItem). Each statement answers in
//! `Responses[i]`: `{TableName, Item?}`, or `{Error: {Code, Message},
//! TableName?}` — the table only when the statement got as far as running
//! against it (recorded against DynamoDB by the dynamodb-conformance
//! suite). ReturnValuesOnConditionCheckFailure is accepted and, as in
//! DynamoDB, returns no item. ConsumedCapacity is summed per table.

use ddb_core::partiql::translate::Surface;
use ddb_core::partiql::Statement;
use serde_json::{json, Map, Value};

use super::{
    copy_member, in_partiql_words, parameter_list, parse_statement, read_parameters, renamed, run_unworded, statement_text,
    translate,
};
use crate::auth::Verified;
use crate::catalog::Catalog;
use crate::error::ApiError;
use crate::DataPlane;

/// Statements one batch may carry.
const MAX_STATEMENTS: usize = 25;

/// The `Statements` list, checked.
fn statements(body: &Value) -> Result<&Vec<Value>, ApiError> {
    match body.get("Statements") {
        None | Some(Value::Null) => Err(ApiError::constraint(
            "Value null at 'statements' failed to satisfy constraint: Member must not be null",
        )),
        Some(Value::Array(list)) if list.is_empty() => Err(ApiError::constraint(
            "Value '[]' at 'statements' failed to satisfy constraint: Member must have length greater than or equal to 1",
        )),
        Some(Value::Array(list)) if list.len() > MAX_STATEMENTS => Err(ApiError::constraint(format!(
            "Value at 'statements' failed to satisfy constraint: Member must have length less than or equal to {MAX_STATEMENTS}"
        ))),
        Some(Value::Array(list)) => Ok(list),
        Some(_) => Err(ApiError::Serialization("Start of list found where not expected".into())),
    }
}

/// A statement's failure as `BatchStatementError` names it.
fn error_code(e: &ApiError) -> &'static str {
    match e {
        ApiError::ConditionalCheckFailed { .. } => "ConditionalCheckFailed",
        ApiError::DuplicateItem => "DuplicateItem",
        ApiError::ResourceNotFound(_) | ApiError::TableNotFound(_) => "ResourceNotFound",
        ApiError::ItemCollectionSizeLimitExceeded => "ItemCollectionSizeLimitExceeded",
        ApiError::RequestLimitExceeded { .. } => "RequestLimitExceeded",
        ApiError::ProvisionedThroughputExceeded { .. } => "ProvisionedThroughputExceeded",
        ApiError::Throttling { .. } => "ThrottlingError",
        ApiError::AccessDenied(_) => "AccessDenied",
        ApiError::Internal(_) | ApiError::ServiceUnavailable => "InternalServerError",
        _ => "ValidationError",
    }
}

fn error_entry(e: &ApiError, table: Option<&str>) -> Value {
    let message = match e {
        ApiError::Internal(detail) => {
            tracing::error!(error = %detail, "internal error in a batch statement");
            "Internal server error".to_owned()
        }
        other => other.to_string(),
    };
    let mut m = Map::new();
    m.insert("Error".into(), json!({ "Code": error_code(e), "Message": message }));
    if let Some(t) = table {
        m.insert("TableName".into(), json!(t));
    }
    Value::Object(m)
}

/// Adds the numbers of `add` to `into`, member by member.
pub(crate) fn add_capacity(into: &mut Value, add: &Value) {
    let (Value::Object(a), Value::Object(b)) = (into, add) else {
        return;
    };
    for (k, v) in b {
        match (a.get_mut(k), v) {
            (Some(Value::Number(x)), Value::Number(y)) => {
                let sum = x.as_f64().unwrap_or(0.0) + y.as_f64().unwrap_or(0.0);
                a.insert(k.clone(), json!(sum));
            }
            (Some(x @ Value::Object(_)), Value::Object(_)) => add_capacity(x, v),
            (None, _) => {
                a.insert(k.clone(), v.clone());
            }
            _ => {}
        }
    }
}

/// `BatchExecuteStatement`
pub async fn batch_execute_statement(dp: &DataPlane, caller: &Verified, catalog: &Catalog, body: Value) -> Result<Value, ApiError> {
    let list = statements(&body)?;
    // Member constraints first, for the whole request.
    let mut parsed = Vec::with_capacity(list.len());
    for (i, s) in list.iter().enumerate() {
        let member = |m: &str| format!("statements.{}.member.{m}", i + 1);
        let text = statement_text(s.get("Statement"), &member("statement"))?;
        // A parameter DynamoDB refuses fails only its statement.
        let params = read_parameters(parameter_list(s.get("Parameters"), &member("parameters"))?)?;
        parsed.push((text, params.and_then(|params| parse_statement(text, &params))));
    }
    let reads = parsed.iter().filter(|(_, p)| matches!(p, Ok(st) if st.is_read())).count();
    let writes = parsed.iter().filter(|(_, p)| matches!(p, Ok(st) if !st.is_read())).count();
    if reads > 0 && writes > 0 {
        // DynamoDB Local's wording (AWS's PartiQL front end).
        return Err(ApiError::Validation("Read and write requests together in the same batch is not supported.".into()));
    }
    let mut responses = Vec::with_capacity(parsed.len());
    let mut capacity: Vec<Value> = Vec::new();
    for ((_, stmt), spec) in parsed.into_iter().zip(list) {
        let stmt: Statement = match stmt {
            Ok(s) => s,
            Err(e) => {
                responses.push(error_entry(&e, None));
                continue;
            }
        };
        let (t, plan) = match translate(catalog, caller, &stmt, Surface::Batch) {
            Ok(x) => x,
            Err(e) => {
                responses.push(error_entry(&e, None));
                continue;
            }
        };
        let table = t.record.name.clone();
        let mut extra = Map::new();
        copy_member(&body, &mut extra, "ReturnConsumedCapacity");
        if stmt.is_read() {
            copy_member(spec, &mut extra, "ConsistentRead");
        }
        match run_unworded(dp, caller, catalog, &plan, extra).await {
            Ok(out) => {
                let mut entry = Map::new();
                entry.insert("TableName".into(), json!(table));
                let item = if stmt.is_read() {
                    out.get("Item").map(|i| renamed(i, &plan))
                } else {
                    out.get("Attributes").cloned()
                };
                if let Some(item) = item {
                    entry.insert("Item".into(), item);
                }
                if let Some(c) = out.get("ConsumedCapacity") {
                    let same = capacity
                        .iter_mut()
                        .find(|x| x.get("TableName") == c.get("TableName"));
                    match same {
                        Some(x) => add_capacity(x, c),
                        None => capacity.push(c.clone()),
                    }
                }
                responses.push(Value::Object(entry));
            }
            Err(e) => {
                // A write whose condition failed is charged what it
                // attempted: on the table's total, not on its Table or
                // index figures (dynoxide's batch_statement_member_fields
                // tests, measured against DynamoDB in eu-west-2).
                if let ApiError::ConditionalCheckFailed { consumed: Some(units), .. } = &e {
                    let charged = json!({ "TableName": table, "CapacityUnits": units });
                    match capacity.iter_mut().find(|x| x.get("TableName") == charged.get("TableName")) {
                        Some(x) => add_capacity(x, &json!({ "CapacityUnits": units })),
                        None => capacity.push(charged),
                    }
                }
                responses.push(error_entry(&in_partiql_words(&plan, e), Some(&table)));
            }
        }
    }
    let mut answer = Map::new();
    answer.insert("Responses".into(), Value::Array(responses));
    if body.get("ReturnConsumedCapacity").and_then(Value::as_str).is_some_and(|m| m != "NONE") {
        answer.insert("ConsumedCapacity".into(), Value::Array(capacity));
    }
    Ok(Value::Object(answer))
}
