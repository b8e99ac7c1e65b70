//! Tests of the computation: the worked example of docs/reference/f29.md#worked-example, one row
//! per mapping rule, the open points' options, and properties over random documents.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};

use ofitec_domain::rcv::{
    DocumentReference, Operation, PurchaseState, RcvDocument, TransactionType,
};
use ofitec_domain::{Period, Rut};
use proptest::prelude::*;

use super::*;
use crate::domain::accumulate::ExcludedInvoices;
use crate::domain::context::{Context, Previous, SalesSplit};
use crate::domain::decimal::{Decimal, Rounding};
use crate::domain::inputs::{Adjustment, Inputs};
use crate::domain::mapping::Mapping;
use crate::domain::options::{ComputeOptions, PpmBase};
use crate::domain::remanente::RemanenteMethod;
use crate::domain::uso_comun::FactorSource;
use crate::domain::utm::UtmTable;

fn company() -> Rut {
    Rut::parse("76123456-0").unwrap()
}

fn period() -> Period {
    Period::parse("2024-11").unwrap()
}

fn counterpart() -> Rut {
    Rut::parse("12345678-5").unwrap()
}

fn doc(op: Operation, tipo: u16, folio: i64) -> RcvDocument {
    let mut d = RcvDocument::new(company(), period(), op, tipo, Some(counterpart()), folio);
    d.transaction_type = Some(TransactionType::DelGiro);
    if op == Operation::Compra {
        d.state = Some(PurchaseState::Registro);
    }
    d
}

fn sale(tipo: u16, folio: i64, neto: i64, iva: i64) -> RcvDocument {
    let mut d = doc(Operation::Venta, tipo, folio);
    d.neto = neto;
    d.iva = iva;
    d.total = neto + iva;
    d
}

fn purchase(tipo: u16, folio: i64, tx: TransactionType, neto: i64, iva: i64) -> RcvDocument {
    let mut d = doc(Operation::Compra, tipo, folio);
    d.transaction_type = Some(tx);
    d.neto = neto;
    d.iva = iva;
    d.total = neto + iva;
    d
}

struct Setup {
    mapping: Mapping,
    options: ComputeOptions,
    inputs: Inputs,
    utm: UtmTable,
    previous: Option<Previous>,
    history: Option<SalesSplit>,
    period: Period,
}

impl Setup {
    fn new() -> Setup {
        Setup {
            mapping: Mapping::default_mapping().unwrap(),
            options: ComputeOptions::default(),
            inputs: Inputs::default(),
            utm: UtmTable::shipped().unwrap(),
            previous: None,
            history: None,
            period: period(),
        }
    }

    fn run(&self, docs: &[RcvDocument]) -> Computation {
        self.try_run(docs).unwrap()
    }

    fn try_run(&self, docs: &[RcvDocument]) -> Result<Computation, ComputeError> {
        compute(
            docs,
            &Context {
                period: self.period,
                mapping: &self.mapping,
                options: &self.options,
                inputs: &self.inputs,
                utm: &self.utm,
                previous: self.previous.clone(),
                sales_history: self.history,
            },
        )
    }
}

/// The worked example of docs/reference/f29.md#worked-example, on this file's company and period.
fn worked_example() -> (Vec<RcvDocument>, Inputs) {
    crate::domain::example::worked_example(company(), period(), counterpart())
}

#[test]
fn worked_example_gives_exactly_its_codigos() {
    let (docs, inputs) = worked_example();
    let mut setup = Setup::new();
    setup.inputs = inputs;
    let result = setup.run(&docs);
    let expected: [(u16, i64); 16] = [
        (503, 2),
        (502, 5_700),
        (509, 1),
        (510, 1_900),
        (538, 3_800),
        (519, 1),
        (520, 9_500),
        (524, 1),
        (525, 38_000),
        (537, 47_500),
        (89, 0),
        (77, 43_700),
        (151, 13_750),
        (563, 20_000),
        (62, 40),
        (91, 13_790),
    ];
    for (code, value) in expected {
        assert_eq!(
            result.form.valor(code),
            Some(Valor::Int(value)),
            "código {code}"
        );
    }
    assert_eq!(
        result.form.valor(115).map(|v| v.to_string()),
        Some("0.2".to_owned())
    );
    assert_eq!(result.form.get(595), 13_790);
    assert_eq!(result.form.get(547), 13_790);
    // Nothing else: no código the example does not explain (511 is 520 − 528 + 532).
    let others: Vec<(u16, i64)> = result
        .form
        .codes
        .iter()
        .filter(|(c, _)| {
            !expected.iter().any(|(e, _)| e == *c) && ![115, 595, 547, 511].contains(*c)
        })
        .map(|(c, v)| (*c, v.int()))
        .collect();
    assert_eq!(others, vec![], "unexpected códigos");
    assert_eq!(result.form.get(511), 9_500);
    assert!(
        crate::domain::validate::check_chain(
            &result.form,
            &setup.mapping,
            &setup.options,
            &setup.inputs
        )
        .is_empty()
    );
}

#[test]
fn worked_example_next_month_readjusts_the_remanente() {
    let mut setup = Setup::new();
    setup.period = Period::parse("2024-12").unwrap();
    setup.utm = UtmTable::parse("\"2024-12\": 65000\n\"2025-01\": 65650\n").unwrap();
    setup.inputs.remanente_method = RemanenteMethod::Exact;
    setup.previous = Some(Previous {
        remanente: 43_700,
        status: "sent".into(),
        version: 1,
    });
    let result = setup.run(&[]);
    assert_eq!(result.form.get(504), 44_137);
    assert_eq!(result.form.get(537), 44_137);
    assert_eq!(result.form.get(77), 44_137);
    let detail = result.details.remanente.expect("detail");
    assert_eq!((detail.utm_from, detail.utm_to), (65_000, 65_650));

    setup.inputs.remanente_method = RemanenteMethod::Sii;
    assert_eq!(setup.run(&[]).form.get(504), 43_986);
}

#[test]
fn remanente_from_input_and_missing_utm_is_an_error() {
    let mut setup = Setup::new();
    setup.inputs.previous_remanente = Some(2_500_000);
    setup.utm = UtmTable::parse("\"2024-11\": 43000\n\"2024-12\": 43198\n").unwrap();
    let result = setup.run(&[]);
    assert_eq!(result.form.get(504), 2_511_532);
    setup.inputs.remanente_method = RemanenteMethod::Exact;
    assert_eq!(setup.run(&[]).form.get(504), 2_511_512);

    setup.period = Period::parse("2024-12").unwrap();
    let err = setup.try_run(&[]).expect_err("2025-01 is missing");
    assert!(
        matches!(err, ComputeError::Utm(UtmError::Missing(_))),
        "{err}"
    );
    // No remanente to carry: no UTM needed.
    setup.inputs.previous_remanente = Some(0);
    assert!(setup.try_run(&[]).is_ok());
}

#[test]
fn stored_previous_wins_over_input_with_a_warning() {
    let mut setup = Setup::new();
    setup.utm = UtmTable::parse("\"2024-11\": 100\n\"2024-12\": 100\n").unwrap();
    setup.previous = Some(Previous {
        remanente: 1_000,
        status: "draft".into(),
        version: 3,
    });
    setup.inputs.previous_remanente = Some(5);
    let result = setup.run(&[]);
    assert_eq!(result.form.get(504), 1_000);
    let codes: BTreeSet<&str> = result.findings.iter().map(|f| f.code.as_str()).collect();
    assert!(codes.contains("previous_remanente_input_ignored"));
    assert!(codes.contains("previous_not_filed"));
}

#[test]
fn missing_inputs_are_warnings_naming_their_codigo() {
    let setup = Setup::new();
    let result = setup.run(&[sale(33, 1, 1_000, 190)]);
    let missing: BTreeSet<Option<u16>> = result
        .findings
        .iter()
        .filter(|f| f.code == "missing_input")
        .map(|f| f.codigo)
        .collect();
    assert_eq!(
        missing,
        BTreeSet::from([Some(115), Some(48), Some(151), Some(504)])
    );
    assert!(
        result
            .findings
            .iter()
            .all(|f| f.severity == crate::domain::form::Severity::Warning)
    );
    // Taken as 0, so the form is still complete: 595 = 89.
    assert_eq!(result.form.get(595), 190);

    let (_, inputs) = worked_example();
    let mut given = Setup::new();
    given.inputs = inputs;
    let result = given.run(&[sale(33, 1, 1_000, 190)]);
    assert!(result.findings.iter().all(|f| f.code != "missing_input"));
}

/// Nonzero values of the códigos rules move (the document side of the form).
fn moved(result: &Computation, mapping: &Mapping) -> BTreeMap<u16, i64> {
    result
        .form
        .codes
        .iter()
        .filter(|(c, v)| mapping.is_rule_target(**c) && v.int() != 0)
        .map(|(c, v)| (*c, v.int()))
        .collect()
}

/// One document of each type and state → the códigos it moves. Every rule of the default
/// mapping is exercised by at least one row (checked at the end).
#[test]
fn every_mapping_rule_moves_its_codigos() {
    use Operation::{Compra, Venta};
    use TransactionType::*;
    let tx = |mut d: RcvDocument, t: TransactionType| {
        d.transaction_type = Some(t);
        d
    };
    let exempt = |op: Operation, tipo: u16, amount: i64| {
        let mut d = doc(op, tipo, 9);
        d.exento = amount;
        d.total = amount;
        d
    };
    let summary = |tipo: u16, count: u32, neto: i64, iva: i64, exento: i64| {
        let mut d = RcvDocument::new(company(), period(), Venta, tipo, None, 0);
        d.document_count = count;
        d.neto = neto;
        d.iva = iva;
        d.exento = exento;
        d
    };
    let with = |mut d: RcvDocument, f: &dyn Fn(&mut RcvDocument)| {
        f(&mut d);
        d
    };
    let state = |d: RcvDocument, s: PurchaseState| with(d, &|d| d.state = Some(s));

    type Row = (&'static str, RcvDocument, Vec<(u16, i64)>);
    let rows: Vec<Row> = vec![
        // ---- sales ----
        (
            "factura 33 del giro",
            sale(33, 1, 1_000, 190),
            vec![(503, 1), (502, 190), (563, 1_000)],
        ),
        (
            "factura papel 30",
            sale(30, 1, 1_000, 190),
            vec![(503, 1), (502, 190), (563, 1_000)],
        ),
        (
            "factura sin tipo de venta",
            with(sale(33, 1, 1_000, 190), &|d| d.transaction_type = None),
            vec![(503, 1), (502, 190), (563, 1_000)],
        ),
        (
            "venta bien raíz",
            tx(sale(33, 1, 1_000, 190), BienesRaices),
            vec![(763, 1), (764, 190), (563, 1_000)],
        ),
        (
            "venta activo fijo",
            tx(sale(33, 1, 1_000, 190), ActivoFijo),
            vec![(716, 1), (717, 190)],
        ),
        (
            "ND activo fijo",
            tx(sale(56, 1, 1_000, 190), ActivoFijo),
            vec![(716, 1), (717, 190)],
        ),
        (
            "factura exenta 34",
            exempt(Venta, 34, 500),
            vec![(586, 1), (142, 500), (563, 500)],
        ),
        (
            "exenta activo fijo",
            tx(exempt(Venta, 34, 500), ActivoFijo),
            vec![(714, 1), (715, 500)],
        ),
        (
            "boletas exentas 41 (resumen)",
            summary(41, 10, 0, 0, 5_000),
            vec![(586, 10), (142, 5_000), (563, 5_000)],
        ),
        (
            "boletas 39 (resumen)",
            summary(39, 25, 10_000, 1_900, 0),
            vec![(110, 25), (111, 1_900), (563, 10_000)],
        ),
        (
            "comprobantes 48",
            sale(48, 1, 1_000, 190),
            vec![(758, 1), (759, 190), (563, 1_000)],
        ),
        (
            "ND emitida 56",
            sale(56, 1, 1_000, 190),
            vec![(512, 1), (513, 190), (563, 1_000)],
        ),
        (
            "NC emitida 61",
            sale(61, 1, 1_000, 190),
            vec![(509, 1), (510, 190), (563, -1_000)],
        ),
        (
            "NC activo fijo",
            tx(sale(61, 1, 1_000, 190), ActivoFijo),
            vec![(733, 1), (734, 190)],
        ),
        (
            "exportación 110",
            exempt(Venta, 110, 5_000),
            vec![(585, 1), (20, 5_000), (563, 5_000)],
        ),
        (
            "NC exportación 112",
            exempt(Venta, 112, 500),
            vec![(20, -500), (563, -500)],
        ),
        (
            "liquidación-factura 43",
            sale(43, 1, 1_000, 190),
            vec![(500, 1), (501, 190)],
        ),
        (
            "factura de compra recibida, retención total",
            with(sale(46, 1, 1_000, 190), &|d| d.iva_retenido_total = 190),
            vec![(563, 1_000), (515, 1), (587, 1_000)],
        ),
        (
            "factura de compra recibida, retención parcial",
            with(sale(46, 1, 1_000, 190), &|d| {
                d.iva_retenido_parcial = 100;
                d.iva_no_retenido = 90;
            }),
            vec![(563, 1_000), (516, 1), (517, 90)],
        ),
        (
            "factura anulada",
            with(sale(33, 1, 1_000, 190), &|d| d.anulado = true),
            vec![],
        ),
        // ---- purchases ----
        (
            "factura recibida del giro",
            purchase(33, 1, DelGiro, 1_000, 190),
            vec![(519, 1), (520, 190)],
        ),
        (
            "factura recibida sin tipo de compra",
            with(purchase(33, 1, DelGiro, 1_000, 190), &|d| {
                d.transaction_type = None
            }),
            vec![(519, 1), (520, 190)],
        ),
        (
            "factura con IVA no recuperable",
            with(purchase(33, 1, DelGiro, 1_000, 0), &|d| {
                d.iva_no_recuperable = 190
            }),
            vec![(519, 1), (514, 190)],
        ),
        (
            "factura de compra emitida 46",
            purchase(46, 1, DelGiro, 1_000, 190),
            vec![(519, 1), (520, 190), (39, 190)],
        ),
        (
            "factura de compra emitida 46, retención parcial",
            with(purchase(46, 1, DelGiro, 1_000, 190), &|d| {
                d.iva_no_retenido = 40
            }),
            vec![(519, 1), (520, 190), (39, 150)],
        ),
        (
            "factura de compra emitida 46 activo fijo",
            with(purchase(46, 1, ActivoFijo, 1_000, 190), &|d| {
                d.activo_fijo_iva = 190
            }),
            vec![(524, 1), (525, 190), (39, 190)],
        ),
        (
            "factura de compra emitida 45 (papel) activo fijo, retención parcial",
            with(purchase(45, 1, ActivoFijo, 1_000, 190), &|d| {
                d.activo_fijo_iva = 190;
                d.iva_no_retenido = 40;
            }),
            vec![(524, 1), (525, 190), (39, 150)],
        ),
        (
            "factura de compra emitida 46 con IVA uso común (factor 0.5)",
            with(purchase(46, 1, IvaUsoComun, 1_000, 0), &|d| {
                d.iva_uso_comun = 190
            }),
            vec![(519, 1), (520, 95), (39, 190)],
        ),
        (
            "factura de compra emitida 46 sin derecho a crédito",
            with(purchase(46, 1, SinDerechoCredito, 1_000, 0), &|d| {
                d.iva_no_recuperable = 190
            }),
            vec![(564, 1), (521, 1_000), (514, 190), (39, 190)],
        ),
        (
            "supermercado",
            purchase(33, 1, Supermercado, 1_000, 190),
            vec![(761, 1), (762, 190)],
        ),
        (
            "bien raíz",
            purchase(33, 1, BienesRaices, 1_000, 190),
            vec![(765, 1), (766, 190)],
        ),
        (
            "activo fijo",
            with(purchase(33, 1, ActivoFijo, 0, 0), &|d| {
                d.activo_fijo_iva = 190
            }),
            vec![(524, 1), (525, 190)],
        ),
        (
            "IVA uso común (factor 0.5)",
            with(purchase(33, 1, IvaUsoComun, 1_000, 0), &|d| {
                d.iva_uso_comun = 190
            }),
            vec![(519, 1), (520, 95)],
        ),
        (
            "sin derecho a crédito",
            with(purchase(33, 1, SinDerechoCredito, 1_000, 0), &|d| {
                d.iva_no_recuperable = 190
            }),
            vec![(564, 1), (521, 1_000), (514, 190)],
        ),
        (
            "compra exenta 34",
            exempt(Compra, 34, 500),
            vec![(584, 1), (562, 500)],
        ),
        (
            "NC recibida",
            purchase(61, 1, DelGiro, 1_000, 190),
            vec![(527, 1), (528, 190)],
        ),
        (
            "NC recibida activo fijo",
            with(purchase(61, 1, ActivoFijo, 0, 0), &|d| {
                d.activo_fijo_iva = 190
            }),
            vec![(527, 1), (528, 190)],
        ),
        (
            "NC recibida uso común",
            with(purchase(61, 1, IvaUsoComun, 0, 0), &|d| {
                d.iva_uso_comun = 190
            }),
            vec![(527, 1), (528, 95)],
        ),
        (
            "NC recibida sin derecho",
            with(purchase(61, 1, SinDerechoCredito, 100, 0), &|d| {
                d.iva_no_recuperable = 19
            }),
            vec![(521, -100), (514, -19)],
        ),
        (
            "ND recibida",
            purchase(56, 1, DelGiro, 1_000, 190),
            vec![(531, 1), (532, 190)],
        ),
        (
            "ND recibida activo fijo",
            with(purchase(56, 1, ActivoFijo, 0, 0), &|d| {
                d.activo_fijo_iva = 190
            }),
            vec![(531, 1), (532, 190)],
        ),
        (
            "ND recibida uso común",
            with(purchase(56, 1, IvaUsoComun, 0, 0), &|d| {
                d.iva_uso_comun = 190
            }),
            vec![(531, 1), (532, 95)],
        ),
        (
            "ND recibida sin derecho",
            with(purchase(56, 1, SinDerechoCredito, 100, 0), &|d| {
                d.iva_no_recuperable = 19
            }),
            vec![(521, 100), (514, 19)],
        ),
        (
            "DIN del giro",
            purchase(914, 1, DelGiro, 1_000, 190),
            vec![(534, 1), (535, 190)],
        ),
        (
            "DIN activo fijo",
            with(purchase(914, 1, ActivoFijo, 0, 0), &|d| {
                d.activo_fijo_iva = 190
            }),
            vec![(536, 1), (553, 190)],
        ),
        (
            "importación sin derecho",
            purchase(914, 1, SinDerechoCredito, 1_000, 0),
            vec![(566, 1), (560, 1_000)],
        ),
        (
            "no corresponde incluir (tipo de compra)",
            purchase(33, 1, NoIncluir, 1_000, 190),
            vec![],
        ),
        // ---- states that never count ----
        (
            "PENDIENTE",
            state(
                purchase(33, 1, DelGiro, 1_000, 190),
                PurchaseState::Pendiente,
            ),
            vec![],
        ),
        (
            "NO_INCLUIR",
            state(
                purchase(33, 1, DelGiro, 1_000, 190),
                PurchaseState::NoIncluir,
            ),
            vec![],
        ),
        (
            "RECLAMADO",
            state(
                purchase(33, 1, DelGiro, 1_000, 190),
                PurchaseState::Reclamado,
            ),
            vec![],
        ),
        (
            "unmapped tipo 43 compra",
            purchase(43, 1, DelGiro, 1_000, 190),
            vec![],
        ),
    ];

    let mut setup = Setup::new();
    setup.inputs.iva_uso_comun_factor = Some(Decimal::parse("0.5").unwrap());
    let mut exercised = BTreeSet::new();
    for (name, d, expected) in rows {
        let result = setup.run(std::slice::from_ref(&d));
        let expected: BTreeMap<u16, i64> = expected.into_iter().collect();
        assert_eq!(moved(&result, &setup.mapping), expected, "{name}");
        if let Some(slot) = setup
            .mapping
            .slot(d.operation, d.tipo_dte, d.transaction_type)
            && admit(&d, &ExcludedInvoices::default()) == Admission::Counted
        {
            exercised.extend(slot.amounts.iter().map(|a| a.rule));
            exercised.extend(slot.counts.iter().map(|c| c.rule));
            if slot.ignore {
                exercised.insert(usize::MAX);
            }
        }
        let unmapped = result.findings.iter().any(|f| f.code == "unmapped_type");
        assert_eq!(
            unmapped,
            name.starts_with("unmapped"),
            "{name}: {:?}",
            result.findings
        );
    }
    let rules = setup.mapping.yaml().matches("\n  - name:").count();
    // The ignore rule has no actions; it is exercised by the "no corresponde incluir" row.
    assert!(exercised.contains(&usize::MAX));
    assert_eq!(
        exercised.len(),
        rules,
        "every rule has a row (exercised {exercised:?})"
    );
}

#[test]
fn excluded_documents_are_reported_not_counted() {
    let setup = Setup::new();
    let mut pending = purchase(33, 7, TransactionType::DelGiro, 1_000, 190);
    pending.state = Some(PurchaseState::Pendiente);
    let mut claimed = purchase(33, 8, TransactionType::DelGiro, 1_000, 190);
    claimed.state = Some(PurchaseState::Reclamado);
    let mut note = purchase(61, 9, TransactionType::DelGiro, 1_000, 190);
    note.references = vec![DocumentReference {
        tipo_dte: 33,
        folio: 8,
    }];
    let mut stateless = purchase(33, 10, TransactionType::DelGiro, 1_000, 190);
    stateless.state = None;
    let result = setup.run(&[
        pending,
        claimed,
        note,
        stateless,
        purchase(43, 1, TransactionType::DelGiro, 1, 1),
    ]);
    assert_eq!(moved(&result, &setup.mapping), BTreeMap::new());
    let codes: Vec<&str> = result.findings.iter().map(|f| f.code.as_str()).collect();
    for expected in [
        "pending_documents",
        "note_on_excluded_invoice",
        "purchase_state_missing",
        "unmapped_type",
    ] {
        assert!(codes.contains(&expected), "{expected} in {codes:?}");
    }
    assert_eq!(result.unmapped, BTreeMap::from([(43, 1)]));
    assert_eq!(result.documents, 5);
    // The groups keep every fetched document, counted or not, for the reconciliation.
    assert_eq!(
        result
            .details
            .groups
            .iter()
            .map(|g| g.documents)
            .sum::<u64>(),
        5
    );
}

/// SII's CSV export has no references: a counted note from a supplier with an invoice
/// outside REGISTRO may be one SII leaves out, so it is flagged.
#[test]
fn unreferenced_notes_of_a_supplier_with_excluded_purchases_are_flagged() {
    let setup = Setup::new();
    let flagged = |docs: &[RcvDocument]| -> Vec<String> {
        setup
            .run(docs)
            .findings
            .into_iter()
            .filter(|f| f.code == "note_references_unknown")
            .map(|f| f.message)
            .collect()
    };
    let mut pending = purchase(33, 7, TransactionType::DelGiro, 1_000, 190);
    pending.state = Some(PurchaseState::Pendiente);
    let note = purchase(61, 9, TransactionType::DelGiro, 1_000, 190);
    let debit = purchase(56, 10, TransactionType::DelGiro, 100, 19);
    let mut other_supplier = purchase(61, 11, TransactionType::DelGiro, 1_000, 190);
    other_supplier.counterpart = Some(Rut::parse("96543210-8").unwrap());
    let mut referenced = purchase(61, 12, TransactionType::DelGiro, 1_000, 190);
    referenced.references = vec![DocumentReference {
        tipo_dte: 33,
        folio: 1,
    }];
    let invoice = purchase(33, 1, TransactionType::DelGiro, 5_000, 950);

    let messages = flagged(&[
        note.clone(),
        debit.clone(),
        other_supplier.clone(),
        referenced.clone(),
        invoice.clone(),
        pending.clone(),
    ]);
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].starts_with("2 purchase note(s)")
            && messages[0].contains("56/10/12345678-5, 61/9/12345678-5"),
        "{messages:?}"
    );
    // Still counted: the warning asks for a check, it does not guess.
    let result = setup.run(&[note.clone(), pending.clone()]);
    assert_eq!(result.form.get(528), 190);
    // Without purchases outside REGISTRO, or for another supplier, nothing to say.
    assert!(flagged(&[note.clone(), debit, invoice]).is_empty());
    assert!(flagged(&[other_supplier, referenced, pending.clone()]).is_empty());
    // A sales note is not a purchase note.
    assert!(flagged(&[sale(61, 9, 1_000, 190), pending]).is_empty());
}

#[test]
fn uso_comun_factor_sources_and_non_credited_codigo() {
    let mut uso = purchase(33, 1, TransactionType::IvaUsoComun, 1_000, 0);
    uso.iva_uso_comun = 1_000;
    let taxed = sale(33, 1, 3_000, 570);
    let mut exempt = doc(Operation::Venta, 34, 2);
    exempt.exento = 1_000;
    let docs = vec![uso, taxed, exempt];

    // This period only: 3,000 / 4,000 = 0.75, with a warning.
    let mut setup = Setup::new();
    let result = setup.run(&docs);
    assert_eq!(result.form.get(520), 750);
    assert!(
        result
            .findings
            .iter()
            .any(|f| f.code == "uso_comun_factor_monthly")
    );

    // Cumulative from January (given by the service from stored sales).
    setup.history = Some(SalesSplit { taxed: 1, total: 3 });
    let result = setup.run(&docs);
    assert_eq!(result.form.get(520), 333);
    let detail = result.details.uso_comun.clone().expect("detail");
    assert_eq!(
        (detail.source, detail.credited, detail.non_credited),
        (FactorSource::Cumulative, 333, 667)
    );

    // Rounded factor, and the non-credited part reported in 514.
    setup.options.uso_comun_factor_decimals = Some(2);
    setup.options.uso_comun_non_credited_codigo = Some(514);
    let result = setup.run(&docs);
    assert_eq!((result.form.get(520), result.form.get(514)), (330, 670));

    // Given factor wins.
    setup.inputs.iva_uso_comun_factor = Some(Decimal::parse("0.6").unwrap());
    assert_eq!(setup.run(&docs).form.get(520), 600);

    setup.options.uso_comun_non_credited_codigo = Some(538);
    assert!(matches!(
        setup.try_run(&docs),
        Err(ComputeError::NonCreditedCodigo(538))
    ));
}

#[test]
fn ppm_options() {
    let mut setup = Setup::new();
    setup.inputs.ppm_rate = Some(Decimal::parse("0.125").unwrap());
    let mut boleta = RcvDocument::new(company(), period(), Operation::Venta, 39, None, 0);
    boleta.neto = 10_004;
    boleta.iva = 1_900;
    let docs = vec![sale(33, 1, 30_000, 5_700), boleta];
    // Mapping base: 30,000 + 10,004 = 40,004; × 0.125 % = 50.005 → 50.
    let result = setup.run(&docs);
    assert_eq!((result.form.get(563), result.form.get(62)), (40_004, 50));
    // SII's proposal base: (5,700 + 1,900) / 0.19 = 40,000.
    setup.options.ppm_base = PpmBase::SiiProposal;
    let result = setup.run(&docs);
    assert_eq!((result.form.get(563), result.form.get(62)), (40_000, 50));
    // Rounding: 40,400 × 0.125 % = 50.5.
    setup.options.ppm_base = PpmBase::Mapping;
    setup.inputs.adjustments = vec![Adjustment {
        codigo: 563,
        delta: 396,
        reason: "ingreso no facturado".into(),
    }];
    assert_eq!(setup.run(&docs).form.get(62), 51);
    setup.options.ppm_rounding = Rounding::Truncate;
    assert_eq!(setup.run(&docs).form.get(62), 50);
    // Credit 68 lowers 62, never below 0.
    setup.inputs.ppm_credit = 80;
    assert_eq!(setup.run(&docs).form.get(62), 0);
}

#[test]
fn credito_511_option_and_adjustments() {
    let mut setup = Setup::new();
    let mut fixed = purchase(33, 2, TransactionType::ActivoFijo, 0, 0);
    fixed.activo_fijo_iva = 1_000;
    let docs = vec![purchase(33, 1, TransactionType::DelGiro, 1_000, 190), fixed];
    assert_eq!(setup.run(&docs).form.get(511), 190);
    setup.options.credito_511_includes_525_762 = true;
    assert_eq!(setup.run(&docs).form.get(511), 1_190);

    setup.inputs.adjustments = vec![Adjustment {
        codigo: 520,
        delta: 10,
        reason: "factura en papel".into(),
    }];
    let result = setup.run(&docs);
    assert_eq!((result.form.get(520), result.form.get(537)), (200, 1_200));
    setup.inputs.adjustments[0].codigo = 537;
    assert!(matches!(setup.try_run(&docs), Err(ComputeError::Input(_))));
}

/// Every input at the bound `Inputs::check` allows, on top of documents: the sums stay far
/// from `i64::MAX`, so nothing overflows (a debug build would panic).
#[test]
fn inputs_at_their_bound_never_overflow() {
    use crate::domain::inputs::MAX_PESOS;
    let mut setup = Setup::new();
    setup.utm = UtmTable::parse("\"2024-11\": 100\n\"2024-12\": 100\n").unwrap();
    let free: Vec<u16> = setup
        .mapping
        .codigos()
        .iter()
        .filter(|(c, d)| {
            d.kind == crate::domain::mapping::Kind::Amount
                && !setup.mapping.is_derived(**c)
                && !setup.mapping.is_rule_target(**c)
                && ![563, 115, 68, 48, 151, 504].contains(*c)
        })
        .map(|(c, _)| *c)
        .collect();
    let adjustable: Vec<u16> = setup
        .mapping
        .codigos()
        .iter()
        .filter(|(c, d)| {
            d.kind != crate::domain::mapping::Kind::Rate && !setup.mapping.is_derived(**c)
        })
        .map(|(c, _)| *c)
        .collect();
    setup.inputs = Inputs {
        ppm_rate: Some(Decimal::parse("100").unwrap()),
        ppm_credit: 0,
        impuesto_unico: Some(MAX_PESOS),
        honorarios_gross: Some(MAX_PESOS),
        honorarios_rate: Some(Decimal::parse("100").unwrap()),
        other: free.iter().map(|&c| (c, MAX_PESOS)).collect(),
        previous_remanente: Some(MAX_PESOS),
        adjustments: adjustable
            .iter()
            .map(|&c| Adjustment {
                codigo: c,
                delta: MAX_PESOS,
                reason: "bound".into(),
            })
            .collect(),
        ..Inputs::default()
    };
    assert!(free.len() > 20 && adjustable.len() > 60);
    let docs = vec![
        sale(33, 1, 1_000, 190),
        purchase(33, 1, TransactionType::DelGiro, 1_000, 190),
    ];
    let result = setup.run(&docs);
    assert!(result.form.get(91) > MAX_PESOS);
    // And with every sign reversed where the form allows it.
    for a in &mut setup.inputs.adjustments {
        a.delta = -MAX_PESOS;
    }
    assert!(setup.try_run(&docs).is_ok());
}

// ---- properties ----

fn arb_doc() -> impl Strategy<Value = RcvDocument> {
    let sales = prop::sample::select(vec![33_u16, 30, 34, 39, 41, 48, 56, 61, 110, 112, 43, 46]);
    let purchases = prop::sample::select(vec![33_u16, 30, 34, 46, 56, 61, 914]);
    let txs = prop::sample::select(vec![
        TransactionType::DelGiro,
        TransactionType::Supermercado,
        TransactionType::BienesRaices,
        TransactionType::ActivoFijo,
        TransactionType::IvaUsoComun,
        TransactionType::SinDerechoCredito,
    ]);
    (
        prop::bool::ANY,
        sales,
        purchases,
        txs,
        0_i64..5_000_000,
        0_i64..1_000_000,
        0_i64..500_000,
        1_u32..4,
        1_i64..1_000_000,
    )
        .prop_map(|(is_sale, st, pt, tx, neto, iva, exento, count, folio)| {
            let (op, tipo) = if is_sale {
                (Operation::Venta, st)
            } else {
                (Operation::Compra, pt)
            };
            let mut d = doc(op, tipo, folio);
            d.transaction_type = Some(tx);
            d.neto = neto;
            d.iva = iva;
            d.exento = exento;
            d.activo_fijo_iva = if tx == TransactionType::ActivoFijo {
                iva
            } else {
                0
            };
            d.iva_uso_comun = if tx == TransactionType::IvaUsoComun {
                iva
            } else {
                0
            };
            d.iva_no_recuperable = if tx == TransactionType::SinDerechoCredito {
                iva
            } else {
                0
            };
            d.total = neto + iva + exento;
            if op == Operation::Venta && tipo == 39 {
                d.counterpart = None;
                d.folio = 0;
                d.document_count = count;
            }
            d
        })
}

/// A period as SII has it: purchases in every register state, and purchase notes (56, 61)
/// that reference invoices of the same period — some in REGISTRO, some excluded (so the
/// note is deferred and left out), some of another supplier (so the reference misses).
fn arb_period(max: usize) -> impl Strategy<Value = Vec<RcvDocument>> {
    let states = prop::sample::select(vec![
        PurchaseState::Registro,
        PurchaseState::Registro,
        PurchaseState::Registro,
        PurchaseState::Pendiente,
        PurchaseState::Reclamado,
        PurchaseState::NoIncluir,
    ]);
    prop::collection::vec(
        (
            arb_doc(),
            states,
            prop::bool::ANY,
            prop::collection::vec(any::<prop::sample::Index>(), 0..3),
        ),
        0..max,
    )
    .prop_map(|rows| {
        let other_supplier = Rut::parse("96543210-8").unwrap();
        let mut docs: Vec<RcvDocument> = Vec::with_capacity(rows.len());
        let mut picks = Vec::with_capacity(rows.len());
        for (mut d, state, other, refs) in rows {
            if d.operation == Operation::Compra {
                d.state = Some(state);
                if other {
                    d.counterpart = Some(other_supplier);
                }
            }
            docs.push(d);
            picks.push(refs);
        }
        let invoices: Vec<(Option<Rut>, u16, i64)> = docs
            .iter()
            .filter(|d| d.operation == Operation::Compra && matches!(d.tipo_dte, 33 | 30 | 46))
            .map(|d| (d.counterpart, d.tipo_dte, d.folio))
            .collect();
        if invoices.is_empty() {
            return docs;
        }
        for (d, refs) in docs.iter_mut().zip(picks) {
            if !matches!(d.tipo_dte, 56 | 61) {
                continue;
            }
            // Sales notes carry references too; only purchase notes are judged by them.
            d.references = refs
                .iter()
                .map(|i| {
                    let (_, tipo_dte, folio) = invoices[i.index(invoices.len())];
                    DocumentReference { tipo_dte, folio }
                })
                .collect();
        }
        docs
    })
}

fn property_setup() -> Setup {
    let mut setup = Setup::new();
    setup.inputs.ppm_rate = Some(Decimal::parse("0.25").unwrap());
    setup.inputs.iva_uso_comun_factor = Some(Decimal::parse("0.7").unwrap());
    setup
}

/// The period generator reaches what the order property is about: purchase notes left out
/// because they reference an excluded invoice, and notes with references that still count.
#[test]
fn the_period_generator_defers_notes_on_excluded_invoices() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = arb_period(60);
    let (mut left_out, mut counted_with_references) = (0, 0);
    for _ in 0..64 {
        let docs = strategy.new_tree(&mut runner).unwrap().current();
        let excluded = excluded_invoices(&docs);
        for d in docs.iter().filter(|d| !d.references.is_empty()) {
            match admit(d, &excluded) {
                Admission::ReferencesExcluded => left_out += 1,
                Admission::Counted if d.operation == Operation::Compra => {
                    counted_with_references += 1;
                }
                _ => {}
            }
        }
    }
    assert!(left_out >= 10, "{left_out} notes left out by reference");
    assert!(
        counted_with_references >= 10,
        "{counted_with_references} counted notes with references"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn debitos_minus_creditos_is_89_minus_77(docs in arb_period(60)) {
        let setup = property_setup();
        let f = setup.run(&docs).form;
        prop_assert_eq!(f.get(538) - f.get(537), f.get(89) - f.get(77));
        prop_assert!(f.get(89) == 0 || f.get(77) == 0);
    }

    #[test]
    fn order_of_documents_does_not_matter(
        docs in arb_period(60),
        seed in any::<u64>(),
    ) {
        let setup = property_setup();
        let a = setup.run(&docs);
        let mut shuffled = docs.clone();
        // A deterministic shuffle from the seed (Fisher-Yates with an LCG).
        let mut state = seed;
        for i in (1..shuffled.len()).rev() {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let j = (state >> 33) as usize % (i + 1);
            shuffled.swap(i, j);
        }
        let b = setup.run(&shuffled);
        prop_assert_eq!(a, b);
    }

    #[test]
    fn a_credit_note_lowers_the_matching_total_by_its_iva(
        docs in prop::collection::vec(arb_doc(), 0..40),
        iva in 1_i64..1_000_000,
        is_sale in prop::bool::ANY,
    ) {
        let setup = property_setup();
        let before = setup.run(&docs).form;
        let note = if is_sale {
            sale(61, 2_000_000, iva * 5, iva)
        } else {
            purchase(61, 2_000_000, TransactionType::DelGiro, iva * 5, iva)
        };
        let mut more = docs.clone();
        more.push(note);
        let after = setup.run(&more).form;
        if is_sale {
            prop_assert_eq!(after.get(510), before.get(510) + iva);
            prop_assert_eq!(after.get(538), before.get(538) - iva);
        } else {
            prop_assert_eq!(after.get(528), before.get(528) + iva);
            prop_assert_eq!(after.get(537), before.get(537) - iva);
        }
    }

    #[test]
    fn excluded_states_never_change_a_codigo(
        docs in prop::collection::vec(arb_doc(), 0..40),
        extra in prop::collection::vec((arb_doc(), 0_u8..4), 1..20),
    ) {
        let setup = property_setup();
        let before = setup.run(&docs).form;
        let mut more = docs.clone();
        for (mut d, kind) in extra {
            match kind {
                0 => { d.operation = Operation::Compra; d.state = Some(PurchaseState::Pendiente); }
                1 => { d.operation = Operation::Compra; d.state = Some(PurchaseState::NoIncluir); }
                2 => { d.operation = Operation::Compra; d.state = Some(PurchaseState::Reclamado); }
                _ => { d.operation = Operation::Venta; d.state = None; d.anulado = true; }
            }
            more.push(d);
        }
        let after = setup.run(&more).form;
        prop_assert_eq!(before, after);
    }
}
