//! gRPC requests as edge-api sends them: with a request id and the caller's identity in the
//! metadata (internal services refuse calls without one).

use ofitec_domain::identity::{Caller, CompanyScope, Role};
use ofitec_platform::grpc::{CallContext, RequestId};

/// `message` from `ana@example.cl` with `role` over `companies`.
pub fn as_caller<T>(message: T, role: Role, companies: CompanyScope) -> tonic::Request<T> {
    CallContext {
        request_id: RequestId("test".into()),
        caller: Some(Caller {
            sub: "ana@example.cl".into(),
            role,
            companies,
        }),
    }
    .request(message)
}

/// `message` from an operator of every company.
pub fn operator<T>(message: T) -> tonic::Request<T> {
    as_caller(message, Role::Operator, CompanyScope::All)
}
