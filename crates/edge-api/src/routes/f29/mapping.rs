//! `GET|PUT /api/f29/mapping`: the document → código mapping in force, everyone's default or
//! one company's override (admin).

use actix_web::{HttpResponse, get, put, web};
use ofitec_domain::ErrorCode;
use ofitec_proto::f29::v1 as pb;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::key;
use crate::auth::{Admin, Authorized};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// Whose mapping.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MappingQuery {
    /// Company RUT for the mapping in force for it; absent: the default for everyone.
    pub company: Option<String>,
}

/// A mapping document to store.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"company": "76123456-0", "yaml": ""}))]
pub struct MappingBody {
    /// Company RUT of the override; absent: the default for everyone (needs access to every
    /// company).
    pub company: Option<String>,
    /// The mapping as YAML (the shipped one is the template); empty removes the stored
    /// document, so the company (or everyone) falls back.
    pub yaml: String,
}

/// A mapping and where it comes from.
#[derive(Debug, Serialize, ToSchema)]
pub struct MappingAnswer {
    /// Company of the override; absent for the default.
    pub company: Option<String>,
    /// `company` (its override), `default` (the stored default), `file` (the configured
    /// file) or `shipped` (the engine's own).
    #[schema(example = "shipped")]
    pub source: String,
    /// The mapping as YAML.
    pub yaml: String,
    /// Who stored it.
    pub updated_by: Option<String>,
    /// When it was stored, RFC 3339.
    pub updated_at: Option<String>,
}

impl From<pb::Mapping> for MappingAnswer {
    fn from(m: pb::Mapping) -> MappingAnswer {
        let some = |s: String| (!s.is_empty()).then_some(s);
        MappingAnswer {
            company: some(m.company),
            source: m.source,
            yaml: m.yaml,
            updated_by: some(m.updated_by),
            updated_at: some(m.updated_at),
        }
    }
}

/// The company's RUT checked against the caller, or `""` for the default.
fn scope<R>(auth: &Authorized<R>, company: Option<&str>) -> Result<String, ApiError> {
    match company.map(str::trim).filter(|c| !c.is_empty()) {
        Some(text) => {
            let rut = key::company("company", text)?;
            auth.require_company(&rut)?;
            Ok(rut.to_string())
        }
        None => Ok(String::new()),
    }
}

/// The mapping in force: the company's override, else the stored default, else the
/// configured file, else the shipped one.
#[utoipa::path(
    operation_id = "getF29Mapping",
    tag = "f29",
    params(MappingQuery),
    security(("bearer" = []), ("api_key" = [])),
    extensions(("x-required-role" = json!("admin"))),
    responses(
        (status = 200, description = "The mapping in force", body = MappingAnswer),
        (status = 400, description = "Invalid company", body = ErrorBody),
        (status = 401, description = "No or bad credentials", body = ErrorBody),
        (status = 403, description = "Role too low or a company outside your scope", body = ErrorBody),
        (status = 409, description = "The stored mapping is no longer valid (`mapping_invalid`)", body = ErrorBody),
        (status = 503, description = "f29-engine unavailable", body = ErrorBody),
    )
)]
#[get("/f29/mapping")]
pub async fn get(
    auth: Authorized<Admin>,
    state: web::Data<AppState>,
    query: web::Query<MappingQuery>,
) -> Result<HttpResponse, ApiError> {
    let company = scope(&auth, query.company.as_deref())?;
    let mapping = state
        .upstreams
        .f29()
        .get_mapping(auth.context().request(pb::GetMappingRequest { company }))
        .await
        .map_err(|s| ApiError::from_grpc("f29-engine", &s))?
        .into_inner();
    Ok(HttpResponse::Ok().json(MappingAnswer::from(mapping)))
}

/// Replace the default mapping or a company's override after f29-engine validates it (each
/// wrong line named in `mapping_invalid`); an empty `yaml` removes the stored document.
#[utoipa::path(
    operation_id = "replaceF29Mapping",
    tag = "f29",
    request_body = MappingBody,
    security(("bearer" = []), ("api_key" = [])),
    extensions(("x-required-role" = json!("admin"))),
    responses(
        (status = 200, description = "The mapping now in force", body = MappingAnswer),
        (status = 400, description = "Invalid company or mapping (`mapping_invalid`)", body = ErrorBody),
        (status = 401, description = "No or bad credentials", body = ErrorBody),
        (status = 403, description = "Role too low, a company outside your scope, or the default without access to every company", body = ErrorBody),
        (status = 503, description = "f29-engine unavailable", body = ErrorBody),
    )
)]
#[put("/f29/mapping")]
pub async fn put(
    auth: Authorized<Admin>,
    state: web::Data<AppState>,
    body: web::Json<MappingBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let company = scope(&auth, body.company.as_deref())?;
    // The default applies to every company: an administrator of some companies only may
    // change their overrides, not what everyone else's declarations are computed with.
    if company.is_empty() && auth.principal().companies().is_some() {
        return Err(ApiError::new(
            ErrorCode::ForbiddenCompany,
            "the default mapping applies to every company; it needs access to all companies (give `company` to change one company's override)",
        ));
    }
    let mapping = state
        .upstreams
        .f29()
        .put_mapping(auth.context().request(pb::Mapping {
            company,
            yaml: body.yaml,
            source: String::new(),
            updated_by: String::new(),
            updated_at: String::new(),
        }))
        .await
        .map_err(|s| ApiError::from_grpc("f29-engine", &s))?
        .into_inner();
    Ok(HttpResponse::Ok().json(MappingAnswer::from(mapping)))
}
