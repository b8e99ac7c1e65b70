//! The points no source settles (docs/reference/f29.md#open-points), as configuration with
//! documented defaults. They live in the engine's configuration (`compute:` section) and every
//! version records the options it was computed with, so a number can always be explained later.

use serde::{Deserialize, Serialize};

use super::decimal::Rounding;

/// How código 563 (the PPM base) is obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PpmBase {
    /// Default: the mapping's rules move 563 — net and exempt amounts of the business's
    /// sales (facturas, boletas, vouchers, notas de débito, exports, facturas de compra
    /// received), minus notas de crédito; fixed-asset sales are left out. What the public
    /// engines do, and what docs/reference/f29.md#worked-example gives (563 = 20,000).
    #[default]
    Mapping,
    /// SII's own proposal: (502 + 111 + 759) / 0.19, rounded half-up — the net of taxed
    /// facturas, boletas and vouchers, rebuilt from their IVA.
    SiiProposal,
}

/// Options of the computation that no source settles (docs/reference/f29.md#open-points).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComputeOptions {
    /// How 563 is obtained (default `mapping`).
    #[serde(default)]
    pub ppm_base: PpmBase,
    /// Rounding of 563 × 115 / 100 in código 62 (default `half_up`; `truncate` is also in use).
    #[serde(default)]
    pub ppm_rounding: Rounding,
    /// Whether 511 also includes 525 (fixed assets) and 762 (supermarkets). SII's proposal
    /// uses 520 − 528 + 532 only: default `false`.
    #[serde(default)]
    pub credito_511_includes_525_762: bool,
    /// Where the non-credited part of IVA uso común goes: a código (e.g. 514), or nowhere
    /// (default `null`: it is a cost, recorded only in the version's details).
    #[serde(default)]
    pub uso_comun_non_credited_codigo: Option<u16>,
    /// Decimals the computed IVA uso común factor is rounded to before use (half-up);
    /// `null` (default) uses the exact ratio of sales.
    #[serde(default)]
    pub uso_comun_factor_decimals: Option<u32>,
}

impl Default for ComputeOptions {
    fn default() -> Self {
        ComputeOptions {
            ppm_base: PpmBase::Mapping,
            ppm_rounding: Rounding::HalfUp,
            credito_511_includes_525_762: false,
            uso_comun_non_credited_codigo: None,
            uso_comun_factor_decimals: None,
        }
    }
}
