//! The `ofitec.f29.v1.F29Engine` gRPC service.
//!
//! * [`guard`]: caller context, key validation, company scope and roles.
//! * [`gateway`]: the sii-gateway client documents come from.
//! * [`convert`]: wire ↔ domain.
//! * [`errors`]: every failure as a status with a stable code.
//! * `compute`, `declarations`, `conciliate`, `mapping`: the methods.

mod compute;
mod conciliate;
pub mod convert;
mod declarations;
pub mod errors;
pub mod gateway;
pub mod guard;
mod mapping;

use std::path::PathBuf;
use std::sync::Arc;

use ofitec_platform::db::Db;
use ofitec_proto::f29::v1 as pb;
use ofitec_proto::f29::v1::f29_engine_server::F29Engine;
use tonic::{Request, Response, Status};

use crate::domain::mapping::Mapping;
use crate::domain::options::ComputeOptions;
use crate::domain::utm::UtmTable;
use crate::metrics::EngineMetrics;
use gateway::Gateway;

/// What the service reads besides its database, fixed at start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The OPEN points' settings.
    pub options: ComputeOptions,
    /// A UTM table file re-read at every computation; `None` uses the shipped table.
    pub utm_table: Option<PathBuf>,
    /// The shipped UTM table.
    pub shipped_utm: UtmTable,
    /// The mapping from `mapping_file`, when configured.
    pub file_mapping: Option<Mapping>,
    /// The shipped mapping.
    pub shipped_mapping: Mapping,
}

impl Settings {
    /// The UTM table in force now.
    pub fn utm(&self) -> Result<UtmTable, Status> {
        match &self.utm_table {
            Some(path) => UtmTable::load(path).map_err(errors::utm),
            None => Ok(self.shipped_utm.clone()),
        }
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

    /// Sets the `f29_declarations` gauge from the database (at start and after changes).
    pub async fn refresh_gauge(&self) {
        match crate::store::run(&self.inner.db, crate::store::declarations::count_by_status).await {
            Ok(counts) => self.inner.metrics.declarations(&counts),
            Err(e) => tracing::warn!(error = %e, "cannot count declarations for the gauge"),
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
}
