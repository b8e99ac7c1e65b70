//! Deterministic synthetic RCV data: what "SII" holds for a company, period and register.
//!
//! The same `(seed, company, period, operation, volume, revision)` always gives the same
//! documents, so tests compare what a client imported with [`period_documents`] exactly.
//!
//! * `rng`: SplitMix64 (stable across dependency updates);
//! * `catalog`: type names, the mix of types, states and purchase types, other taxes, words;
//! * `counterparts`: each company's suppliers/customers, the same every period;
//! * `amounts`: IVA = round(neto × 19 %) placed by purchase type, totals that add up;
//! * `generate`: one document per index, references from 56/61 to earlier 33s, the 39/48
//!   summary lines;
//! * `revision`: the changes each revision makes;
//! * `cache`: generated periods kept in a bounded cache, generated once when asked
//!   concurrently.
//!
//! What each format carries of a document is [`detail_view`] (the JSON detail) and
//! [`export_view`] (the CSV export); together they carry all of it.

mod amounts;
pub mod cache;
mod catalog;
mod counterparts;
mod generate;
mod revision;
pub(crate) mod rng;

use chrono::{Duration, NaiveDateTime};
use ofitec_domain::rcv::{Operation, PurchaseState, RcvDocument};
use ofitec_domain::{Period, Rut};

pub use amounts::iva_of;
pub use catalog::{SUMMARY_ONLY_TYPES, type_name};
pub use revision::RevisionChanges;

/// The documents SII holds for `company`'s `operation` register of `period` at `revision`
/// (0 = as first generated), in the order the simulator serves them: detail documents by
/// state (REGISTRO, PENDIENTE, NO_INCLUIR, RECLAMADO; sales have none), type and folio,
/// then, for sales, the boleta (39) and voucher (48) summary lines. `volume` is the number
/// of detail documents at revision 0; 0 means the period has no RCV.
pub fn period_documents(
    seed: u64,
    company: Rut,
    period: Period,
    operation: Operation,
    volume: u32,
    revision: u32,
) -> Vec<RcvDocument> {
    PeriodData::generate(seed, company, period, operation, volume, revision).documents
}

/// `dcvFecModificacion` of a register at `revision`: early on the first day of the next
/// month, one day and some minutes later per revision.
pub fn modified_at(
    seed: u64,
    company: Rut,
    period: Period,
    operation: Operation,
    revision: u32,
) -> NaiveDateTime {
    let first = generate::first_day(period.next().unwrap_or(period));
    let mut rng = rng::Rng::from_parts(&[
        seed,
        u64::from(company.body()),
        u64::from(period.year()),
        u64::from(period.month()),
        generate::op_code(operation),
        0xFEC,
    ]);
    let base = generate::at(first, 2 * 3600 + rng.between(0, 3 * 3600));
    base + Duration::seconds(i64::from(revision) * (86_400 + 17 * 60 + 3))
}

/// What the JSON detail (`getDetalleCompra`/`getDetalleVenta`) carries of a document: SII's
/// JSON has no list of other taxes, only their sum (`totalDtoiMontoImp`, which sii-client
/// keeps as `extra["otros_impuestos_total"]`).
pub fn detail_view(doc: &RcvDocument) -> RcvDocument {
    let mut view = doc.clone();
    let others: i64 = view.other_taxes.iter().map(|t| t.valor).sum();
    view.other_taxes.clear();
    if others != 0 {
        view.extra
            .insert("otros_impuestos_total".to_owned(), others);
    }
    view
}

/// What the CSV export carries of a document: no receiver event, cancellation flag or VAT
/// rate, and purchases have no reference columns.
pub fn export_view(doc: &RcvDocument) -> RcvDocument {
    let mut view = doc.clone();
    view.receiver_event = None;
    view.anulado = false;
    view.tasa_iva = None;
    if view.operation == Operation::Compra {
        view.references.clear();
    }
    view
}

/// A generated register: its documents in serving order and when SII last changed it.
#[derive(Debug, Clone)]
pub struct PeriodData {
    documents: Vec<RcvDocument>,
    /// Where the summary-only lines start in `documents`.
    summary_start: usize,
    modified_at: NaiveDateTime,
    changes: Vec<RevisionChanges>,
}

impl PeriodData {
    /// Generates a register (see [`period_documents`]).
    pub fn generate(
        seed: u64,
        company: Rut,
        period: Period,
        operation: Operation,
        volume: u32,
        revision: u32,
    ) -> PeriodData {
        let ctx = generate::Context::new(seed, company, period, operation, volume);
        let mut documents = generate::documents(&ctx, volume);
        let mut changes = Vec::new();
        if volume > 0 {
            for r in 1..=revision {
                changes.push(revision::apply(&ctx, &mut documents, r));
            }
        }
        documents.sort_unstable_by_key(sort_key);
        let summary_start = documents.partition_point(|d| !d.is_summary());
        PeriodData {
            documents,
            summary_start,
            modified_at: modified_at(seed, company, period, operation, revision),
            changes,
        }
    }

    /// A register made of given documents (loaded through `PUT /admin/registers`), as SII
    /// would serve it: the same ordering and detail / summary-only split as generated ones.
    pub fn from_documents(
        mut documents: Vec<RcvDocument>,
        modified_at: NaiveDateTime,
    ) -> PeriodData {
        documents.sort_unstable_by_key(sort_key);
        let summary_start = documents.partition_point(|d| !d.is_summary());
        PeriodData {
            documents,
            summary_start,
            modified_at,
            changes: Vec::new(),
        }
    }

    /// Every line: detail documents, then summary-only lines.
    pub fn documents(&self) -> &[RcvDocument] {
        &self.documents
    }

    /// Whether the period has an RCV at all (`codRespuesta 3` when not).
    pub fn is_empty(&self) -> bool {
        self.documents.is_empty()
    }

    /// The detail documents (what the detail and export methods serve).
    pub fn detail(&self) -> &[RcvDocument] {
        &self.documents[..self.summary_start]
    }

    /// The summary-only lines (boletas, vouchers).
    pub fn summaries(&self) -> &[RcvDocument] {
        &self.documents[self.summary_start..]
    }

    /// Detail documents in one purchase state (`None` for sales), every type.
    pub fn of_state(&self, state: Option<PurchaseState>) -> &[RcvDocument] {
        let detail = self.detail();
        let rank = state_rank(state);
        let start = detail.partition_point(|d| state_rank(d.state) < rank);
        let end = detail.partition_point(|d| state_rank(d.state) <= rank);
        &detail[start..end]
    }

    /// Detail documents of one state and type.
    pub fn of_state_and_type(&self, state: Option<PurchaseState>, tipo: u16) -> &[RcvDocument] {
        let docs = self.of_state(state);
        let start = docs.partition_point(|d| d.tipo_dte < tipo);
        let end = docs.partition_point(|d| d.tipo_dte <= tipo);
        &docs[start..end]
    }

    /// `dcvFecModificacion`.
    pub fn modified_at(&self) -> NaiveDateTime {
        self.modified_at
    }

    /// What each revision changed, in order.
    pub fn changes(&self) -> &[RevisionChanges] {
        &self.changes
    }
}

fn state_rank(state: Option<PurchaseState>) -> u8 {
    match state {
        None | Some(PurchaseState::Registro) => 0,
        Some(PurchaseState::Pendiente) => 1,
        Some(PurchaseState::NoIncluir) => 2,
        Some(PurchaseState::Reclamado) => 3,
    }
}

fn sort_key(doc: &RcvDocument) -> (bool, u8, u16, i64, Option<Rut>) {
    (
        doc.is_summary(),
        state_rank(doc.state),
        doc.tipo_dte,
        doc.folio,
        doc.counterpart,
    )
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn fixtures() -> (Rut, Period) {
        let (Ok(company), Ok(period)) = (Rut::parse("76123456-0"), Period::parse("2024-11")) else {
            panic!("fixtures")
        };
        (company, period)
    }

    #[test]
    fn the_same_inputs_give_the_same_register() {
        let (company, period) = fixtures();
        for operation in [Operation::Compra, Operation::Venta] {
            let a = period_documents(7, company, period, operation, 300, 0);
            let b = period_documents(7, company, period, operation, 300, 0);
            assert_eq!(a, b);
            // Another seed is another register.
            assert_ne!(a, period_documents(8, company, period, operation, 300, 0));
        }
        assert_eq!(
            modified_at(7, company, period, Operation::Compra, 0),
            modified_at(7, company, period, Operation::Compra, 0)
        );
    }

    #[test]
    fn a_document_keeps_its_numbers_when_the_volume_grows() {
        // Each document has its own random stream: raising the volume adds documents and
        // leaves the type, folio, dates and amounts of the existing ones alone. Only the
        // counterpart may change: it is drawn from a pool sized by the volume.
        let (company, period) = fixtures();
        let small = PeriodData::generate(3, company, period, Operation::Compra, 200, 0);
        let large = PeriodData::generate(3, company, period, Operation::Compra, 500, 0);
        let numbers = |d: &RcvDocument| {
            (
                d.tipo_dte,
                d.folio,
                d.state,
                d.received_at,
                d.exento,
                d.neto,
                d.total,
            )
        };
        let large_numbers: std::collections::BTreeMap<_, _> = large
            .detail()
            .iter()
            .map(|d| (d.folio, numbers(d)))
            .collect();
        for doc in small.detail() {
            assert_eq!(large_numbers.get(&doc.folio), Some(&numbers(doc)));
        }
        assert_eq!(large.detail().len(), 500);
    }

    #[test]
    fn registers_have_the_realistic_mix_and_unique_keys() {
        let (company, period) = fixtures();
        let compras = PeriodData::generate(1, company, period, Operation::Compra, 3000, 0);
        let ventas = PeriodData::generate(1, company, period, Operation::Venta, 3000, 0);
        let types = |docs: &[RcvDocument]| docs.iter().map(|d| d.tipo_dte).collect::<BTreeSet<_>>();
        assert_eq!(
            types(compras.detail()),
            BTreeSet::from([33, 34, 43, 46, 56, 61, 914])
        );
        assert_eq!(
            types(ventas.detail()),
            BTreeSet::from([33, 34, 43, 46, 56, 61, 110])
        );
        // Purchases have every state; only sales have summary-only lines (39, 48).
        let states: BTreeSet<_> = compras.detail().iter().filter_map(|d| d.state).collect();
        assert_eq!(states.len(), 4);
        assert!(compras.summaries().is_empty());
        assert_eq!(
            ventas
                .summaries()
                .iter()
                .map(|d| d.tipo_dte)
                .collect::<Vec<_>>(),
            SUMMARY_ONLY_TYPES.to_vec()
        );
        assert!(
            ventas
                .summaries()
                .iter()
                .all(|d| d.is_summary() && d.document_count > 1)
        );
        // Other taxes and references occur.
        assert!(compras.detail().iter().any(|d| !d.other_taxes.is_empty()));
        assert!(ventas.detail().iter().any(|d| !d.references.is_empty()));
        for data in [&compras, &ventas] {
            let keys: BTreeSet<_> = data.documents().iter().map(RcvDocument::key).collect();
            assert_eq!(
                keys.len(),
                data.documents().len(),
                "natural keys are unique"
            );
        }
    }

    #[test]
    fn totals_add_up_to_the_peso() {
        let (company, period) = fixtures();
        for operation in [Operation::Compra, Operation::Venta] {
            for doc in PeriodData::generate(5, company, period, operation, 800, 0).detail() {
                let others: i64 = doc.other_taxes.iter().map(|t| t.valor).sum();
                let vat = doc.iva + doc.iva_uso_comun + doc.iva_no_recuperable;
                assert_eq!(
                    doc.total,
                    doc.exento + doc.neto + vat + others + doc.sin_derecho_credito,
                    "{:?}",
                    doc.key()
                );
                assert_eq!(vat, iva_of(doc.neto), "{:?}", doc.key());
            }
        }
    }

    #[test]
    fn volume_zero_is_a_period_without_rcv() {
        let (company, period) = fixtures();
        let data = PeriodData::generate(1, company, period, Operation::Venta, 0, 0);
        assert!(data.is_empty());
    }
}
