//! The validated mapping's parts: código definitions, what a rule does to a document,
//! totals, the engine's formulas and the evaluation order.

use serde::Deserialize;

use super::codigo;
use super::field::Field;

/// What kind of number a código holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Whole pesos.
    #[default]
    Amount,
    /// A number of documents.
    Count,
    /// A rate (código 115).
    Rate,
}

/// One código's definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodigoDef {
    /// Glosa printed next to it.
    pub glosa: String,
    /// Amount, count or rate.
    pub kind: Kind,
    /// Whether the form allows a negative value (538, 537, 596, …).
    pub signed: bool,
    /// Whether it is shown even when zero (totals, 89, 77, 91).
    pub always: bool,
}

/// Which part of an amount a rule moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Share {
    /// All of it.
    Full,
    /// The credited proportion of IVA uso común (amount × factor, applied to the sum).
    UsoComunCredited,
}

/// One amount a matched document adds to a código.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmountAction {
    /// Amount read.
    pub field: Field,
    /// Código moved.
    pub codigo: u16,
    /// +1 or −1.
    pub sign: i64,
    /// All of it or the credited share.
    pub share: Share,
    /// The rule applies only when this amount is not zero.
    pub when: Option<Field>,
    /// Index of the rule in the YAML (for explanations).
    pub rule: usize,
}

/// A count a matched document increments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountAction {
    /// Count código.
    pub codigo: u16,
    /// Counted only when this amount is not zero.
    pub when: Option<Field>,
    /// Index of the rule in the YAML.
    pub rule: usize,
}

/// What the mapping does with one (operation, tipo DTE, transaction type).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Slot {
    /// Known and deliberately left out.
    pub ignore: bool,
    /// Amounts moved.
    pub amounts: Vec<AmountAction>,
    /// Counts incremented.
    pub counts: Vec<CountAction>,
}

/// A total: the sum of `plus` minus the sum of `minus`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Total {
    /// The total's código.
    pub codigo: u16,
    /// Added.
    pub plus: Vec<u16>,
    /// Subtracted.
    pub minus: Vec<u16>,
}

/// Derived values the engine computes by formula rather than by a `totals` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Formula {
    /// 89 = max(538 − 537, 0).
    IvaDeterminado,
    /// 77 = max(537 − 538, 0).
    Remanente,
    /// 62 = max(563 × 115 / 100 − 68, 0).
    Ppm,
    /// 511 = 520 − 528 + 532 (+ 525 + 762 when configured).
    CreditoElectronico,
}

impl Formula {
    /// Every formula.
    pub const ALL: [Formula; 4] = [
        Formula::IvaDeterminado,
        Formula::Remanente,
        Formula::Ppm,
        Formula::CreditoElectronico,
    ];

    /// The código it writes.
    pub fn codigo(self) -> u16 {
        match self {
            Formula::IvaDeterminado => codigo::IVA_DETERMINADO,
            Formula::Remanente => codigo::REMANENTE,
            Formula::Ppm => codigo::PPM,
            Formula::CreditoElectronico => codigo::CREDITO_ELECTRONICO,
        }
    }

    /// The códigos it reads.
    pub fn inputs(self) -> &'static [u16] {
        match self {
            Formula::IvaDeterminado | Formula::Remanente => &[codigo::DEBITOS, codigo::CREDITOS],
            Formula::Ppm => &[codigo::PPM_BASE, codigo::PPM_TASA, codigo::PPM_CREDITO],
            Formula::CreditoElectronico => &[
                codigo::FACTURAS_RECIBIDAS,
                codigo::NC_RECIBIDAS,
                codigo::ND_RECIBIDAS,
                codigo::ACTIVO_FIJO,
                codigo::SUPERMERCADO,
            ],
        }
    }
}

/// One step of the evaluation of derived códigos, in dependency order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// `totals[i]`.
    Total(usize),
    /// A built-in formula.
    Formula(Formula),
}
