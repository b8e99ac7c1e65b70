//! sii-gateway as a child process (the real binary) and sii-sim in the test process: for
//! tests and benchmarks that need separate worker processes — a `kill -9`, several replicas
//! sharing a queue, the memory of one worker.

use std::time::Duration;

use ofitec_proto::sii::v1 as pb;
use ofitec_proto::sii::v1::sii_gateway_client::SiiGatewayClient;
use ofitec_testkit::operator;
use ofitec_testkit::process::ServiceProcess;
use serde_json::Value;
use tonic::transport::Channel;

/// sii-sim running inside this process.
#[derive(Debug)]
pub struct Sim {
    /// `http://address`.
    pub base: String,
    stop: ofitec_platform::shutdown::CancellationToken,
}

impl Sim {
    /// Starts sii-sim with `config` on port 0.
    pub async fn start(config: sii_sim::Config) -> Sim {
        let sim = sii_sim::Application::build(config)
            .await
            .expect("sii-sim starts");
        let base = format!("http://{}", sim.address());
        let stop = sim.shutdown_token();
        tokio::spawn(sim.run_until_stopped());
        Sim { base, stop }
    }

    /// One call to sii-sim's admin API; panics unless it succeeds.
    pub async fn admin(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request =
            reqwest::Client::new().request(method, format!("{}/admin{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("admin call");
        assert!(
            response.status().is_success(),
            "admin {path}: {}",
            response.status()
        );
        response.json().await.expect("admin JSON")
    }

    /// (documents, Σ total) sii-sim serves for one register (`compra`/`venta`).
    pub async fn served(&self, company: &str, period: &str, operation: &str) -> (u64, i64) {
        let answer = self
            .admin(
                reqwest::Method::GET,
                &format!("/documents?company={company}&period={period}&operation={operation}"),
                None,
            )
            .await;
        let docs = answer["documents"].as_array().expect("documents");
        (
            docs.len() as u64,
            docs.iter()
                .map(|d| d["total"].as_i64().expect("total"))
                .sum(),
        )
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// The environment that points a sii-gateway binary at `database_url` and sii-sim, with the
/// test certificate; queue mode when `queue` gives (AMQP URL, queue prefix).
pub fn gateway_env(
    database_url: &str,
    sim_base: &str,
    queue: Option<(&str, &str)>,
) -> Vec<(&'static str, String)> {
    let certs = ofitec_testkit::workspace_root().join("crates/sii-client/tests/data/certs");
    let mut env = vec![
        ("DATABASE_URL", database_url.to_owned()),
        ("OFITEC__GRPC__LISTEN", "127.0.0.1:0".to_owned()),
        ("OFITEC__METRICS__LISTEN", "127.0.0.1:0".to_owned()),
        ("OFITEC__TELEMETRY__FORMAT", "json".to_owned()),
        ("OFITEC__SII__SIM_URL", sim_base.to_owned()),
        (
            "OFITEC__SII__CERTIFICATE__FILE",
            certs.join("valid.p12").display().to_string(),
        ),
        (
            "OFITEC__SII__CERTIFICATE__PASSWORD_FILE",
            certs.join("password.txt").display().to_string(),
        ),
        ("OFITEC__SII__TIMEOUT_S", "10".to_owned()),
    ];
    if let Some((amqp, prefix)) = queue {
        env.push(("AMQP_URL", amqp.to_owned()));
        env.push(("OFITEC__IMPORTS__QUEUE_PREFIX", prefix.to_owned()));
    }
    env
}

/// The RabbitMQ the suite runs against (`make test` starts one).
pub fn test_amqp_url() -> String {
    std::env::var("OFITEC_TEST_AMQP_URL")
        .expect("OFITEC_TEST_AMQP_URL must name a RabbitMQ (make test starts one)")
}

/// A queue prefix no other test or run uses.
pub fn unique_prefix(what: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{what}-{nanos:x}")
}

/// Starts the sii-gateway binary with `env` and connects to its gRPC port.
pub async fn spawn_gateway(env: &[(&str, String)]) -> (ServiceProcess, SiiGatewayClient<Channel>) {
    let process = ServiceProcess::spawn("sii-gateway", &[], env);
    let address = process
        .wait_for_address("serving gRPC", "grpc", Duration::from_secs(30))
        .await;
    let client = SiiGatewayClient::connect(format!("http://{address}"))
        .await
        .expect("gateway reachable");
    (process, client)
}

/// Waits until no job of `batch` is queued or running, then returns them all.
pub async fn wait_batch_final(
    client: &SiiGatewayClient<Channel>,
    batch: &str,
    within: Duration,
) -> Vec<pb::ImportJob> {
    let pending = |status: pb::JobStatus| {
        let mut client = client.clone();
        let batch = batch.to_owned();
        async move {
            client
                .list_imports(operator(pb::ListImportsRequest {
                    batch_id: batch,
                    status: status as i32,
                    limit: 1,
                    ..Default::default()
                }))
                .await
                .map(|r| r.into_inner().total)
                .ok()
        }
    };
    ofitec_testkit::wait_until("every job of the batch to finish", within, || async {
        let queued = pending(pb::JobStatus::Queued).await?;
        let running = pending(pb::JobStatus::Running).await?;
        (queued + running == 0).then_some(())
    })
    .await;
    let mut client = client.clone();
    let mut jobs = Vec::new();
    loop {
        let page = client
            .list_imports(operator(pb::ListImportsRequest {
                batch_id: batch.to_owned(),
                limit: 500,
                offset: jobs.len() as u64,
                ..Default::default()
            }))
            .await
            .expect("list imports")
            .into_inner();
        let done = page.jobs.is_empty();
        jobs.extend(page.jobs);
        if done || jobs.len() as u64 >= page.total {
            return jobs;
        }
    }
}
