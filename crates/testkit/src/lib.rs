//! Test support shared by every crate's integration tests.
//!
//! * [`TestDatabase`]: a fresh database per test. The backend follows `OFITEC_TEST_BACKEND`
//!   (`sqlite`, the default, or `postgres` with `OFITEC_TEST_POSTGRES_URL` pointing at an
//!   administrative database); `make test` runs the suite once per backend.
//! * [`process`]: the real service binaries started as processes (signals, exit codes).
//! * [`wait_until`]: polling with a deadline instead of sleeping.
//! * [`cpu_time::ThreadCpuTime`]: criterion's measurement in thread CPU time, for the benches.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod caller;
pub mod cpu_time;
pub mod database;
pub mod process;

use std::future::Future;
use std::time::{Duration, Instant};

pub use caller::{as_caller, operator};
pub use database::{TestDatabase, check_migrations};

/// Polls `check` every 50 ms until it returns `Some`, or panics after `timeout` with `what`.
pub async fn wait_until<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Absolute path of a file in `testdata/sii` (the real SII samples, copied from the shared set).
pub fn sii_testdata(relative: &str) -> std::path::PathBuf {
    workspace_root().join("testdata/sii").join(relative)
}

/// The workspace root (where the top `Cargo.toml` is).
pub fn workspace_root() -> std::path::PathBuf {
    let here = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent()
        .and_then(|p| p.parent())
        .map(std::path::Path::to_path_buf)
        .unwrap_or(here)
}
