//! Running one restic command: environment instead of argv for secrets, a deadline, and a
//! failure classified into something an operator can act on.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt as _};
use tokio::process::Command;

use ofitec_domain::Secret;

use crate::plan::{Repository, SecretError, SecretSource};

/// What can go wrong with a restic command. Messages name the repository, never its secrets.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ResticError {
    /// The password does not open the repository.
    #[error("repository `{repository}`: wrong password (no key in the repository matches it)")]
    WrongPassword {
        /// Repository name.
        repository: String,
    },
    /// Nothing initialised at the location.
    #[error("repository `{repository}` ({location}) does not exist or is not a restic repository")]
    NoRepository {
        /// Repository name.
        repository: String,
        /// Location, credentials removed.
        location: String,
    },
    /// A live (not stale) lock blocks the command.
    #[error("repository `{repository}` is locked by another restic process: {detail}")]
    Locked {
        /// Repository name.
        repository: String,
        /// restic's message.
        detail: String,
    },
    /// The server cannot be reached.
    #[error("repository `{repository}` ({location}) is unreachable: {detail}")]
    Unreachable {
        /// Repository name.
        repository: String,
        /// Location, credentials removed.
        location: String,
        /// What failed.
        detail: String,
    },
    /// The command ran past its deadline and was killed.
    #[error(
        "repository `{repository}`: `restic {command}` timed out after {seconds} s and was stopped"
    )]
    Timeout {
        /// Repository name.
        repository: String,
        /// Subcommand.
        command: String,
        /// Deadline.
        seconds: u64,
    },
    /// The password (or another secret) could not be read.
    #[error("repository `{repository}`: {detail}")]
    Secret {
        /// Repository name.
        repository: String,
        /// What could not be read (never the value).
        detail: String,
    },
    /// Any other non-zero exit.
    #[error("repository `{repository}`: `restic {command}` failed (exit code {code}): {detail}")]
    Failed {
        /// Repository name.
        repository: String,
        /// Subcommand.
        command: String,
        /// Exit code (-1 when killed by a signal).
        code: i32,
        /// The end of restic's error output, secrets removed.
        detail: String,
    },
    /// restic could not be started.
    #[error("cannot start restic: {0}")]
    Spawn(String),
    /// restic answered something the agent cannot read.
    #[error("repository `{repository}`: unexpected output from `restic {command}`: {detail}")]
    Output {
        /// Repository name.
        repository: String,
        /// Subcommand.
        command: String,
        /// What was wrong.
        detail: String,
    },
}

impl ResticError {
    /// Whether the repository could not be contacted at all (offsite down).
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            ResticError::Unreachable { .. } | ResticError::Timeout { .. }
        )
    }
}

/// What a finished command printed.
#[derive(Debug)]
pub struct Output {
    /// Standard output.
    pub stdout: String,
    /// Exit code.
    pub code: i32,
}

/// The restic binary and where its cache lives.
#[derive(Debug, Clone)]
pub struct Restic {
    binary: PathBuf,
    cache_dir: PathBuf,
}

/// Environment variable through which the source password reaches `copy`/`init` when it
/// comes from the agent's environment: restic 0.14 has no `RESTIC_FROM_PASSWORD`, only a
/// password command, and `printenv` keeps the value out of argv.
const FROM_PASSWORD_VAR: &str = "OFITEC_RESTIC_FROM_PASSWORD";

impl Restic {
    /// restic at `binary`, caching under `cache_dir`.
    pub fn new(binary: &Path, cache_dir: &Path) -> Restic {
        Restic {
            binary: binary.to_owned(),
            cache_dir: cache_dir.to_owned(),
        }
    }

    /// Runs `restic <args>` on `repo` (and `from` as the source repository of `copy` and
    /// `init --copy-chunker-params`). Exit codes in `ok_codes` besides 0 are successes.
    pub(super) async fn run(
        &self,
        repo: &Repository,
        from: Option<&Repository>,
        args: &[String],
        ok_codes: &[i32],
    ) -> Result<Output, ResticError> {
        let subcommand = args
            .iter()
            .find(|a| !a.starts_with('-'))
            .cloned()
            .unwrap_or_default();
        probe_reachable(repo).await?;
        if let Some(from) = from {
            probe_reachable(from).await?;
        }
        let mut secrets: Vec<Secret> = Vec::new();
        let mut command = Command::new(&self.binary);
        command
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (key, _) in std::env::vars() {
            if key.starts_with("RESTIC_") {
                command.env_remove(key);
            }
        }
        // `--time` is read in local time: pin it so snapshot times are the agent's UTC clock.
        command.env("TZ", "UTC");
        command.env("RESTIC_CACHE_DIR", &self.cache_dir);
        open_repository(&mut command, repo, false, &mut secrets)?;
        if let Some(from) = from {
            open_repository(&mut command, from, true, &mut secrets)?;
        }
        tracing::debug!(repository = %repo.name, command = %subcommand, "running restic");
        let mut child = command
            .spawn()
            .map_err(|e| ResticError::Spawn(format!("{}: {e}", self.binary.display())))?;
        let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
        let finished = tokio::time::timeout(repo.timeout, async {
            tokio::join!(read_all(stdout), read_all(stderr), child.wait())
        })
        .await;
        let (stdout, stderr, status) = match finished {
            Ok(result) => result,
            Err(_) => {
                let _ = child.kill().await;
                return Err(ResticError::Timeout {
                    repository: repo.name.clone(),
                    command: subcommand,
                    seconds: repo.timeout.as_secs(),
                });
            }
        };
        let status = status.map_err(|e| ResticError::Spawn(e.to_string()))?;
        let code = status.code().unwrap_or(-1);
        if code == 0 || ok_codes.contains(&code) {
            return Ok(Output { stdout, code });
        }
        let stderr = scrub(&stderr, &secrets);
        Err(classify(repo, from, &subcommand, code, &stderr))
    }
}

/// Points the command at `repo`, as the repository it works on (`RESTIC_…`) or as the source
/// of `copy` and `init --copy-chunker-params` (`RESTIC_FROM_…`): location, extra environment
/// and password, every secret also kept in `secrets` to scrub restic's output.
fn open_repository(
    command: &mut Command,
    repo: &Repository,
    source: bool,
    secrets: &mut Vec<Secret>,
) -> Result<(), ResticError> {
    let prefix = if source { "RESTIC_FROM_" } else { "RESTIC_" };
    let unreadable = |what: &str, detail: SecretError| ResticError::Secret {
        repository: repo.name.clone(),
        detail: format!("cannot read {what}: {detail}"),
    };
    command.env(format!("{prefix}REPOSITORY"), repo.url.expose());
    secrets.push(repo.url.clone());
    for (name, env) in &repo.env {
        let value = env.read().map_err(|e| unreadable(name, e))?;
        command.env(name, value.expose());
        secrets.push(value);
    }
    let password = match &repo.password {
        SecretSource::File(path) => {
            command.env(format!("{prefix}PASSWORD_FILE"), path);
            return Ok(());
        }
        env @ SecretSource::Env(_) => env
            .read()
            .map_err(|e| unreadable("the repository password", e))?,
    };
    if source {
        command.env(FROM_PASSWORD_VAR, password.expose());
        command.env(
            "RESTIC_FROM_PASSWORD_COMMAND",
            format!("printenv {FROM_PASSWORD_VAR}"),
        );
    } else {
        command.env("RESTIC_PASSWORD", password.expose());
    }
    secrets.push(password);
    Ok(())
}

/// A child's output stream, read to the end (empty when absent or unreadable).
async fn read_all(stream: Option<impl AsyncRead + Unpin>) -> String {
    let mut text = String::new();
    if let Some(mut stream) = stream {
        let _ = stream.read_to_string(&mut text).await;
    }
    text
}

/// restic retries an unreachable backend for minutes; a plain TCP connect answers in
/// seconds, so a dead offsite does not hold the run up.
async fn probe_reachable(repo: &Repository) -> Result<(), ResticError> {
    let Some(address) = repo.network_address() else {
        return Ok(());
    };
    let connect = tokio::net::TcpStream::connect(address.clone());
    match tokio::time::timeout(Duration::from_secs(5), connect).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(ResticError::Unreachable {
            repository: repo.name.clone(),
            location: repo.redacted_url(),
            detail: format!("cannot connect to {address}: {e}"),
        }),
        Err(_) => Err(ResticError::Unreachable {
            repository: repo.name.clone(),
            location: repo.redacted_url(),
            detail: format!("no answer from {address} within 5 s"),
        }),
    }
}

/// Removes every secret from restic's output before it is logged or stored.
fn scrub(text: &str, secrets: &[Secret]) -> String {
    let mut text = text.to_owned();
    for secret in secrets {
        let value = secret.expose();
        if value.len() >= 4 {
            text = text.replace(value, &ofitec_domain::redact::url(value));
            text = text.replace(value, "***");
        }
    }
    text
}

fn classify(
    repo: &Repository,
    from: Option<&Repository>,
    command: &str,
    code: i32,
    stderr: &str,
) -> ResticError {
    let lower = stderr.to_ascii_lowercase();
    // With `copy`/`init --from-repo` the message may be about the source repository.
    let about_source = from.is_some() && lower.contains("source repository");
    let named = if about_source {
        from.unwrap_or(repo)
    } else {
        repo
    };
    if lower.contains("wrong password") {
        return ResticError::WrongPassword {
            repository: named.name.clone(),
        };
    }
    if lower.contains("is there a repository at the following location")
        || lower.contains("unable to open config file")
    {
        return ResticError::NoRepository {
            repository: named.name.clone(),
            location: named.redacted_url(),
        };
    }
    if lower.contains("repository is already locked") {
        return ResticError::Locked {
            repository: named.name.clone(),
            detail: crate::tools::tail(stderr),
        };
    }
    if lower.contains("connection refused")
        || lower.contains("no such host")
        || lower.contains("i/o timeout")
        || lower.contains("network is unreachable")
    {
        return ResticError::Unreachable {
            repository: named.name.clone(),
            location: named.redacted_url(),
            detail: crate::tools::tail(stderr),
        };
    }
    ResticError::Failed {
        repository: named.name.clone(),
        command: command.to_owned(),
        code,
        detail: crate::tools::tail(stderr),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_scrubbed_from_errors() {
        let secrets = vec![
            Secret::new("rest:http://u:pa55word@h:1/r"),
            Secret::new("hunter22"),
        ];
        let text = scrub(
            "Fatal: rest:http://u:pa55word@h:1/r failed; password hunter22",
            &secrets,
        );
        assert!(
            !text.contains("pa55word") && !text.contains("hunter22"),
            "{text}"
        );
    }
}
