//! `edge-api` binary: parse arguments, load configuration, start telemetry, run.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use ofitec_core::runner;

/// edge-api: REST + SSE for the frontend and integrations on port 5555.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// YAML configuration file; environment variables (OFITEC__…) override it.
    #[arg(long, env = "OFITEC_CONFIG")]
    config: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config =
        match runner::config_or_exit("edge-api", edge_api::Config::load(cli.config.as_deref())) {
            Ok(config) => config,
            Err(code) => return code,
        };
    let _telemetry = ofitec_core::telemetry::init("edge-api", &config.telemetry);
    runner::serve("edge-api", edge_api::Application::build(config)).await
}
