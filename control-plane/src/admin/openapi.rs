//! The OpenAPI document of the admin API, derived at compile time from the
//! handlers' `#[utoipa::path]` annotations and the body types' schemas,
//! served at `GET /openapi.json` (no authentication: it holds no data).

use axum::http::header;
use axum::response::IntoResponse;
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{audit, error, keys, policies, tables, tenants, users};

/// The admin API's OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Dynastore admin API",
        description = "Tenants, IAM users, access keys, policies, the table catalog and the audit log. \
            Authenticate with a JWT bearer token: role `operator` acts on every tenant; role \
            `tenant_admin` with claim `tenant` acts on that tenant only. Errors are \
            application/problem+json documents."
    ),
    paths(
        tenants::create, tenants::list, tenants::show, tenants::update, tenants::delete,
        users::create, users::list, users::show, users::delete,
        keys::create, keys::list, keys::update, keys::delete,
        policies::create, policies::list, policies::show, policies::update, policies::delete,
        policies::attach, policies::detach,
        tables::list, tables::show,
        audit::tenant_audit, audit::global_audit,
    ),
    components(schemas(
        error::Problem,
        tenants::Tenant, tenants::TenantList, tenants::CreateTenant, tenants::UpdateTenant,
        tenants::Quotas, tenants::Status,
        users::User, users::UserDetail, users::UserList, users::CreateUser,
        keys::AccessKey, keys::NewAccessKey, keys::AccessKeyList, keys::UpdateAccessKey, keys::KeyStatus,
        policies::Policy, policies::PolicySummary, policies::PolicyList, policies::CreatePolicy,
        policies::UpdatePolicy,
        tables::Table, tables::TableSummary, tables::TableList,
        audit::AuditEvent, audit::AuditPage,
    )),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// Declares the bearer scheme and requires it on every operation.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        openapi.security = Some(vec![SecurityRequirement::new(
            "bearer",
            Vec::<String>::new(),
        )]);
    }
}

/// `GET /openapi.json`.
pub async fn serve() -> impl IntoResponse {
    match ApiDoc::openapi().to_json() {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "cannot render the OpenAPI document");
            super::AdminError::Internal(crate::Error::BadRequest("openapi".into())).into_response()
        }
    }
}
