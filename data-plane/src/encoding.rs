//! Content codings as DynamoDB handles them: a request body sent with
//! `Content-Encoding: gzip` or `deflate` is inflated (after its signature, which covers
//! the bytes sent, is checked), and a response over 4 KB is compressed with
//! the gzip or deflate coding the client's `Accept-Encoding` prefers.

use std::io::{Read, Write};

use axum::http::{header, HeaderMap};

use crate::error::ApiError;

/// Responses larger than this are compressed for clients that accept it.
pub const COMPRESS_ABOVE: usize = 4096;

/// A response coding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Gzip,
    Deflate,
}

impl Coding {
    /// The `Content-Encoding` value.
    pub fn name(self) -> &'static str {
        match self {
            Coding::Gzip => "gzip",
            Coding::Deflate => "deflate",
        }
    }

    /// `body` compressed, or `None` if compression failed.
    pub fn compress(self, body: &[u8]) -> Option<Vec<u8>> {
        let out = Vec::with_capacity(body.len() / 4);
        let level = flate2::Compression::fast();
        match self {
            Coding::Gzip => {
                let mut enc = flate2::write::GzEncoder::new(out, level);
                enc.write_all(body).ok()?;
                enc.finish().ok()
            }
            Coding::Deflate => {
                let mut enc = flate2::write::ZlibEncoder::new(out, level);
                enc.write_all(body).ok()?;
                enc.finish().ok()
            }
        }
    }
}

/// The coding `Accept-Encoding` asks for, if any: gzip and deflate are
/// weighed by their `q` (a listed coding over one only covered by `*`, an
/// earlier one over a later one at equal weight, gzip when only `*`
/// names them); `q=0` refuses; other codings, `identity` included, are
/// ignored.
pub fn negotiate(headers: &HeaderMap) -> Option<Coding> {
    // (weight, listed explicitly, position) per coding.
    let mut gzip: Option<(f32, usize)> = None;
    let mut deflate: Option<(f32, usize)> = None;
    let mut star: Option<f32> = None;
    // Only the first Accept-Encoding header counts, as in DynamoDB (which
    // signs them all but reads the first: Alternator's
    // test_multiple_accept_encoding_headers).
    let first = headers.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).unwrap_or_default();
    for (position, item) in first.split(',').enumerate() {
        let (name, params) = item.split_once(';').unwrap_or((item, ""));
        let name = name.trim();
        // Weights are clamped to 0..=1.
        let q = first_q(params).unwrap_or(1.0).clamp(0.0, 1.0);
        // A coding listed more than once takes its best weight.
        let note = |slot: &mut Option<(f32, usize)>| {
            *slot = Some(match *slot {
                Some((best, first)) => (best.max(q), first),
                None => (q, position),
            });
        };
        if name.eq_ignore_ascii_case("gzip") {
            note(&mut gzip);
        } else if name.eq_ignore_ascii_case("deflate") {
            note(&mut deflate);
        } else if name == "*" {
            star = Some(star.map_or(q, |s: f32| s.max(q)));
        }
    }
    // (weight, explicit, -position) compares best-first.
    let rank = |listed: Option<(f32, usize)>| -> Option<(f32, bool, i64)> {
        match (listed, star) {
            (Some((q, pos)), _) => Some((q, true, -i64::try_from(pos).unwrap_or(i64::MAX))),
            (None, Some(q)) => Some((q, false, i64::MIN)),
            (None, None) => None,
        }
        .filter(|(q, _, _)| *q > 0.0)
    };
    match (rank(gzip), rank(deflate)) {
        (None, None) => None,
        (Some(_), None) => Some(Coding::Gzip),
        (None, Some(_)) => Some(Coding::Deflate),
        (Some(g), Some(d)) => {
            let better = d.0 > g.0 || (d.0 == g.0 && (d.1, d.2) > (g.1, g.2));
            Some(if better { Coding::Deflate } else { Coding::Gzip })
        }
    }
}

/// The weight in an entry's parameters as DynamoDB reads it: the value
/// after the first `q=` anywhere in them (so `nq=0` counts and `q =0`
/// does not), up to the next `;`; one that does not parse is ignored; but a
/// zero after any `q=` refuses the coding. Alternator's
/// test_compressed_response.py pins these cases against DynamoDB:
/// `gzip;nq=0;q=1` and `gzip;nq=1;q=0 ` are not compressed, `gzip;q =0;q=1`
/// and `gzip;q=1;q=0.2` are.
fn first_q(params: &str) -> Option<f32> {
    let bytes = params.as_bytes();
    let mut first = None;
    for at in (0..bytes.len()).filter(|&i| bytes.get(i..i + 2).is_some_and(|w| w.eq_ignore_ascii_case(b"q="))) {
        let value = params.get(at + 2..).unwrap_or_default();
        let q = value.split(';').next().unwrap_or_default().trim().parse::<f32>().ok();
        if q == Some(0.0) {
            return q;
        }
        first = first.or(Some(q));
    }
    first.flatten()
}

/// The request body to parse: `body` itself, or inflated when
/// `Content-Encoding` says gzip (one or more members) or deflate (one zlib
/// stream, RFC 1950; DynamoDB refuses a second one). Any other coding, or a
/// body that does not inflate (truncated, followed by junk, empty), is an
/// internal error, as DynamoDB answers. The inflated body may not exceed
/// `limit` bytes.
pub fn request_body(headers: &HeaderMap, body: bytes::Bytes, limit: usize) -> Result<bytes::Bytes, ApiError> {
    let Some(coding) = headers.get(header::CONTENT_ENCODING) else {
        return Ok(body);
    };
    let coding = coding.to_str().unwrap_or_default().trim();
    if coding.is_empty() || coding.eq_ignore_ascii_case("identity") {
        return Ok(body);
    }
    let gzip = coding.eq_ignore_ascii_case("gzip");
    if !gzip && !coding.eq_ignore_ascii_case("deflate") {
        return Err(ApiError::Internal(format!("unsupported Content-Encoding {coding:?}")));
    }
    if body.is_empty() {
        return Err(ApiError::Internal(format!("empty {coding} request body")));
    }
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let mut out = Vec::with_capacity(body.len().saturating_mul(4).min(limit));
    let inflated = if gzip {
        flate2::read::MultiGzDecoder::new(&body[..]).take(cap).read_to_end(&mut out).map(|_| ())
    } else {
        let mut zlib = flate2::bufread::ZlibDecoder::new(&body[..]);
        let read = (&mut zlib).take(cap).read_to_end(&mut out);
        // Whatever follows the stream (a second stream, junk) is refused.
        read.and_then(|_| match zlib.into_inner() {
            rest if rest.is_empty() || out.len() > limit => Ok(()),
            _ => Err(std::io::Error::other("data after the end of the zlib stream")),
        })
    };
    inflated.map_err(|e| ApiError::Internal(format!("request body does not inflate: {e}")))?;
    if out.len() > limit {
        return Err(ApiError::RequestEntityTooLarge);
    }
    Ok(bytes::Bytes::from(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn accept(v: &str) -> Option<&'static str> {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
        negotiate(&h).map(Coding::name)
    }

    #[test]
    fn accept_encoding_is_weighed_as_dynamodb_weighs_it() {
        for (value, want) in [
            ("identity", None),
            ("", None),
            ("br", None),
            ("x-gzip", None),
            ("gzip", Some("gzip")),
            ("deflate", Some("deflate")),
            ("gzip, deflate", Some("gzip")),
            ("br, identity, deflate, gzip", Some("deflate")),
            ("GZIP, identity", Some("gzip")),
            ("gzip;q=0.8, deflate;q=0.5", Some("gzip")),
            ("br, gzip;q=0, deflate; q = 0.5 , identity;q=0", Some("deflate")),
            ("*", Some("gzip")),
            ("*, deflate;q=0.5", Some("gzip")),
            ("*, deflate", Some("deflate")),
            ("*, identity", Some("gzip")),
            ("*, gzip;q=0.5", Some("deflate")),
            ("gzip ;q=0", None),
            ("identity;q=0", None),
            ("*;q=0", None),
            ("*;q=0.5,identity", Some("gzip")),
            ("gzip;q=0.5,identity;q=0.8", Some("gzip")),
            ("br;q=0.8,identity;q=0.5,*;q=0", None),
            ("dog, gzip ,, cat", Some("gzip")),
            ("\"gzip\"", None),
            ("gzip br", None),
            ("gzip:q=1", None),
            ("deflate;q=0.5, gzip;q=31", Some("gzip")),
            ("gzip;q=31,deflate;q=51", Some("gzip")),
            ("deflate;q=0.5, gzip;q=0.2", Some("deflate")),
            ("deflate;q=0.5, gzip;q=1;q=0.2", Some("gzip")),
            ("deflate;q=0.5,gzip;q=0.", Some("deflate")),
            ("deflate;q=0.5,gzip;q=0.x", Some("gzip")),
            ("deflate;q=-0.5,gzip;q=0.2", Some("gzip")),
            ("gzip;nq=0;q=1", None),
            ("gzip;nq=1;q=0 ", None),
            ("gzip;q =0;q=1", Some("gzip")),
            ("gzip;q= 0;q=1", None),
            ("gzip; q=0;q=1", None),
            ("gzip;q=0, gzip;q=1, gzip;q=0", Some("gzip")),
            ("br,identity;q=0.5,gzip;q=0.0001", Some("gzip")),
        ] {
            assert_eq!(accept(value), want, "{value:?}");
        }
        assert_eq!(negotiate(&HeaderMap::new()), None);
        let mut two = HeaderMap::new();
        two.append(header::ACCEPT_ENCODING, HeaderValue::from_static("identity"));
        two.append(header::ACCEPT_ENCODING, HeaderValue::from_static("gzip"));
        assert_eq!(negotiate(&two), None, "only the first header counts");
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        Coding::Gzip.compress(data).unwrap()
    }

    fn with_coding(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn gzip_request_bodies_are_inflated_and_bad_ones_refused() {
        let body = br#"{"TableName":"T"}"#;
        let plain = bytes::Bytes::from_static(body);
        assert_eq!(request_body(&HeaderMap::new(), plain.clone(), 100).unwrap(), plain);
        assert_eq!(request_body(&with_coding("gzip"), gzip(body).into(), 100).unwrap(), plain);
        // Two gzip members in a row are one body.
        let mut two = gzip(&body[..5]);
        two.extend(gzip(&body[5..]));
        assert_eq!(request_body(&with_coding("gzip"), two.into(), 100).unwrap(), plain);
        let internal = |r: Result<bytes::Bytes, ApiError>| matches!(r, Err(ApiError::Internal(_)));
        assert!(internal(request_body(&with_coding("garbage"), plain.clone(), 100)));
        assert!(internal(request_body(&with_coding("gzip"), plain.clone(), 100)));
        assert!(internal(request_body(&with_coding("gzip"), bytes::Bytes::new(), 100)));
        let mut truncated = gzip(body);
        truncated.pop();
        assert!(internal(request_body(&with_coding("gzip"), truncated.into(), 100)));
        let mut junk = gzip(body);
        junk.extend_from_slice(b"junk");
        assert!(internal(request_body(&with_coding("gzip"), junk.into(), 100)));
        // The inflated size is bounded.
        let big = gzip(&vec![b' '; 10_000]);
        assert!(matches!(request_body(&with_coding("gzip"), big.into(), 1000), Err(ApiError::RequestEntityTooLarge)));
    }

    #[test]
    fn deflate_request_bodies_are_one_zlib_stream() {
        // Alternator's test_compressed_request.py (run against DynamoDB):
        // a zlib stream is inflated; nothing may follow it.
        let body = br#"{"TableName":"T"}"#;
        let plain = bytes::Bytes::from_static(body);
        let deflate = |d: &[u8]| Coding::Deflate.compress(d).unwrap();
        assert_eq!(request_body(&with_coding("deflate"), deflate(body).into(), 100).unwrap(), plain);
        assert_eq!(request_body(&with_coding("DEFLATE"), deflate(body).into(), 100).unwrap(), plain);
        let internal = |r: Result<bytes::Bytes, ApiError>| matches!(r, Err(ApiError::Internal(_)));
        let mut two = deflate(&body[..5]);
        two.extend(deflate(&body[5..]));
        assert!(internal(request_body(&with_coding("deflate"), two.into(), 100)));
        assert!(internal(request_body(&with_coding("deflate"), plain.clone(), 100)));
        assert!(internal(request_body(&with_coding("deflate"), bytes::Bytes::new(), 100)));
        let mut truncated = deflate(body);
        truncated.pop();
        assert!(internal(request_body(&with_coding("deflate"), truncated.into(), 100)));
        let big = deflate(&vec![b' '; 10_000]);
        assert!(matches!(request_body(&with_coding("deflate"), big.into(), 1000), Err(ApiError::RequestEntityTooLarge)));
    }

    #[test]
    fn deflate_is_zlib() {
        let data = vec![b'x'; 5000];
        let z = Coding::Deflate.compress(&data).unwrap();
        let mut out = Vec::new();
        flate2::read::ZlibDecoder::new(&z[..]).read_to_end(&mut out).unwrap();
        assert_eq!(out, data);
    }
}
