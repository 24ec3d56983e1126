//! The admin API's one error enum and its one mapping to HTTP:
//! `application/problem+json` documents (RFC 9457) with `type`, `title`,
//! `status` and `detail`. Handlers return [`AdminError`] and never build
//! error responses themselves.
//!
//! Internal errors are logged here, once, and answered as "internal
//! error"; authentication failures stay vague ("missing or invalid bearer
//! token") and carry `WWW-Authenticate: Bearer`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Everything the admin API answers with an error status.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// 400: malformed JSON, bad query or path parameters.
    #[error("{0}")]
    BadRequest(String),
    /// 401: no bearer token, or one that does not verify.
    #[error("missing or invalid bearer token")]
    Unauthorized,
    /// 403: a valid token whose role does not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// 404: unknown tenant, user, key, policy, table.
    #[error("{0} not found")]
    NotFound(String),
    /// 409: a name is taken, a limit is reached, or the resource is in use.
    #[error("{0}")]
    Conflict(String),
    /// 422: well-formed but invalid input (names, policy documents, values).
    #[error("{0}")]
    Invalid(String),
    /// 500: anything else; the cause is logged, not answered.
    #[error(transparent)]
    Internal(crate::Error),
}

impl AdminError {
    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            AdminError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AdminError::Unauthorized => StatusCode::UNAUTHORIZED,
            AdminError::Forbidden(_) => StatusCode::FORBIDDEN,
            AdminError::NotFound(_) => StatusCode::NOT_FOUND,
            AdminError::Conflict(_) => StatusCode::CONFLICT,
            AdminError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AdminError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The problem's `detail`: the message, except for internal errors.
    fn detail(&self) -> String {
        match self {
            AdminError::Internal(_) => "internal error".to_owned(),
            other => other.to_string(),
        }
    }
}

impl From<crate::Error> for AdminError {
    fn from(e: crate::Error) -> Self {
        match e {
            crate::Error::NotFound(what) => AdminError::NotFound(what),
            crate::Error::Conflict(msg) => AdminError::Conflict(msg),
            crate::Error::BadRequest(msg) => AdminError::BadRequest(msg),
            crate::Error::Unauthorized => AdminError::Unauthorized,
            other => AdminError::Internal(other),
        }
    }
}

impl From<sqlx::Error> for AdminError {
    fn from(e: sqlx::Error) -> Self {
        AdminError::Internal(crate::Error::Db(e))
    }
}

/// A problem document (RFC 9457), the body of every error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// Always `about:blank`: `title` is the status's reason phrase.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// What went wrong, for a person.
    pub detail: String,
}

impl Problem {
    /// The problem of `status` with `detail`.
    pub fn new(status: StatusCode, detail: &str) -> Problem {
        Problem {
            kind: "about:blank".into(),
            title: status.canonical_reason().unwrap_or("Error").into(),
            status: status.as_u16(),
            detail: detail.into(),
        }
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let AdminError::Internal(cause) = &self {
            tracing::error!(error = %cause, "admin request failed");
        }
        let body = serde_json::to_string(&Problem::new(status, &self.detail()))
            .unwrap_or_else(|_| String::from("{}"));
        let mut res = (status, body).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_opaque_internal_errors() {
        assert_eq!(
            AdminError::from(crate::Error::Conflict("x".into())).status(),
            StatusCode::CONFLICT
        );
        assert_eq!(
            AdminError::from(crate::Error::NotFound("x".into())).status(),
            StatusCode::NOT_FOUND
        );
        let internal = AdminError::from(crate::Error::Config("secret detail".into()));
        assert_eq!(internal.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(internal.detail(), "internal error");
        let res = AdminError::Unauthorized.into_response();
        assert_eq!(res.headers()[header::WWW_AUTHENTICATE], "Bearer");
        assert_eq!(
            res.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
    }
}
