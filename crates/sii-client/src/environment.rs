//! Which SII to talk to, and the URLs of each call (docs/reference/sii.md#hosts). Only the host
//! changes between certification and production; the simulator takes a base URL.

use std::fmt;
use std::str::FromStr;

/// Certification SOAP host.
pub const CERT_HOST: &str = "maullin.sii.cl";
/// Production SOAP host.
pub const PROD_HOST: &str = "palena.sii.cl";
/// Host of the RCV JSON facade (production only).
pub const RCV_HOST: &str = "www4.sii.cl";
/// Path of the RCV facade; the method name follows it.
pub const RCV_FACADE_PATH: &str = "/consdcvinternetui/services/data/facadeService";
/// Path of the seed service.
pub const SEED_PATH: &str = "/DTEWS/CrSeed.jws";
/// Path of the token service.
pub const TOKEN_PATH: &str = "/DTEWS/GetTokenFromSeed.jws";

/// An SII environment.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Environment {
    /// The local simulator (`sii-sim`): every service under one base URL such as
    /// `http://127.0.0.1:50060` (no trailing slash needed).
    Sim(String),
    /// Certification (`maullin.sii.cl`). It has no RCV: the RCV needs a production token.
    Cert,
    /// Production (`palena.sii.cl`, RCV at `www4.sii.cl`).
    Prod,
}

impl Environment {
    /// `sim`, `cert` or `prod`, the names configuration and metrics use.
    pub fn name(&self) -> &'static str {
        match self {
            Environment::Sim(_) => "sim",
            Environment::Cert => "cert",
            Environment::Prod => "prod",
        }
    }

    /// Scheme and host of the SOAP services (`https://palena.sii.cl`).
    pub fn soap_base(&self) -> String {
        match self {
            Environment::Sim(base) => base.trim_end_matches('/').to_owned(),
            Environment::Cert => format!("https://{CERT_HOST}"),
            Environment::Prod => format!("https://{PROD_HOST}"),
        }
    }

    /// URL of `CrSeed.jws`. Also the `xmlns:m` of the getSeed body, which must name the
    /// environment's host.
    pub fn seed_url(&self) -> String {
        format!("{}{SEED_PATH}", self.soap_base())
    }

    /// URL of `GetTokenFromSeed.jws`, and the `xmlns:m` of the getToken body.
    pub fn token_url(&self) -> String {
        format!("{}{TOKEN_PATH}", self.soap_base())
    }

    /// Base URL of the RCV facade (append `/<method>`), or `None` for certification,
    /// where SII has no RCV (a certification token gets "TOKEN invalido" in production).
    pub fn rcv_facade_base(&self) -> Option<String> {
        match self {
            Environment::Sim(base) => {
                Some(format!("{}{RCV_FACADE_PATH}", base.trim_end_matches('/')))
            }
            Environment::Cert => None,
            Environment::Prod => Some(format!("https://{RCV_HOST}{RCV_FACADE_PATH}")),
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Environment::Sim(base) => write!(f, "sim ({base})"),
            other => f.write_str(other.name()),
        }
    }
}

/// The text is not an environment name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown SII environment `{0}` (expected cert, prod, or sim=<base url>)")]
pub struct EnvironmentError(String);

impl FromStr for Environment {
    type Err = EnvironmentError;
    /// `cert` / `maullin`, `prod` / `palena`, or `sim=<base url>`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = s.trim();
        match text.to_ascii_lowercase().as_str() {
            "cert" | "certificacion" | "maullin" => Ok(Environment::Cert),
            "prod" | "produccion" | "palena" => Ok(Environment::Prod),
            _ => match text.split_once('=') {
                Some((name, base))
                    if name.eq_ignore_ascii_case("sim") && !base.trim().is_empty() =>
                {
                    Ok(Environment::Sim(base.trim().to_owned()))
                }
                _ => Err(EnvironmentError(text.to_owned())),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_per_environment() {
        assert_eq!(
            Environment::Prod.seed_url(),
            "https://palena.sii.cl/DTEWS/CrSeed.jws"
        );
        assert_eq!(
            Environment::Cert.token_url(),
            "https://maullin.sii.cl/DTEWS/GetTokenFromSeed.jws"
        );
        assert_eq!(
            Environment::Prod.rcv_facade_base().as_deref(),
            Some("https://www4.sii.cl/consdcvinternetui/services/data/facadeService")
        );
        assert_eq!(Environment::Cert.rcv_facade_base(), None);
        let sim = Environment::Sim("http://127.0.0.1:50060/".into());
        assert_eq!(sim.seed_url(), "http://127.0.0.1:50060/DTEWS/CrSeed.jws");
        assert_eq!(
            sim.rcv_facade_base().as_deref(),
            Some("http://127.0.0.1:50060/consdcvinternetui/services/data/facadeService")
        );
    }

    #[test]
    fn parses_names() {
        assert_eq!("palena".parse(), Ok(Environment::Prod));
        assert_eq!("CERT".parse(), Ok(Environment::Cert));
        assert_eq!(
            "sim=http://127.0.0.1:1".parse(),
            Ok(Environment::Sim("http://127.0.0.1:1".into()))
        );
        assert!("sim=".parse::<Environment>().is_err());
        assert!("staging".parse::<Environment>().is_err());
    }
}
