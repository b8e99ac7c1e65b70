//! The platform the service tests run on, all real and on port 0: sii-sim playing SII,
//! sii-gateway importing from it (embedded worker pool, its own test database), and
//! f29-engine reading its documents from that gateway. Registers are imported over gRPC with
//! a caller, as edge-api does; what sii-sim serves (its admin API) is the ground truth the
//! tests compute their expectations from.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use ofitec_domain::Period;
use ofitec_domain::Secret;
use ofitec_domain::rcv::{Operation, PurchaseState, RcvDocument};
use ofitec_platform::shutdown::CancellationToken;
use ofitec_proto::sii::v1 as sii;
use ofitec_proto::sii::v1::sii_gateway_client::SiiGatewayClient;
use ofitec_testkit::{TestDatabase, operator};
use serde_json::{Value, json};
use sii_client::Environment;
use sii_client::cert::Certificate;
use sii_client::client::{Authenticator, ClientConfig, NoObserver, TokenCache, Transport};
use sii_client::rcv::FacadeMethod;
use sii_client::rcv::request::{RcvQuery, build};
use sii_client::rcv::response::{parse_export, parse_resumen};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::task::JoinHandle;
use tonic::transport::Channel;

use super::{Client, company, period, start_engine_with};

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
        Platform::start_with(|_| {}).await
    }

    /// [`Platform::start`] with the gateway's configuration adjusted by `adjust` first.
    pub async fn start_with(adjust: impl FnOnce(&mut sii_gateway::Config)) -> Platform {
        Platform::start_configured(adjust, |_| {}).await
    }

    /// [`Platform::start`] with the gateway's and the engine's configurations adjusted.
    pub async fn start_configured(
        adjust: impl FnOnce(&mut sii_gateway::Config),
        adjust_engine: impl FnOnce(&mut f29_engine::Config),
    ) -> Platform {
        let sim = sii_sim::Application::build(sii_sim::Config::for_tests())
            .await
            .expect("sii-sim builds");
        let sim_base = format!("http://{}", sim.address());
        let sim_stop = sim.shutdown_token();
        tokio::spawn(sim.run_until_stopped());

        let gateway_db = TestDatabase::new();
        let mut config = sii_gateway::Config::for_tests_against_sim(
            gateway_db.url(),
            &sim_base,
            &cert_dir().join("valid.p12"),
            &cert_dir().join("password.txt"),
        );
        adjust(&mut config);
        let gateway = sii_gateway::Application::build(config)
            .await
            .expect("gateway builds");
        let (gateway_address, gateway_metrics) = (gateway.address(), gateway.metrics_address());
        let gateway_stop = gateway.shutdown_token();
        let gateway_task = tokio::spawn(gateway.run_until_stopped());
        let gateway = SiiGatewayClient::connect(format!("http://{gateway_address}"))
            .await
            .expect("gateway reachable");

        let (engine, engine_metrics, engine_db) =
            start_engine_with(gateway_address, adjust_engine).await;
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

    /// Makes SII hold exactly `documents` as the test company's `operation` register of the
    /// test period (instead of generated ones).
    pub async fn load_register(&self, operation: Operation, documents: &[RcvDocument]) {
        self.load(operation, documents, None).await;
    }

    /// As [`Platform::load_register`], with SII's `dcvFecModificacion` (`dd/mm/yyyy hh:mm:ss`).
    pub async fn load_register_changed_at(
        &self,
        operation: Operation,
        documents: &[RcvDocument],
        modified_at: &str,
    ) {
        self.load(operation, documents, Some(modified_at)).await;
    }

    async fn load(
        &self,
        operation: Operation,
        documents: &[RcvDocument],
        modified_at: Option<&str>,
    ) {
        self.sim_admin(
            reqwest::Method::PUT,
            "/registers",
            Some(serde_json::json!({
                "company": company().to_string(),
                "period": period().to_string(),
                "operation": operation.as_str(),
                "modified_at": modified_at,
                "documents": documents,
            })),
        )
        .await;
    }

    /// Makes SII hold `volume` detail documents per register of the test company's period.
    pub async fn set_volume(&self, volume: u32) {
        self.set_volume_of(period(), volume).await;
    }

    /// Makes SII hold `volume` detail documents per register of the test company's `period`.
    pub async fn set_volume_of(&self, period: Period, volume: u32) {
        self.sim_admin(
            reqwest::Method::PUT,
            "/volume",
            Some(json!({"company": company().to_string(), "period": period.to_string(), "volume": volume})),
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
        self.served_in(period(), operation).await
    }

    /// What sii-sim serves now for one register of `period`.
    pub async fn served_in(&self, period: Period, operation: Operation) -> Vec<RcvDocument> {
        let answer = self
            .sim_admin(
                reqwest::Method::GET,
                &format!(
                    "/documents?company={}&period={period}&operation={operation}",
                    company(),
                ),
                None,
            )
            .await;
        serde_json::from_value(answer["documents"].clone()).expect("sii-sim's documents")
    }

    /// Imports both registers of the period into the gateway over gRPC and waits until both
    /// jobs succeeded.
    pub async fn import(&mut self) {
        self.import_range(period(), period()).await;
    }

    /// Imports both registers of every period from `from` through `to` and waits until every
    /// job succeeded.
    pub async fn import_range(&mut self, from: Period, to: Period) {
        self.import_registers(from, to, &[Operation::Compra, Operation::Venta])
            .await;
    }

    /// Imports `registers` of every period from `from` through `to` and waits until every
    /// job succeeded.
    pub async fn import_registers(&mut self, from: Period, to: Period, registers: &[Operation]) {
        let operations = registers
            .iter()
            .map(|o| sii::Operation::from(*o).into())
            .collect();
        let started = self
            .gateway
            .start_import(operator(sii::StartImportRequest {
                companies: vec![company().to_string()],
                from_period: from.to_string(),
                to_period: to.to_string(),
                operations,
                requested_by: String::new(),
                request_id: String::new(),
            }))
            .await
            .expect("start import")
            .into_inner();
        let months = from.through(to).count();
        assert_eq!(
            started.jobs.len(),
            registers.len() * months,
            "one job per register and period"
        );
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

    /// What a user downloads from SII's RCV for the period, through sii-sim's facade over
    /// HTTP with a token of the test certificate: one CSV per purchase state and one of sales
    /// (the export methods, every type at once), plus the sales summary rows of the types SII
    /// keeps without detail (what the RCV's "Resumen" screen shows), as the CLI's
    /// `--ventas-resumen` YAML.
    pub async fn download(&self) -> Downloads {
        let environment = Environment::Sim(self.sim_base.clone());
        let config = ClientConfig::default();
        let transport =
            Transport::new(&config, Arc::new(NoObserver)).expect("sii-client transport");
        let password = Secret::from_file(cert_dir().join("password.txt")).expect("password");
        let certificate =
            Certificate::from_pkcs12_file(cert_dir().join("valid.p12"), &password, Utc::now())
                .expect("test certificate");
        let authenticator = Authenticator::new(
            transport,
            environment.clone(),
            Arc::new(certificate),
            config.clone(),
        );
        let tokens = TokenCache::new(
            environment.clone(),
            Some(authenticator),
            config.token_lifetime,
            Arc::new(NoObserver),
        );
        let (token, _) = tokens.token().await.expect("a token from sii-sim");
        let facade = |method: FacadeMethod, operation: Operation, state: Option<PurchaseState>| {
            let query = RcvQuery {
                company: company(),
                period: period(),
                operation,
                state,
                tipo_doc: None,
            };
            let request = build(method, &token, &query).expect("facade request");
            let url = request.url(&environment).expect("sii-sim has the RCV");
            let mut post = self.http.post(url).body(request.body);
            for (name, value) in &request.headers {
                post = post.header(*name, value.as_str());
            }
            async move {
                let response = post.send().await.expect("facade call");
                assert!(response.status().is_success(), "{method:?}");
                response.bytes().await.expect("facade body").to_vec()
            }
        };
        // A state or register without documents answers "no data": no file to download.
        let export = |body: Vec<u8>| {
            let lines = parse_export(&body).expect("export answer").items;
            (!lines.is_empty()).then(|| {
                let mut csv = lines.join("\n");
                csv.push('\n');
                csv
            })
        };
        let mut compras = Vec::new();
        for state in PurchaseState::ALL {
            let body = facade(
                FacadeMethod::export(Operation::Compra),
                Operation::Compra,
                Some(state),
            )
            .await;
            if let Some(csv) = export(body) {
                compras.push((state, csv));
            }
        }
        let ventas = export(
            facade(
                FacadeMethod::export(Operation::Venta),
                Operation::Venta,
                None,
            )
            .await,
        )
        .expect("sii-sim sold something");
        let resumen =
            parse_resumen(&facade(FacadeMethod::GetResumen, Operation::Venta, None).await)
                .expect("resumen answer");
        let mut resumen_yaml = String::new();
        for row in resumen.items.rows {
            // SII says a type has no detail with rsmnLink false or a RES… tipo de ingreso
            // (sii-client reads it the same way when importing).
            let no_detail = row
                .link
                .as_deref()
                .is_some_and(|l| l.eq_ignore_ascii_case("false") || l == "0")
                || row
                    .tipo_ingreso
                    .as_deref()
                    .is_some_and(|t| t.to_ascii_uppercase().starts_with("RES"));
            if no_detail && row.document_count > 0 {
                resumen_yaml.push_str(&format!(
                    "- {{tipo_dte: {}, documentos: {}, exento: {}, neto: {}, iva: {}, total: {}}}\n",
                    row.tipo_dte, row.document_count, row.exento, row.neto, row.iva, row.total
                ));
            }
        }
        Downloads {
            compras,
            ventas,
            resumen_yaml,
        }
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

/// The files a user downloads from SII's RCV for one period (see [`Platform::download`]).
pub struct Downloads {
    /// One CSV per purchase state with documents, header first.
    pub compras: Vec<(PurchaseState, String)>,
    /// The sales CSV.
    pub ventas: String,
    /// `--ventas-resumen` YAML: the summary-only sales types (empty when there are none).
    pub resumen_yaml: String,
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
