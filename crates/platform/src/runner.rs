//! What every service binary's `main` does: load the configuration (exit 2 with a message
//! naming the problem when it is wrong), build the application (exit 1 when it cannot start),
//! then run it until SIGTERM/SIGINT and exit 0 after a clean drain.

use std::future::Future;
use std::process::ExitCode;

use tokio_util::sync::CancellationToken;

use crate::config::ConfigError;

/// Exit code for configuration errors (like `EX_USAGE`-style tools use 2 for bad input).
pub const EXIT_CONFIG: u8 = 2;

/// A built service that can run until its token is cancelled.
pub trait Runnable: Sized {
    /// Cancelling it stops the service gracefully.
    fn shutdown_token(&self) -> CancellationToken;
    /// Serves until stopped.
    fn run_until_stopped(self) -> impl Future<Output = anyhow::Result<()>> + Send;
}

/// Unwraps a loaded configuration or prints why it is wrong.
pub fn config_or_exit<C>(name: &str, loaded: Result<C, ConfigError>) -> Result<C, ExitCode> {
    loaded.map_err(|e| {
        eprintln!("{name}: configuration error: {e}");
        ExitCode::from(EXIT_CONFIG)
    })
}

/// Builds the application, stops it on SIGTERM/SIGINT, and maps the outcome to an exit code.
pub async fn serve<A, F>(name: &'static str, build: F) -> ExitCode
where
    A: Runnable,
    F: Future<Output = anyhow::Result<A>>,
{
    let app = match build.await {
        Ok(app) => app,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "cannot start");
            eprintln!("{name}: cannot start: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    crate::shutdown::cancel_on_signal(app.shutdown_token());
    match app.run_until_stopped().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "stopped with an error");
            eprintln!("{name}: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Gives a service's `Application` (a struct with a `host: ServiceHost` field and an inherent
/// `async fn run_until_stopped(self)`) the accessors tests use and the [`Runnable`] impl.
#[macro_export]
macro_rules! service_application {
    ($app:ty) => {
        impl $app {
            /// The gRPC address actually bound.
            pub fn address(&self) -> ::std::net::SocketAddr {
                self.host.grpc_address()
            }

            /// The metrics address actually bound.
            pub fn metrics_address(&self) -> ::std::net::SocketAddr {
                self.host.metrics_address()
            }

            /// Cancelling it stops the service gracefully.
            pub fn shutdown_token(&self) -> $crate::shutdown::CancellationToken {
                self.host.shutdown_token()
            }
        }

        impl $crate::runner::Runnable for $app {
            fn shutdown_token(&self) -> $crate::shutdown::CancellationToken {
                self.host.shutdown_token()
            }

            fn run_until_stopped(
                self,
            ) -> impl ::std::future::Future<Output = ::anyhow::Result<()>> + Send {
                <$app>::run_until_stopped(self)
            }
        }
    };
}
