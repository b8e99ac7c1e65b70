//! API keys for integrations.
//!
//! The key file holds SHA-256 hashes, never keys: a key is 256 bits of randomness, so a fast
//! hash is enough (there is nothing to brute-force), and a leaked file grants nothing.
//! Rotation is "add the new key, deploy it to the integration, remove the old one": the file
//! is re-read on SIGHUP and whenever it changes, without a restart. A file that fails to
//! parse on reload is logged and ignored; the keys in force stay in force.
//!
//! ```yaml
//! keys:
//!   - name: erp-acme
//!     hash: sha256:3f0a…(64 hex)
//!     roles: [operator]
//!     companies: ["76123456-0"]
//!     expires: 2027-01-01T00:00:00Z   # optional
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::SystemTime;

use anyhow::{Context as _, bail};
use chrono::{DateTime, Utc};
use ofitec_domain::identity::{Caller, CompanyScope, Role};
use serde::Deserialize;
use sha2::{Digest as _, Sha256};

use super::principal::{AuthKind, Principal, company_scope, highest_role};

/// Prefix every key starts with, so a key is recognisable (and distinguishable from a JWT).
pub const KEY_PREFIX: &str = "ofk_";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeysFile {
    #[serde(default)]
    keys: Vec<KeyEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyEntry {
    name: String,
    hash: String,
    roles: Vec<String>,
    companies: Vec<String>,
    #[serde(default)]
    expires: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
struct ApiKey {
    name: String,
    role: Role,
    companies: CompanyScope,
    expires: Option<DateTime<Utc>>,
}

/// Why a key was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRejection {
    /// Not in the file.
    Unknown,
    /// Past its `expires`.
    Expired,
}

/// The keys in force, reloadable.
#[derive(Debug)]
pub struct ApiKeys {
    path: Option<PathBuf>,
    keys: RwLock<Arc<HashMap<String, ApiKey>>>,
    seen: Mutex<Option<SystemTime>>,
}

impl ApiKeys {
    /// Loads `path` (no file: no keys). An invalid file stops start-up.
    pub fn load(path: Option<PathBuf>) -> anyhow::Result<ApiKeys> {
        let (keys, seen) = match &path {
            Some(p) => (parse_file(p)?, modified(p)),
            None => (HashMap::new(), None),
        };
        Ok(ApiKeys {
            path,
            keys: RwLock::new(Arc::new(keys)),
            seen: Mutex::new(seen),
        })
    }

    /// Re-reads the file; on error keeps the current keys and returns the error.
    pub fn reload(&self) -> anyhow::Result<usize> {
        let Some(path) = &self.path else {
            return Ok(0);
        };
        let keys = parse_file(path)?;
        let count = keys.len();
        if let Ok(mut current) = self.keys.write() {
            *current = Arc::new(keys);
        }
        if let Ok(mut seen) = self.seen.lock() {
            *seen = modified(path);
        }
        Ok(count)
    }

    /// Reloads when the file's modification time changed since the last load.
    pub fn reload_if_changed(&self) {
        let Some(path) = &self.path else {
            return;
        };
        let now = modified(path);
        let changed = self.seen.lock().map(|seen| *seen != now).unwrap_or(false);
        if changed {
            match self.reload() {
                Ok(count) => {
                    tracing::info!(keys = count, file = %path.display(), "API keys reloaded")
                }
                Err(e) => {
                    tracing::error!(error = %format!("{e:#}"), "API key file invalid; keeping the keys in force");
                    // Do not retry the same broken file every poll.
                    if let Ok(mut seen) = self.seen.lock() {
                        *seen = now;
                    }
                }
            }
        }
    }

    /// The principal a presented key stands for.
    pub fn verify(&self, presented: &str, now: DateTime<Utc>) -> Result<Principal, KeyRejection> {
        let digest = hash_key(presented);
        let keys = self
            .keys
            .read()
            .map(|k| k.clone())
            .map_err(|_| KeyRejection::Unknown)?;
        let key = keys.get(&digest).ok_or(KeyRejection::Unknown)?;
        if key.expires.is_some_and(|expires| expires <= now) {
            return Err(KeyRejection::Expired);
        }
        Ok(Principal {
            caller: Caller {
                sub: format!("apikey:{}", key.name),
                role: key.role,
                companies: key.companies.clone(),
            },
            kind: AuthKind::ApiKey,
        })
    }

    /// How many keys are in force.
    pub fn len(&self) -> usize {
        self.keys.read().map(|k| k.len()).unwrap_or(0)
    }

    /// Whether no key is in force.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// `sha256:<hex>` of a key, the form stored in the key file.
pub fn hash_key(key: &str) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(key.as_bytes())))
}

/// A new random key and its hash (`edge-api api-key`).
pub fn generate() -> (String, String) {
    let key = format!(
        "{KEY_PREFIX}{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let hash = hash_key(&key);
    (key, hash)
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn parse_file(path: &Path) -> anyhow::Result<HashMap<String, ApiKey>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading API key file {}", path.display()))?;
    let file: KeysFile =
        serde_yaml::from_str(&text).with_context(|| format!("API key file {}", path.display()))?;
    let mut keys = HashMap::new();
    let mut names = std::collections::HashSet::new();
    for entry in file.keys {
        let hex = entry
            .hash
            .strip_prefix("sha256:")
            .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
            .with_context(|| {
                format!(
                    "key `{}`: hash must be `sha256:` followed by 64 hex digits",
                    entry.name
                )
            })?;
        if !names.insert(entry.name.clone()) {
            bail!("key name `{}` appears twice", entry.name);
        }
        let role = highest_role(entry.roles.iter().map(String::as_str)).with_context(|| {
            format!(
                "key `{}`: no known role (viewer, operator, admin)",
                entry.name
            )
        })?;
        let companies = company_scope(&entry.companies)
            .map_err(|e| anyhow::anyhow!("key `{}`: {e}", entry.name))?;
        keys.insert(
            format!("sha256:{}", hex.to_ascii_lowercase()),
            ApiKey {
                name: entry.name,
                role,
                companies,
                expires: entry.expires,
            },
        );
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    fn file(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().expect("temp file");
        f.write_all(text.as_bytes()).expect("write");
        f
    }

    #[test]
    fn keys_verify_by_hash_and_expire() {
        let (key, hash) = generate();
        assert!(key.starts_with(KEY_PREFIX) && key.len() == 4 + 64);
        let f = file(&format!(
            "keys:\n  - name: erp\n    hash: {hash}\n    roles: [operator]\n    companies: [\"76123456-0\"]\n    expires: 2030-01-01T00:00:00Z\n"
        ));
        let keys = ApiKeys::load(Some(f.path().to_owned())).expect("load");
        let before = "2029-12-31T00:00:00Z".parse().expect("time");
        let principal = keys.verify(&key, before).expect("valid key");
        assert_eq!(principal.caller.sub, "apikey:erp");
        assert_eq!(principal.caller.role, Role::Operator);
        let after = "2030-01-02T00:00:00Z".parse().expect("time");
        assert_eq!(keys.verify(&key, after), Err(KeyRejection::Expired));
        assert_eq!(keys.verify("ofk_wrong", before), Err(KeyRejection::Unknown));
    }

    #[test]
    fn plain_keys_and_bad_hashes_are_rejected() {
        let f = file(
            "keys:\n  - name: x\n    key: ofk_plain\n    roles: [viewer]\n    companies: ['*']\n",
        );
        let err = ApiKeys::load(Some(f.path().to_owned()))
            .err()
            .map(|e| format!("{e:#}"));
        assert!(
            err.as_deref()
                .is_some_and(|e| e.contains("unknown field `key`")),
            "{err:?}"
        );
        let f = file(
            "keys:\n  - name: x\n    hash: md5:abc\n    roles: [viewer]\n    companies: ['*']\n",
        );
        let err = ApiKeys::load(Some(f.path().to_owned()))
            .err()
            .map(|e| format!("{e:#}"));
        assert!(
            err.as_deref().is_some_and(|e| e.contains("64 hex digits")),
            "{err:?}"
        );
    }

    #[test]
    fn rotation_without_restart_and_broken_reload_keeps_keys() {
        let (old_key, old_hash) = generate();
        let (new_key, new_hash) = generate();
        let f = file(&format!(
            "keys:\n  - {{name: old, hash: {old_hash}, roles: [viewer], companies: ['*']}}\n"
        ));
        let keys = ApiKeys::load(Some(f.path().to_owned())).expect("load");
        let now = Utc::now();
        assert!(keys.verify(&old_key, now).is_ok());
        std::fs::write(
            f.path(),
            format!("keys:\n  - {{name: old, hash: {old_hash}, roles: [viewer], companies: ['*']}}\n  - {{name: new, hash: {new_hash}, roles: [viewer], companies: ['*']}}\n"),
        )
        .expect("rewrite");
        keys.reload().expect("reload");
        assert!(keys.verify(&new_key, now).is_ok());
        std::fs::write(
            f.path(),
            format!(
                "keys:\n  - {{name: new, hash: {new_hash}, roles: [viewer], companies: ['*']}}\n"
            ),
        )
        .expect("rewrite");
        keys.reload().expect("reload");
        assert_eq!(keys.verify(&old_key, now), Err(KeyRejection::Unknown));
        std::fs::write(f.path(), "keys: [broken").expect("rewrite");
        assert!(keys.reload().is_err());
        assert!(
            keys.verify(&new_key, now).is_ok(),
            "keys in force survive a broken file"
        );
    }
}
