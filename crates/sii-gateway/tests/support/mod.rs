//! What the gateway's integration tests share: sii-sim running in the test process with its
//! admin API (faults, request counts, the documents it serves), and reading back what the
//! gateway stored, so every test compares stored with served the same way.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::path::PathBuf;

use ofitec_platform::shutdown::CancellationToken;
use ofitec_proto::sii::v1 as pb;
use ofitec_proto::sii::v1::sii_gateway_client::SiiGatewayClient;
use ofitec_testkit::operator;
use serde_json::Value;
use tonic::transport::Channel;

/// sii-client's committed test certificates (`valid.p12` is enrolled in sii-sim).
pub fn cert_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../sii-client/tests/data/certs")
}

/// sii-sim on loopback port 0; stops when dropped.
pub struct Sim {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    http: reqwest::Client,
    stop: CancellationToken,
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

impl Sim {
    /// Starts sii-sim with `config`.
    pub async fn start(config: sii_sim::Config) -> Sim {
        let sim = sii_sim::Application::build(config)
            .await
            .expect("sii-sim builds");
        let base = format!("http://{}", sim.address());
        let stop = sim.shutdown_token();
        tokio::spawn(sim.run_until_stopped());
        Sim {
            base,
            http: reqwest::Client::new(),
            stop,
        }
    }

    /// One admin call; panics unless it succeeds.
    pub async fn admin(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .http
            .request(method, format!("{}/admin{path}", self.base));
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

    /// Adds a fault rule (`{"endpoint", "kind", …}`, as sii-sim's README shows).
    pub async fn fault(&self, rule: Value) {
        self.admin(reqwest::Method::POST, "/faults", Some(rule))
            .await;
    }

    /// Removes every fault rule.
    pub async fn clear_faults(&self) {
        self.admin(reqwest::Method::DELETE, "/faults", None).await;
    }

    /// Requests sii-sim answered at `endpoint` (`seed`, `token`, `resumen`, `detalle`,
    /// `export`): all of them, or those with `outcome` (`ok`, `fault_timeout`, …).
    pub async fn requests(&self, endpoint: &str, outcome: Option<&str>) -> u64 {
        let stats = self.admin(reqwest::Method::GET, "/stats", None).await;
        let counts = &stats["endpoints"][endpoint];
        match outcome {
            None => counts["total"].as_u64().unwrap_or(0),
            Some(outcome) => counts["outcomes"][outcome].as_u64().unwrap_or(0),
        }
    }

    /// (documents, Σ total) sii-sim serves for one register (`compra` / `venta`).
    pub async fn served(&self, company: &str, period: &str, operation: &str) -> (u64, i64) {
        let answer = self
            .admin(
                reqwest::Method::GET,
                &format!("/documents?company={company}&period={period}&operation={operation}"),
                None,
            )
            .await;
        let documents = answer["documents"].as_array().expect("documents");
        (
            documents.len() as u64,
            documents
                .iter()
                .map(|d| d["total"].as_i64().expect("total"))
                .sum(),
        )
    }
}

/// sii-sim's name of a register.
pub fn operation_name(operation: i32) -> &'static str {
    if operation == pb::Operation::Compra as i32 {
        "compra"
    } else {
        "venta"
    }
}

/// (documents, Σ total) the gateway stored for one register, read page by page.
pub async fn stored(
    client: &SiiGatewayClient<Channel>,
    company: &str,
    period: &str,
    operation: i32,
) -> (u64, i64) {
    let mut client = client.clone();
    let (mut count, mut total) = (0u64, 0i64);
    loop {
        let page = client
            .list_documents(operator(pb::ListDocumentsRequest {
                company: company.to_owned(),
                period: period.to_owned(),
                operation,
                limit: 500,
                offset: count,
                ..Default::default()
            }))
            .await
            .expect("list documents")
            .into_inner();
        count += page.documents.len() as u64;
        total += page.documents.iter().map(|d| d.total).sum::<i64>();
        if page.documents.is_empty() || count >= page.total {
            assert_eq!(count, page.total, "the pages add up to the total");
            return (count, total);
        }
    }
}
