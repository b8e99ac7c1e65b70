//! The `ofitec.sii.v1.SiiGateway` gRPC service.

use ofitec_core::db::Db;
use ofitec_proto::sii::v1::sii_gateway_server::SiiGateway;

/// Serves the gateway contract from the gateway's database.
#[derive(Debug, Clone)]
pub struct GatewayService {
    /// The gateway's own database.
    #[allow(dead_code)]
    db: Db,
}

impl GatewayService {
    /// A service over `db`.
    pub fn new(db: Db) -> GatewayService {
        GatewayService { db }
    }
}

#[tonic::async_trait]
impl SiiGateway for GatewayService {}
