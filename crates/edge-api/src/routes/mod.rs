//! Every route, in one place. Each handler carries `#[utoipa::path]`, so the OpenAPI
//! document (`GET /api/openapi.json`) is generated from the same registrations that serve
//! requests and cannot drift. Protected routes declare their least role twice, in the
//! handler's `Authorized<Role>` argument and as the `x-required-role` extension; the route
//! table test checks the two agree for every route.

mod health;
mod metrics;
pub mod openapi;
mod sii;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers every documented route under `/api`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(
        utoipa_actix_web::scope("/api")
            .service(health::get)
            .service(metrics::get)
            .service(openapi::get)
            .service(sii::token::get)
            .service(sii::session::post)
            .service(sii::imports::start)
            .service(sii::imports::list)
            .service(sii::imports::get)
            .service(sii::imports::retry)
            .service(sii::imports::cancel)
            .service(sii::events::get)
            .service(sii::documents::summary)
            .service(sii::documents::list),
    );
}
