//! The bulk import an accounting office runs: 50 companies × 12 months × 2 registers, 1,200
//! jobs through a real RabbitMQ, shared by two sii-gateway worker processes (the real
//! binary) against one database. Every job succeeds exactly once, both workers take part, and
//! what is stored for every register equals what sii-sim served, document for document and
//! peso for peso.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::time::Duration;

use ofitec_domain::Rut;
use ofitec_e2e::gateway::{
    Sim, gateway_env, spawn_gateway, test_amqp_url, unique_prefix, wait_batch_final,
};
use ofitec_proto::sii::v1 as pb;
use ofitec_testkit::{TestDatabase, operator};

const COMPANIES: u32 = 50;
const MONTHS: usize = 12;

fn companies() -> Vec<String> {
    (0..COMPANIES)
        .map(|i| Rut::from_body(77_000_000 + i * 13).unwrap().to_string())
        .collect()
}

fn operation_name(operation: i32) -> &'static str {
    if operation == pb::Operation::Compra as i32 {
        "compra"
    } else {
        "venta"
    }
}

#[tokio::test]
async fn fifty_companies_twelve_months_both_registers_across_two_worker_processes() {
    let mut config = sii_sim::Config::for_tests();
    config.volume.default = 3;
    let sim = Sim::start(config).await;
    let db = TestDatabase::new();
    let amqp = test_amqp_url();
    let prefix = unique_prefix("bulk");
    let mut env = gateway_env(&db.url_string(), &sim.base, Some((&amqp, &prefix)));
    // SII pacing is per process and meant for SII; the simulator takes far more, and the
    // test is about the queue and the counts, not about waiting for the pacer.
    env.push(("OFITEC__SII__REQUESTS_PER_SECOND", "500".to_owned()));
    let (first, mut client) = spawn_gateway(&env).await;
    let (second, _) = spawn_gateway(&env).await;

    let answer = client
        .start_import(operator(pb::StartImportRequest {
            companies: companies(),
            from_period: "2024-01".into(),
            to_period: "2024-12".into(),
            operations: vec![pb::Operation::Compra as i32, pb::Operation::Venta as i32],
            ..Default::default()
        }))
        .await
        .expect("bulk import accepted")
        .into_inner();
    let expected = COMPANIES as usize * MONTHS * 2;
    assert_eq!(answer.jobs.len(), expected);

    let jobs = wait_batch_final(&client, &answer.batch_id, Duration::from_secs(900)).await;
    assert_eq!(jobs.len(), expected);
    for job in &jobs {
        assert_eq!(job.status, pb::JobStatus::Succeeded as i32, "{job:?}");
        assert_eq!(job.attempts, 1, "no job ran twice: {job:?}");
    }

    // Both processes worked, and between them finished each job once.
    let succeeded = |output: String| output.matches("import succeeded").count();
    let (by_first, by_second) = (succeeded(first.output()), succeeded(second.output()));
    assert!(
        by_first > 0 && by_second > 0,
        "both workers took jobs: {by_first} and {by_second}"
    );
    assert_eq!(by_first + by_second, expected);

    // Stored = served, for every register.
    let mut documents = 0;
    for job in &jobs {
        let operation = operation_name(job.operation);
        let served = sim.served(&job.company, &job.period, operation).await;
        let stored = client
            .list_documents(operator(pb::ListDocumentsRequest {
                company: job.company.clone(),
                period: job.period.clone(),
                operation: job.operation,
                limit: 1000,
                ..Default::default()
            }))
            .await
            .expect("documents")
            .into_inner();
        let stored_total: i64 = stored.documents.iter().map(|d| d.total).sum();
        assert_eq!(
            (stored.total, stored_total),
            served,
            "{} {} {operation}",
            job.company,
            job.period
        );
        assert_eq!((job.documents_fetched, job.total_amount), served);
        documents += stored.total;
    }
    assert!(documents >= expected as u64, "{documents} documents stored");
}
