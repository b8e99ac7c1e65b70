//! Bulk import throughput in jobs per second with 1, 2 and 4 sii-gateway worker processes
//! (the real binary) sharing one RabbitMQ queue and one PostgreSQL database; sii-sim in this
//! process serves small registers, so the measure is the job machinery (queue, claims,
//! events, storage), not SII. SII pacing is raised for the run: against the real SII the
//! configured `sii.requests_per_second` is the bound, not this.
//!
//! ```text
//! cargo build --release -p sii-gateway
//! OFITEC_TEST_POSTGRES_URL=… OFITEC_TEST_AMQP_URL=… \
//!   cargo bench -p ofitec-e2e --bench bulk_throughput -- [companies] [documents per register] [processes,…]
//! ```
//! Defaults: 20 companies × 12 months × 2 registers (480 jobs), 20 documents each, 1,2,4.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // a measuring tool

use std::time::{Duration, Instant};

use ofitec_domain::Rut;
use ofitec_e2e::gateway::{
    Sim, gateway_env, spawn_gateway, test_amqp_url, unique_prefix, wait_batch_final,
};
use ofitec_proto::sii::v1 as pb;
use ofitec_testkit::database::Backend;
use ofitec_testkit::{TestDatabase, operator};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let companies: u32 = args.first().and_then(|a| a.parse().ok()).unwrap_or(20);
    let documents: u32 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(20);
    let processes: Vec<usize> = args
        .get(2)
        .map(|a| a.split(',').filter_map(|n| n.parse().ok()).collect())
        .unwrap_or_else(|| vec![1, 2, 4]);

    let mut config = sii_sim::Config::for_tests();
    config.volume.default = documents;
    let sim = Sim::start(config).await;
    let amqp = test_amqp_url();
    let companies: Vec<String> = (0..companies)
        .map(|i| Rut::from_body(78_000_000 + i * 11).unwrap().to_string())
        .collect();

    for n in processes {
        let db = TestDatabase::on(Backend::Postgres);
        let prefix = unique_prefix("bench");
        let mut env = gateway_env(&db.url_string(), &sim.base, Some((&amqp, &prefix)));
        env.push(("OFITEC__SII__REQUESTS_PER_SECOND", "10000".to_owned()));
        let mut workers = Vec::new();
        for _ in 0..n {
            workers.push(spawn_gateway(&env).await);
        }
        let mut client = workers[0].1.clone();
        let started = Instant::now();
        let answer = client
            .start_import(operator(pb::StartImportRequest {
                companies: companies.clone(),
                from_period: "2024-01".into(),
                to_period: "2024-12".into(),
                operations: vec![pb::Operation::Compra as i32, pb::Operation::Venta as i32],
                ..Default::default()
            }))
            .await
            .expect("bulk import accepted")
            .into_inner();
        let jobs = wait_batch_final(&client, &answer.batch_id, Duration::from_secs(1800)).await;
        let elapsed = started.elapsed().as_secs_f64();
        let succeeded = jobs
            .iter()
            .filter(|j| j.status == pb::JobStatus::Succeeded as i32)
            .count();
        assert_eq!(succeeded, answer.jobs.len(), "every job succeeded");
        let stored: u64 = jobs.iter().map(|j| j.documents_fetched).sum();
        println!(
            "bulk_throughput processes={n} jobs={succeeded} documents={stored} seconds={elapsed:.2} jobs_per_s={:.1}",
            succeeded as f64 / elapsed
        );
        drop(workers);
    }
}
