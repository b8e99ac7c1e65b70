//! sii-sim configuration.

use std::path::Path;

use ofitec_core::config::{self, ConfigError, ListenAddr};
use ofitec_core::telemetry::TelemetryConfig;
use serde::Deserialize;

/// Everything sii-sim reads at start.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// HTTP listener (loopback: the simulator is never published outside the host).
    #[serde(default = "default_listen")]
    pub listen: ListenAddr,
    /// How long in-flight requests may take to finish after a stop request, in seconds.
    #[serde(default = "default_shutdown_grace_s")]
    pub shutdown_grace_s: u64,
    /// Logs.
    #[serde(default)]
    pub telemetry: TelemetryConfig,
}

fn default_listen() -> ListenAddr {
    ListenAddr::loopback(50060)
}
fn default_shutdown_grace_s() -> u64 {
    30
}

impl Config {
    /// Loads defaults ← `file` ← environment.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        config::load(file, &[])
    }

    /// Loopback port 0: what tests start.
    pub fn for_tests() -> Config {
        Config {
            listen: ListenAddr::loopback(0),
            shutdown_grace_s: 10,
            telemetry: TelemetryConfig::default(),
        }
    }
}
