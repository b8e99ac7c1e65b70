//! CLI commands that ask the running agent over gRPC.

use std::process::ExitCode;

use ofitec_domain::identity::{Caller, CompanyScope, Role};
use ofitec_platform::grpc::{CallContext, RequestId};
use ofitec_proto::backup::v1 as pb;
use ofitec_proto::backup::v1::backup_agent_client::BackupAgentClient;

use super::{EXIT_UNREACHABLE, print_drill, print_run};
use crate::config::Config;
use crate::grpc::convert;
use crate::reason::Reason;

/// Internal services require a caller identity (normally set by edge-api); the operator CLI
/// runs on the agent's host with its configuration and identifies itself as an admin.
fn request<T>(message: T) -> tonic::Request<T> {
    CallContext {
        request_id: RequestId::generate(),
        caller: Some(Caller {
            sub: "backup-agent-cli".to_owned(),
            role: Role::Admin,
            companies: CompanyScope::All,
        }),
    }
    .request(message)
}

/// The agent's address: `--agent`, else the configured gRPC listener (0.0.0.0 → loopback).
fn agent_url(config: &Config, given: Option<String>) -> String {
    given.unwrap_or_else(|| {
        let listen = config.grpc.listen.as_str().replace("0.0.0.0", "127.0.0.1");
        format!("http://{listen}")
    })
}

/// A client of the agent at `--agent` or the configured address.
async fn connect(
    config: &Config,
    given: Option<String>,
) -> Result<BackupAgentClient<tonic::transport::Channel>, ExitCode> {
    let url = agent_url(config, given);
    BackupAgentClient::connect(url.clone()).await.map_err(|e| {
        eprintln!(
            "backup-agent: cannot reach the agent at {url}: {e} (is it running? use --local to run in this process)"
        );
        ExitCode::from(EXIT_UNREACHABLE)
    })
}

/// `run` through the agent.
pub async fn run(config: &Config, given: Option<String>, plan: &str, reason: Reason) -> ExitCode {
    let mut client = match connect(config, given).await {
        Ok(client) => client,
        Err(code) => return code,
    };
    let request = pb::RunBackupRequest {
        plan: plan.to_owned(),
        reason: convert::reason(reason).into(),
        requested_by: "cli".to_owned(),
        wait: true,
    };
    match client.run_backup(self::request(request)).await {
        Ok(response) => {
            let run = response.into_inner();
            if run.joined {
                println!("joined the run already in progress");
            }
            let snapshots: Vec<(String, String)> = run
                .snapshots
                .iter()
                .map(|s| (s.repository.clone(), s.snapshot_id.clone()))
                .collect();
            let result = convert::result_from(run.result);
            print_run(&run.id, result, &run.error, &snapshots)
        }
        Err(status) => {
            eprintln!("backup-agent: {}", status.message());
            if status.code() == tonic::Code::Unavailable {
                ExitCode::from(EXIT_UNREACHABLE)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// `drill` through the agent.
pub async fn drill(config: &Config, given: Option<String>, plan: &str) -> ExitCode {
    let mut client = match connect(config, given).await {
        Ok(client) => client,
        Err(code) => return code,
    };
    let request = pb::RunDrillRequest {
        plan: plan.to_owned(),
        requested_by: "cli".to_owned(),
    };
    match client.run_drill(self::request(request)).await {
        Ok(response) => {
            let drill = response.into_inner();
            let result = convert::result_from(drill.result);
            let (id, seconds) = (&drill.snapshot_id, drill.duration_seconds);
            print_drill(plan, result, id, seconds, &drill.problems)
        }
        Err(status) => {
            eprintln!("backup-agent: {}", status.message());
            ExitCode::FAILURE
        }
    }
}
