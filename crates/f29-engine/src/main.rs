//! `f29-engine` binary: parse arguments, load configuration, start telemetry, run.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use ofitec_core::runner;

/// F29 engine.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// YAML configuration file; environment variables (OFITEC__…, DATABASE_URL) override it.
    #[arg(long, env = "OFITEC_CONFIG")]
    config: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match runner::config_or_exit(
        "f29-engine",
        f29_engine::Config::load(cli.config.as_deref()),
    ) {
        Ok(config) => config,
        Err(code) => return code,
    };
    let _telemetry = ofitec_core::telemetry::init("f29-engine", &config.telemetry);
    runner::serve("f29-engine", f29_engine::Application::build(config)).await
}
