//! `edge-api` binary: parse arguments, load configuration, then serve or run a subcommand.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Parser;
use edge_api::auth::api_keys;
use edge_api::auth::jwt::JwtVerifier;
use edge_api::cli::{Cli, Command};
use ofitec_platform::runner;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // Before the configuration: the document depends on the code only, and generating a
    // client must not need a config file or secrets.
    if let Some(Command::Openapi) = cli.command {
        return print_openapi();
    }
    let config =
        match runner::config_or_exit("edge-api", edge_api::Config::load(cli.config.as_deref())) {
            Ok(config) => config,
            Err(code) => return code,
        };
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let _telemetry = ofitec_platform::telemetry::init("edge-api", &config.telemetry);
            runner::serve("edge-api", edge_api::Application::build(config)).await
        }
        Command::Token {
            sub,
            role,
            companies,
            ttl,
        } => {
            let issued = JwtVerifier::from_config(&config.auth, config.environment)
                .and_then(|jwt| jwt.issue_dev_token(&sub, role, &companies, ttl.as_secs()));
            match issued {
                Ok(token) => {
                    println!("{token}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("edge-api token: {e:#}");
                    ExitCode::from(runner::EXIT_CONFIG)
                }
            }
        }
        Command::ApiKey {
            name,
            role,
            companies,
        } => {
            let (key, hash) = api_keys::generate();
            println!("# Give this key to the integration once; it is not stored anywhere:");
            println!("#   {key}");
            println!(
                "# Add this entry to the file named by auth.api_keys_file (reloaded without restart):"
            );
            println!("  - name: {name}");
            println!("    hash: {hash}");
            println!("    roles: [{role}]");
            println!(
                "    companies: [{}]",
                companies
                    .iter()
                    .map(|c| format!("\"{c}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            ExitCode::SUCCESS
        }
        Command::Openapi => print_openapi(),
    }
}

/// Writes the document to stdout; a closed pipe (`| head`) is an error, not a panic.
fn print_openapi() -> ExitCode {
    let written = edge_api::openapi_document().and_then(|document| {
        writeln!(std::io::stdout().lock(), "{document}").context("writing to stdout")
    });
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("edge-api openapi: {e:#}");
            ExitCode::FAILURE
        }
    }
}
