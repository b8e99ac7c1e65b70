//! The token cache of one environment and certificate.
//!
//! * A token from the certificate is used for `token_lifetime` (SII does not document the
//!   real lifetime; 50 minutes is what works).
//! * Concurrent callers that find no valid token share ONE request to SII: the first takes
//!   the refresh lock, the others wait for it and then read the cached result — or share
//!   its failure.
//! * On an invalid-token signal the caller invalidates the exact token it used; a token
//!   someone else already refreshed is not thrown away.
//! * A manual session (a token a person got in a browser) is used instead of the
//!   certificate while it is valid. No password login is ever automated: SII locks accounts
//!   after repeated failures.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration as ChronoDuration, Utc};

use super::auth::Authenticator;
use super::error::SiiError;
use super::observer::Observer;
use crate::Environment;
use crate::auth::Token;

/// Where a token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    /// Signed with the certificate.
    Certificate,
    /// Set by a person from a browser session.
    Manual,
}

impl TokenSource {
    /// `certificate` / `manual`.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenSource::Certificate => "certificate",
            TokenSource::Manual => "manual",
        }
    }
}

#[derive(Debug, Clone)]
struct Cached {
    token: Token,
    expires_at: DateTime<Utc>,
}

#[derive(Debug, Default)]
struct State {
    certificate: Option<Cached>,
    manual: Option<Cached>,
    /// Why the certificate token was last dropped, for the refresh metric.
    dropped: Option<&'static str>,
    /// The last authentication failure, for the status view.
    problem: Option<String>,
    /// Counts finished requests to SII for a token, so a caller that waited for the
    /// refresh lock knows whether one finished meanwhile.
    attempts: u64,
    /// The failure of the last finished request, shared with the callers that waited for it.
    last_failure: Option<SiiError>,
}

/// What the status API shows. Never the token: at most its first 4 characters.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenStatus {
    /// Environment name.
    pub environment: &'static str,
    /// The source that would be used now, if any.
    pub source: Option<TokenSource>,
    /// Whether a valid token is cached.
    pub has_token: bool,
    /// When the token in use stops being used.
    pub expires_at: Option<DateTime<Utc>>,
    /// First characters of the token in use.
    pub token_prefix: Option<String>,
    /// Certificate holder.
    pub holder: Option<ofitec_domain::Rut>,
    /// Certificate end of validity.
    pub certificate_not_after: Option<DateTime<Utc>>,
    /// Why no token can be obtained (no credentials, last failure).
    pub problem: Option<String>,
}

/// Tokens for one environment.
pub struct TokenCache {
    environment: Environment,
    authenticator: Option<Authenticator>,
    lifetime: ChronoDuration,
    state: Mutex<State>,
    refresh: tokio::sync::Mutex<()>,
    observer: Arc<dyn Observer>,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache")
            .field("environment", &self.environment.name())
            .field("certificate", &self.authenticator.is_some())
            .finish_non_exhaustive()
    }
}

impl TokenCache {
    /// A cache for `environment`; without an authenticator only manual sessions work.
    pub fn new(
        environment: Environment,
        authenticator: Option<Authenticator>,
        lifetime: std::time::Duration,
        observer: Arc<dyn Observer>,
    ) -> TokenCache {
        TokenCache {
            environment,
            authenticator,
            lifetime: ChronoDuration::from_std(lifetime).unwrap_or(ChronoDuration::minutes(50)),
            state: Mutex::new(State::default()),
            refresh: tokio::sync::Mutex::new(()),
            observer,
        }
    }

    /// The environment.
    pub fn environment(&self) -> &Environment {
        &self.environment
    }

    /// A valid token, from the manual session, the cache, or a new one from SII.
    pub async fn token(&self) -> Result<(Token, TokenSource), SiiError> {
        if let Some(found) = self.cached() {
            return Ok(found);
        }
        let seen = self.with_state(|s| s.attempts);
        let _guard = self.refresh.lock().await;
        // Someone else may have refreshed while we waited.
        if let Some(found) = self.cached() {
            return Ok(found);
        }
        // …or tried and failed: callers that arrived together share that one answer instead
        // of each asking SII again (an unenrolled RUT must not cost one login per caller).
        let shared = self.with_state(|s| {
            (s.attempts != seen)
                .then(|| s.last_failure.as_ref().and_then(SiiError::duplicate))
                .flatten()
        });
        if let Some(error) = shared {
            return Err(error);
        }
        let Some(authenticator) = &self.authenticator else {
            return Err(SiiError::NoCredentials {
                environment: self.environment.name(),
            });
        };
        match authenticator.token().await {
            Ok(token) => {
                let reason = self.with_state(|s| {
                    s.certificate = Some(Cached {
                        token: token.clone(),
                        expires_at: Utc::now() + self.lifetime,
                    });
                    s.problem = None;
                    s.attempts += 1;
                    s.last_failure = None;
                    s.dropped.take().unwrap_or("first")
                });
                self.observer
                    .token_refreshed(self.environment.name(), reason);
                tracing::info!(environment = self.environment.name(), reason, token = ?token, "new SII token");
                Ok((token, TokenSource::Certificate))
            }
            Err(e) => {
                self.with_state(|s| {
                    s.problem = Some(e.to_string());
                    s.attempts += 1;
                    s.last_failure = e.duplicate();
                });
                Err(e)
            }
        }
    }

    /// SII said `token` is not valid: forget it (only if it is still the one cached).
    pub fn invalidate(&self, token: &Token) {
        self.with_state(|s| {
            if s.manual.as_ref().is_some_and(|c| c.token == *token) {
                tracing::warn!(
                    environment = self.environment.name(),
                    "SII rejected the manual session token; dropping it"
                );
                s.manual = None;
            }
            if s.certificate.as_ref().is_some_and(|c| c.token == *token) {
                s.certificate = None;
                s.dropped = Some("invalidated");
            }
        });
    }

    /// Installs a browser session token until `expires_at` (the lifetime when `None`).
    pub fn set_manual(&self, token: Token, expires_at: Option<DateTime<Utc>>) {
        let expires_at = expires_at.unwrap_or_else(|| Utc::now() + self.lifetime);
        self.with_state(|s| s.manual = Some(Cached { token, expires_at }));
    }

    /// What the status API shows.
    pub fn status(&self) -> TokenStatus {
        let now = Utc::now();
        let certificate = self.authenticator.as_ref().map(Authenticator::certificate);
        self.with_state(|s| {
            let manual = s.manual.as_ref().filter(|c| c.expires_at > now);
            let cached = s.certificate.as_ref().filter(|c| c.expires_at > now);
            let (source, in_use) = match (manual, cached) {
                (Some(m), _) => (Some(TokenSource::Manual), Some(m)),
                (None, Some(c)) => (Some(TokenSource::Certificate), Some(c)),
                (None, None) if certificate.is_some() => (Some(TokenSource::Certificate), None),
                (None, None) => (None, None),
            };
            let problem = s.problem.clone().or_else(|| {
                source
                    .is_none()
                    .then(|| "no certificate configured and no manual session".to_owned())
            });
            TokenStatus {
                environment: self.environment.name(),
                source,
                has_token: in_use.is_some(),
                expires_at: in_use.map(|c| c.expires_at),
                token_prefix: in_use.map(|c| c.token.prefix().to_owned()),
                holder: certificate.map(|c| c.holder()),
                certificate_not_after: certificate.map(|c| c.not_after()),
                problem,
            }
        })
    }

    fn cached(&self) -> Option<(Token, TokenSource)> {
        let now = Utc::now();
        self.with_state(|s| {
            if let Some(m) = s.manual.as_ref().filter(|c| c.expires_at > now) {
                return Some((m.token.clone(), TokenSource::Manual));
            }
            if s.certificate.as_ref().is_some_and(|c| c.expires_at <= now) {
                s.certificate = None;
                s.dropped = Some("expired");
            }
            s.certificate
                .as_ref()
                .map(|c| (c.token.clone(), TokenSource::Certificate))
        })
    }

    fn with_state<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        // A poisoned lock only means a panic elsewhere; the state itself is still usable.
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut state)
    }
}
