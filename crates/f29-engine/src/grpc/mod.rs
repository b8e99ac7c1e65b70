//! The `ofitec.f29.v1.F29Engine` gRPC service.

use ofitec_core::db::Db;
use ofitec_proto::f29::v1::f29_engine_server::F29Engine;

/// Serves the f29-engine contract from its database.
#[derive(Debug, Clone)]
pub struct F29EngineService {
    /// The service's own database.
    #[allow(dead_code)]
    db: Db,
}

impl F29EngineService {
    /// A service over `db`.
    pub fn new(db: Db) -> F29EngineService {
        F29EngineService { db }
    }
}

#[tonic::async_trait]
impl F29Engine for F29EngineService {}
