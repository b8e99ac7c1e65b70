//! What every internal call checks first: the caller context (request id and identity, passed
//! on to the next service), company RUTs and periods from request fields, and that the caller
//! may act on a company.
//!
//! Without a caller identity in the metadata (internal calls, tests) nothing is scoped: the
//! internal network is trusted, as everywhere in the platform. With one, reads need the
//! company in the caller's scope; changes also need a role.

use crate::grpc::metadata::caller_from;
use crate::grpc::status;
use crate::grpc::{CallContext, RequestId};
use ofitec_domain::ErrorCode;
use ofitec_domain::identity::Role;
use ofitec_domain::{Period, Rut};
use tonic::Status;

/// The context of an incoming request.
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
    Ok(CallContext { request_id, caller })
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
        return Ok(());
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

/// Who acts: the authenticated caller, else the name the request gives, else `unknown`.
pub fn actor(context: &CallContext, given: &str) -> String {
    match &context.caller {
        Some(caller) => caller.sub.clone(),
        None if !given.trim().is_empty() => given.trim().to_owned(),
        None => "unknown".to_owned(),
    }
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
        assert!(allow(&internal, Some(other), Role::Admin).is_ok());
        assert_eq!(actor(&operator, "someone"), "ana");
        assert_eq!(actor(&internal, "someone"), "someone");
        assert_eq!(actor(&internal, ""), "unknown");
    }
}
