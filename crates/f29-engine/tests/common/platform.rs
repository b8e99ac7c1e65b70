//! The platform the service tests run on, all real and on port 0: sii-sim playing SII,
//! sii-gateway importing from it (embedded worker pool, its own test database), and
//! f29-engine reading its documents from that gateway. Registers are imported over gRPC with
//! a caller, as edge-api does; what sii-sim serves (its admin API) is the ground truth the
//! tests compute their expectations from.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use ofitec_core::rcv::{Operation, RcvDocument};
use ofitec_core::shutdown::CancellationToken;
use ofitec_proto::sii::v1 as sii;
use ofitec_proto::sii::v1::sii_gateway_client::SiiGatewayClient;
use ofitec_testkit::{TestDatabase, operator};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::task::JoinHandle;
use tonic::transport::Channel;

use super::{Client, company, period, start_engine};

/// sii-sim, sii-gateway and f29-engine, stopped when dropped.
pub struct Platform {
    /// The engine under test, identifying as `tests` unless a request names its caller.
    pub engine: Client,
    /// The engine's metrics listener.
    pub engine_metrics: SocketAddr,
    /// The gateway, for imports.
    gateway: SiiGatewayClient<Channel>,
    /// The gateway's metrics listener: how often the engine called it.
    gateway_metrics: SocketAddr,
    /// Stops the gateway (the "sii-gateway is down" test), and at drop.
    gateway_stop: CancellationToken,
    /// The running gateway, awaited when it is stopped so it is really gone.
    gateway_task: Option<JoinHandle<anyhow::Result<()>>>,
    sim_base: String,
    sim_stop: CancellationToken,
    http: reqwest::Client,
    /// The engine's and the gateway's databases, kept alive as long as they run.
    _databases: (TestDatabase, TestDatabase),
}

impl Drop for Platform {
    fn drop(&mut self) {
        self.gateway_stop.cancel();
        self.sim_stop.cancel();
    }
}

fn cert_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../sii-client/tests/data/certs")
}

impl Platform {
    /// Starts sii-sim, sii-gateway against it, and the engine against the gateway. Nothing
    /// is imported yet.
    pub async fn start() -> Platform {
        let sim = sii_sim::Application::build(sii_sim::Config::for_tests())
            .await
            .expect("sii-sim builds");
        let sim_base = format!("http://{}", sim.address());
        let sim_stop = sim.shutdown_token();
        tokio::spawn(sim.run_until_stopped());

        let gateway_db = TestDatabase::new();
        let config = sii_gateway::Config::for_tests_against_sim(
            gateway_db.url(),
            &sim_base,
            &cert_dir().join("valid.p12"),
            &cert_dir().join("password.txt"),
        );
        let gateway = sii_gateway::Application::build(config)
            .await
            .expect("gateway builds");
        let (gateway_address, gateway_metrics) = (gateway.address(), gateway.metrics_address());
        let gateway_stop = gateway.shutdown_token();
        let gateway_task = tokio::spawn(gateway.run_until_stopped());
        let gateway = SiiGatewayClient::connect(format!("http://{gateway_address}"))
            .await
            .expect("gateway reachable");

        let (engine, engine_metrics, engine_db) = start_engine(gateway_address).await;
        Platform {
            engine,
            engine_metrics,
            gateway,
            gateway_metrics,
            gateway_stop,
            gateway_task: Some(gateway_task),
            sim_base,
            sim_stop,
            http: reqwest::Client::new(),
            _databases: (engine_db, gateway_db),
        }
    }

    async fn sim_admin(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .http
            .request(method, format!("{}/admin{path}", self.sim_base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("admin call");
        assert!(
            response.status().is_success(),
            "sii-sim admin {path}: {}",
            response.status()
        );
        response.json().await.expect("admin JSON")
    }

    /// Makes SII hold `volume` detail documents per register of the test company's period.
    pub async fn set_volume(&self, volume: u32) {
        self.sim_admin(
            reqwest::Method::PUT,
            "/volume",
            Some(json!({"company": company().to_string(), "period": period().to_string(), "volume": volume})),
        )
        .await;
    }

    /// Makes SII change both registers of the period (documents change, appear and vanish).
    pub async fn revise_registers(&self) {
        self.sim_admin(
            reqwest::Method::POST,
            "/revisions",
            Some(json!({"company": company().to_string(), "period": period().to_string()})),
        )
        .await;
    }

    /// What sii-sim serves now for one register of the period: the ground truth.
    pub async fn served(&self, operation: Operation) -> Vec<RcvDocument> {
        let answer = self
            .sim_admin(
                reqwest::Method::GET,
                &format!(
                    "/documents?company={}&period={}&operation={operation}",
                    company(),
                    period()
                ),
                None,
            )
            .await;
        serde_json::from_value(answer["documents"].clone()).expect("sii-sim's documents")
    }

    /// Imports both registers of the period into the gateway over gRPC and waits until both
    /// jobs succeeded.
    pub async fn import(&mut self) {
        let started = self
            .gateway
            .start_import(operator(sii::StartImportRequest {
                companies: vec![company().to_string()],
                from_period: period().to_string(),
                to_period: period().to_string(),
                operations: vec![sii::Operation::Compra as i32, sii::Operation::Venta as i32],
                requested_by: String::new(),
                request_id: String::new(),
            }))
            .await
            .expect("start import")
            .into_inner();
        assert_eq!(started.jobs.len(), 2, "one job per register");
        for job in started.jobs {
            let done = self.wait_final(job.id).await;
            assert_eq!(
                done.status,
                sii::JobStatus::Succeeded as i32,
                "import of {}: {} {}",
                done.operation,
                done.last_error_code,
                done.last_error_message
            );
        }
    }

    async fn wait_final(&self, id: String) -> sii::ImportJob {
        let client = self.gateway.clone();
        ofitec_testkit::wait_until(
            "the import job to finish",
            Duration::from_secs(60),
            move || {
                let mut client = client.clone();
                let id = id.clone();
                async move {
                    let job = client
                        .get_import(operator(sii::GetImportRequest { id }))
                        .await
                        .ok()?
                        .into_inner();
                    let status = sii::JobStatus::try_from(job.status).ok()?;
                    (!matches!(status, sii::JobStatus::Queued | sii::JobStatus::Running))
                        .then_some(job)
                }
            },
        )
        .await
    }

    /// Stops the gateway and waits until it no longer serves.
    pub async fn stop_gateway(&mut self) {
        self.gateway_stop.cancel();
        if let Some(task) = self.gateway_task.take() {
            task.await
                .expect("gateway task")
                .expect("gateway stops cleanly");
        }
    }

    /// Calls of `method` the gateway answered OK, from its `grpc_server_handled_total`.
    pub async fn gateway_calls(&self, method: &str) -> u64 {
        let text = metrics_text(self.gateway_metrics).await;
        let method = format!("grpc_method=\"{method}\"");
        text.lines()
            .filter(|l| {
                l.starts_with("grpc_server_handled_total{")
                    && l.contains(&method)
                    && l.contains("grpc_code=\"OK\"")
            })
            .map(|l| {
                l.rsplit(' ')
                    .next()
                    .and_then(|v| v.parse::<u64>().ok())
                    .expect("a counter value")
            })
            .sum()
    }
}

/// The Prometheus text a metrics listener serves.
pub async fn metrics_text(address: SocketAddr) -> String {
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream
        .write_all(b"GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut body = String::new();
    stream.read_to_string(&mut body).await.unwrap();
    body
}
