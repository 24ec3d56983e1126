//! What every item operation shares: finding the table, reading items and
//! keys out of DynamoDB JSON with DynamoDB's key checks, resolving
//! expression placeholders, and reporting consumed capacity.

use std::collections::HashMap;
use std::sync::Arc;

use ddb_core::api::table::{KeyAttr, ScalarType};
use ddb_core::capacity::HalfUnits;
use ddb_core::expr::ExprError;
use ddb_core::value::json::{attribute_value_from_json_layer, item_from_json_layer, Layer, Slot, ValueError};
use ddb_core::{AttributeValue, Item};
use serde_json::{json, Map, Value};

use crate::auth::Verified;
use crate::catalog::{Catalog, CatalogTable};
use crate::error::ApiError;
use crate::items::index::IndexUnits;

impl From<ValueError> for ApiError {
    fn from(e: ValueError) -> Self {
        match e {
            ValueError::Serialization(m) => ApiError::Serialization(m),
            ValueError::Validation(m) => ApiError::Validation(m),
        }
    }
}

/// How an operation reads attribute values and reports a bad one.
/// DynamoDB runs one of two validation layers (see
/// [`ddb_core::value::json::Layer`]); the single-item writes put every
/// value message of theirs in the `1 validation error detected: ` envelope,
/// and only the older layer names a bad expression attribute value
/// (`ExpressionAttributeValues contains invalid value: … for key :v`).
/// paritysuite `valueLayers.test.ts`, captured against DynamoDB 2026-10-09.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Values {
    /// PutItem, UpdateItem, DeleteItem.
    Enveloped,
    /// GetItem, BatchGetItem, Query.
    Current,
    /// BatchWriteItem, TransactWriteItems, TransactGetItems, Scan and
    /// PartiQL parameters.
    Older,
}

impl Values {
    /// The layer whose wording values are read in.
    pub fn layer(self) -> Layer {
        match self {
            Values::Older => Layer::Older,
            Values::Enveloped | Values::Current => Layer::Current,
        }
    }

    /// A bad value in an item, a key or a legacy condition.
    pub fn error(self, e: ValueError) -> ApiError {
        match self {
            Values::Enveloped => as_constraint(e.into()),
            Values::Current | Values::Older => e.into(),
        }
    }

    /// "Empty attribute name", worded for this layer (nubo-db's captures,
    /// 2026-10-09: inside the envelope for PutItem, UpdateItem and
    /// DeleteItem, bare elsewhere).
    pub fn empty_name(self) -> ApiError {
        self.error(empty_name())
    }

    /// A bad value of the expression attribute value `key`.
    fn placeholder_error(self, key: &str, e: ValueError) -> ApiError {
        match (self, &e) {
            (_, ValueError::Validation(m)) if m == ddb_core::value::json::NAME_TOO_LARGE => e.into(),
            (Values::Older, ValueError::Validation(_)) => invalid_value(key, e),
            _ => self.error(e),
        }
    }

    /// One attribute value (a legacy condition's operand, say).
    pub fn value(self, v: &Value, slot: Slot) -> Result<AttributeValue, ApiError> {
        attribute_value_from_json_layer(v, slot, self.layer()).map_err(|e| self.error(e))
    }

    /// An item or key from DynamoDB JSON (`member` names it when absent).
    /// No attribute name in it, at the top or as a key of a map value at
    /// any depth, may be empty, which DynamoDB checks before the values:
    /// the bare message in transactions, batches and reads, inside the
    /// validation envelope for PutItem, UpdateItem and DeleteItem
    /// (conformance captures in ten regions, 2026-10-09).
    pub fn item(self, v: Option<&Value>, member: &str) -> Result<Item, ApiError> {
        if matches!(member, "item" | "key") && v.and_then(Value::as_object).is_some_and(ddb_core::value::json::names_empty_attribute) {
            return Err(self.empty_name());
        }
        match v {
            Some(v) => item_from_json_layer(v, self.layer()).map_err(|e| self.error(e)),
            None => Err(ApiError::Validation(format!(
                "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
            ))),
        }
    }
}

fn empty_name() -> ValueError {
    ValueError::Validation(ddb_core::value::json::EMPTY_ATTRIBUTE_NAME.into())
}

/// A ValidationException as one failed constraint (`1 validation error
/// detected: …`), unless it lists its constraints already.
pub fn as_constraint(e: ApiError) -> ApiError {
    match e {
        ApiError::Validation(m) if !m.starts_with(|c: char| c.is_ascii_digit()) => ApiError::constraint(m),
        other => other,
    }
}

impl From<ExprError> for ApiError {
    fn from(e: ExprError) -> Self {
        ApiError::Validation(e.message().to_owned())
    }
}

/// The caller's table `name`, checked against DynamoDB's name constraints.
pub fn table(catalog: &Catalog, caller: &Verified, name: Option<&str>) -> Result<Arc<CatalogTable>, ApiError> {
    let input = ddb_core::api::table::TableNameInput {
        table_name: name.map(str::to_owned),
    };
    let name = input.validate().map_err(ApiError::Validation)?;
    catalog
        .table(caller.space(), name)
        .cloned()
        .ok_or_else(|| ApiError::ResourceNotFound("Requested resource not found".into()))
}

/// The member constraints of a single-item operation, all reported at once.
pub fn member_constraints(op: ddb_core::api::items::ItemOp, body: &Value) -> Result<(), ApiError> {
    ddb_core::api::items::constraints(op, body).map_err(|e| ApiError::Validation(e.to_string()))
}

/// An item from DynamoDB JSON, in the current layer's bare wording.
pub fn item(v: Option<&Value>, member: &str) -> Result<Item, ApiError> {
    Values::Current.item(v, member)
}


fn type_matches(v: &AttributeValue, ty: ScalarType) -> bool {
    matches!(
        (v, ty),
        (AttributeValue::S(_), ScalarType::S) | (AttributeValue::N(_), ScalarType::N) | (AttributeValue::B(_), ScalarType::B)
    )
}

fn check_key_value(attr: &KeyAttr, v: &AttributeValue) -> Result<(), ApiError> {
    if !type_matches(v, attr.ty) {
        return Err(ApiError::Validation(format!(
            "One or more parameter values were invalid: Type mismatch for key {} expected: {} actual: {}",
            attr.name,
            attr.ty.as_str(),
            v.type_tag()
        )));
    }
    check_key_not_empty(&attr.name, v)
}

/// A key value may not be an empty string or binary (items, keys and a
/// Query's partition value alike).
pub fn check_key_not_empty(name: &str, v: &AttributeValue) -> Result<(), ApiError> {
    let kind = match v {
        AttributeValue::S(s) if s.is_empty() => "string",
        AttributeValue::B(b) if b.is_empty() => "binary",
        _ => return Ok(()),
    };
    Err(ApiError::Validation(format!(
        "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty {kind} value. Key: {name}"
    )))
}

fn check_key_size(attr_is_sort: bool, v: &AttributeValue) -> Result<(), ApiError> {
    let r = if attr_is_sort {
        ddb_core::size::check_sort_key_size(v)
    } else {
        ddb_core::size::check_partition_key_size(v)
    };
    r.map_err(|e| ApiError::Validation(e.to_string()))
}

/// The primary key of a full item (PutItem): every key attribute present,
/// of its declared type, not empty.
pub fn key_of_item(t: &CatalogTable, item: &Item) -> Result<(AttributeValue, Option<AttributeValue>), ApiError> {
    let ks = &t.def.spec.key_schema;
    let get = |attr: &KeyAttr, sort: bool| -> Result<AttributeValue, ApiError> {
        let v = item.get(&attr.name).ok_or_else(|| {
            ApiError::Validation(format!(
                "One or more parameter values were invalid: Missing the key {} in the item",
                attr.name
            ))
        })?;
        check_key_value(attr, v)?;
        check_key_size(sort, v)?;
        Ok(v.clone())
    };
    let pk = get(&ks.hash, false)?;
    let sk = ks.range.as_ref().map(|r| get(r, true)).transpose()?;
    Ok((pk, sk))
}

/// The primary key of a `Key` member (GetItem, UpdateItem, DeleteItem):
/// exactly the key attributes, within the key size limits.
pub fn key_of_key(t: &CatalogTable, key: Option<&Value>) -> Result<(AttributeValue, Option<AttributeValue>), ApiError> {
    key_match(t, &item(key, "key")?)
}

/// A `Key` member already read (its values checked, as DynamoDB checks
/// them before it looks at the table), matched against the key schema.
pub fn key_match(t: &CatalogTable, key: &Item) -> Result<(AttributeValue, Option<AttributeValue>), ApiError> {
    let ks = &t.def.spec.key_schema;
    let expected = 1 + usize::from(ks.range.is_some());
    let mismatch = || ApiError::Validation("The provided key element does not match the schema".into());
    if key.len() != expected {
        return Err(mismatch());
    }
    let pk = key.get(&ks.hash.name).ok_or_else(mismatch)?;
    if !type_matches(pk, ks.hash.ty) {
        return Err(mismatch());
    }
    check_key_value(&ks.hash, pk)?;
    check_key_size(false, pk)?;
    let sk = match &ks.range {
        Some(r) => {
            let v = key.get(&r.name).ok_or_else(mismatch)?;
            if !type_matches(v, r.ty) {
                return Err(mismatch());
            }
            check_key_value(r, v)?;
            check_key_size(true, v)?;
            Some(v.clone())
        }
        None => None,
    };
    Ok((pk.clone(), sk))
}

/// The checks DynamoDB makes on key values before it compares a key with
/// the schema: no empty string or binary, and within the key size limits.
/// Only attributes of the declared type are looked at; a missing or
/// mistyped key is left to [`key_of_item`] / [`key_of_key`], which batch
/// and transaction operations report differently from PutItem.
pub fn check_key_values(t: &CatalogTable, item: &Item) -> Result<(), ApiError> {
    for (attr, sort, v) in typed_key_values(t, item) {
        check_key_value(attr, v)?;
        check_key_size(sort, v)?;
    }
    Ok(())
}

/// [`check_key_values`] for a transaction's action: an empty key value is
/// refused outright, a key over its size limit answers the message its
/// action is cancelled with (ExtendDB's captures of DynamoDB, 2026-07).
pub fn check_action_key_values(t: &CatalogTable, item: &Item) -> Result<Option<String>, ApiError> {
    for (attr, _, v) in typed_key_values(t, item) {
        check_key_value(attr, v)?;
    }
    Ok(typed_key_values(t, item).find_map(|(_, sort, v)| check_key_size(sort, v).err().map(|e| e.to_string())))
}

/// The key attributes `item` holds with their declared types: (attribute,
/// is the sort key, value).
fn typed_key_values<'a>(t: &'a CatalogTable, item: &'a Item) -> impl Iterator<Item = (&'a KeyAttr, bool, &'a AttributeValue)> {
    let ks = &t.def.spec.key_schema;
    std::iter::once((&ks.hash, false))
        .chain(ks.range.as_ref().map(|r| (r, true)))
        .filter_map(|(attr, sort)| item.get(&attr.name).filter(|v| type_matches(v, attr.ty)).map(|v| (attr, sort, v)))
}

/// The key attributes of `item`, as a key map.
pub fn key_item(t: &CatalogTable, item: &Item) -> Item {
    let ks = &t.def.spec.key_schema;
    let mut out = Item::new();
    for a in std::iter::once(&ks.hash).chain(ks.range.as_ref()) {
        if let Some(v) = item.get(&a.name) {
            out.insert(a.name.clone(), v.clone());
        }
    }
    out
}

/// An invalid value of `ExpressionAttributeValues`, named by its key.
fn invalid_value(key: &str, e: ValueError) -> ApiError {
    ApiError::Validation(format!("ExpressionAttributeValues contains invalid value: {} for key {key}", e.message()))
}

/// `ExpressionAttributeNames` and `ExpressionAttributeValues` of a request.
#[derive(Debug, Default)]
pub struct Placeholders {
    pub names: Option<HashMap<String, String>>,
    pub values: Option<HashMap<String, AttributeValue>>,
}

impl Placeholders {
    /// Reads both maps from the request body, the values as `values` reads
    /// and reports them.
    pub fn from_body(body: &Value, values: Values) -> Result<Placeholders, ApiError> {
        let names = match body.get("ExpressionAttributeNames") {
            None | Some(Value::Null) => None,
            Some(Value::Object(m)) => Some(
                m.iter()
                    .map(|(k, v)| match v {
                        Value::String(s) => Ok((k.clone(), super::legacy::name(s)?.to_owned())),
                        _ => Err(ApiError::Serialization("NUMBER_VALUE cannot be converted to String".into())),
                    })
                    .collect::<Result<HashMap<_, _>, _>>()?,
            ),
            Some(_) => return Err(ApiError::Serialization("Unexpected value type in payload".into())),
        };
        let values = match body.get("ExpressionAttributeValues") {
            None | Some(Value::Null) => None,
            Some(Value::Object(m)) => {
                ddb_core::expr::resolve::check_value_keys(m.keys().map(String::as_str))?;
                // An empty name in any value comes before the values' other
                // problems, the first such key in key order (nubo-db's
                // captures, 2026-10-09).
                if let Some((k, _)) = m.iter().find(|(_, v)| ddb_core::value::json::value_names_empty_attribute(v)) {
                    return Err(values.placeholder_error(k, empty_name()));
                }
                let mut out = HashMap::with_capacity(m.len());
                for (k, v) in m {
                    let av = attribute_value_from_json_layer(v, Slot::Value, values.layer())
                        .map_err(|e| values.placeholder_error(k, e))?;
                    out.insert(k.clone(), av);
                }
                Some(out)
            }
            Some(_) => return Err(ApiError::Serialization("Unexpected value type in payload".into())),
        };
        Ok(Placeholders { names, values })
    }

    /// A resolver over these maps.
    pub fn resolver(&self) -> Result<ddb_core::expr::resolve::Resolver<'_>, ExprError> {
        ddb_core::expr::resolve::Resolver::new(
            self.names.as_ref().map(|n| n as &dyn ddb_core::expr::resolve::NameSource),
            self.values.as_ref().map(|v| v as &dyn ddb_core::expr::resolve::ValueSource),
        )
    }
}

/// A string member, or `None`.
pub fn str_member<'a>(body: &'a Value, name: &str) -> Result<Option<&'a str>, ApiError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(Value::Number(_)) => Err(ApiError::Serialization("NUMBER_VALUE cannot be converted to String".into())),
        Some(_) => Err(ApiError::Serialization("Unexpected value type in payload".into())),
    }
}

/// An enumerated string member checked against its allowed values.
pub fn enum_member<'a>(body: &'a Value, name: &str, path: &str, allowed: &[&str]) -> Result<Option<&'a str>, ApiError> {
    let v = str_member(body, name)?;
    if let Some(v) = v {
        if !allowed.contains(&v) {
            return Err(ApiError::Validation(format!(
                "1 validation error detected: Value '{v}' at '{path}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                allowed.join(", ")
            )));
        }
    }
    Ok(v)
}

/// `ReturnConsumedCapacity`: NONE, TOTAL or INDEXES.
pub fn return_consumed(body: &Value) -> Result<Option<&str>, ApiError> {
    Ok(enum_member(body, "ReturnConsumedCapacity", "returnConsumedCapacity", &["INDEXES", "TOTAL", "NONE"])?
        .filter(|v| *v != "NONE"))
}

/// ConsumedCapacity with each index's share: `TOTAL` counts them in,
/// `INDEXES` also lists them (and the table's own part) separately. Only
/// the aggregate `CapacityUnits` is reported: DynamoDB splits read and
/// write units for transactions alone (nubo-db/dynamodb-conformance,
/// recorded 2026; dynalite agrees).
pub fn consumed_with_indexes(
    mode: Option<&str>,
    table: &str,
    table_units: HalfUnits,
    indexes: &[IndexUnits],
) -> Option<Value> {
    if indexes.is_empty() || !matches!(mode, Some("INDEXES")) {
        let total = table_units + indexes.iter().map(|i| i.units).sum();
        return consumed(mode, table, total);
    }
    let capacity = |u: HalfUnits| json!({"CapacityUnits": u.units()});
    let total = table_units + indexes.iter().map(|i| i.units).sum();
    let mut out = Map::new();
    out.insert("TableName".into(), json!(table));
    out.insert("CapacityUnits".into(), json!(total.units()));
    out.insert("Table".into(), capacity(table_units));
    for (member, local) in [("GlobalSecondaryIndexes", false), ("LocalSecondaryIndexes", true)] {
        let m: Map<String, Value> = indexes
            .iter()
            .filter(|i| i.local == local)
            .map(|i| (i.name.clone(), capacity(i.units)))
            .collect();
        if !m.is_empty() {
            out.insert(member.into(), Value::Object(m));
        }
    }
    Some(Value::Object(out))
}

/// Adds the vector indexes a write changed to its `INDEXES` capacity
/// entry (`VectorIndexes: {name: {VectorWriteRequestBytes}}`); nothing
/// under TOTAL, or when no vector index was written.
pub fn add_vector_writes(mode: Option<&str>, entry: &mut Value, writes: impl IntoIterator<Item = (String, f64)>) {
    let (Some("INDEXES"), Some(o)) = (mode, entry.as_object_mut()) else { return };
    let m: Map<String, Value> = writes
        .into_iter()
        .map(|(name, bytes)| (name, json!({ "VectorWriteRequestBytes": bytes })))
        .collect();
    if !m.is_empty() {
        o.insert("VectorIndexes".into(), Value::Object(m));
    }
}

/// ConsumedCapacity of the table alone, as `ReturnConsumedCapacity` asks
/// (the aggregate only, as for every operation but transactions).
pub fn consumed(mode: Option<&str>, table: &str, units: HalfUnits) -> Option<Value> {
    let u = units.units();
    match mode {
        Some("TOTAL") => Some(json!({"TableName": table, "CapacityUnits": u})),
        Some("INDEXES") => Some(json!({"TableName": table, "CapacityUnits": u, "Table": {"CapacityUnits": u}})),
        _ => None,
    }
}
