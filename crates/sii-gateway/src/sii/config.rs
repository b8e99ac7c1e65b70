//! How the gateway reaches SII.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use sii_client::Environment;
use sii_client::client::ClientConfig;

/// Which SII the gateway talks to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EnvironmentName {
    /// The simulator at `sim_url`.
    #[default]
    Sim,
    /// Certification (maullin): authentication only, no RCV.
    Cert,
    /// Production (palena, RCV at www4).
    Prod,
}

/// SII settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiiConfig {
    /// Environment.
    #[serde(default)]
    pub environment: EnvironmentName,
    /// Base URL of sii-sim when `environment` is `sim`.
    #[serde(default = "default_sim_url")]
    pub sim_url: String,
    /// The company's (or accountant's) digital certificate; without one only manual sessions
    /// work.
    #[serde(default)]
    pub certificate: Option<CertificateConfig>,
    /// How long a token is used, in seconds.
    #[serde(default = "default_token_lifetime_s")]
    pub token_lifetime_s: u64,
    /// Deadline of one call to SII, in seconds.
    #[serde(default = "default_timeout_s")]
    pub timeout_s: u64,
    /// Attempts of a call on SII's bad days.
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    /// First delay between attempts (doubles), in milliseconds.
    #[serde(default = "default_backoff_ms")]
    pub backoff_ms: u64,
    /// Longest delay between attempts, in milliseconds.
    #[serde(default = "default_max_backoff_ms")]
    pub max_backoff_ms: u64,
    /// Above this many documents of a type, the CSV export is used instead of the detail.
    #[serde(default = "default_sync_limit")]
    pub detail_sync_limit: u32,
    /// Most requests per second this process sends to SII (every job together); 0: no limit.
    #[serde(default = "default_requests_per_second")]
    pub requests_per_second: f64,
}

impl Default for SiiConfig {
    fn default() -> Self {
        SiiConfig {
            environment: EnvironmentName::default(),
            sim_url: default_sim_url(),
            certificate: None,
            token_lifetime_s: default_token_lifetime_s(),
            timeout_s: default_timeout_s(),
            max_attempts: default_max_attempts(),
            backoff_ms: default_backoff_ms(),
            max_backoff_ms: default_max_backoff_ms(),
            detail_sync_limit: default_sync_limit(),
            requests_per_second: default_requests_per_second(),
        }
    }
}

/// A PKCS#12 file and where its password is. The password never goes in the YAML.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateConfig {
    /// The `.p12` / `.pfx` file.
    pub file: PathBuf,
    /// A file holding the password.
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    /// An environment variable holding the password.
    #[serde(default)]
    pub password_env: Option<String>,
}

fn default_sim_url() -> String {
    "http://127.0.0.1:50060".to_owned()
}
fn default_token_lifetime_s() -> u64 {
    50 * 60
}
fn default_timeout_s() -> u64 {
    60
}
fn default_max_attempts() -> u32 {
    10
}
fn default_backoff_ms() -> u64 {
    1_000
}
fn default_max_backoff_ms() -> u64 {
    30_000
}
fn default_requests_per_second() -> f64 {
    10.0
}
fn default_sync_limit() -> u32 {
    400
}

impl SiiConfig {
    /// The environment as sii-client sees it.
    pub fn environment(&self) -> Environment {
        match self.environment {
            EnvironmentName::Sim => Environment::Sim(self.sim_url.clone()),
            EnvironmentName::Cert => Environment::Cert,
            EnvironmentName::Prod => Environment::Prod,
        }
    }

    /// The client's timing.
    pub fn client(&self) -> ClientConfig {
        ClientConfig {
            timeout: Duration::from_secs(self.timeout_s.max(1)),
            connect_timeout: Duration::from_secs(self.timeout_s.clamp(1, 10)),
            max_attempts: self.max_attempts.max(1),
            backoff: Duration::from_millis(self.backoff_ms),
            max_backoff: Duration::from_millis(self.max_backoff_ms.max(self.backoff_ms)),
            token_lifetime: Duration::from_secs(self.token_lifetime_s.max(1)),
            detail_sync_limit: self.detail_sync_limit.max(1),
            max_requests_per_second: self.requests_per_second,
        }
    }
}
