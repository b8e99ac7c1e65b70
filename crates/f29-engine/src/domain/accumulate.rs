//! The hot loop of the computation: one pass over the documents, adding each counted
//! document's amounts into a dense array indexed by código.
//!
//! Built for 200,000 documents in a few milliseconds: the mapping's dense index makes each
//! document one lookup, the per-type totals live in a dense array too, and the only hashing
//! (excluded invoices, for notes that reference them) uses a small multiplicative hasher.
//! Notes with references are deferred to the end of the pass, when every excluded invoice
//! is known, so a single pass suffices whatever the order of the documents.

use std::collections::BTreeMap;

use ofitec_domain::Rut;
use ofitec_domain::rcv::{DocumentKey, Operation, PurchaseState, RcvDocument, TransactionType};
use rustc_hash::FxHashSet;
use serde::{Deserialize, Serialize};

use super::context::SalesSplit;
use super::mapping::{MAX_CODIGO, MAX_TIPO_DTE, Mapping, Share};

/// (counterpart, tipo, folio) of the purchases outside REGISTRO, for notes that point at them.
/// FxHash (rustc's hasher): the keys are our own small tuples in a batch computation, so a
/// DoS-resistant hasher buys nothing here.
pub type ExcludedInvoices = FxHashSet<(Option<Rut>, u16, i64)>;

/// Totals of the fetched documents of one (operation, tipo DTE, state), counted or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupStats {
    /// Register.
    pub operation: Operation,
    /// Tipo DTE.
    pub tipo_dte: u16,
    /// Purchase state (none for sales).
    pub state: Option<PurchaseState>,
    /// Documents (summary lines count for N).
    pub documents: u64,
    /// Σ exento.
    pub exento: i64,
    /// Σ neto.
    pub neto: i64,
    /// Σ IVA.
    pub iva: i64,
    /// Σ total.
    pub total: i64,
}

/// Whether a document reaches the rules, and why not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Counted.
    Counted,
    /// Purchase in PENDIENTE: SII does not count it yet.
    Pending,
    /// Purchase in NO_INCLUIR or RECLAMADO.
    Excluded,
    /// Purchase without a state.
    NoState,
    /// Cancelled.
    Anulado,
    /// A note referencing an excluded invoice.
    ReferencesExcluded,
}

/// The purchases that are not in REGISTRO.
pub fn excluded_invoices(docs: &[RcvDocument]) -> ExcludedInvoices {
    docs.iter()
        .filter(|d| d.operation == Operation::Compra && d.state != Some(PurchaseState::Registro))
        .map(|d| (d.counterpart, d.tipo_dte, d.folio))
        .collect()
}

/// The admission of a document whose register state allows it, by its references.
#[inline]
fn by_references(doc: &RcvDocument, excluded: &ExcludedInvoices) -> Admission {
    if doc.operation == Operation::Compra
        && !excluded.is_empty()
        && doc
            .references
            .iter()
            .any(|r| excluded.contains(&(doc.counterpart, r.tipo_dte, r.folio)))
    {
        Admission::ReferencesExcluded
    } else {
        Admission::Counted
    }
}

/// Decides whether `doc` counts, given the excluded invoices of the whole period.
#[inline]
pub fn admit(doc: &RcvDocument, excluded: &ExcludedInvoices) -> Admission {
    if let Some(not_counted) = by_state(doc) {
        return not_counted;
    }
    by_references(doc, excluded)
}

/// What the register state (and cancellation) alone says; `None` when it allows counting.
#[inline]
fn by_state(doc: &RcvDocument) -> Option<Admission> {
    if doc.operation == Operation::Compra {
        match doc.state {
            Some(PurchaseState::Registro) => {}
            Some(PurchaseState::Pendiente) => return Some(Admission::Pending),
            Some(_) => return Some(Admission::Excluded),
            None => return Some(Admission::NoState),
        }
    }
    doc.anulado.then_some(Admission::Anulado)
}

/// What the pass noticed besides the amounts, for the findings.
#[derive(Debug, Default)]
pub struct Tally {
    /// Purchases in PENDIENTE.
    pub pending: u64,
    /// Their IVA.
    pub pending_iva: i64,
    /// Purchases without a state.
    pub no_state: u64,
    /// Notes left out because they reference an excluded invoice.
    pub references_excluded: Vec<DocumentKey>,
    /// Unmapped documents by (register, tipo, transaction type).
    pub unmapped: BTreeMap<(Operation, u16, Option<TransactionType>), u64>,
    /// Fixed-asset purchases with IVA but no "IVA Activo Fijo".
    pub activo_fijo_without_iva: u64,
    /// Sales whose IVA the customer retained.
    pub sales_retained: u64,
    /// Liquidaciones-factura sold.
    pub liquidaciones: u64,
    /// Counted purchase notes without references from a supplier that also has purchases
    /// outside REGISTRO: SII's CSV export drops references, so such a note may correct an
    /// excluded invoice (and SII would leave it out). Sorted.
    pub unreferenced_notes: Vec<DocumentKey>,
}

/// Purchase notes (credit and debit, electronic and paper).
fn is_purchase_note(doc: &RcvDocument) -> bool {
    doc.operation == Operation::Compra && matches!(doc.tipo_dte, 61 | 56 | 60 | 55)
}

const STATES: usize = 5;

fn state_index(state: Option<PurchaseState>) -> usize {
    match state {
        None => 0,
        Some(PurchaseState::Registro) => 1,
        Some(PurchaseState::Pendiente) => 2,
        Some(PurchaseState::NoIncluir) => 3,
        Some(PurchaseState::Reclamado) => 4,
    }
}

/// Totals of every fetched document by (register, tipo, state), in a dense array.
struct Groups {
    index: Vec<u32>,
    stats: Vec<GroupStats>,
    /// Tipos beyond the dense range (not SII's, but never dropped).
    overflow: BTreeMap<(Operation, u16, Option<PurchaseState>), usize>,
}

impl Groups {
    fn new() -> Groups {
        Groups {
            index: vec![0; 2 * (usize::from(MAX_TIPO_DTE) + 1) * STATES],
            stats: Vec::new(),
            overflow: BTreeMap::new(),
        }
    }

    #[inline]
    fn add(&mut self, doc: &RcvDocument) {
        let op = usize::from(doc.operation == Operation::Venta);
        let slot = if doc.tipo_dte <= MAX_TIPO_DTE {
            let i = (op * (usize::from(MAX_TIPO_DTE) + 1) + usize::from(doc.tipo_dte)) * STATES
                + state_index(doc.state);
            if self.index[i] == 0 {
                self.stats.push(empty_group(doc));
                self.index[i] = self.stats.len() as u32;
            }
            self.index[i] as usize - 1
        } else {
            let key = (doc.operation, doc.tipo_dte, doc.state);
            match self.overflow.get(&key) {
                Some(&i) => i,
                None => {
                    self.stats.push(empty_group(doc));
                    self.overflow.insert(key, self.stats.len() - 1);
                    self.stats.len() - 1
                }
            }
        };
        let g = &mut self.stats[slot];
        g.documents += u64::from(doc.document_count);
        g.exento += doc.exento;
        g.neto += doc.neto;
        g.iva += doc.iva;
        g.total += doc.total;
    }

    fn into_sorted(self) -> Vec<GroupStats> {
        let mut stats = self.stats;
        stats.sort_by_key(|g| (g.operation, g.tipo_dte, g.state));
        stats
    }
}

fn empty_group(doc: &RcvDocument) -> GroupStats {
    GroupStats {
        operation: doc.operation,
        tipo_dte: doc.tipo_dte,
        state: doc.state,
        documents: 0,
        exento: 0,
        neto: 0,
        iva: 0,
        total: 0,
    }
}

/// The result of the pass.
pub struct Accumulated {
    /// Value per código (index = código).
    pub acc: Vec<i64>,
    /// IVA uso común per código it credits, before the factor.
    pub uso_comun: BTreeMap<u16, i64>,
    /// This period's counted sales, for a factor without history.
    pub period_sales: SalesSplit,
    /// Fetched documents by (register, tipo, state).
    pub groups: Vec<GroupStats>,
    /// What was noticed.
    pub tally: Tally,
}

struct Pass<'m> {
    mapping: &'m Mapping,
    acc: Vec<i64>,
    uso_comun: BTreeMap<u16, i64>,
    period_sales: SalesSplit,
    tally: Tally,
}

impl Pass<'_> {
    /// Adds one counted document.
    #[inline]
    fn apply(&mut self, doc: &RcvDocument) {
        if doc.operation == Operation::Venta {
            self.period_sales.add(doc.tipo_dte, doc.neto, doc.exento);
            if doc.iva_retenido_total != 0 && !matches!(doc.tipo_dte, 45 | 46) {
                self.tally.sales_retained += 1;
            }
            if doc.tipo_dte == 43 {
                self.tally.liquidaciones += 1;
            }
        } else if doc.transaction_type == Some(TransactionType::ActivoFijo)
            && doc.activo_fijo_iva == 0
            && doc.iva != 0
        {
            self.tally.activo_fijo_without_iva += 1;
        }
        let Some(slot) = self
            .mapping
            .slot(doc.operation, doc.tipo_dte, doc.transaction_type)
        else {
            *self
                .tally
                .unmapped
                .entry((doc.operation, doc.tipo_dte, doc.transaction_type))
                .or_default() += u64::from(doc.document_count);
            return;
        };
        if slot.ignore {
            return;
        }
        let count = i64::from(doc.document_count);
        for c in &slot.counts {
            if c.when.as_ref().is_none_or(|f| f.value(doc) != 0) {
                self.acc[usize::from(c.codigo)] += count;
            }
        }
        for a in &slot.amounts {
            if a.when.as_ref().is_some_and(|f| f.value(doc) == 0) {
                continue;
            }
            let value = a.sign * a.field.value(doc);
            match a.share {
                Share::Full => self.acc[usize::from(a.codigo)] += value,
                Share::UsoComunCredited => *self.uso_comun.entry(a.codigo).or_default() += value,
            }
        }
    }
}

/// One pass over `docs` (any order) with `mapping`.
pub fn accumulate(docs: &[RcvDocument], mapping: &Mapping) -> Accumulated {
    let mut pass = Pass {
        mapping,
        acc: vec![0; usize::from(MAX_CODIGO) + 1],
        uso_comun: BTreeMap::new(),
        period_sales: SalesSplit::default(),
        tally: Tally::default(),
    };
    let mut groups = Groups::new();
    let mut excluded = ExcludedInvoices::default();
    let mut deferred: Vec<&RcvDocument> = Vec::new();
    let mut unreferenced: Vec<&RcvDocument> = Vec::new();

    for doc in docs {
        groups.add(doc);
        match by_state(doc) {
            None if doc.operation == Operation::Compra && !doc.references.is_empty() => {
                deferred.push(doc);
            }
            None => {
                if is_purchase_note(doc) {
                    unreferenced.push(doc);
                }
                pass.apply(doc);
            }
            Some(admission) => {
                if doc.operation == Operation::Compra {
                    excluded.insert((doc.counterpart, doc.tipo_dte, doc.folio));
                }
                match admission {
                    Admission::Pending => {
                        pass.tally.pending += u64::from(doc.document_count);
                        pass.tally.pending_iva += doc.iva;
                    }
                    Admission::NoState => pass.tally.no_state += u64::from(doc.document_count),
                    _ => {}
                }
            }
        }
    }
    for doc in deferred {
        match by_references(doc, &excluded) {
            Admission::Counted => pass.apply(doc),
            _ => pass.tally.references_excluded.push(doc.key()),
        }
    }
    pass.tally.references_excluded.sort();
    if !unreferenced.is_empty() && !excluded.is_empty() {
        let suppliers: std::collections::HashSet<Option<Rut>> =
            excluded.iter().map(|(rut, _, _)| *rut).collect();
        pass.tally.unreferenced_notes = unreferenced
            .into_iter()
            .filter(|d| suppliers.contains(&d.counterpart))
            .map(RcvDocument::key)
            .collect();
        pass.tally.unreferenced_notes.sort();
    }
    Accumulated {
        acc: pass.acc,
        uso_comun: pass.uso_comun,
        period_sales: pass.period_sales,
        groups: groups.into_sorted(),
        tally: pass.tally,
    }
}
