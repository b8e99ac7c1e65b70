//! `GET /api/metrics`: edge-api's Prometheus metrics.

use actix_web::{HttpResponse, web};

use crate::state::AppState;

/// Handler.
pub async fn get(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render())
}
