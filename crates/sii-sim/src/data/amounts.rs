//! Amounts that add up: IVA = round(neto × 19 %) per document, placed where the purchase type
//! says (recoverable, common use, non-recoverable, fixed assets), rated other taxes computed
//! from the net, and the total as the sum of everything charged.

use ofitec_domain::rcv::{Operation, RcvDocument, TransactionType};

/// IVA of a net amount, rounded half up to whole pesos.
pub fn iva_of(neto: i64) -> i64 {
    if neto <= 0 {
        return 0;
    }
    (neto * 19 + 50) / 100
}

/// A rated tax on a net amount, rounded to whole pesos.
pub fn rated(neto: i64, rate: f64) -> i64 {
    (neto as f64 * rate / 100.0).round() as i64
}

/// Sets exento and neto and recomputes everything that follows from them, according to the
/// document's operation, type, purchase type and other taxes (whose rates it keeps).
pub fn set_amounts(doc: &mut RcvDocument, exento: i64, neto: i64) {
    let vat = iva_of(neto);
    doc.exento = exento;
    doc.neto = neto;
    doc.iva = 0;
    doc.iva_uso_comun = 0;
    doc.iva_no_recuperable = 0;
    doc.activo_fijo_neto = 0;
    doc.activo_fijo_iva = 0;
    doc.iva_retenido_total = 0;
    match (doc.operation, doc.transaction_type) {
        (Operation::Compra, Some(TransactionType::IvaUsoComun)) => doc.iva_uso_comun = vat,
        (
            Operation::Compra,
            Some(TransactionType::SinDerechoCredito | TransactionType::NoIncluir),
        ) => doc.iva_no_recuperable = vat,
        (Operation::Compra, Some(TransactionType::ActivoFijo)) => {
            // The fixed-asset columns detail part of the document; the IVA is still
            // recoverable and counted once.
            doc.iva = vat;
            doc.activo_fijo_neto = neto;
            doc.activo_fijo_iva = vat;
        }
        _ => doc.iva = vat,
    }
    if doc.operation == Operation::Venta && doc.tipo_dte == 46 {
        // A factura de compra: the buyer retains the whole IVA.
        doc.iva_retenido_total = vat;
    }
    if doc.iva_no_recuperable == 0 {
        doc.iva_no_recuperable_code = None;
    }
    for tax in &mut doc.other_taxes {
        if let Some(rate) = tax.tasa {
            tax.valor = rated(neto, rate);
        }
    }
    let others: i64 = doc.other_taxes.iter().map(|t| t.valor).sum();
    doc.total = exento + neto + vat + others + doc.sin_derecho_credito;
}

#[cfg(test)]
mod tests {
    use super::*;
    use ofitec_domain::rcv::OtherTax;
    use ofitec_domain::{Period, Rut};

    fn doc(operation: Operation, tipo: u16, tx: TransactionType) -> RcvDocument {
        let (Ok(company), Ok(period)) = (Rut::parse("76123456-0"), Period::parse("2024-11")) else {
            panic!("fixtures")
        };
        let mut d = RcvDocument::new(company, period, operation, tipo, None, 1);
        d.transaction_type = Some(tx);
        d
    }

    #[test]
    fn iva_rounds_half_up() {
        assert_eq!(iva_of(240_169), 45_632);
        assert_eq!(iva_of(87_699), 16_663);
        assert_eq!(iva_of(50), 10); // 9.5 → 10
        assert_eq!(iva_of(0), 0);
    }

    #[test]
    fn iva_lands_where_the_purchase_type_says() {
        let mut d = doc(Operation::Compra, 33, TransactionType::IvaUsoComun);
        set_amounts(&mut d, 0, 1000);
        assert_eq!((d.iva, d.iva_uso_comun, d.total), (0, 190, 1190));
        let mut d = doc(Operation::Compra, 33, TransactionType::ActivoFijo);
        set_amounts(&mut d, 100, 1000);
        assert_eq!(
            (d.iva, d.activo_fijo_neto, d.activo_fijo_iva),
            (190, 1000, 190)
        );
        assert_eq!(d.total, 1290);
        let mut d = doc(Operation::Compra, 33, TransactionType::SinDerechoCredito);
        d.iva_no_recuperable_code = Some(2);
        set_amounts(&mut d, 0, 1000);
        assert_eq!(
            (d.iva, d.iva_no_recuperable, d.iva_no_recuperable_code),
            (0, 190, Some(2))
        );
        let mut d = doc(Operation::Venta, 46, TransactionType::DelGiro);
        d.other_taxes.push(OtherTax {
            codigo: 24,
            valor: 0,
            tasa: Some(31.5),
        });
        set_amounts(&mut d, 0, 1000);
        assert_eq!((d.iva, d.iva_retenido_total), (190, 190));
        assert_eq!(d.other_taxes[0].valor, 315);
        assert_eq!(d.total, 1000 + 190 + 315);
    }
}
