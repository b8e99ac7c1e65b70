//! What the authentication code needs at request time.

use std::sync::Arc;

use ipnet::IpNet;
use ofitec_domain::secret::Secret;
use ofitec_platform::config::Environment;

use super::api_keys::ApiKeys;
use super::config::{AuthConfig, RateLimitConfig};
use super::jwt::JwtVerifier;
use crate::client_ip::{TrustedProxies, parse_net};
use crate::ratelimit::RateLimiter;

/// Verifiers, key store and limits, shared by every worker.
#[derive(Debug)]
pub struct AuthState {
    /// JWT verification (and development token signing).
    pub jwt: JwtVerifier,
    /// API keys in force (reloaded in the background).
    pub api_keys: Arc<ApiKeys>,
    /// Cookie name accepted by the event stream.
    pub sse_cookie: String,
    /// One bucket per principal.
    pub principal_limiter: RateLimiter,
    /// One bucket per client IP.
    pub ip_limiter: RateLimiter,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: TrustedProxies,
    /// Token Prometheus may present for `/api/metrics`.
    pub metrics_token: Option<Secret>,
    /// Networks allowed to read `/api/metrics` without a token.
    pub metrics_allow: Vec<IpNet>,
}

impl AuthState {
    /// Builds everything from configuration; any mistake stops start-up with a message.
    pub fn from_config(
        auth: &AuthConfig,
        limits: &RateLimitConfig,
        environment: Environment,
    ) -> anyhow::Result<AuthState> {
        use anyhow::Context as _;
        let metrics_token =
            match &auth.metrics.token_file {
                Some(path) => Some(Secret::from_file(path).with_context(|| {
                    format!("reading auth.metrics.token_file {}", path.display())
                })?),
                None => None,
            };
        Ok(AuthState {
            jwt: JwtVerifier::from_config(auth, environment)?,
            api_keys: Arc::new(ApiKeys::load(auth.api_keys_file.clone())?),
            sse_cookie: auth.sse_cookie.clone(),
            principal_limiter: RateLimiter::new(
                limits.per_principal_rps,
                limits.per_principal_burst,
            ),
            ip_limiter: RateLimiter::new(limits.per_ip_rps, limits.per_ip_burst),
            trusted_proxies: TrustedProxies::parse(&limits.trusted_proxies)
                .context("rate_limit.trusted_proxies")?,
            metrics_token,
            metrics_allow: auth
                .metrics
                .allow
                .iter()
                .map(|c| parse_net(c))
                .collect::<anyhow::Result<_>>()
                .context("auth.metrics.allow")?,
        })
    }
}
