//! Getting data back: shared by restore drills and the real `backup-agent restore`.
//!
//! * [`fetch`]: a snapshot restored into a scratch directory, with its manifest.
//! * [`verify`]: artefacts compared with the manifest (SHA-256, size, files, row counts).
//! * [`postgres`]: scratch databases, `pg_restore`, row counts of a live database.
//! * [`target`]: the real restore into a given database, with its safety checks.

pub mod fetch;
pub mod postgres;
pub mod target;
pub mod verify;
