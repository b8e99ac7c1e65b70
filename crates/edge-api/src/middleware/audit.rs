//! One `audit` event per state-changing request: who, which companies, what, result and
//! request id. Never the token, the body or the query string.

use actix_web::HttpMessage as _;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use ofitec_platform::grpc::RequestId;

use crate::auth::{AuditCompanies, Principal};

/// The middleware function.
pub async fn audit(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let changes_state = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let method = request.method().as_str().to_owned();
    let response = next.call(request).await?;
    if changes_state {
        let req = response.request();
        let extensions = req.extensions();
        let principal = extensions.get::<Principal>();
        let companies = extensions
            .get::<AuditCompanies>()
            .map(|c| {
                c.0.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .unwrap_or_default();
        let request_id = extensions
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_default();
        let route = req
            .match_pattern()
            .unwrap_or_else(|| "unmatched".to_owned());
        let status = response.status().as_u16();
        tracing::info!(
            target: "audit",
            who = principal.map(|p| p.sub()).unwrap_or("anonymous"),
            auth = principal.map(|p| p.kind.as_str()).unwrap_or("none"),
            companies = %companies,
            action = %format!("{method} {route}"),
            result = status,
            request_id = %request_id,
            "audit"
        );
    }
    Ok(response)
}
