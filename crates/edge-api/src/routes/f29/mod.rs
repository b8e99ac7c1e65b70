//! `/api/f29/…`: the monthly return (Formulario 29) computed, read, exported, moved through
//! its life cycle and reconciled by f29-engine, the document → código mapping, the reference
//! data it computes with (UTM table, public holidays) and the filing calendar.
//!
//! Handlers only translate HTTP to the f29-engine contract: the engine computes, validates
//! and refuses (its stable codes reach the client through [`crate::error::ApiError::from_grpc`]).

mod body;
pub mod calendar;
pub mod compute;
pub mod conciliate;
pub mod declarations;
pub mod export;
pub mod holidays;
mod inputs;
mod key;
pub mod mapping;
pub mod status;
pub mod utm;
