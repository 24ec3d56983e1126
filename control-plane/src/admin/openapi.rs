//! The OpenAPI document of the admin API, derived at compile time from the
//! handlers' `#[utoipa::path]` annotations and the body types' schemas,
//! served at `GET /openapi.json` (no authentication: it holds no data).
//!
//! Invariant: the document declares every answer the API can give, so a
//! client (or schemathesis, see `scripts/schemathesis`) can rely on it.
//! The answers every operation shares are added here, once, by
//! [`ErrorResponses`] rather than on each handler: 401 (no or bad token),
//! 403 (a token that may not act here), 500, and where the operation has
//! parameters or a body 400 (malformed), with path parameters 404, with a
//! body 422 (well-formed but invalid). Error answers are
//! `application/problem+json` [`super::Problem`] documents, as
//! `super::error` sends them.

use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use utoipa::openapi::content::Content;
use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::response::Response;
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Ref, RefOr};
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
    modifiers(&BearerAuth, &ErrorResponses, &CreationLinks)
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

/// The media type of error answers.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Declares the error answers every operation shares, gives each answer a
/// description (required by OpenAPI), and types error bodies as
/// `application/problem+json` problems.
struct ErrorResponses;

impl Modify for ErrorResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            operations_mut(item).for_each(complete);
        }
    }
}

fn complete(op: &mut Operation) {
    let params = op.parameters.as_deref().unwrap_or_default();
    let in_path = params
        .iter()
        .any(|p| matches!(p, RefOr::T(p) if p.parameter_in == ParameterIn::Path));
    let has_body = op.request_body.is_some();
    let shared = [
        (StatusCode::BAD_REQUEST, !params.is_empty() || has_body),
        (StatusCode::UNAUTHORIZED, true),
        (StatusCode::FORBIDDEN, true),
        (StatusCode::NOT_FOUND, in_path),
        (StatusCode::UNPROCESSABLE_ENTITY, has_body),
        (StatusCode::INTERNAL_SERVER_ERROR, true),
    ];
    for (status, applies) in shared {
        if applies {
            op.responses
                .responses
                .entry(status.as_str().to_owned())
                .or_insert_with(|| RefOr::T(Response::new("")));
        }
    }
    for (code, response) in op.responses.responses.iter_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        let status = code
            .parse::<u16>()
            .ok()
            .and_then(|c| StatusCode::from_u16(c).ok());
        if response.description.is_empty() {
            let reason = status
                .and_then(|s| s.canonical_reason())
                .unwrap_or("Answer");
            response.description = reason.to_owned();
        }
        if status.is_some_and(|s| s.is_client_error() || s.is_server_error()) {
            response.content.shift_remove("application/json");
            response.content.insert(
                PROBLEM_JSON.to_owned(),
                RefOr::T(Content::new(Some(Ref::from_schema_name("Problem")))),
            );
        }
    }
}

/// Links each creation (a `POST` to a collection answering 201) to the
/// operations on what it created: `POST /v1/tenants` to every
/// `/v1/tenants/{tenant}…` operation with `tenant` taken from the answer's
/// `name`, a new user to its `…/users/{user}…` operations, and so on. A
/// client, or schemathesis's stateful tests, can follow them.
struct CreationLinks;

/// The operations of a path item with their methods.
fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.patch,
    ]
    .into_iter()
    .flatten()
}

/// The names of the `{…}` segments of `path`.
fn path_params(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .collect()
}

impl Modify for CreationLinks {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        // (path, operation id) of every operation.
        let mut targets = Vec::new();
        for (path, item) in openapi.paths.paths.iter_mut() {
            for op in operations_mut(item) {
                if let Some(id) = &op.operation_id {
                    targets.push((path.clone(), id.clone()));
                }
            }
        }
        for (path, item) in openapi.paths.paths.iter_mut() {
            let Some(create) = item.post.as_mut() else {
                continue;
            };
            let Some(RefOr::T(created)) = create.responses.responses.get_mut("201") else {
                continue;
            };
            let parent = path_params(path);
            let prefix = format!("{path}/{{");
            for (target, id) in &targets {
                let Some(rest) = target.strip_prefix(&prefix) else {
                    continue;
                };
                let Some((new, _)) = rest.split_once('}') else {
                    continue;
                };
                // The answer's field naming the new resource.
                let field = if new == "key" {
                    "access_key_id"
                } else {
                    "name"
                };
                let mut link = LinkBuilder::new()
                    .operation_id(id.clone())
                    .parameter(new, format!("$response.body#/{field}"));
                for p in &parent {
                    link = link.parameter(*p, format!("$request.path.{p}"));
                }
                created.links.insert(id.clone(), RefOr::T(link.build()));
            }
        }
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

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    /// Every operation of the document with its method and path.
    fn operations(doc: &serde_json::Value) -> Vec<(String, String, serde_json::Value)> {
        let mut out = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                out.push((method.clone(), path.clone(), op.clone()));
            }
        }
        out
    }

    #[test]
    fn creations_link_to_the_operations_on_what_they_create() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let links = &doc["paths"]["/v1/tenants"]["post"]["responses"]["201"]["links"];
        assert_eq!(
            links["deleteTenant"]["parameters"]["tenant"],
            "$response.body#/name"
        );
        assert_eq!(links["createUser"]["operationId"], "createUser");
        let links = &doc["paths"]["/v1/tenants/{tenant}/users/{user}/access-keys"]["post"]
            ["responses"]["201"]["links"];
        let update = &links["updateAccessKey"]["parameters"];
        assert_eq!(update["key"], "$response.body#/access_key_id");
        assert_eq!(update["user"], "$request.path.user");
        assert_eq!(update["tenant"], "$request.path.tenant");
    }

    #[test]
    fn every_operation_declares_its_errors_as_problems() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let ops = operations(&doc);
        assert_eq!(ops.len(), 24);
        let mut ids = HashSet::new();
        for (method, path, op) in &ops {
            let id = op["operationId"].as_str().unwrap();
            assert!(ids.insert(id.to_owned()), "operationId {id} is not unique");
            let responses = op["responses"].as_object().unwrap();
            for code in ["401", "403", "500"] {
                assert!(responses.contains_key(code), "{method} {path} lacks {code}");
            }
            if path.contains('{') {
                assert!(responses.contains_key("404"), "{method} {path} lacks 404");
            }
            if op.get("requestBody").is_some() {
                for code in ["400", "422"] {
                    assert!(responses.contains_key(code), "{method} {path} lacks {code}");
                }
            }
            for (code, response) in responses {
                assert!(
                    response["description"].is_string(),
                    "{method} {path} {code}: no description"
                );
                if code.starts_with('4') || code.starts_with('5') {
                    let content = response["content"].as_object().unwrap();
                    let keys: Vec<&String> = content.keys().collect();
                    assert_eq!(keys, [PROBLEM_JSON], "{method} {path} {code}");
                    assert_eq!(
                        content[PROBLEM_JSON]["schema"]["$ref"],
                        "#/components/schemas/Problem"
                    );
                }
            }
        }
    }
}
