//! `POST /api/f29/{company}/{period}/compute`: a new version from the stored RCV.

use actix_web::{HttpResponse, post, web};
use ofitec_proto::f29::v1 as pb;
use serde::Deserialize;
use utoipa::ToSchema;

use super::body::DeclarationBody;
use super::inputs::InputsBody;
use super::key;
use crate::auth::{Authorized, Operator};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// What to compute with. `{}` reuses the inputs of the latest version.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"inputs": {"ppm_rate": "0.125", "impuesto_unico": 0, "honorarios_withholding": 0}}))]
pub struct ComputeBody {
    /// Inputs the RCV cannot give; absent: those of the latest version.
    pub inputs: Option<InputsBody>,
}

/// Compute (or recompute) the declaration from the stored RCV and keep it as a new version.
#[utoipa::path(
    operation_id = "computeDeclaration",
    tag = "f29",
    params(
        ("company" = String, Path, description = "Company RUT"),
        ("period" = String, Path, description = "Period `YYYY-MM`"),
    ),
    request_body = ComputeBody,
    security(("bearer" = []), ("api_key" = [])),
    extensions(("x-required-role" = json!("operator"))),
    responses(
        (status = 200, description = "The new version, with its findings", body = DeclarationBody),
        (status = 400, description = "Invalid company, period or inputs (`inputs_invalid`)", body = ErrorBody),
        (status = 401, description = "No or bad credentials", body = ErrorBody),
        (status = 403, description = "Role too low or a company outside your scope", body = ErrorBody),
        (status = 409, description = "Sent or paid (`declaration_frozen`), a UTM month missing (`utm_missing`)", body = ErrorBody),
        (status = 503, description = "f29-engine or sii-gateway unavailable", body = ErrorBody),
    )
)]
#[post("/f29/{company}/{period}/compute")]
pub async fn post(
    auth: Authorized<Operator>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Json<ComputeBody>,
) -> Result<HttpResponse, ApiError> {
    let key = key::declaration(&auth, path.into_inner())?;
    let declaration = state
        .upstreams
        .f29_long()
        .compute(auth.context().request(pb::ComputeRequest {
            key: Some(key),
            inputs: body.into_inner().inputs.map(InputsBody::into_proto),
            requested_by: String::new(),
        }))
        .await
        .map_err(|s| ApiError::from_grpc("f29-engine", &s))?
        .into_inner();
    Ok(HttpResponse::Ok().json(DeclarationBody::from(declaration)))
}
