//! Content codings as DynamoDB handles them: a request body sent with
//! `Content-Encoding: gzip` is inflated (after its signature, which covers
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
    let values = headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok());
    for (position, item) in values.flat_map(|v| v.split(',')).enumerate() {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or_default().trim();
        // The first q counts; one that does not parse is ignored; weights
        // are clamped to 0..=1.
        let q = parts
            .filter_map(|param| param.split_once('='))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("q"))
            .and_then(|(_, v)| v.trim().parse::<f32>().ok())
            .unwrap_or(1.0)
            .clamp(0.0, 1.0);
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

/// The request body to parse: `body` itself, or inflated when
/// `Content-Encoding` says gzip. Any other coding, or gzip that does not
/// inflate (truncated, followed by junk, empty), is an internal error, as
/// DynamoDB answers. The inflated body may not exceed `limit` bytes.
pub fn request_body(headers: &HeaderMap, body: bytes::Bytes, limit: usize) -> Result<bytes::Bytes, ApiError> {
    let Some(coding) = headers.get(header::CONTENT_ENCODING) else {
        return Ok(body);
    };
    let coding = coding.to_str().unwrap_or_default().trim();
    if coding.is_empty() || coding.eq_ignore_ascii_case("identity") {
        return Ok(body);
    }
    if !coding.eq_ignore_ascii_case("gzip") {
        return Err(ApiError::Internal(format!("unsupported Content-Encoding {coding:?}")));
    }
    if body.is_empty() {
        return Err(ApiError::Internal("empty gzip request body".into()));
    }
    let mut out = Vec::with_capacity(body.len().saturating_mul(4).min(limit));
    let mut decoder = flate2::read::MultiGzDecoder::new(&body[..]).take(u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1));
    decoder
        .read_to_end(&mut out)
        .map_err(|e| ApiError::Internal(format!("request body does not inflate: {e}")))?;
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
            ("gzip;nq=1;q=0 ", None),
            ("gzip;q=0, gzip;q=1, gzip;q=0", Some("gzip")),
            ("br,identity;q=0.5,gzip;q=0.0001", Some("gzip")),
        ] {
            assert_eq!(accept(value), want, "{value:?}");
        }
        assert_eq!(negotiate(&HeaderMap::new()), None);
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
    fn deflate_is_zlib() {
        let data = vec![b'x'; 5000];
        let z = Coding::Deflate.compress(&data).unwrap();
        let mut out = Vec::new();
        flate2::read::ZlibDecoder::new(&z[..]).read_to_end(&mut out).unwrap();
        assert_eq!(out, data);
    }
}
