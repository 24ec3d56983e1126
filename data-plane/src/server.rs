//! The HTTP front of the DynamoDB API. Every request passes through one
//! wrapper, in DynamoDB's order: method and content type (else 404) →
//! size limit → read body → inflate a gzipped body → parse JSON (else a
//! bare SerializationException) → route `X-Amz-Target` (else
//! UnknownOperation) → verify SigV4 on the raw bytes → check the JSON
//! types against the operation's model (SerializationException) →
//! authorize (IAM policies) → dispatch → encode, with the request id,
//! CRC32 header, response content type, compression, CORS, metrics and
//! error mapping done here once. A form-encoded request signed for STS
//! goes to `crate::sts` instead.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use ddb_core::Operation;
use http_body_util::BodyExt;
use rand::Rng;

use crate::authz::{authorize, Origin};
use crate::error::ApiError;
use crate::{ops, DataPlane};

/// The JSON 1.0 content type DynamoDB speaks.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.0";

/// The plain JSON content type, which DynamoDB also accepts and repeats.
const JSON_CONTENT_TYPE: &str = "application/json";

/// DynamoDB's `Server` header.
const SERVER: &str = "Server";

/// What a browser may read of a cross-origin response.
const CORS_EXPOSE: &str = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,x-amz-crc32,Date";

/// How long a browser may cache a preflight answer, in seconds.
const CORS_MAX_AGE: &str = "172800";

/// Every route of the data plane.
pub fn router(dp: Arc<DataPlane>) -> Router {
    Router::new()
        .route("/", get(health).post(api).options(preflight).fallback(not_found))
        .route("/metrics", get(metrics))
        .fallback(not_found)
        .with_state(dp)
}

/// `GET /`: DynamoDB's health check names the host it was asked as.
async fn health(State(dp): State<Arc<DataPlane>>, headers: HeaderMap) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map_or_else(|| format!("dynamodb.{}.amazonaws.com", dp.config.region), str::to_owned);
    let mut res = ([(header::SERVER, SERVER)], format!("healthy: {host} ")).into_response();
    cors(&headers, res.headers_mut(), false);
    res
}

async fn metrics(State(dp): State<Arc<DataPlane>>) -> impl IntoResponse {
    if let Some(cache) = &dp.row_cache {
        dp.metrics.observe_row_cache(cache.stats());
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        dp.metrics.render(),
    )
}

/// Response headers DynamoDB sends, named once (a name given as a string
/// is parsed and copied on every response).
const REQUEST_ID: HeaderName = HeaderName::from_static("x-amzn-requestid");
const CRC32: HeaderName = HeaderName::from_static("x-amz-crc32");

/// DynamoDB-style request id: 52 characters of `[A-Z0-9]`.
fn request_id() -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    // One draw of random bytes for the whole id (a draw per character
    // showed in request-path profiles), mapped in place and taken as the
    // string without a character-by-character copy; the modulo bias is
    // irrelevant for an identifier.
    let mut bytes = vec![0u8; 52];
    rand::thread_rng().fill(&mut bytes[..]);
    for b in &mut bytes {
        *b = CHARS.get(usize::from(*b) % CHARS.len()).copied().unwrap_or(b'A');
    }
    String::from_utf8(bytes).unwrap_or_default()
}

async fn api(State(dp): State<Arc<DataPlane>>, request: axum::extract::Request) -> Response {
    let started = Instant::now();
    let id = request_id();
    let mut op = None;
    let (parts, body) = request.into_parts();
    if crate::sts::is_call(&parts.headers) {
        let raw = read_body(body, dp.config.max_body_bytes).await;
        return crate::sts::serve(&dp, &parts, raw);
    }
    let Some(content_type) = json_content_type(&parts.headers, &body) else {
        // Too large a body is refused as such whatever it holds (dynalite's
        // connection.js, recorded against DynamoDB: 16 MiB + 1 unsigned
        // bytes get a 413, 16 MiB a 404).
        if drain(body).await > dp.config.max_body_bytes {
            let e = ApiError::RequestEntityTooLarge;
            dp.metrics.observe(None, Some(e.code()), started.elapsed().as_secs_f64());
            return error_response(&e, &id, None, CONTENT_TYPE);
        }
        return not_found_with(&id);
    };
    let origin = Origin {
        ip: parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip()),
        secure: false,
    };
    let result = handle(&dp, &parts.method, &parts.uri, &parts.headers, origin, body, &mut op).await;
    let error = result.as_ref().err().map(ApiError::code);
    dp.metrics.observe(op, error, started.elapsed().as_secs_f64());
    let coding = crate::encoding::negotiate(&parts.headers);
    let mut res = match result {
        Ok(reply) => respond(StatusCode::OK, reply.into_bytes(), &id, coding, content_type),
        Err(e) => {
            tracing::debug!(request_id = %id, operation = ?op, error = %e, "request failed");
            error_response(&e, &id, coding, content_type)
        }
    };
    cors(&parts.headers, res.headers_mut(), false);
    res
}

/// An error's answer: its status and its JSON body.
fn error_response(e: &ApiError, id: &str, coding: Option<crate::encoding::Coding>, content_type: &'static str) -> Response {
    let status = StatusCode::from_u16(e.code().status()).unwrap_or(StatusCode::BAD_REQUEST);
    respond(status, ops::Reply::Json(e.body(id)).into_bytes(), id, coding, content_type)
}

/// CORS, for browsers calling from another origin: every answer to a
/// request with an `Origin` allows any origin and exposes DynamoDB's
/// headers; a preflight (`OPTIONS`) also allows the method and headers it
/// asks about and may be cached.
fn cors(request: &HeaderMap, response: &mut HeaderMap, preflight: bool) {
    if !request.contains_key(header::ORIGIN) {
        return;
    }
    response.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    response.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static(CORS_EXPOSE));
    if preflight {
        response.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static(CORS_MAX_AGE));
        for (asked, allowed) in [
            (header::ACCESS_CONTROL_REQUEST_METHOD, header::ACCESS_CONTROL_ALLOW_METHODS),
            (header::ACCESS_CONTROL_REQUEST_HEADERS, header::ACCESS_CONTROL_ALLOW_HEADERS),
        ] {
            if let Some(v) = request.get(&asked) {
                response.insert(allowed, v.clone());
            }
        }
    }
}

/// `OPTIONS /`: a CORS preflight; without an `Origin` it is no request
/// DynamoDB serves.
async fn preflight(headers: HeaderMap) -> Response {
    let id = request_id();
    if !headers.contains_key(header::ORIGIN) {
        return not_found_with(&id);
    }
    let mut res = Response::new(Body::empty());
    res.headers_mut().insert(header::SERVER, HeaderValue::from_static(SERVER));
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, v);
    }
    cors(&headers, res.headers_mut(), true);
    res
}

/// Any other method or path.
async fn not_found() -> Response {
    not_found_with(&request_id())
}

/// DynamoDB's answer to a request that is not an API call (another
/// method, or a body that is not JSON by its content type).
fn not_found_with(id: &str) -> Response {
    const BODY: &str = "<UnknownOperationException/>\n";
    let mut res = Response::new(Body::from(BODY));
    *res.status_mut() = StatusCode::NOT_FOUND;
    let h = res.headers_mut();
    h.insert(header::SERVER, HeaderValue::from_static(SERVER));
    h.insert(CRC32, HeaderValue::from(crc32fast::hash(BODY.as_bytes())));
    if let Ok(v) = HeaderValue::from_str(id) {
        h.insert(REQUEST_ID, v);
    }
    res
}

/// The JSON content type of an API call, which its answer repeats:
/// `application/x-amz-json-1.0` or `application/json` (parameters after a
/// `;` are ignored); `application/json` when a request without a body
/// names none. `None`: DynamoDB answers 404.
fn json_content_type(headers: &HeaderMap, body: &Body) -> Option<&'static str> {
    use axum::body::HttpBody as _;
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return body.is_end_stream().then_some(JSON_CONTENT_TYPE);
    };
    let main = value.to_str().ok()?.split(';').next().unwrap_or_default().trim();
    if main.eq_ignore_ascii_case(CONTENT_TYPE) {
        Some(CONTENT_TYPE)
    } else if main.eq_ignore_ascii_case(JSON_CONTENT_TYPE) {
        Some(JSON_CONTENT_TYPE)
    } else {
        None
    }
}

async fn handle(
    dp: &DataPlane,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    origin: Origin,
    body: Body,
    op_out: &mut Option<Operation>,
) -> Result<ops::Reply, ApiError> {
    let raw = read_body(body, dp.config.max_body_bytes).await?;
    let catalog = dp.catalog.load_full().ok_or(ApiError::ServiceUnavailable)?;
    let bytes = crate::encoding::request_body(headers, raw.clone(), dp.config.max_body_bytes)?;
    // An empty body is refused only once the caller is known.
    let parsed = if bytes.iter().all(u8::is_ascii_whitespace) { None } else { Some(crate::body::parse_json(&bytes)?) };
    let op = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(Operation::from_target)
        .ok_or(ApiError::UnknownOperation)?;
    *op_out = Some(op);
    // The signature covers the bytes as sent, before any inflating.
    let mut caller =
        crate::auth::verify(&dp.signing_keys, &catalog, &dp.config.region, method, uri, headers, &raw, chrono::Utc::now())?;
    caller.source_ip = origin.ip;
    let mut value = parsed.ok_or(ApiError::UnparsableBody)?;
    // SearchVectors refuses a fractional TopK where the other operations'
    // deserializer truncates integers (Alternator's test_vector_new.py,
    // run against DynamoDB: Dimensions 6.7 is 6, TopK 1.5 is refused).
    if op == Operation::SearchVectors {
        ddb_core::api::wire::check(op.name(), &value)
    } else {
        ddb_core::api::wire::check_and_coerce(op.name(), &mut value)
    }
    .map_err(ApiError::Serialization)?;
    let renamed = ops::resolve_table_arns(op, &caller, &mut value)?;
    authorize(&caller, &catalog, op, &value, origin)?;
    dp.throttle.check(&caller, &catalog, op, &value)?;
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    ops::dispatch(dp, op, &caller, &catalog, host, value, &renamed).await
}

/// How much of a body that is refused unread (too large, or no API call)
/// is still read and dropped, so the client finishes sending and reads the
/// answer instead of finding the connection closed under it.
const DRAIN_BYTES: usize = 64 * 1024 * 1024;

/// The request body, up to `limit` bytes; a larger one is drained (up to
/// [`DRAIN_BYTES`]) and refused with a 413.
async fn read_body(mut body: Body, limit: usize) -> Result<Bytes, ApiError> {
    let unreadable = |e: axum::Error| ApiError::Serialization(format!("could not read the request body: {e}"));
    // One frame (the usual case) is kept as it is, without a copy.
    let mut first: Option<Bytes> = None;
    let mut rest: Vec<u8> = Vec::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame.map_err(unreadable)?.into_data() else { continue };
        seen = seen.saturating_add(data.len());
        if seen > limit {
            if seen > DRAIN_BYTES {
                break;
            }
            continue;
        }
        match &first {
            None => first = Some(data),
            Some(f) => {
                if rest.is_empty() {
                    rest.extend_from_slice(f);
                }
                rest.extend_from_slice(&data);
            }
        }
    }
    if seen > limit {
        return Err(ApiError::RequestEntityTooLarge);
    }
    Ok(if rest.is_empty() { first.unwrap_or_default() } else { Bytes::from(rest) })
}

/// Reads and drops what is left of a body that will not be served (up to
/// [`DRAIN_BYTES`]); how many bytes that was.
async fn drain(mut body: Body) -> usize {
    let mut seen = 0usize;
    while let Some(Ok(frame)) = body.frame().await {
        if let Some(data) = frame.data_ref() {
            seen = seen.saturating_add(data.len());
            if seen > DRAIN_BYTES {
                break;
            }
        }
    }
    seen
}

/// The response, compressed with `coding` when it is over 4 KB; the CRC32
/// header covers the bytes sent.
fn respond(
    status: StatusCode,
    body: Vec<u8>,
    id: &str,
    coding: Option<crate::encoding::Coding>,
    content_type: &'static str,
) -> Response {
    let compressed = coding
        .filter(|_| body.len() > crate::encoding::COMPRESS_ABOVE)
        .and_then(|c| Some((c, c.compress(&body)?)));
    let encoded = compressed.as_ref().map(|(c, _)| *c);
    let body = compressed.map_or(body, |(_, b)| b);
    let crc = crc32fast::hash(&body);
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = status;
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::SERVER, HeaderValue::from_static(SERVER));
    if let Some(c) = encoded {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(c.name()));
    }
    if let Ok(v) = HeaderValue::from_str(id) {
        h.insert(REQUEST_ID, v);
    }
    h.insert(CRC32, HeaderValue::from(crc));
    res
}

#[cfg(test)]
mod tests {
    use super::request_id;

    #[test]
    fn request_ids_are_52_uppercase_letters_and_digits_and_differ() {
        let a = request_id();
        let b = request_id();
        assert_eq!(a.len(), 52);
        assert!(a.bytes().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()), "{a}");
        assert_ne!(a, b);
    }
}
