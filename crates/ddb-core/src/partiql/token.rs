//! The opaque `NextToken` of ExecuteStatement: the page's
//! `LastEvaluatedKey` with a fingerprint of the statement and its
//! parameters, so a token is refused for another request
//! (`NextToken does not match request`) and a damaged one is
//! `Invalid NextToken`.

use serde_json::{json, Value};

use super::invalid;
use crate::expr::ExprError;
use crate::value::json::base64;

/// A fingerprint of a statement and its parameters (FNV-1a, 64 bits).
pub fn fingerprint(statement: &str, parameters: Option<&Value>) -> u64 {
    let params = parameters.map(Value::to_string).unwrap_or_default();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in statement.bytes().chain([0u8]).chain(params.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The token continuing after `last_evaluated_key`.
pub fn encode(fingerprint: u64, last_evaluated_key: &Value) -> String {
    let doc = json!({ "v": 1, "h": fingerprint.to_string(), "k": last_evaluated_key });
    base64::encode(doc.to_string().as_bytes())
}

/// The `ExclusiveStartKey` a token carries, checked against the request's
/// fingerprint.
pub fn decode(token: &str, fingerprint: u64) -> Result<Value, ExprError> {
    let bad = || invalid("Invalid NextToken");
    let bytes = base64::decode(token).map_err(|_| bad())?;
    let doc: Value = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    let h = doc.get("h").and_then(Value::as_str).ok_or_else(bad)?;
    if h != fingerprint.to_string() {
        return Err(invalid("NextToken does not match request"));
    }
    match doc.get("k") {
        Some(k @ Value::Object(_)) => Ok(k.clone()),
        _ => Err(bad()),
    }
}
