//! The gateway's tables: RCV documents, import jobs, import events, period imports.

pub mod documents;
pub mod error;
pub mod events;
pub mod jobs;
pub mod periods;
mod schema;
pub mod totals;

use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use ofitec_platform::db::Migrations;

pub use error::StoreError;

static POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");
static SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// The gateway's migrations, one set per backend.
pub const MIGRATIONS: Migrations = Migrations {
    postgres: &POSTGRES,
    sqlite: &SQLITE,
};

/// Runs store work on a pooled connection off the async runtime.
pub async fn run<T, F>(db: &ofitec_platform::db::Db, work: F) -> Result<T, StoreError>
where
    F: FnOnce(&mut ofitec_platform::db::DbConnection) -> Result<T, StoreError> + Send + 'static,
    T: Send + 'static,
{
    db.run(move |conn| Ok(work(conn))).await?
}
