//! Every route, in one place. Each handler carries `#[utoipa::path]`, so the OpenAPI
//! document (`GET /api/openapi.json`) is generated from the same registrations that serve
//! requests and cannot drift. Protected routes declare their least role twice, in the
//! handler's `Authorized<Role>` argument and as the `x-required-role` extension; the route
//! table test checks the two agree for every route. Routes that change what every company
//! shares (the UTM table, the holidays) also declare `x-required-companies: "*"`.

mod backup;
mod f29;
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
            .service(sii::documents::list)
            .service(sii::export::export)
            .service(f29::mapping::get)
            .service(f29::mapping::put)
            .service(f29::utm::list)
            .service(f29::utm::put)
            .service(f29::holidays::list)
            .service(f29::holidays::put)
            .service(f29::calendar::get)
            .service(f29::compute::post)
            .service(f29::declarations::get)
            .service(f29::declarations::versions)
            .service(f29::export::get)
            .service(f29::status::post)
            .service(f29::conciliate::post)
            .service(backup::status::get)
            .service(backup::snapshots::get)
            .service(backup::run::post)
            .service(backup::runs::get)
            .service(backup::drill::post),
    );
}
