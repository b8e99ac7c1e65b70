//! How runs, drills, steps and maintenance actions end: catalog columns and metric labels, as
//! the same stable strings they have always been stored as.

/// The state of a backup run, or how a restore drill ended (`succeeded` or `failed`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr, strum::Display,
)]
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
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::Display,
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
