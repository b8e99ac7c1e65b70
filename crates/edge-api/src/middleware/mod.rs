//! Middleware every request goes through.

pub mod observe;
