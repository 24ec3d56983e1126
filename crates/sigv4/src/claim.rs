//! Step 1 of verification: find the signature claim in a request (the
//! `Authorization` header or the presigned `X-Amz-*` query parameters),
//! check its shape and its time window, and report problems with the
//! messages DynamoDB sends.
//!
//! Checks run in the order DynamoDB applies them (as observed against the
//! real service and recorded by the dynalite project):
//!
//! 1. no claim at all, or an `Authorization` header not starting with
//!    `AWS4-` → `MissingAuthenticationToken`; both forms at once →
//!    `InvalidSignature`;
//! 2. malformed `key=value` pairs, then missing parameters / date header →
//!    `IncompleteSignature` (all missing items listed in one message);
//! 3. date format (`IncompleteSignature`), then the time window
//!    (`InvalidSignature`);
//! 4. `host` must be signed (`InvalidSignature`);
//! 5. algorithm must be `AWS4-HMAC-SHA256` (`IncompleteSignature`);
//! 6. credential must have 5 `/`-separated parts (`IncompleteSignature`);
//! 7. credential scope: region and service (only when the caller states
//!    what it expects, see [`Expected`]), terminator and date, all reported
//!    together (`InvalidSignature`).

use std::fmt;

use chrono::{DateTime, Utc};

use crate::encode::query_pairs;
use crate::error::{MSG_BOTH_AUTH_FORMS, MSG_HOST_NOT_SIGNED};
use crate::timefmt::{
    bad_date, check_presigned, check_skew, format_amz_date, parse_amz_date, parse_http_date,
};
use crate::{Error, Request, ALGORITHM, MAX_PRESIGN_EXPIRES, TERMINATOR};

/// What the request claims, from the `Authorization` header or the
/// presigned query parameters.
#[derive(Clone, PartialEq, Eq)]
pub struct Claim {
    /// Access key id (first credential element).
    pub access_key_id: String,
    /// Credential scope date, `yyyymmdd`.
    pub date: String,
    /// Credential scope region.
    pub region: String,
    /// Credential scope service (checked by the caller, see [`check_scope`]).
    pub service: String,
    /// Request time, `yyyymmddThhmmssZ` (converted from the `Date` header
    /// when that is what the client sent).
    pub amz_date: String,
    /// Signed header names, lower-cased, in the order the client listed them.
    pub signed_headers: Vec<String>,
    /// Claimed signature (hex).
    pub signature: String,
    /// True for the presigned (query-string) form.
    pub presigned: bool,
    /// `X-Amz-Expires` of a presigned request, in seconds.
    pub expires: Option<u64>,
    /// Session token: `x-amz-security-token` header, or the
    /// `X-Amz-Security-Token` query parameter for presigned requests.
    pub security_token: Option<String>,
}

impl fmt::Debug for Claim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Claim")
            .field("access_key_id", &self.access_key_id)
            .field("date", &self.date)
            .field("region", &self.region)
            .field("service", &self.service)
            .field("amz_date", &self.amz_date)
            .field("signed_headers", &self.signed_headers)
            .field("signature", &self.signature)
            .field("presigned", &self.presigned)
            .field("expires", &self.expires)
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl Claim {
    /// `date/region/service/aws4_request`.
    #[must_use]
    pub fn credential_scope(&self) -> String {
        crate::credential_scope(&self.date, &self.region, &self.service)
    }
}

/// Scope values the caller expects. When set, [`parse_expecting`] reports a
/// mismatch together with the other scope problems in one message, exactly
/// as AWS does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Expected<'a> {
    /// Region this endpoint serves.
    pub region: Option<&'a str>,
    /// Service signing name, e.g. `dynamodb`.
    pub service: Option<&'a str>,
}

/// Find and parse the claim and check the date window against `now`.
/// Region and service are not checked (see [`check_scope`],
/// [`check_region`], [`parse_expecting`]).
///
/// # Errors
///
/// [`Error::MissingAuthenticationToken`] when the request carries no SigV4
/// claim, [`Error::IncompleteSignature`] when the claim is malformed, and
/// [`Error::InvalidSignature`] when it is outside its time window or its
/// scope is wrong; each with AWS's message.
pub fn parse(req: &Request<'_>, now: DateTime<Utc>) -> Result<Claim, Error> {
    parse_expecting(req, now, Expected::default())
}

/// Like [`parse`], also checking the credential scope's region and service.
///
/// # Errors
///
/// As [`parse`]; a wrong region or service is reported in the same
/// `InvalidSignature` message as the other scope problems.
pub fn parse_expecting(
    req: &Request<'_>,
    now: DateTime<Utc>,
    expected: Expected<'_>,
) -> Result<Claim, Error> {
    let params: Vec<(String, String)> = req
        .query
        .map(query_pairs)
        .unwrap_or_default()
        .into_iter()
        .map(|(name, value)| {
            (
                String::from_utf8_lossy(&name).into_owned(),
                String::from_utf8_lossy(&value).into_owned(),
            )
        })
        .collect();
    let has_query_auth = params.iter().any(|(name, _)| name == "X-Amz-Algorithm");
    match (req.header("authorization"), has_query_auth) {
        (Some(_), true) => Err(Error::InvalidSignature(MSG_BOTH_AUTH_FORMS.to_owned())),
        (None, false) => Err(Error::MissingAuthenticationToken),
        (Some(auth), false) => from_header(req, auth, now, expected),
        (None, true) => from_query(req, &params, now, expected),
    }
}

/// Check the credential scope's service against the one this endpoint
/// signs for (`dynamodb`). Message as sent by AWS.
///
/// # Errors
///
/// [`Error::InvalidSignature`] when the service differs.
pub fn check_scope(claim: &Claim, expected_service: &str) -> Result<(), Error> {
    if claim.service == expected_service {
        Ok(())
    } else {
        Err(Error::InvalidSignature(service_message(expected_service)))
    }
}

/// Check the credential scope's region against the one this endpoint
/// serves. Message as sent by AWS.
///
/// # Errors
///
/// [`Error::InvalidSignature`] when the region differs.
pub fn check_region(claim: &Claim, expected_region: &str) -> Result<(), Error> {
    if claim.region == expected_region {
        Ok(())
    } else {
        Err(Error::InvalidSignature(region_message(&claim.region)))
    }
}

fn region_message(got: &str) -> String {
    format!("Credential should be scoped to a valid region, not '{got}'. ")
}

fn service_message(expected: &str) -> String {
    format!("Credential should be scoped to correct service: '{expected}'. ")
}

fn terminator_message(got: &str) -> String {
    format!("Credential should be scoped with a valid terminator: '{TERMINATOR}', not '{got}'. ")
}

fn date_message(scope_date: &str, request_day: &str, amz_date: &str) -> String {
    format!(
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{scope_date}' != '{request_day}', from '{amz_date}'. "
    )
}

/// The parts both forms have in common once extracted.
struct Parts<'a> {
    algorithm: &'a str,
    credential: &'a str,
    signed_headers: &'a str,
    signature: &'a str,
    amz_date: String,
    presigned: bool,
    expires: Option<u64>,
    security_token: Option<String>,
}

fn non_empty(value: Option<&str>) -> Option<&str> {
    value.filter(|v| !v.is_empty())
}

fn is_separator(c: char) -> bool {
    c == ',' || c.is_ascii_whitespace()
}

fn from_header(
    req: &Request<'_>,
    auth: &str,
    now: DateTime<Utc>,
    expected: Expected<'_>,
) -> Result<Claim, Error> {
    let trimmed = auth.trim();
    if !trimmed.starts_with("AWS4-") {
        return Err(Error::MissingAuthenticationToken);
    }
    let (algorithm, rest) = trimmed.split_once(is_separator).unwrap_or((trimmed, ""));

    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for token in rest.split(is_separator).filter(|t| !t.is_empty()) {
        let Some((key, value)) = token.split_once('=') else {
            return Err(Error::IncompleteSignature(format!(
                "'{token}' not a valid key=value pair (missing equal-sign) in Authorization header: '{auth}'."
            )));
        };
        match key {
            "Credential" => credential = Some(value),
            "SignedHeaders" => signed_headers = Some(value),
            "Signature" => signature = Some(value),
            _ => {}
        }
    }

    let x_amz_date = non_empty(req.header("x-amz-date"));
    let date_header = non_empty(req.header("date"));
    let mut missing = String::new();
    if non_empty(credential).is_none() {
        missing.push_str("Authorization header requires 'Credential' parameter. ");
    }
    if non_empty(signature).is_none() {
        missing.push_str("Authorization header requires 'Signature' parameter. ");
    }
    // An empty SignedHeaders is accepted here; it fails the Host check below.
    if signed_headers.is_none() {
        missing.push_str("Authorization header requires 'SignedHeaders' parameter. ");
    }
    if x_amz_date.is_none() && date_header.is_none() {
        missing.push_str(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ",
        );
    }
    if !missing.is_empty() {
        missing.push_str("Authorization=");
        missing.push_str(auth);
        return Err(Error::IncompleteSignature(missing));
    }

    // A valid X-Amz-Date is already in the canonical format; only a Date
    // header needs formatting.
    let (time, amz_date) = match (x_amz_date, date_header) {
        (Some(raw), _) => {
            let value = raw.trim();
            (parse_amz_date(value).ok_or_else(|| bad_date(raw))?, value.to_owned())
        }
        (None, Some(value)) => {
            let time = parse_http_date(value).ok_or_else(|| bad_date(value))?;
            (time, format_amz_date(time))
        }
        (None, None) => return Err(Error::MissingAuthenticationToken),
    };
    check_skew(time, now)?;

    finish(
        Parts {
            algorithm,
            credential: credential.unwrap_or_default(),
            signed_headers: signed_headers.unwrap_or_default(),
            signature: signature.unwrap_or_default(),
            amz_date,
            presigned: false,
            expires: None,
            security_token: req
                .header("x-amz-security-token")
                .map(|t| t.trim().to_owned()),
        },
        expected,
    )
}

fn parse_expires(value: &str) -> Result<u64, Error> {
    let value = value.trim();
    match value.parse::<u64>() {
        Ok(seconds) if seconds <= MAX_PRESIGN_EXPIRES => Ok(seconds),
        Ok(_) => Err(Error::IncompleteSignature(
            "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds"
                .to_owned(),
        )),
        Err(_) if value.parse::<i64>().is_ok() => Err(Error::IncompleteSignature(
            "X-Amz-Expires must be non-negative".to_owned(),
        )),
        Err(_) => Err(Error::IncompleteSignature(
            "X-Amz-Expires should be a number".to_owned(),
        )),
    }
}

fn from_query(
    req: &Request<'_>,
    params: &[(String, String)],
    now: DateTime<Utc>,
    expected: Expected<'_>,
) -> Result<Claim, Error> {
    let raw = |name: &str| {
        params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let algorithm = non_empty(raw("X-Amz-Algorithm"));
    let credential = non_empty(raw("X-Amz-Credential"));
    let signature = non_empty(raw("X-Amz-Signature"));
    let signed_headers = non_empty(raw("X-Amz-SignedHeaders"));
    let date = non_empty(raw("X-Amz-Date"));

    let mut missing = String::new();
    for (name, value) in [
        ("X-Amz-Algorithm", algorithm),
        ("X-Amz-Credential", credential),
        ("X-Amz-Signature", signature),
        ("X-Amz-SignedHeaders", signed_headers),
        ("X-Amz-Date", date),
    ] {
        if value.is_none() {
            missing.push_str("AWS query-string parameters must include '");
            missing.push_str(name);
            missing.push_str("'. ");
        }
    }
    if !missing.is_empty() {
        missing.push_str("Re-examine the query-string parameters.");
        return Err(Error::IncompleteSignature(missing));
    }

    let expires = raw("X-Amz-Expires").map(parse_expires).transpose()?;
    let date = date.unwrap_or_default();
    let time = parse_amz_date(date.trim()).ok_or_else(|| bad_date(date))?;
    match expires {
        Some(seconds) => check_presigned(time, now, seconds)?,
        None => check_skew(time, now)?,
    }

    let security_token = raw("X-Amz-Security-Token").map(str::to_owned).or_else(|| {
        req.header("x-amz-security-token")
            .map(|t| t.trim().to_owned())
    });
    finish(
        Parts {
            algorithm: algorithm.unwrap_or_default(),
            credential: credential.unwrap_or_default(),
            signed_headers: signed_headers.unwrap_or_default(),
            signature: signature.unwrap_or_default(),
            amz_date: format_amz_date(time),
            presigned: true,
            expires,
            security_token,
        },
        expected,
    )
}

/// Split the credential on `/`, dropping trailing empty elements the way
/// Java's `String.split` does (AWS ignores trailing slashes).
fn credential_elements(credential: &str) -> Vec<&str> {
    let mut elements: Vec<&str> = credential.split('/').collect();
    while elements.last().is_some_and(|e| e.is_empty()) {
        elements.pop();
    }
    elements
}

fn finish(parts: Parts<'_>, expected: Expected<'_>) -> Result<Claim, Error> {
    let signed_headers: Vec<String> = if parts.signed_headers.is_empty() {
        Vec::new()
    } else {
        parts
            .signed_headers
            .split(';')
            .map(str::to_ascii_lowercase)
            .collect()
    };
    if !signed_headers.iter().any(|h| h == "host") {
        return Err(Error::InvalidSignature(MSG_HOST_NOT_SIGNED.to_owned()));
    }

    if parts.algorithm != ALGORITHM {
        return Err(Error::IncompleteSignature(format!(
            "Unsupported AWS 'algorithm': '{}' (only {ALGORITHM} for now). ",
            parts.algorithm
        )));
    }

    let elements = credential_elements(parts.credential);
    let [access_key_id, date, region, service, terminator] = elements.as_slice() else {
        return Err(Error::IncompleteSignature(format!(
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{}'",
            parts.credential
        )));
    };

    let mut scope_errors = String::new();
    if let Some(want) = expected.region {
        if *region != want {
            scope_errors.push_str(&region_message(region));
        }
    }
    if let Some(want) = expected.service {
        if *service != want {
            scope_errors.push_str(&service_message(want));
        }
    }
    if *terminator != TERMINATOR {
        scope_errors.push_str(&terminator_message(terminator));
    }
    let request_day = parts.amz_date.get(0..8).unwrap_or_default();
    if *date != request_day {
        scope_errors.push_str(&date_message(date, request_day, &parts.amz_date));
    }
    if !scope_errors.is_empty() {
        return Err(Error::InvalidSignature(scope_errors));
    }

    Ok(Claim {
        access_key_id: (*access_key_id).to_owned(),
        date: (*date).to_owned(),
        region: (*region).to_owned(),
        service: (*service).to_owned(),
        amz_date: parts.amz_date,
        signed_headers,
        signature: parts.signature.to_owned(),
        presigned: parts.presigned,
        expires: parts.expires,
        security_token: parts.security_token,
    })
}
