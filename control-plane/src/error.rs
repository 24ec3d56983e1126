//! The control plane's error enum and its one mapping to HTTP: JSON problem
//! documents (`application/problem+json`). Internal errors are logged here,
//! once, and answered opaquely.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use dynastore_common::contract::DdbError;

use crate::crypto::DecryptError;

/// Everything that can go wrong in the control plane.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(transparent)]
    Decrypt(#[from] DecryptError),
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("missing or invalid bearer token")]
    Unauthorized,
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    /// A DynamoDB management request refused with a DynamoDB error; the
    /// data plane relays it to its client.
    #[error(transparent)]
    Ddb(#[from] DdbError),
}

/// Shorthand.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::Unauthorized => StatusCode::UNAUTHORIZED,
            Error::Ddb(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::Db(_)
            | Error::Migrate(_)
            | Error::Decrypt(_)
            | Error::Config(_)
            | Error::Io(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        if let Error::Ddb(e) = &self {
            // Internal API: the data plane reads the DynamoDB error back.
            return (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(e.clone())).into_response();
        }
        let status = self.status();
        let detail = if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
            "internal error".to_owned()
        } else {
            self.to_string()
        };
        let body = serde_json::json!({
            "type": "about:blank",
            "title": status.canonical_reason().unwrap_or("error"),
            "status": status.as_u16(),
            "detail": detail,
        });
        let mut res = (status, body.to_string()).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/problem+json"),
        );
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        res
    }
}
