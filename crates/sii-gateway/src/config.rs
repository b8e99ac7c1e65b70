//! sii-gateway configuration (see `config/` for annotated examples).

use std::path::Path;

use ofitec_platform::config::{self, ConfigError, EnvAlias, Environment};
use ofitec_platform::db::{DatabaseConfig, DatabaseUrl};
use ofitec_platform::grpc::{GrpcServerConfig, MetricsConfig};
use ofitec_platform::telemetry::TelemetryConfig;
use serde::Deserialize;

/// Everything sii-gateway reads at start.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Deployment environment.
    #[serde(default)]
    pub environment: Environment,
    /// gRPC server (internal port 50051).
    #[serde(default = "default_grpc")]
    pub grpc: GrpcServerConfig,
    /// Prometheus endpoint (internal port 9151).
    #[serde(default = "default_metrics")]
    pub metrics: MetricsConfig,
    /// The gateway's own database (RCV documents, import jobs).
    #[serde(default = "default_database")]
    pub database: DatabaseConfig,
    /// Logs and traces.
    #[serde(default)]
    pub telemetry: TelemetryConfig,
    /// How SII is reached.
    #[serde(default)]
    pub sii: crate::sii::config::SiiConfig,
    /// How imports run.
    #[serde(default)]
    pub imports: crate::imports::config::ImportsConfig,
}

/// Environment variables accepted besides `OFITEC__…`.
pub const ENV_ALIASES: &[EnvAlias] = &[
    EnvAlias {
        var: "DATABASE_URL",
        key: "database.url",
    },
    EnvAlias {
        var: "AMQP_URL",
        key: "imports.amqp_url",
    },
];

impl Config {
    /// Loads defaults ← `file` ← environment.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        config::load(file, ENV_ALIASES)
    }

    /// Loopback port 0 everywhere and the given database: what tests start.
    pub fn for_tests(database: DatabaseUrl) -> Config {
        Config {
            environment: Environment::Development,
            grpc: GrpcServerConfig::for_tests(),
            metrics: MetricsConfig::loopback(0),
            database: DatabaseConfig::new(database),
            telemetry: TelemetryConfig::default(),
            sii: crate::sii::config::SiiConfig::default(),
            imports: crate::imports::config::ImportsConfig::default(),
        }
    }
}

impl Config {
    /// [`Config::for_tests`] talking to the sii-sim at `sim_base` with the PKCS#12 file
    /// `certificate` (password in `password_file`), with short deadlines and retry delays.
    pub fn for_tests_against_sim(
        database: DatabaseUrl,
        sim_base: &str,
        certificate: &Path,
        password_file: &Path,
    ) -> Config {
        let mut config = Config::for_tests(database);
        config.sii.environment = crate::sii::config::EnvironmentName::Sim;
        config.sii.sim_url = sim_base.to_owned();
        config.sii.certificate = Some(crate::sii::config::CertificateConfig {
            file: certificate.to_path_buf(),
            password_file: Some(password_file.to_path_buf()),
            password_env: None,
        });
        config.sii.timeout_s = 5;
        config.sii.max_attempts = 2;
        config.sii.backoff_ms = 10;
        config.sii.max_backoff_ms = 20;
        // The simulator needs no politeness; the pacer has its own unit test.
        config.sii.requests_per_second = 0.0;
        config.imports.poll_ms = 100;
        config.imports.retry_delays_s = vec![0];
        config
    }
}

fn default_grpc() -> GrpcServerConfig {
    GrpcServerConfig::new(ofitec_platform::config::ListenAddr::loopback(50051))
}

fn default_metrics() -> MetricsConfig {
    MetricsConfig::loopback(9151)
}

fn default_database() -> DatabaseConfig {
    DatabaseConfig::sqlite_file("data/sii-gateway.db")
}
