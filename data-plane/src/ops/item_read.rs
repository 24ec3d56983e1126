//! GetItem: a point read from a snapshot, with projection and consumed
//! capacity (charged to the table's metrics whether asked for or not).

use ddb_core::api::items::ItemOp;
use ddb_core::capacity::{read, ReadMode};
use std::borrow::Cow;

use ddb_core::expr::ast::{DocPath, Projection, Resolved};
use ddb_core::expr::projection::project;
use ddb_core::expr::parse_projection;
use ddb_core::size::item_size;
use ddb_core::value::binary;
use serde_json::Value;

use super::reply::{ObjectWriter, Reply};
use crate::auth::Verified;
use crate::catalog::Catalog;
use crate::error::ApiError;
use crate::items::index::TableIndexes;
use crate::items::store::{corrupt, decode};
use crate::items::request::{
    consumed, item, key_match, member_constraints, return_consumed, str_member, table, Placeholders, Values,
};
use crate::DataPlane;

/// The request's ProjectionExpression, resolved (placeholders all used),
/// or its AttributesToGet when `is_legacy` (the family GetItem uses).
fn projection_of(body: &Value, is_legacy: bool) -> Result<Option<Projection<Resolved<'static>>>, ApiError> {
    if is_legacy {
        return Ok(match crate::items::legacy::attributes_to_get(body)? {
            Some(names) => Some(ddb_core::expr::legacy::attributes_to_get(&names)?),
            None => None,
        });
    }
    let ph = Placeholders::from_body(body, Values::Current)?;
    let mut resolver = ph.resolver()?;
    let projection = match str_member(body, "ProjectionExpression")? {
        Some(src) => Some(resolver.resolve_projection(&parse_projection(src)?)?.into_owned()),
        None => None,
    };
    resolver.finish()?;
    Ok(projection)
}

/// Refuses a path that looks inside a key attribute of the table
/// (`Key: a`) or of one of its indexes (`IndexKey: d`), in a projection
/// or a filter: key attributes are scalars, and DynamoDB says so rather
/// than matching nothing.
pub(super) fn scalar_key_paths<'p>(
    indexes: &TableIndexes,
    paths: impl IntoIterator<Item = &'p DocPath<Cow<'p, str>>>,
) -> Result<(), ApiError> {
    for path in paths.into_iter().filter(|p| !p.rest.is_empty()) {
        let head = path.head.as_ref();
        let kind = if indexes.base_hash.name == head || indexes.base_range.as_ref().is_some_and(|r| r.name == head) {
            "Key"
        } else if indexes.indexes.iter().any(|ix| ix.key_attrs().any(|a| a.name == head)) {
            "IndexKey"
        } else {
            continue;
        };
        return Err(ApiError::Validation(format!(
            "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: {kind}: {head}"
        )));
    }
    Ok(())
}

/// `GetItem`
pub async fn get(dp: &DataPlane, caller: &Verified, catalog: &Catalog, body: Value) -> Result<Reply, ApiError> {
    member_constraints(ItemOp::Get, &body)?;
    // DynamoDB's order: the parameter families, the key's values, the
    // projection, and only then the table and its key schema.
    let is_legacy = super::item_write::check_families(&body, &["AttributesToGet"], &["ProjectionExpression"], None)?;
    let key_item = item(body.get("Key"), "key")?;
    let projection = projection_of(&body, is_legacy)?;
    let consistent = match body.get("ConsistentRead") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(ApiError::Serialization("Unexpected value type in payload".into())),
    };
    let capacity_mode = return_consumed(&body)?;
    let t = table(catalog, caller, str_member(&body, "TableName")?)?;
    if let Some(p) = &projection {
        scalar_key_paths(&t.indexes, &p.paths)?;
    }
    let (pk, sk) = key_match(&t, &key_item)?;
    let key = t.item_key(&pk, sk.as_ref()).map_err(|e| ApiError::Validation(e.to_string()))?;
    let found = dp.items.get(&caller.tenant.id, key).await?;
    let mode = if consistent { ReadMode::Strong } else { ReadMode::Eventual };
    let mut out = ObjectWriter::with_capacity(found.as_ref().map_or(0, |b| 2 * b.len()) + 64);
    // Without a projection the stored bytes are written as they are.
    let size = match (&found, &projection) {
        (None, _) => 0,
        (Some(bytes), None) => binary::write_item_json(bytes, out.member("Item")).map_err(corrupt)?,
        (Some(bytes), Some(p)) => {
            let item = decode(bytes)?;
            out.item("Item", &project(p, &item));
            item_size(&item)
        }
    };
    let units = read(size as u64, mode);
    super::consumed::charge(dp, caller, &t, &super::consumed::Consumed::read(units), 1.0);
    if let Some(c) = consumed(capacity_mode, &t.def.spec.name, units) {
        out.value("ConsumedCapacity", &c);
    }
    Ok(out.finish())
}
