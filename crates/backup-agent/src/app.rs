//! Building and running backup-agent.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use ofitec_platform::db::Db;
use ofitec_platform::grpc::ServiceHost;
use ofitec_platform::grpc::health::database_probe;
use ofitec_proto::backup::v1::backup_agent_server::BackupAgentServer;
use tonic::server::NamedService;
use tonic::service::Routes;

use crate::agent::Agent;
use crate::clock::{SharedClock, SystemClock};
use crate::config::Config;
use crate::grpc::BackupAgentService;
use crate::metrics::BackupMetrics;
use crate::store::MIGRATIONS;
use crate::tools::Tools;

/// A built backup-agent: listeners bound, database migrated, not yet serving.
#[derive(Debug)]
pub struct Application {
    host: ServiceHost,
    db: Db,
    agent: Arc<Agent>,
    /// Whether the scheduler runs (off in most tests, which trigger work themselves).
    scheduler: bool,
}

impl Application {
    /// Opens the database (running migrations) and binds the listeners.
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        Application::build_with_clock(config, Arc::new(SystemClock)).await
    }

    /// Like [`Application::build`] with an injected clock (tests replay months with it).
    pub async fn build_with_clock(
        config: Config,
        clock: SharedClock,
    ) -> anyhow::Result<Application> {
        let db = Db::connect(&config.database, MIGRATIONS)
            .await
            .with_context(|| {
                format!("opening the backup-agent database {}", config.database.url)
            })?;
        let host = ServiceHost::bind("backup-agent", &config.grpc, &config.metrics).await?;
        let metrics =
            BackupMetrics::register(host.metrics()).context("registering backup metrics")?;
        let agent = start_agent(&config, db.clone(), clock, metrics, true).await?;
        tracing::info!(plans = agent.plans.len(), missing_tools = ?agent.tools.missing(), "backup agent ready");
        Ok(Application {
            host,
            db,
            agent,
            scheduler: config.backup.scheduler,
        })
    }

    /// The agent (tests drive runs, drills and maintenance through it).
    pub fn agent(&self) -> Arc<Agent> {
        self.agent.clone()
    }

    /// Serves until the shutdown token is cancelled, then waits for the runs, drills and
    /// scheduled maintenance in progress (new ones are refused from the moment shutdown
    /// starts), so a SIGTERM lets a backup finish and be recorded.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let token = self.host.shutdown_token();
        let scheduler = (self.scheduler && !self.agent.plans.is_empty())
            .then(|| tokio::spawn(crate::schedule::run(self.agent.clone(), token.clone())));
        let refuse_new_work = {
            let (agent, token) = (self.agent.clone(), token.clone());
            tokio::spawn(async move {
                token.cancelled().await;
                agent.begin_shutdown();
            })
        };
        let service = BackupAgentServer::new(BackupAgentService::new(self.agent.clone()));
        // Health follows the catalog database only: a missing tool or an unreachable
        // offsite is reported in status and metrics, not by taking the service down.
        let probe = database_probe(self.db.clone(), Duration::from_secs(2));
        let served = self
            .host
            .serve(
                Routes::new(service),
                vec![<BackupAgentServer<BackupAgentService> as NamedService>::NAME],
                probe,
            )
            .await;
        // However serving ended, the scheduler stops and nothing new starts.
        token.cancel();
        let _ = refuse_new_work.await;
        if let Some(scheduler) = scheduler {
            let _ = scheduler.await;
        }
        self.agent.begin_shutdown();
        self.agent.finished_work().await;
        tracing::info!("backup work finished; stopped");
        served
    }
}

ofitec_platform::service_application!(Application);

/// The agent without a server, for CLI commands that work locally (`run --local`,
/// `restore`, `drill --local`).
pub async fn local_agent(config: &Config) -> anyhow::Result<Arc<Agent>> {
    let db = Db::connect(&config.database, MIGRATIONS)
        .await
        .with_context(|| format!("opening the backup-agent database {}", config.database.url))?;
    let registry = ofitec_platform::metrics::Metrics::new();
    let metrics = BackupMetrics::register(&registry).context("registering backup metrics")?;
    start_agent(config, db, Arc::new(SystemClock), metrics, false).await
}

/// The agent's state over the configured plans, started (see [`crate::startup`]).
async fn start_agent(
    config: &Config,
    db: Db,
    clock: SharedClock,
    metrics: BackupMetrics,
    recover: bool,
) -> anyhow::Result<Arc<Agent>> {
    let tools = Tools::discover(config.backup.tool_path.as_deref());
    let work_dir = &config.backup.work_dir;
    let agent = Agent::new(db, config.plans.clone(), tools, clock, metrics, work_dir)
        .with_context(|| format!("preparing the work directory {}", work_dir.display()))?;
    crate::startup::start(agent, recover).await
}
