//! Strict standard base64 (RFC 4648 §4, padded), with DynamoDB's
//! deserialization messages for what it refuses.
//!
//! DynamoDB (dynalite `assertType` for `Blob`, checked against the service):
//! - a length that isn't a multiple of 4:
//!   `Base64 encoded length is expected a multiple of 4 bytes but found: 5`;
//! - a final character whose unused low bits aren't zero (`+/+=`, `=+/=`):
//!   `Invalid last non-pad Base64 character dectected` (sic).
//!
//! A character outside the alphabet gives `Invalid Base64 character: 'c'`
//! (the older service wording; not re-captured since).

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Padded standard base64 of `bytes`.
pub(crate) fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    let symbol =
        |index: u32| char::from(ALPHABET.get((index & 63) as usize).copied().unwrap_or(b'A'));
    for chunk in bytes.chunks(3) {
        let b0 = u32::from(chunk.first().copied().unwrap_or(0));
        let b1 = u32::from(chunk.get(1).copied().unwrap_or(0));
        let b2 = u32::from(chunk.get(2).copied().unwrap_or(0));
        let triple = (b0 << 16) | (b1 << 8) | b2;
        out.push(symbol(triple >> 18));
        out.push(symbol(triple >> 12));
        out.push(if chunk.len() > 1 {
            symbol(triple >> 6)
        } else {
            '='
        });
        out.push(if chunk.len() > 2 { symbol(triple) } else { '=' });
    }
    out
}

fn value_of(c: u8) -> Option<u32> {
    match c {
        b'A'..=b'Z' => Some(u32::from(c - b'A')),
        b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
        b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Checks `text` the way DynamoDB does; `Err` carries the message.
pub(crate) fn validate(text: &str) -> Result<(), String> {
    let bytes = text.as_bytes();
    // The service counts UTF-16 units (Java string length).
    let length = text.encode_utf16().count();
    if !length.is_multiple_of(4) {
        return Err(format!(
            "Base64 encoded length is expected a multiple of 4 bytes but found: {length}"
        ));
    }
    if let Some(c) = text
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=')))
    {
        return Err(format!("Invalid Base64 character: '{c}'"));
    }
    let pad = bytes.iter().rev().take_while(|&&c| c == b'=').count();
    let data = bytes.get(..bytes.len() - pad).unwrap_or_default();
    // The last data character may only carry bits that end up in a byte.
    if let Some(&last) = data.last() {
        let unused_mask = match pad {
            1 => 0b11,
            2 => 0b1111,
            _ => 0,
        };
        if value_of(last).is_some_and(|v| v & unused_mask != 0) || pad > 2 {
            return Err("Invalid last non-pad Base64 character dectected".to_owned());
        }
    } else if pad > 0 {
        return Err("Invalid last non-pad Base64 character dectected".to_owned());
    }
    if data.contains(&b'=') {
        return Err("Invalid Base64 character: '='".to_owned());
    }
    Ok(())
}

/// Decodes `text`, which must already pass [`validate`].
pub(crate) fn decode(text: &str) -> Result<Vec<u8>, String> {
    validate(text)?;
    let data = text.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(data.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0u32;
    for &c in data {
        let v =
            value_of(c).ok_or_else(|| format!("Invalid Base64 character: '{}'", char::from(c)))?;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use proptest::prelude::*;

    #[test]
    fn dynamodb_messages() {
        assert_eq!(
            validate("23456").unwrap_err(),
            "Base64 encoded length is expected a multiple of 4 bytes but found: 5"
        );
        assert_eq!(
            validate("=+/=").unwrap_err(),
            "Invalid last non-pad Base64 character dectected"
        );
        assert_eq!(
            validate("+/+=").unwrap_err(),
            "Invalid last non-pad Base64 character dectected"
        );
        assert_eq!(
            validate("YQ=A").unwrap_err(),
            "Invalid Base64 character: '='"
        );
        assert_eq!(
            validate("ab@d").unwrap_err(),
            "Invalid Base64 character: '@'"
        );
        assert_eq!(
            validate("Y===").unwrap_err(),
            "Invalid last non-pad Base64 character dectected"
        );
        assert_eq!(
            validate("====").unwrap_err(),
            "Invalid last non-pad Base64 character dectected"
        );
        assert!(validate("").is_ok());
        assert!(validate("Yg==").is_ok());
        assert!(validate("YWJj").is_ok());
    }

    #[test]
    fn golden() {
        assert_eq!(encode(b""), "");
        assert_eq!(encode(b"b"), "Yg==");
        assert_eq!(encode(b"ab"), "YWI=");
        assert_eq!(encode(b"abc"), "YWJj");
        assert_eq!(encode(&[0xff]), "/w==");
        assert_eq!(decode("/w==").unwrap(), vec![0xff]);
        assert_eq!(decode("AA==").unwrap(), vec![0]);
        assert_eq!(decode("YWJjZA==").unwrap(), b"abcd");
    }

    proptest! {
        #[test]
        fn agrees_with_the_base64_crate(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let ours = encode(&bytes);
            prop_assert_eq!(&ours, &base64::engine::general_purpose::STANDARD.encode(&bytes));
            prop_assert_eq!(decode(&ours).unwrap(), bytes);
        }

        #[test]
        fn accepts_exactly_what_a_strict_decoder_accepts(text in "[A-Za-z0-9+/=]{0,12}") {
            let strict = base64::engine::general_purpose::STANDARD.decode(&text);
            prop_assert_eq!(decode(&text).ok(), strict.ok());
        }
    }
}
