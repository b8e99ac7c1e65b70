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

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use ofitec_core::rcv::{Operation, RcvDocument, TransactionType};
use serde::Deserialize;

use super::yaml_lines::{Seg, display_path, line_of};

/// The mapping shipped with the engine.
pub const DEFAULT_YAML: &str = include_str!("../../mapping/default.yaml");

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
const REQUIRED_TOTALS: [u16; 5] = [
    codigo::DEBITOS,
    codigo::CREDITOS,
    codigo::SUBTOTAL,
    codigo::TOTAL_DETERMINADO,
    codigo::TOTAL_A_PAGAR,
];

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

/// An amount of a document a rule can read.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    /// Exempt amount.
    Exento,
    /// Net amount.
    Neto,
    /// IVA (recoverable IVA for purchases).
    Iva,
    /// Total.
    Total,
    /// Non-recoverable IVA.
    IvaNoRecuperable,
    /// Net amount of fixed assets.
    ActivoFijoNeto,
    /// IVA of fixed assets.
    ActivoFijoIva,
    /// IVA of common use.
    IvaUsoComun,
    /// Tax without credit right.
    SinDerechoCredito,
    /// IVA retained in full.
    IvaRetenidoTotal,
    /// IVA retained partially.
    IvaRetenidoParcial,
    /// IVA not retained.
    IvaNoRetenido,
    /// Sum of the "other taxes" with this SII code.
    OtherTax(u32),
    /// One of the extra amounts by name (`iva_propio`, `iva_terceros`, …).
    Extra(String),
}

impl Field {
    /// Parses the names the YAML uses.
    pub fn parse(name: &str) -> Option<Field> {
        Some(match name.trim() {
            "exento" => Field::Exento,
            "neto" => Field::Neto,
            "iva" => Field::Iva,
            "total" => Field::Total,
            "iva_no_recuperable" => Field::IvaNoRecuperable,
            "activo_fijo_neto" => Field::ActivoFijoNeto,
            "activo_fijo_iva" => Field::ActivoFijoIva,
            "iva_uso_comun" => Field::IvaUsoComun,
            "sin_derecho_credito" => Field::SinDerechoCredito,
            "iva_retenido_total" => Field::IvaRetenidoTotal,
            "iva_retenido_parcial" => Field::IvaRetenidoParcial,
            "iva_no_retenido" => Field::IvaNoRetenido,
            other => {
                if let Some(code) = other.strip_prefix("other_tax:") {
                    Field::OtherTax(code.trim().parse().ok()?)
                } else if let Some(name) = other.strip_prefix("extra:") {
                    let name = name.trim();
                    if name.is_empty() {
                        return None;
                    }
                    Field::Extra(name.to_owned())
                } else {
                    return None;
                }
            }
        })
    }

    /// The amount in `doc`.
    #[inline]
    pub fn value(&self, doc: &RcvDocument) -> i64 {
        match self {
            Field::Exento => doc.exento,
            Field::Neto => doc.neto,
            Field::Iva => doc.iva,
            Field::Total => doc.total,
            Field::IvaNoRecuperable => doc.iva_no_recuperable,
            Field::ActivoFijoNeto => doc.activo_fijo_neto,
            Field::ActivoFijoIva => doc.activo_fijo_iva,
            Field::IvaUsoComun => doc.iva_uso_comun,
            Field::SinDerechoCredito => doc.sin_derecho_credito,
            Field::IvaRetenidoTotal => doc.iva_retenido_total,
            Field::IvaRetenidoParcial => doc.iva_retenido_parcial,
            Field::IvaNoRetenido => doc.iva_no_retenido,
            Field::OtherTax(code) => doc
                .other_taxes
                .iter()
                .filter(|t| t.codigo == *code)
                .map(|t| t.valor)
                .sum(),
            Field::Extra(name) => doc.extra.get(name).copied().unwrap_or(0),
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Field::Exento => "exento",
            Field::Neto => "neto",
            Field::Iva => "iva",
            Field::Total => "total",
            Field::IvaNoRecuperable => "iva_no_recuperable",
            Field::ActivoFijoNeto => "activo_fijo_neto",
            Field::ActivoFijoIva => "activo_fijo_iva",
            Field::IvaUsoComun => "iva_uso_comun",
            Field::SinDerechoCredito => "sin_derecho_credito",
            Field::IvaRetenidoTotal => "iva_retenido_total",
            Field::IvaRetenidoParcial => "iva_retenido_parcial",
            Field::IvaNoRetenido => "iva_no_retenido",
            Field::OtherTax(code) => return write!(f, "other_tax:{code}"),
            Field::Extra(name) => return write!(f, "extra:{name}"),
        };
        f.write_str(name)
    }
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

/// One problem in a mapping document, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingIssue {
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// Path of the offending value (`rules[3].amounts[0].sign`).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for MappingIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.path.is_empty()) {
            (Some(line), false) => write!(f, "line {line} ({}): {}", self.path, self.message),
            (Some(line), true) => write!(f, "line {line}: {}", self.message),
            (None, false) => write!(f, "{}: {}", self.path, self.message),
            (None, true) => f.write_str(&self.message),
        }
    }
}

/// Why a mapping document was rejected: every problem found, each with its line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct MappingError {
    /// The problems, in document order.
    pub issues: Vec<MappingIssue>,
}

impl fmt::Display for MappingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid mapping: ")?;
        for (i, issue) in self.issues.iter().enumerate() {
            if i > 0 {
                write!(f, "; ")?;
            }
            write!(f, "{issue}")?;
        }
        Ok(())
    }
}

// ---- the YAML shapes (pass 1) ----

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMapping {
    version: u32,
    codigos: BTreeMap<u16, RawCodigo>,
    rules: Vec<RawRule>,
    totals: BTreeMap<u16, RawTotal>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCodigo {
    glosa: String,
    #[serde(default)]
    kind: Kind,
    #[serde(default)]
    signed: bool,
    #[serde(default)]
    always: bool,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T: Clone> OneOrMany<T> {
    fn to_vec(&self) -> Vec<T> {
        match self {
            OneOrMany::One(v) => vec![v.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    /// Free text for people ("facturas emitidas del giro").
    #[serde(default)]
    #[allow(dead_code)]
    name: Option<String>,
    operation: Operation,
    tipo_dte: OneOrMany<u16>,
    #[serde(default)]
    transaction_type: Option<OneOrMany<TransactionType>>,
    #[serde(default)]
    when_nonzero: Option<String>,
    #[serde(default)]
    count: Option<u16>,
    #[serde(default)]
    amounts: Vec<RawAmount>,
    #[serde(default)]
    ignore: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAmount {
    field: String,
    codigo: u16,
    #[serde(default)]
    sign: Option<String>,
    #[serde(default)]
    share: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTotal {
    #[serde(default)]
    plus: Vec<u16>,
    #[serde(default)]
    minus: Vec<u16>,
}

// ---- the validated mapping ----

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

const ALL_TX: [TransactionType; 7] = [
    TransactionType::DelGiro,
    TransactionType::Supermercado,
    TransactionType::BienesRaices,
    TransactionType::ActivoFijo,
    TransactionType::IvaUsoComun,
    TransactionType::SinDerechoCredito,
    TransactionType::NoIncluir,
];

/// Collects issues with their paths; lines are resolved at the end.
struct Issues {
    found: Vec<(Vec<Seg>, String)>,
}

impl Issues {
    fn push(&mut self, path: Vec<Seg>, message: impl Into<String>) {
        let entry = (path, message.into());
        if !self.found.contains(&entry) {
            self.found.push(entry);
        }
    }

    fn finish(self, text: &str) -> Result<(), MappingError> {
        if self.found.is_empty() {
            return Ok(());
        }
        let issues = self
            .found
            .into_iter()
            .map(|(path, message)| MappingIssue {
                line: line_of(text, &path),
                path: display_path(&path),
                message,
            })
            .collect();
        Err(MappingError { issues })
    }
}

fn rule_path(i: usize) -> Vec<Seg> {
    vec![Seg::key("rules"), Seg::Index(i)]
}

fn with(mut path: Vec<Seg>, more: &[Seg]) -> Vec<Seg> {
    path.extend_from_slice(more);
    path
}

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

fn check_codigos(raw: &RawMapping, issues: &mut Issues) -> BTreeMap<u16, CodigoDef> {
    let mut codigos = BTreeMap::new();
    for (&code, def) in &raw.codigos {
        let path = vec![Seg::key("codigos"), Seg::key(code)];
        if code == 0 || code > MAX_CODIGO {
            issues.push(
                path.clone(),
                format!("código {code} is outside 1..={MAX_CODIGO}"),
            );
        }
        if def.glosa.trim().is_empty() {
            issues.push(
                with(path, &[Seg::key("glosa")]),
                format!("código {code} has an empty glosa"),
            );
        }
        codigos.insert(
            code,
            CodigoDef {
                glosa: def.glosa.trim().to_owned(),
                kind: def.kind,
                signed: def.signed,
                always: def.always,
            },
        );
    }
    let mut engine_codes: Vec<(u16, Kind)> = vec![
        (codigo::IVA_DETERMINADO, Kind::Amount),
        (codigo::REMANENTE, Kind::Amount),
        (codigo::PPM, Kind::Amount),
        (codigo::PPM_BASE, Kind::Amount),
        (codigo::PPM_TASA, Kind::Rate),
        (codigo::PPM_CREDITO, Kind::Amount),
        (codigo::REMANENTE_ANTERIOR, Kind::Amount),
        (codigo::IMPUESTO_UNICO, Kind::Amount),
        (codigo::HONORARIOS, Kind::Amount),
        (codigo::CREDITO_ELECTRONICO, Kind::Amount),
    ];
    engine_codes.extend(REQUIRED_TOTALS.iter().map(|&c| (c, Kind::Amount)));
    for (code, kind) in engine_codes {
        match codigos.get(&code) {
            None => issues.push(
                vec![Seg::key("codigos")],
                format!("código {code} is missing: the engine writes it and needs its glosa"),
            ),
            Some(def) if def.kind != kind => issues.push(
                vec![Seg::key("codigos"), Seg::key(code), Seg::key("kind")],
                format!("código {code} must be of kind {kind:?}"),
            ),
            Some(_) => {}
        }
    }
    codigos
}

type SlotKey = (Operation, u16, usize);

/// Identity of an amount entry for duplicate detection.
type AmountKey = (Operation, u16, usize, Field, Option<Field>);

#[allow(clippy::type_complexity)]
fn check_rules(
    raw: &RawMapping,
    codigos: &BTreeMap<u16, CodigoDef>,
    derived: &BTreeSet<u16>,
    issues: &mut Issues,
) -> (BTreeMap<SlotKey, Slot>, BTreeSet<u16>, Vec<String>) {
    let mut slots: BTreeMap<SlotKey, Slot> = BTreeMap::new();
    let mut targets = BTreeSet::new();
    let mut names = Vec::with_capacity(raw.rules.len());
    // Where each expanded entry came from, to report duplicates against the first rule.
    let mut amount_seen: HashMap<AmountKey, Vec<(u16, i64, usize)>> = HashMap::new();
    let mut count_seen: HashMap<(SlotKey, u16, Option<Field>), usize> = HashMap::new();
    let mut ignore_seen: HashMap<SlotKey, usize> = HashMap::new();
    let mut mapped_seen: HashMap<SlotKey, usize> = HashMap::new();

    for (i, rule) in raw.rules.iter().enumerate() {
        let path = rule_path(i);
        names.push(rule.name.clone().unwrap_or_else(|| format!("rules[{i}]")));
        let tipos = rule.tipo_dte.to_vec();
        if tipos.is_empty() {
            issues.push(
                with(path.clone(), &[Seg::key("tipo_dte")]),
                "names no tipo DTE",
            );
        }
        for &tipo in &tipos {
            if tipo == 0 || tipo > MAX_TIPO_DTE {
                issues.push(
                    with(path.clone(), &[Seg::key("tipo_dte")]),
                    format!("tipo DTE {tipo} is outside 1..={MAX_TIPO_DTE}"),
                );
            }
        }
        let txs: Vec<TransactionType> = match &rule.transaction_type {
            None => ALL_TX.to_vec(),
            Some(list) => list.to_vec(),
        };
        if txs.is_empty() {
            issues.push(
                with(path.clone(), &[Seg::key("transaction_type")]),
                "lists no transaction type (omit the key to match any)",
            );
        }
        let when = match &rule.when_nonzero {
            None => None,
            Some(name) => match Field::parse(name) {
                Some(f) => Some(f),
                None => {
                    issues.push(
                        with(path.clone(), &[Seg::key("when_nonzero")]),
                        format!("unknown amount field `{name}`"),
                    );
                    None
                }
            },
        };

        if rule.ignore && (rule.count.is_some() || !rule.amounts.is_empty()) {
            issues.push(path.clone(), "an `ignore` rule cannot move códigos");
            continue;
        }
        if !rule.ignore && rule.count.is_none() && rule.amounts.is_empty() {
            issues.push(
                path.clone(),
                "moves no código (add `count`/`amounts`, or `ignore: true` to leave these documents out on purpose)",
            );
            continue;
        }

        if let Some(count) = rule.count {
            let count_path = with(path.clone(), &[Seg::key("count")]);
            match codigos.get(&count) {
                None => issues.push(count_path, format!("unknown código {count}")),
                Some(def) if def.kind != Kind::Count => {
                    issues.push(count_path, format!("código {count} is not a count código"))
                }
                Some(_) => {
                    targets.insert(count);
                }
            }
        }

        let mut actions = Vec::new();
        for (j, amount) in rule.amounts.iter().enumerate() {
            let apath = with(path.clone(), &[Seg::key("amounts"), Seg::Index(j)]);
            let field = Field::parse(&amount.field);
            if field.is_none() {
                issues.push(
                    with(apath.clone(), &[Seg::key("field")]),
                    format!("unknown amount field `{}`", amount.field),
                );
            }
            let sign = match amount.sign.as_deref().map(str::trim) {
                None | Some("+") => 1,
                Some("-") => -1,
                Some(other) => {
                    issues.push(
                        with(apath.clone(), &[Seg::key("sign")]),
                        format!("bad sign `{other}` (expected \"+\" or \"-\")"),
                    );
                    1
                }
            };
            let share = match amount.share.as_deref().map(str::trim) {
                None | Some("full") => Share::Full,
                Some("uso_comun_credited") => Share::UsoComunCredited,
                Some(other) => {
                    issues.push(
                        with(apath.clone(), &[Seg::key("share")]),
                        format!("unknown share `{other}` (expected full or uso_comun_credited)"),
                    );
                    Share::Full
                }
            };
            let code_path = with(apath.clone(), &[Seg::key("codigo")]);
            match codigos.get(&amount.codigo) {
                None => issues.push(code_path, format!("unknown código {}", amount.codigo)),
                Some(def) if def.kind != Kind::Amount => issues.push(
                    code_path,
                    format!("código {} is not an amount código", amount.codigo),
                ),
                Some(_) if derived.contains(&amount.codigo) => issues.push(
                    code_path,
                    format!(
                        "código {} is computed from other códigos; a rule must move one of its terms",
                        amount.codigo
                    ),
                ),
                Some(_) if INPUT_CODIGOS.contains(&amount.codigo) => issues.push(
                    code_path,
                    format!("código {} comes from the declaration's inputs", amount.codigo),
                ),
                Some(_) => {
                    targets.insert(amount.codigo);
                }
            }
            if let Some(field) = field {
                actions.push(AmountAction {
                    field,
                    codigo: amount.codigo,
                    sign,
                    share,
                    when: when.clone(),
                    rule: i,
                });
            }
        }

        for &tipo in &tipos {
            if tipo == 0 || tipo > MAX_TIPO_DTE {
                continue;
            }
            for &tx in &txs {
                let key: SlotKey = (rule.operation, tipo, usize::from(tx.code()));
                // The transaction type is named only when the rule names types, so a rule
                // matching any type reports one problem, not seven.
                let describe = if rule.transaction_type.is_some() {
                    format!("{} tipo {tipo} {}", rule.operation, serde_plain_tx(tx))
                } else {
                    format!("{} tipo {tipo}", rule.operation)
                };
                if rule.ignore {
                    if let Some(&other) = mapped_seen.get(&key) {
                        issues.push(
                            path.clone(),
                            format!("ignores {describe}, which rules[{other}] maps"),
                        );
                    }
                    ignore_seen.entry(key).or_insert(i);
                    slots.entry(key).or_default().ignore = true;
                    continue;
                }
                if let Some(&other) = ignore_seen.get(&key) {
                    issues.push(
                        path.clone(),
                        format!("maps {describe}, which rules[{other}] ignores"),
                    );
                }
                mapped_seen.entry(key).or_insert(i);
                let slot = slots.entry(key).or_default();
                if let Some(count) = rule.count {
                    match count_seen.get(&(key, count, when.clone())) {
                        Some(&other) if other != i => issues.push(
                            with(path.clone(), &[Seg::key("count")]),
                            format!("duplicate: rules[{other}] already counts {describe} in código {count}"),
                        ),
                        _ => {
                            count_seen.insert((key, count, when.clone()), i);
                            slot.counts.push(CountAction {
                                codigo: count,
                                when: when.clone(),
                                rule: i,
                            });
                        }
                    }
                }
                for action in &actions {
                    let akey: AmountKey = (
                        rule.operation,
                        tipo,
                        key.2,
                        action.field.clone(),
                        when.clone(),
                    );
                    let seen = amount_seen.entry(akey).or_default();
                    let mut clash = None;
                    for &(code, sign, other) in seen.iter() {
                        if code == action.codigo && sign == action.sign {
                            clash = Some(format!(
                                "duplicate: rules[{other}] already moves {} of {describe} into código {code}",
                                action.field
                            ));
                        } else if code == action.codigo {
                            clash = Some(format!(
                                "conflict: rules[{other}] moves {} of {describe} into código {code} with the opposite sign",
                                action.field
                            ));
                        } else if let Some(total) = shared_total(raw, code, action.codigo) {
                            clash = Some(format!(
                                "conflict: rules[{other}] moves {} of {describe} into código {code}, and total {total} would count it twice with código {}",
                                action.field, action.codigo
                            ));
                        }
                        if clash.is_some() {
                            break;
                        }
                    }
                    match clash {
                        Some(message) => issues.push(path.clone(), message),
                        None => {
                            seen.push((action.codigo, action.sign, i));
                            slot.amounts.push(action.clone());
                        }
                    }
                }
            }
        }
    }
    (slots, targets, names)
}

fn serde_plain_tx(tx: TransactionType) -> &'static str {
    match tx {
        TransactionType::DelGiro => "del_giro",
        TransactionType::Supermercado => "supermercado",
        TransactionType::BienesRaices => "bienes_raices",
        TransactionType::ActivoFijo => "activo_fijo",
        TransactionType::IvaUsoComun => "iva_uso_comun",
        TransactionType::SinDerechoCredito => "sin_derecho_credito",
        TransactionType::NoIncluir => "no_incluir",
    }
}

/// A total that has both `a` and `b` among its direct terms.
fn shared_total(raw: &RawMapping, a: u16, b: u16) -> Option<u16> {
    raw.totals.iter().find_map(|(&code, t)| {
        let has = |c: u16| t.plus.contains(&c) || t.minus.contains(&c);
        (has(a) && has(b)).then_some(code)
    })
}

fn check_totals(
    raw: &RawMapping,
    codigos: &BTreeMap<u16, CodigoDef>,
    targets: &BTreeSet<u16>,
    issues: &mut Issues,
) -> (Vec<Total>, Vec<Step>) {
    let mut totals = Vec::new();
    for required in REQUIRED_TOTALS {
        if !raw.totals.contains_key(&required) {
            issues.push(
                vec![Seg::key("totals")],
                format!("total {required} is missing: the engine needs it"),
            );
        }
    }
    for (&code, raw_total) in &raw.totals {
        let path = vec![Seg::key("totals"), Seg::key(code)];
        if !codigos.contains_key(&code) {
            issues.push(path.clone(), format!("unknown código {code}"));
        }
        if Formula::ALL.iter().any(|f| f.codigo() == code) {
            issues.push(
                path.clone(),
                format!("código {code} is computed by the engine's formula"),
            );
        }
        if targets.contains(&code) {
            issues.push(
                path.clone(),
                format!("código {code} is a total but a rule also moves it"),
            );
        }
        if raw_total.plus.is_empty() && raw_total.minus.is_empty() {
            issues.push(path.clone(), "has no terms");
        }
        let mut seen = BTreeSet::new();
        for (list, name) in [(&raw_total.plus, "plus"), (&raw_total.minus, "minus")] {
            for (k, &term) in list.iter().enumerate() {
                let tpath = with(path.clone(), &[Seg::key(name), Seg::Index(k)]);
                if !codigos.contains_key(&term) {
                    issues.push(tpath, format!("unknown código {term}"));
                } else if term == code {
                    issues.push(tpath, format!("total {code} cannot include itself"));
                } else if !seen.insert(term) {
                    issues.push(
                        tpath,
                        format!("código {term} appears twice in total {code}"),
                    );
                } else if codigos.get(&term).is_some_and(|d| d.kind != Kind::Amount) {
                    issues.push(tpath, format!("código {term} is not an amount"));
                }
            }
        }
        totals.push(Total {
            codigo: code,
            plus: raw_total.plus.clone(),
            minus: raw_total.minus.clone(),
        });
    }
    let order = evaluation_order(&totals, issues);
    (totals, order)
}

/// Topological order of totals and formulas; a cycle is reported on one of its totals.
fn evaluation_order(totals: &[Total], issues: &mut Issues) -> Vec<Step> {
    let mut nodes: BTreeMap<u16, (Step, Vec<u16>)> = BTreeMap::new();
    for (i, t) in totals.iter().enumerate() {
        let deps = t.plus.iter().chain(&t.minus).copied().collect();
        nodes.insert(t.codigo, (Step::Total(i), deps));
    }
    for f in Formula::ALL {
        nodes.insert(f.codigo(), (Step::Formula(f), f.inputs().to_vec()));
    }
    // 0 = unvisited, 1 = on the stack, 2 = done.
    let mut state: BTreeMap<u16, u8> = BTreeMap::new();
    let mut order = Vec::new();
    let mut cyclic = BTreeSet::new();
    fn visit(
        code: u16,
        nodes: &BTreeMap<u16, (Step, Vec<u16>)>,
        state: &mut BTreeMap<u16, u8>,
        order: &mut Vec<Step>,
        cyclic: &mut BTreeSet<u16>,
    ) {
        match state.get(&code) {
            Some(2) => return,
            Some(1) => {
                cyclic.insert(code);
                return;
            }
            _ => {}
        }
        let Some((step, deps)) = nodes.get(&code) else {
            return;
        };
        state.insert(code, 1);
        for &d in deps {
            if nodes.contains_key(&d) {
                visit(d, nodes, state, order, cyclic);
            }
        }
        state.insert(code, 2);
        order.push(*step);
    }
    let codes: Vec<u16> = nodes.keys().copied().collect();
    for code in codes {
        visit(code, &nodes, &mut state, &mut order, &mut cyclic);
    }
    for code in cyclic {
        issues.push(
            vec![Seg::key("totals"), Seg::key(code)],
            format!("total {code} depends on itself through other totals"),
        );
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issues_of(text: &str) -> Vec<MappingIssue> {
        match Mapping::parse(text) {
            Ok(_) => Vec::new(),
            Err(e) => e.issues,
        }
    }

    /// The default mapping with `rules:` replaced by `rules` (so each test states only the
    /// rules it is about, and still has every código and total).
    fn with_rules(rules: &str) -> String {
        let start = DEFAULT_YAML.find("\nrules:").expect("rules section");
        let end = DEFAULT_YAML.find("\ntotals:").expect("totals section");
        format!(
            "{}\nrules:\n{rules}{}",
            &DEFAULT_YAML[..start],
            &DEFAULT_YAML[end..]
        )
    }

    fn line_containing(text: &str, needle: &str) -> usize {
        text.lines()
            .position(|l| l.contains(needle))
            .map(|i| i + 1)
            .expect("needle present")
    }

    #[test]
    fn default_mapping_is_valid() {
        let mapping = Mapping::default_mapping().expect("valid default mapping");
        assert!(mapping.is_derived(538));
        assert!(mapping.is_rule_target(502));
        assert_eq!(mapping.glosa(538), "Total débitos");
        let slot = mapping
            .slot(Operation::Venta, 33, Some(TransactionType::DelGiro))
            .expect("facturas are mapped");
        assert!(slot.amounts.iter().any(|a| a.codigo == 502));
        // A document without a transaction type is matched as del giro.
        assert_eq!(
            mapping.slot(Operation::Venta, 33, None),
            mapping.slot(Operation::Venta, 33, Some(TransactionType::DelGiro))
        );
        assert!(mapping.slot(Operation::Compra, 999, None).is_none());
        // Derived códigos come after everything they read.
        let pos = |code: u16| {
            mapping
                .order()
                .iter()
                .position(|s| match s {
                    Step::Total(i) => mapping.totals()[*i].codigo == code,
                    Step::Formula(f) => f.codigo() == code,
                })
                .expect("in order")
        };
        assert!(pos(538) < pos(89));
        assert!(pos(89) < pos(595));
        assert!(pos(62) < pos(595));
        assert!(pos(595) < pos(547));
        assert!(pos(547) < pos(91));
    }

    #[test]
    fn unknown_codigo_names_its_line() {
        let text = with_rules(
            "  - operation: venta\n    tipo_dte: 33\n    amounts:\n      - {field: iva, codigo: 998}\n",
        );
        let issues = issues_of(&text);
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert_eq!(issues[0].line, Some(line_containing(&text, "codigo: 998")));
        assert!(issues[0].message.contains("unknown código 998"));
        assert_eq!(issues[0].path, "rules[0].amounts[0].codigo");
    }

    #[test]
    fn bad_sign_is_rejected_with_its_line() {
        let text = with_rules(
            "  - operation: venta\n    tipo_dte: 61\n    amounts:\n      - field: iva\n        codigo: 510\n        sign: minus\n",
        );
        let issues = issues_of(&text);
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert_eq!(issues[0].line, Some(line_containing(&text, "sign: minus")));
        assert!(issues[0].message.contains("bad sign `minus`"));
    }

    #[test]
    fn duplicate_and_conflicting_rules_are_rejected() {
        let dup = with_rules(
            "  - operation: venta\n    tipo_dte: 33\n    amounts: [{field: iva, codigo: 502}]\n  - operation: venta\n    tipo_dte: [34, 33]\n    amounts: [{field: iva, codigo: 502}]\n",
        );
        let issues = issues_of(&dup);
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert!(issues[0].message.starts_with("duplicate"), "{issues:?}");
        assert_eq!(
            issues[0].line,
            Some(line_containing(&dup, "tipo_dte: [34, 33]") - 1)
        );

        let opposite = with_rules(
            "  - operation: venta\n    tipo_dte: 33\n    amounts: [{field: iva, codigo: 502}]\n  - operation: venta\n    tipo_dte: 33\n    amounts: [{field: iva, codigo: 502, sign: \"-\"}]\n",
        );
        assert!(issues_of(&opposite)[0].message.contains("opposite sign"));

        let twice = with_rules(
            "  - operation: venta\n    tipo_dte: 33\n    amounts: [{field: iva, codigo: 502}]\n  - operation: venta\n    tipo_dte: 33\n    amounts: [{field: iva, codigo: 513}]\n",
        );
        assert!(
            issues_of(&twice)[0]
                .message
                .contains("total 538 would count it twice")
        );

        let ignore_vs_map = with_rules(
            "  - operation: compra\n    tipo_dte: 33\n    transaction_type: no_incluir\n    ignore: true\n  - operation: compra\n    tipo_dte: 33\n    count: 519\n",
        );
        assert!(issues_of(&ignore_vs_map)[0].message.contains("ignores"));
    }

    #[test]
    fn rules_may_not_move_totals_or_inputs() {
        let text = with_rules(
            "  - operation: venta\n    tipo_dte: 33\n    amounts: [{field: iva, codigo: 538}, {field: iva, codigo: 151}]\n    count: 502\n",
        );
        let messages: Vec<String> = issues_of(&text).into_iter().map(|i| i.message).collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(messages.iter().any(|m| m.contains("538 is computed")));
        assert!(
            messages
                .iter()
                .any(|m| m.contains("151 comes from the declaration's inputs"))
        );
        assert!(messages.iter().any(|m| m.contains("502 is not a count")));
    }

    #[test]
    fn shape_errors_carry_serde_yaml_lines() {
        let text = with_rules("  - operation: ventas\n    tipo_dte: 33\n    count: 503\n");
        let issues = issues_of(&text);
        assert_eq!(issues.len(), 1);
        assert_eq!(
            issues[0].line,
            Some(line_containing(&text, "operation: ventas"))
        );
        assert!(issues[0].message.contains("unknown variant"), "{issues:?}");
    }

    #[test]
    fn cyclic_totals_are_rejected() {
        let text = DEFAULT_YAML.replace(
            "  91:\n    plus: [547]",
            "  91:\n    plus: [547]\n  92:\n    plus: [94]",
        );
        let issues = issues_of(&text);
        assert!(
            issues
                .iter()
                .any(|i| i.message.contains("depends on itself")),
            "{issues:?}"
        );
    }

    #[test]
    fn missing_engine_codigo_is_reported() {
        let text = DEFAULT_YAML.replace("  89: {", "  889: {");
        let issues = issues_of(&text);
        assert!(
            issues
                .iter()
                .any(|i| i.message.contains("código 89 is missing")),
            "{issues:?}"
        );
    }
}
