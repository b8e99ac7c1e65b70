//! The `ofitec.backup.v1.BackupAgent` gRPC service.

use ofitec_core::db::Db;
use ofitec_proto::backup::v1::backup_agent_server::BackupAgent;

/// Serves the backup-agent contract from its database.
#[derive(Debug, Clone)]
pub struct BackupAgentService {
    /// The service's own database.
    #[allow(dead_code)]
    db: Db,
}

impl BackupAgentService {
    /// A service over `db`.
    pub fn new(db: Db) -> BackupAgentService {
        BackupAgentService { db }
    }
}

#[tonic::async_trait]
impl BackupAgent for BackupAgentService {}
