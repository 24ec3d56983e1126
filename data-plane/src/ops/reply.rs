//! An operation's successful output, ready for the wire: either a JSON
//! value, or — for the read path, where items dominate the response — a
//! JSON object written member by member straight to bytes, so items go
//! from the store to the response without a `serde_json::Value` tree.

use ddb_core::value::json::write_str;
use ddb_core::Item;
use serde_json::Value;

/// What an operation answers.
#[derive(Debug)]
pub enum Reply {
    /// A JSON value, serialized by the server.
    Json(Value),
    /// A complete JSON document.
    Raw(Vec<u8>),
}

impl Reply {
    /// The response body.
    pub fn into_bytes(self) -> Vec<u8> {
        match self {
            Reply::Json(v) => serde_json::to_vec(&v).unwrap_or_else(|_| b"{}".to_vec()),
            Reply::Raw(bytes) => bytes,
        }
    }
}

impl From<Value> for Reply {
    fn from(v: Value) -> Reply {
        Reply::Json(v)
    }
}

/// The start of an object whose first member is an `Items` array.
const ITEMS_OPEN: &[u8] = br#"{"Items":["#;

/// Writes one JSON object, member by member.
pub struct ObjectWriter {
    out: Vec<u8>,
    members: usize,
}

impl ObjectWriter {
    /// An empty object, with room for about `capacity` bytes.
    pub fn with_capacity(capacity: usize) -> ObjectWriter {
        let mut out = Vec::with_capacity(capacity);
        out.push(b'{');
        ObjectWriter { out, members: 0 }
    }

    /// An object whose first member, `Items`, is an array still open:
    /// its elements are appended to the returned buffer, comma-separated,
    /// and [`ObjectWriter::close_items`] continues the object after it.
    pub fn items_buffer(capacity: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(capacity);
        out.extend_from_slice(ITEMS_OPEN);
        out
    }

    /// Closes the `Items` array of a buffer from
    /// [`ObjectWriter::items_buffer`] and goes on writing its object.
    pub fn close_items(mut out: Vec<u8>) -> ObjectWriter {
        debug_assert!(out.starts_with(ITEMS_OPEN));
        out.push(b']');
        ObjectWriter { out, members: 1 }
    }

    /// Starts member `name` and gives the buffer its value goes to.
    pub fn member(&mut self, name: &str) -> &mut Vec<u8> {
        if self.members > 0 {
            self.out.push(b',');
        }
        self.members += 1;
        write_str(name, &mut self.out);
        self.out.push(b':');
        &mut self.out
    }

    /// Member `name` with a JSON value.
    pub fn value(&mut self, name: &str, value: &Value) {
        let out = self.member(name);
        // Writing a Value to a Vec cannot fail.
        let _ = serde_json::to_writer(out, value);
    }

    /// Member `name` with an item in DynamoDB JSON.
    pub fn item(&mut self, name: &str, item: &Item) {
        ddb_core::value::json::write_item(item, self.member(name));
    }

    /// Member `name` with an unsigned number.
    pub fn number(&mut self, name: &str, n: usize) {
        let out = self.member(name);
        out.extend_from_slice(n.to_string().as_bytes());
    }

    /// The finished object.
    pub fn finish(mut self) -> Reply {
        self.out.push(b'}');
        Reply::Raw(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ddb_core::AttributeValue;

    #[test]
    fn members_make_one_valid_object() {
        let mut item = Item::new();
        item.insert("k".into(), AttributeValue::S("v\"".into()));
        let mut w = ObjectWriter::with_capacity(16);
        w.item("Item", &item);
        w.number("Count", 3);
        w.value("ConsumedCapacity", &serde_json::json!({"TableName": "t", "CapacityUnits": 0.5}));
        let bytes = w.finish().into_bytes();
        let parsed: Value = serde_json::from_slice(&bytes).expect("valid JSON");
        assert_eq!(
            parsed,
            serde_json::json!({
                "Item": {"k": {"S": "v\""}},
                "Count": 3,
                "ConsumedCapacity": {"TableName": "t", "CapacityUnits": 0.5}
            })
        );
        assert_eq!(ObjectWriter::with_capacity(0).finish().into_bytes(), b"{}");
        assert_eq!(Reply::from(serde_json::json!({"a": 1})).into_bytes(), br#"{"a":1}"#);
    }

    #[test]
    fn an_items_buffer_opens_the_object_it_ends_in() {
        let empty = ObjectWriter::close_items(ObjectWriter::items_buffer(0));
        assert_eq!(empty.finish().into_bytes(), br#"{"Items":[]}"#);
        let mut items = ObjectWriter::items_buffer(8);
        items.extend_from_slice(br#"{"a":{"N":"1"}},{"a":{"N":"2"}}"#);
        let mut w = ObjectWriter::close_items(items);
        w.number("Count", 2);
        let parsed: Value = serde_json::from_slice(&w.finish().into_bytes()).expect("valid JSON");
        assert_eq!(parsed, serde_json::json!({"Items": [{"a": {"N": "1"}}, {"a": {"N": "2"}}], "Count": 2}));
    }
}
