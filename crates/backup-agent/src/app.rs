//! Building and running backup-agent.

use std::time::Duration;

use anyhow::Context as _;
use ofitec_core::db::Db;
use ofitec_core::grpc::ServiceHost;
use ofitec_core::grpc::health::database_probe;
use ofitec_proto::backup::v1::backup_agent_server::BackupAgentServer;
use tonic::server::NamedService;
use tonic::service::Routes;

use crate::config::Config;
use crate::grpc::BackupAgentService;
use crate::store::MIGRATIONS;

/// A built backup-agent: listeners bound, database migrated, not yet serving.
#[derive(Debug)]
pub struct Application {
    host: ServiceHost,
    db: Db,
}

impl Application {
    /// Opens the database (running migrations) and binds the listeners.
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let db = Db::connect(&config.database, MIGRATIONS)
            .await
            .with_context(|| {
                format!("opening the backup-agent database {}", config.database.url)
            })?;
        let host = ServiceHost::bind("backup-agent", &config.grpc, &config.metrics).await?;
        Ok(Application { host, db })
    }

    /// Serves until the shutdown token is cancelled.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let service = BackupAgentServer::new(BackupAgentService::new(self.db.clone()));
        let probe = database_probe(self.db.clone(), Duration::from_secs(2));
        self.host
            .serve(
                Routes::new(service),
                vec![<BackupAgentServer<BackupAgentService> as NamedService>::NAME],
                probe,
            )
            .await
    }
}

ofitec_core::service_application!(Application);
