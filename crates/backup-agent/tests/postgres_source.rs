//! PostgreSQL sources with real pg_dump/pg_restore and real restic: a full run then a drill,
//! a truncated dump, a missing pg_dump, and the real restore.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;

use backup_agent::manifest::Manifest;
use backup_agent::outcome::RunResult;
use backup_agent::restore::target::{RestoreError, RestoreRequest, restore};
use ofitec_domain::Secret;
use ofitec_proto::backup::v1 as pb;
use support::{PgSource, TestEnv, metric, repo_exists, restic_snapshots, sample_sql};

fn pg_plan(env: &TestEnv, plan: &str, url: &str) -> String {
    env.plan_yaml(
        plan,
        &format!("      - name: db\n        postgres: {{ url: \"{url}\" }}"),
        "",
    )
}

#[tokio::test]
async fn a_full_run_then_a_drill_finds_identical_row_counts() {
    let source = PgSource::new(&sample_sql(5000));
    let env = TestEnv::new();
    let app = env
        .start(env.config(&pg_plan(&env, "pg", &source.url)))
        .await;
    let mut client = app.client().await;
    // Before the first run nothing may look like a success (a dead man's switch alerts on
    // `absent()`), and no drill or check either.
    let before = app.metrics_text().await;
    for name in [
        "backup_last_success_timestamp_seconds{",
        "backup_check_last_success_timestamp_seconds{",
        "backup_restore_drill_last_success_timestamp_seconds{",
        "result=\"succeeded\"",
    ] {
        assert!(!before.contains(name), "{name} before any run: {before}");
    }

    let run = client
        .run_backup(pb::RunBackupRequest {
            plan: "pg".into(),
            reason: pb::RunReason::PreDeploy.into(),
            requested_by: "deploy".into(),
            wait: true,
        })
        .await
        .expect("RunBackup")
        .into_inner();
    assert_eq!(run.result(), pb::RunResult::Succeeded, "{run:?}");
    assert_eq!(run.requested_by, "deploy");
    let steps: Vec<(&str, pb::StepOutcome)> = run
        .steps
        .iter()
        .map(|s| (s.step.as_str(), s.result()))
        .collect();
    for step in ["dump:db", "verify:db", "manifest", "backup"] {
        assert!(
            steps.contains(&(step, pb::StepOutcome::Ok)),
            "{step} missing in {steps:?}"
        );
    }
    assert_eq!(run.snapshots.len(), 1);
    assert!(run.size_bytes > 0);

    // The manifest has the row counts of the dump's snapshot and the SHA-256 of the dump.
    let record = backup_agent::store::runs::get(&app.agent.db, run.id.clone())
        .await
        .expect("catalog")
        .expect("run recorded");
    let manifest: Manifest = serde_json::from_str(&record.manifest).expect("manifest json");
    let counts = &manifest.artefacts[0].row_counts;
    assert_eq!(
        counts,
        &BTreeMap::from([
            ("f29.declarations".to_owned(), 2500),
            ("public.empty_one".to_owned(), 0),
            ("public.registers".to_owned(), 5000),
        ])
    );
    assert_eq!(manifest.artefacts[0].sha256.len(), 64);
    assert!(
        manifest.artefacts[0]
            .source_version
            .starts_with("PostgreSQL 15"),
        "{manifest:?}"
    );

    // The snapshot is in the repository, tagged.
    let snapshots = restic_snapshots(
        &env.path("repo-pg").display().to_string(),
        &[],
        &env.password_file,
        "pg",
    );
    assert_eq!(snapshots.len(), 1);
    let tags = snapshots[0]["tags"].to_string();
    assert!(
        tags.contains("reason=pre-deploy") && tags.contains("plan=pg"),
        "{tags}"
    );

    // Rows written after the backup do not matter: the drill compares with the manifest.
    source.execute("INSERT INTO registers VALUES (999999, 'late', 1);");
    let drill = client
        .run_drill(pb::RunDrillRequest {
            plan: "pg".into(),
            requested_by: "test".into(),
        })
        .await
        .expect("RunDrill")
        .into_inner();
    assert_eq!(
        drill.result(),
        pb::RunResult::Succeeded,
        "{:?}",
        drill.problems
    );
    assert!(drill.problems.is_empty());
    assert!(drill.duration_seconds > 0.0);
    assert!(
        PgSource::databases_like("ofitec_drill_pg_").is_empty(),
        "the scratch database was not dropped"
    );

    let text = app.metrics_text().await;
    assert!(
        metric(
            &text,
            "backup_last_success_timestamp_seconds{plan=\"pg\",repository=\"local\"}"
        )
        .is_some(),
        "{text}"
    );
    assert_eq!(
        metric(&text, "backup_runs_total{plan=\"pg\",result=\"succeeded\"}"),
        Some(1.0)
    );
    assert!(
        metric(
            &text,
            "backup_restore_drill_last_success_timestamp_seconds{plan=\"pg\"}"
        )
        .is_some()
    );
    assert_eq!(
        metric(&text, "backup_plan_degraded{plan=\"pg\"}"),
        Some(0.0)
    );
    // The exact names, with bounded labels: no snapshot id anywhere.
    assert_eq!(
        metric(&text, "backup_duration_seconds_count{plan=\"pg\"}"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        metric(&text, "backup_size_bytes{plan=\"pg\"}"),
        Some(run.size_bytes as f64)
    );
    assert!(
        metric(&text, "backup_restore_drill_duration_seconds{plan=\"pg\"}")
            .is_some_and(|s| s > 0.0)
    );
    let short_id = &run.snapshots[0].snapshot_id[..8];
    let labels: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('{').and_then(|(_, rest)| rest.split_once('}')))
        .map(|(labels, _)| labels)
        .collect();
    assert!(!labels.is_empty());
    assert!(
        labels.iter().all(|l| !l.contains(short_id)),
        "a snapshot id is a label: {labels:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_truncated_dump_never_reaches_a_repository() {
    let source = PgSource::new(&sample_sql(20000));
    let env = TestEnv::with_tools(&["restic", "pg_restore"]);
    // A pg_dump that exits 0 with half an archive: what a full disk or a bug can produce.
    let fake = env.tools.join("pg_dump");
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\nif [ \"$1\" = --version ]; then exec {real} --version; fi\n{real} \"$@\" | head -c 8192\nexit 0\n",
            real = support::real_tool("pg_dump").display()
        ),
    )
    .expect("fake pg_dump");
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();

    let app = env
        .start(env.config(&pg_plan(&env, "trunc", &source.url)))
        .await;
    let ticket = backup_agent::run::start(
        &app.agent,
        "trunc",
        backup_agent::run::Reason::Manual,
        "test",
    )
    .expect("plan");
    let run = ticket.result.await;
    assert_eq!(run.result, RunResult::Failed);
    assert!(run.error.contains("verify:db"), "{}", run.error);
    assert!(
        run.error
            .contains("pg_restore could not read the whole archive"),
        "{}",
        run.error
    );
    assert!(
        !repo_exists(&env.path("repo-trunc")),
        "the truncated dump reached the repository"
    );
    assert!(run.snapshots.is_empty());
    assert!(!run.steps.iter().any(|s| s.step == "backup"));
    let listed = app
        .client()
        .await
        .list_runs(pb::ListRunsRequest {
            plan: "trunc".into(),
            limit: 0,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.runs[0].result(), pb::RunResult::Failed);
    assert_eq!(listed.runs[0].error, run.error);
    app.stop().await;
}

#[tokio::test]
async fn a_missing_pg_dump_is_reported_and_fails_runs_clearly() {
    let source = PgSource::new(&sample_sql(10));
    let env = TestEnv::with_tools(&["restic", "pg_restore"]);
    let app = env
        .start(env.config(&pg_plan(&env, "nodump", &source.url)))
        .await;

    // The agent is up and SERVING: tools do not decide health, the catalog does.
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{}", app.address))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel);
    let serving = ofitec_testkit::wait_until("SERVING", std::time::Duration::from_secs(10), || {
        let mut health = health.clone();
        async move {
            let status = health
                .check(tonic_health::pb::HealthCheckRequest {
                    service: String::new(),
                })
                .await
                .ok()?
                .into_inner()
                .status;
            (status == 1).then_some(status)
        }
    })
    .await;
    assert_eq!(serving, 1);
    let _ = &mut health;

    let mut client = app.client().await;
    let status = client
        .get_status(pb::GetStatusRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(
        status.missing_tools.contains(&"pg_dump".to_owned()),
        "{status:?}"
    );
    assert!(!status.missing_tools.contains(&"restic".to_owned()));
    let text = app.metrics_text().await;
    assert_eq!(
        metric(&text, "backup_tool_missing{tool=\"pg_dump\"}"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        metric(&text, "backup_tool_missing{tool=\"restic\"}"),
        Some(0.0)
    );
    // No success before a first success.
    assert!(
        !text.contains("backup_last_success_timestamp_seconds{"),
        "{text}"
    );

    let run = client
        .run_backup(pb::RunBackupRequest {
            plan: "nodump".into(),
            reason: pb::RunReason::Manual.into(),
            requested_by: String::new(),
            wait: true,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(run.result(), pb::RunResult::Failed);
    assert!(
        run.error.contains("`pg_dump` is not installed"),
        "{}",
        run.error
    );
    assert!(
        run.error.contains("apt-get install postgresql-client"),
        "{}",
        run.error
    );
    assert!(!repo_exists(&env.path("repo-nodump")));
    let status = client
        .get_status(pb::GetStatusRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(status.plans[0].state, "failing");
    assert!(status.plans[0].last_failure_reason.contains("pg_dump"));
    let text = app.metrics_text().await;
    assert_eq!(
        metric(
            &text,
            "backup_runs_total{plan=\"nodump\",result=\"failed\"}"
        ),
        Some(1.0)
    );
    app.stop().await;

    // Installed (tools are looked up at start, so the agent is restarted): the catalog kept
    // the failure, nothing is missing any more and the next run succeeds.
    std::os::unix::fs::symlink(support::real_tool("pg_dump"), env.tools.join("pg_dump")).unwrap();
    let app = env
        .start(env.config(&pg_plan(&env, "nodump", &source.url)))
        .await;
    let mut client = app.client().await;
    let status = client
        .get_status(pb::GetStatusRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(
        !status.missing_tools.contains(&"pg_dump".to_owned()),
        "{status:?}"
    );
    let next = client
        .run_backup(pb::RunBackupRequest {
            plan: "nodump".into(),
            reason: pb::RunReason::Manual.into(),
            requested_by: String::new(),
            wait: true,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(next.result(), pb::RunResult::Succeeded, "{}", next.error);
    let runs = client
        .list_runs(pb::ListRunsRequest {
            plan: "nodump".into(),
            limit: 0,
        })
        .await
        .unwrap()
        .into_inner()
        .runs;
    let results: Vec<pb::RunResult> = runs.iter().map(|r| r.result()).collect();
    assert_eq!(results, [pb::RunResult::Succeeded, pb::RunResult::Failed]);
    assert!(
        runs[1].error.contains("`pg_dump` is not installed"),
        "{}",
        runs[1].error
    );
    let text = app.metrics_text().await;
    assert_eq!(
        metric(&text, "backup_tool_missing{tool=\"pg_dump\"}"),
        Some(0.0),
        "{text}"
    );
    app.stop().await;
}

#[tokio::test]
async fn restore_creates_refuses_live_targets_and_forces_after_a_safety_backup() {
    let source = PgSource::new(&sample_sql(300));
    let env = TestEnv::new();
    let app = env
        .start(env.config(&pg_plan(&env, "rst", &source.url)))
        .await;
    let run =
        backup_agent::run::start(&app.agent, "rst", backup_agent::run::Reason::Manual, "test")
            .unwrap()
            .result
            .await;
    assert_eq!(run.result, RunResult::Succeeded, "{}", run.error);
    let snapshot = run.snapshots[0].1.clone();

    // Into a database that does not exist yet: created, restored, counted.
    let fresh_name = format!("{}_copy", source.name);
    let fresh = support::with_database(&support::pg_admin_url(), &fresh_name);
    let request = |target: &str, dry_run: bool, force: bool| RestoreRequest {
        plan: "rst".into(),
        snapshot: snapshot.clone(),
        target: Secret::new(target),
        source: None,
        repository: None,
        dry_run,
        force,
    };
    let report = restore(&app.agent, &request(&fresh, false, false))
        .await
        .expect("restore");
    assert!(
        report.lines.iter().any(|l| l.contains("row counts equal")),
        "{:?}",
        report.lines
    );
    let _cleanup = DropDb(fresh_name);

    // The live source: refused without --force; dry run changes nothing.
    source.execute("DELETE FROM registers WHERE id > 100;");
    let refused = restore(&app.agent, &request(&source.url, false, false)).await;
    assert!(
        matches!(refused, Err(RestoreError::Live { .. })),
        "{refused:?}"
    );
    let dry = restore(&app.agent, &request(&source.url, true, true))
        .await
        .expect("dry run");
    assert!(dry.lines.iter().any(|l| l.contains("dry run")));
    assert!(dry.safety_snapshot.is_none());
    assert_eq!(count(&source.url, "registers"), 100);

    // The same through the binary, as restore.md tells operators: exit 4 without --force,
    // 0 for --dry-run, and the live data untouched by both.
    let config = env.config_file(&pg_plan(&env, "rst", &source.url));
    let cli = |extra: &[&str]| {
        let mut command =
            std::process::Command::new(ofitec_testkit::process::bin_path("backup-agent"));
        command
            .args([
                "--config",
                config.to_str().unwrap(),
                "restore",
                "--plan",
                "rst",
            ])
            .args(["--snapshot", &snapshot, "--target", &source.url])
            .args(extra)
            .env_remove("DATABASE_URL");
        command.output().unwrap()
    };
    let refused = cli(&[]);
    assert_eq!(refused.status.code(), Some(4), "{refused:?}");
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("--force"),
        "{refused:?}"
    );
    let dry = cli(&["--dry-run", "--force"]);
    assert_eq!(dry.status.code(), Some(0), "{dry:?}");
    assert!(
        String::from_utf8_lossy(&dry.stdout).contains("dry run"),
        "{dry:?}"
    );
    assert_eq!(count(&source.url, "registers"), 100);

    // Forced: a safety backup first, then the data is back.
    let forced = restore(&app.agent, &request(&source.url, false, true))
        .await
        .expect("forced restore");
    let safety = forced.safety_snapshot.expect("safety snapshot");
    assert_eq!(count(&source.url, "registers"), 300);
    // Tagged as a group of its own (`plan=rst:pre-restore`), not as a backup of the plan.
    let repo = env.path("repo-rst").display().to_string();
    let plan_snapshots = restic_snapshots(&repo, &[], &env.password_file, "rst");
    assert!(
        plan_snapshots
            .iter()
            .all(|s| s["short_id"].as_str() != Some(safety.as_str())),
        "{plan_snapshots:?}"
    );
    let snapshots = restic_snapshots(&repo, &[], &env.password_file, "rst:pre-restore");
    let safety_tags = snapshots
        .iter()
        .find(|s| s["short_id"].as_str() == Some(safety.as_str()))
        .map(|s| s["tags"].to_string())
        .expect("safety snapshot in the repository");
    assert!(safety_tags.contains("reason=pre-restore"), "{safety_tags}");
    app.stop().await;
}

#[tokio::test]
async fn leftover_drill_databases_and_files_are_removed_at_start() {
    use diesel::Connection;
    use diesel::connection::SimpleConnection;
    let source = PgSource::new(&sample_sql(10));
    let env = TestEnv::new();
    let id = &uuid::Uuid::new_v4().simple().to_string()[..12];
    // What a drill killed half-way leaves, and a database that only looks like one.
    let leftover = format!("ofitec_drill_left_over_{id}");
    let lookalike = format!("ofitec_drill_left_over_keep_{id}");
    let _keep = DropDb(lookalike.clone());
    let _left = DropDb(leftover.clone());
    let mut admin = diesel::PgConnection::establish(&support::pg_admin_url()).unwrap();
    for name in [&leftover, &lookalike] {
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .unwrap();
    }
    let files = env.path("work/scratch/drill-left-over-0123");
    std::fs::create_dir_all(&files).unwrap();
    std::fs::write(files.join("db.pgdump"), "x").unwrap();

    let app = env
        .start(env.config(&pg_plan(&env, "left-over", &source.url)))
        .await;
    assert!(!files.exists(), "the drill's scratch files are removed");
    let gone = leftover.clone();
    ofitec_testkit::wait_until(
        "the leftover scratch database to be dropped",
        std::time::Duration::from_secs(30),
        || {
            let gone = gone.clone();
            async move { PgSource::databases_like(&gone).is_empty().then_some(()) }
        },
    )
    .await;
    assert_eq!(
        PgSource::databases_like(&lookalike),
        vec![lookalike.clone()]
    );
    app.stop().await;
}

struct DropDb(String);
impl Drop for DropDb {
    fn drop(&mut self) {
        use diesel::Connection;
        use diesel::connection::SimpleConnection;
        if let Ok(mut c) = diesel::PgConnection::establish(&support::pg_admin_url()) {
            let _ = c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.0
            ));
        }
    }
}

fn count(url: &str, table: &str) -> i64 {
    use diesel::{Connection, RunQueryDsl};
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut c = diesel::PgConnection::establish(url).unwrap();
    diesel::sql_query(format!("SELECT count(*) AS n FROM {table}"))
        .get_result::<N>(&mut c)
        .unwrap()
        .n
}
