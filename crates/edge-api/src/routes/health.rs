//! `GET /api/health`: edge-api and every internal service, with latency; 503 when any
//! internal service is not serving.

use actix_web::{HttpRequest, HttpResponse, web};
use ofitec_core::grpc::CallContext;
use serde::Serialize;

use crate::metrics::HttpMetrics;
use crate::middleware::observe::request_id;
use crate::state::AppState;
use crate::upstream::DependencyHealth;

/// The health report.
#[derive(Debug, Serialize)]
pub struct HealthReport {
    /// `healthy` when every internal service serves, else `unhealthy`.
    pub status: &'static str,
    /// Each internal service.
    pub services: Vec<DependencyHealth>,
}

/// Handler.
pub async fn get(
    request: HttpRequest,
    state: web::Data<AppState>,
    metrics: web::Data<HttpMetrics>,
) -> HttpResponse {
    let context = CallContext {
        request_id: request_id(&request),
        caller: None,
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
        services,
    };
    if healthy {
        HttpResponse::Ok().json(report)
    } else {
        HttpResponse::ServiceUnavailable().json(report)
    }
}
