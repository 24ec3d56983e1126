//! JSON stored in `jsonb` columns, made safe for NUL characters.
//!
//! PostgreSQL's `jsonb` refuses `\u0000` ("unsupported Unicode escape
//! sequence"), but DynamoDB names may hold any character: an attribute name
//! with a NUL in it would make CreateTable fail with a 500. Every string
//! (object keys included) is therefore stored with NUL written as
//! `ESC '0'` and `ESC` itself doubled, `ESC` being U+10FFFF (a noncharacter
//! no name uses). Strings without either character, hence every value
//! stored before this encoding existed, are unchanged. Frozen: stored rows
//! depend on it.

use serde_json::{Map, Value};

const ESC: char = '\u{10FFFF}';

/// `value` as it is stored.
pub fn encode(value: &serde_json::Value) -> serde_json::Value {
    if !needs(value, &|s| s.contains(['\0', ESC])) {
        return value.clone();
    }
    map_strings(value, &|s| {
        let mut out = String::with_capacity(s.len() + 4);
        for c in s.chars() {
            match c {
                '\0' => {
                    out.push(ESC);
                    out.push('0');
                }
                ESC => {
                    out.push(ESC);
                    out.push(ESC);
                }
                c => out.push(c),
            }
        }
        out
    })
}

/// A stored value as it was given to [`encode`].
pub fn decode(value: serde_json::Value) -> serde_json::Value {
    if !needs(&value, &|s| s.contains(ESC)) {
        return value;
    }
    map_strings(&value, &|s| {
        let mut out = String::with_capacity(s.len());
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            if c != ESC {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('0') => out.push('\0'),
                Some(ESC) | None => out.push(ESC),
                Some(other) => {
                    out.push(ESC);
                    out.push(other);
                }
            }
        }
        out
    })
}

fn needs(value: &Value, test: &dyn Fn(&str) -> bool) -> bool {
    match value {
        Value::String(s) => test(s),
        Value::Array(items) => items.iter().any(|v| needs(v, test)),
        Value::Object(fields) => fields.iter().any(|(k, v)| test(k) || needs(v, test)),
        _ => false,
    }
}

fn map_strings(value: &Value, f: &dyn Fn(&str) -> String) -> Value {
    match value {
        Value::String(s) => Value::String(f(s)),
        Value::Array(items) => Value::Array(items.iter().map(|v| map_strings(v, f)).collect()),
        Value::Object(fields) => {
            Value::Object(fields.iter().map(|(k, v)| (f(k), map_strings(v, f))).collect::<Map<String, Value>>())
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nul_and_the_escape_round_trip_and_leave_no_nul() {
        let original = json!({
            "a\u{0}b": ["x\u{0}", "\u{10FFFF}", "\u{10FFFF}0", "plain", 5, null],
            "nested": {"k": "\u{0}\u{0}\u{10FFFF}\u{10FFFF}"}
        });
        let stored = encode(&original);
        assert!(!stored.to_string().contains("\\u0000"), "{stored}");
        assert_eq!(decode(stored), original);
    }

    #[test]
    fn values_without_either_character_are_stored_as_they_are() {
        let plain = json!({"spec": {"name": "Music", "n": 1, "list": ["a", true]}});
        assert_eq!(encode(&plain), plain);
        assert_eq!(decode(plain.clone()), plain);
    }
}
