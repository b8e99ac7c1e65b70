//! Offsite repositories on a real S3-compatible server (moto, started by the test): the
//! snapshot is copied there with matching chunker parameters; an offsite that is down leaves
//! a verified local backup and a degraded plan, and gets the snapshots it missed when it is
//! back.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use backup_agent::outcome::{Outcome, RunResult};
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

/// A TCP relay in front of moto that the test cuts and restores: "the offsite is down"
/// (connections refused, as for a dead host or a closed firewall) without losing the buckets
/// moto keeps in memory.
struct Relay {
    port: u16,
    target: u16,
    accept: Option<tokio::task::JoinHandle<()>>,
}

impl Relay {
    async fn start(target: u16) -> Relay {
        let mut relay = Relay {
            port: free_port(),
            target,
            accept: None,
        };
        relay.up().await;
        relay
    }

    async fn up(&mut self) {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", self.port))
            .await
            .expect("relay port");
        let target = self.target;
        self.accept = Some(tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                tokio::spawn(async move {
                    if let Ok(mut outbound) =
                        tokio::net::TcpStream::connect(("127.0.0.1", target)).await
                    {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        }));
    }

    /// Closes the listening socket (the accept task owns it).
    async fn down(&mut self) {
        if let Some(task) = self.accept.take() {
            task.abort();
            let _ = task.await;
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
    let run = backup_agent::run::start(&app.agent, "cloud", Reason::PreImport, "sii-gateway")
        .unwrap()
        .result
        .await;
    assert_eq!(run.result, RunResult::Succeeded, "{}", run.error);
    let repos: Vec<&str> = run.snapshots.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(repos, ["local", "s3"]);
    assert!(
        run.steps
            .iter()
            .any(|s| s.step == "copy:s3" && s.result == Outcome::Ok)
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
    let again = backup_agent::run::start(&app.agent, "cloud", Reason::Manual, "test")
        .unwrap()
        .result
        .await;
    assert_eq!(again.result, RunResult::Succeeded, "{}", again.error);
    assert_eq!(
        restic_snapshots(&url, &aws, &env.password_file, "cloud").len(),
        2
    );

    let status = app
        .client()
        .await
        .get_status(pb::GetStatusRequest::default())
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
            reason: pb::RunReason::Scheduled.into(),
            requested_by: String::new(),
            wait: true,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(run.result(), pb::RunResult::Degraded, "{run:?}");
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
        .get_status(pb::GetStatusRequest::default())
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_s3_offsite_that_goes_down_degrades_the_plan_and_catches_up_when_back() {
    let moto = Moto::start().await;
    let mut relay = Relay::start(moto.port).await;
    let env = TestEnv::new();
    let db = env.path("app.db");
    make_sqlite(&db, 100, 64);
    let bucket = format!("offsite-{}", uuid::Uuid::new_v4().simple());
    // The agent reaches moto through the relay; the test checks moto directly.
    let through_relay = format!("s3:http://127.0.0.1:{}/{bucket}", relay.port);
    let direct = format!("s3:http://127.0.0.1:{}/{bucket}", moto.port);
    let yaml = env.plan_yaml(
        "flaky",
        &format!("      - name: app\n        sqlite: \"{}\"", db.display()),
        &s3_repo(&env, &through_relay),
    );
    let app = env.start(env.config(&yaml)).await;
    let aws = [
        ("AWS_ACCESS_KEY_ID", "testing".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "testing-secret".to_owned()),
    ];
    let local = env.path("repo-flaky").display().to_string();
    let run = |reason| {
        let agent = app.agent.clone();
        async move {
            backup_agent::run::start(&agent, "flaky", reason, "test")
                .unwrap()
                .result
                .await
        }
    };

    let first = run(Reason::Scheduled).await;
    assert_eq!(first.result, RunResult::Succeeded, "{}", first.error);
    assert_eq!(
        restic_snapshots(&direct, &aws, &env.password_file, "flaky").len(),
        1
    );

    // Down: the local backup is made and verified, the plan is degraded everywhere.
    relay.down().await;
    let down = run(Reason::Scheduled).await;
    assert_eq!(down.result, RunResult::Degraded, "{down:?}");
    assert!(
        down.error.starts_with("copy:s3: repository `s3`"),
        "{}",
        down.error
    );
    assert!(down.error.contains("unreachable"), "{}", down.error);
    assert!(!down.error.contains(support::PASSWORD));
    let repos: Vec<&str> = down.snapshots.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(repos, ["local"]);
    assert!(
        down.steps
            .iter()
            .any(|s| s.step == "backup" && s.result == Outcome::Ok)
    );
    assert!(
        down.steps
            .iter()
            .any(|s| s.step == "copy:s3" && s.result == Outcome::Failed)
    );
    assert_eq!(
        restic_snapshots(&local, &[], &env.password_file, "flaky").len(),
        2
    );
    assert_eq!(
        restic_snapshots(&direct, &aws, &env.password_file, "flaky").len(),
        1
    );
    let mut client = app.client().await;
    let status = client
        .get_status(pb::GetStatusRequest::default())
        .await
        .unwrap()
        .into_inner();
    let plan = &status.plans[0];
    assert_eq!(plan.state, "degraded", "{plan:?}");
    let s3 = plan.repositories.iter().find(|r| r.name == "s3").unwrap();
    assert!(!s3.reachable, "{s3:?}");
    assert!(s3.last_error.contains("unreachable"), "{s3:?}");
    // The offsite's last success is the first run's copy, not this run.
    assert!(!s3.last_success_at.is_empty(), "{s3:?}");
    let text = app.metrics_text().await;
    assert_eq!(
        metric(&text, "backup_plan_degraded{plan=\"flaky\"}"),
        Some(1.0)
    );
    assert_eq!(
        metric(
            &text,
            "backup_repository_up{plan=\"flaky\",repository=\"s3\"}"
        ),
        Some(0.0)
    );
    assert_eq!(
        metric(
            &text,
            "backup_runs_total{plan=\"flaky\",result=\"degraded\"}"
        ),
        Some(1.0)
    );
    let s3_success = metric(
        &text,
        "backup_last_success_timestamp_seconds{plan=\"flaky\",repository=\"s3\"}",
    )
    .unwrap();
    let local_success = metric(
        &text,
        "backup_last_success_timestamp_seconds{plan=\"flaky\",repository=\"local\"}",
    )
    .unwrap();
    assert!(
        s3_success <= local_success,
        "{s3_success} vs {local_success}"
    );

    // Back: the next run copies its snapshot and the one the offsite missed.
    relay.up().await;
    let back = run(Reason::Manual).await;
    assert_eq!(back.result, RunResult::Succeeded, "{}", back.error);
    let offsite = restic_snapshots(&direct, &aws, &env.password_file, "flaky");
    assert_eq!(offsite.len(), 3, "{offsite:?}");
    let down_local = &down.snapshots[0].1;
    assert!(
        offsite.iter().any(|s| s["original"]
            .as_str()
            .is_some_and(|o| o.starts_with(down_local.as_str()))),
        "the snapshot made while the offsite was down was copied: {offsite:?}"
    );
    let status = client
        .get_status(pb::GetStatusRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(status.plans[0].state, "ok", "{:?}", status.plans[0]);
    let text = app.metrics_text().await;
    assert_eq!(
        metric(&text, "backup_plan_degraded{plan=\"flaky\"}"),
        Some(0.0)
    );
    assert_eq!(
        metric(
            &text,
            "backup_repository_up{plan=\"flaky\",repository=\"s3\"}"
        ),
        Some(1.0)
    );
    app.stop().await;
}
