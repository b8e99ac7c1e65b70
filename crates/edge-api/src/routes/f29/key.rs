//! The declaration a path names, checked against the caller's companies before any call.

use ofitec_domain::ErrorCode;
use ofitec_domain::{Period, Rut};
use ofitec_proto::f29::v1 as pb;

use crate::auth::Authorized;
use crate::error::ApiError;

/// A company RUT from `field`.
pub fn company(field: &str, text: &str) -> Result<Rut, ApiError> {
    Rut::parse(text).map_err(|e| {
        ApiError::new(ErrorCode::RutInvalid, format!("{field}: {e}")).with_field(field)
    })
}

/// A period (`YYYY-MM` or `YYYYMM`) from `field`.
pub fn period(field: &str, text: &str) -> Result<Period, ApiError> {
    Period::parse(text).map_err(|e| {
        ApiError::new(ErrorCode::PeriodInvalid, format!("{field}: {e}")).with_field(field)
    })
}

/// `{company}/{period}` as a declaration key: 400 when malformed, 403 `forbidden_company`
/// when the company is not the caller's.
pub fn declaration<R>(
    auth: &Authorized<R>,
    (company_text, period_text): (String, String),
) -> Result<pb::DeclarationKey, ApiError> {
    let rut = company("company", &company_text)?;
    auth.require_company(&rut)?;
    let period = period("period", &period_text)?;
    Ok(pb::DeclarationKey {
        company: rut.to_string(),
        period: period.to_string(),
    })
}
