//! Building and running f29-engine.

use std::time::Duration;

use anyhow::Context as _;
use ofitec_core::db::Db;
use ofitec_core::grpc::ServiceHost;
use ofitec_core::grpc::health::database_probe;
use ofitec_proto::f29::v1::f29_engine_server::F29EngineServer;
use tonic::server::NamedService;
use tonic::service::Routes;

use crate::config::Config;
use crate::grpc::F29EngineService;
use crate::store::MIGRATIONS;

/// A built f29-engine: listeners bound, database migrated, not yet serving.
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
            .with_context(|| format!("opening the f29-engine database {}", config.database.url))?;
        let host = ServiceHost::bind("f29-engine", &config.grpc, &config.metrics).await?;
        Ok(Application { host, db })
    }

    /// Serves until the shutdown token is cancelled.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let service = F29EngineServer::new(F29EngineService::new(self.db.clone()));
        let probe = database_probe(self.db.clone(), Duration::from_secs(2));
        self.host
            .serve(
                Routes::new(service),
                vec![<F29EngineServer<F29EngineService> as NamedService>::NAME],
                probe,
            )
            .await
    }
}

ofitec_core::service_application!(Application);
