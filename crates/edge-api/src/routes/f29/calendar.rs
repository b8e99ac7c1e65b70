//! `GET /api/f29/calendar?period=`: when each of the caller's companies must file the F29 of
//! a period, and where its declaration is.

use actix_web::{HttpResponse, get, web};
use ofitec_proto::f29::v1 as pb;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::key;
use crate::auth::{Authorized, Viewer};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// Which period.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CalendarQuery {
    /// Period `YYYY-MM`; absent: the period due this month (the previous month, in Chile).
    pub period: Option<String>,
}

/// One company's line.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarEntryBody {
    /// Company RUT.
    pub company: String,
    /// Its declaration of the period: `none` (never computed), `draft`, `ready`, `sent` or
    /// `paid`.
    #[schema(example = "draft")]
    pub status: String,
    /// Due date `YYYY-MM-DD`: the 12th of the following month (the 20th for electronic
    /// invoicers), moved to the next business day over weekends and public holidays.
    #[schema(example = "2026-09-21")]
    pub due_date: String,
    /// Calendar days from today (in Chile) to the due date; negative once it passed.
    pub days_left: i32,
    /// Business days from today to the due date; negative once it passed.
    pub business_days_left: i32,
    /// Whether the company files as an electronic invoicer (due the 20th).
    pub e_invoicer: bool,
    /// Not `ready` (or later) with two business days or fewer left.
    pub needs_attention: bool,
}

/// The filing calendar of one period.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarBody {
    /// Period `YYYY-MM`.
    pub period: String,
    /// Today in Chile, `YYYY-MM-DD`.
    pub today: String,
    /// One line per company, by RUT.
    pub companies: Vec<CalendarEntryBody>,
}

/// The filing calendar of a period: each of your companies with its declaration's status,
/// due date and days left. With access to every company, the companies f29-engine knows
/// (those with a stored declaration of any period).
#[utoipa::path(
    operation_id = "getF29Calendar",
    tag = "f29",
    params(CalendarQuery),
    security(("bearer" = []), ("api_key" = [])),
    extensions(("x-required-role" = json!("viewer"))),
    responses(
        (status = 200, description = "The calendar", body = CalendarBody),
        (status = 400, description = "Invalid period", body = ErrorBody),
        (status = 401, description = "No or bad credentials", body = ErrorBody),
        (status = 409, description = "The holiday table lacks the due date's year (`holidays_missing`)", body = ErrorBody),
        (status = 503, description = "f29-engine unavailable", body = ErrorBody),
    )
)]
#[get("/f29/calendar")]
pub async fn get(
    auth: Authorized<Viewer>,
    state: web::Data<AppState>,
    query: web::Query<CalendarQuery>,
) -> Result<HttpResponse, ApiError> {
    let period = match query.period.as_deref().map(str::trim) {
        Some(text) if !text.is_empty() => key::period("period", text)?.to_string(),
        _ => String::new(),
    };
    let calendar = state
        .upstreams
        .f29()
        .get_calendar(auth.context().request(pb::GetCalendarRequest { period }))
        .await
        .map_err(|s| ApiError::from_grpc("f29-engine", &s))?
        .into_inner();
    Ok(HttpResponse::Ok().json(CalendarBody {
        period: calendar.period,
        today: calendar.today,
        companies: calendar
            .entries
            .into_iter()
            .map(|e| CalendarEntryBody {
                company: e.company,
                status: e.status,
                due_date: e.due_date,
                days_left: e.days_left,
                business_days_left: e.business_days_left,
                e_invoicer: e.e_invoicer,
                needs_attention: e.needs_attention,
            })
            .collect(),
    }))
}
