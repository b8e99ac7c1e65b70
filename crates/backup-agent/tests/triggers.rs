//! Triggers and their contract: concurrent RunBackup requests join one run, the CLI talks to
//! the running agent (or runs locally), bad input is refused with stable codes, an agent
//! without plans starts, and invalid plans stop the binary with exit code 2.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use backup_agent::outcome::RunResult;
use ofitec_domain::ErrorCode;
use std::time::Duration;

use ofitec_platform::grpc::status::error_code;
use ofitec_proto::backup::v1 as pb;
use ofitec_testkit::process::{ServiceProcess, bin_path};
use support::{TestEnv, make_sqlite, metric};

fn plan(env: &TestEnv, name: &str) -> String {
    let db = env.path("app.db");
    if !db.exists() {
        make_sqlite(&db, 300, 2000);
    }
    env.plan_yaml(
        name,
        &format!("      - name: app\n        sqlite: \"{}\"", db.display()),
        "",
    )
}

#[tokio::test]
async fn concurrent_requests_join_the_run_in_progress() {
    let env = TestEnv::new();
    let app = env.start(env.config(&plan(&env, "join"))).await;
    let (mut a, mut b) = (app.client().await, app.client().await);
    let request = |by: &str| pb::RunBackupRequest {
        plan: "join".into(),
        reason: pb::RunReason::PreImport.into(),
        requested_by: by.into(),
        wait: true,
    };
    let (first, second) = tokio::join!(a.run_backup(request("one")), b.run_backup(request("two")));
    let (first, second) = (first.unwrap().into_inner(), second.unwrap().into_inner());
    assert_eq!(first.id, second.id, "both requests got the same run");
    assert_eq!(first.result(), pb::RunResult::Succeeded, "{}", first.error);
    assert_eq!(second.result(), pb::RunResult::Succeeded);
    assert!(first.joined != second.joined, "exactly one request joined");
    let runs = a
        .list_runs(pb::ListRunsRequest {
            plan: "join".into(),
            limit: 10,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(runs.runs.len(), 1);

    // After it finished, a new request starts a new run.
    let third = a.run_backup(request("three")).await.unwrap().into_inner();
    assert_ne!(third.id, first.id);
    assert!(!third.joined);
    let snapshots = a
        .list_snapshots(pb::ListSnapshotsRequest {
            plan: "join".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(snapshots.snapshots.len(), 2);
    assert!(
        snapshots.snapshots[0]
            .tags
            .contains(&"reason=pre-import".to_owned())
    );
    app.stop().await;
}

#[tokio::test]
async fn bad_requests_are_refused_with_stable_codes() {
    let env = TestEnv::new();
    let app = env.start(env.config(&plan(&env, "codes"))).await;
    let mut client = app.client().await;
    let unknown = client
        .run_backup(pb::RunBackupRequest {
            plan: "nope".into(),
            reason: pb::RunReason::Manual.into(),
            requested_by: String::new(),
            wait: true,
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), tonic::Code::NotFound);
    assert_eq!(error_code(&unknown), Some(ErrorCode::PlanUnknown));
    // A number this version does not know, and the agent's own reason for a restore's safety
    // backup: no caller may record a run as that.
    for reason in [99, pb::RunReason::PreRestore.into()] {
        let refused = client
            .run_backup(pb::RunBackupRequest {
                plan: "codes".into(),
                reason,
                requested_by: String::new(),
                wait: true,
            })
            .await
            .unwrap_err();
        assert_eq!(refused.code(), tonic::Code::InvalidArgument, "{reason}");
        assert_eq!(error_code(&refused), Some(ErrorCode::ReasonInvalid));
    }
    let drill = client
        .run_drill(pb::RunDrillRequest {
            plan: "codes".into(),
            requested_by: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(drill.result(), pb::RunResult::Failed);
    assert!(
        drill.problems[0].contains("does not exist"),
        "{:?}",
        drill.problems
    );
    app.stop().await;
}

#[tokio::test]
async fn an_agent_without_plans_starts_and_reports_nothing_as_success() {
    let env = TestEnv::new();
    let app = env.start(env.config("plans: []\n")).await;
    let status = app
        .client()
        .await
        .get_status(pb::GetStatusRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(status.plans.is_empty());
    let text = app.metrics_text().await;
    assert!(
        text.contains("backup_tool_missing{tool=\"restic\"} 0"),
        "{text}"
    );
    assert!(!text.contains("backup_last_success_timestamp_seconds{"));
    assert!(!text.contains("backup_restore_drill_last_success_timestamp_seconds{"));
    app.stop().await;
}

/// `backup-agent --config <config> run --plan deploy <args>`.
async fn cli_run(config: &std::path::Path, args: &[&str]) -> std::process::Output {
    tokio::process::Command::new(bin_path("backup-agent"))
        .arg("--config")
        .arg(config)
        .args(["run", "--plan", "deploy"])
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_cli_runs_through_the_agent_or_locally() {
    let env = TestEnv::new();
    let yaml = plan(&env, "deploy");
    let config = env.config_file(&yaml);
    let app = env.start(env.config(&yaml)).await;
    let agent = format!("http://{}", app.address);
    let out = cli_run(&config, &["--reason", "pre-deploy", "--agent", &agent]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(": succeeded"), "{stdout}");
    let runs = backup_agent::store::runs::list(&app.agent.db, Some("deploy".into()), 10)
        .await
        .unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(
        (runs[0].reason.as_str(), runs[0].requested_by.as_str()),
        ("pre-deploy", "cli")
    );
    let text = app.metrics_text().await;
    assert_eq!(
        metric(
            &text,
            "backup_runs_total{plan=\"deploy\",result=\"succeeded\"}"
        ),
        Some(1.0)
    );
    app.stop().await;

    // With the agent down: exit 3 and a hint; --local runs in the CLI's own process.
    let down = cli_run(&config, &["--agent", "http://127.0.0.1:1"]).await;
    assert_eq!(down.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&down.stderr).contains("--local"));
    let local = cli_run(&config, &["--reason", "pre-deploy", "--local"]).await;
    assert_eq!(
        local.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&local.stderr)
    );
    // A restore's safety backup is the agent's own reason: a usage error (exit 2), no run.
    let own = cli_run(&config, &["--reason", "pre-restore", "--local"]).await;
    let stderr = String::from_utf8_lossy(&own.stderr);
    assert_eq!(own.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("'pre-restore'"), "{stderr}");
}

#[tokio::test]
async fn invalid_plans_stop_the_binary_with_exit_2_naming_plan_and_key() {
    let env = TestEnv::new();
    let yaml = plan(&env, "bad").replace(
        &format!("password_file: \"{}\"", env.password_file.display()),
        "password: hunter22",
    );
    let config = env.config_file(&yaml);
    let process =
        ServiceProcess::spawn("backup-agent", &["--config", config.to_str().unwrap()], &[]);
    let (status, output) = process.wait_output(Duration::from_secs(20)).await;
    assert_eq!(status.code(), Some(2), "{output}");
    assert!(
        output.contains("plan `bad`: `repositories.primary.password`"),
        "{output}"
    );
    assert!(!output.contains("hunter22"), "{output}");
}

#[tokio::test]
async fn the_tools_command_names_missing_tools_and_how_to_install_them() {
    let env = TestEnv::with_tools(&["restic"]);
    let config = env.config_file(&plan(&env, "tools"));
    let out = tokio::process::Command::new(bin_path("backup-agent"))
        .args(["--config", config.to_str().unwrap(), "tools"])
        .env_remove("DATABASE_URL")
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(&format!("restic: {}", env.tools.join("restic").display())),
        "{stdout}"
    );
    assert!(
        stdout.contains("pg_dump: MISSING — install it with `apt-get install postgresql-client`"),
        "{stdout}"
    );
    assert!(stdout.contains("pg_restore: MISSING"), "{stdout}");

    let env = TestEnv::new();
    let config = env.config_file(&plan(&env, "tools"));
    let out = tokio::process::Command::new(bin_path("backup-agent"))
        .args(["--config", config.to_str().unwrap(), "tools"])
        .env_remove("DATABASE_URL")
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("MISSING"), "{stdout}");
    for tool in ["restic", "pg_dump", "pg_restore"] {
        assert!(stdout.contains(tool), "{tool} listed: {stdout}");
    }
}

#[tokio::test]
async fn a_drill_whose_caller_hangs_up_still_finishes_cleans_up_and_is_recorded() {
    let env = TestEnv::new();
    let app = env.start(env.config(&plan(&env, "hangup"))).await;
    let run = backup_agent::run::start(
        &app.agent,
        "hangup",
        backup_agent::run::Reason::Manual,
        "test",
    )
    .unwrap()
    .result
    .await;
    assert_eq!(run.result, RunResult::Succeeded, "{}", run.error);

    // A 1 ms deadline: the server gives up on the call long before the drill can end, as
    // when edge-api's deadline passes or an operator closes the terminal.
    let mut request = tonic::Request::new(pb::RunDrillRequest {
        plan: "hangup".into(),
        requested_by: "impatient".into(),
    });
    request.set_timeout(Duration::from_millis(1));
    let answer = app.client().await.run_drill(request).await;
    assert!(answer.is_err(), "{answer:?}");

    let db = app.agent.db.clone();
    let drill =
        ofitec_testkit::wait_until("the drill to be recorded", Duration::from_secs(60), || {
            let db = db.clone();
            async move {
                backup_agent::store::drills::last(&db, "hangup".into(), false)
                    .await
                    .unwrap()
            }
        })
        .await;
    assert_eq!(drill.result, RunResult::Succeeded, "{:?}", drill.problems);
    assert_eq!(drill.requested_by, "impatient");
    let scratch = env.path("work").join("scratch");
    let left: Vec<_> = std::fs::read_dir(&scratch)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "scratch files left behind: {left:?}");
    let text = app.metrics_text().await;
    assert!(
        metric(
            &text,
            "backup_restore_drill_last_success_timestamp_seconds{plan=\"hangup\"}"
        )
        .is_some()
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopping_agent_refuses_new_work_and_waits_for_the_run_in_progress() {
    let env = TestEnv::new();
    let slow =
        plan(&env, "slow").replace("timeout_s: 120 }", "timeout_s: 120, limit_upload_kib: 64 }");
    let other = plan(&env, "other").replace("plans:\n", "");
    let app = env.start(env.config(&format!("{slow}{other}"))).await;
    let mut client = app.client().await;
    let run = |plan: &str| pb::RunBackupRequest {
        plan: plan.into(),
        reason: pb::RunReason::Manual.into(),
        requested_by: "test".into(),
        wait: false,
    };
    let started = client.run_backup(run("slow")).await.unwrap().into_inner();
    assert_eq!(started.result(), pb::RunResult::Running);

    app.agent.begin_shutdown();
    let refused = client.run_backup(run("other")).await.unwrap_err();
    assert_eq!(refused.code(), tonic::Code::Unavailable);
    assert_eq!(error_code(&refused), Some(ErrorCode::ShuttingDown));
    let drill = client
        .run_drill(pb::RunDrillRequest {
            plan: "other".into(),
            requested_by: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(error_code(&drill), Some(ErrorCode::ShuttingDown));
    // Asking for the plan that is running still joins it.
    let joined = client.run_backup(run("slow")).await.unwrap().into_inner();
    assert!(joined.joined && joined.id == started.id, "{joined:?}");

    let agent = app.agent.clone();
    tokio::time::timeout(Duration::from_secs(120), agent.finished_work())
        .await
        .expect("the run in progress ends");
    let recorded = backup_agent::store::runs::get(&agent.db, started.id.clone())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(recorded.result, RunResult::Succeeded, "{}", recorded.error);
    let others = backup_agent::store::runs::list(&agent.db, Some("other".into()), 10)
        .await
        .unwrap();
    assert!(others.is_empty(), "{others:?}");
    app.stop().await;
}

#[tokio::test]
async fn every_plan_exports_its_alert_threshold_from_the_start() {
    let env = TestEnv::new();
    let hours = plan(&env, "business-hours").replace(
        "    repositories:",
        "    alert_after_hours: 64\n    repositories:",
    );
    let daily = plan(&env, "nightly").replace("plans:\n", "");
    let app = env.start(env.config(&format!("{hours}{daily}"))).await;
    let text = app.metrics_text().await;
    assert_eq!(
        metric(
            &text,
            "backup_success_max_age_seconds{plan=\"business-hours\"}"
        ),
        Some(64.0 * 3600.0),
        "{text}"
    );
    assert_eq!(
        metric(&text, "backup_success_max_age_seconds{plan=\"nightly\"}"),
        Some(26.0 * 3600.0),
        "{text}"
    );
    // Configuration, not a success: nothing says a backup happened.
    assert!(
        !text.contains("backup_last_success_timestamp_seconds{"),
        "{text}"
    );
    app.stop().await;
}
