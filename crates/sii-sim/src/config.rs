//! sii-sim configuration: defaults ← YAML file ← `OFITEC__…` environment variables, unknown
//! keys rejected (see docs/configuration.md and crates/sii-sim/README.md).

use std::collections::BTreeMap;
use std::path::Path;

use ofitec_domain::{Period, Rut};
use ofitec_platform::config::{self, ConfigError, ListenAddr};
use ofitec_platform::telemetry::TelemetryConfig;
use serde::{Deserialize, Serialize};

use crate::faults::FaultSpec;

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
    /// Seed of the synthetic data (and of seeds, tokens and probabilistic faults).
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// How many documents each register holds.
    #[serde(default)]
    pub volume: VolumeConfig,
    /// Holder RUTs allowed to obtain a token (`"*"` allows every RUT). Others get
    /// ESTADO -3, as a RUT not enrolled in the environment does.
    #[serde(default = "default_enrolled_ruts")]
    pub enrolled_ruts: Vec<String>,
    /// How long a token lives, in seconds.
    #[serde(default = "default_token_lifetime_s")]
    pub token_lifetime_s: u64,
    /// How long a seed may wait before getToken, in seconds (SII: 2 minutes).
    #[serde(default = "default_seed_lifetime_s")]
    pub seed_lifetime_s: u64,
    /// Most documents one synchronous detail call answers; above it the call fails (see
    /// crates/sii-sim/README.md) and clients must use the export methods.
    #[serde(default = "default_sync_detail_limit")]
    pub sync_detail_limit: usize,
    /// Most documents kept in the cache of generated registers.
    #[serde(default = "default_cache_max_documents")]
    pub cache_max_documents: usize,
    /// Wrap SOAP answers' RESPUESTA in CDATA instead of escaping it (some clients see that).
    #[serde(default)]
    pub soap_cdata: bool,
    /// Seconds added to the wall clock (seeds, tokens, certificate validity, "future"
    /// periods); tests move it with `POST /admin/clock`.
    #[serde(default)]
    pub clock_offset_s: i64,
    /// Faults active from the start (the admin API adds and clears more).
    #[serde(default)]
    pub faults: Vec<FaultSpec>,
    /// Logs.
    #[serde(default)]
    pub telemetry: TelemetryConfig,
}

/// Documents per (company, period, register).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct VolumeConfig {
    /// Detail documents per register when nothing more specific is configured.
    #[serde(default = "default_volume")]
    pub default: u32,
    /// Per company (`"76123456-0"`): its own default and per-period values (`"2024-11"`).
    #[serde(default)]
    pub companies: BTreeMap<String, CompanyVolume>,
}

// Not derived: a configuration without a `volume` section must serve the default volume,
// not empty registers.
impl Default for VolumeConfig {
    fn default() -> Self {
        VolumeConfig {
            default: default_volume(),
            companies: BTreeMap::new(),
        }
    }
}

/// One company's volumes.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CompanyVolume {
    /// Detail documents per register of this company (else the global default).
    #[serde(default)]
    pub default: Option<u32>,
    /// Per period (`YYYY-MM` or `YYYYMM`); 0 = no RCV that period (`codRespuesta 3`).
    #[serde(default)]
    pub periods: BTreeMap<String, u32>,
}

fn default_listen() -> ListenAddr {
    ListenAddr::loopback(50060)
}
fn default_shutdown_grace_s() -> u64 {
    30
}
fn default_seed() -> u64 {
    20_241_101
}
fn default_volume() -> u32 {
    120
}
/// The development certificate's RUT (`sii-sim dev-cert`).
pub const DEV_CERT_RUT: &str = "76543210-3";
fn default_enrolled_ruts() -> Vec<String> {
    vec![DEV_CERT_RUT.to_owned()]
}
fn default_token_lifetime_s() -> u64 {
    3600
}
fn default_seed_lifetime_s() -> u64 {
    120
}
fn default_sync_detail_limit() -> usize {
    400
}
fn default_cache_max_documents() -> usize {
    2_000_000
}

/// A configuration value that is well-formed YAML but wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid configuration at `{key}`: {message}")]
pub struct ConfigInvalid {
    /// Dotted key.
    pub key: String,
    /// What is wrong.
    pub message: String,
}

/// The enrolled-RUT list, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Enrolled {
    /// `"*"`: every RUT.
    Everyone,
    /// These RUTs.
    Only(Vec<Rut>),
}

impl Enrolled {
    /// Whether `rut` may obtain a token.
    pub fn allows(&self, rut: Rut) -> bool {
        match self {
            Enrolled::Everyone => true,
            Enrolled::Only(list) => list.contains(&rut),
        }
    }
}

/// Volumes with RUTs and periods parsed.
#[derive(Debug, Clone, Default)]
pub struct Volumes {
    default: u32,
    companies: BTreeMap<Rut, (Option<u32>, BTreeMap<Period, u32>)>,
}

impl Volumes {
    /// Sets `company`'s volume for `period`, or its default when `period` is `None`.
    pub fn set(&mut self, company: Rut, period: Option<Period>, volume: u32) {
        let entry = self.companies.entry(company).or_default();
        match period {
            Some(period) => {
                entry.1.insert(period, volume);
            }
            None => entry.0 = Some(volume),
        }
    }

    /// Detail documents of `company`'s registers in `period`.
    pub fn for_period(&self, company: Rut, period: Period) -> u32 {
        match self.companies.get(&company) {
            Some((default, periods)) => periods
                .get(&period)
                .copied()
                .or(*default)
                .unwrap_or(self.default),
            None => self.default,
        }
    }
}

impl Config {
    /// Loads defaults ← `file` ← environment.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        config::load(file, &[])
    }

    /// Loopback port 0: what tests start. Enrols the development RUT and the RUTs of
    /// sii-client's committed test certificates `valid.p12`/`expired.p12` (12345678-5) and
    /// `serial-rut.p12` (76123456-0) — not `valid-utf8.p12` (11111111-1), which tests use
    /// as the certificate of a RUT that is not enrolled.
    pub fn for_tests() -> Config {
        Config {
            listen: ListenAddr::loopback(0),
            shutdown_grace_s: 10,
            seed: default_seed(),
            volume: VolumeConfig {
                default: default_volume(),
                companies: BTreeMap::new(),
            },
            enrolled_ruts: vec![
                DEV_CERT_RUT.to_owned(),
                "12345678-5".to_owned(),
                "76123456-0".to_owned(),
            ],
            token_lifetime_s: default_token_lifetime_s(),
            seed_lifetime_s: default_seed_lifetime_s(),
            sync_detail_limit: default_sync_detail_limit(),
            cache_max_documents: default_cache_max_documents(),
            soap_cdata: false,
            clock_offset_s: 0,
            faults: Vec::new(),
            telemetry: TelemetryConfig::default(),
        }
    }

    /// The enrolled RUTs, parsed.
    pub fn enrolled(&self) -> Result<Enrolled, ConfigInvalid> {
        if self.enrolled_ruts.iter().any(|r| r.trim() == "*") {
            return Ok(Enrolled::Everyone);
        }
        self.enrolled_ruts
            .iter()
            .enumerate()
            .map(|(i, text)| {
                Rut::parse(text).map_err(|e| ConfigInvalid {
                    key: format!("enrolled_ruts[{i}]"),
                    message: e.to_string(),
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Enrolled::Only)
    }

    /// The volumes, parsed.
    pub fn volumes(&self) -> Result<Volumes, ConfigInvalid> {
        let mut companies = BTreeMap::new();
        for (rut_text, company) in &self.volume.companies {
            let rut = Rut::parse(rut_text).map_err(|e| ConfigInvalid {
                key: format!("volume.companies.{rut_text}"),
                message: e.to_string(),
            })?;
            let mut periods = BTreeMap::new();
            for (period_text, volume) in &company.periods {
                let period = Period::parse(period_text).map_err(|e| ConfigInvalid {
                    key: format!("volume.companies.{rut_text}.periods.{period_text}"),
                    message: e.to_string(),
                })?;
                periods.insert(period, *volume);
            }
            companies.insert(rut, (company.default, periods));
        }
        Ok(Volumes {
            default: self.volume.default,
            companies,
        })
    }

    /// Checks what serde cannot: RUTs, periods, fault rules.
    pub fn validate(&self) -> Result<(), ConfigInvalid> {
        self.enrolled()?;
        self.volumes()?;
        for (i, fault) in self.faults.iter().enumerate() {
            fault.validate().map_err(|message| ConfigInvalid {
                key: format!("faults[{i}]"),
                message,
            })?;
        }
        if self.seed_lifetime_s == 0 || self.token_lifetime_s == 0 {
            return Err(ConfigInvalid {
                key: if self.seed_lifetime_s == 0 {
                    "seed_lifetime_s".into()
                } else {
                    "token_lifetime_s".into()
                },
                message: "must be at least 1 second".into(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_volume_section_registers_have_the_default_volume() {
        let config: Config = serde_yaml_from("listen: 127.0.0.1:50060");
        let volumes = config.volumes().unwrap_or_else(|e| panic!("{e}"));
        let (Ok(a), Ok(p)) = (Rut::parse("76123456-0"), Period::parse("2024-11")) else {
            panic!("fixtures")
        };
        assert_eq!(volumes.for_period(a, p), 120);
    }

    #[test]
    fn volumes_resolve_most_specific_first() {
        let yaml = r#"
volume:
  default: 10
  companies:
    "76123456-0":
      default: 50
      periods: { "2024-11": 200000, "202402": 0 }
"#;
        let config: Config = serde_yaml_from(yaml);
        let volumes = config.volumes().unwrap_or_else(|e| panic!("{e}"));
        let (Ok(a), Ok(b)) = (Rut::parse("76123456-0"), Rut::parse("12345678-5")) else {
            panic!("ruts")
        };
        let p = |s: &str| Period::parse(s).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(volumes.for_period(a, p("2024-11")), 200_000);
        assert_eq!(volumes.for_period(a, p("2024-02")), 0);
        assert_eq!(volumes.for_period(a, p("2024-03")), 50);
        assert_eq!(volumes.for_period(b, p("2024-11")), 10);
    }

    #[test]
    fn bad_values_name_their_key() {
        let config: Config = serde_yaml_from("enrolled_ruts: ['12345678-6']");
        let err = config.validate().err().map(|e| e.key);
        assert_eq!(err.as_deref(), Some("enrolled_ruts[0]"));
        let config: Config =
            serde_yaml_from("volume: {companies: {'76123456-0': {periods: {'2024-13': 1}}}}");
        let err = config.validate().err().map(|e| e.key);
        assert_eq!(
            err.as_deref(),
            Some("volume.companies.76123456-0.periods.2024-13")
        );
        let config: Config = serde_yaml_from("enrolled_ruts: ['*']");
        assert_eq!(config.enrolled(), Ok(Enrolled::Everyone));
    }

    #[test]
    fn the_default_listener_is_loopback_only() {
        let config: Config = serde_yaml_from("seed: 1");
        let addr = config.listen.resolve().unwrap_or_else(|e| panic!("{e}"));
        assert!(addr.ip().is_loopback(), "{addr}");
        assert_eq!(addr.port(), 50060);
        assert!(
            Config::for_tests()
                .listen
                .resolve()
                .is_ok_and(|a| a.ip().is_loopback())
        );
    }

    #[test]
    fn unknown_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("sim.yaml");
        std::fs::write(&path, "volume: {defualt: 3}\n").unwrap_or_else(|e| panic!("{e}"));
        let err = config::load_from::<Config>(Some(&path), &[], &[]).err();
        let text = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            text.contains("volume.defualt") || text.contains("unknown field"),
            "{text}"
        );
    }

    fn serde_yaml_from(yaml: &str) -> Config {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("sim.yaml");
        std::fs::write(&path, yaml).unwrap_or_else(|e| panic!("{e}"));
        config::load_from::<Config>(Some(&path), &[], &[]).unwrap_or_else(|e| panic!("{e}"))
    }
}
