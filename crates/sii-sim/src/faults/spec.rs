//! A fault rule as written in the configuration file or posted to `POST /admin/faults`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The simulated endpoints faults apply to (and stats count).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    /// `CrSeed.jws`.
    Seed,
    /// `GetTokenFromSeed.jws`.
    Token,
    /// `getResumen`.
    Resumen,
    /// `getDetalleCompra`, `getDetalleVenta`.
    Detalle,
    /// `getDetalleCompraExport`, `getDetalleVentaExport`.
    Export,
}

impl Endpoint {
    /// Every endpoint.
    pub const ALL: [Endpoint; 5] = [
        Endpoint::Seed,
        Endpoint::Token,
        Endpoint::Resumen,
        Endpoint::Detalle,
        Endpoint::Export,
    ];

    /// The name used in configuration, stats and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Endpoint::Seed => "seed",
            Endpoint::Token => "token",
            Endpoint::Resumen => "resumen",
            Endpoint::Detalle => "detalle",
            Endpoint::Export => "export",
        }
    }

    /// The SOAP authentication endpoints (the others are the JSON facade).
    pub fn is_soap(self) -> bool {
        matches!(self, Endpoint::Seed | Endpoint::Token)
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a fault does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Wait `ms` before answering normally (adds up with other faults).
    Latency,
    /// Hang `ms` (default 10 minutes) — longer than any client deadline — then answer.
    Timeout,
    /// HTTP 500: a SOAP Fault on the SOAP endpoints, an HTML error page on the facade.
    #[serde(rename = "http_500", alias = "http500")]
    Http500,
    /// HTTP 503 with SII's HTML maintenance page.
    #[serde(rename = "html_503", alias = "html503")]
    Html503,
    /// HTTP 200 with an HTML error page where XML or JSON was expected (SII does that).
    #[serde(rename = "html_200", alias = "html200")]
    Html200,
    /// An ESTADO `code` (seed: `-1`, `-2`; token: `05`, `-3`, `12`, …) with `message` as GLOSA.
    Estado,
    /// A facade answer with `codRespuesta` = `code` and `message` as msgeRespuesta.
    CodRespuesta,
    /// The "TOKEN NO EXISTE" answer (ESTADO 001, CRLF line ends) as SII's SOAP services give.
    TokenNoExiste,
    /// Every current token dies, then the request is processed (and fails if it needed one).
    InvalidateTokens,
    /// The normal answer cut to `keep` (a fraction, default 0.5) of its bytes.
    Truncated,
}

/// One rule: what, where, and for how long.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// Which endpoint.
    pub endpoint: Endpoint,
    /// What happens.
    pub kind: FaultKind,
    /// Milliseconds (`latency`, `timeout`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ms: Option<u64>,
    /// ESTADO (`estado`) or codRespuesta (`cod_respuesta`), as text: `"05"`, `"-2"`, `"99"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// GLOSA or msgeRespuesta; a sensible default otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Fraction of the body kept (`truncated`), in `[0, 1)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep: Option<f64>,
    /// Only the next N matching requests (with `probability`: at most N firings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
    /// Each matching request with this probability (seeded, so runs repeat).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
}

impl FaultSpec {
    /// A rule that fires on every matching request until cleared.
    pub fn new(endpoint: Endpoint, kind: FaultKind) -> FaultSpec {
        FaultSpec {
            endpoint,
            kind,
            ms: None,
            code: None,
            message: None,
            keep: None,
            times: None,
            probability: None,
        }
    }

    /// Checks the combination of fields; the message says what to fix.
    pub fn validate(&self) -> Result<(), String> {
        match self.kind {
            FaultKind::Latency if self.ms.is_none() => {
                return Err("`latency` needs `ms`".into());
            }
            FaultKind::Estado => {
                if !self.endpoint.is_soap() {
                    return Err(format!(
                        "`estado` applies to seed and token, not {} (use `cod_respuesta`)",
                        self.endpoint
                    ));
                }
                if self.code.as_deref().is_none_or(|c| c.trim().is_empty()) {
                    return Err("`estado` needs `code` (e.g. \"-2\" or \"05\")".into());
                }
            }
            FaultKind::CodRespuesta => {
                if self.endpoint.is_soap() {
                    return Err(format!(
                        "`cod_respuesta` applies to the RCV facade, not {} (use `estado`)",
                        self.endpoint
                    ));
                }
                if self
                    .code
                    .as_deref()
                    .is_none_or(|c| c.trim().parse::<i64>().is_err())
                {
                    return Err("`cod_respuesta` needs a numeric `code` (e.g. \"99\")".into());
                }
            }
            FaultKind::Truncated => {
                if let Some(keep) = self.keep
                    && !(0.0..1.0).contains(&keep)
                {
                    return Err("`keep` must be at least 0 and below 1".into());
                }
            }
            _ => {}
        }
        if let Some(p) = self.probability
            && !(0.0..=1.0).contains(&p)
        {
            return Err("`probability` must be between 0 and 1".into());
        }
        if self.times == Some(0) {
            return Err("`times` must be at least 1 (omit it for \"until cleared\")".into());
        }
        Ok(())
    }
}
