//! `f29-engine` binary: parse arguments, load configuration, start telemetry, run.
//!
//! Without a subcommand it serves (what deployments and the e2e tests start); `compute`
//! computes a declaration offline from RCV CSV files; `utm` and `holidays` keep the reference
//! data in the database current (see `f29_engine::cli`).

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
    /// The UTM table in the engine's database: import SII's yearly page or a CSV, list it.
    #[command(subcommand)]
    Utm(f29_engine::cli::UtmCommand),
    /// The public holidays due dates move over: import whole years.
    #[command(subcommand)]
    Holidays(f29_engine::cli::HolidaysCommand),
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = cli.config.as_deref();
    let outcome = match &cli.command {
        Some(Command::Compute(args)) => Some(("compute", f29_engine::cli::run(args, config))),
        Some(Command::Utm(command)) => {
            Some(("utm", f29_engine::cli::run_utm(command, config).await))
        }
        Some(Command::Holidays(command)) => Some((
            "holidays",
            f29_engine::cli::run_holidays(command, config).await,
        )),
        None => None,
    };
    if let Some((name, result)) = outcome {
        return match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("f29-engine {name}: {e}");
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
