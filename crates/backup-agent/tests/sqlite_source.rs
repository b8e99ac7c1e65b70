//! SQLite and directory sources with real restic: a full run then a drill, the drill's
//! recency check, retention with an injected clock, the read-data rotation, a wrong
//! repository password and a full disk.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use backup_agent::clock::ManualClock;
use backup_agent::manifest::Manifest;
use backup_agent::outcome::RunResult;
use backup_agent::run::Reason;
use backup_agent::status::PlanState;
use backup_agent::store::maintenance::Action;
use chrono::{DateTime, TimeZone, Utc};
use support::{TestEnv, make_sqlite, metric, repo_exists, restic_snapshots};

fn sqlite_plan(env: &TestEnv, plan: &str, db: &std::path::Path, extra: &str) -> String {
    env.plan_yaml(
        plan,
        &format!(
            "      - name: app\n        sqlite: \"{}\"{extra}",
            db.display()
        ),
        "",
    )
}

fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 2, 0, 0)
        .single()
        .expect("valid date")
}

#[tokio::test]
async fn a_full_run_then_a_drill_finds_identical_row_counts() {
    let env = TestEnv::new();
    let db = env.path("app.db");
    make_sqlite(&db, 500, 64);
    let conf = env.path("conf");
    std::fs::create_dir_all(conf.join("nested")).unwrap();
    std::fs::write(conf.join("a.yaml"), "a: 1\n").unwrap();
    std::fs::write(conf.join("nested/b.txt"), "b").unwrap();
    let extra = format!(
        "\n      - name: config\n        directory: \"{}\"",
        conf.display()
    );
    let app = env
        .start(env.config(&sqlite_plan(&env, "lite", &db, &extra)))
        .await;

    let run = backup_agent::run::start(&app.agent, "lite", Reason::Manual, "test")
        .unwrap()
        .result
        .await;
    assert_eq!(run.result, RunResult::Succeeded, "{}", run.error);
    let manifest: Manifest = serde_json::from_str(&run.manifest).unwrap();
    let sqlite = &manifest.artefacts[0];
    assert_eq!(sqlite.row_counts.get("documents"), Some(&500));
    assert_eq!(sqlite.row_counts.get("events"), Some(&7));
    assert!(sqlite.source_version.starts_with("SQLite 3."));
    assert_eq!(manifest.artefacts[1].files.len(), 2);
    // The staging copy is gone once it is in the repository.
    assert!(!app.agent.stage_dir("lite").exists());

    let drill = backup_agent::drill::run(&app.agent, "lite", "test")
        .await
        .unwrap();
    assert_eq!(drill.result, RunResult::Succeeded, "{:?}", drill.problems);
    assert_eq!(drill.snapshot_id, run.snapshots[0].1);
    let text = app.metrics_text().await;
    assert!(
        metric(
            &text,
            "backup_restore_drill_duration_seconds{plan=\"lite\"}"
        )
        .is_some()
    );
    assert!(metric(&text, "backup_size_bytes{plan=\"lite\"}").unwrap_or(0.0) > 0.0);
    app.stop().await;
}

#[tokio::test]
async fn a_drill_refuses_a_snapshot_older_than_its_limit() {
    let env = TestEnv::new();
    let db = env.path("app.db");
    make_sqlite(&db, 10, 16);
    let clock = ManualClock::new(at(2026, 3, 1));
    let app = env
        .start_with_clock(
            env.config(&sqlite_plan(&env, "old", &db, "")),
            clock.clone(),
        )
        .await;
    let run = backup_agent::run::start(&app.agent, "old", Reason::Scheduled, "test")
        .unwrap()
        .result
        .await;
    assert_eq!(run.result, RunResult::Succeeded, "{}", run.error);
    clock.advance(chrono::Duration::hours(30));
    let drill = backup_agent::drill::run(&app.agent, "old", "test")
        .await
        .unwrap();
    assert_eq!(drill.result, RunResult::Failed);
    assert!(
        drill.problems[0].contains("30 h old; the limit is 26 h"),
        "{:?}",
        drill.problems
    );
    let text = app.metrics_text().await;
    assert!(
        !text.contains("backup_restore_drill_last_success_timestamp_seconds{"),
        "{text}"
    );
    app.stop().await;
}

#[tokio::test]
async fn retention_with_an_injected_clock_keeps_exactly_the_expected_snapshots() {
    let env = TestEnv::new();
    let db = env.path("app.db");
    make_sqlite(&db, 5, 16);
    let clock = ManualClock::new(at(2025, 9, 15));
    let yaml = sqlite_plan(&env, "keep", &db, "").replace(
        "    repositories:",
        "    maintenance: { read_data_cycle: 2 }\n    repositories:",
    );
    let app = env.start_with_clock(env.config(&yaml), clock.clone()).await;

    // Monthly from September 2025, weekly in October 2026, daily in November 2026.
    let mut times: Vec<DateTime<Utc>> = (0..13)
        .map(|i| {
            let month = (8 + i) % 12 + 1;
            let year = if i < 4 { 2025 } else { 2026 };
            at(year, month, 15)
        })
        .collect();
    times.extend([1, 8, 15, 22].map(|d| at(2026, 10, d)));
    times.extend((1..=10).map(|d| at(2026, 11, d)));
    for time in &times {
        clock.set(*time);
        let run = backup_agent::run::start(&app.agent, "keep", Reason::Scheduled, "test")
            .unwrap()
            .result
            .await;
        assert_eq!(run.result, RunResult::Succeeded, "{time}: {}", run.error);
    }
    let results = backup_agent::maintain::retention(&app.agent, "keep")
        .await
        .unwrap();
    assert!(results.iter().all(|r| r.error.is_empty()), "{results:?}");
    assert!(
        results
            .iter()
            .any(|r| r.kind == Action::Forget && r.detail == "8 snapshot(s) removed"),
        "{results:?}"
    );

    let kept: Vec<String> = restic_snapshots(
        &env.path("repo-keep").display().to_string(),
        &[],
        &env.password_file,
        "keep",
    )
    .iter()
    .map(|s| s["time"].as_str().unwrap()[..10].to_owned())
    .collect();
    let mut kept = kept;
    kept.sort();
    let mut expected: Vec<String> = vec!["2025-12-15".to_owned()];
    expected.extend((1..=9).map(|m| format!("2026-{m:02}-15")));
    expected.push("2026-10-22".to_owned());
    expected.push("2026-11-01".to_owned());
    expected.extend((4..=10).map(|d| format!("2026-11-{d:02}")));
    assert_eq!(kept, expected);

    // check --read-data-subset rotates 1/2, 2/2, 1/2 (after retention's structural check).
    let mut subsets = Vec::new();
    for _ in 0..3 {
        let r = backup_agent::maintain::check(&app.agent, "keep")
            .await
            .unwrap();
        assert!(r[0].error.is_empty(), "{r:?}");
        subsets.push(r[0].detail.clone());
    }
    assert_eq!(subsets, ["1/2", "2/2", "1/2"]);
    let text = app.metrics_text().await;
    assert!(
        metric(
            &text,
            "backup_check_last_success_timestamp_seconds{plan=\"keep\",repository=\"local\"}"
        )
        .is_some()
    );
    app.stop().await;
}

#[tokio::test]
async fn the_read_data_rotation_survives_the_structural_check_after_each_prune() {
    let env = TestEnv::new();
    let db = env.path("app.db");
    make_sqlite(&db, 5, 16);
    let app = env
        .start(env.config(&sqlite_plan(&env, "rotate", &db, "")))
        .await;
    let run = backup_agent::run::start(&app.agent, "rotate", Reason::Manual, "test")
        .unwrap()
        .result
        .await;
    assert_eq!(run.result, RunResult::Succeeded, "{}", run.error);

    // Weekly prune, daily checks: retention's structural check lands between subset checks.
    let mut subsets = Vec::new();
    for round in 0..3 {
        if round > 0 {
            let retention = backup_agent::maintain::retention(&app.agent, "rotate")
                .await
                .unwrap();
            assert!(
                retention.iter().any(|r| r.kind == Action::Check
                    && r.detail == "structure"
                    && r.error.is_empty()),
                "{retention:?}"
            );
        }
        let checked = backup_agent::maintain::check(&app.agent, "rotate")
            .await
            .unwrap();
        assert!(checked[0].error.is_empty(), "{checked:?}");
        subsets.push(checked[0].detail.clone());
    }
    assert_eq!(subsets, ["1/28", "2/28", "3/28"]);
    app.stop().await;
}

#[tokio::test]
async fn a_restore_safety_backup_is_not_a_backup_of_the_plan() {
    use backup_agent::restore::target::{RestoreRequest, restore};
    use ofitec_domain::Secret;
    let env = TestEnv::new();
    let db = env.path("app.db");
    make_sqlite(&db, 40, 64);
    let clock = ManualClock::new(at(2026, 3, 2));
    let app = env
        .start_with_clock(
            env.config(&sqlite_plan(&env, "safe", &db, "")),
            clock.clone(),
        )
        .await;
    let run = backup_agent::run::start(&app.agent, "safe", Reason::Scheduled, "test")
        .unwrap()
        .result
        .await;
    assert_eq!(run.result, RunResult::Succeeded, "{}", run.error);
    let backup = run.snapshots[0].1.clone();
    let success_metric =
        "backup_last_success_timestamp_seconds{plan=\"safe\",repository=\"local\"}";
    let metric_before = metric(&app.metrics_text().await, success_metric);
    assert!(metric_before.is_some());

    // Later the same day, an operator restores over a live database (a different file
    // with other data) while the agent has the plan's staging in use.
    clock.advance(chrono::Duration::hours(3));
    let target = env.path("target.db");
    make_sqlite(&target, 5, 16);
    let stage = app.agent.stage_dir("safe");
    std::fs::create_dir_all(&stage).unwrap();
    std::fs::write(stage.join("in-progress.sqlite"), "the agent's run").unwrap();
    let request = |snapshot: &str, dry_run: bool| RestoreRequest {
        plan: "safe".into(),
        snapshot: snapshot.to_owned(),
        target: Secret::new(target.display().to_string()),
        source: None,
        repository: None,
        dry_run,
        force: true,
    };
    let report = restore(&app.agent, &request(&backup, false))
        .await
        .expect("forced restore");
    let safety = report.safety_snapshot.expect("a safety backup was taken");
    assert!(
        stage.join("in-progress.sqlite").exists(),
        "the safety backup has its own staging"
    );

    // The plan's last success, its metric and what a drill restores are unchanged.
    let status = backup_agent::status::status(&app.agent).await.unwrap();
    assert_eq!(status[0].state, PlanState::Ok);
    assert_eq!(status[0].last_success_at, run.finished_at);
    assert_eq!(status[0].repositories[0].last_success_at, run.finished_at);
    assert_eq!(
        metric(&app.metrics_text().await, success_metric),
        metric_before
    );
    let drill = backup_agent::drill::run(&app.agent, "safe", "test")
        .await
        .unwrap();
    assert_eq!(drill.result, RunResult::Succeeded, "{:?}", drill.problems);
    assert_eq!(drill.snapshot_id, backup);

    // forget keeps the plan's snapshot of the day: the safety backup is in its own group.
    let retention = backup_agent::maintain::retention(&app.agent, "safe")
        .await
        .unwrap();
    assert!(
        retention.iter().all(|r| r.error.is_empty()),
        "{retention:?}"
    );
    let repo = env.path("repo-safe").display().to_string();
    let ids = |group: &str| -> Vec<String> {
        restic_snapshots(&repo, &[], &env.password_file, group)
            .iter()
            .map(|s| s["short_id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids("safe"), vec![backup.clone()]);
    assert_eq!(ids("safe:pre-restore"), vec![safety.clone()]);

    // The run is in the catalog as what it is, and the safety snapshot can be restored.
    let runs = backup_agent::store::runs::list(&app.agent.db, Some("safe".into()), 10)
        .await
        .unwrap();
    assert_eq!(runs[0].reason, Reason::PreRestore);
    let undo = restore(&app.agent, &request(&safety, true))
        .await
        .expect("the safety snapshot is found by id");
    assert!(
        undo.lines.iter().any(|l| l.contains("dry run")),
        "{:?}",
        undo.lines
    );
    app.stop().await;
}

#[tokio::test]
async fn a_wrong_repository_password_is_a_clear_failure_and_the_next_run_succeeds() {
    let env = TestEnv::new();
    let db = env.path("app.db");
    make_sqlite(&db, 10, 16);
    let app = env
        .start(env.config(&sqlite_plan(&env, "pw", &db, "")))
        .await;
    let first = backup_agent::run::start(&app.agent, "pw", Reason::Manual, "test")
        .unwrap()
        .result
        .await;
    assert_eq!(first.result, RunResult::Succeeded, "{}", first.error);

    std::fs::write(&env.password_file, "not-the-password-xyzzy\n").unwrap();
    let wrong = backup_agent::run::start(&app.agent, "pw", Reason::Manual, "test")
        .unwrap()
        .result
        .await;
    assert_eq!(wrong.result, RunResult::Failed);
    assert!(
        wrong
            .error
            .contains("backup: repository `local`: wrong password"),
        "{}",
        wrong.error
    );
    assert!(!wrong.error.contains("xyzzy"));
    let stored = backup_agent::store::runs::get(&app.agent.db, wrong.id.clone())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.error, wrong.error);
    assert_eq!(stored.result, RunResult::Failed);

    std::fs::write(&env.password_file, format!("{}\n", support::PASSWORD)).unwrap();
    let fixed = backup_agent::run::start(&app.agent, "pw", Reason::Manual, "test")
        .unwrap()
        .result
        .await;
    assert_eq!(fixed.result, RunResult::Succeeded, "{}", fixed.error);
    app.stop().await;
}

/// A tmpfs mounted for one test, unmounted when dropped.
struct TinyFs(std::path::PathBuf);

impl TinyFs {
    fn mount(path: &std::path::Path, size: &str) -> TinyFs {
        std::fs::create_dir_all(path).unwrap();
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(path)
            .status()
            .expect("run mount");
        assert!(
            status.success(),
            "the full-disk test mounts a small tmpfs and needs root (make test runs as root in CI)"
        );
        TinyFs(path.to_owned())
    }

    fn resize(&self, size: &str) {
        let status = std::process::Command::new("mount")
            .args(["-o", &format!("remount,size={size}")])
            .arg(&self.0)
            .status()
            .expect("remount");
        assert!(status.success());
    }
}

impl Drop for TinyFs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

#[tokio::test]
async fn a_full_disk_fails_cleanly_and_the_next_run_succeeds() {
    let env = TestEnv::new();
    let db = env.path("app.db");
    make_sqlite(&db, 2000, 2000); // ~4 MB of incompressible text
    let small = env.path("small");
    let fs = TinyFs::mount(&small, "1m");
    let mut config = env.config(&sqlite_plan(&env, "disk", &db, ""));
    config.backup.work_dir = small.join("work");
    let app = env.start(config).await;

    let full = backup_agent::run::start(&app.agent, "disk", Reason::Manual, "test")
        .unwrap()
        .result
        .await;
    assert_eq!(full.result, RunResult::Failed);
    assert!(full.error.starts_with("dump:app"), "{}", full.error);
    assert!(
        full.error.contains("disk is full") || full.error.contains("No space left"),
        "{}",
        full.error
    );
    assert!(
        !repo_exists(&env.path("repo-disk")),
        "nothing may reach the repository"
    );
    let runs = backup_agent::store::runs::list(&app.agent.db, Some("disk".into()), 10)
        .await
        .unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].result, RunResult::Failed);

    fs.resize("64m");
    let next = backup_agent::run::start(&app.agent, "disk", Reason::Manual, "test")
        .unwrap()
        .result
        .await;
    assert_eq!(next.result, RunResult::Succeeded, "{}", next.error);
    app.stop().await;
    drop(fs);
}
