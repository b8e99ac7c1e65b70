//! The export methods' CSV lines (docs/reference/sii.md#csv-layouts): the exact header of each
//! layout, `;` separators, one trailing `;` on data rows, zero amounts written as SII writes them,
//! and each further other tax on a continuation row (empty Nro, reception and total).

use ofitec_domain::rcv::{Operation, PurchaseState, RcvDocument, TransactionType};

use super::served_name;
use super::write;

/// The layouts, as SII names their columns.
const COMPRA_HEAD: &str =
    "Nro;Tipo Doc;Tipo Compra;RUT Proveedor;Razon Social;Folio;Fecha Docto;Fecha Recepcion";
const COMPRA_AMOUNTS: &str = "Monto Exento;Monto Neto;Monto IVA Recuperable;Monto Iva No Recuperable;Codigo IVA No Rec.;Monto Total;Monto Neto Activo Fijo;IVA Activo Fijo;IVA uso Comun;Impto. Sin Derecho a Credito;IVA No Retenido";
const TABACOS: &str = "Tabacos Puros;Tabacos Cigarrillos;Tabacos Elaborados";
const COMPRA_TAIL: &str =
    "NCE o NDE sobre Fact. de Compra;Codigo Otro Impuesto;Valor Otro Impuesto;Tasa Otro Impuesto";
const VENTA: &str = "Nro;Tipo Doc;Tipo Venta;Rut cliente;Razon Social;Folio;Fecha Docto;Fecha Recepcion;Fecha Acuse Recibo;Fecha Reclamo;Monto Exento;Monto Neto;Monto IVA;Monto total;IVA Retenido Total;IVA Retenido Parcial;IVA no retenido;IVA propio;IVA Terceros;RUT Emisor Liquid. Factura;Neto Comision Liquid. Factura;Exento Comision Liquid. Factura;IVA Comision Liquid. Factura;IVA fuera de plazo;Tipo Docto. Referencia;Folio Docto. Referencia;Num. Ident. Receptor Extranjero;Nacionalidad Receptor Extranjero;Credito empresa constructora;Impto. Zona Franca (Ley 18211);Garantia Dep. Envases;Indicador Venta sin Costo;Indicador Servicio Periodico;Monto No facturable;Total Monto Periodo;Venta Pasajes Transporte Nacional;Venta Pasajes Transporte Internacional;Numero Interno;Codigo Sucursal;NCE o NDE sobre Fact. de Compra;Codigo Otro Imp.;Valor Otro Imp.;Tasa Otro Imp.";

/// The header row of a register and state (no trailing `;`, as SII writes it).
pub fn header(operation: Operation, state: Option<PurchaseState>) -> String {
    match (operation, state) {
        (Operation::Venta, _) => VENTA.to_owned(),
        (Operation::Compra, None | Some(PurchaseState::Registro)) => {
            format!("{COMPRA_HEAD};Fecha Acuse;{COMPRA_AMOUNTS};{TABACOS};{COMPRA_TAIL}")
        }
        (Operation::Compra, Some(PurchaseState::NoIncluir)) => {
            format!("{COMPRA_HEAD};Fecha Acuse;{COMPRA_AMOUNTS};{COMPRA_TAIL}")
        }
        (Operation::Compra, Some(PurchaseState::Reclamado)) => {
            format!("{COMPRA_HEAD};Fecha Reclamo;{COMPRA_AMOUNTS};{COMPRA_TAIL}")
        }
        (Operation::Compra, Some(PurchaseState::Pendiente)) => {
            format!("{COMPRA_HEAD};{COMPRA_AMOUNTS};{COMPRA_TAIL}")
        }
    }
}

/// "Tipo Compra" / "Tipo Venta" text.
pub fn transaction_text(tx: Option<TransactionType>) -> &'static str {
    match tx {
        None | Some(TransactionType::DelGiro) => "Del Giro",
        Some(TransactionType::Supermercado) => "Supermercados",
        Some(TransactionType::BienesRaices) => "Bienes Raíces",
        Some(TransactionType::ActivoFijo) => "Activo Fijo",
        Some(TransactionType::IvaUsoComun) => "IVA Uso Común",
        Some(TransactionType::SinDerechoCredito) => "IVA no Recuperable",
        Some(TransactionType::NoIncluir) => "No Corresp. Incluir",
    }
}

/// Calls `line` with each CSV line (header first) of `docs`, all of one register and state.
pub fn lines(
    operation: Operation,
    state: Option<PurchaseState>,
    docs: &[RcvDocument],
    mut line: impl FnMut(&str),
) {
    line(&header(operation, state));
    let mut buf = String::with_capacity(512);
    for (i, doc) in docs.iter().enumerate() {
        let nro = i as i64 + 1;
        buf.clear();
        match operation {
            Operation::Compra => compra(&mut buf, state, doc, Some(nro), 0),
            Operation::Venta => venta(&mut buf, doc, Some(nro), 0),
        }
        line(&buf);
        for extra in 1..doc.other_taxes.len() {
            buf.clear();
            match operation {
                Operation::Compra => compra(&mut buf, state, doc, None, extra),
                Operation::Venta => venta(&mut buf, doc, None, extra),
            }
            line(&buf);
        }
    }
}

/// The identifying fields every row (and continuation row) starts with.
fn identity(out: &mut String, doc: &RcvDocument, nro: Option<i64>) {
    if let Some(n) = nro {
        write::int(out, n);
    }
    out.push(';');
    write::int(out, i64::from(doc.tipo_dte));
    out.push(';');
    out.push_str(transaction_text(doc.transaction_type));
    out.push(';');
    if let Some(rut) = doc.counterpart {
        write::int(out, i64::from(rut.body()));
        out.push('-');
        out.push(rut.dv());
    }
    out.push(';');
    served_name(out, doc, false);
    out.push(';');
    write::int(out, doc.folio);
    out.push(';');
    if let Some(day) = doc.issued_on {
        write::date(out, day);
    }
    out.push(';');
}

fn datetime(out: &mut String, at: Option<chrono::NaiveDateTime>) {
    if let Some(at) = at {
        write::datetime(out, at);
    }
    out.push(';');
}

fn tax(out: &mut String, doc: &RcvDocument, index: usize) {
    match doc.other_taxes.get(index) {
        Some(t) => {
            write::int(out, i64::from(t.codigo));
            out.push(';');
            write::int(out, t.valor);
            out.push(';');
            if let Some(rate) = t.tasa {
                write::rate(out, rate);
            }
            out.push(';');
        }
        None => out.push_str(";;;"),
    }
}

/// A purchase row: `nro` is `None` on a continuation row carrying other tax `tax_index`.
fn compra(
    out: &mut String,
    state: Option<PurchaseState>,
    doc: &RcvDocument,
    nro: Option<i64>,
    tax_index: usize,
) {
    identity(out, doc, nro);
    let registro = matches!(state, None | Some(PurchaseState::Registro));
    let second_date = match state {
        Some(PurchaseState::Pendiente) => None,
        Some(PurchaseState::Reclamado) => Some(doc.claimed_at),
        _ => Some(doc.acknowledged_at),
    };
    if nro.is_none() {
        // Continuation: reception, the second date and every amount empty.
        out.push(';');
        if second_date.is_some() {
            out.push(';');
        }
        out.push_str(";;;;;;;;;;;");
        if registro {
            out.push_str(";;;");
        }
        out.push(';');
        tax(out, doc, tax_index);
        return;
    }
    datetime(out, doc.received_at);
    if let Some(at) = second_date {
        datetime(out, at);
    }
    write::int(out, doc.exento);
    out.push(';');
    write::int(out, doc.neto);
    out.push(';');
    write::int_or_empty(out, doc.iva);
    out.push(';');
    write::int_or_empty(out, doc.iva_no_recuperable);
    out.push(';');
    if let Some(code) = doc.iva_no_recuperable_code {
        write::int(out, i64::from(code));
    }
    out.push(';');
    write::int(out, doc.total);
    out.push(';');
    write::int_or_empty(out, doc.activo_fijo_neto);
    out.push(';');
    write::int_or_empty(out, doc.activo_fijo_iva);
    out.push(';');
    write::int_or_empty(out, doc.iva_uso_comun);
    out.push(';');
    write::int_or_empty(out, doc.sin_derecho_credito);
    out.push(';');
    write::int(out, doc.iva_no_retenido);
    out.push(';');
    if registro {
        // Tabacos Puros, Cigarrillos, Elaborados.
        out.push_str(";;;");
    }
    // NCE o NDE sobre Fact. de Compra.
    out.push_str("0;");
    tax(out, doc, 0);
}

/// A sale row (43 columns and the trailing `;`).
fn venta(out: &mut String, doc: &RcvDocument, nro: Option<i64>, tax_index: usize) {
    identity(out, doc, nro);
    if nro.is_none() {
        // Reception, acknowledgement, claim, and the 30 columns up to the tax code empty.
        out.push_str(";;;");
        out.push_str(&";".repeat(30));
        tax(out, doc, tax_index);
        return;
    }
    datetime(out, doc.received_at);
    datetime(out, doc.acknowledged_at);
    datetime(out, doc.claimed_at);
    for amount in [
        doc.exento,
        doc.neto,
        doc.iva,
        doc.total,
        doc.iva_retenido_total,
        doc.iva_retenido_parcial,
        doc.iva_no_retenido,
    ] {
        write::int(out, amount);
        out.push(';');
    }
    // IVA propio, IVA terceros, RUT emisor liquidación, commissions, IVA fuera de plazo.
    out.push_str("0;0;-;0;0;0;0;");
    match doc.references.first() {
        Some(first) => {
            write::int(out, i64::from(first.tipo_dte));
            out.push(';');
            for (i, r) in doc.references.iter().enumerate() {
                if i > 0 {
                    out.push('-');
                }
                write::int(out, r.folio);
            }
            out.push(';');
        }
        None => out.push_str(";;"),
    }
    if doc.tipo_dte == 110 {
        // Foreign receiver's id and nationality (225: China in SII's country table).
        out.push_str("EXT");
        write::int(out, doc.folio % 100_000);
        out.push_str(";225;");
    } else {
        out.push_str(";;");
    }
    // Crédito constructora, zona franca, envases, sin costo, periódico, no facturable,
    // total periodo, pasajes nac./int., número interno, sucursal, NCE/NDE.
    out.push_str("0;;0;2;0;0;0;;;;0;;");
    tax(out, doc, 0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_have_sii_column_counts() {
        let count = |h: String| h.split(';').count();
        assert_eq!(
            count(header(Operation::Compra, Some(PurchaseState::Registro))),
            27
        );
        assert_eq!(
            count(header(Operation::Compra, Some(PurchaseState::NoIncluir))),
            24
        );
        assert_eq!(
            count(header(Operation::Compra, Some(PurchaseState::Reclamado))),
            24
        );
        assert_eq!(
            count(header(Operation::Compra, Some(PurchaseState::Pendiente))),
            23
        );
        assert_eq!(count(header(Operation::Venta, None)), 43);
    }
}
