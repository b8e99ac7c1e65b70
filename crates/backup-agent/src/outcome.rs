//! How runs, drills, steps and maintenance actions end: catalog columns and metric labels, as
//! the same stable strings they have always been stored as.

use serde::{Deserialize, Serialize};
use strum::{Display, EnumIter, EnumString, IntoStaticStr};

/// The state of a backup run, or how a restore drill ended (`succeeded` or `failed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumString, IntoStaticStr, Display, EnumIter)]
#[strum(serialize_all = "snake_case")]
pub enum RunResult {
    /// In progress.
    Running,
    /// Every step done and verified.
    Succeeded,
    /// The primary backup is verified; an offsite copy failed.
    Degraded,
    /// Failed; the error says why.
    Failed,
}

impl RunResult {
    /// The column/label value.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Whether a verified backup exists (a degraded run made one too).
    pub fn is_success(self) -> bool {
        matches!(self, RunResult::Succeeded | RunResult::Degraded)
    }
}

/// How one step of a run or one maintenance action ended.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, EnumString, IntoStaticStr, Display,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Outcome {
    /// Done.
    Ok,
    /// Failed; the record's error says why.
    Failed,
}

impl Outcome {
    /// `Ok` when `failed` is false.
    pub fn failed_if(failed: bool) -> Outcome {
        if failed { Outcome::Failed } else { Outcome::Ok }
    }

    /// The column value.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[cfg(test)]
mod tests {
    use super::{Outcome, RunResult};
    use strum::IntoEnumIterator as _;

    /// Catalogs (and the steps' JSON in them) already hold these strings: they never change.
    #[test]
    fn results_keep_their_stored_strings() {
        let stored = ["running", "succeeded", "degraded", "failed"];
        assert_eq!(RunResult::iter().count(), stored.len());
        for (result, text) in RunResult::iter().zip(stored) {
            assert_eq!(result.as_str(), text);
            assert_eq!(text.parse::<RunResult>().ok(), Some(result));
        }
        let successes: Vec<_> = RunResult::iter().filter(|r| r.is_success()).collect();
        assert_eq!(successes, [RunResult::Succeeded, RunResult::Degraded]);
        for (outcome, text) in [(Outcome::Ok, "ok"), (Outcome::Failed, "failed")] {
            assert_eq!(outcome.as_str(), text);
            let json = serde_json::to_string(&outcome).unwrap_or_default();
            assert_eq!(json, format!("\"{text}\""));
        }
        assert_eq!(Outcome::failed_if(true), Outcome::Failed);
    }
}
