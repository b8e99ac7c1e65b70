//! GetDeclaration, ListVersions, Export and SetStatus.

use ofitec_domain::ErrorCode;
use ofitec_domain::identity::Role;
use ofitec_domain::{Period, Rut};
use ofitec_platform::grpc::status;
use ofitec_proto::f29::v1 as pb;
use tonic::{Request, Status};

use super::convert::{declaration_to_pb, status_from_pb, version_to_pb};
use super::{F29EngineService, errors, guard};
use crate::domain::export::{Declared, Format, render};
use crate::store::{self, StoreError, declarations};

fn not_found(company: Rut, period: Period) -> Status {
    errors::store(StoreError::NotFound {
        company: company.to_string(),
        period: period.to_string(),
    })
}

async fn load(
    service: &F29EngineService,
    company: Rut,
    period: Period,
) -> Result<declarations::Declaration, Status> {
    store::run(&service.inner.db, move |conn| {
        declarations::get(conn, company, period)
    })
    .await
    .map_err(errors::store)?
    .ok_or_else(|| not_found(company, period))
}

/// GetDeclaration: the latest version with its findings and history.
pub async fn get(
    service: &F29EngineService,
    request: Request<pb::DeclarationKey>,
) -> Result<pb::Declaration, Status> {
    let context = guard::context(&request)?;
    let (company, period) = guard::key(Some(request.get_ref()))?;
    guard::allow(&context, Some(company), Role::Viewer)?;
    let declaration = load(service, company, period).await?;
    Ok(declaration_to_pb(company, period, &declaration))
}

/// ListVersions: every version, newest first.
pub async fn versions(
    service: &F29EngineService,
    request: Request<pb::DeclarationKey>,
) -> Result<pb::ListVersionsResponse, Status> {
    let context = guard::context(&request)?;
    let (company, period) = guard::key(Some(request.get_ref()))?;
    guard::allow(&context, Some(company), Role::Viewer)?;
    let (state, versions, transitions) = store::run(&service.inner.db, move |conn| {
        declarations::versions(conn, company, period)
    })
    .await
    .map_err(errors::store)?
    .ok_or_else(|| not_found(company, period))?;
    Ok(pb::ListVersionsResponse {
        versions: versions
            .iter()
            .map(|v| version_to_pb(company, period, state, v, &transitions))
            .collect(),
    })
}

/// Export: the latest version rendered as CSV, JSON, XML or SII's proposal shape.
pub async fn export(
    service: &F29EngineService,
    request: Request<pb::ExportRequest>,
) -> Result<pb::ExportResponse, Status> {
    let context = guard::context(&request)?;
    let message = request.into_inner();
    let (company, period) = guard::key(message.key.as_ref())?;
    guard::allow(&context, Some(company), Role::Viewer)?;
    let format: Format = message
        .format
        .parse()
        .map_err(|e: String| status::error(ErrorCode::FormatInvalid, e))?;
    let declaration = load(service, company, period).await?;
    let rendered = render(
        format,
        &Declared {
            company,
            period,
            status: declaration.status,
            version: declaration.latest.version,
            lines: &declaration.latest.codes,
        },
    );
    Ok(pb::ExportResponse {
        file_name: rendered.file_name,
        content_type: rendered.content_type.to_owned(),
        content: rendered.content,
    })
}

/// SetStatus: one step of the life cycle, recorded with who and when.
pub async fn set_status(
    service: &F29EngineService,
    request: Request<pb::SetStatusRequest>,
) -> Result<pb::Declaration, Status> {
    let context = guard::context(&request)?;
    let message = request.into_inner();
    let (company, period) = guard::key(message.key.as_ref())?;
    guard::allow(&context, Some(company), Role::Operator)?;
    let to = status_from_pb(message.status).ok_or_else(|| {
        status::error(
            ErrorCode::StatusInvalid,
            "status: expected draft, ready, sent or paid",
        )
    })?;
    let by = guard::actor(&context);
    let now = chrono::Utc::now();
    let declaration = store::run(&service.inner.db, move |conn| {
        declarations::set_status(conn, company, period, to, &by, now)
    })
    .await
    .map_err(errors::store)?;
    service.refresh_gauge().await;
    tracing::info!(company = %company, period = %period, status = %to, "declaration status changed");
    Ok(declaration_to_pb(company, period, &declaration))
}
