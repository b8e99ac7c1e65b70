//! One function per admin call. Bad input answers 400 `{"error", "message"}`.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use ofitec_domain::rcv::{Operation, RcvDocument};
use ofitec_domain::{Period, Rut};
use serde::Deserialize;
use serde_json::json;

use crate::data::PeriodData;
use crate::data::cache::CacheKey;
use crate::faults::FaultSpec;
use crate::state::SimState;

type Shared = State<Arc<SimState>>;

/// A refused admin call, boxed: a `Response` is large and this travels through `Result`s.
type Rejection = Box<Response>;

fn rejected(code: &str, message: impl Into<String>) -> Rejection {
    Box::new(bad(code, message))
}

fn bad(code: &str, message: impl Into<String>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "error": code, "message": message.into() })),
    )
        .into_response()
}

/// Parses a JSON body into `T`, or a 400 naming the problem.
fn body<T: serde::de::DeserializeOwned>(bytes: &Bytes) -> Result<T, Rejection> {
    serde_json::from_slice(bytes).map_err(|e| rejected("admin_bad_request", e.to_string()))
}

fn rut(text: &str) -> Result<Rut, Rejection> {
    Rut::parse(text).map_err(|e| rejected("rut_invalid", e.to_string()))
}

fn period(text: &str) -> Result<Period, Rejection> {
    Period::parse(text).map_err(|e| rejected("period_invalid", e.to_string()))
}

fn operations(text: Option<&str>) -> Result<Vec<Operation>, Rejection> {
    match text {
        None => Ok(vec![Operation::Compra, Operation::Venta]),
        Some(t) => t
            .parse::<Operation>()
            .map(|op| vec![op])
            .map_err(|e| rejected("operation_invalid", e)),
    }
}

pub(super) async fn stats(State(state): Shared) -> Response {
    Json(json!({ "endpoints": state.stats.snapshot() })).into_response()
}

pub(super) async fn reset(State(state): Shared) -> Response {
    state.reset();
    Json(json!({ "reset": true })).into_response()
}

pub(super) async fn list_faults(State(state): Shared) -> Response {
    Json(json!({ "faults": state.faults.list() })).into_response()
}

pub(super) async fn add_fault(State(state): Shared, bytes: Bytes) -> Response {
    let spec: FaultSpec = match body(&bytes) {
        Ok(spec) => spec,
        Err(response) => return *response,
    };
    if let Err(message) = spec.validate() {
        return bad("fault_invalid", message);
    }
    let id = state.faults.add(spec);
    (StatusCode::CREATED, Json(json!({ "id": id }))).into_response()
}

pub(super) async fn clear_faults(State(state): Shared) -> Response {
    state.faults.clear();
    Json(json!({ "cleared": true })).into_response()
}

pub(super) async fn remove_fault(State(state): Shared, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<u64>() else {
        return bad("fault_id_invalid", format!("`{id}` is not a fault id"));
    };
    if state.faults.remove(id) {
        Json(json!({ "removed": id })).into_response()
    } else {
        (
            StatusCode::NOT_FOUND,
            Json(json!({ "error": "fault_not_found", "message": format!("no fault {id}") })),
        )
            .into_response()
    }
}

pub(super) async fn invalidate_tokens(State(state): Shared) -> Response {
    let n = state.auth.invalidate_tokens();
    Json(json!({ "invalidated": n })).into_response()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockChange {
    advance_s: Option<i64>,
    offset_s: Option<i64>,
}

pub(super) async fn clock(State(state): Shared, bytes: Bytes) -> Response {
    let change: ClockChange = match body(&bytes) {
        Ok(c) => c,
        Err(response) => return *response,
    };
    match (change.advance_s, change.offset_s) {
        (Some(s), None) => state.clock.advance(s),
        (None, Some(s)) => state.clock.set_offset(s),
        _ => return bad("clock_invalid", "give exactly one of advance_s or offset_s"),
    }
    Json(json!({
        "now": state.clock.now().to_rfc3339(),
        "offset_s": state.clock.offset_s(),
    }))
    .into_response()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RevisionRequest {
    company: String,
    period: String,
    operation: Option<String>,
}

pub(super) async fn bump_revision(State(state): Shared, bytes: Bytes) -> Response {
    let request: RevisionRequest = match body(&bytes) {
        Ok(r) => r,
        Err(response) => return *response,
    };
    let (company, period, operations) = match (
        rut(&request.company),
        period(&request.period),
        operations(request.operation.as_deref()),
    ) {
        (Ok(c), Ok(p), Ok(o)) => (c, p, o),
        (Err(r), _, _) | (_, Err(r), _) | (_, _, Err(r)) => return *r,
    };
    let mut registers = Vec::new();
    for operation in operations {
        let revision = state.bump_revision(company, period, operation);
        let modified =
            crate::data::modified_at(state.config.seed, company, period, operation, revision);
        tracing::info!(%company, %period, %operation, revision, "register changed");
        registers.push(json!({
            "operation": operation,
            "revision": revision,
            "dcvFecModificacion": modified.format("%d/%m/%Y %H:%M:%S").to_string(),
        }));
    }
    Json(json!({ "company": company, "period": period, "registers": registers })).into_response()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VolumeRequest {
    company: String,
    period: Option<String>,
    volume: u32,
}

pub(super) async fn set_volume(State(state): Shared, bytes: Bytes) -> Response {
    let request: VolumeRequest = match body(&bytes) {
        Ok(r) => r,
        Err(response) => return *response,
    };
    let company = match rut(&request.company) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let target = match request.period.as_deref().map(period).transpose() {
        Ok(p) => p,
        Err(r) => return *r,
    };
    state.set_volume(company, target, request.volume);
    Json(json!({ "company": company, "period": target, "volume": request.volume })).into_response()
}

#[derive(Debug, Deserialize)]
pub(super) struct DocumentsQuery {
    company: String,
    period: String,
    operation: String,
}

pub(super) async fn documents(
    State(state): Shared,
    Query(query): Query<DocumentsQuery>,
) -> Response {
    let (company, period, operation) = match (
        rut(&query.company),
        period(&query.period),
        query
            .operation
            .parse::<Operation>()
            .map_err(|e| rejected("operation_invalid", e)),
    ) {
        (Ok(c), Ok(p), Ok(o)) => (c, p, o),
        (Err(r), _, _) | (_, Err(r), _) | (_, _, Err(r)) => return *r,
    };
    if let Some(data) = state.loaded_register(company, period, operation) {
        return Json(json!({
            "loaded": true,
            "dcvFecModificacion": data.modified_at().format("%d/%m/%Y %H:%M:%S").to_string(),
            "documents": data.documents(),
        }))
        .into_response();
    }
    let key = CacheKey {
        company,
        period,
        operation,
        volume: state.volume(company, period),
        revision: state.revision(company, period, operation),
    };
    match state.cache.get(key).await {
        Ok(data) => Json(json!({
            "revision": key.revision,
            "volume": key.volume,
            "dcvFecModificacion": data.modified_at().format("%d/%m/%Y %H:%M:%S").to_string(),
            "documents": data.documents(),
        }))
        .into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({ "error": "generation_failed", "message": e.to_string() })),
        )
            .into_response(),
    }
}

/// `PUT /admin/registers` body: a register served from given documents.
#[derive(Debug, Deserialize)]
pub(super) struct LoadRegister {
    company: String,
    period: String,
    operation: String,
    /// `dcvFecModificacion`, `dd/mm/yyyy hh:mm:ss`; the simulator's clock when absent.
    #[serde(default)]
    modified_at: Option<String>,
    documents: Vec<RcvDocument>,
}

/// Serves the given documents as one register (for tests that need SII to hold exactly
/// some documents, e.g. files a user downloaded). Every document must belong to it.
pub(super) async fn load_register(State(state): Shared, bytes: Bytes) -> Response {
    let body: LoadRegister = match body(&bytes) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    let (company, period, operation) = match (
        rut(&body.company),
        period(&body.period),
        body.operation
            .parse::<Operation>()
            .map_err(|e| rejected("operation_invalid", e)),
    ) {
        (Ok(c), Ok(p), Ok(o)) => (c, p, o),
        (Err(r), _, _) | (_, Err(r), _) | (_, _, Err(r)) => return *r,
    };
    if let Some(doc) = body
        .documents
        .iter()
        .find(|d| d.company != company || d.period != period || d.operation != operation)
    {
        return *rejected(
            "document_invalid",
            format!(
                "document {} belongs to {} {} {}, not to this register",
                doc.key(),
                doc.company,
                doc.period,
                doc.operation
            ),
        );
    }
    let modified_at = match body.modified_at.as_deref() {
        None => state.clock.now().naive_utc(),
        Some(text) => match chrono::NaiveDateTime::parse_from_str(text, "%d/%m/%Y %H:%M:%S") {
            Ok(at) => at,
            Err(e) => return *rejected("modified_at_invalid", format!("{text}: {e}")),
        },
    };
    let count = body.documents.len();
    state.load_register(
        company,
        period,
        operation,
        PeriodData::from_documents(body.documents, modified_at),
    );
    Json(json!({ "loaded": count })).into_response()
}
