//! `sii-sim` binary: parse arguments, load configuration, start telemetry, run.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use ofitec_core::runner;

/// sii-sim: REST + SSE for the frontend and integrations on port 5555.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// YAML configuration file; environment variables override it.
    #[arg(long, env = "OFITEC_CONFIG")]
    config: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config =
        match runner::config_or_exit("sii-sim", sii_sim::Config::load(cli.config.as_deref())) {
            Ok(config) => config,
            Err(code) => return code,
        };
    let _telemetry = ofitec_core::telemetry::init("sii-sim", &config.telemetry);
    runner::serve("sii-sim", sii_sim::Application::build(config)).await
}
