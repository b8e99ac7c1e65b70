//! Why a backup runs: a catalog column, a restic tag (`reason=<reason>`) and a CLI value, all
//! the same stable strings.

use serde::{Deserialize, Serialize};
use strum::{Display, EnumIter, EnumString, IntoStaticStr};

/// The reasons a run may have.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    EnumString,
    IntoStaticStr,
    Display,
    EnumIter,
    clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Reason {
    /// The plan's schedule.
    Scheduled,
    /// sii-gateway before a bulk import.
    PreImport,
    /// A deploy, before migrations.
    PreDeploy,
    /// An operator.
    Manual,
    /// The safety copy a real restore takes of its target first: the agent's own, never a
    /// caller's. Recorded as a run of the plan (so `ListRuns` shows it) but not a backup of the
    /// plan's sources, so never its last success or failure.
    #[value(skip)]
    PreRestore,
}

impl Reason {
    /// The tag/column value.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[cfg(test)]
mod tests {
    use super::Reason;
    use strum::IntoEnumIterator as _;

    /// Catalogs, manifests and snapshot tags already hold these strings: they never change.
    #[test]
    fn reasons_keep_their_stored_strings() {
        let stored = [
            "scheduled",
            "pre-import",
            "pre-deploy",
            "manual",
            "pre-restore",
        ];
        for (reason, text) in Reason::iter().zip(stored) {
            assert_eq!(reason.as_str(), text);
            assert_eq!(text.parse::<Reason>().ok(), Some(reason));
            let json = serde_json::to_string(&reason).unwrap_or_default();
            assert_eq!(json, format!("\"{text}\""));
        }
        assert_eq!(Reason::iter().count(), stored.len());
        assert!("because".parse::<Reason>().is_err());
    }
}
