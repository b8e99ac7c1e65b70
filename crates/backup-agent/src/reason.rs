//! Why a backup runs: a catalog column, a restic tag (`reason=<reason>`) and a CLI value, all
//! the same stable strings.

/// The reasons a run may have.
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
