//! The OpenAPI document: paths come from the registered handlers; this adds the title,
//! security schemes and shared schemas.

use actix_web::{HttpResponse, get, web};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// Static parts of the document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "OFITEC API",
        description = "RCV imports from SII, Formulario 29 and backups. Errors are JSON `{error, message, field?}` with a stable `error` code; every response carries `X-Request-Id`.",
        version = env!("CARGO_PKG_VERSION")
    ),
    modifiers(&SecuritySchemes),
    components(schemas(crate::error::ErrorBody))
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT or ofk_ API key")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-Api-Key"))),
        );
        components.add_security_scheme(
            "metrics_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The rendered document, built once at start.
#[derive(Debug, Clone)]
pub struct OpenApiJson(pub String);

/// This document.
#[utoipa::path(
    operation_id = "getOpenApiDocument",
    tag = "operations",
    security(()),
    responses((status = 200, description = "The OpenAPI 3 document", content_type = "application/json", body = Object))
)]
#[get("/openapi.json")]
pub async fn get(document: web::Data<OpenApiJson>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(document.0.clone())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::Value;

    /// Method names utoipa falls back to when an operation has no `operation_id`, plus the
    /// bare words that collided before: none of them tells a generated client what it does.
    const BARE: &[&str] = &[
        "get", "put", "post", "delete", "options", "head", "patch", "trace", "list",
    ];

    /// Every operation of the served document as (operationId, "METHOD path").
    fn operations() -> Vec<(String, String)> {
        let document = crate::app::openapi_document().expect("the document renders");
        let document: Value = serde_json::from_str(&document).expect("the document is JSON");
        let paths = document["paths"]
            .as_object()
            .expect("the document has paths");
        let mut found = Vec::new();
        for (path, item) in paths {
            let item = item.as_object().expect("a path item is an object");
            for (method, operation) in item {
                let id = operation["operationId"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
                found.push((id.to_owned(), format!("{} {path}", method.to_uppercase())));
            }
        }
        found
    }

    #[test]
    fn operation_ids_are_unique() {
        let operations = operations();
        assert!(operations.len() >= 20, "too few operations: {operations:?}");
        let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
        for (id, route) in &operations {
            if let Some(first) = seen.insert(id, route) {
                panic!("operationId `{id}` is shared by {first} and {route}");
            }
        }
    }

    #[test]
    fn operation_ids_are_camel_case_verbs_with_an_object() {
        for (id, route) in operations() {
            assert!(
                !BARE.contains(&id.to_lowercase().as_str()),
                "{route}: operationId `{id}` is a bare verb; name what it acts on (e.g. `listImports`)"
            );
            let lower_start = id.chars().next().is_some_and(|c| c.is_ascii_lowercase());
            let alphanumeric = id.chars().all(|c| c.is_ascii_alphanumeric());
            let has_object = id.chars().any(|c| c.is_ascii_uppercase());
            assert!(
                lower_start && alphanumeric && has_object,
                "{route}: operationId `{id}` is not camelCase verb + object (e.g. `getDeclaration`)"
            );
        }
    }
}
