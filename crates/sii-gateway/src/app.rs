//! Building and running the gateway.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use ofitec_platform::db::Db;
use ofitec_platform::grpc::ServiceHost;
use ofitec_platform::grpc::health::database_probe;
use ofitec_proto::sii::v1::sii_gateway_server::SiiGatewayServer;
use tonic::server::NamedService;
use tonic::service::Routes;

use crate::config::Config;
use crate::grpc::GatewayService;
use crate::imports::metrics::ImportMetrics;
use crate::imports::{Imports, pool, queue};
use crate::sii::Sii;
use crate::sii::metrics::SiiMetrics;
use crate::store::MIGRATIONS;

/// A built gateway: listeners bound, database migrated, not yet serving.
#[derive(Debug)]
pub struct Application {
    host: ServiceHost,
    db: Db,
    imports: Arc<Imports>,
}

impl Application {
    /// Opens the database (running migrations) and binds the listeners.
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let db = Db::connect(&config.database, MIGRATIONS)
            .await
            .with_context(|| format!("opening the gateway database {}", config.database.url))?;
        let host = ServiceHost::bind("sii-gateway", &config.grpc, &config.metrics).await?;
        let sii_metrics =
            SiiMetrics::register(host.metrics()).context("registering SII metrics")?;
        let import_metrics =
            ImportMetrics::register(host.metrics()).context("registering import metrics")?;
        let sii = Sii::build(&config.sii, sii_metrics).context("setting up the SII client")?;
        let imports = Imports::new(db.clone(), sii, config.imports.clone(), import_metrics);
        Ok(Application { host, db, imports })
    }

    /// Serves until the shutdown token is cancelled.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let service = SiiGatewayServer::new(GatewayService::new(self.imports.clone()));
        let shutdown = self.host.shutdown_token();
        let pool = match self.imports.config.amqp_url.clone() {
            Some(url) => {
                tracing::info!(broker = %queue::redacted(&url), "imports run from RabbitMQ");
                tokio::spawn(queue::run(self.imports.clone(), url, shutdown))
            }
            None => {
                tracing::info!("imports run in the embedded worker pool (no RabbitMQ configured)");
                tokio::spawn(pool::run(self.imports.clone(), shutdown))
            }
        };
        let probe = database_probe(self.db.clone(), Duration::from_secs(2));
        let served = self
            .host
            .serve(
                Routes::new(service),
                vec![<SiiGatewayServer<GatewayService> as NamedService>::NAME],
                probe,
            )
            .await;
        if let Err(e) = pool.await {
            tracing::error!(error = %e, "import pool task failed");
        }
        served
    }
}

ofitec_platform::service_application!(Application);
