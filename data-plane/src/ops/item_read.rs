//! GetItem: a point read from a snapshot, with projection and consumed
//! capacity (charged to the table's metrics whether asked for or not).

use ddb_core::capacity::{read, ReadMode};
use ddb_core::expr::ast::{Projection, Resolved};
use ddb_core::expr::projection::project;
use ddb_core::expr::parse_projection;
use ddb_core::size::item_size;
use ddb_core::value::binary;
use serde_json::Value;

use super::reply::{ObjectWriter, Reply};
use crate::auth::Verified;
use crate::catalog::Catalog;
use crate::error::ApiError;
use crate::items::layout::item_key;
use crate::items::store::{corrupt, decode};
use crate::items::request::{consumed, key_of_key, return_consumed, str_member, table, Placeholders};
use crate::DataPlane;

/// The request's ProjectionExpression, resolved (placeholders all used).
pub fn projection_of(body: &Value) -> Result<Option<Projection<Resolved<'static>>>, ApiError> {
    if super::item_write::check_families(body, &["AttributesToGet"], &["ProjectionExpression"])? {
        return Ok(match crate::items::legacy::attributes_to_get(body)? {
            Some(names) => Some(ddb_core::expr::legacy::attributes_to_get(&names)?),
            None => None,
        });
    }
    let ph = Placeholders::from_body(body)?;
    let mut resolver = ph.resolver()?;
    let projection = match str_member(body, "ProjectionExpression")? {
        Some(src) => Some(resolver.resolve_projection(&parse_projection(src)?)?.into_owned()),
        None => None,
    };
    resolver.finish()?;
    Ok(projection)
}

/// `GetItem`
pub async fn get(dp: &DataPlane, caller: &Verified, catalog: &Catalog, body: Value) -> Result<Reply, ApiError> {
    let t = table(catalog, caller, str_member(&body, "TableName")?)?;
    // The expression parameters are checked before the key, as in Query
    // and Scan (and DynamoDB).
    let projection = projection_of(&body)?;
    let (pk, sk) = key_of_key(&t, body.get("Key"))?;
    let consistent = match body.get("ConsistentRead") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(ApiError::Serialization("Unexpected value type in payload".into())),
    };
    let capacity_mode = return_consumed(&body)?;
    let key = item_key(&t.record.id, &pk, sk.as_ref()).map_err(|e| ApiError::Validation(e.to_string()))?;
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
    if let Some(c) = consumed(capacity_mode, &t.def.spec.name, units, true) {
        out.value("ConsumedCapacity", &c);
    }
    Ok(out.finish())
}
