//! The HTTP front of the DynamoDB API. Every request passes through one
//! wrapper: size limit → read body → verify SigV4 on the raw bytes → route
//! `X-Amz-Target` → parse JSON → authorize (IAM policies) → dispatch → encode, with the request id,
//! CRC32 header, metrics and error mapping done here once.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
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

/// DynamoDB's `Server` header.
const SERVER: &str = "Server";

/// Responses larger than this are gzipped for clients that accept it, as
/// DynamoDB does.
const COMPRESS_ABOVE: usize = 4096;

/// Every route of the data plane.
pub fn router(dp: Arc<DataPlane>) -> Router {
    Router::new()
        .route("/", get(health).post(api))
        .route("/metrics", get(metrics))
        .with_state(dp)
}

/// `GET /`: DynamoDB's health check names the host it was asked as.
async fn health(State(dp): State<Arc<DataPlane>>, headers: HeaderMap) -> impl IntoResponse {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map_or_else(|| format!("dynamodb.{}.amazonaws.com", dp.config.region), str::to_owned);
    ([(header::SERVER, SERVER)], format!("healthy: {host} "))
}

async fn metrics(State(dp): State<Arc<DataPlane>>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        dp.metrics.render(),
    )
}

/// DynamoDB-style request id: 52 characters of `[A-Z0-9]`.
fn request_id() -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    // One draw of random bytes for the whole id (a draw per character
    // showed in request-path profiles); the modulo bias is irrelevant for
    // an identifier.
    let mut bytes = [0u8; 52];
    rand::thread_rng().fill(&mut bytes[..]);
    bytes
        .iter()
        .map(|b| char::from(CHARS.get(usize::from(*b) % CHARS.len()).copied().unwrap_or(b'A')))
        .collect()
}

async fn api(State(dp): State<Arc<DataPlane>>, request: axum::extract::Request) -> Response {
    let started = Instant::now();
    let id = request_id();
    let mut op = None;
    let (parts, body) = request.into_parts();
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
    let gzip = accepts_gzip(&parts.headers);
    match result {
        Ok(reply) => respond(StatusCode::OK, reply.into_bytes(), &id, gzip),
        Err(e) => {
            let status = StatusCode::from_u16(e.code().status()).unwrap_or(StatusCode::BAD_REQUEST);
            tracing::debug!(request_id = %id, operation = ?op, error = %e, "request failed");
            respond(status, ops::Reply::Json(e.body(&id)).into_bytes(), &id, gzip)
        }
    }
}

/// True when `Accept-Encoding` lists gzip (with a non-zero weight).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let refused = parts.any(|p| p.strip_prefix("q=").is_some_and(|q| q.parse::<f32>().is_ok_and(|q| q <= 0.0)));
            name.eq_ignore_ascii_case("gzip") && !refused
        })
}

/// `body` gzipped, or `None` if compression failed.
fn gzipped(body: &[u8]) -> Option<Vec<u8>> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::with_capacity(body.len() / 4), flate2::Compression::fast());
    enc.write_all(body).ok()?;
    enc.finish().ok()
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
    let bytes = read_body(body, dp.config.max_body_bytes).await?;
    let catalog = dp.catalog.load_full().ok_or(ApiError::ServiceUnavailable)?;
    let mut caller = crate::auth::verify(&dp.signing_keys, &catalog, method, uri, headers, &bytes, chrono::Utc::now())?;
    caller.source_ip = origin.ip;
    let op = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(Operation::from_target)
        .ok_or(ApiError::UnknownOperation)?;
    *op_out = Some(op);
    let value = parse_json(&bytes)?;
    authorize(&caller, &catalog, op, &value, origin)?;
    dp.throttle.check(&caller, &catalog, op, &value)?;
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    ops::dispatch(dp, op, &caller, &catalog, host, value).await
}

async fn read_body(body: Body, limit: usize) -> Result<Bytes, ApiError> {
    let limited = http_body_util::Limited::new(body, limit);
    match limited.collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(ApiError::RequestEntityTooLarge),
        Err(e) => Err(ApiError::Serialization(format!("could not read the request body: {e}"))),
    }
}

fn parse_json(bytes: &[u8]) -> Result<serde_json::Value, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Value::Object(serde_json::Map::new()));
    }
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(v @ serde_json::Value::Object(_)) => Ok(v),
        Ok(_) => Err(ApiError::Serialization(
            "Start of structure or map found where not expected.".into(),
        )),
        Err(_) => Err(ApiError::Serialization(
            "Unexpected character found while parsing the request body as JSON.".into(),
        )),
    }
}

/// The response: the CRC32 header covers the bytes sent (compressed ones
/// when the body is gzipped).
fn respond(status: StatusCode, body: Vec<u8>, id: &str, gzip: bool) -> Response {
    let compressed = if gzip && body.len() > COMPRESS_ABOVE { gzipped(&body) } else { None };
    let encoded = compressed.is_some();
    let body = compressed.unwrap_or(body);
    let crc = crc32fast::hash(&body);
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = status;
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    h.insert(header::SERVER, HeaderValue::from_static(SERVER));
    if encoded {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    if let Ok(v) = HeaderValue::from_str(id) {
        h.insert("x-amzn-requestid", v);
    }
    h.insert("x-amz-crc32", HeaderValue::from(crc));
    res
}
