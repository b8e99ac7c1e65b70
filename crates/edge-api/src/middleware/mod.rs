//! Middleware every request goes through, outermost first: observe (request id, log,
//! metrics), audit, security headers, CORS, per-IP rate limit.

pub mod audit;
pub mod observe;
pub mod rate_limit;
pub mod security;
