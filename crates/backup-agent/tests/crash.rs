//! `kill -9` in the middle of a run: the catalog stays readable, the interrupted run is
//! recorded as failed with a clear error, the stale restic lock is removed (and only it), and
//! the next run and a prune succeed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use backup_agent::outcome::RunResult;
use backup_agent::run::Reason;
use backup_agent::store::maintenance::Action;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use ofitec_proto::backup::v1 as pb;
use ofitec_testkit::process::ServiceProcess;
use support::{TestEnv, make_sqlite, restic_locks};

/// Every process whose parent is `parent`.
fn children(parent: i32) -> Vec<i32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid …: comm may hold spaces, so split after the last ')'.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<i32>().ok());
        if ppid == Some(parent) {
            found.push(pid);
        }
    }
    found
}

/// A backup-agent process in the middle of a run that holds restic's lock.
struct LockedRun {
    process: ServiceProcess,
    started: pb::BackupRun,
    repo: std::path::PathBuf,
    /// The plan's `sources:` lines.
    sources: String,
    /// The configuration it runs with (upload limited).
    slow: String,
}

/// Starts backup-agent in its own process and a run of `plan` on a SQLite source of `rows`
/// rows of incompressible text, uploaded at 64 KiB/s so the run holds restic's lock a
/// while; returns once restic holds it.
async fn run_holding_the_lock(env: &TestEnv, plan: &str, rows: u32) -> LockedRun {
    let db = env.path("app.db");
    make_sqlite(&db, rows, 2000);
    let repo = env.path(&format!("repo-{plan}"));
    let sources = format!("      - name: app\n        sqlite: \"{}\"", db.display());
    let slow = env
        .plan_yaml(plan, &sources, "")
        .replace("timeout_s: 120 }", "timeout_s: 120, limit_upload_kib: 64 }");
    let config = env.config_file(&slow);
    let process =
        ServiceProcess::spawn("backup-agent", &["--config", config.to_str().unwrap()], &[]);
    let address = process
        .wait_for_address("serving gRPC", "grpc", Duration::from_secs(20))
        .await;
    let mut client = support::connect(address).await;
    let started = client
        .run_backup(pb::RunBackupRequest {
            plan: plan.into(),
            reason: pb::RunReason::Manual.into(),
            requested_by: "test".into(),
            wait: false,
        })
        .await
        .unwrap()
        .into_inner();
    let (repo_w, pass_w) = (repo.clone(), env.password_file.clone());
    ofitec_testkit::wait_until("restic to hold a lock", Duration::from_secs(60), || {
        let (repo, pass) = (repo_w.clone(), pass_w.clone());
        async move { (!restic_locks(&repo, &pass).is_empty()).then_some(()) }
    })
    .await;
    LockedRun {
        process,
        started,
        repo,
        sources,
        slow,
    }
}

#[tokio::test]
async fn a_kill_in_the_middle_of_a_run_leaves_a_clean_catalog_and_the_next_run_succeeds() {
    // ~3 MB of incompressible text, uploaded at 64 KiB/s: the backup holds its lock a long while.
    let env = TestEnv::new();
    let LockedRun {
        process,
        started,
        repo,
        sources,
        ..
    } = run_holding_the_lock(&env, "crash", 1500).await;
    assert_eq!(started.result(), pb::RunResult::Running);

    let agent_pid = process.pid().as_raw();
    let restic_children = children(agent_pid);
    kill(Pid::from_raw(agent_pid), Signal::SIGKILL).unwrap();
    for child in &restic_children {
        let _ = kill(Pid::from_raw(*child), Signal::SIGKILL);
    }
    let (status, _) = process.wait_output(Duration::from_secs(10)).await;
    // restic's rule treats a lock as stale once its process is gone from this host; the
    // orphaned restic is reaped by init shortly after the kill.
    for child in restic_children.clone() {
        ofitec_testkit::wait_until("the killed restic to be reaped", Duration::from_secs(20), || async move {
            (!std::path::Path::new(&format!("/proc/{child}")).exists()).then_some(())
        })
        .await;
    }
    assert_eq!(status.code(), None, "killed by a signal");
    assert_eq!(
        restic_locks(&repo, &env.password_file).len(),
        1,
        "the crashed run left its lock"
    );

    // Restart (in process, without the upload limit) on the same catalog and repository.
    let fast = env.plan_yaml("crash", &sources, "");
    let app = env.start(env.config(&fast)).await;
    let runs = backup_agent::store::runs::list(&app.agent.db, Some("crash".into()), 10)
        .await
        .unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].id, started.id);
    assert_eq!(runs[0].result, RunResult::Failed);
    assert!(
        runs[0]
            .error
            .starts_with("interrupted: the agent stopped during this run"),
        "{}",
        runs[0].error
    );
    assert!(runs[0].finished_at.is_some());

    let next = backup_agent::run::start(&app.agent, "crash", Reason::Manual, "test")
        .unwrap()
        .result
        .await;
    assert_eq!(next.result, RunResult::Succeeded, "{}", next.error);
    let unlock = backup_agent::store::maintenance::last_ok(
        &app.agent.db,
        "crash".into(),
        "local".into(),
        Action::Unlock,
    )
    .await
    .unwrap()
    .expect("the stale lock removal is recorded");
    assert!(
        unlock.detail.starts_with("1 stale lock(s) removed"),
        "{}",
        unlock.detail
    );
    assert!(restic_locks(&repo, &env.password_file).is_empty());

    // prune takes an exclusive lock: it works now.
    let results = backup_agent::maintain::retention(&app.agent, "crash")
        .await
        .unwrap();
    assert!(results.iter().all(|r| r.error.is_empty()), "{results:?}");
    let status = app
        .client()
        .await
        .get_status(pb::GetStatusRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(status.plans[0].state, "ok");
    app.stop().await;
}

/// A real restic backup of `dir` into `repo`, slowed down so it holds its lock.
fn slow_restic_backup(
    repo: &std::path::Path,
    password: &std::path::Path,
    dir: &std::path::Path,
) -> std::process::Child {
    std::process::Command::new(support::real_tool("restic"))
        .args(["backup", "-q", "--limit-upload", "16"])
        .arg(dir)
        .env("RESTIC_REPOSITORY", repo)
        .env("RESTIC_PASSWORD_FILE", password)
        .env("RESTIC_CACHE_DIR", dir.with_extension("cache"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start restic")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_stale_locks_are_removed_and_a_live_run_keeps_its_lock() {
    let env = TestEnv::new();
    let db = env.path("app.db");
    make_sqlite(&db, 20, 64);
    let repo = env.path("repo-locks");
    let sources = format!("      - name: app\n        sqlite: \"{}\"", db.display());
    let app = env
        .start(env.config(&env.plan_yaml("locks", &sources, "")))
        .await;
    let first = backup_agent::run::start(&app.agent, "locks", Reason::Manual, "test")
        .unwrap()
        .result
        .await;
    assert_eq!(first.result, RunResult::Succeeded, "{}", first.error);

    // Two other restic processes on this host hold locks; one of them then dies (kill -9 and
    // reaped: its lock is stale), the other is alive (its lock is live).
    let data = env.path("big");
    std::fs::create_dir_all(&data).unwrap();
    // Incompressible, so the 16 KiB/s upload limit keeps restic busy for minutes.
    let mut random = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(std::fs::File::open("/dev/urandom").unwrap(), 4_000_000),
        &mut random,
    )
    .unwrap();
    std::fs::write(data.join("blob"), &random).unwrap();
    let mut dead = slow_restic_backup(&repo, &env.password_file, &data);
    let (r, p) = (repo.clone(), env.password_file.clone());
    ofitec_testkit::wait_until("the first lock", Duration::from_secs(60), || {
        let (r, p) = (r.clone(), p.clone());
        async move { (restic_locks(&r, &p).len() == 1).then_some(()) }
    })
    .await;
    let mut live = slow_restic_backup(&repo, &env.password_file, &data);
    ofitec_testkit::wait_until("the second lock", Duration::from_secs(60), || {
        let (r, p) = (r.clone(), p.clone());
        async move { (restic_locks(&r, &p).len() == 2).then_some(()) }
    })
    .await;
    dead.kill().unwrap();
    dead.wait().unwrap();
    assert_eq!(restic_locks(&repo, &env.password_file).len(), 2);

    let plan = app.agent.plan("locks").unwrap().clone();
    let restic = app.agent.restic().unwrap();
    backup_agent::maintain::clear_stale_locks(&app.agent, &restic, &plan, &plan.primary).await;
    assert_eq!(
        restic_locks(&repo, &env.password_file).len(),
        1,
        "the live lock stays"
    );
    assert!(
        live.try_wait().unwrap().is_none(),
        "the live restic still runs"
    );
    let unlock = backup_agent::store::maintenance::last_ok(
        &app.agent.db,
        "locks".into(),
        "local".into(),
        Action::Unlock,
    )
    .await
    .unwrap()
    .expect("the removal is recorded");
    assert_eq!(
        unlock.detail,
        "1 stale lock(s) removed, 1 live lock(s) kept"
    );

    // A backup alongside the live (non-exclusive) lock works.
    let next = backup_agent::run::start(&app.agent, "locks", Reason::Manual, "test")
        .unwrap()
        .result
        .await;
    assert_eq!(next.result, RunResult::Succeeded, "{}", next.error);
    live.kill().unwrap();
    live.wait().unwrap();
    app.stop().await;
}

/// A `restic check` (exclusive lock) on `repo`, killed with -9 as soon as its lock exists:
/// the lock stays behind, stale (its process is gone from this host).
fn stale_exclusive_lock(repo: &std::path::Path, password: &std::path::Path) {
    let mut check = std::process::Command::new(support::real_tool("restic"))
        .args(["check", "--read-data"])
        .env("RESTIC_REPOSITORY", repo)
        .env("RESTIC_PASSWORD_FILE", password)
        .env("RESTIC_CACHE_DIR", repo.with_extension("cache"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start restic check");
    let locks = repo.join("locks");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    // The local backend writes `<id>-tmp-…` first and renames it: wait for the real one.
    while !std::fs::read_dir(&locks).unwrap().flatten().any(|e| {
        let name = e.file_name();
        let name = name.to_string_lossy();
        name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit())
    }) {
        assert!(
            std::time::Instant::now() < deadline,
            "restic check took no lock"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    check.kill().unwrap();
    check.wait().unwrap();
}

#[tokio::test]
async fn a_stale_exclusive_lock_on_an_offsite_is_removed_before_the_copy() {
    let env = TestEnv::new();
    let db = env.path("app.db");
    make_sqlite(&db, 20, 64);
    let offsite = env.path("offsite");
    let sources = format!("      - name: app\n        sqlite: \"{}\"", db.display());
    let yaml = env.plan_yaml(
        "far",
        &sources,
        &env.repo_yaml("far", &offsite.display().to_string()),
    );
    let app = env.start(env.config(&yaml)).await;
    let first = backup_agent::run::start(&app.agent, "far", Reason::Manual, "test")
        .unwrap()
        .result
        .await;
    assert_eq!(first.result, RunResult::Succeeded, "{}", first.error);

    // A check of the offsite crashed: its exclusive lock would refuse every copy.
    stale_exclusive_lock(&offsite, &env.password_file);
    assert_eq!(restic_locks(&offsite, &env.password_file).len(), 1);

    let next = backup_agent::run::start(&app.agent, "far", Reason::Manual, "test")
        .unwrap()
        .result
        .await;
    assert_eq!(next.result, RunResult::Succeeded, "{}", next.error);
    assert!(
        next.snapshots.iter().any(|(repo, _)| repo == "far"),
        "{:?}",
        next.snapshots
    );
    assert!(restic_locks(&offsite, &env.password_file).is_empty());
    let unlock = backup_agent::store::maintenance::last_ok(
        &app.agent.db,
        "far".into(),
        "far".into(),
        Action::Unlock,
    )
    .await
    .unwrap()
    .expect("the removal on the offsite is recorded");
    assert_eq!(
        unlock.detail,
        "1 stale lock(s) removed, 0 live lock(s) kept"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_sigterm_during_a_run_lets_it_finish_and_be_recorded_before_exit() {
    // ~1.2 MB: several seconds at 64 KiB/s.
    let env = TestEnv::new();
    let LockedRun {
        process,
        started,
        repo,
        slow,
        ..
    } = run_holding_the_lock(&env, "term", 600).await;
    // What compose and Kubernetes send first: the backup in progress gets to finish.
    process.signal(Signal::SIGTERM);
    let (status, output) = process.wait_output(Duration::from_secs(300)).await;
    assert_eq!(status.code(), Some(0), "{output}");
    assert!(
        output.contains("waiting for the runs and drills in progress"),
        "{output}"
    );
    assert!(restic_locks(&repo, &env.password_file).is_empty());

    // Read the catalog without recovering anything: the run ended before the process did.
    let agent = backup_agent::local_agent(&env.config(&slow)).await.unwrap();
    let run = backup_agent::store::runs::get(&agent.db, started.id.clone())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(run.result, RunResult::Succeeded, "{}", run.error);
    assert_eq!(run.snapshots.len(), 1);
    let snapshots =
        support::restic_snapshots(&repo.display().to_string(), &[], &env.password_file, "term");
    assert_eq!(snapshots.len(), 1);
}
