//! Queue mode against a real RabbitMQ (`OFITEC_TEST_AMQP_URL`; `make test` starts one): two
//! gateway replicas share one database and one broker, sii-sim plays SII. Each test uses its
//! own queue prefix so tests never see each other's messages.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use lapin::options::{BasicPublishOptions, QueueDeclareOptions};
use lapin::types::{FieldTable, ShortString};
use lapin::{BasicProperties, Connection, ConnectionProperties};
use ofitec_domain::Rut;
use ofitec_platform::shutdown::CancellationToken;
use ofitec_proto::sii::v1 as pb;
use ofitec_proto::sii::v1::sii_gateway_client::SiiGatewayClient;
use ofitec_testkit::{TestDatabase, operator};
use serde_json::json;
use sii_gateway::{Application, Config};
use support::{Sim, cert_dir, operation_name};
use tonic::transport::Channel;

fn amqp_url() -> String {
    std::env::var("OFITEC_TEST_AMQP_URL").expect(
        "OFITEC_TEST_AMQP_URL must name a RabbitMQ for the queue tests (make test starts one)",
    )
}

struct Replica {
    client: SiiGatewayClient<Channel>,
    stop: CancellationToken,
}

struct Cluster {
    sim: Sim,
    replicas: Vec<Replica>,
    prefix: String,
    _db: TestDatabase,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for r in &self.replicas {
            r.stop.cancel();
        }
    }
}

async fn start_sim(volume: u32) -> Sim {
    let mut config = sii_sim::Config::for_tests();
    config.volume.default = volume;
    Sim::start(config).await
}

async fn start_replica(db: &TestDatabase, sim_base: &str, prefix: &str) -> Replica {
    start_replica_with(db, sim_base, prefix, |_| {}).await
}

async fn start_replica_with(
    db: &TestDatabase,
    sim_base: &str,
    prefix: &str,
    customize: impl FnOnce(&mut Config),
) -> Replica {
    let mut config = Config::for_tests_against_sim(
        db.url(),
        sim_base,
        &cert_dir().join("valid.p12"),
        &cert_dir().join("password.txt"),
    );
    config.imports.amqp_url = Some(amqp_url());
    config.imports.queue_prefix = prefix.to_owned();
    config.imports.max_attempts = 3;
    customize(&mut config);
    let app = Application::build(config).await.expect("gateway builds");
    let address = app.address();
    let stop = app.shutdown_token();
    tokio::spawn(app.run_until_stopped());
    let client = SiiGatewayClient::connect(format!("http://{address}"))
        .await
        .expect("gateway reachable");
    Replica { client, stop }
}

async fn cluster(replicas: usize, volume: u32) -> Cluster {
    let sim = start_sim(volume).await;
    let db = TestDatabase::new();
    let prefix = format!("test-{}", uuid::Uuid::new_v4().simple());
    let mut started = Vec::new();
    for _ in 0..replicas {
        started.push(start_replica(&db, &sim.base, &prefix).await);
    }
    Cluster {
        sim,
        replicas: started,
        prefix,
        _db: db,
    }
}

impl Cluster {
    fn client(&self) -> SiiGatewayClient<Channel> {
        self.replicas[0].client.clone()
    }

    async fn wait_all_final(&self, ids: &[String], within: Duration) -> Vec<pb::ImportJob> {
        let client = self.client();
        let ids = ids.to_vec();
        ofitec_testkit::wait_until("every import job to finish", within, move || {
            let mut client = client.clone();
            let ids = ids.clone();
            async move {
                let mut out = Vec::new();
                for id in ids {
                    let job = client
                        .get_import(operator(pb::GetImportRequest { id }))
                        .await
                        .ok()?
                        .into_inner();
                    let status = pb::JobStatus::try_from(job.status).ok()?;
                    if matches!(status, pb::JobStatus::Queued | pb::JobStatus::Running) {
                        return None;
                    }
                    out.push(job);
                }
                Some(out)
            }
        })
        .await
    }

    async fn queue_depth(&self, queue: &str) -> u32 {
        let connection = Connection::connect(&amqp_url(), ConnectionProperties::default())
            .await
            .unwrap();
        let channel = connection.create_channel().await.unwrap();
        let q = channel
            .queue_declare(
                ShortString::from(queue),
                QueueDeclareOptions {
                    passive: true,
                    ..QueueDeclareOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .unwrap();
        q.message_count()
    }
}

fn companies(n: u32) -> Vec<String> {
    (0..n)
        .map(|i| Rut::from_body(76_000_000 + i * 7).unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn two_replicas_share_a_bulk_import_and_store_exactly_what_sii_serves() {
    let cluster = cluster(2, 6).await;
    let wanted = companies(8);
    let answer = cluster
        .client()
        .start_import(operator(pb::StartImportRequest {
            companies: wanted.clone(),
            from_period: "2024-09".into(),
            to_period: "2024-11".into(),
            ..Default::default()
        }))
        .await
        .expect("start")
        .into_inner();
    assert_eq!(answer.jobs.len(), 8 * 3 * 2);
    let ids: Vec<String> = answer.jobs.iter().map(|j| j.id.clone()).collect();
    let jobs = cluster.wait_all_final(&ids, Duration::from_secs(180)).await;
    let mut by_register: BTreeMap<(String, String, i32), (u64, i64)> = BTreeMap::new();
    for job in &jobs {
        assert_eq!(job.status, pb::JobStatus::Succeeded as i32, "{job:?}");
        assert_eq!(job.attempts, 1, "no job ran twice: {job:?}");
        by_register.insert(
            (job.company.clone(), job.period.clone(), job.operation),
            (job.documents_fetched, job.total_amount),
        );
    }
    for ((company, period, operation), stored) in &by_register {
        let name = operation_name(*operation);
        assert_eq!(
            *stored,
            cluster.sim.served(company, period, name).await,
            "{company} {period} {name}"
        );
    }
    // Nothing left behind in the queues.
    assert_eq!(
        cluster
            .queue_depth(&format!("{}.import", cluster.prefix))
            .await,
        0
    );
    assert_eq!(
        cluster
            .queue_depth(&format!("{}.import.dead", cluster.prefix))
            .await,
        0
    );
}

#[tokio::test]
async fn poison_messages_are_dead_lettered_and_the_workers_keep_going() {
    let cluster = cluster(1, 4).await;
    // Make sure the topology exists (the replica declares it on connect).
    let mut client = cluster.client();
    let first = client
        .start_import(operator(pb::StartImportRequest {
            companies: companies(1),
            from_period: "2024-11".into(),
            operations: vec![pb::Operation::Venta as i32],
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    cluster
        .wait_all_final(&[first.jobs[0].id.clone()], Duration::from_secs(60))
        .await;

    let connection = Connection::connect(&amqp_url(), ConnectionProperties::default())
        .await
        .unwrap();
    let channel = connection.create_channel().await.unwrap();
    for body in [
        &b"not protobuf at all \xff\xfe"[..],
        &[0x0a, 0x03, b'a', b'b', b'c'][..],
    ] {
        channel
            .basic_publish(
                ShortString::from(""),
                ShortString::from(format!("{}.import", cluster.prefix).as_str()),
                BasicPublishOptions::default(),
                body,
                BasicProperties::default().with_delivery_mode(2),
            )
            .await
            .unwrap()
            .await
            .unwrap();
    }
    let dead = format!("{}.import.dead", cluster.prefix);
    let mut depth = 0;
    for _ in 0..100 {
        depth = cluster.queue_depth(&dead).await;
        if depth >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        depth, 2,
        "both malformed messages are in the dead-letter queue"
    );

    let next = client
        .start_import(operator(pb::StartImportRequest {
            companies: companies(1),
            from_period: "2024-10".into(),
            operations: vec![pb::Operation::Venta as i32],
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    let done = cluster
        .wait_all_final(&[next.jobs[0].id.clone()], Duration::from_secs(60))
        .await;
    assert_eq!(done[0].status, pb::JobStatus::Succeeded as i32);
}

#[tokio::test]
async fn a_job_whose_worker_goes_away_mid_attempt_is_redelivered_and_taken_over() {
    let mut cluster = cluster(1, 6).await;
    // The first summary call hangs long enough for the worker to disappear under it.
    cluster
        .sim
        .fault(json!({"endpoint": "resumen", "kind": "latency", "ms": 3000, "times": 1}))
        .await;
    let job = cluster
        .client()
        .start_import(operator(pb::StartImportRequest {
            companies: companies(1),
            from_period: "2024-11".into(),
            operations: vec![pb::Operation::Venta as i32],
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner()
        .jobs
        .remove(0);
    let mut client = cluster.client();
    ofitec_testkit::wait_until("the first worker to start", Duration::from_secs(30), || {
        let mut client = client.clone();
        let id = job.id.clone();
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
    // The worker goes away: its connection closes with the message unacknowledged.
    let first = cluster.replicas.remove(0);
    first.stop.cancel();
    let second = start_replica(&cluster._db, &cluster.sim.base, &cluster.prefix).await;
    client = second.client.clone();
    cluster.replicas.push(second);
    let done = cluster
        .wait_all_final(std::slice::from_ref(&job.id), Duration::from_secs(60))
        .await;
    assert_eq!(
        done[0].status,
        pb::JobStatus::Succeeded as i32,
        "{:?}",
        done[0]
    );
    assert_eq!(done[0].attempts, 2, "the second worker took the job over");
    let company = &companies(1)[0];
    assert_eq!(
        (done[0].documents_fetched, done[0].total_amount),
        cluster.sim.served(company, "2024-11", "venta").await
    );
    // Stored once: the listing has exactly the served documents.
    let listed = client
        .list_documents(operator(pb::ListDocumentsRequest {
            company: company.clone(),
            period: "2024-11".into(),
            operation: pb::Operation::Venta as i32,
            limit: 1000,
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.total, done[0].documents_fetched);
}

#[tokio::test]
async fn a_replica_streams_events_written_by_another_at_once() {
    let sim = start_sim(4).await;
    let db = TestDatabase::new();
    let prefix = format!("test-{}", uuid::Uuid::new_v4().simple());
    // Watchers poll the database only every 60 s: quick events must come from notices.
    let slow = |c: &mut Config| c.imports.poll_ms = 60_000;
    let mut a = start_replica_with(&db, &sim.base, &prefix, slow).await;
    let mut b = start_replica_with(&db, &sim.base, &prefix, slow).await;
    let mut events = b
        .client
        .watch_imports(operator(pb::WatchImportsRequest::default()))
        .await
        .expect("watch on b")
        .into_inner();
    // Both replicas are connected once their topology exists; give the notice queues a moment.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = a
        .client
        .start_import(operator(pb::StartImportRequest {
            companies: companies(1),
            from_period: "2024-11".into(),
            operations: vec![pb::Operation::Venta as i32],
            ..Default::default()
        }))
        .await
        .expect("start on a")
        .into_inner();
    let first = tokio::time::timeout(Duration::from_secs(10), events.message())
        .await
        .expect("b streamed a's event within 10 s, long before its 60 s poll")
        .expect("stream")
        .expect("event");
    assert_eq!(first.kind, "queued");
    assert_eq!(first.job.expect("job").id, started.jobs[0].id);
    a.stop.cancel();
    b.stop.cancel();
    drop(sim);
}

#[tokio::test]
async fn a_job_whose_message_the_broker_gives_up_on_is_marked_dead_and_can_be_retried() {
    use lapin::options::{BasicConsumeOptions, BasicNackOptions};
    use ofitec_platform::db::{DatabaseConfig, Db, DbError};
    use prost::Message as _;
    use sii_gateway::imports::config::ImportsConfig;
    use sii_gateway::store::jobs::{self, NewJob};

    let sim = start_sim(4).await;
    let db = TestDatabase::new();
    let prefix = format!("test-{}", uuid::Uuid::new_v4().simple());
    let names = ImportsConfig {
        queue_prefix: prefix.clone(),
        ..ImportsConfig::default()
    }
    .names();
    let connection = Connection::connect(&amqp_url(), ConnectionProperties::default())
        .await
        .unwrap();
    let channel = connection.create_channel().await.unwrap();
    sii_gateway::imports::queue::topology::declare(&channel, &names)
        .await
        .unwrap();

    // A job a worker claimed before it crashed (no gateway is running yet).
    let store = Db::connect(
        &DatabaseConfig::new(db.url()),
        sii_gateway::store::MIGRATIONS,
    )
    .await
    .unwrap();
    let key = NewJob {
        company: Rut::parse(&companies(1)[0]).unwrap(),
        period: ofitec_domain::Period::parse("2024-11").unwrap(),
        operation: ofitec_domain::rcv::Operation::Venta,
    };
    let job = store
        .run(move |c| {
            let created = jobs::create(c, "batch", &[key], "ana", "req-1")
                .map_err(|e| DbError::Task(e.to_string()))?;
            jobs::claim(c, &created[0].job.id, "crashed-worker", false)
                .map_err(|e| DbError::Task(e.to_string()))
        })
        .await
        .unwrap()
        .expect("claimed");

    // Its message: every worker that takes it goes away without answering, until RabbitMQ
    // stops delivering it and dead-letters it on its own.
    let message = pb::ImportJobMessage {
        job_id: job.id.clone(),
        attempt: 1,
        request_id: "req-1".into(),
    };
    channel
        .basic_publish(
            ShortString::from(""),
            ShortString::from(names.work.as_str()),
            BasicPublishOptions::default(),
            &message.encode_to_vec(),
            BasicProperties::default().with_delivery_mode(2),
        )
        .await
        .unwrap()
        .await
        .unwrap();
    let consuming = connection.create_channel().await.unwrap();
    let mut deliveries = consuming
        .basic_consume(
            ShortString::from(names.work.as_str()),
            ShortString::from("crashing-workers"),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    let cluster = Cluster {
        sim,
        replicas: Vec::new(),
        prefix,
        _db: db,
    };
    let mut delivered = 0;
    while cluster.queue_depth(&names.dead).await == 0 {
        let next = tokio::time::timeout(
            Duration::from_millis(500),
            futures::StreamExt::next(&mut deliveries),
        )
        .await;
        if let Ok(Some(Ok(delivery))) = next {
            delivered += 1;
            delivery
                .nack(BasicNackOptions {
                    requeue: true,
                    ..BasicNackOptions::default()
                })
                .await
                .unwrap();
        }
        assert!(
            delivered <= 20,
            "the broker keeps delivering a crashing message"
        );
    }
    consuming
        .close(200, ShortString::from("done"))
        .await
        .unwrap();

    // A gateway notices the stranded job, marks it dead, and leaves the message for the
    // operator.
    let mut cluster = cluster;
    let replica = start_replica(&cluster._db, &cluster.sim.base, &cluster.prefix).await;
    cluster.replicas.push(replica);
    let dead = cluster
        .wait_all_final(std::slice::from_ref(&job.id), Duration::from_secs(30))
        .await;
    assert_eq!(
        (dead[0].status, dead[0].last_error_code.as_str()),
        (pb::JobStatus::Dead as i32, "delivery_limit"),
        "{:?}",
        dead[0]
    );
    assert_eq!(cluster.queue_depth(&names.dead).await, 1);

    // Once the cause is fixed, a retry runs it; the old dead letter does not bury it again.
    cluster
        .client()
        .retry_import(operator(pb::GetImportRequest { id: job.id.clone() }))
        .await
        .unwrap();
    let done = cluster
        .wait_all_final(std::slice::from_ref(&job.id), Duration::from_secs(60))
        .await;
    assert_eq!(
        done[0].status,
        pb::JobStatus::Succeeded as i32,
        "{:?}",
        done[0]
    );
    // A replica that never saw the dead letter looks at it too (each remembers what it
    // examined): the job changed after its message was dead-lettered, so it stays.
    let fresh = start_replica(&cluster._db, &cluster.sim.base, &cluster.prefix).await;
    cluster.replicas.push(fresh);
    tokio::time::sleep(Duration::from_secs(6)).await;
    let after = cluster
        .client()
        .get_import(operator(pb::GetImportRequest { id: job.id.clone() }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(after.status, pb::JobStatus::Succeeded as i32);
    assert_eq!(cluster.queue_depth(&names.dead).await, 1);
}
