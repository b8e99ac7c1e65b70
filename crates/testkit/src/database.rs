//! A fresh, isolated database for one test, removed when dropped.

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, RunQueryDsl};
use ofitec_platform::db::DatabaseUrl;

/// Which backend the suite runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A temporary SQLite file.
    Sqlite,
    /// A throwaway database on the PostgreSQL server of `OFITEC_TEST_POSTGRES_URL`.
    Postgres,
}

impl Backend {
    /// The backend selected by `OFITEC_TEST_BACKEND` (default SQLite).
    pub fn from_env() -> Backend {
        match std::env::var("OFITEC_TEST_BACKEND").as_deref() {
            Ok("postgres") => Backend::Postgres,
            Ok("sqlite") | Err(_) => Backend::Sqlite,
            Ok(other) => panic!("OFITEC_TEST_BACKEND={other}: expected sqlite or postgres"),
        }
    }
}

/// A database that exists for the lifetime of this value.
#[derive(Debug)]
pub struct TestDatabase {
    url: DatabaseUrl,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDatabase {
    /// A new empty database on the selected backend.
    pub fn new() -> TestDatabase {
        TestDatabase::on(Backend::from_env())
    }

    /// A new empty database on `backend`.
    pub fn on(backend: Backend) -> TestDatabase {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary directory");
                let path = dir.path().join("test.db");
                TestDatabase {
                    url: DatabaseUrl::Sqlite(path),
                    cleanup: Cleanup::Sqlite(dir),
                }
            }
            Backend::Postgres => {
                let admin_url = std::env::var("OFITEC_TEST_POSTGRES_URL").expect(
                    "OFITEC_TEST_BACKEND=postgres needs OFITEC_TEST_POSTGRES_URL (make test sets both)",
                );
                let name = format!("t_{}", uuid::Uuid::new_v4().simple());
                let mut admin = PgConnection::establish(&admin_url)
                    .unwrap_or_else(|e| panic!("cannot reach the test PostgreSQL server: {e}"));
                admin
                    .batch_execute(&format!("CREATE DATABASE \"{name}\""))
                    .expect("create test database");
                let url = replace_database(&admin_url, &name);
                TestDatabase {
                    url: DatabaseUrl::Postgres(url),
                    cleanup: Cleanup::Postgres { admin_url, name },
                }
            }
        }
    }

    /// Where the database is.
    pub fn url(&self) -> DatabaseUrl {
        self.url.clone()
    }

    /// The URL as a string for a child process's `DATABASE_URL`.
    pub fn url_string(&self) -> String {
        match &self.url {
            DatabaseUrl::Postgres(u) => u.clone(),
            DatabaseUrl::Sqlite(p) => p.display().to_string(),
        }
    }

    /// The backend this database lives on.
    pub fn backend(&self) -> Backend {
        match self.url {
            DatabaseUrl::Postgres(_) => Backend::Postgres,
            DatabaseUrl::Sqlite(_) => Backend::Sqlite,
        }
    }
}

impl Default for TestDatabase {
    fn default() -> Self {
        TestDatabase::new()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup
            && let Ok(mut admin) = PgConnection::establish(admin_url)
        {
            let _ =
                admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
        }
    }
}

/// `postgres://u@h:p/postgres?x` → `postgres://u@h:p/<name>?x`.
fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[scheme_end..].find('/').map(|i| i + scheme_end);
    let host_part = match path_start {
        Some(i) => &base[..i],
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{name}?{q}"),
        None => format!("{host_part}/{name}"),
    }
}

/// Proves a service's migrations on the selected backend: after `up` every table in `tables`
/// exists, after reverting them all none does, and they apply again cleanly.
pub async fn check_migrations(migrations: ofitec_platform::db::Migrations, tables: &[&str]) {
    use ofitec_platform::db::{DatabaseConfig, Db, DbError};
    let database = TestDatabase::new();
    let db = Db::connect(&DatabaseConfig::new(database.url()), migrations)
        .await
        .expect("connect and migrate");
    let names: Vec<String> = tables.iter().map(|t| (*t).to_owned()).collect();
    let result = db
        .run(move |conn| {
            let exists = |conn: &mut ofitec_platform::db::DbConnection, table: &str| {
                diesel::sql_query(format!("SELECT COUNT(*) FROM {table}"))
                    .execute(conn)
                    .is_ok()
            };
            for table in &names {
                assert!(
                    exists(conn, table),
                    "table {table} missing after migrations"
                );
            }
            ofitec_platform::db::revert_all_migrations(conn, migrations)?;
            for table in &names {
                assert!(
                    !exists(conn, table),
                    "table {table} still exists after reverting"
                );
            }
            ofitec_platform::db::run_migrations(conn, migrations)?;
            for table in &names {
                assert!(
                    exists(conn, table),
                    "table {table} missing after re-applying"
                );
            }
            Ok::<_, DbError>(())
        })
        .await;
    result.expect("migrations round trip");
}

#[cfg(test)]
mod tests {
    use super::replace_database;

    #[test]
    fn database_name_is_replaced() {
        assert_eq!(
            replace_database("postgres://u@127.0.0.1:5432/postgres", "t_1"),
            "postgres://u@127.0.0.1:5432/t_1"
        );
        assert_eq!(
            replace_database("postgres://u@h/postgres?sslmode=disable", "t_2"),
            "postgres://u@h/t_2?sslmode=disable"
        );
        assert_eq!(replace_database("postgres://h", "t_3"), "postgres://h/t_3");
    }
}
