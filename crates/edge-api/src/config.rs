//! edge-api configuration.

use std::path::Path;

use ofitec_platform::config::{self, ConfigError, EnvAlias, Environment, ListenAddr};
use ofitec_platform::telemetry::TelemetryConfig;
use serde::Deserialize;

pub use crate::auth::config::{AuthConfig, JwtConfig, MetricsAccessConfig, RateLimitConfig};

/// Everything edge-api reads at start.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Deployment environment.
    #[serde(default)]
    pub environment: Environment,
    /// The public HTTP listener.
    #[serde(default)]
    pub http: HttpConfig,
    /// Where the internal services are.
    #[serde(default)]
    pub services: ServicesConfig,
    /// Logs and traces.
    #[serde(default)]
    pub telemetry: TelemetryConfig,
    /// Authentication: JWTs, API keys, metrics access.
    #[serde(default)]
    pub auth: AuthConfig,
    /// Rate limits per principal and per client IP.
    #[serde(default)]
    pub rate_limit: RateLimitConfig,
}

/// The public HTTP listener.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    /// Address to listen on; port 5555 is the only port the platform exposes.
    #[serde(default = "default_listen")]
    pub listen: ListenAddr,
    /// Largest accepted request body, in bytes.
    #[serde(default = "default_body_limit")]
    pub body_limit_bytes: usize,
    /// Origins allowed by CORS (the frontend).
    #[serde(default = "default_cors_origins")]
    pub cors_origins: Vec<String>,
    /// HTTP worker threads; 0 means one per CPU.
    #[serde(default)]
    pub workers: usize,
    /// How long in-flight requests may take to finish after a stop request, in seconds.
    #[serde(default = "default_shutdown_grace_s")]
    pub shutdown_grace_s: u64,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            listen: default_listen(),
            body_limit_bytes: default_body_limit(),
            cors_origins: default_cors_origins(),
            workers: 0,
            shutdown_grace_s: default_shutdown_grace_s(),
        }
    }
}

fn default_listen() -> ListenAddr {
    ListenAddr::all_interfaces(5555)
}
fn default_body_limit() -> usize {
    1024 * 1024
}
fn default_cors_origins() -> Vec<String> {
    vec!["http://localhost:3001".to_owned()]
}
fn default_shutdown_grace_s() -> u64 {
    30
}

/// Internal gRPC services.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServicesConfig {
    /// sii-gateway, e.g. `http://127.0.0.1:50051`.
    #[serde(default = "default_sii_gateway")]
    pub sii_gateway: String,
    /// f29-engine.
    #[serde(default = "default_f29_engine")]
    pub f29_engine: String,
    /// backup-agent.
    #[serde(default = "default_backup_agent")]
    pub backup_agent: String,
    /// Deadline of an ordinary internal call, in milliseconds.
    #[serde(default = "default_call_timeout_ms")]
    pub call_timeout_ms: u64,
    /// Deadline of a health check, in milliseconds.
    #[serde(default = "default_health_timeout_ms")]
    pub health_timeout_ms: u64,
    /// Deadline of `POST /api/backup/drill`, in milliseconds: a drill restores and verifies a
    /// whole database (minutes to hours, the measured RTO) and its answer is the evidence
    /// the operator asked for, so it gets its own deadline instead of `call_timeout_ms`.
    #[serde(default = "default_backup_drill_timeout_ms")]
    pub backup_drill_timeout_ms: u64,
    /// Deadline of calls whose work grows with a period's size (F29 compute and
    /// conciliation, document exports), in milliseconds. f29-engine sizes its own read of the
    /// documents from the period's count; this only bounds the whole call.
    #[serde(default = "default_long_call_timeout_ms")]
    pub long_call_timeout_ms: u64,
    /// Mutual TLS towards the internal services (use `https://` URLs); plaintext when absent.
    #[serde(default)]
    pub tls: Option<ofitec_platform::grpc::tls::ClientTls>,
}

impl Default for ServicesConfig {
    fn default() -> Self {
        ServicesConfig {
            sii_gateway: default_sii_gateway(),
            f29_engine: default_f29_engine(),
            backup_agent: default_backup_agent(),
            call_timeout_ms: default_call_timeout_ms(),
            health_timeout_ms: default_health_timeout_ms(),
            backup_drill_timeout_ms: default_backup_drill_timeout_ms(),
            long_call_timeout_ms: default_long_call_timeout_ms(),
            tls: None,
        }
    }
}

fn default_sii_gateway() -> String {
    "http://127.0.0.1:50051".to_owned()
}
fn default_f29_engine() -> String {
    "http://127.0.0.1:50052".to_owned()
}
fn default_backup_agent() -> String {
    "http://127.0.0.1:50053".to_owned()
}
fn default_call_timeout_ms() -> u64 {
    30_000
}
fn default_long_call_timeout_ms() -> u64 {
    300_000
}
fn default_health_timeout_ms() -> u64 {
    2_000
}
fn default_backup_drill_timeout_ms() -> u64 {
    // Two hours: the disaster-recovery plan's RTO for a database restore is one hour, so a
    // drill that needs more has already failed its purpose but still deserves its answer.
    7_200_000
}

/// Environment variables accepted besides `OFITEC__…`.
pub const ENV_ALIASES: &[EnvAlias] = &[
    EnvAlias {
        var: "SII_GATEWAY_URL",
        key: "services.sii_gateway",
    },
    EnvAlias {
        var: "F29_ENGINE_URL",
        key: "services.f29_engine",
    },
    EnvAlias {
        var: "BACKUP_AGENT_URL",
        key: "services.backup_agent",
    },
];

impl Config {
    /// Loads defaults ← `file` ← environment.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        config::load(file, ENV_ALIASES)
    }

    /// Loopback port 0, pointing at the given services: what tests start.
    pub fn for_tests(sii_gateway: String, f29_engine: String, backup_agent: String) -> Config {
        Config {
            environment: Environment::Development,
            http: HttpConfig {
                listen: ListenAddr::loopback(0),
                workers: 2,
                shutdown_grace_s: 10,
                ..HttpConfig::default()
            },
            services: ServicesConfig {
                sii_gateway,
                f29_engine,
                backup_agent,
                call_timeout_ms: 10_000,
                health_timeout_ms: 1_000,
                backup_drill_timeout_ms: default_backup_drill_timeout_ms(),
                long_call_timeout_ms: default_long_call_timeout_ms(),
                tls: None,
            },
            telemetry: TelemetryConfig::default(),
            auth: AuthConfig {
                dev_secret: Some(ofitec_domain::secret::Secret::new(TEST_SECRET)),
                ..AuthConfig::default()
            },
            rate_limit: RateLimitConfig::default(),
        }
    }
}

/// The development secret `Config::for_tests` signs tokens with.
pub const TEST_SECRET: &str = "test-secret-that-is-at-least-32-characters-long";
