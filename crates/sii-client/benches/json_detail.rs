//! JSON detail parsing throughput: a getDetalleCompra answer of 10,000 documents with
//! SII's full field set, parsed into RcvDocument.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![recursion_limit = "256"]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use ofitec_domain::rcv::{Operation, PurchaseState};
use ofitec_domain::{Period, Rut};
use ofitec_testkit::cpu_time;
use serde_json::json;
use sii_client::rcv::request::RcvQuery;
use sii_client::rcv::response::parse_detalle;

const DOCS: usize = 10_000;

fn generate() -> Vec<u8> {
    let rows: Vec<serde_json::Value> = (0..DOCS)
        .map(|n| {
            let neto = 10_000 + (n * 7_919) % 9_000_000;
            json!({
                "dhdrCodigo": 9_000_000_000u64 + n as u64, "dcvCodigo": 12345, "detCodigo": n,
                "detTipoDoc": 33, "detRutDoc": 12345678, "detDvDoc": "5",
                "detRznSoc": "Distribuidora Peñalolén SpA", "detNroDoc": 1_000_000 + n,
                "detFchDoc": "01/11/2024", "detFecAcuse": null, "detFecReclamado": null,
                "detFecRecepcion": "02/11/2024 10:20:30", "detMntExe": 0, "detMntNeto": neto,
                "detMntActFijo": 0, "detMntIVAActFijo": 0, "detMntIVANoRec": 0, "detMntCodNoRec": null,
                "detMntSinCredito": 0, "detMntIVA": neto * 19 / 100, "detMntTotal": neto * 119 / 100,
                "detTasaImp": 19, "detAnulado": null, "detIVARetTotal": 0, "detIVARetParcial": 0,
                "detIVANoRetenido": 0, "detIVAPropio": 0, "detIVATerceros": 0, "detIVAUsoComun": 0,
                "detLiqRutEmisor": 0, "detLiqDvEmisor": null, "detLiqValComNeto": 0,
                "detLiqValComExe": 0, "detLiqValComIVA": 0, "detIVAFueraPlazo": 0,
                "detTipoDocRef": 0, "detFolioDocRef": 0, "detExpNumId": null,
                "detExpNacionalidad": null, "detCredEc": 0, "detLey18211": 0, "detDepEnvase": 0,
                "detIndSinCosto": 0, "detIndServicio": 0, "detMntNoFact": 0, "detMntPeriodo": 0,
                "detPsjNac": 0, "detPsjInt": 0, "detNumInt": null, "detCdgSIISucur": 0,
                "detEmisorNota": 0, "detTabPuros": 0, "detTabCigarrillos": 0, "detTabElaborado": 0,
                "detImpVehiculo": 0, "detTpoImp": 1, "detTipoTransaccion": 1,
                "detEventoReceptor": "A", "detEventoReceptorLeyenda": null, "cambiarTipoTran": 0,
                "detPcarga": 1, "descTipoTransaccion": "Del Giro", "totalDtoiMontoImp": 0,
                "totalDinrMontoIVANoR": 0, "dcvEstadoContab": "REGISTRO"
            })
        })
        .collect();
    json!({
        "data": rows,
        "dataCabecera": {"dcvFecModificacion": "03/12/2024 08:00:01"},
        "respEstado": {"codRespuesta": 0, "msgeRespuesta": null, "codError": null}
    })
    .to_string()
    .into_bytes()
}

/// `_cpu` for the CPU-time run, so both results are kept apart.
fn suffix<M: 'static>() -> &'static str {
    if std::any::TypeId::of::<M>() == std::any::TypeId::of::<cpu_time::ThreadCpuTime>() {
        "_cpu"
    } else {
        ""
    }
}

fn bench<M: criterion::measurement::Measurement + 'static>(c: &mut Criterion<M>) {
    let body = generate();
    let query = RcvQuery {
        company: Rut::parse("76123456-0").unwrap(),
        period: Period::parse("2024-11").unwrap(),
        operation: Operation::Compra,
        state: Some(PurchaseState::Registro),
        tipo_doc: Some(33),
    };
    let parsed = parse_detalle(&body, &query).unwrap();
    assert_eq!(parsed.items.documents.len(), DOCS);
    assert!(parsed.items.errors.is_empty());

    let mut group = c.benchmark_group(format!("rcv_json{}", suffix::<M>()));
    group.throughput(Throughput::Elements(DOCS as u64));
    group.sample_size(20);
    group.bench_function("parse_detalle_10k_docs", |b| {
        b.iter(|| {
            parse_detalle(std::hint::black_box(&body), &query)
                .unwrap()
                .items
                .documents
                .len()
        })
    });
    group.finish();
}

/// The same benchmarks measured in thread CPU time (see `ofitec_testkit::cpu_time`).
fn cpu() -> Criterion<cpu_time::ThreadCpuTime> {
    Criterion::default().with_measurement(cpu_time::ThreadCpuTime)
}

criterion_group!(benches, bench::<criterion::measurement::WallTime>);
criterion_group! {
    name = cpu_benches;
    config = cpu();
    targets = bench::<cpu_time::ThreadCpuTime>
}
criterion_main!(benches, cpu_benches);
