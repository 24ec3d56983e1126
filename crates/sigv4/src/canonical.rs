//! Building the SigV4 canonical request from a request as received.
//!
//! Follows "Create a canonical request" of the SigV4 specification for
//! services other than S3:
//!
//! * canonical URI: the raw path with dot-segments removed and runs of `/`
//!   collapsed, then URI-encoded once more (so `%20` on the wire becomes
//!   `%2520`, exactly as AWS SDKs double-encode for non-S3 services); an
//!   empty path is `/`;
//! * canonical query: every parameter decoded and re-encoded with the
//!   unreserved set, sorted by encoded name then value, `name=value` joined
//!   with `&` (a parameter without `=` gets an empty value); presigned
//!   requests leave out `X-Amz-Signature`;
//! * canonical headers: for each signed header (lower-case), all received
//!   values trimmed, inner whitespace runs collapsed to one space, joined
//!   with `,`;
//! * signed headers joined with `;`, then the payload hash.

use crate::encode::{query_pairs, uri_encode, uri_encode_path};
use crate::Request;

/// Name of the query parameter that carries a presigned signature.
pub(crate) const SIGNATURE_PARAM: &str = "X-Amz-Signature";

/// Canonical URI for a raw (still percent-encoded) request path.
#[must_use]
pub fn canonical_uri(raw_path: &str) -> String {
    uri_encode_path(normalize_path(raw_path).as_bytes())
}

/// Remove `.` and `..` segments and empty segments (runs of `/`), keeping a
/// leading and (for non-empty results) trailing slash.
fn normalize_path(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let mut out = String::with_capacity(path.len().saturating_add(1));
    if path.starts_with('/') || path.is_empty() {
        out.push('/');
    }
    out.push_str(&segments.join("/"));
    if path.ends_with('/') && !segments.is_empty() {
        out.push('/');
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// Canonical query string for a raw query. When `presigned` is true the
/// `X-Amz-Signature` parameter is left out.
#[must_use]
pub fn canonical_query_string(raw_query: Option<&str>, presigned: bool) -> String {
    let Some(query) = raw_query else {
        return String::new();
    };
    let mut pairs: Vec<(String, String)> = query_pairs(query)
        .into_iter()
        .filter(|(name, _)| !(presigned && name.as_slice() == SIGNATURE_PARAM.as_bytes()))
        .map(|(name, value)| (uri_encode(&name), uri_encode(&value)))
        .collect();
    pairs.sort();
    let mut out = String::with_capacity(query.len().saturating_add(16));
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        out.push_str(value);
    }
    out
}

/// Appends a header value trimmed, with inner whitespace runs collapsed to
/// one space.
fn push_normalized(out: &mut String, value: &str) {
    for (i, word) in value.split_ascii_whitespace().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(word);
    }
}

/// Appends `name` in lower case.
fn push_lower(out: &mut String, name: &str) {
    out.extend(name.chars().map(|c| c.to_ascii_lowercase()));
}

/// Appends `values` joined with `,`; false when there were none.
fn push_values<'a>(out: &mut String, values: impl Iterator<Item = &'a str>) -> bool {
    let mut any = false;
    for v in values {
        if any {
            out.push(',');
        }
        any = true;
        push_normalized(out, v);
    }
    any
}

/// Appends the canonical header block (see [`canonical_headers`]).
fn write_canonical_headers<S: AsRef<str>>(out: &mut String, headers: &[(&str, &str)], signed_headers: &[S]) {
    for name in signed_headers {
        let name = name.as_ref();
        push_lower(out, name);
        out.push(':');
        let named = headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| *v);
        // `host` falls back to HTTP/2 `:authority`.
        if !push_values(out, named) && name.eq_ignore_ascii_case("host") {
            push_values(out, headers.iter().filter(|(n, _)| *n == ":authority").map(|(_, v)| *v));
        }
        out.push('\n');
    }
}

/// Canonical header block: one `name:value\n` line per signed header, in the
/// order given. A signed header absent from the request gets an empty value
/// (the signature will then not match unless the client signed it empty).
/// `host` falls back to HTTP/2 `:authority` when no `Host` header exists.
#[must_use]
pub fn canonical_headers<S: AsRef<str>>(headers: &[(&str, &str)], signed_headers: &[S]) -> String {
    let mut out = String::new();
    write_canonical_headers(&mut out, headers, signed_headers);
    out
}

/// The full canonical request, written into one buffer.
///
/// `signed_headers` are used in the order given (lower-cased);
/// `payload_hash` is the hex SHA-256 of the body or `UNSIGNED-PAYLOAD`;
/// `presigned` drops `X-Amz-Signature` from the canonical query.
#[must_use]
pub fn canonical_request<S: AsRef<str>>(
    req: &Request<'_>,
    signed_headers: &[S],
    payload_hash: &str,
    presigned: bool,
) -> String {
    let mut out = String::with_capacity(512);
    out.push_str(req.method);
    out.push('\n');
    // The usual DynamoDB request posts to `/` with no query.
    if req.path == "/" {
        out.push('/');
    } else {
        out.push_str(&canonical_uri(req.path));
    }
    out.push('\n');
    if req.query.is_some() {
        out.push_str(&canonical_query_string(req.query, presigned));
    }
    out.push('\n');
    write_canonical_headers(&mut out, req.headers, signed_headers);
    out.push('\n');
    for (i, h) in signed_headers.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        push_lower(&mut out, h.as_ref());
    }
    out.push('\n');
    out.push_str(payload_hash);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_normalization() {
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(canonical_uri("/"), "/");
        assert_eq!(canonical_uri("//"), "/");
        assert_eq!(canonical_uri("/./"), "/");
        assert_eq!(canonical_uri("/example/.."), "/");
        assert_eq!(canonical_uri("/example1/example2/../.."), "/");
        assert_eq!(canonical_uri("/../.."), "/");
        assert_eq!(canonical_uri("/./example"), "/example");
        assert_eq!(canonical_uri("//example//"), "/example/");
        assert_eq!(canonical_uri("/a/b/../c/./d/"), "/a/c/d/");
    }

    #[test]
    fn uri_is_encoded_once_more() {
        assert_eq!(canonical_uri("/example space/"), "/example%20space/");
        assert_eq!(canonical_uri("/example%20space/"), "/example%2520space/");
        assert_eq!(canonical_uri("/ሴ"), "/%E1%88%B4");
        assert_eq!(canonical_uri("/%E1%88%B4"), "/%25E1%2588%25B4");
        assert_eq!(canonical_uri("/a+b*c"), "/a%2Bb%2Ac");
        assert_eq!(
            canonical_uri("/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"),
            "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
        );
    }

    #[test]
    fn query_is_sorted_and_reencoded() {
        assert_eq!(canonical_query_string(None, false), "");
        assert_eq!(canonical_query_string(Some(""), false), "");
        assert_eq!(
            canonical_query_string(Some("Param2=value2&Param1=value1"), false),
            "Param1=value1&Param2=value2"
        );
        // Same parameter repeated: sorted by value.
        assert_eq!(canonical_query_string(Some("p=b&p=a"), false), "p=a&p=b");
        // Upper case sorts before lower case (code point order).
        assert_eq!(
            canonical_query_string(Some("b=1&B=2&a=3"), false),
            "B=2&a=3&b=1"
        );
        // No '=' means empty value.
        assert_eq!(canonical_query_string(Some("Param1"), false), "Param1=");
        // Client encoding differences do not matter.
        assert_eq!(
            canonical_query_string(Some("k=a%2fb%7E"), false),
            "k=a%2Fb~"
        );
        assert_eq!(canonical_query_string(Some("k=a/b~"), false), "k=a%2Fb~");
        assert_eq!(canonical_query_string(Some("k=a b"), false), "k=a%20b");
        assert_eq!(canonical_query_string(Some("k=a+b"), false), "k=a%2Bb");
        assert_eq!(
            canonical_query_string(Some("%E1%88%B4=bar"), false),
            "%E1%88%B4=bar"
        );
        assert_eq!(
            canonical_query_string(Some("ሴ=bar"), false),
            "%E1%88%B4=bar"
        );
    }

    #[test]
    fn presigned_query_drops_signature_only() {
        assert_eq!(
            canonical_query_string(Some("X-Amz-Signature=abc&A=1&X-Amz-Date=x"), true),
            "A=1&X-Amz-Date=x"
        );
        assert_eq!(
            canonical_query_string(Some("X-Amz-Signature=abc&A=1"), false),
            "A=1&X-Amz-Signature=abc"
        );
    }

    #[test]
    fn headers_are_trimmed_collapsed_and_joined() {
        let headers = [
            ("Host", "example.amazonaws.com"),
            ("My-Header1", "  value1  "),
            ("My-Header2", "\"a   b \t  c\""),
            ("my-header3", "v2"),
            ("MY-HEADER3", "v1"),
        ];
        let out = canonical_headers(
            &headers,
            &["host", "my-header1", "my-header2", "my-header3", "absent"],
        );
        assert_eq!(
            out,
            "host:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\nmy-header3:v2,v1\nabsent:\n"
        );
    }

    #[test]
    fn host_falls_back_to_authority() {
        let headers = [(":authority", "example.amazonaws.com")];
        assert_eq!(
            canonical_headers(&headers, &["host"]),
            "host:example.amazonaws.com\n"
        );
    }
}
