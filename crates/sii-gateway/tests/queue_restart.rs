//! RabbitMQ stopped and started again in the middle of a bulk import: the gateway reconnects
//! with backoff, jobs requested during the outage wait in the outbox, deliveries that were in
//! flight are redelivered, and every job still succeeds exactly. The test runs its own
//! RabbitMQ node (Debian's `rabbitmq-server`, which `make test` installs) so it can stop it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use ofitec_domain::Rut;
use ofitec_proto::sii::v1 as pb;
use ofitec_proto::sii::v1::sii_gateway_client::SiiGatewayClient;
use ofitec_testkit::{TestDatabase, operator};
use serde_json::json;
use sii_gateway::{Application, Config};
use support::{Sim, cert_dir, operation_name, stored};
use tonic::transport::Channel;

const SERVER: &str = "/usr/lib/rabbitmq/bin/rabbitmq-server";

/// A private RabbitMQ node; stopped (and its files removed) when dropped.
struct Broker {
    dir: tempfile::TempDir,
    port: u16,
    dist_port: u16,
    child: Option<Child>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

impl Broker {
    fn new() -> Broker {
        assert!(
            Path::new(SERVER).exists(),
            "{SERVER} missing: make test installs rabbitmq-server"
        );
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        std::fs::write(dir.path().join("enabled_plugins"), "[].").unwrap();
        std::fs::write(
            dir.path().join("rabbitmq.conf"),
            format!("loopback_users = none\nlisteners.tcp.default = 127.0.0.1:{port}\n"),
        )
        .unwrap();
        if is_root() {
            // RabbitMQ runs as its own user; the directory must be theirs.
            Command::new("chown")
                .args(["-R", "rabbitmq"])
                .arg(dir.path())
                .status()
                .unwrap();
        }
        Broker {
            dir,
            port,
            dist_port: free_port(),
            child: None,
        }
    }

    fn url(&self) -> String {
        format!("amqp://guest:guest@127.0.0.1:{}/%2f", self.port)
    }

    async fn start(&mut self) {
        let d: PathBuf = self.dir.path().to_path_buf();
        let mut command = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "rabbitmq", "--", "env"]);
            c
        } else {
            Command::new("env")
        };
        command
            .arg(format!("HOME={}", d.display()))
            .arg(format!("RABBITMQ_NODENAME=restart{}@localhost", self.port))
            .arg("RABBITMQ_NODE_IP_ADDRESS=127.0.0.1")
            .arg(format!("RABBITMQ_NODE_PORT={}", self.port))
            .arg(format!("RABBITMQ_DIST_PORT={}", self.dist_port))
            .arg(format!("RABBITMQ_MNESIA_BASE={}/mnesia", d.display()))
            .arg(format!("RABBITMQ_LOG_BASE={}/log", d.display()))
            .arg(format!(
                "RABBITMQ_ENABLED_PLUGINS_FILE={}/enabled_plugins",
                d.display()
            ))
            .arg(format!("RABBITMQ_CONFIG_FILE={}/rabbitmq", d.display()))
            .arg(SERVER)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        self.child = Some(command.spawn().expect("rabbitmq-server starts"));
        let port = self.port;
        ofitec_testkit::wait_until(
            "RabbitMQ to accept connections",
            Duration::from_secs(90),
            || async move {
                let url = format!("amqp://guest:guest@127.0.0.1:{port}/%2f");
                lapin::Connection::connect(&url, lapin::ConnectionProperties::default())
                    .await
                    .ok()
                    .map(|_| ())
            },
        )
        .await;
    }

    async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let group = Pid::from_raw(i32::try_from(child.id()).unwrap());
            let _ = killpg(group, Signal::SIGTERM);
            for _ in 0..200 {
                if child.try_wait().ok().flatten().is_some() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let _ = killpg(group, Signal::SIGKILL);
            let _ = child.wait();
        }
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = killpg(
                Pid::from_raw(i32::try_from(child.id()).unwrap_or(0)),
                Signal::SIGKILL,
            );
            let _ = child.wait();
        }
    }
}

/// The ids of `batch`'s jobs that are running now.
async fn running(client: &SiiGatewayClient<Channel>, batch: &str) -> BTreeSet<String> {
    client
        .clone()
        .list_imports(operator(pb::ListImportsRequest {
            batch_id: batch.to_owned(),
            status: pb::JobStatus::Running as i32,
            limit: 100,
            ..Default::default()
        }))
        .await
        .expect("list running jobs")
        .into_inner()
        .jobs
        .into_iter()
        .map(|j| j.id)
        .collect()
}

#[tokio::test]
async fn a_broker_restart_during_a_bulk_import_loses_nothing() {
    let mut broker = Broker::new();
    broker.start().await;

    let mut sim_config = sii_sim::Config::for_tests();
    sim_config.volume.default = 5;
    let sim = Sim::start(sim_config).await;
    // Slow SII: the first two detail calls take 8 s each (well within the client's deadline),
    // so the jobs making them are in the middle of their download, message unacknowledged,
    // while the broker goes away.
    sim.fault(json!({"endpoint": "detalle", "kind": "latency", "ms": 8000, "times": 2}))
        .await;

    let db = TestDatabase::new();
    let mut config = Config::for_tests_against_sim(
        db.url(),
        &sim.base,
        &cert_dir().join("valid.p12"),
        &cert_dir().join("password.txt"),
    );
    config.imports.amqp_url = Some(broker.url());
    config.imports.queue_prefix = "restart".into();
    config.imports.concurrency = 2;
    config.sii.timeout_s = 30;
    let app = Application::build(config).await.expect("gateway");
    let address = app.address();
    let stop = app.shutdown_token();
    tokio::spawn(app.run_until_stopped());
    let mut client = SiiGatewayClient::connect(format!("http://{address}"))
        .await
        .unwrap();

    let companies: Vec<String> = (0..6)
        .map(|i| Rut::from_body(77_000_000 + i * 13).unwrap().to_string())
        .collect();
    let start = |client: &mut SiiGatewayClient<Channel>, from: &str, to: &str| {
        let mut client = client.clone();
        let request = pb::StartImportRequest {
            companies: companies.clone(),
            from_period: from.into(),
            to_period: to.into(),
            ..Default::default()
        };
        async move {
            client
                .start_import(operator(request))
                .await
                .expect("start")
                .into_inner()
        }
    };
    let first = start(&mut client, "2024-07", "2024-09").await;
    // Down while a job of the first batch waits for a slow detail; a second batch is
    // requested during the outage.
    let before = ofitec_testkit::wait_until(
        "a job of the first batch to be in a slow detail call",
        Duration::from_secs(30),
        || {
            let client = client.clone();
            let batch = first.batch_id.clone();
            let sim = &sim;
            async move {
                let faults = sim.admin(reqwest::Method::GET, "/faults", None).await;
                // The rule is gone once both slow calls started (each lasts 8 s).
                let slow = faults["faults"]
                    .as_array()?
                    .first()
                    .is_none_or(|rule| rule["fired"].as_u64() > Some(0));
                let running = running(&client, &batch).await;
                (slow && !running.is_empty()).then_some(running)
            }
        },
    )
    .await;
    broker.stop().await;
    let after = running(&client, &first.batch_id).await;
    assert!(
        before.intersection(&after).next().is_some(),
        "a job was running through the whole stop: before {before:?}, after {after:?}"
    );
    let second = start(&mut client, "2024-10", "2024-11").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    broker.start().await;

    let ids: Vec<String> = first
        .jobs
        .iter()
        .chain(&second.jobs)
        .map(|j| j.id.clone())
        .collect();
    assert_eq!(ids.len(), 6 * 5 * 2);
    let jobs = ofitec_testkit::wait_until(
        "every job to finish after the restart",
        Duration::from_secs(240),
        || {
            let client = client.clone();
            let ids = ids.clone();
            async move {
                let mut out = Vec::new();
                for id in ids {
                    let job = client
                        .clone()
                        .get_import(operator(pb::GetImportRequest { id }))
                        .await
                        .ok()?
                        .into_inner();
                    if job.status == pb::JobStatus::Queued as i32
                        || job.status == pb::JobStatus::Running as i32
                    {
                        return None;
                    }
                    out.push(job);
                }
                Some(out)
            }
        },
    )
    .await;
    // Every register stored exactly as served: nothing lost, nothing counted twice.
    for job in &jobs {
        assert_eq!(job.status, pb::JobStatus::Succeeded as i32, "{job:?}");
        let operation = operation_name(job.operation);
        let served = sim.served(&job.company, &job.period, operation).await;
        assert!(served.0 > 0, "sii-sim serves {job:?}");
        assert_eq!(
            stored(&client, &job.company, &job.period, job.operation).await,
            served,
            "stored = served: {} {} {operation}",
            job.company,
            job.period
        );
        assert_eq!((job.documents_fetched, job.total_amount), served, "{job:?}");
    }
    // Both slow calls happened (the latency rule is gone once it fired twice).
    assert_eq!(
        sim.admin(reqwest::Method::GET, "/faults", None).await["faults"],
        json!([])
    );
    stop.cancel();
    broker.stop().await;
}
