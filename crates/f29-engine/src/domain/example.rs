//! The worked example of docs/reference/f29.md#worked-example: five
//! documents and the inputs whose códigos the reference page states. The unit tests, the
//! integration tests and the export golden files all compute it, so it lives once, here.

use ofitec_domain::rcv::{Operation, PurchaseState, RcvDocument, TransactionType};
use ofitec_domain::{Period, Rut};

use super::decimal::Decimal;
use super::inputs::Inputs;

/// The example's documents for `company` and `period` (every counterpart is `counterpart`),
/// and its inputs.
pub fn worked_example(
    company: Rut,
    period: Period,
    counterpart: Rut,
) -> (Vec<RcvDocument>, Inputs) {
    let doc = |operation, tipo, folio, tx, neto: i64, iva: i64| {
        let mut d = RcvDocument::new(company, period, operation, tipo, Some(counterpart), folio);
        d.transaction_type = Some(tx);
        if operation == Operation::Compra {
            d.state = Some(PurchaseState::Registro);
        }
        d.neto = neto;
        d.iva = iva;
        d.total = neto + iva;
        d
    };
    let sale = |tipo, folio, neto, iva| {
        doc(
            Operation::Venta,
            tipo,
            folio,
            TransactionType::DelGiro,
            neto,
            iva,
        )
    };
    let mut fixed_asset = doc(Operation::Compra, 33, 2, TransactionType::ActivoFijo, 0, 0);
    fixed_asset.activo_fijo_neto = 200_000;
    fixed_asset.activo_fijo_iva = 38_000;
    fixed_asset.total = 238_000;
    let docs = vec![
        sale(33, 1, 20_000, 3_800),
        sale(33, 2, 10_000, 1_900),
        sale(61, 3, 10_000, 1_900),
        doc(
            Operation::Compra,
            33,
            1,
            TransactionType::DelGiro,
            50_000,
            9_500,
        ),
        fixed_asset,
    ];
    let inputs = Inputs {
        ppm_rate: Some(Decimal::new(2, 1)),
        honorarios_gross: Some(100_000),
        honorarios_rate: Some(Decimal::new(1375, 2)),
        impuesto_unico: Some(0),
        previous_remanente: Some(0),
        ..Inputs::default()
    };
    (docs, inputs)
}
