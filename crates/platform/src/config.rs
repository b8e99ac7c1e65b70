//! Layered configuration: the struct's defaults, then a YAML file, then environment variables.
//!
//! Environment variables override single keys: `OFITEC__DATABASE__URL=…` sets `database.url`
//! (double underscores separate levels, names are case-insensitive). A service may also declare
//! conventional aliases such as `DATABASE_URL` → `database.url`. Values are read as YAML
//! scalars, so `5555` is a number and `[a, b]` a list; quote a value to force text.
//!
//! Every config struct uses `#[serde(deny_unknown_fields)]`, so a misspelt key is an error that
//! names the key and where it came from, instead of a silently ignored setting.

use std::collections::BTreeMap;
use std::fmt;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_yaml::{Mapping, Value};

/// Prefix of the environment variables that override configuration keys.
pub const ENV_PREFIX: &str = "OFITEC__";

/// A conventional environment variable mapped onto a configuration key.
#[derive(Debug, Clone, Copy)]
pub struct EnvAlias {
    /// Variable name, e.g. `DATABASE_URL`.
    pub var: &'static str,
    /// Dotted key, e.g. `database.url`.
    pub key: &'static str,
}

/// Why a configuration could not be loaded. Messages name the file, variable and key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// File given with `--config`.
        path: PathBuf,
        /// I/O error.
        source: std::io::Error,
    },
    /// The file is not valid YAML.
    #[error("config file {path} is not valid YAML: {message}")]
    Yaml {
        /// File given with `--config`.
        path: PathBuf,
        /// Parser message with line and column.
        message: String,
    },
    /// The file's top level is not a mapping.
    #[error("config file {0} must contain a mapping of keys at the top level")]
    NotAMapping(PathBuf),
    /// An environment variable cannot be applied.
    #[error("environment variable {var}: {message}")]
    Env {
        /// The variable.
        var: String,
        /// What is wrong.
        message: String,
    },
    /// A key is unknown or has an invalid value.
    #[error("invalid configuration at `{key}` ({origin}): {message}")]
    Invalid {
        /// Dotted path of the offending key.
        key: String,
        /// Where the value came from (file, variable or default).
        origin: String,
        /// What is wrong.
        message: String,
    },
}

/// Loads `T` from an optional YAML file and the process environment.
pub fn load<T: DeserializeOwned>(
    file: Option<&Path>,
    aliases: &[EnvAlias],
) -> Result<T, ConfigError> {
    let env: Vec<(String, String)> = std::env::vars().collect();
    load_from(file, &env, aliases)
}

/// Like [`load`], with the environment given explicitly (for tests).
pub fn load_from<T: DeserializeOwned>(
    file: Option<&Path>,
    env: &[(String, String)],
    aliases: &[EnvAlias],
) -> Result<T, ConfigError> {
    let mut root = match file {
        Some(path) => read_yaml(path)?,
        None => Mapping::new(),
    };
    let mut origins: BTreeMap<String, String> = BTreeMap::new();

    // Aliases first, so an explicit OFITEC__ variable for the same key wins.
    for alias in aliases {
        if let Some((_, value)) = env.iter().find(|(k, _)| k == alias.var) {
            let path: Vec<String> = alias.key.split('.').map(str::to_owned).collect();
            set_path(&mut root, &path, parse_scalar(alias.var, value)?, alias.var)?;
            origins.insert(
                alias.key.to_owned(),
                format!("environment variable {}", alias.var),
            );
        }
    }
    for (var, value) in env {
        let Some(rest) = var.strip_prefix(ENV_PREFIX) else {
            continue;
        };
        let path: Vec<String> = rest.split("__").map(str::to_ascii_lowercase).collect();
        if path.iter().any(String::is_empty) {
            return Err(ConfigError::Env {
                var: var.clone(),
                message: "empty key segment (use single words joined by `__`)".to_owned(),
            });
        }
        set_path(&mut root, &path, parse_scalar(var, value)?, var)?;
        origins.insert(path.join("."), format!("environment variable {var}"));
    }

    let file_origin = file
        .map(|p| format!("config file {}", p.display()))
        .unwrap_or_else(|| "defaults".to_owned());
    serde_path_to_error::deserialize(Value::Mapping(root)).map_err(|err| {
        let key = err.path().to_string();
        let origin = origins
            .iter()
            .filter(|(k, _)| {
                key == **k || key.starts_with(&format!("{k}.")) || k.starts_with(&format!("{key}."))
            })
            .map(|(_, o)| o.clone())
            .next()
            .unwrap_or(file_origin);
        ConfigError::Invalid {
            key,
            origin,
            message: err.into_inner().to_string(),
        }
    })
}

fn read_yaml(path: &Path) -> Result<Mapping, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    let value: Value = serde_yaml::from_str(&text).map_err(|e| ConfigError::Yaml {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    match value {
        Value::Mapping(m) => Ok(m),
        Value::Null => Ok(Mapping::new()),
        _ => Err(ConfigError::NotAMapping(path.to_owned())),
    }
}

fn parse_scalar(var: &str, value: &str) -> Result<Value, ConfigError> {
    if value.is_empty() {
        return Ok(Value::String(String::new()));
    }
    serde_yaml::from_str(value).map_err(|e| ConfigError::Env {
        var: var.to_owned(),
        message: format!("value is not a valid YAML scalar: {e}"),
    })
}

fn set_path(
    root: &mut Mapping,
    path: &[String],
    value: Value,
    var: &str,
) -> Result<(), ConfigError> {
    let Some((last, parents)) = path.split_last() else {
        return Ok(());
    };
    let mut node = root;
    for segment in parents {
        let entry = node
            .entry(Value::String(segment.clone()))
            .or_insert_with(|| Value::Mapping(Mapping::new()));
        if entry.is_null() {
            *entry = Value::Mapping(Mapping::new());
        }
        node = match entry {
            Value::Mapping(m) => m,
            _ => {
                return Err(ConfigError::Env {
                    var: var.to_owned(),
                    message: format!("`{segment}` is a value, not a section"),
                });
            }
        };
    }
    node.insert(Value::String(last.clone()), value);
    Ok(())
}

/// A `host:port` to listen on. Port 0 asks the OS for a free port (tests).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub struct ListenAddr(String);

/// Why a listen address is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListenAddrError {
    /// No `:port` part.
    #[error("`{0}` is not `host:port`")]
    Format(String),
    /// The port is not a number from 0 to 65535.
    #[error("invalid port `{port}` in `{addr}`: expected a number from 0 to 65535")]
    Port {
        /// The whole address.
        addr: String,
        /// The port text.
        port: String,
    },
}

impl ListenAddr {
    /// Validates `host:port` (host may be a name, an IPv4 or a bracketed IPv6 address).
    pub fn parse(text: &str) -> Result<ListenAddr, ListenAddrError> {
        let text = text.trim();
        let (host, port) = text
            .rsplit_once(':')
            .ok_or_else(|| ListenAddrError::Format(text.to_owned()))?;
        if host.is_empty() {
            return Err(ListenAddrError::Format(text.to_owned()));
        }
        port.parse::<u16>().map_err(|_| ListenAddrError::Port {
            addr: text.to_owned(),
            port: port.to_owned(),
        })?;
        Ok(ListenAddr(text.to_owned()))
    }

    /// `127.0.0.1:port`: reachable only from this host.
    pub fn loopback(port: u16) -> ListenAddr {
        ListenAddr(format!("127.0.0.1:{port}"))
    }

    /// `0.0.0.0:port`: every interface (inside containers).
    pub fn all_interfaces(port: u16) -> ListenAddr {
        ListenAddr(format!("0.0.0.0:{port}"))
    }

    /// Resolves to a socket address.
    pub fn resolve(&self) -> std::io::Result<SocketAddr> {
        self.0.to_socket_addrs()?.next().ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::AddrNotAvailable,
                format!("`{}` resolves to no address", self.0),
            )
        })
    }

    /// The port part.
    pub fn port(&self) -> u16 {
        self.0
            .rsplit_once(':')
            .and_then(|(_, p)| p.parse().ok())
            .unwrap_or(0)
    }

    /// The address as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<ListenAddr> for String {
    fn from(value: ListenAddr) -> String {
        value.0
    }
}

impl fmt::Display for ListenAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for ListenAddr {
    type Err = ListenAddrError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ListenAddr::parse(s)
    }
}

impl<'de> Deserialize<'de> for ListenAddr {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        ListenAddr::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Deployment environment. Some development conveniences are refused in production.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    /// A developer machine or a test.
    #[default]
    Development,
    /// A shared test system.
    Staging,
    /// Real companies' data.
    Production,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Sample {
        #[serde(default = "default_listen")]
        listen: ListenAddr,
        #[serde(default)]
        database: Db,
        #[serde(default)]
        origins: Vec<String>,
    }

    #[derive(Debug, Default, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Db {
        #[serde(default)]
        url: String,
        #[serde(default)]
        pool_size: u32,
    }

    fn default_listen() -> ListenAddr {
        ListenAddr("0.0.0.0:5555".to_owned())
    }

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    const ALIASES: &[EnvAlias] = &[EnvAlias {
        var: "DATABASE_URL",
        key: "database.url",
    }];

    fn yaml(text: &str) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().expect("temp file");
        file.write_all(text.as_bytes()).expect("write temp file");
        file
    }

    #[test]
    fn file_then_env_then_alias_precedence() {
        let file = yaml("listen: 127.0.0.1:1\ndatabase:\n  url: a.db\n  pool_size: 2\n");
        let cfg: Result<Sample, _> = load_from(
            Some(file.path()),
            &env(&[
                ("DATABASE_URL", "b.db"),
                ("OFITEC__DATABASE__POOL_SIZE", "9"),
                ("OFITEC__ORIGINS", "[x, y]"),
            ]),
            ALIASES,
        );
        let cfg = cfg.map_err(|e| e.to_string());
        assert_eq!(
            cfg,
            Ok(Sample {
                listen: ListenAddr("127.0.0.1:1".to_owned()),
                database: Db {
                    url: "b.db".to_owned(),
                    pool_size: 9
                },
                origins: vec!["x".to_owned(), "y".to_owned()],
            })
        );
    }

    #[test]
    fn explicit_variable_beats_alias() {
        let cfg: Result<Sample, _> = load_from(
            None,
            &env(&[
                ("OFITEC__DATABASE__URL", "explicit.db"),
                ("DATABASE_URL", "alias.db"),
            ]),
            ALIASES,
        );
        assert_eq!(
            cfg.map(|c| c.database.url).ok().as_deref(),
            Some("explicit.db")
        );
    }

    #[test]
    fn unknown_key_in_file_is_named() {
        let file = yaml("database:\n  url: a.db\n  pool_sise: 3\n");
        let err = load_from::<Sample>(Some(file.path()), &[], ALIASES)
            .err()
            .map(|e| e.to_string());
        let err = err.unwrap_or_default();
        assert!(err.contains("pool_sise"), "{err}");
        assert!(err.contains("database"), "{err}");
        assert!(err.contains("config file"), "{err}");
    }

    #[test]
    fn unknown_key_from_env_names_the_variable() {
        let err = load_from::<Sample>(None, &env(&[("OFITEC__DATABSE__URL", "x")]), ALIASES)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("databse"), "{err}");
        assert!(err.contains("OFITEC__DATABSE__URL"), "{err}");
    }

    #[test]
    fn bad_port_is_explained() {
        let err = load_from::<Sample>(None, &env(&[("OFITEC__LISTEN", "0.0.0.0:70000")]), ALIASES)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("invalid port `70000`"), "{err}");
        assert!(err.contains("`listen`"), "{err}");
    }

    #[test]
    fn wrong_type_is_explained() {
        let file = yaml("database:\n  pool_size: many\n");
        let err = load_from::<Sample>(Some(file.path()), &[], ALIASES)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("database.pool_size"), "{err}");
    }

    #[test]
    fn broken_yaml_reports_position() {
        let file = yaml("database: [unclosed\n");
        let err = load_from::<Sample>(Some(file.path()), &[], ALIASES)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("not valid YAML"), "{err}");
        assert!(err.contains("line"), "{err}");
    }

    #[test]
    fn missing_file_is_an_error() {
        let err = load_from::<Sample>(Some(Path::new("/nonexistent/x.yaml")), &[], ALIASES)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("/nonexistent/x.yaml"), "{err}");
    }

    #[test]
    fn listen_addr_forms() {
        assert!(ListenAddr::parse("0.0.0.0:5555").is_ok());
        assert!(ListenAddr::parse("[::1]:0").is_ok());
        assert!(ListenAddr::parse("localhost:50051").is_ok());
        assert_eq!(
            ListenAddr::parse("5555")
                .err()
                .map(|e| e.to_string())
                .as_deref(),
            Some("`5555` is not `host:port`")
        );
        assert!(ListenAddr::parse(":5555").is_err());
        assert!(ListenAddr::parse("host:-1").is_err());
        assert_eq!(
            ListenAddr::parse("0.0.0.0:5555").map(|l| l.port()).ok(),
            Some(5555)
        );
    }
}
