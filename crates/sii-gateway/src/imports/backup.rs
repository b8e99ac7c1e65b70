//! The pre-import backup: before a bulk import of at least `min_jobs` jobs, backup-agent runs
//! the configured plan (reason `pre-import`) and the import's new jobs wait for it, held
//! (queued with a start time in the future). The request is answered at once. When the
//! backup fails, the policy decides: `abort` fails the held jobs
//! (`pre_import_backup_failed`), `warn` logs, counts and lets them run.

use std::time::Duration;

use ofitec_domain::identity::{Caller, CompanyScope, Role};
use ofitec_platform::grpc::{CallContext, RequestId};
use ofitec_proto::backup::v1 as backup;
use ofitec_proto::backup::v1::backup_agent_client::BackupAgentClient;
use tonic::transport::Endpoint;

use super::config::PreImportBackup;

/// Longest wait for the backup (a large database takes minutes).
const DEADLINE: Duration = Duration::from_secs(30 * 60);

/// Until when new jobs wait for their pre-import backup. Past the backup's own deadline: if
/// this process dies meanwhile, nobody will release them, and the import then runs anyway
/// rather than never (a restarted gateway does not know whether the backup was taken).
pub fn hold_until() -> chrono::NaiveDateTime {
    crate::clock::now()
        + chrono::Duration::from_std(DEADLINE).unwrap_or_else(|_| chrono::Duration::hours(1))
        + chrono::Duration::minutes(5)
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Backed up: the run id.
    Done(String),
    /// Failed: why.
    Failed(String),
}

/// Runs the plan and waits for it.
pub async fn run(config: &PreImportBackup, requested_by: &str, request_id: &str) -> Outcome {
    let endpoint = match Endpoint::from_shared(config.backup_agent.clone()) {
        Ok(e) => e.connect_timeout(Duration::from_secs(5)).timeout(DEADLINE),
        Err(e) => {
            return Outcome::Failed(format!("backup-agent URL `{}`: {e}", config.backup_agent));
        }
    };
    let mut client = BackupAgentClient::new(endpoint.connect_lazy());
    // The gateway asks on its own behalf (a policy of this deployment), not with the
    // operator's rights, who may not run backups themselves.
    let context = CallContext {
        request_id: RequestId(request_id.to_owned()),
        caller: Some(Caller {
            sub: "sii-gateway".to_owned(),
            role: Role::Admin,
            companies: CompanyScope::All,
        }),
    };
    let request = backup::RunBackupRequest {
        plan: config.plan.clone(),
        reason: "pre-import".to_owned(),
        requested_by: format!("sii-gateway for {requested_by}"),
        wait: true,
    };
    match client.run_backup(context.request(request)).await {
        Ok(run) => {
            let run = run.into_inner();
            match run.result.as_str() {
                "succeeded" | "degraded" => Outcome::Done(run.id),
                other => Outcome::Failed(format!(
                    "backup run {} ended {other}: {}",
                    run.id, run.error
                )),
            }
        }
        Err(status) => Outcome::Failed(format!(
            "backup-agent refused or is unreachable ({:?}): {}",
            status.code(),
            status.message()
        )),
    }
}
