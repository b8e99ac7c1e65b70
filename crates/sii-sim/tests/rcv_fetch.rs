#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `RcvClient::fetch_register` against the real sii-sim: what the client returns is exactly
//! what the simulator's generator holds — per state and type, counts and peso totals, and
//! document by document — through the synchronous detail, the CSV export path and the
//! summary-only lines.

mod support;

use std::collections::BTreeMap;

use ofitec_domain::rcv::{Operation, PurchaseState, RcvDocument};
use ofitec_domain::{Period, Rut};
use sii_client::client::{ClientConfig, Progress};
use sii_sim::data::{self, PeriodData};
use support::{Sim, client, company, fast_config, period, valid_cert};

/// Count and peso totals of one (state, type).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Totals {
    documents: u64,
    exento: i64,
    neto: i64,
    iva: i64,
    total: i64,
}

type Key = (Option<PurchaseState>, u16);

fn totals<'a>(docs: impl IntoIterator<Item = &'a RcvDocument>) -> BTreeMap<Key, Totals> {
    let mut out: BTreeMap<Key, Totals> = BTreeMap::new();
    for doc in docs {
        let t = out.entry((doc.state, doc.tipo_dte)).or_default();
        t.documents += u64::from(doc.document_count);
        t.exento += doc.exento;
        t.neto += doc.neto;
        t.iva += doc.iva;
        t.total += doc.total;
    }
    out
}

/// What the simulator holds for the register (its own generator, same seed and volume).
fn truth(sim: &Sim, company: Rut, period: Period, operation: Operation, volume: u32) -> PeriodData {
    PeriodData::generate(sim.config.seed, company, period, operation, volume, 0)
}

/// Documents in a stable order for comparing.
fn sorted(mut docs: Vec<RcvDocument>) -> Vec<RcvDocument> {
    docs.sort_by_key(|d| (d.state.map(|s| s.as_str()), d.key()));
    docs
}

/// What each detail document looks like after the path the client takes for its (state,
/// type): the JSON detail carries other taxes only as a sum, the CSV export lacks a few
/// fields (see `sii_sim::data::{detail_view, export_view}`).
fn expected_details(data: &PeriodData, sync_limit: u32) -> Vec<RcvDocument> {
    let counts = totals(data.detail());
    data.detail()
        .iter()
        .map(|doc| {
            let n = counts[&(doc.state, doc.tipo_dte)].documents;
            if n > u64::from(sync_limit) {
                data::export_view(doc)
            } else {
                data::detail_view(doc)
            }
        })
        .collect()
}

async fn fetch_and_compare(
    sim: &Sim,
    operation: Operation,
    volume: u32,
    config: ClientConfig,
) -> (Vec<Progress>, support::Stats) {
    // The path a type takes: the detail up to the lower of our limit and SII's.
    let sync_limit = config
        .detail_sync_limit
        .min(u32::try_from(sim.config.sync_detail_limit).unwrap_or(u32::MAX));
    let c = client(sim, Some(valid_cert()), config);
    let mut progress = Vec::new();
    let fetch = c
        .rcv
        .fetch_register(company(), period(), operation, |p| progress.push(p))
        .await
        .expect("fetch");
    let data = truth(sim, company(), period(), operation, volume);
    assert!(fetch.row_errors.is_empty(), "{:?}", fetch.row_errors);
    assert_eq!(fetch.modified_at, Some(data.modified_at()));

    // Totals per (state, type), summary-only lines included.
    let got = totals(&fetch.documents);
    let want = totals(data.documents());
    assert_eq!(got, want);
    let count: u64 = want.values().map(|t| t.documents).sum();
    assert!(count >= u64::from(volume));

    // Document by document.
    let (summary, detail): (Vec<_>, Vec<_>) = fetch
        .documents
        .into_iter()
        .partition(RcvDocument::is_summary);
    assert_eq!(sorted(detail), sorted(expected_details(&data, sync_limit)));
    let summary_types: Vec<u16> = summary.iter().map(|d| d.tipo_dte).collect();
    let want_types: Vec<u16> = data.summaries().iter().map(|d| d.tipo_dte).collect();
    assert_eq!(summary_types, want_types);

    // One progress report per (state, type) with documents, with its count.
    let reported: BTreeMap<Key, u64> = progress
        .iter()
        .map(|p| ((p.state, p.tipo_dte), p.fetched))
        .collect();
    let expected: BTreeMap<Key, u64> = want
        .iter()
        .map(|(k, t)| {
            let lines = if data::SUMMARY_ONLY_TYPES.contains(&k.1) {
                1
            } else {
                t.documents
            };
            (*k, lines)
        })
        .collect();
    assert_eq!(reported, expected);
    assert_eq!(progress.len(), expected.len());
    (progress, sim.stats().await)
}

#[tokio::test]
async fn purchases_through_detail_and_export_equal_the_generator() {
    let sim = Sim::start().await;
    let volume = sim.config.volume.default;
    // A small synchronous limit sends the larger types through the CSV export.
    let config = ClientConfig {
        detail_sync_limit: 15,
        ..fast_config()
    };
    let data = truth(&sim, company(), period(), Operation::Compra, volume);
    let counts = totals(data.detail());
    let exported = counts.values().filter(|t| t.documents > 15).count() as u64;
    let detailed = counts.len() as u64 - exported;
    assert!(exported >= 1 && detailed >= 1, "both paths are exercised");

    let (_, stats) = fetch_and_compare(&sim, Operation::Compra, volume, config).await;
    // One summary per state, then one call per (state, type): nothing repeated.
    assert_eq!(stats.total("resumen"), 4);
    assert_eq!(stats.outcome("export", "ok"), exported);
    assert_eq!(stats.outcome("detalle", "ok"), detailed);
    assert_eq!(
        stats.total("detalle") + stats.total("export"),
        counts.len() as u64
    );
    assert_eq!(stats.total("token"), 1);
}

#[tokio::test]
async fn sales_with_summary_only_types_equal_the_generator() {
    let sim = Sim::start().await;
    let volume = sim.config.volume.default;
    let data = truth(&sim, company(), period(), Operation::Venta, volume);
    // Boletas (39) and vouchers (48) exist only as summary lines.
    assert_eq!(
        data.summaries()
            .iter()
            .map(|d| d.tipo_dte)
            .collect::<Vec<_>>(),
        vec![39, 48]
    );
    let (_, stats) = fetch_and_compare(&sim, Operation::Venta, volume, fast_config()).await;
    let detail_types = totals(data.detail()).len() as u64;
    assert_eq!(stats.total("resumen"), 1);
    // No detail call for the summary-only types.
    assert_eq!(stats.outcome("detalle", "ok"), detail_types);
    assert_eq!(stats.total("detalle"), detail_types);
    assert_eq!(stats.total("export"), 0);
}

#[tokio::test]
async fn a_large_period_goes_through_the_export_with_the_default_limit() {
    let sim = Sim::start().await;
    // Above the simulator's synchronous limit (400, as SII's) the detail fails; the
    // client's default limit must send such types to the export.
    let volume = 900;
    sim.set_volume(company(), period(), volume).await;
    let data = truth(&sim, company(), period(), Operation::Venta, volume);
    let largest = totals(data.detail())
        .values()
        .map(|t| t.documents)
        .max()
        .unwrap();
    assert!(largest > 400, "type 33 alone exceeds the limit ({largest})");
    let (_, stats) = fetch_and_compare(&sim, Operation::Venta, volume, fast_config()).await;
    assert_eq!(stats.outcome("export", "ok"), 1);
    assert_eq!(stats.outcome("detalle", "cod_respuesta_1_over_limit"), 0);
}

#[tokio::test]
async fn a_detail_sii_refuses_as_too_large_is_read_from_the_export() {
    // SII's synchronous limit is lower than the client's: the detail answers codRespuesta 1
    // for the larger types, and the client reads those from the export instead of failing.
    let mut config = sii_sim::Config::for_tests();
    config.sync_detail_limit = 15;
    let sim = Sim::start_with(config).await;
    let volume = sim.config.volume.default;
    let data = truth(&sim, company(), period(), Operation::Compra, volume);
    let counts = totals(data.detail());
    let refused = counts.values().filter(|t| t.documents > 15).count() as u64;
    assert!(
        refused >= 1 && refused < counts.len() as u64,
        "both paths are exercised"
    );
    let client_config = ClientConfig {
        detail_sync_limit: 1_000,
        ..fast_config()
    };
    let (_, stats) = fetch_and_compare(&sim, Operation::Compra, volume, client_config).await;
    assert!(stats.outcome("detalle", "cod_respuesta_1_over_limit") >= refused);
    assert_eq!(stats.outcome("export", "ok"), refused);
    assert_eq!(
        stats.outcome("detalle", "ok"),
        counts.len() as u64 - refused
    );
}

#[tokio::test]
async fn a_period_without_rcv_is_empty_not_an_error() {
    let sim = Sim::start().await;
    sim.set_volume(company(), period(), 0).await;
    let c = client(&sim, Some(valid_cert()), fast_config());
    for operation in [Operation::Compra, Operation::Venta] {
        let fetch = c
            .rcv
            .fetch_register(company(), period(), operation, |_| {})
            .await
            .expect("codRespuesta 3 is a normal answer");
        assert!(fetch.documents.is_empty());
        assert!(fetch.summary.is_empty());
    }
    let stats = sim.stats().await;
    assert_eq!(stats.outcome("resumen", "cod_respuesta_3"), 5);
    assert_eq!(stats.total("detalle") + stats.total("export"), 0);
}

#[tokio::test]
async fn a_loaded_register_is_served_exactly_and_foreign_documents_are_refused() {
    let sim = Sim::start().await;
    let mut first = RcvDocument::new(
        company(),
        period(),
        Operation::Venta,
        33,
        Some(Rut::parse("12345678-5").unwrap()),
        1001,
    );
    first.neto = 100_000;
    first.iva = 19_000;
    first.total = 119_000;
    let mut second = first.clone();
    second.folio = 1002;
    second.tipo_dte = 34;
    second.neto = 0;
    second.iva = 0;
    second.exento = 50_000;
    second.total = 50_000;
    let (status, answer) = sim
        .load_register(serde_json::json!({
            "company": company().to_string(),
            "period": period().to_string(),
            "operation": "venta",
            "modified_at": "02/12/2024 10:00:00",
            "documents": [first, second],
        }))
        .await;
    assert_eq!(
        (status, answer["loaded"].as_u64()),
        (200, Some(2)),
        "{answer}"
    );

    let c = client(&sim, Some(valid_cert()), fast_config());
    let fetch = c
        .rcv
        .fetch_register(company(), period(), Operation::Venta, |_| {})
        .await
        .expect("fetch");
    let mut got: Vec<(u16, i64, i64)> = fetch
        .documents
        .iter()
        .map(|d| (d.tipo_dte, d.folio, d.total))
        .collect();
    got.sort_unstable();
    assert_eq!(got, vec![(33, 1001, 119_000), (34, 1002, 50_000)]);
    assert_eq!(
        fetch.modified_at.map(|t| t.to_string()),
        Some("2024-12-02 10:00:00".to_owned())
    );

    // A document of another company is not part of this register.
    let mut foreign = RcvDocument::new(
        Rut::parse("11111111-1").unwrap(),
        period(),
        Operation::Venta,
        33,
        None,
        1,
    );
    foreign.total = 1;
    let (status, answer) = sim
        .load_register(serde_json::json!({
            "company": company().to_string(),
            "period": period().to_string(),
            "operation": "venta",
            "documents": [foreign],
        }))
        .await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (400, Some("document_invalid"))
    );
}
