//! Producing verified artefacts from sources, before anything reaches a repository.
//!
//! * [`postgres`]: `pg_dump -Fc` streamed through a hasher and `pg_restore -f /dev/null`
//!   (verification reads every byte), row counts from the dump's own snapshot.
//! * [`sqlite`]: `VACUUM INTO` a consistent copy, `PRAGMA integrity_check`, row counts.
//! * [`directory`]: hashes of every file; restic backs the directory up as it is.

pub mod directory;
pub mod hash;
pub mod pgurl;
pub mod postgres;
pub mod sqlite;

/// Why a source could not be dumped or its dump is not trustworthy.
#[derive(Debug, Clone, thiserror::Error)]
pub enum DumpError {
    /// A needed tool is missing.
    #[error(transparent)]
    Tool(#[from] crate::tools::MissingTool),
    /// The dump itself failed.
    #[error("dump of `{source_name}` failed: {detail}")]
    Dump {
        /// Source name.
        source_name: String,
        /// What failed.
        detail: String,
    },
    /// The dump was produced but does not read back: it must not reach a repository.
    #[error("dump of `{source_name}` failed verification: {detail}")]
    Verify {
        /// Source name.
        source_name: String,
        /// What failed.
        detail: String,
    },
}

/// Durations of the two halves of producing an artefact, for the run's steps.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timings {
    /// Dumping (seconds).
    pub dump: f64,
    /// Verifying (seconds; overlaps the dump when streamed).
    pub verify: f64,
}
