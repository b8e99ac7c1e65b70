//! The life of a declaration: draft → ready → sent → paid.
//!
//! * `draft`: computed, editable; recomputing creates a new version.
//! * `ready`: validated (no error findings) and waiting to be filed; it can go back to
//!   `draft`, and recomputing it does so too (the numbers changed).
//! * `sent`, `paid`: filed at SII; frozen forever — never recomputed, never changed, except
//!   `sent` → `paid`.

use ofitec_domain::ErrorCode;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A declaration's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Computed, editable.
    Draft,
    /// Validated, waiting to be filed.
    Ready,
    /// Filed; frozen.
    Sent,
    /// Paid; frozen.
    Paid,
}

impl Status {
    /// Every status, in life-cycle order.
    pub const ALL: [Status; 4] = [Status::Draft, Status::Ready, Status::Sent, Status::Paid];

    /// `draft`, `ready`, `sent`, `paid` (storage and exports).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Ready => "ready",
            Status::Sent => "sent",
            Status::Paid => "paid",
        }
    }

    /// Whether the declaration may no longer be recomputed or changed.
    pub fn is_frozen(self) -> bool {
        matches!(self, Status::Sent | Status::Paid)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "draft" => Ok(Status::Draft),
            "ready" => Ok(Status::Ready),
            "sent" => Ok(Status::Sent),
            "paid" => Ok(Status::Paid),
            other => Err(format!(
                "unknown status `{other}` (expected draft, ready, sent or paid)"
            )),
        }
    }
}

/// Why a status change is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// Sent or paid declarations never change (except sent → paid).
    #[error("the declaration is {0} and can no longer be changed")]
    Frozen(Status),
    /// Not a step of the life cycle.
    #[error("a declaration cannot go from {from} to {to}")]
    NotAllowed {
        /// Current status.
        from: Status,
        /// Requested status.
        to: Status,
    },
    /// `ready` needs a validation without errors.
    #[error("the latest version has {0} validation error(s); fix them before marking it ready")]
    ValidationFailed(usize),
}

impl TransitionError {
    /// Stable code for the API.
    pub fn code(&self) -> ErrorCode {
        match self {
            TransitionError::Frozen(_) => ErrorCode::DeclarationFrozen,
            TransitionError::NotAllowed { .. } => ErrorCode::TransitionInvalid,
            TransitionError::ValidationFailed(_) => ErrorCode::ValidationFailed,
        }
    }
}

/// Checks `from` → `to`; `errors` is the number of error findings of the latest version.
pub fn check_transition(from: Status, to: Status, errors: usize) -> Result<(), TransitionError> {
    use Status::*;
    match (from, to) {
        (Draft, Ready) if errors > 0 => Err(TransitionError::ValidationFailed(errors)),
        (Draft, Ready) | (Ready, Draft) | (Ready, Sent) | (Sent, Paid) => Ok(()),
        (Sent | Paid, _) => Err(TransitionError::Frozen(from)),
        _ => Err(TransitionError::NotAllowed { from, to }),
    }
}

/// Checks that a declaration in `status` may be recomputed.
pub fn check_recompute(status: Status) -> Result<(), TransitionError> {
    if status.is_frozen() {
        Err(TransitionError::Frozen(status))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_life_cycle() {
        use Status::*;
        assert_eq!(check_transition(Draft, Ready, 0), Ok(()));
        assert_eq!(
            check_transition(Draft, Ready, 2),
            Err(TransitionError::ValidationFailed(2))
        );
        assert_eq!(check_transition(Ready, Sent, 0), Ok(()));
        assert_eq!(check_transition(Ready, Draft, 0), Ok(()));
        assert_eq!(check_transition(Sent, Paid, 0), Ok(()));
        assert_eq!(
            check_transition(Sent, Draft, 0),
            Err(TransitionError::Frozen(Sent))
        );
        assert_eq!(
            check_transition(Paid, Sent, 0),
            Err(TransitionError::Frozen(Paid))
        );
        assert!(matches!(
            check_transition(Draft, Sent, 0),
            Err(TransitionError::NotAllowed { .. })
        ));
        assert!(matches!(
            check_transition(Draft, Draft, 0),
            Err(TransitionError::NotAllowed { .. })
        ));
        assert_eq!(check_recompute(Ready), Ok(()));
        assert_eq!(
            check_recompute(Sent).map_err(|e| e.code()),
            Err(ErrorCode::DeclarationFrozen)
        );
        assert_eq!(
            check_recompute(Paid).map_err(|e| e.code()),
            Err(ErrorCode::DeclarationFrozen)
        );
    }

    #[test]
    fn names_round_trip() {
        for s in Status::ALL {
            assert_eq!(s.as_str().parse::<Status>(), Ok(s));
        }
    }
}
