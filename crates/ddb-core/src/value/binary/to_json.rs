//! Stored items straight to DynamoDB JSON: [`write_item_json`] walks the
//! storage encoding and writes the wire form without building an
//! [`crate::Item`] (the point read's answer is written from the bytes the
//! engine returned). It checks everything [`super::decode_item`] checks, so
//! a stored item either decodes and writes identically, or fails with the
//! same error.

use super::{DecodeError, Reader, Tag, FORMAT_VERSION, MAX_DECODE_DEPTH};
use crate::size::value_size;
use crate::value::json::{write_escaped, write_value};
use crate::value::set_order::SetOrder;

/// Appends the JSON of the item encoded in `bytes` (as
/// `write_item(&decode_item(bytes)?)` would) and returns the item's size
/// by DynamoDB's rule (as `item_size` would). On error `out` may hold a
/// partial object.
pub fn write_item_json(bytes: &[u8], out: &mut Vec<u8>) -> Result<usize, DecodeError> {
    write_item_json_in(bytes, SetOrder::Ascending, out)
}

/// [`write_item_json`] with number sets listed in `order`.
pub fn write_item_json_in(bytes: &[u8], order: SetOrder, out: &mut Vec<u8>) -> Result<usize, DecodeError> {
    let mut reader = Reader::new(bytes);
    match reader.byte()? {
        FORMAT_VERSION => {}
        other => return Err(DecodeError::UnknownVersion(other)),
    }
    let (size, _) = reader.json_map(0, order, out)?;
    reader.finish()?;
    Ok(size)
}

/// Writes stored text as a JSON string; text that is not UTF-8 is refused
/// (as decoding refuses it). Checked only when a byte is not ASCII.
fn write_text(bytes: &[u8], out: &mut Vec<u8>) -> Result<(), DecodeError> {
    if write_escaped(bytes, out) && std::str::from_utf8(bytes).is_err() {
        return Err(DecodeError::Malformed("invalid UTF-8"));
    }
    Ok(())
}

impl Reader<'_> {
    /// Writes a map; returns the summed sizes of its names and values and
    /// its number of members.
    fn json_map(&mut self, depth: usize, order: SetOrder, out: &mut Vec<u8>) -> Result<(usize, usize), DecodeError> {
        let count = self.count()?;
        let mut size = 0;
        let mut previous: Option<&[u8]> = None;
        out.push(b'{');
        for i in 0..count {
            let name = self.bytes()?;
            if i > 0 {
                out.push(b',');
            }
            // Its text is checked before its order, as decoding checks them.
            write_text(name, out)?;
            if previous.is_some_and(|p| p >= name) {
                return Err(DecodeError::Malformed("map names out of order"));
            }
            previous = Some(name);
            out.push(b':');
            size += name.len() + self.json_value(depth + 1, order, out)?;
        }
        out.push(b'}');
        Ok((size, count))
    }

    /// Writes one value; returns its size.
    fn json_value(&mut self, depth: usize, order: SetOrder, out: &mut Vec<u8>) -> Result<usize, DecodeError> {
        if depth > MAX_DECODE_DEPTH {
            return Err(DecodeError::Malformed("nesting too deep"));
        }
        let tag = Tag::from_byte(self.byte()?).ok_or(DecodeError::Malformed("unknown tag"))?;
        let value = match tag {
            Tag::S => {
                let text = self.bytes()?;
                out.extend_from_slice(b"{\"S\":");
                write_text(text, out)?;
                out.push(b'}');
                return Ok(text.len());
            }
            Tag::M => {
                out.extend_from_slice(b"{\"M\":");
                let (sum, count) = self.json_map(depth, order, out)?;
                out.push(b'}');
                return Ok(3 + count + sum);
            }
            Tag::L => {
                let count = self.count()?;
                let mut size = 3;
                out.extend_from_slice(b"{\"L\":[");
                for i in 0..count {
                    if i > 0 {
                        out.push(b',');
                    }
                    size += 1 + self.json_value(depth + 1, order, out)?;
                }
                out.extend_from_slice(b"]}");
                return Ok(size);
            }
            // The rest are rare or small: decode, then write.
            other => {
                let mut value = self.leaf(other)?;
                order.apply(&mut value);
                value
            }
        };
        write_value(&value, out);
        Ok(value_size(&value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::size::item_size;
    use crate::value::binary::{decode_item, encode_item};
    use crate::value::json::write_item;
    use crate::value::{AttributeValue, Item};
    use crate::value::strategies::item;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn writes_what_decoding_then_writing_gives(item in item()) {
            let bytes = encode_item(&item);
            let mut direct = Vec::new();
            let size = write_item_json(&bytes, &mut direct).expect("a stored item");
            let mut via = Vec::new();
            write_item(&item, &mut via);
            prop_assert_eq!(direct, via);
            prop_assert_eq!(size, item_size(&item));
        }

        #[test]
        fn refuses_what_decoding_refuses(bytes in proptest::collection::vec(any::<u8>(), 0..24)) {
            let mut out = Vec::new();
            match (decode_item(&bytes), write_item_json(&bytes, &mut out)) {
                (Ok(item), Ok(size)) => {
                    let mut via = Vec::new();
                    write_item(&item, &mut via);
                    prop_assert_eq!(out, via);
                    prop_assert_eq!(size, item_size(&item));
                }
                (Err(a), Err(b)) => prop_assert_eq!(a, b),
                (a, b) => prop_assert!(false, "decode {a:?} but direct {b:?}"),
            }
        }
    }

    #[test]
    fn out_of_order_names_and_trailing_bytes_are_refused() {
        let mut item = Item::new();
        item.insert("a".into(), AttributeValue::Null);
        item.insert("b".into(), AttributeValue::Null);
        let mut bytes = encode_item(&item);
        let mut out = Vec::new();
        assert_eq!(write_item_json(&bytes, &mut out), Ok(2 + 2));
        bytes.push(0);
        assert_eq!(write_item_json(&bytes, &mut out), Err(DecodeError::Malformed("trailing bytes")));
        // Swap the names: b, a.
        let swapped = [1, 2, 1, b'b', 5, 1, b'a', 5];
        assert_eq!(write_item_json(&swapped, &mut out), Err(DecodeError::Malformed("map names out of order")));
        assert_eq!(decode_item(&swapped), Err(DecodeError::Malformed("map names out of order")));
    }

    #[test]
    fn text_beyond_ascii_is_written_and_broken_utf8_refused() {
        let mut item = Item::new();
        item.insert("ñame".into(), AttributeValue::S("日本語 \"q\" \u{1}".into()));
        let mut out = Vec::new();
        write_item_json(&encode_item(&item), &mut out).expect("stored item");
        let mut via = Vec::new();
        write_item(&item, &mut via);
        assert_eq!(out, via);
        // A value (then a name) with a lone continuation byte.
        let bad_value = [1, 1, 1, b'a', 1, 2, b'x', 0x80];
        assert_eq!(decode_item(&bad_value), Err(DecodeError::Malformed("invalid UTF-8")));
        assert_eq!(write_item_json(&bad_value, &mut out), Err(DecodeError::Malformed("invalid UTF-8")));
        let bad_name = [1, 1, 1, 0xff, 5];
        assert_eq!(decode_item(&bad_name), Err(DecodeError::Malformed("invalid UTF-8")));
        assert_eq!(write_item_json(&bad_name, &mut out), Err(DecodeError::Malformed("invalid UTF-8")));
    }
}
