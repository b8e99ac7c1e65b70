//! Who is calling: the principal edge-api authenticated, carried to internal services in gRPC
//! metadata so they can scope every read to the caller's companies.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::rut::Rut;

/// Roles in increasing order of power: each includes the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads data.
    Viewer,
    /// Starts imports and computes declarations.
    Operator,
    /// Changes configuration, mappings, sessions and backups.
    Admin,
}

impl Role {
    /// Lower-case name, as in tokens.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "viewer" => Ok(Role::Viewer),
            "operator" => Ok(Role::Operator),
            "admin" => Ok(Role::Admin),
            other => Err(format!(
                "unknown role `{other}` (expected viewer, operator or admin)"
            )),
        }
    }
}

/// The companies a principal may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompanyScope {
    /// Every company (`*`): operators of the platform.
    All,
    /// Only these RUTs.
    Only(BTreeSet<Rut>),
}

impl CompanyScope {
    /// Whether `company` is visible.
    pub fn allows(&self, company: &Rut) -> bool {
        match self {
            CompanyScope::All => true,
            CompanyScope::Only(set) => set.contains(company),
        }
    }

    /// The explicit list, or `None` for all.
    pub fn list(&self) -> Option<Vec<Rut>> {
        match self {
            CompanyScope::All => None,
            CompanyScope::Only(set) => Some(set.iter().copied().collect()),
        }
    }

    /// Text form used in metadata: `*` or RUTs joined by commas.
    pub fn encode(&self) -> String {
        match self {
            CompanyScope::All => "*".to_owned(),
            CompanyScope::Only(set) => set
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(","),
        }
    }

    /// Parses [`CompanyScope::encode`]'s form.
    pub fn decode(text: &str) -> Result<CompanyScope, String> {
        let text = text.trim();
        if text == "*" {
            return Ok(CompanyScope::All);
        }
        let mut set = BTreeSet::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            set.insert(Rut::parse(part).map_err(|e| e.to_string())?);
        }
        Ok(CompanyScope::Only(set))
    }
}

/// An authenticated principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Subject: a user id or an API key name.
    pub sub: String,
    /// Highest role held.
    pub role: Role,
    /// Visible companies.
    pub companies: CompanyScope,
}

impl Caller {
    /// Whether the caller holds at least `needed`.
    pub fn has_role(&self, needed: Role) -> bool {
        self.role >= needed
    }
}
