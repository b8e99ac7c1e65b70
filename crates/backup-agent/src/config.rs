//! backup-agent configuration (see `config/` for annotated examples).

use std::path::{Path, PathBuf};

use ofitec_platform::config::{self, ConfigError, EnvAlias, Environment};
use ofitec_platform::db::{DatabaseConfig, DatabaseUrl};
use ofitec_platform::grpc::{GrpcServerConfig, MetricsConfig};
use ofitec_platform::telemetry::TelemetryConfig;
use serde::Deserialize;

use crate::plan::{Plan, PlanSpec, PlansFile, validate_plans};

/// Everything backup-agent reads at start.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Deployment environment.
    #[serde(default)]
    pub environment: Environment,
    /// gRPC server (internal port 50053).
    #[serde(default = "default_grpc")]
    pub grpc: GrpcServerConfig,
    /// Prometheus endpoint (internal port 9153).
    #[serde(default = "default_metrics")]
    pub metrics: MetricsConfig,
    /// The backup-agent database (the agent:backup catalog).
    #[serde(default = "default_database")]
    pub database: DatabaseConfig,
    /// Logs and traces.
    #[serde(default)]
    pub telemetry: TelemetryConfig,
    /// Plans, work directory and tools.
    #[serde(default)]
    pub backup: BackupSettings,
    /// The validated plans (inline ones first, then those of `backup.plans_file`).
    #[serde(skip)]
    pub plans: Vec<Plan>,
}

/// The `backup` section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupSettings {
    /// Staging (dumps before they go to restic), scratch space for drills and the restic
    /// cache. Needs room for one run's dumps.
    #[serde(default = "default_work_dir")]
    pub work_dir: PathBuf,
    /// A YAML file with `plans: [...]`, read at start.
    #[serde(default)]
    pub plans_file: Option<PathBuf>,
    /// Plans written inline.
    #[serde(default)]
    pub plans: Vec<PlanSpec>,
    /// Where restic, pg_dump and pg_restore are looked up (`PATH` syntax); default `$PATH`.
    #[serde(default)]
    pub tool_path: Option<String>,
    /// Whether the scheduler runs (off: only gRPC and CLI triggers).
    #[serde(default = "default_true")]
    pub scheduler: bool,
}

impl Default for BackupSettings {
    fn default() -> Self {
        BackupSettings {
            work_dir: default_work_dir(),
            plans_file: None,
            plans: Vec::new(),
            tool_path: None,
            scheduler: true,
        }
    }
}

fn default_work_dir() -> PathBuf {
    PathBuf::from("data/backup")
}

fn default_true() -> bool {
    true
}

/// Environment variables accepted besides `OFITEC__…`.
pub const ENV_ALIASES: &[EnvAlias] = &[EnvAlias {
    var: "DATABASE_URL",
    key: "database.url",
}];

impl Config {
    /// Loads defaults ← `file` ← environment.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        let mut config: Config = config::load(file, ENV_ALIASES)?;
        let origin = file
            .map(|p| format!("config file {}", p.display()))
            .unwrap_or_else(|| "defaults".to_owned());
        config.resolve_plans(&origin)?;
        Ok(config)
    }

    /// Reads `backup.plans_file` and validates every plan into [`Config::plans`].
    pub fn resolve_plans(&mut self, origin: &str) -> Result<(), ConfigError> {
        let mut specs = self.backup.plans.clone();
        if let Some(path) = &self.backup.plans_file {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.clone(),
                source,
            })?;
            let file: PlansFile =
                serde_path_to_error::deserialize(serde_yaml::Deserializer::from_str(&text))
                    .map_err(|e| ConfigError::Invalid {
                        key: e.path().to_string(),
                        origin: format!("plans file {}", path.display()),
                        message: e.into_inner().to_string(),
                    })?;
            specs.extend(file.plans);
        }
        self.plans = validate_plans(&specs).map_err(|e| ConfigError::Invalid {
            key: "backup.plans".to_owned(),
            origin: origin.to_owned(),
            message: e.to_string(),
        })?;
        Ok(())
    }

    /// Loopback port 0 everywhere and the given database: what tests start.
    pub fn for_tests(database: DatabaseUrl) -> Config {
        Config {
            environment: Environment::Development,
            grpc: GrpcServerConfig::for_tests(),
            metrics: MetricsConfig::loopback(0),
            database: DatabaseConfig::new(database),
            telemetry: TelemetryConfig::default(),
            backup: BackupSettings::default(),
            plans: Vec::new(),
        }
    }
}

fn default_grpc() -> GrpcServerConfig {
    GrpcServerConfig::new(ofitec_platform::config::ListenAddr::loopback(50053))
}

fn default_metrics() -> MetricsConfig {
    MetricsConfig::loopback(9153)
}

fn default_database() -> DatabaseConfig {
    DatabaseConfig::sqlite_file("data/backup-agent.db")
}
