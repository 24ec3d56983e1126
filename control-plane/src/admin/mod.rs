//! The admin REST API under `/v1`, for platform operators and tenant
//! admins, authenticated with JWT bearer tokens; and its OpenAPI document
//! at `GET /openapi.json`.
//!
//! Map:
//! - [`auth`]: token verification, roles, and minting HS256 tokens;
//! - [`caller`]: the authenticated-caller extractor, tenant scoping, and
//!   request decoding;
//! - [`trail`]: one audit row per mutating call, committed with the change;
//! - [`error`]: the one error enum and its problem+json mapping;
//! - [`validate`]: names and policy documents;
//! - one module per resource: [`tenants`], [`users`], [`keys`],
//!   [`policies`], [`tables`], [`audit`];
//! - [`openapi`]: the document, derived from the handlers' annotations.
//!
//! Invariants: every `/v1` handler takes a [`caller::Caller`], so none runs
//! without a verified token; every change a data plane must see bumps the
//! config revision in the transaction that makes it (see `db::revision`);
//! every mutating call leaves one audit row, success or failure.

pub mod audit;
pub mod auth;
pub mod caller;
pub mod error;
pub mod keys;
pub mod openapi;
pub mod policies;
pub mod tables;
pub mod tenants;
pub mod trail;
pub mod users;
pub mod validate;

use std::sync::Arc;

use axum::routing::{get, put};
use axum::Router;

pub use error::{AdminError, Problem};

use crate::ControlPlane;

/// The `/v1` routes.
pub fn router() -> Router<Arc<ControlPlane>> {
    Router::new()
        .route("/v1/tenants", get(tenants::list).post(tenants::create))
        .route(
            "/v1/tenants/{tenant}",
            get(tenants::show)
                .patch(tenants::update)
                .delete(tenants::delete),
        )
        .route(
            "/v1/tenants/{tenant}/users",
            get(users::list).post(users::create),
        )
        .route(
            "/v1/tenants/{tenant}/users/{user}",
            get(users::show).delete(users::delete),
        )
        .route(
            "/v1/tenants/{tenant}/users/{user}/access-keys",
            get(keys::list).post(keys::create),
        )
        .route(
            "/v1/tenants/{tenant}/users/{user}/access-keys/{key}",
            axum::routing::patch(keys::update).delete(keys::delete),
        )
        .route(
            "/v1/tenants/{tenant}/users/{user}/policies/{policy}",
            put(policies::attach).delete(policies::detach),
        )
        .route(
            "/v1/tenants/{tenant}/policies",
            get(policies::list).post(policies::create),
        )
        .route(
            "/v1/tenants/{tenant}/policies/{policy}",
            get(policies::show)
                .put(policies::update)
                .delete(policies::delete),
        )
        .route("/v1/tenants/{tenant}/tables", get(tables::list))
        .route("/v1/tenants/{tenant}/tables/{table}", get(tables::show))
        .route("/v1/tenants/{tenant}/audit", get(audit::tenant_audit))
        .route("/v1/audit", get(audit::global_audit))
        .fallback(not_found)
}

/// Unknown `/v1` paths answer a problem document too.
async fn not_found() -> AdminError {
    AdminError::NotFound("route".into())
}
