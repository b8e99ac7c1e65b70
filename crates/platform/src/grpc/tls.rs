//! Mutual TLS between services (rustls), on when certificate paths are configured. Servers
//! demand a client certificate signed by the configured CA; clients present theirs and check
//! the server's against the same CA.

use std::path::PathBuf;

use anyhow::Context as _;
use serde::Deserialize;
use tonic::transport::{Certificate, ClientTlsConfig, Identity, ServerTlsConfig};

/// Server side: this service's certificate and the CA client certificates must chain to.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerTls {
    /// PEM certificate (chain) of this service.
    pub cert_file: PathBuf,
    /// PEM private key of this service.
    pub key_file: PathBuf,
    /// PEM CA that signs client certificates.
    pub client_ca_file: PathBuf,
}

/// Makes ring the process-wide rustls provider. Two providers are compiled in (reqwest brings
/// aws-lc-rs, tonic uses ring), and rustls refuses to guess between them; reqwest names its
/// own explicitly, tonic asks for the process default.
pub fn ensure_crypto_provider() {
    // An error only means a provider is already installed, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl ServerTls {
    /// Reads the files into tonic's configuration.
    pub fn load(&self) -> anyhow::Result<ServerTlsConfig> {
        ensure_crypto_provider();
        Ok(ServerTlsConfig::new()
            .identity(identity(&self.cert_file, &self.key_file)?)
            .client_ca_root(Certificate::from_pem(read(&self.client_ca_file)?)))
    }
}

/// Client side: the CA that signs server certificates and this client's own certificate.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientTls {
    /// PEM CA that signs server certificates.
    pub ca_file: PathBuf,
    /// PEM certificate presented to servers.
    pub cert_file: PathBuf,
    /// PEM private key of that certificate.
    pub key_file: PathBuf,
    /// Name expected in server certificates, when it differs from the URL's host.
    #[serde(default)]
    pub domain: Option<String>,
}

impl ClientTls {
    /// Reads the files into tonic's configuration.
    pub fn load(&self) -> anyhow::Result<ClientTlsConfig> {
        ensure_crypto_provider();
        let mut config = ClientTlsConfig::new()
            .ca_certificate(Certificate::from_pem(read(&self.ca_file)?))
            .identity(identity(&self.cert_file, &self.key_file)?);
        if let Some(domain) = &self.domain {
            config = config.domain_name(domain.clone());
        }
        Ok(config)
    }
}

fn identity(cert: &PathBuf, key: &PathBuf) -> anyhow::Result<Identity> {
    Ok(Identity::from_pem(read(cert)?, read(key)?))
}

fn read(path: &PathBuf) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("reading TLS file {}", path.display()))
}
