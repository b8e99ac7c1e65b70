//! `getResumen` rows: per document type, the count and totals of the register (of one
//! purchase state), plus the boleta and voucher lines SII only totals.

use std::collections::BTreeMap;

use ofitec_domain::rcv::{Operation, PurchaseState, RcvDocument};

use super::write::{self, json_string};
use crate::data::type_name;

/// Totals of one type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TypeTotals {
    /// Documents.
    pub count: u64,
    /// Sum of exento.
    pub exento: i64,
    /// Sum of neto.
    pub neto: i64,
    /// Sum of IVA (recoverable, for purchases).
    pub iva: i64,
    /// Sum of IVA de uso común.
    pub iva_uso_comun: i64,
    /// Sum of IVA no recuperable.
    pub iva_no_recuperable: i64,
    /// Sum of totals.
    pub total: i64,
}

/// Per-type totals of detail documents.
pub fn totals(docs: &[RcvDocument]) -> BTreeMap<u16, TypeTotals> {
    let mut out: BTreeMap<u16, TypeTotals> = BTreeMap::new();
    for doc in docs {
        let t = out.entry(doc.tipo_dte).or_default();
        t.count += u64::from(doc.document_count);
        t.exento += doc.exento;
        t.neto += doc.neto;
        t.iva += doc.iva;
        t.iva_uso_comun += doc.iva_uso_comun;
        t.iva_no_recuperable += doc.iva_no_recuperable;
        t.total += doc.total;
    }
    out
}

/// Appends the rows for `detail` (one state's documents) and `summaries` (sales only);
/// returns the number of documents they stand for (`totDocRes`).
pub fn rows(
    out: &mut String,
    operation: Operation,
    state: Option<PurchaseState>,
    detail: &[RcvDocument],
    summaries: &[RcvDocument],
) -> u64 {
    out.push('[');
    let mut first = true;
    let mut documents = 0;
    let detail_totals = totals(detail);
    let summary_totals = totals(summaries);
    for (linked, table) in [(true, &detail_totals), (false, &summary_totals)] {
        for (tipo, t) in table.iter() {
            if !first {
                out.push(',');
            }
            first = false;
            documents += t.count;
            row(out, operation, state, *tipo, t, linked);
        }
    }
    out.push(']');
    documents
}

fn row(
    out: &mut String,
    operation: Operation,
    state: Option<PurchaseState>,
    tipo: u16,
    t: &TypeTotals,
    linked: bool,
) {
    let num = |out: &mut String, name: &str, v: i64| {
        out.push('"');
        out.push_str(name);
        out.push_str("\":");
        write::int(out, v);
        out.push(',');
    };
    out.push('{');
    num(out, "rsmnCodigo", i64::from(tipo) * 10 + i64::from(linked));
    num(out, "dcvCodigo", 0);
    num(out, "rsmnTipoDocInteger", i64::from(tipo));
    out.push_str("\"dcvNombreTipoDoc\":");
    json_string(out, type_name(tipo));
    out.push(',');
    out.push_str("\"dcvOperacion\":");
    json_string(out, operation.sii_name());
    out.push(',');
    out.push_str("\"rsmnEstadoContab\":");
    match (operation, state) {
        (Operation::Compra, s) => json_string(out, s.unwrap_or(PurchaseState::Registro).as_str()),
        (Operation::Venta, _) => out.push_str("null"),
    }
    out.push(',');
    out.push_str("\"dcvTipoIngresoDoc\":");
    json_string(out, if linked { "DET_ELE" } else { "RES_ELE" });
    out.push(',');
    num(out, "rsmnTotDoc", t.count as i64);
    num(out, "rsmnMntExe", t.exento);
    num(out, "rsmnMntNeto", t.neto);
    num(out, "rsmnMntIVA", t.iva);
    num(out, "rsmnIVAUsoComun", t.iva_uso_comun);
    num(out, "rsmnMntIVANoRec", t.iva_no_recuperable);
    num(out, "rsmnMntTotal", t.total);
    out.push_str("\"rsmnTotalRutEmisor\":null,\"rsmnLink\":");
    out.push_str(if linked { "true" } else { "false" });
    out.push('}');
}
