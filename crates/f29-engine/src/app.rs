//! Building and running f29-engine.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::Context as _;
use ofitec_domain::Rut;
use ofitec_platform::db::Db;
use ofitec_platform::grpc::ServiceHost;
use ofitec_platform::grpc::health::database_probe;
use ofitec_proto::f29::v1::f29_engine_server::F29EngineServer;
use tonic::server::NamedService;
use tonic::service::Routes;

use crate::config::{CalendarConfig, Config};
use crate::domain::calendar::holidays::HolidayTable;
use crate::domain::mapping::Mapping;
use crate::domain::utm::UtmTable;
use crate::grpc::gateway::Gateway;
use crate::grpc::{F29EngineService, Filers, Settings};
use crate::metrics::EngineMetrics;
use crate::store::{self, MIGRATIONS};

/// A built f29-engine: listeners bound, database migrated and seeded, not yet serving.
#[derive(Debug)]
pub struct Application {
    host: ServiceHost,
    db: Db,
    service: F29EngineService,
    /// How often the gauges that depend on the date are recomputed.
    refresh: Duration,
}

fn filers(calendar: &CalendarConfig) -> anyhow::Result<Filers> {
    let by_company = calendar
        .e_invoicer_by_company
        .iter()
        .map(|(rut, e_invoicer)| {
            Rut::parse(rut)
                .map(|r| (r, *e_invoicer))
                .with_context(|| format!("calendar.e_invoicer_by_company: `{rut}`"))
        })
        .collect::<anyhow::Result<BTreeMap<_, _>>>()?;
    Ok(Filers {
        e_invoicer: calendar.e_invoicer,
        by_company,
    })
}

/// Adds to the database the reference data it lacks: the UTM months of the shipped table
/// (or of `utm_table`) and the shipped holiday years. An operator's values are kept.
pub(crate) async fn seed_reference_data(db: &Db, config: &Config) -> anyhow::Result<()> {
    let (utm, source) = match &config.utm_table {
        Some(path) => (UtmTable::load(path)?, format!("file {}", path.display())),
        None => (
            UtmTable::shipped().context("the shipped UTM table")?,
            "shipped data/utm.yaml".to_owned(),
        ),
    };
    let holidays = HolidayTable::shipped().context("the shipped holiday table")?;
    let now = chrono::Utc::now();
    let (utm, years) = store::run(db, move |conn| {
        Ok((
            store::utm::seed(conn, &utm, &source, now)?,
            store::holidays::seed(conn, &holidays, now)?,
        ))
    })
    .await
    .context("seeding the UTM table and the holidays")?;
    tracing::info!(
        utm_added = utm.added,
        utm_corrected = utm.corrected,
        holiday_years_added = years.added,
        holiday_years_corrected = years.corrected,
        "reference data seeded"
    );
    if utm.kept > 0 || years.kept > 0 {
        tracing::warn!(
            utm_months = utm.kept,
            holiday_years = years.kept,
            "values set by an operator differ from the shipped ones and were kept"
        );
    }
    Ok(())
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
        file_mapping,
        shipped_mapping,
        filers: filers(&config.calendar)?,
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
        seed_reference_data(&db, &config).await?;
        let host = ServiceHost::bind("f29-engine", &config.grpc, &config.metrics).await?;
        let metrics = EngineMetrics::register(host.metrics()).context("registering f29 metrics")?;
        let service = F29EngineService::new(db.clone(), gateway, metrics, settings);
        service.refresh_gauge().await;
        Ok(Application {
            host,
            db,
            service,
            refresh: Duration::from_secs(config.calendar.refresh_s.max(1)),
        })
    }

    /// Serves until the shutdown token is cancelled.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        // The due-date gauge changes with the date, and the import command writes the UTM
        // table from another process: both are re-read on a timer, until shutdown.
        let refresher = {
            let service = self.service.clone();
            let shutdown = self.host.shutdown_token();
            let period = self.refresh;
            tokio::spawn(async move {
                let mut ticks = tokio::time::interval(period);
                ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tokio::select! {
                        () = shutdown.cancelled() => break,
                        _ = ticks.tick() => service.refresh_gauge().await,
                    }
                }
            })
        };
        let service =
            F29EngineServer::new(self.service).max_decoding_message_size(16 * 1024 * 1024);
        let probe = database_probe(self.db.clone(), Duration::from_secs(2));
        let result = self
            .host
            .serve(
                Routes::new(service),
                vec![<F29EngineServer<F29EngineService> as NamedService>::NAME],
                probe,
            )
            .await;
        refresher.abort();
        result
    }
}

ofitec_platform::service_application!(Application);
