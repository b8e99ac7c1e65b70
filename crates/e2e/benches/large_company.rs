//! A large company through the API (issue 14): one company holds N documents per register in
//! one period (200,000 in all by default). sii-sim runs in this process; sii-gateway,
//! f29-engine and edge-api run as the release binaries, each in its own process, so their
//! resident memory is their own. The period is imported before any clock starts. Then,
//! through edge-api over HTTP, it prints:
//!
//! * `POST /api/f29/{company}/{period}/compute` end to end (median of 3);
//! * `GET /api/sii/summary` (median of 50);
//! * documents pages by cursor at the start, the middle and the end (median of 20 each);
//! * a full CSV export of the period (median of 3), with its size;
//! * peak resident memory (VmHWM) of edge-api, sii-gateway and f29-engine.
//!
//! ```text
//! cargo build --release --bins
//! cargo bench -p ofitec-e2e --bench large_company -- [documents_per_register] [sqlite|postgres]
//! ```
//! PostgreSQL runs need `OFITEC_TEST_POSTGRES_URL` (a server where databases may be created).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // a measuring tool

use std::time::{Duration, Instant};

use ofitec_domain::identity::Role;
use ofitec_e2e::gateway::{Sim, gateway_env, wait_batch_final};
use ofitec_proto::sii::v1 as pb;
use ofitec_proto::sii::v1::sii_gateway_client::SiiGatewayClient;
use ofitec_testkit::database::Backend;
use ofitec_testkit::process::ServiceProcess;
use ofitec_testkit::{TestDatabase, operator};

const COMPANY: &str = "76123456-0";
const PERIOD: &str = "2024-10";
const START: Duration = Duration::from_secs(60);

/// Peak resident memory of process `pid`, in MiB.
fn peak_rss_mib(process: &ServiceProcess) -> f64 {
    let pid = process.pid().as_raw();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Resets the peak so the next reading is the peak of what follows (Linux: `clear_refs` 5).
fn reset_peak(process: &ServiceProcess) {
    let pid = process.pid().as_raw();
    let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

async fn timed<F, Fut, T>(times: usize, mut run: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut samples = Vec::with_capacity(times);
    for _ in 0..times {
        let started = Instant::now();
        run().await;
        samples.push(started.elapsed());
    }
    median(samples)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let per_register: u32 = args.first().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let backend = match args.get(1).map(String::as_str) {
        Some("postgres") => Backend::Postgres,
        _ => Backend::Sqlite,
    };

    let mut sim_config = sii_sim::Config::for_tests();
    sim_config.volume.companies.insert(
        COMPANY.to_owned(),
        sii_sim::config::CompanyVolume {
            default: Some(per_register),
            periods: Default::default(),
        },
    );
    let sim = Sim::start(sim_config).await;

    let (gateway_db, f29_db) = (TestDatabase::on(backend), TestDatabase::on(backend));
    let mut env = gateway_env(&gateway_db.url_string(), &sim.base, None);
    env.push(("OFITEC__SII__TIMEOUT_S", "300".to_owned()));
    let gateway = ServiceProcess::spawn("sii-gateway", &[], &env);
    let gateway_address = gateway
        .wait_for_address("serving gRPC", "grpc", START)
        .await;
    let gateway_url = format!("http://{gateway_address}");
    let f29 = ServiceProcess::spawn(
        "f29-engine",
        &[],
        &[
            ("DATABASE_URL", f29_db.url_string()),
            ("OFITEC__GRPC__LISTEN", "127.0.0.1:0".to_owned()),
            ("OFITEC__METRICS__LISTEN", "127.0.0.1:0".to_owned()),
            ("SII_GATEWAY_URL", gateway_url.clone()),
        ],
    );
    let f29_url = format!(
        "http://{}",
        f29.wait_for_address("serving gRPC", "grpc", START).await
    );
    let edge = ServiceProcess::spawn(
        "edge-api",
        &[],
        &[
            ("OFITEC__HTTP__LISTEN", "127.0.0.1:0".to_owned()),
            (
                "OFITEC__AUTH__DEV_SECRET",
                edge_api::config::TEST_SECRET.to_owned(),
            ),
            ("OFITEC__RATE_LIMIT__PER_IP_RPS", "1000000".to_owned()),
            ("OFITEC__RATE_LIMIT__PER_IP_BURST", "1000000".to_owned()),
            (
                "OFITEC__RATE_LIMIT__PER_PRINCIPAL_RPS",
                "1000000".to_owned(),
            ),
            (
                "OFITEC__RATE_LIMIT__PER_PRINCIPAL_BURST",
                "1000000".to_owned(),
            ),
            ("SII_GATEWAY_URL", gateway_url.clone()),
            ("F29_ENGINE_URL", f29_url),
            ("BACKUP_AGENT_URL", "http://127.0.0.1:1".to_owned()),
        ],
    );
    let api = format!(
        "http://{}/api",
        edge.wait_for_address("listening", "address", START).await
    );
    let token = ofitec_e2e::token("bench", Role::Operator, &[COMPANY]);
    let http = reqwest::Client::new();

    // The period, imported before any clock starts.
    let imported = Instant::now();
    let mut client = SiiGatewayClient::connect(gateway_url)
        .await
        .expect("gateway");
    let batch = client
        .start_import(operator(pb::StartImportRequest {
            companies: vec![COMPANY.into()],
            from_period: PERIOD.into(),
            ..Default::default()
        }))
        .await
        .expect("start import")
        .into_inner()
        .batch_id;
    let jobs = wait_batch_final(&client, &batch, Duration::from_secs(1800)).await;
    let stored: u64 = jobs.iter().map(|j| j.documents_fetched).sum();
    assert!(
        jobs.iter()
            .all(|j| j.status == pb::JobStatus::Succeeded as i32),
        "{jobs:?}"
    );
    println!(
        "large_company: {stored} documents in {COMPANY} {PERIOD} ({backend:?}), imported in {:.1} s (not measured below)",
        imported.elapsed().as_secs_f64()
    );

    let get = |path: String| {
        let request = http.get(format!("{api}{path}")).bearer_auth(&token);
        async move {
            let response = request.send().await.expect("request");
            assert!(response.status().is_success(), "{}", response.status());
            response.bytes().await.expect("body")
        }
    };

    let compute = timed(3, || {
        let request = http
            .post(format!("{api}/f29/{COMPANY}/{PERIOD}/compute"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"inputs": {"ppm_rate": "0.2"}}));
        async move {
            let response = request.send().await.expect("compute");
            let status = response.status();
            let body: serde_json::Value = response.json().await.unwrap_or_default();
            assert!(status.is_success(), "{status} {body}");
            assert_eq!(body["documents"].as_u64(), Some(stored), "{body}");
        }
    })
    .await;
    println!("  POST …/compute end to end: {} (median of 3)", ms(compute));

    let summary = timed(50, || {
        get(format!("/sii/summary?company={COMPANY}&period={PERIOD}"))
    })
    .await;
    println!("  GET /api/sii/summary: {} (median of 50)", ms(summary));

    // Cursors for the middle and the last page, gathered before the clock starts.
    let page_path = |after: &str| {
        let after = if after.is_empty() {
            String::new()
        } else {
            format!("&after={after}")
        };
        format!("/sii/documents?company={COMPANY}&period={PERIOD}&limit=100{after}")
    };
    let mut cursors = Vec::new();
    let mut after = String::new();
    loop {
        let body = get(format!(
            "/sii/documents?company={COMPANY}&period={PERIOD}&limit=1000{}",
            if after.is_empty() {
                String::new()
            } else {
                format!("&after={after}")
            }
        ))
        .await;
        let page: serde_json::Value = serde_json::from_slice(&body).expect("page");
        match page["next"].as_str() {
            Some(next) => {
                cursors.push(next.to_owned());
                after = next.to_owned();
            }
            None => break,
        }
    }
    let middle = cursors[cursors.len() / 2].clone();
    let last = cursors.last().cloned().unwrap_or_default();
    for (name, cursor) in [("first", String::new()), ("middle", middle), ("last", last)] {
        let page = timed(20, || get(page_path(&cursor))).await;
        println!(
            "  GET /api/sii/documents, {name} page of 100: {} (median of 20)",
            ms(page)
        );
    }

    // The import and the compute held the period; the export's memory is measured alone.
    println!(
        "  peak resident memory after import and compute: edge-api {:.0} MiB, sii-gateway {:.0} MiB, f29-engine {:.0} MiB",
        peak_rss_mib(&edge),
        peak_rss_mib(&gateway),
        peak_rss_mib(&f29)
    );
    reset_peak(&edge);
    reset_peak(&gateway);
    let export_path = format!("/sii/documents/export?company={COMPANY}&period={PERIOD}");
    let size = get(export_path.clone()).await.len();
    let export = timed(3, || get(export_path.clone())).await;
    println!(
        "  GET /api/sii/documents/export (CSV, {:.1} MB): {} (median of 3 after one warm-up)",
        size as f64 / 1e6,
        ms(export)
    );
    println!(
        "  peak resident memory during the exports: edge-api {:.0} MiB, sii-gateway {:.0} MiB",
        peak_rss_mib(&edge),
        peak_rss_mib(&gateway),
    );
}
