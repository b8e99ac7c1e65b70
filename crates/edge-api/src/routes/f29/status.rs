//! `POST /api/f29/{company}/{period}/status`: one step of the life cycle.

use actix_web::{HttpResponse, post, web};
use ofitec_proto::f29::v1 as pb;
use serde::Deserialize;
use utoipa::ToSchema;

use super::body::{DeclarationBody, status_from_name};
use super::key;
use crate::auth::{Authorized, Operator};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// The status to enter: draft → ready → sent → paid, or ready → draft.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "ready"}))]
pub struct StatusChangeBody {
    /// `draft`, `ready`, `sent` or `paid`.
    pub status: String,
}

/// Move a declaration to another status; who and when are recorded. `ready` needs a latest
/// version without error findings; sent and paid declarations are frozen.
#[utoipa::path(
    operation_id = "changeDeclarationStatus",
    tag = "f29",
    params(
        ("company" = String, Path, description = "Company RUT"),
        ("period" = String, Path, description = "Period `YYYY-MM`"),
    ),
    request_body = StatusChangeBody,
    security(("bearer" = []), ("api_key" = [])),
    extensions(("x-required-role" = json!("operator"))),
    responses(
        (status = 200, description = "The declaration in its new status", body = DeclarationBody),
        (status = 400, description = "Invalid company, period or status (`status_invalid`)", body = ErrorBody),
        (status = 401, description = "No or bad credentials", body = ErrorBody),
        (status = 403, description = "Role too low or a company outside your scope", body = ErrorBody),
        (status = 404, description = "Nothing computed yet (`declaration_not_found`)", body = ErrorBody),
        (status = 409, description = "Not a life-cycle step (`transition_invalid`), errors block ready (`validation_failed`), frozen (`declaration_frozen`)", body = ErrorBody),
        (status = 503, description = "f29-engine unavailable", body = ErrorBody),
    )
)]
#[post("/f29/{company}/{period}/status")]
pub async fn post(
    auth: Authorized<Operator>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Json<StatusChangeBody>,
) -> Result<HttpResponse, ApiError> {
    let key = key::declaration(&auth, path.into_inner())?;
    let status = status_from_name("status", &body.status)?;
    let declaration = state
        .upstreams
        .f29()
        .set_status(auth.context().request(pb::SetStatusRequest {
            key: Some(key),
            status: status as i32,
            by: String::new(),
        }))
        .await
        .map_err(|s| ApiError::from_grpc("f29-engine", &s))?
        .into_inner();
    Ok(HttpResponse::Ok().json(DeclarationBody::from(declaration)))
}
