//! IVA uso común: purchases used for both taxed and exempt sales give credit only in the
//! proportion of taxed sales (exports count as taxed), cumulated from January of the year.
//! The factor is given as an input, or computed from sii-gateway's stored sales, or — with a
//! warning — from this period's sales alone. It is applied once, to the sum of each código's
//! IVA uso común, so no per-document rounding drifts.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::context::{Context, SalesSplit};
use super::decimal::{Decimal, Ratio, Rounding};
use super::form::Finding;
use super::mapping::codigo;

/// Where the IVA uso común factor came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactorSource {
    /// Given as an input.
    Input,
    /// Computed from the stored sales from January through this period.
    Cumulative,
    /// Computed from this period's sales only (no history available).
    Period,
    /// No sales at all: unknown, no credit taken.
    Unknown,
}

/// How the IVA uso común credit was obtained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsoComunDetail {
    /// Factor used, as text (exact decimal, or a fraction `taxed/total`).
    pub factor: String,
    /// Where it came from.
    pub source: FactorSource,
    /// Σ IVA uso común (notes subtract).
    pub iva_uso_comun: i64,
    /// Credited part.
    pub credited: i64,
    /// Part that is not credit.
    pub non_credited: i64,
    /// Código the non-credited part went to, if any.
    pub non_credited_codigo: Option<u16>,
}

pub(super) fn apply_uso_comun(
    acc: &mut [i64],
    sums: &BTreeMap<u16, i64>,
    period_sales: SalesSplit,
    ctx: &Context<'_>,
    findings: &mut Vec<Finding>,
) -> Option<UsoComunDetail> {
    if sums.values().all(|v| *v == 0) {
        return None;
    }
    let (ratio, source, mut shown) = if let Some(factor) = ctx.inputs.iva_uso_comun_factor {
        (
            Some(Ratio::from_decimal(factor)),
            FactorSource::Input,
            factor.to_string(),
        )
    } else {
        let (split, source) = match ctx.sales_history {
            Some(history) => (history, FactorSource::Cumulative),
            None => (period_sales, FactorSource::Period),
        };
        let ratio = Ratio::new(i128::from(split.taxed), i128::from(split.total));
        (ratio, source, format!("{}/{}", split.taxed, split.total))
    };
    let (ratio, source) = match ratio {
        Some(r) => match (source, ctx.options.uso_comun_factor_decimals) {
            (FactorSource::Input, _) | (_, None) => (r, source),
            (_, Some(decimals)) => {
                let rounded = r.to_decimal(decimals, Rounding::HalfUp);
                shown = rounded.to_string();
                (Ratio::from_decimal(rounded), source)
            }
        },
        None => {
            findings.push(Finding::warning(
                "missing_input",
                "IVA uso común factor unknown (no sales to compute it from): no uso común credit taken; give iva_uso_comun_factor",
                Some(codigo::FACTURAS_RECIBIDAS),
            ));
            (Ratio::from_decimal(Decimal::ZERO), FactorSource::Unknown)
        }
    };
    if source == FactorSource::Period {
        findings.push(Finding::warning(
            "uso_comun_factor_monthly",
            format!(
                "IVA uso común factor {shown} computed from this period's sales only; the law asks for sales cumulated from January"
            ),
            Some(codigo::FACTURAS_RECIBIDAS),
        ));
    }
    let minus_in_creditos: Vec<u16> = ctx
        .mapping
        .total(codigo::CREDITOS)
        .map(|t| t.minus.clone())
        .unwrap_or_default();
    let (mut total, mut credited_total, mut non_credited) = (0, 0, 0);
    for (&code, &sum) in sums {
        let credited = ratio.times(sum, Rounding::HalfUp);
        acc[usize::from(code)] += credited;
        let direction = if minus_in_creditos.contains(&code) {
            -1
        } else {
            1
        };
        total += direction * sum;
        credited_total += direction * credited;
        non_credited += direction * (sum - credited);
    }
    let target = ctx.options.uso_comun_non_credited_codigo;
    if let Some(code) = target {
        acc[usize::from(code)] += non_credited;
    }
    Some(UsoComunDetail {
        factor: shown,
        source,
        iva_uso_comun: total,
        credited: credited_total,
        non_credited,
        non_credited_codigo: target,
    })
}
