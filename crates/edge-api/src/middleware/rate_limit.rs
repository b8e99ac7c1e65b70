//! Per-IP rate limit, applied before authentication so credential guessing is limited too.
//! (The per-principal limit is applied by the `Authorized` extractor.)

use ofitec_domain::ErrorCode;
use std::time::{Duration, Instant};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{ResponseError as _, web};

use crate::auth::AuthState;
use crate::error::ApiError;
use crate::metrics::HttpMetrics;

/// 429 with `Retry-After` in whole seconds (at least 1).
pub fn too_many(wait: Duration) -> ApiError {
    let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
    ApiError::new(
        ErrorCode::RateLimited,
        format!("too many requests; retry in {seconds} s"),
    )
    .with_header("retry-after", seconds.to_string())
}

/// The middleware function.
pub async fn limit_by_ip(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if let Some(state) = request.app_data::<web::Data<AuthState>>().cloned() {
        let forwarded = request
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        let peer = request.peer_addr().map(|a| a.ip());
        if let Some(ip) = state.trusted_proxies.client_ip(peer, forwarded)
            && let Err(wait) = state.ip_limiter.check(&ip.to_string(), Instant::now())
        {
            if let Some(metrics) = request.app_data::<web::Data<HttpMetrics>>() {
                metrics.rate_limited.with_label_values(&["ip"]).inc();
            }
            let response = too_many(wait).error_response();
            return Ok(request.into_response(response).map_into_right_body());
        }
    }
    next.call(request)
        .await
        .map(ServiceResponse::map_into_left_body)
}
