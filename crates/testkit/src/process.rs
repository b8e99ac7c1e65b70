//! Service binaries as child processes: for signals, exit codes and crashes, which an
//! in-process `Application` cannot show.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nix::sys::signal::{self, Signal};
use nix::unistd::Pid;
use tokio::io::{AsyncBufReadExt as _, AsyncRead, BufReader};
use tokio::process::{Child, Command};

/// Path of a workspace binary (built by `cargo build --workspace --bins`, which `make test`
/// runs before the tests).
pub fn bin_path(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/<test> → target/<profile>/<name>
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target directory")
        .to_path_buf();
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} does not exist: build the binaries first with `cargo build --workspace --bins` (make test does)",
        path.display()
    );
    path
}

/// A running service binary; killed when dropped. Its output is collected line by line.
#[derive(Debug)]
pub struct ServiceProcess {
    child: Child,
    name: String,
    lines: Arc<Mutex<Vec<String>>>,
}

impl ServiceProcess {
    /// Starts `name` with `args` and `env`. Variables of the test process that configure
    /// services (`OFITEC__…`, `DATABASE_URL`, `OFITEC_CONFIG`) are removed so they cannot leak in.
    pub fn spawn(name: &str, args: &[&str], env: &[(&str, String)]) -> ServiceProcess {
        let mut command = Command::new(bin_path(name));
        command
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (key, _) in std::env::vars() {
            if key.starts_with("OFITEC__")
                || key == "DATABASE_URL"
                || key == "OFITEC_CONFIG"
                || key == "RUST_LOG"
            {
                command.env_remove(key);
            }
        }
        command.env("OFITEC__TELEMETRY__FORMAT", "json");
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        let lines = Arc::new(Mutex::new(Vec::new()));
        if let Some(out) = child.stdout.take() {
            collect(out, lines.clone());
        }
        if let Some(err) = child.stderr.take() {
            collect(err, lines.clone());
        }
        ServiceProcess {
            child,
            name: name.to_owned(),
            lines,
        }
    }

    /// The process id.
    pub fn pid(&self) -> Pid {
        Pid::from_raw(self.child.id().expect("process still running") as i32)
    }

    /// Sends `signal` to the process.
    pub fn signal(&self, signal: Signal) {
        signal::kill(self.pid(), signal)
            .unwrap_or_else(|e| panic!("cannot signal {}: {e}", self.name));
    }

    /// Everything the process printed so far.
    pub fn output(&self) -> String {
        self.lines.lock().map(|l| l.join("\n")).unwrap_or_default()
    }

    /// Waits for exit (at most `timeout`) and returns the status and all output.
    pub async fn wait_output(mut self, timeout: Duration) -> (ExitStatus, String) {
        let status = tokio::time::timeout(timeout, self.child.wait())
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "{} did not exit within {timeout:?}; output:\n{}",
                    self.name,
                    self.output()
                )
            })
            .expect("wait for process");
        // Give the collectors a moment to drain the pipes.
        tokio::time::sleep(Duration::from_millis(100)).await;
        (status, self.output())
    }

    /// Waits until a line containing `needle` appears and returns it.
    pub async fn wait_for_log(&self, needle: &str, timeout: Duration) -> String {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(line) = self
                .lines
                .lock()
                .ok()
                .and_then(|l| l.iter().find(|line| line.contains(needle)).cloned())
            {
                return line;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{} never logged `{needle}`; it logged:\n{}",
                self.name,
                self.output()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Waits for the JSON log line with `message` and reads the socket address in `field`
    /// (services log the addresses they actually bound, which is how tests find port 0).
    pub async fn wait_for_address(
        &self,
        message: &str,
        field: &str,
        timeout: Duration,
    ) -> SocketAddr {
        let needle = format!("\"message\":\"{message}\"");
        let line = self.wait_for_log(&needle, timeout).await;
        let key = format!("\"{field}\":\"");
        let start = line
            .find(&key)
            .map(|i| i + key.len())
            .unwrap_or_else(|| panic!("no {field} in {line}"));
        let end = line[start..]
            .find('"')
            .map(|i| start + i)
            .unwrap_or(line.len());
        line[start..end]
            .parse()
            .unwrap_or_else(|e| panic!("bad address in {line}: {e}"))
    }
}

fn collect(stream: impl AsyncRead + Unpin + Send + 'static, lines: Arc<Mutex<Vec<String>>>) {
    tokio::spawn(async move {
        let mut reader = BufReader::new(stream).lines();
        while let Ok(Some(line)) = reader.next_line().await {
            if let Ok(mut lines) = lines.lock() {
                lines.push(line);
            }
        }
    });
}
