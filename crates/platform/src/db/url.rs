//! Which database a service uses, chosen by the text of `DATABASE_URL`.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A database location: PostgreSQL by URL or a SQLite file.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `postgres://…` or `postgresql://…`, passed to libpq as is.
    Postgres(String),
    /// A SQLite file (`sqlite://path`, `sqlite:path` or a plain path).
    Sqlite(PathBuf),
}

/// Why a text is not a usable database URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DatabaseUrlError {
    /// Empty text.
    #[error(
        "database URL is empty: use postgres://user@host/db or a SQLite file path such as data/service.db"
    )]
    Empty,
    /// A scheme we do not support.
    #[error(
        "unsupported database URL scheme `{0}`: use postgres://…, postgresql://…, sqlite://… or a file path"
    )]
    Scheme(String),
    /// `sqlite://` with no path.
    #[error("SQLite URL `{0}` names no file")]
    NoPath(String),
}

impl DatabaseUrl {
    /// Parses the URL; see the type's documentation for the accepted forms.
    pub fn parse(text: &str) -> Result<DatabaseUrl, DatabaseUrlError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(DatabaseUrlError::Empty);
        }
        if let Some((scheme, rest)) = text.split_once("://") {
            return match scheme.to_ascii_lowercase().as_str() {
                "postgres" | "postgresql" => Ok(DatabaseUrl::Postgres(text.to_owned())),
                "sqlite" if rest.is_empty() => Err(DatabaseUrlError::NoPath(text.to_owned())),
                "sqlite" => Ok(DatabaseUrl::Sqlite(PathBuf::from(rest))),
                other => Err(DatabaseUrlError::Scheme(other.to_owned())),
            };
        }
        if let Some(rest) = text.strip_prefix("sqlite:") {
            return if rest.is_empty() {
                Err(DatabaseUrlError::NoPath(text.to_owned()))
            } else {
                Ok(DatabaseUrl::Sqlite(PathBuf::from(rest)))
            };
        }
        // `mysql:host` and the like: a scheme-looking prefix that is not a Windows drive.
        if let Some((scheme, _)) = text.split_once(':')
            && scheme.len() > 1
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '+')
            && !text.contains('/')
        {
            return Err(DatabaseUrlError::Scheme(scheme.to_owned()));
        }
        Ok(DatabaseUrl::Sqlite(PathBuf::from(text)))
    }

    /// `"postgres"` or `"sqlite"`, for logs and metrics.
    pub fn backend(&self) -> &'static str {
        match self {
            DatabaseUrl::Postgres(_) => "postgres",
            DatabaseUrl::Sqlite(_) => "sqlite",
        }
    }

    /// The URL with any password replaced by `***`, safe to log.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => ofitec_domain::redact::url(url),
        }
    }

    /// The text to hand to the driver. Contains the password: never log it.
    pub fn expose(&self) -> String {
        match self {
            DatabaseUrl::Postgres(url) => url.clone(),
            DatabaseUrl::Sqlite(path) => path.display().to_string(),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl FromStr for DatabaseUrl {
    type Err = DatabaseUrlError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DatabaseUrl::parse(s)
    }
}

impl Serialize for DatabaseUrl {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.redacted())
    }
}

impl<'de> Deserialize<'de> for DatabaseUrl {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        DatabaseUrl::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_forms() {
        let pg = DatabaseUrl::parse("postgres://u:secret@127.0.0.1:5432/db");
        assert_eq!(pg.as_ref().map(DatabaseUrl::backend), Ok("postgres"));
        assert_eq!(
            DatabaseUrl::parse("postgresql://h/db").map(|u| u.backend()),
            Ok("postgres")
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/x.db"),
            Ok(DatabaseUrl::Sqlite(PathBuf::from("data/x.db")))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///tmp/x.db"),
            Ok(DatabaseUrl::Sqlite(PathBuf::from("/tmp/x.db")))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:x.db"),
            Ok(DatabaseUrl::Sqlite(PathBuf::from("x.db")))
        );
        assert_eq!(
            DatabaseUrl::parse("data/x.db"),
            Ok(DatabaseUrl::Sqlite(PathBuf::from("data/x.db")))
        );
    }

    #[test]
    fn rejected_forms() {
        assert_eq!(DatabaseUrl::parse(""), Err(DatabaseUrlError::Empty));
        assert_eq!(
            DatabaseUrl::parse("mysql://h/db"),
            Err(DatabaseUrlError::Scheme("mysql".into()))
        );
        assert_eq!(
            DatabaseUrl::parse("mysql:h"),
            Err(DatabaseUrlError::Scheme("mysql".into()))
        );
        assert!(matches!(
            DatabaseUrl::parse("sqlite://"),
            Err(DatabaseUrlError::NoPath(_))
        ));
    }

    #[test]
    fn passwords_never_print() {
        let url =
            DatabaseUrl::parse("postgres://ofitec:s3cret@db:5432/x?sslmode=require&password=other")
                .map(|u| (u.to_string(), format!("{u:?}")));
        let (display, debug) = url.unwrap_or_default();
        assert!(
            !display.contains("s3cret") && !display.contains("other"),
            "{display}"
        );
        assert!(!debug.contains("s3cret"), "{debug}");
        assert_eq!(
            display,
            "postgres://ofitec:***@db:5432/x?sslmode=require&password=***"
        );
    }
}
