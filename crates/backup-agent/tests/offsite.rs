//! Offsite repositories on a real S3-compatible server (moto, started by the test): the
//! snapshot is copied there with matching chunker parameters; an offsite that is down leaves
//! a verified local backup and a degraded plan.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use backup_agent::run::Reason;
use ofitec_proto::backup::v1 as pb;
use support::{TestEnv, free_port, make_sqlite, metric, real_tool, restic_snapshots};

/// moto's S3 server on a free loopback port; killed when dropped.
struct Moto {
    port: u16,
    _child: tokio::process::Child,
}

impl Moto {
    async fn start() -> Moto {
        let port = free_port();
        let child = tokio::process::Command::new("python3")
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start moto (make test installs moto[server] from PyPI)");
        ofitec_testkit::wait_until("moto to listen", Duration::from_secs(30), || async move {
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .ok()
                .map(|_| ())
        })
        .await;
        Moto {
            port,
            _child: child,
        }
    }
}

fn s3_repo(env: &TestEnv, url: &str) -> String {
    std::fs::write(env.path("aws-key"), "testing\n").unwrap();
    std::fs::write(env.path("aws-secret"), "testing-secret\n").unwrap();
    format!(
        "{{ name: s3, url: \"{url}\", password_file: \"{}\", timeout_s: 120, env: {{ AWS_ACCESS_KEY_ID: {{ file: \"{}\" }}, AWS_SECRET_ACCESS_KEY: {{ file: \"{}\" }} }} }}",
        env.password_file.display(),
        env.path("aws-key").display(),
        env.path("aws-secret").display()
    )
}

fn chunker(
    repo: &str,
    env: &[(&str, String)],
    password_file: &std::path::Path,
) -> serde_json::Value {
    let mut command = std::process::Command::new(real_tool("restic"));
    command
        .args(["cat", "config", "--no-lock"])
        .env("RESTIC_REPOSITORY", repo)
        .env("RESTIC_PASSWORD_FILE", password_file);
    for (k, v) in env {
        command.env(k, v);
    }
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let config: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    config["chunker_polynomial"].clone()
}

#[tokio::test]
async fn a_snapshot_is_copied_to_an_s3_offsite_with_matching_chunker_parameters() {
    let moto = Moto::start().await;
    let env = TestEnv::new();
    let db = env.path("app.db");
    make_sqlite(&db, 200, 64);
    let url = format!(
        "s3:http://127.0.0.1:{}/offsite-{}",
        moto.port,
        uuid::Uuid::new_v4().simple()
    );
    let yaml = env.plan_yaml(
        "cloud",
        &format!("      - name: app\n        sqlite: \"{}\"", db.display()),
        &s3_repo(&env, &url),
    );
    let app = env.start(env.config(&yaml)).await;
    let run = app
        .agent
        .start_run("cloud", Reason::PreImport, "sii-gateway")
        .unwrap()
        .result
        .await;
    assert_eq!(run.result, "succeeded", "{}", run.error);
    let repos: Vec<&str> = run.snapshots.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(repos, ["local", "s3"]);
    assert!(
        run.steps
            .iter()
            .any(|s| s.step == "copy:s3" && s.result == "ok")
    );

    let aws = [
        ("AWS_ACCESS_KEY_ID", "testing".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "testing-secret".to_owned()),
    ];
    let offsite = restic_snapshots(&url, &aws, &env.password_file, "cloud");
    assert_eq!(offsite.len(), 1, "{offsite:?}");
    assert!(offsite[0]["tags"].to_string().contains("reason=pre-import"));
    let local = env.path("repo-cloud").display().to_string();
    assert_eq!(
        chunker(&url, &aws, &env.password_file),
        chunker(&local, &[], &env.password_file)
    );

    // A second run copies only the new snapshot.
    let again = app
        .agent
        .start_run("cloud", Reason::Manual, "test")
        .unwrap()
        .result
        .await;
    assert_eq!(again.result, "succeeded", "{}", again.error);
    assert_eq!(
        restic_snapshots(&url, &aws, &env.password_file, "cloud").len(),
        2
    );

    let status = app
        .client()
        .await
        .get_status(pb::GetStatusRequest {})
        .await
        .unwrap()
        .into_inner();
    let plan = &status.plans[0];
    assert_eq!(plan.state, "ok");
    assert!(
        plan.repositories
            .iter()
            .all(|r| r.reachable && !r.last_success_at.is_empty()),
        "{plan:?}"
    );
    let text = app.metrics_text().await;
    assert!(
        metric(
            &text,
            "backup_last_success_timestamp_seconds{plan=\"cloud\",repository=\"s3\"}"
        )
        .is_some()
    );
    app.stop().await;
}

#[tokio::test]
async fn an_offsite_that_is_down_leaves_a_verified_local_backup_and_a_degraded_plan() {
    let env = TestEnv::new();
    let db = env.path("app.db");
    make_sqlite(&db, 50, 64);
    let dead = format!("rest:http://127.0.0.1:{}/repo", free_port());
    let yaml = env.plan_yaml(
        "down",
        &format!("      - name: app\n        sqlite: \"{}\"", db.display()),
        &env.repo_yaml("far", &dead),
    );
    let app = env.start(env.config(&yaml)).await;
    let mut client = app.client().await;
    let run = client
        .run_backup(pb::RunBackupRequest {
            plan: "down".into(),
            reason: "scheduled".into(),
            requested_by: String::new(),
            wait: true,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(run.result, "degraded", "{run:?}");
    assert!(
        run.error.contains("copy:far: repository `far`"),
        "{}",
        run.error
    );
    assert!(run.error.contains("unreachable"), "{}", run.error);
    assert_eq!(run.snapshots.len(), 1);
    assert_eq!(run.snapshots[0].repository, "local");
    assert_eq!(
        restic_snapshots(
            &env.path("repo-down").display().to_string(),
            &[],
            &env.password_file,
            "down"
        )
        .len(),
        1
    );

    let status = client
        .get_status(pb::GetStatusRequest {})
        .await
        .unwrap()
        .into_inner();
    let plan = &status.plans[0];
    assert_eq!(plan.state, "degraded");
    let far = plan.repositories.iter().find(|r| r.name == "far").unwrap();
    assert!(!far.reachable && far.last_success_at.is_empty(), "{far:?}");
    assert!(far.last_error.contains("unreachable"));
    let local = plan
        .repositories
        .iter()
        .find(|r| r.name == "local")
        .unwrap();
    assert!(local.reachable && !local.last_success_at.is_empty());

    let text = app.metrics_text().await;
    assert_eq!(
        metric(&text, "backup_plan_degraded{plan=\"down\"}"),
        Some(1.0)
    );
    assert_eq!(
        metric(
            &text,
            "backup_repository_up{plan=\"down\",repository=\"far\"}"
        ),
        Some(0.0)
    );
    assert_eq!(
        metric(
            &text,
            "backup_repository_up{plan=\"down\",repository=\"local\"}"
        ),
        Some(1.0)
    );
    assert_eq!(
        metric(
            &text,
            "backup_runs_total{plan=\"down\",result=\"degraded\"}"
        ),
        Some(1.0)
    );
    assert!(
        metric(
            &text,
            "backup_last_success_timestamp_seconds{plan=\"down\",repository=\"local\"}"
        )
        .is_some()
    );
    assert!(
        metric(
            &text,
            "backup_last_success_timestamp_seconds{plan=\"down\",repository=\"far\"}"
        )
        .is_none()
    );
    app.stop().await;
}
