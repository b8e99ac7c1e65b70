//! The client of backup-agent: the pre-import backup the imports ask for before a bulk
//! import (see `imports::backup` for when and what happens to the jobs meanwhile).

use std::time::Duration;

use ofitec_domain::identity::{Caller, CompanyScope, Role};
use ofitec_platform::grpc::{CallContext, RequestId};
use ofitec_proto::backup::v1 as backup;
use ofitec_proto::backup::v1::backup_agent_client::BackupAgentClient;
use tonic::transport::Endpoint;

/// Longest wait for the backup (a large database takes minutes).
pub const DEADLINE: Duration = Duration::from_secs(30 * 60);

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Backed up: the run id.
    Done(String),
    /// Failed: why.
    Failed(String),
}

/// Runs `plan` on the backup-agent at `url` (reason `pre-import`) and waits for it.
pub async fn run(url: &str, plan: &str, requested_by: &str, request_id: &str) -> Outcome {
    let endpoint = match Endpoint::from_shared(url.to_owned()) {
        Ok(e) => e.connect_timeout(Duration::from_secs(5)).timeout(DEADLINE),
        Err(e) => {
            return Outcome::Failed(format!("backup-agent URL `{url}`: {e}"));
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
        plan: plan.to_owned(),
        reason: backup::RunReason::PreImport.into(),
        requested_by: format!("sii-gateway for {requested_by}"),
        wait: true,
    };
    match client.run_backup(context.request(request)).await {
        Ok(run) => {
            let run = run.into_inner();
            match run.result() {
                backup::RunResult::Succeeded | backup::RunResult::Degraded => Outcome::Done(run.id),
                other => Outcome::Failed(format!(
                    "backup run {} ended {}: {}",
                    run.id,
                    // `failed`, as backup-agent's own messages name it.
                    other
                        .as_str_name()
                        .trim_start_matches("RUN_RESULT_")
                        .to_ascii_lowercase(),
                    run.error
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
