//! Every route, in one place.

mod health;
mod metrics;

use actix_web::web;

/// Registers every route under `/api`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api")
            .route("/health", web::get().to(health::get))
            .route("/metrics", web::get().to(metrics::get)),
    );
}
