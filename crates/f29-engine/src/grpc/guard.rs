//! What every call checks first; the generic part lives in `ofitec_platform::grpc::guard`, the
//! declaration key is the engine's own.

use ofitec_domain::ErrorCode;
use ofitec_domain::identity::{CompanyScope, Role};
use ofitec_domain::{Period, Rut};
use ofitec_platform::grpc::{CallContext, status};
use ofitec_proto::f29::v1 as pb;
use tonic::Status;

pub use ofitec_platform::grpc::guard::{actor, allow, company, context, period};

/// Refuses a caller below `role` or limited to some companies: reference data (the UTM
/// table, the holidays) applies to every company, so only an administrator of all of them
/// changes it.
pub fn allow_everyone(context: &CallContext, role: Role) -> Result<(), Status> {
    allow(context, None, role)?;
    let every_company = context
        .caller
        .as_ref()
        .is_some_and(|c| matches!(c.companies, CompanyScope::All));
    if every_company {
        Ok(())
    } else {
        Err(status::error(
            ErrorCode::ForbiddenCompany,
            "the UTM table and the holidays apply to every company: changing them needs access to all companies",
        ))
    }
}

/// The company and period of a declaration key.
pub fn key(key: Option<&pb::DeclarationKey>) -> Result<(Rut, Period), Status> {
    let key = key.ok_or_else(|| {
        status::error(
            ErrorCode::RutInvalid,
            "key: company and period are required",
        )
    })?;
    Ok((company(&key.company)?, period(&key.period)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    use ofitec_platform::grpc::status::error_code;
    use tonic::Code;

    #[test]
    fn keys_are_validated_with_stable_codes() {
        let bad_rut = key(Some(&pb::DeclarationKey {
            company: "76123456-1".into(),
            period: "2024-11".into(),
        }))
        .expect_err("check digit");
        assert_eq!(error_code(&bad_rut), Some(ErrorCode::RutInvalid));
        assert_eq!(bad_rut.code(), Code::InvalidArgument);
        let bad_period = key(Some(&pb::DeclarationKey {
            company: "76123456-0".into(),
            period: "2024-13".into(),
        }))
        .expect_err("month 13");
        assert_eq!(error_code(&bad_period), Some(ErrorCode::PeriodInvalid));
        assert!(key(None).is_err());
    }
}
