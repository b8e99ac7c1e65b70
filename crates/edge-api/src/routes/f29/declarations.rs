//! `GET /api/f29/{company}/{period}` and `…/versions`: the latest version and the history.

use actix_web::{HttpResponse, get, web};
use ofitec_proto::f29::v1 as pb;
use serde::Serialize;
use utoipa::ToSchema;

use super::body::DeclarationBody;
use super::key;
use crate::auth::{Authorized, Viewer};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// The latest version of a declaration, with its findings (warnings and errors).
#[utoipa::path(
    operation_id = "getDeclaration",
    tag = "f29",
    params(
        ("company" = String, Path, description = "Company RUT"),
        ("period" = String, Path, description = "Period `YYYY-MM`"),
    ),
    security(("bearer" = []), ("api_key" = [])),
    extensions(("x-required-role" = json!("viewer"))),
    responses(
        (status = 200, description = "The latest version", body = DeclarationBody),
        (status = 400, description = "Invalid company or period", body = ErrorBody),
        (status = 401, description = "No or bad credentials", body = ErrorBody),
        (status = 403, description = "A company outside your scope", body = ErrorBody),
        (status = 404, description = "Nothing computed yet (`declaration_not_found`)", body = ErrorBody),
        (status = 503, description = "f29-engine unavailable", body = ErrorBody),
    )
)]
#[get("/f29/{company}/{period}")]
pub async fn get(
    auth: Authorized<Viewer>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let key = key::declaration(&auth, path.into_inner())?;
    let declaration = state
        .upstreams
        .f29()
        .get_declaration(auth.context().request(key))
        .await
        .map_err(|s| ApiError::from_grpc("f29-engine", &s))?
        .into_inner();
    Ok(HttpResponse::Ok().json(DeclarationBody::from(declaration)))
}

/// Every stored version.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionsBody {
    /// Newest first.
    pub versions: Vec<DeclarationBody>,
}

/// Every version of a declaration with the inputs each used, newest first.
#[utoipa::path(
    operation_id = "listDeclarationVersions",
    tag = "f29",
    params(
        ("company" = String, Path, description = "Company RUT"),
        ("period" = String, Path, description = "Period `YYYY-MM`"),
    ),
    security(("bearer" = []), ("api_key" = [])),
    extensions(("x-required-role" = json!("viewer"))),
    responses(
        (status = 200, description = "The versions", body = VersionsBody),
        (status = 400, description = "Invalid company or period", body = ErrorBody),
        (status = 401, description = "No or bad credentials", body = ErrorBody),
        (status = 403, description = "A company outside your scope", body = ErrorBody),
        (status = 404, description = "Nothing computed yet (`declaration_not_found`)", body = ErrorBody),
        (status = 503, description = "f29-engine unavailable", body = ErrorBody),
    )
)]
#[get("/f29/{company}/{period}/versions")]
pub async fn versions(
    auth: Authorized<Viewer>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let key: pb::DeclarationKey = key::declaration(&auth, path.into_inner())?;
    let answer = state
        .upstreams
        .f29()
        .list_versions(auth.context().request(key))
        .await
        .map_err(|s| ApiError::from_grpc("f29-engine", &s))?
        .into_inner();
    Ok(HttpResponse::Ok().json(VersionsBody {
        versions: answer
            .versions
            .into_iter()
            .map(DeclarationBody::from)
            .collect(),
    }))
}
