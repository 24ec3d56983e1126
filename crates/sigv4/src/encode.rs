//! Percent-encoding helpers for the SigV4 canonical forms.
//!
//! SigV4 encodes every byte except the RFC 3986 unreserved characters
//! (`A-Z a-z 0-9 - _ . ~`) as `%XX` with upper-case hex; paths additionally
//! keep `/`.

use percent_encoding::{percent_decode, percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Bytes that must be encoded in query names and values.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Bytes that must be encoded in the canonical URI (keeps `/`).
const PATH: &AsciiSet = &UNRESERVED.remove(b'/');

/// Encode `bytes` with the SigV4 unreserved set.
pub(crate) fn uri_encode(bytes: &[u8]) -> String {
    percent_encode(bytes, UNRESERVED).to_string()
}

/// Encode a path, leaving `/` alone.
pub(crate) fn uri_encode_path(bytes: &[u8]) -> String {
    percent_encode(bytes, PATH).to_string()
}

/// Percent-decode `s`. `+` is a literal plus (RFC 3986, not form encoding)
/// and malformed escapes are kept as they are.
pub(crate) fn uri_decode(s: &str) -> Vec<u8> {
    percent_decode(s.as_bytes()).collect()
}

/// Split a raw query string into decoded `(name, value)` pairs, in order.
///
/// Empty segments (`a=1&&b=2`) are skipped; a segment without `=` has an
/// empty value.
pub(crate) fn query_pairs(query: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
    query
        .split('&')
        .filter(|segment| !segment.is_empty())
        .map(|segment| match segment.split_once('=') {
            Some((name, value)) => (uri_decode(name), uri_decode(value)),
            None => (uri_decode(segment), Vec::new()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_everything_but_unreserved() {
        assert_eq!(uri_encode(b"-._~azAZ09"), "-._~azAZ09");
        assert_eq!(uri_encode(b"a b+c/d=e&f*"), "a%20b%2Bc%2Fd%3De%26f%2A");
        assert_eq!(uri_encode("ሴ".as_bytes()), "%E1%88%B4");
        assert_eq!(uri_encode_path(b"/a b/%2F"), "/a%20b/%252F");
    }

    #[test]
    fn decodes_leniently() {
        assert_eq!(uri_decode("a%20b+c"), b"a b+c");
        assert_eq!(uri_decode("%e1%88%b4"), "ሴ".as_bytes());
        assert_eq!(uri_decode("100%"), b"100%");
        assert_eq!(uri_decode("%zz"), b"%zz");
    }

    #[test]
    fn splits_query() {
        let pairs = query_pairs("b=2&&a&c=x%3Dy=z");
        assert_eq!(
            pairs,
            vec![
                (b"b".to_vec(), b"2".to_vec()),
                (b"a".to_vec(), Vec::new()),
                (b"c".to_vec(), b"x=y=z".to_vec()),
            ]
        );
    }
}
