//! The whole platform started in one test process: each service is its real `Application`
//! on port 0 with its own fresh database, so tests exercise real gRPC between them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::time::Duration;

use ofitec_domain::identity::Role;
use ofitec_platform::runner::Runnable;
use ofitec_platform::shutdown::CancellationToken;
use ofitec_testkit::TestDatabase;
use tokio::task::JoinHandle;

pub mod gateway;

/// One service running inside the test process.
#[derive(Debug)]
pub struct Running {
    /// Address the service bound.
    pub address: SocketAddr,
    shutdown: CancellationToken,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

impl Running {
    /// Starts a built application on the test runtime.
    pub fn start<A: Runnable + Send + 'static>(address: SocketAddr, app: A) -> Running {
        let shutdown = app.shutdown_token();
        let task = tokio::spawn(app.run_until_stopped());
        Running {
            address,
            shutdown,
            task: Some(task),
        }
    }

    /// `http://address`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Stops the service gracefully and waits for it to finish.
    pub async fn stop(&mut self) {
        self.shutdown.cancel();
        if let Some(task) = self.task.take() {
            let result = tokio::time::timeout(Duration::from_secs(15), task)
                .await
                .expect("service stops within 15 s")
                .expect("service task");
            result.expect("service stops cleanly");
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// The five services, each with its own database, and sii-sim as SII.
#[derive(Debug)]
pub struct Platform {
    /// sii-sim, base URL `http://…`.
    pub sii_sim: Running,
    /// sii-gateway.
    pub sii_gateway: Running,
    /// f29-engine.
    pub f29_engine: Running,
    /// backup-agent.
    pub backup_agent: Running,
    /// edge-api.
    pub edge: Running,
    _databases: Vec<TestDatabase>,
}

impl Platform {
    /// Starts every internal service and edge-api in front of them.
    pub async fn start() -> Platform {
        Platform::start_with(|_| {}).await
    }

    /// Like [`Platform::start`], letting the test adjust edge-api's configuration.
    pub async fn start_with(customize: impl FnOnce(&mut edge_api::Config)) -> Platform {
        let databases = vec![
            TestDatabase::new(),
            TestDatabase::new(),
            TestDatabase::new(),
        ];

        let sim = sii_sim::Application::build(sii_sim::Config::for_tests())
            .await
            .expect("build sii-sim");
        let sii_sim = Running::start(sim.address(), sim);
        let certs = ofitec_testkit::workspace_root().join("crates/sii-client/tests/data/certs");
        let app = sii_gateway::Application::build(sii_gateway::Config::for_tests_against_sim(
            databases[0].url(),
            &sii_sim.url(),
            &certs.join("valid.p12"),
            &certs.join("password.txt"),
        ))
        .await
        .expect("build sii-gateway");
        let sii_gateway = Running::start(app.address(), app);
        let app = f29_engine::Application::build(
            f29_engine::Config::for_tests(databases[1].url()).with_sii_gateway(sii_gateway.url()),
        )
        .await
        .expect("build f29-engine");
        let f29_engine = Running::start(app.address(), app);
        let app =
            backup_agent::Application::build(backup_agent::Config::for_tests(databases[2].url()))
                .await
                .expect("build backup-agent");
        let backup_agent = Running::start(app.address(), app);

        let mut config =
            edge_api::Config::for_tests(sii_gateway.url(), f29_engine.url(), backup_agent.url());
        customize(&mut config);
        let app = edge_api::Application::build(config)
            .await
            .expect("build edge-api");
        let edge = Running::start(app.address(), app);
        Platform {
            sii_sim,
            sii_gateway,
            f29_engine,
            backup_agent,
            edge,
            _databases: databases,
        }
    }

    /// A development token for `sub` with `role` and `companies` (`*` for all).
    pub fn token(&self, sub: &str, role: Role, companies: &[&str]) -> String {
        token(sub, role, companies)
    }

    /// `http://edge-api/api<path>`.
    pub fn api(&self, path: &str) -> String {
        format!("{}/api{path}", self.edge.url())
    }
}

/// A development token signed with the test secret of `edge_api::Config::for_tests`.
pub fn token(sub: &str, role: Role, companies: &[&str]) -> String {
    let auth = edge_api::config::AuthConfig {
        dev_secret: Some(ofitec_domain::secret::Secret::new(
            edge_api::config::TEST_SECRET,
        )),
        ..Default::default()
    };
    let companies: Vec<String> = companies.iter().map(|c| (*c).to_owned()).collect();
    edge_api::auth::jwt::JwtVerifier::from_config(
        &auth,
        ofitec_platform::config::Environment::Development,
    )
    .and_then(|v| v.issue_dev_token(sub, role, &companies, 3600))
    .expect("development token")
}

/// A JSON GET returning status and body.
pub async fn get_json(url: &str) -> (u16, serde_json::Value) {
    let response = reqwest::get(url).await.expect("HTTP request");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(serde_json::Value::Null);
    (status, body)
}
