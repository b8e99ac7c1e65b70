//! Shared test support: real restic, real pg_dump/pg_restore, a real PostgreSQL server
//! (`OFITEC_TEST_PG_ADMIN_URL`, else `OFITEC_TEST_POSTGRES_URL`; `make test` sets them),
//! a catalog on the backend `OFITEC_TEST_BACKEND` selects, and the real agent on port 0.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use backup_agent::agent::Agent;
use backup_agent::clock::{ManualClock, SharedClock, SystemClock};
use backup_agent::{Application, Config};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use ofitec_proto::backup::v1::backup_agent_client::BackupAgentClient;
use ofitec_testkit::TestDatabase;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

/// The repository password every test repository uses.
pub const PASSWORD: &str = "correct horse battery staple";

/// The PostgreSQL server the source databases live on.
pub fn pg_admin_url() -> String {
    std::env::var("OFITEC_TEST_PG_ADMIN_URL")
        .or_else(|_| std::env::var("OFITEC_TEST_POSTGRES_URL"))
        .expect(
            "backup-agent tests need a PostgreSQL server: set OFITEC_TEST_PG_ADMIN_URL \
             (scripts/test.sh, i.e. `make test`, does)",
        )
}

/// Where a real tool is installed.
pub fn real_tool(name: &str) -> PathBuf {
    let path = std::env::var("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{name} is not installed (make test installs it)"))
}

/// A test's directory, catalog and tool path.
pub struct TestEnv {
    /// Everything on disk.
    pub dir: tempfile::TempDir,
    /// The agent's catalog.
    pub catalog: TestDatabase,
    /// The repository password file.
    pub password_file: PathBuf,
    /// The agent's tool path (symlinks to the real tools).
    pub tools: PathBuf,
}

impl TestEnv {
    /// With every tool available.
    pub fn new() -> TestEnv {
        TestEnv::with_tools(&["restic", "pg_dump", "pg_restore"])
    }

    /// With only `tools` on the agent's tool path.
    pub fn with_tools(tools: &[&str]) -> TestEnv {
        let dir = tempfile::tempdir().expect("tempdir");
        let password_file = dir.path().join("restic.pass");
        std::fs::write(&password_file, format!("{PASSWORD}\n")).expect("password file");
        let bin = dir.path().join("bin");
        std::fs::create_dir_all(&bin).expect("bin");
        for tool in tools {
            std::os::unix::fs::symlink(real_tool(tool), bin.join(tool)).expect("symlink");
        }
        TestEnv {
            dir,
            catalog: TestDatabase::new(),
            password_file,
            tools: bin,
        }
    }

    /// A path inside the test directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A repository entry for the plans YAML.
    pub fn repo_yaml(&self, name: &str, url: &str) -> String {
        format!(
            "{{ name: {name}, url: \"{url}\", password_file: \"{}\", timeout_s: 120 }}",
            self.password_file.display()
        )
    }

    /// A plan with `sources` (YAML list items, indented for `sources:`), a local primary
    /// repository and `offsite` (YAML list, may be empty).
    pub fn plan_yaml(&self, name: &str, sources: &str, offsite: &str) -> String {
        let primary = self.repo_yaml(
            "local",
            &self.path(&format!("repo-{name}")).display().to_string(),
        );
        format!(
            "plans:\n  - name: {name}\n    sources:\n{sources}\n    repositories:\n      primary: {primary}\n      offsite: [{offsite}]\n"
        )
    }

    /// The agent's configuration for `plans_yaml`.
    pub fn config(&self, plans_yaml: &str) -> Config {
        let file = self.path("plans.yaml");
        std::fs::write(&file, plans_yaml).expect("plans file");
        let mut config = Config::for_tests(self.catalog.url());
        config.backup.work_dir = self.path("work");
        config.backup.plans_file = Some(file);
        config.backup.tool_path = Some(self.tools.display().to_string());
        config.backup.scheduler = false;
        config.resolve_plans("test").expect("valid plans");
        config
    }

    /// Starts the real agent.
    pub async fn start(&self, config: Config) -> Running {
        Running::start(config, Arc::new(SystemClock)).await
    }

    /// Starts the real agent with a manual clock.
    pub async fn start_with_clock(&self, config: Config, clock: ManualClock) -> Running {
        Running::start(config, Arc::new(clock)).await
    }
}

/// A running agent.
pub struct Running {
    /// The agent.
    pub agent: Arc<Agent>,
    /// gRPC address.
    pub address: std::net::SocketAddr,
    /// Metrics address.
    pub metrics: std::net::SocketAddr,
    token: CancellationToken,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl Running {
    async fn start(config: Config, clock: SharedClock) -> Running {
        let app = Application::build_with_clock(config, clock)
            .await
            .expect("build backup-agent");
        let agent = app.agent();
        let address = app.address();
        let metrics = app.metrics_address();
        let token = app.shutdown_token();
        let task = tokio::spawn(app.run_until_stopped());
        Running {
            agent,
            address,
            metrics,
            token,
            task: Some(task),
        }
    }

    /// A gRPC client that identifies itself like edge-api does.
    pub async fn client(&self) -> Client {
        connect(self.address).await
    }

    /// The Prometheus text.
    pub async fn metrics_text(&self) -> String {
        let mut stream = tokio::net::TcpStream::connect(self.metrics)
            .await
            .expect("metrics");
        stream
            .write_all(b"GET /metrics HTTP/1.0\r\nHost: x\r\n\r\n")
            .await
            .expect("request");
        let mut text = String::new();
        stream.read_to_string(&mut text).await.expect("response");
        text
    }

    /// Stops the agent and waits.
    pub async fn stop(mut self) {
        self.token.cancel();
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(15), task).await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.token.cancel();
    }
}

/// The value of a metric line starting with `prefix` (name and labels).
pub fn metric(text: &str, prefix: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(prefix))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

/// A source database on the test PostgreSQL server, dropped at the end.
pub struct PgSource {
    admin: String,
    /// Database name.
    pub name: String,
    /// Its URL.
    pub url: String,
}

impl PgSource {
    /// A new database filled by `sql`.
    pub fn new(sql: &str) -> PgSource {
        let admin = pg_admin_url();
        let name = format!("src_{}", uuid::Uuid::new_v4().simple());
        let mut conn = PgConnection::establish(&admin).expect("reach PostgreSQL");
        conn.batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .expect("create source database");
        let url = with_database(&admin, &name);
        let mut source = PgConnection::establish(&url).expect("reach the source");
        source.batch_execute(sql).expect("fill the source");
        PgSource { admin, name, url }
    }

    /// Runs `sql` on the source.
    pub fn execute(&self, sql: &str) {
        let mut conn = PgConnection::establish(&self.url).expect("reach the source");
        conn.batch_execute(sql).expect("execute");
    }

    /// Names of the databases on the server that start with `prefix`.
    pub fn databases_like(prefix: &str) -> Vec<String> {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Name {
            #[diesel(sql_type = diesel::sql_types::Text)]
            datname: String,
        }
        let mut conn = PgConnection::establish(&pg_admin_url()).expect("reach PostgreSQL");
        diesel::sql_query(format!(
            "SELECT datname FROM pg_database WHERE datname LIKE '{prefix}%'"
        ))
        .load::<Name>(&mut conn)
        .expect("list databases")
        .into_iter()
        .map(|n| n.datname)
        .collect()
    }
}

impl Drop for PgSource {
    fn drop(&mut self) {
        if let Ok(mut conn) = PgConnection::establish(&self.admin) {
            let _ = conn.batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// `postgres://u@h:p/x?q` → `postgres://u@h:p/<name>?q`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{host}/{name}?{q}"),
        None => format!("{host}/{name}"),
    }
}

/// SQL that creates two tables with `rows` rows (and a third, empty one).
pub fn sample_sql(rows: u32) -> String {
    format!(
        "CREATE TABLE registers (id BIGINT PRIMARY KEY, rut TEXT NOT NULL, amount BIGINT NOT NULL);
         INSERT INTO registers SELECT g, 'rut-' || g, g * 1000 FROM generate_series(1, {rows}) g;
         CREATE SCHEMA f29;
         CREATE TABLE f29.declarations (id BIGINT PRIMARY KEY, period TEXT NOT NULL);
         INSERT INTO f29.declarations SELECT g, '2026-' || (g % 12 + 1) FROM generate_series(1, {half}) g;
         CREATE TABLE empty_one (id INT);",
        half = rows / 2
    )
}

/// A SQLite database with `rows` rows of roughly `row_bytes` each.
pub fn make_sqlite(path: &Path, rows: u32, row_bytes: usize) {
    use diesel::SqliteConnection;
    let mut conn = SqliteConnection::establish(path.to_str().expect("utf-8 path")).expect("sqlite");
    conn.batch_execute(&format!(
        "PRAGMA journal_mode = WAL;
         CREATE TABLE documents (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
         CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT NOT NULL);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows})
         INSERT INTO documents SELECT i, hex(randomblob({half})) FROM n;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 7)
         INSERT INTO events SELECT i, 'imported' FROM n;",
        half = row_bytes / 2
    ))
    .expect("fill sqlite");
}

/// Snapshots of `plan` in a repository, through real restic (not the agent).
pub fn restic_snapshots(
    repo: &str,
    env: &[(&str, String)],
    password_file: &Path,
    plan: &str,
) -> Vec<serde_json::Value> {
    let mut command = std::process::Command::new(real_tool("restic"));
    command
        .args(["snapshots", "--json", "--no-lock", "--tag"])
        .arg(format!("plan={plan}"))
        .env("RESTIC_REPOSITORY", repo)
        .env("RESTIC_PASSWORD_FILE", password_file);
    for (k, v) in env {
        command.env(k, v);
    }
    let out = command.output().expect("run restic");
    assert!(
        out.status.success(),
        "restic snapshots failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("snapshots json")
}

/// Whether a restic repository has been initialised at a local path.
pub fn repo_exists(path: &Path) -> bool {
    path.join("config").is_file()
}

/// A free loopback port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

impl TestEnv {
    /// A YAML configuration file for the binary: this env's catalog, plans and tools.
    pub fn config_file(&self, plans_yaml: &str) -> PathBuf {
        let plans = self.path("plans.yaml");
        std::fs::write(&plans, plans_yaml).expect("plans file");
        let file = self.path("agent.yaml");
        std::fs::write(
            &file,
            format!(
                "grpc:\n  listen: 127.0.0.1:0\n  health_interval_ms: 100\nmetrics:\n  listen: 127.0.0.1:0\n\
                 database:\n  url: \"{}\"\nbackup:\n  work_dir: \"{}\"\n  plans_file: \"{}\"\n  tool_path: \"{}\"\n  scheduler: false\n",
                self.catalog.url_string(),
                self.path("work").display(),
                plans.display(),
                self.tools.display()
            ),
        )
        .expect("config file");
        file
    }
}

/// Lock ids in a local repository, read with real restic.
pub fn restic_locks(repo: &Path, password_file: &Path) -> Vec<String> {
    let out = std::process::Command::new(real_tool("restic"))
        .args(["list", "locks", "--no-lock"])
        .env("RESTIC_REPOSITORY", repo)
        .env("RESTIC_PASSWORD_FILE", password_file)
        .output()
        .expect("run restic");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

/// A client whose calls carry an admin caller identity (internal services require one).
pub type Client = BackupAgentClient<
    tonic::service::interceptor::InterceptedService<
        tonic::transport::Channel,
        fn(tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status>,
    >,
>;

fn add_caller(mut request: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
    use ofitec_domain::identity::{Caller, CompanyScope, Role};
    ofitec_platform::grpc::CallContext {
        request_id: ofitec_platform::grpc::RequestId::generate(),
        caller: Some(Caller {
            sub: "test-admin".to_owned(),
            role: Role::Admin,
            companies: CompanyScope::All,
        }),
    }
    .apply(request.metadata_mut());
    Ok(request)
}

/// Connects to an agent at `address`.
pub async fn connect(address: std::net::SocketAddr) -> Client {
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{address}"))
        .expect("endpoint")
        .connect()
        .await
        .expect("connect to the agent");
    BackupAgentClient::with_interceptor(
        channel,
        add_caller as fn(tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status>,
    )
}
