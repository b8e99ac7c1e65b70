//! The gateway's tables: RCV documents, import jobs, import events, period imports.

pub mod documents;
pub mod error;
pub mod events;
pub mod jobs;
pub mod periods;
mod schema;

use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use ofitec_core::db::Migrations;

pub use error::StoreError;

static POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");
static SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// The gateway's migrations, one set per backend.
pub const MIGRATIONS: Migrations = Migrations {
    postgres: &POSTGRES,
    sqlite: &SQLITE,
};
