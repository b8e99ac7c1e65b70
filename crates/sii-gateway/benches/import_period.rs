//! End-to-end import benchmark (a bench binary, not criterion: one run is seconds long):
//! sii-sim serves one register of N documents over HTTP, the gateway fetches it (CSV export
//! path), parses and stores it, and the job succeeds. Prints wall-clock time and the peak
//! resident memory of this process (which holds sii-sim too, so it over-states the worker).
//!
//! `cargo bench -p sii-gateway --bench import_period -- [documents] [postgres-url]`
//! (default 200000 documents on SQLite in a temporary directory).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // a measuring tool

use std::time::{Duration, Instant};

use ofitec_core::db::DatabaseUrl;
use ofitec_proto::sii::v1 as pb;
use ofitec_proto::sii::v1::sii_gateway_client::SiiGatewayClient;
use ofitec_testkit::operator;

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

#[tokio::main]
async fn main() {
    // RUST_LOG=sii_gateway=debug shows where the time goes (fetch vs store).
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let documents: u32 = args.first().and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let postgres = args.get(1).cloned();

    let company = "76123456-0";
    let mut sim_config = sii_sim::Config::for_tests();
    sim_config.volume.companies.insert(
        company.to_owned(),
        sii_sim::config::CompanyVolume {
            default: Some(documents),
            periods: Default::default(),
        },
    );
    let sim = sii_sim::Application::build(sim_config)
        .await
        .expect("sii-sim");
    let sim_base = format!("http://{}", sim.address());
    tokio::spawn(sim.run_until_stopped());

    let dir = tempfile::tempdir().expect("tempdir");
    let (url, backend) = match &postgres {
        Some(url) => (DatabaseUrl::parse(url).expect("postgres URL"), "PostgreSQL"),
        None => (DatabaseUrl::Sqlite(dir.path().join("bench.db")), "SQLite"),
    };
    let certs =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../sii-client/tests/data/certs");
    let mut config = sii_gateway::Config::for_tests_against_sim(
        url,
        &sim_base,
        &certs.join("valid.p12"),
        &certs.join("password.txt"),
    );
    config.sii.timeout_s = 300;
    let gateway = sii_gateway::Application::build(config)
        .await
        .expect("gateway");
    let address = gateway.address();
    tokio::spawn(gateway.run_until_stopped());
    let mut client = SiiGatewayClient::connect(format!("http://{address}"))
        .await
        .expect("connect");

    // Warm sii-sim's generator so the measurement is the import, not the synthetic data.
    let warm = Instant::now();
    reqwest::get(format!(
        "{sim_base}/admin/documents?company={company}&period=2024-11&operation=venta"
    ))
    .await
    .expect("warm-up")
    .bytes()
    .await
    .expect("warm-up body");
    let warm = warm.elapsed();

    let started = Instant::now();
    let job = client
        .start_import(operator(pb::StartImportRequest {
            companies: vec![company.into()],
            from_period: "2024-11".into(),
            operations: vec![pb::Operation::Venta as i32],
            ..Default::default()
        }))
        .await
        .expect("start")
        .into_inner()
        .jobs
        .remove(0);
    let done = loop {
        let j = client
            .get_import(operator(pb::GetImportRequest { id: job.id.clone() }))
            .await
            .expect("get")
            .into_inner();
        if j.status != pb::JobStatus::Queued as i32 && j.status != pb::JobStatus::Running as i32 {
            break j;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let elapsed = started.elapsed();
    assert_eq!(done.status, pb::JobStatus::Succeeded as i32, "{done:?}");
    println!(
        "import_period backend={backend} documents={} stored={} seconds={:.2} docs_per_s={:.0} peak_rss_mib={:.0} (sii-sim generation before the run: {:.2} s)",
        done.documents_fetched,
        done.documents_stored,
        elapsed.as_secs_f64(),
        done.documents_fetched as f64 / elapsed.as_secs_f64(),
        peak_rss_mib(),
        warm.as_secs_f64(),
    );
}
