//! What F29 a register should give, worked out here from sii-sim's documents with plain
//! sums, straight from docs/reference/f29.md and the shipped mapping's table (one `match` arm per
//! rule), without the engine's code: facturas add their IVA, notas de crédito subtract, purchases
//! count only in REGISTRO (and a note on an invoice outside REGISTRO not at all), IVA uso
//! común is credited in the proportion of taxed sales, then the totals and the PPM.

use std::collections::{BTreeMap, BTreeSet};

use ofitec_domain::Rut;
use ofitec_domain::rcv::{PurchaseState, RcvDocument, TransactionType as T};

/// The inputs the service tests give: PPM rate 0.2 %, $100,000 of honorarios at 13.75 %,
/// no impuesto único, no previous remanente.
pub const PPM_PER_MILLE: i64 = 2;
/// 13.75 % of $100,000.
pub const HONORARIOS_WITHHELD: i64 = 13_750;

/// Expected códigos, and what the test could not place.
#[derive(Debug, Default)]
pub struct Expected {
    /// Código → value (counts for count códigos); absent means 0.
    pub codes: BTreeMap<u16, i64>,
    /// Counted purchases no rule of the mapping covers (an `unmapped_type` finding).
    pub unmapped: u64,
}

impl Expected {
    fn add(&mut self, codigo: u16, amount: i64) {
        *self.codes.entry(codigo).or_default() += amount;
    }

    /// The expected value of `codigo` (0 when nothing moved it).
    pub fn get(&self, codigo: u16) -> i64 {
        self.codes.get(&codigo).copied().unwrap_or(0)
    }
}

fn tx(d: &RcvDocument) -> T {
    // A document without a type counts as del giro (SII's default).
    d.transaction_type.unwrap_or(T::DelGiro)
}

/// `n / d` rounded half up, for non-negative `n` and positive `d`.
fn half_up(n: i128, d: i128) -> i64 {
    i64::try_from((2 * n + d) / (2 * d)).expect("fits")
}

/// The purchases that are counted: in REGISTRO, and not a note referencing an invoice of the
/// same supplier that is outside REGISTRO.
pub fn counted_purchases(compras: &[RcvDocument]) -> Vec<&RcvDocument> {
    let outside: BTreeSet<(Option<Rut>, u16, i64)> = compras
        .iter()
        .filter(|d| d.state != Some(PurchaseState::Registro))
        .map(|d| (d.counterpart, d.tipo_dte, d.folio))
        .collect();
    compras
        .iter()
        .filter(|d| d.state == Some(PurchaseState::Registro))
        .filter(|d| {
            !d.references
                .iter()
                .any(|r| outside.contains(&(d.counterpart, r.tipo_dte, r.folio)))
        })
        .collect()
}

/// Taxed and total sales of the period (the IVA uso común proportion): notes subtract,
/// exports count as taxed.
pub fn sales_split(ventas: &[RcvDocument]) -> (i64, i64) {
    let (mut taxed, mut total) = (0, 0);
    for d in ventas {
        let sign = if d.tipo_dte == 61 { -1 } else { 1 };
        let all = sign * (d.neto + d.exento);
        taxed += if d.tipo_dte == 110 {
            all
        } else {
            sign * d.neto
        };
        total += all;
    }
    (taxed, total)
}

/// The F29 of these registers with the service tests' inputs, when only this period was
/// ever imported (so the IVA uso común proportion is this period's).
pub fn f29(compras: &[RcvDocument], ventas: &[RcvDocument]) -> Expected {
    f29_with_sales(compras, ventas, sales_split(ventas))
}

/// [`f29`] with the IVA uso común proportion taken from `(taxed, total)` sales (cumulated
/// from January by the caller).
pub fn f29_with_sales(
    compras: &[RcvDocument],
    ventas: &[RcvDocument],
    (taxed, total): (i64, i64),
) -> Expected {
    let mut e = Expected::default();

    // Débitos, and the PPM base (563): sales of the business, notes subtracting.
    for d in ventas.iter().filter(|d| !d.anulado) {
        let n = i64::from(d.document_count);
        let base = d.neto + d.exento;
        match (d.tipo_dte, tx(d)) {
            (33, T::DelGiro) => {
                e.add(503, n);
                e.add(502, d.iva);
                e.add(563, base);
            }
            (33, T::BienesRaices) => {
                e.add(763, n);
                e.add(764, d.iva);
                e.add(563, base);
            }
            (33 | 56, T::ActivoFijo) => {
                e.add(716, n);
                e.add(717, d.iva);
            }
            (34, T::DelGiro | T::BienesRaices) => {
                e.add(586, n);
                e.add(142, d.exento);
                e.add(563, d.exento);
            }
            (34, T::ActivoFijo) => {
                e.add(714, n);
                e.add(715, d.exento);
            }
            (39, _) => {
                e.add(110, n);
                e.add(111, d.iva);
                e.add(563, base);
            }
            (48, _) => {
                e.add(758, n);
                e.add(759, d.iva);
                e.add(563, base);
            }
            (56, T::DelGiro | T::BienesRaices) => {
                e.add(512, n);
                e.add(513, d.iva);
                e.add(563, base);
            }
            (61, T::DelGiro | T::BienesRaices) => {
                e.add(509, n);
                e.add(510, d.iva);
                e.add(563, -base);
            }
            (61, T::ActivoFijo) => {
                e.add(733, n);
                e.add(734, d.iva);
            }
            (110, _) => {
                e.add(585, n);
                e.add(20, base);
                e.add(563, base);
            }
            (43, _) => {
                e.add(500, n);
                e.add(501, d.iva);
            }
            (46, _) => {
                e.add(563, d.neto);
                if d.iva_retenido_total != 0 {
                    e.add(515, n);
                    e.add(587, d.neto);
                }
                if d.iva_retenido_parcial != 0 {
                    e.add(516, n);
                    e.add(517, d.iva_no_retenido);
                }
            }
            other => panic!("sii-sim sold a {other:?}, which this test does not place"),
        }
    }

    // Créditos: IVA uso común is summed per código and credited once, in proportion.
    let mut uso_comun: BTreeMap<u16, i64> = BTreeMap::new();
    for d in counted_purchases(compras) {
        let n = i64::from(d.document_count);
        match (d.tipo_dte, tx(d)) {
            (33, T::DelGiro) => {
                e.add(519, n);
                e.add(520, d.iva);
                e.add(514, d.iva_no_recuperable);
            }
            (46, T::DelGiro) => {
                e.add(519, n);
                e.add(520, d.iva);
                e.add(39, d.iva - d.iva_no_retenido);
            }
            (33, T::Supermercado) => {
                e.add(761, n);
                e.add(762, d.iva);
            }
            (33, T::BienesRaices) => {
                e.add(765, n);
                e.add(766, d.iva);
            }
            (33 | 46, T::ActivoFijo) => {
                e.add(524, n);
                e.add(525, d.activo_fijo_iva);
                // docs/reference/f29.md#purchases-credits: a factura de compra the company issues
                // adds the IVA it retained to 39 (→ 596), whatever its purchase type does on the
                // credit side.
                if d.tipo_dte == 46 {
                    e.add(39, d.activo_fijo_iva - d.iva_no_retenido);
                }
            }
            (33 | 46, T::IvaUsoComun) => {
                e.add(519, n);
                *uso_comun.entry(520).or_default() += d.iva_uso_comun;
                if d.tipo_dte == 46 {
                    e.add(39, d.iva_uso_comun - d.iva_no_retenido);
                }
            }
            (33 | 46, T::SinDerechoCredito) => {
                e.add(564, n);
                e.add(521, d.neto);
                e.add(514, d.iva_no_recuperable);
                if d.tipo_dte == 46 {
                    e.add(39, d.iva_no_recuperable - d.iva_no_retenido);
                }
            }
            (34, t) if t != T::NoIncluir => {
                e.add(584, n);
                e.add(562, d.exento);
            }
            (61, T::DelGiro | T::Supermercado | T::BienesRaices) => {
                e.add(527, n);
                e.add(528, d.iva);
            }
            (61, T::ActivoFijo) => {
                e.add(527, n);
                e.add(528, d.activo_fijo_iva);
            }
            (61, T::IvaUsoComun) => {
                e.add(527, n);
                *uso_comun.entry(528).or_default() += d.iva_uso_comun;
            }
            (61, T::SinDerechoCredito) => {
                e.add(521, -d.neto);
                e.add(514, -d.iva_no_recuperable);
            }
            (56, T::DelGiro | T::Supermercado | T::BienesRaices) => {
                e.add(531, n);
                e.add(532, d.iva);
            }
            (56, T::ActivoFijo) => {
                e.add(531, n);
                e.add(532, d.activo_fijo_iva);
            }
            (56, T::IvaUsoComun) => {
                e.add(531, n);
                *uso_comun.entry(532).or_default() += d.iva_uso_comun;
            }
            (56, T::SinDerechoCredito) => {
                e.add(521, d.neto);
                e.add(514, d.iva_no_recuperable);
            }
            (914, T::DelGiro | T::Supermercado | T::BienesRaices) => {
                e.add(534, n);
                e.add(535, d.iva);
            }
            (914, T::ActivoFijo) => {
                e.add(536, n);
                e.add(553, d.activo_fijo_iva);
            }
            (914, T::SinDerechoCredito) => {
                e.add(566, n);
                e.add(560, d.neto);
            }
            (_, T::NoIncluir) => {}
            _ => e.unmapped += 1,
        }
    }
    for (codigo, sum) in uso_comun {
        e.add(
            codigo,
            half_up(i128::from(sum) * i128::from(taxed), i128::from(total)),
        );
    }

    // The chain (no previous remanente: 504 is 0).
    let debitos = [502, 764, 717, 111, 759, 513, 517, 501]
        .iter()
        .map(|&c| e.get(c))
        .sum::<i64>()
        - e.get(510)
        - e.get(734);
    let creditos = [520, 762, 766, 525, 532, 535, 553]
        .iter()
        .map(|&c| e.get(c))
        .sum::<i64>()
        - e.get(528);
    e.add(538, debitos);
    e.add(537, creditos);
    e.add(511, e.get(520) - e.get(528) + e.get(532));
    e.add(89, (debitos - creditos).max(0));
    e.add(77, (creditos - debitos).max(0));
    let ppm = half_up(i128::from(e.get(563) * PPM_PER_MILLE), 1000);
    e.add(62, ppm);
    e.add(151, HONORARIOS_WITHHELD);
    let subtotal = e.get(89) + e.get(151) + e.get(62);
    e.add(595, subtotal);
    e.add(596, e.get(39));
    e.add(547, subtotal + e.get(39));
    e.add(91, subtotal + e.get(39));
    e
}
