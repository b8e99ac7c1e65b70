//! The document → código mapping, as data.
//!
//! A YAML document (the shipped default is `mapping/default.yaml`; a company may store its
//! own) says which amounts of which RCV documents move which códigos:
//!
//! * `codigos`: every código the form can carry, with its glosa and kind (`amount`, `count`,
//!   `rate`), whether it may be negative (`signed`) and whether it is always shown (`always`);
//! * `rules`: (operation, tipo DTE, transaction type, amount field) → código and sign, plus
//!   the count código the rule increments; `ignore: true` marks documents that are known and
//!   deliberately left out (so they are not reported as unmapped);
//! * `totals`: each total as `plus` and `minus` lists of códigos.
//!
//! Loading is two passes: serde reads the shapes (its errors carry a line), then
//! [`Mapping::parse`] checks the meaning (unknown códigos, bad signs, duplicate or
//! conflicting rules, totals that loop) and locates each problem's line in the text.
//! Once a [`Mapping`] exists it is valid and indexed for the hot loop of the computation.

mod check;
mod field;
mod issues;
mod model;
mod yaml;

use std::collections::{BTreeMap, BTreeSet};

use ofitec_domain::rcv::{Operation, TransactionType};

use check::{check_codigos, check_rules, check_totals};
use issues::Issues;
use yaml::RawMapping;

use crate::domain::yaml_lines::Seg;

pub use field::Field;
pub use issues::{MappingError, MappingIssue};
pub use model::{AmountAction, CodigoDef, CountAction, Formula, Kind, Share, Slot, Step, Total};

/// The mapping shipped with the engine.
pub const DEFAULT_YAML: &str = include_str!("../../../mapping/default.yaml");

/// Highest tipo DTE a rule may name (SII's codes are below 1000; the index is dense).
pub const MAX_TIPO_DTE: u16 = 1023;
/// Highest código (F29 códigos are three digits at most).
pub const MAX_CODIGO: u16 = 999;

/// The códigos the engine itself writes or reads, by name.
pub mod codigo {
    /// Total débitos.
    pub const DEBITOS: u16 = 538;
    /// Total créditos.
    pub const CREDITOS: u16 = 537;
    /// IVA determinado = max(538 − 537, 0).
    pub const IVA_DETERMINADO: u16 = 89;
    /// Remanente for the next period = max(537 − 538, 0).
    pub const REMANENTE: u16 = 77;
    /// Previous period's remanente, readjusted by UTM.
    pub const REMANENTE_ANTERIOR: u16 = 504;
    /// IVA of electronic documents received with credit right (informative).
    pub const CREDITO_ELECTRONICO: u16 = 511;
    /// PPM base.
    pub const PPM_BASE: u16 = 563;
    /// PPM rate.
    pub const PPM_TASA: u16 = 115;
    /// Credit against PPM.
    pub const PPM_CREDITO: u16 = 68;
    /// PPM.
    pub const PPM: u16 = 62;
    /// Impuesto único segunda categoría.
    pub const IMPUESTO_UNICO: u16 = 48;
    /// Honorarios withholding.
    pub const HONORARIOS: u16 = 151;
    /// Subtotal of the front of the form.
    pub const SUBTOTAL: u16 = 595;
    /// Total determinado.
    pub const TOTAL_DETERMINADO: u16 = 547;
    /// Total a pagar dentro del plazo.
    pub const TOTAL_A_PAGAR: u16 = 91;
    /// Facturas received: count.
    pub const FACTURAS_RECIBIDAS_CANTIDAD: u16 = 519;
    /// Facturas received: IVA.
    pub const FACTURAS_RECIBIDAS: u16 = 520;
    /// Notas de crédito received: IVA.
    pub const NC_RECIBIDAS: u16 = 528;
    /// Notas de débito received: IVA.
    pub const ND_RECIBIDAS: u16 = 532;
    /// Fixed-asset invoices: IVA.
    pub const ACTIVO_FIJO: u16 = 525;
    /// Supermarket invoices: IVA.
    pub const SUPERMERCADO: u16 = 762;
    /// Total a pagar con recargo (late payment); filled only when there are surcharges.
    pub const TOTAL_CON_RECARGO: u16 = 94;
    /// The surcharges 94 adds to 91: readjustment, interest and fines, condonation.
    pub const RECARGOS: [u16; 3] = [92, 93, 795];
    /// Débito facturas emitidas.
    pub const DEBITO_FACTURAS: u16 = 502;
    /// Débito boletas.
    pub const DEBITO_BOLETAS: u16 = 111;
    /// Débito comprobantes de pago electrónico.
    pub const DEBITO_VOUCHERS: u16 = 759;
}

/// Códigos that dedicated inputs fill (rules and `other` inputs may not move them).
pub const INPUT_CODIGOS: [u16; 5] = [
    codigo::PPM_TASA,
    codigo::PPM_CREDITO,
    codigo::IMPUESTO_UNICO,
    codigo::HONORARIOS,
    codigo::REMANENTE_ANTERIOR,
];

/// Totals the engine needs to exist in every mapping.
pub(crate) const REQUIRED_TOTALS: [u16; 5] = [
    codigo::DEBITOS,
    codigo::CREDITOS,
    codigo::SUBTOTAL,
    codigo::TOTAL_DETERMINADO,
    codigo::TOTAL_A_PAGAR,
];

/// A validated, indexed mapping.
#[derive(Debug, Clone)]
pub struct Mapping {
    yaml: String,
    codigos: BTreeMap<u16, CodigoDef>,
    rule_names: Vec<String>,
    /// Dense index `(operation, tipo, transaction type)` → `slots[i - 1]`; 0 means none.
    index: Vec<u32>,
    slots: Vec<Slot>,
    totals: Vec<Total>,
    order: Vec<Step>,
    derived: BTreeSet<u16>,
    targets: BTreeSet<u16>,
}

const TX_SLOTS: usize = 8;
const TIPO_SLOTS: usize = MAX_TIPO_DTE as usize + 1;

fn op_index(op: Operation) -> usize {
    match op {
        Operation::Compra => 0,
        Operation::Venta => 1,
    }
}

/// Documents without a transaction type are treated as "del giro", SII's default type.
fn tx_index(tx: Option<TransactionType>) -> usize {
    usize::from(tx.map_or(1, TransactionType::code))
}

fn dense(op: Operation, tipo: u16, tx: usize) -> usize {
    (op_index(op) * TIPO_SLOTS + usize::from(tipo)) * TX_SLOTS + tx
}

pub(crate) const ALL_TX: [TransactionType; 7] = [
    TransactionType::DelGiro,
    TransactionType::Supermercado,
    TransactionType::BienesRaices,
    TransactionType::ActivoFijo,
    TransactionType::IvaUsoComun,
    TransactionType::SinDerechoCredito,
    TransactionType::NoIncluir,
];

impl Mapping {
    /// The shipped default mapping.
    pub fn default_mapping() -> Result<Mapping, MappingError> {
        Mapping::parse(DEFAULT_YAML)
    }

    /// Reads and validates a mapping document.
    pub fn parse(text: &str) -> Result<Mapping, MappingError> {
        let raw: RawMapping = serde_yaml::from_str(text).map_err(|e| MappingError {
            issues: vec![MappingIssue {
                line: e.location().map(|l| l.line()),
                path: String::new(),
                message: e.to_string(),
            }],
        })?;
        let mut issues = Issues { found: Vec::new() };

        if raw.version != 1 {
            issues.push(
                vec![Seg::key("version")],
                format!("unsupported version {} (expected 1)", raw.version),
            );
        }

        let codigos = check_codigos(&raw, &mut issues);
        let derived: BTreeSet<u16> = raw
            .totals
            .keys()
            .copied()
            .chain(Formula::ALL.iter().map(|f| f.codigo()))
            .collect();
        let (slots_by_key, targets, rule_names) =
            check_rules(&raw, &codigos, &derived, &mut issues);
        let (totals, order) = check_totals(&raw, &codigos, &targets, &mut issues);
        issues.finish(text)?;

        let mut index = vec![0_u32; 2 * TIPO_SLOTS * TX_SLOTS];
        let mut slots = Vec::with_capacity(slots_by_key.len());
        for ((op, tipo, tx), slot) in slots_by_key {
            slots.push(slot);
            index[dense(op, tipo, tx)] = slots.len() as u32;
        }
        Ok(Mapping {
            yaml: text.to_owned(),
            codigos,
            rule_names,
            index,
            slots,
            totals,
            order,
            derived,
            targets,
        })
    }

    /// The YAML text this mapping was read from.
    pub fn yaml(&self) -> &str {
        &self.yaml
    }

    /// Every código's definition.
    pub fn codigos(&self) -> &BTreeMap<u16, CodigoDef> {
        &self.codigos
    }

    /// One código's definition.
    pub fn codigo(&self, codigo: u16) -> Option<&CodigoDef> {
        self.codigos.get(&codigo)
    }

    /// The glosa of `codigo`, or an empty string for a código the mapping does not define.
    pub fn glosa(&self, codigo: u16) -> &str {
        self.codigos.get(&codigo).map_or("", |d| d.glosa.as_str())
    }

    /// What to do with a document of this kind; `None` when no rule covers it.
    #[inline]
    pub fn slot(&self, op: Operation, tipo: u16, tx: Option<TransactionType>) -> Option<&Slot> {
        if tipo > MAX_TIPO_DTE {
            return None;
        }
        let i = *self.index.get(dense(op, tipo, tx_index(tx)))?;
        if i == 0 {
            None
        } else {
            self.slots.get(i as usize - 1)
        }
    }

    /// The totals, in definition order.
    pub fn totals(&self) -> &[Total] {
        &self.totals
    }

    /// The total of `codigo`, if it is one.
    pub fn total(&self, codigo: u16) -> Option<&Total> {
        self.totals.iter().find(|t| t.codigo == codigo)
    }

    /// The order in which derived códigos are evaluated.
    pub fn order(&self) -> &[Step] {
        &self.order
    }

    /// Whether `codigo` is computed from other códigos (a total or a formula).
    pub fn is_derived(&self, codigo: u16) -> bool {
        self.derived.contains(&codigo)
    }

    /// Whether some rule moves `codigo`.
    pub fn is_rule_target(&self, codigo: u16) -> bool {
        self.targets.contains(&codigo)
    }

    /// Name of rule `i` for explanations (its `name`, or `rules[i]`).
    pub fn rule_name(&self, i: usize) -> &str {
        self.rule_names.get(i).map_or("", String::as_str)
    }
}

#[cfg(test)]
mod tests;
