//! `backup-agent` binary: parse arguments, load configuration, start telemetry, then serve
//! (no subcommand) or run one of the operator commands in `backup_agent::cli`.

use std::path::PathBuf;
use std::process::ExitCode;

use backup_agent::cli::{self, Maintenance};
use backup_agent::reason::Reason;
use backup_agent::restore::target::RestoreRequest;
use clap::{Parser, Subcommand};
use ofitec_domain::Secret;
use ofitec_platform::runner;

/// Backup agent.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// YAML configuration file; environment variables (OFITEC__…, DATABASE_URL) override it.
    #[arg(long, env = "OFITEC_CONFIG", global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve gRPC and metrics and run the scheduler (the default).
    Serve,
    /// Back a plan up now (through the running agent unless --local).
    Run {
        /// Plan name.
        #[arg(long)]
        plan: String,
        /// Why: recorded with the run and as the snapshot tag `reason=<reason>`.
        #[arg(long, value_enum, default_value_t = Reason::Manual)]
        reason: Reason,
        /// Run in this process instead of asking the running agent.
        #[arg(long)]
        local: bool,
        /// The agent's gRPC URL (default: from the configured grpc.listen).
        #[arg(long)]
        agent: Option<String>,
    },
    /// Restore a snapshot into a database (always in this process).
    Restore {
        /// Snapshot id (full or short).
        #[arg(long)]
        snapshot: String,
        /// Plan name.
        #[arg(long)]
        plan: String,
        /// Target: postgres://… or a SQLite file path.
        #[arg(long)]
        target: String,
        /// Source in the snapshot (when it holds several databases).
        #[arg(long)]
        source: Option<String>,
        /// Repository to restore from (default: the primary).
        #[arg(long)]
        repository: Option<String>,
        /// Check everything and say what would happen; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Overwrite a live database (a safety backup is taken first).
        #[arg(long)]
        force: bool,
    },
    /// Run a restore drill now (through the running agent unless --local).
    Drill {
        /// Plan name.
        #[arg(long)]
        plan: String,
        /// Run in this process.
        #[arg(long)]
        local: bool,
        /// The agent's gRPC URL.
        #[arg(long)]
        agent: Option<String>,
    },
    /// Which tools (restic, pg_dump, pg_restore) the agent finds, and how to install
    /// the missing ones; exit 1 when one is missing.
    Tools,
    /// Retention (forget+prune+check) or a read-data check now, in this process.
    Maintain {
        /// Plan name.
        #[arg(long)]
        plan: String,
        /// What to do now.
        #[arg(long, value_enum)]
        what: Maintenance,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match runner::config_or_exit(
        "backup-agent",
        backup_agent::Config::load(cli.config.as_deref()),
    ) {
        Ok(config) => config,
        Err(code) => return code,
    };
    let _telemetry = ofitec_platform::telemetry::init("backup-agent", &config.telemetry);
    match cli.command {
        None | Some(Command::Serve) => {
            runner::serve("backup-agent", backup_agent::Application::build(config)).await
        }
        Some(Command::Run {
            plan,
            reason,
            local,
            agent,
        }) => cli::run(&config, &plan, reason, local, agent).await,
        Some(Command::Restore {
            snapshot,
            plan,
            target,
            source,
            repository,
            dry_run,
            force,
        }) => {
            let request = RestoreRequest {
                plan,
                snapshot,
                target: Secret::new(target),
                source,
                repository,
                dry_run,
                force,
            };
            cli::restore_command(&config, request).await
        }
        Some(Command::Drill { plan, local, agent }) => {
            cli::drill(&config, &plan, local, agent).await
        }
        Some(Command::Maintain { plan, what }) => cli::maintain(&config, &plan, what).await,
        Some(Command::Tools) => cli::tools(&config),
    }
}
