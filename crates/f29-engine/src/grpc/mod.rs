//! The `ofitec.f29.v1.F29Engine` gRPC service.
//!
//! * [`guard`]: caller context, key validation, company scope and roles.
//! * [`gateway`]: the sii-gateway client documents come from.
//! * [`convert`]: wire ↔ domain.
//! * [`errors`]: every failure as a status with a stable code.
//! * `compute`, `declarations`, `conciliate`, `mapping`: the methods.
//! * [`utm`], `holidays`, [`calendar`]: the reference data and the filing calendar.

mod calendar;
mod compute;
mod conciliate;
pub mod convert;
mod declarations;
pub mod errors;
pub mod gateway;
pub mod guard;
mod holidays;
mod mapping;
pub mod utm;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use ofitec_platform::db::Db;
use ofitec_proto::f29::v1 as pb;
use ofitec_proto::f29::v1::f29_engine_server::F29Engine;
use tonic::{Request, Response, Status};

use ofitec_domain::Rut;

use crate::domain::mapping::Mapping;
use crate::domain::options::ComputeOptions;
use crate::metrics::EngineMetrics;
use gateway::Gateway;

/// What the service reads besides its database, fixed at start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The OPEN points' settings.
    pub options: ComputeOptions,
    /// A UTM seed file re-read before every computation (its new months are added to the
    /// database); `None`: the shipped table seeds the database at start only.
    pub utm_table: Option<PathBuf>,
    /// The mapping from `mapping_file`, when configured.
    pub file_mapping: Option<Mapping>,
    /// The shipped mapping.
    pub shipped_mapping: Mapping,
    /// Who files on the 20th.
    pub filers: Filers,
}

/// Which companies file as electronic invoicers (F29 due the 20th rather than the 12th).
#[derive(Debug, Clone, Default)]
pub struct Filers {
    /// Everyone's, unless listed.
    pub e_invoicer: bool,
    /// The exceptions.
    pub by_company: BTreeMap<Rut, bool>,
}

impl Filers {
    /// Whether `company` is an electronic invoicer.
    pub fn e_invoicer(&self, company: Rut) -> bool {
        self.by_company
            .get(&company)
            .copied()
            .unwrap_or(self.e_invoicer)
    }
}

struct Inner {
    db: Db,
    gateway: Gateway,
    metrics: EngineMetrics,
    settings: Settings,
}

/// Serves the f29-engine contract from its database and sii-gateway's documents.
#[derive(Clone)]
pub struct F29EngineService {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for F29EngineService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("F29EngineService").finish_non_exhaustive()
    }
}

impl F29EngineService {
    /// A service over `db`, reading documents through `gateway`.
    pub fn new(
        db: Db,
        gateway: Gateway,
        metrics: EngineMetrics,
        settings: Settings,
    ) -> F29EngineService {
        F29EngineService {
            inner: Arc::new(Inner {
                db,
                gateway,
                metrics,
                settings,
            }),
        }
    }

    /// Sets the gauges read from the database — declarations by status, those due soon and
    /// not ready, the latest UTM month — at start, after changes and every `refresh_s`.
    pub async fn refresh_gauge(&self) {
        match crate::store::run(&self.inner.db, crate::store::declarations::count_by_status).await {
            Ok(counts) => self.inner.metrics.declarations(&counts),
            Err(e) => tracing::warn!(error = %e, "cannot count declarations for the gauge"),
        }
        match crate::store::run(&self.inner.db, crate::store::utm::latest).await {
            Ok(latest) => self.inner.metrics.utm_latest(latest),
            Err(e) => tracing::warn!(error = %e, "cannot read the latest UTM month for the gauge"),
        }
        match calendar::due_not_ready(self, chrono::Utc::now()).await {
            Ok(count) => self.inner.metrics.due_not_ready(count),
            Err(e) => {
                tracing::warn!(error = %e.message(), "cannot count the declarations due and not ready")
            }
        }
    }
}

#[tonic::async_trait]
impl F29Engine for F29EngineService {
    async fn compute(
        &self,
        request: Request<pb::ComputeRequest>,
    ) -> Result<Response<pb::Declaration>, Status> {
        compute::compute(self, request).await.map(Response::new)
    }

    async fn get_declaration(
        &self,
        request: Request<pb::DeclarationKey>,
    ) -> Result<Response<pb::Declaration>, Status> {
        declarations::get(self, request).await.map(Response::new)
    }

    async fn list_versions(
        &self,
        request: Request<pb::DeclarationKey>,
    ) -> Result<Response<pb::ListVersionsResponse>, Status> {
        declarations::versions(self, request)
            .await
            .map(Response::new)
    }

    async fn export(
        &self,
        request: Request<pb::ExportRequest>,
    ) -> Result<Response<pb::ExportResponse>, Status> {
        declarations::export(self, request).await.map(Response::new)
    }

    async fn set_status(
        &self,
        request: Request<pb::SetStatusRequest>,
    ) -> Result<Response<pb::Declaration>, Status> {
        declarations::set_status(self, request)
            .await
            .map(Response::new)
    }

    async fn conciliate(
        &self,
        request: Request<pb::ConciliateRequest>,
    ) -> Result<Response<pb::ConciliateResponse>, Status> {
        conciliate::conciliate(self, request)
            .await
            .map(Response::new)
    }

    async fn get_mapping(
        &self,
        request: Request<pb::GetMappingRequest>,
    ) -> Result<Response<pb::Mapping>, Status> {
        mapping::get(self, request).await.map(Response::new)
    }

    async fn put_mapping(
        &self,
        request: Request<pb::Mapping>,
    ) -> Result<Response<pb::Mapping>, Status> {
        mapping::put(self, request).await.map(Response::new)
    }

    async fn list_utm(
        &self,
        request: Request<pb::ListUtmRequest>,
    ) -> Result<Response<pb::ListUtmResponse>, Status> {
        utm::list(self, request).await.map(Response::new)
    }

    async fn set_utm(
        &self,
        request: Request<pb::SetUtmRequest>,
    ) -> Result<Response<pb::UtmMonth>, Status> {
        utm::set(self, request).await.map(Response::new)
    }

    async fn list_holidays(
        &self,
        request: Request<pb::ListHolidaysRequest>,
    ) -> Result<Response<pb::ListHolidaysResponse>, Status> {
        holidays::list(self, request).await.map(Response::new)
    }

    async fn set_holidays(
        &self,
        request: Request<pb::SetHolidaysRequest>,
    ) -> Result<Response<pb::HolidayYear>, Status> {
        holidays::set(self, request).await.map(Response::new)
    }

    async fn get_calendar(
        &self,
        request: Request<pb::GetCalendarRequest>,
    ) -> Result<Response<pb::Calendar>, Status> {
        calendar::get(self, request).await.map(Response::new)
    }
}
