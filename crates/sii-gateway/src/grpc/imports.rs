//! Import jobs over gRPC. Every job-level call checks the job's company against the caller.

use ofitec_domain::ErrorCode;
use std::sync::Arc;

use ofitec_domain::Rut;
use ofitec_domain::identity::Role;
use ofitec_platform::grpc::guard;
use ofitec_platform::grpc::{CallContext, status};
use ofitec_proto::convert;
use ofitec_proto::sii::v1 as pb;
use tonic::{Request, Status};

use super::EventStream;
use super::rows::{job_to_pb, status_from_pb};
use super::{errors, events};
use crate::imports::{ImportRequest, Imports};
use crate::store;
use crate::store::jobs::{self, JobFilter, JobRow};

/// Largest page of `ListImports`.
const MAX_PAGE: u32 = 500;

fn companies(texts: &[String]) -> Result<Vec<Rut>, Status> {
    texts.iter().map(|c| guard::company(c)).collect()
}

/// The job, if the caller may see its company (else "not found": its existence is not
/// revealed to strangers).
async fn visible_job(
    imports: &Imports,
    context: &CallContext,
    id: &str,
    role: Role,
) -> Result<JobRow, Status> {
    if uuid::Uuid::parse_str(id).is_err() {
        return Err(status::error(
            ErrorCode::JobIdInvalid,
            format!("`{id}` is not a job id (UUID)"),
        ));
    }
    let job = imports
        .get(id.to_owned())
        .await
        .map_err(|e| errors::store("reading the import job", e))?;
    let (company, _, _) = job
        .key()
        .map_err(|e| errors::store("reading the import job", e))?;
    if let Some(caller) = &context.caller
        && !caller.companies.allows(&company)
    {
        return Err(status::error(
            ErrorCode::NotFound,
            format!("import job {id} not found"),
        ));
    }
    guard::allow(context, Some(company), role)?;
    Ok(job)
}

/// `StartImport` (operator).
pub async fn start(
    imports: &Arc<Imports>,
    request: Request<pb::StartImportRequest>,
) -> Result<pb::StartImportResponse, Status> {
    let context = guard::context(&request)?;
    let message = request.into_inner();
    let wanted = companies(&message.companies)?;
    for company in &wanted {
        guard::allow(&context, Some(*company), Role::Operator)?;
    }
    guard::allow(&context, None, Role::Operator)?;
    let from = guard::period(&message.from_period)?;
    let to = if message.to_period.trim().is_empty() {
        from
    } else {
        guard::period(&message.to_period)?
    };
    let mut operations = Vec::new();
    for (i, value) in message.operations.iter().enumerate() {
        let operation = convert::required_operation(&format!("operations[{i}]"), *value)
            .map_err(errors::convert)?;
        operations.push(operation);
    }
    let request_id = if message.request_id.is_empty() {
        context.request_id.0.clone()
    } else {
        message.request_id.clone()
    };
    let started = imports
        .start(ImportRequest {
            companies: wanted,
            from,
            to,
            operations,
            requested_by: guard::actor(&context),
            request_id,
        })
        .await
        .map_err(errors::request)?;
    Ok(pb::StartImportResponse {
        batch_id: started.batch_id,
        jobs: started.jobs.iter().map(|c| job_to_pb(&c.job)).collect(),
        pre_import_backup: started.backup,
    })
}

/// `GetImport`.
pub async fn get(
    imports: &Arc<Imports>,
    request: Request<pb::GetImportRequest>,
) -> Result<pb::ImportJob, Status> {
    let context = guard::context(&request)?;
    let job = visible_job(imports, &context, &request.get_ref().id, Role::Viewer).await?;
    Ok(job_to_pb(&job))
}

/// `RetryImport` (operator).
pub async fn retry(
    imports: &Arc<Imports>,
    request: Request<pb::GetImportRequest>,
) -> Result<pb::ImportJob, Status> {
    let context = guard::context(&request)?;
    let job = visible_job(imports, &context, &request.get_ref().id, Role::Operator).await?;
    let job = imports
        .retry(job.id)
        .await
        .map_err(|e| errors::store("retrying the import job", e))?;
    Ok(job_to_pb(&job))
}

/// `CancelImport` (operator).
pub async fn cancel(
    imports: &Arc<Imports>,
    request: Request<pb::GetImportRequest>,
) -> Result<pb::ImportJob, Status> {
    let context = guard::context(&request)?;
    let job = visible_job(imports, &context, &request.get_ref().id, Role::Operator).await?;
    let job = imports
        .cancel(job.id)
        .await
        .map_err(|e| errors::store("cancelling the import job", e))?;
    Ok(job_to_pb(&job))
}

/// The companies a listing may cover: those asked, within the caller's scope; all of the
/// caller's when none are asked.
fn scoped(context: &CallContext, asked: Vec<Rut>) -> Result<Option<Vec<Rut>>, Status> {
    let scope = context.caller.as_ref().map(|c| &c.companies);
    if asked.is_empty() {
        return Ok(scope.and_then(|s| s.list()));
    }
    for company in &asked {
        guard::allow(context, Some(*company), Role::Viewer)?;
    }
    Ok(Some(asked))
}

/// `ListImports`: newest first.
pub async fn list(
    imports: &Arc<Imports>,
    request: Request<pb::ListImportsRequest>,
) -> Result<pb::ListImportsResponse, Status> {
    let context = guard::context(&request)?;
    let message = request.into_inner();
    let filter = JobFilter {
        companies: scoped(&context, companies(&message.companies)?)?,
        status: status_from_pb(message.status),
        batch_id: Some(message.batch_id.trim().to_owned()).filter(|b| !b.is_empty()),
    };
    let limit = i64::from(if message.limit == 0 {
        50
    } else {
        message.limit.min(MAX_PAGE)
    });
    let offset = i64::try_from(message.offset)
        .map_err(|_| status::error(ErrorCode::OffsetInvalid, "offset: too large"))?;
    let (rows, total) = store::run(&imports.db, move |conn| {
        jobs::list(conn, &filter, limit, offset)
    })
    .await
    .map_err(|e| errors::store("listing import jobs", e))?;
    Ok(pb::ListImportsResponse {
        jobs: rows.iter().map(job_to_pb).collect(),
        total,
    })
}

/// `WatchImports`: replay after `after_event_id` (0: none), then live events.
pub async fn watch(
    imports: &Arc<Imports>,
    request: Request<pb::WatchImportsRequest>,
) -> Result<EventStream, Status> {
    let context = guard::context(&request)?;
    let message = request.into_inner();
    let filter = scoped(&context, companies(&message.companies)?)?;
    let after = if message.after_event_id == 0 {
        imports
            .hub()
            .newest()
            .await
            .map_err(|e| errors::store("reading import events", e))?
    } else {
        i64::try_from(message.after_event_id)
            .map_err(|_| status::error(ErrorCode::EventIdInvalid, "after_event_id: too large"))?
    };
    let metrics = imports.metrics.watchers.clone();
    metrics.inc();
    let guard = WatcherGauge(metrics);
    let stream = events::on_the_wire(imports.hub().watch(after, filter));
    Ok(Box::pin(futures::StreamExt::map(stream, move |item| {
        let _open = &guard;
        item
    })))
}

/// Decrements the open-watchers gauge when the stream is dropped (client gone).
struct WatcherGauge(prometheus::IntGauge);

impl Drop for WatcherGauge {
    fn drop(&mut self) {
        self.0.dec();
    }
}
