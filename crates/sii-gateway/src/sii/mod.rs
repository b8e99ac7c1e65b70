//! The gateway's side of SII: the certificate, the token cache, the RCV client.

pub mod config;
pub mod metrics;

use std::sync::Arc;

use chrono::Utc;
use ofitec_domain::Secret;
use sii_client::cert::Certificate;
use sii_client::client::{Authenticator, RcvClient, TokenCache, Transport};

use self::config::{CertificateConfig, SiiConfig};
use self::metrics::SiiMetrics;

/// Everything needed to talk to SII.
#[derive(Debug, Clone)]
pub struct Sii {
    /// The RCV client (its token cache is reachable from it).
    pub rcv: RcvClient,
    environment: &'static str,
}

impl Sii {
    /// Loads the certificate (a problem with it is logged and shown in the token status; the
    /// gateway still starts, so manual sessions and everything else keep working) and builds
    /// the client.
    pub fn build(config: &SiiConfig, metrics: SiiMetrics) -> anyhow::Result<Sii> {
        let environment = config.environment();
        let environment_name = environment.name();
        let client_config = config.client();
        let observer: Arc<dyn sii_client::client::Observer> = Arc::new(metrics.clone());
        let transport = Transport::new(&client_config, observer.clone())?;
        let authenticator = match &config.certificate {
            Some(cert) => match load_certificate(cert) {
                Ok(certificate) => {
                    metrics
                        .certificate_expiry
                        .with_label_values(&[environment.name()])
                        .set(certificate.not_after().timestamp() as f64);
                    tracing::info!(
                        environment = environment.name(),
                        holder = %certificate.holder(),
                        not_after = %certificate.not_after(),
                        "SII certificate loaded"
                    );
                    Some(Authenticator::new(
                        transport.clone(),
                        environment.clone(),
                        Arc::new(certificate),
                        client_config.clone(),
                    ))
                }
                Err(e) => {
                    tracing::error!(error = %e, file = %cert.file.display(), "SII certificate unusable; only manual sessions will work");
                    None
                }
            },
            None => None,
        };
        let tokens = Arc::new(TokenCache::new(
            environment,
            authenticator,
            client_config.token_lifetime,
            observer,
        ));
        Ok(Sii {
            rcv: RcvClient::new(transport, tokens, client_config),
            environment: environment_name,
        })
    }

    /// `sim`, `cert` or `prod`.
    pub fn environment_name(&self) -> &'static str {
        self.environment
    }
}

fn load_certificate(config: &CertificateConfig) -> anyhow::Result<Certificate> {
    let password = match (&config.password_file, &config.password_env) {
        (Some(file), _) => Secret::from_file(file)?,
        (None, Some(var)) => Secret::from_env(var)?,
        (None, None) => anyhow::bail!("sii.certificate needs password_file or password_env"),
    };
    Ok(Certificate::from_pkcs12_file(
        &config.file,
        &password,
        Utc::now(),
    )?)
}
