//! End-to-end import of one large period (a bench binary, not criterion: one run takes
//! seconds): sii-sim in this process serves one register of N documents over HTTP; the real
//! sii-gateway binary, in its own process, fetches it (CSV export path), parses and stores it,
//! and the job succeeds. Prints wall-clock time and the worker process's peak resident memory
//! (VmHWM), which does not include sii-sim.
//!
//! ```text
//! cargo build --release -p sii-gateway
//! cargo bench -p ofitec-e2e --bench import_period -- [documents] [sqlite|postgres]
//! ```
//! PostgreSQL runs need `OFITEC_TEST_POSTGRES_URL` (a server where databases may be created).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // a measuring tool

use std::time::{Duration, Instant};

use ofitec_e2e::gateway::{Sim, gateway_env, spawn_gateway};
use ofitec_proto::sii::v1 as pb;
use ofitec_testkit::database::Backend;
use ofitec_testkit::{TestDatabase, operator};

const COMPANY: &str = "76123456-0";
const PERIOD: &str = "2024-11";

/// Peak resident memory of process `pid`, in MiB.
fn peak_rss_mib(pid: i32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let documents: u32 = args.first().and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let backend = match args.get(1).map(String::as_str) {
        Some("postgres") => Backend::Postgres,
        _ => Backend::Sqlite,
    };

    let mut sim_config = sii_sim::Config::for_tests();
    sim_config.volume.companies.insert(
        COMPANY.to_owned(),
        sii_sim::config::CompanyVolume {
            default: Some(documents),
            periods: Default::default(),
        },
    );
    let sim = Sim::start(sim_config).await;
    // Warm sii-sim's generator so the measurement is the import, not the synthetic data.
    let warm = Instant::now();
    let served = sim.served(COMPANY, PERIOD, "venta").await;
    let warm = warm.elapsed();

    let db = TestDatabase::on(backend);
    let mut env = gateway_env(&db.url_string(), &sim.base, None);
    env.push(("OFITEC__SII__TIMEOUT_S", "300".to_owned()));
    let (gateway, mut client) = spawn_gateway(&env).await;
    let idle_rss = peak_rss_mib(gateway.pid().as_raw());

    let started = Instant::now();
    let job = client
        .start_import(operator(pb::StartImportRequest {
            companies: vec![COMPANY.into()],
            from_period: PERIOD.into(),
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
    let peak = peak_rss_mib(gateway.pid().as_raw());
    assert_eq!(done.status, pb::JobStatus::Succeeded as i32, "{done:?}");
    assert_eq!((done.documents_fetched, done.total_amount), served);
    println!(
        "import_period backend={backend:?} documents={} stored={} seconds={:.2} docs_per_s={:.0} worker_peak_rss_mib={peak:.0} (idle {idle_rss:.0}; sii-sim generation before the run: {:.2} s)",
        done.documents_fetched,
        done.documents_stored,
        elapsed.as_secs_f64(),
        done.documents_fetched as f64 / elapsed.as_secs_f64(),
        warm.as_secs_f64(),
    );
}
