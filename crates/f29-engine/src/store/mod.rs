//! The f29-engine tables: the engine:declarations, versions, mappings.

use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use ofitec_core::db::Migrations;

static POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");
static SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// The f29-engine migrations, one set per backend.
pub const MIGRATIONS: Migrations = Migrations {
    postgres: &POSTGRES,
    sqlite: &SQLITE,
};
