//! ExecuteStatement: one statement. A SELECT answers a page of `Items`
//! with `NextToken` (and `LastEvaluatedKey`) when there is more; the token
//! carries the page's LastEvaluatedKey, bound to the statement and its
//! parameters. A write answers `Items: []`, or the one item its RETURNING
//! clause asked for (none when that projection is empty); INSERT of an
//! existing key is `DuplicateItemException`.

use ddb_core::partiql::token;
use ddb_core::partiql::translate::{Kind, Surface};
use serde_json::{json, Map, Value};

use super::{copy_member, parameters, parse_statement, renamed, run, statement_text, translate};
use crate::auth::Verified;
use crate::catalog::Catalog;
use crate::error::ApiError;
use crate::DataPlane;

/// `ExecuteStatement`
pub async fn execute_statement(dp: &DataPlane, caller: &Verified, catalog: &Catalog, body: Value) -> Result<Value, ApiError> {
    let text = statement_text(body.get("Statement"), "statement")?;
    let params = parameters(body.get("Parameters"), "parameters")?;
    let next_token = match body.get("NextToken") {
        None | Some(Value::Null) => None,
        Some(Value::String(t)) => Some(t.as_str()),
        Some(_) => return Err(ApiError::Serialization("NUMBER_VALUE cannot be converted to String".into())),
    };
    let stmt = parse_statement(text, &params)?;
    let (_, plan) = translate(catalog, caller, &stmt, Surface::ExecuteStatement)?;
    let mut extra = Map::new();
    copy_member(&body, &mut extra, "ReturnConsumedCapacity");
    let fingerprint = token::fingerprint(text, body.get("Parameters"));
    if matches!(plan.kind, Kind::Query | Kind::Scan) {
        copy_member(&body, &mut extra, "ConsistentRead");
        copy_member(&body, &mut extra, "Limit");
        if let Some(t) = next_token {
            let start = token::decode(t, fingerprint).map_err(|e| ApiError::Validation(e.message().to_owned()))?;
            extra.insert("ExclusiveStartKey".into(), start);
        }
    } else {
        copy_member(&body, &mut extra, "ReturnValuesOnConditionCheckFailure");
        if stmt.is_read() {
            copy_member(&body, &mut extra, "ConsistentRead");
        }
    }
    let out = run(dp, caller, catalog, &plan, extra).await?;
    let mut answer = Map::new();
    let items: Vec<Value> = match plan.kind {
        Kind::Query | Kind::Scan => out
            .get("Items")
            .and_then(Value::as_array)
            .map(|list| list.iter().map(|i| renamed(i, &plan)).collect())
            .unwrap_or_default(),
        Kind::GetItem => out.get("Item").map(|i| renamed(i, &plan)).into_iter().collect(),
        _ => out.get("Attributes").cloned().into_iter().collect(),
    };
    answer.insert("Items".into(), Value::Array(items));
    if let Some(lek) = out.get("LastEvaluatedKey") {
        answer.insert("NextToken".into(), json!(token::encode(fingerprint, lek)));
        answer.insert("LastEvaluatedKey".into(), lek.clone());
    }
    copy_member(&out, &mut answer, "ConsumedCapacity");
    Ok(Value::Object(answer))
}
