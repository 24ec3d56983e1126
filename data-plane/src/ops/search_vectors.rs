//! `SearchVectors`: the `TopK` items of a table closest to a search vector
//! under one of its vector indexes' distance function.
//!
//! The search is exact: it reads the table's items from one snapshot and
//! scores every item the index holds — one with a vector of the index's
//! dimensions and, when the search schema has a `HASH` attribute, that
//! attribute (a sparse index, as DynamoDB's) — that the
//! `SearchConditionExpression` selects. A vector index therefore has no
//! entries of its own; exact results are what DynamoDB's approximate
//! search approximates. One created with its table is ACTIVE at once; one
//! added by UpdateTable goes through the GSI backfill (CREATING, searches
//! refused) as DynamoDB's does.
//!
//! Results carry the index's projected attributes (the table's key, the
//! search-schema attributes and what `Projection` adds) without the vector
//! itself, unless `ProjectionExpression` names it; a projection naming an
//! attribute the index does not project leaves it out silently.

use std::ops::Bound;

use ddb_core::api::table::VectorIndexSpec;
use ddb_core::expr::ast::{Condition, Projection, Resolved};
use ddb_core::expr::projection::project;
use ddb_core::expr::{parse_condition, parse_projection, ExprKind};
use ddb_core::vector::{f32_text, search_bytes, search_terms, to_f32, top_k, MAX_TOP_K};
use ddb_core::value::json::item_to_json;
use ddb_core::{AttributeValue, Item};
use serde_json::{json, Value};
use storage::Direction;

use crate::auth::Verified;
use crate::catalog::{Catalog, CatalogTable};
use crate::error::ApiError;
use crate::items::layout::{items_prefix, prefix_end};
use crate::items::request::{enum_member, str_member, table, Placeholders, Values};
use crate::items::store::decode;
use crate::DataPlane;

fn validation(msg: impl Into<String>) -> ApiError {
    ApiError::Validation(msg.into())
}

/// The request's search vector, as 32-bit floats.
fn search_vector(body: &Value) -> Result<Vec<f32>, ApiError> {
    let Some(list) = body.get("SearchVector").and_then(Value::as_array) else {
        return Err(ApiError::constraint(
            "Value null at 'searchVector' failed to satisfy constraint: Member must not be null",
        ));
    };
    if list.is_empty() || list.len() > 4096 {
        return Err(ApiError::constraint(format!(
            "Value at 'searchVector' failed to satisfy constraint: Member must have length {}",
            if list.is_empty() { "greater than or equal to 1" } else { "less than or equal to 4096" }
        )));
    }
    const INVALID: &str =
        "Search vector contains invalid values. All values in the search vector must be a 32-bit floating-point number attribute";
    list.iter()
        .map(|v| match v.get("N").and_then(Value::as_str) {
            Some(n) if v.as_object().is_some_and(|o| o.len() == 1) => to_f32(n).map_err(|_| validation(INVALID)),
            _ => Err(validation(INVALID)),
        })
        .collect()
}

/// `TopK`, within 1 to 100.
fn top_k_member(body: &Value) -> Result<usize, ApiError> {
    let k = match body.get("TopK") {
        None | Some(Value::Null) => {
            return Err(ApiError::constraint("Value null at 'topK' failed to satisfy constraint: Member must not be null"))
        }
        Some(v) => v.as_i64().ok_or_else(|| {
            let token = if v.is_number() { "DECIMAL_VALUE" } else { "STRING_VALUE" };
            ApiError::Serialization(format!("{token} can not be converted to an Integer"))
        })?,
    };
    // Below the range too: the refusal names TopK (Alternator's
    // test_searchvectors_topk_bad, run against DynamoDB, for 0 and -3).
    if !(1..=MAX_TOP_K).contains(&k) {
        return Err(validation(format!(
            "Provided TopK value '{k}' is out of valid range. The value must be between 1 and {MAX_TOP_K} inclusive"
        )));
    }
    usize::try_from(k).map_err(|_| validation("TopK is out of range"))
}

/// The attributes a result may show: the index's projection of `item`,
/// the vector (as the index's copy) included.
fn projected(t: &CatalogTable, v: &VectorIndexSpec, item: &Item) -> Item {
    let keys = t.def.spec.key_schema.attrs();
    let is_key = |name: &str| keys.iter().any(|a| a.name == name);
    item.iter()
        .filter(|(name, _)| v.projects(name, is_key))
        .map(|(n, val)| (n.clone(), if *n == v.attribute { f32_copy(val) } else { val.clone() }))
        .collect()
}

/// The index's copy of a vector: each number rounded to a 32-bit float
/// and written as the shortest decimal naming it.
fn f32_copy(value: &AttributeValue) -> AttributeValue {
    let AttributeValue::L(list) = value else { return value.clone() };
    AttributeValue::L(
        list.iter()
            .map(|e| match e {
                AttributeValue::N(n) => to_f32(&n.to_string())
                    .ok()
                    .and_then(|f| ddb_core::Number::parse(&f32_text(f)).ok())
                    .map_or_else(|| e.clone(), AttributeValue::N),
                other => other.clone(),
            })
            .collect(),
    )
}

/// The member constraints of TableName (a name or an ARN) and IndexName.
fn check_names(table_name: Option<&str>, index_name: Option<&str>) -> Result<(), ApiError> {
    let mut c = ddb_core::api::table::Constraints::default();
    match table_name {
        Some(n) => c.length(n, "tableName", 1, 1024),
        None => {
            c.not_null(None::<&String>, "tableName");
        }
    }
    match index_name {
        Some(n) => c.table_name(n, "indexName"),
        None => {
            c.not_null(None::<&String>, "indexName");
        }
    }
    c.finish().map_err(|e| validation(e.to_string()))
}

/// The resolved SearchConditionExpression and ProjectionExpression, every
/// placeholder used.
#[allow(clippy::type_complexity)]
fn expressions(
    body: &Value,
) -> Result<(Option<Condition<Resolved<'static>>>, Option<Projection<Resolved<'static>>>), ApiError> {
    let ph = Placeholders::from_body(body, Values::Current)?;
    let condition_src = str_member(body, "SearchConditionExpression")?;
    let projection_src = str_member(body, "ProjectionExpression")?;
    let mut resolver = ph.resolver()?;
    let condition = match condition_src {
        Some(src) => Some(
            resolver
                .resolve_condition(ExprKind::SearchCondition, &parse_condition(ExprKind::SearchCondition, src)?)?
                .into_owned(),
        ),
        None => None,
    };
    let projection = match projection_src {
        Some(src) => Some(resolver.resolve_projection(&parse_projection(src)?)?.into_owned()),
        None => None,
    };
    resolver.finish()?;
    Ok((condition, projection))
}

/// DynamoDB reads SearchVectors' four required members with a serde
/// deserializer and answers its words: an explicit `null` is a
/// SerializationException (`invalid type: null, expected a string at line
/// 1 column N`), a missing member a ValidationException (`missing field
/// `TableName` at line 1 column N`), before any other check
/// (paritysuite/dynamodb-conformance, us-east-1 and eu-west-2, 2026-10-09).
/// A fractional TopK is refused by the same deserializer (`invalid type:
/// floating point `1.5`, expected i32`), where the other operations
/// truncate integers (Alternator's test_vector_new.py, run against
/// DynamoDB). The column is counted in the body as re-serialized here,
/// which is only done when one of the four is absent or null or TopK is
/// fractional. Other problems go on to the member checks below.
fn required_members(body: &Value) -> Result<(), ApiError> {
    let fractional_k = body.get("TopK").is_some_and(|k| k.is_f64());
    if !fractional_k && ["TableName", "IndexName", "SearchVector", "TopK"].iter().all(|m| body.get(m).is_some_and(|v| !v.is_null())) {
        return Ok(());
    }
    #[derive(serde::Deserialize)]
    struct Required {
        #[serde(rename = "TableName")]
        _table_name: String,
        #[serde(rename = "IndexName")]
        _index_name: String,
        #[serde(rename = "SearchVector")]
        _search_vector: Vec<serde::de::IgnoredAny>,
        #[serde(rename = "TopK")]
        _top_k: i32,
    }
    let Ok(text) = serde_json::to_string(body) else { return Ok(()) };
    match serde_json::from_str::<Required>(&text) {
        Ok(_) => Ok(()),
        Err(e) => {
            let message = e.to_string();
            if message.starts_with("missing field") {
                Err(ApiError::Validation(message))
            } else if message.starts_with("invalid type: null") || message.starts_with("invalid type: floating point") {
                Err(ApiError::Serialization(message))
            } else {
                Ok(())
            }
        }
    }
}

/// `SearchVectors`
pub async fn run(dp: &DataPlane, caller: &Verified, catalog: &Catalog, body: Value) -> Result<Value, ApiError> {
    required_members(&body)?;
    let table_name = str_member(&body, "TableName")?;
    let index_name = str_member(&body, "IndexName")?;
    check_names(table_name, index_name)?;
    let capacity = enum_member(&body, "ReturnConsumedCapacity", "returnConsumedCapacity", &["INDEXES", "TOTAL", "NONE"])?;
    let query = search_vector(&body)?;
    let k = top_k_member(&body)?;
    let index_name = index_name.unwrap_or_default();

    let (condition, projection) = expressions(&body)?;

    let t = table(catalog, caller, table_name)?;
    let Some(v) = t.def.spec.vector_indexes.iter().find(|v| v.name == index_name).cloned() else {
        return Err(validation(format!("The table does not have the specified index: {index_name}")));
    };
    if t.def.creating_indexes.contains(&v.name) {
        return Err(validation(format!("Cannot search backfilling vector index: {index_name}")));
    }
    if query.len() != v.dimensions as usize {
        return Err(validation(format!(
            "Input search vector dimension {} does not match vector index dimension {}",
            query.len(),
            v.dimensions
        )));
    }
    let terms: Vec<(String, AttributeValue)> = match &condition {
        Some(cond) => search_terms(cond)
            .map_err(validation)?
            .into_iter()
            .map(|(n, val)| (n.to_owned(), val.clone()))
            .collect(),
        None => Vec::new(),
    };
    for (name, value) in &terms {
        let Some(attr) = v.search_attr(name) else {
            return Err(validation(format!(
                "SearchConditionExpression must not contain any attributes that is not in SearchSchema. Invalid attribute: {name}"
            )));
        };
        // A constant of another type than the attribute's definition is
        // refused, not left to match nothing (Alternator's
        // test_searchvectors_searchschema_type_verification); worded as
        // Query words a key condition's.
        if value.type_tag() != attr.ty.as_str() {
            return Err(validation("One or more parameter values were invalid: Condition parameter type does not match schema type"));
        }
    }
    if let Some(hash) = v.hash() {
        if !terms.iter().any(|(n, _)| *n == hash.name) {
            return Err(validation("SearchConditionExpression must be provided when SearchSchema has a HASH key"));
        }
    }

    let snapshot = dp.items.snapshot(&caller.tenant.id).await?;
    let table_for_read = std::sync::Arc::clone(&t);
    let index = v.clone();
    let work = move || -> Result<(Vec<(f64, Item)>, usize), ApiError> {
        let prefix = items_prefix(&table_for_read.record.id);
        let end = prefix_end(&prefix);
        let iter = snapshot
            .range(
                Bound::Included(prefix.as_slice()),
                end.as_deref().map_or(Bound::Unbounded, Bound::Excluded),
                Direction::Forward,
            )
            .map_err(crate::items::store::storage_error)?;
        let mut scored = Vec::new();
        let mut examined = 0usize;
        for entry in iter {
            let (_, bytes) = entry.map_err(crate::items::store::storage_error)?;
            let item = decode(&bytes)?;
            let Some(vector) = index.holds(&item) else { continue };
            if !terms.iter().all(|(n, val)| item.get(n) == Some(val)) {
                continue;
            }
            examined += 1;
            scored.push((index.distance.score(&query, &vector), item));
        }
        Ok((top_k(scored, k, index.distance), examined))
    };
    let (best, examined) = tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::Internal(format!("search task failed: {e}")))??;

    let results: Vec<Value> = best
        .into_iter()
        .map(|(score, item)| {
            let mut shown = projected(&t, &v, &item);
            let shown = match &projection {
                Some(p) => project(p, &shown),
                None => {
                    shown.remove(&v.attribute);
                    shown
                }
            };
            json!({ "Item": item_to_json(&shown), "Score": score })
        })
        .collect();
    let mut out = serde_json::Map::new();
    out.insert("SearchResults".into(), Value::Array(results));
    if matches!(capacity, Some("TOTAL" | "INDEXES")) {
        out.insert(
            "ConsumedCapacity".into(),
            json!({ "VectorSearchRequestBytes": search_bytes(examined, v.dimensions) as f64 }),
        );
    }
    Ok(Value::Object(out))
}
