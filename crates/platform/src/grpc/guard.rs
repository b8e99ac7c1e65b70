//! What every internal call checks first: the caller context (request id and identity, passed
//! on to the next service), company RUTs and periods from request fields, and that the caller
//! may act on a company.
//!
//! Fail closed, like the host's `RequireCallerLayer` in front of every service: a call without
//! a caller identity is refused here too, so a handler that forgets the layer (or a test that
//! builds a service without it) still serves nobody anonymous. Reads need the company in the
//! caller's scope; changes also need a role.

use crate::grpc::metadata::caller_from;
use crate::grpc::status;
use crate::grpc::{CallContext, RequestId};
use ofitec_domain::ErrorCode;
use ofitec_domain::identity::Role;
use ofitec_domain::{Period, Rut};
use tonic::Status;

/// The context of an incoming request; refused (`auth_missing`) without a caller identity.
pub fn context<T>(request: &tonic::Request<T>) -> Result<CallContext, Status> {
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .cloned()
        .unwrap_or_else(RequestId::generate);
    let caller = caller_from(request.metadata()).map_err(|e| {
        status::error(
            ErrorCode::AuthInvalid,
            format!("the caller identity in the metadata is malformed: {e}"),
        )
    })?;
    if caller.is_none() {
        return Err(missing());
    }
    Ok(CallContext { request_id, caller })
}

fn missing() -> Status {
    status::error(
        ErrorCode::AuthMissing,
        "no caller identity: internal services are reached through edge-api",
    )
}

/// A company RUT from a request field.
pub fn company(text: &str) -> Result<Rut, Status> {
    Rut::parse(text).map_err(|e| status::error(ErrorCode::RutInvalid, format!("company: {e}")))
}

/// A period from a request field.
pub fn period(text: &str) -> Result<Period, Status> {
    Period::parse(text).map_err(|e| status::error(ErrorCode::PeriodInvalid, format!("period: {e}")))
}

/// Refuses a caller outside `company`'s scope or below `role`.
pub fn allow(context: &CallContext, company: Option<Rut>, role: Role) -> Result<(), Status> {
    let Some(caller) = &context.caller else {
        return Err(missing());
    };
    if let Some(company) = company
        && !caller.companies.allows(&company)
    {
        return Err(status::error(
            ErrorCode::ForbiddenCompany,
            format!("{} may not access company {company}", caller.sub),
        ));
    }
    if !caller.has_role(role) {
        return Err(status::error(
            ErrorCode::ForbiddenRole,
            format!(
                "this needs the {role} role; {} is {}",
                caller.sub, caller.role
            ),
        ));
    }
    Ok(())
}

/// Who acts: the authenticated caller (a context always has one once [`context`] let it in).
pub fn actor(context: &CallContext) -> String {
    context
        .caller
        .as_ref()
        .map_or_else(|| "unknown".to_owned(), |caller| caller.sub.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    use crate::grpc::status::error_code;
    use ofitec_domain::identity::{Caller, CompanyScope};

    fn ctx(role: Role, companies: CompanyScope) -> CallContext {
        CallContext {
            request_id: RequestId("r".into()),
            caller: Some(Caller {
                sub: "ana".into(),
                role,
                companies,
            }),
        }
    }

    #[test]
    fn scope_and_role() {
        let mine = Rut::parse("76123456-0").expect("rut");
        let other = Rut::parse("12345678-5").expect("rut");
        let operator = ctx(Role::Operator, CompanyScope::Only(BTreeSet::from([mine])));
        assert!(allow(&operator, Some(mine), Role::Operator).is_ok());
        let err = allow(&operator, Some(other), Role::Viewer).expect_err("scope");
        assert_eq!(error_code(&err), Some(ErrorCode::ForbiddenCompany));
        let err = allow(&operator, None, Role::Admin).expect_err("role");
        assert_eq!(error_code(&err), Some(ErrorCode::ForbiddenRole));
        let internal = CallContext {
            request_id: RequestId("r".into()),
            caller: None,
        };
        let err = allow(&internal, Some(other), Role::Viewer).expect_err("no caller");
        assert_eq!(error_code(&err), Some(ErrorCode::AuthMissing));
        assert_eq!(actor(&operator), "ana");
        let anonymous = tonic::Request::new(());
        let err = context(&anonymous).expect_err("no caller");
        assert_eq!(error_code(&err), Some(ErrorCode::AuthMissing));
    }
}
