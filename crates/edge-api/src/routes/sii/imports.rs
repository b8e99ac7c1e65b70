//! `/api/sii/rcv/import` and `/api/sii/imports…`: start, follow, retry and cancel imports.

use actix_web::{HttpResponse, get, post, web};
use ofitec_domain::ErrorCode;
use ofitec_proto::sii::v1 as pb;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::input;
use super::jobs::ImportJobBody;
use crate::auth::{Authorized, Operator, Viewer};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// One company and month, or a bulk range. Operations default to both registers.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"companies": ["76123456-0"], "from": "2024-01", "to": "2024-12", "operations": ["compra", "venta"]}))]
pub struct ImportBody {
    /// One company (with `year` and `month`).
    pub company: Option<String>,
    /// Year of the one month.
    pub year: Option<u32>,
    /// Month (1-12) of the one month.
    pub month: Option<u32>,
    /// Several companies (with `from` and `to`).
    pub companies: Option<Vec<String>>,
    /// First period, `YYYY-MM`.
    pub from: Option<String>,
    /// Last period, `YYYY-MM` (inclusive).
    pub to: Option<String>,
    /// `compra` and/or `venta`.
    pub operations: Option<Vec<String>>,
}

/// The jobs a request created (or found already active).
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportAccepted {
    /// Batch id.
    pub batch_id: String,
    /// One job per company, period and register.
    pub jobs: Vec<ImportJobBody>,
    /// `pending` when the new jobs wait for a pre-import backup (they start once it is done;
    /// under the `abort` policy a failed backup fails them with `pre_import_backup_failed`);
    /// empty when none was needed.
    pub pre_import_backup: String,
}

fn to_request(body: ImportBody) -> Result<pb::StartImportRequest, ApiError> {
    let bad = |message: &str| ApiError::new(ErrorCode::InvalidArgument, message.to_owned());
    let (companies, from, to) = match (body.company, body.companies) {
        (Some(company), None) => {
            if body.from.is_some() || body.to.is_some() {
                return Err(bad(
                    "one company takes year and month; a range takes companies, from and to",
                ));
            }
            let (Some(year), Some(month)) = (body.year, body.month) else {
                return Err(bad("year and month are required with company").with_field("month"));
            };
            let period = ofitec_domain::Period::new(year, month).map_err(|e| {
                ApiError::new(ErrorCode::PeriodInvalid, e.to_string()).with_field("month")
            })?;
            (vec![input::company("company", &company)?], period, period)
        }
        (None, Some(companies)) => {
            if body.year.is_some() || body.month.is_some() {
                return Err(bad(
                    "one company takes year and month; a range takes companies, from and to",
                ));
            }
            let from = input::period("from", body.from.as_deref().unwrap_or_default())?;
            let to = match body.to.as_deref() {
                Some(to) => input::period("to", to)?,
                None => from,
            };
            let companies = companies
                .iter()
                .map(|c| input::company("companies", c))
                .collect::<Result<Vec<_>, _>>()?;
            if companies.is_empty() {
                return Err(
                    ApiError::new(ErrorCode::CompaniesRequired, "companies: at least one")
                        .with_field("companies"),
                );
            }
            (companies, from, to)
        }
        (Some(_), Some(_)) => return Err(bad("give either company or companies, not both")),
        (None, None) => {
            return Err(bad(
                "company (with year and month) or companies (with from and to) is required",
            ));
        }
    };
    if to < from {
        return Err(ApiError::new(
            ErrorCode::PeriodRangeInvalid,
            format!("to ({to}) is before from ({from})"),
        )
        .with_field("to"));
    }
    let operations = body
        .operations
        .unwrap_or_default()
        .iter()
        .map(|o| input::operation("operations", o).map(|o| o as i32))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(pb::StartImportRequest {
        companies: companies.iter().map(ToString::to_string).collect(),
        from_period: from.to_string(),
        to_period: to.to_string(),
        operations,
        requested_by: String::new(),
        request_id: String::new(),
    })
}

/// Import RCV registers (one job per company, period and register; active jobs are reused).
#[utoipa::path(
    operation_id = "startImport",
    tag = "sii",
    request_body = ImportBody,
    security(("bearer" = []), ("api_key" = [])),
    extensions(("x-required-role" = json!("operator"))),
    responses(
        (status = 202, description = "Accepted; the jobs", body = ImportAccepted),
        (status = 400, description = "Invalid body", body = ErrorBody),
        (status = 401, description = "No or bad credentials", body = ErrorBody),
        (status = 403, description = "Role too low or a company outside your scope", body = ErrorBody),
        (status = 503, description = "sii-gateway unavailable", body = ErrorBody),
    )
)]
#[post("/sii/rcv/import")]
pub async fn start(
    auth: Authorized<Operator>,
    state: web::Data<AppState>,
    body: web::Json<ImportBody>,
) -> Result<HttpResponse, ApiError> {
    let request = to_request(body.into_inner())?;
    for company in &request.companies {
        auth.require_company(&input::company("companies", company)?)?;
    }
    let answer = state
        .upstreams
        .sii()
        .start_import(auth.context().request(request))
        .await
        .map_err(|s| ApiError::from_grpc("sii-gateway", &s))?
        .into_inner();
    Ok(HttpResponse::Accepted().json(ImportAccepted {
        batch_id: answer.batch_id,
        jobs: answer.jobs.into_iter().map(ImportJobBody::from).collect(),
        pre_import_backup: answer.pre_import_backup,
    }))
}

/// Filters of the job list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ImportsQuery {
    /// Only this company (default: every company you may access).
    pub company: Option<String>,
    /// Only this status.
    pub status: Option<String>,
    /// Only this batch.
    pub batch: Option<String>,
    /// Page size (1-500, default 50).
    pub limit: Option<u32>,
    /// Jobs to skip.
    pub offset: Option<u64>,
}

/// One page of jobs, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportPage {
    /// The jobs.
    pub jobs: Vec<ImportJobBody>,
    /// Jobs matching in total.
    pub total: u64,
}

/// Import jobs of your companies, newest first.
#[utoipa::path(
    operation_id = "listImports",
    tag = "sii",
    params(ImportsQuery),
    security(("bearer" = []), ("api_key" = [])),
    extensions(("x-required-role" = json!("viewer"))),
    responses(
        (status = 200, description = "One page", body = ImportPage),
        (status = 400, description = "Invalid query", body = ErrorBody),
        (status = 401, description = "No or bad credentials", body = ErrorBody),
        (status = 403, description = "A company outside your scope", body = ErrorBody),
        (status = 503, description = "sii-gateway unavailable", body = ErrorBody),
    )
)]
#[get("/sii/imports")]
pub async fn list(
    auth: Authorized<Viewer>,
    state: web::Data<AppState>,
    query: web::Query<ImportsQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let mut companies = Vec::new();
    if let Some(company) = &query.company {
        let company = input::company("company", company)?;
        auth.require_company(&company)?;
        companies.push(company.to_string());
    }
    let status = match &query.status {
        Some(s) => input::job_status("status", s)? as i32,
        None => 0,
    };
    let (limit, offset) = input::page(query.limit, query.offset, 50, 500)?;
    let page = state
        .upstreams
        .sii()
        .list_imports(auth.context().request(pb::ListImportsRequest {
            companies,
            status,
            batch_id: query.batch.unwrap_or_default(),
            limit,
            offset,
        }))
        .await
        .map_err(|s| ApiError::from_grpc("sii-gateway", &s))?
        .into_inner();
    Ok(HttpResponse::Ok().json(ImportPage {
        jobs: page.jobs.into_iter().map(ImportJobBody::from).collect(),
        total: page.total,
    }))
}

/// One import job.
#[utoipa::path(
    operation_id = "getImport",
    tag = "sii",
    params(("id" = String, Path, description = "Job id")),
    security(("bearer" = []), ("api_key" = [])),
    extensions(("x-required-role" = json!("viewer"))),
    responses(
        (status = 200, description = "The job", body = ImportJobBody),
        (status = 400, description = "Not a job id", body = ErrorBody),
        (status = 401, description = "No or bad credentials", body = ErrorBody),
        (status = 404, description = "No such job among your companies", body = ErrorBody),
        (status = 503, description = "sii-gateway unavailable", body = ErrorBody),
    )
)]
#[get("/sii/imports/{id}")]
pub async fn get(
    auth: Authorized<Viewer>,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let request = auth.context().request(pb::GetImportRequest {
        id: id.into_inner(),
    });
    job_answer(state.upstreams.sii().get_import(request).await)
}

/// Queue a failed, dead or cancelled job again.
#[utoipa::path(
    operation_id = "retryImport",
    tag = "sii",
    params(("id" = String, Path, description = "Job id")),
    security(("bearer" = []), ("api_key" = [])),
    extensions(("x-required-role" = json!("operator"))),
    responses(
        (status = 200, description = "Queued again", body = ImportJobBody),
        (status = 401, description = "No or bad credentials", body = ErrorBody),
        (status = 403, description = "Role too low", body = ErrorBody),
        (status = 404, description = "No such job among your companies", body = ErrorBody),
        (status = 409, description = "The job is not failed, dead or cancelled", body = ErrorBody),
        (status = 503, description = "sii-gateway unavailable", body = ErrorBody),
    )
)]
#[post("/sii/imports/{id}/retry")]
pub async fn retry(
    auth: Authorized<Operator>,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let request = auth.context().request(pb::GetImportRequest {
        id: id.into_inner(),
    });
    job_answer(state.upstreams.sii().retry_import(request).await)
}

/// Cancel a queued or running job (a running attempt stores nothing).
#[utoipa::path(
    operation_id = "cancelImport",
    tag = "sii",
    params(("id" = String, Path, description = "Job id")),
    security(("bearer" = []), ("api_key" = [])),
    extensions(("x-required-role" = json!("operator"))),
    responses(
        (status = 200, description = "Cancelled", body = ImportJobBody),
        (status = 401, description = "No or bad credentials", body = ErrorBody),
        (status = 403, description = "Role too low", body = ErrorBody),
        (status = 404, description = "No such job among your companies", body = ErrorBody),
        (status = 409, description = "The job already ended", body = ErrorBody),
        (status = 503, description = "sii-gateway unavailable", body = ErrorBody),
    )
)]
#[post("/sii/imports/{id}/cancel")]
pub async fn cancel(
    auth: Authorized<Operator>,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let request = auth.context().request(pb::GetImportRequest {
        id: id.into_inner(),
    });
    job_answer(state.upstreams.sii().cancel_import(request).await)
}

/// A job the gateway answered with, as JSON.
fn job_answer(
    answer: Result<tonic::Response<pb::ImportJob>, tonic::Status>,
) -> Result<HttpResponse, ApiError> {
    let job = answer
        .map_err(|s| ApiError::from_grpc("sii-gateway", &s))?
        .into_inner();
    Ok(HttpResponse::Ok().json(ImportJobBody::from(job)))
}
