//! Connections to the internal gRPC services and their health.
//!
//! Channels connect lazily, so edge-api starts (and answers `/api/health` with a useful
//! 503) while a downstream service is still starting or down.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use ofitec_platform::grpc::CallContext;
use ofitec_proto::backup::v1::backup_agent_client::BackupAgentClient;
use ofitec_proto::f29::v1::f29_engine_client::F29EngineClient;
use ofitec_proto::sii::v1::sii_gateway_client::SiiGatewayClient;
use serde::Serialize;
use tonic::transport::{Channel, Endpoint};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

use crate::config::ServicesConfig;

/// One internal service.
#[derive(Clone)]
struct Upstream {
    /// Name in health reports ("sii-gateway").
    name: &'static str,
    /// gRPC service name its health is reported under.
    grpc_service: &'static str,
    channel: Channel,
}

/// Clients for every internal service.
#[derive(Clone)]
pub struct Upstreams {
    sii_gateway: Upstream,
    f29_engine: Upstream,
    backup_agent: Upstream,
    /// backup-agent again, with `backup_drill_timeout_ms` as deadline: tonic's deadline is
    /// per channel, and a drill outlasts every ordinary call.
    backup_drill: Channel,
    /// f29-engine and sii-gateway again, with `long_call_timeout_ms`: for the calls whose
    /// work grows with a period's size.
    f29_long: Channel,
    sii_long: Channel,
    health_timeout: Duration,
}

/// Health of one internal service as seen from edge-api.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct DependencyHealth {
    /// Service name.
    pub name: &'static str,
    /// `SERVING`, `NOT_SERVING`, `UNKNOWN` or `UNREACHABLE`.
    pub status: &'static str,
    /// Round-trip time of the health check in milliseconds.
    pub latency_ms: f64,
    /// Why it is not serving, when it is not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// backup-agent only, for authenticated callers: the tools it needs but cannot find
    /// (`restic`, `pg_dump`, `pg_restore`). It serves without them, but backups that need
    /// one fail; absent when the agent could not be asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing_tools: Option<Vec<String>>,
}

impl DependencyHealth {
    /// Whether the service can take requests.
    pub fn is_serving(&self) -> bool {
        self.status == "SERVING"
    }
}

impl Upstreams {
    /// Prepares (lazy) channels to every service in `config`.
    pub fn connect_lazy(config: &ServicesConfig) -> anyhow::Result<Upstreams> {
        let timeout = Duration::from_millis(config.call_timeout_ms);
        let tls = config.tls.as_ref().map(|t| t.load()).transpose()?;
        let channel = |name: &'static str,
                       grpc_service: &'static str,
                       url: &str,
                       timeout: Duration|
         -> anyhow::Result<Upstream> {
            let mut endpoint = Endpoint::from_shared(url.to_owned())
                .with_context(|| format!("invalid URL `{url}` for {name}"))?
                .connect_timeout(Duration::from_secs(2))
                .timeout(timeout)
                .tcp_nodelay(true)
                .http2_keep_alive_interval(Duration::from_secs(30))
                .keep_alive_while_idle(true);
            if let Some(tls) = &tls {
                endpoint = endpoint
                    .tls_config(tls.clone())
                    .with_context(|| format!("TLS settings for {name}"))?;
            }
            Ok(Upstream {
                name,
                grpc_service,
                channel: endpoint.connect_lazy(),
            })
        };
        let upstream =
            |name: &'static str,
             grpc_service: &'static str,
             url: &str|
             -> anyhow::Result<Upstream> { channel(name, grpc_service, url, timeout) };
        Ok(Upstreams {
            sii_gateway: upstream(
                "sii-gateway",
                "ofitec.sii.v1.SiiGateway",
                &config.sii_gateway,
            )?,
            f29_engine: upstream("f29-engine", "ofitec.f29.v1.F29Engine", &config.f29_engine)?,
            backup_agent: upstream(
                "backup-agent",
                "ofitec.backup.v1.BackupAgent",
                &config.backup_agent,
            )?,
            backup_drill: channel(
                "backup-agent",
                "ofitec.backup.v1.BackupAgent",
                &config.backup_agent,
                Duration::from_millis(config.backup_drill_timeout_ms),
            )?
            .channel,
            f29_long: channel(
                "f29-engine",
                "ofitec.f29.v1.F29Engine",
                &config.f29_engine,
                Duration::from_millis(config.long_call_timeout_ms),
            )?
            .channel,
            sii_long: channel(
                "sii-gateway",
                "ofitec.sii.v1.SiiGateway",
                &config.sii_gateway,
                Duration::from_millis(config.long_call_timeout_ms),
            )?
            .channel,
            health_timeout: Duration::from_millis(config.health_timeout_ms),
        })
    }

    /// Client for sii-gateway.
    pub fn sii(&self) -> SiiGatewayClient<Channel> {
        SiiGatewayClient::new(self.sii_gateway.channel.clone())
    }

    /// Client for f29-engine.
    pub fn f29(&self) -> F29EngineClient<Channel> {
        F29EngineClient::new(self.f29_engine.channel.clone())
    }

    /// Client for backup-agent.
    pub fn backup(&self) -> BackupAgentClient<Channel> {
        BackupAgentClient::new(self.backup_agent.channel.clone())
    }

    /// Client for f29-engine's period-sized calls (deadline `long_call_timeout_ms`).
    pub fn f29_long(&self) -> F29EngineClient<Channel> {
        F29EngineClient::new(self.f29_long.clone())
    }

    /// Client for sii-gateway's period-sized calls (deadline `long_call_timeout_ms`).
    pub fn sii_long(&self) -> SiiGatewayClient<Channel> {
        // A page of 5,000 documents with every amount can exceed tonic's 4 MiB default.
        SiiGatewayClient::new(self.sii_long.clone()).max_decoding_message_size(64 * 1024 * 1024)
    }

    /// Client for backup-agent's restore drills (deadline `backup_drill_timeout_ms`).
    pub fn backup_drill(&self) -> BackupAgentClient<Channel> {
        BackupAgentClient::new(self.backup_drill.clone())
    }

    /// Checks every service concurrently, each bounded by the health timeout. With a caller
    /// in `context` (the detailed view), backup-agent is also asked which tools it misses.
    pub async fn health(&self, context: &CallContext) -> Vec<DependencyHealth> {
        let (a, b, mut c, tools) = tokio::join!(
            check(&self.sii_gateway, self.health_timeout, context),
            check(&self.f29_engine, self.health_timeout, context),
            check(&self.backup_agent, self.health_timeout, context),
            self.backup_missing_tools(context),
        );
        c.missing_tools = tools;
        vec![a, b, c]
    }

    /// backup-agent's missing tools (`GetStatus` with `tools_only`: no catalog reads), or
    /// `None` without a caller or when it does not answer within the health timeout.
    async fn backup_missing_tools(&self, context: &CallContext) -> Option<Vec<String>> {
        context.caller.as_ref()?;
        let request =
            context.request(ofitec_proto::backup::v1::GetStatusRequest { tools_only: true });
        let mut client = self.backup();
        match tokio::time::timeout(self.health_timeout, client.get_status(request)).await {
            Ok(Ok(answer)) => Some(answer.into_inner().missing_tools),
            _ => None,
        }
    }
}

async fn check(upstream: &Upstream, timeout: Duration, context: &CallContext) -> DependencyHealth {
    let started = Instant::now();
    let mut client = HealthClient::new(upstream.channel.clone());
    let request = context.request(HealthCheckRequest {
        service: upstream.grpc_service.to_owned(),
    });
    let outcome = tokio::time::timeout(timeout, client.check(request)).await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let (status, error) = match outcome {
        Ok(Ok(response)) => match response.into_inner().status() {
            ServingStatus::Serving => ("SERVING", None),
            ServingStatus::NotServing => (
                "NOT_SERVING",
                Some("reports NOT_SERVING (a dependency is down or it is draining)".to_owned()),
            ),
            ServingStatus::Unknown | ServingStatus::ServiceUnknown => {
                ("UNKNOWN", Some("health status unknown".to_owned()))
            }
        },
        Ok(Err(status)) => (
            "UNREACHABLE",
            Some(format!("{:?}: {}", status.code(), status.message())),
        ),
        Err(_) => (
            "UNREACHABLE",
            Some(format!("no answer within {} ms", timeout.as_millis())),
        ),
    };
    DependencyHealth {
        name: upstream.name,
        status,
        latency_ms: (latency_ms * 10.0).round() / 10.0,
        error,
        missing_tools: None,
    }
}
