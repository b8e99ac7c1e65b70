//! `GET /api/sii/events`: import events as Server-Sent Events. Each event carries its `id:`;
//! a client reconnecting with `Last-Event-ID` gets what it missed (within the gateway's replay
//! window), then live events. A comment every 15 s keeps proxies from closing the stream.

use ofitec_domain::ErrorCode;
use std::time::Duration;

use actix_web::{HttpRequest, Responder, get, web};
use actix_web_lab::sse;
use futures::StreamExt as _;
use ofitec_proto::sii::v1 as pb;
use serde::Deserialize;
use utoipa::IntoParams;

use super::input;
use super::jobs::ImportEventBody;
use crate::auth::{Authorized, StreamViewer};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// How often an idle stream sends a keep-alive comment.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Stream parameters. (No `Debug`: it holds a token.)
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    /// Only this company (default: every company you may access).
    pub company: Option<String>,
    /// Resume after this event id (the `Last-Event-ID` header wins when both are given).
    pub last_event_id: Option<u64>,
    /// The bearer token, for EventSource clients that cannot send headers.
    #[allow(
        dead_code,
        reason = "read by the authentication extractor; declared so the strict query parser accepts it"
    )]
    pub access_token: Option<String>,
}

/// Import events (queued, started, progress, completed, retrying, failed, cancelled).
#[utoipa::path(
    operation_id = "streamImportEvents",
    tag = "sii",
    params(EventsQuery, ("Last-Event-ID" = Option<u64>, Header, description = "Resume after this event")),
    security(("bearer" = []), ("api_key" = [])),
    extensions(("x-required-role" = json!("viewer"))),
    responses(
        (status = 200, description = "text/event-stream; each `data:` is an ImportEventBody", content_type = "text/event-stream", body = String),
        (status = 400, description = "Invalid query", body = ErrorBody),
        (status = 401, description = "No or bad credentials", body = ErrorBody),
        (status = 403, description = "A company outside your scope", body = ErrorBody),
        (status = 503, description = "sii-gateway unavailable", body = ErrorBody),
    )
)]
#[get("/sii/events")]
pub async fn get(
    auth: Authorized<StreamViewer>,
    state: web::Data<AppState>,
    request: HttpRequest,
    query: web::Query<EventsQuery>,
) -> Result<impl Responder, ApiError> {
    let query = query.into_inner();
    let mut companies = Vec::new();
    if let Some(company) = &query.company {
        let company = input::company("company", company)?;
        auth.require_company(&company)?;
        companies.push(company.to_string());
    }
    let header = request
        .headers()
        .get("last-event-id")
        .map(|v| {
            v.to_str()
                .ok()
                .and_then(|s| s.trim().parse::<u64>().ok())
                .ok_or_else(|| {
                    ApiError::new(ErrorCode::InvalidArgument, "Last-Event-ID: not an event id")
                })
        })
        .transpose()?;
    let after = header.or(query.last_event_id).unwrap_or(0);
    let stream = state
        .upstreams
        .sii()
        .watch_imports(auth.context().request(pb::WatchImportsRequest {
            companies,
            after_event_id: after,
        }))
        .await
        .map_err(|s| ApiError::from_grpc("sii-gateway", &s))?
        .into_inner();
    let events = stream
        .take_while(|item| {
            // A broken upstream stream ends ours; the client reconnects with Last-Event-ID.
            if let Err(status) = item {
                tracing::warn!(code = ?status.code(), message = status.message(), "import event stream from sii-gateway ended");
            }
            std::future::ready(item.is_ok())
        })
        .filter_map(|item| async move {
            let event = item.ok()?;
            let (id, kind) = (event.id, event.kind.clone());
            let data = sse::Data::new_json(ImportEventBody::from(event)).ok()?;
            Some(Ok::<_, std::convert::Infallible>(sse::Event::Data(
                data.id(id.to_string()).event(kind),
            )))
        });
    Ok(sse::Sse::from_stream(events).with_keep_alive(KEEP_ALIVE))
}
