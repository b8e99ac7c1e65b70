//! Every failure as a gRPC status with a stable code in `x-ofitec-error` (edge-api maps the
//! gRPC code to HTTP — FAILED_PRECONDITION → 409 — and keeps our code).
//!
//! | code | gRPC | when |
//! |---|---|---|
//! | `rut_invalid`, `period_invalid` | INVALID_ARGUMENT | the key is wrong |
//! | `inputs_invalid` | INVALID_ARGUMENT | an input is wrong (the message names it) |
//! | `mapping_invalid` | INVALID_ARGUMENT | a mapping document is wrong (each line named) |
//! | `status_invalid`, `format_invalid`, `proposal_invalid` | INVALID_ARGUMENT | bad request values |
//! | `auth_invalid` | UNAUTHENTICATED | malformed caller metadata |
//! | `forbidden_company`, `forbidden_role` | PERMISSION_DENIED | outside the caller's scope or role |
//! | `declaration_not_found` | NOT_FOUND | nothing computed yet for that key |
//! | `declaration_frozen` | FAILED_PRECONDITION | sent or paid: never recomputed or changed |
//! | `transition_invalid`, `validation_failed` | FAILED_PRECONDITION | not a life-cycle step; errors block ready |
//! | `utm_missing`, `utm_table_invalid`, `config_invalid` | FAILED_PRECONDITION | a UTM month or the configuration is missing/wrong |
//! | `utm_invalid`, `holidays_invalid` | INVALID_ARGUMENT | new UTM values or a holiday year break a rule (the line or entry named) |
//! | `holidays_missing` | FAILED_PRECONDITION | the holiday table lacks the year a due date falls in |
//! | `concurrent_update` | ABORTED | another request changed the declaration meanwhile |
//! | `sii_gateway_unavailable` | UNAVAILABLE | sii-gateway down, slow, or not implementing the call yet |
//! | `sii_gateway_error`, `internal` | INTERNAL | unexpected; logged, opaque to the client |

use ofitec_domain::ErrorCode;
use ofitec_platform::grpc::status;
use tonic::{Code, Status};

use super::gateway::GatewayError;
use crate::domain::calendar::holidays::HolidayError;
use crate::domain::compute::ComputeError;
use crate::domain::inputs::InputError;
use crate::domain::utm::UtmError;
use crate::store::StoreError;

/// A storage failure.
pub fn store(e: StoreError) -> Status {
    match e {
        StoreError::NotFound { company, period } => status::error(
            ErrorCode::DeclarationNotFound,
            format!("no declaration computed for {company} {period}"),
        ),
        StoreError::Transition(t) => status::error(t.code(), t.to_string()),
        StoreError::Conflict => status::error(
            ErrorCode::ConcurrentUpdate,
            StoreError::Conflict.to_string(),
        ),
        StoreError::Utm(u) => new_utm(u),
        StoreError::Holidays(h) => holidays(h),
        other => status::internal("f29 store", &other),
    }
}

/// A failure talking to sii-gateway.
pub fn gateway(e: GatewayError) -> Status {
    match e {
        GatewayError::Unavailable { .. } => {
            status::error(ErrorCode::SiiGatewayUnavailable, e.to_string())
        }
        GatewayError::Failed {
            status: Code::PermissionDenied,
            message,
            ..
        } => status::error(ErrorCode::ForbiddenCompany, message),
        other => {
            tracing::error!(error = %other, "sii-gateway call failed");
            status::error(
                ErrorCode::SiiGatewayError,
                "reading documents from sii-gateway failed",
            )
        }
    }
}

/// Invalid inputs.
pub fn inputs(e: InputError) -> Status {
    status::error(ErrorCode::InputsInvalid, e.to_string())
}

/// A UTM table problem.
pub fn utm(e: UtmError) -> Status {
    match e {
        UtmError::Missing(_) | UtmError::OutOfRange(_) => {
            status::error(ErrorCode::UtmMissing, e.to_string())
        }
        other => status::error(ErrorCode::UtmTableInvalid, other.to_string()),
    }
}

/// New UTM values refused (an import or the admin API): the caller's input is wrong.
pub fn new_utm(e: UtmError) -> Status {
    match e {
        UtmError::Invalid { .. } => status::error(ErrorCode::UtmInvalid, e.to_string()),
        other => utm(other),
    }
}

/// A holiday year refused, or a year the table lacks.
pub fn holidays(e: HolidayError) -> Status {
    match e {
        HolidayError::Missing(_) => status::error(ErrorCode::HolidaysMissing, e.to_string()),
        HolidayError::Invalid { .. } => status::error(ErrorCode::HolidaysInvalid, e.to_string()),
    }
}

/// A computation that could not run.
pub fn compute(e: ComputeError) -> Status {
    match e {
        ComputeError::Utm(u) => utm(u),
        ComputeError::Input(i) => inputs(i),
        ComputeError::Amounts(a) => status::error(ErrorCode::AmountsOutOfRange, a.to_string()),
        other @ ComputeError::NonCreditedCodigo(_) => {
            status::error(ErrorCode::ConfigInvalid, other.to_string())
        }
    }
}
