//! Seed → signed seed → token (docs/reference/sii.md#authentication), retrying only where the
//! ESTADO code says it helps.

use std::sync::Arc;
use std::time::Instant;

use super::config::ClientConfig;
use super::error::SiiError;
use super::transport::{Reply, Transport, http_error};
use crate::Environment;
use crate::auth::{
    AuthError, RetryAdvice, SOAP_HEADERS, Seed, Token, parse_seed_response, parse_token_response,
    seed_envelope, signed_token_request, token_envelope,
};
use crate::cert::Certificate;

/// Obtains tokens with a certificate.
#[derive(Debug, Clone)]
pub struct Authenticator {
    transport: Transport,
    environment: Environment,
    certificate: Arc<Certificate>,
    config: ClientConfig,
}

impl Authenticator {
    /// An authenticator for `environment` signing with `certificate`.
    pub fn new(
        transport: Transport,
        environment: Environment,
        certificate: Arc<Certificate>,
        config: ClientConfig,
    ) -> Authenticator {
        Authenticator {
            transport,
            environment,
            certificate,
            config,
        }
    }

    /// The certificate in use.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// A fresh token. Transient failures are retried with growing delays up to
    /// `max_attempts`; "retry once" codes once; codes that mean our request or certificate is
    /// wrong are returned at once (retrying would only make SII's logs longer).
    pub async fn token(&self) -> Result<Token, SiiError> {
        let mut once_used = false;
        let mut attempt = 1;
        loop {
            let error = match self.attempt().await {
                Ok(token) => return Ok(token),
                Err(error) => error,
            };
            let advice = match &error {
                SiiError::Auth(e) => e.advice(),
                e if e.is_transient() => RetryAdvice::RetryWithBackoff,
                _ => RetryAdvice::DoNotRetry,
            };
            let again = match advice {
                RetryAdvice::DoNotRetry => false,
                RetryAdvice::RetryOnce => !std::mem::replace(&mut once_used, true),
                RetryAdvice::RetryWithBackoff
                | RetryAdvice::NewSeed
                | RetryAdvice::RefreshToken => true,
            };
            if !again || attempt >= self.config.max_attempts {
                tracing::warn!(
                    environment = self.environment.name(),
                    code = error.code().as_str(),
                    attempts = attempt,
                    "SII authentication failed"
                );
                return Err(error);
            }
            attempt += 1;
            tracing::info!(
                environment = self.environment.name(),
                code = error.code().as_str(),
                attempt,
                "retrying SII authentication"
            );
            if advice != RetryAdvice::RetryOnce {
                tokio::time::sleep(self.config.delay_before(attempt)).await;
            }
        }
    }

    /// One seed and one token request (a getToken retry always needs a new seed).
    async fn attempt(&self) -> Result<Token, SiiError> {
        let seed = self.seed().await?;
        let signed = signed_token_request(&seed, &self.certificate)
            .map_err(|e| SiiError::Request(format!("signing the seed: {e}")))?;
        let started = Instant::now();
        let reply = self
            .transport
            .post(
                "get_token",
                &self.environment.token_url(),
                &headers(),
                token_envelope(&self.environment, &signed),
            )
            .await?;
        let parsed = parse(&reply, parse_token_response, "get_token");
        self.transport
            .observer()
            .call("get_token", outcome(&parsed), started.elapsed());
        parsed
    }

    async fn seed(&self) -> Result<Seed, SiiError> {
        let started = Instant::now();
        let reply = self
            .transport
            .post(
                "get_seed",
                &self.environment.seed_url(),
                &headers(),
                seed_envelope(&self.environment),
            )
            .await?;
        let parsed = parse(&reply, parse_seed_response, "get_seed");
        self.transport
            .observer()
            .call("get_seed", outcome(&parsed), started.elapsed());
        parsed
    }
}

fn headers() -> Vec<(&'static str, String)> {
    SOAP_HEADERS
        .iter()
        .map(|(k, v)| (*k, (*v).to_owned()))
        .collect()
}

/// SII's own answers (ESTADO codes, SOAP faults, HTML pages) win over the HTTP status; a
/// well-formed success with an error status is still an HTTP error.
fn parse<T>(
    reply: &Reply,
    parser: fn(&str) -> Result<T, AuthError>,
    call: &'static str,
) -> Result<T, SiiError> {
    let text = String::from_utf8_lossy(&reply.body);
    match parser(&text) {
        Ok(value) if reply.status < 400 => Ok(value),
        Ok(_) => Err(http_error(call, reply)),
        Err(AuthError::Malformed(_)) if reply.status >= 400 => Err(http_error(call, reply)),
        Err(e) => Err(e.into()),
    }
}

fn outcome<T>(result: &Result<T, SiiError>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(e) => e.outcome(),
    }
}
