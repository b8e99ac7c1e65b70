//! `GET /api/health`: overall status for anyone; each internal service with its latency (and
//! backup-agent's missing tools) for authenticated callers. 503 when any internal service is
//! not serving.

use actix_web::{HttpRequest, HttpResponse, get, web};
use ofitec_platform::grpc::CallContext;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::AuthState;
use crate::auth::extract::authenticate;
use crate::metrics::HttpMetrics;
use crate::middleware::observe::request_id;
use crate::state::AppState;
use crate::upstream::DependencyHealth;

/// The health report.
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthReport {
    /// `healthy` when every internal service serves, else `unhealthy`.
    #[schema(example = "healthy")]
    pub status: &'static str,
    /// Each internal service; only for authenticated callers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub services: Option<Vec<DependencyHealth>>,
}

/// Platform health.
#[utoipa::path(
    operation_id = "getHealth",
    tag = "operations",
    security((), ("bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "Every internal service is serving", body = HealthReport),
        (status = 503, description = "At least one internal service is not serving", body = HealthReport),
    )
)]
#[get("/health")]
pub async fn get(
    request: HttpRequest,
    state: web::Data<AppState>,
    auth: web::Data<AuthState>,
    metrics: web::Data<HttpMetrics>,
) -> HttpResponse {
    // Anonymous callers learn only whether the platform is up, not its internals.
    let principal = authenticate(&auth, &request, false).ok();
    let detailed = principal.is_some();
    let context = CallContext {
        request_id: request_id(&request),
        caller: principal.map(|p| p.caller),
    };
    let services = state.upstreams.health(&context).await;
    for service in &services {
        metrics
            .upstream_up
            .with_label_values(&[service.name])
            .set(if service.is_serving() { 1.0 } else { 0.0 });
    }
    let healthy = services.iter().all(DependencyHealth::is_serving);
    let report = HealthReport {
        status: if healthy { "healthy" } else { "unhealthy" },
        services: detailed.then_some(services),
    };
    if healthy {
        HttpResponse::Ok().json(report)
    } else {
        HttpResponse::ServiceUnavailable().json(report)
    }
}
