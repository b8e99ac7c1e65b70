//! `GET /api/sii/token`: SII authentication status.

use actix_web::{HttpResponse, get, web};
use ofitec_proto::sii::v1::GetTokenStatusRequest;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{Environment, TokenStatusBody};
use crate::auth::{Authorized, Viewer};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// Query parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TokenQuery {
    /// Environment; the gateway's default when absent.
    pub environment: Option<Environment>,
}

/// SII token status (never the token: at most its first 4 characters).
#[utoipa::path(
    operation_id = "getSiiTokenStatus",
    tag = "sii",
    params(TokenQuery),
    security(("bearer" = []), ("api_key" = [])),
    extensions(("x-required-role" = json!("viewer"))),
    responses(
        (status = 200, description = "Status", body = TokenStatusBody),
        (status = 401, description = "No or bad credentials", body = ErrorBody),
        (status = 403, description = "Role too low", body = ErrorBody),
        (status = 503, description = "sii-gateway unavailable", body = ErrorBody),
    )
)]
#[get("/sii/token")]
pub async fn get(
    auth: Authorized<Viewer>,
    state: web::Data<AppState>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, ApiError> {
    let request = GetTokenStatusRequest {
        environment: query
            .environment
            .map(|e| e.to_proto() as i32)
            .unwrap_or_default(),
    };
    let status = state
        .upstreams
        .sii()
        .get_token_status(auth.context().request(request))
        .await
        .map_err(|s| ApiError::from_grpc("sii-gateway", &s))?
        .into_inner();
    Ok(HttpResponse::Ok().json(TokenStatusBody::from(status)))
}
