//! Building and running f29-engine.

use std::time::Duration;

use anyhow::Context as _;
use ofitec_platform::db::Db;
use ofitec_platform::grpc::ServiceHost;
use ofitec_platform::grpc::health::database_probe;
use ofitec_proto::f29::v1::f29_engine_server::F29EngineServer;
use tonic::server::NamedService;
use tonic::service::Routes;

use crate::config::Config;
use crate::domain::mapping::Mapping;
use crate::domain::utm::UtmTable;
use crate::grpc::gateway::Gateway;
use crate::grpc::{F29EngineService, Settings};
use crate::metrics::EngineMetrics;
use crate::store::MIGRATIONS;

/// A built f29-engine: listeners bound, database migrated, not yet serving.
#[derive(Debug)]
pub struct Application {
    host: ServiceHost,
    db: Db,
    service: F29EngineService,
}

/// Reads what the configuration points at, so a wrong file stops the start with a clear
/// message instead of failing the first computation.
fn settings(config: &Config) -> anyhow::Result<Settings> {
    let shipped_mapping = Mapping::default_mapping().context("the shipped mapping")?;
    let file_mapping = match &config.mapping_file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading mapping_file {}", path.display()))?;
            Some(
                Mapping::parse(&text)
                    .with_context(|| format!("mapping_file {}", path.display()))?,
            )
        }
        None => None,
    };
    let shipped_utm = UtmTable::shipped().context("the shipped UTM table")?;
    if let Some(path) = &config.utm_table {
        UtmTable::load(path)?;
    }
    if let Some(code) = config.compute.uso_comun_non_credited_codigo {
        let mapping = file_mapping.as_ref().unwrap_or(&shipped_mapping);
        anyhow::ensure!(
            mapping.codigo(code).is_some() && !mapping.is_derived(code),
            "compute.uso_comun_non_credited_codigo = {code} is not a código the mapping lets the engine fill"
        );
    }
    Ok(Settings {
        options: config.compute.clone(),
        utm_table: config.utm_table.clone(),
        shipped_utm,
        file_mapping,
        shipped_mapping,
    })
}

impl Application {
    /// Opens the database (running migrations) and binds the listeners.
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let settings = settings(&config)?;
        let gateway = Gateway::connect_lazy(
            &config.sii_gateway,
            Duration::from_millis(config.sii_gateway_timeout_ms.max(100)),
        )?;
        let db = Db::connect(&config.database, MIGRATIONS)
            .await
            .with_context(|| format!("opening the f29-engine database {}", config.database.url))?;
        let host = ServiceHost::bind("f29-engine", &config.grpc, &config.metrics).await?;
        let metrics = EngineMetrics::register(host.metrics()).context("registering f29 metrics")?;
        let service = F29EngineService::new(db.clone(), gateway, metrics, settings);
        service.refresh_gauge().await;
        Ok(Application { host, db, service })
    }

    /// Serves until the shutdown token is cancelled.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let service =
            F29EngineServer::new(self.service).max_decoding_message_size(16 * 1024 * 1024);
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

ofitec_platform::service_application!(Application);
