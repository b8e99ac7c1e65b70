//! Token status, manual sessions and the synchronous RCV download.

use ofitec_domain::ErrorCode;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use ofitec_domain::identity::Role;
use ofitec_platform::grpc::guard;
use ofitec_proto::convert;
use ofitec_proto::sii::v1 as pb;
use sii_client::auth::Token;
use sii_client::client::TokenStatus;
use tonic::{Request, Status};

use super::errors;
use super::rows::sii_summary_to_pb;
use crate::imports::Imports;
use ofitec_domain::rcv::Operation;
use ofitec_platform::grpc::status;

fn environment_to_pb(name: &str) -> pb::SiiEnvironment {
    match name {
        "sim" => pb::SiiEnvironment::Sim,
        "cert" => pb::SiiEnvironment::Cert,
        "prod" => pb::SiiEnvironment::Prod,
        _ => pb::SiiEnvironment::Unspecified,
    }
}

/// Refuses a request for another environment than the configured one.
fn check_environment(imports: &Imports, asked: i32) -> Result<(), Status> {
    let configured = environment_to_pb(imports.sii().environment_name());
    match pb::SiiEnvironment::try_from(asked) {
        Ok(pb::SiiEnvironment::Unspecified) => Ok(()),
        Ok(e) if e == configured => Ok(()),
        _ => Err(status::error(
            ErrorCode::EnvironmentNotConfigured,
            format!(
                "this gateway talks to the {} environment only",
                imports.sii().environment_name()
            ),
        )),
    }
}

fn status_to_pb(s: TokenStatus) -> pb::TokenStatus {
    pb::TokenStatus {
        environment: environment_to_pb(s.environment) as i32,
        source: s.source.map_or("none", |src| src.as_str()).to_owned(),
        holder_rut: s.holder.map(|r| r.to_string()).unwrap_or_default(),
        has_token: s.has_token,
        token_expires_at: convert::instant(s.expires_at),
        certificate_not_after: convert::instant(s.certificate_not_after),
        // The cache already cuts it to 4 characters; cut again so no change there can leak it.
        token_prefix: s
            .token_prefix
            .map(|p| p.chars().take(4).collect())
            .unwrap_or_default(),
        problem: s.problem.unwrap_or_default(),
    }
}

/// `GetTokenStatus`.
pub fn status(
    imports: &Arc<Imports>,
    request: Request<pb::GetTokenStatusRequest>,
) -> Result<pb::TokenStatus, Status> {
    let context = guard::context(&request)?;
    guard::allow(&context, None, Role::Viewer)?;
    check_environment(imports, request.get_ref().environment)?;
    Ok(status_to_pb(imports.sii().rcv.tokens().status()))
}

/// `SetManualSession` (admin).
pub fn set_manual(
    imports: &Arc<Imports>,
    request: Request<pb::SetManualSessionRequest>,
) -> Result<pb::TokenStatus, Status> {
    let context = guard::context(&request)?;
    guard::allow(&context, None, Role::Admin)?;
    let message = request.get_ref();
    check_environment(imports, message.environment)?;
    let token = Token::new(&message.token).ok_or_else(|| {
        status::error(
            ErrorCode::TokenInvalid,
            "token: must be non-empty printable ASCII without spaces, `;`, `,`, `\"` or `\\`",
        )
    })?;
    let expires_at = if message.expires_at.trim().is_empty() {
        None
    } else {
        let at = DateTime::parse_from_rfc3339(message.expires_at.trim())
            .map_err(|e| {
                status::error(
                    ErrorCode::ExpiresAtInvalid,
                    format!("expires_at: {e} (RFC 3339 expected)"),
                )
            })?
            .with_timezone(&Utc);
        if at <= Utc::now() {
            return Err(status::error(
                ErrorCode::ExpiresAtInvalid,
                "expires_at: already in the past",
            ));
        }
        Some(at)
    };
    imports.sii().rcv.tokens().set_manual(token, expires_at);
    tracing::info!(by = %guard::actor(&context), "manual SII session set");
    Ok(status_to_pb(imports.sii().rcv.tokens().status()))
}

/// `FetchRcv`: downloads without storing (a preview, or a check of what SII says).
pub async fn fetch(
    imports: &Arc<Imports>,
    request: Request<pb::FetchRcvRequest>,
) -> Result<pb::FetchRcvResponse, Status> {
    let context = guard::context(&request)?;
    let message = request.into_inner();
    let company = guard::company(&message.company)?;
    let period = guard::period(&message.period)?;
    guard::allow(&context, Some(company), Role::Viewer)?;
    let operations =
        match convert::operation("operation", message.operation).map_err(errors::convert)? {
            Some(op) => vec![op],
            None => vec![Operation::Compra, Operation::Venta],
        };
    let mut out = pb::FetchRcvResponse::default();
    for operation in operations {
        let register = imports
            .sii()
            .rcv
            .fetch_register(company, period, operation, |_| {})
            .await
            .map_err(|e| errors::sii(&e))?;
        out.documents
            .extend(register.documents.iter().map(pb::RcvDocument::from));
        out.sii_summary.extend(
            register
                .summary
                .iter()
                .map(|(state, row)| sii_summary_to_pb(&period.to_string(), operation, *state, row)),
        );
        if let Some(at) = register.modified_at {
            let at = convert::local_time(Some(at));
            if at > out.sii_modified_at {
                out.sii_modified_at = at;
            }
        }
    }
    Ok(out)
}
