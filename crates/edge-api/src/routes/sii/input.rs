//! Parsing what callers send: RUTs, periods, registers, job statuses. Each failure names the
//! field and carries a stable code.

use ofitec_domain::ErrorCode;
use ofitec_domain::rcv::{Operation, PurchaseState};
use ofitec_domain::{Period, Rut};
use ofitec_proto::convert;
use ofitec_proto::sii::v1 as pb;

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

/// `compra` / `venta`.
pub fn operation(field: &str, text: &str) -> Result<pb::Operation, ApiError> {
    match text.trim().to_ascii_lowercase().as_str() {
        "compra" => Ok(pb::Operation::Compra),
        "venta" => Ok(pb::Operation::Venta),
        other => Err(ApiError::new(
            ErrorCode::OperationInvalid,
            format!("{field}: `{other}` is not compra or venta"),
        )
        .with_field(field)),
    }
}

/// `REGISTRO`, `PENDIENTE`, `NO_INCLUIR`, `RECLAMADO` (any case).
pub fn purchase_state(field: &str, text: &str) -> Result<pb::PurchaseState, ApiError> {
    match text.trim().to_ascii_uppercase().as_str() {
        "REGISTRO" => Ok(pb::PurchaseState::Registro),
        "PENDIENTE" => Ok(pb::PurchaseState::Pendiente),
        "NO_INCLUIR" => Ok(pb::PurchaseState::NoIncluir),
        "RECLAMADO" => Ok(pb::PurchaseState::Reclamado),
        other => Err(ApiError::new(
            ErrorCode::InvalidArgument,
            format!("{field}: `{other}` is not REGISTRO, PENDIENTE, NO_INCLUIR or RECLAMADO"),
        )
        .with_field(field)),
    }
}

/// A job status name.
pub fn job_status(field: &str, text: &str) -> Result<pb::JobStatus, ApiError> {
    match text.trim().to_ascii_lowercase().as_str() {
        "queued" => Ok(pb::JobStatus::Queued),
        "running" => Ok(pb::JobStatus::Running),
        "succeeded" => Ok(pb::JobStatus::Succeeded),
        "failed" => Ok(pb::JobStatus::Failed),
        "dead" => Ok(pb::JobStatus::Dead),
        "cancelled" => Ok(pb::JobStatus::Cancelled),
        other => Err(ApiError::new(
            ErrorCode::InvalidArgument,
            format!(
                "{field}: `{other}` is not queued, running, succeeded, failed, dead or cancelled"
            ),
        )
        .with_field(field)),
    }
}

/// The name of a register on the wire enum (`None` when unspecified or unknown).
pub fn operation_name(value: i32) -> Option<&'static str> {
    convert::operation("operation", value)
        .ok()
        .flatten()
        .map(Operation::as_str)
}

/// The name of a purchase state on the wire enum (`None` when unspecified or unknown).
pub fn state_name(value: i32) -> Option<&'static str> {
    convert::purchase_state("state", value)
        .ok()
        .flatten()
        .map(PurchaseState::as_str)
}

/// The name of a job status on the wire enum.
pub fn status_name(value: i32) -> &'static str {
    match pb::JobStatus::try_from(value) {
        Ok(pb::JobStatus::Queued) => "queued",
        Ok(pb::JobStatus::Running) => "running",
        Ok(pb::JobStatus::Succeeded) => "succeeded",
        Ok(pb::JobStatus::Failed) => "failed",
        Ok(pb::JobStatus::Dead) => "dead",
        Ok(pb::JobStatus::Cancelled) => "cancelled",
        _ => "unknown",
    }
}

/// Page size and offset with a default and a cap.
pub fn page(
    limit: Option<u32>,
    offset: Option<u64>,
    default: u32,
    cap: u32,
) -> Result<(u32, u64), ApiError> {
    let limit = limit.unwrap_or(default);
    if limit == 0 || limit > cap {
        return Err(ApiError::new(
            ErrorCode::InvalidQuery,
            format!("limit: between 1 and {cap}"),
        )
        .with_field("limit"));
    }
    Ok((limit, offset.unwrap_or(0)))
}
