//! Internal services serve only calls that carry edge-api's caller identity: every one of
//! them refuses an anonymous call (fail closed), while health checks stay open.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use ofitec_domain::ErrorCode;
use ofitec_domain::identity::{Caller, CompanyScope, Role};
use ofitec_e2e::Platform;
use ofitec_platform::grpc::CallContext;
use ofitec_platform::grpc::RequestId;
use ofitec_platform::grpc::status::error_code;
use ofitec_proto::backup::v1::GetStatusRequest;
use ofitec_proto::backup::v1::backup_agent_client::BackupAgentClient;
use ofitec_proto::f29::v1::GetMappingRequest;
use ofitec_proto::f29::v1::f29_engine_client::F29EngineClient;
use ofitec_proto::sii::v1::GetTokenStatusRequest;
use ofitec_proto::sii::v1::sii_gateway_client::SiiGatewayClient;

#[tokio::test]
async fn calls_without_caller_identity_are_refused_but_health_is_open() {
    let platform = Platform::start().await;
    let mut client = SiiGatewayClient::connect(platform.sii_gateway.url())
        .await
        .expect("connect");
    let status = client
        .get_token_status(GetTokenStatusRequest::default())
        .await
        .expect_err("refused without identity");
    assert_eq!(status.code(), tonic::Code::Unauthenticated);
    assert_eq!(error_code(&status), Some(ErrorCode::AuthMissing));

    let context = CallContext {
        request_id: RequestId("internal-test".to_owned()),
        caller: Some(Caller {
            sub: "ana".to_owned(),
            role: Role::Viewer,
            companies: CompanyScope::All,
        }),
    };
    let result = client
        .get_token_status(context.request(GetTokenStatusRequest::default()))
        .await;
    if let Err(status) = result {
        assert_ne!(status.code(), tonic::Code::Unauthenticated, "{status:?}");
    }

    let channel = tonic::transport::Endpoint::from_shared(platform.sii_gateway.url())
        .expect("url")
        .connect()
        .await
        .expect("connect");
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel);
    let answer = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: String::new(),
        })
        .await;
    assert!(answer.is_ok(), "health needs no identity: {answer:?}");
}

#[tokio::test]
async fn every_internal_service_refuses_an_anonymous_call() {
    let platform = Platform::start().await;
    let refusals = [
        (
            "f29-engine",
            F29EngineClient::connect(platform.f29_engine.url())
                .await
                .expect("connect")
                .get_mapping(GetMappingRequest::default())
                .await
                .map(|_| ()),
        ),
        (
            "backup-agent",
            BackupAgentClient::connect(platform.backup_agent.url())
                .await
                .expect("connect")
                .get_status(GetStatusRequest::default())
                .await
                .map(|_| ()),
        ),
        (
            "sii-gateway",
            SiiGatewayClient::connect(platform.sii_gateway.url())
                .await
                .expect("connect")
                .get_token_status(GetTokenStatusRequest::default())
                .await
                .map(|_| ()),
        ),
    ];
    for (service, answer) in refusals {
        let status = answer.expect_err(service);
        assert_eq!(status.code(), tonic::Code::Unauthenticated, "{service}");
        assert_eq!(
            error_code(&status),
            Some(ErrorCode::AuthMissing),
            "{service}"
        );
    }
}
