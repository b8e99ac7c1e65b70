//! Benchmark: the agent's backup of a large PostgreSQL database against the plain pipeline
//! `pg_dump -Fc | restic backup --stdin`, then a restore drill of the same database.
//!
//! ```text
//! BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!   cargo run --release -p backup-agent --example bench -- [size_mb] [rounds]
//! ```
//!
//! It creates a database of about `size_mb` (default 1024) on that server, then alternates
//! baseline and agent runs (`rounds`, default 3), each into fresh repositories so neither
//! profits from deduplication, and prints a Markdown table with medians. The database is
//! dropped at the end.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use backup_agent::outcome::RunResult;
use backup_agent::run::Reason;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, RunQueryDsl};

#[derive(diesel::QueryableByName)]
struct Size {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    bytes: i64,
}

fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host = base[scheme_end..]
        .find('/')
        .map_or(base, |i| &base[..scheme_end + i]);
    match query {
        Some(q) => format!("{host}/{name}?{q}"),
        None => format!("{host}/{name}"),
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn restic_init(repo: &Path, password: &Path) {
    let status = std::process::Command::new("restic")
        .args(["init", "-q"])
        .env("RESTIC_REPOSITORY", repo)
        .env("RESTIC_PASSWORD_FILE", password)
        .status()
        .expect("restic init");
    assert!(status.success());
}

#[tokio::main]
async fn main() {
    let admin = std::env::var("BENCH_PG_URL").expect("set BENCH_PG_URL to a PostgreSQL admin URL");
    let args: Vec<String> = std::env::args().collect();
    let size_mb: i64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1024);
    let rounds: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(3);
    let dir = tempfile::tempdir().expect("tempdir");
    let password = dir.path().join("pass");
    std::fs::write(&password, "bench-password\n").unwrap();

    let name = format!("bench_{}", uuid::Uuid::new_v4().simple());
    let url = with_database(&admin, &name);
    let mut conn = PgConnection::establish(&admin).expect("reach PostgreSQL");
    conn.batch_execute(&format!("CREATE DATABASE \"{name}\""))
        .unwrap();
    let mut db = PgConnection::establish(&url).unwrap();
    // ~150 bytes per row on disk with its index: mixed text that compresses like real data.
    // UNLOGGED keeps the WAL (disk) small on the shared machine; pg_dump dumps its data.
    let rows = size_mb * 1024 * 1024 / 150;
    let t = Instant::now();
    db.batch_execute(&format!(
        "CREATE UNLOGGED TABLE registers AS SELECT g AS id, md5(g::text) AS folio, \
             'rut-' || (g % 50000) AS rut, (random() * 1e9)::bigint AS amount, \
             now() - (g || ' seconds')::interval AS at, md5((g * 7)::text) AS note \
         FROM generate_series(1, {rows}) g; \
         ALTER TABLE registers ADD PRIMARY KEY (id); ANALYZE;"
    ))
    .unwrap();
    let size: Size = diesel::sql_query("SELECT pg_database_size(current_database()) AS bytes")
        .get_result(&mut db)
        .unwrap();
    eprintln!(
        "database {name}: {} MB, {rows} rows, built in {:.0} s",
        size.bytes >> 20,
        t.elapsed().as_secs_f64()
    );

    // (label, pg_dump -Z level): pg_dump's own default (zlib 6 for -Fc) and uncompressed,
    // the agent's default.
    let levels: [(&str, u8); 2] = [("-Z6 (pg_dump default)", 6), ("-Z0 (agent default)", 0)];
    let mut baseline = vec![Vec::new(); levels.len()];
    let mut agent_times = vec![Vec::new(); levels.len()];
    let mut artefacts = vec![0u64; levels.len()];
    let mut drill_seconds = 0.0;
    for round in 0..rounds {
        for (i, (label, level)) in levels.iter().enumerate() {
            // Baseline: the plain pipeline into a fresh repository.
            let repo = dir.path().join(format!("baseline-{round}-{level}"));
            restic_init(&repo, &password);
            let t = Instant::now();
            let status = std::process::Command::new("bash")
                .args(["-o", "pipefail", "-c", "pg_dump -Fc -Z \"$LEVEL\" -d \"$SRC\" | restic backup -q --stdin --stdin-filename db.pgdump"])
                .env("SRC", &url)
                .env("LEVEL", level.to_string())
                .env("RESTIC_REPOSITORY", &repo)
                .env("RESTIC_PASSWORD_FILE", &password)
                .status()
                .unwrap();
            assert!(status.success());
            baseline[i].push(t.elapsed().as_secs_f64());
            std::fs::remove_dir_all(&repo).ok();

            // The agent: dump + streamed verification + row counts + manifest + restic backup.
            let repo = dir.path().join(format!("agent-{round}-{level}"));
            let plans = format!(
                "plans:\n  - name: bench\n    sources:\n      - name: db\n        postgres: {{ url: \"{url}\", compression: {level} }}\n    repositories:\n      primary: {{ name: local, url: \"{}\", password_file: \"{}\" }}\n",
                repo.display(),
                password.display()
            );
            let plans_file = dir.path().join("plans.yaml");
            std::fs::write(&plans_file, plans).unwrap();
            let mut config =
                backup_agent::Config::for_tests(ofitec_platform::db::DatabaseUrl::Sqlite(
                    dir.path().join(format!("catalog-{round}-{level}.db")),
                ));
            config.backup.work_dir = dir.path().join("work");
            config.backup.plans_file = Some(plans_file);
            config.resolve_plans("bench").unwrap();
            let agent: Arc<backup_agent::agent::Agent> =
                backup_agent::local_agent(&config).await.unwrap();
            let t = Instant::now();
            let run = backup_agent::run::start(&agent, "bench", Reason::Manual, "bench")
                .unwrap()
                .result
                .await;
            agent_times[i].push(t.elapsed().as_secs_f64());
            assert_eq!(run.result, RunResult::Succeeded, "{}", run.error);
            artefacts[i] = run.size_bytes;
            eprintln!(
                "round {} {label}: baseline {:.1} s, agent {:.1} s ({})",
                round + 1,
                baseline[i][round],
                agent_times[i][round],
                run.steps
                    .iter()
                    .map(|s| format!("{} {:.1}s", s.step, s.duration_seconds))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            if round + 1 == rounds && *level == 0 {
                let drill = backup_agent::drill::run(&agent, "bench", "bench")
                    .await
                    .unwrap();
                assert_eq!(drill.result, RunResult::Succeeded, "{:?}", drill.problems);
                drill_seconds = drill.duration_seconds;
            }
            std::fs::remove_dir_all(&repo).ok();
        }
    }
    drop(db);
    conn.batch_execute(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
        .unwrap();

    println!(
        "database: {} MB ({rows} rows); medians of {rounds} rounds\n",
        size.bytes >> 20
    );
    println!(
        "| pg_dump -Fc | dump size | baseline `pg_dump -Fc \\| restic backup --stdin` | agent run | agent vs this baseline | agent (-Z0) vs this baseline |"
    );
    println!("|---|---|---|---|---|---|");
    let agent_default = median(agent_times[1].clone());
    for (i, (label, _)) in levels.iter().enumerate() {
        let (b, a) = (median(baseline[i].clone()), median(agent_times[i].clone()));
        println!(
            "| {label} | {} MB | {b:.1} s | {a:.1} s | {:+.1} % | {:+.1} % |",
            artefacts[i] >> 20,
            (a / b - 1.0) * 100.0,
            (agent_default / b - 1.0) * 100.0
        );
    }
    println!(
        "\nrestore drill of the -Z0 snapshot (restic restore, SHA-256, pg_restore into a scratch database, row counts): {drill_seconds:.1} s"
    );
    println!("rounds: baseline {baseline:.1?} s, agent {agent_times:.1?} s");
}
