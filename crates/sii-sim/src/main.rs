//! `sii-sim` binary: serve (the default), or write the development certificate.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ofitec_domain::Rut;
use ofitec_platform::runner;
use sii_sim::devcert::{self, Written};

/// sii-sim: SII's authentication and RCV services, simulated on loopback.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// YAML configuration file; environment variables override it.
    #[arg(long, env = "OFITEC_CONFIG", global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the simulator (what `sii-sim` without a subcommand does).
    Serve,
    /// Write a self-signed development certificate (PKCS#12) with an SII holder RUT, for
    /// signing getToken against the simulator. Keeps an existing one that is still good.
    DevCert {
        /// Where to write the PKCS#12 file.
        #[arg(long, default_value = "data/dev-cert.p12")]
        out: PathBuf,
        /// File with the password (created with a random one when missing).
        #[arg(long, default_value = "data/dev-cert.pass")]
        password_file: PathBuf,
        /// Holder RUT (enrolled in the simulator's default configuration).
        #[arg(long, default_value = sii_sim::config::DEV_CERT_RUT)]
        rut: String,
        /// Days of validity.
        #[arg(long, default_value_t = 365)]
        days: i64,
        /// Write a new certificate even if the existing one is still good.
        #[arg(long)]
        force: bool,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        None | Some(Command::Serve) => serve(cli.config).await,
        Some(Command::DevCert {
            out,
            password_file,
            rut,
            days,
            force,
        }) => dev_cert(&out, &password_file, &rut, days, force),
    }
}

async fn serve(config: Option<PathBuf>) -> ExitCode {
    let config = match runner::config_or_exit("sii-sim", sii_sim::Config::load(config.as_deref())) {
        Ok(config) => config,
        Err(code) => return code,
    };
    if let Err(e) = config.validate() {
        eprintln!("sii-sim: configuration error: {e}");
        return ExitCode::from(runner::EXIT_CONFIG);
    }
    let _telemetry = ofitec_platform::telemetry::init("sii-sim", &config.telemetry);
    runner::serve("sii-sim", sii_sim::Application::build(config)).await
}

fn dev_cert(
    out: &std::path::Path,
    password_file: &std::path::Path,
    rut: &str,
    days: i64,
    force: bool,
) -> ExitCode {
    let rut = match Rut::parse(rut) {
        Ok(rut) => rut,
        Err(e) => {
            eprintln!("sii-sim dev-cert: --rut: {e}");
            return ExitCode::from(2);
        }
    };
    if days < 1 {
        eprintln!("sii-sim dev-cert: --days must be at least 1");
        return ExitCode::from(2);
    }
    match devcert::write_files(out, password_file, rut, days, force) {
        Ok(Written::Created { not_after }) => {
            println!(
                "wrote {} (holder {rut}, valid until {}; password in {})",
                out.display(),
                not_after.format("%Y-%m-%d"),
                password_file.display()
            );
            ExitCode::SUCCESS
        }
        Ok(Written::Kept { not_after }) => {
            println!(
                "kept {} (holder {rut}, valid until {})",
                out.display(),
                not_after.format("%Y-%m-%d")
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("sii-sim dev-cert: {e}");
            ExitCode::FAILURE
        }
    }
}
