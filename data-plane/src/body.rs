//! Parsing a request body as JSON. serde_json stops at 128 levels of
//! nesting, which a DynamoDB value nested 63 deep already reaches (each
//! level is a `{"M":{…}}` pair); DynamoDB parses such requests and answers
//! with the check they fail (a nesting limit, or an error it finds first).
//! Deeper bodies are parsed without serde_json's limit up to
//! [`MAX_DEPTH`] levels, measured first so the parser's recursion stays
//! within a worker's stack.

use serde::Deserialize;
use serde_json::Value;

use crate::error::ApiError;

/// The deepest JSON nesting parsed (objects and arrays).
pub const MAX_DEPTH: usize = 512;

/// The request's JSON object. A body that is not JSON is a
/// SerializationException without a message, as DynamoDB answers it.
pub fn parse_json(bytes: &[u8]) -> Result<Value, ApiError> {
    let parsed = match serde_json::from_slice::<Value>(bytes) {
        Err(e) if e.to_string().starts_with("recursion limit exceeded") && depth(bytes) <= MAX_DEPTH => parse_deep(bytes),
        other => other,
    };
    match parsed {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err(ApiError::Serialization("Start of structure or map found where not expected.".into())),
        Err(_) => Err(ApiError::UnparsableBody),
    }
}

fn parse_deep(bytes: &[u8]) -> Result<Value, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    de.disable_recursion_limit();
    let v = Value::deserialize(&mut de)?;
    de.end()?;
    Ok(v)
}

/// The deepest nesting of objects and arrays in `bytes`, outside strings.
fn depth(bytes: &[u8]) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &b in bytes {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(levels: usize) -> String {
        let mut s = String::from(r#"{"TableName":"t","Item":{"pk":{"S":"k"},"d":"#);
        for _ in 0..levels {
            s.push_str(r#"{"M":{"x":"#);
        }
        s.push_str(r#"{"S":"v"}"#);
        for _ in 0..levels {
            s.push_str("}}");
        }
        s.push_str("}}");
        s
    }

    #[test]
    fn depth_skips_strings() {
        assert_eq!(depth(br#"{"a":"{[{[","b":[{}]}"#), 3);
        assert_eq!(depth(br#"{"a":"\"{"}"#), 1);
    }

    #[test]
    fn values_nested_past_serde_jsons_limit_are_parsed() {
        // 100 levels of M is 200+ levels of JSON: parsed (on a thread with
        // the default 2 MiB stack, as tests run), so the request's own
        // checks can answer it.
        let deep = nested(100);
        let parsed = std::thread::spawn(move || parse_json(deep.as_bytes()).map(|_| ())).join();
        assert!(matches!(parsed, Ok(Ok(()))), "{parsed:?}");
        let too_deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert!(matches!(parse_json(too_deep.as_bytes()), Err(ApiError::UnparsableBody)));
        let at_limit = format!("{{\"a\":{}{}}}", "[".repeat(MAX_DEPTH - 1), "]".repeat(MAX_DEPTH - 1));
        let parsed = std::thread::spawn(move || parse_json(at_limit.as_bytes()).map(|_| ())).join();
        assert!(matches!(parsed, Ok(Ok(()))), "{parsed:?}");
        assert!(matches!(parse_json(b"{\"a\":"), Err(ApiError::UnparsableBody)));
    }
}
