//! Lower-case hex for opaque pagination tokens and iterators.

/// `bytes` as lower-case hex.
pub(super) fn encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes of a hex string, if it is one.
pub(super) fn decode(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| text.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trips_and_refuses_junk() {
        assert_eq!(super::encode(b"a\n"), "610a");
        assert_eq!(super::decode("610a").as_deref(), Some(&b"a\n"[..]));
        assert_eq!(super::decode("61x"), None);
        assert_eq!(super::decode("zz"), None);
    }
}
