//! `kill -9` of a sii-gateway worker in the middle of a job, with the real binaries and
//! sii-sim as SII. In queue mode (a real RabbitMQ, `OFITEC_TEST_AMQP_URL`) the broker
//! redelivers the unacknowledged message and another worker takes the job over; in embedded
//! mode the restarted process resumes what it left. Either way what is stored equals what SII
//! served — nothing lost, nothing twice.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::time::Duration;

use nix::sys::signal::Signal;
use ofitec_e2e::gateway::{Sim, gateway_env, spawn_gateway, test_amqp_url, unique_prefix};
use ofitec_proto::sii::v1 as pb;
use ofitec_proto::sii::v1::sii_gateway_client::SiiGatewayClient;
use ofitec_testkit::process::ServiceProcess;
use ofitec_testkit::{TestDatabase, operator};
use serde_json::json;

const COMPANY: &str = "76123456-0";
const PERIOD: &str = "2024-11";

async fn gateway(
    db: &TestDatabase,
    sim: &Sim,
    prefix: &str,
) -> (ServiceProcess, SiiGatewayClient<tonic::transport::Channel>) {
    let amqp = test_amqp_url();
    spawn_gateway(&gateway_env(
        &db.url_string(),
        &sim.base,
        Some((&amqp, prefix)),
    ))
    .await
}

#[tokio::test]
async fn a_worker_killed_mid_job_loses_nothing_and_stores_nothing_twice() {
    let mut config = sii_sim::Config::for_tests();
    config.volume.default = 40;
    let sim = Sim::start(config).await;
    // The first detail call hangs: the worker is killed while it waits for SII.
    sim.admin(
        reqwest::Method::POST,
        "/faults",
        Some(json!({"endpoint": "detalle", "kind": "latency", "ms": 8000, "times": 1})),
    )
    .await;

    let db = TestDatabase::new();
    let prefix = unique_prefix("crash");
    let (first, mut client) = gateway(&db, &sim, &prefix).await;
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
    let id = job.id.clone();
    ofitec_testkit::wait_until("the job to be running", Duration::from_secs(30), || {
        let mut client = client.clone();
        let id = id.clone();
        async move {
            let j = client
                .get_import(operator(pb::GetImportRequest { id }))
                .await
                .ok()?
                .into_inner();
            (j.status == pb::JobStatus::Running as i32).then_some(())
        }
    })
    .await;
    first.signal(Signal::SIGKILL);
    drop(first);

    let (_second, client2) = gateway(&db, &sim, &prefix).await;
    client = client2;
    let done = ofitec_testkit::wait_until(
        "the job to finish on the second worker",
        Duration::from_secs(90),
        || {
            let mut client = client.clone();
            let id = id.clone();
            async move {
                let j = client
                    .get_import(operator(pb::GetImportRequest { id }))
                    .await
                    .ok()?
                    .into_inner();
                (j.status != pb::JobStatus::Running as i32
                    && j.status != pb::JobStatus::Queued as i32)
                    .then_some(j)
            }
        },
    )
    .await;
    assert_eq!(done.status, pb::JobStatus::Succeeded as i32, "{done:?}");
    assert_eq!(
        done.attempts, 2,
        "the redelivered message was taken over: {done:?}"
    );

    let served = sim
        .admin(
            reqwest::Method::GET,
            &format!("/documents?company={COMPANY}&period={PERIOD}&operation=venta"),
            None,
        )
        .await;
    let served = served["documents"].as_array().unwrap();
    let served_total: i64 = served.iter().map(|d| d["total"].as_i64().unwrap()).sum();
    let listed = client
        .list_documents(operator(pb::ListDocumentsRequest {
            company: COMPANY.into(),
            period: PERIOD.into(),
            operation: pb::Operation::Venta as i32,
            limit: 1000,
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        listed.total,
        served.len() as u64,
        "stored once each, none lost"
    );
    assert_eq!(
        listed.documents.iter().map(|d| d.total).sum::<i64>(),
        served_total
    );
    assert_eq!(done.total_amount, served_total);
}

/// Embedded mode (no broker, the `make run` default): the job table is the queue. A gateway
/// killed with one job running and another queued behind it resumes both at its next start.
#[tokio::test]
async fn an_embedded_gateway_killed_mid_job_resumes_running_and_queued_jobs_at_restart() {
    let mut config = sii_sim::Config::for_tests();
    config.volume.default = 30;
    let sim = Sim::start(config).await;
    sim.admin(
        reqwest::Method::POST,
        "/faults",
        Some(json!({"endpoint": "detalle", "kind": "latency", "ms": 8000, "times": 1})),
    )
    .await;
    let db = TestDatabase::new();
    let env = gateway_env(&db.url_string(), &sim.base, None);
    let (first, mut client) = spawn_gateway(&env).await;
    // One job per register of one company: the per-company limit (1) keeps the second queued
    // while the first waits for SII.
    let jobs = client
        .start_import(operator(pb::StartImportRequest {
            companies: vec![COMPANY.into()],
            from_period: PERIOD.into(),
            operations: vec![pb::Operation::Compra as i32, pb::Operation::Venta as i32],
            ..Default::default()
        }))
        .await
        .expect("start")
        .into_inner()
        .jobs;
    assert_eq!(jobs.len(), 2);
    let status_of = |client: &SiiGatewayClient<tonic::transport::Channel>| {
        let client = client.clone();
        let ids: Vec<String> = jobs.iter().map(|j| j.id.clone()).collect();
        async move {
            let mut out = Vec::new();
            for id in ids {
                let j = client
                    .clone()
                    .get_import(operator(pb::GetImportRequest { id }))
                    .await
                    .ok()?
                    .into_inner();
                out.push(j);
            }
            Some(out)
        }
    };
    let before = ofitec_testkit::wait_until(
        "one job running, one queued",
        Duration::from_secs(30),
        || async {
            let jobs = status_of(&client).await?;
            let running = jobs
                .iter()
                .filter(|j| j.status == pb::JobStatus::Running as i32)
                .count();
            let queued = jobs
                .iter()
                .filter(|j| j.status == pb::JobStatus::Queued as i32)
                .count();
            (running == 1 && queued == 1).then_some(jobs)
        },
    )
    .await;
    first.signal(Signal::SIGKILL);
    drop(first);

    let (second, client2) = spawn_gateway(&env).await;
    client = client2;
    let done = ofitec_testkit::wait_until(
        "both jobs to finish after the restart",
        Duration::from_secs(90),
        || async {
            let jobs = status_of(&client).await?;
            jobs.iter()
                .all(|j| {
                    j.status != pb::JobStatus::Running as i32
                        && j.status != pb::JobStatus::Queued as i32
                })
                .then_some(jobs)
        },
    )
    .await;
    assert!(
        second
            .output()
            .contains("jobs left running by a previous process queued again"),
        "the restart requeued the interrupted job"
    );
    for (job, earlier) in done.iter().zip(&before) {
        assert_eq!(job.status, pb::JobStatus::Succeeded as i32, "{job:?}");
        let interrupted = earlier.status == pb::JobStatus::Running as i32;
        assert_eq!(
            job.attempts,
            if interrupted { 2 } else { 1 },
            "the interrupted job ran again, the queued one once: {job:?}"
        );
        let operation = if job.operation == pb::Operation::Compra as i32 {
            "compra"
        } else {
            "venta"
        };
        let served = sim.served(COMPANY, PERIOD, operation).await;
        let stored = client
            .list_documents(operator(pb::ListDocumentsRequest {
                company: COMPANY.into(),
                period: PERIOD.into(),
                operation: job.operation,
                limit: 1000,
                ..Default::default()
            }))
            .await
            .expect("documents")
            .into_inner();
        assert_eq!(
            (
                stored.total,
                stored.documents.iter().map(|d| d.total).sum::<i64>()
            ),
            served,
            "{operation}: stored once each, none lost"
        );
    }
}
