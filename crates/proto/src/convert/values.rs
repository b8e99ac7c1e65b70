//! RUTs and periods travel as text: `76123456-0`, `2024-11`. Domain → wire is their
//! `Display`; wire → domain parses and names the field when the text is wrong.

use ofitec_domain::{Period, Rut};

use super::{ConvertError, Problem};

/// The RUT in `field` (required).
pub fn rut(field: &str, text: &str) -> Result<Rut, ConvertError> {
    Rut::parse(text).map_err(|e| ConvertError::new(field, Problem::Rut(e)))
}

/// The RUT in `field`, `None` when empty (summary lines have no counterpart).
pub fn optional_rut(field: &str, text: &str) -> Result<Option<Rut>, ConvertError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    rut(field, text).map(Some)
}

/// The period in `field` (`YYYY-MM`; SII's `YYYYMM` is accepted too).
pub fn period(field: &str, text: &str) -> Result<Period, ConvertError> {
    Period::parse(text).map_err(|e| ConvertError::new(field, Problem::Period(e)))
}
