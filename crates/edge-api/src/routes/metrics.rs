//! `GET /api/metrics`: Prometheus text, for Prometheus only: from an allowed network
//! (`auth.metrics.allow`, loopback by default) or with the metrics token.

use actix_web::{HttpRequest, HttpResponse, get, web};
use ofitec_domain::ErrorCode;

use crate::auth::AuthState;
use crate::error::ApiError;
use crate::metrics::HttpMetrics;
use crate::state::AppState;

/// Prometheus metrics of edge-api.
#[utoipa::path(
    operation_id = "getMetrics",
    tag = "operations",
    security((), ("metrics_token" = [])),
    responses(
        (status = 200, description = "Prometheus text exposition", content_type = "text/plain", body = String),
        (status = 401, description = "Not from an allowed network and no valid metrics token", body = crate::error::ErrorBody),
    )
)]
#[get("/metrics")]
pub async fn get(
    request: HttpRequest,
    state: web::Data<AppState>,
    auth: web::Data<AuthState>,
    metrics: web::Data<HttpMetrics>,
) -> Result<HttpResponse, ApiError> {
    if let Err(error) = allowed(&request, &auth) {
        metrics
            .auth_rejections
            .with_label_values(&[error.code()])
            .inc();
        return Err(error);
    }
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render()))
}

fn allowed(request: &HttpRequest, auth: &AuthState) -> Result<(), ApiError> {
    let presented = request
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if let (Some(presented), Some(expected)) = (presented, &auth.metrics_token) {
        return if constant_time_eq(presented.trim().as_bytes(), expected.expose().as_bytes()) {
            Ok(())
        } else {
            Err(ApiError::unauthorized(
                ErrorCode::AuthInvalid,
                "wrong metrics token",
            ))
        };
    }
    let peer = request.peer_addr().map(|a| a.ip());
    let forwarded = request
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok());
    let client = auth.trusted_proxies.client_ip(peer, forwarded);
    if client.is_some_and(|ip| auth.metrics_allow.iter().any(|net| net.contains(&ip))) {
        return Ok(());
    }
    Err(ApiError::unauthorized(
        ErrorCode::AuthMissing,
        "metrics are served to allowed networks or with the metrics token",
    ))
}

/// Compares without an early exit, so response time says nothing about the token.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
