//! `POST /api/sii/session`: install a token obtained in a browser (manual session). Admin
//! only: whoever sets it acts at SII on behalf of every company. No password login is ever
//! automated (SII locks accounts after failures).

use actix_web::{HttpResponse, post, web};
use ofitec_domain::ErrorCode;
use ofitec_proto::sii::v1::SetManualSessionRequest;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{Environment, TokenStatusBody};
use crate::auth::{Admin, Authorized};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// A browser session token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"environment": "prod", "token": "XAUSBYXINHIK", "expires_at": "2026-11-23T18:00:00Z"}))]
pub struct ManualSession {
    /// Environment the token was obtained in.
    pub environment: Environment,
    /// The `TOKEN` cookie value from the browser.
    pub token: String,
    /// When to stop using it (RFC 3339); the configured token lifetime when absent.
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Use a browser session token instead of the certificate.
#[utoipa::path(
    operation_id = "installSiiSession",
    tag = "sii",
    request_body = ManualSession,
    security(("bearer" = []), ("api_key" = [])),
    extensions(("x-required-role" = json!("admin"))),
    responses(
        (status = 200, description = "Installed; the new status", body = TokenStatusBody),
        (status = 400, description = "Invalid body or token", body = ErrorBody),
        (status = 401, description = "No or bad credentials", body = ErrorBody),
        (status = 403, description = "Role too low", body = ErrorBody),
        (status = 503, description = "sii-gateway unavailable", body = ErrorBody),
    )
)]
#[post("/sii/session")]
pub async fn post(
    auth: Authorized<Admin>,
    state: web::Data<AppState>,
    body: web::Json<ManualSession>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let token = body.token.trim();
    if token.is_empty() || token.len() > 128 || !token.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(ApiError::new(
            ErrorCode::InvalidArgument,
            "token must be the TOKEN cookie value: 1 to 128 letters and digits",
        )
        .with_field("token"));
    }
    if body.expires_at.is_some_and(|at| at <= chrono::Utc::now()) {
        return Err(
            ApiError::new(ErrorCode::InvalidArgument, "expires_at is in the past")
                .with_field("expires_at"),
        );
    }
    let request = SetManualSessionRequest {
        environment: body.environment.to_proto() as i32,
        token: token.to_owned(),
        expires_at: body
            .expires_at
            .map(|at| at.to_rfc3339())
            .unwrap_or_default(),
    };
    let status = state
        .upstreams
        .sii()
        .set_manual_session(auth.context().request(request))
        .await
        .map_err(|s| ApiError::from_grpc("sii-gateway", &s))?
        .into_inner();
    Ok(HttpResponse::Ok().json(TokenStatusBody::from(status)))
}
