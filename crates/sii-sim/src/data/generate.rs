//! One period's documents, each drawn from its own random stream (seed, company, period,
//! register, index), so a document keeps its type, folio, dates and amounts when the volume
//! around it changes (its counterpart comes from a pool sized by the volume).

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use ofitec_domain::rcv::{
    DocumentReference, Operation, OtherTax, PurchaseState, RcvDocument, TransactionType,
};
use ofitec_domain::{Period, Rut};

use super::amounts::set_amounts;
use super::catalog::{self, OTHER_TAXES, REGISTRO_PURCHASE_MIX, SALE_MIX, STATE_MIX};
use super::counterparts::{self, Counterpart};
use super::rng::Rng;

/// Names of foreign customers (exports all carry SII's generic foreign RUT).
const FOREIGN_NAMES: [&str; 5] = [
    "Andes Trading Corp.",
    "Pacific Foods LLC",
    "Global Mining GmbH",
    "Lima Importaciones SAC",
    "Shanghai Fruit Co. Ltd.",
];

/// Everything constant while generating one (company, period, register).
pub(super) struct Context {
    pub seed: u64,
    pub company: Rut,
    pub period: Period,
    pub operation: Operation,
    pub pool: Vec<Counterpart>,
    /// Folios are `folio_base + 4 × index + (0..4)`: unique within the period, growing.
    pub folio_base: i64,
    first_day: NaiveDate,
    days: i64,
}

impl Context {
    pub(super) fn new(
        seed: u64,
        company: Rut,
        period: Period,
        operation: Operation,
        volume: u32,
    ) -> Context {
        let start = first_day(period);
        let next = period.next().map_or(start + Duration::days(31), first_day);
        Context {
            seed,
            company,
            period,
            operation,
            pool: counterparts::pool(seed, company, operation, counterparts::pool_size(volume)),
            folio_base: 1_000 + i64::from((period.year() * 12 + period.month()) % 89) * 20_000,
            first_day: start,
            days: (next - start).num_days(),
        }
    }

    /// The random stream of one document (or of anything else named by `parts`).
    pub(super) fn rng(&self, parts: &[u64]) -> Rng {
        let mut all = vec![
            self.seed,
            u64::from(self.company.body()),
            u64::from(self.period.year()),
            u64::from(self.period.month()),
            op_code(self.operation),
        ];
        all.extend_from_slice(parts);
        Rng::from_parts(&all)
    }
}

pub(super) fn op_code(operation: Operation) -> u64 {
    match operation {
        Operation::Compra => 1,
        Operation::Venta => 2,
    }
}

/// The first day of a period (periods are validated months, so the fallback never runs).
pub(super) fn first_day(period: Period) -> NaiveDate {
    NaiveDate::from_ymd_opt(period.year() as i32, period.month(), 1).unwrap_or_default()
}

/// The last 33 seen per counterpart (pool index), for credit and debit notes to reference.
pub(super) struct RefBook(Vec<Option<i64>>);

impl RefBook {
    pub(super) fn new(pool: usize) -> RefBook {
        RefBook(vec![None; pool])
    }

    pub(super) fn record(&mut self, counterpart: usize, folio: i64) {
        if let Some(slot) = self.0.get_mut(counterpart) {
            *slot = Some(folio);
        }
    }

    fn last(&self, counterpart: usize) -> Option<i64> {
        self.0.get(counterpart).copied().flatten()
    }
}

/// The base documents of a period (revision 0), unsorted.
pub(super) fn documents(ctx: &Context, volume: u32) -> Vec<RcvDocument> {
    let mut refs = RefBook::new(ctx.pool.len());
    let mut docs = Vec::with_capacity(volume as usize + 2);
    for index in 0..u64::from(volume) {
        docs.push(document(ctx, index, &mut refs));
    }
    if ctx.operation == Operation::Venta && volume > 0 {
        docs.extend(summaries(ctx, volume));
    }
    docs
}

/// Document number `index` of the period. Pool index of the counterpart is recorded in
/// `refs` for 33s, and read for 56/61.
pub(super) fn document(ctx: &Context, index: u64, refs: &mut RefBook) -> RcvDocument {
    let mut rng = ctx.rng(&[index, 0xD0C]);
    let op = ctx.operation;
    let tipo = rng.weighted(catalog::type_mix(op));
    let state = match op {
        Operation::Compra if tipo == 914 => Some(PurchaseState::Registro),
        Operation::Compra => Some(rng.weighted(&STATE_MIX)),
        Operation::Venta => None,
    };
    let mut pool_index = None;
    let (counterpart, name) = match (op, tipo) {
        (Operation::Compra, 914) => match catalog::rut(catalog::ADUANAS.0) {
            Some(rut) => (rut, catalog::ADUANAS.1.to_owned()),
            None => (ctx.company, String::new()),
        },
        (Operation::Venta, 110) => (
            catalog::rut(catalog::FOREIGN_CUSTOMER).unwrap_or(ctx.company),
            FOREIGN_NAMES[rng.below(FOREIGN_NAMES.len() as u64) as usize].to_owned(),
        ),
        _ => {
            let i = rng.below(ctx.pool.len() as u64) as usize;
            pool_index = Some(i);
            match ctx.pool.get(i) {
                Some(c) => (c.rut, c.name.clone()),
                None => (ctx.company, String::new()),
            }
        }
    };
    let folio = ctx.folio_base + index as i64 * 4 + rng.below(4) as i64;
    let mut doc = RcvDocument::new(ctx.company, ctx.period, op, tipo, Some(counterpart), folio);
    doc.counterpart_name = name;
    doc.state = state;

    // Dates: received in the period; issued the same day or a few days before (a purchase
    // may be issued in the previous month and received in this one).
    let day = rng.between(0, ctx.days - 1);
    let seconds = rng.between(8 * 3600, 86_399);
    let received = at(ctx.first_day + Duration::days(day), seconds);
    let back = match op {
        Operation::Compra => rng.weighted(&[(0, 50), (1, 25), (2, 12), (3, 8), (5, 5)]),
        Operation::Venta => rng.weighted(&[(0, 85), (1, 15)]),
    };
    doc.received_at = Some(received);
    doc.issued_on = Some(received.date() - Duration::days(back));
    events(&mut doc, &mut rng, received);

    doc.transaction_type = Some(match (op, state) {
        (Operation::Compra, Some(PurchaseState::Registro)) => match tipo {
            34 => TransactionType::DelGiro,
            914 => rng.weighted(&[
                (TransactionType::DelGiro, 85),
                (TransactionType::ActivoFijo, 15),
            ]),
            _ => rng.weighted(&REGISTRO_PURCHASE_MIX),
        },
        (Operation::Compra, Some(PurchaseState::NoIncluir)) => TransactionType::NoIncluir,
        (Operation::Compra, _) => TransactionType::DelGiro,
        (Operation::Venta, _) if tipo == 110 => TransactionType::DelGiro,
        (Operation::Venta, _) => rng.weighted(&SALE_MIX),
    });
    doc.iva_no_recuperable_code = match doc.transaction_type {
        Some(TransactionType::SinDerechoCredito) => Some(rng.between(1, 4) as u8),
        Some(TransactionType::NoIncluir) => Some(9),
        _ => None,
    };

    // Amounts: a log-uniform net from $1,000 to about $20 million; notes are smaller.
    let mut base = 10f64.powf(3.0 + rng.unit() * 4.3).round() as i64;
    if matches!(tipo, 56 | 61) {
        base = base / 4 + 100;
    }
    let (exento, neto) = match tipo {
        34 | 110 => (base, 0),
        _ if rng.chance(120) => (rng.between(100, (base / 5).max(100)), base),
        _ => (0, base),
    };
    if neto > 0 && matches!(tipo, 33 | 43 | 56 | 61) && rng.chance(50) {
        let first = rng.below(OTHER_TAXES.len() as u64) as usize;
        let mut chosen = vec![first];
        if rng.chance(200) {
            chosen.push(
                (first + 1 + rng.below(OTHER_TAXES.len() as u64 - 1) as usize) % OTHER_TAXES.len(),
            );
        }
        for i in chosen {
            let (codigo, tasa) = OTHER_TAXES[i];
            let valor = match tasa {
                Some(_) => 0, // computed from the net by set_amounts
                None => rng.between(neto / 20, neto / 5) + 1,
            };
            doc.other_taxes.push(OtherTax {
                codigo,
                valor,
                tasa,
            });
        }
    }
    set_amounts(&mut doc, exento, neto);

    if matches!(tipo, 56 | 61) {
        let earlier = pool_index.and_then(|i| refs.last(i));
        // Without an earlier 33 of that counterpart this period, the note corrects one of
        // a previous period (a folio below this period's range).
        let folio = earlier.unwrap_or_else(|| ctx.folio_base - 1 - rng.below(900) as i64);
        doc.references.push(DocumentReference {
            tipo_dte: 33,
            folio,
        });
    }
    if tipo == 33
        && let Some(i) = pool_index
    {
        refs.record(i, folio);
    }
    doc
}

/// Acknowledgement, claim and receiver event, consistent with the state.
fn events(doc: &mut RcvDocument, rng: &mut Rng, received: NaiveDateTime) {
    let later = |rng: &mut Rng| {
        received + Duration::days(rng.between(1, 8)) + Duration::seconds(rng.between(0, 36_000))
    };
    let event = match (doc.operation, doc.state) {
        (Operation::Compra, Some(PurchaseState::Pendiente)) => None,
        (Operation::Compra, Some(PurchaseState::Reclamado)) => {
            doc.claimed_at = Some(later(rng));
            Some("R")
        }
        (Operation::Compra, Some(PurchaseState::NoIncluir)) => {
            if rng.chance(500) {
                doc.acknowledged_at = Some(later(rng));
                Some("C")
            } else {
                Some("A")
            }
        }
        (Operation::Compra, _) => match rng.below(100) {
            0..55 => {
                doc.acknowledged_at = Some(later(rng));
                Some("C")
            }
            55..90 => Some("A"),
            _ => Some("P"),
        },
        (Operation::Venta, _) => match rng.below(100) {
            0..3 => {
                doc.claimed_at = Some(later(rng));
                Some("R")
            }
            3..48 => {
                doc.acknowledged_at = Some(later(rng));
                Some("C")
            }
            48..88 => Some("A"),
            _ => None,
        },
    };
    doc.receiver_event = event.map(str::to_owned);
}

/// The boleta (39) and voucher (48) lines SII only totals: `document_count` documents each,
/// no counterpart, folio 0, named as `getResumen` names them.
fn summaries(ctx: &Context, volume: u32) -> Vec<RcvDocument> {
    let mut rng = ctx.rng(&[0x5000]);
    [(39u16, volume / 2 * 3 + 1), (48u16, volume / 3 + 1)]
        .into_iter()
        .map(|(tipo, count)| {
            let mut doc =
                RcvDocument::new(ctx.company, ctx.period, Operation::Venta, tipo, None, 0);
            doc.counterpart_name = catalog::type_name(tipo).to_owned();
            doc.document_count = count;
            let average = rng.between(3_000, 30_000);
            let gross = i64::from(count) * average;
            let exento = if tipo == 39 { gross / 20 } else { 0 };
            let taxable = gross - exento;
            let neto = (taxable * 100 + 59) / 119;
            doc.exento = exento;
            doc.neto = neto;
            doc.iva = taxable - neto;
            doc.total = gross;
            doc
        })
        .collect()
}

/// A day at `seconds` after midnight.
pub(super) fn at(day: NaiveDate, seconds: i64) -> NaiveDateTime {
    let time = NaiveTime::from_num_seconds_from_midnight_opt(seconds.clamp(0, 86_399) as u32, 0)
        .unwrap_or(NaiveTime::MIN);
    day.and_time(time)
}
