//! The admin API under `/admin`, on the same listener, refused to anything but loopback
//! callers: faults, stats, reset, token invalidation, the clock, revisions ("SII changed
//! its data"), volumes, and the ground truth of a register.
//!
//! | call | does |
//! |---|---|
//! | `GET /admin/stats` | requests per endpoint and outcome |
//! | `POST /admin/reset` | back to the start state (configured faults, no tokens, revisions 0, counts 0) |
//! | `GET /admin/faults` | rules in force, with ids and firing counts |
//! | `POST /admin/faults` | add a rule (the configuration's fault shape); answers its id |
//! | `DELETE /admin/faults` / `DELETE /admin/faults/{id}` | clear all / one |
//! | `POST /admin/tokens/invalidate` | every current token dies now |
//! | `POST /admin/clock` | `{"advance_s": n}` or `{"offset_s": n}` |
//! | `POST /admin/revisions` | `{"company", "period", "operation"?}`: next revision of the register(s) |
//! | `PUT /admin/volume` | `{"company", "period"?, "volume"}` |
//! | `GET /admin/documents?company=&period=&operation=` | what the simulator serves now (JSON `RcvDocument`s) |

mod handlers;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, Request};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use http::StatusCode;

use crate::state::SimState;

/// The admin routes, behind the loopback check.
pub fn router() -> Router<Arc<SimState>> {
    Router::new()
        .route("/stats", get(handlers::stats))
        .route("/reset", post(handlers::reset))
        .route(
            "/faults",
            get(handlers::list_faults)
                .post(handlers::add_fault)
                .delete(handlers::clear_faults),
        )
        .route("/faults/{id}", delete(handlers::remove_fault))
        .route("/tokens/invalidate", post(handlers::invalidate_tokens))
        .route("/clock", post(handlers::clock))
        .route("/revisions", post(handlers::bump_revision))
        .route("/volume", put(handlers::set_volume))
        .route("/documents", get(handlers::documents))
        .route("/registers", put(handlers::load_register))
        .layer(middleware::from_fn(loopback_only))
}

/// Admin calls change what every client sees: only this host may make them.
async fn loopback_only(request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| *addr);
    match peer {
        Some(addr) if addr.ip().is_loopback() => next.run(request).await,
        _ => (
            StatusCode::FORBIDDEN,
            axum::Json(serde_json::json!({
                "error": "admin_forbidden",
                "message": "the admin API only answers loopback callers",
            })),
        )
            .into_response(),
    }
}
