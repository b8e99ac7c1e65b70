//! Backups over HTTP: status and snapshots for operators, runs and drills for administrators,
//! through the real edge-api and backup-agent — first the platform as tests start it (no
//! plans), then an agent with a directory plan backed up by the real restic (which
//! `make test` installs, as backup-agent's own tests need it).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::time::Duration;

use ofitec_domain::identity::Role;
use ofitec_e2e::{Platform, Running};
use ofitec_testkit::TestDatabase;
use serde_json::{Value, json};

async fn call(
    method: reqwest::Method,
    url: String,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .request(method, url)
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn get(base: &str, path: &str, token: &str) -> (u16, Value) {
    call(
        reqwest::Method::GET,
        format!("{base}/api{path}"),
        token,
        None,
    )
    .await
}

async fn post(base: &str, path: &str, token: &str, body: Value) -> (u16, Value) {
    call(
        reqwest::Method::POST,
        format!("{base}/api{path}"),
        token,
        Some(body),
    )
    .await
}

#[tokio::test]
async fn without_plans_the_status_answers_and_runs_and_drills_name_the_problem() {
    let platform = Platform::start().await;
    let base = platform.edge.url();
    let viewer = platform.token("vera", Role::Viewer, &["*"]);
    let operator = platform.token("ana", Role::Operator, &["76123456-0"]);
    let admin = platform.token("root", Role::Admin, &["*"]);

    let (status, body) = get(&base, "/backup/status", &viewer).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("forbidden_role"))
    );
    let (status, body) = get(&base, "/backup/status", &operator).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["plans"], json!([]));
    let missing: Vec<&str> = body["missing_tools"]
        .as_array()
        .expect("missing_tools")
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();

    // Listing snapshots needs restic even with nothing to list; either way the answer says so.
    let (status, body) = get(&base, "/backup/snapshots", &operator).await;
    if missing.contains(&"restic") {
        assert_eq!(
            (status, body["error"].as_str()),
            (409, Some("tool_missing"))
        );
    } else {
        assert_eq!((status, &body["snapshots"]), (200, &json!([])), "{body}");
    }

    let (status, body) = post(&base, "/backup/run", &operator, json!({"plan": "nightly"})).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("forbidden_role"))
    );
    let (status, body) = post(&base, "/backup/run", &admin, json!({"plan": "nightly"})).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("plan_unknown")),
        "{body}"
    );
    assert!(body["message"].as_str().unwrap().contains("nightly"));
    let (status, body) = post(
        &base,
        "/backup/run",
        &admin,
        json!({"plan": "nightly", "reason": "whim"}),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("reason_invalid")),
        "{body}"
    );
    let (status, body) = post(
        &base,
        "/backup/run",
        &admin,
        json!({"plan": "nightly", "reason": "scheduled"}),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str(), body["field"].as_str()),
        (400, Some("reason_invalid"), Some("reason")),
        "{body}"
    );
    let (status, body) = post(&base, "/backup/run", &admin, json!({"plan": " "})).await;
    assert_eq!(
        (status, body["error"].as_str(), body["field"].as_str()),
        (400, Some("invalid_argument"), Some("plan"))
    );

    let (status, body) = post(
        &base,
        "/backup/drill",
        &operator,
        json!({"plan": "nightly"}),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("forbidden_role"))
    );
    let (status, body) = post(&base, "/backup/drill", &admin, json!({"plan": "nightly"})).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("plan_unknown")),
        "{body}"
    );
}

#[tokio::test]
async fn a_run_started_over_http_is_listed_then_proven_by_a_drill() {
    let dir = tempfile::tempdir().expect("tempdir");
    let files = dir.path().join("config");
    std::fs::create_dir_all(files.join("nested")).expect("dirs");
    std::fs::write(files.join("edge-api.yaml"), "http:\n  workers: 2\n").expect("file");
    std::fs::write(files.join("nested/keys.yaml"), "keys: []\n").expect("file");
    let password = dir.path().join("restic.pass");
    std::fs::write(&password, "e2e-repository-password\n").expect("password");
    let plans = dir.path().join("plans.yaml");
    std::fs::write(
        &plans,
        format!(
            "plans:\n  - name: files\n    sources:\n      - name: config\n        directory: \"{}\"\n    repositories:\n      primary: {{ name: local, url: \"{}\", password_file: \"{}\", timeout_s: 120 }}\n      offsite: []\n",
            files.display(),
            dir.path().join("repo").display(),
            password.display()
        ),
    )
    .expect("plans");
    let catalog = TestDatabase::new();
    let mut config = backup_agent::Config::for_tests(catalog.url());
    config.backup.work_dir = dir.path().join("work");
    config.backup.plans_file = Some(plans);
    config.backup.scheduler = false;
    config.resolve_plans("test").expect("valid plans");
    let app = backup_agent::Application::build(config)
        .await
        .expect("build backup-agent");
    let agent = Running::start(app.address(), app);
    // Only backup-agent is needed; the other services' addresses are never called.
    let unused = "http://127.0.0.1:9".to_owned();
    let app = edge_api::Application::build(edge_api::Config::for_tests(
        unused.clone(),
        unused,
        agent.url(),
    ))
    .await
    .expect("build edge-api");
    let edge = Running::start(app.address(), app);
    let base = edge.url();
    let admin = ofitec_e2e::token("root", Role::Admin, &["*"]);
    let operator = ofitec_e2e::token("ana", Role::Operator, &["*"]);

    let (status, body) = get(&base, "/backup/status", &operator).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["plans"][0]["plan"], "files");
    assert_eq!(body["plans"][0]["state"], "never_run");
    assert!(body["plans"][0]["last_success_at"].is_null(), "{body}");
    assert_eq!(body["plans"][0]["repositories"][0]["name"], "local");
    assert_eq!(body["plans"][0]["repositories"][0]["role"], "primary");

    let (status, run) = post(&base, "/backup/run", &admin, json!({"plan": "files"})).await;
    assert_eq!(status, 202, "{run}");
    assert_eq!(run["plan"], "files");
    assert_eq!(run["reason"], "manual");
    assert_eq!(run["requested_by"], "root");
    assert!(!run["id"].as_str().unwrap().is_empty());

    // The 202's id is followed through GET /api/backup/runs until the run ends.
    let id = run["id"].as_str().unwrap().to_owned();
    let followed =
        ofitec_testkit::wait_until("the run to finish", Duration::from_secs(120), || {
            let base = base.clone();
            let operator = operator.clone();
            let id = id.clone();
            async move {
                let (status, body) = get(&base, &format!("/backup/runs?id={id}"), &operator).await;
                assert_eq!(status, 200, "{body}");
                let run = body["runs"][0].clone();
                (run["result"] != "running").then_some(run)
            }
        })
        .await;
    assert_eq!(followed["id"], id.as_str());
    assert_eq!(followed["result"], "succeeded", "{followed}");
    assert!(followed["finished_at"].is_string(), "{followed}");
    assert!(followed["error"].is_null(), "{followed}");
    let steps: Vec<(String, String)> = followed["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["step"].as_str().unwrap().to_owned(),
                s["result"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for step in ["preflight", "dump:config", "manifest", "backup"] {
        assert!(
            steps.contains(&(step.to_owned(), "ok".to_owned())),
            "{step}: {steps:?}"
        );
    }
    assert_eq!(followed["snapshots"][0]["repository"], "local");
    let (status, body) = get(&base, "/backup/runs?plan=files", &operator).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["runs"].as_array().unwrap().len(), 1, "{body}");
    let (status, body) = get(&base, "/backup/runs?id=no-such-run", &operator).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("not_found")),
        "{body}"
    );
    let (status, body) = get(&base, "/backup/runs?limit=0", &operator).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_argument")),
        "{body}"
    );
    let (status, body) = get(&base, "/backup/runs?plan=other", &operator).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("plan_unknown")),
        "{body}"
    );
    let viewer = ofitec_e2e::token("vera", Role::Viewer, &["*"]);
    let (status, body) = get(&base, "/backup/runs", &viewer).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("forbidden_role")),
        "{body}"
    );

    let (_, body) = get(&base, "/backup/status", &operator).await;
    let plan = body["plans"][0].clone();
    assert_eq!(plan["running"], false, "{plan}");
    assert_eq!(plan["state"], "ok", "{plan}");
    assert!(plan["last_success_at"].is_string(), "{plan}");
    assert!(plan["last_failure_at"].is_null(), "{plan}");

    let (status, body) = get(&base, "/backup/snapshots?plan=files", &operator).await;
    assert_eq!(status, 200, "{body}");
    let snapshots = body["snapshots"].as_array().unwrap();
    assert_eq!(snapshots.len(), 1, "{body}");
    assert_eq!(snapshots[0]["plan"], "files");
    assert_eq!(snapshots[0]["repository"], "local");
    let tags: Vec<&str> = snapshots[0]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert!(tags.contains(&"reason=manual"), "{tags:?}");
    let short_id = snapshots[0]["id"].as_str().unwrap().to_owned();
    let (status, body) = get(&base, "/backup/snapshots?plan=other", &operator).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("plan_unknown"))
    );

    // A drill outlasts ordinary calls: an edge-api whose call deadline is far shorter than
    // any restore still answers with the drill's outcome (`backup_drill_timeout_ms`).
    let mut impatient = edge_api::Config::for_tests(
        "http://127.0.0.1:9".to_owned(),
        "http://127.0.0.1:9".to_owned(),
        agent.url(),
    );
    impatient.services.call_timeout_ms = 1;
    let app = edge_api::Application::build(impatient)
        .await
        .expect("build edge-api");
    let impatient = Running::start(app.address(), app);
    // Listing snapshots runs restic (tens of milliseconds at least): ordinary calls do time out.
    let (status, body) = get(&impatient.url(), "/backup/snapshots", &operator).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (504, Some("upstream_timeout")),
        "an ordinary call does time out: {body}"
    );
    let (status, drill) = post(
        &impatient.url(),
        "/backup/drill",
        &admin,
        json!({"plan": "files"}),
    )
    .await;
    assert_eq!(status, 200, "{drill}");
    assert_eq!(drill["result"], "succeeded", "{drill}");
    assert_eq!(drill["problems"], json!([]));
    let restored = drill["snapshot_id"].as_str().unwrap();
    assert!(
        restored.starts_with(&short_id) || short_id.starts_with(restored),
        "the drill restored the listed snapshot: {restored} vs {short_id}"
    );

    let (_, body) = get(&base, "/backup/status", &operator).await;
    let plan = &body["plans"][0];
    assert!(plan["last_drill_at"].is_string(), "{plan}");
    assert!(plan["last_drill_seconds"].as_f64().is_some(), "{plan}");
}
