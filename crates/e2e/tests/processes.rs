//! The real binaries as processes: configuration errors, signals and request ids.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::time::Duration;

use nix::sys::signal::Signal;
use ofitec_testkit::TestDatabase;
use ofitec_testkit::process::ServiceProcess;

const START: Duration = Duration::from_secs(20);

fn loopback_any() -> String {
    "127.0.0.1:0".to_owned()
}

/// Starts an internal gRPC service on port 0 and returns it with its gRPC address.
async fn start_internal(
    name: &str,
    db: &TestDatabase,
    extra: &[(&str, String)],
) -> (ServiceProcess, String) {
    let mut env = vec![
        ("DATABASE_URL", db.url_string()),
        ("OFITEC__GRPC__LISTEN", loopback_any()),
        ("OFITEC__GRPC__HEALTH_INTERVAL_MS", "100".to_owned()),
        ("OFITEC__METRICS__LISTEN", loopback_any()),
    ];
    env.extend(extra.iter().cloned());
    let process = ServiceProcess::spawn(name, &[], &env);
    let address = process
        .wait_for_address("serving gRPC", "grpc", START)
        .await;
    (process, format!("http://{address}"))
}

#[tokio::test]
async fn configuration_errors_exit_2_naming_the_problem() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("gateway.yaml");
    std::fs::write(
        &file,
        "grpc:\n  listen: 127.0.0.1:0\n  helth_interval_ms: 5\n",
    )
    .expect("write config");
    let file = file.display().to_string();

    // (binary, arguments, environment, what the message must name)
    type Case<'a> = (&'a str, Vec<&'a str>, Vec<(&'a str, String)>, &'a str);
    let cases: Vec<Case> = vec![
        (
            "sii-gateway",
            vec!["--config", &file],
            vec![],
            "helth_interval_ms",
        ),
        (
            "f29-engine",
            vec![],
            vec![("DATABASE_URL", "mysql://db/x".to_owned())],
            "unsupported database URL scheme `mysql`",
        ),
        (
            "backup-agent",
            vec![],
            vec![("OFITEC__GRPC__LISTEN", "0.0.0.0:70000".to_owned())],
            "invalid port `70000`",
        ),
        (
            "edge-api",
            vec![],
            vec![("OFITEC__HTTP__LISTEN", "0.0.0.0:99999".to_owned())],
            "invalid port `99999`",
        ),
        (
            "edge-api",
            vec![],
            vec![("OFITEC__HTTP__CORS", "[x]".to_owned())],
            "unknown field `cors`",
        ),
        (
            "sii-sim",
            vec!["--config", "/nonexistent/sim.yaml"],
            vec![],
            "/nonexistent/sim.yaml",
        ),
    ];
    for (binary, args, env, needle) in cases {
        let process = ServiceProcess::spawn(binary, &args, &env);
        let (status, output) = process.wait_output(Duration::from_secs(10)).await;
        assert_eq!(
            status.code(),
            Some(2),
            "{binary} {args:?} {env:?}: {output}"
        );
        assert!(output.contains("configuration error"), "{binary}: {output}");
        assert!(
            output.contains(needle),
            "{binary}: expected `{needle}` in: {output}"
        );
    }
}

#[tokio::test]
async fn a_database_that_cannot_be_opened_stops_start_up_with_exit_1() {
    let process = ServiceProcess::spawn(
        "sii-gateway",
        &[],
        &[
            (
                "DATABASE_URL",
                "postgres://nobody@127.0.0.1:1/none".to_owned(),
            ),
            ("OFITEC__DATABASE__STARTUP_TIMEOUT_S", "1".to_owned()),
            ("OFITEC__GRPC__LISTEN", loopback_any()),
            ("OFITEC__METRICS__LISTEN", loopback_any()),
        ],
    );
    let (status, output) = process.wait_output(Duration::from_secs(20)).await;
    assert_eq!(status.code(), Some(1), "{output}");
    assert!(output.contains("cannot start"), "{output}");
    assert!(output.contains("database"), "{output}");
}

#[tokio::test]
async fn sigterm_stops_every_internal_service_with_exit_0() {
    for name in ["sii-gateway", "f29-engine", "backup-agent"] {
        let db = TestDatabase::new();
        let (process, _) = start_internal(name, &db, &[]).await;
        process.signal(Signal::SIGTERM);
        let (status, output) = process.wait_output(Duration::from_secs(15)).await;
        assert_eq!(status.code(), Some(0), "{name}: {output}");
        assert!(output.contains("draining"), "{name}: {output}");
    }
}

#[tokio::test]
async fn sigterm_during_an_in_flight_request_still_completes_it() {
    let dbs = [
        TestDatabase::new(),
        TestDatabase::new(),
        TestDatabase::new(),
    ];
    let (gateway, gateway_url) = start_internal("sii-gateway", &dbs[0], &[]).await;
    let (_f29, f29_url) = start_internal("f29-engine", &dbs[1], &[]).await;
    let (_backup, backup_url) = start_internal("backup-agent", &dbs[2], &[]).await;
    let edge = ServiceProcess::spawn(
        "edge-api",
        &[],
        &[
            ("OFITEC__HTTP__LISTEN", loopback_any()),
            ("OFITEC__SERVICES__HEALTH_TIMEOUT_MS", "3000".to_owned()),
            (
                "OFITEC__AUTH__DEV_SECRET",
                edge_api::config::TEST_SECRET.to_owned(),
            ),
            ("SII_GATEWAY_URL", gateway_url),
            ("F29_ENGINE_URL", f29_url),
            ("BACKUP_AGENT_URL", backup_url),
        ],
    );
    let address = edge.wait_for_address("listening", "address", START).await;
    let health = format!("http://{address}/api/health");
    let token = ofitec_e2e::token("ops", ofitec_domain::identity::Role::Viewer, &["*"]);
    let client = reqwest::Client::new();
    ofitec_testkit::wait_until("healthy platform", Duration::from_secs(10), || async {
        let ok = reqwest::get(&health)
            .await
            .map(|r| r.status().as_u16() == 200)
            .unwrap_or(false);
        ok.then_some(())
    })
    .await;

    // A frozen gateway keeps edge-api's health check waiting up to its 3 s deadline.
    gateway.signal(Signal::SIGSTOP);
    let request = tokio::spawn({
        let request = client.get(&health).bearer_auth(&token);
        async move { request.send().await }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    edge.signal(Signal::SIGTERM);

    let response = request
        .await
        .expect("request task")
        .expect("in-flight request answered");
    assert_eq!(response.status().as_u16(), 503);
    let body: serde_json::Value = response.json().await.expect("json body");
    assert_eq!(body["services"][0]["status"], "UNREACHABLE", "{body}");
    let (status, output) = edge.wait_output(Duration::from_secs(15)).await;
    assert_eq!(status.code(), Some(0), "{output}");
    gateway.signal(Signal::SIGCONT);
}

#[tokio::test]
async fn request_id_travels_from_edge_api_to_internal_services() {
    let dbs = [
        TestDatabase::new(),
        TestDatabase::new(),
        TestDatabase::new(),
    ];
    let debug = [("RUST_LOG", "debug,h2=info,tower=info,hyper=info".to_owned())];
    let (gateway, gateway_url) = start_internal("sii-gateway", &dbs[0], &debug).await;
    let (_f29, f29_url) = start_internal("f29-engine", &dbs[1], &[]).await;
    let (_backup, backup_url) = start_internal("backup-agent", &dbs[2], &[]).await;
    let edge = ServiceProcess::spawn(
        "edge-api",
        &[],
        &[
            ("OFITEC__HTTP__LISTEN", loopback_any()),
            ("SII_GATEWAY_URL", gateway_url),
            ("F29_ENGINE_URL", f29_url),
            ("BACKUP_AGENT_URL", backup_url),
        ],
    );
    let address = edge.wait_for_address("listening", "address", START).await;
    let response = reqwest::Client::new()
        .get(format!("http://{address}/api/health"))
        .header("x-request-id", "trace-me-7f3a")
        .send()
        .await
        .expect("health request");
    assert_eq!(
        response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok()),
        Some("trace-me-7f3a")
    );
    let line = gateway
        .wait_for_log("trace-me-7f3a", Duration::from_secs(5))
        .await;
    assert!(line.contains("grpc.health.v1.Health"), "{line}");
    let edge_line = edge
        .wait_for_log("trace-me-7f3a", Duration::from_secs(5))
        .await;
    assert!(
        edge_line.contains("\"route\":\"/api/health\""),
        "{edge_line}"
    );
}
