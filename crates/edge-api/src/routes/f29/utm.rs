//! `GET /api/f29/utm` and `PUT /api/f29/utm/{period}`: the UTM table f29-engine computes
//! remanentes (código 504) with, and one month set by an administrator.

use actix_web::{HttpResponse, get, put, web};
use ofitec_domain::ErrorCode;
use ofitec_proto::f29::v1 as pb;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::key;
use crate::auth::{Admin, Authorized, Viewer};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// One month of the table.
#[derive(Debug, Serialize, ToSchema)]
pub struct UtmMonthBody {
    /// Month `YYYY-MM`.
    #[schema(example = "2026-07")]
    pub period: String,
    /// UTM in pesos.
    #[schema(example = 71649)]
    pub utm: i64,
    /// Where the value came from: `shipped data/utm.yaml`, `import <file>`, `api`.
    pub source: String,
    /// Who set it (`seed` for the shipped table).
    pub set_by: String,
    /// When, RFC 3339.
    pub set_at: String,
}

impl From<pb::UtmMonth> for UtmMonthBody {
    fn from(m: pb::UtmMonth) -> UtmMonthBody {
        UtmMonthBody {
            period: m.period,
            utm: m.pesos,
            source: m.source,
            set_by: m.set_by,
            set_at: m.set_at,
        }
    }
}

/// The table.
#[derive(Debug, Serialize, ToSchema)]
pub struct UtmTableBody {
    /// Every month, oldest first.
    pub months: Vec<UtmMonthBody>,
}

/// The value of one month, as SII published it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"utm": 72151}))]
pub struct UtmValueBody {
    /// UTM in pesos.
    pub utm: i64,
}

/// The UTM table f29-engine computes with, oldest month first.
#[utoipa::path(
    operation_id = "listUtmValues",
    tag = "f29",
    security(("bearer" = []), ("api_key" = [])),
    extensions(("x-required-role" = json!("viewer"))),
    responses(
        (status = 200, description = "Every month known", body = UtmTableBody),
        (status = 401, description = "No or bad credentials", body = ErrorBody),
        (status = 503, description = "f29-engine unavailable", body = ErrorBody),
    )
)]
#[get("/f29/utm")]
pub async fn list(
    auth: Authorized<Viewer>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let table = state
        .upstreams
        .f29()
        .list_utm(auth.context().request(pb::ListUtmRequest {}))
        .await
        .map_err(|s| ApiError::from_grpc("f29-engine", &s))?
        .into_inner();
    Ok(HttpResponse::Ok().json(UtmTableBody {
        months: table.months.into_iter().map(UtmMonthBody::from).collect(),
    }))
}

/// Set (or correct) one month's UTM. Refused (`utm_invalid`) when it is not positive, leaves
/// a gap after the last month known, or moves more than 5 % from a neighbouring month.
#[utoipa::path(
    operation_id = "setUtmValue",
    tag = "f29",
    params(("period" = String, Path, description = "Month `YYYY-MM`")),
    request_body = UtmValueBody,
    security(("bearer" = []), ("api_key" = [])),
    extensions(("x-required-role" = json!("admin")), ("x-required-companies" = json!("*"))),
    responses(
        (status = 200, description = "The month as stored", body = UtmMonthBody),
        (status = 400, description = "Invalid period or value (`utm_invalid` names the rule)", body = ErrorBody),
        (status = 401, description = "No or bad credentials", body = ErrorBody),
        (status = 403, description = "Role too low, or access to some companies only (the table is everyone's)", body = ErrorBody),
        (status = 503, description = "f29-engine unavailable", body = ErrorBody),
    )
)]
#[put("/f29/utm/{period}")]
pub async fn put(
    auth: Authorized<Admin>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<UtmValueBody>,
) -> Result<HttpResponse, ApiError> {
    let period = key::period("period", &path.into_inner())?;
    if auth.principal().companies().is_some() {
        return Err(ApiError::new(
            ErrorCode::ForbiddenCompany,
            "the UTM table applies to every company: changing it needs access to all companies",
        ));
    }
    let month = state
        .upstreams
        .f29()
        .set_utm(auth.context().request(pb::SetUtmRequest {
            period: period.to_string(),
            pesos: body.utm,
        }))
        .await
        .map_err(|s| ApiError::from_grpc("f29-engine", &s))?
        .into_inner();
    Ok(HttpResponse::Ok().json(UtmMonthBody::from(month)))
}
