//! The `backup-agent` subcommands besides serving.
//!
//! * `run`: asks the running agent over gRPC (so the one-run-per-plan rule, the catalog and
//!   the metrics stay with the agent, and a deploy joins a run already in progress); with
//!   `--local` it runs in this process with the same configuration, for when the agent is
//!   down (do not use `--local` while the agent runs the same plan: both would use the same
//!   staging directory).
//! * `restore`: always local (it needs the target database and scratch space).
//! * `drill`: over gRPC, or `--local`.
//! * `maintain`: retention or check now, local.
//! * `tools`: the external programs found and how to install the missing ones (for
//!   `make run` and operators; the agent itself starts without them).
//!
//! Exit codes: 0 success (a `degraded` run too: the verified local backup exists; the
//! warning is printed), 1 failure, 2 configuration or usage error, 3 the agent could not be
//! reached.

mod remote;

use std::process::ExitCode;

use crate::config::Config;
use crate::outcome::RunResult;
use crate::reason::Reason;
use crate::restore::target::{RestoreError, RestoreRequest, restore};

/// Exit code when the running agent cannot be reached.
pub const EXIT_UNREACHABLE: u8 = 3;

/// What `backup-agent maintain` does now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Maintenance {
    /// forget + prune + check on every repository.
    Retention,
    /// `check --read-data-subset`, the next part of the cycle.
    Check,
}

/// `backup-agent run`.
pub async fn run(
    config: &Config,
    plan: &str,
    reason: Reason,
    local: bool,
    agent_url: Option<String>,
) -> ExitCode {
    if !local {
        return remote::run(config, agent_url, plan, reason).await;
    }
    let agent = match crate::app::local_agent(config).await {
        Ok(agent) => agent,
        Err(e) => {
            eprintln!("backup-agent: cannot start: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    let ticket = match crate::run::start(&agent, plan, reason, "cli") {
        Ok(ticket) => ticket,
        Err(e) => {
            eprintln!("backup-agent: {e}");
            return ExitCode::from(2);
        }
    };
    let record = ticket.result.await;
    print_run(
        &record.id,
        Some(record.result),
        &record.error,
        &record.snapshots,
    )
}

/// Prints a run's outcome (`None`: a result this version does not know) and gives the
/// exit code for it.
fn print_run(
    id: &str,
    result: Option<RunResult>,
    error: &str,
    snapshots: &[(String, String)],
) -> ExitCode {
    println!("run {id}: {}", name(result));
    for (repository, snapshot) in snapshots {
        println!("  snapshot {snapshot} in {repository}");
    }
    if !error.is_empty() {
        println!("  {error}");
    }
    exit_for(result)
}

/// Prints a drill's outcome and gives the exit code for it.
fn print_drill(
    plan: &str,
    result: Option<RunResult>,
    snapshot_id: &str,
    seconds: f64,
    problems: &[String],
) -> ExitCode {
    println!(
        "drill of {plan}: {} (snapshot {snapshot_id}, {seconds:.1} s)",
        name(result)
    );
    for problem in problems {
        println!("  {problem}");
    }
    exit_for(result)
}

fn name(result: Option<RunResult>) -> &'static str {
    result.map_or("unknown", RunResult::as_str)
}

/// Exit code for a run or drill result: success when a verified backup exists.
fn exit_for(result: Option<RunResult>) -> ExitCode {
    if result.is_some_and(RunResult::is_success) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `backup-agent restore`.
pub async fn restore_command(config: &Config, request: RestoreRequest) -> ExitCode {
    let agent = match crate::app::local_agent(config).await {
        Ok(agent) => agent,
        Err(e) => {
            eprintln!("backup-agent: cannot start: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    match restore(&agent, &request).await {
        Ok(report) => {
            for line in report.lines {
                println!("{line}");
            }
            ExitCode::SUCCESS
        }
        Err(e @ RestoreError::Live { .. }) => {
            eprintln!("backup-agent restore: {e}");
            ExitCode::from(4)
        }
        Err(e) => {
            eprintln!("backup-agent restore: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `backup-agent drill`.
pub async fn drill(
    config: &Config,
    plan: &str,
    local: bool,
    agent_url: Option<String>,
) -> ExitCode {
    if !local {
        return remote::drill(config, agent_url, plan).await;
    }
    let agent = match crate::app::local_agent(config).await {
        Ok(agent) => agent,
        Err(e) => {
            eprintln!("backup-agent: cannot start: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    match crate::drill::run(&agent, plan, "cli").await {
        Ok(record) => print_drill(
            plan,
            Some(record.result),
            &record.snapshot_id,
            record.duration_seconds,
            &record.problems,
        ),
        Err(e) => {
            eprintln!("backup-agent: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `backup-agent maintain`.
pub async fn maintain(config: &Config, plan: &str, what: Maintenance) -> ExitCode {
    let agent = match crate::app::local_agent(config).await {
        Ok(agent) => agent,
        Err(e) => {
            eprintln!("backup-agent: cannot start: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    let results = match what {
        Maintenance::Retention => crate::maintain::retention(&agent, plan).await,
        Maintenance::Check => crate::maintain::check(&agent, plan).await,
    };
    match results {
        Ok(results) => {
            let mut failed = false;
            for r in results {
                if r.error.is_empty() {
                    println!("{} {}: ok {}", r.repository, r.kind, r.detail);
                } else {
                    failed = true;
                    println!("{} {}: FAILED {}", r.repository, r.kind, r.error);
                }
            }
            if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("backup-agent: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `backup-agent tools`: every external program the agent looks for, where it was found, and
/// for each missing one the command that installs it. Exit 1 when one is missing.
pub fn tools(config: &Config) -> ExitCode {
    let tools = crate::tools::Tools::discover(config.backup.tool_path.as_deref());
    for tool in crate::tools::TOOLS {
        match tools.get(tool) {
            Ok(path) => println!("{tool}: {}", path.display()),
            Err(_) => println!("{tool}: MISSING — {}", crate::tools::install_hint(tool)),
        }
    }
    if tools.missing().is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
