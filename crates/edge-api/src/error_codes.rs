//! Every stable error code the API can answer with. Clients branch on these; never rename one.

/// The list, used to validate codes that arrive from internal services.
pub const ALL: &[&str] = &[
    "auth_missing",
    "auth_invalid",
    "auth_expired",
    "forbidden_role",
    "forbidden_company",
    "forbidden",
    "not_found",
    "method_not_allowed",
    "invalid_json",
    "invalid_query",
    "invalid_path",
    "invalid_argument",
    "payload_too_large",
    "unsupported_media_type",
    "rut_invalid",
    "rut_check_digit",
    "period_invalid",
    "conflict",
    "rate_limited",
    "not_implemented",
    "service_unavailable",
    "upstream_timeout",
    "internal",
    "error",
];
