//! The computation over a 200,000-document period (fetch excluded), with the shipped
//! mapping: a realistic mix of sales (facturas, notes, exports, boleta summary lines) and
//! purchases in every state and transaction type, IVA uso común included.
//! Target: under 50 ms. Run: `cargo bench -p f29-engine --bench compute` (results in
//! docs/BENCHMARKS.md).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::measurement::Measurement;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use f29_engine::domain::compute::compute;
use f29_engine::domain::context::Context;
use f29_engine::domain::decimal::Decimal;
use f29_engine::domain::inputs::Inputs;
use f29_engine::domain::mapping::Mapping;
use f29_engine::domain::options::ComputeOptions;
use f29_engine::domain::utm::UtmTable;
use f29_engine::domain::validate::validate;
use ofitec_domain::rcv::{
    DocumentReference, Operation, PurchaseState, RcvDocument, TransactionType,
};
use ofitec_domain::{Period, Rut};

const DOCUMENTS: usize = 200_000;

fn documents(n: usize) -> Vec<RcvDocument> {
    let company = Rut::parse("76123456-0").unwrap();
    let period = Period::parse("2024-11").unwrap();
    let suppliers: Vec<Rut> = (1_000_000..1_000_500)
        .map(|b| Rut::from_body(b).unwrap())
        .collect();
    let sales_tipos = [33, 33, 33, 34, 39, 48, 56, 61, 110, 46];
    let purchase_tipos = [33, 33, 33, 34, 46, 56, 61, 914, 43];
    let txs = [
        TransactionType::DelGiro,
        TransactionType::DelGiro,
        TransactionType::DelGiro,
        TransactionType::Supermercado,
        TransactionType::ActivoFijo,
        TransactionType::IvaUsoComun,
        TransactionType::SinDerechoCredito,
        TransactionType::NoIncluir,
    ];
    let states = [
        PurchaseState::Registro,
        PurchaseState::Registro,
        PurchaseState::Registro,
        PurchaseState::Registro,
        PurchaseState::Pendiente,
        PurchaseState::NoIncluir,
        PurchaseState::Reclamado,
    ];
    (0..n)
        .map(|i| {
            let sale = i % 2 == 0;
            let (op, tipo) = if sale {
                (Operation::Venta, sales_tipos[i / 2 % sales_tipos.len()])
            } else {
                (
                    Operation::Compra,
                    purchase_tipos[i / 2 % purchase_tipos.len()],
                )
            };
            let counterpart = suppliers[i % suppliers.len()];
            let mut d =
                RcvDocument::new(company, period, op, tipo, Some(counterpart), i as i64 + 1);
            let neto = 10_000 + (i as i64 * 7_919) % 9_000_000;
            let iva = neto * 19 / 100;
            d.neto = neto;
            d.iva = iva;
            d.total = neto + iva;
            if sale {
                d.transaction_type = Some(TransactionType::DelGiro);
                if tipo == 39 {
                    d.counterpart = None;
                    d.folio = 0;
                    d.document_count = 250;
                }
                if tipo == 34 || tipo == 110 {
                    d.exento = neto;
                    d.neto = 0;
                    d.iva = 0;
                }
                if tipo == 46 {
                    d.iva_retenido_total = iva;
                }
                d.anulado = i % 997 == 0;
            } else {
                let tx = txs[i / 7 % txs.len()];
                d.transaction_type = Some(tx);
                d.state = Some(states[i / 3 % states.len()]);
                match tx {
                    TransactionType::ActivoFijo => d.activo_fijo_iva = iva,
                    TransactionType::IvaUsoComun => d.iva_uso_comun = iva,
                    TransactionType::SinDerechoCredito => d.iva_no_recuperable = iva,
                    _ => {}
                }
                if tipo == 61 {
                    d.references = vec![DocumentReference {
                        tipo_dte: 33,
                        folio: i as i64 - 1,
                    }];
                }
            }
            d
        })
        .collect()
}

/// The documents, mapping, options, table and inputs every measurement computes with.
struct Fixture {
    docs: Vec<RcvDocument>,
    mapping: Mapping,
    options: ComputeOptions,
    utm: UtmTable,
    inputs: Inputs,
    period: Period,
}

fn fixture() -> Fixture {
    Fixture {
        docs: documents(DOCUMENTS),
        mapping: Mapping::default_mapping().unwrap(),
        options: ComputeOptions::default(),
        utm: UtmTable::shipped().unwrap(),
        inputs: Inputs {
            ppm_rate: Some(Decimal::parse("0.125").unwrap()),
            impuesto_unico: Some(250_000),
            honorarios_withholding: Some(13_750),
            previous_remanente: Some(1_000_000),
            ..Inputs::default()
        },
        period: Period::parse("2024-11").unwrap(),
    }
}

fn run<M: Measurement>(c: &mut Criterion<M>, group: &str, f: &Fixture) {
    let context = Context {
        period: f.period,
        mapping: &f.mapping,
        options: &f.options,
        inputs: &f.inputs,
        utm: &f.utm,
        previous: None,
        sales_history: None,
    };
    let sanity = compute(&f.docs, &context).unwrap();
    assert!(sanity.form.get(538) != 0 && sanity.form.get(537) != 0);
    assert!(sanity.unmapped.contains_key(&43));

    let mut group = c.benchmark_group(group);
    group.sample_size(30);
    group.throughput(Throughput::Elements(DOCUMENTS as u64));
    // What the service times (`f29_compute_duration_seconds`): the computation and the
    // validation of the form, the fetch from sii-gateway excluded.
    group.bench_function("200k_documents", |b| {
        b.iter(|| {
            let computation = compute(&f.docs, &context).unwrap();
            let findings = validate(
                &computation.form,
                &f.mapping,
                &f.options,
                &f.inputs,
                f.period,
                None,
            );
            (computation, findings)
        })
    });
    group.finish();
}

/// Wall-clock time (inflated on a busy shared machine by waiting for a core).
fn wall_clock(c: &mut Criterion) {
    run(c, "compute", &fixture());
}

/// Thread CPU time: the time on one core.
fn cpu_time(c: &mut Criterion<ofitec_testkit::cpu_time::ThreadCpuTime>) {
    run(c, "compute_cpu", &fixture());
}

criterion_group!(benches, wall_clock);
criterion_group! {
    name = benches_cpu;
    config = Criterion::default().with_measurement(ofitec_testkit::cpu_time::ThreadCpuTime);
    targets = cpu_time
}
criterion_main!(benches, benches_cpu);
