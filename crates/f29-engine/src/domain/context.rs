//! What a computation reads besides the documents: the period, the mapping, the settings, the
//! accountant's inputs, the UTM table and what earlier periods left. A leaf of the domain:
//! the computation's parts (accumulation, uso común, remanente) read it, it reads none of them.

use ofitec_domain::Period;
use serde::{Deserialize, Serialize};

use super::inputs::Inputs;
use super::mapping::Mapping;
use super::options::ComputeOptions;
use super::utm::UtmTable;

/// The previous period's stored declaration, as far as 504 needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Previous {
    /// Its código 77.
    pub remanente: i64,
    /// Its status (`draft`, `ready`, `sent`, `paid`).
    pub status: String,
    /// Its latest version.
    pub version: u32,
}

/// Everything besides the documents that the computation reads.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    /// The tax period.
    pub period: Period,
    /// The mapping in force.
    pub mapping: &'a Mapping,
    /// The OPEN points' settings.
    pub options: &'a ComputeOptions,
    /// The declaration's inputs.
    pub inputs: &'a Inputs,
    /// UTM values, for 504.
    pub utm: &'a UtmTable,
    /// The previous period's stored declaration, when there is one.
    pub previous: Option<Previous>,
    /// Sales from January through this period, for a computed IVA uso común factor; `None`
    /// falls back to this period's sales (with a warning).
    pub sales_history: Option<SalesSplit>,
}

/// Taxed and total sales (net pesos), for the IVA uso común factor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesSplit {
    /// Taxed sales (exports count as taxed).
    pub taxed: i64,
    /// All sales.
    pub total: i64,
}

impl SalesSplit {
    /// Adds one sales document (or summary row) of `tipo` with these amounts. Credit notes
    /// (61, 60, 112) subtract; exports (110, 111, 112) count as taxed.
    pub fn add(&mut self, tipo: u16, neto: i64, exento: i64) {
        let sign = if matches!(tipo, 61 | 60 | 112) { -1 } else { 1 };
        let total = sign * (neto + exento);
        let taxed = if matches!(tipo, 110..=112) {
            total
        } else {
            sign * neto
        };
        self.taxed += taxed;
        self.total += total;
    }

    /// Sum of two splits.
    pub fn plus(self, other: SalesSplit) -> SalesSplit {
        SalesSplit {
            taxed: self.taxed + other.taxed,
            total: self.total + other.total,
        }
    }
}
