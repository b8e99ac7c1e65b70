//! f29-engine configuration (see `config/` for annotated examples).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ofitec_platform::config::{self, ConfigError, EnvAlias, Environment};
use ofitec_platform::db::{DatabaseConfig, DatabaseUrl};
use ofitec_platform::grpc::{GrpcServerConfig, MetricsConfig};
use ofitec_platform::telemetry::TelemetryConfig;
use serde::Deserialize;

use crate::domain::options::ComputeOptions;

/// Everything f29-engine reads at start.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Deployment environment.
    #[serde(default)]
    pub environment: Environment,
    /// gRPC server (internal port 50052).
    #[serde(default = "default_grpc")]
    pub grpc: GrpcServerConfig,
    /// Prometheus endpoint (internal port 9152).
    #[serde(default = "default_metrics")]
    pub metrics: MetricsConfig,
    /// The f29-engine database (the engine:declarations, versions, mappings).
    #[serde(default = "default_database")]
    pub database: DatabaseConfig,
    /// Logs and traces.
    #[serde(default)]
    pub telemetry: TelemetryConfig,
    /// sii-gateway's gRPC URL, where documents and import facts come from
    /// (`SII_GATEWAY_URL`; default `http://127.0.0.1:50051`).
    #[serde(default = "default_sii_gateway")]
    pub sii_gateway: String,
    /// Deadline of each call to sii-gateway, in milliseconds.
    #[serde(default = "default_gateway_timeout_ms")]
    pub sii_gateway_timeout_ms: u64,
    /// A UTM table file (YAML, `"YYYY-MM": pesos`) seeding the database instead of the
    /// shipped one: re-read at start and before every computation, its months the database
    /// lacks are added (an operator's month is never overwritten), so appending a month to it
    /// needs no restart. The import command and the admin API are the usual ways.
    #[serde(default)]
    pub utm_table: Option<PathBuf>,
    /// A mapping file replacing the shipped default (a mapping stored with PutMapping still
    /// wins over it).
    #[serde(default)]
    pub mapping_file: Option<PathBuf>,
    /// The computation's OPEN points (see `domain::options`).
    #[serde(default)]
    pub compute: ComputeOptions,
    /// The filing calendar: who files on the 20th, how often its gauges are refreshed.
    #[serde(default)]
    pub calendar: CalendarConfig,
}

/// The filing calendar's settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarConfig {
    /// Whether a company files as an electronic invoicer over the internet (F29 due the
    /// 20th; otherwise the 12th), unless `e_invoicer_by_company` says otherwise. Electronic
    /// invoicing is compulsory since Ley 20.727, hence the default.
    #[serde(default = "default_e_invoicer")]
    pub e_invoicer: bool,
    /// Companies that file otherwise: RUT → whether it is an electronic invoicer.
    #[serde(default)]
    pub e_invoicer_by_company: BTreeMap<String, bool>,
    /// How often, in seconds, the UTM and due-date gauges are recomputed (time passes even
    /// when nothing is written).
    #[serde(default = "default_refresh_s")]
    pub refresh_s: u64,
}

impl Default for CalendarConfig {
    fn default() -> CalendarConfig {
        CalendarConfig {
            e_invoicer: default_e_invoicer(),
            e_invoicer_by_company: BTreeMap::new(),
            refresh_s: default_refresh_s(),
        }
    }
}

fn default_e_invoicer() -> bool {
    true
}

fn default_refresh_s() -> u64 {
    60
}

/// Environment variables accepted besides `OFITEC__…`.
pub const ENV_ALIASES: &[EnvAlias] = &[
    EnvAlias {
        var: "DATABASE_URL",
        key: "database.url",
    },
    EnvAlias {
        var: "SII_GATEWAY_URL",
        key: "sii_gateway",
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
            sii_gateway: default_sii_gateway(),
            sii_gateway_timeout_ms: default_gateway_timeout_ms(),
            utm_table: None,
            mapping_file: None,
            compute: ComputeOptions::default(),
            calendar: CalendarConfig::default(),
        }
    }

    /// The same, reading documents from the sii-gateway at `url`.
    pub fn with_sii_gateway(mut self, url: impl Into<String>) -> Config {
        self.sii_gateway = url.into();
        self
    }
}

fn default_sii_gateway() -> String {
    "http://127.0.0.1:50051".to_owned()
}

fn default_gateway_timeout_ms() -> u64 {
    30_000
}

fn default_grpc() -> GrpcServerConfig {
    GrpcServerConfig::new(ofitec_platform::config::ListenAddr::loopback(50052))
}

fn default_metrics() -> MetricsConfig {
    MetricsConfig::loopback(9152)
}

fn default_database() -> DatabaseConfig {
    DatabaseConfig::sqlite_file("data/f29-engine.db")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::decimal::Rounding;
    use crate::domain::options::PpmBase;

    fn load(env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        config::load_from(None, &env, ENV_ALIASES)
    }

    #[test]
    fn defaults_document_the_open_points() {
        let config = load(&[]).expect("defaults");
        assert_eq!(config.sii_gateway, "http://127.0.0.1:50051");
        assert_eq!(config.compute.ppm_base, PpmBase::Mapping);
        assert_eq!(config.compute.ppm_rounding, Rounding::HalfUp);
        assert!(!config.compute.credito_511_includes_525_762);
        assert_eq!(config.compute.uso_comun_non_credited_codigo, None);
        assert!(config.utm_table.is_none() && config.mapping_file.is_none());
        assert!(config.calendar.e_invoicer);
        assert!(config.calendar.e_invoicer_by_company.is_empty());
        assert_eq!(config.calendar.refresh_s, 60);
    }

    #[test]
    fn calendar_overrides() {
        let config = load(&[
            ("OFITEC__CALENDAR__E_INVOICER", "false"),
            ("OFITEC__CALENDAR__REFRESH_S", "5"),
        ])
        .expect("config");
        assert!(!config.calendar.e_invoicer);
        assert_eq!(config.calendar.refresh_s, 5);
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("f29.yaml");
        std::fs::write(
            &file,
            "calendar:\n  e_invoicer_by_company:\n    \"76123456-0\": false\n",
        )
        .expect("write");
        let config = Config::load(Some(&file)).expect("config");
        assert_eq!(
            config.calendar.e_invoicer_by_company.get("76123456-0"),
            Some(&false)
        );
    }

    #[test]
    fn alias_and_overrides() {
        let config = load(&[
            ("SII_GATEWAY_URL", "http://gateway:50051"),
            ("OFITEC__COMPUTE__PPM_BASE", "sii_proposal"),
            ("OFITEC__COMPUTE__PPM_ROUNDING", "truncate"),
            ("OFITEC__COMPUTE__USO_COMUN_NON_CREDITED_CODIGO", "514"),
            ("OFITEC__UTM_TABLE", "/etc/ofitec/utm.yaml"),
        ])
        .expect("config");
        assert_eq!(config.sii_gateway, "http://gateway:50051");
        assert_eq!(config.compute.ppm_base, PpmBase::SiiProposal);
        assert_eq!(config.compute.ppm_rounding, Rounding::Truncate);
        assert_eq!(config.compute.uso_comun_non_credited_codigo, Some(514));
        assert_eq!(
            config.utm_table,
            Some(PathBuf::from("/etc/ofitec/utm.yaml"))
        );
        let err = load(&[("OFITEC__COMPUTE__PPM_BASES", "x")]).expect_err("unknown key");
        assert!(err.to_string().contains("ppm_bases"), "{err}");
    }
}
