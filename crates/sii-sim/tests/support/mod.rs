//! What every integration test shares: the real sii-sim on loopback port 0, its admin API
//! over HTTP, sii-client's committed test certificates, and clients built the way
//! sii-gateway builds them.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use ofitec_domain::Secret;
use ofitec_domain::{Period, Rut};
use ofitec_platform::shutdown::CancellationToken;
use serde_json::{Value, json};
use sii_client::Environment;
use sii_client::cert::Certificate;
use sii_client::client::{Authenticator, ClientConfig, Observer, RcvClient, TokenCache, Transport};
use sii_sim::{Application, Config};

/// A running simulator; stops when dropped.
pub struct Sim {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// The configuration it runs with (seed, volumes).
    pub config: Config,
    http: reqwest::Client,
    shutdown: CancellationToken,
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

impl Sim {
    /// Starts sii-sim with the test configuration.
    pub async fn start() -> Sim {
        Sim::start_with(Config::for_tests()).await
    }

    /// Starts sii-sim with `config` (its listen address is forced to loopback port 0).
    pub async fn start_with(mut config: Config) -> Sim {
        config.listen = ofitec_platform::config::ListenAddr::loopback(0);
        let app = Application::build(config.clone())
            .await
            .expect("sii-sim builds");
        let base = format!("http://{}", app.address());
        let shutdown = app.shutdown_token();
        tokio::spawn(app.run_until_stopped());
        Sim {
            base,
            config,
            http: reqwest::Client::new(),
            shutdown,
        }
    }

    /// The environment sii-client uses to talk to this simulator.
    pub fn environment(&self) -> Environment {
        Environment::Sim(self.base.clone())
    }

    async fn admin(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .http
            .request(method, format!("{}/admin{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("admin call");
        let status = response.status();
        let value: Value = response.json().await.expect("admin JSON");
        assert!(status.is_success(), "admin {path}: {status} {value}");
        value
    }

    /// `PUT /admin/registers` with `body`: the HTTP status and the answer.
    pub async fn load_register(&self, body: Value) -> (u16, Value) {
        let response = self
            .http
            .put(format!("{}/admin/registers", self.base))
            .json(&body)
            .send()
            .await
            .expect("admin call");
        let status = response.status().as_u16();
        (status, response.json().await.expect("admin JSON"))
    }

    /// Adds a fault rule (the shape of `POST /admin/faults`); returns its id.
    pub async fn fault(&self, rule: Value) -> u64 {
        let answer = self
            .admin(reqwest::Method::POST, "/faults", Some(rule))
            .await;
        answer["id"].as_u64().expect("fault id")
    }

    /// Removes every fault rule.
    pub async fn clear_faults(&self) {
        self.admin(reqwest::Method::DELETE, "/faults", None).await;
    }

    /// Zeroes the counters, forgets seeds, tokens and faults.
    pub async fn reset(&self) {
        self.admin(reqwest::Method::POST, "/reset", None).await;
    }

    /// Moves the simulator's clock.
    pub async fn advance_clock(&self, seconds: i64) {
        self.admin(
            reqwest::Method::POST,
            "/clock",
            Some(json!({ "advance_s": seconds })),
        )
        .await;
    }

    /// Sets one company's volume for a period.
    pub async fn set_volume(&self, company: Rut, period: Period, volume: u32) {
        self.admin(
            reqwest::Method::PUT,
            "/volume",
            Some(json!({
                "company": company.to_string(),
                "period": period.to_string(),
                "volume": volume,
            })),
        )
        .await;
    }

    /// Kills every token the simulator handed out.
    pub async fn invalidate_tokens(&self) {
        self.admin(reqwest::Method::POST, "/tokens/invalidate", None)
            .await;
    }

    /// `GET /admin/stats`.
    pub async fn stats(&self) -> Stats {
        Stats(self.admin(reqwest::Method::GET, "/stats", None).await)
    }

    /// A raw POST (for hand-built protocol steps).
    pub async fn post(
        &self,
        path: &str,
        headers: &[(&str, String)],
        body: String,
    ) -> (u16, String) {
        let mut request = self.http.post(format!("{}{path}", self.base)).body(body);
        for (name, value) in headers {
            request = request.header(*name, value.as_str());
        }
        let response = request.send().await.expect("POST");
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }
}

/// A snapshot of `GET /admin/stats`.
#[derive(Debug, Clone)]
pub struct Stats(pub Value);

impl Stats {
    /// Requests to `endpoint` (`seed`, `token`, `resumen`, `detalle`, `export`).
    pub fn total(&self, endpoint: &str) -> u64 {
        self.0["endpoints"][endpoint]["total"].as_u64().unwrap_or(0)
    }

    /// Requests to `endpoint` with `outcome`.
    pub fn outcome(&self, endpoint: &str, outcome: &str) -> u64 {
        self.0["endpoints"][endpoint]["outcomes"][outcome]
            .as_u64()
            .unwrap_or(0)
    }
}

/// sii-client's committed test certificates.
pub fn cert_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../sii-client/tests/data/certs")
}

/// The password of every committed test certificate.
pub fn cert_password() -> Secret {
    Secret::from_file(cert_dir().join("password.txt")).expect("password file")
}

/// Loads a committed certificate as valid at `now`.
pub fn load_cert_at(name: &str, now: DateTime<Utc>) -> Certificate {
    Certificate::from_pkcs12_file(cert_dir().join(name), &cert_password(), now)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// `valid.p12`: holder 12345678-5, enrolled in the test configuration.
pub fn valid_cert() -> Certificate {
    load_cert_at("valid.p12", Utc::now())
}

/// Deadlines and backoff short enough for tests; retries bounded at `max_attempts`.
pub fn fast_config() -> ClientConfig {
    ClientConfig {
        timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(2),
        max_attempts: 3,
        backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        ..ClientConfig::default()
    }
}

/// Counts what the client reports, the way sii-gateway's metrics do.
#[derive(Debug, Default)]
pub struct Counting {
    /// Tokens obtained.
    pub refreshes: AtomicU32,
}

impl Observer for Counting {
    fn call(&self, _call: &'static str, _outcome: &'static str, _elapsed: Duration) {}
    fn token_refreshed(&self, _environment: &'static str, _reason: &'static str) {
        self.refreshes.fetch_add(1, Ordering::SeqCst);
    }
}

/// A client as sii-gateway builds one.
pub struct Client {
    /// The RCV client.
    pub rcv: RcvClient,
    /// Its token cache.
    pub tokens: Arc<TokenCache>,
    /// What it reported.
    pub observer: Arc<Counting>,
}

/// A client of `sim` signing with `certificate` (none: manual sessions only).
pub fn client(sim: &Sim, certificate: Option<Certificate>, config: ClientConfig) -> Client {
    let observer = Arc::new(Counting::default());
    let transport = Transport::new(&config, observer.clone()).expect("transport");
    let environment = sim.environment();
    let authenticator = certificate.map(|c| {
        Authenticator::new(
            transport.clone(),
            environment.clone(),
            Arc::new(c),
            config.clone(),
        )
    });
    let tokens = Arc::new(TokenCache::new(
        environment,
        authenticator,
        config.token_lifetime,
        observer.clone(),
    ));
    let rcv = RcvClient::new(transport, tokens.clone(), config);
    Client {
        rcv,
        tokens,
        observer,
    }
}

/// 76123456-0, the company most tests read.
pub fn company() -> Rut {
    Rut::parse("76123456-0").expect("RUT")
}

/// November 2024: a past period, so the simulator has its register.
pub fn period() -> Period {
    Period::parse("2024-11").expect("period")
}
