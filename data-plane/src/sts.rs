//! AWS STS's `GetCallerIdentity`, answered on the data-plane endpoint, so
//! that code which asks STS who it is (for its account id, to build ARNs or
//! resource policies, as many test fixtures do) works with only the
//! endpoint changed (`AWS_ENDPOINT_URL_STS`, or `AWS_ENDPOINT_URL`).
//!
//! Only that action is served: Dynastore issues long-term access keys, not
//! temporary credentials. A request is STS's when it is form-encoded and
//! signed for the `sts` service; the wire is STS's query protocol (a
//! form-encoded POST, an XML answer, XML errors). As in AWS, the call
//! needs no permission: even an explicit deny cannot stop it.

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use sha2::{Digest, Sha256};

use crate::auth::Verified;
use crate::error::ApiError;
use crate::DataPlane;

/// The service name STS credentials are scoped to.
pub const SERVICE: &str = "sts";

/// The API version every STS call names.
const VERSION: &str = "2011-06-15";

const NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// A form-encoded request whose `Authorization` header is scoped to STS.
pub fn is_call(headers: &HeaderMap) -> bool {
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"));
    form && headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(credential_service)
        .is_some_and(|s| s == SERVICE)
}

/// The service of an `Authorization` header's credential scope
/// (`Credential=AKID/date/region/service/aws4_request`).
fn credential_service(authorization: &str) -> Option<&str> {
    let (_, rest) = authorization.split_once("Credential=")?;
    let credential = rest.split([',', ' ']).next()?;
    credential.split('/').nth(3)
}

/// An STS error: its status, code and message.
#[derive(Debug, PartialEq, Eq)]
struct StsError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl StsError {
    fn sender(status: StatusCode, code: &'static str, message: impl Into<String>) -> StsError {
        StsError { status, code, message: message.into() }
    }
}

impl From<ApiError> for StsError {
    /// The errors authentication can end in, as STS words them.
    fn from(e: ApiError) -> StsError {
        match e {
            ApiError::MissingAuthenticationToken => StsError::sender(
                StatusCode::FORBIDDEN,
                "MissingAuthenticationToken",
                "Request is missing Authentication Token",
            ),
            ApiError::IncompleteSignature(m) => StsError::sender(StatusCode::BAD_REQUEST, "IncompleteSignature", m),
            ApiError::InvalidSignature(m) => StsError::sender(StatusCode::FORBIDDEN, "SignatureDoesNotMatch", m),
            ApiError::UnrecognizedClient => StsError::sender(
                StatusCode::FORBIDDEN,
                "InvalidClientTokenId",
                "The security token included in the request is invalid.",
            ),
            ApiError::AccessDenied(m) => StsError::sender(StatusCode::FORBIDDEN, "AccessDenied", m),
            ApiError::RequestEntityTooLarge => {
                StsError::sender(StatusCode::PAYLOAD_TOO_LARGE, "RequestEntityTooLarge", "Request entity too large")
            }
            ApiError::ServiceUnavailable => StsError {
                status: StatusCode::SERVICE_UNAVAILABLE,
                code: "ServiceUnavailable",
                message: "Service is unavailable.".into(),
            },
            other => StsError::sender(StatusCode::BAD_REQUEST, "InvalidRequest", other.to_string()),
        }
    }
}

/// Serves one STS request (`is_call` said it is one); `raw` is its body.
pub fn serve(dp: &DataPlane, parts: &axum::http::request::Parts, raw: Result<axum::body::Bytes, ApiError>) -> Response {
    let id = request_id();
    match answer(dp, parts, raw) {
        Ok(result) => xml_response(StatusCode::OK, &id, &success(&result, &id)),
        Err(e) => {
            tracing::debug!(request_id = %id, code = e.code, message = %e.message, "STS request failed");
            xml_response(e.status, &id, &failure(&e, &id))
        }
    }
}

/// Who the caller is, as `GetCallerIdentity` reports it.
#[derive(Debug, PartialEq, Eq)]
struct Identity {
    arn: String,
    user_id: String,
    account: String,
}

fn answer(dp: &DataPlane, parts: &axum::http::request::Parts, raw: Result<axum::body::Bytes, ApiError>) -> Result<Identity, StsError> {
    let raw = raw?;
    let catalog = dp.catalog.load_full().ok_or(ApiError::ServiceUnavailable)?;
    let caller = crate::auth::verify_for(
        SERVICE,
        &dp.signing_keys,
        &catalog,
        &dp.config.region,
        &parts.method,
        &parts.uri,
        &parts.headers,
        &raw,
        chrono::Utc::now(),
    )?;
    let form = parse_form(&raw);
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let action = field("Action").unwrap_or_default();
    let version = field("Version").unwrap_or_default();
    if action != "GetCallerIdentity" || version != VERSION {
        return Err(StsError::sender(
            StatusCode::BAD_REQUEST,
            "InvalidAction",
            format!("Could not find operation {action} for version {version}"),
        ));
    }
    let internal_id = caller
        .user_name
        .as_deref()
        .and_then(|name| catalog.user(&caller.tenant.id, name))
        .map(|u| u.record.id.clone());
    Ok(identity(&caller, internal_id.as_deref()))
}

/// The identity of a verified caller; `internal_id` is its IAM user's id.
fn identity(caller: &Verified, internal_id: Option<&str>) -> Identity {
    let account = caller.tenant.account_id.clone();
    let user_id = match &caller.user_name {
        // The tenant's root is identified by its account id, as in AWS.
        None => account.clone(),
        Some(name) => user_id(&caller.tenant.id, internal_id.unwrap_or(name)),
    };
    Identity { arn: caller.principal_arn(), user_id, account }
}

/// An IAM user's unique id in AWS's shape: `AIDA` and 17 characters of
/// base32, derived from the user's internal id (stable, and unique per
/// user in practice).
fn user_id(tenant_id: &str, internal_id: &str) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let digest = Sha256::digest(format!("{tenant_id}/{internal_id}").as_bytes());
    let mut id = String::from("AIDA");
    // 17 characters of 5 bits each from the digest's first 85 bits.
    let mut bits = 0u32;
    let mut held = 0u32;
    for byte in digest.iter() {
        bits = (bits << 8) | u32::from(*byte);
        held += 8;
        while held >= 5 && id.len() < 21 {
            held -= 5;
            let index = (bits >> held) & 31;
            id.push(char::from(ALPHABET.get(index as usize).copied().unwrap_or(b'A')));
        }
        bits &= (1 << held) - 1;
        if id.len() >= 21 {
            break;
        }
    }
    id
}

/// `application/x-www-form-urlencoded` pairs, percent-decoded (`+` is a
/// space); a malformed escape is kept as it is.
fn parse_form(body: &[u8]) -> Vec<(String, String)> {
    body.split(|b| *b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let mut kv = pair.splitn(2, |b| *b == b'=');
            let key = kv.next().unwrap_or_default();
            let value = kv.next().unwrap_or_default();
            (decode(key), decode(value))
        })
        .collect()
}

fn decode(s: &[u8]) -> String {
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while let Some(&b) = s.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => match (s.get(i + 1).copied().and_then(hex), s.get(i + 2).copied().and_then(hex)) {
                (Some(h), Some(l)) => {
                    out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Text escaped for an XML element.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

fn success(identity: &Identity, id: &str) -> String {
    format!(
        "<GetCallerIdentityResponse xmlns=\"{NAMESPACE}\">\n  <GetCallerIdentityResult>\n    <Arn>{}</Arn>\n    <UserId>{}</UserId>\n    <Account>{}</Account>\n  </GetCallerIdentityResult>\n  <ResponseMetadata>\n    <RequestId>{id}</RequestId>\n  </ResponseMetadata>\n</GetCallerIdentityResponse>\n",
        escape(&identity.arn),
        escape(&identity.user_id),
        escape(&identity.account),
    )
}

fn failure(e: &StsError, id: &str) -> String {
    let kind = if e.status.is_server_error() { "Receiver" } else { "Sender" };
    format!(
        "<ErrorResponse xmlns=\"{NAMESPACE}\">\n  <Error>\n    <Type>{kind}</Type>\n    <Code>{}</Code>\n    <Message>{}</Message>\n  </Error>\n  <RequestId>{id}</RequestId>\n</ErrorResponse>\n",
        e.code,
        escape(&e.message),
    )
}

fn xml_response(status: StatusCode, id: &str, body: &str) -> Response {
    let mut res = Response::new(Body::from(body.to_owned()));
    *res.status_mut() = status;
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    if let Ok(v) = HeaderValue::from_str(id) {
        h.insert("x-amzn-requestid", v);
    }
    res
}

/// STS's request ids are UUIDs.
fn request_id() -> String {
    crate::ids::uuid_v4()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(content_type: &str, authorization: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_str(content_type).unwrap());
        h.insert(header::AUTHORIZATION, HeaderValue::from_str(authorization).unwrap());
        h
    }

    const STS_AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20261130/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=00";

    #[test]
    fn a_form_signed_for_sts_is_an_sts_call() {
        assert!(is_call(&headers("application/x-www-form-urlencoded; charset=utf-8", STS_AUTH)));
        let dynamodb = STS_AUTH.replace("/sts/", "/dynamodb/");
        assert!(!is_call(&headers("application/x-www-form-urlencoded", &dynamodb)));
        assert!(!is_call(&headers("application/x-amz-json-1.0", STS_AUTH)));
        assert!(!is_call(&HeaderMap::new()));
    }

    #[test]
    fn forms_are_percent_decoded() {
        let form = parse_form(b"Action=GetCallerIdentity&Version=2011-06-15&X=a+b%2Fc%zz&&Y");
        assert_eq!(
            form,
            vec![
                ("Action".into(), "GetCallerIdentity".into()),
                ("Version".into(), "2011-06-15".into()),
                ("X".into(), "a b/c%zz".into()),
                ("Y".into(), String::new()),
            ]
        );
    }

    #[test]
    fn user_ids_have_the_shape_of_aws_ones() {
        let a = user_id("t1", "u-1");
        assert_eq!(a.len(), 21);
        assert!(a.starts_with("AIDA"));
        assert!(a.bytes().all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b)), "{a}");
        assert_eq!(a, user_id("t1", "u-1"), "stable");
        assert_ne!(a, user_id("t1", "u-2"));
        assert_ne!(a, user_id("t2", "u-1"));
    }

    #[test]
    fn errors_are_worded_as_sts_words_them() {
        let e = StsError::from(ApiError::UnrecognizedClient);
        assert_eq!((e.status, e.code), (StatusCode::FORBIDDEN, "InvalidClientTokenId"));
        let xml = failure(&e, "id-1");
        assert!(xml.contains("<Type>Sender</Type>"), "{xml}");
        assert!(xml.contains("<Code>InvalidClientTokenId</Code>"), "{xml}");
        assert!(xml.contains("<RequestId>id-1</RequestId>"), "{xml}");
        let e = StsError::from(ApiError::InvalidSignature("bad & <worse>".into()));
        assert_eq!(e.code, "SignatureDoesNotMatch");
        assert!(failure(&e, "x").contains("<Message>bad &amp; &lt;worse&gt;</Message>"));
    }

    #[test]
    fn request_ids_are_uuids() {
        let id = request_id();
        assert_eq!(id.len(), 36);
        assert_eq!(id.matches('-').count(), 4);
    }
}
