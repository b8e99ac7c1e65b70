//! `f29-engine` binary: parse arguments, load configuration, start telemetry, run.
//!
//! Without a subcommand it serves (what deployments and the e2e tests start); `compute`
//! computes a declaration offline from RCV CSV files (see `f29_engine::cli`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ofitec_platform::runner;

/// F29 engine: serves the F29 gRPC service, or computes a declaration offline.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// YAML configuration file; environment variables (OFITEC__…, DATABASE_URL) override it.
    #[arg(long, env = "OFITEC_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// What to do; serving when absent.
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Computes a declaration from RCV CSV files downloaded from SII, without a server.
    Compute(f29_engine::cli::ComputeArgs),
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Compute(args)) = &cli.command {
        return match f29_engine::cli::run(args, cli.config.as_deref()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("f29-engine compute: {e}");
                ExitCode::from(e.exit_code())
            }
        };
    }
    let config = match runner::config_or_exit(
        "f29-engine",
        f29_engine::Config::load(cli.config.as_deref()),
    ) {
        Ok(config) => config,
        Err(code) => return code,
    };
    let _telemetry = ofitec_platform::telemetry::init("f29-engine", &config.telemetry);
    runner::serve("f29-engine", f29_engine::Application::build(config)).await
}
