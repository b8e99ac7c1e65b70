//! `sii-gateway` binary: parse arguments, load configuration, start telemetry, run.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use ofitec_platform::runner;

/// SII gateway: certificates, tokens, RCV downloads and imports.
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
        "sii-gateway",
        sii_gateway::Config::load(cli.config.as_deref()),
    ) {
        Ok(config) => config,
        Err(code) => return code,
    };
    let _telemetry = ofitec_platform::telemetry::init("sii-gateway", &config.telemetry);
    runner::serve("sii-gateway", sii_gateway::Application::build(config)).await
}
