//! Authentication and rate-limit settings of edge-api.

use std::path::PathBuf;

use ofitec_domain::secret::Secret;
use serde::Deserialize;

/// Who may call the API and how they prove it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// HS256 secret that signs development tokens (`edge-api token`, `make run`). Refused
    /// when `environment` is `production`, where tokens come from SSO (`jwt`).
    #[serde(default)]
    pub dev_secret: Option<Secret>,
    /// Verification of SSO-issued tokens (RS256/ES256).
    #[serde(default)]
    pub jwt: JwtConfig,
    /// YAML file with API keys (hashes only). Re-read on SIGHUP and when it changes.
    #[serde(default)]
    pub api_keys_file: Option<PathBuf>,
    /// How often the API key file is checked for changes, in seconds.
    #[serde(default = "default_reload_s")]
    pub api_keys_reload_s: u64,
    /// Who may read `/api/metrics`.
    #[serde(default)]
    pub metrics: MetricsAccessConfig,
    /// Cookie the event stream accepts a token from (browsers' EventSource cannot send
    /// headers).
    #[serde(default = "default_cookie")]
    pub sse_cookie: String,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            dev_secret: None,
            jwt: JwtConfig::default(),
            api_keys_file: None,
            api_keys_reload_s: default_reload_s(),
            metrics: MetricsAccessConfig::default(),
            sse_cookie: default_cookie(),
        }
    }
}

fn default_reload_s() -> u64 {
    2
}
fn default_cookie() -> String {
    "ofitec_token".to_owned()
}

/// Verification of asymmetric (SSO) JWTs.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JwtConfig {
    /// Accepted algorithms, explicitly: `RS256`, `RS384`, `RS512`, `ES256`, `ES384`.
    #[serde(default)]
    pub algorithms: Vec<String>,
    /// PEM files with public keys (RSA or EC).
    #[serde(default)]
    pub public_key_files: Vec<PathBuf>,
    /// A JWKS file (keys selected by `kid`).
    #[serde(default)]
    pub jwks_file: Option<PathBuf>,
    /// Required `iss`, when set.
    #[serde(default)]
    pub issuer: Option<String>,
    /// Required `aud`, when set.
    #[serde(default)]
    pub audience: Option<String>,
    /// Clock skew tolerated on `exp`/`nbf`, in seconds.
    #[serde(default = "default_leeway_s")]
    pub leeway_s: u64,
}

fn default_leeway_s() -> u64 {
    30
}

/// `/api/metrics` is for Prometheus: a bearer token of its own, or a network allowlist.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsAccessConfig {
    /// File holding the token Prometheus sends as `Authorization: Bearer …`.
    #[serde(default)]
    pub token_file: Option<PathBuf>,
    /// Networks (CIDR) allowed without a token.
    #[serde(default = "default_metrics_allow")]
    pub allow: Vec<String>,
}

impl Default for MetricsAccessConfig {
    fn default() -> Self {
        MetricsAccessConfig {
            token_file: None,
            allow: default_metrics_allow(),
        }
    }
}

fn default_metrics_allow() -> Vec<String> {
    vec!["127.0.0.1/32".to_owned(), "::1/128".to_owned()]
}

/// Token buckets per principal and per client IP.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Requests per second a principal may sustain.
    #[serde(default = "default_principal_rate")]
    pub per_principal_rps: f64,
    /// Burst a principal may use at once.
    #[serde(default = "default_principal_burst")]
    pub per_principal_burst: f64,
    /// Requests per second one client IP may sustain.
    #[serde(default = "default_ip_rate")]
    pub per_ip_rps: f64,
    /// Burst one client IP may use at once.
    #[serde(default = "default_ip_burst")]
    pub per_ip_burst: f64,
    /// Proxies (CIDR) whose `X-Forwarded-For` is believed (Traefik in front of edge-api).
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        RateLimitConfig {
            per_principal_rps: default_principal_rate(),
            per_principal_burst: default_principal_burst(),
            per_ip_rps: default_ip_rate(),
            per_ip_burst: default_ip_burst(),
            trusted_proxies: Vec::new(),
        }
    }
}

fn default_principal_rate() -> f64 {
    20.0
}
fn default_principal_burst() -> f64 {
    60.0
}
fn default_ip_rate() -> f64 {
    50.0
}
fn default_ip_burst() -> f64 {
    150.0
}
