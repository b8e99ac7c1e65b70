//! `GET /api/f29/holidays` and `PUT /api/f29/holidays/{year}`: the public holidays F29 due
//! dates move over, replaced a whole year at a time by an administrator.

use actix_web::{HttpResponse, get, put, web};
use ofitec_domain::ErrorCode;
use ofitec_proto::f29::v1 as pb;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Admin, Authorized, Viewer};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// One public holiday.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HolidayBody {
    /// Date `YYYY-MM-DD`.
    #[schema(example = "2026-09-18")]
    pub date: String,
    /// Name.
    #[schema(example = "Día de la Independencia")]
    pub name: String,
    /// The law or page it comes from.
    #[serde(default)]
    pub source: String,
}

/// One year of holidays.
#[derive(Debug, Serialize, ToSchema)]
pub struct HolidayYearBody {
    /// The year.
    pub year: i32,
    /// Its holidays, by date.
    pub holidays: Vec<HolidayBody>,
    /// Who set it (`seed` for the shipped table).
    pub set_by: String,
    /// When, RFC 3339.
    pub set_at: String,
}

impl From<pb::HolidayYear> for HolidayYearBody {
    fn from(y: pb::HolidayYear) -> HolidayYearBody {
        HolidayYearBody {
            year: y.year,
            holidays: y
                .holidays
                .into_iter()
                .map(|h| HolidayBody {
                    date: h.date,
                    name: h.name,
                    source: h.source,
                })
                .collect(),
            set_by: y.set_by,
            set_at: y.set_at,
        }
    }
}

/// The holiday table.
#[derive(Debug, Serialize, ToSchema)]
pub struct HolidaysBody {
    /// Every year asked for, oldest first.
    pub years: Vec<HolidayYearBody>,
}

/// Which year.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct HolidaysQuery {
    /// Only this year; absent: every year.
    pub year: Option<i32>,
}

/// A year's holidays, every one of them (the stored year is replaced).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"holidays": [{"date": "2028-01-01", "name": "Año Nuevo", "source": "Ley 2.977"}]}))]
pub struct HolidayYearInput {
    /// The holidays.
    pub holidays: Vec<HolidayBody>,
}

/// The public holidays due dates move over, by year.
#[utoipa::path(
    operation_id = "listHolidays",
    tag = "f29",
    params(HolidaysQuery),
    security(("bearer" = []), ("api_key" = [])),
    extensions(("x-required-role" = json!("viewer"))),
    responses(
        (status = 200, description = "The years asked for", body = HolidaysBody),
        (status = 400, description = "Invalid query", body = ErrorBody),
        (status = 401, description = "No or bad credentials", body = ErrorBody),
        (status = 503, description = "f29-engine unavailable", body = ErrorBody),
    )
)]
#[get("/f29/holidays")]
pub async fn list(
    auth: Authorized<Viewer>,
    state: web::Data<AppState>,
    query: web::Query<HolidaysQuery>,
) -> Result<HttpResponse, ApiError> {
    let years = state
        .upstreams
        .f29()
        .list_holidays(auth.context().request(pb::ListHolidaysRequest {
            year: query.year.unwrap_or(0),
        }))
        .await
        .map_err(|s| ApiError::from_grpc("f29-engine", &s))?
        .into_inner();
    Ok(HttpResponse::Ok().json(HolidaysBody {
        years: years.years.into_iter().map(HolidayYearBody::from).collect(),
    }))
}

/// Replace one year's holidays (a new law, an election day). Refused (`holidays_invalid`,
/// naming the entry) when a date is outside the year, appears twice or has no name.
#[utoipa::path(
    operation_id = "replaceHolidayYear",
    tag = "f29",
    params(("year" = i32, Path, description = "The year")),
    request_body = HolidayYearInput,
    security(("bearer" = []), ("api_key" = [])),
    extensions(("x-required-role" = json!("admin")), ("x-required-companies" = json!("*"))),
    responses(
        (status = 200, description = "The year as stored", body = HolidayYearBody),
        (status = 400, description = "Invalid year or holiday (`holidays_invalid`)", body = ErrorBody),
        (status = 401, description = "No or bad credentials", body = ErrorBody),
        (status = 403, description = "Role too low, or access to some companies only (the table is everyone's)", body = ErrorBody),
        (status = 503, description = "f29-engine unavailable", body = ErrorBody),
    )
)]
#[put("/f29/holidays/{year}")]
pub async fn put(
    auth: Authorized<Admin>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<HolidayYearInput>,
) -> Result<HttpResponse, ApiError> {
    let text = path.into_inner();
    let year: i32 = text.trim().parse().map_err(|_| {
        ApiError::new(
            ErrorCode::HolidaysInvalid,
            format!("year: `{text}` is not a year"),
        )
        .with_field("year")
    })?;
    if auth.principal().companies().is_some() {
        return Err(ApiError::new(
            ErrorCode::ForbiddenCompany,
            "the holidays apply to every company: changing them needs access to all companies",
        ));
    }
    let holidays = body
        .into_inner()
        .holidays
        .into_iter()
        .map(|h| pb::Holiday {
            date: h.date,
            name: h.name,
            source: h.source,
        })
        .collect();
    let stored = state
        .upstreams
        .f29()
        .set_holidays(
            auth.context()
                .request(pb::SetHolidaysRequest { year, holidays }),
        )
        .await
        .map_err(|s| ApiError::from_grpc("f29-engine", &s))?
        .into_inner();
    Ok(HttpResponse::Ok().json(HolidayYearBody::from(stored)))
}
